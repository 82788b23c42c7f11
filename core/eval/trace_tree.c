/*
 * ct_trace: the chain of one subject as a caller-owned tree, built from
 * the same judgements ct_trace_verdict makes (with reason lists on).
 */
#include <stdio.h>
#include <stdlib.h>

#include "trace_internal.h"

struct builder {
	ct_tracer *tr;
	const struct ct__link **seen; /* memoised links already shown */
	size_t nseen, capseen;
	int err;
};

static char *dup_str(struct builder *b, struct ct__str s)
{
	char *p;

	if (!s.p)
		return NULL;
	if (!(p = malloc(s.n + 1))) {
		b->err = CT_ENOMEM;
		return NULL;
	}
	memcpy(p, s.p, s.n);
	p[s.n] = '\0';
	return p;
}

static char *dup_cstr(struct builder *b, const char *s)
{
	struct ct__str v = {s, s ? strlen(s) : 0};

	return dup_str(b, v);
}

static char *qty_text(struct builder *b, const char *label, const struct ct__qty *q)
{
	char text[2300];
	char *p;

	if (!q || q->form == CT__QTY_NONE)
		return NULL;
	p = text + snprintf(text, sizeof(text), "%s ", label);
	ct__qty_format(p, sizeof(text) - (size_t)(p - text), q);
	return dup_cstr(b, text);
}

static ct_trace_node *new_node(struct builder *b, ct_trace_kind kind)
{
	ct_trace_node *n = calloc(1, sizeof(*n));

	if (!n)
		b->err = CT_ENOMEM;
	else {
		n->kind = kind;
		n->ratio_ok = -1;
	}
	return n;
}

static void add_reasons(struct builder *b, ct_trace_node *n, const struct ct__rs *rs)
{
	ct_trace_reason *v;

	if (rs->oom)
		b->err = CT_ENOMEM;
	if (!rs->n)
		return;
	if (!(v = realloc(n->reasons, (n->nreasons + rs->n) * sizeof(*v)))) {
		b->err = CT_ENOMEM;
		return;
	}
	memcpy(v + n->nreasons, rs->v, rs->n * sizeof(*v));
	n->reasons = v;
	n->nreasons += rs->n;
}

static void add_child(struct builder *b, ct_trace_node *parent, ct_trace_node *child)
{
	ct_trace_node **v;

	if (!child)
		return;
	if (!(v = realloc(parent->children, (parent->nchildren + 1) * sizeof(*v)))) {
		b->err = CT_ENOMEM;
		ct_trace_free(child);
		return;
	}
	v[parent->nchildren++] = child;
	parent->children = v;
}

/* Whether l was shown already (and remembers it). Transient links (instruments') are never repeated. */
static bool seen_before(struct builder *b, const struct ct__link *l)
{
	const struct ct__link **v;
	size_t i;

	for (i = 0; i < b->nseen; i++)
		if (b->seen[i] == l)
			return true;
	if (b->nseen == b->capseen) {
		b->capseen = b->capseen ? 2 * b->capseen : 16;
		if (!(v = realloc(b->seen, b->capseen * sizeof(*v)))) {
			b->err = CT_ENOMEM;
			return false;
		}
		b->seen = v;
	}
	b->seen[b->nseen++] = l;
	return false;
}

static ct_trace_node *use_node(struct builder *b, const struct ct__use *u, const struct ct__qty *against,
			       const char *against_label, unsigned depth);

static void fill_author(struct builder *b, ct_trace_node *n, const struct ct__link *l)
{
	const struct ct__admission *a;
	struct ct__org *o = NULL;
	int err;

	memcpy(n->author, l->e.author, CT_KEY_BYTES);
	if ((err = ct__org_get(b->tr, l->e.author, &o)) < 0) {
		b->err = err;
		return;
	}
	if (l->anchor && memcmp(l->e.author, b->tr->bureau, CT_KEY_BYTES) == 0) {
		n->author_name = dup_cstr(b, "the bureau");
		return;
	}
	if (!(a = ct__admission_at(o, l->p)) && o->nadm)
		a = &o->adm[o->nadm - 1]; /* for a name to show even when not admitted then */
	if (a) {
		n->author_name = dup_str(b, a->name);
		n->author_tier = dup_str(b, a->tier);
	}
}

static ct_trace_node *link_node(struct builder *b, const struct ct__link *l, const struct ct__rs *extra,
				unsigned depth)
{
	ct_trace_node *n = new_node(b, l->anchor ? CT_NODE_ANCHOR : CT_NODE_CALIBRATION);
	uint32_t i;

	if (!n)
		return NULL;
	n->verdict = (ct_verdict)l->verdict;
	if (extra && extra->worst > n->verdict)
		n->verdict = (ct_verdict)extra->worst;
	n->has_entry = true;
	memcpy(n->entry, l->hash, CT_HASH_BYTES);
	n->link_kind = l->anchor ? dup_cstr(b, "anchor") : dup_str(b, l->kind);
	n->certificate = dup_str(b, l->certificate);
	n->result = dup_str(b, l->result);
	n->technician = dup_str(b, l->technician);
	n->provider = dup_str(b, l->provider);
	n->performed_at = l->p;
	n->valid_until = l->until;
	if (l->subject_std)
		n->id = dup_cstr(b, l->subject_std->id);
	fill_author(b, n, l);
	add_reasons(b, n, &l->rs);
	if (extra)
		add_reasons(b, n, extra);
	if (l->subject_std && seen_before(b, l)) {
		n->repeated = true;
		return n;
	}
	if (depth >= CT_TRACE_TREE_DEPTH) {
		n->truncated = l->nuses > 0;
		return n;
	}
	for (i = 0; i < l->nuses; i++)
		add_child(b, n, use_node(b, &l->uses[i], l->qty, l->subject_std ? "u" : "MPE", depth + 1));
	return n;
}

