/*
 * The tracer's memo of authors (trace_ctx.c has the rest of the tracer):
 * what the bureau records about each, its admissions and revocations, its
 * fork, the chain of its re-keys to the lab it is; and the organisation
 * facts shown to those who ask (ct_org_info_at).
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/eval/coverage.h"
#include "trace_internal.h"

void ct__org_free(void *p)
{
	struct ct__org *o = p;

	free(o->adm);
	free(o->rev);
	free(o);
}

/* ---- authors ----------------------------------------------------------- */

/* The fork proof's first entry: the author is untrusted from there on. */
static int load_fork(ct_tracer *tr, struct ct__org *o)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	ct_feed_head head;
	ct_entry ea, eb;
	int err;

	o->fork_seq = CT__NO_FORK;
	err = ct_read_head(&head, tr->r, o->key);
	if (err == CT_ENOTFOUND || (err == 0 && !head.forked))
		return 0;
	if (err < 0)
		return err;
	err = ct_read_fork(&a, &alen, &b, &blen, tr->r, o->key);
	if (err == CT_ENOTFOUND && ct_read_checkpoint_fork(&a, &alen, &b, &blen, tr->r, o->key) == 0) {
		/*
		 * Two checkpoints that cannot both be true do not say which
		 * entry differs: nothing of the author is trusted (docs/CHECKPOINTS.md).
		 */
		o->fork_seq = 1;
		memset(o->fork_entry, 0, CT_HASH_BYTES);
		if (ct_read_entry(&ea, tr->r, o->key, 1) == 0)
			ct_entry_hash(o->fork_entry, ea.raw, ea.raw_len);
		return 0;
	}
	if (err < 0)
		return err == CT_ENOTFOUND ? 0 : err;
	if (ct_entry_decode(&ea, a, alen) < 0 || ct_entry_decode(&eb, b, blen) < 0)
		return ct_error_set(CT_ECORRUPT, "stored fork proof does not decode");
	o->fork_seq = ea.seq < eb.seq ? ea.seq : eb.seq;
	ct_entry_hash(o->fork_entry, ea.seq <= eb.seq ? ea.raw : eb.raw,
		      ea.seq <= eb.seq ? ea.raw_len : eb.raw_len);
	return 0;
}

/* Most keys one lab's rekey chain may have; longer chains are cut (the bureau's append refuses them). */
#define CHAIN_MAX 64

struct org_load {
	ct_tracer *tr;
	struct ct__org *o;
	size_t capadm, caprev;
	int err;
};

/* A trusted org.rekey of the bureau, read from an index row. */
struct rekey {
	uint8_t hash[CT_HASH_BYTES];
	uint8_t old_key[CT_KEY_BYTES], new_key[CT_KEY_BYTES];
	uint64_t effective, closed_at;
};

/*
 * Reads the org.rekey behind a row; *ok false when it does not count: not
 * the bureau's, not trusted, or naming the bureau's own key.
 */
static int read_rekey(ct_tracer *tr, const ct_index_row *row, struct rekey *k, bool *ok)
{
	const uint8_t *b;
	size_t len;
	ct_mp v;
	ct_entry e;
	int err;

	*ok = false;
	if ((err = ct__read_entry(tr, row->hash, &e)) < 0)
		return err;
	if (memcmp(e.author, tr->bureau, CT_KEY_BYTES) != 0 || !ct__trusted(tr, &e))
		return 0;
	memcpy(k->hash, row->hash, CT_HASH_BYTES);
	k->effective = row->time;
	if (ct__body_cursor(&e, "old_key", &v) < 0 || ct_mp_read_bin(&v, &b, &len) < 0 || len != CT_KEY_BYTES)
		return ct_error_set(CT_ECORRUPT, "stored org.rekey lacks old_key");
	memcpy(k->old_key, b, CT_KEY_BYTES);
	if (ct__body_cursor(&e, "new_key", &v) < 0 || ct_mp_read_bin(&v, &b, &len) < 0 || len != CT_KEY_BYTES)
		return ct_error_set(CT_ECORRUPT, "stored org.rekey lacks new_key");
	memcpy(k->new_key, b, CT_KEY_BYTES);
	if (ct__body_uint(&e, "closed_at", &k->closed_at) < 0)
		return ct_error_set(CT_ECORRUPT, "stored org.rekey lacks closed_at");
	*ok = memcmp(k->old_key, tr->bureau, CT_KEY_BYTES) != 0 &&
	      memcmp(k->new_key, tr->bureau, CT_KEY_BYTES) != 0;
	return 0;
}

/* The trusted rekeys of one key, of one row kind (into it, or out of it), in (effective, hash) order. */
struct rekey_list {
	ct_tracer *tr;
	char kind;
	struct rekey v[CHAIN_MAX];
	size_t n;
};

