/*
 * Errors as RFC 9457 problem details: {"type": "about:blank", "title",
 * "status", "detail", "instance"} as application/problem+json under /api/,
 * the same words as a small HTML page elsewhere.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

const char *ct__status_title(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static void problem_json(ct_web_response *resp, int status, const char *instance, const char *detail)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title", ct__status_title(status),
		      "status", status, "detail", detail, "instance", instance);
	char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	resp->content_type = "application/problem+json";
	if (!text || ct_buf_put(&resp->body, text, strlen(text)) < 0 ||
	    ct_buf_put(&resp->body, "\n", 1) < 0) {
		static const char oom[] = "{\"type\": \"about:blank\", \"title\": \"Internal Server Error\", "
					  "\"status\": 500, \"detail\": \"out of memory\"}\n";
		resp->status = 500;
		resp->body.len = 0;
		ct_buf_put(&resp->body, oom, sizeof(oom) - 1);
	}
	free(text);
	json_decref(o);
}

static void problem_html(ct_web_response *resp, int lang, int status, const char *detail)
{
	struct ct__out o = {&resp->body, 0};

	resp->content_type = "text/html; charset=utf-8";
	ct__w_fmt(&o,
		  "<!doctype html>\n<html lang='%s'><head><meta charset='utf-8'>\n"
		  "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
		  "<title>%d %s</title>\n<link rel='stylesheet' href='/static/caltrace.css'>\n</head><body>\n"
		  "<header class='top'><a class='home' href='/'>",
		  lang == CT_WEB_EN ? "en" : "zh-CN", status, ct__status_title(status));
	ct__w_esc(&o, ct__t(lang, T_SITE));
	ct__w_fmt(&o, "</a></header>\n<main>\n<h1>%d %s</h1>\n<p class='detail'>", status,
		  ct__status_title(status));
	ct__w_esc(&o, detail);
	ct__w_str(&o, "</p>\n<p><a href='/'>");
	ct__w_esc(&o, ct__t(lang, T_BACK));
	ct__w_str(&o, "</a></p>\n</main>\n</body></html>\n");
	if (o.err) {
		resp->status = 500;
		resp->body.len = 0;
	}
}

void ct__problem(ct_web_response *resp, bool api, int lang, int status, const char *instance, const char *fmt,
		 ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	resp->body.len = 0;
	resp->status = status;
	resp->cache = "no-store";
	if (api)
		problem_json(resp, status, instance ? instance : "", detail);
	else
		problem_html(resp, lang, status, detail);
}

void ct_web_response_free(ct_web_response *resp)
{
	ct_buf_free(&resp->body);
	free(resp->location);
	free(resp->disposition);
	memset(resp, 0, sizeof(*resp));
}
