/*
 * Coverage (docs/DESIGN.md section 7): one pass over the instruments of the
 * subject index, each judged at every time asked with the tracer's memo
 * (so each standard calibration is judged once per tracer, and an
 * instrument is a few lookups), counts summed per time and per group.
 * The scan is shared by threads, each with its own read transaction of
 * the same snapshot and its own tracer; sums do not depend on the split.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltrace/eval/coverage.h"
#include "coverage_internal.h"


#define MAX_THREADS 8

static const char *const by_names[] = {"none", "district", "category", "catalogue",
				       "tier", "owner",	   "domain",   "lab"};

int ct_group_by_parse(const char *name)
{
	int i;

	for (i = 0; name && i < (int)(sizeof(by_names) / sizeof(by_names[0])); i++)
		if (strcmp(by_names[i], name) == 0)
			return i;
	return -1;
}

const char *ct_group_by_name(ct_group_by by)
{
	return (int)by >= 0 && (size_t)by < sizeof(by_names) / sizeof(by_names[0]) ? by_names[by] : NULL;
}

bool ct__coverage_str_is(struct ct__str s, const char *want)
{
	return !want || (s.p && ct__str_eq(s, want));
}

/* The registrant's tier at t ("" when it had no admission then). */
int ct__coverage_tier_at(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint64_t t, struct ct__str *out)
{
	const struct ct__admission *a;
	struct ct__org *o = NULL;
	int err;

	out->p = "";
	out->n = 0;
	if ((err = ct__org_get(tr, key, &o)) < 0)
		return err;
	if ((a = ct__admission_at(o, t)))
		*out = a->tier;
	return 0;
}

void ct__counts_add(ct_coverage_counts *c, ct_verdict v, bool compulsory, uint64_t mask)
{
	int i;

	c->registered++;
	if (v == CT_VALID)
		c->valid++;
	else if (v == CT_SUSPECT)
		c->suspect++;
	else
		c->invalid++;
	if (compulsory) {
		c->compulsory++;
		c->compulsory_valid += v == CT_VALID;
		c->compulsory_suspect += v == CT_SUSPECT;
	}
	for (i = 0; mask && i < CT_R__COUNT; i++)
		if (mask & (1ULL << i))
			c->reasons[i]++;
}

static void counts_merge(ct_coverage_counts *into, const ct_coverage_counts *c)
{
	int i;

	into->registered += c->registered;
	into->valid += c->valid;
	into->suspect += c->suspect;
	into->invalid += c->invalid;
	into->compulsory += c->compulsory;
	into->compulsory_valid += c->compulsory_valid;
	into->compulsory_suspect += c->compulsory_suspect;
	for (i = 0; i < CT_R__COUNT; i++)
		into->reasons[i] += c->reasons[i];
}

/*
 * The lab responsible for the instrument at t, as 64 hex digits into hex:
 * the author of the calibration judged (a->row), else its registrant,
 * named by the first key of its lab's rekey chain.
 */
static int lab_at(ct_tracer *tr, const struct ct__inst *in, const struct ct__inst_at *a,
		  char hex[2 * CT_KEY_BYTES + 1], struct ct__str *out)
{
	const uint8_t *key = in->registrant;
	struct ct__org *o = NULL;
	ct_entry e;
	int err;

	if (a->row) {
		if ((err = ct__read_entry(tr, a->row->hash, &e)) < 0)
			return err;
		key = e.author;
	}
	if ((err = ct__org_get(tr, key, &o)) < 0)
		return err;
	ct_hex(hex, o->lab, CT_KEY_BYTES);
	out->p = hex;
	out->n = 2 * CT_KEY_BYTES;
	return 0;
}

struct ct__str ct__coverage_group_key(const struct ct__inst *in, ct_group_by by, struct ct__str tier,
				struct ct__str lab)
{
	static const struct ct__str none = {"", 0};

