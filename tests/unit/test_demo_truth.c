/*
 * The demo city's truth.json against the evaluator: a city generated from
 * a random seed (printed; CT_TEST_SEED replays it), its record files
 * signed into one store with each lab's key the way import-records does
 * (NDJSON and CSV readers, calibration links resolved from the store),
 * then coverage by district and every broken instrument's verdict and
 * reason codes must be exactly what the generator expected.
 */
#include <jansson.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/coverage.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/eval/trace.h"
#include "caltrace/records/records.h"
#include "ct_test.h"
#include "caltrace/demo/city.h"

struct city {
	char *dir, *store;
	ct_demo_gen_opts opts;
	ct_demo_city c;
	ct_keypair *kp[CT_DEMO_LABS];
	ct_keypair *rekey_kp; /* the re-keyed lab's new key: it signs phase 6 */
	ct_ledger *l;
	json_t *truth;
};

static uint64_t no_clock(void *ctx)
{
	fail_msg("a demo record without \"time\"");
	return 0;
}

/* One lab's file signed into its feed the way import-records does (core/records). */
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
	assert_int_equal(n, f->records);
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
	for (phase = 1; phase <= CT_DEMO_PHASES; phase++) /* in phase order, as the demo imports them */
		for (i = 0; i < s->c.nfiles; i++)
			if (s->c.files[i].phase == phase)
				import_file(s, &s->c.files[i]);
	assert_non_null(s->truth = json_load_file(s->c.truth_path, 0, NULL));
}

static void destroy(struct city *s)
{
	json_decref(s->truth);
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

static void same_counts(const char *where, json_t *want, const ct_coverage_counts *got)
{
#define SAME(key, value)                                                                                     \
	if ((uint64_t)json_integer_value(json_object_get(want, key)) != (value))                             \
		fail_msg("%s: %s: truth %lld, evaluator %llu", where, key,                                   \
			 (long long)json_integer_value(json_object_get(want, key)),                          \
			 (unsigned long long)(value));
	SAME("registered", got->registered);
	SAME("valid", got->valid);
	SAME("suspect", got->suspect);
	SAME("invalid", got->invalid);
	SAME("compulsory", got->compulsory);
	SAME("compulsory_valid", got->compulsory_valid);
	SAME("compulsory_suspect", got->compulsory_suspect);
#undef SAME
	for (int r = 0; r < CT_R__COUNT; r++) {
		json_t *n = json_object_get(json_object_get(want, "reasons"), ct_reason_name((ct_reason)r));
		if ((uint64_t)json_integer_value(n) != got->reasons[r])
			fail_msg("%s: instruments showing %s: truth %lld, evaluator %llu", where,
				 ct_reason_name((ct_reason)r), (long long)json_integer_value(n),
				 (unsigned long long)got->reasons[r]);
	}
}

static void check_coverage(struct city *s)
{
	ct_coverage_query q = {.by = CT_BY_DISTRICT, .threads = 1};
	ct_coverage *cov = NULL;
	ct_reader *r = NULL;
	size_t i;

	CT_OK_OR_FAIL(ct_reader_begin(&r, s->l));
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, &s->opts.at, 1, &q));
	same_counts("city", json_object_get(s->truth, "total"), &cov->total);
	assert_int_equal(cov->ngroups, json_object_size(json_object_get(s->truth, "districts")));
	for (i = 0; i < cov->ngroups; i++)
		same_counts(cov->groups[i].key,
			    json_object_get(json_object_get(s->truth, "districts"), cov->groups[i].key),
			    &cov->groups[i].counts);
	ct_coverage_free(cov, 1);
	ct_reader_end(r);
}

static void check_broken(struct city *s)
{
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	json_t *b, *code;
	size_t i, j;

	CT_OK_OR_FAIL(ct_reader_begin(&r, s->l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	json_array_foreach(json_object_get(s->truth, "broken"), i, b)
	{
		const char *id = json_string_value(json_object_get(b, "id"));
		uint64_t got = 0, want = 0;
		ct_verdict v;
		CT_OK_OR_FAIL(ct_trace_verdict(tr, CT_NS_INSTRUMENT, id, strlen(id), s->opts.at, &v, &got));
		json_array_foreach(json_object_get(b, "reasons"), j, code) want |=
		    UINT64_C(1) << ct_reason_from_name(json_string_value(code));
		if (strcmp(ct_verdict_name(v), json_string_value(json_object_get(b, "verdict"))) != 0 ||
		    got != want)
			fail_msg("%s (%s): truth %s %#llx, evaluator %s %#llx", id,
				 json_string_value(json_object_get(b, "imperfection")),
				 json_string_value(json_object_get(b, "verdict")), (unsigned long long)want,
				 ct_verdict_name(v), (unsigned long long)got);
	}
	/* and the example chain is valid */
	const char *example = json_string_value(json_object_get(s->truth, "chain_example"));
	ct_verdict v;
	CT_OK_OR_FAIL(ct_trace_verdict(tr, CT_NS_INSTRUMENT, example, strlen(example), s->opts.at, &v, NULL));
	assert_int_equal(v, CT_VALID);
	ct_tracer_free(tr);
	ct_reader_end(r);
}

/* A random city: truth.json and the evaluator agree on every count and every broken chain. */
static void test_truth_matches_evaluator(void **state)
{
	uint64_t seed = ct_test_seed("test_truth_matches_evaluator");
	struct city s;

	build(&s, seed % 1000000, 3000);
	check_coverage(&s);
	check_broken(&s);
	destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truth_matches_evaluator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
