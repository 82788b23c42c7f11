/* Fork proofs and the store's integrity check. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

int ct_fork_proof_check(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	uint8_t hash_a[CT_HASH_BYTES];
	ct_entry ea, eb;

	if (ct_entry_decode(&ea, a, a_len) < 0 || ct_entry_decode(&eb, b, b_len) < 0)
		return ct_error_wrap(CT_EINVAL, "fork proof: an entry does not decode");
	if (ct_entry_verify(&ea) < 0 || ct_entry_verify(&eb) < 0)
		return ct_error_set(CT_EINVAL, "fork proof: a signature does not verify");
	if (memcmp(ea.author, eb.author, CT_KEY_BYTES) != 0)
		return ct_error_set(CT_EINVAL, "fork proof: two different authors");
	if (ea.seq == eb.seq) {
		if (a_len == b_len && memcmp(a, b, a_len) == 0)
			return ct_error_set(CT_EINVAL, "fork proof: the two entries are the same");
		return 0;
	}
	ct_entry_hash(hash_a, a, a_len);
	if (eb.seq == ea.seq + 1 && memcmp(eb.prev, hash_a, CT_HASH_BYTES) != 0)
		return 0;
	return ct_error_set(CT_EINVAL, "fork proof: entries #%llu and #%llu do not contradict each other",
			 (unsigned long long)ea.seq, (unsigned long long)eb.seq);
}

/*
 * Compares every stored perfect-subtree node of a feed of size leaves with
 * the recomputed tree: a root can be right while a node that only proofs
 * read is wrong.
 */
static int check_tree_nodes(struct ct__tree_ctx *tree, ct_memtree *mem, uint64_t size, const char *name)
{
	uint8_t stored[CT_HASH_BYTES], recomputed[CT_HASH_BYTES];
	uint64_t index;
	unsigned level;
	int err;

	for (level = 0; level < 64 && (1ULL << level) <= size; level++)
		for (index = 0; (index + 1) << level <= size; index++) {
			if ((err = ct__tree_get(tree, level, index, stored)) < 0)
				return ct_error_wrap(err, "feed %s…", name);
			if ((err = ct_memtree_get(mem, level, index, recomputed)) < 0)
				return err;
			if (memcmp(stored, recomputed, CT_HASH_BYTES) != 0)
				return ct_error_set(CT_ECORRUPT, "feed %s…: tree node (%u, %llu) differs from a recomputation",
						 name, level, (unsigned long long)index);
		}
	return 0;
}

/* Checks one feed: entries, links, hash index, tree root and nodes. */
static int check_feed(ct_reader *r, const ct_feed_head *h, uint64_t *checked)
{
	struct ct__tree_ctx tree = {r, NULL, h->author};
	uint8_t prev[CT_HASH_BYTES], hash[CT_HASH_BYTES], root[CT_HASH_BYTES], recomputed[CT_HASH_BYTES];
	ct_memtree *mem = NULL;
	char name[CT_KEY_SHORT_LEN + 1];
	uint64_t seq;
	ct_entry e, by_hash;
	int err = 0;

	ct_key_short(name, h->author);
	if ((err = ct_memtree_new(&mem)) < 0)
		return err;
	for (seq = 1; seq <= h->size; seq++) {
		size_t mark = ct_reader_mark(r); /* nothing read is kept past the step */
		if ((err = ct_read_entry(&e, r, h->author, seq)) < 0) {
			if (err == CT_ENOTFOUND)
				err = ct_error_set(CT_ECORRUPT, "feed %s…: entry #%llu of %llu is missing", name,
						   (unsigned long long)seq, (unsigned long long)h->size);
			goto done;
		}
		if (e.seq != seq || memcmp(e.author, h->author, CT_KEY_BYTES) != 0) {
			err = ct_error_set(CT_ECORRUPT, "feed %s…: entry stored at #%llu says #%llu", name,
					(unsigned long long)seq, (unsigned long long)e.seq);
			goto done;
		}
		if (ct_entry_verify(&e) < 0) {
			err = ct_error_set(CT_ECORRUPT, "feed %s…: entry #%llu does not verify", name,
					(unsigned long long)seq);
			goto done;
		}
		if (seq > 1 && memcmp(e.prev, prev, CT_HASH_BYTES) != 0) {
			err = ct_error_set(CT_ECORRUPT, "feed %s…: entry #%llu does not link to #%llu", name,
					(unsigned long long)seq, (unsigned long long)seq - 1);
			goto done;
		}
		ct_entry_hash(hash, e.raw, e.raw_len);
		if ((err = ct_read_entry_by_hash(&by_hash, r, hash)) < 0 || by_hash.seq != seq) {
			err = ct_error_set(CT_ECORRUPT, "feed %s…: hash index misses entry #%llu", name,
					(unsigned long long)seq);
			goto done;
		}
		if ((err = ct_memtree_append(mem, hash)) < 0)
			goto done;
		memcpy(prev, hash, sizeof(prev));
		(*checked)++;
		ct_reader_rewind(r, mark);
	}
	if (h->size && memcmp(prev, h->head, CT_HASH_BYTES) != 0) {
		err = ct_error_set(CT_ECORRUPT, "feed %s…: head hash does not match entry #%llu", name,
				(unsigned long long)h->size);
		goto done;
	}
	if ((err = ct_merkle_root(root, h->size, ct__tree_get, &tree)) < 0 ||
	    (err = ct_merkle_root(recomputed, h->size, ct_memtree_get, mem)) < 0)
		goto done;
	if (memcmp(root, recomputed, CT_HASH_BYTES) != 0) {
		err = ct_error_set(CT_ECORRUPT, "feed %s…: stored tree root differs from a recomputation", name);
		goto done;
	}
	err = check_tree_nodes(&tree, mem, h->size, name);
done:
	ct_memtree_free(mem);
	return err;
}

