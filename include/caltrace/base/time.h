/*
 * caltrace/base/time.h - ISO-8601 times (UTC) and the ledger's milliseconds.
 *
 * Times are uint milliseconds since the Unix epoch everywhere in the
 * ledger; people read and write ISO-8601 dates. Pure functions: no clock.
 */
#ifndef CALTRACE_BASE_TIME_H
#define CALTRACE_BASE_TIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ISO-8601 to ms since the epoch: "YYYY-MM-DD" (midnight UTC),
 * "YYYY-MM-DDTHH:MM[:SS[.mmm]]Z". Errors: CT_EINVAL.
 */
int ct_time_parse(uint64_t *out, const char *s);

/*
 * ms since the epoch to ISO-8601 into out (at least 32 bytes): the date
 * alone when the time is midnight, else "YYYY-MM-DDTHH:MM:SSZ" (with .mmm
 * when there are milliseconds).
 */
void ct_time_format(char *out, size_t size, uint64_t ms);

/* The month of ms as "YYYY-MM". */
void ct_time_month(char out[16], uint64_t ms);

/* The last millisecond of the month of ms. */
uint64_t ct_time_month_end(uint64_t ms);

#define CT_TIME_MONTHS_MAX 1200

/*
 * The months of a range "YYYY-MM..YYYY-MM" (FROM not after TO, at most
 * CT_TIME_MONTHS_MAX): *out receives the last millisecond of each month, in
 * order (malloc'd, free()), *n their number.
 * Errors: CT_EINVAL (detail says what is expected), CT_ENOMEM.
 */
int ct_time_months(uint64_t **out, size_t *n, const char *range);

#ifdef __cplusplus
}
#endif
#endif
