/*
 * The demo city generator (demo/city.c, history.c, phases.c, truth.c, write.c): deterministic for a seed, the
 * sizes it promises, every imperfection present with the reason codes
 * docs/VERDICTS.md gives it, record files that parse. (That the evaluator
 * agrees with truth.json is checked by test_demo_truth.c and, through the
 * real network, by tests/integration/demo_small.sh.)
 */
#include <jansson.h>

#include "caltrace/base/time.h"
#include "ct_test.h"
#include "caltrace/demo/city.h"

#define AT "2026-06-30"

static void fill_opts(ct_demo_gen_opts *o, const char *dir, uint64_t seed, uint64_t n)
{
	memset(o, 0, sizeof(*o));
	o->seed = seed;
	o->instruments = n;
	o->dir = dir;
	assert_int_equal(ct_time_parse(&o->at, AT), 0);
	for (int lab = 0; lab < CT_DEMO_LABS; lab++) {
		ct_keypair *kp = ct_test_keypair(lab + 1);
		ct_key_hex(o->keys[lab], ct_keypair_public(kp));
		ct_keypair_free(kp);
	}
}

static void generate(ct_demo_city *c, const char *dir, uint64_t seed, uint64_t n)
{
	ct_demo_gen_opts o;

	fill_opts(&o, dir, seed, n);
	if (ct_demo_city_generate(c, &o) != 0)
		fail_msg("ct_demo_city_generate: %s", ct_error_last());
}

static json_t *load_truth(const ct_demo_city *c)
{
	json_error_t err;
	json_t *t = json_load_file(c->truth_path, 0, &err);

	if (!t)
		fail_msg("%s: %s", c->truth_path, err.text);
	return t;
}

static void same_file(const char *a, const char *b)
{
	ct_buf x = CT_BUF_INIT, y = CT_BUF_INIT;

	assert_int_equal(ct_test_read_file(a, &x), 0);
	assert_int_equal(ct_test_read_file(b, &y), 0);
	if (x.len != y.len || memcmp(x.ptr, y.ptr, x.len) != 0)
		fail_msg("%s and %s differ", a, b);
	ct_buf_free(&x);
	ct_buf_free(&y);
}

/* The same seed gives the same files byte for byte; another seed another city. */
static void test_deterministic(void **state)
{
	char *d1 = ct_test_tmpdir(), *d2 = ct_test_tmpdir(), *d3 = ct_test_tmpdir();
	ct_demo_city a, b, c;
	size_t i;
	bool differs = false;

	generate(&a, d1, 7, 3000);
	generate(&b, d2, 7, 3000);
	generate(&c, d3, 8, 3000);
	assert_int_equal(a.nfiles, b.nfiles);
	for (i = 0; i < a.nfiles; i++) {
		assert_int_equal(a.files[i].records, b.files[i].records);
		same_file(a.files[i].path, b.files[i].path);
	}
	same_file(a.truth_path, b.truth_path);
	for (i = 0; i < a.nfiles && i < c.nfiles; i++)
		differs |= a.files[i].records != c.files[i].records;
	differs |= a.instruments != c.instruments;
	assert_true(differs);
	ct_demo_city_free(&a);
	ct_demo_city_free(&b);
	ct_demo_city_free(&c);
	ct_test_rm_rf(d1);
	ct_test_rm_rf(d2);
	ct_test_rm_rf(d3);
	free(d1);
	free(d2);
	free(d3);
}

static json_int_t num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("no integer '%s'", key);
	return json_integer_value(v);
}

/* Counts add up; the city is about the size asked; household meters the vast majority. */
static void test_counts(void **state)
{
	char *dir = ct_test_tmpdir();
	ct_demo_city c;
	json_t *t, *total, *d;
	const char *name;
	json_int_t reg = 0, valid = 0, comp = 0;

	generate(&c, dir, 11, 20000);
	t = load_truth(&c);
	total = json_object_get(t, "total");
	assert_true(num(total, "registered") > 19600 && num(total, "registered") < 20400);
	assert_int_equal(num(total, "registered"), (json_int_t)c.instruments);
	assert_int_equal(num(total, "registered"),
			 num(total, "valid") + num(total, "suspect") + num(total, "invalid"));
	json_object_foreach(json_object_get(t, "districts"), name, d)
	{
		reg += num(d, "registered");
		valid += num(d, "valid");
		comp += num(d, "compulsory");
	}
	assert_int_equal(reg, num(total, "registered"));
	assert_int_equal(valid, num(total, "valid"));
	assert_int_equal(comp, num(total, "compulsory"));
	/* realistic but imperfect: most instruments traceable, not all */
	assert_true(num(total, "valid") * 100 > num(total, "registered") * 95);
	assert_true(num(total, "invalid") > 0 && num(total, "suspect") > 0);
	assert_true(num(total, "compulsory") * 100 > num(total, "registered") * 95);
	assert_int_equal(num(t, "entries"), (json_int_t)c.records[0]);
	/* about 1.4 calibrations per instrument, plus the filing */
	assert_true(c.records[5] > 2 * c.instruments && c.records[5] < 3 * c.instruments);
	json_decref(t);
	ct_demo_city_free(&c);
	ct_test_rm_rf(dir);
	free(dir);
}

