// Slice-chain and segmentation kernels of the Imaging module (slice_*.c, segment_kernels.c):
// SIMD forms of Gaussian, Normalize, Otsu, Morphology, Segmentation and KMeans1D loops, each
// computing exactly what its Swift (or kernels.c) reference computes. Multi-versioned with
// target_clones like the kernels in CImagingKernels.h.
#ifndef SLICEKERNELS_H
#define SLICEKERNELS_H

/// Gaussian.smooth's separable filter: `taps` weights `k` (radius taps/2), reflect borders,
/// horizontal then vertical pass, each output accumulated in tap order without FMA. src and dst
/// are h×w row-major and must not overlap. Returns 1 when memory runs out, else 0.
int kf_gauss2d(const float *src, float *dst, long h, long w, const float *k, int taps);

/// kf_minmax's result (sequential `x < a ? x : a` scan from x[0]) computed in SIMD lanes; n > 0.
/// Returns 1 when some sample is NaN or ±inf, else 0.
int kf_minmax_fast(const float *x, long n, float *lo, float *hi);

/// Normalize.scale(x, low, high) (high > low) into `scaled`, then kf_equalize of it into `out`,
/// and counts[v] = number of output bytes equal to v (256 entries). hist/lut: `bins` scratch
/// entries each. Returns 1 when memory runs out, else 0.
int kf_scale_equalize(const float *x, long n, float low, float high, int bins, float *scaled,
                      unsigned char *out, int *hist, float *lut, int *counts);

/// counts[v] = number of bytes equal to v (256 entries, overwritten).
void kf_byte_histogram(const unsigned char *x, long n, int *counts);

/// mask[i] = x[i] > t (x and mask must not overlap); returns the number of ones.
long kf_threshold(const unsigned char *restrict x, long n, unsigned char t, unsigned char *restrict mask);

/// Number of non-zero bytes among n.
long kf_count_nonzero(const unsigned char *x, long n);

/// Morphology.keepLargestComponent on row runs (4-connectivity); returns the kept size, −1 when
/// memory runs out.
long kf_keep_largest(unsigned char *m, long h, long w);

/// Morphology.fillHoles on row runs (4-connectivity); returns 1 when memory runs out, else 0.
int kf_fill_holes(unsigned char *m, long h, long w);

/// kf_histogram with four interleaved sub-histograms (hist accumulated, not cleared); returns 1
/// when memory runs out.
int kf_histogram_fast(const float *x, long n, float lo, float scale, int bins, int *hist);

/// Appends each x whose bin (as kf_histogram) has slotOfBin[bin] = s ≥ 0 to out[fill[s]++].
void kf_gather_bins(const float *x, long n, float lo, float scale, int bins, const signed char *slotOfBin,
                    float *out, long *fill);

/// counts[v] = pixels with mask != 0 and image == v (256 entries, overwritten).
void kf_masked_histogram(const unsigned char *image, const unsigned char *mask, long n, int *counts);

/// labels[i] = mask[i] ? label[image[i]] : 255; out[i] = mask[i] ? value[image[i]] : 0.
void kf_map_labels(const unsigned char *image, const unsigned char *mask, long n, const unsigned char *label,
                   const float *value, unsigned char *labels, float *out);

/// kf_map_labels for intensity clusters that are contiguous runs: labels[i] = mask[i] ?
/// #{c in 1…k−1 : image[i] ≥ start[c]} : 255; out[i] = mask[i] && lo ≤ image[i] ≤ hi ? image[i] : 0
/// (nothing kept when lo > hi).
void kf_map_steps(const unsigned char *image, const unsigned char *mask, long n, const unsigned char *start, int k,
                  int lo, int hi, unsigned char *labels, float *out);

/// The DP layers c = 1…kk−1 of KMeans1D.fit (d ≤ ~2000: a d×d cost table is built) from the
/// prefix sums cw, cs, css (d + 1 entries each); split[c·d + j] receives the first index of
/// cluster c in the optimum of values 0…j with c + 1 clusters. Returns 1 when memory runs out.
int kf_kmeans_dp(const double *cw, const double *cs, const double *css, long d, long kk, int *split);

/// Order statistics of n ≥ 4096 finite floats whose exact min and max are lo < hi:
/// out[r] = the ranks[r]-th smallest (0-based) for r < nr ≤ 4 (ranks ascending), located through
/// a sampled histogram and one counting pass. Returns 1 (out undefined) when the sample's
/// brackets miss a rank or memory runs out, else 0.
int kf_order_statistics(const float *x, long n, float lo, float hi, const long *ranks, int nr, float *out);

/// out[v] = pixels with mask != 0 and x == v (256 entries), given counts[v] = pixels with x == v,
/// touching only the pixels where the mask differs from x > t (t in −1…255).
void kf_masked_counts(const unsigned char *x, const unsigned char *mask, long n, int t, const int *counts, int *out);

/// KneeMask's mean image: out[i] = (Σ_s v[s·n + i]) · inv, summed from 0 in slice order (as the
/// Swift loop), for `slices` images of n pixels.
void kf_slice_mean(const float *v, long slices, long n, float inv, float *out);

/// The `.knee` foreground of one base image: mask[i] = fg[i] != 0, counts[v] (256 entries,
/// overwritten) = foreground pixels with normalized == v, given all[v] = pixels with
/// normalized == v; returns the foreground count.
long kf_knee_foreground(const unsigned char *restrict fg, const unsigned char *restrict normalized, long n,
                        const int *restrict all, unsigned char *restrict mask, int *restrict counts);

/// Morphology.close (r ≥ 1, 2r + 1 < 32768): binary closing with a (2r+1)² square on a copy
/// padded by r background pixels, in place; returns 1 when memory runs out (m untouched).
int kf_close_square(unsigned char *m, long h, long w, long r);

/// KneeMask's log image: logs[i] = logf(max(x[i], 0) + eps) and its min/max (Swift's
/// max/min conventions); returns 1 when some log is NaN or ±inf, else 0.
int kf_knee_logs(const float *restrict x, long n, float eps, float *restrict logs, float *lo, float *hi);

#endif
