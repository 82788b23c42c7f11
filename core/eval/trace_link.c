/*
 * Links: a calibration or anchor judged at its own performed_at (rules 2-5
 * of docs/DESIGN.md section 6), and each standard it relied on as used at that
 * time. A standard's calibration does not depend on who uses the standard
 * later, so its judgement is memoised by entry hash: a city of a million
 * instruments judges each standard calibration once.
 *
 * Evaluation is iterative (an explicit stack), so a long chain cannot
 * exhaust the C stack.
 */
#include <stdlib.h>

#include "trace_internal.h"

static uint64_t end_of(uint64_t until, uint64_t grace_ms)
{
	return until > UINT64_MAX - grace_ms ? UINT64_MAX : until + grace_ms;
}

/* Empties a link for reuse, keeping its allocations. */
static void link_reset(struct ct__link *l)
{
	uint32_t i;

	for (i = 0; i < l->nuses; i++)
		ct__rs_reset(&l->uses[i].rs);
	l->nuses = 0;
	l->next_use = 0;
	l->state = CT__LINK_PENDING;
	l->nbelow = 0;
	l->verdict = CT_VALID;
	l->mask = 0;
	ct__rs_reset(&l->rs);
}

void ct__link_reset(struct ct__link *l)
{
	link_reset(l);
}

void ct__link_clear(struct ct__link *l)
{
	uint32_t i;

	for (i = 0; i < l->capuses; i++)
		ct__rs_free(&l->uses[i].rs);
	free(l->uses);
	free(l->below);
	ct__rs_free(&l->rs);
	l->uses = NULL;
	l->below = NULL;
	l->nuses = l->capuses = l->nbelow = 0;
	link_reset(l);
}

static int add_use(struct ct__link *l, struct ct__use **out)
{
	if (l->nuses == l->capuses) {
		uint32_t cap = l->capuses ? 2 * l->capuses : 2;
		struct ct__use *u = realloc(l->uses, cap * sizeof(*u));
		if (!u)
			return ct_error_set(CT_ENOMEM, "out of memory evaluating a calibration");
		memset(u + l->capuses, 0, (cap - l->capuses) * sizeof(*u));
		l->uses = u;
		l->capuses = cap;
	}
	*out = &l->uses[l->nuses++];
	return 0;
}

/* A new use of l for (id, cited), its standard not yet looked up. */
static int use_new(struct ct__link *l, const char *id, size_t id_len, const uint8_t cited[CT_HASH_BYTES],
		   struct ct__use **out)
{
	struct ct__use *u = NULL;
	struct ct__rs keep;
	int err;

	if ((err = add_use(l, &u)) < 0)
		return err;
	keep = u->rs; /* reuse a previous list's memory */
	memset(u, 0, sizeof(*u));
	u->rs = keep;
	u->rs.detail = l->rs.detail;
	ct__rs_reset(&u->rs);
	u->at = l->p;
	u->id.p = id;
	u->id.n = id_len;
	memcpy(u->cited, cited, CT_HASH_BYTES);
	*out = u;
	return 0;
}

int ct__link_use_known(struct ct__link *l, const char *id, size_t id_len, const uint8_t cited[CT_HASH_BYTES],
		       struct ct__std *std, struct ct__basis *basis, struct ct__link *link)
{
	struct ct__use *u = NULL;
	int err;

	if ((err = use_new(l, id, id_len, cited, &u)) < 0)
		return err;
	u->std = std;
	u->basis = basis;
	u->link = link;
	return 0;
}

int ct__link_use_add(ct_tracer *tr, struct ct__link *l, const char *id, size_t id_len,
		     const uint8_t cited[CT_HASH_BYTES])
{
	struct ct__use *u = NULL;
	int err;

	if ((err = use_new(l, id, id_len, cited, &u)) < 0)
		return err;
	if ((err = ct__std_get(tr, u->id.p, u->id.n, &u->std)) < 0)
		return err;
	if ((u->basis = ct__std_basis(u->std, u->cited)) != NULL)
		return ct__basis_link(tr, u->std, u->basis, &u->link);
	return 0;
}

