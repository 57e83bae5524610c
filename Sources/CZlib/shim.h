// zlib from Debian's zlib1g-dev: gzip (NIfTI .nii.gz) and deflate/CRC-32 (PNG).
#include <zlib.h>
