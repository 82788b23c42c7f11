/*
 * The tracer: its lifecycle, the genesis policy, reason lists, and the
 * memo of what the bureau records about people (certifications) and
 * catalogue items; about authors (forks, admissions, re-keys) in
 * trace_org.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "caltrace/eval/coverage.h"
#include "caltrace/ledger/netindex.h"
#include "trace_internal.h"

static const struct {
	const char *name;
	ct_verdict severity; /* CT_VALID: a warning */
} reason_table[CT_R__COUNT] = {
    [CT_R_EXPIRED] = {"expired", CT_INVALID},
    [CT_R_FAILED] = {"failed", CT_INVALID},
    [CT_R_NO_CALIBRATION] = {"no-calibration", CT_INVALID},
    [CT_R_LAB_NOT_ADMITTED] = {"lab-not-admitted", CT_INVALID},
    [CT_R_LAB_REVOKED] = {"lab-revoked", CT_INVALID},
    [CT_R_LAB_OUT_OF_SCOPE] = {"lab-out-of-scope", CT_INVALID},
    [CT_R_LAB_TIER] = {"lab-tier", CT_INVALID},
    [CT_R_VERIFICATION_REQUIRED] = {"verification-required", CT_INVALID},
    [CT_R_TECHNICIAN_UNQUALIFIED] = {"technician-unqualified", CT_INVALID},
    [CT_R_STANDARD_NOT_APPROVED] = {"standard-not-approved", CT_INVALID},
    [CT_R_STANDARD_NOT_TRACEABLE] = {"standard-not-traceable", CT_INVALID},
    [CT_R_RATIO] = {"ratio", CT_INVALID},
    [CT_R_INCOMPARABLE] = {"incomparable", CT_VALID},
    [CT_R_GAP] = {"gap", CT_INVALID},
    [CT_R_CYCLE] = {"cycle", CT_INVALID},
    [CT_R_MISSING_ENTRY] = {"missing-entry", CT_INVALID},
    [CT_R_CONFLICT] = {"conflict", CT_INVALID},
    [CT_R_FORKED_AUTHOR] = {"forked-author", CT_INVALID},
    [CT_R_REVOKED_CALIBRATION] = {"revoked-calibration", CT_INVALID},
    [CT_R_OUT_OF_TOLERANCE] = {"out-of-tolerance", CT_SUSPECT},
    [CT_R_UNREGISTERED] = {"unregistered", CT_INVALID},
    [CT_R_WRONG_LINK] = {"wrong-link", CT_INVALID},
    [CT_R_RETIRED] = {"retired", CT_INVALID},
    [CT_R_CLOSED_FEED] = {"closed-feed", CT_INVALID},
    [CT_R_COMPROMISED_KEY] = {"compromised-key", CT_INVALID},
};

const char *ct_reason_name(ct_reason code)
{
	return (int)code >= 0 && code < CT_R__COUNT ? reason_table[code].name : NULL;
}

int ct_reason_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < CT_R__COUNT; i++)
		if (strcmp(reason_table[i].name, name) == 0)
			return i;
	return -1;
}

ct_verdict ct_reason_severity(ct_reason code)
{
	return (int)code >= 0 && code < CT_R__COUNT ? reason_table[code].severity : CT_INVALID;
}

const char *ct_verdict_name(ct_verdict v)
{
	switch (v) {
	case CT_VALID:
		return "valid";
	case CT_SUSPECT:
		return "suspect";
	default:
		return "invalid";
	}
}

void ct__day(char out[32], uint64_t ms)
{
	ct_time_format(out, 32, ms);
}

const char *ct__day_for(const struct ct__rs *rs, char buf[32], uint64_t ms)
{
	buf[0] = '\0';
	if (rs->detail)
		ct__day(buf, ms);
	return buf;
}

/* ---- reasons ----------------------------------------------------------- */

void ct__rs_init(struct ct__rs *rs, bool detail)
{
	memset(rs, 0, sizeof(*rs));
	rs->detail = detail;
}

void ct__rs_reset(struct ct__rs *rs)
{
	rs->mask = 0;
	rs->worst = CT_VALID;
	rs->n = 0;
	rs->oom = false;
}

