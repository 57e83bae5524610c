// Fused HALS pass of the NMF (see FusedHALS.swift) on column-blocked matrices.
#include "kf_simd.h"  /* vector types, LANES, KF_CLONES */
#define Q 4                      /* vectors per block row: 4 independent dependency chains */
#define BLOCK (LANES * Q)        /* 64 columns; must equal kf_block_columns() */
#define KG 5                     /* rows of C / of H held in registers at once */

int kf_block_columns(void) { return BLOCK; }

void kf_pack_f32(const float *src, int rows, long n, float *dst) {
    long blocks = (n + BLOCK - 1) / BLOCK;
    for (long b = 0; b < blocks; b++) {
        long c0 = b * BLOCK, width = n - c0 < BLOCK ? n - c0 : BLOCK;
        for (int i = 0; i < rows; i++) {
            float *out = dst + (b * rows + i) * BLOCK;
            memcpy(out, src + (size_t)i * n + c0, sizeof(float) * width);
            if (width < BLOCK) memset(out + width, 0, sizeof(float) * (BLOCK - width));
        }
    }
}

void kf_unpack_f32(const float *src, int rows, long n, float *dst) {
    long blocks = (n + BLOCK - 1) / BLOCK;
    for (long b = 0; b < blocks; b++) {
        long c0 = b * BLOCK, width = n - c0 < BLOCK ? n - c0 : BLOCK;
        for (int i = 0; i < rows; i++) memcpy(dst + (size_t)i * n + c0, src + (b * rows + i) * BLOCK, sizeof(float) * width);
    }
}

typedef float vf8 __attribute__((vector_size(32)));

struct bin_args { const float *v; int height, width, factor; float *out, *scratch; };

/* Image i averaged over factor×factor bins: rows of a bin summed first (vectorised), then the
   bin's columns. */
KF_CLONES
static void bin_one(void *ctx, int i) {
    const struct bin_args *a = (const struct bin_args *)ctx;
    int height = a->height, width = a->width, factor = a->factor;
    int ch = (height + factor - 1) / factor, cw = (width + factor - 1) / factor;
    const float *img = a->v + (size_t)i * height * width;
    float *dst = a->out + (size_t)i * ch * cw, *rowScratch = a->scratch + (size_t)i * width;
    for (int by = 0; by < ch; by++) {
        int y0 = by * factor, y1 = y0 + factor < height ? y0 + factor : height;
        for (int x = 0; x < width; x++) rowScratch[x] = img[(size_t)y0 * width + x];
        for (int y = y0 + 1; y < y1; y++) {
            const float *row = img + (size_t)y * width;
            for (int x = 0; x < width; x++) rowScratch[x] += row[x];
        }
        int full = width / factor;          /* bins of full width: a constant reciprocal */
        float inv = 1.0f / (float)((y1 - y0) * factor);
        float *out = dst + (size_t)by * cw;
        if (factor == 4) {
            for (int bx = 0; bx < full; bx++) {
                const float *p = rowScratch + 4 * bx;
                out[bx] = (((p[0] + p[1]) + p[2]) + p[3]) * inv;
            }
        } else {
            for (int bx = 0; bx < full; bx++) {
                float s = 0;
                for (int x = bx * factor; x < bx * factor + factor; x++) s += rowScratch[x];
                out[bx] = s * inv;
            }
        }
        for (int bx = full; bx < cw; bx++) {   /* a narrower last bin */
            int x0 = bx * factor;
            float s = 0;
            for (int x = x0; x < width; x++) s += rowScratch[x];
            out[bx] = s / (float)((y1 - y0) * (width - x0));
        }
    }
}

struct scan_row { double norm2; int nonFinite, negative, notByte; };
struct scan_args { const float *v; int m; long n; unsigned char *packed; struct scan_row *rows; const struct bin_args *bin; };

