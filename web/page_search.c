/*
 * The search page (/): an id typed, or read from the label's QR code by
 * the camera where the browser offers BarcodeDetector. A known id
 * redirects to its page (an instrument before a standard of the same id).
 */
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

static void form(struct ct__out *o, const struct ct__req *q)
{
	int lang = q->rt->lang;

	ct__w_str(
	    o, "<form class='search' id='search' method='get' action='/'>\n<input name='q' type='search' "
	       "autocomplete='off' autocapitalize='off' spellcheck='false' maxlength='200' required value='");
	ct__w_esc(o, q->rt->id);
	ct__w_str(o, "' aria-label='");
	ct__w_esc(o, ct__t(lang, T_ID));
	ct__w_str(o, "'>\n");
	if (q->rt->lang_explicit)
		ct__w_fmt(o, "<input type='hidden' name='lang' value='%s'>\n",
			  lang == CT_WEB_EN ? "en" : "zh-CN");
	ct__w_str(o, "<button type='submit'>");
	ct__w_esc(o, ct__t(lang, T_SEARCH_BUTTON));
	ct__w_str(o, "</button>\n<button type='button' class='secondary' id='scan-start' hidden data-stop='");
	ct__w_esc(o, ct__t(lang, T_SCAN_STOP));
	ct__w_str(o, "'>");
	ct__w_esc(o, ct__t(lang, T_SCAN_BUTTON));
	ct__w_str(o, "</button>\n</form>\n<p class='note' id='scan-note' hidden>");
	ct__w_esc(o, ct__t(lang, T_SCAN_UNSUPPORTED));
	ct__w_str(o, "</p>\n<video id='scan-video' hidden muted playsinline></video>\n");
}

static int redirect(struct ct__req *q, ct_web_response *resp, char ns)
{
	ct_buf b = CT_BUF_INIT;
	int err;

	if ((err = ct_web_subject_path(&b, ns, q->rt->id, q->rt->id_len)) < 0 ||
	    (q->rt->lang_explicit &&
	     (err = ct_buf_put(&b, q->rt->lang == CT_WEB_EN ? "?lang=en" : "?lang=zh-CN",
			       q->rt->lang == CT_WEB_EN ? 8 : 11)) < 0) ||
	    (err = ct_buf_put(&b, "", 1)) < 0) {
		ct_buf_free(&b);
		return err;
	}
	resp->status = 303;
	resp->location = (char *)b.ptr;
	resp->content_type = "text/plain; charset=utf-8";
	resp->cache = "no-store";
	return 0;
}

int ct__page_search(struct ct__req *q, ct_web_response *resp)
{
	struct ct__out o = {&resp->body, 0};
	int lang = q->rt->lang, err;
	bool inst = false, std = false;

	if (q->rt->id_len) {
		if ((err = ct__subject_known(q->r, CT_NS_INSTRUMENT, q->rt->id, q->rt->id_len, &inst)) < 0 ||
		    (!inst &&
		     (err = ct__subject_known(q->r, CT_NS_STANDARD, q->rt->id, q->rt->id_len, &std)) < 0))
			return err;
		if (inst || std)
			return redirect(q, resp, inst ? CT_NS_INSTRUMENT : CT_NS_STANDARD);
	}
	ct__page_begin(&o, q, ct__t(lang, T_SEARCH_TITLE));
	ct__w_str(&o, "<h1>");
	ct__w_esc(&o, ct__t(lang, T_SEARCH_TITLE));
	ct__w_str(&o, "</h1>\n<p class='sub'>");
	ct__w_esc(&o, ct__t(lang, T_SEARCH_HINT));
	ct__w_str(&o, "</p>\n");
	form(&o, q);
	if (q->rt->id_len) {
		ct__w_str(&o, "<p class='detail' id='not-found'>");
		ct__w_esc(&o, ct__t(lang, T_NOT_FOUND_ID));
		ct__w_str(&o, "<b>");
		ct__w_esc(&o, q->rt->id);
		ct__w_str(&o, "</b></p>\n");
	}
	ct__w_str(&o, "<script src='/static/scan.js' defer></script>\n");
	ct__page_end(&o, q);
	if (o.err)
		return o.err;
	ct__html_ok(resp);
	if (q->rt->id_len)
		resp->status = 404;
	return 0;
}
