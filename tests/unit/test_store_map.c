/*
 * The store's map grows before it fills (a store opened with a small map
 * takes far more than it could hold), also when another process grew it;
 * a fixed map still fills and says so; the entry counters of format 2
 * follow every write and `check` notices when they do not.
 */
#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_store_test.h"

#define SMALL_MAP (256 * 1024)

/*
 * Appends n person.certify entries of about 700 bytes to kp's feed, in
 * batches of 20. The name is 599 characters of a 64-letter alphabet drawn
 * by a fixed generator, so that the store's compression (docs/FORMAT.md,
 * "Stored entries") keeps about three quarters of it.
 */
static int fill(ct_ledger *l, const ct_keypair *kp, int n)
{
	ct_buf body = CT_BUF_INIT;
	char name[600];
	ct_batch *b = NULL;
	int err = 0, done = 0;

	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t x = 2463534242u;

	for (size_t i = 0; i + 1 < sizeof(name); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
		name[i] = letters[x % 64];
	}
	name[sizeof(name) - 1] = '\0';
	ts_body(&body, "person.certify", "{'person':'P','name':'%s','scope':['mass'],'valid_until':0}", name);
	while (done < n && err == 0) {
		if ((err = ct_batch_begin(&b, l)) < 0)
			break;
		for (int i = 0; i < 20 && done + i < n && err == 0; i++)
			err = ct_batch_append(b, kp, ts_day(1), "person.certify", body.ptr, body.len, NULL,
					      NULL);
		if (err < 0)
			ct_batch_abort(b);
		else if ((err = ct_batch_commit(b)) == 0) /* commit frees b, whatever it returns */
			done += 20;
		b = NULL;
	}
	ct_buf_free(&body);
	return err;
}

static void genesis(ct_ledger *l, const ct_keypair *bureau)
{
	ts_append_ok(l, bureau, ts_day(0), NULL, "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{}}");
}

static void test_map_grows(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1);
	ct_ledger_opts opts = {.map_size = SMALL_MAP, .map_grows = true};
	ct_map_info before, after;
	uint64_t checked, entries, bytes;
	ct_reader *r = NULL;
	ts_store s;

	ts_open(&s, &opts);
	genesis(s.l, bureau);
	CT_OK_OR_FAIL(ct_ledger_map_info(s.l, &before));
	assert_int_equal(before.map_bytes, SMALL_MAP);
	/* about 3 MB: twelve times what the first map holds */
	CT_OK_OR_FAIL(fill(s.l, bureau, 5000));
	CT_OK_OR_FAIL(ct_ledger_map_info(s.l, &after));
	assert_true(after.map_bytes >= 8 * (uint64_t)SMALL_MAP);
	assert_true(after.grown >= 3);
	assert_true(after.used_bytes <= after.map_bytes);
	assert_true(after.file_bytes > 8 * (uint64_t)SMALL_MAP);
	CT_OK_OR_FAIL(ts_check(s.l, &checked));
	assert_int_equal(checked, 5001);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_read_stats(&entries, &bytes, r));
	ct_reader_end(r);
	assert_int_equal(entries, 5001);
	assert_true(bytes > 5000 * 600);
	ts_close(&s);
	ct_keypair_free(bureau);
	(void)state;
}

/* With map_max, growth stops there: the write then meets a full map, with a detail that says so. */
static void test_map_max(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1);
	ct_ledger_opts opts = {.map_size = SMALL_MAP, .map_grows = true, .map_max = 4 * SMALL_MAP};
	ct_map_info mi;
	ts_store s;
	int err;

	ts_open(&s, &opts);
	genesis(s.l, bureau);
	err = fill(s.l, bureau, 5000);
	assert_int_equal(err, CT_ENOSPACE);
	TS_DETAIL_HAS("map is full");
	CT_OK_OR_FAIL(ct_ledger_map_info(s.l, &mi));
	assert_int_equal(mi.map_bytes, 4 * SMALL_MAP);
	assert_int_equal(mi.max_bytes, 4 * SMALL_MAP);
	CT_OK_OR_FAIL(ts_check(s.l, NULL));
	ts_close(&s);
	ct_keypair_free(bureau);
	(void)state;
}

/* Another process grows the map and writes past this one's: the next transaction here adopts it. */
static void test_map_grown_elsewhere(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1);
	ct_ledger_opts opts = {.map_size = SMALL_MAP, .map_grows = true};
	uint64_t size;
	ct_reader *r = NULL;
	ct_entry e;
	ts_store s;
	pid_t pid;
	int status;

	ts_open(&s, &opts);
	genesis(s.l, bureau);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ct_ledger *other = NULL;

		/* the child opens the store afresh (never the parent's environment) and grows it */
		if (ct_ledger_open(&other, s.dir, &opts) < 0 || fill(other, bureau, 3000) < 0)
			_exit(1);
		ct_ledger_close(other);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ts_head(s.l, ct_keypair_public(bureau), &size, NULL);
	assert_true(size > 3000);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(bureau), size));
	CT_OK_OR_FAIL(ct_entry_verify(&e));
	ct_reader_end(r);
	CT_OK_OR_FAIL(fill(s.l, bureau, 700)); /* and this process writes on */
	CT_OK_OR_FAIL(ts_check(s.l, NULL));
	ts_close(&s);
	ct_keypair_free(bureau);
	(void)state;
}

/* check notices counters that disagree with the entries. */
static void test_counters_checked(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1);
	uint8_t bogus[8] = {0, 0, 0, 0, 0, 0, 0, 9};
	MDB_val k = {7, "entries"}, v = {8, bogus};
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	ts_store s;

	ts_open(&s, NULL);
	genesis(s.l, bureau);
	CT_OK_OR_FAIL(fill(s.l, bureau, 14));
	CT_OK_OR_FAIL(ts_check(s.l, NULL));
	ct_ledger_close(s.l);
	s.l = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, s.dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	ts_reopen(&s, NULL);
	assert_int_equal(ts_check(s.l, NULL), CT_ECORRUPT);
	TS_DETAIL_HAS("counts 9 entries");
	ts_close(&s);
	ct_keypair_free(bureau);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_grows),
	    cmocka_unit_test(test_map_max),
	    cmocka_unit_test(test_map_grown_elsewhere),
	    cmocka_unit_test(test_counters_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
