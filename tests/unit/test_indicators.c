/*
 * The plan's indicators (core/eval/indicators.c, docs/DOMAIN.md): each
 * one's value from the coverage it is read off, judged against its 2016
 * and 2020 targets by integer arithmetic exactly at the boundaries, "no
 * data" when there is nothing to divide by; and the report around them:
 * coverage at the ends of the twelve months before the report date's month
 * and at the date, the network's name and the state digest.
 */
#include <jansson.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/indicators.h"
#include "ct_store_test.h"

/* A coverage at one time as the indicators read it. */
struct city {
	ct_coverage now, domains;
	ct_coverage_group groups[3];
};

static void city(struct city *c)
{
	memset(c, 0, sizeof(*c));
	c->now.standards.valid[CT_LEVEL_MUNICIPAL] = 100;
	c->now.standards.valid[CT_LEVEL_DISTRICT] = 140;
	c->now.standards.ndistricts = 7;
	c->now.standards.items = 409;
	c->now.total.registered = 10000;
	c->now.total.valid = 9500;
	c->now.total.compulsory = 8000;
	c->now.total.compulsory_valid = 7599;
	c->groups[0] = (ct_coverage_group){"environment", {.compulsory = 100, .compulsory_valid = 99}};
	c->groups[1] = (ct_coverage_group){"medical", {.compulsory = 300, .compulsory_valid = 281}};
	c->groups[2] = (ct_coverage_group){"trade", {.compulsory = 5000, .compulsory_valid = 1}};
	c->domains.groups = c->groups;
	c->domains.ngroups = 3;
}

static void same(const ct_indicator *in, uint64_t num, uint64_t den, uint64_t t16, uint64_t t20,
		 ct_indicator_status status)
{
	if (in->num != num || in->den != den || in->target_2016 != t16 || in->target_2020 != t20 ||
	    in->status != status)
		fail_msg("%s: %llu/%llu targets %llu %llu status %d; expected %llu/%llu %llu %llu %d",
			 in->name, (unsigned long long)in->num, (unsigned long long)in->den,
			 (unsigned long long)in->target_2016, (unsigned long long)in->target_2020, in->status,
			 (unsigned long long)num, (unsigned long long)den, (unsigned long long)t16,
			 (unsigned long long)t20, status);
}

/* Each indicator reads the right counts and carries the plan's targets. */
static void test_values_and_targets(void **state)
{
	struct city c;
	ct_indicator ind[CT_INDICATORS];

	city(&c);
	ct_indicators_compute(ind, &c.now, &c.domains);
	same(&ind[0], 100, 1, 10000, 12000, CT_IND_MEETS_2016); /* 100 municipal standards: 2016's 100 */
	same(&ind[1], 140, 7, 2000, 2500, CT_IND_MEETS_2016);	/* 20.00 per district: 2016's 20 */
	same(&ind[2], 409, 1, 0, 41000, CT_IND_BELOW);		/* 409 items, 410 wanted */
	same(&ind[3], 9500, 10000, 0, 9500, CT_IND_MEETS_2020); /* exactly 95.00% */
	same(&ind[4], 7599, 8000, 0, 9500, CT_IND_BELOW);	/* 94.9875% */
	same(&ind[5], 99 + 281, 100 + 300, 0, 9500, CT_IND_MEETS_2020); /* medical + environment only: 95% */
	assert_string_equal(ind[3].unit, "%");
	assert_string_equal(ind[0].unit, "");
	assert_string_equal(ind[3].name, "traceability-system coverage");
}

/* One more or one fewer moves an indicator across its target. */
static void test_boundaries(void **state)
{
	struct city c;
	ct_indicator ind[CT_INDICATORS];

	city(&c);
	c.now.standards.valid[CT_LEVEL_MUNICIPAL] = 120;
	c.now.standards.valid[CT_LEVEL_DISTRICT] = 139; /* 19.857 per district */
	c.now.standards.items = 410;
	c.now.total.valid = 9499;
	c.groups[1].counts.compulsory_valid = 280; /* 379 of 400: 94.75% */
	ct_indicators_compute(ind, &c.now, &c.domains);
	assert_int_equal(ind[0].status, CT_IND_MEETS_2020);
	assert_int_equal(ind[1].status, CT_IND_BELOW);
	assert_int_equal(ind[2].status, CT_IND_MEETS_2020);
	assert_int_equal(ind[3].status, CT_IND_BELOW);
	assert_int_equal(ind[5].status, CT_IND_BELOW);
	c.now.standards.valid[CT_LEVEL_MUNICIPAL] = 99;
	c.now.standards.valid[CT_LEVEL_DISTRICT] = 175; /* 25.00 */
	ct_indicators_compute(ind, &c.now, &c.domains);
	assert_int_equal(ind[0].status, CT_IND_BELOW);
	assert_int_equal(ind[1].status, CT_IND_MEETS_2020);
}

/* Nothing to divide by is no data, not a failure; a city without medical or environment groups too. */
static void test_no_data(void **state)
{
	ct_coverage now, domains;
	ct_indicator ind[CT_INDICATORS];
	int i;

	memset(&now, 0, sizeof(now));
	memset(&domains, 0, sizeof(domains));
	ct_indicators_compute(ind, &now, &domains);
	assert_int_equal(ind[0].status, CT_IND_BELOW); /* a count of 0 is a value */
	assert_int_equal(ind[2].status, CT_IND_BELOW);
	for (i = 1; i < CT_INDICATORS; i++)
		if (i != 2)
			assert_int_equal(ind[i].status, CT_IND_NO_DATA);
	assert_string_equal(ct_indicator_status_name(CT_IND_NO_DATA), "no data");
	assert_string_equal(ct_indicator_status_name(CT_IND_BELOW), "below target");
	assert_string_equal(ct_indicator_status_name(CT_IND_MEETS_2016), "meets the 2016 target");
	assert_string_equal(ct_indicator_status_name(CT_IND_MEETS_2020), "meets the 2020 target");
}

