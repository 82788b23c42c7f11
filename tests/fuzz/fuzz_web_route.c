/*
 * libFuzzer target for the web service's routing and query parsing
 * (ct_web_route_parse, web/route.c), which every request reaches before
 * anything else. An input is up to five fields separated by newlines: the
 * method, the raw path, the raw query, an Accept-Language header and an
 * If-None-Match header.
 *
 * Invariants checked on every input:
 *  - the parser answers 0 or CT_EINVAL; on CT_EINVAL the response is a 400,
 *    404, 405 or 414 with a body, and under /api/ that body is JSON whose
 *    "status" is the response's;
 *  - a routed id (subject or search) is valid UTF-8 of 1..CT_ID_MAX bytes
 *    (0 for an empty search) without control characters, and a subject
 *    route made again from the id percent-encoded gives the same id;
 *  - the HTML escaping of the path leaves no '<', '>', '"' or '\''.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/utf8.h"
#include "caltrace/web/web.h"
#include "web_internal.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static void check_refusal(const ct_web_route *rt, const ct_web_response *resp)
{
	json_error_t jerr;
	json_t *o;

	CHECK(resp->status == 400 || resp->status == 404 || resp->status == 405 || resp->status == 414);
	CHECK(resp->body.len > 0);
	if (rt->api) {
		CHECK(!strcmp(resp->content_type, "application/problem+json"));
		CHECK((o = json_loadb((const char *)resp->body.ptr, resp->body.len, 0, &jerr)) != NULL);
		CHECK(json_integer_value(json_object_get(o, "status")) == resp->status);
		json_decref(o);
	}
}

static void check_route(const ct_web_request *req, const ct_web_route *rt)
{
	ct_web_response resp;
	ct_web_request again = *req;
	ct_web_route rt2;
	ct_buf path = CT_BUF_INIT;
	size_t i;

	CHECK(rt->id_len <= CT_ID_MAX && strlen(rt->id) == rt->id_len);
	CHECK(ct_utf8_valid(rt->id, rt->id_len));
	for (i = 0; i < rt->id_len; i++)
		CHECK((unsigned char)rt->id[i] >= 0x20 && rt->id[i] != 0x7f);
	if (rt->kind != CT_WEB_INSTRUMENT_PAGE && rt->kind != CT_WEB_STANDARD_PAGE)
		return;
	CHECK(rt->id_len > 0);
	CHECK(ct_web_subject_path(&path, rt->ns, rt->id, rt->id_len) == 0 && ct_buf_put(&path, "", 1) == 0);
	again.path = (const char *)path.ptr;
	again.query = NULL;
	memset(&resp, 0, sizeof(resp));
	CHECK(ct_web_route_parse(&rt2, &again, &resp) == 0);
	CHECK(rt2.kind == rt->kind && rt2.id_len == rt->id_len && !memcmp(rt2.id, rt->id, rt->id_len));
	ct_web_response_free(&resp);
	ct_buf_free(&path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *field[5] = {NULL, NULL, NULL, NULL, NULL}, *p;
	ct_web_response resp;
	ct_web_request req;
	ct_web_route rt;
	ct_buf esc = CT_BUF_INIT;
	struct ct__out o = {&esc, 0};
	size_t i;
	int rc;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0, p = copy; i < 5 && p; i++) {
		field[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = '\0';
	}
	req.method = field[0];
	req.path = field[1] ? field[1] : "/";
	req.query = field[2];
	req.accept_language = field[3];
	req.if_none_match = field[4];
	req.now = 1700000000000ULL;
	memset(&resp, 0, sizeof(resp));
	rc = ct_web_route_parse(&rt, &req, &resp);
	CHECK(rc == 0 || rc == CT_EINVAL);
	if (rc == 0)
		check_route(&req, &rt);
	else
		check_refusal(&rt, &resp);
	ct_web_response_free(&resp);
	ct__w_esc(&o, req.path);
	for (i = 0; i < esc.len; i++)
		CHECK(esc.ptr[i] != '<' && esc.ptr[i] != '>' && esc.ptr[i] != '"' && esc.ptr[i] != '\'');
	ct_buf_free(&esc);
	free(copy);
	return 0;
}
