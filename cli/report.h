/* caltrace report: the numbers it shows (core/eval/plan.c), shared by its text, JSON and HTML forms. */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include "caltrace/eval/plan.h"
#include "coverage_fmt.h"

struct report {
	char *network;	 /* the genesis name */
	char digest[65]; /* the state digest the numbers rest on */
	uint64_t at;
	ct_plan_report *plan;
};

/* Writes the one-page HTML report; prints and returns -1 on failure. */
int report_write_html(const struct report *rep, const char *path);

#endif
