// Wide-SIMD kernels for Imaging (see include/CImagingKernels.h).
#include "CImagingKernels.h"
#include <stdlib.h>
#include <string.h>

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
