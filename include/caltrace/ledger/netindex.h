/*
 * caltrace/ledger/netindex.h - the network index: a verifiable index of
 * every feed a node holds (docs/FORMAT.md section 12).
 *
 * For every key the evaluator reads by (an instrument id, a standard id, an
 * organisation's key, its fork status, a person, a catalogue item, a
 * revoked calibration), the complete ordered list of the entries that
 * concern it; the lists are the domain index rows (caltrace/ledger/index.h)
 * and, for a fork key, the entries of the fork proof held. The index is a
 * deterministic function of the stored feeds and fork records: two nodes
 * holding the same ones compute the same root.
 *
 * It is committed by a binary Patricia trie over the keys' bits (the crit-bit
 * tree of the keys, a node at each bit where two keys first differ), which
 * gives lookup proofs of a key present (its list) and of a key absent (the
 * leaf with which it shares the longest prefix, and no branch at the bit
 * where they differ), and lets the proofs of several keys share their nodes:
 *
 *   list hash  VH = SHA-256(u32 n || h1 || ... || hn)           (n entry hashes, in row order)
 *   leaf hash  LH = SHA-256(0x00 || u16 len || key || VH)
 *   node hash  NH = SHA-256(0x01 || u16 d || left || right)     (d: the bit the children differ at)
 *   empty root    = SHA-256("")
 *
 * (big-endian integers; bit 0 is the most significant bit of the key's
 * first byte). Every domain row written (index.c) marks its key dirty in the
 * same write transaction; ct_netindex_update folds the dirty keys into the
 * trie, touching only their paths (docs/DECISIONS.md, "The network index").
 */
#ifndef CALTRACE_NETINDEX_H
#define CALTRACE_NETINDEX_H

#include <stdbool.h>

#include "caltrace/ledger/ledger.h"

/* Key types: the first byte of a key. */
#define CT_NK_INSTRUMENT 'i' /* 'i' id 0x00: an instrument's registration, calibrations, retirements */
#define CT_NK_STANDARD	 's' /* 's' id 0x00: a standard's registration, approvals, anchors, calibrations, declarations */
#define CT_NK_AUTHOR	 'a' /* 'a' key(32) 'o': admissions, revocations, rekeys, compromise; 'a' key(32) 'f': a fork proof */
#define CT_NK_PERSON	 'p' /* 'p' id 0x00: certifications */
#define CT_NK_CATALOGUE	 'c' /* 'c' id 0x00: versions of a catalogue item */
#define CT_NK_REVOKED	 'r' /* 'r' hash(32): calibration.revoke entries naming that calibration */

#define CT_NETKEY_MAX	   (2 + CT_ID_MAX) /* longest key, bytes */
#define CT_NETKEY_ORG_SFX  'o'
#define CT_NETKEY_FORK_SFX 'f'

/*
 * Keys. Each writes the key into out and returns its length, or 0 when the
 * id is empty, longer than CT_ID_MAX or holds a zero byte (no such key).
 */
size_t ct_netkey_id(uint8_t out[static CT_NETKEY_MAX], char type, const char *id, size_t len);
size_t ct_netkey_org(uint8_t out[static CT_NETKEY_MAX], const uint8_t key[static CT_KEY_BYTES]);
size_t ct_netkey_fork(uint8_t out[static CT_NETKEY_MAX], const uint8_t key[static CT_KEY_BYTES]);
size_t ct_netkey_revoked(uint8_t out[static CT_NETKEY_MAX], const uint8_t cal[static CT_HASH_BYTES]);

/* A row an entry gives the index: under key, of kind (CT_ROW_*, or 0), at time. */
typedef struct ct_netrow {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	uint8_t kind;
	uint64_t time;
} ct_netrow;

#define CT_NETROWS_MAX 2 /* an org.rekey is listed under its old key and its new one */

/*
 * The rows an entry gives the index (docs/FORMAT.md section 12): *n of them
 * (0 for the genesis). e must have passed ct_event_check.
 * Errors: CT_EINVAL (not a known type, or an id no key holds).
 */
int ct_netindex_rows(ct_netrow rows[static CT_NETROWS_MAX], size_t *n, const ct_entry *e);

/* Whether key (len bytes) is well formed: one of the forms above. */
bool ct_netkey_valid(const uint8_t *key, size_t len);

/* "instrument SCALE-1", "org 9c1d0a2b…", "fork 9c1d0a2b…", "revoked 3f2a…": for messages. */
void ct_netkey_name(char *out, size_t size, const uint8_t *key, size_t len);

/* The hashes of the construction above. */
void ct_netindex_list_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t (*hashes)[CT_HASH_BYTES], size_t n);
void ct_netindex_leaf_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t *key, size_t len,
			   const uint8_t vh[static CT_HASH_BYTES]);
