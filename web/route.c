/*
 * Routing and query parsing (ct_web_route_parse): the request's path and
 * query, as raw bytes, to a route whose every parameter is decoded and
 * checked, or to the error to answer. Pure: nothing but the request is
 * read, so the fuzz target (tests/fuzz/fuzz_web_route.c) drives it alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "web_internal.h"

#define SEGMENTS_MAX 8

/* Query parameters a route takes, as bits. */
enum {
	P_AT = 1u << 0,
	P_SINCE = 1u << 1,
	P_BY = 1u << 2,
	P_MONTHLY = 1u << 3,
	P_WITHIN = 1u << 4,
	P_OVERDUE = 1u << 5,
	P_OFFSET = 1u << 6,
	P_LIMIT = 1u << 7,
	P_LANG = 1u << 8,
	P_Q = 1u << 9,
	P_DISTRICT = 1u << 10,
	P_CATEGORY = 1u << 11,
};

static const char *const param_names[] = {"at",	    "since", "by",   "monthly", "within",   "overdue",
					  "offset", "limit", "lang", "q",	"district", "category"};
#define NPARAMS (sizeof(param_names) / sizeof(param_names[0]))

/* What is being parsed, for error messages. */
struct parse {
	ct_web_route *rt;
	const ct_web_request *req;
	ct_web_response *err;
	char instance[160]; /* the path, shortened and made printable, for problem "instance" */
};

static int fail(struct parse *p, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, int status, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ct__problem(p->err, p->rt->api, p->rt->lang, status, p->instance, "%s", detail);
	return CT_EINVAL;
}

