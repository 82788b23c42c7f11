/*
 * caltrace/ledger/merkle.h - RFC 6962 / RFC 9162 Merkle trees over a feed.
 *
 * leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || l || r),
 * empty tree root = SHA-256(""). The tree is never held whole: callers
 * provide the hashes of perfect subtrees through a callback, and the store
 * keeps exactly those (each append writes the leaf and the parents it
 * completes). Proof generation takes O(log n) callback calls.
 */
#ifndef CALTRACE_MERKLE_H
#define CALTRACE_MERKLE_H

#include "caltrace/base/types.h"

#define CT_MERKLE_MAX_PROOF 64 /* enough for any tree of 2^63 leaves (2 log2 n for consistency) */

/*
 * Source of stored node hashes: writes into out the hash of the perfect
 * subtree of height level covering leaves [index << level, (index+1) << level).
 * level 0 is a leaf hash. Returns 0, or a negative CT_E* code passed up.
 */
typedef int (*ct_merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
				uint8_t out[static CT_HASH_BYTES]);
/* Sink for new node hashes, same coordinates. */
typedef int (*ct_merkle_put_fn)(void *ctx, unsigned level, uint64_t index,
				const uint8_t hash[static CT_HASH_BYTES]);

void ct_merkle_leaf_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t *data, size_t len);
void ct_merkle_node_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t left[static CT_HASH_BYTES],
			 const uint8_t right[static CT_HASH_BYTES]);

/*
 * Records leaf number index (0-based; the tree had index leaves before)
 * with hash leaf: puts (0, index) and every parent it completes, reading
 * left siblings through get. Errors: whatever get/put return.
 */
int ct_merkle_append(uint64_t index, const uint8_t leaf[static CT_HASH_BYTES], ct_merkle_get_fn get,
		     ct_merkle_put_fn put, void *ctx);

/* Root of the first size leaves. */
int ct_merkle_root(uint8_t out[static CT_HASH_BYTES], uint64_t size, ct_merkle_get_fn get, void *ctx);

/*
 * Inclusion proof (RFC 9162 §2.1.3) of leaf index in the tree of size
 * leaves: *count hashes into proof (room for CT_MERKLE_MAX_PROOF).
 * Errors: CT_EINVAL (index >= size), or what get returns.
 */
int ct_merkle_inclusion_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, uint64_t index,
			      uint64_t size, ct_merkle_get_fn get, void *ctx);

/*
 * Consistency proof (RFC 9162 §2.1.4) between sizes old_size <= new_size.
 * Errors: CT_EINVAL (old_size > new_size), or what get returns.
 * An empty proof for old_size == 0 or old_size == new_size.
 */
int ct_merkle_consistency_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, uint64_t old_size,
				uint64_t new_size, ct_merkle_get_fn get, void *ctx);

/*
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2). Returns 0 or CT_EPROOF
 * (with the reason in the detail message).
 */
__attribute__((warn_unused_result)) int
ct_merkle_verify_inclusion(const uint8_t leaf_hash[static CT_HASH_BYTES], uint64_t index, uint64_t size,
			   const uint8_t proof[][CT_HASH_BYTES], size_t count,
			   const uint8_t root[static CT_HASH_BYTES]);

/*
 * Verifies a consistency proof (RFC 9162 §2.1.4.2), including the edge
 * cases of the published vectors (old_size 0, equal sizes). Returns 0 or
 * CT_EPROOF.
 */
__attribute__((warn_unused_result)) int
ct_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
			     const uint8_t old_root[static CT_HASH_BYTES],
			     const uint8_t new_root[static CT_HASH_BYTES],
			     const uint8_t proof[][CT_HASH_BYTES], size_t count);

/*
 * An in-memory tree of leaf hashes with the same stored-node layout, for
 * tests and for verifiers that rebuild a small tree.
 */
typedef struct ct_memtree ct_memtree;
int ct_memtree_new(ct_memtree **out);
int ct_memtree_append(ct_memtree *t, const uint8_t leaf[static CT_HASH_BYTES]);
uint64_t ct_memtree_size(const ct_memtree *t);
/* A ct_merkle_get_fn over a ct_memtree (ctx is the tree). */
int ct_memtree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static CT_HASH_BYTES]);
void ct_memtree_free(ct_memtree *t);

#endif