void ct_netindex_node_hash(uint8_t out[static CT_HASH_BYTES], unsigned d, const uint8_t left[static CT_HASH_BYTES],
			   const uint8_t right[static CT_HASH_BYTES]);
void ct_netindex_empty_root(uint8_t out[static CT_HASH_BYTES]);

/*
 * The index's root. keys: leaves in the trie. forks: SHA-256 of the leaf
 * hashes of the fork keys in key order (nforks of them): what a witness
 * compares first, since nodes may briefly hold different fork records.
 */
typedef struct ct_netindex_root {
	uint8_t hash[CT_HASH_BYTES];
	uint64_t keys;
	uint8_t forks[CT_HASH_BYTES];
	uint64_t nforks;
} ct_netindex_root;

/*
 * Folds every key marked dirty since the last update into the trie (the
 * first update of a store builds it from every row). Errors: those of the
 * store (the batch is then poisoned), CT_ENOMEM.
 */
int ct_netindex_update(ct_batch *b);

/* Builds the trie again from every row and fork record. Errors: as ct_netindex_update. */
int ct_netindex_rebuild(ct_batch *b);

/* Keys marked dirty and not folded in yet (0: the trie is up to date). Errors: CT_ECORRUPT, CT_EIO. */
int ct_netindex_pending(uint64_t *out, ct_reader *r);

/*
 * The root of the trie as stored. Errors: CT_ESTATE (keys are waiting to be
 * folded in: call ct_netindex_update first; or the trie was never built),
 * CT_ECORRUPT, CT_EIO.
 */
int ct_netindex_root_get(ct_netindex_root *out, ct_reader *r);

/* Hash callback: 0 to go on, <0 to fail. */
typedef int (*ct_hash_fn)(void *ctx, const uint8_t hash[CT_HASH_BYTES]);

/*
 * The list of key as the store holds it, in order: the hashes of its rows
 * (by kind, time, hash), or for a fork key the hashes of the fork proof's
 * two entries (a checkpoint fork: of the feed's entry 1, when held). An
 * absent key has none; *present (may be NULL) says whether the key has a
 * leaf. Works on any store, sparse ones included.
 * Errors: CT_EINVAL (malformed key), what cb returns, CT_ECORRUPT, CT_EIO.
 */
int ct_netindex_list(bool *present, ct_reader *r, const uint8_t *key, size_t len, ct_hash_fn cb, void *ctx);

/*
 * The fork record behind a fork key in canonical form: entry fork (two
 * entries, a then b, as ct_fork_proof_check wants them), or a checkpoint
 * fork (*a_len == 0). Pointers into the snapshot (a is NULL for a checkpoint
 * fork). Errors: CT_ENOTFOUND (the author is not forked), CT_ECORRUPT.
 */
int ct_netindex_fork(const uint8_t **a, size_t *a_len, const uint8_t **bb, size_t *b_len, ct_reader *r,
		     const uint8_t author[CT_KEY_BYTES]);

/* ---- lookup proofs ------------------------------------------------------- */

/* A leaf a proof reveals: its key and list hash. */
typedef struct ct_netleaf {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	uint8_t vh[CT_HASH_BYTES];
} ct_netleaf;

/*
 * The proof of a set of keys against the stored trie (up to date: see
 * ct_netindex_root_get): *leaves (malloc'd, *nleaves, sorted by key,
 * distinct) are the leaves the proof reveals: each key present, and for
 * each key absent the leaf that shares the longest prefix with it; stream
 * receives the proof (reset first): the trie's nodes above those leaves in
 * preorder, each a u16 bit position (0xffff for a revealed leaf) followed,
 * for each side without a revealed leaf below, by that side's hash.
 * Errors: CT_ESTATE (not up to date), CT_EINVAL, CT_ECORRUPT, CT_ENOMEM, CT_EIO.
 */
int ct_netindex_prove(ct_netleaf **leaves, size_t *nleaves, ct_buf *stream, ct_reader *r,
		      const uint8_t *const *keys, const size_t *lens, size_t n);

/*
 * Checks a proof against root: leaves (sorted by key, distinct) and stream
 * hash up to root, and every key of absent[] (nabsent of them) is proven
 * absent: a revealed leaf shares its longest prefix with it and the trie
 * has no branch at the bit where they differ. Pure.
 * Errors: CT_EPROOF (naming what does not hold), CT_EINVAL (malformed).
 */
__attribute__((warn_unused_result)) int ct_netindex_verify(const uint8_t root[static CT_HASH_BYTES],
							   const ct_netleaf *leaves, size_t nleaves,
							   const uint8_t *stream, size_t len,
							   const ct_netleaf *absent, size_t nabsent);

#endif
