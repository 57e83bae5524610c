// Scaling, equalisation and byte histograms of the slice chain.
#include "kf_simd.h"

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
    /* Not on AMD: Zen 4's microcoded gathers lose to the lane loads below (13 % slower per
     * image measured); both loops compute the same FMA, so the bytes do not depend on it. */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") && !__builtin_cpu_is("amd"))
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
