/*
 * Coverage and due lists against a small city whose answers are counted by
 * hand below (docs/DESIGN.md section 7).
 *
 * Labs: CITY (city, North), DIST (district, South), ENT (enterprise, East).
 * Standards: M1 mass, M2 pressure (municipal, public, approved, anchored);
 * D1, D3 (district, public, approved) and D2 (district, public, NOT
 * approved), calibrated by CITY with M1; D3 declared out of tolerance since
 * 2025-03-15; W1 (working, not public, owned by DIST) calibrated with D1.
 *
 * Instruments at t = 2025-06-01:
 *   id   district category  catalogue     owner    calibrated with        verdict   compulsory
 *   N-1  North    mass      scale-trade   Market   CITY verif. M1         valid     yes
 *   N-2  North    mass      scale-trade   Market   never                  invalid   yes  (no-calibration)
 *   N-3  North    pressure  gauge-safety  Mine     CITY verif. M2         valid     yes
 *   N-4  North    mass      -             Bakery   CITY cal. M1 to 05-20  invalid   no   (expired)
 *   S-1  South    mass      scale-trade   Market   DIST verif. D1         valid     yes
 *   S-2  South    mass      scale-trade   Shop     DIST cal. D1           invalid   yes
 * (verification-required) S-3  South    mass      -             Mill     DIST cal. D2           invalid   no
 * (standard-not-approved) S-4  South    mass      scale-trade   Market   DIST verif. D3 04-01   suspect   yes
 * (out-of-tolerance) E-1  East     mass      scale-trade   Factory  ENT verif. W1          invalid   yes
 * (lab-tier) E-2  East     mass      -             Factory  ENT cal. W1 to 06-20   valid     no E-3  retired
 * 2025-05-01; E-4 registered only on 2025-07-01: not counted.
 *
 * Totals: registered 10, valid 4, suspect 1, invalid 5; compulsory 7, of
 * which valid 3 (N-1, N-3, S-1) and suspect 1 (S-4).
 */
#include "trace_fixture.h"

#include "caltrace/eval/coverage.h"

static uint8_t city_d1[32]; /* D1's calibration, for tests that add to the city */

