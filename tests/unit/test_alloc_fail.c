/*
 * Allocation-failure sweep. This executable is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (tests/CMakeLists.txt), so
 * every allocation made by code linked into it (the caltrace libraries and
 * the test library, not the shared libraries LMDB, jansson, msgpack-c,
 * libsodium) goes through the counter below. For each path under test the
 * sweep runs the operation with allocation N failing, N = 1, 2, ... until a
 * run makes fewer than N allocations (the operation completed without
 * meeting the failure). Each run must fail cleanly with an error (or, if it
 * succeeds despite the failure, give the same answer as without it); the
 * store must pass ct_ledger_check afterwards and take the same work again
 * without failure; and nothing may leak (the suite runs under ASan/LSan
 * in the sanitizer build).
 *
 * Paths: ct_batch_ingest of a small network's entries (the base network of
 * trace_fixture.h, two feeds) into a fresh store; ct_bundle_parse of
 * tests/vectors/bundle-example/scale-s.bundle; ct_tracer_new + ct_trace on
 * the base network; and the other public evaluator calls on it, which share
 * the tracer's helpers (and its kept first error): coverage (by lab),
 * a lab's due list, impact of a standard and the verdicts of what it lists.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_store_test.h"
#include "trace_fixture.h"

#include "caltrace/eval/coverage.h"
#include "caltrace/proof/bundle.h"


void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);

static unsigned long alloc_count; /* allocations made since arm() */
static unsigned long fail_at;	  /* the allocation that fails; 0: none */
static int armed;

/* Where an injected failure happens: a place for a debugger's breakpoint ("break injected"). */
__attribute__((noinline)) static int injected(void)
{
	__asm__ volatile("");
	return 1;
}

static int should_fail(void)
{
	if (!armed)
		return 0;
	return ++alloc_count == fail_at ? injected() : 0;
}

void *__wrap_malloc(size_t size)
{
	return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return should_fail() ? NULL : __real_realloc(p, size);
}

static void arm(unsigned long n)
{
	alloc_count = 0;
	fail_at = n;
	armed = 1;
}

/* Stops failing; returns whether allocation fail_at was reached (so it failed). */
static int disarm(void)
{
	armed = 0;
	return alloc_count >= fail_at;
}

/* Sweeps must end: no path here makes anywhere near this many allocations. */
#define SWEEP_MAX 100000

/* ---- ingest ----------------------------------------------------------- */

/* Ingests every entry of src into l in one batch; returns the first error (batch aborted) or 0. */
static int ingest_feeds(ct_ledger *l, const ts_feeds *src)
{
	ct_ingest_result res;
	ct_batch *b = NULL;
	size_t i, j;
	int err;

	if ((err = ct_batch_begin(&b, l)) < 0)
		return err;
	for (i = 0; i < src->count; i++)
		for (j = 0; j < src->feeds[i].count; j++) {
			err = ct_batch_ingest(b, src->feeds[i].entries[j].ptr, src->feeds[i].entries[j].len, 0,
					      &res);
			if (err < 0) {
				ct_batch_abort(b);
				return err;
			}
		}
	return ct_batch_commit(b);
}

static void test_ingest_sweep(void **state)
{
	struct fx f;
	struct fx_base base;
	ts_feeds src;
	ts_state want, got;
	ts_store s;
	uint64_t checked;
	unsigned long n, failures = 0;
	int err;

	(void)state;
	fx_base_open(&f, &base, true);
	fx_commit(&f);
	ts_feeds_read(f.l, &src);
	ts_state_read(f.l, &want);
	assert_true(ts_feeds_total(&src) >= 5);
	for (n = 1; n < SWEEP_MAX; n++) {
		ts_open(&s, NULL);
		arm(n);
		err = ingest_feeds(s.l, &src);
		if (!disarm()) {
			/* the whole ingest made fewer than n allocations: done */
			assert_int_equal(err, 0);
			ts_state_read(s.l, &got);
			ts_state_equal(&want, &got);
			ts_state_free(&got);
			ts_close(&s);
			break;
		}
		if (err < 0) {
			failures++;
			if (err != CT_ENOMEM)
				fail_msg("allocation %lu failed: ingest -> %s: %s", n, ct_strerror(err),
					 ct_error_last());
		}
		/* whatever happened, the store is sound and takes the whole ingest again */
		if ((err = ts_check(s.l, &checked)) < 0 || (err = ingest_feeds(s.l, &src)) < 0)
			fail_msg("allocation %lu failed, then: %s: %s", n, ct_strerror(err), ct_error_last());
		ts_state_read(s.l, &got);
		ts_state_equal(&want, &got);
		ts_state_free(&got);
		ts_close(&s);
	}
	assert_true(n < SWEEP_MAX);
	assert_true(failures > 0);
	printf("ingest of %zu entries: %lu allocations swept, %lu failed with an error\n", ts_feeds_total(&src),
	       n - 1, failures);
	ts_state_free(&want);
	ts_feeds_free(&src);
	fx_close(&f);
}

