/* The plan's indicators against their 2016 and 2020 targets, and the report they belong to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/base/types.h"
#include "caltrace/base/fmt.h"
#include "caltrace/eval/indicators.h"
#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/json.h"

/* The plan's targets (docs/DOMAIN.md), in hundredths of the unit; 0 where the plan sets none. */
static const struct target {
	const char *name, *unit;
	uint64_t t2016, t2020;
} targets[CT_INDICATORS] = {
    {"municipal public measurement standards", "", 10000, 12000},
    {"district public standards, average per district", "", 2000, 2500},
    {"calibration/verification items (categories)", "", 0, 41000},
    {"traceability-system coverage", "%", 0, 9500},
    {"inspection rate of compulsory instruments", "%", 0, 9500},
    {"compulsory verification of medical and environmental instruments", "%", 0, 9500},
};

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

bool ct_indicator_meets(const ct_indicator *in, uint64_t target)
{
	/* num / den >= target / 100 (of a unit) or / 10000 (a percentage of 1), without overflow */
	unsigned __int128 lhs = (unsigned __int128)in->num * (in->unit[0] == '%' ? 10000 : 100);

	return target && in->den && lhs >= (unsigned __int128)target * in->den;
}

static void set(ct_indicator *in, int k, uint64_t num, uint64_t den)
{
	in->name = targets[k].name;
	in->unit = targets[k].unit;
	in->num = num;
	in->den = den;
	in->target_2016 = targets[k].t2016;
	in->target_2020 = targets[k].t2020;
	if (den == 0)
		in->status = CT_IND_NO_DATA;
	else
		in->status = ct_indicator_meets(in, in->target_2020)   ? CT_IND_MEETS_2020
			     : ct_indicator_meets(in, in->target_2016) ? CT_IND_MEETS_2016
								       : CT_IND_BELOW;
}

void ct_indicators_compute(ct_indicator out[CT_INDICATORS], const ct_coverage *now,
			   const ct_coverage *by_domain)
{
	const ct_standards_summary *s = &now->standards;
	uint64_t num = 0, den = 0;
	size_t i;

	memset(out, 0, CT_INDICATORS * sizeof(*out)); /* padding too: results compare bytewise */

	/* Medical and environmental instruments: the plan's third rate. */
	for (i = 0; i < by_domain->ngroups; i++)
		if (strcmp(by_domain->groups[i].key, "medical") == 0 ||
		    strcmp(by_domain->groups[i].key, "environment") == 0) {
			num += by_domain->groups[i].counts.compulsory_valid;
			den += by_domain->groups[i].counts.compulsory;
		}
	set(&out[0], 0, s->valid[CT_LEVEL_MUNICIPAL], 1);
	set(&out[1], 1, s->valid[CT_LEVEL_DISTRICT], s->ndistricts);
	set(&out[2], 2, s->items, 1);
	set(&out[3], 3, now->total.valid, now->total.registered);
	set(&out[4], 4, now->total.compulsory_valid, now->total.compulsory);
	set(&out[5], 5, num, den);
}

const char *ct_indicator_status_name(ct_indicator_status s)
{
	switch (s) {
	case CT_IND_MEETS_2020:
		return "meets the 2020 target";
	case CT_IND_MEETS_2016:
		return "meets the 2016 target";
	case CT_IND_BELOW:
		return "below target";
	default:
		return "no data";
	}
}

/* The last millisecond of the month before the month of t. */
static uint64_t end_of_previous_month(uint64_t t)
{
	char day[32];
	uint64_t first = t;
	int y = 1970, m = 1;

	ct_time_format(day, sizeof(day), t);
	sscanf(day, "%4d-%2d", &y, &m);
	snprintf(day, sizeof(day), "%04d-%02d-01", y, m);
	ct_time_parse(&first, day);
	return first - 1;
}

/* The genesis's name. */
static int network_name(char **out, ct_reader *r)
{
	uint8_t network[CT_HASH_BYTES];
	json_t *body = NULL;
	ct_entry g;
	int err;

	if ((err = ct_read_network(network, NULL, r)) < 0 ||
	    (err = ct_read_entry_by_hash(&g, r, network)) < 0 ||
	    (err = ct_body_to_json(&body, CT_EV_NETWORK_GENESIS, g.body, g.body_len)) < 0)
		return err;
	*out = strdup(json_string_value(json_object_get(body, "name")));
	json_decref(body);
	return *out ? 0 : ct_error_set(CT_ENOMEM, "out of memory");
}

int ct_report_compute(ct_report *out, ct_reader *r, uint64_t at)
{
	uint64_t times[CT_REPORT_MONTHS + 1];
	uint8_t digest[CT_HASH_BYTES];
	ct_coverage_query q;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	out->at = at;
	/* The ends of the twelve months before the month of `at`, then `at` itself. */
	times[CT_REPORT_MONTHS] = at;
	for (i = CT_REPORT_MONTHS; i-- > 0;)
		times[i] = end_of_previous_month(times[i + 1]);
	memset(&q, 0, sizeof(q));
	q.by = CT_BY_DISTRICT;
	if ((err = ct_coverage_compute(&out->series, r, times, CT_REPORT_MONTHS + 1, &q)) < 0)
		return ct_error_wrap(err, "cannot compute coverage");
	out->nseries = CT_REPORT_MONTHS + 1;
	q.by = CT_BY_DOMAIN;
	if ((err = ct_coverage_compute(&out->domains, r, &at, 1, &q)) < 0)
		return ct_error_wrap(err, "cannot compute coverage by domain");
	if ((err = ct_read_digest(digest, r)) < 0 || (err = network_name(&out->network, r)) < 0)
		return ct_error_wrap(err, "cannot read the network");
	ct_hex(out->digest, digest, CT_HASH_BYTES);
	ct_indicators_compute(out->ind, &out->series[CT_REPORT_MONTHS], out->domains);
	return 0;
}

void ct_report_free(ct_report *rep)
{
	free(rep->network);
	ct_coverage_free(rep->series, rep->nseries);
	ct_coverage_free(rep->domains, 1);
	memset(rep, 0, sizeof(*rep));
}
