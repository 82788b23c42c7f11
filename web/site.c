/*
 * A site: the store and options a web service answers from, and the
 * dispatch of a routed request to its handler (api.c, page_*.c) inside one
 * read snapshot. Costly requests (coverage, the dashboard, impact, due
 * lists) take a slot of heavy_max; when none is free they get 503 at once
 * rather than tie up the server's threads.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/json.h"
#include "web_internal.h"

struct ct_web_site {
	ct_ledger *ledger;
	char *home;
	bool has_key;
	uint8_t key[CT_KEY_BYTES];
	char *base_url;
	unsigned heavy_max, threads;
	atomic_uint heavy;
	size_t trim_bytes;
	atomic_uint requests;
	atomic_flag trimming;
	uint64_t last_trim_ms; /* under trimming */
};

#define TRIM_EVERY     32  /* requests between two looks at the clock */
#define TRIM_PERIOD_MS 500 /* at most one look at the memory, and one release, in this time */

/* Bytes of this process's resident set that are file pages (the store's map, mostly); -1 unknown. */
static long long resident_file_bytes(void)
{
	unsigned long long size, resident, shared;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu %llu", &size, &resident, &shared);
	fclose(f);
	return n == 3 ? (long long)(shared * (unsigned long long)sysconf(_SC_PAGESIZE)) : -1;
}

/*
 * Every page of the store a request reads stays mapped in this process until the kernel needs
 * it: every half second, once they pass trim_bytes, give them back (they stay in the page
 * cache, and fault back in when read again). Random chains touch pages all over the store, so
 * after a release every page faults in again: on this project's 2-core VM that costs 2-25
 * times the CPU of a chain (docs/PERFORMANCE.md, "caltrace serve"), hence a generous default. The monotonic
 * clock read here decides only when memory is given back, never an answer (docs/STYLE.md: libraries take the
 * time they answer for from their caller).
 */
static void maybe_trim(ct_web_site *s)
{
	struct timespec ts;
	long long file;
	uint64_t now;

	if (atomic_fetch_add(&s->requests, 1) % TRIM_EVERY != TRIM_EVERY - 1 ||
	    atomic_flag_test_and_set(&s->trimming))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now - s->last_trim_ms >= TRIM_PERIOD_MS) {
		s->last_trim_ms = now;
		file = resident_file_bytes();
		if (file < 0 || file > (long long)s->trim_bytes)
			ct_ledger_trim_memory(s->ledger);
	}
	atomic_flag_clear(&s->trimming);
}

