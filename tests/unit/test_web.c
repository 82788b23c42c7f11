/*
 * The web service without sockets (web/): routing and query parsing,
 * percent-encoding, the language of a page, the rate limiter, answers from
 * a small store (escaping, 404s, ETags), and label sheets.
 */
#include "trace_fixture.h"

#include "caltrace/web/label.h"
#include "caltrace/web/web.h"
#include "web_internal.h"

static ct_web_request get(const char *path, const char *query)
{
	ct_web_request r = {"GET", path, query, NULL, NULL, 1700000000000ULL};
	return r;
}

/* Routes a request that must be refused with status; the answer's body must mention want. */
static void refused(const ct_web_request *req, int status, const char *want)
{
	ct_web_response resp = {0};
	ct_web_route rt;
	char *body;

	assert_int_equal(ct_web_route_parse(&rt, req, &resp), CT_EINVAL);
	assert_int_equal(resp.status, status);
	assert_non_null(body = strndup((const char *)resp.body.ptr, resp.body.len));
	if (!strstr(body, want))
		fail_msg("%s %s?%s: answer lacks '%s': %s", req->method, req->path,
			 req->query ? req->query : "", want, body);
	free(body);
	ct_web_response_free(&resp);
}

static void routed(const ct_web_request *req, ct_web_route *rt)
{
	ct_web_response resp = {0};

	if (ct_web_route_parse(rt, req, &resp) != 0)
		fail_msg("%s?%s refused: %.*s", req->path, req->query ? req->query : "", (int)resp.body.len,
			 (const char *)resp.body.ptr);
	ct_web_response_free(&resp);
}

static void test_routes(void **state)
{
	ct_web_request req;
	ct_web_route rt;

	req = get("/i/SCALE-1", NULL);
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_INSTRUMENT_PAGE);
	assert_string_equal(rt.id, "SCALE-1");
	assert_int_equal(rt.at, req.now); /* no ?at=: now */
	assert_false(rt.api);

	/* an id with a slash, a space and Chinese, percent-encoded */
	req = get("/api/v1/instruments/A%2FB%20%E7%A7%A4/chain", "at=2026-03-01");
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_API_CHAIN);
	assert_true(rt.api);
	assert_string_equal(rt.id, "A/B 秤");
	assert_int_equal(rt.ns, CT_NS_INSTRUMENT);
	assert_true(rt.has_at);
	assert_int_equal(rt.at, fx_ms("2026-03-01"));

	req = get("/api/v1/standards/M1/impact", "since=2025-01-01&offset=100&limit=50");
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_API_IMPACT);
	assert_int_equal(rt.since, fx_ms("2025-01-01"));
	assert_int_equal(rt.offset, 100);
	assert_int_equal(rt.limit, 50);

	req = get("/api/v1/coverage", "by=lab&monthly=2025-01..2025-12&district=%E5%B1%B1%E4%BA%AD%E5%8C%BA");
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_API_COVERAGE);
	assert_int_equal(rt.by, CT_BY_LAB);
	assert_string_equal(rt.monthly, "2025-01..2025-12");
	assert_string_equal(rt.district, "山亭区");

	req = get("/api/v1/labs/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/due",
		  "within=7&overdue");
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_API_DUE);
	assert_int_equal(rt.within, 7);
	assert_true(rt.overdue);
	assert_int_equal(rt.key[31], 0xef);

	req = get("/api/v1/entries/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL);
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_API_ENTRY);

	req = get("/", "q=+SCALE-1+&lang=en");
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_SEARCH_PAGE);
	assert_string_equal(rt.id, "SCALE-1"); /* spaces (pluses) around it trimmed */
	assert_int_equal(rt.lang, CT_WEB_EN);

	req = get("/api/v1/", NULL); /* one trailing slash is the same address */
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_API_INDEX);

	req = get("/static/caltrace.css", NULL);
	routed(&req, &rt);
	assert_int_equal(rt.kind, CT_WEB_ASSET);

	req.method = "HEAD";
	routed(&req, &rt);
	assert_true(rt.head);
}

