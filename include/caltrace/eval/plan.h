/*
 * caltrace/eval/plan.h - the city against the metrology plan's targets
 * (docs/DOMAIN.md, "The plan's targets"): the six indicators caltrace can
 * compute, each with its 2016 and 2020 targets, and the numbers behind
 * them (coverage by district at the end of each of the last twelve months
 * and at the date asked, coverage by domain at that date). `caltrace
 * report` and the web dashboard show the same figures from here.
 */
#ifndef CALTRACE_EVAL_PLAN_H
#define CALTRACE_EVAL_PLAN_H

#include "caltrace/eval/coverage.h"

#define CT_PLAN_MONTHS	   12 /* months of the trend before the date asked */
#define CT_PLAN_INDICATORS 6
#define CT_PLAN_RATE_TARGET 9500 /* the 2020 target of every rate: 95.00%, in hundredths of a percent */
#define CT_PLAN_DISTRICT_STANDARDS 25 /* the 2020 target of district standards per district */

/* One indicator: value = num / den (den 1 for a count). */
typedef struct ct_indicator {
	const char *name;     /* English, e.g. "traceability-system coverage" */
	const char *unit;     /* "%" for a rate, "" for a count or an average */
	uint64_t num, den;
	uint64_t target_2016; /* in hundredths (of a percent, or of a count); 0: none */
	uint64_t target_2020;
	int status; /* 2 meets the 2020 target, 1 the 2016 one only, 0 below, -1 nothing to judge */
} ct_indicator;

typedef struct ct_plan_report {
	uint64_t at;
	ct_coverage *series; /* CT_PLAN_MONTHS + 1 times, grouped by district; the last is `at` */
	size_t nseries;
	ct_coverage *domains; /* at `at`, grouped by domain */
	ct_indicator ind[CT_PLAN_INDICATORS];
} ct_plan_report;

/*
 * Computes the report at time at over snapshot r, with threads as in
 * ct_coverage_query. Free with ct_plan_report_free.
 * Errors: those of ct_coverage_compute.
 */
int ct_plan_report_compute(ct_plan_report **out, ct_reader *r, uint64_t at, unsigned threads);

/* Frees a report; accepts NULL. */
void ct_plan_report_free(ct_plan_report *p);

/* The counts of one group key (a district) in c, or NULL when it has none. */
const ct_coverage_counts *ct_coverage_group_counts(const ct_coverage *c, const char *key);

/* "meets the 2020 target", "meets the 2016 target", "below target", "no data". */
const char *ct_indicator_status_name(int status);

/* An indicator's value as text: "95.12%", "0.33", "112"; "-" when there is nothing to judge. */
const char *ct_indicator_value(char out[32], const ct_indicator *in);

/* A target (in hundredths) as text: ">= 95%", "120"; "-" for none. */
const char *ct_indicator_target(char out[32], const ct_indicator *in, uint64_t hundredths);

/* Whether num / den meets a rate target in hundredths of a percent (false when den is 0). */
bool ct_rate_meets(uint64_t num, uint64_t den, uint64_t hundredths);

#endif
