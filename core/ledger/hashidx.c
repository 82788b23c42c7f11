/*
 * The hash index: entry hash -> entry number, in two parts.
 *
 * Entry hashes are random, so filing each in one large B-tree dirties a
 * random leaf page per entry: a commit of thousands of entries rewrites
 * thousands of pages of the index, and LMDB's sorted list of dirty pages
 * grows with them. That was most of the writer's work in a catch-up
 * (docs/PERFORMANCE.md). So a new hash goes into DB_HRECENT, a small
 * B-tree whose few pages stay in cache and are dirtied again and again in
 * one transaction. While it holds hash_merge_at rows or more (65,536 by
 * default, about 3 MB), each commit moves one eighth of the key space of
 * it (the hashes whose first byte has the next of 8 values of its top 3
 * bits, in turn) into DB_HASHES in key order: the keys a leaf of
 * DB_HASHES receives arrive together, about 8 times as many per page
 * touched as when each commit filed its own, and a commit dirties at most
 * an eighth of DB_HASHES (so its memory stays bounded as the store grows).
 * A lookup asks DB_HRECENT first, then DB_HASHES. Both parts are written
 * in the same LMDB transactions as the entries: a reader sees a hash in
 * exactly one of them, and a crash keeps both as the last commit left
 * them.
 *
 * Within a write batch the new hashes are kept back and filed into
 * DB_HRECENT together, sorted, when the batch commits (or before a read by
 * hash through the batch, or every PEND_MAX): filed one by one in the
 * random order they come, each put searched and dirtied a page away from
 * the last, and filing them took a tenth of a catching-up node's CPU; in
 * key order, each leaf's new keys arrive together (docs/PERFORMANCE.md,
 * "The hash index filed in order").
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define DEFAULT_MERGE_AT 65536
#define PEND_BYTES	 (CT_HASH_BYTES + 8)
#define PEND_MAX	 65536 /* hashes kept back at most: 2.6 MB */

int ct__hash_put(ct_batch *b, const uint8_t hash[CT_HASH_BYTES], uint64_t number)
{
	uint8_t rec[PEND_BYTES];

	if (b->poisoned)
		return b->poisoned;
	memcpy(rec, hash, CT_HASH_BYTES);
	ct__put_u64(rec + CT_HASH_BYTES, number);
	if (ct_buf_put(&b->hpend, rec, sizeof(rec)) < 0)
		return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory filing an entry's hash"));
	return b->hpend.len >= PEND_MAX * PEND_BYTES ? ct__hash_flush(b) : 0;
}

static int pend_order(const void *x, const void *y)
{
	return memcmp(x, y, CT_HASH_BYTES);
}

int ct__hash_flush(ct_batch *b)
{
	size_t n = b->hpend.len / PEND_BYTES;
	int err = b->poisoned;

	if (err || n == 0)
		return err;
	qsort(b->hpend.ptr, n, PEND_BYTES, pend_order);
	for (size_t i = 0; i < n && err == 0; i++) {
		const uint8_t *rec = b->hpend.ptr + i * PEND_BYTES;

		err = ct__put(b, DB_HRECENT, rec, CT_HASH_BYTES, rec + CT_HASH_BYTES, 8, 0);
	}
	b->hpend.len = 0;
	return err;
}

static int number_of(const MDB_val *v, uint64_t *number)
{
	if (v->mv_size != 8)
		return ct_error_set(CT_ECORRUPT, "hash index record has %zu bytes", v->mv_size);
	*number = ct__get_u64(v->mv_data);
	return 0;
}

int ct__hash_get(ct_reader *r, const uint8_t hash[CT_HASH_BYTES], uint64_t *number)
{
	MDB_val v;
	int err;

	if (r->batch && r->batch->hpend.len && (err = ct__hash_flush(r->batch)) < 0)
		return err;
	err = ct__get(r, DB_HRECENT, hash, CT_HASH_BYTES, &v);

	if (err == CT_ENOTFOUND)
		err = ct__get(r, DB_HASHES, hash, CT_HASH_BYTES, &v);
	return err < 0 ? err : number_of(&v, number);
}

int ct__hash_merge(ct_batch *b)
{
	uint64_t at = b->l->hash_merge_at ? b->l->hash_merge_at : DEFAULT_MERGE_AT;
	uint8_t first[CT_HASH_BYTES] = {0}, slice = b->l->merge_slice;
	MDB_txn *txn = b->rd.txn;
	MDB_cursor *cur = NULL;
	MDB_val k = {sizeof(first), first}, v;
	MDB_stat st;
	int rc;

	if (b->poisoned)
		return b->poisoned;
	if ((rc = mdb_stat(txn, b->l->dbi[DB_HRECENT], &st)) != 0)
		return ct__batch_poison(b, ct__mdb_error(rc, "hrecent"));
	if (st.ms_entries < at)
		return 0;
	first[0] = (uint8_t)(slice << 5);
	if ((rc = mdb_cursor_open(txn, b->l->dbi[DB_HRECENT], &cur)) != 0)
		return ct__batch_poison(b, ct__mdb_error(rc, "hrecent"));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT)) {
		if (k.mv_size != CT_HASH_BYTES || ((const uint8_t *)k.mv_data)[0] >> 5 != slice)
			break;
		if ((rc = mdb_put(txn, b->l->dbi[DB_HASHES], &k, &v, 0)) != 0 || (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_MAP_FULL)
		b->l->full_seen = true;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ct__batch_poison(b, ct__mdb_error(rc, "merging the recent hash index"));
	b->l->merge_slice = (uint8_t)((slice + 1) & 7);
	return 0;
}
