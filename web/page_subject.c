/*
 * An instrument's (/i/ID) or a standard's (/s/ID) page: what an inspector
 * in front of a trade scale, or a household at its water meter, reads
 * after scanning the label. The verdict as a badge, the facts of the
 * registration, the calibration the verdict rests on with its validity,
 * the chain as a tree with the reason for every broken link, and the proof
 * bundle to download.
 */
#include <stdio.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "web_internal.h"

static void fact(struct ct__out *o, int lang, enum ct__msg label, const char *value)
{
	if (!value)
		return;
	ct__w_str(o, "<dt>");
	ct__w_esc(o, ct__t(lang, label));
	ct__w_str(o, "</dt><dd>");
	ct__w_esc(o, value);
	ct__w_str(o, "</dd>\n");
}

static const char *kind_word(int lang, const char *kind)
{
	if (!kind)
		return "";
	if (!strcmp(kind, "verification"))
		return ct__t(lang, T_KIND_VERIFICATION);
	if (!strcmp(kind, "calibration"))
		return ct__t(lang, T_KIND_CALIBRATION);
	if (!strcmp(kind, "comparison"))
		return ct__t(lang, T_KIND_COMPARISON);
	return kind;
}

/* A link to the signed entry a node rests on. */
static void entry_link(struct ct__out *o, const uint8_t hash[CT_HASH_BYTES])
{
	char hex[2 * CT_HASH_BYTES + 1];

	ct_hex(hex, hash, CT_HASH_BYTES);
	ct__w_fmt(o, " <a class='mono' href='/api/v1/entries/%s' title='%s'>%.12s…</a>", hex, hex, hex);
}

static void reasons(struct ct__out *o, int lang, const ct_trace_node *n)
{
	size_t i;

	if (!n->nreasons)
		return;
	ct__w_str(o, "<ul class='reasons'>");
	for (i = 0; i < n->nreasons; i++) {
		const ct_trace_reason *r = &n->reasons[i];
		const char *sev = r->warning ? "warning" : ct_verdict_name(ct_reason_severity(r->code));
		ct__w_fmt(o, "<li class='r-%s' data-reason='%s'><code>%s</code> ", sev,
			  ct_reason_name(r->code), ct_reason_name(r->code));
		ct__w_esc(o, ct__reason_text(lang, r->code));
		ct__w_str(o, " <span class='detail'>— ");
		ct__w_esc(o, r->detail);
		ct__w_str(o, "</span></li>");
	}
	ct__w_str(o, "</ul>");
}

/* The subject of a tree, or a standard inside it: its id (a link for standards) and facts in a line. */
static void subject_line(struct ct__out *o, const struct ct__req *q, const ct_trace_node *n, bool root)
{
	int lang = q->rt->lang;

	ct__w_str(o, "<div class='what'>");
	ct__w_esc(o, ct__t(lang, n->kind == CT_NODE_STANDARD ? T_STANDARD : T_INSTRUMENT));
	ct__w_str(o, " ");
	if (!root && n->id && n->kind == CT_NODE_STANDARD) {
		ct__w_str(o, "<a href='/s/");
		ct__w_url(o, n->id, strlen(n->id));
		ct__w_str(o, ct__lang_param(q, true));
		ct__w_str(o, "'>");
		ct__w_esc(o, n->id);
		ct__w_str(o, "</a>");
	} else {
		ct__w_esc(o, n->id);
	}
	ct__w_str(o, "</div><div class='when'>");
	if (n->level)
		ct__w_esc(o, n->level);
	if (n->is_public) {
		ct__w_str(o, n->level ? " · " : "");
		ct__w_esc(o, ct__t(lang, T_PUBLIC));
	}
	if (n->quantity) {
		ct__w_str(o, n->level || n->is_public ? " · " : "");
		ct__w_esc(o, n->quantity);
	}
	if (n->against) {
		ct__w_str(o, " / ");
		ct__w_esc(o, n->against);
	}
	ct__w_str(o, "</div>");
}

static void link_line(struct ct__out *o, const struct ct__req *q, const ct_trace_node *n)
{
	char a[32], b[32];
	int lang = q->rt->lang;

	ct__w_str(o, "<div class='what'>");
	if (n->kind == CT_NODE_ANCHOR) {
		ct__w_esc(o, ct__t(lang, T_ANCHOR));
		ct__w_str(o, " ");
		ct__w_esc(o, n->certificate);
		if (n->provider) {
			ct__w_str(o, " · ");
			ct__w_esc(o, n->provider);
		}
	} else {
		ct__w_esc(o, kind_word(lang, n->link_kind));
		ct__w_str(o, " ");
		ct__w_esc(o, n->certificate);
		ct__w_str(o, " · ");
		ct__w_esc(o, n->author_name ? n->author_name : ct__t(lang, T_UNKNOWN_LAB));
	}
	ct__w_str(o, "</div><div class='when'>");
	ct__w_fmt(o, "<time>%s</time> → <time>%s</time>", ct__w_day(a, n->performed_at),
		  ct__w_day(b, n->valid_until));
	if (n->result) {
		ct__w_str(o, " · ");
		ct__w_esc(o, n->result);
	}
	if (n->technician) {
		ct__w_str(o, " · ");
		ct__w_esc(o, n->technician);
	}
	if (n->has_entry)
		entry_link(o, n->entry);
	ct__w_str(o, "</div>");
}

