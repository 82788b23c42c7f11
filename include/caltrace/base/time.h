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

#ifdef __cplusplus
}
#endif
#endif
