/*
 * The evaluator is a pure function of the set of entries (docs/DESIGN.md
 * section 6): a random city (seeded: CT_TEST_SEED replays it) is fed in
 * several shuffled orders into fresh stores, as replication would deliver
 * it (an entry that cannot be applied yet is offered again later), and
 * every store must give the same digest, the same verdicts and chains for
 * every instrument and standard at several times, and the same coverage.
 * Within one store, judging the subjects in another order (another memo
 * history) must not change a verdict either, and coverage from the
 * instrument summary (kept as each store received the entries) must give
 * every instrument what the entries give it.
 */
#include "trace_fixture.h"

#include "caltrace/base/time.h"
#include "caltrace/eval/coverage.h"

#define DAY_MS 86400000ULL
#define NLABS  4
#define NSTD   10
#define NINST  48
#define MAXB   6

static const char *const categories[] = {"mass", "pressure", "temperature"};
static const char *const districts[] = {"North", "South", "East"};
static const char *const dates[] = {"2024-06-01", "2025-01-01", "2025-06-01", "2026-01-01", "2026-06-01"};
#define NDATES (sizeof(dates) / sizeof(dates[0]))

struct std_info {
	char id[16];
	int category;
	int owner;
	size_t nbases;
	uint8_t bases[MAXB][32];
	uint64_t performed[MAXB];
};

struct city {
	struct fx f;
	uint64_t rng;
	ct_keypair *labs[NLABS];
	struct std_info std[NSTD];
	size_t nstd;
};

static uint64_t pick(struct city *c, uint64_t n)
{
	return ct_test_rand(&c->rng) % n;
}

/* A date `from` plus up to span_days days, as "YYYY-MM-DD". */
static const char *random_date(struct city *c, char out[32], uint64_t *ms, const char *from,
			       uint64_t span_days)
{
	*ms = fx_ms(from) + pick(c, span_days) * DAY_MS;
	ct_time_format(out, 32, *ms);
	return out;
}

static const char *plus_days(char out[32], uint64_t ms, uint64_t days)
{
	ct_time_format(out, 32, ms + days * DAY_MS);
	return out;
}

/* The basis a lab would cite: usually the latest before the date, sometimes any (stale or future). */
static const uint8_t *cite(struct city *c, const struct std_info *s, uint64_t when)
{
	size_t i, best = SIZE_MAX;

	if (s->nbases == 0)
		return NULL;
	if (pick(c, 16) == 0)
		return s->bases[pick(c, s->nbases)];
	for (i = 0; i < s->nbases; i++)
		if (s->performed[i] <= when && (best == SIZE_MAX || s->performed[i] >= s->performed[best]))
			best = i;
	return best == SIZE_MAX ? NULL : s->bases[best];
}

/* A standard of the category at a level (0 municipal, 1 district, 2 working), else the municipal one;
 * sometimes any. */
static const struct std_info *standard_for(struct city *c, int category, int level)
{
	static const size_t first[] = {0, 3, 7, NSTD};
	size_t i, start;

	if (pick(c, 16) == 0)
		return &c->std[pick(c, NSTD)];
	start = pick(c, first[level + 1] - first[level]); /* any of the level's standards of that category */
	for (i = 0; i < first[level + 1] - first[level]; i++) {
		size_t j = first[level] + (start + i) % (first[level + 1] - first[level]);
		if (c->std[j].category == category)
			return &c->std[j];
	}
	return &c->std[category];
}

static void add_basis(struct std_info *s, const uint8_t hash[32], uint64_t when)
{
	if (s->nbases < MAXB) {
		memcpy(s->bases[s->nbases], hash, 32);
		s->performed[s->nbases++] = when;
	}
}

static void orgs(struct city *c)
{
	static const char *const tiers[NLABS] = {"city", "district", "authorized", "enterprise"};
	char name[32], scope[64];
	int i;

	for (i = 0; i < NLABS; i++) {
		c->labs[i] = fx_key(&c->f, 1 + i);
		snprintf(name, sizeof(name), "Lab %d", i);
		snprintf(scope, sizeof(scope), "mass%s%s", i == 0 || pick(c, 5) ? ",pressure" : "",
			 i == 0 || pick(c, 5) ? ",temperature" : "");
		fx_admit(&c->f, c->labs[i], name, tiers[i], districts[i % 3], scope,
			 i == 0 || pick(c, 8) ? "2020-01-01" : "2025-03-01", "2030-12-31");
	}
	if (pick(c, 2))
		fx_revoke_org(&c->f, c->labs[1 + pick(c, NLABS - 1)], "2026-02-01");
	fx_catalogue(&c->f, "scale", "V", "trade", "2020-01-01");
	fx_catalogue(&c->f, "gauge", "P+V", "safety,trade", "2020-01-01");
	fx_catalogue(&c->f, "thermo", "P", "medical", "2020-01-01");
	fx_catalogue(&c->f, "thermo", "V", "medical", "2025-07-01");
	fx_certify(&c->f, "RM-1", "mass,pressure", "2027-12-31");
	fx_certify(&c->f, "RM-2", "temperature", "2025-06-30");
}

