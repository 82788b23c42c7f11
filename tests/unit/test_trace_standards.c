/*
 * Rules 4 and 5 of docs/DESIGN.md section 6 and the suspect verdict: each
 * standard a calibration relied on is registered, approved when public,
 * valid itself at the time of use, accurate enough, and its chain ends at
 * an anchor; a standard used while declared out of tolerance makes the
 * chain suspect. One passing and one failing scenario per rule.
 */
#include "trace_fixture.h"

static const uint8_t nowhere[32] = {0xde, 0xad, 0xbe, 0xef, 1,	2,  3,	4,  5,	6,
				    7,	  8,	9,    10,   11, 12, 13, 14, 15, 16};

/* ---- registered ---- */

static void test_unregistered_standard(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "GHOST", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_UNREGISTERED);
	fx_close(&f);
}

/* ---- approved when public ---- */

static void test_public_standard_not_approved(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t a2[32], a3[32];

	fx_base_open(&f, &b, false);
	fx_standard(&f, b.city, "M2", "mass", "municipal", true, FX_REL(2), NULL);
	fx_anchor(&f, "M2", "2025-01-10", "2026-01-09", a2);
	fx_standard(&f, b.city, "W3", "mass", "working", false, FX_REL(2), NULL);
	fx_anchor(&f, "W3", "2025-01-10", "2026-01-09", a3);
	fx_instrument(&f, b.city, "SCALE-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M2", a2, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(&f, b.city, "SCALE-2", false, "verification", "W3", a3, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_STANDARD_NOT_APPROVED);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_VALID, -1); /* not public: no examination needed */
	fx_close(&f);
}

static void test_approval_lapsed_at_use(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t a2[32];

	fx_base_open(&f, &b, true);
	fx_standard(&f, b.city, "M2", "mass", "municipal", true, FX_REL(2), NULL);
	fx_approve(&f, "M2", "2021-01-01", "2025-02-01");
	fx_anchor(&f, "M2", "2025-01-10", "2026-01-09", a2);
	fx_instrument(&f, b.city, "SCALE-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "SCALE-2", false, "verification", "M2", a2, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_INVALID, CT_R_STANDARD_NOT_APPROVED);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1); /* M1's approval runs to 2028 */
	fx_close(&f);
}

/* ---- valid itself at the time of use (recursively) ---- */

/* M1 (anchor) -> D1 (district institute) -> SCALE-2: three levels, two labs. */
static void district_chain(struct fx *f, struct fx_base *b, const char *technician, uint8_t d1cal[32])
{
	ct_keypair *dist = fx_key(f, 2);
	struct fx_ref ref = {"M1", b->anchor};

	fx_admit(f, dist, "South institute", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_standard(f, dist, "D1", "mass", "district", true, FX_REL(20), NULL);
	fx_approve(f, "D1", "2024-01-01", "2028-12-31");
	fx_cal(f, b->city, "D1", true, "calibration", &ref, 1, "2025-02-01", "2026-01-31", "pass", technician,
	       d1cal);
	fx_instrument(f, dist, "SCALE-2", "mass", "South", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(f, dist, "SCALE-2", false, "verification", "D1", d1cal, "2025-03-01", "2026-02-28", NULL);
}

static void test_three_level_chain_valid(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t d1cal[32];
	ct_trace_node *t;

	fx_base_open(&f, &b, false);
	district_chain(&f, &b, NULL, d1cal);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_VALID, -1);
	t = fx_trace(&f, CT_NS_INSTRUMENT, "SCALE-2", "2025-06-01");
	/* instrument -> verification -> D1 -> D1's calibration -> M1 -> anchor */
	assert_int_equal(t->nchildren, 1);
	assert_int_equal(t->children[0]->kind, CT_NODE_CALIBRATION);
	assert_string_equal(t->children[0]->children[0]->id, "D1");
	assert_memory_equal(t->children[0]->children[0]->children[0]->entry, d1cal, 32);
	assert_string_equal(t->children[0]->children[0]->children[0]->children[0]->id, "M1");
	assert_int_equal(t->children[0]->children[0]->children[0]->children[0]->children[0]->kind,
			 CT_NODE_ANCHOR);
	assert_memory_equal(t->children[0]->children[0]->children[0]->children[0]->children[0]->entry,
			    b.anchor, 32);
	ct_trace_free(t);
	fx_close(&f);
}

static void test_standard_not_traceable(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t d1cal[32];
	const ct_trace_reason *r;

	fx_base_open(&f, &b, false);
	district_chain(&f, &b, "RM-NOBODY", d1cal); /* D1's calibration signed by an uncertified person */
	r = fx_expect(&f, "SCALE-2", "2025-06-01", CT_INVALID, CT_R_STANDARD_NOT_TRACEABLE);
	assert_memory_equal(r->entries[0], d1cal, 32);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_INVALID,
		  CT_R_TECHNICIAN_UNQUALIFIED); /* the cause, below */
	fx_close(&f);
}

static void test_gap_between_certificates(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2026-02-01", "2027-01-31",
		NULL);
	fx_expect(&f, "SCALE-1", "2026-03-01", CT_INVALID, CT_R_GAP);
	fx_close(&f);
}

