/*
 * The JSON API, /api/v1 (docs/API.md). Each answer is the form the CLI's
 * --json prints for the same question (caltrace/eval/json.h,
 * caltrace/ledger/json.h, caltrace/ledger/status.h), with paging for long
 * lists and links to the related addresses.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/eval/json.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/status.h"
#include "caltrace/proof/bundle.h"
#include "caltrace/proof/cbundle.h"
#include "web_internal.h"

#define CONTROL_TIMEOUT_MS 2000

static int send_json(ct_web_response *resp, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int err = 0;

	json_decref(o);
	if (!text || ct_buf_put(&resp->body, text, strlen(text)) < 0 || ct_buf_put(&resp->body, "\n", 1) < 0)
		err = ct_error_set(CT_ENOMEM, "out of memory writing JSON");
	free(text);
	resp->status = 200;
	resp->content_type = "application/json";
	if (!resp->cache)
		resp->cache = "no-cache";
	return err;
}

/* base + path (+ ?at=... when at was given), as a JSON string. */
static json_t *link(const struct ct__req *q, const char *path, size_t len)
{
	char day[32];
	ct_buf b = CT_BUF_INIT;
	json_t *s;

	ct_buf_put(&b, ct__site_base(q->site), strlen(ct__site_base(q->site)));
	ct_buf_put(&b, path, len);
	if (q->rt->has_at) {
		ct_time_format(day, sizeof(day), q->rt->at);
		ct_buf_put(&b, "?at=", 4);
		ct__pct_encode(&b, day, strlen(day));
	}
	s = b.ptr ? json_stringn((const char *)b.ptr, b.len) : NULL;
	ct_buf_free(&b);
	return s;
}

/* The links of a subject: its page, chain, proof (and impact for a standard). */
static json_t *subject_links(const struct ct__req *q)
{
	const ct_web_route *rt = q->rt;
	ct_buf p = CT_BUF_INIT;
	json_t *o = json_object();
	size_t base;

	ct_web_subject_path(&p, rt->ns, rt->id, rt->id_len);
	json_object_set_new(o, "page", link(q, (const char *)p.ptr, p.len));
	p.len = 0;
	ct_buf_put(&p, rt->ns == CT_NS_STANDARD ? "/api/v1/standards/" : "/api/v1/instruments/",
		   rt->ns == CT_NS_STANDARD ? 18 : 20);
	ct__pct_encode(&p, rt->id, rt->id_len);
	base = p.len;
	json_object_set_new(o, "self", link(q, (const char *)p.ptr, p.len));
	ct_buf_put(&p, "/chain", 6);
	json_object_set_new(o, "chain", link(q, (const char *)p.ptr, p.len));
	p.len = base;
	ct_buf_put(&p, "/proof", 6);
	json_object_set_new(o, "proof", link(q, (const char *)p.ptr, p.len));
	if (rt->ns == CT_NS_STANDARD) {
		p.len = base;
		ct_buf_put(&p, "/impact", 7);
		json_object_set_new(o, "impact", link(q, (const char *)p.ptr, p.len));
	}
	ct_buf_free(&p);
	return o;
}

static int no_subject(const struct ct__req *q, ct_web_response *resp)
{
	ct__problem(resp, true, q->rt->lang, 404, q->req->path, "no %s with id '%s' is in this node's ledger",
		    q->rt->ns == CT_NS_STANDARD ? "standard" : "instrument", q->rt->id);
	return 0;
}

/* The chain of the routed subject at its time; *tree NULL (and a 404 answered) when unknown. */
static int subject_tree(struct ct__req *q, ct_web_response *resp, ct_trace_node **tree)
{
	const ct_web_route *rt = q->rt;
	ct_tracer *tr;
	bool known;
	int err;

	*tree = NULL;
	if ((err = ct__subject_known(q->r, rt->ns, rt->id, rt->id_len, &known)) < 0)
		return err;
	if (!known)
		return no_subject(q, resp);
	if ((err = ct__tracer(q, &tr)) < 0)
		return err;
	return ct_trace(tree, tr, rt->ns, rt->id, rt->id_len, rt->at);
}

