/*
 * The instrument summary (caltrace/ledger/summary.h) and coverage from it
 * (core/eval/coverage_sum.c) against the entries, on a demo city (a random
 * seed, printed; CT_TEST_SEED replays it) signed into one store the way
 * test_demo_truth does: every instrument's verdict and reasons at many
 * dates (month ends from 2023 to 2026, and a millisecond either side of
 * each retirement, calibration revocation, out-of-tolerance declaration
 * and org event: admissions, revocations, the key compromise and the
 * re-key) must be those of the entries' path and of ct_trace_verdict, and
 * the totals and every grouping equal. Then a store whose summary is gone
 * (a store from before it) answers from the entries when read-only and
 * gets the summary built when opened for writing; ct_summary_check finds a
 * record that disagrees with its entries.
 */
#include <lmdb.h>

#include "caltrace/base/time.h"
#include "caltrace/demo/city.h"
#include "caltrace/eval/coverage.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/summary.h"
#include "caltrace/eval/trace.h"
#include "caltrace/records/records.h"
#include "ct_test.h"

struct city {
	char *dir, *store;
	ct_demo_gen_opts opts;
	ct_demo_city c;
	ct_keypair *kp[CT_DEMO_LABS];
	ct_keypair *rekey_kp;
	ct_ledger *l;
};

static uint64_t no_clock(void *ctx)
{
	fail_msg("a demo record without \"time\"");
	return 0;
}

static void import_file(struct city *s, const struct ct_demo_file *f)
{
	ct_records_import_opts o = {.now_ms = no_clock};
	FILE *in = fopen(f->path, "r");
	ct_records *src = NULL;
	uint64_t n = 0;

	assert_non_null(in);
	if (ct_records_open(&src, in, ct_records_format_of(f->path)) < 0 ||
	    ct_records_import(s->l, f->phase == 6 ? s->rekey_kp : s->kp[f->lab], src, &o, &n) < 0)
		fail_msg("%s: %s", f->path, ct_error_last());
	ct_records_close(src);
	fclose(in);
}

static void build(struct city *s, uint64_t seed, uint64_t instruments)
{
	size_t i;
	int phase;

	memset(s, 0, sizeof(*s));
	s->dir = ct_test_tmpdir();
	s->store = ct_test_tmpdir();
	s->opts.seed = seed;
	s->opts.instruments = instruments;
	s->opts.dir = s->dir;
	assert_int_equal(ct_time_parse(&s->opts.at, "2026-06-30"), 0);
	for (i = 0; i < CT_DEMO_LABS; i++) {
		s->kp[i] = ct_test_keypair((int)i + 1);
		ct_key_hex(s->opts.keys[i], ct_keypair_public(s->kp[i]));
	}
	s->rekey_kp = ct_test_keypair(CT_DEMO_LABS + 1);
	ct_key_hex(s->opts.rekey_key, ct_keypair_public(s->rekey_kp));
	if (ct_demo_city_generate(&s->c, &s->opts) != 0)
		fail_msg("ct_demo_city_generate: %s", ct_error_last());
	CT_OK_OR_FAIL(ct_ledger_open(&s->l, s->store, NULL));
	for (phase = 1; phase <= CT_DEMO_PHASES; phase++)
		for (i = 0; i < s->c.nfiles; i++)
			if (s->c.files[i].phase == phase)
				import_file(s, &s->c.files[i]);
}

static void destroy(struct city *s)
{
	ct_ledger_close(s->l);
	for (int i = 0; i < CT_DEMO_LABS; i++)
		ct_keypair_free(s->kp[i]);
	ct_keypair_free(s->rekey_kp);
	ct_demo_city_free(&s->c);
	ct_test_rm_rf(s->dir);
	ct_test_rm_rf(s->store);
	free(s->dir);
	free(s->store);
}

/* ---- the dates -------------------------------------------------------------------------------- */

struct times {
	uint64_t v[1024];
	size_t n;
};

static void add_time(struct times *ts, uint64_t t)
{
	if (ts->n < sizeof(ts->v) / sizeof(ts->v[0]))
		ts->v[ts->n++] = t;
}

static void around(struct times *ts, uint64_t t)
{
	add_time(ts, t - 1);
	add_time(ts, t);
	add_time(ts, t + 1);
}

static int u64_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int event_rows(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (rows[i].kind == CT_ROW_RETIRE || rows[i].kind == CT_ROW_OOT)
			around(ctx, rows[i].time);
	return 0;
}

