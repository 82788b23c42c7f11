/*
 * Entries stored compressed (store format 4; docs/FORMAT.md, "Stored
 * entries"): each is kept as a zstd frame smaller than itself, read back
 * byte for byte as it was signed, by feed position, by hash and through a
 * batch of reads; the counters and `check` count the entries' own bytes;
 * a reader keeps one copy per compressed entry read until it rewinds;
 * an entry compressed ahead (ct_entry_pack, as caltraced's checking
 * threads do) is stored byte for byte as the writer would store it.
 */
#include <lmdb.h>

#include "ct_store_test.h"

#define N_ENTRIES 60

struct fixture {
	ts_store s;
	ct_keypair *bureau, *lab;
	uint8_t hash[N_ENTRIES + 1][CT_HASH_BYTES]; /* the lab's entry [seq] */
	size_t len[N_ENTRIES + 1];		     /* its bytes as signed */
	uint64_t bureau_bytes;			     /* the bureau's two entries' */
};

/*
 * A genesis and the lab's admission, then N_ENTRIES registrations by the
 * lab like the demo city's (docs/DEMO.md): ids, owners and errors drawn
 * from the seed.
 */
static void build(struct fixture *f, uint64_t seed)
{
	static const char *const owners[] = {"Zaozhuang Power Supply Co.", "Tengzhou Water Works",
					     "Shizhong district grocery market", "Xuecheng Gas Co."};
	uint64_t rng = seed;
	ct_reader *r = NULL;
	ct_entry e;

	f->bureau = ct_test_keypair(1);
	f->lab = ct_test_keypair(2);
	ts_open_lab_network(&f->s, f->bureau, f->lab, "1");
	for (int seq = 1; seq <= N_ENTRIES; seq++)
		ts_append_ok(f->s.l, f->lab, ts_day(1 + seq), f->hash[seq], "instrument.register",
			     "{'id':'SC-SZ-%07llu','category':'mass','district':'n','owner':'%s',"
			     "'mpe':{'rel_ppm':%llu}}",
			     (unsigned long long)(ct_test_rand(&rng) % 10000000), owners[ct_test_rand(&rng) % 4],
			     (unsigned long long)(1 + ct_test_rand(&rng) % 5000));
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->s.l));
	for (int seq = 1; seq <= N_ENTRIES; seq++) {
		CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(f->lab), (uint64_t)seq));
		f->len[seq] = e.raw_len;
	}
	f->bureau_bytes = 0;
	for (int seq = 1; seq <= 2; seq++) {
		CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(f->bureau), (uint64_t)seq));
		f->bureau_bytes += e.raw_len;
	}
	ct_reader_end(r);
}

static void fixture_free(struct fixture *f)
{
	ts_close(&f->s);
	ct_keypair_free(f->bureau);
	ct_keypair_free(f->lab);
}

/* The stored values of "log", read with LMDB itself (the store closed), each after its length. */
static void stored_values(struct fixture *f, size_t *count, size_t *frames, uint64_t *stored_bytes, ct_buf *all)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	ct_ledger_close(f->s.l);
	f->s.l = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 32);
	assert_int_equal(mdb_env_open(env, f->s.dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "log", 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
	*count = *frames = 0;
	*stored_bytes = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		(*count)++;
		*stored_bytes += v.mv_size;
		if (all) {
			uint32_t len = (uint32_t)v.mv_size;
			CT_OK_OR_FAIL(ct_buf_put(all, &len, sizeof(len)));
			CT_OK_OR_FAIL(ct_buf_put(all, v.mv_data, v.mv_size));
		}
		if (v.mv_size >= 1 && ((const uint8_t *)v.mv_data)[0] == 0xc1) /* the feed form */
			(*frames)++;
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	CT_OK_OR_FAIL(ct_ledger_open(&f->s.l, f->s.dir, NULL));
}

static void test_stored_as_frames(void **state)
{
	struct fixture f;
	uint64_t seed = ct_test_seed("store_pack_frames"), stored, entries, bytes, checked, signed_bytes;
	size_t count, frames;
	ct_reader *r = NULL;

	build(&f, seed);
	signed_bytes = f.bureau_bytes;
	for (int seq = 1; seq <= N_ENTRIES; seq++)
		signed_bytes += f.len[seq];
	stored_values(&f, &count, &frames, &stored, NULL);
	assert_int_equal(count, N_ENTRIES + 2);
	/* every registration shrinks; the bureau's two short entries may not, and stay as they are */
	assert_true(frames >= N_ENTRIES);
	if (stored * 10 > signed_bytes * 9)
		fail_msg("the entries take %llu bytes stored, %llu signed: not under 90 %%",
			 (unsigned long long)stored, (unsigned long long)signed_bytes);
	/* the counters count what was signed, and check agrees with them */
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.s.l));
	CT_OK_OR_FAIL(ct_read_stats(&entries, &bytes, r));
	ct_reader_end(r);
	assert_int_equal(entries, N_ENTRIES + 2);
	assert_int_equal(bytes, signed_bytes);
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 2);
	fixture_free(&f);
}

