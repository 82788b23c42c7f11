/*
 * The store's format and its migrations.
 *
 * DB_META "format" (u32, big-endian) says how the store is laid out. A
 * store of an older format is migrated in place, in the transaction that
 * opens it, when the caller asks (ct_ledger_opts.migrate); otherwise, and
 * whatever the caller asks when the format is newer than this code's, it
 * is refused with a detail naming what to do. A store is never read under
 * a format it does not have.
 *
 * The formats:
 *   1  the first: entries, hashes, heads, Merkle trees, forks, pending
 *      area, domain indexes, replication state (store_internal.h).
 *   2  as 1, and DB_META "entries" and "entry_bytes" (u64): how many
 *      entries the store holds and their encoded bytes, kept by every
 *      write batch (so that a node reports them without a scan, and
 *      `caltrace check` has one more invariant). From 1: one scan of the
 *      entries.
 *   3  entries by number (DB_ENTRIES is "log": number -> entry, numbers in
 *      the order stored), the hash index names numbers, feed positions and
 *      Merkle leaves in blocks (DB_POS), the tree keeps its levels from
 *      TREE_FIRST_STORED up (pos.c). About half the bytes of format 2
 *      (docs/PERFORMANCE.md, "Storage"). From 2: one walk of the old
 *      "entries" database in (author, seq) order, which is then dropped,
 *      and the tree's lower levels deleted. The file does not shrink: its
 *      freed pages are reused by later writes (`caltrace backup` writes a
 *      compacted copy).
 *   4  as 3, and an entry may be stored as a zstd frame against the
 *      format's dictionary (pack.c; docs/FORMAT.md, "Stored entries"):
 *      about 55 % of its bytes. From 3: nothing rewritten; the entries
 *      already stored stay uncompressed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "caltrace/ledger/entry.h"
#include "store_internal.h"

#define FORMAT_KEY "format"

/* Counts the entries and their bytes: one walk of DB_ENTRIES. */
int ct__count_entries(MDB_txn *txn, MDB_dbi dbi, uint64_t *entries, uint64_t *bytes)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	*entries = *bytes = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return ct__mdb_error(rc, "entries");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t len;
		int err = ct__entry_unpacked_size(&v, &len); /* the counter counts entries' own bytes */
		if (err < 0) {
			mdb_cursor_close(cur);
			return err;
		}
		(*entries)++;
		*bytes += len;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ct__mdb_error(rc, "counting the entries");
}

static int put_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t value)
{
	uint8_t buf[8];
	MDB_val k = {strlen(name), (void *)name}, v = {sizeof(buf), buf};
	int rc;

	ct__put_u64(buf, value);
	rc = mdb_put(txn, dbi, &k, &v, 0);
	return rc ? ct__mdb_error(rc, "writing the store's counters") : 0;
}

/* 1 -> 2: the entry counters. */
static int to_format_2(ct_ledger *l, MDB_txn *txn)
{
	uint64_t entries, bytes;
	MDB_dbi old;
	int rc, err;

	/* format 1 and 2 kept the entries in "entries" (format 3 moves them: to_format_3) */
	if ((rc = mdb_dbi_open(txn, "entries", 0, &old)) != 0)
		return rc == MDB_NOTFOUND ? ct_error_set(CT_ECORRUPT, "a store of format 1 without its 'entries'")
					  : ct__mdb_error(rc, "entries");
	if ((err = ct__count_entries(txn, old, &entries, &bytes)) < 0)
		return err;
	if ((err = put_u64(txn, l->dbi[DB_META], "entries", entries)) < 0)
		return err;
	return put_u64(txn, l->dbi[DB_META], "entry_bytes", bytes);
}

/* Writes a block of feed positions (author, block) of format 3. */
static int put_block(MDB_txn *txn, MDB_dbi dbi, const uint8_t *author, uint64_t block, const uint8_t *slots)
{
	uint8_t key[FEEDKEY_BYTES];
	MDB_val k = {sizeof(key), key}, v = {POS_BLOCK_BYTES, (void *)slots};
	int rc;

	ct__feed_key(key, author, block);
	rc = mdb_put(txn, dbi, &k, &v, 0);
	return rc ? ct__mdb_error(rc, "writing feed positions") : 0;
}

