// Wide-SIMD kernels for Imaging (see include/CImagingKernels.h).
#include "CImagingKernels.h"
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

typedef float vf __attribute__((vector_size(64), aligned(64)));
typedef int vi __attribute__((vector_size(64), aligned(64)));
typedef unsigned char vu8 __attribute__((vector_size(16)));
#define LANES 16

#if defined(__x86_64__) && defined(__linux__)
#define KF_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KF_CLONES
#endif

#define Q 4                      /* vectors per block: 4 independent dependency chains */
#define BLOCK (LANES * Q)         /* 64 columns */

KF_CLONES
void kf_hals_chunk(const float *v, const unsigned char *v8, int m, int n, int r, const float *w, const float *d,
                   const float *inv, float l1, int sweeps, float tol2, float *h, int c0, int c1,
                   double *partA, double *partB, double *violation) {
    size_t bytes = sizeof(vf) * (Q * ((size_t)m + 2 * (size_t)r) + (size_t)m * r + (size_t)r * r);
    vf *mem = (vf *)aligned_alloc(64, bytes);
    if (!mem) return;
    memset(mem, 0, bytes);
    /* Layout: X[row * Q + q] is lanes q·16…q·16+15 of the block's row. */
    vf *vb = mem, *hv = vb + (size_t)m * Q, *cv = hv + (size_t)r * Q, *accA = cv + (size_t)r * Q;
    vf *accB = accA + (size_t)m * r;
    vf viol = {0};
    for (int col = c0; col < c1; col += BLOCK) {
        int width = c1 - col < BLOCK ? c1 - col : BLOCK;
        if (width == BLOCK && v8) {  /* 8-bit samples: a quarter of the memory traffic */
            for (int i = 0; i < m; i++) for (int q = 0; q < Q; q++) {
                vu8 t;
                memcpy(&t, v8 + (size_t)i * n + col + q * LANES, sizeof(t));
                vb[(size_t)i * Q + q] = __builtin_convertvector(t, vf);
            }
            for (int k = 0; k < r; k++) memcpy(&hv[(size_t)k * Q], h + (size_t)k * n + col, sizeof(vf) * Q);
        } else if (width == BLOCK) {
            for (int i = 0; i < m; i++) memcpy(&vb[(size_t)i * Q], v + (size_t)i * n + col, sizeof(vf) * Q);
            for (int k = 0; k < r; k++) memcpy(&hv[(size_t)k * Q], h + (size_t)k * n + col, sizeof(vf) * Q);
        } else {
            for (int i = 0; i < m; i++) {
                float *dst = (float *)&vb[(size_t)i * Q];
                for (int l = 0; l < BLOCK; l++)
                    dst[l] = l >= width ? 0.0f : (v8 ? (float)v8[(size_t)i * n + col + l] : v[(size_t)i * n + col + l]);
            }
            for (int k = 0; k < r; k++) {
                float *dst = (float *)&hv[(size_t)k * Q];
                for (int l = 0; l < BLOCK; l++) dst[l] = l < width ? h[(size_t)k * n + col + l] : 0.0f;
            }
        }
        for (int k = 0; k < r; k++) {       /* C = WᵀV − l1, accumulators in registers */
            vf acc[Q];
            for (int q = 0; q < Q; q++) { vf z = {0}; acc[q] = z - l1; }
            for (int i = 0; i < m; i++) {
                float s = w[(size_t)i * r + k];
                const vf *x = &vb[(size_t)i * Q];
                for (int q = 0; q < Q; q++) acc[q] += s * x[q];
            }
            for (int q = 0; q < Q; q++) cv[(size_t)k * Q + q] = acc[q];
        }
        float first = -1.0f;
        for (int sw = 0; sw < sweeps; sw++) {
            vf delta[Q] = {{0}};
            for (int k = 0; k < r; k++) {
                vf g[Q];
                for (int q = 0; q < Q; q++) g[q] = -cv[(size_t)k * Q + q];
                const float *dk = d + (size_t)k * r;
                for (int j = 0; j < r; j++) {
                    float s = dk[j];
                    const vf *hj = &hv[(size_t)j * Q];
                    for (int q = 0; q < Q; q++) g[q] += s * hj[q];
                }
                float ik = inv[k];
                vf *hk = &hv[(size_t)k * Q];
                if (sw == 0 && ik > 0) {   /* projected gradient: min(g, 0) where h = 0 */
                    vf zero = {0};
                    for (int q = 0; q < Q; q++) {
                        vi pos = hk[q] > zero;   /* all ones where h > 0 */
                        vf gmin = __builtin_elementwise_min(g[q], zero);
                        vf pg = (vf)(((vi)g[q] & pos) | ((vi)gmin & ~pos));
                        viol += __builtin_elementwise_abs(pg);
                    }
                }
                for (int q = 0; q < Q; q++) {
                    vf old = hk[q];
                    vf zero = {0};
                    vf nw = __builtin_elementwise_max(old - g[q] * ik, zero);
                    hk[q] = nw;
                    vf diff = nw - old;
                    delta[q] += diff * diff;
                }
            }
            float tot = 0;
            for (int q = 0; q < Q; q++) for (int l = 0; l < LANES; l++) tot += delta[q][l];
            if (first < 0) first = tot; else if (tot <= tol2 * first) break;
        }
        if (width == BLOCK) {
            for (int k = 0; k < r; k++) memcpy(h + (size_t)k * n + col, &hv[(size_t)k * Q], sizeof(vf) * Q);
        } else {
            for (int k = 0; k < r; k++) {
                const float *src = (const float *)&hv[(size_t)k * Q];
                for (int l = 0; l < width; l++) h[(size_t)k * n + col + l] = src[l];
            }
        }
        for (int i = 0; i < m; i++) {       /* A += V·Hᵀ: one vector accumulator per (i, k) */
            const vf *x = &vb[(size_t)i * Q];
            for (int k = 0; k < r; k++) {
                const vf *hk = &hv[(size_t)k * Q];
                vf t = x[0] * hk[0];
                for (int q = 1; q < Q; q++) t += x[q] * hk[q];
                accA[(size_t)i * r + k] += t;
            }
        }
        for (int j = 0; j < r; j++) for (int k = j; k < r; k++) {
            const vf *hj = &hv[(size_t)j * Q], *hk = &hv[(size_t)k * Q];
            vf t = hj[0] * hk[0];
            for (int q = 1; q < Q; q++) t += hj[q] * hk[q];
            accB[(size_t)j * r + k] += t;
        }
    }
    for (size_t i = 0; i < (size_t)m * r; i++) {
        double t = 0;
        for (int l = 0; l < LANES; l++) t += accA[i][l];
        partA[i] = t;
    }
    for (int j = 0; j < r; j++) for (int k = 0; k < r; k++) {
        int a = j < k ? j : k, b = j < k ? k : j;
        double t = 0;
        for (int l = 0; l < LANES; l++) t += accB[(size_t)a * r + b][l];
        partB[(size_t)j * r + k] = t;
    }
    double vt = 0;
    for (int l = 0; l < LANES; l++) vt += viol[l];
    *violation = vt;
    free(mem);
}