	switch (by) {
	case CT_BY_LAB:
		return lab;
	case CT_BY_DISTRICT:
		return in->district;
	case CT_BY_CATEGORY:
		return in->category;
	case CT_BY_CATALOGUE:
		return in->catalogue.p ? in->catalogue : none;
	case CT_BY_TIER:
		return tier;
	case CT_BY_OWNER:
		return in->owner;
	case CT_BY_DOMAIN:
		return in->domain.p ? in->domain : none;
	default:
		return none;
	}
}

int ct__coverage_add_to_group(ct_hmap *m, struct ct__str key, const struct ct__inst_at *a)
{
	ct_coverage_counts *c = ct_hmap_get(m, key.p, key.n);
	int err;

	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return ct_error_set(CT_ENOMEM, "out of memory grouping coverage");
		if ((err = ct_hmap_put(m, key.p, key.n, c)) < 0) {
			free(c);
			return err;
		}
	}
	ct__counts_add(c, (ct_verdict)a->verdict, a->compulsory, a->mask);
	return 0;
}

int ct__coverage_count(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	struct part *p = ctx;
	const ct_coverage_filter *f = &p->q->filter;
	struct ct__inst *in = &p->tr->inst;
	struct ct__str tier = {"", 0}, lab = {"", 0};
	char lab_hex[2 * CT_KEY_BYTES + 1];
	size_t j;
	int err;

	if ((err = ct__inst_load(p->tr, in, id, id_len, rows, count)) < 0)
		return err;
	if (in->reg != CT__REG_OK && in->reg != CT__REG_CONFLICT)
		return 0;
	if (!ct__coverage_str_is(in->district, f->district) || !ct__coverage_str_is(in->category, f->category) ||
	    !ct__coverage_str_is(in->catalogue, f->catalogue) || !ct__coverage_str_is(in->owner, f->owner))
		return 0;
	for (j = 0; j < p->ntimes; j++) {
		uint64_t t = p->times[j];
		if (in->registered_at > t || ct__inst_retired(in, t))
			continue;
		if ((f->tier || p->q->by == CT_BY_TIER) &&
		    (err = ct__coverage_tier_at(p->tr, in->registrant, t, &tier)) < 0)
			return err;
		if (f->tier && !ct__str_eq(tier, f->tier) && !(tier.n == 0 && !*f->tier))
			continue;
		if ((err = ct__inst_at(p->tr, in, t, &p->at)) < 0)
			return err;
		ct__counts_add(&p->totals[j], (ct_verdict)p->at.verdict, p->at.compulsory, p->at.mask);
		if (p->q->each)
			p->q->each(p->q->each_ctx, id, id_len, t, (ct_verdict)p->at.verdict, p->at.mask,
				   p->at.compulsory);
		if (p->q->by == CT_BY_LAB && (err = lab_at(p->tr, in, &p->at, lab_hex, &lab)) < 0)
			return err;
		if (p->q->by != CT_BY_NONE &&
		    (err = ct__coverage_add_to_group(&p->groups[j], ct__coverage_group_key(in, p->q->by, tier, lab), &p->at)) < 0)
			return err;
	}
	return 0;
}

static void *run_part(void *arg)
{
	struct part *p = arg;

	struct ct__chunk_scan s = {p->tr, p->times, p->ntimes, p->index, p->count, 0, ct__coverage_count, p};

	p->err = p->sum ? ct__coverage_sum_part(p) : ct__chunk_scan(p->r, &s);
	if (p->err == 0)
		p->err = ct__tracer_failed(p->tr, "coverage"); /* its counts may rest on a guess */
	if (p->err < 0)
		snprintf(p->detail, sizeof(p->detail), "%s", ct_error_last());
	return NULL;
}