/* Municipal standards anchored yearly; district ones calibrated with them by the city lab; working ones with
 * those. */
static void standards(struct city *c)
{
	static const char *const levels[] = {"municipal", "district", "working"};
	static const char *const years[] = {"2024-01-01", "2025-01-01", "2026-01-01"};
	static const char *const feb[] = {"2024-02-01", "2025-02-01", "2026-02-01"};
	static const char *const mar[] = {"2024-03-01", "2025-03-01", "2026-03-01"};
	char d1[32], d2[32];
	uint64_t when;
	uint8_t h[32];
	size_t i, k;

	for (i = 0; i < NSTD; i++) {
		struct std_info *s = &c->std[i];
		int level = i < 3 ? 0 : i < 7 ? 1 : 2;
		s->category = i < 6 ? (int)(i % 3) : (int)pick(c, 3);
		s->owner = level == 0 ? 0 : level == 1 ? 1 : (int)(1 + pick(c, 2));
		snprintf(s->id, sizeof(s->id), "STD-%zu", i);
		fx_standard(&c->f, c->labs[s->owner], s->id, categories[s->category], levels[level],
			    level < 2,
			    FX_REL(level == 0	? 2
				   : level == 1 ? 20
						: 60 + pick(c, 200)),
			    NULL);
		if (level < 2 && (level == 0 || pick(c, 12)))
			fx_approve(&c->f, s->id, pick(c, 12) ? "2023-01-01" : "2025-01-01", "2028-12-31");
		for (k = 0; level == 0 && k < 3; k++) {
			random_date(c, d1, &when, years[k], 20);
			fx_anchor(&c->f, s->id, d1, plus_days(d2, when, 380 + pick(c, 30)), h);
			add_basis(s, h, when);
		}
	}
	for (i = 3; i < NSTD; i++) {
		struct std_info *s = &c->std[i];
		for (k = 0; k < 3; k++) {
			const struct std_info *p = standard_for(c, s->category, i < 7 ? 0 : 1);

			const uint8_t *link;
			if (p == s || pick(c, 10) == 0)
				continue;
			random_date(c, d1, &when, i < 7 ? feb[k] : mar[k], 25);
			if (!(link = cite(c, p, when)))
				continue;
			fx_cal1(&c->f, c->labs[i < 7 ? 0 : 1], s->id, true,
				pick(c, 5) ? "calibration" : "comparison", p->id, link, d1,
				plus_days(d2, when, 380), h);
			add_basis(s, h, when);
		}
	}
	fx_oot(&c->f, c->labs[c->std[3].owner], c->std[3].id, "2025-04-01");
	if (pick(c, 2))
		fx_oot(&c->f, c->labs[0], c->std[pick(c, 3)].id, "2025-09-01");
}

static void instruments(struct city *c)
{
	static const char *const items[] = {"scale", "gauge", "thermo"};
	char id[16], owner[16], d1[32], d2[32];
	uint8_t h[32];
	uint64_t when;
	size_t i, k;

	for (i = 0; i < NINST; i++) {
		int cat = (int)pick(c, 3), lab = (int)pick(c, NLABS);
		bool listed = pick(c, 3) != 0;
		snprintf(id, sizeof(id), "I-%02zu", i);
		snprintf(owner, sizeof(owner), "Owner %d", (int)pick(c, 5));
		fx_instrument(&c->f, c->labs[lab], id, categories[cat], districts[pick(c, 3)], owner,
			      listed ? items[cat] : NULL,
			      listed ? (cat == 2     ? "medical"
					: pick(c, 2) ? "trade"
						     : "safety")
				     : NULL,
			      FX_REL(800 + pick(c, 2000)));
		for (k = 1 + pick(c, 3); k > 0; k--) {
			const struct std_info *s = standard_for(c, cat, 1 + (int)pick(c, 2));
			struct fx_ref ref;
			random_date(c, d1, &when, "2024-04-01", 800);
			if (!(ref.cal = cite(c, s, when)))
				continue;
			ref.id = s->id;
			fx_cal(&c->f, c->labs[pick(c, 4) ? (uint64_t)lab : pick(c, NLABS)], id, false,
			       pick(c, 5) ? "verification" : "calibration", &ref, 1, d1,
			       plus_days(d2, when, 365), pick(c, 12) ? "pass" : "fail",
			       pick(c, 4) ? NULL
			       : cat == 2 ? "RM-2"
					  : "RM-1",
			       h);
			if (pick(c, 15) == 0)
				fx_revoke_cal(&c->f, c->labs[pick(c, NLABS)], h);
		}
		if (pick(c, 12) == 0)
			fx_retire(&c->f, c->labs[lab], id, "2025-10-01");
	}
	fx_instrument(&c->f, c->labs[2], "I-00", "mass", "East", "Someone else", NULL, NULL, FX_REL(1000));
}