/* The comparison does not overflow with the largest counts, and a target of 0 is never met. */
static void test_meets_large(void **state)
{
	ct_indicator in = {"x", "%", UINT64_MAX, UINT64_MAX, 0, 10000, CT_IND_BELOW};

	assert_true(ct_indicator_meets(&in, 10000)); /* 100% */
	assert_false(ct_indicator_meets(&in, 10001));
	in.num = UINT64_MAX - 1;
	assert_false(ct_indicator_meets(&in, 10000));
	assert_true(ct_indicator_meets(&in, 9999));
	assert_false(ct_indicator_meets(&in, 0));
	in.unit = "";
	in.den = 1;
	assert_true(ct_indicator_meets(&in, UINT64_MAX)); /* a count far above any target */
}

/* The report: twelve month ends, then the date; the indicators at the date; name and digest. */
static void test_report(void **state)
{
	ts_store s;
	ct_keypair *bureau = ct_test_keypair(1), *lab = ct_test_keypair(2);
	uint64_t at = ts_day(165) + 10 * 3600000ULL; /* 2026-06-15T10:00Z */
	uint8_t digest[32];
	ct_indicator ind[CT_INDICATORS];
	ct_report rep;
	ct_reader *r = NULL;
	char when[40];
	size_t i;

	ts_open(&s, NULL);
	ts_append_ok(
	    s.l, bureau, ts_day(0), NULL, "network.genesis",
	    "{'name':'Report City','districts':['north','south'],'policy':{'min_ratio':3,'grace_days':0}}");
	ts_append_ok(s.l, bureau, ts_day(0) + 1, NULL, "org.admit",
		     "{'key':'%s','name':'Lab','tier':'city','district':'north','scope':['mass'],"
		     "'valid_from':%llu,'valid_until':%llu}",
		     ts_key(lab), (unsigned long long)ts_day(0), (unsigned long long)ts_day(1000));
	ts_append_ok(s.l, lab, ts_day(40), NULL, "instrument.register",
		     "{'id':'A-1','category':'mass','district':'south','owner':'o','mpe':{'rel_ppm':1000}}");
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_report_compute(&rep, r, at));
	assert_string_equal(rep.network, "Report City");
	CT_OK_OR_FAIL(ct_read_digest(digest, r));
	assert_string_equal(rep.digest, ts_hex(digest));
	assert_int_equal(rep.nseries, CT_REPORT_MONTHS + 1);
	assert_int_equal(rep.series[CT_REPORT_MONTHS].at, at);
	static const char *const ends[CT_REPORT_MONTHS] = {
	    "2025-06-30T23:59:59.999Z", "2025-07-31T23:59:59.999Z", "2025-08-31T23:59:59.999Z",
	    "2025-09-30T23:59:59.999Z", "2025-10-31T23:59:59.999Z", "2025-11-30T23:59:59.999Z",
	    "2025-12-31T23:59:59.999Z", "2026-01-31T23:59:59.999Z", "2026-02-28T23:59:59.999Z",
	    "2026-03-31T23:59:59.999Z", "2026-04-30T23:59:59.999Z", "2026-05-31T23:59:59.999Z"};
	for (i = 0; i < CT_REPORT_MONTHS; i++) {
		uint64_t want = 0;
		CT_OK_OR_FAIL(ct_time_parse(&want, ends[i]));
		if (rep.series[i].at != want) {
			ct_time_format(when, sizeof(when), rep.series[i].at);
			fail_msg("month %zu ends at %s, expected %s", i, when, ends[i]);
		}
	}
	/* registered on day 40 (2026-02-10): counted from the February month end on, by district */
	assert_int_equal(rep.series[6].total.registered, 0);
	assert_int_equal(rep.series[8].total.registered, 1);
	assert_non_null(ct_coverage_group_counts(&rep.series[CT_REPORT_MONTHS], "south"));
	assert_null(ct_coverage_group_counts(&rep.series[CT_REPORT_MONTHS], "west"));
	assert_int_equal(ct_coverage_group_counts(&rep.series[CT_REPORT_MONTHS], "south")->registered, 1);
	ct_indicators_compute(ind, &rep.series[CT_REPORT_MONTHS], rep.domains);
	assert_memory_equal(ind, rep.ind, sizeof(ind));
	assert_int_equal(rep.ind[3].den, 1);
	assert_int_equal(rep.ind[3].num, 0); /* never calibrated */
	ct_report_free(&rep);
	ct_reader_end(r);
	ts_close(&s);
	ct_keypair_free(bureau);
	ct_keypair_free(lab);
}

/* A store without a genesis: an error naming what could not be computed. */
static void test_report_no_genesis(void **state)
{
	ts_store s;
	ct_reader *r = NULL;
	ct_report rep;

	ts_open(&s, NULL);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	assert_true(ct_report_compute(&rep, r, ts_day(10)) < 0);
	TS_DETAIL_HAS("cannot compute coverage");
	ct_report_free(&rep);
	ct_reader_end(r);
	ts_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_and_targets),
	    cmocka_unit_test(test_boundaries),
	    cmocka_unit_test(test_no_data),
	    cmocka_unit_test(test_meets_large),
	    cmocka_unit_test(test_report),
	    cmocka_unit_test(test_report_no_genesis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
