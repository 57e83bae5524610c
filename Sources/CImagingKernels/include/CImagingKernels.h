// Hot loops of the Imaging module that need wide SIMD (AVX-512 / AVX2+FMA) on any x86-64 build:
// compiled once per instruction set and chosen at load time (target_clones), so the binary
// stays runnable on a baseline x86-64 CPU.
#ifndef CIMAGINGKERNELS_H
#define CIMAGINGKERNELS_H

/// Column blocking used by the fused HALS pass: a rows×n row-major matrix is stored as
/// ceil(n / B) blocks of rows×B values (B = kf_block_columns() = 64), block-major, each block
/// row-major, the columns past n zero. Buffers must be 64-byte aligned.
int kf_block_columns(void);
/// Packs a rows×n row-major matrix into the blocked layout (dst: ceil(n/B)·rows·B floats).
void kf_pack_f32(const float *src, int rows, long n, float *dst);
/// Inverse of kf_pack_f32 (dst: rows×n row-major).
void kf_unpack_f32(const float *src, int rows, long n, float *dst);

/// Blocks [b0, b1) of a fused HALS pass (see FusedHALS.swift) on blocked V and H:
/// for each block of 64 columns: C = Wᵀ·V_block − l1, up to `sweeps` coordinate-descent sweeps
/// h_k ← max(0, h_k − (Σ_j d_kj h_j − c_k)·inv_k) (stopping once a sweep's squared change is
/// ≤ tol2 × the first sweep's), then partA += V_block·H_blockᵀ (m×r) and partB += H·Hᵀ (r×r).
/// vpacked: blocked m-row V (read when v8 is NULL); v8: blocked m-row V as bytes when every
/// sample is an integer 0…255; w: m×r; d: r×r (L2 penalty already on the diagonal); inv: r (0
/// skips a row); h: blocked r-row H, updated in place; partA/partB: overwritten (float64);
/// violation: Σ|projected gradient| met during the first sweep (scikit-learn's cd measure).
/// hprev (blocked like h, or NULL): extrapolation — after the sweeps, with h_new the swept block,
/// h ← max(0, h_new + beta·(h_new − hprev)) and hprev ← h_new, and partA/partB are of that h.
void kf_hals_blocks(const float *vpacked, const unsigned char *v8, int m, int r, const float *w, const float *d,
                    const float *inv, float l1, int sweeps, float tol2, float *h, float *hprev, float beta,
                    long b0, long b1, double *partA, double *partB, double *violation);

/// HALS update of W (m×r, row-major, in place) given A = V·Hᵀ (m×r) and B = H·Hᵀ (r×r): up to
/// `sweeps` sweeps over the columns k of W, w_ik ← max(0, w_ik − (l1 − a_ik + l2·w_ik +
/// Σ_j w_ij·b_jk)/(b_kk + l2)) (columns with b_kk + l2 ≤ 0 skipped), stopping once a sweep's
/// squared change is ≤ tol2 × the first sweep's. Returns Σ|projected gradient| of the first
/// sweep. scratch: 2·m·r + m floats.
double kf_hals_update_w(float *w, const float *a, const float *b, int m, int r, float l1, float l2, int sweeps, double tol2,
                        float *scratch);

/// Averages each of m height×width images over factor×factor bins (edge bins smaller) into
/// out (m × ceil(height/factor) × ceil(width/factor)), images on up to `threads` threads;
/// scratch: m·width floats.
void kf_bin(const float *v, int m, int height, int width, int factor, float *out, float *scratch, int threads);

/// dst[k][y][x] = src[k][y·tf/sf][x·tf/sf] for `rows` images: replicates each value of a grid
/// binned by sf (sh×sw) over the finer grid binned by tf (th×tw; tf divides sf); rows on up to
/// `threads` threads.
/// scratch: tw ints.
void kf_replicate(const float *src, int rows, int sh, int sw, int sf, float *dst, int th, int tw, int tf, int threads,
                  int *scratch);

/// glibc: serve allocations up to 256 MB from the heap and keep up to 512 MB of freed heap, so a
/// long-running process reuses its volume-sized buffers instead of page-faulting new ones.
void kf_reuse_large_allocations(void);

/// The code path this process's kernels take on this CPU: the target_clones level chosen
/// ("x86-64-v4", "x86-64-v3" or "x86-64"), the CPU vendor class ("amd"/"other", which picks
/// slice_equalize's path) and the glibc version, e.g. "x86-64-v4 amd glibc-2.36". Static storage.
const char *kf_code_path(void);

/// A task of kf_parallel_for: fn(ctx, task) for task in 0..<tasks.
typedef void (*kf_task_fn)(void *ctx, int task);
/// Runs fn(ctx, 0…tasks−1) on the caller and pooled threads (threads−1 of them started on first
/// use and kept; a later call may use all started ones), each task exactly once. Tasks must
/// write disjoint outputs; which thread runs which task is unspecified. With threads ≤ 1,
/// tasks > 65535, or while another caller uses the pool, the tasks run in order on the caller.
void kf_parallel_for(kf_task_fn fn, void *ctx, int tasks, int threads);

/// Blocks of a whole fused HALS pass, in chunks of `chunkBlocks` blocks run on up to `threads`
/// threads (kf_parallel_for): chunk c writes partA + c·m·r, partB + c·r·r and partV[c]; the
/// arguments are those of kf_hals_blocks, `blocks` the block count of V and H.
void kf_hals_pass(const float *vpacked, const unsigned char *v8, int m, int r, const float *w, const float *d,
                  const float *inv, float l1, int sweeps, float tol2, float *h, float *hprev, float beta, long blocks,
                  int chunkBlocks, int threads, double *partA, double *partB, double *partV);

/// Validates and summarises the m×n row-major NMF input, rows on up to `threads` threads:
/// returns 1 on a non-finite sample, 2 on a negative one, else 0 with *norm2 = Σx² (float64,
/// summed in a fixed order) and *isBytes = 1 when every sample is an integer 0…255, in which
/// case `packed` (when not NULL; ceil(n/B)·m·B bytes) holds them in the blocked layout of
/// kf_pack_f32. scratch: m·kf_scan_scratch_bytes() bytes. With binFactor > 1 and `binned` not
/// NULL, each row (a height×width image) is also binned as by kf_bin (into binned, with
/// binScratch of m·width floats) while it is in cache; binned is meaningful when 0 is returned.
int kf_scan(const float *v, int m, long n, unsigned char *packed, double *norm2, int *isBytes, int threads,
            void *scratch, int binFactor, int height, int width, float *binned, float *binScratch);
int kf_scan_scratch_bytes(void);

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
