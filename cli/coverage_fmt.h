/* Formatting shared by caltrace coverage, due and report. */
#ifndef CT_COVERAGE_FMT_H
#define CT_COVERAGE_FMT_H

#include "caltrace/eval/coverage.h"
#include "cli.h"

/* num / den as a percentage with two decimals ("95.00%"), by integer arithmetic; "-" when den is 0. */
const char *cov_pct(char out[24], uint64_t num, uint64_t den);
/* The same without the sign, "" when den is 0 (for CSV). */
const char *cov_pct_num(char out[24], uint64_t num, uint64_t den);

/* Display columns of a UTF-8 string (East Asian wide characters count 2). */
int cov_width(const char *s);
/* s, then spaces up to width columns / spaces, then s. */
void cov_pad(FILE *f, const char *s, int width);
void cov_rpad(FILE *f, const char *s, int width);

/* num / den with two decimals ("0.33"), by integer arithmetic; "-" when den is 0. */
const char *cov_div(char out[24], uint64_t num, uint64_t den);

/* The counts as JSON: every count, the two rates (reals, fractions of 1) and the nonzero reasons. */
json_t *cov_counts_json(const ct_coverage_counts *c);

/* The standards summary as JSON. */
json_t *cov_standards_json(const ct_standards_summary *s);

/* "2025-06" of a time. */
const char *cov_month(char out[16], uint64_t ms);

/*
 * Parses "YYYY-MM..YYYY-MM" into the end of each month (malloc'd array);
 * prints an error and returns -1 on failure.
 */
int cov_parse_months(const char *cmd, const char *range, uint64_t **times, size_t *n);

#endif