typedef double vd8 __attribute__((vector_size(64), aligned(64)));
typedef float vf8 __attribute__((vector_size(32)));
typedef long long vl8 __attribute__((vector_size(64), aligned(64)));

KF_CLONES
int kf_scan(const float *v, long n, unsigned char *bytes, double *norm2, int *isBytes) {
    int nonFinite = 0, negative = 0, notByte = 0;
    for (long i = 0; i < n; i++) {      /* flags and bytes: a plain loop the compiler vectorises */
        float e = v[i];
        nonFinite |= !(e - e == 0.0f);
        negative |= e < 0.0f;
        float c = e < 0.0f ? 0.0f : (e > 255.0f ? 255.0f : e);
        int b = (int)c;
        notByte |= (float)b != e;
        if (bytes) bytes[i] = (unsigned char)b;
    }
    if (nonFinite) return 1;
    vd8 acc = {0};   /* eight float64 partial sums in a fixed order (deterministic) */
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        vf8 x;
        memcpy(&x, v + i, sizeof(x));
        vd8 xd = __builtin_convertvector(x, vd8);
        acc += xd * xd;
    }
    double total = 0;
    for (int l = 0; l < 8; l++) total += acc[l];
    for (; i < n; i++) total += (double)v[i] * (double)v[i];
    *norm2 = total;
    *isBytes = !notByte;
    return negative ? 2 : 0;
}

/// Minimum and maximum of n > 0 floats (no NaN handling: callers pass finite data).
KF_CLONES
void kf_minmax(const float *x, long n, float *lo, float *hi) {
    float a = x[0], b = x[0];
    for (long i = 0; i < n; i++) { a = x[i] < a ? x[i] : a; b = x[i] > b ? x[i] : b; }
    *lo = a; *hi = b;
}

/// hist[min(int((x − lo)·scale), bins − 1)] += 1 over n floats ≥ lo.
KF_CLONES
void kf_histogram(const float *x, long n, float lo, float scale, int bins, int *hist) {
    for (long i = 0; i < n; i++) {
        int b = (int)((x[i] - lo) * scale);
        hist[b < bins - 1 ? b : bins - 1]++;
    }
}

KF_CLONES
void kf_equalize(const float *x, long n, int bins, unsigned char *out, int *hist, float *lut) {
    if (n <= 0 || bins < 1) return;
    float lo = x[0], hi = x[0];
    for (long i = 0; i < n; i++) { lo = x[i] < lo ? x[i] : lo; hi = x[i] > hi ? x[i] : hi; }
    double first = lo, last = hi;
    if (first == last) { first -= 0.5; last += 0.5; }
    double width = (last - first) / bins;
    float normF = (float)(bins / (last - first)), firstF = (float)first;
    for (int b = 0; b < bins; b++) hist[b] = 0;
    for (long i = 0; i < n; i++) {
        float t = (x[i] - firstF) * normF;
        int b = t <= 0.0f ? 0 : (int)t;
        hist[b < bins - 1 ? b : bins - 1]++;
    }
    /* lut[j] = 255·cdf[j] (float64 cumulative, as the Swift reference does) */
    double acc = 0, total = (double)n;
    for (int b = 0; b < bins; b++) { acc += hist[b]; lut[b] = (float)(acc / total * 255.0); }
    float lowEnd = lut[0], highEnd = lut[bins - 1], top = (float)(bins - 1);
    float c0 = (float)(first + 0.5 * width), invWidth = (float)(1.0 / width);
    for (long i = 0; i < n; i++) {
        float t = (x[i] - c0) * invWidth;
        float e;
        if (t <= 0.0f) e = lowEnd;
        else if (t >= top) e = highEnd;
        else { int j = (int)t; e = lut[j] + (lut[j + 1] - lut[j]) * (t - (float)j); }
        e = (e + 12582912.0f) - 12582912.0f;  /* round half to even (|e| ≤ 255) */
        out[i] = (unsigned char)(e < 0.0f ? 0.0f : (e > 255.0f ? 255.0f : e));
    }
}

/* ---------------------------------------------------------------------------------------------
 * Slice-chain kernels: Gaussian smoothing, min/max, scaling + equalisation, byte histograms,
 * run-based connected components, masked histogram / label maps for the K-means segmentation.
 * Each reproduces the Swift reference bit for bit: products and sums are never contracted into
 * FMA here unless the reference itself is C code that contracts (kf_equalize's interpolation).
 * ------------------------------------------------------------------------------------------- */

/* Index into [0, n) under half-sample symmetric reflection (Gaussian.reflect). */
static inline long kf_reflect(long i, long n) {
    if (n == 1) return 0;
    long period = 2 * n;
    long j = i % period;
    if (j < 0) j += period;
    return j < n ? j : period - 1 - j;
}

#define KF_SELECT(m, a, b) ((vf)(((vi)(a) & (m)) | ((vi)(b) & ~(m))))

/* Unaligned vector load / store (macros: a vf-valued function would change the ABI per clone). */
#define kf_loadv(p) ({ vf kf_v_; memcpy(&kf_v_, (p), sizeof(kf_v_)); kf_v_; })
#define kf_storev(p, v) do { vf kf_s_ = (v); memcpy((p), &kf_s_, sizeof(kf_s_)); } while (0)