static void test_refusals(void **state)
{
	char longpath[CT_WEB_PATH_MAX + 16], longid[300];
	ct_web_request req;

	req = get("/api/v1/instruments/X", "at=2026-13-01");
	refused(&req, 400, "parameter 'at': '2026-13-01' is not a date");
	req = get("/api/v1/instruments/X", "at=2026-01-01&at=2026-02-01");
	refused(&req, 400, "parameter 'at' is given twice");
	req = get("/api/v1/instruments/X", "lang=en");
	refused(&req, 400, "unknown parameter 'lang' (this address takes: at)");
	req = get("/api/v1/coverage", "by=colour");
	refused(&req, 400, "parameter 'by': 'colour' is not district, category, lab");
	req = get("/api/v1/coverage", "by=owner"); /* as many groups as households: unbounded */
	refused(&req, 400, "parameter 'by': 'owner' is not district");
	req = get("/api/v1/coverage", "at=2026-01-01&monthly=2025-01..2025-02");
	refused(&req, 400, "give 'at' or 'monthly', not both");
	req = get("/api/v1/coverage", "monthly=2020-01..2025-12");
	refused(&req, 400, "72 months; at most 60");
	req = get("/api/v1/coverage", "monthly=2025-12..2025-01");
	refused(&req, 400, "FROM not after TO");
	req = get("/api/v1/standards/M1/impact", "limit=0");
	refused(&req, 400, "parameter 'limit': '0' is not a whole number from 1 to 1000");
	req = get("/api/v1/standards/M1/impact", "offset=-1");
	refused(&req, 400, "parameter 'offset'");
	req = get("/api/v1/labs/nothex/due", NULL);
	refused(&req, 400, "the lab key 'nothex' is not 64 hex digits");
	req = get("/api/v1/instruments/a%00b", NULL);
	refused(&req, 400, "the instrument id 'a%00b' is not valid: a NUL byte");
	req = get("/api/v1/instruments/a%0Ab", NULL);
	refused(&req, 400, "is not valid: it holds a control character");
	req = get("/api/v1/instruments/a%ZZ", NULL);
	refused(&req, 400, "not followed by two hex digits");
	req = get("/api/v1/instruments/%FF%FE", NULL);
	refused(&req, 400, "it is not UTF-8");
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	memcpy(longid, "/i/", 3);
	req = get(longid, NULL);
	refused(&req, 400, "longer than 200 bytes");
	req = get("/api/v1/instruments/X", "at=%");
	refused(&req, 400, "parameter 'at' is not valid: a '%' not followed by two hex digits");
	req = get("/api/v2/instruments/X", NULL);
	refused(&req, 404, "the API is /api/v1");
	req = get("/api/v1/instruments/X/colour", NULL);
	refused(&req, 404, "\"detail\": \"nothing is at /api/v1/instruments/X/colour");
	req = get("/nowhere", NULL);
	refused(&req, 404, "nothing is at /nowhere"); /* an HTML page */
	req = get("/i/X", "lang=fr");
	refused(&req, 400, "&#39;fr&#39; is not zh-CN or en"); /* an HTML page: quotes escaped */
	req = get("/api/v1", NULL);
	req.method = "POST";
	refused(&req, 405, "use GET or HEAD");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	req = get(longpath, NULL);
	refused(&req, 414, "longer than 2048 bytes");
	req = get("/i/X", "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17");
	refused(&req, 400, "more than 16 query parameters");
}

static void test_problem_json(void **state)
{
	ct_web_request req = get("/api/v1/instruments/X", "at=x\"y");
	ct_web_response resp = {0};
	ct_web_route rt;
	json_error_t jerr;
	json_t *o;

	assert_int_equal(ct_web_route_parse(&rt, &req, &resp), CT_EINVAL);
	assert_string_equal(resp.content_type, "application/problem+json");
	assert_non_null(o = json_loadb((const char *)resp.body.ptr, resp.body.len, 0, &jerr));
	assert_string_equal(json_string_value(json_object_get(o, "type")), "about:blank");
	assert_string_equal(json_string_value(json_object_get(o, "title")), "Bad Request");
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 400);
	assert_string_equal(json_string_value(json_object_get(o, "instance")), "/api/v1/instruments/X");
	assert_non_null(strstr(json_string_value(json_object_get(o, "detail")), "'x?y' is not a date"));
	json_decref(o);
	ct_web_response_free(&resp);
}

