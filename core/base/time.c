/*
 * ISO-8601 times (UTC) to and from the ledger's milliseconds since the
 * epoch: what the CLI reads and prints, and what the evaluator names in its
 * reasons. Pure: no clock, no locale, no time zone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"

#define MS_PER_DAY 86400000ULL

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (y >= 1970). */
static uint64_t days_from_civil(uint64_t y, unsigned m, unsigned d)
{
	uint64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of day z after 1970-01-01. */
static void civil_from_days(uint64_t z, uint64_t *y, unsigned *m, unsigned *d)
{
	uint64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Days in month m of year y. */
static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n decimal digits at s into *v; false if any is not a digit. */
static bool digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

/* Parses "YYYY-MM-DD" at s (10 chars, checked by the caller) into days since the epoch. */
static bool parse_date(const char *s, uint64_t *days)
{
	unsigned y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

/* Parses "HH:MM[:SS[.mmm]]Z" at s, exactly len chars, into ms since midnight. */
static bool parse_clock(const char *s, size_t len, uint64_t *ms)
{
	unsigned h, mi, sec = 0, milli = 0;

	if (len != 6 && len != 9 && len != 13)
		return false;
	if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &mi) || s[len - 1] != 'Z')
		return false;
	if (len >= 9 && (s[5] != ':' || !digits(s + 6, 2, &sec)))
		return false;
	if (len == 13 && (s[8] != '.' || !digits(s + 9, 3, &milli)))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*ms = ((uint64_t)h * 3600 + mi * 60 + sec) * 1000 + milli;
	return true;
}

int ct_time_parse(uint64_t *out, const char *s)
{
	uint64_t days, clock = 0;
	size_t len;

	if (!s)
		return ct_error_set(CT_EINVAL, "time: NULL");
	len = strlen(s);
	if (len < 10 || !parse_date(s, &days) ||
	    (len > 10 && (s[10] != 'T' || !parse_clock(s + 11, len - 11, &clock))))
		return ct_error_set(CT_EINVAL,
				 "time '%.40s': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]]Z", s);
	*out = days * MS_PER_DAY + clock;
	return 0;
}

void ct_time_format(char *out, size_t size, uint64_t ms)
{
	uint64_t y, rest = ms % MS_PER_DAY;
	unsigned m, d;

	civil_from_days(ms / MS_PER_DAY, &y, &m, &d);
	if (rest == 0)
		snprintf(out, size, "%04llu-%02u-%02u", (unsigned long long)y, m, d);
	else if (rest % 1000 == 0)
		snprintf(out, size, "%04llu-%02u-%02uT%02u:%02u:%02uZ", (unsigned long long)y, m, d,
			 (unsigned)(rest / 3600000), (unsigned)(rest / 60000 % 60),
			 (unsigned)(rest / 1000 % 60));
	else
		snprintf(out, size, "%04llu-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned long long)y, m, d,
			 (unsigned)(rest / 3600000), (unsigned)(rest / 60000 % 60),
			 (unsigned)(rest / 1000 % 60), (unsigned)(rest % 1000));
}


void ct_time_month(char out[16], uint64_t ms)
{
	uint64_t y;
	unsigned m, d;

	civil_from_days(ms / MS_PER_DAY, &y, &m, &d);
	/* y < 6e8 for any 64-bit ms: the modulo only tells GCC the width fits */
	snprintf(out, 16, "%04u-%02u", (unsigned)(y % 1000000000u), m % 100u);
}

uint64_t ct_time_month_end(uint64_t ms)
{
	uint64_t y;
	unsigned m, d;

	civil_from_days(ms / MS_PER_DAY, &y, &m, &d);
	return (days_from_civil(y, m, 1) + month_days((unsigned)y, m)) * MS_PER_DAY - 1;
}

/* "YYYY-MM" at s (7 chars) into a month number year * 12 + month - 1. */
static bool parse_month(const char *s, unsigned *out)
{
	unsigned y, m;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || y < 1970 || m < 1 || m > 12)
		return false;
	*out = y * 12 + m - 1;
	return true;
}

int ct_time_months(uint64_t **out, size_t *n, const char *range)
{
	unsigned from, to, k;
	uint64_t *times;

	*out = NULL;
	*n = 0;
	if (!range || strlen(range) != 16 || !parse_month(range, &from) || range[7] != '.' || range[8] != '.' ||
	    !parse_month(range + 9, &to) || to < from)
		return ct_error_set(CT_EINVAL, "expected FROM..TO as YYYY-MM..YYYY-MM, FROM not after TO");
	if (to - from + 1 > CT_TIME_MONTHS_MAX)
		return ct_error_set(CT_EINVAL, "at most %d months", CT_TIME_MONTHS_MAX);
	if (!(times = calloc(to - from + 1, sizeof(*times))))
		return ct_error_set(CT_ENOMEM, "out of memory for %u months", to - from + 1);
	for (k = from; k <= to; k++)
		times[k - from] = (days_from_civil(k / 12, k % 12 + 1, 1) + month_days(k / 12, k % 12 + 1)) *
				      MS_PER_DAY -
				  1;
	*out = times;
	*n = to - from + 1;
	return 0;
}
