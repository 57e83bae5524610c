// Process-level settings for long-running KneeFlow processes.
#include "CImagingKernels.h"
#include <malloc.h>

void kf_reuse_large_allocations(void) {
    /* Volume-sized buffers (megabytes, several per volume) are then served from the heap and
       reused job after job, instead of being mapped and page-faulted afresh every time. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

#include <gnu/libc-version.h>
#include <stdio.h>

const char *kf_code_path(void) {
    /* Which clone of each KF_CLONES kernel this CPU runs (the dispatcher's own test, in the
       same order as target_clones), whether slice_equalize takes its non-gather path (AMD), and
       the C library whose logf/expf the kernels call. The clones may contract a·b + c into an
       FMA, so two machines with different answers here may round differently. */
    static char text[96];
    __builtin_cpu_init();
    const char *level = __builtin_cpu_supports("x86-64-v4") ? "x86-64-v4"
                      : __builtin_cpu_supports("x86-64-v3") ? "x86-64-v3" : "x86-64";
    snprintf(text, sizeof text, "%s %s glibc-%s", level, __builtin_cpu_is("amd") ? "amd" : "other",
             gnu_get_libc_version());
    return text;
}