static void test_read_back(void **state)
{
	struct fixture f;
	uint64_t seed = ct_test_seed("store_pack_read_back");
	ct_hash_batch *hb = NULL;
	ct_reader *r = NULL;
	uint8_t h[CT_HASH_BYTES];
	const uint8_t *raw;
	size_t len, mark;
	ct_entry e, again;

	build(&f, seed);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.s.l));
	mark = ct_reader_mark(r);
	for (int seq = 1; seq <= N_ENTRIES; seq++) {
		/* by position: the bytes that were signed (their hash is the one the append gave) */
		CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(f.lab), (uint64_t)seq));
		assert_int_equal(e.seq, seq);
		assert_int_equal(e.raw_len, f.len[seq]);
		ct_entry_hash(h, e.raw, e.raw_len);
		assert_memory_equal(h, f.hash[seq], CT_HASH_BYTES);
		assert_int_equal(ct_entry_verify(&e), 0);
		/* by hash: the same bytes, in a copy of their own */
		CT_OK_OR_FAIL(ct_read_raw_by_hash(&raw, &len, r, f.hash[seq]));
		assert_int_equal(len, e.raw_len);
		assert_memory_equal(raw, e.raw, len);
		assert_ptr_not_equal(raw, e.raw);
	}
	/* the reader kept one copy per compressed entry read, and gives them back on rewind */
	assert_int_equal(ct_reader_mark(r), mark + 2 * N_ENTRIES);
	ct_reader_rewind(r, mark);
	assert_int_equal(ct_reader_mark(r), mark);
	CT_OK_OR_FAIL(ct_read_entry(&again, r, ct_keypair_public(f.lab), 7));
	ct_entry_hash(h, again.raw, again.raw_len);
	assert_memory_equal(h, f.hash[7], CT_HASH_BYTES);
	/* a batch of reads unpacks into its own memory: the reader keeps nothing for it */
	mark = ct_reader_mark(r);
	CT_OK_OR_FAIL(ct_hash_batch_new(&hb));
	for (int seq = N_ENTRIES; seq >= 1; seq--)
		CT_OK_OR_FAIL(ct_hash_batch_add(hb, f.hash[seq]));
	CT_OK_OR_FAIL(ct_hash_batch_run(hb, r));
	assert_int_equal(ct_reader_mark(r), mark);
	for (int seq = 1; seq <= N_ENTRIES; seq++) {
		assert_true(ct_hash_batch_find(hb, f.hash[seq], &raw, &len));
		assert_non_null(raw);
		assert_int_equal(len, f.len[seq]);
		ct_entry_hash(h, raw, len);
		assert_memory_equal(h, f.hash[seq], CT_HASH_BYTES);
	}
	ct_hash_batch_free(hb);
	ct_reader_end(r);
	fixture_free(&f);
}

static void test_packed_ahead(void **state)
{
	struct fixture f, g;
	uint64_t seed = ct_test_seed("store_pack_ahead"), stored_f, stored_g, checked;
	ct_buf values_f = CT_BUF_INIT, values_g = CT_BUF_INIT, room = CT_BUF_INIT;
	size_t count, frames, used, ahead = 0;
	ct_reader *r = NULL;
	ct_batch *b = NULL;
	ct_ingest_result res;
	ct_prepared p;
	ct_entry e;

	build(&f, seed);
	/* the same entries into a second store, each compressed ahead, as caltraced does */
	ts_open(&g.s, NULL);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.s.l));
	for (int i = 0; i < N_ENTRIES + 2; i++) {
		const ct_keypair *kp = i < 2 ? f.bureau : f.lab;
		CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(kp), i < 2 ? (uint64_t)i + 1 : (uint64_t)i - 1));
		CT_OK_OR_FAIL(ct_entry_prepare(&p, e.raw, e.raw_len, 0));
		room.len = 0;
		CT_OK_OR_FAIL(ct_buf_grow(&room, e.raw_len));
		CT_OK_OR_FAIL(ct_entry_pack(&p, room.ptr, e.raw_len, &used));
		assert_int_equal(used, p.pack_len);
		ahead += used > 0;
		CT_OK_OR_FAIL(ct_batch_begin(&b, g.s.l));
		CT_OK_OR_FAIL(ct_batch_ingest_prepared(b, &p, 0, &res));
		assert_int_equal(res, CT_INGEST_APPENDED);
		CT_OK_OR_FAIL(ct_batch_commit(b));
	}
	ct_reader_end(r);
	assert_true(ahead >= N_ENTRIES);
	stored_values(&f, &count, &frames, &stored_f, &values_f);
	stored_values(&g, &count, &frames, &stored_g, &values_g);
	assert_int_equal(values_g.len, values_f.len);
	assert_memory_equal(values_g.ptr, values_f.ptr, values_f.len);
	CT_OK_OR_FAIL(ts_check(g.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 2);
	ct_buf_free(&values_f);
	ct_buf_free(&values_g);
	ct_buf_free(&room);
	ts_close(&g.s);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stored_as_frames),
	    cmocka_unit_test(test_read_back),
	    cmocka_unit_test(test_packed_ahead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