static int org_row(void *ctx, const ct_index_row *row)
{
	around(ctx, row->time);
	return 0;
}

struct revs {
	ct_reader *r;
	struct times *ts;
};

static int revocation(void *ctx, const uint8_t cal[CT_HASH_BYTES], const uint8_t by[CT_HASH_BYTES])
{
	struct revs *v = ctx;
	ct_entry e;

	CT_OK_OR_FAIL(ct_read_entry_by_hash(&e, v->r, by));
	around(v->ts, e.time);
	return 0;
}

/* Month ends of 2023..2026 and a millisecond either side of every event that changes verdicts. */
static void dates(struct city *s, ct_reader *r, struct times *ts)
{
	struct revs v = {r, ts};
	size_t i, j;

	ts->n = 0;
	for (int y = 2023; y <= 2026; y++)
		for (int m = 1; m <= 12; m++) {
			char day[32];
			uint64_t t;
			snprintf(day, sizeof(day), "%04d-%02d-28", y, m);
			assert_int_equal(ct_time_parse(&t, day), 0);
			add_time(ts, t);
		}
	CT_OK_OR_FAIL(ct_read_subject_scan(r, CT_NS_INSTRUMENT, 0, 1, event_rows, ts));
	CT_OK_OR_FAIL(ct_read_subject_scan(r, CT_NS_STANDARD, 0, 1, event_rows, ts));
	for (i = 0; i < CT_DEMO_LABS; i++)
		CT_OK_OR_FAIL(ct_read_org_rows(r, ct_keypair_public(s->kp[i]), org_row, ts));
	CT_OK_OR_FAIL(ct_read_org_rows(r, ct_keypair_public(s->rekey_kp), org_row, ts));
	CT_OK_OR_FAIL(ct_read_all_revocations(r, revocation, &v));
	qsort(ts->v, ts->n, sizeof(ts->v[0]), u64_order);
	for (i = j = 0; i < ts->n; i++)
		if (j == 0 || ts->v[j - 1] != ts->v[i])
			ts->v[j++] = ts->v[i];
	ts->n = j;
	assert_true(ts->n > 60); /* the events are there */
}

/* ---- verdicts one by one ---------------------------------------------------------------------------- */

struct verdict {
	char id[64];
	uint64_t at, reasons;
	ct_verdict v;
	bool compulsory;
};

struct verdicts {
	struct verdict *v;
	size_t n, cap;
};

static void keep(void *ctx, const char *id, size_t id_len, uint64_t at, ct_verdict verdict, uint64_t reasons,
		 bool compulsory)
{
	struct verdicts *vs = ctx;
	struct verdict *v;

	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? 2 * vs->cap : 4096;
		assert_non_null(vs->v = realloc(vs->v, vs->cap * sizeof(*vs->v)));
	}
	v = &vs->v[vs->n++];
	assert_true(id_len < sizeof(v->id));
	memcpy(v->id, id, id_len);
	v->id[id_len] = '\0';
	v->at = at;
	v->v = verdict;
	v->reasons = reasons;
	v->compulsory = compulsory;
}

static void verdicts_of(ct_reader *r, const struct times *ts, ct_coverage_path path, struct verdicts *out)
{
	ct_coverage_query q = {.threads = 1, .path = path, .each = keep, .each_ctx = out};
	ct_coverage *cov = NULL;

	memset(out, 0, sizeof(*out));
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, ts->v, ts->n, &q));
	ct_coverage_free(cov, ts->n);
}

static void same_verdicts(ct_reader *r, const struct times *ts)
{
	struct verdicts full, fast;
	ct_tracer *tr = NULL;
	size_t i, nonvalid = 0;

	verdicts_of(r, ts, CT_COVERAGE_ENTRIES, &full);
	verdicts_of(r, ts, CT_COVERAGE_SUMMARY, &fast);
	assert_true(full.n > 1000);
	assert_int_equal(full.n, fast.n);
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	for (i = 0; i < full.n; i++) {
		const struct verdict *a = &full.v[i], *b = &fast.v[i];
		ct_verdict v;
		uint64_t reasons;
		if (strcmp(a->id, b->id) != 0 || a->at != b->at || a->v != b->v || a->reasons != b->reasons ||
		    a->compulsory != b->compulsory)
			fail_msg("%s at %llu: entries %s %#llx%s, summary %s at %llu %s %#llx%s", a->id,
				 (unsigned long long)a->at, ct_verdict_name(a->v), (unsigned long long)a->reasons,
				 a->compulsory ? " compulsory" : "", b->id, (unsigned long long)b->at,
				 ct_verdict_name(b->v), (unsigned long long)b->reasons,
				 b->compulsory ? " compulsory" : "");
		CT_OK_OR_FAIL(ct_trace_verdict(tr, CT_NS_INSTRUMENT, a->id, strlen(a->id), a->at, &v, &reasons));
		if (v != a->v || reasons != a->reasons)
			fail_msg("%s at %llu: ct_trace_verdict %s %#llx, coverage %s %#llx", a->id,
				 (unsigned long long)a->at, ct_verdict_name(v), (unsigned long long)reasons,
				 ct_verdict_name(a->v), (unsigned long long)a->reasons);
		nonvalid += a->v != CT_VALID;
	}
	assert_true(nonvalid > 0); /* the demo's broken chains are among them */
	ct_tracer_free(tr);
	free(full.v);
	free(fast.v);
}