static int add_rekey_row(void *ctx, const ct_index_row *row)
{
	struct rekey_list *L = ctx;
	bool ok;
	int err;

	if (row->kind != L->kind || L->n == CHAIN_MAX)
		return 0;
	if ((err = read_rekey(L->tr, row, &L->v[L->n], &ok)) < 0)
		return err;
	if (ok)
		L->n++;
	return 0;
}

static int rekeys_of(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], char kind, struct rekey_list *out)
{
	out->tr = tr;
	out->kind = kind;
	out->n = 0;
	ct__record_key_org(tr, key);
	return ct_read_org_rows(tr->r, key, add_rekey_row, out);
}

static bool key_in(const uint8_t (*keys)[CT_KEY_BYTES], size_t n, const uint8_t key[CT_KEY_BYTES], size_t *at)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(keys[i], key, CT_KEY_BYTES) == 0) {
			if (at)
				*at = i;
			return true;
		}
	return false;
}

/*
 * The first key of key's rekey chain: back through the earliest rekey into
 * each key, until a key nothing replaced. A loop (only a bureau that
 * rekeyed A to B and B to A makes one) ends at its bytewise smallest key,
 * so every key of it names the same lab.
 */
static int chain_root(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint8_t root[CT_KEY_BYTES])
{
	struct rekey_list in;
	uint8_t path[CHAIN_MAX][CT_KEY_BYTES];
	size_t n = 0, loop, i, min;
	int err;

	memcpy(path[n++], key, CT_KEY_BYTES);
	for (;;) {
		if ((err = rekeys_of(tr, path[n - 1], CT_ROW_REKEY_IN, &in)) < 0)
			return err;
		if (in.n == 0 || n == CHAIN_MAX)
			break;
		if (key_in((const uint8_t(*)[CT_KEY_BYTES])path, n, in.v[0].old_key, &loop)) {
			for (min = loop, i = loop + 1; i < n; i++)
				if (memcmp(path[i], path[min], CT_KEY_BYTES) < 0)
					min = i;
			memcpy(root, path[min], CT_KEY_BYTES);
			return 0;
		}
		memcpy(path[n++], in.v[0].old_key, CT_KEY_BYTES);
	}
	memcpy(root, path[n - 1], CT_KEY_BYTES);
	return 0;
}

/*
 * The keys of the lab whose first key is root: root and every key a rekey
 * chain leads to from it that leads back to root.
 */
static int chain_keys(ct_tracer *tr, const uint8_t root[CT_KEY_BYTES], uint8_t (*keys)[CT_KEY_BYTES],
		      size_t *n)
{
	struct rekey_list out;
	uint8_t back[CT_KEY_BYTES];
	size_t i, j;
	int err;

	memcpy(keys[0], root, CT_KEY_BYTES);
	*n = 1;
	for (i = 0; i < *n && *n < CHAIN_MAX; i++) {
		if ((err = rekeys_of(tr, keys[i], CT_ROW_REKEY_OUT, &out)) < 0)
			return err;
		for (j = 0; j < out.n && *n < CHAIN_MAX; j++) {
			if (key_in((const uint8_t(*)[CT_KEY_BYTES])keys, *n, out.v[j].new_key, NULL))
				continue;
			if ((err = chain_root(tr, out.v[j].new_key, back)) < 0)
				return err;
			if (memcmp(back, root, CT_KEY_BYTES) == 0)
				memcpy(keys[(*n)++], out.v[j].new_key, CT_KEY_BYTES);
		}
	}
	return 0;
}

/* The admissions and revocations of one key of the lab, added to the org's. */
static int add_org_row(void *ctx, const ct_index_row *row)
{
	struct org_load *L = ctx;
	struct ct__org *o = L->o;
	ct_entry e;
	int err;

	if (row->kind != CT_ROW_ADMIT && row->kind != CT_ROW_REVOKE)
		return 0;
	if ((err = ct__read_entry(L->tr, row->hash, &e)) < 0)
		return err;
	if (!ct__trusted(L->tr, &e))
		return 0;
	if (row->kind == CT_ROW_ADMIT) {
		struct ct__admission *a;
		if (o->nadm == L->capadm) {
			L->capadm = L->capadm ? 2 * L->capadm : 2;
			if (!(a = realloc(o->adm, L->capadm * sizeof(*a))))
				return ct_error_set(CT_ENOMEM, "out of memory reading admissions");
			o->adm = a;
		}
		a = &o->adm[o->nadm++];
		memset(a, 0, sizeof(*a));
		memcpy(a->hash, row->hash, CT_HASH_BYTES);
		if (ct__body_uint(&e, "valid_from", &a->from) < 0 ||
		    ct__body_uint(&e, "valid_until", &a->until) < 0 ||
		    ct__body_str(&e, "tier", &a->tier) < 0 || ct__body_str(&e, "name", &a->name) < 0 ||
		    ct__body_cursor(&e, "scope", &a->scope) < 0)
			return ct_error_set(CT_ECORRUPT, "stored org.admit lacks a field");
		ct__body_str(&e, "district", &a->district);
	} else {
		struct ct__revocation *v;
		if (o->nrev == L->caprev) {
			L->caprev = L->caprev ? 2 * L->caprev : 2;
			if (!(v = realloc(o->rev, L->caprev * sizeof(*v))))
				return ct_error_set(CT_ENOMEM, "out of memory reading revocations");
			o->rev = v;
		}
		v = &o->rev[o->nrev++];
		v->effective = row->time;
		memcpy(v->hash, row->hash, CT_HASH_BYTES);
	}
	return 0;
}

