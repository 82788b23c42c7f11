/*
 * caltrace/eval/indicators.h - the city against the metrology plan's targets
 * (docs/DOMAIN.md, "The plan's targets").
 *
 * The plan sets hard numbers for 2016 and 2020. Six of them can be read off
 * the ledger; each is a fraction num / den (a count has den 1) compared,
 * by integer arithmetic, with its targets. The report that `caltrace
 * report` prints (text, JSON, one HTML page) gathers them with the coverage
 * they come from: by district at the end of each of the twelve months
 * before the report date's month and at the date itself, and by domain at
 * the date.
 */
#ifndef CALTRACE_INDICATORS_H
#define CALTRACE_INDICATORS_H

#include "caltrace/eval/coverage.h"

#define CT_INDICATORS	 6
#define CT_REPORT_MONTHS 12

typedef enum ct_indicator_status {
	CT_IND_NO_DATA = -1,   /* nothing to judge: den is 0 */
	CT_IND_BELOW = 0,      /* below every target it has */
	CT_IND_MEETS_2016 = 1, /* meets the 2016 target, not the 2020 one */
	CT_IND_MEETS_2020 = 2,
} ct_indicator_status;

/* One indicator of the plan against its 2016 and 2020 targets. */
typedef struct ct_indicator {
	const char *name;  /* "traceability-system coverage"; static */
	const char *unit;  /* "%" or "" (a count or an average) */
	uint64_t num, den; /* the value is num / den (den 1 for a count) */
	/* Targets in hundredths of the unit (9500: 95%; 2000: 20.00); 0: no target that year. */
	uint64_t target_2016, target_2020;
	ct_indicator_status status;
} ct_indicator;

/*
 * The six indicators, in the order of docs/DOMAIN.md's table: municipal
 * public standards, district public standards per district (average),
 * calibration items (categories of valid standards), traceability
 * coverage, inspection rate of compulsory instruments, and compulsory
 * verification of medical and environmental instruments. now is coverage
 * at the report's time (its standards summary and total count);
 * by_domain the same time grouped by CT_BY_DOMAIN (the last indicator sums
 * its "medical" and "environment" groups).
 */
void ct_indicators_compute(ct_indicator out[CT_INDICATORS], const ct_coverage *now,
			   const ct_coverage *by_domain);

/* Whether num / den reaches target (hundredths of the unit); false when target or den is 0. */
bool ct_indicator_meets(const ct_indicator *in, uint64_t target);

/* An indicator's value as text: "95.12%", "0.33", "112"; "-" when there is nothing to judge. */
const char *ct_indicator_value(char out[32], const ct_indicator *in);

/* A target in hundredths of the indicator's unit as text: ">= 95%", "20"; "-" for none. */
const char *ct_indicator_target(char out[32], const ct_indicator *in, uint64_t hundredths);

/* "meets the 2020 target", "meets the 2016 target", "below target", "no data". */
const char *ct_indicator_status_name(ct_indicator_status s);

/* Everything `caltrace report` shows. */
typedef struct ct_report {
	char *network;			    /* the genesis's name */
	char digest[2 * CT_HASH_BYTES + 1]; /* the state digest (hex) the numbers rest on */
	uint64_t at;			    /* the report's time */
	ct_coverage *series;		    /* CT_REPORT_MONTHS + 1 times by district; the last is at */
	size_t nseries;
	ct_coverage *domains;		 /* at `at`, by domain */
	ct_indicator ind[CT_INDICATORS]; /* at `at` */
} ct_report;

/*
 * Computes the report at time at from the store r reads: coverage by
 * district at the last millisecond of each of the twelve months before the
 * month of at, and at at; coverage by domain at at; the indicators; the
 * network's name and the state digest. out is the caller's (freed with
 * ct_report_free, also after a failure).
 * Errors: those of ct_coverage_compute (detail "cannot compute coverage:
 * ..."), CT_ESTATE / CT_ECORRUPT when the genesis cannot be read ("cannot
 * read the network: ..."), CT_ENOMEM.
 */
int ct_report_compute(ct_report *out, ct_reader *r, uint64_t at);

/* Frees what ct_report_compute filled in; accepts a zeroed report. */
void ct_report_free(ct_report *rep);

#endif
