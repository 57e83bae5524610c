// SHA-256 block compression with the x86 SHA extensions (SHA-NI), for Common.SHA256.
#ifndef CSHA256_H
#define CSHA256_H
#include <stddef.h>
#include <stdint.h>

/// The 64 round constants of FIPS 180-4.
const uint32_t *kf_sha256_constants(void);

/// 1 when this CPU has the SHA extensions (and SSSE3/SSE4.1) that kf_sha256_blocks needs.
int kf_sha256_hw_available(void);

/// Compresses `blocks` consecutive 64-byte blocks of `data` into the eight-word state
/// (a, b, …, h in FIPS 180-4 order). Only call when kf_sha256_hw_available() returns 1.
void kf_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