static void test_accept_language(void **state)
{
	assert_int_equal(ct__lang_from_header(NULL), CT_WEB_ZH);
	assert_int_equal(ct__lang_from_header(""), CT_WEB_ZH);
	assert_int_equal(ct__lang_from_header("en-US,en;q=0.9"), CT_WEB_EN);
	assert_int_equal(ct__lang_from_header("zh-CN,zh;q=0.9,en;q=0.8"), CT_WEB_ZH);
	assert_int_equal(ct__lang_from_header("fr-FR, en;q=0.5"), CT_WEB_EN);
	assert_int_equal(ct__lang_from_header("en;q=0.1, zh-TW;q=0.2"), CT_WEB_ZH);
	assert_int_equal(ct__lang_from_header("fr, de"), CT_WEB_ZH);
	assert_int_equal(ct__lang_from_header("en;q=0"), CT_WEB_ZH); /* q=0: not acceptable */
	assert_int_equal(ct__lang_from_header("english, en;q=bad"), CT_WEB_ZH);
	assert_int_equal(ct__lang_from_header("EN"), CT_WEB_EN);
}

static void test_pct_roundtrip(void **state)
{
	uint64_t seed = ct_test_seed("test_pct_roundtrip");
	char in[64], out[64];
	const char *why;
	ct_buf enc = CT_BUF_INIT;
	int round, i;

	srand((unsigned)seed);
	for (round = 0; round < 2000; round++) {
		int n = rand() % 40;
		for (i = 0; i < n; i++)
			in[i] = (char)(1 + rand() % 255);
		enc.len = 0;
		CT_OK_OR_FAIL(ct__pct_encode(&enc, in, (size_t)n));
		for (i = 0; i < (int)enc.len; i++) /* only unreserved bytes and escapes remain */
			assert_non_null(
			    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%",
				   enc.ptr[i]));
		assert_int_equal(
		    ct__pct_decode(out, sizeof(out) - 1, (const char *)enc.ptr, enc.len, false, &why), n);
		assert_memory_equal(in, out, (size_t)n);
	}
	assert_int_equal(ct__pct_decode(out, 2, "abc", 3, false, &why), -1); /* does not fit */
	assert_int_equal(ct__pct_decode(out, 8, "a+b", 3, true, &why), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(ct__pct_decode(out, 8, "a+b", 3, false, &why), 3);
	assert_string_equal(out, "a+b");
	ct_buf_free(&enc);
}