/* ---- bundle parse ------------------------------------------------------ */

static void read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	long size;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size > 0);
	rewind(fp);
	assert_non_null(*buf = malloc((size_t)size));
	assert_int_equal(fread(*buf, 1, (size_t)size, fp), (size_t)size);
	*len = (size_t)size;
	fclose(fp);
}

static void test_bundle_parse_sweep(void **state)
{
	uint8_t want[CT_HASH_BYTES], got[CT_HASH_BYTES], *buf = NULL;
	ct_bundle *b = NULL;
	unsigned long n, failures = 0;
	size_t len = 0;
	int err;

	(void)state;
	read_file(CT_VECTORS_DIR "/bundle-example/scale-s.bundle", &buf, &len);
	CT_OK_OR_FAIL(ct_bundle_parse(&b, buf, len));
	CT_OK_OR_FAIL(ct_bundle_network(b, want));
	ct_bundle_free(b);
	for (n = 1; n < SWEEP_MAX; n++) {
		b = NULL;
		arm(n);
		err = ct_bundle_parse(&b, buf, len);
		if (!disarm()) {
			assert_int_equal(err, 0);
			ct_bundle_free(b);
			break;
		}
		if (err < 0) {
			failures++;
			if (err != CT_ENOMEM)
				fail_msg("allocation %lu failed: parse -> %s: %s", n, ct_strerror(err), ct_error_last());
			assert_null(b);
		} else {
			CT_OK_OR_FAIL(ct_bundle_network(b, got));
			assert_memory_equal(got, want, CT_HASH_BYTES);
			ct_bundle_free(b);
		}
	}
	assert_true(n < SWEEP_MAX);
	assert_true(failures > 0);
	printf("bundle parse: %lu allocations swept, %lu failed with CT_ENOMEM\n", n - 1, failures);
	free(buf);
}

/* ---- evaluator --------------------------------------------------------- */

static void test_trace_sweep(void **state)
{
	struct fx f;
	struct fx_base base;
	ct_trace_node *ref, *tree;
	ct_tracer *tr;
	ct_reader *r = NULL;
	unsigned long n, failures = 0;
	uint64_t want_mask, at = fx_ms("2025-06-01");
	int err;

	(void)state;
	fx_base_open(&f, &base, true);
	ref = fx_trace(&f, CT_NS_INSTRUMENT, "SCALE-1", "2025-06-01");
	assert_int_equal(ref->verdict, CT_VALID);
	want_mask = fx_tree_mask(ref);
	for (n = 1; n < SWEEP_MAX; n++) {
		tr = NULL;
		tree = NULL;
		CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
		arm(n);
		err = ct_tracer_new(&tr, r);
		if (err == 0)
			err = ct_trace(&tree, tr, CT_NS_INSTRUMENT, "SCALE-1", strlen("SCALE-1"), at);
		if (!disarm()) {
			assert_int_equal(err, 0);
			assert_int_equal(tree->verdict, ref->verdict);
			ct_trace_free(tree);
			ct_tracer_free(tr);
			ct_reader_end(r);
			break;
		}
		if (err < 0) {
			failures++;
			if (err != CT_ENOMEM)
				fail_msg("allocation %lu failed: trace -> %s: %s", n, ct_strerror(err), ct_error_last());
			assert_null(tree);
		} else {
			/* a failure the evaluator could work around: the answer must not change */
			if (tree->verdict != ref->verdict)
				fail_msg("allocation %lu failed: verdict %d instead of %d", n, (int)tree->verdict,
					 (int)ref->verdict);
			assert_true(fx_tree_mask(tree) == want_mask);
			ct_trace_free(tree);
		}
		ct_tracer_free(tr);
		ct_reader_end(r);
	}
	assert_true(n < SWEEP_MAX);
	assert_true(failures > 0);
	printf("trace: %lu allocations swept, %lu failed with CT_ENOMEM\n", n - 1, failures);
	ct_trace_free(ref);
	fx_close(&f);
}

