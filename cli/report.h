/* caltrace report: the report core/eval computes (ct_report), as text, JSON and one HTML page. */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include "caltrace/eval/indicators.h"
#include "coverage_fmt.h"

/* The value of an indicator as text ("95.12%", "0.33", "112"), "-" when there is nothing to judge. */
const char *report_value(char out[32], const ct_indicator *in);
/* A target in hundredths as text (">= 95%", "20"), "-" for none. */
const char *report_target(char out[32], const ct_indicator *in, uint64_t hundredths);

/* Writes the one-page HTML report; prints and returns -1 on failure. */
int report_write_html(const ct_report *rep, const char *path);

#endif