/* Deletes the tree nodes below TREE_FIRST_STORED: they are folded from the leaves now. */
static int drop_low_levels(ct_ledger *l, MDB_txn *txn)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, l->dbi[DB_TREE], &cur)) != 0)
		return ct__mdb_error(rc, "tree");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CT_KEY_BYTES + 1 + 8) {
			mdb_cursor_close(cur);
			return ct_error_set(CT_ECORRUPT, "a tree key of %zu bytes", k.mv_size);
		}
		if (((const uint8_t *)k.mv_data)[CT_KEY_BYTES] < TREE_FIRST_STORED &&
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ct__mdb_error(rc, "dropping the tree's lower levels");
}

/* 2 -> 3: entries by number, feed positions and leaves in blocks, the tree's lower levels dropped. */
static int to_format_3(ct_ledger *l, MDB_txn *txn)
{
	uint8_t slots[POS_BLOCK_BYTES], author[CT_KEY_BYTES], nkey[8], hash[CT_HASH_BYTES];
	uint64_t number = 0, block = 0, seq;
	bool have_block = false;
	MDB_cursor *cur = NULL;
	MDB_dbi old;
	MDB_val k, v, nk = {sizeof(nkey), nkey}, nv;
	int rc, err = 0;

	if ((rc = mdb_dbi_open(txn, "entries", 0, &old)) != 0)
		return rc == MDB_NOTFOUND ? ct_error_set(CT_ECORRUPT, "a store of format 2 without its 'entries'")
					  : ct__mdb_error(rc, "entries");
	if ((rc = mdb_cursor_open(txn, old, &cur)) != 0)
		return ct__mdb_error(rc, "entries");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && err == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != FEEDKEY_BYTES || (seq = ct__get_u64((uint8_t *)k.mv_data + CT_KEY_BYTES)) == 0) {
			err = ct_error_set(CT_ECORRUPT, "an entry key of %zu bytes", k.mv_size);
			break;
		}
		if (have_block && (memcmp(author, k.mv_data, CT_KEY_BYTES) != 0 || (seq - 1) / POS_SLOTS != block)) {
			if ((err = put_block(txn, l->dbi[DB_POS], author, block, slots)) < 0)
				break;
			have_block = false;
		}
		if (!have_block) {
			memcpy(author, k.mv_data, CT_KEY_BYTES);
			block = (seq - 1) / POS_SLOTS;
			memset(slots, 0, sizeof(slots));
			have_block = true;
		}
		ct__put_u64(nkey, ++number);
		ct_entry_hash(hash, v.mv_data, v.mv_size);
		ct__put_u64(slots + (size_t)((seq - 1) % POS_SLOTS) * POS_SLOT_BYTES, number);
		memcpy(slots + (size_t)((seq - 1) % POS_SLOTS) * POS_SLOT_BYTES + 8, hash, CT_HASH_BYTES);
		if ((rc = mdb_put(txn, l->dbi[DB_ENTRIES], &nk, &v, MDB_APPEND)) != 0) {
			err = ct__mdb_error(rc, "log");
			break;
		}
		k.mv_size = CT_HASH_BYTES;
		k.mv_data = hash;
		nv.mv_size = sizeof(nkey);
		nv.mv_data = nkey;
		if ((rc = mdb_put(txn, l->dbi[DB_HASHES], &k, &nv, 0)) != 0) {
			err = ct__mdb_error(rc, "hashes");
			break;
		}
	}
	mdb_cursor_close(cur);
	if (err == 0 && rc != MDB_NOTFOUND && rc != 0)
		err = ct__mdb_error(rc, "entries");
	if (err == 0 && have_block)
		err = put_block(txn, l->dbi[DB_POS], author, block, slots);
	if (err == 0 && (rc = mdb_drop(txn, old, 1)) != 0)
		err = ct__mdb_error(rc, "dropping the old entries");
	return err < 0 ? err : drop_low_levels(l, txn);
}

/* migrations[i] takes a store from format i + 1 to i + 2 */
/*
 * 3 -> 4: nothing to rewrite. A stored value is an entry or, from format 4
 * on, an entry's zstd frame (pack.c), told apart by their first bytes; the
 * entries stored before stay as they are. Only the number changes, so
 * that a release that cannot read frames refuses the store.
 */
static int to_format_4(ct_ledger *l, MDB_txn *txn)
{
	(void)l;
	(void)txn;
	return 0;
}

static int (*const migrations[CT_STORE_FORMAT - 1])(ct_ledger *, MDB_txn *) = {to_format_2, to_format_3,
									    to_format_4};

