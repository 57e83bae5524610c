// Process-level settings for long-running KneeFlow processes.
#include "CImagingKernels.h"
#include <malloc.h>

void kf_reuse_large_allocations(void) {
    /* Volume-sized buffers (megabytes, several per volume) are then served from the heap and
       reused job after job, instead of being mapped and page-faulted afresh every time. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}