/* out[x] = Σ_j k[j]·in_j[x] accumulated in tap order (k0·in0, then + kj·inj), x in [0, w). */
#define KF_ROW_FILTER(LOAD)                                                                     \
    long x = 0;                                                                                 \
    for (; x + 4 * LANES <= w; x += 4 * LANES) {                                                \
        vf a0 = k[0] * LOAD(0, x), a1 = k[0] * LOAD(0, x + LANES);                              \
        vf a2 = k[0] * LOAD(0, x + 2 * LANES), a3 = k[0] * LOAD(0, x + 3 * LANES);              \
        for (int j = 1; j < taps; j++) {                                                        \
            float kj = k[j];                                                                    \
            a0 = a0 + kj * LOAD(j, x); a1 = a1 + kj * LOAD(j, x + LANES);                       \
            a2 = a2 + kj * LOAD(j, x + 2 * LANES); a3 = a3 + kj * LOAD(j, x + 3 * LANES);       \
        }                                                                                       \
        kf_storev(o + x, a0); kf_storev(o + x + LANES, a1);                                     \
        kf_storev(o + x + 2 * LANES, a2); kf_storev(o + x + 3 * LANES, a3);                     \
    }                                                                                           \
    for (; x + LANES <= w; x += LANES) {                                                        \
        vf a0 = k[0] * LOAD(0, x);                                                              \
        for (int j = 1; j < taps; j++) a0 = a0 + k[j] * LOAD(j, x);                             \
        kf_storev(o + x, a0);                                                                   \
    }                                                                                           \
    for (; x < w; x++) {                                                                        \
        float a = k[0] * LOAD##S(0, x);                                                         \
        for (int j = 1; j < taps; j++) a = a + k[j] * LOAD##S(j, x);                            \
        o[x] = a;                                                                               \
    }

KF_CLONES
int kf_gauss2d(const float *src, float *dst, long h, long w, const float *k, int taps) {
#pragma clang fp contract(off)
    int r = taps / 2;
    long padded = w + 2 * (long)r;
    float *tmp = (float *)malloc(sizeof(float) * (size_t)(h * w));
    float *pad = (float *)malloc(sizeof(float) * (size_t)padded);
    const float **rows = (const float **)malloc(sizeof(float *) * (size_t)taps);
    if (!tmp || !pad || !rows) { free(tmp); free(pad); free(rows); return 1; }
    for (long y = 0; y < h; y++) {           /* horizontal pass over a reflected copy of the row */
        const float *row = src + y * w;
        long lead = r < padded ? r : padded;
        for (long x = 0; x < lead; x++) pad[x] = row[kf_reflect(x - r, w)];
        memcpy(pad + r, row, sizeof(float) * (size_t)w);
        for (long x = r + w; x < padded; x++) pad[x] = row[kf_reflect(x - r, w)];
        float *o = tmp + y * w;
#define KF_HLOAD(j, x) kf_loadv(pad + (x) + (j))
#define KF_HLOADS(j, x) pad[(x) + (j)]
        KF_ROW_FILTER(KF_HLOAD)
#undef KF_HLOAD
#undef KF_HLOADS
    }
    for (long y = 0; y < h; y++) {           /* vertical pass: whole rows */
        for (int j = 0; j < taps; j++) rows[j] = tmp + kf_reflect(y - r + j, h) * w;
        float *o = dst + y * w;
#define KF_VLOAD(j, x) kf_loadv(rows[j] + (x))
#define KF_VLOADS(j, x) rows[j][x]
        KF_ROW_FILTER(KF_VLOAD)
#undef KF_VLOAD
#undef KF_VLOADS
    }
    free(tmp); free(pad); free(rows);
    return 0;
}

/* Minimum and maximum exactly as the sequential scan of kf_minmax (a = x < a ? x : a from x[0]);
 * lanes run the same scan on strided subsets, and when the result is a zero (whose sign the lane
 * order could change) the sequential scan decides. Returns 1 when some x is NaN or ±inf. */
KF_CLONES
int kf_minmax_fast(const float *x, long n, float *lo, float *hi) {
    float a = x[0], b = x[0];
    int bad = 0;
    long i = 0;
    if (n >= 4 * LANES) {
        vf mn0 = a - (vf){0}, mx0 = mn0, mn1 = mn0, mx1 = mn0;
        vi nf = {0};
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            vf v0 = kf_loadv(x + i), v1 = kf_loadv(x + i + LANES);
            vf d0 = v0 - v0, d1 = v1 - v1;     /* NaN exactly for NaN and ±inf */
            nf |= (d0 != d0) | (d1 != d1);
            mn0 = KF_SELECT(v0 < mn0, v0, mn0); mx0 = KF_SELECT(v0 > mx0, v0, mx0);
            mn1 = KF_SELECT(v1 < mn1, v1, mn1); mx1 = KF_SELECT(v1 > mx1, v1, mx1);
        }
        for (int l = 0; l < LANES; l++) {
            a = mn0[l] < a ? mn0[l] : a; a = mn1[l] < a ? mn1[l] : a;
            b = mx0[l] > b ? mx0[l] : b; b = mx1[l] > b ? mx1[l] : b;
            bad |= nf[l] != 0;
        }
    }
    for (; i < n; i++) {
        a = x[i] < a ? x[i] : a; b = x[i] > b ? x[i] : b;
        float d = x[i] - x[i];
        bad |= d != d;
    }
    /* The scan keeps the first element (in index order) equal to the extreme: for a zero extreme
     * that element decides the sign. */
    if (a == 0.0f) { for (long k = 0; k < n; k++) if (x[k] == 0.0f) { a = x[k]; break; } }
    if (b == 0.0f) { for (long k = 0; k < n; k++) if (x[k] == 0.0f) { b = x[k]; break; } }
    *lo = a; *hi = b;
    return bad;
}

#if defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#define KF_HAVE_AVX512_GATHER 1
/* The interpolation loop of kf_scale_equalize with hardware gathers, for CPUs with AVX-512F and
 * FMA (whose kf_equalize clones, v3 and v4, contract lut[j] + slope·(t − j) into one FMA, as here).
 * Handles the first n − n mod 16 pixels and returns their count. */
