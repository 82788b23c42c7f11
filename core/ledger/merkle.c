/*
 * RFC 6962 / RFC 9162 Merkle trees whose nodes live with the caller.
 *
 * Node (level, index) is the perfect subtree of height level covering leaves
 * [index << level, (index + 1) << level). An append stores the leaf and every
 * parent it completes, so the stored nodes of a tree of size n are exactly
 * its perfect subtrees. Any subtree that RFC 9162 names (MTH(D[a:b]) with a
 * a multiple of a power of two >= b - a) is then a fold over at most
 * log2 n stored peaks, and only one subtree on a proof path (the right edge)
 * is not itself perfect.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "caltrace/base/sha2.h"
#include "caltrace/ledger/merkle.h"
#include "caltrace/base/error.h"

/* Consistency proofs have at most ceil(log2 n) + 1 hashes: n <= 2^63 keeps them in 64. */
#define MAX_TREE_SIZE  (UINT64_C(1) << 63)
#define MEMTREE_LEVELS 64

struct ct_memtree {
	ct_buf levels[MEMTREE_LEVELS]; /* level l holds nodes (l, 0), (l, 1), ... back to back */
};

void ct_merkle_leaf_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t *data, size_t len)
{
	static const uint8_t leaf_prefix = 0x00;
	const ct_sha2_part parts[] = {{&leaf_prefix, 1}, {data, len}};

	ct_sha256_parts(out, parts, 2);
}

/* out may alias left or right: the inputs are copied before hashing. */
void ct_merkle_node_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t left[static CT_HASH_BYTES],
			 const uint8_t right[static CT_HASH_BYTES])
{
	uint8_t msg[1 + 2 * CT_HASH_BYTES];

	msg[0] = 0x01;
	memcpy(msg + 1, left, CT_HASH_BYTES);
	memcpy(msg + 1 + CT_HASH_BYTES, right, CT_HASH_BYTES);
	ct_sha256(out, msg, sizeof(msg));
}

