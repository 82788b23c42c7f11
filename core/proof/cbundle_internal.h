/* Internals of complete bundles shared by cbundle.c, cbundle_write.c, cbundle_eval.c and closure.c. */
#ifndef CT_CBUNDLE_INTERNAL_H
#define CT_CBUNDLE_INTERNAL_H

#include "caltrace/base/hmap.h"
#include "caltrace/proof/cbundle.h"

/* A set of network index keys, in the order they were added. */
struct ct__keyset {
	ct_hmap map;
	uint8_t **keys;
	size_t *lens;
	size_t n, cap;
};

/* Adds key: 1 when new, 0 when held, CT_ENOMEM. */
int ct__keyset_add(struct ct__keyset *s, const uint8_t *key, size_t len);
bool ct__keyset_has(const struct ct__keyset *s, const uint8_t *key, size_t len);
void ct__keyset_free(struct ct__keyset *s);

/*
 * Where the closure reads lists and entries: a store (the prover) or a
 * bundle (the verifier). list: *present and the key's entry hashes
 * appended to hashes (reset by the caller); entry: 0, or CT_ENOTFOUND.
 */
struct ct__src {
	void *ctx;
	int (*list)(void *ctx, const uint8_t *key, size_t len, bool *present, ct_buf *hashes);
	int (*entry)(void *ctx, const uint8_t hash[CT_HASH_BYTES], ct_entry *out);
};

/*
 * The keys a complete bundle of subject id (ns) at `at` must prove
 * (docs/FORMAT.md section 13, "Required keys"), given the witnesses whose
 * cosignatures it carries. Adds them to out.
 * Errors: CT_ENOMEM, what the source returns.
 */
int ct__closure(const struct ct__src *src, const uint8_t bureau[CT_KEY_BYTES], char ns, const char *id,
		size_t id_len, uint64_t at, const uint8_t (*witnesses)[CT_KEY_BYTES], size_t nwitnesses,
		struct ct__keyset *out);

/*
 * Whether the witness key was admitted at time_ms, from the entries listed
 * under its org key (the bureau's admissions and revocations, as rule 2 of
 * docs/VERDICTS.md reads them). Errors: what the source returns.
 */
int ct__admitted_at(const struct ct__src *src, const uint8_t key[CT_KEY_BYTES], uint64_t time_ms, bool *out);

#endif