void ct__rs_free(struct ct__rs *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

void ct__rs_add(struct ct__rs *rs, ct_reason code, const uint8_t *e1, const uint8_t *e2, const char *fmt, ...)
{
	ct_verdict sev = ct_reason_severity(code);
	ct_trace_reason *r;
	va_list ap;

	rs->mask |= 1ULL << code;
	if (sev > rs->worst)
		rs->worst = (uint8_t)sev;
	if (!rs->detail)
		return;
	if (rs->n == rs->cap) {
		uint32_t cap = rs->cap ? 2 * rs->cap : 4;
		ct_trace_reason *v = realloc(rs->v, cap * sizeof(*v));
		if (!v) {
			rs->oom = true;
			return;
		}
		rs->v = v;
		rs->cap = cap;
	}
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->code = code;
	r->warning = sev == CT_VALID;
	if (e1)
		memcpy(r->entries[r->nentries++], e1, CT_HASH_BYTES);
	if (e2)
		memcpy(r->entries[r->nentries++], e2, CT_HASH_BYTES);
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* ---- body fields ------------------------------------------------------- */

int ct__body_cursor(const ct_entry *e, const char *key, ct_mp *out)
{
	ct_mp map = ct_mp_over(e->body, e->body_len);

	return ct__map_find(&map, key, out);
}

int ct__body_str(const ct_entry *e, const char *key, struct ct__str *out)
{
	ct_mp v;
	int err;

	out->p = NULL;
	out->n = 0;
	if ((err = ct__body_cursor(e, key, &v)) < 0)
		return err;
	return ct__read_str(&v, out);
}

int ct__body_uint(const ct_entry *e, const char *key, uint64_t *out)
{
	ct_mp v;
	int err;

	if ((err = ct__body_cursor(e, key, &v)) < 0)
		return err;
	return ct_mp_read_uint(&v, out);
}

int ct__body_bool(const ct_entry *e, const char *key, bool *out)
{
	ct_mp v;
	int err;

	if ((err = ct__body_cursor(e, key, &v)) < 0)
		return err;
	return ct_mp_read_bool(&v, out);
}

bool ct__list_has(const ct_mp *list, struct ct__str s)
{
	ct_mp r = *list;
	uint32_t count, i;
	struct ct__str item;

	if (ct_mp_read_array(&r, &count) < 0)
		return false;
	for (i = 0; i < count; i++) {
		if (ct__read_str(&r, &item) < 0)
			return false;
		if (ct__str_same(item, s))
			return true;
	}
	return false;
}

/* ---- the tracer -------------------------------------------------------- */

static int read_policy(ct_tracer *tr)
{
	uint8_t network[CT_HASH_BYTES];
	uint64_t grace_days = 0;
	ct_mp policy, v;
	ct_entry g;
	int err;

	err = ct_read_network(network, tr->bureau, tr->r);
	if (err == CT_ENOTFOUND)
		return ct_error_set(CT_ESTATE, "no genesis in this store: nothing to evaluate yet");
	if (err < 0)
		return err;
	if ((err = ct_read_entry_by_hash(&g, tr->r, network)) < 0)
		return err;
	tr->min_ratio = 3;
	if (ct__body_cursor(&g, "policy", &policy) < 0)
		return ct_error_set(CT_ECORRUPT, "genesis entry without a policy");
	if (ct__map_find(&policy, "min_ratio", &v) == 0 && ct_mp_read_uint(&v, &tr->min_ratio) < 0)
		return ct_error_set(CT_ECORRUPT, "genesis policy: bad min_ratio");
	if (ct__map_find(&policy, "grace_days", &v) == 0 && ct_mp_read_uint(&v, &grace_days) < 0)
		return ct_error_set(CT_ECORRUPT, "genesis policy: bad grace_days");
	if (tr->min_ratio == 0)
		tr->min_ratio = 1;
	tr->grace_ms = grace_days > UINT64_MAX / CT__DAY_MS ? UINT64_MAX : grace_days * CT__DAY_MS;
	return 0;
}

int ct_tracer_new(ct_tracer **out, ct_reader *r)
{
	ct_tracer *tr;
	int err;

	*out = NULL;
	if (!(tr = calloc(1, sizeof(*tr))))
		return ct_error_set(CT_ENOMEM, "out of memory creating a tracer");
	tr->r = r;
	tr->inst.cal_row = SIZE_MAX;
	if ((err = read_policy(tr)) < 0) {
		ct_tracer_free(tr);
		return err;
	}
	*out = tr;
	return 0;
}

void ct_tracer_policy(const ct_tracer *tr, uint64_t *min_ratio, uint64_t *grace_days)
{
	if (min_ratio)
		*min_ratio = tr->min_ratio;
	if (grace_days)
		*grace_days = tr->grace_ms / CT__DAY_MS;
}

static void free_person(void *p)
{
	struct ct__person *pe = p;

	free(pe->v);
	free(pe);
}

static void free_item(void *p)
{
	struct ct__item *it = p;

	free(it->v);
	free(it);
}

static void free_std(void *p)
{
	struct ct__std *s = p;

	free(s->id);
	free(s->appr);
	free(s->bases);
	free(s->oot);
	free(s);
}

static void free_link(void *p)
{
	ct__link_clear(p);
	free(p);
}

void ct_tracer_record(ct_tracer *tr, ct_trace_record_fn cb, void *ctx)
{
	tr->record = cb;
	tr->record_ctx = ctx;
}

void ct_tracer_record_keys(ct_tracer *tr, ct_trace_key_fn cb, void *ctx)
{
	tr->record_key = cb;
	tr->record_key_ctx = ctx;
}

void ct__record_key_id(ct_tracer *tr, char type, const char *id, size_t len)
{
	uint8_t key[CT_NETKEY_MAX];
	size_t n;

	if (tr->record_key && (n = ct_netkey_id(key, type, id, len)) > 0)
		tr->record_key(tr->record_key_ctx, key, n);
}

void ct__record_key_author(ct_tracer *tr, const uint8_t author[CT_KEY_BYTES])
{
	uint8_t key[CT_NETKEY_MAX];

	if (!tr->record_key)
		return;
	tr->record_key(tr->record_key_ctx, key, ct_netkey_org(key, author));
	tr->record_key(tr->record_key_ctx, key, ct_netkey_fork(key, author));
}

void ct__record_key_org(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES])
{
	uint8_t nk[CT_NETKEY_MAX];

	if (tr->record_key)
		tr->record_key(tr->record_key_ctx, nk, ct_netkey_org(nk, key));
}

void ct__record_key_revoked(ct_tracer *tr, const uint8_t cal[CT_HASH_BYTES])
{
	uint8_t key[CT_NETKEY_MAX];

	if (tr->record_key)
		tr->record_key(tr->record_key_ctx, key, ct_netkey_revoked(key, cal));
}

void ct_tracer_free(ct_tracer *tr)
{
	if (!tr)
		return;
	ct_hmap_free(&tr->links, free_link);
	ct_hmap_free(&tr->stds, free_std);
	ct_hmap_free(&tr->orgs, ct__org_free);
	ct_hmap_free(&tr->persons, free_person);
	ct_hmap_free(&tr->items, free_item);
	ct_hmap_free(&tr->revocations, free);
	ct__inst_clear(&tr->inst);
	ct__prefetch_free(tr);
	free(tr->stack);
	free(tr->rows.v);
	free(tr);
}

/* ---- rows -------------------------------------------------------------- */

static int collect_row(void *ctx, const ct_index_row *row)
{
	struct ct__rowbuf *b = ctx;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		ct_index_row *rows = realloc(b->v, cap * sizeof(*rows));
		if (!rows)
			return ct_error_set(CT_ENOMEM, "out of memory reading index rows");
		b->v = rows;
		b->cap = cap;
	}
	b->v[b->n++] = *row;
	return 0;
}

