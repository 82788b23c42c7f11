/*
 * caltrace/base/fmt.h - numbers as people read them, by integer arithmetic
 * (the same digits on every machine): percentages and ratios with two
 * decimals, rounded half up.
 */
#ifndef CALTRACE_BASE_FMT_H
#define CALTRACE_BASE_FMT_H

#include <stdint.h>

/* num / den as a percentage with two decimals, "95.00%"; "-" when den is 0. */
const char *ct_fmt_pct(char out[24], uint64_t num, uint64_t den);

/* The same without the sign, "95.00"; "" when den is 0 (for CSV). */
const char *ct_fmt_pct_num(char out[24], uint64_t num, uint64_t den);

/* num / den with two decimals, "0.33"; "-" when den is 0. */
const char *ct_fmt_div(char out[24], uint64_t num, uint64_t den);

#endif
