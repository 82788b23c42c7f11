/*
 * caltrace/proof/witness.h - signing and witnessing the checkpoints of feeds,
 * against the store (docs/DESIGN.md section 4, docs/CHECKPOINTS.md).
 *
 * A node signs checkpoints of its own feed and cosigns (witnesses) the
 * checkpoints of every feed it can check: the author's signature verifies
 * (the key is named by the origin), the root equals the stored tree's root
 * at that size, and no stored checkpoint of the feed contradicts it. The
 * store keeps one note per checkpoint body, holding the union of every
 * verified signature line seen for it (the author's and caltrace witness
 * cosignatures of the bureau and of nodes an org.admit in the store names;
 * other lines are dropped, since their keys are unknown or anyone's),
 * up to CT_WITNESS_COSIGS_MAX witnesses besides the bureau: those whose
 * key names sort first, so that every node keeps the same ones and a note
 * stays within CT_STORED_NOTE_MAX however large the network.
 *
 * Time comes in as an argument (POSIX seconds for cosignatures). Nothing
 * here prints or reads the clock. Every function works inside one batch.
 */
#ifndef CALTRACE_WITNESS_H
#define CALTRACE_WITNESS_H

#include "caltrace/ledger/ledger.h"
#include "caltrace/proof/note.h"

/* Witness cosignatures a held checkpoint keeps besides the author's line and the bureau's. */
#define CT_WITNESS_COSIGS_MAX 24

/*
 * Whether a witness cosignature line of key, at timestamp (POSIX seconds,
 * as the line claims it) on a checkpoint whose state holds bureau_size of
 * the bureau's entries (a checkpoint of the bureau's feed: its size; a
 * network checkpoint: the bureau feed's size it names; any other feed's:
 * 0), is one the store keeps (docs/CHECKPOINTS.md, "Only the network's
 * nodes witness"): key is the bureau's, or admitted (ct_read_admitted), and
 *  - when an org.rekey made key a lab's new key (and no org.admit names
 *    it), timestamp is at or after that rekey's effective time;
 *  - no org.rekey replacing key has an effective time at or before
 *    timestamp or is among the state's bureau entries (seq <= bureau_size);
 *  - likewise no org.compromised of key (its since, its seq).
 * The second half of each rule is the one a thief with the old key cannot
 * backdate. Errors: CT_EIO, CT_ECORRUPT.
 */
int ct_witness_counts(bool *out, ct_reader *r, const uint8_t key[CT_KEY_BYTES], uint64_t timestamp,
		      uint64_t bureau_size);

/* What ct_witness_note did with a checkpoint. */
typedef enum ct_witness_result {
	CT_WITNESS_COSIGNED = 0, /* checked, cosigned (now or before) and stored */
	CT_WITNESS_AHEAD = 1,	 /* author's signature good, but the store holds fewer entries: kept */
	CT_WITNESS_FORK = 2,	 /* contradicts the stored entries or a stored checkpoint: fork
				    recorded, feed frozen, the note kept as evidence */
	CT_WITNESS_FROZEN = 3,	 /* the feed is already forked: kept, not cosigned */
} ct_witness_result;

/*
 * Signs a checkpoint of kp's own feed at its stored size and stores it
 * (merged with any note of the same body). Refuses when any stored
 * checkpoint of the feed is not consistent with the stored tree: an honest
 * store never has one, so signing would equivocate.
 * out (may be NULL) receives the stored note (reset first).
 * Errors: CT_ESTATE (no genesis, or the feed is empty), CT_EFORK (a stored
 * own checkpoint disagrees with the tree), CT_EFROZEN, those of the store.
 */
int ct_witness_sign_own(ct_batch *b, const ct_keypair *kp, ct_buf *out);

/*
 * Checks the signed checkpoint note (len bytes) of any feed of this
 * network, stores it (merged), and when it checks out against the stored
 * entries and every stored checkpoint of its feed, cosigns it with kp as
 * "caltrace/<network>/witness/<kp-hex>" at timestamp (POSIX seconds).
 * kp may be NULL: the note is checked and kept, not cosigned.
 * out (may be NULL) receives the stored note after the merge, prev (may
 * be NULL) the stored note of the same body before it (empty when there
 * was none); both are reset first. *result says what happened.
 * Errors: CT_EINVAL (not a checkpoint of this network, malformed),
 * CT_ENOTFOUND / CT_EBADSIG (the author's signature is missing or bad),
 * CT_ESTATE (no genesis), those of the store.
 */
int ct_witness_note(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, const uint8_t *note, size_t len,
		    ct_buf *out, ct_buf *prev, ct_witness_result *result);

/*
 * Witnesses every stored checkpoint note again (those kept while the node
 * was behind get cosigned once it holds their entries). Counts what it
 * cosigned and the forks it found (each may be NULL).
 * Errors: those of ct_witness_note for a stored note.
 */
int ct_witness_all(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, size_t *cosigned, size_t *forks);

/*
 * The stored checkpoint of author's feed with the largest size at least
 * min_size that carries a valid cosignature by cosigner (NULL: any
 * checkpoint). The note's bytes go into out (reset first), its body into
 * *cp when cp is not NULL (cp->ext is set to NULL).
 * Errors: CT_ENOTFOUND (none), CT_ENOMEM, CT_EIO.
 */
int ct_checkpoint_latest(ct_reader *r, const uint8_t author[CT_KEY_BYTES], const ct_vkey *cosigner,
			 uint64_t min_size, ct_buf *out, ct_checkpoint *cp);

/*
 * The largest size of a stored checkpoint of author's feed that carries a
 * valid cosignature by cosigner made before `before` (POSIX seconds, the
 * cosignature's own time line): the entries up to it are proven to have
 * existed then. The bureau's bound for org.compromised (docs/DESIGN.md
 * section 5). Only the checkpoints the store still holds count (at most
 * 256 per feed), so the answer can be lower than the truth, never higher.
 * Errors: CT_ENOTFOUND (no such checkpoint; *size_out 0), CT_ENOMEM, CT_EIO.
 */
int ct_checkpoint_cosigned_before(ct_reader *r, const uint8_t author[CT_KEY_BYTES], const ct_vkey *cosigner,
				  uint64_t before, uint64_t *size_out);

/*
 * The cosigner key of a caltrace witness on network (type 0x04, name
 * "caltrace/<network-hex>/witness/<node-hex>"). Never fails.
 */
void ct_witness_key(ct_vkey *out, const uint8_t network[static CT_HASH_BYTES],
		    const uint8_t node[static CT_KEY_BYTES]);

#endif
