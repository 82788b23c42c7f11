/*
 * The standards side of coverage: public standards by level approved and
 * valid at t, the district average the plan counts, and the calibration
 * items (distinct categories) that valid standards cover.
 */
#include <stdlib.h>

#include "coverage_internal.h"

static int level_of(struct ct__str level)
{
	if (ct__str_eq(level, "municipal"))
		return CT_LEVEL_MUNICIPAL;
	if (ct__str_eq(level, "district"))
		return CT_LEVEL_DISTRICT;
	return CT_LEVEL_WORKING;
}

/* One districts array per time, named as in the genesis. */
static int read_districts(ct_tracer *tr, const uint64_t *times, size_t ntimes, ct_coverage *cov)
{
	uint8_t network[CT_HASH_BYTES];
	struct ct__str name;
	uint32_t count, i;
	ct_entry g;
	ct_mp list, item;
	size_t j;
	int err;

	if ((err = ct_read_network(network, NULL, tr->r)) < 0 || (err = ct__read_entry(tr, network, &g)) < 0)
		return err;
	if (ct__body_cursor(&g, "districts", &list) < 0 || ct_mp_read_array(&list, &count) < 0)
		return ct_error_set(CT_ECORRUPT, "genesis without districts");
	for (j = 0; j < ntimes; j++) {
		if (count && !(cov[j].standards.districts = calloc(count, sizeof(ct_district_standards))))
			return ct_error_set(CT_ENOMEM, "out of memory counting standards");
		item = list;
		for (i = 0; i < count; i++) {
			if (ct_mp_read_str(&item, &name.p, &name.n) < 0)
				return ct_error_set(CT_ECORRUPT, "genesis districts are not strings");
			if (!(cov[j].standards.districts[i].district = strndup(name.p, name.n)))
				return ct_error_set(CT_ENOMEM, "out of memory counting standards");
			cov[j].standards.ndistricts++;
		}
	}
	(void)times;
	return 0;
}

struct std_scan {
	ct_tracer *tr;
	const uint64_t *times;
	size_t ntimes;
	const ct_coverage_filter *f;
	ct_coverage *cov;
	ct_hmap *categories; /* per time */
};

static void add_district(ct_standards_summary *sum, struct ct__str district)
{
	size_t i;

	for (i = 0; district.p && i < sum->ndistricts; i++)
		if (ct__str_eq(district, sum->districts[i].district)) {
			sum->districts[i].valid++;
			return;
		}
}

/* One standard at one time. */
static int count_at(struct std_scan *w, struct ct__std *s, size_t j)
{
	const struct ct__admission *a = NULL;
	ct_standards_summary *sum = &w->cov[j].standards;
	struct ct__str district = {NULL, 0}, tier = {"", 0};
	struct ct__org *o = NULL;
	struct ct__use u;
	uint64_t t = w->times[j];
	int level = level_of(s->level), err;

	if (s->registered_at > t)
		return 0;
	if ((err = ct__org_get(w->tr, s->owner, &o)) < 0)
		return err;
	if ((a = ct__admission_at(o, t))) {
		district = a->district;
		tier = a->tier;
	}
	if ((w->f->district && !(district.p && ct__str_eq(district, w->f->district))) ||
	    (w->f->category && !ct__str_eq(s->category, w->f->category)) ||
	    (w->f->tier && !ct__str_eq(tier, w->f->tier)))
		return 0;
	if ((err = ct__std_at(w->tr, s, t, &u)) < 0)
		return err;
	ct__rs_free(&u.rs);
	if (s->is_public) {
		sum->registered[level]++;
		sum->valid[level] += u.verdict == CT_VALID;
		sum->suspect[level] += u.verdict == CT_SUSPECT;
		if (u.verdict == CT_VALID && level == CT_LEVEL_DISTRICT)
			add_district(sum, district);
	}
	if (u.verdict != CT_VALID)
		return 0;
	sum->any_valid++;
	if (!ct_hmap_get(&w->categories[j], s->category.p, s->category.n)) {
		if ((err = ct_hmap_put(&w->categories[j], s->category.p, s->category.n, (void *)1)) < 0)
			return err;
		sum->items++;
	}
	return 0;
}

static int count_standard(void *ctx, const char *id, size_t id_len)
{
	struct std_scan *w = ctx;
	struct ct__std *s;
	size_t j;
	int err;

	if ((err = ct__std_get(w->tr, id, id_len, &s)) < 0)
		return err;
	if (s->reg != CT__REG_OK && s->reg != CT__REG_CONFLICT)
		return 0;
	for (j = 0; j < w->ntimes; j++)
		if ((err = count_at(w, s, j)) < 0)
			return err;
	return 0;
}

int ct__standards_summary(ct_tracer *tr, const uint64_t *times, size_t ntimes, const ct_coverage_filter *f,
			  ct_coverage *cov)
{
	struct std_scan w = {tr, times, ntimes, f, cov, NULL};
	size_t j;
	int err;

	if ((err = read_districts(tr, times, ntimes, cov)) < 0)
		return err;
	if (!(w.categories = calloc(ntimes, sizeof(*w.categories))))
		return ct_error_set(CT_ENOMEM, "out of memory counting standards");
	tr->detail = false;
	err = ct_read_ids(tr->r, CT_NS_STANDARD, count_standard, &w);
	for (j = 0; j < ntimes; j++)
		ct_hmap_free(&w.categories[j], NULL);
	free(w.categories);
	return err;
}
