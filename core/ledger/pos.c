/*
 * Where entries live (store format 3, docs/PERFORMANCE.md "Storage").
 *
 * An entry is stored once, in DB_ENTRIES ("log"), under a number: 1, 2,
 * 3, ... in the order this store took them, so that every write of an
 * entry is an append at the end of the B-tree and fills its pages. A
 * feed's entries are found by position through DB_POS: a block of
 * POS_SLOTS slots per author and (seq - 1) / POS_SLOTS, each slot the
 * entry's number and its Merkle leaf hash (the entry hash). A block is
 * always written whole (3,840 bytes), so that it has an overflow page of
 * its own and is rewritten in place while dirty.
 *
 * The feed's Merkle tree (merkle.c) reads its leaves from those slots,
 * stores its nodes of levels >= TREE_FIRST_STORED in DB_TREE, and folds
 * the levels between from the leaves of one block when asked (at most 8
 * leaves, 7 hashes).
 */
#include <string.h>

#include "caltrace/ledger/merkle.h"
#include "store_internal.h"

static void pos_key(uint8_t key[FEEDKEY_BYTES], const uint8_t author[CT_KEY_BYTES], uint64_t seq)
{
	ct__feed_key(key, author, (seq - 1) / POS_SLOTS);
}

/* The author's block holding seq; CT_ENOTFOUND when none. */
static int block_get(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq, const uint8_t **block)
{
	uint8_t key[FEEDKEY_BYTES];
	MDB_val v;
	int err;

	pos_key(key, author, seq);
	if ((err = ct__get(r, DB_POS, key, sizeof(key), &v)) < 0)
		return err;
	if (v.mv_size != POS_BLOCK_BYTES)
		return ct_error_set(CT_ECORRUPT, "a feed position block has %zu bytes, not %d", v.mv_size,
				    POS_BLOCK_BYTES);
	*block = v.mv_data;
	return 0;
}

int ct__pos_get(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq, uint64_t *number,
		uint8_t leaf[CT_HASH_BYTES])
{
	const uint8_t *block = NULL, *slot;
	int err;

	if (seq == 0)
		return CT_ENOTFOUND;
	if ((err = block_get(r, author, seq, &block)) < 0)
		return err;
	slot = block + (size_t)((seq - 1) % POS_SLOTS) * POS_SLOT_BYTES;
	*number = ct__get_u64(slot);
	if (*number == 0)
		return CT_ENOTFOUND;
	if (leaf)
		memcpy(leaf, slot + 8, CT_HASH_BYTES);
	return 0;
}

int ct__entry_get(ct_reader *r, uint64_t number, MDB_val *v)
{
	uint8_t key[8];
	int err;

	ct__put_u64(key, number);
	if ((err = ct__get(r, DB_ENTRIES, key, sizeof(key), v)) == CT_ENOTFOUND)
		return ct_error_set(CT_ECORRUPT, "the store names entry number %llu, which it does not hold",
				    (unsigned long long)number);
	if (err < 0)
		return err;
	if ((err = ct__entry_own(r, v)) < 0)
		return ct_error_wrap(err, "entry number %llu", (unsigned long long)number);
	return 0;
}

int ct__entry_at(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq, MDB_val *v)
{
	uint64_t number;
	int err;

	if ((err = ct__pos_get(r, author, seq, &number, NULL)) < 0)
		return err;
	return ct__entry_get(r, number, v);
}

/* The number the next entry gets: one past the last stored. */
static int next_number(ct_batch *b, uint64_t *out)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if (b->next_number) {
		*out = b->next_number;
		return 0;
	}
	if ((rc = mdb_cursor_open(b->rd.txn, b->l->dbi[DB_ENTRIES], &cur)) != 0)
		return ct__batch_poison(b, ct__mdb_error(rc, "log"));
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*out = b->next_number = 1;
		return 0;
	}
	if (rc)
		return ct__batch_poison(b, ct__mdb_error(rc, "log"));
	if (k.mv_size != 8)
		return ct__batch_poison(b, ct_error_set(CT_ECORRUPT, "a log key of %zu bytes", k.mv_size));
	*out = b->next_number = ct__get_u64(k.mv_data) + 1;
	return 0;
}

