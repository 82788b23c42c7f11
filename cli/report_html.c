/*
 * The report as one self-contained HTML page: no external assets, charts
 * as inline SVG (a trend line of coverage and inspection rate by month,
 * bars per district against the 95% target), CSS that prints on A4.
 */
#include <errno.h>
#include <string.h>

#include "report.h"

/* Text with &, <, >, " and ' escaped. */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans CJK SC','Noto Sans SC',"
    "'Microsoft YaHei','Noto Sans',sans-serif;color:#1b1f24;max-width:960px;margin:24px auto;padding:0 "
    "20px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 6px;border-bottom:2px solid #1b1f24;"
    "padding-bottom:2px}\n"
    ".sub{color:#555;margin:0 0 14px;font-size:12px}code{font-size:11px;word-break:break-all}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 14px}th,td{padding:4px 8px;border-bottom:1px "
    "solid "
    "#d0d7de;text-align:right;vertical-align:top}\n"
    "th:first-child,td:first-child{text-align:left}th{font-weight:600;background:#f3f5f7}\n"
    ".s2{color:#116329}.s1{color:#8a5a00}.s0{color:#b42318}.s-1{color:#57606a}\n"
    ".badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;border:1px solid "
    "currentColor;"
    "white-space:nowrap}\n"
    "figure{margin:6px 0 16px}figcaption{font-size:12px;color:#555}svg{width:100%;height:auto}\n"
    "svg text{font-family:inherit;font-size:11px;fill:#333}\n"
    "@page{size:A4;margin:14mm}\n"
    "@media print{body{margin:0;max-width:none;font-size:10pt;padding:0}h2{break-after:avoid}"
    "table,figure{break-inside:avoid}.sub{color:#000}}\n";

/* A rate in ten-thousandths (0..10000), or -1 when den is 0. */
static long rate(uint64_t num, uint64_t den)
{
	return den ? (long)((unsigned __int128)num * 10000 / den) : -1;
}

#define PLOT_X0 56
#define PLOT_X1 880
#define PLOT_Y0 40
#define PLOT_Y1 250

static double y_of(long r)
{
	return PLOT_Y1 - (double)r * (PLOT_Y1 - PLOT_Y0) / 10000.0;
}

static void axes(FILE *f, int width)
{
	int pct;

	for (pct = 0; pct <= 100; pct += 25) {
		double y = y_of(pct * 100);
		fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#d0d7de'/>", PLOT_X0, width, y,
			y);
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%d%%</text>", PLOT_X0 - 6, y + 4, pct);
	}
	fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#b42318' stroke-dasharray='6 4'/>",
		PLOT_X0, width, y_of(9500), y_of(9500));
	fprintf(f, "<text x='%d' y='%.1f' text-anchor='end' style='fill:#b42318'>target 95%%</text>", width,
		y_of(9500) + 13);
}

/* One series as a polyline (broken where there is nothing to measure) and dots. */
static void line(FILE *f, const ct_report *rep, bool inspection, const char *color)
{
	size_t i, n = rep->nseries;
	bool open = false;

	for (i = 0; i < n; i++) {
		const ct_coverage_counts *c = &rep->series[i].total;
		long r =
		    inspection ? rate(c->compulsory_valid, c->compulsory) : rate(c->valid, c->registered);
		double x = PLOT_X0 + 20 + (double)i * (PLOT_X1 - PLOT_X0 - 40) / (double)(n > 1 ? n - 1 : 1);
		if (r < 0) {
			if (open)
				fputs("'/>", f);
			open = false;
			continue;
		}
		if (!open)
			fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2.5' points='", color);
		fprintf(f, "%.1f,%.1f ", x, y_of(r));
		open = true;
	}
	if (open)
		fputs("'/>", f);
	for (i = 0; i < n; i++) {
		const ct_coverage_counts *c = &rep->series[i].total;
		long r =
		    inspection ? rate(c->compulsory_valid, c->compulsory) : rate(c->valid, c->registered);
		double x = PLOT_X0 + 20 + (double)i * (PLOT_X1 - PLOT_X0 - 40) / (double)(n > 1 ? n - 1 : 1);
		if (r >= 0)
			fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3.5' fill='%s'/>", x, y_of(r), color);
	}
}