static void part_free(struct part *p)
{
	size_t j;

	ct_tracer_free(p->tr);
	if (p->own_reader)
		ct_reader_end(p->r);
	for (j = 0; p->groups && j < p->ntimes; j++)
		ct_hmap_free(&p->groups[j], free);
	free(p->groups);
	free(p->totals);
	ct__inst_at_free(&p->at);
	ct__coverage_sum_part_free(p);
	memset(p, 0, sizeof(*p));
}

static int part_init(struct part *p, ct_reader *r, bool own, const uint64_t *times, size_t ntimes,
		     const ct_coverage_query *q)
{
	p->r = r;
	p->own_reader = own;
	p->times = times;
	p->ntimes = ntimes;
	p->q = q;
	ct__rs_init(&p->at.rs, false);
	ct__rs_init(&p->at.cal_rs, false);
	if (!(p->totals = calloc(ntimes, sizeof(*p->totals))) ||
	    !(p->groups = calloc(ntimes, sizeof(*p->groups))))
		return ct_error_set(CT_ENOMEM, "out of memory computing coverage");
	return ct_tracer_new(&p->tr, r);
}

/* How many parts: extra read transactions must see r's snapshot exactly. */
static unsigned plan_parts(ct_reader *r, const ct_coverage_query *q)
{
	long cpus;
	unsigned n = q->threads;

	if (ct_reader_in_batch(r))
		return 1; /* a batch's reader: its writes are visible to it alone */
	if (n == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (unsigned)cpus;
	}
	return n > MAX_THREADS ? MAX_THREADS : n;
}

static int open_parts(struct part *parts, unsigned *n, ct_reader *r, const uint64_t *times, size_t ntimes,
		      const ct_coverage_query *q)
{
	unsigned i;
	int err;

	if ((err = part_init(&parts[0], r, false, times, ntimes, q)) < 0)
		return err;
	for (i = 1; i < *n; i++) {
		ct_reader *extra = NULL;
		if ((err = ct_reader_begin(&extra, ct_reader_ledger(r))) < 0)
			return err;
		if (ct_reader_snapshot(extra) != ct_reader_snapshot(r)) { /* a writer committed meanwhile */
			ct_reader_end(extra);
			break;
		}
		if ((err = part_init(&parts[i], extra, true, times, ntimes, q)) < 0)
			return err; /* the caller frees every part */
	}
	*n = i;
	for (i = 0; i < *n; i++) {
		parts[i].index = i;
		parts[i].count = *n;
	}
	return 0;
}

