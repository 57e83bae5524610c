// Hot loops of the Imaging module that need wide SIMD (AVX-512 / AVX2+FMA) on any x86-64 build:
// compiled once per instruction set and chosen at load time (target_clones), so the binary
// stays runnable on a baseline x86-64 CPU.
#ifndef CIMAGINGKERNELS_H
#define CIMAGINGKERNELS_H

/// One chunk [c0, c1) of a fused HALS pass (see FusedHALS.swift):
/// for each block of 64 columns: C = Wᵀ·V_block − l1, up to `sweeps` coordinate-descent sweeps
/// h_k ← max(0, h_k − (Σ_j d_kj h_j − c_k)·inv_k) (stopping once a sweep's squared change is
/// ≤ tol2 × the first sweep's), then partA += V_block·H_blockᵀ (m×r) and partB += H·Hᵀ (r×r).
/// v: m×n row-major; w: m×r; d: r×r (L2 penalty already on the diagonal); inv: r (0 skips a
/// row); h: r×n row-major, updated in place; partA/partB: overwritten (float64); violation:
/// Σ|projected gradient| met during the first sweep (scikit-learn's cd stopping measure).
void kf_hals_chunk(const float *v, int m, int n, int r, const float *w, const float *d,
                   const float *inv, float l1, int sweeps, float tol2, float *h, int c0, int c1,
                   double *partA, double *partB, double *violation);

#endif
