/*
 * caltrace/base/sha256.h - SHA-256 (FIPS 180-4) of the hot paths: entry
 * hashes and Merkle tree nodes.
 *
 * Computed by OpenSSL's libcrypto, which uses the processor's SHA
 * instructions where it has them (x86 SHA-NI, the ARMv8 SHA2 extension);
 * libsodium 1.0.18's portable SHA-256 does not (docs/DECISIONS.md, "SHA-256
 * through libcrypto where it is hot"). The digest is the same either way;
 * should libcrypto fail to give a context (out of memory), libsodium
 * computes it. Thread safe: each thread keeps its own context.
 */
#ifndef CT_BASE_SHA256_H
#define CT_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define CT_SHA256_BYTES 32

/* One piece of a message hashed in parts. */
typedef struct {
	const void *p;
	size_t len;
} ct_sha256_part;

/* out = SHA-256 of parts[0] || ... || parts[n-1] (n may be 0). */
void ct_sha256_parts(uint8_t out[CT_SHA256_BYTES], const ct_sha256_part *parts, size_t n);

/* out = SHA-256 of the len bytes at p. */
void ct_sha256(uint8_t out[CT_SHA256_BYTES], const void *p, size_t len);

/* For the tests: true makes this module use libsodium alone (the fallback), false restores libcrypto. */
void ct__sha256_use_sodium(int sodium_only);

#endif