/* At most 48 bytes of s, as printable ASCII (others as '?'), for a message. */
static const char *shown(char out[64], const char *s, size_t n)
{
	size_t i, m = n > 48 ? 48 : n;

	for (i = 0; i < m; i++)
		out[i] =
		    (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
	if (n > m) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = '\0';
	return out;
}

/* ---- values ------------------------------------------------------------------ */

static int parse_time_param(struct parse *p, const char *name, const char *v, uint64_t *out)
{
	char s[64];

	if (ct_time_parse(out, v) < 0)
		return fail(p, 400,
			    "parameter '%s': '%s' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
			    name, shown(s, v, strlen(v)));
	return 0;
}

/* A decimal integer in [lo, hi]. */
static int parse_uint(struct parse *p, const char *name, const char *v, uint64_t lo, uint64_t hi,
		      uint64_t *out)
{
	char s[64];
	uint64_t n = 0;
	const char *c;

	for (c = v; *c; c++) {
		if (*c < '0' || *c > '9' || n > hi)
			break;
		n = n * 10 + (uint64_t)(*c - '0');
	}
	if (!*v || *c || n < lo || n > hi)
		return fail(p, 400, "parameter '%s': '%s' is not a whole number from %llu to %llu", name,
			    shown(s, v, strlen(v)), (unsigned long long)lo, (unsigned long long)hi);
	*out = n;
	return 0;
}

static int parse_bool(struct parse *p, const char *name, const char *v, bool *out)
{
	char s[64];

	if (!*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else
		return fail(p, 400, "parameter '%s': '%s' is not true or false", name,
			    shown(s, v, strlen(v)));
	return 0;
}

static int parse_text(struct parse *p, const char *name, const char *v, char *out)
{
	const char *why;
	size_t n = strlen(v);

	if (!ct__id_ok(v, n, &why))
		return fail(p, 400, "parameter '%s' is not valid: %s", name, why);
	memcpy(out, v, n + 1);
	return 0;
}

static int parse_lang(struct parse *p, const char *v)
{
	char s[64];

	if (!strcmp(v, "zh") || !strcmp(v, "zh-CN") || !strcmp(v, "zh-cn"))
		p->rt->lang = CT_WEB_ZH;
	else if (!strcmp(v, "en"))
		p->rt->lang = CT_WEB_EN;
	else
		return fail(p, 400, "parameter 'lang': '%s' is not zh-CN or en", shown(s, v, strlen(v)));
	p->rt->lang_explicit = true;
	return 0;
}

static int parse_by(struct parse *p, const char *v)
{
	char s[64];
	int by = ct_group_by_parse(v);

	/* Not by owner: a city has as many owners as households, an answer must stay bounded. */
	if (by <= 0 || by == CT_BY_OWNER)
		return fail(p, 400,
			    "parameter 'by': '%s' is not district, category, lab, catalogue, tier or domain",
			    shown(s, v, strlen(v)));
	p->rt->by = by;
	return 0;
}

static int parse_monthly(struct parse *p, const char *v)
{
	uint64_t *times = NULL;
	size_t n = 0;
	char s[64];

	if (ct_time_months(&times, &n, v) < 0)
		return fail(p, 400, "parameter 'monthly': '%s': %s", shown(s, v, strlen(v)), ct_error_last());
	free(times);
	if (n > CT_WEB_MONTHS_MAX)
		return fail(p, 400, "parameter 'monthly': %zu months; at most %d at a time", n,
			    CT_WEB_MONTHS_MAX);
	memcpy(p->rt->monthly, v, 17);
	return 0;
}

static int set_param(struct parse *p, unsigned which, const char *v)
{
	ct_web_route *rt = p->rt;
	uint64_t n;
	int err = 0;

	switch (which) {
	case P_AT:
		rt->has_at = true;
		return parse_time_param(p, "at", v, &rt->at);
	case P_SINCE:
		rt->has_since = true;
		return parse_time_param(p, "since", v, &rt->since);
	case P_BY:
		return parse_by(p, v);
	case P_MONTHLY:
		return parse_monthly(p, v);
	case P_WITHIN:
		err = parse_uint(p, "within", v, 0, CT_WEB_WITHIN_MAX, &rt->within);
		return err;
	case P_OVERDUE:
		return parse_bool(p, "overdue", v, &rt->overdue);
	case P_OFFSET:
		if ((err = parse_uint(p, "offset", v, 0, 1000000000, &n)) == 0)
			rt->offset = (size_t)n;
		return err;
	case P_LIMIT:
		if ((err = parse_uint(p, "limit", v, 1, CT_WEB_LIMIT_MAX, &n)) == 0)
			rt->limit = (size_t)n;
		return err;
	case P_LANG:
		return parse_lang(p, v);
	case P_Q: {
		const char *why;
		size_t len = strlen(v);
		/* A search box may be sent empty or padded: trim spaces, show the form again when empty. */
		while (len && v[len - 1] == ' ')
			len--;
		while (len && *v == ' ') {
			v++;
			len--;
		}
		if (len && !ct__id_ok(v, len, &why))
			return fail(p, 400, "parameter 'q' is not an id: %s", why);
		memcpy(rt->id, v, len);
		rt->id[len] = '\0';
		rt->id_len = len;
		return 0;
	}
	case P_DISTRICT:
		return parse_text(p, "district", v, rt->district);
	default:
		return parse_text(p, "category", v, rt->category);
	}
}

/* Names the parameters a route takes, for "unknown parameter" messages. */
static void list_params(char *out, size_t size, unsigned allowed)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < NPARAMS; i++)
		if (allowed & (1u << i))
			len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
						len ? ", " : "", param_names[i]);
	if (!len)
		snprintf(out, size, "none");
}

/* Splits and decodes the query; every name must be one the route takes, once. */
static int parse_query(struct parse *p, unsigned allowed)
{
	const char *q = p->req->query ? p->req->query : "", *end = q + strlen(q), *part = q;
	unsigned seen = 0, count = 0;
	char name[32], value[CT_WEB_PATH_MAX + 1], s[64], list[160];
	const char *c;
	int err;

	for (c = q; *c; c++) /* too many parameters is the first thing to say */
		count += *c == '&';
	if (count + 1 > CT_WEB_PARAMS_MAX)
		return fail(p, 400, "more than %d query parameters", CT_WEB_PARAMS_MAX);
	while (part < end) {
		const char *amp = memchr(part, '&', (size_t)(end - part)), *stop = amp ? amp : end;
		const char *eq = memchr(part, '=', (size_t)(stop - part)), *why = NULL;
		size_t nlen = (size_t)((eq ? eq : stop) - part), i;
		unsigned which = 0;

		if (stop == part) { /* "a=1&&b=2": an empty part is nothing */
			part = stop + 1;
			continue;
		}
		if (ct__pct_decode(name, sizeof(name) - 1, part, nlen, true, &why) < 0)
			return fail(p, 400, "a query parameter's name '%s' is not valid: %s",
				    shown(s, part, nlen), why);
		for (i = 0; i < NPARAMS; i++)
			if (!strcmp(name, param_names[i]))
				which = 1u << i;
		if (!(which & allowed)) {
			list_params(list, sizeof(list), allowed);
			return fail(p, 400, "unknown parameter '%s' (this address takes: %s)",
				    shown(s, name, strlen(name)), list);
		}
		if (seen & which)
			return fail(p, 400, "parameter '%s' is given twice", name);
		seen |= which;
		if (eq &&
		    ct__pct_decode(value, sizeof(value) - 1, eq + 1, (size_t)(stop - eq - 1), true, &why) < 0)
			return fail(p, 400, "parameter '%s' is not valid: %s", name, why);
		if (!eq)
			value[0] = '\0';
		if ((err = set_param(p, which, value)) < 0)
			return err;
		part = stop + (amp ? 1 : 0);
	}
	if ((seen & P_AT) && (seen & P_MONTHLY))
		return fail(p, 400, "give 'at' or 'monthly', not both");
	return 0;
}

