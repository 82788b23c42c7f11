/*
 * What makes a link invalid beyond the metrology rules (docs/DESIGN.md section
 * 6, last paragraph): cycles, conflicting registrations, forked authors;
 * and an instrument's registration, retirement and time travel.
 */
#include "trace_fixture.h"

/* ---- cycles ---- */

/*
 * S1 and S2, both anchored; S1 calibrated with S2 (its anchor), then S2
 * calibrated with S1 (that calibration): S2's chain passes through S2.
 */
static void test_cycle(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t a2[32], c1[32], c2[32];

	fx_open_policy(&f, 1, 0); /* equal uncertainties: only the cycle may fail */
	fx_base_init(&f, &b, false);
	fx_standard(&f, b.city, "S1", "mass", "working", false, FX_REL(10), NULL);
	fx_standard(&f, b.city, "S2", "mass", "working", false, FX_REL(10), NULL);
	fx_anchor(&f, "S1", "2024-01-01", "2027-12-31", NULL);
	fx_anchor(&f, "S2", "2024-01-01", "2027-12-31", a2);
	fx_cal1(&f, b.city, "S1", true, "comparison", "S2", a2, "2024-06-01", "2027-12-31", c1);
	fx_cal1(&f, b.city, "S2", true, "comparison", "S1", c1, "2024-09-01", "2027-12-31", c2);
	fx_instrument(&f, b.city, "I-A", "mass", "North", "Lab", NULL, NULL, FX_REL(1000));
	fx_instrument(&f, b.city, "I-B", "mass", "North", "Lab", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, b.city, "I-A", false, "calibration", "S2", c2, "2025-01-01", "2025-12-31", NULL);
	fx_cal1(&f, b.city, "I-B", false, "calibration", "S1", c1, "2025-01-01", "2025-12-31", NULL);
	fx_expect(&f, "I-A", "2025-06-01", CT_INVALID, CT_R_CYCLE);
	fx_expect(&f, "I-B", "2025-06-01", CT_VALID, -1);
	fx_expect_ns(&f, CT_NS_STANDARD, "S2", "2025-06-01", CT_INVALID, CT_R_CYCLE);
	fx_expect_ns(&f, CT_NS_STANDARD, "S1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

/* A standard relied on to calibrate itself. */
static void test_self_calibration_is_a_cycle(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t self[32];

	fx_open_policy(&f, 1, 0);
	fx_base_init(&f, &b, false);
	fx_cal1(&f, b.city, "M1", true, "calibration", "M1", b.anchor, "2025-02-01", "2026-01-31", self);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", self, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_CYCLE);
	fx_close(&f);
}

/* ---- conflicting registrations ---- */

static void test_instrument_conflict(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;
	const ct_trace_reason *r;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 2);
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_instrument(&f, other, "SCALE-1", "mass", "South", "Another owner", "scale-trade", "trade",
		      FX_REL(1000));
	r = fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_CONFLICT);
	assert_int_equal(r->nentries, 2);
	fx_close(&f);
}

static void test_identical_registrations_agree(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 2);
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_instrument(&f, other, "SCALE-1", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_standard(&f, other, "M1", "mass", "municipal", true, FX_REL(2), NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

static void test_standard_conflict(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 2);
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_standard(&f, other, "M1", "mass", "municipal", true, FX_REL(50), NULL);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_CONFLICT);
	fx_close(&f);
}

/* ---- forked authors ---- */

