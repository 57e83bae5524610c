// SHA-256 compression on the x86 SHA extensions: sha256rnds2 does two rounds, sha256msg1/2 the
// message schedule, four words per step.
#include "CSHA256.h"

/* FIPS 180-4 round constants (also the Swift reference compression's, via kf_sha256_constants). */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const uint32_t *kf_sha256_constants(void) { return K; }

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int kf_sha256_hw_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}


__attribute__((target("sha,ssse3,sse4.1")))
void kf_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    /* the rounds instruction wants (a, b, e, f) and (c, d, g, h) */
    __m128i t = _mm_loadu_si128((const __m128i *)&state[0]);        /* d c b a */
    __m128i s1 = _mm_loadu_si128((const __m128i *)&state[4]);       /* h g f e */
    t = _mm_shuffle_epi32(t, 0xB1);                                  /* c d a b */
    s1 = _mm_shuffle_epi32(s1, 0x1B);                                /* e f g h */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);                          /* a b e f */
    s1 = _mm_blend_epi16(s1, t, 0xF0);                               /* c d g h */
    for (; blocks > 0; blocks--, data += 64) {
        __m128i save0 = s0, save1 = s1, msg[4];
        for (int i = 0; i < 4; i++) msg[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), bswap);
        for (int i = 0; i < 16; i++) {   /* rounds 4i … 4i+3; msg holds words of groups i … i+3 */
            __m128i wk = _mm_add_epi32(msg[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0E));
            if (i < 12) {   /* words of group i+4: σ1(W[t−2]) + W[t−7] + σ0(W[t−15]) + W[t−16] */
                __m128i x = _mm_sha256msg1_epu32(msg[i & 3], msg[(i + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(msg[(i + 3) & 3], msg[(i + 2) & 3], 4));
                msg[i & 3] = _mm_sha256msg2_epu32(x, msg[(i + 3) & 3]);
            }
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);                                 /* f e b a */
    s1 = _mm_shuffle_epi32(s1, 0xB1);                                /* d c h g */
    s0 = _mm_blend_epi16(t, s1, 0xF0);                               /* d c b a */
    s1 = _mm_alignr_epi8(s1, t, 8);                                  /* h g f e */
    _mm_storeu_si128((__m128i *)&state[0], s0);
    _mm_storeu_si128((__m128i *)&state[4], s1);
}
#else
int kf_sha256_hw_available(void) { return 0; }
void kf_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) { (void)state; (void)data; (void)blocks; }
#endif
