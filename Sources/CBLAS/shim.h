// OpenBLAS from Debian's libopenblas-dev: cblas.h sits on the multiarch include path and also
// declares openblas_set_num_threads / openblas_get_num_threads.
#include <cblas.h>

// LAPACK's symmetric eigensolver (divide and conquer), exported by Debian's libopenblas0 too;
// Fortran calling convention (all arguments by reference, column-major).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
