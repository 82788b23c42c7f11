/*
 * The frame every page shares: plain HTML5 with one stylesheet and, on
 * the search page, one script, both served by this process (no CDN, no
 * build step: nodes may be offline); inline SVG for icons and charts, with
 * presentation attributes only, since the Content-Security-Policy allows
 * no inline style or script. Every text from the ledger goes through
 * ct__w_esc or ct__w_url.
 */
#include <stdio.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "web_internal.h"

const char *ct__w_day(char out[32], uint64_t ms)
{
	ct_time_format(out, 32, ms);
	return out;
}

const char *ct__lang_param(const struct ct__req *q, bool first)
{
	if (!q->rt->lang_explicit)
		return "";
	if (q->rt->lang == CT_WEB_EN)
		return first ? "?lang=en" : "&amp;lang=en";
	return first ? "?lang=zh-CN" : "&amp;lang=zh-CN";
}

/* The address of this page in the other language: the query kept but for its lang. */
static void other_lang_href(struct ct__out *o, const struct ct__req *q)
{
	const char *query = q->req->query ? q->req->query : "", *p = query;
	bool any = false;

	ct__w_str(o, "?");
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n && !(n >= 4 && !strncmp(p, "lang", 4) && (n == 4 || p[4] == '='))) {
			ct__w_escn(o, p, n);
			ct__w_str(o, "&amp;");
			any = true;
		}
		p += n + (amp ? 1 : 0);
	}
	(void)any;
	ct__w_str(o, q->rt->lang == CT_WEB_EN ? "lang=zh-CN" : "lang=en");
}

void ct__page_begin(struct ct__out *o, const struct ct__req *q, const char *title)
{
	int lang = q->rt->lang;

	ct__w_fmt(o,
		  "<!doctype html>\n<html lang='%s'><head><meta charset='utf-8'>\n"
		  "<meta name='viewport' content='width=device-width, initial-scale=1'>\n<title>",
		  lang == CT_WEB_EN ? "en" : "zh-CN");
	ct__w_esc(o, title);
	ct__w_str(o, " · ");
	ct__w_esc(o, ct__t(lang, T_SITE));
	ct__w_str(o, "</title>\n<link rel='stylesheet' href='/static/caltrace.css'>\n"
		     "<link rel='icon' href='/static/icon.svg' type='image/svg+xml'>\n</head><body>\n"
		     "<header class='top'><a class='home' href='/");
	ct__w_str(o, ct__lang_param(q, true));
	ct__w_str(o, "'>");
	ct__w_esc(o, ct__t(lang, T_SITE));
	ct__w_str(o, "</a><nav><a href='/dashboard");
	ct__w_str(o, ct__lang_param(q, true));
	ct__w_str(o, "'>");
	ct__w_esc(o, ct__t(lang, T_DASHBOARD));
	ct__w_str(o, "</a> <a class='lang' href='");
	other_lang_href(o, q);
	ct__w_str(o, "'>");
	ct__w_esc(o, ct__t(lang, T_LANG_OTHER));
	ct__w_str(o, "</a></nav></header>\n<main>\n");
}

void ct__page_end(struct ct__out *o, const struct ct__req *q)
{
	ct__w_str(o, "</main>\n<footer>caltrace · <a href='/api/v1'>API</a></footer>\n</body></html>\n");
}

void ct__html_ok(ct_web_response *resp)
{
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	resp->cache = "no-cache";
	resp->vary = "Accept-Language";
}

/* The verdict's icon: a tick in a circle, an exclamation mark in a triangle, a cross in a circle. */
static void icon(struct ct__out *o, ct_verdict v, int size)
{
	ct__w_fmt(o, "<svg class='icon' width='%d' height='%d' viewBox='0 0 24 24' aria-hidden='true'>", size,
		  size);
	switch (v) {
	case CT_VALID:
		ct__w_str(o, "<circle cx='12' cy='12' r='11' fill='#1a7f37'/>"
			     "<path d='M6.5 12.5l3.5 3.5 7.5-8' fill='none' stroke='#fff' stroke-width='2.6' "
			     "stroke-linecap='round' stroke-linejoin='round'/>");
		break;
	case CT_SUSPECT:
		ct__w_str(o, "<path d='M12 1.8L23 21.5H1z' fill='#bf8700'/>"
			     "<path d='M12 8.5v6.5' stroke='#fff' stroke-width='2.6' stroke-linecap='round'/>"
			     "<circle cx='12' cy='18.2' r='1.5' fill='#fff'/>");
		break;
	default:
		ct__w_str(o, "<circle cx='12' cy='12' r='11' fill='#cf222e'/>"
			     "<path d='M7.5 7.5l9 9M16.5 7.5l-9 9' stroke='#fff' stroke-width='2.6' "
			     "stroke-linecap='round'/>");
	}
	ct__w_str(o, "</svg>");
}

void ct__badge(struct ct__out *o, int lang, ct_verdict v, bool big)
{
	static const enum ct__msg words[] = {T_VERDICT_VALID, T_VERDICT_SUSPECT, T_VERDICT_INVALID};

	ct__w_fmt(o, "<span class='badge %s v-%s' data-verdict='%s'>", big ? "big" : "small",
		  ct_verdict_name(v), ct_verdict_name(v));
	icon(o, v, big ? 44 : 16);
	ct__w_str(o, "<span class='word'>");
	ct__w_esc(o, ct__t(lang, words[v <= CT_INVALID ? v : CT_INVALID]));
	ct__w_str(o, "</span></span>");
}