/* One element {cal, id} of a calibration's standards list. */
static int prepare_use(ct_tracer *tr, struct ct__link *l, ct_mp item)
{
	struct ct__str id;
	const uint8_t *cal;
	ct_mp v;
	size_t len;

	if (ct__map_find(&item, "id", &v) < 0 || ct__read_str(&v, &id) < 0 ||
	    ct__map_find(&item, "cal", &v) < 0 || ct_mp_read_bin(&v, &cal, &len) < 0 || len != CT_HASH_BYTES)
		return ct_error_set(CT_ECORRUPT, "stored calibration has a malformed standards list");
	return ct__link_use_add(tr, l, id.p, id.n, cal);
}

/* Reads the entry and what it relied on; the standards' links are created, not yet judged. */
static int link_prepare(ct_tracer *tr, struct ct__link *l)
{
	ct_mp list;
	uint32_t count, i;
	int err;

	if ((err = ct__read_entry(tr, l->hash, &l->e)) < 0)
		return err;
	if (ct__body_uint(&l->e, "performed_at", &l->p) < 0 ||
	    ct__body_uint(&l->e, "valid_until", &l->until) < 0 ||
	    ct__body_str(&l->e, "certificate", &l->certificate) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration or anchor lacks a field");
	if (l->anchor)
		return ct__body_str(&l->e, "provider", &l->provider) < 0
			   ? ct_error_set(CT_ECORRUPT, "stored anchor lacks its provider")
			   : 0;
	if (ct__body_str(&l->e, "kind", &l->kind) < 0 || ct__body_str(&l->e, "result", &l->result) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks kind or result");
	ct__body_str(&l->e, "technician", &l->technician);
	if (ct__body_cursor(&l->e, "standards", &list) < 0 || ct_mp_read_array(&list, &count) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks its standards");
	for (i = 0; i < count; i++) {
		ct_mp item = list;
		if (ct__skip(&list) < 0)
			return ct_error_set(CT_ECORRUPT, "stored calibration has a malformed standards list");
		item.end = list.p;
		if ((err = prepare_use(tr, l, item)) < 0)
			return err;
	}
	return 0;
}

/* Rule 2: the lab was admitted at performed_at, not revoked, with the category in scope. */
static int check_lab(ct_tracer *tr, struct ct__link *l)
{
	const struct ct__admission *a;
	struct ct__org *o = NULL;
	char day[32];
	size_t i;
	int err;

	if ((err = ct__org_get(tr, l->e.author, &o)) < 0)
		return err;
	ct__day_for(&l->rs, day, l->p);
	if (!(a = ct__admission_at(o, l->p))) {
		ct__rs_add(&l->rs, CT_R_LAB_NOT_ADMITTED, l->hash, NULL,
			   "the lab had no admission covering %s", day);
		return 0;
	}
	for (i = 0; i < o->nrev; i++) {
		if (o->rev[i].effective <= l->p && o->rev[i].effective >= a->from) {
			char when[32];
			ct__day_for(&l->rs, when, o->rev[i].effective);
			ct__rs_add(&l->rs, CT_R_LAB_REVOKED, l->hash, o->rev[i].hash,
				   "the lab's admission was revoked from %s, before %s", when, day);
			break;
		}
	}
	if (l->category.p && !ct__list_has(&a->scope, l->category))
		ct__rs_add(&l->rs, CT_R_LAB_OUT_OF_SCOPE, l->hash, a->hash,
			   "the lab's scope lacks category '%.*s'", (int)l->category.n, l->category.p);
	return 0;
}

/* Rule 3: a named technician held a certification covering the category then. */
static int check_technician(ct_tracer *tr, struct ct__link *l)
{
	struct ct__person *p;
	size_t i;
	int err;

	if (!l->technician.p)
		return 0;
	if ((err = ct__person_get(tr, l->technician, &p)) < 0)
		return err;
	for (i = 0; i < p->n; i++)
		if (p->v[i].from <= l->p && l->p <= p->v[i].until &&
		    (!l->category.p || ct__list_has(&p->v[i].scope, l->category)))
			return 0;
	ct__rs_add(&l->rs, CT_R_TECHNICIAN_UNQUALIFIED, l->hash, p->n ? p->v[p->n - 1].hash : NULL,
		   "technician %.*s held no certification for '%.*s' then", (int)l->technician.n,
		   l->technician.p, (int)l->category.n, l->category.p ? l->category.p : "");
	return 0;
}

static int check_own(ct_tracer *tr, struct ct__link *l)
{
	struct ct__org *o = NULL;
	bool revoked;
	uint8_t rev[CT_HASH_BYTES];
	int err;

	if ((err = ct__org_get(tr, l->e.author, &o)) < 0)
		return err;
	if (l->e.seq >= o->fork_seq)
		ct__rs_add(&l->rs, CT_R_FORKED_AUTHOR, l->hash, o->fork_entry,
			   "its author equivocated at entry #%llu, this is #%llu",
			   (unsigned long long)o->fork_seq, (unsigned long long)l->e.seq);
	if (l->e.seq > o->cosigned_to) {
		char since[32];
		ct__day_for(&l->rs, since, o->compromised_since);
		ct__rs_add(
		    &l->rs, CT_R_COMPROMISED_KEY, l->hash, o->compromised_entry,
		    "its key was declared compromised since %s; entry #%llu is past #%llu, the last the "
		    "bureau cosigned before then",
		    since, (unsigned long long)l->e.seq, (unsigned long long)o->cosigned_to);
	}
	if (l->e.seq > o->closed_at) {
		char when[32];
		ct__day_for(&l->rs, when, o->closed_effective);
		ct__rs_add(&l->rs, CT_R_CLOSED_FEED, l->hash, o->closed_entry,
			   "the bureau re-keyed its lab from %s and closed this feed at #%llu; this is #%llu",
			   when, (unsigned long long)o->closed_at, (unsigned long long)l->e.seq);
	}
	if (l->anchor)
		return 0;
	if (ct__str_eq(l->result, "fail"))
		ct__rs_add(&l->rs, CT_R_FAILED, l->hash, NULL, "result fail");
	if (l->subject_std) { /* an instrument's calibration was chosen unrevoked */
		if ((err = ct__revoked(tr, l->hash, l->e.author, rev, &revoked)) < 0)
			return err;
		if (revoked)
			ct__rs_add(&l->rs, CT_R_REVOKED_CALIBRATION, l->hash, rev, "revoked by its author");
	}
	if ((err = check_lab(tr, l)) < 0)
		return err;
	return check_technician(tr, l);
}

static bool below_has(const struct ct__link *l, const struct ct__std *s)
{
	uint32_t lo = 0, hi = l ? l->nbelow : 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (l->below[mid] == s)
			return true;
		if ((uintptr_t)l->below[mid] < (uintptr_t)s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int ptr_order(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (struct ct__std *const *)a, y = (uintptr_t) * (struct ct__std *const *)b;

	return x < y ? -1 : x > y;
}

/* below(l) = the standards it relied on and everything below them (membership only). */
static int compute_below(struct ct__link *l)
{
	uint32_t i, j, n = 0, cap = 0;
	struct ct__std **v = NULL, **grown;

	for (i = 0; i < l->nuses; i++) {
		const struct ct__use *u = &l->uses[i];
		uint32_t need = n + 1 + (u->link ? u->link->nbelow : 0);
		if (need > cap) {
			cap = need * 2;
			if (!(grown = realloc(v, cap * sizeof(*v)))) {
				free(v);
				return ct_error_set(CT_ENOMEM, "out of memory evaluating a standard");
			}
			v = grown;
		}
		v[n++] = u->std;
		for (j = 0; u->link && j < u->link->nbelow; j++)
			v[n++] = u->link->below[j];
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), ptr_order);
	for (i = j = 0; i < n; i++)
		if (j == 0 || v[j - 1] != v[i])
			v[j++] = v[i];
	free(l->below);
	l->below = v;
	l->nbelow = j;
	return 0;
}

static void check_basis(ct_tracer *tr, struct ct__use *u)
{
	const struct ct__basis *b = u->basis, *latest;
	char at[32], until[32];

	ct__day_for(&u->rs, at, u->at);
	if (b->p > u->at) {
		ct__day_for(&u->rs, until, b->p);
		ct__rs_add(&u->rs, CT_R_WRONG_LINK, u->cited, NULL,
			   "relied on a calibration performed %s, after its use %s", until, at);
		return;
	}
	if (u->link->verdict == CT_INVALID)
		ct__rs_add(&u->rs, CT_R_STANDARD_NOT_TRACEABLE, u->cited, NULL,
			   "the %s it relied on is itself invalid", b->anchor ? "anchor" : "calibration");
	if (u->at > end_of(b->until, tr->grace_ms)) {
		ct__day_for(&u->rs, until, b->until);
		if (u->root || ct__std_covering(u->std, u->at, tr->grace_ms))
			ct__rs_add(&u->rs, CT_R_EXPIRED, u->cited, NULL, "%s valid until %s < %s",
				   u->root ? "its latest calibration was" : "relied on a calibration", until,
				   at);
		else
			ct__rs_add(&u->rs, CT_R_GAP, u->cited, NULL,
				   "no valid calibration of the standard at %s (the last one ran until %s)",
				   at, until);
	}
	latest = ct__std_latest(u->std, u->at);
	if (latest && latest != b && !latest->pass) {
		ct__day_for(&u->rs, until, latest->p);
		ct__rs_add(&u->rs, CT_R_FAILED, latest->hash, NULL,
			   "the standard failed its calibration of %s", until);
	}
}

static void check_registration(struct ct__use *u)
{
	const struct ct__std *s = u->std;

	if (s->reg == CT__REG_NONE)
		ct__rs_add(&u->rs, CT_R_UNREGISTERED, NULL, NULL, "standard %s is not registered", s->id);
	else if (s->reg == CT__REG_CONFLICT)
		ct__rs_add(&u->rs, CT_R_CONFLICT, s->reg_hash, s->reg_other,
			   "two registrations of %s disagree", s->id);
	else if (s->reg == CT__REG_FORKED)
		ct__rs_add(&u->rs, (ct_reason)s->untrusted, NULL, NULL,
			   "standard %s is registered only by untrusted entries (%s)", s->id,
			   ct_reason_name((ct_reason)s->untrusted));
}

static void check_ratio(ct_tracer *tr, struct ct__use *u, const struct ct__qty *against)
{
	char a[96], b[96];
	int ok;

	u->ratio_ok = -1;
	if (u->std->reg != CT__REG_OK || !against)
		return;
	ok = ct__qty_ratio_ok(&u->std->u, tr->min_ratio, against);
	u->ratio_ok = (int8_t)ok;
	if (ok == 1)
		return;
	ct__qty_format(a, sizeof(a), &u->std->u);
	ct__qty_format(b, sizeof(b), against);
	if (ok == 0)
		ct__rs_add(&u->rs, CT_R_RATIO, u->std->reg_hash, NULL, "u %s x %llu > %s", a,
			   (unsigned long long)tr->min_ratio, b);
	else
		ct__rs_add(&u->rs, CT_R_INCOMPARABLE, u->std->reg_hash, NULL,
			   "u %s cannot be compared with %s", a, b);
}

int ct__use_judge(ct_tracer *tr, struct ct__use *u, const struct ct__std *parent,
		  const struct ct__qty *against)
{
	const struct ct__std *s = u->std;
	const struct ct__oot *o;
	ct_entry e;
	char at[32], since[32];
	int err;

	ct__rs_reset(&u->rs);
	ct__day_for(&u->rs, at, u->at);
	check_registration(u);
	if (s->reg == CT__REG_OK && s->is_public && !ct__std_approval(s, u->at))
		ct__rs_add(&u->rs, CT_R_STANDARD_NOT_APPROVED, s->reg_hash, NULL,
			   "public standard without an examination certificate valid at %s", at);
	if (u->basis) {
		check_basis(tr, u);
	} else if (u->no_basis) {
		ct__rs_add(&u->rs, CT_R_NO_CALIBRATION, NULL, NULL,
			   "no calibration or anchor of %s at or before %s", s->id, at);
	} else {
		err = ct_read_entry_by_hash(&e, tr->r, u->cited);
		if (err < 0 && err != CT_ENOTFOUND)
			return err;
		if (err == 0 && tr->record)
			tr->record(tr->record_ctx, u->cited);
		if (err == CT_ENOTFOUND)
			ct__rs_add(&u->rs, CT_R_MISSING_ENTRY, u->cited, NULL,
				   "the entry it relied on is not in the store");
		else
			ct__rs_add(&u->rs, CT_R_WRONG_LINK, u->cited, NULL,
				   "relied on a %.*s that is not a calibration or anchor of %s",
				   (int)e.type_len, e.type, s->id);
	}
	if (s->reg == CT__REG_OK && (o = ct__std_oot(s, u->at))) {
		ct__day_for(&u->rs, since, o->since);
		ct__rs_add(&u->rs, CT_R_OUT_OF_TOLERANCE, o->hash, NULL,
			   "declared out of tolerance since %s, used %s", since, at);
	}
	check_ratio(tr, u, against);
	if (parent && (parent == s || below_has(u->link, parent)))
		ct__rs_add(&u->rs, CT_R_CYCLE, u->cited, NULL, "the chain of %s passes through itself via %s",
			   parent->id, s->id);
	u->verdict = u->rs.worst;
	u->mask = u->rs.mask;
	if (u->link) {
		if (u->link->verdict > u->verdict)
			u->verdict = u->link->verdict;
		u->mask |= u->link->mask;
	}
	return 0;
}

static int link_finish(ct_tracer *tr, struct ct__link *l)
{
	uint32_t i;
	int err;

	if ((err = check_own(tr, l)) < 0)
		return err;
	l->verdict = l->rs.worst;
	l->mask = l->rs.mask;
	for (i = 0; i < l->nuses; i++) {
		struct ct__use *u = &l->uses[i];
		if ((err = ct__use_judge(tr, u, l->subject_std, l->qty)) < 0)
			return err;
		if (u->verdict > l->verdict)
			l->verdict = u->verdict;
		l->mask |= u->mask;
	}
	return l->subject_std ? compute_below(l) : 0;
}

static int push(ct_tracer *tr, struct ct__link *l)
{
	if (tr->nstack == tr->capstack) {
		size_t cap = tr->capstack ? 2 * tr->capstack : 32;
		struct ct__link **s = realloc(tr->stack, cap * sizeof(*s));
		if (!s)
			return ct_error_set(CT_ENOMEM, "out of memory evaluating a chain");
		tr->stack = s;
		tr->capstack = cap;
	}
	tr->stack[tr->nstack++] = l;
	return 0;
}

/* The next standard's link of l still to judge, or NULL. */
static struct ct__link *next_pending(struct ct__link *l)
{
	for (; l->next_use < l->nuses; l->next_use++) {
		struct ct__link *c = l->uses[l->next_use].link;
		if (c && c->state == CT__LINK_PENDING)
			return c;
	}
	return NULL;
}

int ct__link_eval(ct_tracer *tr, struct ct__link *root)
{
	size_t base = tr->nstack;
	struct ct__link *l, *c;
	int err = 0;

	if (root->state == CT__LINK_DONE)
		return 0;
	if ((err = push(tr, root)) < 0)
		return err;
	while (tr->nstack > base) {
		l = tr->stack[tr->nstack - 1];
		if (l->state == CT__LINK_PENDING) {
			l->state = CT__LINK_BUSY;
			if ((err = link_prepare(tr, l)) < 0)
				break;
		}
		/* A child BUSY on the stack would be a hash cycle: impossible for stored entries. */
		if ((c = next_pending(l)) != NULL) {
			if ((err = push(tr, c)) < 0)
				break;
			continue;
		}
		if ((err = link_finish(tr, l)) < 0)
			break;
		l->state = CT__LINK_DONE;
		tr->nstack--;
	}
	tr->nstack = base;
	return err;
}

int ct__std_at(ct_tracer *tr, struct ct__std *s, uint64_t t, struct ct__use *u)
{
	int err;

	memset(u, 0, sizeof(*u));
	ct__rs_init(&u->rs, tr->detail);
	u->id.p = s->id;
	u->id.n = s->id_len;
	u->std = s;
	u->at = t;
	u->ratio_ok = -1;
	u->root = true;
	if ((u->basis = ct__std_latest(s, t)) != NULL) {
		memcpy(u->cited, u->basis->hash, CT_HASH_BYTES);
		if ((err = ct__basis_link(tr, s, u->basis, &u->link)) < 0 ||
		    (err = ct__link_eval(tr, u->link)) < 0)
			return err;
	} else {
		u->no_basis = true;
	}
	return ct__use_judge(tr, u, NULL, NULL);
}