static void build(struct city *c, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->rng = seed;
	fx_open_policy(&c->f, 3, (unsigned)(ct_test_rand(&c->rng) % 2) * 15);
	orgs(c);
	standards(c);
	instruments(c);
	fx_commit(&c->f);
}

/* ---- feeding the entries in another order ---- */

struct raw {
	const uint8_t *p;
	size_t len;
};

static size_t split(const ct_buf *log, struct raw *out, size_t max)
{
	size_t off = 0, n = 0, len;

	while (off < log->len) {
		CT_OK_OR_FAIL(ct_entry_frame(&len, log->ptr + off, log->len - off));
		assert_true(n < max);
		out[n].p = log->ptr + off;
		out[n].len = len;
		n++;
		off += len;
	}
	return n;
}

/* Offers a shuffled copy of the entries, again and again, until every one is in the store. */
static ct_ledger *replay(const char *dir, const struct raw *all, size_t n, uint64_t *rng)
{
	struct raw *entries = malloc(n * sizeof(*entries));
	ct_ledger *l = NULL;
	ct_batch *b = NULL;
	ct_ingest_result res;
	size_t i, left = n, pass;
	int err;

	assert_non_null(entries);
	memcpy(entries, all, n * sizeof(*entries));
	for (i = n; i > 1; i--) {
		size_t j = (size_t)(ct_test_rand(rng) % i);
		struct raw t = entries[i - 1];
		entries[i - 1] = entries[j];
		entries[j] = t;
	}
	CT_OK_OR_FAIL(ct_ledger_open(&l, dir, NULL));
	for (pass = 0; left && pass < n + 1; pass++) {
		size_t kept = 0;
		CT_OK_OR_FAIL(ct_batch_begin(&b, l));
		for (i = 0; i < left; i++) {
			err = ct_batch_ingest(b, entries[i].p, entries[i].len, 0, &res);
			if (err == CT_ESEQ || (err == 0 && res == CT_INGEST_PENDING)) {
				entries[kept++] =
				    entries[i]; /* offered again next pass, as a peer would resend it */
				continue;
			}
			CT_OK_OR_FAIL(err);
			assert_true(res == CT_INGEST_APPENDED || res == CT_INGEST_DUPLICATE);
		}
		CT_OK_OR_FAIL(ct_batch_commit(b));
		left = kept;
	}
	assert_int_equal(left, 0);
	free(entries);
	return l;
}

/* ---- what each store answers ---- */

static void put_tree(ct_buf *out, const ct_trace_node *n)
{
	size_t i;
	unsigned j;
	uint8_t head[6] = {(uint8_t)n->kind, (uint8_t)n->verdict,  n->has_entry,
			   n->repeated,	     (uint8_t)n->nreasons, (uint8_t)n->nchildren};

	CT_OK_OR_FAIL(ct_buf_put(out, head, sizeof(head)));
	if (n->has_entry)
		CT_OK_OR_FAIL(ct_buf_put(out, n->entry, 32));
	for (i = 0; i < n->nreasons; i++) {
		CT_OK_OR_FAIL(ct_buf_put(out, &n->reasons[i].code, sizeof(n->reasons[i].code)));
		for (j = 0; j < n->reasons[i].nentries; j++)
			CT_OK_OR_FAIL(ct_buf_put(out, n->reasons[i].entries[j], 32));
		CT_OK_OR_FAIL(ct_buf_put(out, n->reasons[i].detail, strlen(n->reasons[i].detail)));
	}
	for (i = 0; i < n->nchildren; i++)
		put_tree(out, n->children[i]);
}

