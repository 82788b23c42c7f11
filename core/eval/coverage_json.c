/* Coverage, due lists and impact as JSON (caltrace/eval/json.h). */
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/eval/json.h"

static json_t *rate(uint64_t num, uint64_t den)
{
	return den ? json_real((double)num / (double)den) : json_null();
}

static json_t *counts_json(const ct_coverage_counts *c)
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

static json_t *standards_json(const ct_standards_summary *s)
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

static int done(json_t **out, json_t *v, const char *what)
{
	if (!(*out = v))
		return ct_error_set(CT_ENOMEM, "out of memory writing %s as JSON", what);
	return 0;
}

int ct_coverage_counts_to_json(json_t **out, const ct_coverage_counts *c)
{
	return done(out, counts_json(c), "coverage counts");
}

int ct_standards_to_json(json_t **out, const ct_standards_summary *s)
{
	return done(out, standards_json(s), "a standards summary");
}

static json_t *one_json(const ct_coverage *c, const ct_coverage_query *q)
{
	json_t *groups = json_array();
	char when[32];
	size_t i;

	ct_time_format(when, sizeof(when), c->at);
	for (i = 0; i < c->ngroups; i++) {
		json_t *g = counts_json(&c->groups[i].counts);
		json_object_set_new(g, "key", json_string(c->groups[i].key));
		json_array_append_new(groups, g);
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "at", when, "by", ct_group_by_name(q->by), "total",
			 counts_json(&c->total), "groups", groups, "standards",
			 standards_json(&c->standards));
}

int ct_coverage_to_json(json_t **out, const ct_coverage *c, size_t n, const ct_coverage_query *q,
			bool monthly)
{
	const ct_coverage_filter *f = &q->filter;
	json_t *o,
	    *filter = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "district", f->district, "category",
				f->category, "catalogue", f->catalogue, "owner", f->owner, "tier", f->tier);
	size_t i;

	if (monthly) {
		json_t *months = json_array();
		char month[16];
		for (i = 0; i < n; i++) {
			json_t *m = one_json(&c[i], q);
			ct_time_month(month, c[i].at);
			json_object_set_new(m, "month", json_string(month));
			json_array_append_new(months, m);
		}
		o = json_pack("{s:o, s:o}", "filter", filter, "months", months);
	} else {
		o = one_json(c, q);
		json_object_set_new(o, "filter", filter);
	}
	return done(out, o, "coverage");
}

const char *ct_due_state_name(ct_due_state s)
{
	switch (s) {
	case CT_DUE_NEVER:
		return "never";
	case CT_DUE_FAILED:
		return "failed";
	case CT_DUE_OVERDUE:
		return "overdue";
	default:
		return "due";
	}
}

static json_t *due_item_json(const ct_due_item *it)
{
	char until[32], lab[2 * CT_KEY_BYTES + 1], cal[2 * CT_HASH_BYTES + 1];
	json_t *o;

	ct_hex(lab, it->lab, CT_KEY_BYTES);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:s?, s:s}", "state",
		      ct_due_state_name(it->state), "id", it->id, "district", it->district, "owner",
		      it->owner, "category", it->category, "catalogue", it->catalogue, "compulsory",
		      it->compulsory, "lab", it->lab_name, "lab_key", lab);
	if (it->has_calibration) {
		ct_hex(cal, it->calibration, CT_HASH_BYTES);
		ct_time_format(until, sizeof(until), it->valid_until);
		json_object_set_new(o, "calibration", json_string(cal));
		json_object_set_new(o, "valid_until", json_string(until));
	}
	if (it->state == CT_DUE_OVERDUE || it->state == CT_DUE_SOON)
		json_object_set_new(o, "days", json_integer((json_int_t)it->days));
	return o;
}

int ct_due_to_json(json_t **out, const ct_due *d, const ct_due_query *q, size_t offset, size_t limit)
{
	json_t *items = json_array();
	char at[32];
	size_t i;

	for (i = offset; i < d->count && i - offset < limit; i++)
		json_array_append_new(items, due_item_json(&d->items[i]));
	ct_time_format(at, sizeof(at), q->at);
	return done(out,
		    json_pack("{s:s, s:I, s:b, s:I, s:o}", "at", at, "within_days",
			      (json_int_t)q->within_days, "overdue_only", q->overdue_only, "count",
			      (json_int_t)d->count, "items", items),
		    "a due list");
}

int ct_impact_to_json(json_t **out, const ct_impact_view *v, size_t offset, size_t limit)
{
	json_t *items = json_array();
	char a[32], b[32], key[2 * CT_KEY_BYTES + 1], hash[2 * CT_HASH_BYTES + 1];
	size_t i;

	for (i = offset; i < v->im->count && i - offset < limit; i++) {
		const ct_impact_item *it = &v->im->items[i];
		ct_hex(key, it->lab, CT_KEY_BYTES);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		ct_time_format(a, sizeof(a), it->performed_at);
		ct_time_format(b, sizeof(b), it->valid_until);
		json_array_append_new(
		    items,
		    json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "district",
			      it->district, "lab", it->lab_name, "lab_key", key, "kind",
			      it->kind == CT_NS_STANDARD ? "standard" : "instrument", "id", it->id, "via",
			      it->via, "depth", (int)it->depth, "performed_at", a, "valid_until", b,
			      "calibration", hash, "verdict", ct_verdict_name(v->verdicts[i - offset])));
	}
	ct_time_format(a, sizeof(a), v->since);
	ct_time_format(b, sizeof(b), v->at);
	return done(out,
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "standard", v->standard, "since", a,
			      "since_from", v->since_from, "at", b, "standards", (json_int_t)v->im->standards,
			      "instruments", (json_int_t)v->im->instruments, "calibrations",
			      (json_int_t)v->im->count, "items", items),
		    "an impact list");
}
