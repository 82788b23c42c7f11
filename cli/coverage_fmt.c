/* Formatting shared by caltrace coverage, due and report. */
#include <string.h>

#include "caltrace/base/fmt.h"
#include "caltrace/eval/json.h"
#include "coverage_fmt.h"

const char *cov_pct(char out[24], uint64_t num, uint64_t den)
{
	return ct_fmt_pct(out, num, den);
}

const char *cov_pct_num(char out[24], uint64_t num, uint64_t den)
{
	return ct_fmt_pct_num(out, num, den);
}

/* Display columns of one code point: 2 for East Asian wide ones. */
static int columns(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
		       (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
		       (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
		       (c >= 0x20000 && c <= 0x3fffd)
		   ? 2
		   : 1;
}

int cov_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (p && *p) {
		uint32_t c = *p;
		int n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4, i;
		if (n > 1)
			c &= 0x3fu >> (n - 1);
		for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			c = c << 6 | (p[i] & 0x3f);
		p += i;
		w += columns(c);
	}
	return w;
}

void cov_pad(FILE *f, const char *s, int width)
{
	int w = cov_width(s);

	fputs(s ? s : "", f);
	for (; w < width; w++)
		fputc(' ', f);
}

void cov_rpad(FILE *f, const char *s, int width)
{
	int w = cov_width(s);

	for (; w < width; w++)
		fputc(' ', f);
	fputs(s ? s : "", f);
}

const char *cov_div(char out[24], uint64_t num, uint64_t den)
{
	return ct_fmt_div(out, num, den);
}

json_t *cov_counts_json(const ct_coverage_counts *c)
{
	json_t *o = NULL;

	ct_coverage_counts_to_json(&o, c);
	return o;
}

json_t *cov_standards_json(const ct_standards_summary *s)
{
	json_t *o = NULL;

	ct_standards_to_json(&o, s);
	return o;
}

const char *cov_month(char out[16], uint64_t ms)
{
	ct_time_month(out, ms);
	return out;
}

int cov_parse_months(const char *cmd, const char *range, uint64_t **times, size_t *n)
{
	if (ct_time_months(times, n, range) < 0) {
		fprintf(stderr, "caltrace %s: --monthly '%s': %s\n", cmd, range, ct_error_last());
		return -1;
	}
	return 0;
}
