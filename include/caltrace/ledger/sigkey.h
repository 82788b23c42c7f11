/*
 * caltrace/ledger/sigkey.h - checking many Ed25519 signatures of one key fast, with
 * exactly libsodium's verdicts.
 *
 * A node catching up checks the signatures of long runs of one author's
 * entries. libsodium's crypto_sign_verify_detached computes
 * R' = [S]B - [k]A with a double-scalar ladder (about 250 doublings) and
 * compares R' with the signature's R. Here the same R' is computed from
 * two tables of precomputed multiples, one of the base point B (480 KiB,
 * built once) and one of the author's key A (161 KiB, built once per key),
 * so that each signature costs 75 point additions and no doublings, and
 * the final inversion is shared by a batch (Montgomery's trick). On
 * processors with AVX-512 IFMA the additions run for eight signatures at
 * once (sigkey_ifma.c); ct_sigkey_build names the build in use.
 *
 * The verdicts are libsodium's, bit for bit: a signature is accepted here
 * only when S is canonical (S < L), R is none of the small-order encodings
 * libsodium refuses, the key is a canonical point of the prime-order
 * subgroup (checked here, [L]A the identity, as well as by libsodium), and
 * the encoding of the computed R' equals R, byte for byte; together these
 * are libsodium's acceptance rules (docs/FORMAT.md section 3), so libsodium
 * accepts. Everything else (a mismatch, an odd key, an odd S) goes to
 * crypto_sign_verify_detached, which gives the verdict. A bug here can
 * thus cost speed; accepting a signature libsodium refuses would need R'
 * itself to be wrong in a way that matches R, which the differential
 * tests (tests/unit/test_sigkey.c) rule out on random and crafted inputs.
 *
 * The key check does not trust crypto_core_ed25519_is_valid_point alone:
 * upstream libsodium up to 1.0.21 takes a key Q + T (T of order 2) for a
 * valid point, and a table for such a key would accept R = T with
 * S = k q, which libsodium refuses. A cache (ct_sigcache_new) also runs
 * that case against the linked libsodium once, and builds no table when
 * libsodium answers otherwise than expected (ct_sigcache_fast says why).
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
 * Whether pk is a canonical encoding of a point of the prime-order
 * subgroup other than the identity: y < p, on the curve, x = 0 not
 * encoded with the sign bit, [L]A the identity. Computed with this
 * module's own arithmetic, whatever libsodium is linked. Thread safe.
 */
__attribute__((warn_unused_result)) bool ct_sigkey_valid_key(const uint8_t pk[CT_KEY_BYTES]);

/*
 * Builds the table of pk. CT_EINVAL when pk is not a canonical point of
 * the prime-order subgroup, by ct_sigkey_valid_key and by libsodium's
 * crypto_core_ed25519_is_valid_point (its signatures are then for
 * libsodium alone), CT_ENOMEM.
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
 * Which build of the fast path checks signatures on this processor, as a
 * phrase for logs ("AVX-512 IFMA, eight signatures at once", "AVX2 and
 * BMI2", "any processor"); NULL when the fast path cannot run at all.
 */
const char *ct_sigkey_build(void);

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
 * The known answers the fast path needs from the linked libsodium (sigkey.c);
 * false, with why, when it fails them: then no tables are built (sigcache.c).
 */
bool ct__sigkey_selftest(char *why, size_t why_len);

/*
 * For the tests: which build ct__sigkey_fast and ct__sigkey_combine use.
 * BEST (the default) is the fastest the processor runs: IFMA (AVX-512
 * IFMA, eight signatures at once), else BMI2 (AVX2 and BMI2), else
 * GENERIC (any processor). False, changing nothing, when the processor
 * cannot run the one asked.
 */
enum ct__sigkey_path { CT_SIGKEY_BEST, CT_SIGKEY_IFMA, CT_SIGKEY_BMI2, CT_SIGKEY_GENERIC };
bool ct__sigkey_use_path(enum ct__sigkey_path p);

/*
 * For the tests: builds the table of any canonical curve point, skipping
 * the subgroup checks of ct_sigkey_new, so that the fast path's own
 * refusals can be tested alone.
 */
__attribute__((warn_unused_result)) int ct__sigkey_new_any(ct_sigkey **out, const uint8_t pk[CT_KEY_BYTES]);

/*
 * For the tests: check replaces crypto_core_ed25519_is_valid_point in this
 * module (NULL restores it), to imitate another libsodium. Not thread safe.
 */
void ct__sigkey_use_point_check(int (*check)(const unsigned char *p));

/*
 * A small shared cache of keys for the node's checking threads (thread
 * safe). get returns the key of pk, built when missing, or NULL when pk
 * has none (CT_EINVAL above), memory is short or the fast path is off;
 * every key got is given back with put.
 *
 * new runs a known-answer test of the linked libsodium: the key Q + T (T
 * of order 2) must not be a valid point and the signature R = T, S = k q
 * (k odd) by it must not verify. When either fails, the cache builds no
 * tables (libsodium then checks every signature) and ct_sigcache_fast
 * returns false with a sentence saying why, for the caller to log.
 * CT_ENOMEM.
 */
typedef struct ct_sigcache ct_sigcache;
__attribute__((warn_unused_result)) int ct_sigcache_new(ct_sigcache **out);
void ct_sigcache_free(ct_sigcache *c);

/*
 * Whether c builds tables. When not, *why (if why is not NULL) is set to
 * the reason, valid as long as c; when it does, to NULL.
 */
bool ct_sigcache_fast(const ct_sigcache *c, const char **why);
const ct_sigkey *ct_sigcache_get(ct_sigcache *c, const uint8_t pk[CT_KEY_BYTES]);
/*
 * As ct_sigcache_get, but only a table the cache already holds: NULL
 * (build none) when it holds none for pk. For a few signatures, which are
 * not worth building a table for, but are checked faster with one built
 * for an earlier run of the same author. Give it back with ct_sigcache_put.
 */
const ct_sigkey *ct_sigcache_find(ct_sigcache *c, const uint8_t pk[CT_KEY_BYTES]);
void ct_sigcache_put(ct_sigcache *c, const ct_sigkey *k);

#endif