int ct_web_site_new(ct_web_site **out, const ct_web_site_opts *opts)
{
	ct_web_site *s;
	const char *base = opts->base_url ? opts->base_url : "";
	size_t blen = strlen(base);

	*out = NULL;
	if (!opts->ledger)
		return ct_error_set(CT_EINVAL, "a web site needs a store");
	if (blen && strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		return ct_error_set(CT_EINVAL, "base URL '%.80s' does not start with http:// or https://",
				    base);
	if (blen > 512 || strpbrk(base, " \"'<>\\`\t\r\n?#"))
		return ct_error_set(CT_EINVAL,
				    "base URL '%.80s' is longer than 512 bytes or holds a character a "
				    "URL may not (space, quote, <, >, \\, ?, #)",
				    base);
	if (!(s = calloc(1, sizeof(*s))))
		return ct_error_set(CT_ENOMEM, "out of memory for a web site");
	s->ledger = opts->ledger;
	s->home = strdup(opts->home ? opts->home : "");
	s->base_url = strndup(base, blen && base[blen - 1] == '/' ? blen - 1 : blen);
	if (!s->home || !s->base_url) {
		ct_web_site_free(s);
		return ct_error_set(CT_ENOMEM, "out of memory for a web site");
	}
	if (opts->node_key) {
		s->has_key = true;
		memcpy(s->key, opts->node_key, CT_KEY_BYTES);
	}
	s->heavy_max = opts->heavy_max ? opts->heavy_max : 1;
	s->threads = opts->coverage_threads ? opts->coverage_threads : 1;
	s->trim_bytes = opts->trim_bytes ? opts->trim_bytes : (size_t)256 << 20;
	atomic_init(&s->heavy, 0);
	atomic_init(&s->requests, 0);
	atomic_flag_clear(&s->trimming);
	*out = s;
	return 0;
}

void ct_web_site_free(ct_web_site *s)
{
	if (!s)
		return;
	free(s->home);
	free(s->base_url);
	free(s);
}

const char *ct_web_site_base_url(const ct_web_site *s)
{
	return s->base_url;
}

const char *ct__site_base(const ct_web_site *s)
{
	return s->base_url;
}

const char *ct__site_home(const ct_web_site *s)
{
	return s->home;
}

const uint8_t *ct__site_key(const ct_web_site *s)
{
	return s->has_key ? s->key : NULL;
}

unsigned ct__site_threads(const ct_web_site *s)
{
	return s->threads;
}

int ct_web_subject_path(ct_buf *out, char ns, const char *id, size_t id_len)
{
	int err;

	if ((err = ct_buf_put(out, ns == CT_NS_STANDARD ? "/s/" : "/i/", 3)) < 0)
		return err;
	return ct__pct_encode(out, id, id_len);
}

int ct__tracer(struct ct__req *q, ct_tracer **out)
{
	int err;

	if (!q->tr && (err = ct_tracer_new(&q->tr, q->r)) < 0)
		return err;
	*out = q->tr;
	return 0;
}

static int found_row(void *ctx, const ct_index_row *row)
{
	*(bool *)ctx = true;
	return 1;
}

int ct__subject_known(ct_reader *r, char ns, const char *id, size_t id_len, bool *known)
{
	*known = false;
	return ct_read_subject_rows(r, ns, id, id_len, 0, found_row, known);
}

char *ct__network_name(ct_reader *r)
{
	uint8_t network[CT_HASH_BYTES];
	json_t *body = NULL;
	char *name = NULL;
	ct_entry g;

	if (ct_read_network(network, NULL, r) == 0 && ct_read_entry_by_hash(&g, r, network) == 0 &&
	    ct_body_to_json(&body, CT_EV_NETWORK_GENESIS, g.body, g.body_len) == 0) {
		const char *s = json_string_value(json_object_get(body, "name"));
		name = s ? strdup(s) : NULL;
	}
	json_decref(body);
	return name;
}

static bool heavy_kind(ct_web_kind k)
{
	return k == CT_WEB_DASHBOARD || k == CT_WEB_LAB_PAGE || k == CT_WEB_API_COVERAGE ||
	       k == CT_WEB_API_DUE || k == CT_WEB_API_IMPACT;
}

/* Whether an If-None-Match header names etag (or is "*"). */
static bool etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = header;

	if (!header || !*etag)
		return false;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

static int dispatch(struct ct__req *q, ct_web_response *resp)
{
	switch (q->rt->kind) {
	case CT_WEB_SEARCH_PAGE:
		return ct__page_search(q, resp);
	case CT_WEB_INSTRUMENT_PAGE:
	case CT_WEB_STANDARD_PAGE:
		return ct__page_subject(q, resp);
	case CT_WEB_DASHBOARD:
		return ct__page_dashboard(q, resp);
	case CT_WEB_LAB_PAGE:
		return ct__page_lab(q, resp);
	default:
		return ct__api(q, resp);
	}
}

void ct_web_handle(ct_web_site *s, const ct_web_request *req, ct_web_response *resp)
{
	struct ct__req q = {s, req, NULL, NULL, NULL};
	ct_web_route rt;
	bool heavy = false;
	int err;

	memset(resp, 0, sizeof(*resp));
	if (ct_web_route_parse(&rt, req, resp) < 0)
		return;
	q.rt = &rt;
	if (rt.kind == CT_WEB_ASSET) {
		ct__asset(&rt, resp);
		return;
	}
	if (heavy_kind(rt.kind)) {
		if (atomic_fetch_add(&s->heavy, 1) >= s->heavy_max) {
			atomic_fetch_sub(&s->heavy, 1);
			ct__problem(
			    resp, rt.api, rt.lang, 503, req->path,
			    "the server is computing as many reports as it may at once; try again shortly");
			resp->retry_after = 2;
			return;
		}
		heavy = true;
	}
	ct_error_clear();
	if ((err = ct_reader_begin(&q.r, s->ledger)) == 0)
		err = dispatch(&q, resp);
	if (err < 0) {
		char detail[512];
		snprintf(detail, sizeof(detail), "%s", *ct_error_last() ? ct_error_last() : ct_strerror(err));
		ct_web_response_free(resp);
		ct__problem(resp, rt.api, rt.lang, 500, req->path, "cannot answer from the store: %s",
			    detail);
	}
	ct_tracer_free(q.tr);
	ct_reader_end(q.r);
	if (heavy)
		atomic_fetch_sub(&s->heavy, 1);
	maybe_trim(s);
	if (resp->status == 200 && etag_matches(req->if_none_match, resp->etag)) {
		resp->status = 304;
		resp->body.len = 0;
	}
}