/* ---- the other evaluator calls ----------------------------------------- */

/*
 * One evaluator call on the base network, its answer written as text into
 * *out (malloc'd) so that the sweep can compare answers. Returns 0 or the
 * call's error.
 */
typedef int (*eval_fn)(struct fx *f, struct fx_base *base, ct_reader *r, char **out);

/* Appends to a string grown with __real_realloc: the answer's text is never an injected failure. */
static void cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char **s, const char *fmt, ...)
{
	char more[512];
	size_t len = *s ? strlen(*s) : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(more, sizeof(more), fmt, ap);
	va_end(ap);
	assert_non_null(*s = __real_realloc(*s, len + strlen(more) + 1));
	memcpy(*s + len, more, strlen(more) + 1);
}

static void counts_text(char **s, const ct_coverage_counts *c)
{
	cat(s, "reg %llu valid %llu suspect %llu invalid %llu compulsory %llu/%llu/%llu;",
	    (unsigned long long)c->registered, (unsigned long long)c->valid, (unsigned long long)c->suspect,
	    (unsigned long long)c->invalid, (unsigned long long)c->compulsory,
	    (unsigned long long)c->compulsory_valid, (unsigned long long)c->compulsory_suspect);
}

static int eval_coverage(struct fx *f, struct fx_base *base, ct_reader *r, char **out)
{
	uint64_t at[2] = {fx_ms("2025-06-01"), fx_ms("2026-06-01")};
	ct_coverage_query q = {.by = CT_BY_LAB, .threads = 1};
	ct_coverage *c = NULL;
	size_t i, g;
	int err;

	(void)f;
	(void)base;
	err = ct_coverage_compute(&c, r, at, 2, &q);
	if (err < 0)
		return err;
	for (i = 0; i < 2; i++) {
		counts_text(out, &c[i].total);
		for (g = 0; g < c[i].ngroups; g++) {
			cat(out, " %s:", c[i].groups[g].key);
			counts_text(out, &c[i].groups[g].counts);
		}
		cat(out, " std %llu\n", (unsigned long long)c[i].standards.valid[CT_LEVEL_MUNICIPAL]);
	}
	ct_coverage_free(c, 2);
	return 0;
}

static int eval_due(struct fx *f, struct fx_base *base, ct_reader *r, char **out)
{
	ct_due_query q = {.at = fx_ms("2026-06-01"), .within_days = 30, .has_lab = true};
	ct_due *d = NULL;
	size_t i;
	int err;

	(void)f;
	memcpy(q.lab, ct_keypair_public(base->city), CT_KEY_BYTES);
	err = ct_due_list(&d, r, &q);
	if (err < 0)
		return err;
	cat(out, "%zu:", d->count);
	for (i = 0; i < d->count; i++)
		cat(out, " %s %s %lld", d->items[i].id, ct_due_state_name(d->items[i].state),
		    (long long)d->items[i].days);
	ct_due_free(d);
	return 0;
}