static void test_renewed_anchor_closes_gap(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t renewed[32];

	fx_base_open(&f, &b, false);
	fx_anchor(&f, "M1", "2026-01-05", "2027-01-04", renewed);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", renewed, "2026-02-01", "2027-01-31",
		NULL);
	fx_expect(&f, "SCALE-1", "2026-03-01", CT_VALID, -1);
	fx_close(&f);
}

/* Relying on an expired certificate while a renewed one existed: the record cites the wrong one. */
static void test_stale_link_expired(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_anchor(&f, "M1", "2026-01-05", "2027-01-04", NULL);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2026-02-01", "2027-01-31",
		NULL);
	fx_expect(&f, "SCALE-1", "2026-03-01", CT_INVALID, CT_R_EXPIRED);
	fx_close(&f);
}

static void test_standard_failed_before_use(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;
	uint8_t a0[32], failed[32];

	fx_base_open(&f, &b, true);
	fx_standard(&f, b.city, "M0", "mass", "municipal", false, FX_REL(1), NULL);
	fx_anchor(&f, "M0", "2025-01-01", "2026-12-31", a0);
	ref.id = "M0";
	ref.cal = a0;
	fx_cal(&f, b.city, "M1", true, "calibration", &ref, 1, "2025-04-01", "2026-03-31", "fail", NULL,
	       failed);
	fx_instrument(&f, b.city, "SCALE-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "SCALE-2", false, "verification", "M1", b.anchor, "2025-05-01", "2026-04-30",
		NULL);
	assert_memory_equal(fx_expect(&f, "SCALE-2", "2025-06-01", CT_INVALID, CT_R_FAILED)->entries[0],
			    failed, 32);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1); /* verified before M1 failed */
	fx_close(&f);
}

static void test_wrong_link(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t a2[32], d1cal[32];

	fx_base_open(&f, &b, false);
	fx_standard(&f, b.city, "M2", "mass", "municipal", false, FX_REL(2), NULL);
	fx_anchor(&f, "M2", "2025-01-10", "2026-01-09", a2);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", a2, "2025-03-01", "2026-02-28", NULL);
	assert_memory_equal(fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_WRONG_LINK)->entries[0],
			    a2, 32);
	/* a calibration performed after the use it is cited for */
	district_chain(&f, &b, NULL, d1cal);
	fx_instrument(&f, b.city, "SCALE-3", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "SCALE-3", false, "verification", "D1", d1cal, "2025-01-20", "2026-01-19", NULL);
	fx_expect(&f, "SCALE-3", "2025-06-01", CT_INVALID, CT_R_WRONG_LINK);
	fx_close(&f);
}

static void test_missing_entry(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", nowhere, "2025-03-01", "2026-02-28",
		NULL);
	assert_memory_equal(
	    fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_MISSING_ENTRY)->entries[0], nowhere, 32);
	fx_close(&f);
}

/* ---- accurate enough: u x min_ratio <= what it calibrates ---- */

static void ratio_case(struct fx *f, struct fx_base *b, const char *std, json_t *u, const char *inst,
		       json_t *mpe)
{
	uint8_t a[32];

	fx_standard(f, b->city, std, "mass", "working", false, u, NULL);
	fx_anchor(f, std, "2025-01-10", "2026-01-09", a);
	fx_instrument(f, b->city, inst, "mass", "North", "Lab", NULL, NULL, mpe);
	fx_cal1(f, b->city, inst, false, "calibration", std, a, "2025-03-01", "2026-02-28", NULL);
}

