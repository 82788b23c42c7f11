/* Percentages and ratios with two decimals by integer arithmetic (caltrace/base/fmt.h). */
#include <stdio.h>
#include <string.h>

#include "caltrace/base/fmt.h"

/* num x factor / den with two decimals, rounded half up. */
static const char *decimal2(char out[24], uint64_t num, uint64_t factor, uint64_t den)
{
	unsigned __int128 scaled;
	uint64_t hundredths;

	if (den == 0) {
		snprintf(out, 24, "-");
		return out;
	}
	scaled = (unsigned __int128)num * factor * 100 + den / 2;
	hundredths = (uint64_t)(scaled / den);
	snprintf(out, 24, "%llu.%02llu", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
	return out;
}

const char *ct_fmt_pct(char out[24], uint64_t num, uint64_t den)
{
	decimal2(out, num, 100, den);
	if (den)
		strcat(out, "%");
	return out;
}

const char *ct_fmt_pct_num(char out[24], uint64_t num, uint64_t den)
{
	decimal2(out, num, 100, den);
	if (!den)
		out[0] = '\0';
	return out;
}

const char *ct_fmt_div(char out[24], uint64_t num, uint64_t den)
{
	return decimal2(out, num, 1, den);
}