/* The largest power of two strictly below n (n >= 2): RFC 9162's k. */
static uint64_t split_point(uint64_t n)
{
	assert(n >= 2);
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/*
 * MTH(D[start : start + len]) for len >= 1, where start is a multiple of a
 * power of two >= len (every subtree RFC 9162 names is). Folds the stored
 * peaks right to left: one get per set bit of len.
 */
static int range_hash(uint8_t out[static CT_HASH_BYTES], uint64_t start, uint64_t len, ct_merkle_get_fn get,
		      void *ctx)
{
	uint8_t peak[CT_HASH_BYTES];
	uint64_t rest = len;
	int have_right = 0;
	int err;

	assert(len > 0);
	while (rest) {
		unsigned level = (unsigned)__builtin_ctzll(rest);
		uint64_t above = rest & (rest - 1); /* leaves left of this peak */
		uint64_t first = start + above;

		assert((first & ((UINT64_C(1) << level) - 1)) == 0);
		if ((err = get(ctx, level, first >> level, have_right ? peak : out)) < 0)
			return err;
		if (have_right)
			ct_merkle_node_hash(out, peak, out);
		have_right = 1;
		rest = above;
	}
	return 0;
}

/* Reverses n hashes in place: proofs are found top-down but listed bottom-up. */
static void reverse_hashes(uint8_t hashes[][CT_HASH_BYTES], size_t n)
{
	uint8_t swap[CT_HASH_BYTES];
	size_t i;

	for (i = 0; i < n / 2; i++) {
		memcpy(swap, hashes[i], CT_HASH_BYTES);
		memcpy(hashes[i], hashes[n - 1 - i], CT_HASH_BYTES);
		memcpy(hashes[n - 1 - i], swap, CT_HASH_BYTES);
	}
}

int ct_merkle_append(uint64_t index, const uint8_t leaf[static CT_HASH_BYTES], ct_merkle_get_fn get,
		     ct_merkle_put_fn put, void *ctx)
{
	uint8_t hash[CT_HASH_BYTES], left[CT_HASH_BYTES];
	uint64_t pos = index;
	unsigned level = 0;
	int err;

	memcpy(hash, leaf, CT_HASH_BYTES);
	if ((err = put(ctx, 0, index, hash)) < 0)
		return err;
	/* A node at an odd position completes its parent with its left sibling. */
	while (pos & 1) {
		if ((err = get(ctx, level, pos - 1, left)) < 0)
			return err;
		ct_merkle_node_hash(hash, left, hash);
		level++;
		pos >>= 1;
		if ((err = put(ctx, level, pos, hash)) < 0)
			return err;
	}
	return 0;
}

int ct_merkle_root(uint8_t out[static CT_HASH_BYTES], uint64_t size, ct_merkle_get_fn get, void *ctx)
{
	static const uint8_t nothing[1];

	if (size == 0) {
		crypto_hash_sha256(out, nothing, 0);
		return 0;
	}
	return range_hash(out, 0, size, get, ctx);
}

/*
 * PATH(m, D[n]) of RFC 9162 §2.1.3.1, unrolled: walk down from the root,
 * recording the sibling of each subtree that holds the leaf.
 */
int ct_merkle_inclusion_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, uint64_t index, uint64_t size,
			      ct_merkle_get_fn get, void *ctx)
{
	uint64_t start = 0, end = size;
	size_t n = 0;
	int err = 0;

	*count = 0;
	if (index >= size)
		return ct_error_set(CT_EINVAL, "inclusion proof: leaf %llu is not in a tree of size %llu",
				 (unsigned long long)index, (unsigned long long)size);
	while (end - start > 1) {
		uint64_t k = split_point(end - start);

		assert(n < CT_MERKLE_MAX_PROOF);
		if (index < start + k) {
			/* The right sibling: the only subtree here that may not be perfect. */
			err = range_hash(proof[n], start + k, end - start - k, get, ctx);
			end = start + k;
		} else {
			err = range_hash(proof[n], start, k, get, ctx);
			start += k;
		}
		if (err < 0)
			goto done;
		n++;
	}
	reverse_hashes(proof, n);
	*count = n;
done:
	return err;
}

/*
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, unrolled:
 * walk down while the old tree ends inside the current subtree; the walk
 * ends at a subtree that is wholly old, which is listed unless it is a
 * left-edge subtree (the verifier has it as the old root).
 */
