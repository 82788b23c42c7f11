/*
 * A standard's memo: its registration, approvals, calibrations and anchors
 * (its bases) as sorted time intervals, and its out-of-tolerance windows.
 * Read once per tracer; every use of the standard is then a few binary
 * searches and the memoised verdict of the basis it relied on.
 */
#include <stdlib.h>

#include "trace_internal.h"

struct std_load {
	ct_tracer *tr;
	struct ct__std *s;
	size_t capappr, capbases, capoot;
	bool have_reg, any_reg;
	ct_entry reg;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? 2 * *cap : 4;
	if (!(p = realloc(*v, *cap * size)))
		return ct_error_set(CT_ENOMEM, "out of memory reading a standard");
	*v = p;
	return 0;
}

/* The first trusted registration governs; another that differs is a conflict. */
static int add_registration(struct std_load *L, const ct_index_row *row, const ct_entry *e)
{
	struct ct__std *s = L->s;
	ct_mp u;
	int why;

	L->any_reg = true;
	if ((why = ct__distrust(L->tr, e)) >= 0) {
		if (!s->untrusted || why == CT_R_FORKED_AUTHOR)
			s->untrusted = (uint8_t)why;
		return 0;
	}
	if (L->have_reg) {
		if (s->reg == CT__REG_OK &&
		    (e->body_len != L->reg.body_len || memcmp(e->body, L->reg.body, e->body_len) != 0)) {
			s->reg = CT__REG_CONFLICT;
			memcpy(s->reg_other, row->hash, CT_HASH_BYTES);
		}
		return 0;
	}
	L->have_reg = true;
	L->reg = *e;
	s->reg = CT__REG_OK;
	s->registered_at = row->time;
	memcpy(s->reg_hash, row->hash, CT_HASH_BYTES);
	memcpy(s->owner, e->author, CT_KEY_BYTES);
	if (ct__body_str(e, "category", &s->category) < 0 || ct__body_str(e, "level", &s->level) < 0 ||
	    ct__body_str(e, "name", &s->name) < 0 || ct__body_bool(e, "public", &s->is_public) < 0 ||
	    ct__body_cursor(e, "u", &u) < 0 || ct__qty_read(&s->u, &u) < 0)
		return ct_error_set(CT_ECORRUPT, "stored standard.register lacks a field");
	return 0;
}

static int add_approval(struct std_load *L, const ct_index_row *row, const ct_entry *e)
{
	struct ct__window *w;
	int err;

	if (!ct__trusted(L->tr, e))
		return 0;
	if ((err = grow((void **)&L->s->appr, &L->capappr, L->s->nappr, sizeof(*w))) < 0)
		return err;
	w = &L->s->appr[L->s->nappr++];
	memcpy(w->hash, row->hash, CT_HASH_BYTES);
	if (ct__body_uint(e, "valid_from", &w->from) < 0 || ct__body_uint(e, "valid_until", &w->until) < 0)
		return ct_error_set(CT_ECORRUPT, "stored standard.approve lacks a field");
	return 0;
}