__attribute__((target("avx512f,fma")))
static long kf_interp_avx512(const float *scaled, long n, float c0, float invWidth, float top, float lowEnd,
                             float highEnd, const float *lut, const float *slope, unsigned char *out) {
    __m512 zero = _mm512_setzero_ps(), vc0 = _mm512_set1_ps(c0), vinv = _mm512_set1_ps(invWidth);
    __m512 vtop = _mm512_set1_ps(top), vlow = _mm512_set1_ps(lowEnd), vhigh = _mm512_set1_ps(highEnd);
    __m512 magic = _mm512_set1_ps(12582912.0f), v255 = _mm512_set1_ps(255.0f);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(scaled + i), vc0), vinv);
        __mmask16 below = _mm512_cmp_ps_mask(t, zero, _CMP_LE_OQ), above = _mm512_cmp_ps_mask(t, vtop, _CMP_GE_OQ);
        __m512 tc = _mm512_mask_blend_ps(below | above, t, zero);
        __m512i j = _mm512_cvttps_epi32(tc);
        __m512 lj = _mm512_i32gather_ps(j, lut, 4), sj = _mm512_i32gather_ps(j, slope, 4);
        __m512 inner = _mm512_fmadd_ps(sj, _mm512_sub_ps(tc, _mm512_cvtepi32_ps(j)), lj);
        __m512 e = _mm512_mask_blend_ps(below, _mm512_mask_blend_ps(above, inner, vhigh), vlow);
        e = _mm512_sub_ps(_mm512_add_ps(e, magic), magic);
        e = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(e, zero, _CMP_LT_OQ), e, zero);
        e = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(e, v255, _CMP_GT_OQ), e, v255);
        _mm_storeu_si128((__m128i *)(out + i), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(e)));
    }
    return i;
}
#else
#define KF_HAVE_AVX512_GATHER 0
#endif

/* Normalize.scale, Normalize.equalize and the histogram of the equalised bytes in one call:
 * scaled[i] = (min(max(x, low), high) − low)·(255/(high − low)) with Swift's min/max
 * (max(x, y) = y >= x ? y : x, min(x, y) = y < x ? y : x); needs high > low. Then out = the
 * kf_equalize of `scaled` (same arithmetic, expression for expression) and counts[v] = number of
 * output bytes equal to v (256 entries). hist/lut: scratch of `bins` entries. Returns 1 when
 * memory runs out (outputs then undefined), else 0. */
KF_CLONES
int kf_scale_equalize(const float *x, long n, float low, float high, int bins, float *scaled,
                      unsigned char *out, int *hist, float *lut, int *counts) {
    if (n <= 0 || bins < 1) return 0;
    int *sub = (int *)calloc((size_t)bins * 5 + 256 * 4, sizeof(int));  /* + slope (bins floats) */
    if (!sub) return 1;
    int *bsub = sub + (size_t)bins * 4;
    float s = 255.0f / (high - low);
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float m = low >= v ? low : v;
        float c = high < m ? high : m;
        scaled[i] = (c - low) * s;
    }
    float lo, hi;
    (void)kf_minmax_fast(scaled, n, &lo, &hi);
    double first = lo, last = hi;
    if (first == last) { first -= 0.5; last += 0.5; }
    double width = (last - first) / bins;
    float normF = (float)(bins / (last - first)), firstF = (float)first;
    /* bin indices 16 lanes at a time into a small buffer, then the counting (4 sub-histograms) */
    long i = 0;
    {
        vf zero = {0}, vfirst = zero + firstF, vnorm = zero + normF;
        vi last = (vi){0} + (bins - 1);
        int idx[1024];
        while (i < n) {
            long len = n - i < 1024 ? n - i : 1024, k = 0;
            for (; k + LANES <= len; k += LANES) {
                vf t = (kf_loadv(scaled + i + k) - vfirst) * vnorm;
                vi b = __builtin_convertvector(KF_SELECT(t <= zero, zero, t), vi);
                vi under = b < last;
                b = (b & under) | (last & ~under);
                memcpy(idx + k, &b, sizeof(b));
            }
            for (; k < len; k++) {
                float t = (scaled[i + k] - firstF) * normF;
                int b = t <= 0.0f ? 0 : (int)t;
                idx[k] = b < bins - 1 ? b : bins - 1;
            }
            k = 0;
            for (; k + 4 <= len; k += 4) {
                sub[idx[k]]++; sub[bins + idx[k + 1]]++; sub[2 * bins + idx[k + 2]]++; sub[3 * (size_t)bins + idx[k + 3]]++;
            }
            for (; k < len; k++) sub[idx[k]]++;
            i += len;
        }
    }
    for (int b = 0; b < bins; b++) hist[b] = sub[b] + sub[bins + b] + sub[2 * bins + b] + sub[3 * bins + b];
    double acc = 0, total = (double)n;
    for (int b = 0; b < bins; b++) { acc += hist[b]; lut[b] = (float)(acc / total * 255.0); }
    float lowEnd = lut[0], highEnd = lut[bins - 1], top = (float)(bins - 1);
    float c0 = (float)(first + 0.5 * width), invWidth = (float)(1.0 / width);
    /* slope[j] = lut[j+1] − lut[j] (0 for the last bin): lut[j] + slope[j]·(t − j) is the same
     * expression as kf_equalize's (the difference is rounded before the product either way). */
    float *slope = (float *)(bsub + 1024);
    for (int b = 0; b + 1 < bins; b++) slope[b] = lut[b + 1] - lut[b];
    slope[bins - 1] = 0.0f;
    /* kf_equalize's loop, branch-free and 16 lanes at a time (lane gathers from lut/slope) */
    vf zero = {0};
    vf vc0 = zero + c0, vinv = zero + invWidth, vtop = zero + top, vlow = zero + lowEnd, vhigh = zero + highEnd;
    vf magic = zero + 12582912.0f, v255 = zero + 255.0f;
    i = 0;
#if KF_HAVE_AVX512_GATHER
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
        i = kf_interp_avx512(scaled, n, c0, invWidth, top, lowEnd, highEnd, lut, slope, out);
#endif
    for (; i + LANES <= n; i += LANES) {
        vf t = (kf_loadv(scaled + i) - vc0) * vinv;
        vi below = t <= zero, above = t >= vtop;
        vf tc = KF_SELECT(below | above, zero, t);
        vi j = __builtin_convertvector(tc, vi);
        int ja[LANES];
        float la[LANES], sa[LANES];
        memcpy(ja, &j, sizeof(ja));
        for (int l = 0; l < LANES; l++) { la[l] = lut[ja[l]]; sa[l] = slope[ja[l]]; }
        vf lj, sj;
        memcpy(&lj, la, sizeof(lj)); memcpy(&sj, sa, sizeof(sj));
        vf inner = lj + sj * (tc - __builtin_convertvector(j, vf));
        vf e = KF_SELECT(below, vlow, KF_SELECT(above, vhigh, inner));
        e = (e + magic) - magic;
        e = KF_SELECT(e < zero, zero, KF_SELECT(e > v255, v255, e));
        vu8 bytes = __builtin_convertvector(__builtin_convertvector(e, vi), vu8);
        memcpy(out + i, &bytes, LANES);
    }
    for (; i < n; i++) {
        float t = (scaled[i] - c0) * invWidth;
        int below = t <= 0.0f, above = t >= top;
        float tc = below || above ? 0.0f : t;
        int j = (int)tc;
        float inner = lut[j] + slope[j] * (tc - (float)j);
        float e = below ? lowEnd : (above ? highEnd : inner);
        e = (e + 12582912.0f) - 12582912.0f;  /* round half to even (|e| ≤ 255) */
        out[i] = (unsigned char)(e < 0.0f ? 0.0f : (e > 255.0f ? 255.0f : e));
    }
    for (i = 0; i + 4 <= n; i += 4)
        for (int u = 0; u < 4; u++) bsub[u * 256 + out[i + u]]++;
    for (; i < n; i++) bsub[out[i]]++;
    for (int v = 0; v < 256; v++) counts[v] = bsub[v] + bsub[256 + v] + bsub[512 + v] + bsub[768 + v];
    free(sub);
    return 0;
}