/* The bureau's declaration that this key was compromised: the most restrictive one counts. */
static int add_compromise_row(void *ctx, const ct_index_row *row)
{
	struct org_load *L = ctx;
	struct ct__org *o = L->o;
	uint64_t cosigned_to;
	ct_entry e;
	int err;

	if (row->kind != CT_ROW_COMPROMISED)
		return 0;
	if ((err = ct__read_entry(L->tr, row->hash, &e)) < 0)
		return err;
	if (memcmp(e.author, L->tr->bureau, CT_KEY_BYTES) != 0 || !ct__trusted(L->tr, &e) ||
	    memcmp(o->key, L->tr->bureau, CT_KEY_BYTES) == 0)
		return 0;
	if (ct__body_uint(&e, "cosigned_to", &cosigned_to) < 0)
		return ct_error_set(CT_ECORRUPT, "stored org.compromised lacks cosigned_to");
	/* Rows come by (since, hash): on equal bounds the earliest declaration is the one named. */
	if (cosigned_to < o->cosigned_to) {
		o->cosigned_to = cosigned_to;
		o->compromised_since = row->time;
		memcpy(o->compromised_entry, row->hash, CT_HASH_BYTES);
	}
	return 0;
}

static int admission_order(const void *pa, const void *pb)
{
	const struct ct__admission *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return memcmp(a->hash, b->hash, CT_HASH_BYTES);
}

static int revocation_order(const void *pa, const void *pb)
{
	const struct ct__revocation *a = pa, *b = pb;

	if (a->effective != b->effective)
		return a->effective < b->effective ? -1 : 1;
	return memcmp(a->hash, b->hash, CT_HASH_BYTES);
}

/*
 * What a key's own rows and its lab's say: the rekey that closed its feed
 * (the lowest closed_at counts), its compromise, and the admissions and
 * revocations of every key of its lab.
 */
static int load_lab(ct_tracer *tr, struct ct__org *o)
{
	struct rekey_list out;
	uint8_t keys[CHAIN_MAX][CT_KEY_BYTES];
	struct org_load L = {tr, o, 0, 0, 0};
	size_t n, i;
	int err;

	if ((err = rekeys_of(tr, o->key, CT_ROW_REKEY_OUT, &out)) < 0)
		return err;
	for (i = 0; i < out.n; i++)
		if (out.v[i].closed_at < o->closed_at) {
			o->closed_at = out.v[i].closed_at;
			o->closed_effective = out.v[i].effective;
			memcpy(o->closed_entry, out.v[i].hash, CT_HASH_BYTES);
		}
	if ((err = ct_read_org_rows(tr->r, o->key, add_compromise_row, &L)) < 0 ||
	    (err = chain_root(tr, o->key, o->lab)) < 0 || (err = chain_keys(tr, o->lab, keys, &n)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		ct__record_key_org(tr, keys[i]);
		if ((err = ct_read_org_rows(tr->r, keys[i], add_org_row, &L)) < 0)
			return err;
	}
	if (o->nadm > 1)
		qsort(o->adm, o->nadm, sizeof(*o->adm), admission_order);
	if (o->nrev > 1)
		qsort(o->rev, o->nrev, sizeof(*o->rev), revocation_order);
	return 0;
}

int ct__org_get(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], struct ct__org **out)
{
	struct ct__org *o, *bureau;
	int err;

	/* the last one asked for, first: a scan asks for one instrument's author many times */
	if (tr->last_org && memcmp(tr->last_org->key, key, CT_KEY_BYTES) == 0) {
		*out = tr->last_org;
		return 0;
	}
	if ((o = ct_hmap_get(&tr->orgs, key, CT_KEY_BYTES))) {
		*out = tr->last_org = o;
		return 0;
	}
	if (!(o = calloc(1, sizeof(*o))))
		return ct_error_set(CT_ENOMEM, "out of memory reading an org");
	memcpy(o->key, key, CT_KEY_BYTES);
	ct__record_key_author(tr, key);
	memcpy(o->lab, key, CT_KEY_BYTES);
	o->closed_at = CT__NO_FORK;
	o->cosigned_to = CT__NO_FORK;
	/* Registered before the rows are read: reading them asks whether the bureau is trusted. */
	if ((err = load_fork(tr, o)) < 0 || (err = ct_hmap_put(&tr->orgs, key, CT_KEY_BYTES, o)) < 0) {
		ct__org_free(o);
		return err;
	}
	/* The bureau's own org first: reading a lab's rows asks whether the bureau's entries are trusted. */
	if (memcmp(key, tr->bureau, CT_KEY_BYTES) != 0 && (err = ct__org_get(tr, tr->bureau, &bureau)) < 0)
		return err;
	if ((err = load_lab(tr, o)) < 0)
		return err;
	*out = tr->last_org = o;
	return 0;
}

