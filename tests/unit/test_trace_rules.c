/*
 * Rules 1-3 of docs/DESIGN.md section 6, one scenario that passes and one that
 * fails (with its reason code) per rule: the instrument's own calibration,
 * the lab that did it, and the technician who signed it.
 */
#include "trace_fixture.h"

/* ---- rule 1: the latest calibration at or before t, not revoked, pass, t <= valid_until (+ grace) ---- */

static void test_valid_within_validity(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, true);
	fx_expect(&f, "SCALE-1", "2025-03-01", CT_VALID, -1); /* the day it was verified */
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "SCALE-1", "2026-02-28", CT_VALID, -1); /* t == valid_until still counts */
	fx_close(&f);
}

static void test_expired(void **state)
{
	struct fx f;
	struct fx_base b;
	const ct_trace_reason *r;

	fx_base_open(&f, &b, true);
	r = fx_expect(&f, "SCALE-1", "2026-03-10", CT_INVALID, CT_R_EXPIRED);
	assert_int_equal(r->nentries, 1);
	assert_memory_equal(r->entries[0], b.ver, 32);
	assert_non_null(strstr(r->detail, "2026-02-28"));
	fx_close(&f);
}

static void test_no_calibration_before_first(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, true);
	fx_expect(&f, "SCALE-1", "2025-02-28", CT_INVALID, CT_R_NO_CALIBRATION);
	fx_close(&f);
}

static void test_latest_failed(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;
	uint8_t failed[32];

	fx_base_open(&f, &b, true);
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-05-01", "2026-04-30", "fail",
	       NULL, failed);
	fx_expect(&f, "SCALE-1", "2025-04-30", CT_VALID, -1); /* before the failed one: the pass governs */
	assert_memory_equal(fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_FAILED)->entries[0],
			    failed, 32);
	fx_close(&f);
}

static void test_limited_counts_as_pass(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;

	fx_base_open(&f, &b, false);
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "limited",
	       NULL, NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_revoked_latest_falls_back(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t second[32];

	fx_base_open(&f, &b, true);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2025-04-01", "2025-04-02",
		second);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_EXPIRED); /* the short-lived latest governs */
	fx_revoke_cal(&f, b.city, second);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1); /* withdrawn: the earlier one governs again */
	fx_close(&f);
}

static void test_revoked_only_calibration(void **state)
{
	struct fx f;
	struct fx_base b;
	const ct_trace_reason *r;

	fx_base_open(&f, &b, true);
	fx_revoke_cal(&f, b.city, b.ver);
	r = fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_REVOKED_CALIBRATION);
	assert_int_equal(r->nentries, 2); /* the calibration and its revocation */
	assert_memory_equal(r->entries[0], b.ver, 32);
	fx_close(&f);
}

static void test_revoke_by_another_lab_ignored(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 2);
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_revoke_cal(&f, other, b.ver);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_grace_days(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_open_policy(&f, 3, 30);
	fx_base_init(&f, &b, true);
	fx_expect(&f, "SCALE-1", "2026-03-20", CT_VALID, -1);		  /* 20 days after valid_until */
	fx_expect(&f, "SCALE-1", "2026-03-31", CT_INVALID, CT_R_EXPIRED); /* 31 days after */
	fx_close(&f);
}

/* Two calibrations performed at the same instant: the larger entry hash is the later one. */
static void test_tie_broken_by_hash(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;
	uint8_t pass[32], fail[32];
	bool fail_wins;

	fx_base_open(&f, &b, false);
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "pass",
	       NULL, pass);
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "fail",
	       NULL, fail);
	fail_wins = memcmp(fail, pass, 32) > 0;
	fx_expect(&f, "SCALE-1", "2025-06-01", fail_wins ? CT_INVALID : CT_VALID,
		  fail_wins ? CT_R_FAILED : -1);
	fx_close(&f);
}

/* ---- rule 2: the lab admitted at performed_at, not revoked, in scope; tier and kind for compulsory ---- */