/* Stores a second, different entry at the author's last seq: a fork proof. */
static void fork_feed(struct fx *f, const ct_keypair *kp)
{
	ct_buf body = CT_BUF_INIT, raw = CT_BUF_INIT;
	ct_ingest_result res = CT_INGEST_APPENDED;
	ct_feed_head head, prev;
	json_t *o = json_pack("{s:s, s:s}", "id", "whatever", "effective", "2025-01-01");

	fx_commit(f);
	CT_OK_OR_FAIL(ct_batch_begin(&f->b, f->l));
	CT_OK_OR_FAIL(ct_read_head(&head, ct_batch_reader(f->b), ct_keypair_public(kp)));
	CT_OK_OR_FAIL(ct_body_from_json(&body, CT_EV_INSTRUMENT_RETIRE, o));
	json_decref(o);
	/* the twin of entry head.size: same seq and prev, other body */
	memset(&prev, 0, sizeof(prev));
	if (head.size > 1) {
		ct_entry e;
		CT_OK_OR_FAIL(ct_read_entry(&e, ct_batch_reader(f->b), ct_keypair_public(kp), head.size));
		memcpy(prev.head, e.prev, 32);
	}
	CT_OK_OR_FAIL(ct_entry_build(&raw, kp, head.size, head.size > 1 ? prev.head : NULL, f->clock++,
				     "instrument.retire", body.ptr, body.len));
	CT_OK_OR_FAIL(ct_batch_ingest(f->b, raw.ptr, raw.len, CT_INGEST_SIG_CHECKED, &res));
	assert_int_equal(res, CT_INGEST_FORK);
	fx_commit(f);
	ct_buf_free(&body);
	ct_buf_free(&raw);
}

static void test_forked_author(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *lab;

	fx_base_open(&f, &b, false);
	lab = fx_key(&f, 2);
	fx_admit(&f, lab, "Two-faced lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_instrument(&f, lab, "SCALE-F", "mass", "South", "Shop", NULL, NULL, FX_REL(1000)); /* seq 1 */
	fx_cal1(&f, lab, "SCALE-F", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL); /* 2 */
	fx_cal1(&f, lab, "SCALE-F", false, "calibration", "M1", b.anchor, "2025-05-01", "2026-04-30",
		NULL); /* 3 */
	fx_expect(&f, "SCALE-F", "2025-06-01", CT_VALID, -1);
	fork_feed(&f, lab); /* a twin of seq 3: the lab is untrusted from seq 3 on */
	fx_expect(&f, "SCALE-F", "2025-06-01", CT_INVALID, CT_R_FORKED_AUTHOR);
	fx_expect(&f, "SCALE-F", "2025-04-01", CT_VALID, -1); /* seq 2, before the fork, still stands */
	fx_close(&f);
}

static void test_forked_registration(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *lab;

	fx_base_open(&f, &b, false);
	lab = fx_key(&f, 2);
	fx_admit(&f, lab, "Two-faced lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_instrument(&f, lab, "SCALE-F", "mass", "South", "Shop", NULL, NULL, FX_REL(1000));
	fork_feed(&f, lab);
	fx_expect(&f, "SCALE-F", "2025-06-01", CT_INVALID, CT_R_FORKED_AUTHOR);
	fx_close(&f);
}

/* ---- registration, retirement ---- */

static void test_unregistered_instrument(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, false);
	fx_cal1(&f, b.city, "NOBODY", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28", NULL);
	fx_expect(&f, "NOBODY", "2025-06-01", CT_INVALID, CT_R_UNREGISTERED);
	fx_expect(&f, "NEVER-HEARD-OF", "2025-06-01", CT_INVALID, CT_R_UNREGISTERED);
	fx_close(&f);
}

static void test_retired(void **state)
{
	struct fx f;
	struct fx_base b;

	fx_base_open(&f, &b, true);
	fx_retire(&f, b.city, "SCALE-1", "2025-05-01");
	fx_expect(&f, "SCALE-1", "2025-04-30", CT_VALID, -1);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_RETIRED);
	fx_close(&f);
}

/* At the last millisecond there is (2^64 - 1), an instrument never retired is not said retired. */
static void test_not_retired_at_the_end_of_time(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_verdict v = CT_VALID;
	uint64_t mask = 0;

	fx_base_open(&f, &b, true);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_trace_verdict(tr, CT_NS_INSTRUMENT, "SCALE-1", 7, UINT64_MAX, &v, &mask));
	assert_int_equal(v, CT_INVALID); /* its verification ran out long before */
	assert_false(mask & (1ULL << CT_R_RETIRED));
	assert_true(mask & (1ULL << CT_R_EXPIRED));
	ct_tracer_free(tr);
	ct_reader_end(r);
	/* once retired, it is retired then too */
	fx_retire(&f, b.city, "SCALE-1", "2025-05-01");
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_trace_verdict(tr, CT_NS_INSTRUMENT, "SCALE-1", 7, UINT64_MAX, &v, &mask));
	assert_true(mask & (1ULL << CT_R_RETIRED));
	ct_tracer_free(tr);
	ct_reader_end(r);
	fx_close(&f);
}