struct subject {
	char ns;
	char id[16];
};

static size_t subjects(struct subject *out)
{
	size_t n = 0, i;

	for (i = 0; i < NINST; i++) {
		out[n].ns = CT_NS_INSTRUMENT;
		snprintf(out[n++].id, sizeof(out[0].id), "I-%02zu", i);
	}
	for (i = 0; i < NSTD; i++) {
		out[n].ns = CT_NS_STANDARD;
		snprintf(out[n++].id, sizeof(out[0].id), "STD-%zu", i);
	}
	return n;
}

struct seen {
	char id[16];
	uint64_t at, reasons;
	ct_verdict v;
	bool compulsory;
};

struct seen_list {
	struct seen v[(NINST + 1) * NDATES];
	size_t n;
};

static void see(void *ctx, const char *id, size_t id_len, uint64_t at, ct_verdict v, uint64_t reasons,
		bool compulsory)
{
	struct seen_list *l = ctx;
	struct seen *s;

	assert_true(l->n < sizeof(l->v) / sizeof(l->v[0]) && id_len < sizeof(s->id));
	s = &l->v[l->n++];
	memcpy(s->id, id, id_len);
	s->id[id_len] = '\0';
	s->at = at;
	s->v = v;
	s->reasons = reasons;
	s->compulsory = compulsory;
}

/*
 * The instrument summary's way (core/eval/coverage_sum.c, its records kept
 * as this store received the entries, in whatever order) and the entries'
 * way: the same verdict, reasons and compulsory flag for every instrument
 * at every date, and the same counts by district.
 */
static void same_both_ways(ct_reader *r, const uint64_t *times)
{
	static struct seen_list by_entries, by_summary;
	ct_coverage_query q;
	ct_coverage *a = NULL, *b = NULL;
	size_t i, d;

	memset(&q, 0, sizeof(q));
	q.by = CT_BY_DISTRICT;
	q.threads = 1;
	q.each = see;
	by_entries.n = by_summary.n = 0;
	q.path = CT_COVERAGE_ENTRIES;
	q.each_ctx = &by_entries;
	CT_OK_OR_FAIL(ct_coverage_compute(&a, r, times, NDATES, &q));
	q.path = CT_COVERAGE_SUMMARY;
	q.each_ctx = &by_summary;
	CT_OK_OR_FAIL(ct_coverage_compute(&b, r, times, NDATES, &q));
	assert_int_equal(by_entries.n, by_summary.n);
	for (i = 0; i < by_entries.n; i++) {
		const struct seen *x = &by_entries.v[i], *y = &by_summary.v[i];
		if (strcmp(x->id, y->id) != 0 || x->at != y->at || x->v != y->v || x->reasons != y->reasons ||
		    x->compulsory != y->compulsory)
			fail_msg("%s at %llu: entries %s %#llx, summary %s %s %#llx", x->id, (unsigned long long)x->at,
				 ct_verdict_name(x->v), (unsigned long long)x->reasons, y->id,
				 ct_verdict_name(y->v), (unsigned long long)y->reasons);
	}
	for (d = 0; d < NDATES; d++) {
		assert_memory_equal(&a[d].total, &b[d].total, sizeof(a[d].total));
		assert_int_equal(a[d].ngroups, b[d].ngroups);
		for (i = 0; i < a[d].ngroups; i++)
			assert_memory_equal(&a[d].groups[i].counts, &b[d].groups[i].counts,
					    sizeof(a[d].groups[i].counts));
	}
	ct_coverage_free(a, NDATES);
	ct_coverage_free(b, NDATES);
}

