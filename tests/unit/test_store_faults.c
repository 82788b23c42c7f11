/*
 * Faults at the storage seam: a map that fills up mid-batch, and stores
 * damaged behind the library's back (rows rewritten with the LMDB API,
 * bytes flipped in data.mdb). Nothing committed is ever lost, and
 * ct_ledger_check names the damage instead of crashing.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_store_test.h"

/* ---- a full map ------------------------------------------------------- */

static void test_map_full(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1);
	ct_ledger_opts opts = {0};
	ct_buf body = CT_BUF_INIT;
	char name[600];
	uint64_t committed = 0, in_batch, seq, checked, size;
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	ct_entry e;
	ts_store s;
	int err = 0;

	opts.map_size = 256 * 1024;
	ts_open(&s, &opts);
	ts_append_ok(s.l, bureau, ts_day(0), NULL, "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{}}");
	committed = 1;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ts_body(&body, "person.certify", "{'person':'P','name':'%s','scope':['mass'],'valid_until':0}", name);
	/* batches of 7 appends until the map is full */
	while (err == 0) {
		CT_OK_OR_FAIL(ct_batch_begin(&b, s.l));
		for (in_batch = 0; in_batch < 7; in_batch++)
			if ((err = ct_batch_append(b, bureau, ts_day(1), "person.certify", body.ptr, body.len,
						   NULL, NULL)) < 0)
				break;
		if (err == 0) {
			err = ct_batch_commit(b);
			if (err == 0)
				committed += 7;
			continue;
		}
		assert_int_equal(err, CT_ENOSPACE);
		TS_DETAIL_HAS("full");
		/* the batch is poisoned: nothing more goes in, and its commit fails */
		assert_int_equal(
		    ct_batch_append(b, bureau, ts_day(1), "person.certify", body.ptr, body.len, NULL, NULL),
		    CT_ENOSPACE);
		assert_int_equal(ct_batch_commit(b), CT_ENOSPACE);
	}
	assert_int_equal(err, CT_ENOSPACE);
	assert_true(committed > 20); /* the map held a fair number first */
	/* reopened, every committed entry is there, verifies, and the store is sound */
	ts_reopen(&s, &opts);
	ts_head(s.l, ct_keypair_public(bureau), &size, NULL);
	assert_int_equal(size, committed);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	for (seq = 1; seq <= committed; seq++) {
		CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(bureau), seq));
		CT_OK_OR_FAIL(ct_entry_verify(&e));
	}
	ct_reader_end(r);
	CT_OK_OR_FAIL(ts_check(s.l, &checked));
	assert_int_equal(checked, committed);
	/* with room again, the feed goes on where it stopped */
	opts.map_size = 4 * 1024 * 1024;
	ts_reopen(&s, &opts);
	ts_append_ok(s.l, bureau, ts_day(2), NULL, "person.certify",
		     "{'person':'P','name':'N','scope':['mass'],'valid_until':0}");
	ts_head(s.l, ct_keypair_public(bureau), &size, NULL);
	assert_int_equal(size, committed + 1);
	CT_OK_OR_FAIL(ts_check(s.l, NULL));
	ct_buf_free(&body);
	ts_close(&s);
	ct_keypair_free(bureau);
}

/* ---- damage done with the LMDB API ------------------------------------ */

/* A small store: the bureau's genesis and admission of a lab, the lab's four entries. */
struct small {
	ts_store s;
	ct_keypair *bureau, *lab;
	uint8_t lab_hash[4][32];
};

static void small_build(struct small *m)
{
	int i;

	m->bureau = ct_test_keypair(1);
	m->lab = ct_test_keypair(2);
	ts_open_lab_network(&m->s, m->bureau, m->lab, "1");
	for (i = 0; i < 4; i++)
		ts_append_ok(
		    m->s.l, m->lab, ts_day(1 + i), m->lab_hash[i], "instrument.register",
		    "{'id':'UNIQUE-ID-%d','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':1}}",
		    i);
	CT_OK_OR_FAIL(ts_check(m->s.l, NULL));
	ct_ledger_close(m->s.l); /* the damage is done with the store closed */
	m->s.l = NULL;
}

static void small_free(struct small *m)
{
	ts_close(&m->s);
	ct_keypair_free(m->bureau);
	ct_keypair_free(m->lab);
}