int ct__load_rows(ct_tracer *tr, struct ct__rowbuf *buf, char ns, const char *id, size_t id_len)
{
	size_t i;
	int err;

	buf->n = 0;
	ct__record_key_id(tr, ns, id, id_len);
	if ((err = ct_read_subject_rows(tr->r, ns, id, id_len, 0, collect_row, buf)) < 0)
		return err;
	for (i = 0; tr->record && i < buf->n; i++)
		tr->record(tr->record_ctx, buf->v[i].hash);
	return 0;
}

/* ---- people and catalogue items ------------------------------------------ */

struct person_load {
	ct_tracer *tr;
	struct ct__person *p;
	size_t cap;
};

static int add_cert(void *ctx, const ct_index_row *row)
{
	struct person_load *L = ctx;
	struct ct__cert *c;
	ct_entry e;
	int err;

	if ((err = ct__read_entry(L->tr, row->hash, &e)) < 0)
		return err;
	if (!ct__trusted(L->tr, &e))
		return 0;
	if (L->p->n == L->cap) {
		L->cap = L->cap ? 2 * L->cap : 2;
		if (!(c = realloc(L->p->v, L->cap * sizeof(*c))))
			return ct_error_set(CT_ENOMEM, "out of memory reading certifications");
		L->p->v = c;
	}
	c = &L->p->v[L->p->n++];
	c->from = e.time;
	memcpy(c->hash, row->hash, CT_HASH_BYTES);
	if (ct__body_uint(&e, "valid_until", &c->until) < 0 || ct__body_cursor(&e, "scope", &c->scope) < 0)
		return ct_error_set(CT_ECORRUPT, "stored person.certify lacks a field");
	return 0;
}