/* ---- totals and groups ---------------------------------------------------------------------------- */

static void same_counts(const char *what, const ct_coverage_counts *a, const ct_coverage_counts *b)
{
	if (memcmp(a, b, sizeof(*a)) != 0)
		fail_msg("%s: entries %llu registered %llu valid %llu suspect, summary %llu %llu %llu", what,
			 (unsigned long long)a->registered, (unsigned long long)a->valid,
			 (unsigned long long)a->suspect, (unsigned long long)b->registered,
			 (unsigned long long)b->valid, (unsigned long long)b->suspect);
}

static void same_coverage(ct_reader *r, const struct times *ts, ct_group_by by, unsigned threads)
{
	ct_coverage_query q = {.by = by, .threads = threads, .path = CT_COVERAGE_ENTRIES};
	ct_coverage *full = NULL, *fast = NULL;
	size_t i, j;
	char what[128];

	CT_OK_OR_FAIL(ct_coverage_compute(&full, r, ts->v, ts->n, &q));
	q.path = CT_COVERAGE_SUMMARY;
	CT_OK_OR_FAIL(ct_coverage_compute(&fast, r, ts->v, ts->n, &q));
	for (i = 0; i < ts->n; i++) {
		snprintf(what, sizeof(what), "by %s at %llu", ct_group_by_name(by), (unsigned long long)ts->v[i]);
		same_counts(what, &full[i].total, &fast[i].total);
		assert_int_equal(full[i].ngroups, fast[i].ngroups);
		for (j = 0; j < full[i].ngroups; j++) {
			assert_string_equal(full[i].groups[j].key, fast[i].groups[j].key);
			same_counts(what, &full[i].groups[j].counts, &fast[i].groups[j].counts);
		}
	}
	ct_coverage_free(full, ts->n);
	ct_coverage_free(fast, ts->n);
}

static void same_everything(struct city *s)
{
	ct_reader *r = NULL;
	struct times ts;
	uint64_t checked = 0;
	int by;

	CT_OK_OR_FAIL(ct_reader_begin(&r, s->l));
	CT_OK_OR_FAIL(ct_summary_check(r, &checked, NULL, NULL));
	assert_true(checked >= s->opts.instruments);
	dates(s, r, &ts);
	same_verdicts(r, &ts);
	for (by = CT_BY_NONE; by <= CT_BY_LAB; by++)
		same_coverage(r, &ts, (ct_group_by)by, by % 2 ? 2 : 1);
	ct_reader_end(r);
}

/* The summary kept at ingest says what the entries say, instrument by instrument. */
static void test_summary_same_verdicts(void **state)
{
	uint64_t seed = ct_test_seed("test_summary_same_verdicts");
	struct city s;

	build(&s, seed % 1000000, 1500);
	same_everything(&s);
	destroy(&s);
}

/* ---- a store without the summary ------------------------------------------------------------------- */

/* Removes the summary database with LMDB itself: what a store from before the summary looks like. */
static void drop_summary(const char *dir)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "summary", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/*
 * A build interrupted after instrument id: no version, 'P' naming id, no
 * record after it (what a process stopped mid-build leaves).
 */
static void interrupt_build(const char *dir, const char *id)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	char key[80];
	MDB_val k = {1, "V"}, v = {strlen(id), (void *)id};
	size_t dropped = 0;

	snprintf(key, sizeof(key), "~%s", id);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "summary", 0, &dbi), 0);
	assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
	k.mv_data = "P";
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
	k.mv_size = strlen(key);
	k.mv_data = key;
	assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_SET), 0);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		assert_int_equal(mdb_cursor_del(cur, 0), 0);
		dropped++;
	}
	assert_true(dropped > 100);
	mdb_cursor_close(cur);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Replaces instrument id's record by another instrument's. */
