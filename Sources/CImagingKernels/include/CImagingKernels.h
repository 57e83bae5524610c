// Hot loops of the Imaging module that need wide SIMD (AVX-512 / AVX2+FMA) on any x86-64 build:
// compiled once per instruction set and chosen at load time (target_clones), so the binary
// stays runnable on a baseline x86-64 CPU.
#ifndef CIMAGINGKERNELS_H
#define CIMAGINGKERNELS_H

/// One chunk [c0, c1) of a fused HALS pass (see FusedHALS.swift):
/// for each block of 64 columns: C = Wᵀ·V_block − l1, up to `sweeps` coordinate-descent sweeps
/// h_k ← max(0, h_k − (Σ_j d_kj h_j − c_k)·inv_k) (stopping once a sweep's squared change is
/// ≤ tol2 × the first sweep's), then partA += V_block·H_blockᵀ (m×r) and partB += H·Hᵀ (r×r).
/// v: m×n row-major; v8: the same samples as bytes when they are all integers 0…255 (else
/// NULL; then v is read); w: m×r; d: r×r (L2 penalty already on the diagonal); inv: r (0 skips a
/// row); h: r×n row-major, updated in place; partA/partB: overwritten (float64); violation:
/// Σ|projected gradient| met during the first sweep (scikit-learn's cd stopping measure).
void kf_hals_chunk(const float *v, const unsigned char *v8, int m, int n, int r, const float *w, const float *d,
                   const float *inv, float l1, int sweeps, float tol2, float *h, int c0, int c1,
                   double *partA, double *partB, double *violation);

/// Validates and summarises the NMF input: returns 1 on a non-finite sample, 2 on a negative one,
/// else 0 with *norm2 = Σx² (float64) and *isBytes = 1 when every
/// sample is an integer 0…255, in which case bytes[i] holds it (bytes may be NULL).
int kf_scan(const float *v, long n, unsigned char *bytes, double *norm2, int *isBytes);

/// Histogram equalisation of n floats into bytes (see Normalize.equalize for the definition:
/// `bins` equal bins over [min, max] (±0.5 when constant), the cumulative distribution at the bin
/// centres, linear interpolation, ×255, rounded half to even). `hist` and `lut` are scratch of
/// `bins` entries each.
void kf_equalize(const float *x, long n, int bins, unsigned char *out, int *hist, float *lut);

/// Minimum and maximum of n > 0 finite floats.
void kf_minmax(const float *x, long n, float *lo, float *hi);

/// hist[min(int((x − lo)·scale), bins − 1)] += 1 for each of n floats ≥ lo (hist not cleared).
void kf_histogram(const float *x, long n, float lo, float scale, int bins, int *hist);

#endif

// Slice-chain and segmentation kernels (slice_*.c, segment_kernels.c).
#include "SliceKernels.h"