/* counts[v] = number of bytes equal to v (256 entries, overwritten). */
KF_CLONES
void kf_byte_histogram(const unsigned char *x, long n, int *counts) {
    int sub[4][256];
    memset(sub, 0, sizeof(sub));
    long i = 0;
    for (; i + 4 <= n; i += 4) { sub[0][x[i]]++; sub[1][x[i + 1]]++; sub[2][x[i + 2]]++; sub[3][x[i + 3]]++; }
    for (; i < n; i++) sub[0][x[i]]++;
    for (int v = 0; v < 256; v++) counts[v] = sub[0][v] + sub[1][v] + sub[2][v] + sub[3][v];
}

/* mask[i] = x[i] > t ? 1 : 0 (x and mask distinct); returns the count of ones. */
KF_CLONES
long kf_threshold(const unsigned char *restrict x, long n, unsigned char t, unsigned char *restrict mask) {
    long c = 0;
    for (long i = 0; i < n; i++) { unsigned char m = x[i] > t; mask[i] = m; c += m; }
    return c;
}

/* Number of non-zero bytes. */
KF_CLONES
long kf_count_nonzero(const unsigned char *x, long n) {
    long c = 0;
    for (long i = 0; i < n; i++) c += x[i] != 0;
    return c;
}

/* ---- 4-connected components on row runs, union–find with the minimum run as root ---------- */

typedef struct { int *start, *end, *parent; long *rowFirst; long count; } kf_runs;

static long kf_find(int *parent, long i) {
    long r = i;
    while (parent[r] != r) r = parent[r];
    while (parent[i] != r) { long nx = parent[i]; parent[i] = (int)r; i = nx; }
    return r;
}

/* Runs of pixels with (m != 0) == fg, in raster order, unioned with the runs they touch in the
 * row above (column intervals overlapping); on return every parent[] is its component's root,
 * the component's first run in raster order. Returns 1 when memory runs out. */