static void trend_chart(FILE *f, const ct_report *rep)
{
	char label[32];
	size_t i, n = rep->nseries;

	fprintf(f,
		"<figure><svg viewBox='0 0 900 290' role='img' aria-label='coverage and inspection rate by "
		"month'>\n");
	axes(f, PLOT_X1);
	line(f, rep, false, "#1f6feb");
	line(f, rep, true, "#d97706");
	for (i = 0; i < n; i++) {
		double x = PLOT_X0 + 20 + (double)i * (PLOT_X1 - PLOT_X0 - 40) / (double)(n > 1 ? n - 1 : 1);
		if (i + 1 == n)
			ct_time_format(label, sizeof(label), rep->series[i].at);
		else
			cov_month(label, rep->series[i].at);
		fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>", x, PLOT_Y1 + 18, label);
	}
	fprintf(f,
		"<rect x='%d' y='4' width='12' height='4' fill='#1f6feb'/><text x='%d' y='10'>traceability "
		"coverage</text>",
		PLOT_X0 + 4, PLOT_X0 + 20);
	fprintf(
	    f,
	    "<rect x='%d' y='4' width='12' height='4' fill='#d97706'/><text x='%d' y='10'>inspection rate "
	    "(compulsory instruments)</text>",
	    PLOT_X0 + 190, PLOT_X0 + 206);
	fprintf(f, "\n</svg><figcaption>At the end of each month, and at the report's date (last "
		   "point).</figcaption>"
		   "</figure>\n");
}

static void bar(FILE *f, double x, double w, long r, const char *color)
{
	char v[24];

	if (r < 0)
		return;
	fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'/>", x, y_of(r), w,
		(double)PLOT_Y1 - y_of(r), color);
	snprintf(v, sizeof(v), "%ld.%ld", r / 100, (r % 100) / 10);
	fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle' style='font-size:10px'>%s</text>", x + w / 2,
		y_of(r) - 3, v);
}

static void district_chart(FILE *f, const ct_report *rep)
{
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	size_t i, n = s->ndistricts ? s->ndistricts : 1;
	double slot = (double)(PLOT_X1 - PLOT_X0) / (double)n, w = slot * 0.32;

	fprintf(f,
		"<figure><svg viewBox='0 0 900 300' role='img' aria-label='coverage and inspection rate per "
		"district'>\n");
	axes(f, PLOT_X1);
	for (i = 0; i < s->ndistricts; i++) {
		const ct_coverage_counts *c = ct_coverage_group_counts(now, s->districts[i].district);
		double x = PLOT_X0 + (double)i * slot + slot * 0.16;
		if (c) {
			bar(f, x, w, rate(c->valid, c->registered), "#1f6feb");
			bar(f, x + w + 2, w, rate(c->compulsory_valid, c->compulsory), "#d97706");
		}
		fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>", x + w + 1, PLOT_Y1 + 18);
		esc(f, s->districts[i].district);
		fputs("</text>", f);
	}
	fprintf(
	    f, "<rect x='%d' y='4' width='12' height='8' fill='#1f6feb'/><text x='%d' y='12'>coverage</text>",
	    PLOT_X0 + 4, PLOT_X0 + 20);
	fprintf(f,
		"<rect x='%d' y='4' width='12' height='8' fill='#d97706'/><text x='%d' y='12'>inspection "
		"rate</text>",
		PLOT_X0 + 100, PLOT_X0 + 116);
	fprintf(f, "\n</svg><figcaption>Per district at the report's date, against the plan's 95%% "
		   "target.</figcaption>"
		   "</figure>\n");
}

static void indicators_table(FILE *f, const ct_report *rep)
{
	char v[32], t16[32], t20[32];
	size_t i;

	fputs("<table><tr><th>indicator</th><th>city</th><th>2016 target</th><th>2020 "
	      "target</th><th>status</th></tr>\n",
	      f);
	for (i = 0; i < CT_INDICATORS; i++) {
		const ct_indicator *in = &rep->ind[i];
		fprintf(f, "<tr><td>%s</td><td><b>%s</b></td><td>", in->name, report_value(v, in));
		esc(f, report_target(t16, in, in->target_2016));
		fputs("</td><td>", f);
		esc(f, report_target(t20, in, in->target_2020));
		fprintf(f, "</td><td><span class='badge s%d'>%s</span></td></tr>\n", in->status,
			ct_indicator_status_name(in->status));
	}
	fputs("</table>\n", f);
}

