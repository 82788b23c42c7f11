/*
 * caltrace/proof/cbundle.h - complete proof bundles (docs/FORMAT.md section 13).
 *
 * A complete bundle proves a verdict and that nothing it rests on was left
 * out: against one network checkpoint (caltrace/proof/netcheckpoint.h),
 * signed by the bureau's node and cosigned by witnesses, it carries every
 * entry the verdict reads with its inclusion proof in its feed at the size
 * the checkpoint names, and, for every key the evaluator reads by, a lookup
 * proof in the network index: the key's complete list of entries, or its
 * absence. A verifier refuses a bundle whose evaluator reads a key it has
 * no lookup of, or that lacks an entry a lookup lists, or holds one a
 * lookup leaves out. The text:
 *
 *   caltrace-bundle/v2
 *   subject <instrument|standard> <id: the rest of the line>
 *   at <ms>
 *   network <bytes>
 *   <exactly that many bytes: the network checkpoint note>
 *   entries <n>
 *   (n times:) entry <base64 entry>
 *              proof[ <base64 of the inclusion proof's hashes, concatenated>]
 *   (when f > 0:) forks <f>
 *   (f times:) fork <base64 entry a> <base64 entry b>
 *   lookups <q>
 *   (q times, keys in increasing order:) lookup <base64 key> <count>[ <base64 of count hashes>]
 *                                     or absent <base64 key>
 *   (when j > 0:) leaves <j>
 *   (j times:) leaf <base64 key> <base64 list hash>
 *   index[ <base64 of the index proof>]
 *   end <64 lowercase hex: SHA-256 of every byte before this line>
 *
 * Parsing and verification are pure; evaluation runs over a scratch store
 * the caller opens (caltrace verify makes one in a temporary directory).
 */
#ifndef CALTRACE_CBUNDLE_H
#define CALTRACE_CBUNDLE_H

#include "caltrace/eval/trace.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/bundle.h"
#include "caltrace/proof/netcheckpoint.h"

#define CT_CBUNDLE_HEADER  "caltrace-bundle/v2"
#define CT_CBUNDLE_LOOKUPS 65536 /* most lookups in one bundle */

/* One entry block: the entry and its inclusion proof in its feed at the checkpoint's size. */
typedef struct ct_cbundle_block {
	uint8_t *entry;
	size_t entry_len;
	ct_entry e; /* points into entry */
	uint8_t hash[CT_HASH_BYTES];
	uint8_t (*path)[CT_HASH_BYTES];
	size_t npath;
} ct_cbundle_block;

/* One lookup: a key and, when present, its list of entry hashes. */
typedef struct ct_cbundle_lookup {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	bool present;
	uint8_t (*hashes)[CT_HASH_BYTES];
	size_t n;
} ct_cbundle_lookup;

typedef struct ct_cbundle {
	char kind; /* CT_NS_INSTRUMENT or CT_NS_STANDARD */
	char *id;  /* NUL-terminated */
	uint64_t at;
	uint8_t *note; /* the network checkpoint note */
	size_t note_len;
	ct_cbundle_block *blocks;
	size_t count;
	ct_bundle_fork *forks;
	size_t nforks;
	ct_cbundle_lookup *lookups; /* sorted by key */
	size_t nlookups;
	ct_netleaf *leaves; /* the neighbours of absent keys that are no lookup */
	size_t nleaves;
	uint8_t *stream; /* the index proof */
	size_t stream_len;
	bool digest_ok;
} ct_cbundle;

/* Whether buf starts like a complete bundle (its first line). */
bool ct_cbundle_is(const uint8_t *buf, size_t len);

/*
 * Parses a complete bundle strictly (the lines above, each ending in '\n',
 * decimals without leading zeros, canonical base64, keys well formed and
 * in order, nothing after the end line). Nothing is verified.
 * Errors: CT_EINVAL naming the line and what is wrong, CT_ETOOBIG, CT_ENOMEM.
 */
int ct_cbundle_parse(ct_cbundle **out, const uint8_t *buf, size_t len);

/* Frees a bundle; accepts NULL. */
void ct_cbundle_free(ct_cbundle *b);

/* What a verified bundle rests on. */
typedef struct ct_cbundle_info {
	uint8_t network[CT_HASH_BYTES];
	ct_netcp cp;	       /* the network checkpoint's body (free with ct_netcp_clear) */
	uint64_t time;	       /* the bureau's cosignature of it, POSIX seconds */
	size_t witnesses;      /* labs whose cosignature counts (docs/FORMAT.md section 13, rule 8) */
	size_t lines;	       /* witness cosignature lines the note carries */
} ct_cbundle_info;

/*
 * Verifies a parsed complete bundle against the bureau's key (its
 * cosigner key, type 0x04) with nothing else (docs/FORMAT.md section 13,
 * rules 1-8): the genesis; the network checkpoint's lines (the bureau's
 * signature and cosignature, then witness cosignatures, each verifying);
 * every entry's signature and inclusion proof at the checkpoint's size of
 * its feed; the fork proofs; the index proof of every lookup against the
 * checkpoint's root; every listed entry carried, under the key it belongs
 * to, in order, none carried but listed, the forked authors those of the
 * index; every key the rules require proven; the end digest. info (may be
 * NULL) receives what it rests on. Pure.
 * Errors: CT_EBADSIG, CT_EPROOF, CT_EINVAL, CT_ENOTFOUND, CT_ENOMEM (the
 * detail names the block, line or key and the check).
 */
__attribute__((warn_unused_result)) int ct_cbundle_verify(const ct_cbundle *b, const ct_vkey *bureau,
							  ct_cbundle_info *info);

/*
 * Loads a verified bundle's entries into a fresh store (sparse, as
 * CT_INGEST_SPARSE) with the forks its lookups prove: entry forks from its
 * fork lines, checkpoint forks as such. Errors: those of the store.
 */
int ct_cbundle_load(const ct_cbundle *b, ct_batch *batch);

/*
 * Judges the bundle's subject over a store ct_cbundle_load filled, as
 * ct_trace does, and refuses the bundle when the evaluator read a key the
 * bundle has no lookup of, or when the store's list of a lookup's key is
 * not the lookup's (both are what a complete bundle rules out).
 * Errors: CT_EPROOF naming the key, those of ct_trace.
 */
int ct_cbundle_evaluate(const ct_cbundle *b, ct_reader *r, ct_trace_node **tree);

/*
 * Writes (appends to out) the complete bundle of the verdict of subject
 * id (ns) at `at` from the store r reads, against the network checkpoint
 * of its current state (ct_netcp_current: the index must be up to date),
 * carrying witness cosignatures of at least min_witnesses labs that count
 * (docs/FORMAT.md section 13, rule 8: one per lab, the ones whose
 * admissions the bundle proves anyway first). *tree (may be NULL) receives the verdict's tree.
 * Errors: CT_ESTATE (no network checkpoint of this state, or too few
 * witnesses: the detail says what to do), CT_ENOTFOUND, CT_ENOMEM,
 * CT_ECORRUPT, CT_EIO.
 */
int ct_cbundle_write(ct_buf *out, ct_reader *r, char ns, const char *id, uint64_t at, unsigned min_witnesses,
		     ct_trace_node **tree);

#endif