int ct__distrust(ct_tracer *tr, const ct_entry *e)
{
	struct ct__org *o = NULL;

	int err;

	if ((err = ct__org_get(tr, e->author, &o)) < 0) {
		if (!tr->err)
			tr->err = err; /* the verdict is discarded: see struct ct_tracer */
		return CT_R_FORKED_AUTHOR;
	}
	if (e->seq >= o->fork_seq)
		return CT_R_FORKED_AUTHOR;
	if (e->seq > o->cosigned_to)
		return CT_R_COMPROMISED_KEY;
	if (e->seq > o->closed_at)
		return CT_R_CLOSED_FEED;
	return -1;
}

bool ct__trusted(ct_tracer *tr, const ct_entry *e)
{
	return ct__distrust(tr, e) < 0;
}

int ct__tracer_failed(const ct_tracer *tr, const char *what)
{
	if (!tr->err)
		return 0;
	return ct_error_set(tr->err,
			    "cannot answer %s: an error met reading the bureau's records left the evaluator "
			    "incomplete: %s",
			    what, ct_strerror(tr->err));
}

bool ct__same_lab(ct_tracer *tr, const uint8_t a[CT_KEY_BYTES], const uint8_t b[CT_KEY_BYTES])
{
	struct ct__org *oa = NULL, *ob = NULL;

	if (memcmp(a, b, CT_KEY_BYTES) == 0)
		return true;
	int err;

	if ((err = ct__org_get(tr, a, &oa)) < 0 || (err = ct__org_get(tr, b, &ob)) < 0) {
		if (!tr->err)
			tr->err = err; /* the answer is discarded: see struct ct_tracer */
		return false;
	}
	return memcmp(oa->lab, ob->lab, CT_KEY_BYTES) == 0;
}

int ct_tracer_lab_of(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint8_t lab_out[CT_KEY_BYTES])
{
	struct ct__org *o = NULL;
	int err;

	if ((err = ct__org_get(tr, key, &o)) < 0)
		return err;
	memcpy(lab_out, o->lab, CT_KEY_BYTES);
	return 0;
}

/* Org rows sort by kind then time: admissions come by (valid_from, hash). */
const struct ct__admission *ct__admission_at(const struct ct__org *o, uint64_t t)
{
	size_t i;

	for (i = o->nadm; i-- > 0;)
		if (o->adm[i].from <= t && t <= o->adm[i].until)
			return &o->adm[i];
	return NULL;
}

/* ---- organisations, for those who show them ------------------------------ */

static char *str_dup(struct ct__str s)
{
	return s.p ? strndup(s.p, s.n) : NULL;
}

int ct_org_info_at(ct_org_info *out, ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint64_t t)
{
	const struct ct__admission *a;
	struct ct__org *o;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = ct__org_get(tr, key, &o)) < 0)
		return err;
	a = ct__admission_at(o, t);
	out->admitted = a != NULL;
	for (i = 0; i < o->nrev; i++)
		out->revoked |= o->rev[i].effective <= t;
	if (!a && o->nadm)
		a = &o->adm[o->nadm - 1];
	if (!a)
		return 0;
	out->name = str_dup(a->name);
	out->tier = str_dup(a->tier);
	out->district = str_dup(a->district);
	if ((a->name.p && !out->name) || (a->tier.p && !out->tier) || (a->district.p && !out->district)) {
		ct_org_info_free(out);
		return ct_error_set(CT_ENOMEM, "out of memory reading an org");
	}
	return 0;
}

void ct_org_info_free(ct_org_info *o)
{
	free(o->name);
	free(o->tier);
	free(o->district);
	o->name = o->tier = o->district = NULL;
}
