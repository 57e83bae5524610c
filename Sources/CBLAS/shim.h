// OpenBLAS from Debian's libopenblas-dev: cblas.h sits on the multiarch include path and also
// declares openblas_set_num_threads / openblas_get_num_threads.
#include <cblas.h>
