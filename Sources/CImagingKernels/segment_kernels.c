// Foreground histograms, label maps and the K-means DP of the segmentation.
#include "kf_simd.h"

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
        if (upper - bi < 15) {              /* short range: two interleaved chains, then merged */
            double b0 = best, b1 = best;
            long i0 = -1, i1 = -1;
            for (; i + 1 <= upper; i += 2) {
                double v0 = prev[i - 1] + col[i], v1 = prev[i] + col[i + 1];
                if (v0 < b0) { b0 = v0; i0 = i; }
                if (v1 < b1) { b1 = v1; i1 = i + 1; }
            }
            if (i <= upper) { double v0 = prev[i - 1] + col[i]; if (v0 < b0) { b0 = v0; i0 = i; } i++; }
            if (i1 >= 0 && (i0 < 0 || b1 < b0 || (b1 == b0 && i1 < i0))) { b0 = b1; i0 = i1; }
            if (i0 >= 0) { best = b0; bi = i0; }
        } else {
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
        if (jl < j) kf_dc(T, prev, cur, arg, d, c, jl, j - 1, il, bi);
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
        uint64_t bits = KF_NONZERO_BITS64((const unsigned char *)&diff);
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