static void test_escape(void **state)
{
	ct_buf b = CT_BUF_INIT;
	struct ct__out o = {&b, 0};

	ct__w_esc(&o, "<script>alert('x')</script> & \"y\"");
	ct__w_put(&o, "", 1);
	assert_int_equal(o.err, 0);
	assert_string_equal((char *)b.ptr,
			    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
	ct_buf_free(&b);
}

static void test_limiter(void **state)
{
	struct ct__limiter *l;
	uint8_t a[4] = {127, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	uint64_t t = 1000000;
	int i;

	CT_OK_OR_FAIL(ct__limiter_new(&l, 10, 20));
	for (i = 0; i < 20; i++) /* the burst */
		assert_int_equal(ct__limiter_take(l, a, 4, t), 0);
	assert_int_equal(ct__limiter_take(l, a, 4, t), 1); /* empty: wait a second (rounded up) */
	assert_int_equal(ct__limiter_take(l, b, 4, t), 0); /* another client is not held back */
	assert_int_equal(ct__limiter_take(l, a, 4, t + 99), 1);
	assert_int_equal(ct__limiter_take(l, a, 4, t + 100), 0); /* 10 a second: one more after 100 ms */
	assert_int_equal(ct__limiter_take(l, a, 4, t + 100), 1);
	for (i = 0; i < 20; i++) /* refilled to the burst, no further */
		assert_int_equal(ct__limiter_take(l, a, 4, t + 100000), 0);
	assert_int_not_equal(ct__limiter_take(l, a, 4, t + 100000), 0);
	ct__limiter_free(l);
}

/* ---- answers from a store ---- */

#define EVIL_ID	   "<script>alert(1)</script>"
#define EVIL_OWNER "<b onmouseover=alert(2)>\"Shop\"</b>"

static ct_web_site *site_of(struct fx *f)
{
	ct_web_site_opts o = {0};
	ct_web_site *s;

	fx_commit(f);
	o.ledger = f->l;
	o.base_url = "https://metrology.example/";
	CT_OK_OR_FAIL(ct_web_site_new(&s, &o));
	assert_string_equal(ct_web_site_base_url(s), "https://metrology.example");
	return s;
}

static char *answer(ct_web_site *s, const ct_web_request *req, int status, ct_web_response *resp)
{
	ct_web_handle(s, req, resp);
	if (resp->status != status)
		fail_msg("%s?%s: status %d, not %d: %.*s", req->path, req->query ? req->query : "",
			 resp->status, status, (int)resp->body.len, (const char *)resp->body.ptr);
	ct_buf_put(&resp->body, "", 1);
	return (char *)resp->body.ptr;
}

static void test_pages_escape(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_web_response resp = {0};
	ct_web_request req;
	ct_web_site *s;
	char *body;

	fx_base_open(&f, &b, true);
	fx_instrument(&f, b.city, EVIL_ID, "mass", "North", EVIL_OWNER, NULL, NULL, FX_REL(1000));
	s = site_of(&f);

	req = get("/i/%3Cscript%3Ealert%281%29%3C%2Fscript%3E", "lang=en");
	body = answer(s, &req, 200, &resp);
	assert_null(strstr(body, "<script"));
	assert_null(strstr(body, "<b onmouseover"));
	assert_non_null(strstr(body, "<h1 id='subject'>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
	assert_non_null(strstr(body, "<dd>&lt;b onmouseover=alert(2)&gt;&quot;Shop&quot;&lt;/b&gt;</dd>"));
	assert_non_null(strstr(body, "data-reason='no-calibration'"));
	/* links to its API keep the id percent-encoded */
	assert_non_null(
	    strstr(body, "/api/v1/instruments/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/proof?at="));
	ct_web_response_free(&resp);

	/* a 404 page names the id, escaped */
	req = get("/i/%3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E", NULL);
	body = answer(s, &req, 404, &resp);
	assert_null(strstr(body, "<img"));
	assert_non_null(strstr(body, "&lt;img src=x onerror=alert(3)&gt;"));
	ct_web_response_free(&resp);

	/* the search finds it and redirects with the id encoded */
	req = get("/", "q=%3Cscript%3Ealert%281%29%3C%2Fscript%3E");
	answer(s, &req, 303, &resp);
	assert_string_equal(resp.location, "/i/%3Cscript%3Ealert%281%29%3C%2Fscript%3E");
	ct_web_response_free(&resp);

	/* the lab's due list lists it (never calibrated), escaped */
	{
		char path[128], hex[65];
		ct_key_hex(hex, ct_keypair_public(b.city));
		snprintf(path, sizeof(path), "/labs/%s", hex);
		req = get(path, "at=2025-06-01");
		body = answer(s, &req, 200, &resp);
		assert_null(strstr(body, "<script"));
		assert_non_null(strstr(body, "&lt;script&gt;alert(1)&lt;/script&gt;</a>"));
		assert_non_null(strstr(body, "data-state='never'"));
		ct_web_response_free(&resp);
	}

	/* the dashboard: its district table */
	req = get("/dashboard", "at=2025-06-01&lang=en");
	body = answer(s, &req, 200, &resp);
	assert_non_null(strstr(body, "<table id='districts'>"));
	assert_non_null(strstr(body, "<tr data-district='North'><td>North</td><td>2</td><td>50.00%"));
	ct_web_response_free(&resp);
	ct_web_site_free(s);
	fx_close(&f);
}

static void test_api_answers(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_web_response resp = {0};
	ct_web_request req;
	ct_web_site *s;
	char path[160], hex[65], etag[80], *body;
	json_error_t jerr;
	json_t *o;

	fx_base_open(&f, &b, true);
	s = site_of(&f);
	req = get("/api/v1/instruments/SCALE-1", "at=2025-06-01");
	body = answer(s, &req, 200, &resp);
	assert_non_null(o = json_loads(body, 0, &jerr));
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "valid");
	ct_hex(hex, b.ver, 32);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(o, "latest_calibration"), "entry")), hex);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(o, "latest_calibration"), "valid_until")),
	    "2026-02-28");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "links"), "chain")),
			    "https://metrology.example/api/v1/instruments/SCALE-1/chain?at=2025-06-01");
	json_decref(o);
	ct_web_response_free(&resp);

	req = get("/api/v1/instruments/SCALE-1", "at=2026-06-01");
	body = answer(s, &req, 200, &resp);
	assert_non_null(strstr(body, "\"verdict\":\"invalid\",\"reasons\":[\"expired\"]"));
	ct_web_response_free(&resp);

	req = get("/api/v1/instruments/NOPE", NULL);
	body = answer(s, &req, 404, &resp);
	assert_non_null(strstr(body, "no instrument with id 'NOPE'"));
	ct_web_response_free(&resp);

	/* an entry: its hash is its ETag, and asking again with it gives 304 and no body */
	snprintf(path, sizeof(path), "/api/v1/entries/%s", hex);
	req = get(path, NULL);
	answer(s, &req, 200, &resp);
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	assert_string_equal(resp.etag, etag);
	ct_web_response_free(&resp);
	req.if_none_match = etag;
	answer(s, &req, 304, &resp);
	assert_int_equal(resp.body.len, 1); /* the NUL answer() adds */
	ct_web_response_free(&resp);
	req.if_none_match = "\"other\", W/\"x\"";
	answer(s, &req, 200, &resp);
	ct_web_response_free(&resp);
	memset(path + strlen(path) - 4, '0', 4);
	req = get(path, NULL);
	body = answer(s, &req, 404, &resp);
	assert_non_null(strstr(body, "no entry with hash"));
	ct_web_response_free(&resp);

	/* a proof cannot be made before checkpoints are cosigned: 503 and when to try again */
	req = get("/api/v1/instruments/SCALE-1/proof", "at=2025-06-01");
	body = answer(s, &req, 503, &resp);
	assert_non_null(strstr(body, "no complete proof can be made yet"));
	assert_true(resp.retry_after > 0);
	ct_web_response_free(&resp);

	/* an unknown lab is 404, naming its key */
	req = get("/api/v1/labs/00000000000000000000000000000000000000000000000000000000000000aa/due", NULL);
	body = answer(s, &req, 404, &resp);
	assert_non_null(
	    strstr(body, "no lab with key 00000000000000000000000000000000000000000000000000000000000000aa"));
	ct_web_response_free(&resp);
	ct_web_site_free(s);
	fx_close(&f);
}

