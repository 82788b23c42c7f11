/* A lab's page (/labs/KEY): its due list, overdue first, a hundred to a page. */
#include <stdio.h>
#include <string.h>

#include "web_internal.h"

#define PAGE_ITEMS 100

static const enum ct__msg state_words[] = {T_DUE, T_NEVER, T_FAILED, T_OVERDUE, T_DUE};

static void row(struct ct__out *o, const struct ct__req *q, const ct_due_item *it)
{
	char until[32];
	int lang = q->rt->lang;

	ct__w_fmt(o, "<tr data-state='%s'><td><span class='st %s'>", ct_due_state_name(it->state),
		  it->state == CT_DUE_SOON ? "s1" : "bad");
	ct__w_esc(o, ct__t(lang, state_words[it->state]));
	ct__w_str(o, "</span></td><td class='l'><a href='/i/");
	ct__w_url(o, it->id, strlen(it->id));
	ct__w_str(o, ct__lang_param(q, true));
	ct__w_str(o, "'>");
	ct__w_esc(o, it->id);
	ct__w_str(o, "</a></td><td class='l'>");
	ct__w_esc(o, it->district);
	ct__w_str(o, "</td><td class='l'>");
	ct__w_esc(o, it->owner);
	ct__w_str(o, "</td><td class='l'>");
	ct__w_esc(o, it->category);
	ct__w_fmt(o, "</td><td>%s</td><td>", it->has_calibration ? ct__w_day(until, it->valid_until) : "-");
	if (it->state == CT_DUE_OVERDUE || it->state == CT_DUE_SOON)
		ct__w_fmt(o, "%lld", (long long)it->days);
	ct__w_str(o, "</td></tr>\n");
}

static void pager(struct ct__out *o, const struct ct__req *q, const ct_due *d, const char *hex)
{
	const ct_web_route *rt = q->rt;
	char day[32], showing[128];
	size_t end = rt->offset + PAGE_ITEMS < d->count ? rt->offset + PAGE_ITEMS : d->count;
	int lang = rt->lang;

	snprintf(showing, sizeof(showing), ct__t(lang, T_SHOWING), d->count ? rt->offset + 1 : 0, end,
		 d->count);
	ct__w_str(o, "<p class='pager'>");
	ct__w_esc(o, showing);
	ct__w_day(day, rt->at);
	if (rt->offset) {
		ct__w_fmt(o, " <a rel='prev' href='/labs/%s?within=%llu&amp;at=%s&amp;offset=%zu%s'>", hex,
			  (unsigned long long)rt->within, day,
			  rt->offset > PAGE_ITEMS ? rt->offset - PAGE_ITEMS : 0, ct__lang_param(q, false));
		ct__w_esc(o, ct__t(lang, T_PREV));
		ct__w_str(o, "</a>");
	}
	if (end < d->count) {
		ct__w_fmt(o, " <a rel='next' href='/labs/%s?within=%llu&amp;at=%s&amp;offset=%zu%s'>", hex,
			  (unsigned long long)rt->within, day, end, ct__lang_param(q, false));
		ct__w_esc(o, ct__t(lang, T_NEXT));
		ct__w_str(o, "</a>");
	}
	ct__w_str(o, "</p>\n");
}

int ct__page_lab(struct ct__req *q, ct_web_response *resp)
{
	static const enum ct__msg cols[] = {T_STATE,	T_ID,	       T_DISTRICT, T_OWNER,
					    T_CATEGORY, T_VALID_UNTIL, T_DAYS};
	const ct_web_route *rt = q->rt;
	struct ct__out o = {&resp->body, 0};
	char hex[2 * CT_KEY_BYTES + 1], sub[512];
	ct_org_info info = {0};
	ct_due_query dq;
	ct_due *d = NULL;
	ct_tracer *tr;
	size_t i;
	int lang = rt->lang, err;

	ct_hex(hex, rt->key, CT_KEY_BYTES);
	if ((err = ct__tracer(q, &tr)) < 0 || (err = ct_org_info_at(&info, tr, rt->key, rt->at)) < 0)
		return err;
	if (!info.name) {
		ct__problem(resp, false, lang, 404, q->req->path, "%s %s", ct__t(lang, T_UNKNOWN_LAB), hex);
		return 0;
	}
	memset(&dq, 0, sizeof(dq));
	dq.at = rt->at;
	dq.within_days = rt->within;
	dq.has_lab = true;
	memcpy(dq.lab, rt->key, CT_KEY_BYTES);
	if ((err = ct_due_list(&d, q->r, &dq)) < 0)
		goto done;
	ct__page_begin(&o, q, info.name);
	ct__w_str(&o, "<h1>");
	ct__w_esc(&o, info.name);
	ct__w_str(&o, " · ");
	ct__w_esc(&o, ct__t(lang, T_LAB_TITLE));
	ct__w_str(&o, "</h1>\n<p class='sub'>");
	snprintf(sub, sizeof(sub), ct__t(lang, T_LAB_SUB), (unsigned long long)rt->within);
	ct__w_esc(&o, sub);
	ct__w_fmt(&o, " <code>%s</code> · ", hex);
	ct__w_esc(&o, ct__t(lang, info.admitted && !info.revoked ? T_ADMITTED : T_NOT_ADMITTED));
	ct__w_str(&o, "</p>\n");
	if (!d->count) {
		ct__w_str(&o, "<p id='due-none'>");
		ct__w_esc(&o, ct__t(lang, T_NONE_DUE));
		ct__w_str(&o, "</p>\n");
	} else {
		pager(&o, q, d, hex);
		ct__w_str(&o, "<div class='scroll'><table id='due'><tr>");
		for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
			ct__w_str(&o, i && i < 5 ? "<th class='l'>" : "<th>");
			ct__w_esc(&o, ct__t(lang, cols[i]));
			ct__w_str(&o, "</th>");
		}
		ct__w_str(&o, "</tr>\n");
		for (i = rt->offset; i < d->count && i < rt->offset + PAGE_ITEMS; i++)
			row(&o, q, &d->items[i]);
		ct__w_str(&o, "</table></div>\n");
	}
	ct__w_fmt(&o, "<p class='actions'><a href='/api/v1/labs/%s/due?within=%llu'>", hex,
		  (unsigned long long)rt->within);
	ct__w_esc(&o, ct__t(lang, T_JSON));
	ct__w_str(&o, "</a></p>\n");
	ct__page_end(&o, q);
	if ((err = o.err) == 0)
		ct__html_ok(resp);
done:
	ct_org_info_free(&info);
	ct_due_free(d);
	return err;
}
