/*
 * Reverse traceability across three levels and two labs: the municipal
 * standard M1 (city institute) calibrated the district standard D1 (South
 * institute), which calibrated the working standard W1; instruments hang
 * off each level. After M1 is declared out of tolerance, impact(M1, since)
 * lists exactly what relied on it from then on, and those chains turn
 * suspect.
 */
#include "trace_fixture.h"

struct city3 {
	struct fx f;
	struct fx_base b;
	ct_keypair *dist;
	uint8_t d1old[32], d1[32], w1[32];
	uint8_t i_city[32], i_d[32], i_w[32], i_old[32], i_d_old[32], i_other[32];
};

static void city3_open(struct city3 *c)
{
	struct fx *f = &c->f;
	uint8_t a2[32];

	fx_base_open(f, &c->b, false);
	c->dist = fx_key(f, 2);
	fx_admit(f, c->dist, "South institute", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_standard(f, c->dist, "D1", "mass", "district", false, FX_REL(20), NULL);
	fx_standard(f, c->dist, "W1", "mass", "working", false, FX_REL(100), NULL);
	fx_standard(f, c->b.city, "M2", "mass", "municipal", false, FX_REL(2), NULL);
	fx_anchor(f, "M2", "2025-01-10", "2026-01-09", a2);
	/* level 2: D1 calibrated with M1 by the city, before and after the OOT date */
	fx_cal1(f, c->b.city, "D1", true, "calibration", "M1", c->b.anchor, "2025-01-15", "2026-01-14",
		c->d1old);
	fx_cal1(f, c->b.city, "D1", true, "calibration", "M1", c->b.anchor, "2025-02-10", "2026-02-09",
		c->d1);
	/* level 3: W1 calibrated with D1 by the district */
	fx_cal1(f, c->dist, "W1", true, "calibration", "D1", c->d1, "2025-03-01", "2026-02-28", c->w1);
	fx_instrument(f, c->b.city, "I-CITY", "mass", "North", "Market", NULL, NULL, FX_REL(1000));
	fx_instrument(f, c->b.city, "I-OLD", "mass", "North", "Market", NULL, NULL, FX_REL(1000));
	fx_instrument(f, c->b.city, "I-OTHER", "mass", "North", "Market", NULL, NULL, FX_REL(1000));
	fx_instrument(f, c->dist, "I-D", "mass", "South", "Mill", NULL, NULL, FX_REL(1000));
	fx_instrument(f, c->dist, "I-W", "mass", "South", "Mill", NULL, NULL, FX_REL(1000));
	fx_instrument(f, c->dist, "I-D-OLD", "mass", "South", "Mill", NULL, NULL, FX_REL(1000));
	fx_cal1(f, c->b.city, "I-CITY", false, "calibration", "M1", c->b.anchor, "2025-03-10", "2026-03-09",
		c->i_city);
	fx_cal1(f, c->b.city, "I-OLD", false, "calibration", "M1", c->b.anchor, "2025-01-20", "2026-01-19",
		c->i_old);
	fx_cal1(f, c->b.city, "I-OTHER", false, "calibration", "M2", a2, "2025-03-10", "2026-03-09",
		c->i_other);
	fx_cal1(f, c->dist, "I-D", false, "calibration", "D1", c->d1, "2025-04-01", "2026-03-31", c->i_d);
	fx_cal1(f, c->dist, "I-W", false, "calibration", "W1", c->w1, "2025-04-02", "2026-04-01", c->i_w);
	fx_cal1(f, c->dist, "I-D-OLD", false, "calibration", "D1", c->d1old, "2025-02-05", "2026-02-04",
		c->i_d_old);
}

static ct_impact *impact(struct fx *f, const char *std, const char *since)
{
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_impact *im = NULL;

	fx_commit(f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_impact_of(&im, tr, std, strlen(std), fx_ms(since)));
	ct_tracer_free(tr);
	ct_reader_end(r);
	return im;
}

static void expect_item(const ct_impact_item *it, char kind, const char *id, const char *via, unsigned depth,
			const uint8_t *cal, const char *district, const char *lab)
{
	assert_int_equal(it->kind, kind);
	assert_string_equal(it->id, id);
	assert_string_equal(it->via, via);
	assert_int_equal(it->depth, depth);
	assert_memory_equal(it->calibration, cal, 32);
	assert_string_equal(it->district, district);
	assert_string_equal(it->lab_name, lab);
}

static void test_impact_three_levels_two_labs(void **state)
{
	struct city3 c;
	ct_impact *im;

	city3_open(&c);
	fx_oot(&c.f, c.b.city, "M1", "2025-02-01");
	im = impact(&c.f, "M1", "2025-02-01");
	assert_int_equal(im->count, 5);
	assert_int_equal(im->standards, 2);
	assert_int_equal(im->instruments, 3);
	/* by district, then lab, standards before instruments */
	expect_item(&im->items[0], CT_NS_INSTRUMENT, "I-CITY", "M1", 1, c.i_city, "North", "City institute");
	expect_item(&im->items[1], CT_NS_STANDARD, "D1", "M1", 1, c.d1, "South", "City institute");
	expect_item(&im->items[2], CT_NS_STANDARD, "W1", "D1", 2, c.w1, "South", "South institute");
	expect_item(&im->items[3], CT_NS_INSTRUMENT, "I-D", "D1", 2, c.i_d, "South", "South institute");
	expect_item(&im->items[4], CT_NS_INSTRUMENT, "I-W", "W1", 3, c.i_w, "South", "South institute");
	assert_memory_equal(im->items[4].lab, ct_keypair_public(c.dist), 32);
	ct_impact_free(im);

	/* the listed chains turn suspect; what relied on M1 before since, or on M2, does not */
	fx_expect(&c.f, "I-CITY", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_expect(&c.f, "I-D", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_expect(&c.f, "I-W", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_expect_ns(&c.f, CT_NS_STANDARD, "W1", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_expect(&c.f, "I-OLD", "2025-06-01", CT_VALID, -1);
	fx_expect(&c.f, "I-D-OLD", "2025-06-01", CT_VALID, -1);
	fx_expect(&c.f, "I-OTHER", "2025-06-01", CT_VALID, -1);
	fx_close(&c.f);
}

static void test_impact_since_start_lists_everything_linked(void **state)
{
	struct city3 c;
	ct_impact *im;
	size_t i;
	bool old = false, d_old = false, other = false;

	city3_open(&c);
	im = impact(&c.f, "M1", "1970-01-01");
	assert_int_equal(im->count, 8); /* + D1's old calibration, I-OLD, I-D-OLD */
	for (i = 0; i < im->count; i++) {
		old |= strcmp(im->items[i].id, "I-OLD") == 0;
		d_old |= strcmp(im->items[i].id, "I-D-OLD") == 0 &&
			 memcmp(im->items[i].calibration, c.i_d_old, 32) == 0;
		other |= strcmp(im->items[i].id, "I-OTHER") == 0;
	}
	assert_true(old && d_old && !other);
	ct_impact_free(im);
	fx_close(&c.f);
}

/* From the middle of the chain: D1 reaches W1 and the instruments below it only. */
static void test_impact_from_middle(void **state)
{
	struct city3 c;
	ct_impact *im;

	city3_open(&c);
	im = impact(&c.f, "D1", "2025-03-01");
	assert_int_equal(im->count, 3);
	expect_item(&im->items[0], CT_NS_STANDARD, "W1", "D1", 1, c.w1, "South", "South institute");
	expect_item(&im->items[1], CT_NS_INSTRUMENT, "I-D", "D1", 1, c.i_d, "South", "South institute");
	expect_item(&im->items[2], CT_NS_INSTRUMENT, "I-W", "W1", 2, c.i_w, "South", "South institute");
	ct_impact_free(im);
	im = impact(&c.f, "I-D", "1970-01-01"); /* not a standard: nothing relied on it */
	assert_int_equal(im->count, 0);
	ct_impact_free(im);
	fx_close(&c.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_impact_three_levels_two_labs),
	    cmocka_unit_test(test_impact_since_start_lists_everything_linked),
	    cmocka_unit_test(test_impact_from_middle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