static void test_site_options(void **state)
{
	ct_web_site_opts o = {0};
	ct_web_site *s = NULL;

	assert_int_equal(ct_web_site_new(&s, &o), CT_EINVAL); /* no store */
	o.ledger = (ct_ledger *)&o;			      /* not read: the base URL is refused first */
	o.base_url = "ftp://x";
	assert_int_equal(ct_web_site_new(&s, &o), CT_EINVAL);
	o.base_url = "http://x/<script>";
	assert_int_equal(ct_web_site_new(&s, &o), CT_EINVAL);
	assert_null(s);
}

/* ---- labels ---- */

static void test_label_sheets(void **state)
{
	ct_label v[30];
	ct_labels l = {v, 30};
	ct_buf pdf = CT_BUF_INIT, svg = CT_BUF_INIT;
	char *text, *p;
	size_t i, count = 0, size = 0, off, xref;

	memset(v, 0, sizeof(v));
	for (i = 0; i < 30; i++) {
		v[i].id = i == 0 ? EVIL_ID : i == 1 ? "秤-1 (Hall)" : "SCALE";
		v[i].url = "https://metrology.example/i/SCALE";
		v[i].has_cal = i % 2;
		v[i].kind = "verification";
		v[i].certificate = "V-(1)\\";
		v[i].valid_until = 1700000000000ULL;
	}
	assert_int_equal(ct_labels_write(&pdf, &(ct_labels){v, 0}, CT_LABEL_PDF), CT_EINVAL);
	CT_OK_OR_FAIL(ct_labels_write(&pdf, &l, CT_LABEL_PDF));
	CT_OK_OR_FAIL(ct_buf_put(&pdf, "", 1));
	text = (char *)pdf.ptr;
	assert_memory_equal(text, "%PDF-1.4\n", 9);
	assert_non_null(strstr(text, "/Count 2 >>"));	      /* 30 labels: two sheets */
	assert_non_null(strstr(text, "(?-1 \\(Hall\\)) Tj")); /* Chinese as '?', parentheses escaped */
	assert_non_null(strstr(text, "(cert. V-\\(1\\)\\\\) Tj"));
	/* every cross-reference points at its object */
	assert_non_null(p = strstr(text, "startxref\n"));
	xref = strtoul(p + 10, NULL, 10);
	assert_memory_equal(text + xref, "xref\n0 ", 7);
	assert_int_equal(sscanf(text + xref, "xref\n0 %zu", &size), 1);
	p = strchr(text + xref + 5, '\n') + 1 + 20; /* after entry 0 */
	for (i = 1; i < size; i++, p += 20) {
		char want[32];
		off = strtoul(p, NULL, 10);
		snprintf(want, sizeof(want), "%zu 0 obj\n", i);
		assert_memory_equal(text + off, want, strlen(want));
		count++;
	}
	assert_int_equal(count, 4 + 2 * 2);

	CT_OK_OR_FAIL(ct_labels_write(&svg, &l, CT_LABEL_SVG));
	CT_OK_OR_FAIL(ct_buf_put(&svg, "", 1));
	text = (char *)svg.ptr;
	assert_null(strstr(text, "<script"));
	/* the id on two lines of at most 16 characters */
	assert_non_null(strstr(text, ">&lt;script&gt;alert(1)</text>"));
	assert_non_null(strstr(text, ">&lt;/script&gt;</text>"));
	for (count = 0, p = text; (p = strstr(p, "<g class='label'>")); p++)
		count++;
	assert_int_equal(count, 30);
	assert_non_null(strstr(text, "height='594mm'"));
	ct_buf_free(&pdf);
	ct_buf_free(&svg);
}