static bool has_reason(json_t *b, const char *code)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(b, "reasons"), i,
			   r) if (strcmp(json_string_value(r), code) == 0) return true;
	return false;
}

/* Every imperfection is there, at least three times, with its reason code. */
static void test_imperfections(void **state)
{
	static const struct {
		const char *imperfection, *code, *verdict;
	} want[] = {
	    {"overdue", "expired", "invalid"},
	    {"unverified", "no-calibration", "invalid"},
	    {"lapsed-standard", "gap", "invalid"},
	    {"out-of-tolerance", "out-of-tolerance", "suspect"},
	    {"revoked-lab", "lab-revoked", "invalid"},
	    {"out-of-scope", "lab-out-of-scope", "invalid"},
	    {"calibration-not-verification", "verification-required", "invalid"},
	};
	char *dir = ct_test_tmpdir();
	ct_demo_city c;
	json_t *t, *b;
	size_t i, k, seen[7] = {0};

	generate(&c, dir, 3, 3000);
	t = load_truth(&c);
	json_array_foreach(json_object_get(t, "broken"), i, b)
	{
		const char *imp = json_string_value(json_object_get(b, "imperfection"));
		for (k = 0; k < 7; k++) {
			if (strcmp(imp, want[k].imperfection) != 0)
				continue;
			seen[k]++;
			if (!has_reason(b, want[k].code))
				fail_msg("%s (%s) lacks reason %s",
					 json_string_value(json_object_get(b, "id")), imp, want[k].code);
			/* an overdue gauge may also have been used while out of tolerance */
			if (strcmp(imp, "overdue") != 0 &&
			    json_array_size(json_object_get(b, "reasons")) != 1)
				fail_msg("%s (%s) has more than one reason",
					 json_string_value(json_object_get(b, "id")), imp);
			assert_string_equal(json_string_value(json_object_get(b, "verdict")),
					    want[k].verdict);
		}
	}
	for (k = 0; k < 7; k++)
		if (seen[k] < 3)
			fail_msg("only %zu instruments show %s", seen[k], want[k].imperfection);
	assert_true(strlen(c.chain_example) > 0);
	json_decref(t);
	ct_demo_city_free(&c);
	ct_test_rm_rf(dir);
	free(dir);
}

/* Every NDJSON line is an object with a type and a time; CSV files start with their header. */
static void test_files_parse(void **state)
{
	char *dir = ct_test_tmpdir(), *line = NULL;
	size_t cap = 0, i, csv = 0;
	ct_demo_city c;

	generate(&c, dir, 5, 2000);
	for (i = 0; i < c.nfiles; i++) {
		FILE *f = fopen(c.files[i].path, "r");
		uint64_t n = 0;
		bool is_csv = strstr(c.files[i].path, ".csv") != NULL;
		assert_non_null(f);
		while (getline(&line, &cap, f) > 0) {
			if (is_csv) {
				if (n == 0)
					assert_true(strncmp(line, "type,time,id,", 13) == 0);
				n++;
				continue;
			}
			json_error_t err;
			json_t *o = json_loads(line, 0, &err);
			if (!json_is_object(o))
				fail_msg("%s:%llu: %s", c.files[i].path, (unsigned long long)n + 1, err.text);
			assert_non_null(json_string_value(json_object_get(o, "type")));
			assert_non_null(json_string_value(json_object_get(o, "time")));
			json_decref(o);
			n++;
		}
		fclose(f);
		csv += is_csv;
		assert_int_equal(n, c.files[i].records + (is_csv ? 1 : 0));
	}
	assert_true(csv >= 4); /* both formats are exercised */
	free(line);
	ct_demo_city_free(&c);
	ct_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_imperfections),
	    cmocka_unit_test(test_files_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
