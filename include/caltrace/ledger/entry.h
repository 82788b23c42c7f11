/*
 * caltrace/ledger/entry.h - one signed event in one author's feed (docs/DESIGN.md §3).
 *
 *   entry = array(8) [version, author, seq, prev, time, type, body, sig]
 *   sig   = Ed25519(author, "caltrace/entry/v1" 0x00 || array(7)[fields 0..6])
 *   hash  = SHA-256(0x00 || encoded entry)
 */
#ifndef CALTRACE_ENTRY_H
#define CALTRACE_ENTRY_H

#include "caltrace/ledger/keys.h"
#include "caltrace/base/types.h"

#define CT_ENTRY_VERSION 1
#define CT_ENTRY_SIG_CONTEXT "caltrace/entry/v1" /* followed by one 0x00 byte */
#define CT_TYPE_MAX 64 /* longest event type name */

/*
 * A decoded entry. Every pointer points into the buffer it was decoded
 * from and is valid as long as that buffer.
 */
typedef struct ct_entry {
	uint64_t version;
	uint8_t author[CT_KEY_BYTES];
	uint64_t seq;
	int has_prev; /* 0 exactly when seq == 1 */
	uint8_t prev[CT_HASH_BYTES];
	uint64_t time; /* ms since the epoch, UTC, author's clock */
	const char *type; /* not NUL-terminated */
	size_t type_len;
	const uint8_t *body; /* encoded body map */
	size_t body_len;
	uint8_t sig[CT_SIG_BYTES];
	const uint8_t *raw; /* the whole encoded entry */
	size_t raw_len;
} ct_entry;

/*
 * Decodes and checks the structure of an encoded entry: canonical msgpack
 * throughout, array of 8, version 1, field types, seq >= 1, prev nil
 * exactly when seq == 1, type a non-empty str of at most CT_TYPE_MAX
 * bytes, body a map, at most CT_ENTRY_MAX bytes, nothing after it.
 * Does not check the signature nor the body's schema.
 * Errors: CT_ENONCANON, CT_ETRUNC, CT_ETOOBIG, CT_EINVAL.
 */
int ct_entry_decode(ct_entry *out, const uint8_t *buf, size_t len);

/*
 * Returns the length of the first encoded entry in buf (for splitting a
 * stream of concatenated entries) without checking more than its frame.
 * Errors: CT_ETRUNC (buf ends inside it), CT_ENONCANON, CT_ETOOBIG.
 */
int ct_entry_frame(size_t *out, const uint8_t *buf, size_t len);

/* Checks the author's signature. Returns 0 or CT_EBADSIG. */
__attribute__((warn_unused_result)) int ct_entry_verify(const ct_entry *e);

/* Appends the signing input of e (context, 0x00, array(7)) to out. */
int ct_entry_signing_input(ct_buf *out, const ct_entry *e);

/* out = SHA-256(0x00 || raw). */
void ct_entry_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t *raw, size_t len);

/*
 * Encodes and signs a new entry into out (which is reset first). body must
 * be one canonical map. prev is NULL exactly when seq == 1.
 * Errors: CT_EINVAL, CT_ENONCANON (body), CT_ETOOBIG, CT_ENOMEM.
 */
int ct_entry_build(ct_buf *out, const ct_keypair *kp, uint64_t seq, const uint8_t *prev,
		   uint64_t time_ms, const char *type, const uint8_t *body, size_t body_len);

#endif