static void districts_table(FILE *f, const ct_report *rep)
{
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	static const ct_coverage_counts none;
	char a[24], b[24];
	size_t i;

	fputs("<table><tr><th>district</th><th>instruments</th><th>coverage</th><th>suspect</"
	      "th><th>compulsory</th>"
	      "<th>inspection rate</th><th>district standards (target 25)</th></tr>\n",
	      f);
	for (i = 0; i < s->ndistricts; i++) {
		const ct_coverage_counts *c = ct_coverage_group_counts(now, s->districts[i].district);
		if (!c)
			c = &none;
		fputs("<tr><td>", f);
		esc(f, s->districts[i].district);
		fprintf(
		    f,
		    "</td><td>%llu</td><td>%s</td><td>%llu</td><td>%llu</td><td>%s</td><td>%llu</td></tr>\n",
		    (unsigned long long)c->registered, cov_pct(a, c->valid, c->registered),
		    (unsigned long long)c->suspect, (unsigned long long)c->compulsory,
		    cov_pct(b, c->compulsory_valid, c->compulsory),
		    (unsigned long long)s->districts[i].valid);
	}
	fputs("</table>\n", f);
}

static void reasons_table(FILE *f, const ct_coverage_counts *t)
{
	char a[24];
	int i;

	fputs("<table><tr><th>reason (docs/VERDICTS.md)</th><th>instruments</th><th>share of "
	      "registered</th></tr>\n",
	      f);
	for (i = 0; i < CT_R__COUNT; i++)
		if (t->reasons[i])
			fprintf(f, "<tr><td>%s</td><td>%llu</td><td>%s</td></tr>\n",
				ct_reason_name((ct_reason)i), (unsigned long long)t->reasons[i],
				cov_pct(a, t->reasons[i], t->registered));
	fputs("</table>\n", f);
}

static void standards_table(FILE *f, const ct_standards_summary *s)
{
	static const char *const levels[CT_LEVELS] = {"municipal", "district", "working"};
	int k;

	fputs("<table><tr><th>public standards</th><th>registered</th><th>approved and "
	      "valid</th><th>suspect</th></tr>\n",
	      f);
	for (k = 0; k < CT_LEVELS; k++)
		fprintf(f, "<tr><td>%s</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n", levels[k],
			(unsigned long long)s->registered[k], (unsigned long long)s->valid[k],
			(unsigned long long)s->suspect[k]);
	fprintf(f, "<tr><td>any standard valid (public or not)</td><td></td><td>%llu</td><td></td></tr>\n",
		(unsigned long long)s->any_valid);
	fputs("</table>\n", f);
}

int report_write_html(const ct_report *rep, const char *path)
{
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	char day[32];
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "caltrace report: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	ct_time_format(day, sizeof(day), rep->at);
	fputs("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>", f);
	esc(f, rep->network);
	fprintf(f, ": legal metrology at %s</title>\n<style>\n%s</style></head><body>\n<h1>", day, style);
	esc(f, rep->network);
	fprintf(f,
		": legal metrology at %s</h1>\n<p class='sub'>Computed by caltrace from the ledger state "
		"<code>%s</code>; any node holding the same entries computes the same numbers. Targets: the "
		"city's implementing opinion on the Metrology Development Plan 2013&ndash;2020.</p>\n",
		day, rep->digest);
	fputs("<h2>Against the plan's targets</h2>\n", f);
	indicators_table(f, rep);
	fputs("<h2>Trend</h2>\n", f);
	trend_chart(f, rep);
	fputs("<h2>Districts</h2>\n", f);
	district_chart(f, rep);
	districts_table(f, rep);
	fputs("<h2>Standards</h2>\n", f);
	standards_table(f, &now->standards);
	fputs("<h2>Why instruments are not traceable</h2>\n", f);
	reasons_table(f, &now->total);
	fputs("</body></html>\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "caltrace report: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
