/* caltrace report: the numbers it shows, shared by its text, JSON and HTML forms. */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include "coverage_fmt.h"

#define REPORT_MONTHS 12

/* One indicator of the plan (docs/DOMAIN.md) against its 2016 and 2020 targets. */
struct indicator {
	const char *name;
	const char *unit;     /* "%", "" */
	uint64_t num, den;    /* value = num / den (den 1 for a count) */
	uint64_t target_2016; /* in hundredths (of a percent, or of a count); 0: none */
	uint64_t target_2020;
	int status; /* 2 meets 2020, 1 meets 2016 only, 0 below, -1 nothing to judge */
};

#define REPORT_INDICATORS 6

struct report {
	char *network;	 /* the genesis name */
	char digest[65]; /* the state digest the numbers rest on */
	uint64_t at;
	ct_coverage *series; /* REPORT_MONTHS + 1 times, by district; the last is `at` */
	size_t nseries;
	ct_coverage *domains; /* at `at`, by domain */
	struct indicator ind[REPORT_INDICATORS];
};

/* The value of an indicator as text ("95.12%", "0.33"). */
const char *report_value(char out[32], const struct indicator *in);
/* A target in hundredths as text, "-" for none. */
const char *report_target(char out[32], const struct indicator *in, uint64_t hundredths);
const char *report_status(int status);

/* Writes the one-page HTML report; prints and returns -1 on failure. */
int report_write_html(const struct report *rep, const char *path);

#endif
