// Wide-SIMD kernels for Imaging (see include/CImagingKernels.h).
#include "kf_simd.h"  /* vector types, LANES, KF_CLONES */

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
