// Shared vector types and helpers of every SIMD kernel file (private header): hals.c, kernels.c,
// the slice-chain and segmentation kernels.
// Every kernel reproduces its Swift (or kernels.c) reference bit for bit: products and sums are
// never contracted into FMA unless the reference itself is C code that contracts (kf_equalize).
#ifndef KF_SIMD_H
#define KF_SIMD_H
#include "CImagingKernels.h"
#include "SliceKernels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef float vf __attribute__((vector_size(64), aligned(64)));
typedef int vi __attribute__((vector_size(64), aligned(64)));
typedef unsigned char vu8 __attribute__((vector_size(16)));
typedef unsigned char vb64 __attribute__((vector_size(64)));
typedef double vd8 __attribute__((vector_size(64), aligned(64)));
typedef long long vl8 __attribute__((vector_size(64), aligned(64)));
#define LANES 16
typedef _Bool kf_bool64 __attribute__((ext_vector_type(64)));
typedef _Bool kf_bool16 __attribute__((ext_vector_type(16)));

/* 64 bits, bit i = (p[i] != 0), from 64 bytes at p (vptestmb + kmov on AVX-512BW). */
#define KF_NONZERO_BITS64(p) ({ vb64 kf_v_; memcpy(&kf_v_, (p), 64);                           \
    kf_bool64 kf_b_ = __builtin_convertvector(kf_v_ != (vb64){0}, kf_bool64);                    \
    uint64_t kf_r_; memcpy(&kf_r_, &kf_b_, 8); kf_r_; })
/* 16 bits, bit l = (lane l of the vi mask m is non-zero). */
#define KF_LANE_BITS16(m) ({ kf_bool16 kf_b_ = __builtin_convertvector((m) != (vi){0}, kf_bool16); \
    uint16_t kf_r_; memcpy(&kf_r_, &kf_b_, 2); (unsigned)kf_r_; })

#if defined(__x86_64__) && defined(__linux__)
#define KF_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KF_CLONES
#endif

#define KF_SELECT(m, a, b) ((vf)(((vi)(a) & (m)) | ((vi)(b) & ~(m))))

/* Unaligned vector load / store (macros: a vf-valued function would change the ABI per clone). */
#define kf_loadv(p) ({ vf kf_v_; memcpy(&kf_v_, (p), sizeof(kf_v_)); kf_v_; })
#define kf_storev(p, v) do { vf kf_s_ = (v); memcpy((p), &kf_s_, sizeof(kf_s_)); } while (0)

#endif