/* Opens the store's LMDB environment and database dbname for raw writes. */
static void raw_open(const char *dir, const char *dbname, unsigned dbflags, MDB_env **env, MDB_txn **txn,
		     MDB_dbi *dbi)
{
	assert_int_equal(mdb_env_create(env), 0);
	assert_int_equal(mdb_env_set_maxdbs(*env, 32), 0);
	assert_int_equal(mdb_env_open(*env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
	assert_int_equal(mdb_dbi_open(*txn, dbname, dbflags, dbi), 0);
}

static void raw_close(MDB_env *env, MDB_txn *txn)
{
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Puts (or, with val NULL, deletes) one row. */
static void raw_put(const char *dir, const char *dbname, unsigned dbflags, const void *key, size_t klen,
		    const void *val, size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	raw_open(dir, dbname, dbflags, &env, &txn, &dbi);
	if (val)
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	else
		assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
	raw_close(env, txn);
}

/* Reads one row into out. */
static void raw_get(const char *dir, const char *dbname, const void *key, size_t klen, ct_buf *out)
{
	MDB_val k = {klen, (void *)key}, v;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	raw_open(dir, dbname, 0, &env, &txn, &dbi);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	out->len = 0;
	CT_OK_OR_FAIL(ct_buf_put(out, v.mv_data, v.mv_size));
	raw_close(env, txn);
}

/* Reopens the damaged store and requires ct_ledger_check to fail with CT_ECORRUPT naming what. */
static void expect_corrupt(struct small *m, const char *what)
{
	int err = ct_ledger_open(&m->s.l, m->s.dir, NULL);

	if (err < 0)
		fail_msg("reopening a store damaged (%s): %s", what, ct_error_last());
	err = ts_check(m->s.l, NULL);
	if (err != CT_ECORRUPT)
		fail_msg("store damaged (%s): check gave %d: %s", what, err, err ? ct_error_last() : "ok");
	TS_DETAIL_HAS(what);
}

static void feed_key(uint8_t out[40], const ct_keypair *kp, uint64_t seq)
{
	int i;

	memcpy(out, ct_keypair_public(kp), 32);
	for (i = 0; i < 8; i++)
		out[32 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

/*
 * The key in "log" of the lab's entry seq (< 96): its number, read from
 * slot seq - 1 of the feed's first position block (store format 3,
 * core/ledger/store_internal.h).
 */
static void log_key(struct small *m, uint64_t seq, uint8_t out[8])
{
	uint8_t key[40];
	ct_buf v = CT_BUF_INIT;

	feed_key(key, m->lab, 0);
	raw_get(m->s.dir, "pos", key, 40, &v);
	assert_int_equal(v.len, 96 * 40);
	memcpy(out, v.ptr + (seq - 1) * 40, 8);
	ct_buf_free(&v);
}

/* The lab's entry seq as it is signed (not as it is stored: compressed, store format 4), the store open. */
static void entry_bytes_open(struct small *m, uint64_t seq, ct_buf *out)
{
	ct_reader *r = NULL;
	ct_entry e;

	CT_OK_OR_FAIL(ct_reader_begin(&r, m->s.l));
	CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(m->lab), seq));
	out->len = 0;
	CT_OK_OR_FAIL(ct_buf_put(out, e.raw, e.raw_len));
	ct_reader_end(r);
}

/* The same, the store closed (and left closed). */
static void entry_bytes(struct small *m, uint64_t seq, ct_buf *out)
{
	CT_OK_OR_FAIL(ct_ledger_open(&m->s.l, m->s.dir, NULL));
	entry_bytes_open(m, seq, out);
	ct_ledger_close(m->s.l);
	m->s.l = NULL;
}

enum damage {
	D_GARBAGE_ENTRY,
	D_FORGED_ENTRY,
	D_FLIPPED_SIG,
	D_FRAME_TRUNCATED,
	D_FRAME_OTHER_DICT,
	D_FEED_UNKNOWN,
	D_OTHER_SEQ,
	D_TREE_NODE_GONE,
	D_TREE_NODE_WRONG,
	D_LEAF_WRONG,
	D_HEAD_HASH,
	D_HEAD_SIZE,
	D_HASH_ROW_GONE,
	D_HASH_ROW_EXTRA,
	D_INDEX_ROW,
	D__COUNT
};

static void damage(struct small *m, enum damage d)
{
	uint8_t key[41], row[41], head[41];
	ct_buf v = CT_BUF_INIT;

	log_key(m, 2, key);
	switch (d) {
	case D_GARBAGE_ENTRY:
		raw_put(m->s.dir, "log", 0, key, 8, "\x93\x01\x02\x03", 4);
		expect_corrupt(m, "stored entry");
		break;
	case D_FORGED_ENTRY:
		/* a well-signed #2 of the lab that is not the one the chain links */
		ts_sign(&v, m->lab, 2, m->lab_hash[0], ts_day(9), "instrument.retire",
			"{'id':'X','effective':0}");
		raw_put(m->s.dir, "log", 0, key, 8, v.ptr, v.len);
		expect_corrupt(m, "hash index");
		break;
	case D_FLIPPED_SIG:
		/* stored uncompressed, as a store migrated from format 3 holds its older entries */
		entry_bytes(m, 2, &v);
		v.ptr[v.len - 1] ^= 0x01;
		raw_put(m->s.dir, "log", 0, key, 8, v.ptr, v.len);
		expect_corrupt(m, "does not verify");
		break;
	case D_FRAME_TRUNCATED:
		raw_get(m->s.dir, "log", key, 8, &v);
		assert_int_equal(v.ptr[0], 0xc1); /* stored compressed, in the feed form */
		raw_put(m->s.dir, "log", 0, key, 8, v.ptr, v.len - 3);
		expect_corrupt(m, "entry number");
		break;
	case D_FRAME_OTHER_DICT:
		/*
		 * c1, the feed's number (one byte), the flags, then the frame: magic, descriptor
		 * (single segment, 1-byte dictionary ID), the ID
		 */
		raw_get(m->s.dir, "log", key, 8, &v);
		assert_memory_equal(v.ptr + 3, "\x28\xb5\x2f\xfd", 4);
		assert_int_equal(v.ptr[7] & 0x23, 0x21);
		assert_int_equal(v.ptr[8], 1);
		v.ptr[8] = 2;
		raw_put(m->s.dir, "log", 0, key, 8, v.ptr, v.len);
		expect_corrupt(m, "compressed with dictionary 2, which this caltrace does not have");
		break;
	case D_FEED_UNKNOWN:
		raw_get(m->s.dir, "log", key, 8, &v);
		assert_true(v.ptr[1] < 0x7f);
		v.ptr[1] = 0x7f;
		raw_put(m->s.dir, "log", 0, key, 8, v.ptr, v.len);
		expect_corrupt(m, "names feed number 127, which the store does not know");
		break;
	case D_OTHER_SEQ:
		/* entry #3's bytes stored at #2 */
		log_key(m, 3, row);
		raw_get(m->s.dir, "log", row, 8, &v);
		raw_put(m->s.dir, "log", 0, key, 8, v.ptr, v.len);
		expect_corrupt(m, "says #3");
		break;
	case D_TREE_NODE_GONE:
	case D_TREE_NODE_WRONG:
		/*
		 * The lab's feed positions: block 0 gone, or the leaf of #4
		 * (slot 3) replaced by the hash of #3. Levels 1 to 3 of the tree
		 * are folded from these leaves.
		 */
		feed_key(key, m->lab, 0);
		if (d == D_TREE_NODE_GONE) {
			raw_put(m->s.dir, "pos", 0, key, 40, NULL, 0);
			expect_corrupt(m, "entry #1 of 4 is missing");
		} else {
			/* the leaf of #4, the last, replaced by the hash of #3 */
			raw_get(m->s.dir, "pos", key, 40, &v);
			memcpy(v.ptr + 3 * 40 + 8, m->lab_hash[2], 32);
			raw_put(m->s.dir, "pos", 0, key, 40, v.ptr, v.len);
			expect_corrupt(m, "tree root differs");
		}
		break;
	case D_LEAF_WRONG:
		/*
		 * The leaf of #2 is also where the stored #3 takes its prev from (the feed
		 * form, docs/FORMAT.md section 14): #3 comes back with another prev, so its
		 * signature fails before the tree is compared.
		 */
		feed_key(key, m->lab, 0);
		raw_get(m->s.dir, "pos", key, 40, &v);
		memcpy(v.ptr + 40 + 8, m->lab_hash[3], 32);
		raw_put(m->s.dir, "pos", 0, key, 40, v.ptr, v.len);
		expect_corrupt(m, "entry #3 does not verify");
		break;
	case D_HEAD_HASH:
	case D_HEAD_SIZE:
		raw_get(m->s.dir, "heads", ct_keypair_public(m->lab), 32, &v);
		memcpy(head, v.ptr, 41);
		if (d == D_HEAD_HASH) {
			memcpy(head + 8, m->lab_hash[2], 32);
			raw_put(m->s.dir, "heads", 0, ct_keypair_public(m->lab), 32, head, 41);
			expect_corrupt(m, "head hash");
		} else {
			raw_put(m->s.dir, "heads", 0, ct_keypair_public(m->lab), 32, head, 40);
			expect_corrupt(m, "head record");
		}
		break;
	case D_HASH_ROW_GONE:
		raw_put(m->s.dir, "hrecent", 0, m->lab_hash[1], 32, NULL, 0); /* not merged yet: 7 entries */
		expect_corrupt(m, "hash index");
		break;
	case D_HASH_ROW_EXTRA:
		/* a row for a hash no entry has, naming entry number 1 */
		memset(row, 0x55, 32);
		memset(head, 0, 8);
		head[7] = 1;
		raw_put(m->s.dir, "hashes", 0, row, 32, head, 8);
		expect_corrupt(m, "the hash index has 7 rows (6 recent) for 6 entries");
		break;
	case D_INDEX_ROW:
		/* a subject row naming an entry the store does not hold */
		row[0] = CT_ROW_CAL;
		memset(row + 1, 0, 8);
		memset(row + 9, 0x77, 32);
		raw_put(m->s.dir, "subjects", MDB_DUPSORT | MDB_DUPFIXED, "iUNIQUE-ID-0", 12, row, 41);
		expect_corrupt(m, "not stored");
		break;
	case D__COUNT:
		break;
	}
	ct_buf_free(&v);
}

static void test_rows_damaged(void **state)
{
	struct small m;
	int d;

	for (d = 0; d < D__COUNT; d++) {
		small_build(&m);
		damage(&m, (enum damage)d);
		small_free(&m);
	}
}

/* ---- bytes flipped in data.mdb ---------------------------------------- */

/* Flips bit `bit` of byte `at` of every copy of pattern in path; returns the copies found. */
static int flip_in_file(const char *path, const uint8_t *pattern, size_t plen, size_t at, int bit)
{
	ct_buf file = CT_BUF_INIT;
	uint8_t *p;
	size_t off = 0;
	int found = 0, fd;

	assert_int_equal(ct_test_read_file(path, &file), 0);
	while (off + plen <= file.len && (p = memmem(file.ptr + off, file.len - off, pattern, plen))) {
		p[at] ^= (uint8_t)(1u << bit);
		off = (size_t)(p - file.ptr) + plen;
		found++;
	}
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, file.ptr, file.len, 0), (ssize_t)file.len);
	close(fd);
	ct_buf_free(&file);
	return found;
}

static void test_bytes_flipped(void **state)
{
	uint64_t seed = ct_test_seed("store_bytes_flipped"), rng = seed;
	char path[4096];
	ct_buf entry = CT_BUF_INIT, signed_entry = CT_BUF_INIT, read_back = CT_BUF_INIT;
	struct small m;
	uint8_t key[8];
	int trial, unchanged = 0;

	for (trial = 0; trial < 24; trial++) {
		size_t at;
		small_build(&m);
		snprintf(path, sizeof(path), "%s/data.mdb", m.s.dir);
		/* the stored bytes of the lab's entry #3 (compressed), found where LMDB keeps them */
		entry_bytes(&m, 3, &signed_entry);
		log_key(&m, 3, key);
		raw_get(m.s.dir, "log", key, 8, &entry);
		at = (size_t)(ct_test_rand(&rng) % entry.len);
		assert_true(flip_in_file(path, entry.ptr, entry.len, at, (int)(ct_test_rand(&rng) % 8)) >= 1);
		/*
		 * a changed byte of a stored entry is found (it no longer decompresses, decodes,
		 * verifies or sits where it is), or changed nothing the store gives back: a
		 * compressed stream has bits that do not count (a match copying zeros from
		 * another run of zeros), never an entry read back other than it was signed
		 */
		CT_OK_OR_FAIL(ct_ledger_open(&m.s.l, m.s.dir, NULL));
		if (ts_check(m.s.l, NULL) != CT_ECORRUPT) {
			entry_bytes_open(&m, 3, &read_back);
			assert_int_equal(read_back.len, signed_entry.len);
			assert_memory_equal(read_back.ptr, signed_entry.ptr, signed_entry.len);
			unchanged++;
		}
		small_free(&m);
	}
	if (unchanged > 2)
		fail_msg("%d of 24 flipped bits went unnoticed: too many to be bits that do not count", unchanged);
	ct_buf_free(&entry);
	ct_buf_free(&signed_entry);
	ct_buf_free(&read_back);
}

/* Both meta pages' magic spoiled: opening fails cleanly. */
static void test_meta_flipped(void **state)
{
	static const uint8_t magic[4] = {0xde, 0xc0, 0xef, 0xbe}; /* LMDB's MDB_MAGIC, little-endian */
	char path[4096];
	struct small m;
	ct_ledger *l = NULL;

	small_build(&m);
	snprintf(path, sizeof(path), "%s/data.mdb", m.s.dir);
	assert_true(flip_in_file(path, magic, sizeof(magic), 0, 0) >= 2);
	assert_true(ct_ledger_open(&l, m.s.dir, NULL) < 0);
	assert_null(l);
	assert_true(strlen(ct_error_last()) > 0);
	small_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_full),
	    cmocka_unit_test(test_rows_damaged),
	    cmocka_unit_test(test_bytes_flipped),
	    cmocka_unit_test(test_meta_flipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