static void test_ratio_relative(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	ratio_case(&f, &b, "W-400", FX_REL(400), "I-1000-A", FX_REL(1000)); /* 1200 > 1000 */
	ratio_case(&f, &b, "W-334", FX_REL(334), "I-1000-B", FX_REL(1000)); /* 1002 > 1000 */
	ratio_case(&f, &b, "W-333", FX_REL(333), "I-1000-C", FX_REL(1000)); /* 999 <= 1000 */
	ratio_case(&f, &b, "W-333B", FX_REL(333), "I-999", FX_REL(999));    /* equality passes */
	fx_expect(&f, "I-1000-A", "2025-06-01", CT_INVALID, CT_R_RATIO);
	fx_expect(&f, "I-1000-B", "2025-06-01", CT_INVALID, CT_R_RATIO);
	fx_expect(&f, "I-1000-C", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "I-999", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_ratio_absolute_exact(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	ratio_case(&f, &b, "T-05", FX_ABS("0.05", "°C"), "TH-1", FX_ABS("0.1", "°C"));	   /* 0.15 > 0.1 */
	ratio_case(&f, &b, "T-0333", FX_ABS("0.0333", "°C"), "TH-2", FX_ABS("0.1", "°C")); /* 0.0999 <= 0.1 */
	ratio_case(&f, &b, "T-03", FX_ABS("0.03", "°C"), "TH-3", FX_ABS("0.090", "°C"));   /* 0.09 == 0.090 */
	ratio_case(&f, &b, "T-1", FX_ABS("1", "g"), "BIG", FX_ABS("12345678901234567890.5", "g"));
	ratio_case(&f, &b, "T-X", FX_ABS("4115226300411522630.2", "g"), "BIG-2",
		   FX_ABS("12345678901234567890.5", "g"));
	fx_expect(&f, "TH-1", "2025-06-01", CT_INVALID, CT_R_RATIO);
	fx_expect(&f, "TH-2", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "TH-3", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "BIG", "2025-06-01", CT_VALID, -1);
	/* 4115226300411522630.2 x 3 = 12345678901234567890.6 > ...890.5: beyond double precision */
	fx_expect(&f, "BIG-2", "2025-06-01", CT_INVALID, CT_R_RATIO);
	fx_close(&f);
}

static void test_ratio_follows_policy(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_open_policy(&f, 4, 0);
	fx_base_init(&f, &b, false);
	ratio_case(&f, &b, "W-300", FX_REL(300), "I-A", FX_REL(1000)); /* 1200 > 1000 with 4:1 */
	ratio_case(&f, &b, "W-250", FX_REL(250), "I-B", FX_REL(1000)); /* 1000 <= 1000 */
	fx_expect(&f, "I-A", "2025-06-01", CT_INVALID, CT_R_RATIO);
	fx_expect(&f, "I-B", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

/* Incomparable quantities are flagged, and the verdict stays valid. */
static void test_incomparable_is_a_warning(void **state)
{
	struct fx f;
	struct fx_base b;
	const ct_trace_reason *r;

	fx_base_open(&f, &b, false);
	ratio_case(&f, &b, "W-REL", FX_REL(10), "TH-ABS", FX_ABS("0.1", "°C"));
	ratio_case(&f, &b, "W-K", FX_ABS("0.01", "K"), "TH-C", FX_ABS("0.1", "°C"));
	r = fx_expect(&f, "TH-ABS", "2025-06-01", CT_VALID, CT_R_INCOMPARABLE);
	assert_true(r->warning);
	fx_expect(&f, "TH-C", "2025-06-01", CT_VALID, CT_R_INCOMPARABLE);
	fx_close(&f);
}

/* ---- rule 5: the chain ends at an anchor valid at that time ---- */

static void test_standard_root_is_its_anchor(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_trace_node *t;

	fx_base_open(&f, &b, false);
	fx_expect_ns(&f, CT_NS_STANDARD, "M1", "2025-06-01", CT_VALID, -1);
	t = fx_trace(&f, CT_NS_STANDARD, "M1", "2025-06-01");
	assert_int_equal(t->kind, CT_NODE_STANDARD);
	assert_int_equal(t->nchildren, 1);
	assert_int_equal(t->children[0]->kind, CT_NODE_ANCHOR);
	assert_int_equal(t->children[0]->nchildren, 0);
	ct_trace_free(t);
	fx_close(&f);
}

static void test_standard_without_anchor_or_calibration(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_standard(&f, b.city, "LONELY", "mass", "working", false, FX_REL(2), NULL);
	fx_expect_ns(&f, CT_NS_STANDARD, "LONELY", "2025-06-01", CT_INVALID, CT_R_NO_CALIBRATION);
	fx_expect_ns(&f, CT_NS_STANDARD, "M1", "2024-06-01", CT_INVALID,
		     CT_R_NO_CALIBRATION); /* before its anchor */
	fx_expect_ns(&f, CT_NS_STANDARD, "M1", "2026-06-01", CT_INVALID, CT_R_EXPIRED); /* after it */
	fx_close(&f);
}

/* ---- suspect: a standard used while declared out of tolerance ---- */

static void test_out_of_tolerance_suspect(void **state)
{
	struct fx f;
	struct fx_base b;
	const ct_trace_reason *r;
	uint8_t d1cal[32];

	fx_base_open(&f, &b, true);
	district_chain(&f, &b, NULL, d1cal); /* D1 calibrated with M1 on 2025-02-01 */
	fx_oot(&f, b.city, "M1", "2025-02-15");
	r = fx_expect(&f, "SCALE-1", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE); /* used 2025-03-01 */
	assert_false(r->warning);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_VALID, -1); /* through D1, calibrated before since */
	fx_close(&f);
}

static void test_out_of_tolerance_transitive(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t d1cal[32];

	fx_base_open(&f, &b, false);
	district_chain(&f, &b, NULL, d1cal);
	fx_oot(&f, b.city, "M1", "2025-01-20");
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_expect_ns(&f, CT_NS_STANDARD, "D1", "2025-06-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_close(&f);
}

static void test_out_of_tolerance_ignored_when_not_owner(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 3);
	fx_admit(&f, other, "Rival lab", "district", "East", "mass", "2020-01-01", "2030-12-31");
	fx_oot(&f, other, "M1", "2025-02-15");
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_out_of_tolerance_ends_at_recalibration(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t renewed[32];

	fx_base_open(&f, &b, true);
	fx_oot(&f, b.city, "M1", "2025-02-15");
	fx_anchor(&f, "M1", "2025-05-01", "2026-04-30", renewed);
	fx_instrument(&f, b.city, "SCALE-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "SCALE-2", false, "verification", "M1", renewed, "2025-06-01", "2026-05-31",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-07-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_expect(&f, "SCALE-2", "2025-07-01", CT_VALID, -1);
	fx_close(&f);
}

/* Invalid dominates suspect; several standards, each judged. */
static void test_several_standards(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref refs[2];
	uint8_t a2[32];
	ct_trace_node *t;

	fx_base_open(&f, &b, false);
	fx_standard(&f, b.city, "M2", "mass", "municipal", true, FX_REL(2), NULL); /* never approved */
	fx_anchor(&f, "M2", "2025-01-10", "2026-01-09", a2);
	fx_oot(&f, b.city, "M1", "2025-02-15");
	refs[0].id = "M1";
	refs[0].cal = b.anchor;
	refs[1].id = "M2";
	refs[1].cal = a2;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", refs, 2, "2025-03-01", "2026-02-28", "pass",
	       NULL, NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_STANDARD_NOT_APPROVED);
	t = fx_trace(&f, CT_NS_INSTRUMENT, "SCALE-1", "2025-06-01");
	assert_int_equal(t->children[0]->nchildren, 2);
	assert_int_equal(t->children[0]->children[0]->verdict, CT_SUSPECT);
	assert_int_equal(t->children[0]->children[1]->verdict, CT_INVALID);
	ct_trace_free(t);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unregistered_standard),
	    cmocka_unit_test(test_public_standard_not_approved),
	    cmocka_unit_test(test_approval_lapsed_at_use),
	    cmocka_unit_test(test_three_level_chain_valid),
	    cmocka_unit_test(test_standard_not_traceable),
	    cmocka_unit_test(test_gap_between_certificates),
	    cmocka_unit_test(test_renewed_anchor_closes_gap),
	    cmocka_unit_test(test_stale_link_expired),
	    cmocka_unit_test(test_standard_failed_before_use),
	    cmocka_unit_test(test_wrong_link),
	    cmocka_unit_test(test_missing_entry),
	    cmocka_unit_test(test_ratio_relative),
	    cmocka_unit_test(test_ratio_absolute_exact),
	    cmocka_unit_test(test_ratio_follows_policy),
	    cmocka_unit_test(test_incomparable_is_a_warning),
	    cmocka_unit_test(test_standard_root_is_its_anchor),
	    cmocka_unit_test(test_standard_without_anchor_or_calibration),
	    cmocka_unit_test(test_out_of_tolerance_suspect),
	    cmocka_unit_test(test_out_of_tolerance_transitive),
	    cmocka_unit_test(test_out_of_tolerance_ignored_when_not_owner),
	    cmocka_unit_test(test_out_of_tolerance_ends_at_recalibration),
	    cmocka_unit_test(test_several_standards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