/* Row i of the NMF input: flags, Σx² (float64, fixed order) and its bytes in the blocked layout. */
KF_CLONES
static void scan_one(void *ctx, int row) {
    const struct scan_args *a = (const struct scan_args *)ctx;
    const float *v = a->v + (size_t)row * a->n;
    long n = a->n, i = 0;
    vi bad = {0}, neg = {0}, frac = {0};
    vd8 acc = {0}, acc2 = {0};   /* sixteen float64 partial sums in a fixed order (deterministic) */
    const vf zero = {0}, top = zero + 255.0f;
    for (; i + LANES <= n; i += LANES) {
        vf x;
        memcpy(&x, v + i, sizeof(x));
        bad |= (vi)((x - x) != zero);                 /* NaN or ±Inf */
        neg |= (vi)(x < zero);
        vf t = __builtin_elementwise_min(__builtin_elementwise_max(x, zero), top);   /* NaN → 0 */
        frac |= (vi)(__builtin_convertvector(__builtin_convertvector(t, vi), vf) != x);
        vf8 lo = __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7);
        vf8 hi = __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15);
        vd8 p = __builtin_convertvector(lo, vd8), q = __builtin_convertvector(hi, vd8);
        acc += p * p;
        acc2 += q * q;
    }
    acc += acc2;
    struct scan_row r = {0, 0, 0, 0};
    for (int l = 0; l < LANES; l++) { r.nonFinite |= bad[l] != 0; r.negative |= neg[l] != 0; r.notByte |= frac[l] != 0; }
    for (int l = 0; l < 8; l++) r.norm2 += acc[l];
    for (; i < n; i++) {
        float e = v[i];
        r.nonFinite |= !(e - e == 0.0f);
        r.negative |= e < 0.0f;
        float t = e > 0.0f ? (e < 255.0f ? e : 255.0f) : 0.0f;
        r.notByte |= (float)(int)t != e;
        r.norm2 += (double)e * (double)e;
    }
    if (a->packed && !r.notByte && !r.negative && !r.nonFinite) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        for (long b = 0; b < blocks; b++) {
            long c0 = b * BLOCK, width = n - c0 < BLOCK ? n - c0 : BLOCK;
            unsigned char *out = a->packed + (b * a->m + row) * BLOCK;
            for (long l = 0; l < width; l++) out[l] = (unsigned char)(int)v[c0 + l];
            for (long l = width; l < BLOCK; l++) out[l] = 0;
        }
    }
    a->rows[row] = r;
    if (a->bin && !r.nonFinite) bin_one((void *)a->bin, row);   /* the slice is still in cache */
}

int kf_scan(const float *v, int m, long n, unsigned char *packed, double *norm2, int *isBytes, int threads,
            void *scratch, int binFactor, int height, int width, float *binned, float *binScratch) {
    struct bin_args bin = {v, height, width, binFactor, binned, binScratch};
    struct scan_args a = {v, m, n, packed, (struct scan_row *)scratch, binFactor > 1 && binned ? &bin : 0};
    kf_parallel_for(scan_one, &a, m, threads);
    int nonFinite = 0, negative = 0, notByte = 0;
    double s = 0;
    for (int i = 0; i < m; i++) {
        nonFinite |= a.rows[i].nonFinite; negative |= a.rows[i].negative; notByte |= a.rows[i].notByte;
        s += a.rows[i].norm2;
    }
    if (nonFinite) return 1;
    if (negative) return 2;
    *norm2 = s;
    *isBytes = !notByte;
    return 0;
}

int kf_scan_scratch_bytes(void) { return (int)sizeof(struct scan_row); }

void kf_bin(const float *v, int m, int height, int width, int factor, float *out, float *scratch, int threads) {
    struct bin_args a = {v, height, width, factor, out, scratch};
    kf_parallel_for(bin_one, &a, m, threads);
}

struct replicate_args { const float *src; int sh, sw, sf; float *dst; int th, tw, tf; const int *srcX; };

