/*
 * The bureau's dashboard (/dashboard): the plan's indicators against their
 * 2016 and 2020 targets, coverage and inspection rate by district against
 * the 95% target, the monthly trend as an inline SVG chart, the standards
 * declared out of tolerance with what relied on them, and the overdue
 * instruments by lab. The same numbers as `caltrace report`
 * (caltrace/eval/indicators.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/fmt.h"
#include "caltrace/base/time.h"
#include "caltrace/eval/indicators.h"
#include "web_internal.h"

#define OOT_SHOWN 50 /* standards out of tolerance listed */

struct oot {
	char *id;
	uint64_t since;
	uint8_t entry[CT_HASH_BYTES];
};

struct oot_list {
	struct oot v[OOT_SHOWN];
	size_t n, more;
};

static int find_oot(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	struct oot_list *l = ctx;
	size_t i;

	for (i = 0; i < count; i++)
		if (rows[i].kind == CT_ROW_OOT) { /* rows sort by (kind, time): the first is the earliest */
			if (l->n == OOT_SHOWN) {
				l->more++;
				return 0;
			}
			if (!(l->v[l->n].id = strndup(id, id_len)))
				return CT_ENOMEM;
			l->v[l->n].since = rows[i].time;
			memcpy(l->v[l->n].entry, rows[i].hash, CT_HASH_BYTES);
			l->n++;
			return 0;
		}
	return 0;
}

static void th(struct ct__out *o, int lang, enum ct__msg m, bool left)
{
	ct__w_str(o, left ? "<th class='l'>" : "<th>");
	ct__w_esc(o, ct__t(lang, m));
	ct__w_str(o, "</th>");
}

/* The plan's 2020 target of a rate (coverage's: 95%), in hundredths of a percent. */
#define RATE_TARGET(p) ((long)(p)->ind[3].target_2020)

static void rate_cell(struct ct__out *o, int lang, const ct_report *p, uint64_t num, uint64_t den)
{
	ct_indicator rate = {"", "%", num, den, 0, 0, CT_IND_NO_DATA};
	bool ok = ct_indicator_meets(&rate, p->ind[3].target_2020);
	char v[24];

	ct__w_fmt(o, "<td>%s ", ct_fmt_pct(v, num, den));
	if (den) {
		ct__w_fmt(o, "<span class='st %s'>", ok ? "ok" : "bad");
		ct__w_esc(o, ct__t(lang, ok ? T_MEETS : T_BELOW));
		ct__w_str(o, "</span>");
	}
	ct__w_str(o, "</td>");
}

static void indicators(struct ct__out *o, const struct ct__req *q, const ct_report *p)
{
	static const enum ct__msg names[CT_INDICATORS] = {T_IND_0, T_IND_1, T_IND_2,
							  T_IND_3, T_IND_4, T_IND_5};
	static const enum ct__msg status[] = {T_NO_DATA, T_BELOW, T_STATUS_2016, T_STATUS_2020};
	int lang = q->rt->lang;
	char v[32], t16[32], t20[32];
	size_t i;

	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_INDICATORS));
	ct__w_str(o, "</h2>\n<div class='scroll'><table id='indicators'><tr>");
	th(o, lang, T_INDICATOR, true);
	th(o, lang, T_CITY, false);
	th(o, lang, T_TARGET_2016, false);
	th(o, lang, T_TARGET_2020, false);
	th(o, lang, T_STATUS, false);
	ct__w_str(o, "</tr>\n");
	for (i = 0; i < CT_INDICATORS; i++) {
		const ct_indicator *in = &p->ind[i];
		ct__w_str(o, "<tr><td>");
		ct__w_esc(o, ct__t(lang, names[i]));
		ct__w_fmt(o, "</td><td><b>%s</b></td><td>", ct_indicator_value(v, in));
		ct__w_esc(o, ct_indicator_target(t16, in, in->target_2016));
		ct__w_str(o, "</td><td>");
		ct__w_esc(o, ct_indicator_target(t20, in, in->target_2020));
		ct__w_fmt(o, "</td><td><span class='st s%d'>", in->status);
		ct__w_esc(o, ct__t(lang, status[in->status + 1]));
		ct__w_str(o, "</span></td></tr>\n");
	}
	ct__w_str(o, "</table></div>\n");
}

