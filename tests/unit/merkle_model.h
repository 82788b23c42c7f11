/*
 * Shared by the Merkle tree tests (test_merkle.c, test_merkle_vectors.c):
 * a callback store that checks every read against the size of the tree
 * being asked about, and a naive recursive model of RFC 6962 §2.1 /
 * RFC 9162 §2.1 (MTH, PATH, PROOF) to check ct_merkle_* against.
 *
 * Every function is static inline, so a test file that uses only part of
 * this compiles cleanly under -Wall -Werror.
 */
#ifndef CT_MERKLE_MODEL_H
#define CT_MERKLE_MODEL_H

#include <sodium.h>

#include "caltrace/ledger/merkle.h"
#include "ct_test.h"

#define H	   CT_HASH_BYTES
#define PROOF_ROOM (CT_MERKLE_MAX_PROOF + 8) /* room for a proof longer than any valid one */

/* ---- a callback store: one array per level, with read checks ---- */

/*
 * Nodes of a tree built through ct_merkle_append. Reads are counted and
 * checked against visible, the size of the tree being asked about: a node
 * that a tree of that size does not have completed is a bad read.
 */
struct store {
	uint8_t *levels[64];
	uint64_t written[64];
	uint64_t capacity;
	uint64_t visible;
	unsigned long gets;
	unsigned long bad_reads;
};

static inline void store_init(struct store *s, uint64_t capacity)
{
	unsigned level;

	memset(s, 0, sizeof(*s));
	s->capacity = capacity;
	for (level = 0; level < 64 && (capacity >> level) > 0; level++) {
		s->levels[level] = calloc(capacity >> level, H);
		assert_non_null(s->levels[level]);
	}
}

static inline void store_free(struct store *s)
{
	unsigned level;

	for (level = 0; level < 64; level++)
		free(s->levels[level]);
}

static inline int store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static H])
{
	struct store *s = ctx;

	s->gets++;
	if (level >= 64 || index >= s->written[level] || ((index + 1) << level) > s->visible) {
		s->bad_reads++;
		return CT_ENOTFOUND;
	}
	memcpy(out, s->levels[level] + index * H, H);
	return 0;
}

static inline int store_put(void *ctx, unsigned level, uint64_t index, const uint8_t hash[static H])
{
	struct store *s = ctx;

	if (level >= 64 || index != s->written[level] || index >= (s->capacity >> level))
		return CT_EINVAL;
	memcpy(s->levels[level] + index * H, hash, H);
	s->written[level]++;
	return 0;
}

/* ---- the naive model: RFC 6962 §2.1 / RFC 9162 §2.1 recursions over a leaf list ---- */

static inline uint64_t largest_pow2_below(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) over leaf hashes. */
static inline void naive_mth(uint8_t out[static H], const uint8_t (*leaves)[H], uint64_t n)
{
	uint8_t left[H], right[H];
	uint64_t k;

	if (n == 0) {
		crypto_hash_sha256(out, (const uint8_t *)"", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	k = largest_pow2_below(n);
	naive_mth(left, leaves, k);
	naive_mth(right, leaves + k, n - k);
	ct_merkle_node_hash(out, left, right);
}

/*
 * PATH(m, D[n]) appended at proof[*count]. If sides is not NULL, also
 * records for each hash whether it is a left sibling ('L') or right ('R').
 */
static inline void naive_path(uint8_t (*proof)[H], size_t *count, char *sides, uint64_t m,
			      const uint8_t (*leaves)[H], uint64_t n)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = largest_pow2_below(n);
	if (m < k) {
		naive_path(proof, count, sides, m, leaves, k);
		naive_mth(proof[*count], leaves + k, n - k);
		if (sides)
			sides[*count] = 'R';
	} else {
		naive_path(proof, count, sides, m - k, leaves + k, n - k);
		naive_mth(proof[*count], leaves, k);
		if (sides)
			sides[*count] = 'L';
	}
	(*count)++;
}

/*
 * SUBPROOF(m, D[n], b) appended at proof[*count]; sides as for naive_path,
 * with 'T' for the old subtree the proof starts from.
 */
static inline void naive_subproof(uint8_t (*proof)[H], size_t *count, char *sides, uint64_t m,
				  const uint8_t (*leaves)[H], uint64_t n, int b)
{
	uint64_t k;

	if (m == n) {
		if (!b) {
			naive_mth(proof[*count], leaves, n);
			if (sides)
				sides[*count] = 'T';
			(*count)++;
		}
		return;
	}
	k = largest_pow2_below(n);
	if (m <= k) {
		naive_subproof(proof, count, sides, m, leaves, k, b);
		naive_mth(proof[*count], leaves + k, n - k);
		if (sides)
			sides[*count] = 'R';
	} else {
		naive_subproof(proof, count, sides, m - k, leaves + k, n - k, 0);
		naive_mth(proof[*count], leaves, k);
		if (sides)
			sides[*count] = 'L';
	}
	(*count)++;
}

/* PROOF(m, D[n]) for 0 < m < n. */
static inline void naive_consistency(uint8_t (*proof)[H], size_t *count, char *sides, uint64_t m,
				     const uint8_t (*leaves)[H], uint64_t n)
{
	*count = 0;
	naive_subproof(proof, count, sides, m, leaves, n, 1);
	if (sides)
		sides[*count] = '\0';
}

/*
 * The shape of an inclusion proof: the side of each sibling, bottom-up.
 * Two (index, size) pairs with one shape hash a proof identically, so a
 * proof checks against either; with different shapes it checks against one.
 */
static inline void inclusion_shape(char *out, uint64_t index, uint64_t size)
{
	char top_down[PROOF_ROOM];
	size_t depth = 0, i;
	uint64_t k;

	/* Only the sides matter: the recursion of naive_path without hashing. */
	while (size > 1) {
		k = largest_pow2_below(size);
		if (index < k) {
			top_down[depth++] = 'R';
			size = k;
		} else {
			top_down[depth++] = 'L';
			index -= k;
			size -= k;
		}
	}
	for (i = 0; i < depth; i++)
		out[i] = top_down[depth - 1 - i];
	out[depth] = '\0';
}

/* The same for a consistency proof, 0 < m < n ('T' where the proof carries the old subtree). */
static inline void consistency_shape(char *out, uint64_t m, uint64_t n)
{
	char top_down[PROOF_ROOM];
	size_t depth = 0, i, len = 0;
	int b = 1;
	uint64_t k;

	while (m != n) {
		k = largest_pow2_below(n);
		if (m <= k) {
			top_down[depth++] = 'R';
			n = k;
		} else {
			top_down[depth++] = 'L';
			m -= k;
			n -= k;
			b = 0;
		}
	}
	if (!b)
		out[len++] = 'T';
	for (i = 0; i < depth; i++)
		out[len++] = top_down[depth - 1 - i];
	out[len] = '\0';
}

static inline unsigned ceil_log2(uint64_t n)
{
	unsigned l = 0;

	while ((UINT64_C(1) << l) < n)
		l++;
	return l;
}
#endif