/* Checks that every row of a domain index is well formed and names a stored entry. */
static int check_index(ct_reader *r, enum ct_db db, const char *name)
{
	MDB_cursor *cur = NULL;
	char hex[2 * CT_HASH_BYTES + 1];
	MDB_val k, v;
	uint64_t number;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[db], &cur)) != 0)
		return ct__mdb_error(rc, name);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size != ROW_BYTES) {
			err = ct_error_set(CT_ECORRUPT, "index %s: a row of %zu bytes", name, v.mv_size);
			break;
		}
		if ((err = ct__hash_get(r, (const uint8_t *)v.mv_data + 9, &number)) < 0) {
			ct_hex(hex, (const uint8_t *)v.mv_data + 9, CT_HASH_BYTES);
			if (err == CT_ENOTFOUND)
				err = ct_error_set(CT_ECORRUPT, "index %s: a row names entry %s, which is not stored", name,
						hex);
			break;
		}
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, name);
	mdb_cursor_close(cur);
	return err;
}

/* The entry counters (format 2) match the entries held. */
static int check_counters(ct_reader *r)
{
	uint64_t entries, bytes, held, held_bytes;
	MDB_stat main, recent;
	int rc, err;

	if ((err = ct_read_stats(&entries, &bytes, r)) < 0)
		return err;
	if ((err = ct__count_entries(r->txn, r->l->dbi[DB_ENTRIES], &held, &held_bytes)) < 0)
		return err;
	if (entries != held || bytes != held_bytes)
		return ct_error_set(CT_ECORRUPT,
				    "the store counts %llu entries of %llu bytes, and holds %llu of %llu bytes",
				    (unsigned long long)entries, (unsigned long long)bytes, (unsigned long long)held,
				    (unsigned long long)held_bytes);
	/* every entry was looked up by hash (check_feed): one row each in the two parts means no other row */
	if ((rc = mdb_stat(r->txn, r->l->dbi[DB_HASHES], &main)) != 0 ||
	    (rc = mdb_stat(r->txn, r->l->dbi[DB_HRECENT], &recent)) != 0)
		return ct__mdb_error(rc, "hashes");
	if (main.ms_entries + recent.ms_entries != held)
		return ct_error_set(CT_ECORRUPT, "the hash index has %llu rows (%llu recent) for %llu entries",
				    (unsigned long long)(main.ms_entries + recent.ms_entries),
				    (unsigned long long)recent.ms_entries, (unsigned long long)held);
	return 0;
}

int ct_ledger_check(ct_reader *r, uint64_t *entries_checked)
{
	static const struct {
		enum ct_db db;
		const char *name;
	} indexes[] = {{DB_SUBJECTS, "subjects"}, {DB_USES, "uses"},		{DB_ORGS, "orgs"},
		       {DB_PERSONS, "persons"},	  {DB_CATALOGUE, "catalogue"}, {DB_REVOKES, "revokes"}};
	ct_feed_head *heads = NULL;
	size_t count, i;
	uint64_t checked = 0;
	int err;

	if ((err = ct_read_heads(&heads, &count, r)) < 0)
		return err;
	for (i = 0; i < count && err == 0; i++)
		err = check_feed(r, &heads[i], &checked);
	/* Then the domain indexes: every row must name a stored entry. */
	for (i = 0; i < sizeof(indexes) / sizeof(indexes[0]) && err == 0; i++)
		err = check_index(r, indexes[i].db, indexes[i].name);
	if (err == 0)
		err = check_counters(r);
	free(heads);
	if (entries_checked)
		*entries_checked = checked;
	return err;
}
