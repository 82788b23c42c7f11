/* A chain as JSON (caltrace/eval/json.h): `caltrace chain --json` and the web API's chain. */
#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/eval/json.h"

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	ct_hex(hex, b, n);
	return json_string(hex);
}

static json_t *day_json(uint64_t ms)
{
	char when[32];

	ct_time_format(when, sizeof(when), ms);
	return json_string(when);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static const char *kind_name(ct_trace_kind k)
{
	switch (k) {
	case CT_NODE_INSTRUMENT:
		return "instrument";
	case CT_NODE_STANDARD:
		return "standard";
	case CT_NODE_ANCHOR:
		return "anchor";
	default:
		return "calibration";
	}
}

static json_t *reason_json(const ct_trace_reason *r)
{
	json_t *o = json_object(), *entries = json_array();
	unsigned i;

	json_object_set_new(o, "code", json_string(ct_reason_name(r->code)));
	json_object_set_new(
	    o, "severity",
	    json_string(r->warning ? "warning" : ct_verdict_name(ct_reason_severity(r->code))));
	json_object_set_new(o, "detail", json_string(r->detail));
	for (i = 0; i < r->nentries; i++)
		json_array_append_new(entries, hex_json(r->entries[i], CT_HASH_BYTES));
	json_object_set_new(o, "entries", entries);
	return o;
}

static void subject_fields(json_t *o, const ct_trace_node *n)
{
	json_object_set_new(o, "at", day_json(n->at));
	set_str(o, "category", n->category);
	set_str(o, "level", n->level);
	set_str(o, "district", n->district);
	set_str(o, "owner", n->owner);
	set_str(o, "catalogue", n->catalogue);
	set_str(o, "domain", n->domain);
	set_str(o, "quantity", n->quantity);
	set_str(o, "against", n->against);
	if (n->kind == CT_NODE_STANDARD) {
		json_object_set_new(o, "public", json_boolean(n->is_public));
		json_object_set_new(o, "ratio", n->ratio_ok < 0 ? json_null() : json_boolean(n->ratio_ok));
	} else {
		json_object_set_new(o, "compulsory", json_boolean(n->compulsory));
	}
}

static void link_fields(json_t *o, const ct_trace_node *n)
{
	set_str(o, "kind", n->link_kind);
	set_str(o, "certificate", n->certificate);
	set_str(o, "result", n->result);
	set_str(o, "technician", n->technician);
	set_str(o, "provider", n->provider);
	json_object_set_new(o, "performed_at", day_json(n->performed_at));
	json_object_set_new(o, "valid_until", day_json(n->valid_until));
	json_object_set_new(o, "author", hex_json(n->author, CT_KEY_BYTES));
	set_str(o, "author_name", n->author_name);
	set_str(o, "author_tier", n->author_tier);
	if (n->repeated)
		json_object_set_new(o, "repeated", json_true());
}

static json_t *node_json(const ct_trace_node *n)
{
	json_t *o = json_object(), *reasons = json_array(), *children = json_array();
	bool subject = n->kind == CT_NODE_INSTRUMENT || n->kind == CT_NODE_STANDARD;
	size_t i;

	json_object_set_new(o, "node", json_string(kind_name(n->kind)));
	json_object_set_new(o, "verdict", json_string(ct_verdict_name(n->verdict)));
	set_str(o, "id", n->id);
	if (n->has_entry)
		json_object_set_new(o, subject ? "registration" : "entry", hex_json(n->entry, CT_HASH_BYTES));
	if (subject)
		subject_fields(o, n);
	else
		link_fields(o, n);
	if (n->truncated)
		json_object_set_new(o, "truncated", json_true());
	for (i = 0; i < n->nreasons; i++)
		json_array_append_new(reasons, reason_json(&n->reasons[i]));
	json_object_set_new(o, "reasons", reasons);
	for (i = 0; i < n->nchildren; i++)
		json_array_append_new(children, node_json(n->children[i]));
	json_object_set_new(o, "children", children);
	return o;
}

int ct_trace_to_json(json_t **out, const ct_trace_node *tree)
{
	if (!(*out = node_json(tree)))
		return ct_error_set(CT_ENOMEM, "out of memory writing a chain as JSON");
	return 0;
}

int ct_reason_to_json(json_t **out, const ct_trace_reason *r)
{
	if (!(*out = reason_json(r)))
		return ct_error_set(CT_ENOMEM, "out of memory writing a reason as JSON");
	return 0;
}