static void replicate_one(void *ctx, int k) {
    const struct replicate_args *a = (const struct replicate_args *)ctx;
    const float *src = a->src + (size_t)k * a->sh * a->sw;
    float *dst = a->dst + (size_t)k * a->th * a->tw;
    for (int y = 0; y < a->th; y++) {
        const float *srow = src + (size_t)((y * a->tf) / a->sf) * a->sw;
        float *drow = dst + (size_t)y * a->tw;
        for (int x = 0; x < a->tw; x++) drow[x] = srow[a->srcX[x]];
    }
}

void kf_replicate(const float *src, int rows, int sh, int sw, int sf, float *dst, int th, int tw, int tf, int threads,
                  int *scratch) {
    for (int x = 0; x < tw; x++) scratch[x] = (x * tf) / sf;   /* source column of each target column */
    struct replicate_args a = {src, sh, sw, sf, dst, th, tw, tf, scratch};
    kf_parallel_for(replicate_one, &a, rows, threads);
}

/* Sum of all lanes of Q vectors as a fixed pairwise tree (short dependency chains). */
static inline __attribute__((always_inline)) float hsum(const vf *x) {
    vf t = x[0];
    for (int q = 1; q < Q; q++) t += x[q];
    typedef float v8f __attribute__((vector_size(32)));
    typedef float v4f __attribute__((vector_size(16)));
    v8f a = __builtin_shufflevector(t, t, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(t, t, 8, 9, 10, 11, 12, 13, 14, 15);
    v4f b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    return (b[0] + b[2]) + (b[1] + b[3]);
}

/* cv[k] = Σ_i w[i][k]·vb[i] − l1 for k in [k0, k0+kg): kg·Q accumulators in registers. */
static inline __attribute__((always_inline)) void crows(const vf *vb, const float *w, int m, int r, int k0, const int kg,
                                                        float l1, vf *cv) {
    vf acc[KG][Q];
    for (int a = 0; a < kg; a++) for (int q = 0; q < Q; q++) { vf z = {0}; acc[a][q] = z - l1; }
    for (int i = 0; i < m; i++) {
        vf xr[Q];
        for (int q = 0; q < Q; q++) xr[q] = vb[(size_t)i * Q + q];
        const float *wi = w + (size_t)i * r + k0;
        for (int a = 0; a < kg; a++) {
            float s = wi[a];
            for (int q = 0; q < Q; q++) acc[a][q] += s * xr[q];
        }
    }
    for (int a = 0; a < kg; a++) for (int q = 0; q < Q; q++) cv[(size_t)(k0 + a) * Q + q] = acc[a][q];
}

/* accA[i][k] += Σ_q vb[i][q]·hv[k][q] for k in [k0, k0+kg): the kg·Q H vectors in registers. */
static inline __attribute__((always_inline)) void arows(const vf *vb, const vf *hv, int m, int r, int k0, const int kg,
                                                        vf *accA) {
    vf hr[KG][Q];
    for (int a = 0; a < kg; a++) for (int q = 0; q < Q; q++) hr[a][q] = hv[(size_t)(k0 + a) * Q + q];
    for (int i = 0; i < m; i++) {
        vf xr[Q];
        for (int q = 0; q < Q; q++) xr[q] = vb[(size_t)i * Q + q];
        vf *out = &accA[(size_t)i * r + k0];
        for (int a = 0; a < kg; a++) {
            vf t = out[a];
            for (int q = 0; q < Q; q++) t += xr[q] * hr[a][q];
            out[a] = t;
        }
    }
}

#define BY_GROUP(call)                                                    \
    for (int k0 = 0; k0 < r; k0 += KG) {                                  \
        int kg = r - k0 < KG ? r - k0 : KG;                               \
        switch (kg) {                                                     \
        case 5: call(5); break;                                           \
        case 4: call(4); break;                                           \
        case 3: call(3); break;                                           \
        case 2: call(2); break;                                           \
        default: call(1); break;                                          \
        }                                                                 \
    }

KF_CLONES
void kf_hals_blocks(const float *vpacked, const unsigned char *v8, int m, int r, const float *w, const float *d,
                    const float *inv, float l1, int sweeps, float tol2, float *h, float *hprev, float beta,
                    long b0, long b1, double *partA, double *partB, double *violation) {
    size_t vectors = (size_t)Q * ((size_t)m + (size_t)r) + (size_t)m * r + (size_t)r * r;
    vf *mem = (vf *)aligned_alloc(64, sizeof(vf) * vectors);
    if (!mem) abort();   /* out of memory: fail loudly, as Swift allocations do, never a silent wrong result */
    memset(mem, 0, sizeof(vf) * vectors);
    vf *vbuf = mem, *cv = vbuf + (size_t)m * Q, *accA = cv + (size_t)r * Q, *accB = accA + (size_t)m * r;
    vf viol = {0};
    for (long blk = b0; blk < b1; blk++) {
        const vf *vb;
        if (v8) {   /* 8-bit samples: a quarter of the memory traffic */
            const unsigned char *src = v8 + (size_t)blk * m * BLOCK;
            for (int i = 0; i < m * Q; i++) {
                vu8 t;
                memcpy(&t, src + (size_t)i * LANES, sizeof(t));
                vbuf[i] = __builtin_convertvector(t, vf);
            }
            vb = vbuf;
        } else {
            vb = (const vf *)(vpacked + (size_t)blk * m * BLOCK);
        }
        vf *hv = (vf *)(h + (size_t)blk * r * BLOCK);
#define CROWS(g) crows(vb, w, m, r, k0, g, l1, cv)
        BY_GROUP(CROWS)
        float first = -1.0f;
        for (int sw = 0; sw < sweeps; sw++) {
            vf delta[Q] = {{0}};
            for (int k = 0; k < r; k++) {
                vf g[Q];
                for (int q = 0; q < Q; q++) g[q] = -cv[(size_t)k * Q + q];
                const float *dk = d + (size_t)k * r;
                /* rows k+1…r−1 and 0…k−1 … in the order k+1, …, r−1, 0, …, k: the row updated
                   last (k−1) enters last, so the rest of the chain runs ahead of its update */
                for (int j = k; j < r; j++) {
                    float s = dk[j];
                    const vf *hj = &hv[(size_t)j * Q];
                    for (int q = 0; q < Q; q++) g[q] += s * hj[q];
                }
                for (int j = 0; j < k; j++) {
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
            float tot = hsum(delta);
            if (first < 0) first = tot; else if (tot <= tol2 * first) break;
        }
        if (hprev) {   /* extrapolation: hprev ← the new iterate, h ← max(0, new + β·(new − previous)) */
            vf *hp = (vf *)(hprev + (size_t)blk * r * BLOCK);
            const vf zero = {0};
            for (int i = 0; i < r * Q; i++) {
                vf nw = hv[i];
                hv[i] = __builtin_elementwise_max(nw + beta * (nw - hp[i]), zero);
                hp[i] = nw;
            }
        }
#define AROWS(g) arows(vb, hv, m, r, k0, g, accA)
        BY_GROUP(AROWS)
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

KF_CLONES
double kf_hals_update_w(float *w, const float *a, const float *b, int m, int r, float l1, float l2, int sweeps, double tol2,
                        float *scratch) {
    float *wt = scratch, *at = wt + (size_t)m * r, *g = at + (size_t)m * r;
    for (int i = 0; i < m; i++) for (int k = 0; k < r; k++) {
        wt[(size_t)k * m + i] = w[(size_t)i * r + k];
        at[(size_t)k * m + i] = a[(size_t)i * r + k];
    }
    double violation = 0, first = -1;
    for (int sw = 0; sw < sweeps; sw++) {
        double delta = 0;
        for (int k = 0; k < r; k++) {
            float hess = b[(size_t)k * r + k] + l2;
            if (!(hess > 0)) continue;
            float inv = 1 / hess;
            float *wk = wt + (size_t)k * m;
            const float *ak = at + (size_t)k * m;
            for (int i = 0; i < m; i++) g[i] = l1 - ak[i] + l2 * wk[i];
            for (int j = 0; j < r; j++) {
                float bjk = b[(size_t)j * r + k];
                const float *wj = wt + (size_t)j * m;
                for (int i = 0; i < m; i++) g[i] += wj[i] * bjk;
            }
            /* Sums in LANES float partial sums (a float64 chain per element was the kernel's
               critical path): only the inner stopping test and the violation read them. */
            const vf zero = {0};
            int i = 0;
            if (sw == 0) {
                vf acc = zero;
                float tail = 0;
                for (; i + LANES <= m; i += LANES) {
                    vf gg = kf_loadv(g + i), o = kf_loadv(wk + i);
                    vf pg = KF_SELECT(o == zero, __builtin_elementwise_min(gg, zero), gg);
                    acc += __builtin_elementwise_abs(pg);
                }
                for (; i < m; i++) {
                    float pg = wk[i] == 0 ? (g[i] < 0 ? g[i] : 0) : g[i];
                    tail += pg < 0 ? -pg : pg;
                }
                for (int l = 0; l < LANES; l++) violation += acc[l];
                violation += tail;
                i = 0;
            }
            vf dacc = zero;
            float dtail = 0;
            for (; i + LANES <= m; i += LANES) {
                vf old = kf_loadv(wk + i), gg = kf_loadv(g + i);
                vf nw = __builtin_elementwise_max(old - gg * inv, zero);
                kf_storev(wk + i, nw);
                vf d = nw - old;
                dacc += d * d;
            }
            for (; i < m; i++) {
                float old = wk[i];
                float nw = old - g[i] * inv;
                nw = nw > 0 ? nw : 0;
                wk[i] = nw;
                dtail += (nw - old) * (nw - old);
            }
            for (int l = 0; l < LANES; l++) delta += dacc[l];
            delta += dtail;
        }
        if (first < 0) first = delta; else if (delta <= tol2 * first) break;
    }
    for (int i = 0; i < m; i++) for (int k = 0; k < r; k++) w[(size_t)i * r + k] = wt[(size_t)k * m + i];
    return violation;
}

struct pass_args {
    const float *vpacked; const unsigned char *v8; int m, r; const float *w, *d, *inv; float l1; int sweeps;
    float tol2; float *h, *hprev; float beta; long blocks; int chunkBlocks; double *partA, *partB, *partV;
};

static void pass_chunk(void *ctx, int c) {
    const struct pass_args *a = (const struct pass_args *)ctx;
    long b0 = (long)c * a->chunkBlocks, b1 = b0 + a->chunkBlocks < a->blocks ? b0 + a->chunkBlocks : a->blocks;
    kf_hals_blocks(a->vpacked, a->v8, a->m, a->r, a->w, a->d, a->inv, a->l1, a->sweeps, a->tol2, a->h, a->hprev, a->beta, b0, b1,
                   a->partA + (size_t)c * a->m * a->r, a->partB + (size_t)c * a->r * a->r, a->partV + c);
}

void kf_hals_pass(const float *vpacked, const unsigned char *v8, int m, int r, const float *w, const float *d,
                  const float *inv, float l1, int sweeps, float tol2, float *h, float *hprev, float beta, long blocks,
                  int chunkBlocks, int threads, double *partA, double *partB, double *partV) {
    struct pass_args a = {vpacked, v8, m, r, w, d, inv, l1, sweeps, tol2, h, hprev, beta, blocks, chunkBlocks, partA, partB, partV};
    int chunks = (int)((blocks + chunkBlocks - 1) / chunkBlocks);
    kf_parallel_for(pass_chunk, &a, chunks, threads);
}
