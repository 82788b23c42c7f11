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
 * Whether a witness cosignature by key at time_ms counts (docs/FORMAT.md
 * section 13, rule 8), read from the entries listed under the organisation
 * keys of its lab: no org.rekey replacing key and no org.compromised
 * declaring it is listed (a listed entry is in the cosigned state, so the
 * line was made after it, whatever time it claims); when key replaced
 * another, time_ms is at or after that rekey's effective time; and an
 * org.admit of any key of its lab (walking back through the earliest
 * rekey into each key) covers time_ms, not revoked at or before it since
 * that admission began. Only the bureau's entries count. lab receives the
 * lab's first key (a lab counts once, whichever key cosigned).
 * Errors: what the source returns.
 */
int ct__witness_lab(const struct ct__src *src, const uint8_t bureau[CT_KEY_BYTES], const uint8_t key[CT_KEY_BYTES],
		    uint64_t time_ms, uint8_t lab[CT_KEY_BYTES], bool *out);

#endif
