// Kernels of the volume's knee mask (KneeMask) and of the slice chain's `.knee` foreground:
// the mean image over the slices, the square closing, and the per-image mask and counts.
#include "kf_simd.h"
#include <math.h>

/* KneeMask.compute's mean image: out[i] = ((0 + v[0][i]) + v[1][i] + …) · inv, each pixel's
 * sum in slice order (the Swift loop's order, so bit for bit the same). Pixels go in blocks
 * whose partial sums stay in L1, and eight slices are added per sweep: eight sequential
 * streams keep the prefetchers busy on a volume that usually comes from DRAM (measured 2.7×
 * faster cold than one slice per sweep). */
KF_CLONES
void kf_slice_mean(const float *v, long slices, long n, float inv, float *out) {
#pragma clang fp contract(off)
    enum { BLOCK = 4096 };
    for (long b = 0; b < n; b += BLOCK) {
        long m = b + BLOCK < n ? BLOCK : n - b;
        float *o = out + b;
        for (long i = 0; i < m; i++) o[i] = 0.0f;
        long s = 0;
        for (; s + 8 <= slices; s += 8) {
            const float *r0 = v + s * n + b, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
            const float *r4 = r3 + n, *r5 = r4 + n, *r6 = r5 + n, *r7 = r6 + n;
            for (long i = 0; i < m; i++)
                o[i] = (((((((o[i] + r0[i]) + r1[i]) + r2[i]) + r3[i]) + r4[i]) + r5[i]) + r6[i]) + r7[i];
        }
        for (; s < slices; s++) {
            const float *r = v + s * n + b;
            for (long i = 0; i < m; i++) o[i] = o[i] + r[i];
        }
        for (long i = 0; i < m; i++) o[i] = o[i] * inv;
    }
}

/* The `.knee` foreground of one base image: mask[i] = fg[i] != 0, counts[v] (256, overwritten)
 * = foreground pixels whose normalised value is v, and the foreground count returned. Given
 * all[v] (every pixel's counts, which the equalisation already has), only the background pixels
 * (usually the smaller part) are counted: counts = all − background counts, in integers. */
KF_CLONES
long kf_knee_foreground(const unsigned char *restrict fg, const unsigned char *restrict normalized, long n,
                        const int *restrict all, unsigned char *restrict mask, int *restrict counts) {
    int sub[4][256];
    memset(sub, 0, sizeof(sub));
    long bg = 0, i = 0;
    unsigned u = 0;
    for (; i + 64 <= n; i += 64) {
        vb64 v;
        memcpy(&v, fg + i, 64);
        vb64 m = (vb64)(v != (vb64){0}) & ((vb64){0} + 1);
        memcpy(mask + i, &m, 64);
        uint64_t zero = ~KF_NONZERO_BITS64(fg + i);
        bg += __builtin_popcountll(zero);
        while (zero) {
            sub[u++ & 3][normalized[i + __builtin_ctzll(zero)]]++;
            zero &= zero - 1;
        }
    }
    for (; i < n; i++) {
        unsigned char m = fg[i] != 0;
        mask[i] = m;
        if (!m) { sub[0][normalized[i]]++; bg++; }
    }
    for (int v = 0; v < 256; v++) counts[v] = all[v] - (sub[0][v] + sub[1][v] + sub[2][v] + sub[3][v]);
    return n - bg;
}

/* One separable pass of Morphology.squareFilter over a 0/1 image (ph×pw). Its window counts
 * reach `need` exactly when any (need = 1, dilation) or every (need = 2r + 1, erosion) pixel of
 * the clipped window is set, pixels outside counting as unset; so each row is an OR / AND of
 * the 2r + 1 shifted copies of the row padded with r zeros (`pad`, pw + 2r bytes), and each
 * column the same over rows (running counts, one per column, row by row). */
