/*
 * caltrace/proof/bundle.h - offline proof bundles (docs/FORMAT.md section 11).
 *
 * A bundle is a text file: a header naming the subject and the time
 * judged, one checkpoint per feed (cosigned by the bureau), then one block
 * per entry (the encoded entry in base64 and the lines of its
 * c2sp.org/tlog-proof@v1 before the checkpoint: the whole tlog-proof is
 * those lines, an empty line and its feed's checkpoint), then a SHA-256
 * over everything before it:
 *
 *   caltrace-bundle/v1
 *   subject <instrument|standard> <id>
 *   at <ms>
 *   checkpoints <m>
 *   (m times:)
 *   checkpoint <bytes>
 *   <exactly that many bytes: the signed checkpoint note>
 *   entries <n>
 *   (n times:)
 *   entry <base64 of the encoded entry>
 *   proof <bytes>
 *   <exactly that many bytes: the tlog-proof's lines up to its empty line>
 *   (then, only when the prover holds fork proofs of the feeds used:)
 *   forks <f>
 *   (f times:)
 *   fork <base64 of entry a> <base64 of entry b>
 *   (then:)
 *   end <64 hex: SHA-256 of every byte before this line>
 *
 * The first entry is the network's genesis. Parsing is strict and pure;
 * verification is pure (no files, no clock).
 */
#ifndef CALTRACE_BUNDLE_H
#define CALTRACE_BUNDLE_H

#include "caltrace/ledger/entry.h"
#include "caltrace/eval/trace.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/proof/note.h"

#define CT_BUNDLE_HEADER      "caltrace-bundle/v1"
#define CT_BUNDLE_MAX	      (32 * 1024 * 1024) /* largest bundle, bytes */
#define CT_BUNDLE_MAX_ENTRIES 65536

/* Two entries that prove their author equivocated (ct_fork_proof_check). */
typedef struct ct_bundle_fork {
	uint8_t *a, *b;
	size_t a_len, b_len;
	uint8_t author[CT_KEY_BYTES];
} ct_bundle_fork;

typedef struct ct_bundle_block {
	uint8_t *entry; /* the encoded entry */
	size_t entry_len;
	ct_entry e; /* decoded; points into entry */
	ct_tlog_proof *proof;
} ct_bundle_block;

/* A checkpoint of a bundle: the note's bytes (in the parsed buffer) and its feed. */
struct ct_bundle_cp {
	const uint8_t *note;
	size_t note_len;
	uint8_t author[CT_KEY_BYTES];
	bool used; /* by at least one entry */
};

typedef struct ct_bundle {
	char kind; /* CT_NS_INSTRUMENT or CT_NS_STANDARD */
	char *id;  /* NUL-terminated */
	uint64_t at;
	size_t count;
	ct_bundle_block *blocks; /* each proof whole: its feed's checkpoint included */
	size_t ncps;
	struct ct_bundle_cp *cps;      /* point into the buffer parsed: valid while it is */
	size_t nforks;
	ct_bundle_fork *forks;
	uint8_t digest[CT_HASH_BYTES]; /* the end line's */
	bool digest_ok;		       /* it matches the bytes before it */
} ct_bundle;

/*
 * Parses a bundle strictly: every line as above, every entry decodes
 * (canonical form; its signature is not checked here), every checkpoint is
 * a note of a feed (no feed twice, each used by an entry), every proof
 * parses once joined to its feed's checkpoint, every fork line holds two
 * entries that decode, by one author of the bundle's entries (no author
 * twice).
 * Errors: CT_EINVAL naming the line or block and what is wrong,
 * CT_ETOOBIG, CT_ENOMEM.
 */
int ct_bundle_parse(ct_bundle **out, const uint8_t *buf, size_t len);

/*
 * Verifies a parsed bundle against the bureau's cosigner key (type 0x04):
 * block 1 is a network.genesis whose author is the key's; in every block
 * the entry's signature verifies, its tlog-proof's index is seq - 1, its
 * checkpoint's origin is the entry's feed on this network, the checkpoint
 * is signed by the entry's author and carries exactly two signature lines,
 * the author's then the bureau's cosignature, which verifies; the
 * inclusion proof leads from the entry hash to the checkpoint's root; no
 * entry comes twice; one registration of the subject is among them; each
 * fork proof holds (ct_fork_proof_check: both signatures, a real
 * conflict); and the end digest matches.
 * On failure, the detail message names the block ("entry 3 (9c1d…#12)")
 * and the check. Errors: CT_EBADSIG, CT_EPROOF, CT_EINVAL, CT_ENOTFOUND.
 */
__attribute__((warn_unused_result)) int ct_bundle_verify(const ct_bundle *b, const ct_vkey *bureau);

/* The network id of a bundle: the hash of block 1's entry. CT_EINVAL when empty. */
int ct_bundle_network(const ct_bundle *b, uint8_t out[static CT_HASH_BYTES]);

/* Frees a bundle; accepts NULL. */
void ct_bundle_free(ct_bundle *b);

/* Called with a warning the writer cannot turn into an error (see ct_bundle_write). */
typedef void (*ct_bundle_warn_fn)(void *ctx, const char *msg);

/*
 * Writes (appends to out) the proof bundle of the verdict of subject id in
 * namespace ns (CT_NS_INSTRUMENT or CT_NS_STANDARD) at time at: every entry
 * the evaluator reads for it, the genesis first, then by feed and seq; one
 * checkpoint per feed, its latest cosigned by the bureau that covers the
 * feed's last entry in the bundle, trimmed to the author's and the bureau's
 * lines; each entry's tlog-proof lines; the fork proofs this store holds of
 * the bundle's feeds; the end line. *tree (when tree is not NULL) receives
 * the verdict's tree, freed with ct_trace_free.
 * warn (may be NULL) hears of a feed forked only by two of its checkpoints,
 * which a bundle cannot carry.
 * Errors: CT_ESTATE (a feed has no checkpoint cosigned by the bureau that
 * covers the entry: the detail names the entry and the feed), CT_ENOTFOUND
 * (no network), CT_ENOMEM, CT_ECORRUPT, CT_EIO.
 */
int ct_bundle_write(ct_buf *out, ct_reader *r, char ns, const char *id, uint64_t at, ct_trace_node **tree,
		    ct_bundle_warn_fn warn, void *warn_ctx);

#endif