static void test_lab_not_admitted(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *late;

	fx_base_open(&f, &b, true);
	late = fx_key(&f, 2);
	fx_admit(&f, late, "Late lab", "district", "South", "mass", "2025-06-01", "2030-12-31");
	fx_instrument(&f, late, "SCALE-2", "mass", "South", "Shop", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, late, "SCALE-2", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-2", "2025-08-01", CT_INVALID, CT_R_LAB_NOT_ADMITTED);
	fx_cal1(&f, late, "SCALE-2", false, "calibration", "M1", b.anchor, "2025-07-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-2", "2025-08-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_lab_revoked_before(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, true);
	fx_revoke_org(&f, b.city, "2025-02-01");
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_LAB_REVOKED);
	fx_close(&f);
}

static void test_lab_revoked_after_keeps_earlier_work(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, true);
	fx_revoke_org(&f, b.city, "2025-04-01");
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_lab_readmitted_after_revocation(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_revoke_org(&f, b.city, "2024-06-01");
	fx_admit(&f, b.city, "City institute", "city", "North", "mass", "2025-01-01", "2030-12-31");
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_lab_out_of_scope(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *pressure;

	fx_base_open(&f, &b, true);
	pressure = fx_key(&f, 2);
	fx_admit(&f, pressure, "Pressure lab", "district", "South", "pressure", "2020-01-01", "2030-12-31");
	fx_instrument(&f, pressure, "SCALE-2", "mass", "South", "Shop", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, pressure, "SCALE-2", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_INVALID, CT_R_LAB_OUT_OF_SCOPE);
	fx_instrument(&f, pressure, "GAUGE-1", "pressure", "South", "Shop", NULL, NULL, FX_REL(1000));
	/* a mass standard for a pressure gauge is odd, but the rule judged here is the lab's scope */
	fx_cal1(&f, pressure, "GAUGE-1", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_expect(&f, "GAUGE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_lab_tier_for_compulsory(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *ent;

	fx_base_open(&f, &b, false);
	ent = fx_key(&f, 2);
	fx_admit(&f, ent, "Factory lab", "enterprise", "East", "mass", "2020-01-01", "2030-12-31");
	fx_cal1(&f, ent, "SCALE-1", false, "verification", "M1", b.anchor, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_LAB_TIER);
	/* the same lab may calibrate an instrument outside the catalogue */
	fx_instrument(&f, ent, "SCALE-F", "mass", "East", "Factory", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, ent, "SCALE-F", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-F", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_verification_required(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_cal1(&f, b.city, "SCALE-1", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_VERIFICATION_REQUIRED);
	fx_close(&f);
}

/* Not compulsory: another domain than the item's, a P-mode item, or no catalogue item. */
static void test_calibration_enough_when_not_compulsory(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_catalogue(&f, "pattern-only", "P", "trade", "2020-01-01");
	fx_instrument(&f, b.city, "S-SAFETY", "mass", "North", "Mine", "scale-trade", "safety", FX_REL(1000));
	fx_instrument(&f, b.city, "S-P", "mass", "North", "Shop", "pattern-only", "trade", FX_REL(1000));
	fx_instrument(&f, b.city, "S-FREE", "mass", "North", "Lab", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, b.city, "S-SAFETY", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_cal1(&f, b.city, "S-P", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28", NULL);
	fx_cal1(&f, b.city, "S-FREE", false, "comparison", "M1", b.anchor, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "S-SAFETY", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "S-P", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "S-FREE", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

/* The catalogue is versioned: an item that turns compulsory later demands a verification from then on. */
static void test_catalogue_version_at_t(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_catalogue(&f, "meter", "P", "trade", "2020-01-01");
	fx_catalogue(&f, "meter", "V", "trade", "2025-07-01");
	fx_instrument(&f, b.city, "METER-1", "mass", "North", "Shop", "meter", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "METER-1", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_expect(&f, "METER-1", "2025-06-01", CT_VALID, -1);
	fx_expect(&f, "METER-1", "2025-08-01", CT_INVALID, CT_R_VERIFICATION_REQUIRED);
	fx_close(&f);
}

/* ---- rule 3: a named technician held a certification covering the category ---- */

static void test_technician_certified(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;

	fx_base_open(&f, &b, false);
	fx_certify(&f, "RM-001", "mass,length", "2027-12-31");
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "pass",
	       "RM-001", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_technician_uncertified(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;

	fx_base_open(&f, &b, false);
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "pass",
	       "RM-404", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_TECHNICIAN_UNQUALIFIED);
	fx_close(&f);
}

static void test_technician_wrong_scope_or_lapsed(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;

	fx_base_open(&f, &b, false);
	fx_certify(&f, "RM-P", "pressure", "2027-12-31");
	fx_certify(&f, "RM-OLD", "mass", "2024-12-31");
	fx_instrument(&f, b.city, "SCALE-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "pass",
	       "RM-P", NULL);
	fx_cal(&f, b.city, "SCALE-2", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "pass",
	       "RM-OLD", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_TECHNICIAN_UNQUALIFIED);
	fx_expect(&f, "SCALE-2", "2025-06-01", CT_INVALID, CT_R_TECHNICIAN_UNQUALIFIED);
	fx_close(&f);
}

/* A certification counts from when the bureau wrote it (its entry time). */
static void test_technician_certified_later(void **state)
{
	struct fx f;
	struct fx_base b;
	struct fx_ref ref;

	fx_base_open(&f, &b, false);
	f.clock = fx_ms("2025-05-01");
	fx_certify(&f, "RM-NEW", "mass", "2027-12-31");
	ref.id = "M1";
	ref.cal = b.anchor;
	fx_cal(&f, b.city, "SCALE-1", false, "verification", &ref, 1, "2025-03-01", "2026-02-28", "pass",
	       "RM-NEW", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_TECHNICIAN_UNQUALIFIED);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_within_validity),
	    cmocka_unit_test(test_expired),
	    cmocka_unit_test(test_no_calibration_before_first),
	    cmocka_unit_test(test_latest_failed),
	    cmocka_unit_test(test_limited_counts_as_pass),
	    cmocka_unit_test(test_revoked_latest_falls_back),
	    cmocka_unit_test(test_revoked_only_calibration),
	    cmocka_unit_test(test_revoke_by_another_lab_ignored),
	    cmocka_unit_test(test_grace_days),
	    cmocka_unit_test(test_tie_broken_by_hash),
	    cmocka_unit_test(test_lab_not_admitted),
	    cmocka_unit_test(test_lab_revoked_before),
	    cmocka_unit_test(test_lab_revoked_after_keeps_earlier_work),
	    cmocka_unit_test(test_lab_readmitted_after_revocation),
	    cmocka_unit_test(test_lab_out_of_scope),
	    cmocka_unit_test(test_lab_tier_for_compulsory),
	    cmocka_unit_test(test_verification_required),
	    cmocka_unit_test(test_calibration_enough_when_not_compulsory),
	    cmocka_unit_test(test_catalogue_version_at_t),
	    cmocka_unit_test(test_technician_certified),
	    cmocka_unit_test(test_technician_uncertified),
	    cmocka_unit_test(test_technician_wrong_scope_or_lapsed),
	    cmocka_unit_test(test_technician_certified_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