static int kf_label_runs(const unsigned char *m, long h, long w, int fg, kf_runs *R) {
    long maxRuns = h * ((w + 1) / 2) + 1;
    R->start = (int *)malloc(sizeof(int) * (size_t)maxRuns);
    R->end = (int *)malloc(sizeof(int) * (size_t)maxRuns);
    R->parent = (int *)malloc(sizeof(int) * (size_t)maxRuns);
    R->rowFirst = (long *)malloc(sizeof(long) * (size_t)(h + 1));
    if (!R->start || !R->end || !R->parent || !R->rowFirst) return 1;
    long words = (w + 63) / 64;
    uint64_t *bits = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)words);
    if (!bits) return 1;
    uint64_t flip = fg ? 0 : ~(uint64_t)0;
    uint64_t tailMask = (w % 64) ? (((uint64_t)1 << (w % 64)) - 1) : ~(uint64_t)0;
    long c = 0;
    for (long y = 0; y < h; y++) {
        R->rowFirst[y] = c;
        const unsigned char *row = m + y * w;
        /* bit x of the row bitmap: (row[x] != 0) == fg; bits past w are 0 */
        for (long wi = 0; wi < words; wi++) {
            uint64_t word = 0;
            long x0 = wi * 64, len = w - x0 < 64 ? w - x0 : 64;
            long k = 0;
            for (; k + 8 <= len; k += 8) {
                uint64_t v;
                memcpy(&v, row + x0 + k, 8);
                uint64_t hi = (((v & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | v) & 0x8080808080808080ULL;
                word |= (((hi >> 7) * 0x0102040810204080ULL) >> 56) << k;   /* byte i → bit k + i */
            }
            for (; k < len; k++) word |= (uint64_t)(row[x0 + k] != 0) << k;
            word ^= flip;
            if (wi == words - 1) word &= tailMask;
            bits[wi] = word;
        }
        long x = 0;
        while (x < w) {                     /* runs: next set bit, then next clear bit */
            long wi = x >> 6;
            uint64_t word = bits[wi] & (~(uint64_t)0 << (x & 63));
            while (!word && ++wi < words) word = bits[wi];
            if (!word) break;
            long s = wi * 64 + __builtin_ctzll(word);
            wi = s >> 6;
            word = ~bits[wi] & (~(uint64_t)0 << (s & 63));
            while (!word && ++wi < words) word = ~bits[wi];
            long e = word ? wi * 64 + __builtin_ctzll(word) : words * 64;
            if (e > w) e = w;
            R->start[c] = (int)s; R->end[c] = (int)e; R->parent[c] = (int)c;
            c++;
            x = e;
        }
        if (y > 0) {                        /* merge with the previous row's runs */
            long p = R->rowFirst[y - 1], pe = R->rowFirst[y], q = R->rowFirst[y];
            while (p < pe && q < c) {
                if (R->start[p] < R->end[q] && R->start[q] < R->end[p]) {
                    long a = kf_find(R->parent, p), b = kf_find(R->parent, q);
                    if (a < b) R->parent[b] = (int)a; else if (b < a) R->parent[a] = (int)b;
                }
                if (R->end[p] < R->end[q]) p++; else q++;
            }
        }
    }
    free(bits);
    R->rowFirst[h] = c;
    R->count = c;
    for (long i = 0; i < c; i++) R->parent[i] = R->parent[R->parent[i]];  /* roots come first */
    return 0;
}

static void kf_free_runs(kf_runs *R) { free(R->start); free(R->end); free(R->parent); free(R->rowFirst); }

/* Morphology.keepLargestComponent: returns the largest component's size (first in raster order
 * on ties), or −1 when memory runs out; with more than one component, pixels of the others
 * become 0 and the kept ones 1. */
KF_CLONES
long kf_keep_largest(unsigned char *m, long h, long w) {
    kf_runs R = {0};
    if (kf_label_runs(m, h, w, 1, &R)) { kf_free_runs(&R); return -1; }
    long *size = (long *)calloc((size_t)R.count + 1, sizeof(long));
    if (!size) { kf_free_runs(&R); return -1; }
    for (long i = 0; i < R.count; i++) size[R.parent[i]] += R.end[i] - R.start[i];
    long best = -1, bestSize = 0, components = 0;
    for (long i = 0; i < R.count; i++) {
        if (R.parent[i] != i) continue;
        components++;
        if (size[i] > bestSize) { bestSize = size[i]; best = i; }
    }
    if (components > 1) {
        for (long y = 0; y < h; y++)
            for (long i = R.rowFirst[y]; i < R.rowFirst[y + 1]; i++)
                memset(m + y * w + R.start[i], R.parent[i] == best ? 1 : 0, (size_t)(R.end[i] - R.start[i]));
    }
    free(size); kf_free_runs(&R);
    return bestSize;
}

/* Morphology.fillHoles: background components touching no image border become 1, and every
 * foreground byte becomes 1. Returns 1 when memory runs out (mask untouched), else 0. */
KF_CLONES
int kf_fill_holes(unsigned char *m, long h, long w) {
    kf_runs R = {0};
    if (kf_label_runs(m, h, w, 0, &R)) { kf_free_runs(&R); return 1; }
    unsigned char *open = (unsigned char *)calloc((size_t)R.count + 1, 1);
    if (!open) { kf_free_runs(&R); return 1; }
    for (long y = 0; y < h; y++)
        for (long i = R.rowFirst[y]; i < R.rowFirst[y + 1]; i++)
            if (y == 0 || y == h - 1 || R.start[i] == 0 || R.end[i] == w) open[R.parent[i]] = 1;
    for (long i = 0; i < h * w; i++) m[i] = m[i] != 0;
    for (long y = 0; y < h; y++)
        for (long i = R.rowFirst[y]; i < R.rowFirst[y + 1]; i++)
            if (!open[R.parent[i]]) memset(m + y * w + R.start[i], 1, (size_t)(R.end[i] - R.start[i]));
    free(open); kf_free_runs(&R);
    return 0;
}

/* hist[min(int((x − lo)·scale), bins − 1)] += 1 (as kf_histogram, hist not cleared), counted in
 * four interleaved sub-histograms so runs of equal bins do not serialise on one counter. */
KF_CLONES
int kf_histogram_fast(const float *x, long n, float lo, float scale, int bins, int *hist) {
    int *sub = (int *)calloc((size_t)bins * 4, sizeof(int));
    if (!sub) return 1;
    long i = 0;
    for (; i + 4 <= n; i += 4)
        for (int u = 0; u < 4; u++) {
            int b = (int)((x[i + u] - lo) * scale);
            sub[(size_t)u * bins + (b < bins - 1 ? b : bins - 1)]++;
        }
    for (; i < n; i++) { int b = (int)((x[i] - lo) * scale); sub[b < bins - 1 ? b : bins - 1]++; }
    for (int b = 0; b < bins; b++) hist[b] += sub[b] + sub[bins + b] + sub[2 * bins + b] + sub[3 * bins + b];
    free(sub);
    return 0;
}

/* For each x (in order) whose bin min(int((x − lo)·scale), bins − 1) has slot s = slotOfBin[bin]
 * ≥ 0: out[fill[s]++] = x. */
KF_CLONES
void kf_gather_bins(const float *x, long n, float lo, float scale, int bins, const signed char *slotOfBin,
                    float *out, long *fill) {
    for (long i = 0; i < n; i++) {
        int b = (int)((x[i] - lo) * scale);
        int s = slotOfBin[b < bins - 1 ? b : bins - 1];
        if (s >= 0) out[fill[s]++] = x[i];
    }
}

/* counts[v] = number of i with mask[i] != 0 and image[i] == v (256 entries, overwritten). */
KF_CLONES
void kf_masked_histogram(const unsigned char *image, const unsigned char *mask, long n, int *counts) {
    int sub[4][512];
    memset(sub, 0, sizeof(sub));
    /* index v + 256 when masked, v when not: no branch; the unmasked half is ignored */
    long i = 0;
    for (; i + 4 <= n; i += 4)
        for (int u = 0; u < 4; u++) sub[u][image[i + u] + ((mask[i + u] != 0) << 8)]++;
    for (; i < n; i++) sub[0][image[i] + ((mask[i] != 0) << 8)]++;
    for (int v = 0; v < 256; v++) counts[v] = sub[0][256 + v] + sub[1][256 + v] + sub[2][256 + v] + sub[3][256 + v];
}

/* labels[i] = mask[i] ? label[image[i]] : 255; out[i] = mask[i] ? value[image[i]] : 0. */
KF_CLONES
void kf_map_labels(const unsigned char *image, const unsigned char *mask, long n, const unsigned char *label,
                   const float *value, unsigned char *labels, float *out) {
    for (long i = 0; i < n; i++) {
        int on = mask[i] != 0;
        unsigned char v = image[i];
        labels[i] = on ? label[v] : 255;
        out[i] = on ? value[v] : 0.0f;
    }
}

/* kf_map_labels for a step-function labelling: label(v) = #{c in 1…k−1 : v ≥ start[c]} (clusters
 * are contiguous intensity runs), value(v) = lo ≤ v ≤ hi ? v : 0. 64 pixels per step. */
typedef unsigned char vb64 __attribute__((vector_size(64)));
KF_CLONES
void kf_map_steps(const unsigned char *image, const unsigned char *mask, long n, const unsigned char *start, int k,
                  int lo, int hi, unsigned char *labels, float *out) {
    long i = 0;
    vb64 zero = {0}, v255 = zero + 255, vlo = zero + (unsigned char)(lo < 0 ? 0 : lo), vhi = zero + (unsigned char)(hi > 255 ? 255 : hi);
    int empty = lo > hi;
    for (; i + 64 <= n; i += 64) {
        vb64 v, m;
        memcpy(&v, image + i, 64); memcpy(&m, mask + i, 64);
        vb64 on = (vb64)(m != zero);
        vb64 lab = zero;
        for (int c = 1; c < k; c++) lab -= (vb64)(v >= (zero + start[c]));
        vb64 outLab = (lab & on) | (v255 & ~on);
        memcpy(labels + i, &outLab, 64);
        vb64 keep = on & (vb64)(v >= vlo) & (vb64)(v <= vhi);
        if (empty) keep = zero;
        vb64 kv = v & keep;
        for (int q = 0; q < 4; q++) {
            vu8 part;
            memcpy(&part, (unsigned char *)&kv + 16 * q, 16);
            vf f = __builtin_convertvector(part, vf);
            memcpy(out + i + 16 * q, &f, sizeof(f));
        }
    }
    for (; i < n; i++) {
        int on = mask[i] != 0, v = image[i], lab = 0;
        for (int c = 1; c < k; c++) lab += v >= start[c];
        labels[i] = on ? (unsigned char)lab : 255;
        out[i] = on && !empty && v >= lo && v <= hi ? (float)v : 0.0f;
    }
}

/* One DP layer's divide and conquer over j in [jl, jr] with the argmin known to lie in
 * [il, ir]: cur[j] = min over i in max(il, c)…min(ir, j) of prev[i−1] + T[j·d + i], the first
 * minimum (8 lanes keep their own first minima; ties then go to the smallest index), arg[j] = it. */
KF_CLONES
static void kf_dc(const double *T, const double *prev, double *cur, int *arg, long d, long c,
                  long jl, long jr, long il, long ir) {
    while (jl <= jr) {
        long j = (jl + jr) / 2;
        double best = __builtin_inf();
        long bi = il > c ? il : c, upper = ir < j ? ir : j;
        const double *col = T + j * d;
        long i = bi;
        if (upper - bi >= 7) {
            vd8 vb = (vd8){0} + best;
            vl8 vidx = (vl8){0} - 1, iota = {0, 1, 2, 3, 4, 5, 6, 7};
            for (; i + 8 <= upper + 1; i += 8) {
                vd8 p, q;
                memcpy(&p, prev + i - 1, sizeof(p)); memcpy(&q, col + i, sizeof(q));
                vd8 v = p + q;
                vl8 lt = v < vb;
                vb = (vd8)(((vl8)v & lt) | ((vl8)vb & ~lt));
                vidx = ((iota + i) & lt) | (vidx & ~lt);
            }
            long found = -1;
            for (int l = 0; l < 8; l++) {
                if (vidx[l] < 0) continue;
                if (vb[l] < best || (vb[l] == best && vidx[l] < found)) { best = vb[l]; found = vidx[l]; }
            }
            if (found >= 0) bi = found;
        }
        for (; i <= upper; i++) {
            double v = prev[i - 1] + col[i];
            if (v < best) { best = v; bi = i; }
        }
        cur[j] = best; arg[j] = (int)bi;
        kf_dc(T, prev, cur, arg, d, c, jl, j - 1, il, bi);
        jl = j + 1; il = bi;                 /* right half: loop instead of recursing */
    }
}

/* The layers c = 1…kk−1 of KMeans1D.fit's DP, as its Swift `layers` with the tabulated cost:
 * cost(i, j) = max(0, (css[j+1] − css[i]) − s·s/ww), s = cs[j+1] − cs[i], ww = cw[j+1] − cw[i]
 * (Swift's max: v >= 0 ? v : 0), D_0[j] = cost(0, j), D_c[j] = min over i in c…j of
 * D_{c−1}[i−1] + cost(i, j) (first minimum) by divide and conquer on j, split[c·d + j] = argmin.
 * The cost table is stored transposed (cost(i, j) at j·d + i) so the inner loop is contiguous.
 * Returns 1 when memory runs out (split untouched), else 0. */
KF_CLONES
int kf_kmeans_dp(const double *cw, const double *cs, const double *css, long d, long kk, int *split) {
#pragma clang fp contract(off)
    if (kk <= 1 || d <= 0) return 0;
    double *T = (double *)malloc(sizeof(double) * (size_t)(d * d + 2 * d));
    if (!T) return 1;
    double *prev = T + d * d, *cur = prev + d;
    for (long j = 0; j < d; j++) {
        double wj = cw[j + 1], sj = cs[j + 1], qj = css[j + 1];
        double *col = T + j * d;
        for (long i = 0; i <= j; i++) {
            double ww = wj - cw[i], sum = sj - cs[i];
            double v = (qj - css[i]) - sum * sum / ww;
            col[i] = v >= 0.0 ? v : 0.0;
        }
    }
    for (long j = 0; j < d; j++) { prev[j] = T[j * d]; cur[j] = 0.0; }
    for (long c = 1; c < kk; c++) {
        kf_dc(T, prev, cur, split + c * d, d, c, c, d - 1, c, d - 1);
        double *t = prev; prev = cur; cur = t;
    }
    free(T);
    return 0;
}

/* k-th smallest (0-based) of a[0..<m] (reordered), quickselect with median of three. */
static float kf_select(float *a, long m, long k) {
    long lo = 0, hi = m - 1;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        float t;
        if (a[mid] < a[lo]) { t = a[mid]; a[mid] = a[lo]; a[lo] = t; }
        if (a[hi] < a[lo]) { t = a[hi]; a[hi] = a[lo]; a[lo] = t; }
        if (a[hi] < a[mid]) { t = a[hi]; a[hi] = a[mid]; a[mid] = t; }
        float pivot = a[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (k <= j) hi = j; else if (k >= i) lo = i; else return a[k];
    }
    return a[k];
}

/* Order statistics of n finite floats in [lo, hi] (lo < hi, their exact min and max): out[r] =
 * the ranks[r]-th smallest (0-based), r < nr ≤ 4, ranks ascending. Bins b(x) = min(int((x − lo)·
 * 4096/(hi − lo)), 4095) (monotone in x). A strided sample's bin histogram brackets each rank
 * by a bin range; one pass counts the samples below each bracket and collects those inside, and
 * the order statistic is selected among them. Returns 1 when a bracket misses its rank or memory
 * runs out (the caller then uses the full histogram), else 0. */
KF_CLONES
int kf_order_statistics(const float *x, long n, float lo, float hi, const long *ranks, int nr, float *out) {
    enum { BINS = 4096 };
    if (n < 4096 || nr < 1 || nr > 4) return 1;
    float scale = (float)BINS / (hi - lo);
    long stride = (n / 8192) | 1, m = 0;   /* odd: no aliasing with power-of-two row widths */
    int *cum = (int *)calloc(BINS + 1, sizeof(int));
    if (!cum) return 1;
    for (long i = 0; i < n; i += stride, m++) {
        int b = (int)((x[i] - lo) * scale);
        cum[(b < BINS - 1 ? b : BINS - 1) + 1]++;
    }
    for (int b = 0; b < BINS; b++) cum[b + 1] += cum[b];
    /* brackets [bl, bh] of bins per rank, merged when they overlap */
    int bl[4], bh[4], nb = 0, owner[4];
    for (int r = 0; r < nr; r++) {
        double p = (double)ranks[r] / (double)n, ks = p * (double)m;
        double margin = 3.0 * __builtin_sqrt(m * p * (1 - p)) + 4.0;  /* a miss only costs time */
        double a = ks - margin, z = ks + margin;
        int l = 0, h = BINS - 1, mid;
        while (l < h) { mid = (l + h) / 2; if (cum[mid + 1] > a) h = mid; else l = mid + 1; }  /* bin of sample rank a */
        int lz = l, hz = BINS - 1;
        while (lz < hz) { mid = (lz + hz) / 2; if (cum[mid + 1] > z) hz = mid; else lz = mid + 1; }
        h = lz < BINS - 1 ? lz + 1 : lz;                     /* bin of sample rank z, plus one */
        if (nb > 0 && l <= bh[nb - 1] + 1) { if (h > bh[nb - 1]) bh[nb - 1] = h; }
        else { bl[nb] = l; bh[nb] = h; nb++; }
        owner[r] = nb - 1;
    }
    free(cum);
    float *bucket[4] = {0};
    long fill[4] = {0}, below[4] = {0};
    for (int q = 0; q < nb; q++) {
        bucket[q] = (float *)malloc(sizeof(float) * (size_t)n);
        if (!bucket[q]) { for (int u = 0; u < q; u++) free(bucket[u]); return 1; }
    }
    vf zero = {0}, vlo = zero + lo, vscale = zero + scale;
    vi last = (vi){0} + (BINS - 1);
    vi cntBelow[4] = {{0}};
    long i = 0;
    for (; i + LANES <= n; i += LANES) {
        vf v = kf_loadv(x + i);
        vi b = __builtin_convertvector((v - vlo) * vscale, vi);
        vi under = b < last;
        b = (b & under) | (last & ~under);
        vi anyIn = {0};
        for (int q = 0; q < nb; q++) {
            vi lt = b < ((vi){0} + bl[q]);
            cntBelow[q] -= lt;
            anyIn |= ~lt & (b <= ((vi){0} + bh[q]));
        }
        vu8 m8 = __builtin_convertvector(anyIn, vu8);   /* lanes in a bracket: 0xFF bytes */
        uint64_t w0, w1;
        memcpy(&w0, &m8, 8); memcpy(&w1, (const unsigned char *)&m8 + 8, 8);
        if (w0 | w1) {
            unsigned bits = (unsigned)((((w0 & 0x8080808080808080ULL) >> 7) * 0x0102040810204080ULL) >> 56)
                          | (unsigned)((((w1 & 0x8080808080808080ULL) >> 7) * 0x0102040810204080ULL) >> 56) << 8;
            while (bits) {                  /* only the flagged lanes, their bins recomputed */
                int l = __builtin_ctz(bits);
                bits &= bits - 1;
                float xv = x[i + l];
                int bb = (int)((xv - lo) * scale);
                bb = bb < BINS - 1 ? bb : BINS - 1;
                for (int q = 0; q < nb; q++)
                    if (bb >= bl[q] && bb <= bh[q]) bucket[q][fill[q]++] = xv;
            }
        }
    }
    for (; i < n; i++) {
        int b = (int)((x[i] - lo) * scale);
        b = b < BINS - 1 ? b : BINS - 1;
        for (int q = 0; q < nb; q++) {
            if (b < bl[q]) below[q]++;
            else if (b <= bh[q]) bucket[q][fill[q]++] = x[i];
        }
    }
    for (int q = 0; q < nb; q++) for (int l = 0; l < LANES; l++) below[q] += cntBelow[q][l];
    int failed = 0;
    for (int r = 0; r < nr && !failed; r++) {
        int q = owner[r];
        long k = ranks[r] - below[q];
        if (k < 0 || k >= fill[q]) failed = 1;
        else out[r] = kf_select(bucket[q], fill[q], k);
    }
    for (int q = 0; q < nb; q++) free(bucket[q]);
    return failed;
}

/* Movemask of a 64-byte compare result (0xFF/0x00 bytes) into 64 bits, byte i → bit i. */
static inline uint64_t kf_movemask64(const unsigned char *bytes) {
    uint64_t bits = 0;
    for (int w = 0; w < 8; w++) {
        uint64_t v;
        memcpy(&v, bytes + 8 * w, 8);
        bits |= ((((v & 0x8080808080808080ULL) >> 7) * 0x0102040810204080ULL) >> 56) << (8 * w);
    }
    return bits;
}

/* out[v] = #{i : mask[i] != 0 and x[i] == v} from counts[v] = #{i : x[i] == v}, visiting only the
 * pixels where mask[i] != 0 differs from x[i] > t (t in −1…255). */
KF_CLONES
void kf_masked_counts(const unsigned char *x, const unsigned char *mask, long n, int t, const int *counts, int *out) {
    for (int v = 0; v < 256; v++) out[v] = v > t ? counts[v] : 0;
    if (t >= 255) { kf_masked_histogram(x, mask, n, out); return; }
    if (t < 0) t = -1;
    vb64 zero = {0};
    long i = 0;
    for (; i + 64 <= n; i += 64) {
        vb64 v, m;
        memcpy(&v, x + i, 64); memcpy(&m, mask + i, 64);
        vb64 above = t < 0 ? zero + 255 : (vb64)(v > (zero + (unsigned char)t));
        vb64 diff = above ^ (vb64)(m != zero);
        uint64_t w[8];
        memcpy(w, &diff, 64);
        if (!(w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])) continue;
        uint64_t bits = kf_movemask64((const unsigned char *)&diff);
        while (bits) {
            int l = __builtin_ctzll(bits);
            bits &= bits - 1;
            out[x[i + l]] += mask[i + l] != 0 ? 1 : -1;
        }
    }
    for (; i < n; i++) {
        int above = (int)x[i] > t, on = mask[i] != 0;
        if (above != on) out[x[i]] += on ? 1 : -1;
    }
}
