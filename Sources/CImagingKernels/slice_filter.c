// Gaussian smoothing, min/max and order statistics of the slice chain.
#include "kf_simd.h"

/* Index into [0, n) under half-sample symmetric reflection (Gaussian.reflect). */
static inline long kf_reflect(long i, long n) {
    if (n == 1) return 0;
    long period = 2 * n;
    long j = i % period;
    if (j < 0) j += period;
    return j < n ? j : period - 1 - j;
}

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
    /* Both passes interleaved: output row y needs the horizontal rows up to min(h − 1, y + r)
     * (reflection maps every other index it uses below that), so each horizontal row is made
     * just before its first use and is read back while still in L1 (the same sums in the same
     * order as two whole passes). */
    long made = 0;                            /* horizontal rows 0..<made are in tmp */
    for (long y = 0; y < h; y++) {
        long need = y + r < h - 1 ? y + r : h - 1;
        for (; made <= need; made++) {        /* horizontal pass over a reflected copy of the row */
            const float *row = src + made * w;
            long lead = r < padded ? r : padded;
            for (long x = 0; x < lead; x++) pad[x] = row[kf_reflect(x - r, w)];
            memcpy(pad + r, row, sizeof(float) * (size_t)w);
            for (long x = r + w; x < padded; x++) pad[x] = row[kf_reflect(x - r, w)];
            float *o = tmp + made * w;
#define KF_HLOAD(j, x) kf_loadv(pad + (x) + (j))
#define KF_HLOADS(j, x) pad[(x) + (j)]
            KF_ROW_FILTER(KF_HLOAD)
#undef KF_HLOAD
#undef KF_HLOADS
        }
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
/* Appends the flagged lanes of xs (bit l set: xs[l] may fall in a bracket; its bin, capped at
   `top`, is recomputed) to the buckets of the brackets [bl, bh] they fall in. */
static inline __attribute__((always_inline)) void collect_lanes(unsigned bits, const float *xs, float lo, float scale, int top,
                                                                int nb, const int *bl, const int *bh, float **bucket, long *fill) {
    while (bits) {
        int l = __builtin_ctz(bits);
        bits &= bits - 1;
        float xv = xs[l];
        int bb = (int)((xv - lo) * scale);
        bb = bb < top ? bb : top;
        for (int q = 0; q < nb; q++)
            if (bb >= bl[q] && bb <= bh[q]) bucket[q][fill[q]++] = xv;
    }
}

/* skipLo: samples equal to lo (the minimum) are counted, not collected: they are the smallest
 * values of bin 0, so a rank among them is lo itself and the others are selected among the
 * rest (a base image's background of exact zeros often holds the low percentile, and selecting
 * among thousands of equal values was most of the time). When both zero signs occur, which
 * zero a selection returns depends on the order of its input: then this returns 2 and the
 * caller runs again without skipLo, so the result is always the plain selection's. */
static inline __attribute__((always_inline)) int kf_order_statistics_run(const float *x, long n, float lo, float hi, const long *ranks,
                                                                         int nr, float *out, int skipLo) {
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
    vi eqLanes = {0}, zeroLanes = {0}, negZeroLanes = {0}, negZero = (vi){0} + (int)0x80000000;
    long eqCount = 0, zeroCount = 0, negZeroCount = 0;
    long i = 0;
    if (nb <= 2) {                           /* the usual case: counters in registers */
        vi l0 = (vi){0} + bl[0], h0 = (vi){0} + bh[0];
        vi l1 = (vi){0} + (nb > 1 ? bl[1] : BINS), h1 = (vi){0} + (nb > 1 ? bh[1] : -1);
        vi c0 = {0}, c1 = {0};
        for (; i + LANES <= n; i += LANES) {
            vf v = kf_loadv(x + i);
            vi b = __builtin_convertvector((v - vlo) * vscale, vi);
            vi under = b < last;
            b = (b & under) | (last & ~under);
            vi lt0 = b < l0, lt1 = b < l1;
            c0 -= lt0; c1 -= lt1;
            vi eq = v == vlo;
            eqLanes -= eq; zeroLanes -= v == zero; negZeroLanes -= (vi)v == negZero;
            unsigned bits = KF_LANE_BITS16(((~lt0 & (b <= h0)) | (~lt1 & (b <= h1))) & (skipLo ? ~eq : ~(vi){0}));
            collect_lanes(bits, x + i, lo, scale, BINS - 1, nb, bl, bh, bucket, fill);
        }
        cntBelow[0] = c0; cntBelow[1] = c1;
    }
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
        vi eq = v == vlo;
        eqLanes -= eq; zeroLanes -= v == zero; negZeroLanes -= (vi)v == negZero;
        unsigned bits = KF_LANE_BITS16(anyIn & (skipLo ? ~eq : ~(vi){0}));  /* lanes inside a bracket */
        collect_lanes(bits, x + i, lo, scale, BINS - 1, nb, bl, bh, bucket, fill);
    }
    for (; i < n; i++) {
        int b = (int)((x[i] - lo) * scale);
        b = b < BINS - 1 ? b : BINS - 1;
        int eq = x[i] == lo;
        eqCount += eq;
        if (x[i] == 0.0f) { uint32_t u; memcpy(&u, x + i, 4); zeroCount++; negZeroCount += u == 0x80000000u; }
        for (int q = 0; q < nb; q++) {
            if (b < bl[q]) below[q]++;
            else if (b <= bh[q] && !(skipLo && eq)) bucket[q][fill[q]++] = x[i];
        }
    }
    for (int l = 0; l < LANES; l++) { eqCount += eqLanes[l]; zeroCount += zeroLanes[l]; negZeroCount += negZeroLanes[l]; }
    for (int q = 0; q < nb; q++) for (int l = 0; l < LANES; l++) below[q] += cntBelow[q][l];
    int failed = 0;
    if (skipLo && negZeroCount > 0 && negZeroCount < zeroCount) failed = 2;  /* both zero signs */
    for (int r = 0; r < nr && !failed; r++) {
        int q = owner[r];
        long k = ranks[r] - below[q];
        if (skipLo && bl[q] == 0) {            /* the bracket holds bin 0: its eqCount lo's come first */
            if (k >= 0 && k < eqCount) { out[r] = lo; continue; }
            k -= eqCount;
        }
        if (k < 0 || k >= fill[q]) failed = 1;
        else out[r] = kf_select(bucket[q], fill[q], k);
    }
    for (int q = 0; q < nb; q++) free(bucket[q]);
    return failed;
}

KF_CLONES
int kf_order_statistics(const float *x, long n, float lo, float hi, const long *ranks, int nr, float *out) {
    int r = kf_order_statistics_run(x, n, lo, hi, ranks, nr, out, 1);
    return r == 2 ? kf_order_statistics_run(x, n, lo, hi, ranks, nr, out, 0) : r;
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