static void districts(struct ct__out *o, const struct ct__req *q, const ct_report *p)
{
	const ct_coverage *now = &p->series[p->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	static const ct_coverage_counts none;
	int lang = q->rt->lang;
	size_t i;

	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_DISTRICTS));
	ct__w_str(o, "</h2>\n<div class='scroll'><table id='districts'><tr>");
	th(o, lang, T_DISTRICT, true);
	th(o, lang, T_INSTRUMENTS, false);
	th(o, lang, T_COVERAGE, false);
	th(o, lang, T_SUSPECT, false);
	th(o, lang, T_COMPULSORY, false);
	th(o, lang, T_INSPECTION, false);
	ct__w_str(o, "<th>");
	ct__w_esc(o, ct__t(lang, T_DISTRICT_STANDARDS));
	ct__w_fmt(o, " (%s %llu)</th></tr>\n", ct__t(lang, T_TARGET),
		  (unsigned long long)(p->ind[1].target_2020 / 100));
	for (i = 0; i < s->ndistricts; i++) {
		const ct_coverage_counts *c = ct_coverage_group_counts(now, s->districts[i].district);
		if (!c)
			c = &none;
		ct__w_str(o, "<tr data-district='");
		ct__w_esc(o, s->districts[i].district);
		ct__w_str(o, "'><td>");
		ct__w_esc(o, s->districts[i].district);
		ct__w_fmt(o, "</td><td>%llu</td>", (unsigned long long)c->registered);
		rate_cell(o, lang, p, c->valid, c->registered);
		ct__w_fmt(o, "<td>%llu</td><td>%llu</td>", (unsigned long long)c->suspect,
			  (unsigned long long)c->compulsory);
		rate_cell(o, lang, p, c->compulsory_valid, c->compulsory);
		ct__w_fmt(o, "<td>%llu</td></tr>\n", (unsigned long long)s->districts[i].valid);
	}
	ct__w_str(o, "</table></div>\n");
}

#define X0 56
#define X1 880
#define Y0 40
#define Y1 250

/* A rate in ten-thousandths, or -1 when den is 0. */
static long rate(uint64_t num, uint64_t den)
{
	return den ? (long)((unsigned __int128)num * 10000 / den) : -1;
}

/* The height of rate r on an axis from lo (ten-thousandths) to 100%. */
static double y_of(long r, long lo)
{
	return Y1 - (double)(r - lo) * (Y1 - Y0) / (double)(10000 - lo);
}

/* The axis's foot: five points below the lowest rate (and the target), in steps of 5%, at most 90%. */
static long axis_floor(const ct_report *p)
{
	long low = RATE_TARGET(p), r;
	size_t i;

	for (i = 0; i < p->nseries; i++) {
		const ct_coverage_counts *c = &p->series[i].total;
		if ((r = rate(c->valid, c->registered)) >= 0 && r < low)
			low = r;
		if ((r = rate(c->compulsory_valid, c->compulsory)) >= 0 && r < low)
			low = r;
	}
	low = low / 500 * 500 - 500;
	return low < 0 ? 0 : low > 9000 ? 9000 : low;
}

static double x_of(size_t i, size_t n)
{
	return X0 + 20 + (double)i * (X1 - X0 - 40) / (double)(n > 1 ? n - 1 : 1);
}

static void series(struct ct__out *o, const ct_report *p, bool inspection, const char *color, long lo)
{
	size_t i;
	bool open = false;

	for (i = 0; i < p->nseries; i++) {
		const ct_coverage_counts *c = &p->series[i].total;
		long r =
		    inspection ? rate(c->compulsory_valid, c->compulsory) : rate(c->valid, c->registered);
		if (r < 0) {
			if (open)
				ct__w_str(o, "'/>");
			open = false;
			continue;
		}
		if (!open)
			ct__w_fmt(o, "<polyline fill='none' stroke='%s' stroke-width='2.5' points='", color);
		ct__w_fmt(o, "%.1f,%.1f ", x_of(i, p->nseries), y_of(r, lo));
		open = true;
	}
	if (open)
		ct__w_str(o, "'/>");
	for (i = 0; i < p->nseries; i++) {
		const ct_coverage_counts *c = &p->series[i].total;
		long r =
		    inspection ? rate(c->compulsory_valid, c->compulsory) : rate(c->valid, c->registered);
		if (r >= 0)
			ct__w_fmt(o,
				  "<circle cx='%.1f' cy='%.1f' r='3.5' "
				  "fill='%s'><title>%ld.%02ld%%</title></circle>",
				  x_of(i, p->nseries), y_of(r, lo), color, r / 100, r % 100);
	}
}