static void build_city(struct fx *f)
{
	ct_keypair *city, *dist, *ent;
	uint8_t m1[32], m2[32], d1[32], d2[32], d3[32], w1[32];

	fx_open(f);
	city = fx_key(f, 1);
	dist = fx_key(f, 2);
	ent = fx_key(f, 3);
	fx_admit(f, city, "City institute", "city", "North", "mass,pressure", "2020-01-01", "2030-12-31");
	fx_admit(f, dist, "South institute", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_admit(f, ent, "Factory lab", "enterprise", "East", "mass", "2020-01-01", "2030-12-31");
	fx_catalogue(f, "scale-trade", "V", "trade", "2020-01-01");
	fx_catalogue(f, "gauge-safety", "V", "safety", "2020-01-01");

	fx_standard(f, city, "M1", "mass", "municipal", true, FX_REL(2), NULL);
	fx_standard(f, city, "M2", "pressure", "municipal", true, FX_REL(2), NULL);
	fx_standard(f, dist, "D1", "mass", "district", true, FX_REL(20), NULL);
	fx_standard(f, dist, "D2", "mass", "district", true, FX_REL(20), NULL);
	fx_standard(f, dist, "D3", "mass", "district", true, FX_REL(20), NULL);
	fx_standard(f, dist, "W1", "mass", "working", false, FX_REL(100), NULL);
	fx_approve(f, "M1", "2024-01-01", "2028-12-31");
	fx_approve(f, "M2", "2024-01-01", "2028-12-31");
	fx_approve(f, "D1", "2024-01-01", "2028-12-31");
	fx_approve(f, "D3", "2024-01-01", "2028-12-31");
	fx_anchor(f, "M1", "2025-01-10", "2026-01-09", m1);
	fx_anchor(f, "M2", "2025-01-10", "2026-01-09", m2);
	fx_cal1(f, city, "D1", true, "calibration", "M1", m1, "2025-02-01", "2026-01-31", d1);
	fx_cal1(f, city, "D2", true, "calibration", "M1", m1, "2025-02-01", "2026-01-31", d2);
	fx_cal1(f, city, "D3", true, "calibration", "M1", m1, "2025-02-01", "2026-01-31", d3);
	fx_cal1(f, dist, "W1", true, "calibration", "D1", d1, "2025-02-15", "2026-02-14", w1);
	memcpy(city_d1, d1, 32);
	fx_oot(f, dist, "D3", "2025-03-15");

	fx_instrument(f, city, "N-1", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_instrument(f, city, "N-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_instrument(f, city, "N-3", "pressure", "North", "Mine", "gauge-safety", "safety", FX_REL(1000));
	fx_instrument(f, city, "N-4", "mass", "North", "Bakery", NULL, NULL, FX_REL(1000));
	fx_instrument(f, dist, "S-1", "mass", "South", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_instrument(f, dist, "S-2", "mass", "South", "Shop", "scale-trade", "trade", FX_REL(1000));
	fx_instrument(f, dist, "S-3", "mass", "South", "Mill", NULL, NULL, FX_REL(1000));
	fx_instrument(f, dist, "S-4", "mass", "South", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_instrument(f, ent, "E-1", "mass", "East", "Factory", "scale-trade", "trade", FX_REL(1000));
	fx_instrument(f, ent, "E-2", "mass", "East", "Factory", NULL, NULL, FX_REL(1000));
	fx_instrument(f, ent, "E-3", "mass", "East", "Factory", NULL, NULL, FX_REL(1000));
	fx_retire(f, ent, "E-3", "2025-05-01");

	fx_cal1(f, city, "N-1", false, "verification", "M1", m1, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(f, city, "N-3", false, "verification", "M2", m2, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(f, city, "N-4", false, "calibration", "M1", m1, "2025-01-20", "2025-05-20", NULL);
	fx_cal1(f, dist, "S-1", false, "verification", "D1", d1, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(f, dist, "S-2", false, "calibration", "D1", d1, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(f, dist, "S-3", false, "calibration", "D2", d2, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(f, dist, "S-4", false, "verification", "D3", d3, "2025-04-01", "2026-03-31", NULL);
	fx_cal1(f, ent, "E-1", false, "verification", "W1", w1, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(f, ent, "E-2", false, "calibration", "W1", w1, "2025-03-01", "2025-06-20", NULL);
	f->clock = fx_ms("2025-07-01");
	fx_instrument(f, ent, "E-4", "mass", "East", "Factory", NULL, NULL, FX_REL(1000));
	fx_commit(f);
}

static ct_coverage *coverage(struct fx *f, const char *const *dates, size_t n, ct_group_by by,
			     const ct_coverage_filter *filter, unsigned threads)
{
	ct_coverage_query q;
	ct_coverage *cov = NULL;
	ct_reader *r = NULL;
	uint64_t times[16];
	size_t i;

	memset(&q, 0, sizeof(q));
	if (filter)
		q.filter = *filter;
	q.by = by;
	q.threads = threads;
	for (i = 0; i < n; i++)
		times[i] = fx_ms(dates[i]);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, times, n, &q));
	ct_reader_end(r);
	return cov;
}

static const char *const june[] = {"2025-06-01"};

static void expect_counts(const ct_coverage_counts *c, uint64_t registered, uint64_t valid, uint64_t suspect,
			  uint64_t compulsory, uint64_t compulsory_valid, uint64_t compulsory_suspect)
{
	assert_int_equal(c->registered, registered);
	assert_int_equal(c->valid, valid);
	assert_int_equal(c->suspect, suspect);
	assert_int_equal(c->invalid, registered - valid - suspect);
	assert_int_equal(c->compulsory, compulsory);
	assert_int_equal(c->compulsory_valid, compulsory_valid);
	assert_int_equal(c->compulsory_suspect, compulsory_suspect);
}

static const ct_coverage_counts *group(const ct_coverage *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].key, key) == 0)
			return &c->groups[i].counts;
	fail_msg("no group '%s'", key);
	return NULL;
}

static void test_totals_and_reasons(void **state)
{
	struct fx f;
	ct_coverage *c;

	build_city(&f);
	c = coverage(&f, june, 1, CT_BY_NONE, NULL, 1);
	expect_counts(&c->total, 10, 4, 1, 7, 3, 1);
	assert_int_equal(c->ngroups, 0);
	assert_int_equal(c->total.reasons[CT_R_NO_CALIBRATION], 1);
	assert_int_equal(c->total.reasons[CT_R_EXPIRED], 1);
	assert_int_equal(c->total.reasons[CT_R_VERIFICATION_REQUIRED], 1);
	assert_int_equal(c->total.reasons[CT_R_STANDARD_NOT_APPROVED], 1);
	assert_int_equal(c->total.reasons[CT_R_LAB_TIER], 1);
	assert_int_equal(c->total.reasons[CT_R_OUT_OF_TOLERANCE], 1);
	assert_int_equal(c->total.reasons[CT_R_GAP], 0);
	ct_coverage_free(c, 1);
	fx_close(&f);
}

static void test_groups(void **state)
{
	struct fx f;
	ct_coverage *c;

	build_city(&f);
	c = coverage(&f, june, 1, CT_BY_DISTRICT, NULL, 1);
	assert_int_equal(c->ngroups, 3);
	assert_string_equal(c->groups[0].key, "East"); /* sorted */
	expect_counts(group(c, "East"), 2, 1, 0, 1, 0, 0);
	expect_counts(group(c, "North"), 4, 2, 0, 3, 2, 0);
	expect_counts(group(c, "South"), 4, 1, 1, 3, 1, 1);
	ct_coverage_free(c, 1);

	c = coverage(&f, june, 1, CT_BY_TIER, NULL, 1);
	assert_int_equal(c->ngroups, 3);
	expect_counts(group(c, "city"), 4, 2, 0, 3, 2, 0);
	expect_counts(group(c, "district"), 4, 1, 1, 3, 1, 1);
	expect_counts(group(c, "enterprise"), 2, 1, 0, 1, 0, 0);
	ct_coverage_free(c, 1);

	c = coverage(&f, june, 1, CT_BY_CATALOGUE, NULL, 1);
	assert_int_equal(c->ngroups, 3);
	expect_counts(group(c, ""), 3, 1, 0, 0, 0, 0);
	expect_counts(group(c, "gauge-safety"), 1, 1, 0, 1, 1, 0);
	expect_counts(group(c, "scale-trade"), 6, 2, 1, 6, 2, 1);
	ct_coverage_free(c, 1);

	c = coverage(&f, june, 1, CT_BY_CATEGORY, NULL, 1);
	assert_int_equal(c->ngroups, 2);
	expect_counts(group(c, "mass"), 9, 3, 1, 6, 2, 1);
	expect_counts(group(c, "pressure"), 1, 1, 0, 1, 1, 0);
	ct_coverage_free(c, 1);

	c = coverage(&f, june, 1, CT_BY_DOMAIN, NULL, 1);
	assert_int_equal(c->ngroups, 3);
	expect_counts(group(c, ""), 3, 1, 0, 0, 0, 0);
	expect_counts(group(c, "safety"), 1, 1, 0, 1, 1, 0);
	expect_counts(group(c, "trade"), 6, 2, 1, 6, 2, 1);
	ct_coverage_free(c, 1);

	c = coverage(&f, june, 1, CT_BY_OWNER, NULL, 1);
	assert_int_equal(c->ngroups, 6);
	expect_counts(group(c, "Market"), 4, 2, 1, 4, 2, 1);
	expect_counts(group(c, "Factory"), 2, 1, 0, 1, 0, 0);
	expect_counts(group(c, "Bakery"), 1, 0, 0, 0, 0, 0);
	ct_coverage_free(c, 1);
	fx_close(&f);
}

/*
 * By lab: the lab responsible at the date, the author of the calibration that governs the
 * instrument, else its registrant. X-1, filed by CITY and calibrated by DIST, counts for DIST;
 * N-2, never calibrated, for CITY, which filed it.
 */
static void test_group_by_lab(void **state)
{
	char city[65], dist[65], ent[65];
	struct fx f;
	ct_coverage *c;

	build_city(&f);
	f.clock = fx_ms("2025-01-01"); /* filed then, calibrated on 2025-03-01 */
	fx_instrument(&f, fx_key(&f, 1), "X-1", "mass", "North", "Bakery", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, fx_key(&f, 2), "X-1", false, "calibration", "D1", city_d1, "2025-03-01", "2026-02-28", NULL);
	fx_commit(&f);
	ct_key_hex(city, ct_keypair_public(fx_key(&f, 1)));
	ct_key_hex(dist, ct_keypair_public(fx_key(&f, 2)));
	ct_key_hex(ent, ct_keypair_public(fx_key(&f, 3)));
	c = coverage(&f, june, 1, CT_BY_LAB, NULL, 1);
	assert_int_equal(c->ngroups, 3);
	expect_counts(group(c, city), 4, 2, 0, 3, 2, 0);
	expect_counts(group(c, dist), 5, 2, 1, 3, 1, 1);
	expect_counts(group(c, ent), 2, 1, 0, 1, 0, 0);
	ct_coverage_free(c, 1);
	/* before X-1's calibration it is its registrant's */
	c = coverage(&f, (const char *const[]){"2025-02-20"}, 1, CT_BY_LAB, NULL, 1);
	assert_int_equal(group(c, city)->registered, 5);
	ct_coverage_free(c, 1);
	fx_close(&f);
}

static void test_filters(void **state)
{
	struct fx f;
	ct_coverage *c;
	ct_coverage_filter fl;

	build_city(&f);
	memset(&fl, 0, sizeof(fl));
	fl.district = "South";
	c = coverage(&f, june, 1, CT_BY_NONE, &fl, 1);
	expect_counts(&c->total, 4, 1, 1, 3, 1, 1);
	ct_coverage_free(c, 1);
	memset(&fl, 0, sizeof(fl));
	fl.tier = "enterprise";
	c = coverage(&f, june, 1, CT_BY_NONE, &fl, 1);
	expect_counts(&c->total, 2, 1, 0, 1, 0, 0);
	ct_coverage_free(c, 1);
	memset(&fl, 0, sizeof(fl));
	fl.catalogue = "scale-trade";
	fl.owner = "Market";
	c = coverage(&f, june, 1, CT_BY_DISTRICT, &fl, 1);
	expect_counts(&c->total, 4, 2, 1, 4, 2, 1); /* N-1, N-2, S-1, S-4 */
	expect_counts(group(c, "North"), 2, 1, 0, 2, 1, 0);
	ct_coverage_free(c, 1);
	memset(&fl, 0, sizeof(fl));
	fl.category = "pressure";
	c = coverage(&f, june, 1, CT_BY_NONE, &fl, 1);
	expect_counts(&c->total, 1, 1, 0, 1, 1, 0);
	assert_int_equal(c->standards.valid[CT_LEVEL_MUNICIPAL], 1); /* M2 only */
	ct_coverage_free(c, 1);
	fx_close(&f);
}

static void test_standards_summary(void **state)
{
	struct fx f;
	ct_coverage *c;
	const ct_standards_summary *s;

	build_city(&f);
	c = coverage(&f, june, 1, CT_BY_NONE, NULL, 1);
	s = &c->standards;
	assert_int_equal(s->registered[CT_LEVEL_MUNICIPAL], 2);
	assert_int_equal(s->registered[CT_LEVEL_DISTRICT], 3);
	assert_int_equal(s->registered[CT_LEVEL_WORKING], 0); /* W1 is not public */
	assert_int_equal(s->valid[CT_LEVEL_MUNICIPAL], 2);
	assert_int_equal(s->valid[CT_LEVEL_DISTRICT], 1); /* D1; D2 unapproved, D3 suspect */
	assert_int_equal(s->suspect[CT_LEVEL_DISTRICT], 1);
	assert_int_equal(s->any_valid, 4); /* M1, M2, D1, W1 */
	assert_int_equal(s->items, 2);	   /* mass, pressure */
	assert_int_equal(s->ndistricts, 3);
	assert_string_equal(s->districts[0].district, "North"); /* the genesis order */
	assert_string_equal(s->districts[1].district, "South");
	assert_int_equal(s->districts[0].valid, 0);
	assert_int_equal(s->districts[1].valid, 1);
	assert_int_equal(s->districts[2].valid, 0);
	ct_coverage_free(c, 1);
	fx_close(&f);
}

/* Before any calibration: all eleven then registered (E-3 not yet retired) are invalid. */
static void test_earlier_date(void **state)
{
	static const char *const jan[] = {"2025-01-01"};
	struct fx f;
	ct_coverage *c;

	build_city(&f);
	c = coverage(&f, jan, 1, CT_BY_NONE, NULL, 1);
	expect_counts(&c->total, 11, 0, 0, 7, 0, 0);
	assert_int_equal(c->total.reasons[CT_R_NO_CALIBRATION], 11);
	assert_int_equal(c->standards.any_valid, 0);
	ct_coverage_free(c, 1);
	fx_close(&f);
}

static void assert_same(const ct_coverage *a, const ct_coverage *b)
{
	size_t i, j;

	assert_int_equal(a->at, b->at);
	assert_memory_equal(&a->total, &b->total, sizeof(a->total));
	assert_int_equal(a->ngroups, b->ngroups);
	for (i = 0; i < a->ngroups; i++) {
		assert_string_equal(a->groups[i].key, b->groups[i].key);
		assert_memory_equal(&a->groups[i].counts, &b->groups[i].counts, sizeof(a->groups[i].counts));
	}
	assert_memory_equal(a->standards.registered, b->standards.registered,
			    sizeof(a->standards.registered));
	assert_memory_equal(a->standards.valid, b->standards.valid, sizeof(a->standards.valid));
	assert_int_equal(a->standards.items, b->standards.items);
	assert_int_equal(a->standards.ndistricts, b->standards.ndistricts);
	for (j = 0; j < a->standards.ndistricts; j++)
		assert_int_equal(a->standards.districts[j].valid, b->standards.districts[j].valid);
}

/* A series in one pass equals each time computed alone, with any number of threads. */
static void test_series_and_threads_agree(void **state)
{
	static const char *const dates[] = {"2025-01-01", "2025-02-28", "2025-03-31", "2025-04-30",
					    "2025-05-31", "2025-06-01", "2025-06-30", "2026-03-01"};
	const size_t n = sizeof(dates) / sizeof(dates[0]);
	struct fx f;
	ct_coverage *series, *one, *threaded;
	size_t i;

	build_city(&f);
	series = coverage(&f, dates, n, CT_BY_DISTRICT, NULL, 1);
	threaded = coverage(&f, dates, n, CT_BY_DISTRICT, NULL, 3);
	for (i = 0; i < n; i++) {
		one = coverage(&f, &dates[i], 1, CT_BY_DISTRICT, NULL, 2);
		assert_same(&series[i], one);
		assert_same(&series[i], &threaded[i]);
		ct_coverage_free(one, 1);
	}
	expect_counts(&series[5].total, 10, 4, 1, 7, 3, 1);
	ct_coverage_free(series, n);
	ct_coverage_free(threaded, n);
	fx_close(&f);
}

/* ---- due lists ---- */

static ct_due *due(struct fx *f, uint64_t within, bool overdue_only, const ct_keypair *lab,
		   const char *district)
{
	ct_due_query q;
	ct_due *d = NULL;
	ct_reader *r = NULL;

	memset(&q, 0, sizeof(q));
	q.at = fx_ms("2025-06-01");
	q.within_days = within;
	q.overdue_only = overdue_only;
	if (lab) {
		q.has_lab = true;
		memcpy(q.lab, ct_keypair_public(lab), 32);
	}
	q.district = district;
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_due_list(&d, r, &q));
	ct_reader_end(r);
	return d;
}

static void test_due_lists(void **state)
{
	struct fx f;
	ct_due *d;

	build_city(&f);
	d = due(&f, 30, false, NULL, NULL);
	assert_int_equal(d->count, 3);
	assert_string_equal(d->items[0].id, "N-2");
	assert_int_equal(d->items[0].state, CT_DUE_NEVER);
	assert_false(d->items[0].has_calibration);
	assert_memory_equal(d->items[0].lab, ct_keypair_public(fx_key(&f, 1)), 32); /* its registrant */
	assert_true(d->items[0].compulsory);
	assert_string_equal(d->items[1].id, "N-4");
	assert_int_equal(d->items[1].state, CT_DUE_OVERDUE);
	assert_int_equal(d->items[1].days, -12); /* valid until 2025-05-20 */
	assert_string_equal(d->items[2].id, "E-2");
	assert_int_equal(d->items[2].state, CT_DUE_SOON);
	assert_int_equal(d->items[2].days, 19); /* valid until 2025-06-20 */
	assert_string_equal(d->items[2].lab_name, "Factory lab");
	ct_due_free(d);

	d = due(&f, 10, false, NULL, NULL); /* E-2 is due in 19 days: outside a 10-day window */
	assert_int_equal(d->count, 2);
	ct_due_free(d);
	d = due(&f, 30, true, NULL, NULL);
	assert_int_equal(d->count, 2);
	ct_due_free(d);
	d = due(&f, 30, false, fx_key(&f, 3), NULL);
	assert_int_equal(d->count, 1);
	assert_string_equal(d->items[0].id, "E-2");
	ct_due_free(d);
	d = due(&f, 400, false, NULL, "South"); /* every South instrument runs out within 400 days */
	assert_int_equal(d->count, 4);
	ct_due_free(d);
	fx_close(&f);
}

static void test_group_by_names(void **state)
{
	assert_int_equal(ct_group_by_parse("district"), CT_BY_DISTRICT);
	assert_int_equal(ct_group_by_parse("owner"), CT_BY_OWNER);
	assert_int_equal(ct_group_by_parse("lab"), CT_BY_LAB);
	assert_string_equal(ct_group_by_name(CT_BY_LAB), "lab");
	assert_int_equal(ct_group_by_parse("planet"), -1);
	assert_string_equal(ct_group_by_name(CT_BY_TIER), "tier");
	assert_string_equal(ct_group_by_name(CT_BY_DOMAIN), "domain");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_totals_and_reasons),
	    cmocka_unit_test(test_groups),
	    cmocka_unit_test(test_group_by_lab),
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_standards_summary),
	    cmocka_unit_test(test_earlier_date),
	    cmocka_unit_test(test_series_and_threads_agree),
	    cmocka_unit_test(test_due_lists),
	    cmocka_unit_test(test_group_by_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
