/* Formatting shared by caltrace coverage, due and report. */
#include <string.h>

#include "coverage_fmt.h"

/* num x factor / den with two decimals, rounded half up, by integer arithmetic. */
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

const char *cov_pct(char out[24], uint64_t num, uint64_t den)
{
	decimal2(out, num, 100, den);
	if (den)
		strcat(out, "%");
	return out;
}

const char *cov_pct_num(char out[24], uint64_t num, uint64_t den)
{
	decimal2(out, num, 100, den);
	if (!den)
		out[0] = '\0';
	return out;
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
	return decimal2(out, num, 1, den);
}

static json_t *rate(uint64_t num, uint64_t den)
{
	return den ? json_real((double)num / (double)den) : json_null();
}

json_t *cov_counts_json(const ct_coverage_counts *c)
{
	json_t *reasons = json_object();
	int i;

	for (i = 0; i < CT_R__COUNT; i++)
		if (c->reasons[i])
			json_object_set_new(reasons, ct_reason_name((ct_reason)i),
					    json_integer((json_int_t)c->reasons[i]));
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:o, s:o}", "registered",
			 (json_int_t)c->registered, "valid", (json_int_t)c->valid, "suspect",
			 (json_int_t)c->suspect, "invalid", (json_int_t)c->invalid, "coverage",
			 rate(c->valid, c->registered), "compulsory", (json_int_t)c->compulsory,
			 "compulsory_valid", (json_int_t)c->compulsory_valid, "compulsory_suspect",
			 (json_int_t)c->compulsory_suspect, "inspection_rate",
			 rate(c->compulsory_valid, c->compulsory), "reasons", reasons);
}

json_t *cov_standards_json(const ct_standards_summary *s)
{
	static const char *const levels[CT_LEVELS] = {"municipal", "district", "working"};
	json_t *o = json_object(), *by = json_object(), *districts = json_array();
	size_t i;

	for (i = 0; i < CT_LEVELS; i++)
		json_object_set_new(by, levels[i],
				    json_pack("{s:I, s:I, s:I}", "registered", (json_int_t)s->registered[i],
					      "valid", (json_int_t)s->valid[i], "suspect",
					      (json_int_t)s->suspect[i]));
	for (i = 0; i < s->ndistricts; i++)
		json_array_append_new(districts, json_pack("{s:s, s:I}", "district", s->districts[i].district,
							   "district_standards_valid",
							   (json_int_t)s->districts[i].valid));
	json_object_set_new(o, "public", by);
	json_object_set_new(o, "district_average",
			    s->ndistricts
				? json_real((double)s->valid[CT_LEVEL_DISTRICT] / (double)s->ndistricts)
				: json_null());
	json_object_set_new(o, "valid_any", json_integer((json_int_t)s->any_valid));
	json_object_set_new(o, "items", json_integer((json_int_t)s->items));
	json_object_set_new(o, "districts", districts);
	return o;
}

const char *cov_month(char out[16], uint64_t ms)
{
	char day[32];

	ct_time_format(day, sizeof(day), ms);
	snprintf(out, 16, "%.7s", day);
	return out;
}

/* Midnight of the first day of month (year, month 1..12). */
static uint64_t month_start(int year, int month)
{
	char s[40];
	uint64_t ms = 0;

	snprintf(s, sizeof(s), "%04d-%02d-01", year, month);
	ct_time_parse(&ms, s);
	return ms;
}

uint64_t cov_month_end(uint64_t ms)
{
	char day[32];
	int year, month;

	ct_time_format(day, sizeof(day), ms);
	if (sscanf(day, "%4d-%2d", &year, &month) != 2)
		return ms;
	return month == 12 ? month_start(year + 1, 1) - 1 : month_start(year, month + 1) - 1;
}

int cov_parse_months(const char *cmd, const char *range, uint64_t **times, size_t *n)
{
	int y1, m1, y2, m2, used = 0;
	size_t count, i;

	*times = NULL;
	*n = 0;
	if (sscanf(range, "%4d-%2d..%4d-%2d%n", &y1, &m1, &y2, &m2, &used) != 4 || range[used] != '\0' ||
	    m1 < 1 || m1 > 12 || m2 < 1 || m2 > 12 || y1 < 1970 || y2 > 9999 || y2 * 12 + m2 < y1 * 12 + m1) {
		fprintf(
		    stderr,
		    "caltrace %s: --monthly '%s': expected FROM..TO as YYYY-MM..YYYY-MM, FROM not after TO\n",
		    cmd, range);
		return -1;
	}
	count = (size_t)((y2 * 12 + m2) - (y1 * 12 + m1) + 1);
	if (count > 1200) {
		fprintf(stderr, "caltrace %s: --monthly: at most 1200 months\n", cmd);
		return -1;
	}
	if (!(*times = calloc(count, sizeof(**times)))) {
		fprintf(stderr, "caltrace %s: out of memory\n", cmd);
		return -1;
	}
	for (i = 0; i < count; i++) {
		int k = y1 * 12 + (m1 - 1) + (int)i;
		(*times)[i] = cov_month_end(month_start(k / 12, k % 12 + 1));
	}
	*n = count;
	return 0;
}