static void trend(struct ct__out *o, const struct ct__req *q, const ct_report *p)
{
	long lo = axis_floor(p), step = 10000 - lo <= 3000 ? 500 : 10000 - lo <= 6000 ? 1000 : 2500, v;
	int lang = q->rt->lang;
	char label[32];
	size_t i;

	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_TREND));
	ct__w_str(
	    o, "</h2>\n<figure><svg class='chart' id='trend' viewBox='0 0 900 290' role='img' aria-label='");
	ct__w_esc(o, ct__t(lang, T_TREND));
	ct__w_str(o, "'>\n");
	for (v = lo; v <= 10000; v += step)
		ct__w_fmt(o,
			  "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#d1d9e0'/><text x='%d' y='%.1f' "
			  "text-anchor='end'>%ld%%</text>",
			  X0, X1, y_of(v, lo), y_of(v, lo), X0 - 6, y_of(v, lo) + 4, v / 100);
	ct__w_fmt(o, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#cf222e' stroke-dasharray='6 4'/>",
		  X0, X1, y_of(RATE_TARGET(p), lo), y_of(RATE_TARGET(p), lo));
	ct__w_fmt(o, "<text x='%d' y='%.1f' text-anchor='end' fill='#cf222e'>", X1,
		  y_of(RATE_TARGET(p), lo) + 14);
	ct__w_esc(o, ct__t(lang, T_TARGET));
	ct__w_fmt(o, " %ld%%</text>\n", RATE_TARGET(p) / 100);
	series(o, p, false, "#0969da", lo);
	series(o, p, true, "#bc4c00", lo);
	for (i = 0; i < p->nseries; i++) {
		if (i + 1 == p->nseries) {
			ct__w_day(label, p->series[i].at);
			label[10] = '\0'; /* the date of the last point, without its time */
		} else
			ct_time_month(label, p->series[i].at);
		if (i % 2 == 0 || i + 1 == p->nseries)
			ct__w_fmt(o, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>",
				  x_of(i, p->nseries), Y1 + 18, label);
	}
	ct__w_fmt(o, "<rect x='%d' y='6' width='14' height='4' fill='#0969da'/><text x='%d' y='12'>", X0 + 4,
		  X0 + 22);
	ct__w_esc(o, ct__t(lang, T_COVERAGE));
	ct__w_fmt(o, "</text><rect x='%d' y='6' width='14' height='4' fill='#bc4c00'/><text x='%d' y='12'>",
		  X0 + 220, X0 + 238);
	ct__w_esc(o, ct__t(lang, T_INSPECTION));
	ct__w_str(o, "</text>\n</svg><figcaption>");
	ct__w_esc(o, ct__t(lang, T_TREND_NOTE));
	ct__w_str(o, "</figcaption></figure>\n");
}

static int out_of_tolerance(struct ct__out *o, struct ct__req *q)
{
	struct oot_list l;
	ct_tracer *tr;
	int lang = q->rt->lang, err;
	size_t i;

	memset(&l, 0, sizeof(l));
	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_OOT_TITLE));
	ct__w_str(o, "</h2>\n");
	if ((err = ct_read_subject_scan(q->r, CT_NS_STANDARD, 0, 1, find_oot, &l)) < 0 ||
	    (err = ct__tracer(q, &tr)) < 0)
		goto done;
	if (!l.n) {
		ct__w_str(o, "<p class='note' id='oot'>");
		ct__w_esc(o, ct__t(lang, T_OOT_NONE));
		ct__w_str(o, "</p>\n");
		goto done;
	}
	ct__w_str(o, "<div class='scroll'><table id='oot'><tr>");
	th(o, lang, T_STANDARD_ID, true);
	th(o, lang, T_LAB, true);
	th(o, lang, T_SINCE, false);
	th(o, lang, T_IMPACT, false);
	ct__w_str(o, "</tr>\n");
	for (i = 0; i < l.n; i++) {
		ct_org_info info = {0};
		ct_impact *im = NULL;
		char day[32], counts[128];
		ct_entry e;
		if ((err = ct_impact_of(&im, tr, l.v[i].id, strlen(l.v[i].id), l.v[i].since)) < 0)
			goto done;
		if (ct_read_entry_by_hash(&e, q->r, l.v[i].entry) == 0 &&
		    (err = ct_org_info_at(&info, tr, e.author, l.v[i].since)) < 0) {
			ct_impact_free(im);
			goto done;
		}
		ct__w_str(o, "<tr><td><a href='/s/");
		ct__w_url(o, l.v[i].id, strlen(l.v[i].id));
		ct__w_str(o, ct__lang_param(q, true));
		ct__w_str(o, "'>");
		ct__w_esc(o, l.v[i].id);
		ct__w_str(o, "</a></td><td class='l'>");
		ct__w_esc(o, info.name ? info.name : ct__t(lang, T_UNKNOWN_LAB));
		ct__w_fmt(o, "</td><td>%s</td><td><a href='/api/v1/standards/", ct__w_day(day, l.v[i].since));
		ct__w_url(o, l.v[i].id, strlen(l.v[i].id));
		snprintf(counts, sizeof(counts), ct__t(lang, T_IMPACT_COUNTS), im->standards,
			 im->instruments);
		ct__w_str(o, "/impact'>");
		ct__w_esc(o, counts);
		ct__w_str(o, "</a></td></tr>\n");
		ct_org_info_free(&info);
		ct_impact_free(im);
	}
	ct__w_str(o, "</table></div>\n");
	if (l.more)
		ct__w_fmt(o, "<p class='note'>+%zu</p>\n", l.more);