static void swap_record(const char *dir, const char *id, const char *other)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	char key[64], okey[64];
	MDB_val k, v;

	snprintf(key, sizeof(key), "~%s", id);
	snprintf(okey, sizeof(okey), "~%s", other);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "summary", 0, &dbi), 0);
	k.mv_size = strlen(okey);
	k.mv_data = okey;
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	{
		MDB_val nk = {strlen(key), key}, nv = {v.mv_size, NULL};
		void *copy = malloc(v.mv_size);
		memcpy(copy, v.mv_data, v.mv_size);
		nv.mv_data = copy;
		assert_int_equal(mdb_put(txn, dbi, &nk, &nv, 0), 0);
		free(copy);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

struct ids {
	char first[64], second[64];
	size_t n;
};

static int two_ids(void *ctx, const char *id, size_t len)
{
	struct ids *v = ctx;

	snprintf(v->n ? v->second : v->first, sizeof(v->first), "%.*s", (int)len, id);
	return ++v->n == 2 ? 1 : 0;
}

static void progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(*(unsigned *)ctx)++;
	assert_true(total == 0 || done <= total);
}

static void test_summary_missing_built_checked(void **state)
{
	uint64_t seed = ct_test_seed("test_summary_missing_built_checked");
	ct_ledger_opts ro = {.read_only = true}, rw = {0};
	ct_coverage_query q = {.by = CT_BY_DISTRICT, .threads = 1, .path = CT_COVERAGE_SUMMARY};
	ct_coverage *cov = NULL, *want = NULL;
	ct_reader *r = NULL;
	struct ids ids = {"", "", 0};
	unsigned calls = 0;
	uint64_t checked;
	bool ready = true;
	struct city s;

	build(&s, seed % 1000000, 1000);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	q.path = CT_COVERAGE_ENTRIES;
	CT_OK_OR_FAIL(ct_coverage_compute(&want, r, &s.opts.at, 1, &q));
	CT_OK_OR_FAIL(ct_read_ids(r, CT_NS_INSTRUMENT, two_ids, &ids));
	ct_reader_end(r);
	ct_ledger_close(s.l);
	s.l = NULL;

	/* from before the summary, read-only: no summary, and coverage from the entries */
	drop_summary(s.store);
	CT_OK_OR_FAIL(ct_ledger_open(&s.l, s.store, &ro));
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_summary_ready(r, &ready));
	assert_false(ready);
	q.path = CT_COVERAGE_SUMMARY;
	assert_int_equal(ct_coverage_compute(&cov, r, &s.opts.at, 1, &q), CT_ESTATE);
	q.path = CT_COVERAGE_AUTO;
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, &s.opts.at, 1, &q));
	assert_memory_equal(&cov->total, &want->total, sizeof(cov->total));
	ct_coverage_free(cov, 1);
	ct_reader_end(r);
	ct_ledger_close(s.l);

	/* opened for writing: built, with progress */
	rw.progress = progress;
	rw.progress_ctx = &calls;
	CT_OK_OR_FAIL(ct_ledger_open(&s.l, s.store, &rw));
	assert_true(calls > 0);
	same_everything(&s);

	/* rebuilt on demand: the same */
	CT_OK_OR_FAIL(ct_summary_rebuild(s.l, NULL, NULL));
	same_everything(&s);
	ct_ledger_close(s.l);

	/* a build interrupted: not used until finished, and the next opening for writing goes on from it */
	interrupt_build(s.store, ids.second);
	CT_OK_OR_FAIL(ct_ledger_open(&s.l, s.store, &ro));
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_summary_ready(r, &ready));
	assert_false(ready);
	ct_reader_end(r);
	ct_ledger_close(s.l);
	CT_OK_OR_FAIL(ct_ledger_open(&s.l, s.store, NULL));
	same_everything(&s);
	ct_ledger_close(s.l);

	/* a record that is not its instrument's: check says which */
	swap_record(s.store, ids.first, ids.second);
	CT_OK_OR_FAIL(ct_ledger_open(&s.l, s.store, &ro));
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	assert_int_equal(ct_summary_check(r, &checked, NULL, NULL), CT_ECORRUPT);
	assert_non_null(strstr(ct_error_last(), ids.first));
	ct_reader_end(r);
	ct_coverage_free(want, 1);
	destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_same_verdicts),
	    cmocka_unit_test(test_summary_missing_built_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