int ct_merkle_consistency_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, uint64_t old_size,
				uint64_t new_size, ct_merkle_get_fn get, void *ctx)
{
	uint64_t start = 0, end = new_size;
	int on_left_edge = 1;
	size_t n = 0;
	int err = 0;

	*count = 0;
	if (old_size > new_size)
		return ct_error_set(CT_EINVAL, "consistency proof: old size %llu is larger than new size %llu",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	if (new_size > MAX_TREE_SIZE)
		return ct_error_set(CT_EINVAL, "consistency proof: tree size %llu is over 2^63",
				 (unsigned long long)new_size);
	if (old_size == 0 || old_size == new_size)
		return 0;
	while (end != old_size) {
		uint64_t k = split_point(end - start);

		assert(n < CT_MERKLE_MAX_PROOF);
		if (old_size <= start + k) {
			err = range_hash(proof[n], start + k, end - start - k, get, ctx);
			end = start + k;
		} else {
			err = range_hash(proof[n], start, k, get, ctx);
			start += k;
			on_left_edge = 0;
		}
		if (err < 0)
			goto done;
		n++;
	}
	if (!on_left_edge) {
		assert(n < CT_MERKLE_MAX_PROOF);
		if ((err = range_hash(proof[n], start, end - start, get, ctx)) < 0)
			goto done;
		n++;
	}
	reverse_hashes(proof, n);
	*count = n;
done:
	return err;
}

/*
 * One step of the RFC 9162 verification walk over (fn, sn): returns whether
 * the proof hash at this step is a left sibling, and moves fn and sn to the
 * next level that has a proof hash.
 */
static int walk_step(uint64_t *fn, uint64_t *sn)
{
	int left = (*fn & 1) || *fn == *sn;

	if (left) {
		/* On the right edge: levels without a sibling are skipped. */
		while (!(*fn & 1) && *fn != 0) {
			*fn >>= 1;
			*sn >>= 1;
		}
	}
	*fn >>= 1;
	*sn >>= 1;
	return left;
}

/* Number of proof hashes the walk from (fn, sn) consumes before sn reaches 0. */
static size_t walk_length(uint64_t fn, uint64_t sn)
{
	size_t n = 0;

	while (sn != 0) {
		walk_step(&fn, &sn);
		n++;
	}
	return n;
}

/* First 8 hex digits of a hash, for detail messages. */
static const char *short_hex(char buf[static 17], const uint8_t hash[static CT_HASH_BYTES])
{
	ct_hex(buf, hash, 8);
	return buf;
}

int ct_merkle_verify_inclusion(const uint8_t leaf_hash[static CT_HASH_BYTES], uint64_t index, uint64_t size,
			       const uint8_t proof[][CT_HASH_BYTES], size_t count,
			       const uint8_t root[static CT_HASH_BYTES])
{
	uint8_t r[CT_HASH_BYTES];
	char got[17], want[17];
	uint64_t fn, sn;
	size_t i, need;

	if (index >= size)
		return ct_error_set(CT_EPROOF, "inclusion: leaf %llu is not in a tree of size %llu",
				 (unsigned long long)index, (unsigned long long)size);
	need = walk_length(index, size - 1);
	if (count != need)
		return ct_error_set(
		    CT_EPROOF, "inclusion: proof has %zu hashes, leaf %llu of a tree of size %llu needs %zu",
		    count, (unsigned long long)index, (unsigned long long)size, need);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, CT_HASH_BYTES);
	for (i = 0; i < count; i++) {
		if (walk_step(&fn, &sn))
			ct_merkle_node_hash(r, proof[i], r);
		else
			ct_merkle_node_hash(r, r, proof[i]);
	}
	assert(sn == 0);
	if (memcmp(r, root, CT_HASH_BYTES) != 0)
		return ct_error_set(
		    CT_EPROOF,
		    "inclusion: root mismatch for leaf %llu of %llu: proof gives %s.., root is %s..",
		    (unsigned long long)index, (unsigned long long)size, short_hex(got, r),
		    short_hex(want, root));
	return 0;
}