static int run_parts(struct part *parts, unsigned n)
{
	pthread_t threads[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	unsigned i;

	for (i = 1; i < n; i++)
		started[i] = pthread_create(&threads[i], NULL, run_part, &parts[i]) == 0;
	run_part(&parts[0]);
	for (i = 1; i < n; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			run_part(&parts[i]); /* no thread: do its share here */
	}
	for (i = 0; i < n; i++)
		if (parts[i].err < 0)
			return ct_error_set(parts[i].err, "%s", parts[i].detail);
	return 0;
}

struct collect {
	ct_hmap *into;
	int err;
};

static int collect_group(void *ctx, const uint8_t *key, size_t len, void *value)
{
	struct collect *c = ctx;
	ct_coverage_counts *have = ct_hmap_get(c->into, key, len);

	if (have) {
		counts_merge(have, value);
		return 0;
	}
	if (!(have = malloc(sizeof(*have))))
		return c->err = ct_error_set(CT_ENOMEM, "out of memory grouping coverage");
	*have = *(ct_coverage_counts *)value;
	if ((c->err = ct_hmap_put(c->into, key, len, have)) < 0) {
		free(have);
		return c->err;
	}
	return 0;
}

static int to_group(void *ctx, const uint8_t *key, size_t len, void *value)
{
	ct_coverage *cov = ctx;
	ct_coverage_group *g = &cov->groups[cov->ngroups];

	if (!(g->key = malloc(len + 1)))
		return ct_error_set(CT_ENOMEM, "out of memory grouping coverage");
	memcpy(g->key, key, len);
	g->key[len] = '\0';
	g->counts = *(ct_coverage_counts *)value;
	cov->ngroups++;
	return 0;
}

static int group_order(const void *a, const void *b)
{
	return strcmp(((const ct_coverage_group *)a)->key, ((const ct_coverage_group *)b)->key);
}

/* Sums the parts' counts for time j into cov. */
static int merge(ct_coverage *cov, struct part *parts, unsigned n, size_t j)
{
	struct collect c = {NULL, 0};
	ct_hmap all = {0};
	unsigned i;
	int err = 0;

	for (i = 0; i < n; i++)
		counts_merge(&cov->total, &parts[i].totals[j]);
	c.into = &all;
	for (i = 0; i < n && err == 0; i++)
		err = ct_hmap_each(&parts[i].groups[j], collect_group, &c) ? c.err : 0;
	if (err == 0 && all.count) {
		if (!(cov->groups = calloc(all.count, sizeof(*cov->groups))))
			err = ct_error_set(CT_ENOMEM, "out of memory grouping coverage");
		else if ((err = ct_hmap_each(&all, to_group, cov)) == 0)
			qsort(cov->groups, cov->ngroups, sizeof(*cov->groups), group_order);
	}
	ct_hmap_free(&all, free);
	return err;
}

int ct_coverage_compute(ct_coverage **out, ct_reader *r, const uint64_t *times, size_t ntimes,
			const ct_coverage_query *q)
{
	static const ct_coverage_query defaults = {{NULL, NULL, NULL, NULL, NULL}, CT_BY_NONE, 0, CT_COVERAGE_AUTO, NULL, NULL};
	struct part parts[MAX_THREADS];
	struct ct__sum sum;
	ct_coverage *cov = NULL;
	unsigned n, i;
	size_t j;
	int err;

	*out = NULL;
	if (ntimes == 0)
		return ct_error_set(CT_EINVAL, "coverage needs at least one time");
	if (!q)
		q = &defaults;
	memset(parts, 0, sizeof(parts));
	memset(&sum, 0, sizeof(sum));
	n = plan_parts(r, q);
	if ((err = open_parts(parts, &n, r, times, ntimes, q)) < 0 ||
	    (err = ct__coverage_sum_plan(&sum, r, q->path)) < 0)
		goto done;
	for (i = 0; i < n && sum.ready; i++)
		parts[i].sum = &sum;
	if ((err = run_parts(parts, n)) < 0)
		goto done;
	if (!(cov = calloc(ntimes, sizeof(*cov)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory computing coverage");
		goto done;
	}
	for (j = 0; j < ntimes && err == 0; j++) {
		cov[j].at = times[j];
		err = merge(&cov[j], parts, n, j);
	}
	if (err == 0)
		err = ct__standards_summary(parts[0].tr, times, ntimes, &q->filter, cov);
	if (err == 0)
		err = ct__tracer_failed(parts[0].tr, "coverage");
done:
	for (i = 0; i < MAX_THREADS; i++)
		part_free(&parts[i]); /* harmless on a part never opened */
	ct__coverage_sum_free(&sum);
	if (err < 0) {
		ct_coverage_free(cov, ntimes);
		return err;
	}
	*out = cov;
	return 0;
}

void ct_coverage_free(ct_coverage *c, size_t ntimes)
{
	size_t i, j;

	if (!c)
		return;
	for (i = 0; i < ntimes; i++) {
		for (j = 0; j < c[i].ngroups; j++)
			free(c[i].groups[j].key);
		free(c[i].groups);
		for (j = 0; j < c[i].standards.ndistricts; j++)
			free(c[i].standards.districts[j].district);
		free(c[i].standards.districts);
	}
	free(c);
}

const ct_coverage_counts *ct_coverage_group_counts(const ct_coverage *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].key, key) == 0)
			return &c->groups[i].counts;
	return NULL;
}
