/*
 * caltrace/base/sha2.h - SHA-256 and SHA-512 (FIPS 180-4) of the hot
 * paths: entry hashes and Merkle tree nodes (SHA-256), the challenge of
 * every signature the fast check verifies (SHA-512, core/ledger/sigkey.c).
 *
 * Computed by OpenSSL's libcrypto, which uses the processor's SHA
 * instructions (x86 SHA-NI, the ARMv8 SHA2 extension) and its vector code
 * for SHA-512; libsodium 1.0.18's SHA-2 is portable C (docs/DECISIONS.md,
 * "SHA-256 through libcrypto where it is hot"). The digest is the same
 * either way; should libcrypto fail to give a context (out of memory),
 * libsodium computes it. Thread safe: each thread keeps its own contexts.
 */
#ifndef CT_BASE_SHA2_H
#define CT_BASE_SHA2_H

#include <stddef.h>
#include <stdint.h>

#define CT_SHA256_BYTES 32
#define CT_SHA512_BYTES 64

/* One piece of a message hashed in parts. */
typedef struct {
	const void *p;
	size_t len;
} ct_sha2_part;

/* out = SHA-256 of parts[0] || ... || parts[n-1] (n may be 0). */
void ct_sha256_parts(uint8_t out[CT_SHA256_BYTES], const ct_sha2_part *parts, size_t n);

/* out = SHA-256 of the len bytes at p. */
void ct_sha256(uint8_t out[CT_SHA256_BYTES], const void *p, size_t len);

/* out = SHA-512 of parts[0] || ... || parts[n-1] (n may be 0). */
void ct_sha512_parts(uint8_t out[CT_SHA512_BYTES], const ct_sha2_part *parts, size_t n);

/* For the tests: true makes this module use libsodium alone (the fallback), false restores libcrypto. */
void ct__sha256_use_sodium(int sodium_only);

#endif