/* Digest, every chain at every date (as bytes), and coverage by district at every date. */
static void answers(ct_ledger *l, ct_buf *out, uint64_t *rng)
{
	struct subject subj[NINST + NSTD];
	size_t n = subjects(subj), i, d, order[NINST + NSTD];
	ct_verdict fast[NDATES][NINST + NSTD];
	uint64_t times[NDATES];
	uint8_t digest[32];
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_trace_node *tree;
	ct_coverage_query q;
	ct_coverage *cov = NULL;

	out->len = 0;
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_digest(digest, r));
	CT_OK_OR_FAIL(ct_buf_put(out, digest, 32));
	/* one tracer, subjects in a random order: the memo's history must not matter */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		size_t j = (size_t)(ct_test_rand(rng) % i), t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	for (i = 0; i < n; i++)
		for (d = 0; d < NDATES; d++)
			CT_OK_OR_FAIL(ct_trace_verdict(tr, subj[order[i]].ns, subj[order[i]].id,
						       strlen(subj[order[i]].id), fx_ms(dates[d]),
						       &fast[d][order[i]], NULL));
	ct_tracer_free(tr);
	/* the trees, each from a fresh tracer, in the fixed order */
	for (i = 0; i < n; i++) {
		for (d = 0; d < NDATES; d++) {
			CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
			CT_OK_OR_FAIL(
			    ct_trace(&tree, tr, subj[i].ns, subj[i].id, strlen(subj[i].id), fx_ms(dates[d])));
			if (tree->verdict != fast[d][i])
				fail_msg("%s at %s: %s by the shared memo, %s alone", subj[i].id, dates[d],
					 ct_verdict_name(fast[d][i]), ct_verdict_name(tree->verdict));
			put_tree(out, tree);
			ct_trace_free(tree);
			ct_tracer_free(tr);
		}
	}
	for (d = 0; d < NDATES; d++)
		times[d] = fx_ms(dates[d]);
	same_both_ways(r, times);
	memset(&q, 0, sizeof(q));
	q.by = CT_BY_DISTRICT;
	q.threads = 2;
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, times, NDATES, &q));
	for (d = 0; d < NDATES; d++) {
		CT_OK_OR_FAIL(ct_buf_put(out, &cov[d].total, sizeof(cov[d].total)));
		for (i = 0; i < cov[d].ngroups; i++) {
			CT_OK_OR_FAIL(
			    ct_buf_put(out, cov[d].groups[i].key, strlen(cov[d].groups[i].key) + 1));
			CT_OK_OR_FAIL(
			    ct_buf_put(out, &cov[d].groups[i].counts, sizeof(cov[d].groups[i].counts)));
		}
		CT_OK_OR_FAIL(ct_buf_put(out, cov[d].standards.valid, sizeof(cov[d].standards.valid)));
		CT_OK_OR_FAIL(ct_buf_put(out, &cov[d].standards.items, sizeof(cov[d].standards.items)));
	}
	ct_coverage_free(cov, NDATES);
	ct_reader_end(r);
}

static void test_shuffled_orders_agree(void **state)
{
	uint64_t seed = ct_test_seed("test_shuffled_orders_agree"), rng;
	struct raw entries[4096];
	struct city c;
	ct_buf want = CT_BUF_INIT, got = CT_BUF_INIT;
	ct_ledger *l;
	size_t n, round;
	char *dir;

	build(&c, seed);
	n = split(&c.f.log, entries, sizeof(entries) / sizeof(entries[0]));
	assert_int_equal(n, c.f.nentries);
	rng = seed ^ 0x5eed;
	answers(c.f.l, &want, &rng);
	for (round = 0; round < 3; round++) {
		assert_non_null(dir = ct_test_tmpdir());
		l = replay(dir, entries, n, &rng);
		answers(l, &got, &rng);
		if (got.len != want.len || memcmp(got.ptr, want.ptr, want.len) != 0)
			fail_msg("round %zu: the answers differ from the original store's (seed %llu)", round,
				 (unsigned long long)seed);
		ct_ledger_close(l);
		ct_test_rm_rf(dir);
		free(dir);
	}
	ct_buf_free(&want);
	ct_buf_free(&got);
	fx_close(&c.f);
}

/* The random city is not trivial: every verdict and many reasons occur (for this generator, any seed). */
static void test_city_exercises_the_rules(void **state)
{
	uint64_t seed = ct_test_seed("test_city_exercises_the_rules");
	struct city c;
	ct_coverage *cov = NULL;
	ct_coverage_query q;
	ct_reader *r = NULL;
	uint64_t t = fx_ms("2025-06-01");
	int reasons = 0, i;

	build(&c, seed);
	memset(&q, 0, sizeof(q));
	CT_OK_OR_FAIL(ct_reader_begin(&r, c.f.l));
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, &t, 1, &q));
	for (i = 0; i < CT_R__COUNT; i++)
		reasons += cov->total.reasons[i] > 0;
	assert_true(cov->total.registered >= NINST / 2);
	assert_true(cov->total.valid > 0);
	assert_true(cov->total.invalid > 0);
	assert_true(reasons >= 5);
	ct_coverage_free(cov, 1);
	ct_reader_end(r);
	fx_close(&c.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shuffled_orders_agree),
	    cmocka_unit_test(test_city_exercises_the_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
