/*
 * caltrace/eval/json.h - the evaluator's answers as JSON (jansson).
 *
 * One form for each answer, shared by the CLI's --json output and the web
 * API (docs/API.md), so that `caltrace chain --json` and
 * GET /api/v1/instruments/ID/chain give the same tree, with the same
 * reason codes and entry hashes. Times are ISO-8601 (base/time.h), keys
 * and hashes lowercase hex, rates reals between 0 and 1 (null when there
 * is nothing to divide by).
 *
 * Every function builds a new value owned by the caller (json_decref).
 * Errors: CT_ENOMEM.
 */
#ifndef CALTRACE_EVAL_JSON_H
#define CALTRACE_EVAL_JSON_H

#include <jansson.h>

#include "caltrace/eval/coverage.h"
#include "caltrace/eval/trace.h"

/*
 * A chain (ct_trace): every node with its kind ("instrument", "standard",
 * "calibration", "anchor"), verdict, entry hash, the subject's registration
 * fields or the link's certificate, dates, author and its admission's name
 * and tier, its reasons (code, severity, detail, entries) and children.
 * docs/VERDICTS.md names the codes.
 */
int ct_trace_to_json(json_t **out, const ct_trace_node *tree);

/* A reason of a chain node: {"code", "severity", "detail", "entries"}. */
int ct_reason_to_json(json_t **out, const ct_trace_reason *r);

/* Coverage counts: every count, the two rates and the nonzero reasons by code. */
int ct_coverage_counts_to_json(json_t **out, const ct_coverage_counts *c);

/* The public standards summary: by level, the district average, items, per district. */
int ct_standards_to_json(json_t **out, const ct_standards_summary *s);

/*
 * ct_coverage_compute's answer at n times (those of times, ct_time_months
 * when monthly): {"at", "by", "total", "groups", "standards", "filter"}
 * for one time, {"filter", "months": [... each with "month"]} for a
 * trend. A group's key is named by q->by (CT_BY_LAB: the lab's key).
 */
int ct_coverage_to_json(json_t **out, const ct_coverage *c, size_t n, const ct_coverage_query *q,
			bool monthly);

/*
 * A due list: {"at", "within_days", "overdue_only", "count", "items"}, with
 * the items from offset, at most limit of them (SIZE_MAX: all); "count" is
 * the whole list's length.
 */
int ct_due_to_json(json_t **out, const ct_due *d, const ct_due_query *q, size_t offset, size_t limit);

/* An impact list with the verdict of each item at `at` (ct_impact_verdicts). */
typedef struct ct_impact_view {
	const ct_impact *im;
	const ct_verdict *verdicts; /* one per item written: verdicts[0] is item offset's */
	const char *standard;
	uint64_t since, at;
	const char *since_from; /* why since: "--since", "its out-of-tolerance declaration", ... */
} ct_impact_view;

/*
 * {"standard", "since", "since_from", "at", "standards", "instruments",
 * "calibrations", "items"}: the items from offset, at most limit (SIZE_MAX:
 * all); the three counts are the whole list's.
 */
int ct_impact_to_json(json_t **out, const ct_impact_view *v, size_t offset, size_t limit);

#endif