static ct_trace_node *use_node(struct builder *b, const struct ct__use *u, const struct ct__qty *against,
			       const char *against_label, unsigned depth)
{
	const struct ct__std *s = u->std;
	ct_trace_node *n = new_node(b, CT_NODE_STANDARD);

	if (!n)
		return NULL;
	n->verdict = (ct_verdict)u->verdict;
	n->at = u->at;
	n->id = dup_str(b, u->id);
	if (s->reg != CT__REG_NONE) {
		n->has_entry = true;
		memcpy(n->entry, s->reg_hash, CT_HASH_BYTES);
	}
	if (s->reg == CT__REG_OK) {
		n->category = dup_str(b, s->category);
		n->level = dup_str(b, s->level);
		n->is_public = s->is_public;
		n->quantity = qty_text(b, "u", &s->u);
	}
	n->against = qty_text(b, against_label, against);
	n->ratio_ok = u->ratio_ok;
	add_reasons(b, n, &u->rs);
	if (u->link) {
		if (depth >= CT_TRACE_TREE_DEPTH)
			n->truncated = true;
		else
			add_child(b, n, link_node(b, u->link, NULL, depth + 1));
	}
	return n;
}

static ct_trace_node *instrument_node(struct builder *b, const struct ct__inst *in,
				      const struct ct__inst_at *a, uint64_t t)
{
	ct_trace_node *n = new_node(b, CT_NODE_INSTRUMENT);

	if (!n)
		return NULL;
	n->verdict = (ct_verdict)a->verdict;
	n->at = t;
	n->id = dup_str(b, in->id);
	if (in->reg != CT__REG_NONE) {
		n->has_entry = true;
		memcpy(n->entry, in->reg_hash, CT_HASH_BYTES);
	}
	if (in->reg == CT__REG_OK) {
		n->category = dup_str(b, in->category);
		n->district = dup_str(b, in->district);
		n->owner = dup_str(b, in->owner);
		n->catalogue = dup_str(b, in->catalogue);
		n->domain = dup_str(b, in->domain);
		n->quantity = qty_text(b, "MPE", &in->mpe);
	}
	n->compulsory = a->compulsory;
	add_reasons(b, n, &a->rs);
	if (a->row) {
		ct_trace_node *c = link_node(b, &in->cal, &a->cal_rs, 1);
		if (c)
			c->id = dup_str(b, in->id);
		add_child(b, n, c);
	}
	return n;
}

static int trace_instrument(struct builder *b, ct_trace_node **out, const char *id, size_t id_len, uint64_t t)
{
	struct ct__rowbuf rows = {NULL, 0, 0};
	struct ct__inst in;
	struct ct__inst_at a;
	int err;

	memset(&in, 0, sizeof(in));
	ct__rs_init(&a.rs, true);
	ct__rs_init(&a.cal_rs, true);
	if ((err = ct__load_rows(b->tr, &rows, CT_NS_INSTRUMENT, id, id_len)) < 0 ||
	    (err = ct__inst_load(b->tr, &in, id, id_len, rows.v, rows.n)) < 0 ||
	    (err = ct__inst_at(b->tr, &in, t, &a)) < 0)
		goto done;
	*out = instrument_node(b, &in, &a, t);
	err = b->err;
done:
	ct__inst_at_free(&a);
	ct__inst_clear(&in);
	free(rows.v);
	return err;
}

int ct_trace(ct_trace_node **out, ct_tracer *tr, char ns, const char *id, size_t id_len, uint64_t t)
{
	struct builder b = {tr, NULL, 0, 0, 0};
	struct ct__std *s;
	struct ct__use u;
	int err;

	*out = NULL;
	if (tr->err)
		return ct_error_set(tr->err, "an earlier error left this tracer incomplete");
	tr->detail = true;
	if (ns == CT_NS_STANDARD) {
		if ((err = ct__std_get(tr, id, id_len, &s)) < 0 || (err = ct__std_at(tr, s, t, &u)) < 0)
			goto done;
		*out = use_node(&b, &u, NULL, NULL, 0);
		ct__rs_free(&u.rs);
		err = b.err;
	} else {
		err = trace_instrument(&b, out, id, id_len, t);
	}
done:
	tr->detail = false;
	free(b.seen);
	if (err == 0 && tr->err)
		err = ct_error_set(tr->err, "cannot judge %.*s: %s", (int)id_len, id, ct_strerror(tr->err));
	if (err < 0) {
		ct_trace_free(*out);
		*out = NULL;
		return err == CT_ENOMEM && !*ct_error_last()
			   ? ct_error_set(err, "out of memory building a chain")
			   : err;
	}
	return 0;
}

void ct_trace_free(ct_trace_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nchildren; i++)
		ct_trace_free(n->children[i]);
	free(n->children);
	free(n->reasons);
	free(n->id);
	free(n->category);
	free(n->level);
	free(n->district);
	free(n->owner);
	free(n->catalogue);
	free(n->domain);
	free(n->quantity);
	free(n->against);
	free(n->link_kind);
	free(n->certificate);
	free(n->result);
	free(n->technician);
	free(n->provider);
	free(n->author_name);
	free(n->author_tier);
	free(n);
}