/* Every reason code anywhere in a tree, once, in code order. */
static void collect_reasons(const ct_trace_node *n, uint64_t *mask)
{
	size_t i;

	for (i = 0; i < n->nreasons; i++)
		*mask |= 1ULL << n->reasons[i].code;
	for (i = 0; i < n->nchildren; i++)
		collect_reasons(n->children[i], mask);
}

static json_t *link_summary(const ct_trace_node *l)
{
	char a[32], b[32], author[2 * CT_KEY_BYTES + 1], entry[2 * CT_HASH_BYTES + 1];

	ct_hex(author, l->author, CT_KEY_BYTES);
	ct_hex(entry, l->entry, CT_HASH_BYTES);
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s}", "entry", entry,
			 "kind", l->link_kind, "certificate", l->certificate, "result", l->result,
			 "performed_at", ct__w_day(a, l->performed_at), "valid_until",
			 ct__w_day(b, l->valid_until), "lab", author, "lab_name", l->author_name,
			 "technician", l->technician, "provider", l->provider, "verdict",
			 ct_verdict_name(l->verdict));
}

static int api_subject(struct ct__req *q, ct_web_response *resp)
{
	const ct_web_route *rt = q->rt;
	ct_trace_node *tree = NULL;
	json_t *o = NULL, *codes, *reg = NULL;
	uint64_t mask = 0;
	char day[32];
	ct_entry e;
	int err, i;

	if ((err = subject_tree(q, resp, &tree)) < 0 || !tree)
		goto done;
	if (tree->has_entry && ct_read_entry_by_hash(&e, q->r, tree->entry) == 0 &&
	    (err = ct_entry_to_json(&reg, &e)) < 0)
		goto done;
	collect_reasons(tree, &mask);
	codes = json_array();
	for (i = 0; i < CT_R__COUNT; i++)
		if (mask & (1ULL << i))
			json_array_append_new(codes, json_string(ct_reason_name((ct_reason)i)));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o*, s:o}", "id", rt->id, "kind",
		      rt->ns == CT_NS_STANDARD ? "standard" : "instrument", "at", ct__w_day(day, rt->at),
		      "verdict", ct_verdict_name(tree->verdict), "reasons", codes, "registration", reg,
		      "latest_calibration", tree->nchildren ? link_summary(tree->children[0]) : json_null());
	reg = NULL;
	json_object_set_new(o, "links", subject_links(q));
	err = send_json(resp, o);
done:
	json_decref(reg);
	ct_trace_free(tree);
	return err;
}

static int api_chain(struct ct__req *q, ct_web_response *resp)
{
	ct_trace_node *tree = NULL;
	json_t *o = NULL;
	int err;

	if ((err = subject_tree(q, resp, &tree)) < 0 || !tree)
		goto done;
	if ((err = ct_trace_to_json(&o, tree)) == 0)
		err = send_json(resp, o);
done:
	ct_trace_free(tree);
	return err;
}