int ct__person_get(ct_tracer *tr, struct ct__str id, struct ct__person **out)
{
	struct person_load L = {tr, NULL, 0};
	struct ct__person *p = ct_hmap_get(&tr->persons, id.p, id.n);
	int err;

	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return ct_error_set(CT_ENOMEM, "out of memory reading a person");
		ct__record_key_id(tr, CT_NK_PERSON, id.p, id.n);
		L.p = p;
		if ((err = ct_read_person_rows(tr->r, id.p, id.n, add_cert, &L)) < 0 ||
		    (err = ct_hmap_put(&tr->persons, id.p, id.n, p)) < 0) {
			free_person(p);
			return err;
		}
	}
	*out = p;
	return 0;
}

struct item_load {
	ct_tracer *tr;
	struct ct__item *it;
	size_t cap;
};

static int add_catver(void *ctx, const ct_index_row *row)
{
	struct item_load *L = ctx;
	struct ct__catver *v;
	ct_entry e;
	int err;

	if ((err = ct__read_entry(L->tr, row->hash, &e)) < 0)
		return err;
	if (!ct__trusted(L->tr, &e))
		return 0;
	if (L->it->n == L->cap) {
		L->cap = L->cap ? 2 * L->cap : 2;
		if (!(v = realloc(L->it->v, L->cap * sizeof(*v))))
			return ct_error_set(CT_ENOMEM, "out of memory reading the catalogue");
		L->it->v = v;
	}
	v = &L->it->v[L->it->n++];
	v->effective = row->time;
	memcpy(v->hash, row->hash, CT_HASH_BYTES);
	if (ct__body_str(&e, "mode", &v->mode) < 0 || ct__body_cursor(&e, "domains", &v->domains) < 0)
		return ct_error_set(CT_ECORRUPT, "stored catalogue.set lacks a field");
	return 0;
}

int ct__item_get(ct_tracer *tr, struct ct__str id, struct ct__item **out)
{
	struct item_load L = {tr, NULL, 0};
	struct ct__item *it = ct_hmap_get(&tr->items, id.p, id.n);
	int err;

	if (!it) {
		if (!(it = calloc(1, sizeof(*it))))
			return ct_error_set(CT_ENOMEM, "out of memory reading the catalogue");
		ct__record_key_id(tr, CT_NK_CATALOGUE, id.p, id.n);
		L.it = it;
		if ((err = ct_read_catalogue_rows(tr->r, id.p, id.n, add_catver, &L)) < 0 ||
		    (err = ct_hmap_put(&tr->items, id.p, id.n, it)) < 0) {
			free_item(it);
			return err;
		}
	}
	*out = it;
	return 0;
}

/* Catalogue rows sort by (effective, hash): the last one in effect wins. */
const struct ct__catver *ct__item_at(const struct ct__item *it, uint64_t t)
{
	size_t i;

	for (i = it->n; i-- > 0;)
		if (it->v[i].effective <= t)
			return &it->v[i];
	return NULL;
}