done:
	for (i = 0; i < l.n; i++)
		free(l.v[i].id);
	return err;
}

struct lab_count {
	uint8_t key[CT_KEY_BYTES];
	const char *name;
	size_t n[CT_DUE_SOON + 1], total;
};

static int by_total(const void *a, const void *b)
{
	const struct lab_count *x = a, *y = b;

	return x->total != y->total ? (x->total < y->total ? 1 : -1) : memcmp(x->key, y->key, CT_KEY_BYTES);
}

static int overdue_by_lab(struct ct__out *o, struct ct__req *q)
{
	static const enum ct__msg cols[] = {T_NEVER, T_FAILED, T_OVERDUE};
	struct lab_count *labs = NULL;
	ct_due_query dq;
	ct_due *d = NULL;
	size_t nlabs = 0, i, j;
	int lang = q->rt->lang, err;
	char hex[2 * CT_KEY_BYTES + 1];

	memset(&dq, 0, sizeof(dq));
	dq.at = q->rt->at;
	dq.overdue_only = true;
	if ((err = ct_due_list(&d, q->r, &dq)) < 0)
		return err;
	if (d->count && !(labs = calloc(d->count, sizeof(*labs)))) {
		ct_due_free(d);
		return CT_ENOMEM;
	}
	for (i = 0; i < d->count; i++) { /* few labs: a linear search is enough */
		const ct_due_item *it = &d->items[i];
		for (j = 0; j < nlabs && memcmp(labs[j].key, it->lab, CT_KEY_BYTES); j++)
			;
		if (j == nlabs) {
			memcpy(labs[nlabs].key, it->lab, CT_KEY_BYTES);
			labs[nlabs++].name = it->lab_name;
		}
		labs[j].n[it->state]++;
		labs[j].total++;
	}
	if (nlabs) /* qsort(NULL, 0, ...) is undefined */
		qsort(labs, nlabs, sizeof(*labs), by_total);
	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_OVERDUE_TITLE));
	ct__w_str(o, "</h2>\n<div class='scroll'><table id='overdue'><tr>");
	th(o, lang, T_LAB, true);
	for (i = 0; i < 3; i++)
		th(o, lang, cols[i], false);
	th(o, lang, T_TOTAL, false);
	ct__w_str(o, "</tr>\n");
	for (i = 0; i < nlabs; i++) {
		ct_hex(hex, labs[i].key, CT_KEY_BYTES);
		ct__w_fmt(o, "<tr><td><a href='/labs/%s%s'>", hex, ct__lang_param(q, true));
		if (labs[i].name)
			ct__w_esc(o, labs[i].name);
		else
			ct__w_fmt(o, "%.12s…", hex);
		ct__w_fmt(o, "</a></td><td>%zu</td><td>%zu</td><td>%zu</td><td><b>%zu</b></td></tr>\n",
			  labs[i].n[CT_DUE_NEVER], labs[i].n[CT_DUE_FAILED], labs[i].n[CT_DUE_OVERDUE],
			  labs[i].total);
	}
	ct__w_str(o, "</table></div>\n");
	free(labs);
	ct_due_free(d);
	return 0;
}

int ct__page_dashboard(struct ct__req *q, ct_web_response *resp)
{
	struct ct__out o = {&resp->body, 0};
	ct_report rep;
	int lang = q->rt->lang, err;
	char day[32];

	memset(&rep, 0, sizeof(rep));
	if ((err = ct_report_compute(&rep, q->r, q->rt->at)) < 0)
		goto done;
	ct__page_begin(&o, q, ct__t(lang, T_DASHBOARD));
	ct__w_str(&o, "<h1>");
	ct__w_esc(&o, rep.network ? rep.network : "");
	ct__w_str(&o, " · ");
	ct__w_esc(&o, ct__t(lang, T_DASHBOARD));
	ct__w_fmt(&o, " <time>%s</time></h1>\n<p class='sub'>", ct__w_day(day, q->rt->at));
	ct__w_esc(&o, ct__t(lang, T_DASH_SUB));
	ct__w_str(&o, " ");
	ct__w_esc(&o, ct__t(lang, T_DIGEST));
	ct__w_fmt(&o, " <code>%s</code></p>\n", rep.digest);
	indicators(&o, q, &rep);
	districts(&o, q, &rep);
	trend(&o, q, &rep);
	if ((err = out_of_tolerance(&o, q)) < 0 || (err = overdue_by_lab(&o, q)) < 0)
		goto done;
	ct__page_end(&o, q);
	if ((err = o.err) == 0)
		ct__html_ok(resp);
done:
	ct_report_free(&rep);
	return err;
}