/* ---- paths ------------------------------------------------------------------- */

struct segs {
	const char *s[SEGMENTS_MAX];
	size_t n[SEGMENTS_MAX];
	size_t count;
};

/* Splits "/a/b/c" (one trailing slash allowed) into raw segments; false when there are too many. */
static bool split(const char *path, struct segs *out)
{
	const char *p = path + 1;
	size_t len = strlen(p);

	out->count = 0;
	if (len && p[len - 1] == '/')
		len--;
	if (!len)
		return true;
	for (;;) {
		const char *slash = memchr(p, '/', len);
		size_t n = slash ? (size_t)(slash - p) : len;
		if (out->count == SEGMENTS_MAX)
			return false;
		out->s[out->count] = p;
		out->n[out->count++] = n;
		if (!slash)
			return true;
		len -= n + 1;
		p = slash + 1;
	}
}

static bool is(const struct segs *g, size_t i, const char *word)
{
	return i < g->count && g->n[i] == strlen(word) && !memcmp(g->s[i], word, g->n[i]);
}

static int decode_id(struct parse *p, const struct segs *g, size_t i, const char *what)
{
	const char *why = NULL;
	char s[64];
	long n = ct__pct_decode(p->rt->id, CT_ID_MAX, g->s[i], g->n[i], false, &why);

	if (n < 0 || !ct__id_ok(p->rt->id, (size_t)n, &why))
		return fail(p, 400, "the %s id '%s' is not valid: %s", what, shown(s, g->s[i], g->n[i]),
			    n < 0 && !strcmp(why, "too long") ? "it is longer than 200 bytes" : why);
	p->rt->id_len = (size_t)n;
	return 0;
}

static int decode_hex(struct parse *p, const struct segs *g, size_t i, const char *what, uint8_t out[32])
{
	char hex[65], s[64];

	if (g->n[i] != 64 || (memcpy(hex, g->s[i], 64), hex[64] = '\0', ct_unhex(out, 32, hex) < 0))
		return fail(p, 400, "the %s '%s' is not 64 hex digits", what, shown(s, g->s[i], g->n[i]));
	return 0;
}

static int not_found(struct parse *p)
{
	return fail(p, 404, "nothing is at %s%s", p->instance,
		    p->rt->api ? " (GET /api/v1 lists what is)" : "");
}

/* /api/v1/... */
static int route_api(struct parse *p, const struct segs *g, unsigned *allowed)
{
	ct_web_route *rt = p->rt;
	int err;

	if (!is(g, 1, "v1"))
		return fail(p, 404, "no API version at %s: the API is /api/v1", p->instance);
	if (g->count == 2) {
		rt->kind = CT_WEB_API_INDEX;
		return 0;
	}
	if ((is(g, 2, "instruments") || is(g, 2, "standards")) && g->count >= 4 && g->count <= 5) {
		rt->ns = is(g, 2, "instruments") ? CT_NS_INSTRUMENT : CT_NS_STANDARD;
		if ((err = decode_id(p, g, 3, rt->ns == CT_NS_INSTRUMENT ? "instrument" : "standard")) < 0)
			return err;
		*allowed = P_AT;
		if (g->count == 4)
			rt->kind = CT_WEB_API_SUBJECT;
		else if (is(g, 4, "chain"))
			rt->kind = CT_WEB_API_CHAIN;
		else if (is(g, 4, "proof"))
			rt->kind = CT_WEB_API_PROOF;
		else if (is(g, 4, "impact") && rt->ns == CT_NS_STANDARD) {
			rt->kind = CT_WEB_API_IMPACT;
			*allowed = P_AT | P_SINCE | P_OFFSET | P_LIMIT;
		} else
			return not_found(p);
		return 0;
	}
	if (is(g, 2, "coverage") && g->count == 3) {
		rt->kind = CT_WEB_API_COVERAGE;
		*allowed = P_AT | P_BY | P_MONTHLY | P_DISTRICT | P_CATEGORY;
		return 0;
	}
	if (is(g, 2, "labs") && g->count == 5 && is(g, 4, "due")) {
		rt->kind = CT_WEB_API_DUE;
		*allowed = P_AT | P_WITHIN | P_OVERDUE | P_OFFSET | P_LIMIT;
		return decode_hex(p, g, 3, "lab key", rt->key);
	}
	if (is(g, 2, "status") && g->count == 3) {
		rt->kind = CT_WEB_API_STATUS;
		return 0;
	}
	if (is(g, 2, "entries") && g->count == 4) {
		rt->kind = CT_WEB_API_ENTRY;
		return decode_hex(p, g, 3, "entry hash", rt->hash);
	}
	return not_found(p);
}