int ct__entry_add(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint64_t seq, const uint8_t *raw,
		  size_t len, const uint8_t *pre, size_t pre_len, const uint8_t leaf[CT_HASH_BYTES], uint64_t *number)
{
	uint8_t key[FEEDKEY_BYTES], nkey[8], block[POS_BLOCK_BYTES], *slot;
	const uint8_t *have = NULL;
	MDB_val packed;
	int err;

	if ((err = next_number(b, number)) < 0)
		return err;
	ct__put_u64(nkey, *number);
	if ((err = ct__entry_pack(b, raw, len, pre, pre_len, &packed)) < 0 ||
	    (err = ct__put(b, DB_ENTRIES, nkey, sizeof(nkey), packed.mv_data, packed.mv_size, MDB_APPEND)) < 0)
		return err;
	b->next_number++;
	err = block_get(&b->rd, author, seq, &have);
	if (err == 0)
		memcpy(block, have, sizeof(block));
	else if (err == CT_ENOTFOUND)
		memset(block, 0, sizeof(block));
	else
		return ct__batch_poison(b, err);
	slot = block + (size_t)((seq - 1) % POS_SLOTS) * POS_SLOT_BYTES;
	ct__put_u64(slot, *number);
	memcpy(slot + 8, leaf, CT_HASH_BYTES);
	pos_key(key, author, seq);
	return ct__put(b, DB_POS, key, sizeof(key), block, sizeof(block), 0);
}

/*
 * Node (level, index) for level < TREE_FIRST_STORED: folded from its
 * 2^level leaves, which lie in one block (POS_SLOTS is a multiple of 8).
 */
static int fold_leaves(struct ct__tree_ctx *t, unsigned level, uint64_t index, uint8_t out[CT_HASH_BYTES])
{
	uint8_t nodes[8][CT_HASH_BYTES];
	uint64_t first = index << level, n = UINT64_C(1) << level, i;
	const uint8_t *block = NULL;
	int err;

	if ((err = block_get(t->r, t->author, first + 1, &block)) < 0)
		return err == CT_ENOTFOUND ? ct_error_set(CT_ECORRUPT, "tree node (%u, %llu) missing", level,
							  (unsigned long long)index)
					   : err;
	for (i = 0; i < n; i++) {
		const uint8_t *slot = block + (size_t)((first + i) % POS_SLOTS) * POS_SLOT_BYTES;
		if (ct__get_u64(slot) == 0)
			return ct_error_set(CT_ECORRUPT, "tree node (%u, %llu): leaf %llu missing", level,
					    (unsigned long long)index, (unsigned long long)(first + i));
		memcpy(nodes[i], slot + 8, CT_HASH_BYTES);
	}
	for (; n > 1; n /= 2)
		for (i = 0; i < n / 2; i++)
			ct_merkle_node_hash(nodes[i], nodes[2 * i], nodes[2 * i + 1]);
	memcpy(out, nodes[0], CT_HASH_BYTES);
	return 0;
}

int ct__tree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[CT_HASH_BYTES])
{
	struct ct__tree_ctx *t = ctx;
	uint8_t key[CT_KEY_BYTES + 1 + 8];
	MDB_val v;
	int err;

	if (level < TREE_FIRST_STORED)
		return fold_leaves(t, level, index, out);
	memcpy(key, t->author, CT_KEY_BYTES);
	key[CT_KEY_BYTES] = (uint8_t)level;
	ct__put_u64(key + CT_KEY_BYTES + 1, index);
	if ((err = ct__get(t->r, DB_TREE, key, sizeof(key), &v)) < 0)
		return err == CT_ENOTFOUND ? ct_error_set(CT_ECORRUPT, "tree node (%u, %llu) missing", level,
						       (unsigned long long)index)
					   : err;
	if (v.mv_size != CT_HASH_BYTES)
		return ct_error_set(CT_ECORRUPT, "tree node (%u, %llu) has %zu bytes", level,
				 (unsigned long long)index, v.mv_size);
	memcpy(out, v.mv_data, CT_HASH_BYTES);
	return 0;
}

/* Levels below TREE_FIRST_STORED are not stored: the leaves are (ct__entry_add), the rest folded. */
int ct__tree_put(void *ctx, unsigned level, uint64_t index, const uint8_t hash[CT_HASH_BYTES])
{
	struct ct__tree_ctx *t = ctx;
	uint8_t key[CT_KEY_BYTES + 1 + 8];

	if (level < TREE_FIRST_STORED)
		return 0;
	memcpy(key, t->author, CT_KEY_BYTES);
	key[CT_KEY_BYTES] = (uint8_t)level;
	ct__put_u64(key + CT_KEY_BYTES + 1, index);
	return ct__put(t->b, DB_TREE, key, sizeof(key), hash, CT_HASH_BYTES, 0);
}