static inline __attribute__((always_inline)) void kf_square_filter(const unsigned char *restrict src, unsigned char *restrict rows,
                                                                   unsigned char *restrict dst, short *restrict count,
                                                                   unsigned char *restrict pad, long ph, long pw, long r, long need) {
    int all = need > 1;
    memset(pad, 0, (size_t)(pw + 2 * r));
    for (long y = 0; y < ph; y++) {
        memcpy(pad + r, src + y * pw, (size_t)pw);
        unsigned char *restrict o = rows + y * pw;
        for (long x = 0; x < pw; x++) o[x] = pad[x];
        if (all) { for (long j = 1; j <= 2 * r; j++) for (long x = 0; x < pw; x++) o[x] &= pad[x + j]; }
        else { for (long j = 1; j <= 2 * r; j++) for (long x = 0; x < pw; x++) o[x] |= pad[x + j]; }
    }
    for (long x = 0; x < pw; x++) count[x] = 0;
    for (long y = 0; y < (r < ph ? r : ph); y++)
        for (long x = 0; x < pw; x++) count[x] += rows[y * pw + x];
    short want = (short)need;
    for (long y = 0; y < ph; y++) {
        unsigned char *restrict o = dst + y * pw;
        if (y + r < ph) { const unsigned char *restrict add = rows + (y + r) * pw; for (long x = 0; x < pw; x++) count[x] += add[x]; }
        if (y - r - 1 >= 0) { const unsigned char *restrict sub = rows + (y - r - 1) * pw; for (long x = 0; x < pw; x++) count[x] -= sub[x]; }
        for (long x = 0; x < pw; x++) o[x] = count[x] >= want;
    }
}

/* Morphology.close: dilation then erosion with a (2r+1)² square on a copy padded by r
 * background pixels, cropped back into m (non-zero counts as set; the result is 0/1).
 * r ≥ 1, 2r+1 < 32768. Returns 1 when memory runs out (m untouched), else 0. */
KF_CLONES
int kf_close_square(unsigned char *m, long h, long w, long r) {
    long ph = h + 2 * r, pw = w + 2 * r, np = ph * pw;
    unsigned char *a = (unsigned char *)calloc((size_t)np, 1);
    unsigned char *b = (unsigned char *)malloc((size_t)np);
    unsigned char *rows = (unsigned char *)malloc((size_t)np);
    short *count = (short *)malloc(sizeof(short) * (size_t)pw);
    unsigned char *pad = (unsigned char *)malloc((size_t)(pw + 2 * r));
    if (!a || !b || !rows || !count || !pad) { free(a); free(b); free(rows); free(count); free(pad); return 1; }
    for (long y = 0; y < h; y++)
        for (long x = 0; x < w; x++) a[(y + r) * pw + x + r] = m[y * w + x] != 0;
    kf_square_filter(a, rows, b, count, pad, ph, pw, r, 1);          /* dilation */
    kf_square_filter(b, rows, a, count, pad, ph, pw, r, 2 * r + 1);  /* erosion */
    for (long y = 0; y < h; y++) memcpy(m + y * w, a + (y + r) * pw + r, (size_t)w);
    free(a); free(b); free(rows); free(count); free(pad);
    return 0;
}

/* KneeMask's log image: logs[i] = logf((0 >= x[i] ? 0 : x[i]) + eps) (Swift's max(x, 0)), and
 * lo/hi = its minimum and maximum by Swift's min/max scan from +inf/−inf (min(a, l) = l < a ?
 * l : a, max(a, l) = l >= a ? l : a). Returns 1 when some log is not finite (the caller then
 * takes its Swift loop), else 0. */
KF_CLONES
int kf_knee_logs(const float *restrict x, long n, float eps, float *restrict logs, float *lo, float *hi) {
    float a = __builtin_inff(), b = -__builtin_inff();
    int bad = 0;
    for (long i = 0; i < n; i++) {
        float v = 0.0f >= x[i] ? 0.0f : x[i];
        float l = logf(v + eps);
        logs[i] = l;
        a = l < a ? l : a;
        b = l >= b ? l : b;
        float d = l - l;
        bad |= d != d;
    }
    *lo = a; *hi = b;
    return bad;
}