static int add_basis(struct std_load *L, const ct_index_row *row, const ct_entry *e)
{
	struct ct__basis *b;
	struct ct__str result;
	int err;

	if ((err = grow((void **)&L->s->bases, &L->capbases, L->s->nbases, sizeof(*b))) < 0)
		return err;
	b = &L->s->bases[L->s->nbases++];
	memset(b, 0, sizeof(*b));
	memcpy(b->hash, row->hash, CT_HASH_BYTES);
	b->p = row->time;
	b->anchor = row->kind == CT_ROW_ANCHOR;
	b->trusted = ct__trusted(L->tr, e);
	if (ct__body_uint(e, "valid_until", &b->until) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks valid_until");
	if (b->anchor) {
		b->pass = true;
		return 0;
	}
	if (ct__body_str(e, "result", &result) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks a result");
	b->pass = !ct__str_eq(result, "fail");
	return ct__revoked(L->tr, row->hash, e->author, NULL, &b->revoked);
}

static int add_oot(struct std_load *L, const ct_index_row *row, const ct_entry *e)
{
	struct ct__oot *o;
	int err;

	if (!ct__trusted(L->tr, e))
		return 0;
	if ((err = grow((void **)&L->s->oot, &L->capoot, L->s->noot, sizeof(*o))) < 0)
		return err;
	o = &L->s->oot[L->s->noot++];
	o->since = row->time;
	o->end = UINT64_MAX;
	/* Whose declaration it was is checked once the registration is known (after all rows). */
	memcpy(o->hash, row->hash, CT_HASH_BYTES);
	return 0;
}

static int add_std_row(struct std_load *L, const ct_index_row *row)
{
	ct_entry e;
	int err;

	if ((err = ct__read_entry(L->tr, row->hash, &e)) < 0)
		return err;
	switch (row->kind) {
	case CT_ROW_REGISTER:
		return add_registration(L, row, &e);
	case CT_ROW_APPROVE:
		return add_approval(L, row, &e);
	case CT_ROW_ANCHOR:
	case CT_ROW_CAL:
		return add_basis(L, row, &e);
	case CT_ROW_OOT:
		return add_oot(L, row, &e);
	default:
		return 0;
	}
}

static int basis_order(const void *a, const void *b)
{
	const struct ct__basis *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return memcmp(x->hash, y->hash, CT_HASH_BYTES);
}

/*
 * Keeps the declarations of the standard's owner (others are ignored: only
 * the owner may declare it) and ends each window at the first good basis
 * performed after since: the calibration that found and corrected it.
 */
static int finish_oot(struct std_load *L)
{
	struct ct__std *s = L->s;
	size_t i, j, kept = 0;
	ct_entry e;
	int err;

	for (i = 0; i < s->noot; i++) {
		if ((err = ct__read_entry(L->tr, s->oot[i].hash, &e)) < 0)
			return err;
		if (s->reg == CT__REG_NONE || !ct__same_lab(L->tr, e.author, s->owner))
			continue;
		s->oot[kept] = s->oot[i];
		for (j = 0; j < s->nbases; j++) {
			const struct ct__basis *b = &s->bases[j];
			if (b->p > s->oot[kept].since && b->pass && b->trusted && !b->revoked) {
				s->oot[kept].end = b->p;
				break;
			}
		}
		kept++;
	}
	s->noot = kept;
	return 0;
}

static int load_std(ct_tracer *tr, struct ct__std *s)
{
	struct std_load L = {tr, s, 0, 0, 0, false, false, {0}};
	struct ct__rowbuf rows = {NULL, 0, 0};
	size_t i;
	int err;

	/* Its own rows buffer: a standard may be read while an instrument's rows are in use. */
	if ((err = ct__load_rows(tr, &rows, CT_NS_STANDARD, s->id, s->id_len)) < 0)
		goto done;
	for (i = 0; i < rows.n; i++)
		if ((err = add_std_row(&L, &rows.v[i])) < 0)
			goto done;
	if (L.any_reg && !L.have_reg)
		s->reg = CT__REG_FORKED;
	if (s->nbases > 1)
		qsort(s->bases, s->nbases, sizeof(*s->bases), basis_order);
	/* Recorded after the fact: it was in service from its first calibration or anchor on. */
	if (s->nbases && s->bases[0].p < s->registered_at)
		s->registered_at = s->bases[0].p;
	err = finish_oot(&L);
done:
	free(rows.v);
	return err;
}

int ct__std_get(ct_tracer *tr, const char *id, size_t id_len, struct ct__std **out)
{
	struct ct__std *s = ct_hmap_get(&tr->stds, id, id_len);
	int err;

	if (s) {
		*out = s;
		return 0;
	}
	if (!(s = calloc(1, sizeof(*s))) || !(s->id = malloc(id_len + 1))) {
		free(s);
		return ct_error_set(CT_ENOMEM, "out of memory reading a standard");
	}
	memcpy(s->id, id, id_len);
	s->id[id_len] = '\0';
	s->id_len = id_len;
	if ((err = ct_hmap_put(&tr->stds, id, id_len, s)) < 0) {
		free(s->id);
		free(s);
		return err;
	}
	/* In the map before loading: a failure leaves an empty memo, and the error goes up. */
	if ((err = load_std(tr, s)) < 0)
		return err;
	*out = s;
	return 0;
}

struct ct__basis *ct__std_basis(struct ct__std *s, const uint8_t hash[CT_HASH_BYTES])
{
	size_t i;

	for (i = 0; i < s->nbases; i++)
		if (memcmp(s->bases[i].hash, hash, CT_HASH_BYTES) == 0)
			return &s->bases[i];
	return NULL;
}

/* Index of the first basis performed after t. */
static size_t upper_bound(const struct ct__std *s, uint64_t t)
{
	size_t lo = 0, hi = s->nbases;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->bases[mid].p <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The latest trusted, unrevoked basis performed at or before t. */
struct ct__basis *ct__std_latest(struct ct__std *s, uint64_t t)
{
	size_t i;

	for (i = upper_bound(s, t); i-- > 0;)
		if (s->bases[i].trusted && !s->bases[i].revoked)
			return &s->bases[i];
	return NULL;
}

/* Some good basis whose validity covers t (the latest such), or NULL. */
const struct ct__basis *ct__std_covering(const struct ct__std *s, uint64_t t, uint64_t grace_ms)
{
	size_t i;

	for (i = upper_bound(s, t); i-- > 0;) {
		const struct ct__basis *b = &s->bases[i];
		uint64_t end = b->until > UINT64_MAX - grace_ms ? UINT64_MAX : b->until + grace_ms;
		if (b->trusted && !b->revoked && b->pass && t <= end)
			return b;
	}
	return NULL;
}

const struct ct__window *ct__std_approval(const struct ct__std *s, uint64_t t)
{
	size_t i;

	for (i = s->nappr; i-- > 0;)
		if (s->appr[i].from <= t && t <= s->appr[i].until)
			return &s->appr[i];
	return NULL;
}

const struct ct__oot *ct__std_oot(const struct ct__std *s, uint64_t t)
{
	size_t i;

	for (i = 0; i < s->noot; i++)
		if (s->oot[i].since <= t && t < s->oot[i].end)
			return &s->oot[i];
	return NULL;
}

int ct__basis_link(ct_tracer *tr, struct ct__std *s, struct ct__basis *b, struct ct__link **out)
{
	struct ct__link *l = b->link;
	int err;

	if (!l) {
		if (!(l = calloc(1, sizeof(*l))))
			return ct_error_set(CT_ENOMEM, "out of memory evaluating a standard");
		memcpy(l->hash, b->hash, CT_HASH_BYTES);
		l->anchor = b->anchor;
		l->subject_std = s;
		l->category = s->category;
		l->qty = s->reg == CT__REG_OK ? &s->u : NULL;
		ct__rs_init(&l->rs, true);
		if ((err = ct_hmap_put(&tr->links, b->hash, CT_HASH_BYTES, l)) < 0) {
			free(l);
			return err;
		}
		b->link = l;
	}
	*out = l;
	return 0;
}