static void tree_node(struct ct__out *o, const struct ct__req *q, const ct_trace_node *n, bool root)
{
	size_t i;
	bool subject = n->kind == CT_NODE_INSTRUMENT || n->kind == CT_NODE_STANDARD;
	const char *state = !n->nreasons	       ? ""
			    : n->verdict == CT_INVALID ? " broken"
			    : n->verdict == CT_SUSPECT ? " suspect"
						       : "";

	ct__w_fmt(o, "<li><div class='node%s' data-verdict='%s'>", state, ct_verdict_name(n->verdict));
	ct__badge(o, q->rt->lang, n->verdict, false);
	if (subject)
		subject_line(o, q, n, root);
	else
		link_line(o, q, n);
	if (n->repeated) {
		ct__w_str(o, "<div class='note'>");
		ct__w_esc(o, ct__t(q->rt->lang, T_SHOWN_ABOVE));
		ct__w_str(o, "</div>");
	}
	if (n->truncated) {
		ct__w_str(o, "<div class='note'>");
		ct__w_esc(o, ct__t(q->rt->lang, T_TRUNCATED));
		ct__w_str(o, "</div>");
	}
	reasons(o, q->rt->lang, n);
	ct__w_str(o, "</div>");
	if (n->nchildren) {
		ct__w_str(o, "<ol>");
		for (i = 0; i < n->nchildren; i++)
			tree_node(o, q, n->children[i], false);
		ct__w_str(o, "</ol>");
	}
	ct__w_str(o, "</li>\n");
}

/* The address of this subject's API call `what` ("", "/chain", "/proof"), with ?at= when given. */
static void api_href(struct ct__out *o, const struct ct__req *q, const char *what)
{
	char day[32];

	ct__w_str(o, q->rt->ns == CT_NS_STANDARD ? "/api/v1/standards/" : "/api/v1/instruments/");
	ct__w_url(o, q->rt->id, q->rt->id_len);
	ct__w_str(o, what);
	ct__w_day(day, q->rt->at);
	ct__w_str(o, "?at=");
	ct__w_url(o, day, strlen(day));
}

static void latest(struct ct__out *o, const struct ct__req *q, const ct_trace_node *tree)
{
	const ct_trace_node *l = tree->nchildren ? tree->children[0] : NULL;
	char a[32], b[32];
	int lang = q->rt->lang;

	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_LATEST_CAL));
	ct__w_str(o, "</h2>\n");
	if (!l) {
		ct__w_str(o, "<p class='note'>");
		ct__w_esc(o, ct__t(lang, T_NO_CALIBRATION));
		ct__w_str(o, "</p>\n");
		return;
	}
	ct__w_str(o, "<dl class='facts' id='latest'>\n");
	fact(o, lang, T_CERTIFICATE, l->certificate);
	fact(o, lang, l->kind == CT_NODE_ANCHOR ? T_PROVIDER : T_LAB,
	     l->kind == CT_NODE_ANCHOR ? l->provider
	     : l->author_name	       ? l->author_name
				       : ct__t(lang, T_UNKNOWN_LAB));
	ct__w_str(o, "<dt>");
	ct__w_esc(o, ct__t(lang, T_VALIDITY));
	ct__w_fmt(o, "</dt><dd><time>%s</time> → <time class='valid-until'>%s</time></dd>\n",
		  ct__w_day(a, l->performed_at), ct__w_day(b, l->valid_until));
	fact(o, lang, T_RESULT, l->result);
	fact(o, lang, T_TECHNICIAN, l->technician);
	ct__w_str(o, "</dl>\n");
}

/* Every reason of the tree that changes a verdict, once per code and detail: why, at the top. */
static void why(struct ct__out *o, int lang, const ct_trace_node *n, const ct_trace_reason **seen,
		size_t *nseen, size_t max)
{
	size_t i, j;

	for (i = 0; i < n->nreasons && *nseen < max; i++) {
		const ct_trace_reason *r = &n->reasons[i];
		if (r->warning)
			continue;
		for (j = 0; j < *nseen; j++)
			if (seen[j]->code == r->code && !strcmp(seen[j]->detail, r->detail))
				break;
		if (j < *nseen)
			continue;
		seen[(*nseen)++] = r;
		ct__w_fmt(o, "<li class='r-%s' data-reason='%s'><code>%s</code> ",
			  ct_verdict_name(ct_reason_severity(r->code)), ct_reason_name(r->code),
			  ct_reason_name(r->code));
		ct__w_esc(o, ct__reason_text(lang, r->code));
		ct__w_str(o, " <span class='detail'>— ");
		ct__w_esc(o, r->detail);
		ct__w_str(o, "</span></li>");
	}
	for (i = 0; i < n->nchildren; i++)
		why(o, lang, n->children[i], seen, nseen, max);
}