static void test_retired_by_another_lab_ignored(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 2);
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_retire(&f, other, "SCALE-1", "2025-05-01");
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	fx_close(&f);
}

/* ---- time travel ---- */

/* Traceable on the day it was used, whatever happened to its standard afterwards. */
static void test_time_travel(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t later[32];

	fx_base_open(&f, &b, true);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2026-03-01", "2027-02-28",
		later);
	fx_expect(&f, "SCALE-1", "2019-01-01", CT_INVALID, CT_R_NO_CALIBRATION);
	fx_expect(&f, "SCALE-1", "2025-06-01", CT_VALID, -1);
	/* verified 2026-03-01 citing an anchor that ran out 2026-01-09: a gap, from then on only */
	fx_expect(&f, "SCALE-1", "2026-02-15", CT_VALID, -1);
	fx_expect(&f, "SCALE-1", "2026-06-01", CT_INVALID, CT_R_GAP);
	fx_expect(&f, "SCALE-1", "2099-01-01", CT_INVALID, CT_R_EXPIRED); /* the future */
	fx_close(&f);
}

/* The shared memo must not leak one subject's judgement into another's. */
static void test_memo_shared_across_subjects(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_verdict v;
	const char *ids[] = {"SCALE-1", "SCALE-2", "SCALE-1", "M1", "SCALE-2"};
	const ct_verdict want[] = {CT_VALID, CT_INVALID, CT_VALID, CT_VALID, CT_INVALID};
	size_t i;

	fx_base_open(&f, &b, true);
	fx_instrument(&f, b.city, "SCALE-2", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	fx_cal1(&f, b.city, "SCALE-2", false, "calibration", "M1", b.anchor, "2025-03-01", "2026-02-28",
		NULL);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char ns = strcmp(ids[i], "M1") == 0 ? CT_NS_STANDARD : CT_NS_INSTRUMENT;
		CT_OK_OR_FAIL(
		    ct_trace_verdict(tr, ns, ids[i], strlen(ids[i]), fx_ms("2025-06-01"), &v, NULL));
		assert_int_equal(v, want[i]);
	}
	ct_tracer_free(tr);
	ct_reader_end(r);
	fx_close(&f);
}

static void test_reason_names_round_trip(void **state)
{
	int i;

	for (i = 0; i < CT_R__COUNT; i++) {
		assert_non_null(ct_reason_name((ct_reason)i));
		assert_int_equal(ct_reason_from_name(ct_reason_name((ct_reason)i)), i);
	}
	assert_null(ct_reason_name(CT_R__COUNT));
	assert_int_equal(ct_reason_from_name("no-such-reason"), -1);
	assert_int_equal(ct_reason_severity(CT_R_INCOMPARABLE), CT_VALID);
	assert_int_equal(ct_reason_severity(CT_R_OUT_OF_TOLERANCE), CT_SUSPECT);
	assert_int_equal(ct_reason_severity(CT_R_CYCLE), CT_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cycle),
	    cmocka_unit_test(test_self_calibration_is_a_cycle),
	    cmocka_unit_test(test_instrument_conflict),
	    cmocka_unit_test(test_identical_registrations_agree),
	    cmocka_unit_test(test_standard_conflict),
	    cmocka_unit_test(test_forked_author),
	    cmocka_unit_test(test_forked_registration),
	    cmocka_unit_test(test_unregistered_instrument),
	    cmocka_unit_test(test_retired),
	    cmocka_unit_test(test_retired_by_another_lab_ignored),
	    cmocka_unit_test(test_not_retired_at_the_end_of_time),
	    cmocka_unit_test(test_time_travel),
	    cmocka_unit_test(test_memo_shared_across_subjects),
	    cmocka_unit_test(test_reason_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