static int eval_impact(struct fx *f, struct fx_base *base, ct_reader *r, char **out)
{
	ct_tracer *tr = NULL;
	ct_impact *im = NULL;
	ct_verdict *v = NULL;
	size_t i;
	int err;

	(void)f;
	(void)base;
	if ((err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	if ((err = ct_impact_of(&im, tr, "M1", 2, 0)) < 0 ||
	    (err = ct_impact_verdicts(&v, tr, im, fx_ms("2025-06-01"))) < 0)
		goto done;
	cat(out, "%zu:", im->count);
	for (i = 0; i < im->count; i++)
		cat(out, " %c %s %d", im->items[i].kind, im->items[i].id, (int)v[i]);
done:
	free(v);
	ct_impact_free(im);
	ct_tracer_free(tr);
	return err;
}

/*
 * Sweeps one evaluator call: with allocation N failing, it must return
 * CT_ENOMEM, or the same answer as without the failure: never a different
 * answer without an error (what a tracer that met an error and carried on
 * with a guess would give).
 */
static void eval_sweep(const char *name, eval_fn run)
{
	struct fx f;
	struct fx_base base;
	ct_reader *r = NULL;
	char *want = NULL, *got;
	unsigned long n, failures = 0;
	int err;

	fx_base_open(&f, &base, true);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(run(&f, &base, r, &want));
	ct_reader_end(r);
	for (n = 1; n < SWEEP_MAX; n++) {
		got = NULL;
		CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
		arm(n);
		err = run(&f, &base, r, &got);
		if (!disarm()) {
			assert_int_equal(err, 0);
			assert_string_equal(got, want);
			free(got);
			ct_reader_end(r);
			break;
		}
		if (err < 0) {
			failures++;
			if (err != CT_ENOMEM)
				fail_msg("allocation %lu failed: %s -> %s: %s", n, name, ct_strerror(err),
					 ct_error_last());
		} else if (strcmp(got, want) != 0) {
			fail_msg("allocation %lu failed: %s answered without an error, but not as without "
				 "the failure:\n%s\ninstead of\n%s",
				 n, name, got, want);
		}
		free(got);
		ct_reader_end(r);
	}
	assert_true(n < SWEEP_MAX);
	assert_true(failures > 0);
	printf("%s: %lu allocations swept, %lu failed with CT_ENOMEM\n", name, n - 1, failures);
	free(want);
	fx_close(&f);
}

static void test_coverage_sweep(void **state)
{
	(void)state;
	eval_sweep("coverage by lab", eval_coverage);
}

static void test_due_sweep(void **state)
{
	(void)state;
	eval_sweep("due list of a lab", eval_due);
}

static void test_impact_sweep(void **state)
{
	(void)state;
	eval_sweep("impact and its verdicts", eval_impact);
}

/*
 * A tracer that kept an error (a trace met it reading the bureau's records:
 * a second trace on the same tracer, with nothing failing, fails too) must
 * make ct_impact_of and ct_impact_of_key fail as well, rather than list
 * what its incomplete memory says.
 */
static void test_impact_after_kept_error(void **state)
{
	struct fx f;
	struct fx_base base;
	ct_trace_node *tree;
	ct_tracer *tr;
	ct_impact *im;
	ct_reader *r = NULL;
	unsigned long n, kept = 0;
	uint64_t at = fx_ms("2025-06-01");
	int err;

	(void)state;
	fx_base_open(&f, &base, true);
	fx_commit(&f);
	for (n = 1; n < SWEEP_MAX; n++) {
		tr = NULL;
		tree = NULL;
		CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
		CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
		arm(n);
		err = ct_trace(&tree, tr, CT_NS_INSTRUMENT, "SCALE-1", strlen("SCALE-1"), at);
		if (!disarm()) {
			assert_int_equal(err, 0);
			ct_trace_free(tree);
			ct_tracer_free(tr);
			ct_reader_end(r);
			break;
		}
		ct_trace_free(tree);
		tree = NULL;
		if (err < 0 && ct_trace(&tree, tr, CT_NS_INSTRUMENT, "SCALE-1", strlen("SCALE-1"), at) < 0) {
			kept++;
			im = NULL;
			err = ct_impact_of(&im, tr, "M1", 2, 0);
			if (err != CT_ENOMEM)
				fail_msg("allocation %lu failed in a trace, the tracer kept it, and then "
					 "ct_impact_of -> %d (%s)",
					 n, err, im ? "a list" : ct_error_last());
			assert_null(im);
			err = ct_impact_of_key(&im, tr, ct_keypair_public(base.city));
			if (err != CT_ENOMEM)
				fail_msg("allocation %lu: the tracer kept an error, and ct_impact_of_key -> %d", n, err);
			assert_null(im);
		}
		ct_trace_free(tree);
		ct_tracer_free(tr);
		ct_reader_end(r);
	}
	assert_true(n < SWEEP_MAX);
	assert_true(kept > 0);
	printf("impact after a kept error: %lu of %lu allocations left the tracer with its error\n", kept, n - 1);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ingest_sweep),
	    cmocka_unit_test(test_bundle_parse_sweep),
	    cmocka_unit_test(test_trace_sweep),
	    cmocka_unit_test(test_coverage_sweep),
	    cmocka_unit_test(test_due_sweep),
	    cmocka_unit_test(test_impact_sweep),
	    cmocka_unit_test(test_impact_after_kept_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