/* A file name for a download: the id with every byte but [A-Za-z0-9._-] as '_'. */
static char *download_name(const ct_web_route *rt)
{
	char day[32], name[CT_ID_MAX + 64], *out = NULL;
	ct_buf b = CT_BUF_INIT;
	size_t i, n;

	ct_time_format(day, sizeof(day), rt->at);
	for (i = 0; i < 10; i++)
		name[i] = "bundle-of-"[i];
	for (i = 0, n = 10; i < rt->id_len; i++) {
		char c = rt->id[i];
		name[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				    c == '.' || c == '_' || c == '-'
				? c
				: '_';
	}
	n += (size_t)snprintf(name + n, sizeof(name) - n, "-%.10s.bundle", day);
	if (ct_buf_put(&b, "attachment; filename=\"", 22) == 0 && ct_buf_put(&b, name, n) == 0 &&
	    ct_buf_put(&b, "\"", 2) == 0)
		out = (char *)b.ptr;
	else
		ct_buf_free(&b);
	return out;
}

static int api_proof(struct ct__req *q, ct_web_response *resp)
{
	const ct_web_route *rt = q->rt;
	uint8_t digest[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1];
	bool known;
	int err;

	if ((err = ct__subject_known(q->r, rt->ns, rt->id, rt->id_len, &known)) < 0)
		return err;
	if (!known)
		return no_subject(q, resp);
	err = ct_cbundle_write(&resp->body, q->r, rt->ns, rt->id, rt->at, 1, NULL);
	if (err == CT_ESTATE) {
		char detail[512];
		snprintf(detail, sizeof(detail), "%s", ct_error_last());
		resp->body.len = 0;
		ct__problem(resp, true, rt->lang, 503, q->req->path,
			    "no complete proof can be made yet: %s (the bureau's node signs a network checkpoint "
			    "once the network has been quiet for two seconds, and the nodes witness it)",
			    detail);
		resp->retry_after = 5;
		return 0;
	}
	if (err < 0)
		return err;
	crypto_hash_sha256(digest, resp->body.ptr, resp->body.len);
	ct_hex(hex, digest, CT_HASH_BYTES);
	snprintf(resp->etag, sizeof(resp->etag), "\"%.64s\"", hex);
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	resp->cache = "no-cache";
	if (!(resp->disposition = download_name(rt)))
		return ct_error_set(CT_ENOMEM, "out of memory naming a download");
	return 0;
}

/* "next": the same address with offset moved on, when more items follow. */
static void paging(const struct ct__req *q, json_t *o, size_t count)
{
	const ct_web_route *rt = q->rt;
	ct_buf b = CT_BUF_INIT;
	char num[64], day[32];

	json_object_set_new(o, "offset", json_integer((json_int_t)rt->offset));
	json_object_set_new(o, "limit", json_integer((json_int_t)rt->limit));
	if (rt->offset + rt->limit >= count) {
		json_object_set_new(o, "next", json_null());
		return;
	}
	ct_buf_put(&b, ct__site_base(q->site), strlen(ct__site_base(q->site)));
	ct_buf_put(&b, q->req->path, strlen(q->req->path));
	snprintf(num, sizeof(num), "?offset=%zu&limit=%zu", rt->offset + rt->limit, rt->limit);
	ct_buf_put(&b, num, strlen(num));
	ct_time_format(day, sizeof(day), rt->at);
	ct_buf_put(&b, "&at=", 4);
	ct__pct_encode(&b, day, strlen(day));
	if (rt->has_since) {
		ct_time_format(day, sizeof(day), rt->since);
		ct_buf_put(&b, "&since=", 7);
		ct__pct_encode(&b, day, strlen(day));
	}
	if (rt->kind == CT_WEB_API_DUE) {
		snprintf(num, sizeof(num), "&within=%llu%s", (unsigned long long)rt->within,
			 rt->overdue ? "&overdue=1" : "");
		ct_buf_put(&b, num, strlen(num));
	}
	json_object_set_new(o, "next", b.ptr ? json_stringn((const char *)b.ptr, b.len) : json_null());
	ct_buf_free(&b);
}

static int api_impact(struct ct__req *q, ct_web_response *resp)
{
	const ct_web_route *rt = q->rt;
	ct_impact_view v = {NULL, NULL, rt->id, rt->since, rt->at, "since"};
	ct_verdict *verdicts = NULL;
	ct_impact *im = NULL;
	ct_tracer *tr;
	json_t *o = NULL;
	bool known;
	int err;

	if ((err = ct__subject_known(q->r, CT_NS_STANDARD, rt->id, rt->id_len, &known)) < 0)
		return err;
	if (!known)
		return no_subject(q, resp);
	if (!rt->has_since) {
		if ((err = ct_impact_default_since(q->r, rt->id, rt->id_len, &v.since)) < 0)
			return err;
		v.since_from = err == 1 ? "its out-of-tolerance declaration" : "all of its uses";
	}
	if ((err = ct__tracer(q, &tr)) < 0 || (err = ct_impact_of(&im, tr, rt->id, rt->id_len, v.since)) < 0)
		goto done;
	/* Only the page's items are judged: a standard high in the tree may have relied on thousands. */
	if (rt->offset < im->count) {
		ct_impact page = *im;
		page.items += rt->offset;
		page.count = im->count - rt->offset < rt->limit ? im->count - rt->offset : rt->limit;
		if ((err = ct_impact_verdicts(&verdicts, tr, &page, rt->at)) < 0)
			goto done;
	}
	v.im = im;
	v.verdicts = verdicts;
	if ((err = ct_impact_to_json(&o, &v, rt->offset, rt->limit)) < 0)
		goto done;
	paging(q, o, im->count);
	err = send_json(resp, o);
done:
	free(verdicts);
	ct_impact_free(im);
	return err;
}

static int api_coverage(struct ct__req *q, ct_web_response *resp)
{
	const ct_web_route *rt = q->rt;
	ct_coverage_query cq;
	ct_coverage *cov = NULL;
	uint64_t *times = NULL;
	size_t n = 1, i, j;
	json_t *o = NULL;
	int err;

	memset(&cq, 0, sizeof(cq));
	cq.by = (ct_group_by)rt->by;
	cq.threads = ct__site_threads(q->site);
	cq.filter.district = rt->district[0] ? rt->district : NULL;
	cq.filter.category = rt->category[0] ? rt->category : NULL;
	if (rt->monthly[0]) {
		if ((err = ct_time_months(&times, &n, rt->monthly)) < 0)
			return err;
	} else if (!(times = malloc(sizeof(*times)))) {
		return ct_error_set(CT_ENOMEM, "out of memory");
	} else {
		times[0] = rt->at;
	}
	if ((err = ct_coverage_compute(&cov, q->r, times, n, &cq)) < 0)
		goto done;
	if ((err = ct_coverage_to_json(&o, cov, n, &cq, rt->monthly[0] != '\0')) < 0)
		goto done;
	if (cq.by == CT_BY_LAB) { /* a lab's key says little to a person: add its name */
		ct_tracer *tr;
		json_t *groups_of_each = rt->monthly[0] ? json_object_get(o, "months") : NULL;
		if ((err = ct__tracer(q, &tr)) < 0)
			goto done;
		for (i = 0; i < n; i++) {
			json_t *when = groups_of_each ? json_array_get(groups_of_each, i) : o, *g;
			json_array_foreach(json_object_get(when, "groups"), j, g)
			{
				uint8_t key[CT_KEY_BYTES];
				ct_org_info info;
				if (ct_unhex(key, CT_KEY_BYTES,
					     json_string_value(json_object_get(g, "key"))) < 0)
					continue;
				if ((err = ct_org_info_at(&info, tr, key, cov[i].at)) < 0)
					goto done;
				json_object_set_new(g, "name",
						    info.name ? json_string(info.name) : json_null());
				ct_org_info_free(&info);
			}
		}
	}
	err = send_json(resp, o);
	o = NULL;
done:
	json_decref(o);
	ct_coverage_free(cov, n);
	free(times);
	return err;
}

static int api_due(struct ct__req *q, ct_web_response *resp)
{
	const ct_web_route *rt = q->rt;
	char hex[2 * CT_KEY_BYTES + 1];
	ct_org_info info = {0};
	ct_due_query dq;
	ct_due *d = NULL;
	ct_tracer *tr;
	json_t *o = NULL;
	int err;

	if ((err = ct__tracer(q, &tr)) < 0 || (err = ct_org_info_at(&info, tr, rt->key, rt->at)) < 0)
		return err;
	ct_hex(hex, rt->key, CT_KEY_BYTES);
	if (!info.name) {
		ct__problem(resp, true, rt->lang, 404, q->req->path, "no lab with key %s was ever admitted",
			    hex);
		return 0;
	}
	memset(&dq, 0, sizeof(dq));
	dq.at = rt->at;
	dq.within_days = rt->within;
	dq.overdue_only = rt->overdue;
	dq.has_lab = true;
	memcpy(dq.lab, rt->key, CT_KEY_BYTES);
	if ((err = ct_due_list(&d, q->r, &dq)) < 0 ||
	    (err = ct_due_to_json(&o, d, &dq, rt->offset, rt->limit)) < 0)
		goto done;
	json_object_set_new(o, "lab",
			    json_pack("{s:s, s:s, s:s?, s:b}", "key", hex, "name", info.name, "tier",
				      info.tier, "admitted", info.admitted && !info.revoked));
	paging(q, o, d->count);
	err = send_json(resp, o);
done:
	ct_org_info_free(&info);
	ct_due_free(d);
	return err;
}

static int api_status(struct ct__req *q, ct_web_response *resp)
{
	const uint8_t *key = ct__site_key(q->site);
	json_t *o = json_object(), *req = json_pack("{s:s}", "cmd", "status"), *ans = NULL,
	       *node = json_object();
	char hex[2 * CT_KEY_BYTES + 1];
	int err;

	if (key) {
		ct_key_hex(hex, key);
		json_object_set_new(o, "key", json_string(hex));
	}
	if ((err = ct_status_store_json(o, q->r, key, NULL)) < 0) {
		json_decref(o);
		json_decref(req);
		json_decref(node);
		return err;
	}
	if (ct_control_call(ct__site_home(q->site), req, &ans, CONTROL_TIMEOUT_MS) == 0 &&
	    json_is_true(json_object_get(ans, "ok"))) {
		json_object_set_new(node, "running", json_true());
		json_object_set(node, "listen", json_object_get(ans, "listen"));
		json_object_set(node, "uptime_ms", json_object_get(ans, "uptime_ms"));
		json_object_set(node, "ingest", json_object_get(ans, "ingest"));
		json_object_set(o, "peers", json_object_get(ans, "peers"));
	} else {
		json_object_set_new(node, "running", json_false());
	}
	ct_error_clear();
	json_object_set_new(o, "node", node);
	json_decref(req);
	json_decref(ans);
	resp->cache = "no-store";
	return send_json(resp, o);
}

static int api_entry(struct ct__req *q, ct_web_response *resp)
{
	char hex[2 * CT_HASH_BYTES + 1];
	json_t *o = NULL;
	ct_entry e;
	int err;

	ct_hex(hex, q->rt->hash, CT_HASH_BYTES);
	err = ct_read_entry_by_hash(&e, q->r, q->rt->hash);
	if (err == CT_ENOTFOUND) {
		ct__problem(resp, true, q->rt->lang, 404, q->req->path,
			    "no entry with hash %s is in this node's ledger", hex);
		return 0;
	}
	if (err < 0 || (err = ct_entry_to_json(&o, &e)) < 0)
		return err;
	/* An entry never changes: its hash is its version. */
	snprintf(resp->etag, sizeof(resp->etag), "\"%s\"", hex);
	resp->cache = "public, max-age=31536000, immutable";
	return send_json(resp, o);
}

static int api_index(struct ct__req *q, ct_web_response *resp)
{
	static const char *const calls[][2] = {
	    {"/api/v1/instruments/{id}?at=DATE", "an instrument: registration, latest calibration, verdict"},
	    {"/api/v1/instruments/{id}/chain?at=DATE", "its chain, as caltrace chain --json"},
	    {"/api/v1/instruments/{id}/proof?at=DATE", "its proof bundle, as caltrace prove writes it"},
	    {"/api/v1/standards/{id}?at=DATE", "a standard, likewise (also /chain and /proof)"},
	    {"/api/v1/standards/{id}/impact?since=DATE&at=DATE&offset=N&limit=N",
	     "what relied on a standard"},
	    {"/api/v1/coverage?by=district|category|lab&at=DATE|monthly=YYYY-MM..YYYY-MM", "coverage"},
	    {"/api/v1/labs/{key}/due?within=DAYS&overdue=1&at=DATE&offset=N&limit=N", "a lab's due list"},
	    {"/api/v1/status", "this node: feeds, digest, peers and lag"},
	    {"/api/v1/entries/{hash}", "one entry, as caltrace show --json"},
	};
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "get", calls[i][0], "what", calls[i][1]));
	return send_json(
	    resp, json_pack("{s:s, s:s, s:o}", "api", "caltrace/v1", "docs", "docs/API.md", "calls", list));
}

int ct__api(struct ct__req *q, ct_web_response *resp)
{
	switch (q->rt->kind) {
	case CT_WEB_API_INDEX:
		return api_index(q, resp);
	case CT_WEB_API_SUBJECT:
		return api_subject(q, resp);
	case CT_WEB_API_CHAIN:
		return api_chain(q, resp);
	case CT_WEB_API_PROOF:
		return api_proof(q, resp);
	case CT_WEB_API_IMPACT:
		return api_impact(q, resp);
	case CT_WEB_API_COVERAGE:
		return api_coverage(q, resp);
	case CT_WEB_API_DUE:
		return api_due(q, resp);
	case CT_WEB_API_STATUS:
		return api_status(q, resp);
	case CT_WEB_API_ENTRY:
		return api_entry(q, resp);
	default:
		return ct_error_set(CT_EINVAL, "no API handler for route %d", (int)q->rt->kind);
	}
}
