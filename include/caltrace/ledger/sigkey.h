/*
 * caltrace/ledger/sigkey.h - checking many Ed25519 signatures of one key fast, with
 * exactly libsodium's verdicts.
 *
 * A node catching up checks the signatures of long runs of one author's
 * entries. libsodium's crypto_sign_verify_detached computes
 * R' = [S]B - [k]A with a double-scalar ladder (about 250 doublings) and
 * compares R' with the signature's R. Here the same R' is computed from
 * two tables of precomputed multiples, one of the base point B and one of
 * the author's key A (built once per key, 60 KiB), so that each signature
 * costs about 120 point additions and no doublings, and the final
 * inversion is shared by a batch (Montgomery's trick).
 *
 * The verdicts are libsodium's, bit for bit: a signature is accepted here
 * only when S is canonical, R is not the identity, the key is a valid
 * point of the prime-order subgroup, and the encoding of the computed R'
 * equals R, byte for byte; each of these implies that libsodium accepts.
 * Everything else (a mismatch, an odd key, an odd S) goes to
 * crypto_sign_verify_detached, which gives the verdict. A bug here can
 * thus cost speed; accepting a signature libsodium refuses would need R'
 * itself to be wrong in a way that matches R, which the differential
 * tests (tests/unit/test_sigkey.c) rule out on random and crafted inputs.
 */
#ifndef CT_CORE_SIGKEY_H
#define CT_CORE_SIGKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caltrace/base/types.h"

/* One public key and its table of multiples. Read-only once built: threads may share it. */
typedef struct ct_sigkey ct_sigkey;

/* A signature to check: sig (64 bytes) over msg. */
typedef struct {
	const uint8_t *sig;
	const uint8_t *msg;
	size_t len;
} ct_signed;

/*
 * Builds the table of pk. CT_EINVAL when pk is not a canonical point of
 * the prime-order subgroup (its signatures are then for libsodium alone),
 * CT_ENOMEM.
 */
__attribute__((warn_unused_result)) int ct_sigkey_new(ct_sigkey **out, const uint8_t pk[CT_KEY_BYTES]);
void ct_sigkey_free(ct_sigkey *k);
const uint8_t *ct_sigkey_public(const ct_sigkey *k);

/*
 * Checks n signatures by pk: ok[i] tells whether items[i] verifies, as
 * crypto_sign_verify_detached would say. k may be NULL (libsodium checks
 * every one); when not NULL, pk must be ct_sigkey_public(k). Returns how
 * many verify.
 */
size_t ct_sigkey_verify_many(const ct_sigkey *k, const uint8_t pk[CT_KEY_BYTES], size_t n,
			     const ct_signed *items, bool *ok);

/*
 * For the tests: out = encoding of [a]B - [b]A, a and b canonical
 * scalars (32 bytes, little-endian, below the group order).
 */
void ct__sigkey_combine(const ct_sigkey *k, const uint8_t a[32], const uint8_t b[32], uint8_t out[32]);

/*
 * For the tests: the fast path alone, n <= CT_SIGKEY_CHUNK; fast[i] is
 * true when items[i] certainly verifies, false when libsodium must decide.
 */
#define CT_SIGKEY_CHUNK 64
void ct__sigkey_fast(const ct_sigkey *k, size_t n, const ct_signed *items, bool *fast);

/*
 * A small shared cache of keys for the node's checking threads (thread
 * safe). get returns the key of pk, built when missing, or NULL when pk
 * has none (CT_EINVAL above) or memory is short; every key got is given
 * back with put.
 */
typedef struct ct_sigcache ct_sigcache;
__attribute__((warn_unused_result)) int ct_sigcache_new(ct_sigcache **out);
void ct_sigcache_free(ct_sigcache *c);
const ct_sigkey *ct_sigcache_get(ct_sigcache *c, const uint8_t pk[CT_KEY_BYTES]);
void ct_sigcache_put(ct_sigcache *c, const ct_sigkey *k);

#endif