static int put_format(MDB_txn *txn, MDB_dbi dbi, unsigned format)
{
	uint8_t fmt[4] = {(uint8_t)(format >> 24), (uint8_t)(format >> 16), (uint8_t)(format >> 8),
			  (uint8_t)format};
	MDB_val k = {sizeof(FORMAT_KEY) - 1, FORMAT_KEY}, v = {sizeof(fmt), fmt};
	int rc = mdb_put(txn, dbi, &k, &v, 0);

	return rc ? ct__mdb_error(rc, "writing the store's format") : 0;
}

/* Whether the store holds nothing yet (a new one: no entry, nothing parked). */
static int store_empty(ct_ledger *l, MDB_txn *txn, bool *out)
{
	MDB_stat st;
	int rc;

	*out = false;
	if ((rc = mdb_stat(txn, l->dbi[DB_ENTRIES], &st)) != 0)
		return ct__mdb_error(rc, "entries");
	if (st.ms_entries)
		return 0;
	if ((rc = mdb_stat(txn, l->dbi[DB_PENDING], &st)) != 0)
		return ct__mdb_error(rc, "pending");
	*out = st.ms_entries == 0;
	return 0;
}

static int read_format(MDB_txn *txn, MDB_dbi meta, const char *dir, unsigned *out)
{
	MDB_val k = {sizeof(FORMAT_KEY) - 1, FORMAT_KEY}, v;
	const uint8_t *p;
	int rc = mdb_get(txn, meta, &k, &v);

	*out = 0;
	if (rc == MDB_NOTFOUND)
		return CT_ENOTFOUND;
	if (rc)
		return ct__mdb_error(rc, "reading the store's format");
	if (v.mv_size != 4)
		return ct_error_set(CT_ECORRUPT, "store in %s: its format record has %zu bytes, not 4", dir,
				    v.mv_size);
	p = v.mv_data;
	*out = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
	return 0;
}

int ct__format_check(ct_ledger *l, MDB_txn *txn, bool migrate, unsigned *from)
{
	unsigned format;
	bool empty;
	int err;

	err = read_format(txn, l->dbi[DB_META], l->dir, &format);
	*from = format;
	if (err == CT_ENOTFOUND) {
		/* Only a store this code just created has no format: anything holding entries has one. */
		if ((err = store_empty(l, txn, &empty)) < 0)
			return err;
		if (!empty)
			return ct_error_set(CT_ECORRUPT, "store in %s holds entries but no format record",
					    l->dir);
		*from = CT_STORE_FORMAT;
		return l->read_only ? 0 : put_format(txn, l->dbi[DB_META], CT_STORE_FORMAT);
	}
	if (err < 0)
		return err;
	if (format == CT_STORE_FORMAT)
		return 0;
	if (format > CT_STORE_FORMAT || format == 0)
		return ct_error_set(
		    CT_ESTATE,
		    "store in %s has format %u, newer than this caltrace's (%u): it is not read "
		    "by an older release; run a caltrace that knows format %u",
		    l->dir, format, CT_STORE_FORMAT, format);
	if (!migrate)
		return ct_error_set(
		    CT_ESTATE,
		    "store in %s has format %u, older than this caltrace's (%u): migrate it with "
		    "`caltrace migrate` (caltraced migrates it when it starts)",
		    l->dir, format, CT_STORE_FORMAT);
	for (unsigned f = format; f < CT_STORE_FORMAT; f++)
		if ((err = migrations[f - 1](l, txn)) < 0)
			return ct_error_wrap(err, "migrating store %s from format %u to %u", l->dir, f,
					     f + 1);
	return put_format(txn, l->dbi[DB_META], CT_STORE_FORMAT);
}

int ct_ledger_read_format(const char *dir, unsigned *out)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta;
	int rc, err;

	*out = 0;
	if ((rc = mdb_env_create(&env)) != 0)
		return ct__mdb_error(rc, "creating an LMDB environment");
	mdb_env_set_maxdbs(env, DB__COUNT + 2);
	if ((rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600)) != 0) {
		err =
		    rc == ENOENT ? ct_error_set(CT_ENOTFOUND, "no store in %s", dir) : ct__mdb_error(rc, dir);
		goto done;
	}
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
		err = ct__mdb_error(rc, "starting a read transaction");
		goto done;
	}
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) != 0) {
		err = rc == MDB_NOTFOUND ? ct_error_set(CT_ECORRUPT,
							"store in %s has no 'meta' database: not a "
							"caltrace store",
							dir)
					 : ct__mdb_error(rc, dir);
		goto done;
	}
	err = read_format(txn, meta, dir, out);
	if (err == CT_ENOTFOUND)
		err = ct_error_set(CT_ECORRUPT, "store in %s has no format record", dir);
done:
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return err;
}