/* Pages: /, /i/ID, /s/ID, /dashboard, /labs/KEY, /static/NAME. */
static int route_page(struct parse *p, const struct segs *g, unsigned *allowed)
{
	ct_web_route *rt = p->rt;

	*allowed = P_LANG;
	if (g->count == 0) {
		rt->kind = CT_WEB_SEARCH_PAGE;
		*allowed |= P_Q;
		return 0;
	}
	if ((is(g, 0, "i") || is(g, 0, "s")) && g->count == 2) {
		rt->kind = is(g, 0, "i") ? CT_WEB_INSTRUMENT_PAGE : CT_WEB_STANDARD_PAGE;
		rt->ns = is(g, 0, "i") ? CT_NS_INSTRUMENT : CT_NS_STANDARD;
		*allowed |= P_AT;
		return decode_id(p, g, 1, rt->ns == CT_NS_INSTRUMENT ? "instrument" : "standard");
	}
	if (is(g, 0, "dashboard") && g->count == 1) {
		rt->kind = CT_WEB_DASHBOARD;
		*allowed |= P_AT;
		return 0;
	}
	if (is(g, 0, "labs") && g->count == 2) {
		rt->kind = CT_WEB_LAB_PAGE;
		*allowed |= P_AT | P_WITHIN | P_OFFSET;
		return decode_hex(p, g, 1, "lab key", rt->key);
	}
	if (is(g, 0, "static") && g->count == 2) {
		static const char *const names[] = {"caltrace.css", "scan.js", "icon.svg"};
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (is(g, 1, names[i])) {
				rt->kind = CT_WEB_ASSET;
				rt->asset = names[i];
				*allowed = 0;
				return 0;
			}
	}
	return not_found(p);
}

int ct_web_route_parse(ct_web_route *out, const ct_web_request *req, ct_web_response *err)
{
	struct parse p = {out, req, err, ""};
	const char *path = req->path ? req->path : "";
	unsigned allowed = 0;
	struct segs g;
	int rc;

	memset(out, 0, sizeof(*out));
	out->lang = ct__lang_from_header(req->accept_language);
	out->within = 30;
	out->limit = CT_WEB_LIMIT_DEFAULT;
	out->api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
	shown(p.instance, path, strlen(path));
	if (!req->method || (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)) {
		fail(&p, 405, "this service only reads: use GET or HEAD");
		err->allow = "GET, HEAD";
		return CT_EINVAL;
	}
	out->head = strcmp(req->method, "HEAD") == 0;
	if (strlen(path) > CT_WEB_PATH_MAX || (req->query && strlen(req->query) > CT_WEB_PATH_MAX))
		return fail(&p, 414, "the address is longer than %d bytes", CT_WEB_PATH_MAX);
	if (path[0] != '/')
		return fail(&p, 400, "the path does not start with '/'");
	if (!split(path, &g))
		return not_found(&p);
	if (g.count && g.n[0] == 3 && !memcmp(g.s[0], "api", 3))
		rc = route_api(&p, &g, &allowed);
	else
		rc = route_page(&p, &g, &allowed);
	if (rc < 0)
		return rc;
	if ((rc = parse_query(&p, allowed)) < 0)
		return rc;
	if (!out->has_at)
		out->at = req->now;
	return 0;
}