/* RFC 9162 §2.1.4.2 steps 2-7 for 0 < old_size < new_size and a non-empty proof. */
static int verify_consistency_path(uint64_t old_size, uint64_t new_size,
				   const uint8_t old_root[static CT_HASH_BYTES],
				   const uint8_t new_root[static CT_HASH_BYTES],
				   const uint8_t proof[][CT_HASH_BYTES], size_t count)
{
	/* A power-of-two old tree is a stored subtree: its root starts the path. */
	int old_is_subtree = (old_size & (old_size - 1)) == 0;
	const uint8_t *seed = old_is_subtree ? old_root : proof[0];
	size_t first = old_is_subtree ? 0 : 1;
	uint8_t fr[CT_HASH_BYTES], sr[CT_HASH_BYTES];
	uint64_t fn = old_size - 1, sn = new_size - 1;
	size_t i, need;

	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	need = first + walk_length(fn, sn);
	if (count != need)
		return ct_error_set(CT_EPROOF, "consistency: proof has %zu hashes, sizes %llu -> %llu need %zu",
				 count, (unsigned long long)old_size, (unsigned long long)new_size, need);
	memcpy(fr, seed, CT_HASH_BYTES);
	memcpy(sr, seed, CT_HASH_BYTES);
	for (i = first; i < count; i++) {
		if (walk_step(&fn, &sn)) {
			ct_merkle_node_hash(fr, proof[i], fr);
			ct_merkle_node_hash(sr, proof[i], sr);
		} else {
			ct_merkle_node_hash(sr, sr, proof[i]);
		}
	}
	assert(sn == 0);
	if (memcmp(fr, old_root, CT_HASH_BYTES) != 0)
		return ct_error_set(CT_EPROOF, "consistency %llu -> %llu: proof does not give the old root",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	if (memcmp(sr, new_root, CT_HASH_BYTES) != 0)
		return ct_error_set(CT_EPROOF, "consistency %llu -> %llu: proof does not give the new root",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	return 0;
}

/*
 * Edge cases as the published vectors have them: a proof from the empty tree
 * is refused (it would prove nothing), equal sizes need an empty proof and
 * equal roots.
 */
int ct_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
				 const uint8_t old_root[static CT_HASH_BYTES],
				 const uint8_t new_root[static CT_HASH_BYTES],
				 const uint8_t proof[][CT_HASH_BYTES], size_t count)
{
	if (old_size > new_size)
		return ct_error_set(CT_EPROOF, "consistency: old size %llu is larger than new size %llu",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	if (old_size == 0)
		return ct_error_set(CT_EPROOF,
				 "consistency: old size 0 (a proof from the empty tree proves nothing)");
	if (old_size == new_size) {
		if (count != 0)
			return ct_error_set(CT_EPROOF,
					 "consistency: sizes are equal (%llu) but the proof has %zu hashes",
					 (unsigned long long)old_size, count);
		if (memcmp(old_root, new_root, CT_HASH_BYTES) != 0)
			return ct_error_set(CT_EPROOF,
					 "consistency: sizes are equal (%llu) but the roots differ",
					 (unsigned long long)old_size);
		return 0;
	}
	if (count == 0)
		return ct_error_set(CT_EPROOF, "consistency: empty proof for sizes %llu -> %llu",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	return verify_consistency_path(old_size, new_size, old_root, new_root, proof, count);
}

int ct_memtree_new(ct_memtree **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ct_error_set(CT_ENOMEM, "out of memory allocating a memtree");
	return 0;
}

/* ct_merkle_put_fn for a memtree: nodes arrive in order on every level. */
static int memtree_put(void *ctx, unsigned level, uint64_t index, const uint8_t hash[static CT_HASH_BYTES])
{
	ct_memtree *t = ctx;

	assert(level < MEMTREE_LEVELS);
	assert(index == t->levels[level].len / CT_HASH_BYTES);
	return ct_buf_put(&t->levels[level], hash, CT_HASH_BYTES);
}

/*
 * Room is reserved on every level the append writes before it starts, so an
 * allocation failure leaves the tree as it was.
 */
int ct_memtree_append(ct_memtree *t, const uint8_t leaf[static CT_HASH_BYTES])
{
	uint64_t index = ct_memtree_size(t);
	unsigned levels, level;
	int err;

	if (index >= MAX_TREE_SIZE)
		return ct_error_set(CT_ETOOBIG, "memtree: full at %llu leaves", (unsigned long long)index);
	levels = (unsigned)__builtin_ctzll(~index) + 1; /* the leaf and the parents it completes */
	for (level = 0; level < levels; level++)
		if ((err = ct_buf_grow(&t->levels[level], CT_HASH_BYTES)) < 0)
			return err;
	return ct_merkle_append(index, leaf, ct_memtree_get, memtree_put, t);
}

uint64_t ct_memtree_size(const ct_memtree *t)
{
	return t->levels[0].len / CT_HASH_BYTES;
}

int ct_memtree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static CT_HASH_BYTES])
{
	const ct_memtree *t = ctx;

	if (level >= MEMTREE_LEVELS || index >= t->levels[level].len / CT_HASH_BYTES)
		return ct_error_set(CT_ENOTFOUND, "memtree: no node at level %u, index %llu", level,
				 (unsigned long long)index);
	memcpy(out, t->levels[level].ptr + index * CT_HASH_BYTES, CT_HASH_BYTES);
	return 0;
}

void ct_memtree_free(ct_memtree *t)
{
	unsigned level;

	if (!t)
		return;
	for (level = 0; level < MEMTREE_LEVELS; level++)
		ct_buf_free(&t->levels[level]);
	free(t);
}
