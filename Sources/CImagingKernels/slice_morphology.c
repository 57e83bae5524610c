// Run-based connected components: largest component and hole filling.
#include "kf_simd.h"

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
KF_CLONES
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
            if (len == 64) word = KF_NONZERO_BITS64(row + x0);
            else for (long k = 0; k < len; k++) word |= (uint64_t)(row[x0 + k] != 0) << k;
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
