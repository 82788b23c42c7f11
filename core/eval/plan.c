/* The city against the plan's targets (caltrace/eval/plan.h, docs/DOMAIN.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/fmt.h"
#include "caltrace/base/time.h"
#include "caltrace/eval/plan.h"

const char *ct_indicator_status_name(int status)
{
	switch (status) {
	case 2:
		return "meets the 2020 target";
	case 1:
		return "meets the 2016 target";
	case 0:
		return "below target";
	default:
		return "no data";
	}
}

const char *ct_indicator_value(char out[32], const ct_indicator *in)
{
	char v[24];

	if (in->den == 0)
		snprintf(out, 32, "-");
	else if (in->unit[0] == '%')
		snprintf(out, 32, "%s", ct_fmt_pct(v, in->num, in->den));
	else if (in->den == 1)
		snprintf(out, 32, "%llu", (unsigned long long)in->num);
	else
		snprintf(out, 32, "%s", ct_fmt_div(v, in->num, in->den));
	return out;
}

const char *ct_indicator_target(char out[32], const ct_indicator *in, uint64_t hundredths)
{
	if (!hundredths)
		snprintf(out, 32, "-");
	else if (in->unit[0] == '%')
		snprintf(out, 32, ">= %llu%%", (unsigned long long)(hundredths / 100));
	else
		snprintf(out, 32, "%llu", (unsigned long long)(hundredths / 100));
	return out;
}

/* value >= target, both as fractions: num / den >= t / 100 (t in hundredths of a unit or percent). */
static bool meets(const ct_indicator *in, uint64_t t)
{
	unsigned __int128 lhs = (unsigned __int128)in->num * (in->unit[0] == '%' ? 10000 : 100);

	return t && in->den && lhs >= (unsigned __int128)t * in->den;
}

bool ct_rate_meets(uint64_t num, uint64_t den, uint64_t hundredths)
{
	ct_indicator in = {"", "%", num, den, 0, 0, 0};

	return meets(&in, hundredths);
}

static void set(ct_indicator *in, const char *name, const char *unit, uint64_t num, uint64_t den, uint64_t t16,
		uint64_t t20)
{
	in->name = name;
	in->unit = unit;
	in->num = num;
	in->den = den;
	in->target_2016 = t16;
	in->target_2020 = t20;
	in->status = den == 0 ? -1 : meets(in, t20) ? 2 : meets(in, t16) ? 1 : 0;
}

const ct_coverage_counts *ct_coverage_group_counts(const ct_coverage *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].key, key) == 0)
			return &c->groups[i].counts;
	return NULL;
}

/* Medical and environmental instruments: the plan's third rate. */
static void special_rate(const ct_coverage *d, uint64_t *num, uint64_t *den)
{
	size_t i;

	*num = *den = 0;
	for (i = 0; i < d->ngroups; i++)
		if (strcmp(d->groups[i].key, "medical") == 0 || strcmp(d->groups[i].key, "environment") == 0) {
			*num += d->groups[i].counts.compulsory_valid;
			*den += d->groups[i].counts.compulsory;
		}
}

static void indicators(ct_plan_report *p)
{
	const ct_coverage *now = &p->series[p->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	uint64_t num, den;

	set(&p->ind[0], "municipal public measurement standards", "", s->valid[CT_LEVEL_MUNICIPAL], 1, 10000,
	    12000);
	set(&p->ind[1], "district public standards, average per district", "", s->valid[CT_LEVEL_DISTRICT],
	    s->ndistricts, 2000, CT_PLAN_DISTRICT_STANDARDS * 100);
	set(&p->ind[2], "calibration/verification items (categories)", "", s->items, 1, 0, 41000);
	set(&p->ind[3], "traceability-system coverage", "%", now->total.valid, now->total.registered, 0,
	    CT_PLAN_RATE_TARGET);
	set(&p->ind[4], "inspection rate of compulsory instruments", "%", now->total.compulsory_valid,
	    now->total.compulsory, 0, CT_PLAN_RATE_TARGET);
	special_rate(p->domains, &num, &den);
	set(&p->ind[5], "compulsory verification of medical and environmental instruments", "%", num, den, 0,
	    CT_PLAN_RATE_TARGET);
}

int ct_plan_report_compute(ct_plan_report **out, ct_reader *r, uint64_t at, unsigned threads)
{
	uint64_t times[CT_PLAN_MONTHS + 1], end = at;
	ct_coverage_query q;
	ct_plan_report *p;
	size_t i;
	int err;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return ct_error_set(CT_ENOMEM, "out of memory for a report");
	p->at = at;
	/* The ends of the twelve months before the month of `at`, then `at` itself. */
	for (i = CT_PLAN_MONTHS; i-- > 0;) {
		char month[16], day[32];
		ct_time_month(month, end);
		snprintf(day, sizeof(day), "%s-01", month);
		ct_time_parse(&end, day);
		end -= 1; /* the last millisecond of the previous month */
		times[i] = end;
	}
	times[CT_PLAN_MONTHS] = at;
	memset(&q, 0, sizeof(q));
	q.threads = threads;
	q.by = CT_BY_DISTRICT;
	if ((err = ct_coverage_compute(&p->series, r, times, CT_PLAN_MONTHS + 1, &q)) < 0)
		goto fail;
	p->nseries = CT_PLAN_MONTHS + 1;
	q.by = CT_BY_DOMAIN;
	if ((err = ct_coverage_compute(&p->domains, r, &at, 1, &q)) < 0)
		goto fail;
	indicators(p);
	*out = p;
	return 0;
fail:
	ct_plan_report_free(p);
	return err;
}

void ct_plan_report_free(ct_plan_report *p)
{
	if (!p)
		return;
	ct_coverage_free(p->series, p->nseries);
	ct_coverage_free(p->domains, 1);
	free(p);
}