static void test_labels_from_store(void **state)
{
	struct fx f;
	struct fx_base b;
	const char *ids[] = {"SCALE-1", "NOPE"};
	ct_labels *l = NULL;
	ct_reader *r;

	fx_base_open(&f, &b, true);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_labels_for_ids(&l, r, ids, 1, fx_ms("2025-06-01"), "http://h:8080/"));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].url, "http://h:8080/i/SCALE-1");
	assert_string_equal(l->v[0].certificate, "CERT");
	assert_int_equal(l->v[0].valid_until, fx_ms("2026-02-28"));
	ct_labels_free(l);
	assert_int_equal(ct_labels_for_ids(&l, r, ids, 2, fx_ms("2025-06-01"), "http://h"), CT_ENOTFOUND);
	assert_non_null(strstr(ct_error_last(), "'NOPE'"));
	assert_int_equal(ct_labels_for_ids(&l, r, ids, 1, fx_ms("2025-06-01"), "h:8080"), CT_EINVAL);
	ct_reader_end(r);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),	  cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_problem_json),  cmocka_unit_test(test_accept_language),
	    cmocka_unit_test(test_pct_roundtrip), cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_limiter),	  cmocka_unit_test(test_pages_escape),
	    cmocka_unit_test(test_api_answers),	  cmocka_unit_test(test_site_options),
	    cmocka_unit_test(test_label_sheets),  cmocka_unit_test(test_labels_from_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