static void page(struct ct__out *o, const struct ct__req *q, const ct_trace_node *tree)
{
	const ct_trace_reason *seen[8];
	size_t nseen = 0;
	const ct_web_route *rt = q->rt;
	int lang = rt->lang;
	char day[32];

	ct__page_begin(o, q, rt->id);
	ct__w_fmt(o, "<section class='verdict v-%s' id='verdict' data-verdict='%s'>",
		  ct_verdict_name(tree->verdict), ct_verdict_name(tree->verdict));
	ct__badge(o, lang, tree->verdict, true);
	ct__w_str(o, "<div><div class='kind'>");
	ct__w_esc(o, ct__t(lang, rt->ns == CT_NS_STANDARD ? T_STANDARD : T_INSTRUMENT));
	ct__w_str(o, "</div><h1 id='subject'>");
	ct__w_esc(o, rt->id);
	ct__w_str(o, "</h1><div class='sub'>");
	ct__w_esc(o, ct__t(lang, T_VERDICT_AT));
	ct__w_fmt(o, " <time>%s</time></div></div></section>\n", ct__w_day(day, rt->at));
	if (tree->verdict != CT_VALID) {
		ct__w_str(o, "<ul class='reasons why' id='why'>");
		why(o, lang, tree, seen, &nseen, sizeof(seen) / sizeof(seen[0]));
		ct__w_str(o, "</ul>\n");
	}
	ct__w_str(o, "<dl class='facts' id='facts'>\n");
	fact(o, lang, T_OWNER, tree->owner);
	fact(o, lang, T_DISTRICT, tree->district);
	fact(o, lang, T_CATEGORY, tree->category);
	fact(o, lang, T_LEVEL, tree->level);
	fact(o, lang, T_CATALOGUE, tree->catalogue);
	fact(o, lang, T_DOMAIN, tree->domain);
	if (tree->kind == CT_NODE_INSTRUMENT)
		fact(o, lang, T_COMPULSORY, ct__t(lang, tree->compulsory ? T_YES : T_NO));
	if (tree->has_entry) {
		ct__w_str(o, "<dt>");
		ct__w_esc(o, ct__t(lang, T_REGISTRATION));
		ct__w_str(o, "</dt><dd>");
		entry_link(o, tree->entry);
		ct__w_str(o, "</dd>\n");
	}
	ct__w_str(o, "</dl>\n");
	latest(o, q, tree);
	ct__w_str(o, "<h2>");
	ct__w_esc(o, ct__t(lang, T_CHAIN));
	ct__w_str(o, "</h2>\n<p class='note'>");
	ct__w_esc(o, ct__t(lang, T_CHAIN_NOTE));
	ct__w_str(o, "</p>\n<ol class='tree' id='chain'>\n");
	tree_node(o, q, tree, true);
	ct__w_str(o, "</ol>\n<p class='actions'><a class='button' id='proof' download href='");
	api_href(o, q, "/proof");
	ct__w_str(o, "'>");
	ct__w_esc(o, ct__t(lang, T_DOWNLOAD_PROOF));
	ct__w_str(o, "</a> <a href='");
	api_href(o, q, "/chain");
	ct__w_str(o, "'>");
	ct__w_esc(o, ct__t(lang, T_JSON));
	ct__w_str(o, "</a></p>\n<p class='note'>");
	ct__w_esc(o, ct__t(lang, T_PROOF_NOTE));
	ct__w_str(o, "</p>\n");
	ct__page_end(o, q);
}

int ct__page_subject(struct ct__req *q, ct_web_response *resp)
{
	const ct_web_route *rt = q->rt;
	struct ct__out o = {&resp->body, 0};
	ct_trace_node *tree = NULL;
	ct_tracer *tr;
	bool known;
	int err;

	if ((err = ct__subject_known(q->r, rt->ns, rt->id, rt->id_len, &known)) < 0)
		return err;
	if (!known) {
		ct__problem(resp, false, rt->lang, 404, q->req->path, "%s%s", ct__t(rt->lang, T_NOT_FOUND_ID),
			    rt->id);
		return 0;
	}
	if ((err = ct__tracer(q, &tr)) < 0 ||
	    (err = ct_trace(&tree, tr, rt->ns, rt->id, rt->id_len, rt->at)) < 0)
		return err;
	page(&o, q, tree);
	ct_trace_free(tree);
	if (o.err)
		return o.err;
	ct__html_ok(resp);
	return 0;
}
