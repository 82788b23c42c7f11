/*
 * The keys a complete bundle must prove (docs/FORMAT.md section 13,
 * "Required keys"): a closure over the bundle's own entries that covers
 * every key the evaluator reads (a superset: it follows every calibration
 * the evaluator might choose, and asks for the admissions of every author
 * it lists). Both the writer (over the store) and the verifier (over the
 * bundle) compute it, so that an independent verifier without an
 * evaluator can tell that a bundle left a key out.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/index.h"
#include "caltrace/ledger/mp.h"
#include "cbundle_internal.h"

/* ---- key sets ------------------------------------------------------------ */

int ct__keyset_add(struct ct__keyset *s, const uint8_t *key, size_t len)
{
	uint8_t *copy;

	if (ct_hmap_get(&s->map, key, len))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		uint8_t **k = realloc(s->keys, cap * sizeof(*k));
		size_t *l = k ? realloc(s->lens, cap * sizeof(*l)) : NULL;
		if (k)
			s->keys = k;
		if (!k || !l)
			return ct_error_set(CT_ENOMEM, "out of memory collecting keys");
		s->lens = l;
		s->cap = cap;
	}
	if (!(copy = malloc(len ? len : 1)))
		return ct_error_set(CT_ENOMEM, "out of memory collecting keys");
	memcpy(copy, key, len);
	if (ct_hmap_put(&s->map, key, len, copy) < 0) {
		free(copy);
		return ct_error_set(CT_ENOMEM, "out of memory collecting keys");
	}
	s->keys[s->n] = copy;
	s->lens[s->n++] = len;
	return 1;
}

bool ct__keyset_has(const struct ct__keyset *s, const uint8_t *key, size_t len)
{
	return ct_hmap_get(&s->map, key, len) != NULL;
}

void ct__keyset_free(struct ct__keyset *s)
{
	ct_hmap_free(&s->map, free);
	free(s->keys);
	free(s->lens);
	memset(s, 0, sizeof(*s));
}

/* ---- reading the source ---------------------------------------------------- */

struct closure {
	const struct ct__src *src;
	struct ct__keyset *out;
	size_t done; /* keys of out whose entries were looked at */
	struct ct__keyset followed; /* calibrations and anchors followed, by hash */
	uint8_t (*queue)[CT_HASH_BYTES];
	size_t nqueue, capqueue;
};

static int add_key(struct closure *c, const uint8_t *key, size_t len)
{
	int err = ct__keyset_add(c->out, key, len);

	return err < 0 ? err : 0;
}

/* The key's list into hashes (reset); *present. */
static int list(struct closure *c, const uint8_t *key, size_t len, bool *present, ct_buf *hashes)
{
	hashes->len = 0;
	return c->src->list(c->src->ctx, key, len, present, hashes);
}

static bool type_is(const ct_entry *e, const char *t)
{
	return e->type_len == strlen(t) && memcmp(e->type, t, e->type_len) == 0;
}

static bool body_str(const ct_entry *e, const char *field, const char **s, size_t *n)
{
	ct_mp map = ct_mp_over(e->body, e->body_len), v;

	return ct_mp_find(&map, field, &v) == 0 && ct_mp_read_str(&v, s, n) == 0;
}

static bool body_bin(const ct_entry *e, const char *field, const uint8_t **b, size_t *n)
{
	ct_mp map = ct_mp_over(e->body, e->body_len), v;

	return ct_mp_find(&map, field, &v) == 0 && ct_mp_read_bin(&v, b, n) == 0;
}

static bool body_uint(const ct_entry *e, const char *field, uint64_t *out)
{
	ct_mp map = ct_mp_over(e->body, e->body_len), v;

	return ct_mp_find(&map, field, &v) == 0 && ct_mp_read_uint(&v, out) == 0;
}

/* Rules (a)-(c) for the entries listed under one required key. */
static int visit_key(struct closure *c, const uint8_t *key, size_t len)
{
	uint8_t nk[CT_NETKEY_MAX], h[CT_HASH_BYTES];
	ct_buf hashes = CT_BUF_INIT;
	bool present;
	size_t i;
	int err;

	/* a fork key lists the fork proof's entries: its author's keys are required already */
	if (key[0] == CT_NK_AUTHOR && key[len - 1] == CT_NETKEY_FORK_SFX)
		return 0;
	if ((err = list(c, key, len, &present, &hashes)) < 0 || !present)
		goto done;
	for (i = 0; i < hashes.len / CT_HASH_BYTES; i++) {
		const char *cat, *dom;
		size_t catn, domn;
		ct_entry e;

		memcpy(h, hashes.ptr + i * CT_HASH_BYTES, CT_HASH_BYTES);
		err = c->src->entry(c->src->ctx, h, &e);
		if (err == CT_ENOTFOUND)
			continue; /* the verifier refuses a bundle lacking a listed entry on its own */
		if (err < 0)
			goto done;
		/* (a) its author's admissions and fork record */
		if ((err = add_key(c, nk, ct_netkey_org(nk, e.author))) < 0 ||
		    (err = add_key(c, nk, ct_netkey_fork(nk, e.author))) < 0)
			goto done;
		/* (b) a registration's catalogue item, when it names one and a domain */
		if (key[0] == CT_NK_INSTRUMENT && type_is(&e, "instrument.register") &&
		    body_str(&e, "catalogue", &cat, &catn) && body_str(&e, "domain", &dom, &domn) &&
		    (err = add_key(c, nk, ct_netkey_id(nk, CT_NK_CATALOGUE, cat, catn))) < 0)
			goto done;
		/* (c) a standard's calibrations' revocations */
		if (key[0] == CT_NK_STANDARD && type_is(&e, "calibration") &&
		    (err = add_key(c, nk, ct_netkey_revoked(nk, h))) < 0)
			goto done;
		/* (d) a rekey's two keys: the evaluator walks a lab's chain of keys */
		if (key[0] == CT_NK_AUTHOR && type_is(&e, "org.rekey")) {
			const uint8_t *k1, *k2;
			size_t l1, l2;
			if (body_bin(&e, "old_key", &k1, &l1) && l1 == CT_KEY_BYTES &&
			    (err = add_key(c, nk, ct_netkey_org(nk, k1))) < 0)
				goto done;
			if (body_bin(&e, "new_key", &k2, &l2) && l2 == CT_KEY_BYTES &&
			    (err = add_key(c, nk, ct_netkey_org(nk, k2))) < 0)
				goto done;
		}
	}
	err = 0;
done:
	ct_buf_free(&hashes);
	return err;
}

static int follow(struct closure *c, const uint8_t hash[CT_HASH_BYTES])
{
	int err = ct__keyset_add(&c->followed, hash, CT_HASH_BYTES);

	if (err <= 0)
		return err;
	if (c->nqueue == c->capqueue) {
		size_t cap = c->capqueue ? 2 * c->capqueue : 16;
		void *q = realloc(c->queue, cap * CT_HASH_BYTES);
		if (!q)
			return ct_error_set(CT_ENOMEM, "out of memory collecting keys");
		c->queue = q;
		c->capqueue = cap;
	}
	memcpy(c->queue[c->nqueue++], hash, CT_HASH_BYTES);
	return 0;
}

/* Whether the calibration (hash, author) is revoked by its own author among the entries listed under its 'r' key. */
static int revoked_by_author(struct closure *c, const uint8_t hash[CT_HASH_BYTES], const uint8_t author[CT_KEY_BYTES],
			     bool *out)
{
	uint8_t nk[CT_NETKEY_MAX];
	ct_buf hashes = CT_BUF_INIT;
	size_t len = ct_netkey_revoked(nk, hash), i;
	bool present;
	ct_entry r;
	int err;

	*out = false;
	if ((err = add_key(c, nk, len)) < 0 || (err = list(c, nk, len, &present, &hashes)) < 0)
		goto done;
	for (i = 0; present && i < hashes.len / CT_HASH_BYTES && !*out; i++) {
		err = c->src->entry(c->src->ctx, hashes.ptr + i * CT_HASH_BYTES, &r);
		if (err == CT_ENOTFOUND)
			continue;
		if (err < 0)
			goto done;
		*out = !memcmp(r.author, author, CT_KEY_BYTES);
	}
	err = 0;
done:
	ct_buf_free(&hashes);
	return err;
}

/* Whether author has a fork record (its fork key present). */
static int forked(struct closure *c, const uint8_t author[CT_KEY_BYTES], bool *out)
{
	uint8_t nk[CT_NETKEY_MAX];
	ct_buf hashes = CT_BUF_INIT;
	size_t len = ct_netkey_fork(nk, author);
	int err;

	if ((err = add_key(c, nk, len)) == 0)
		err = list(c, nk, len, out, &hashes);
	ct_buf_free(&hashes);
	return err;
}

/*
 * The subject's entries the evaluator may rely on at `at`: from its latest
 * calibration (or, for a standard, calibration or anchor) performed at or
 * before `at` down, each one until one that its own author did not revoke
 * (and, for a standard, whose author has no fork record).
 */
static int follow_subject(struct closure *c, char ns, const uint8_t *key, size_t len, uint64_t at)
{
	ct_buf hashes = CT_BUF_INIT;
	bool present, revoked, fk;
	size_t i, n;
	int err;

	if ((err = list(c, key, len, &present, &hashes)) < 0 || !present)
		goto done;
	n = hashes.len / CT_HASH_BYTES;
	/* rows sort by kind, then time, then hash: walk them from the end, keeping the bases */
	for (i = n; i-- > 0;) {
		const uint8_t *h = hashes.ptr + i * CT_HASH_BYTES;
		ct_netrow rows[CT_NETROWS_MAX];
		size_t nrows;
		uint8_t kind;
		uint64_t time;
		ct_entry e;

		err = c->src->entry(c->src->ctx, h, &e);
		if (err == CT_ENOTFOUND)
			continue;
		if (err < 0 || (err = ct_netindex_rows(rows, &nrows, &e)) < 0)
			goto done;
		if (nrows != 1 || rows[0].len != len || memcmp(rows[0].key, key, len) != 0)
			continue; /* not the subject's (the verifier refuses such a list on its own) */
		kind = rows[0].kind;
		time = rows[0].time;
		if ((kind != CT_ROW_CAL && !(ns == CT_NS_STANDARD && kind == CT_ROW_ANCHOR)) || time > at)
			continue;
		if ((err = follow(c, h)) < 0)
			goto done;
		if (kind == CT_ROW_ANCHOR)
			break;
		if ((err = revoked_by_author(c, h, e.author, &revoked)) < 0)
			goto done;
		if (revoked)
			continue;
		if (ns == CT_NS_STANDARD) {
			if ((err = forked(c, e.author, &fk)) < 0)
				goto done;
			if (fk)
				continue;
		}
		break;
	}
	err = 0;
done:
	ct_buf_free(&hashes);
	return err;
}

/* Whether hash is listed under key. */
static int listed(struct closure *c, const uint8_t *key, size_t len, const uint8_t hash[CT_HASH_BYTES], bool *out)
{
	ct_buf hashes = CT_BUF_INIT;
	bool present;
	size_t i;
	int err;

	*out = false;
	if ((err = list(c, key, len, &present, &hashes)) == 0)
		for (i = 0; present && i < hashes.len / CT_HASH_BYTES && !*out; i++)
			*out = !memcmp(hashes.ptr + i * CT_HASH_BYTES, hash, CT_HASH_BYTES);
	ct_buf_free(&hashes);
	return err;
}

/* A followed calibration or anchor: its standards (and the bases it cites), its technician. */
static int visit_followed(struct closure *c, const uint8_t hash[CT_HASH_BYTES])
{
	uint8_t nk[CT_NETKEY_MAX];
	ct_mp map, list_, item, v;
	const char *s;
	size_t n, klen;
	uint32_t count, i;
	ct_entry e;
	bool cited;
	int err;

	err = c->src->entry(c->src->ctx, hash, &e);
	if (err == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (body_str(&e, "technician", &s, &n) && (err = add_key(c, nk, ct_netkey_id(nk, CT_NK_PERSON, s, n))) < 0)
		return err;
	map = ct_mp_over(e.body, e.body_len);
	if (!type_is(&e, "calibration") || ct_mp_find(&map, "standards", &list_) < 0 ||
	    ct_mp_read_array(&list_, &count) < 0)
		return 0;
	for (i = 0; i < count; i++) {
		const uint8_t *cal;
		size_t cl;
		item = list_;
		if (ct_mp_skip(&list_) < 0)
			return 0;
		item.end = list_.p;
		if (ct_mp_find(&item, "id", &v) < 0 || ct_mp_read_str(&v, &s, &n) < 0 ||
		    !(klen = ct_netkey_id(nk, CT_NK_STANDARD, s, n)))
			continue;
		if ((err = add_key(c, nk, klen)) < 0)
			return err;
		if (ct_mp_find(&item, "cal", &v) < 0 || ct_mp_read_bin(&v, &cal, &cl) < 0 || cl != CT_HASH_BYTES)
			continue;
		if ((err = listed(c, nk, klen, cal, &cited)) < 0)
			return err;
		if (cited && (err = follow(c, cal)) < 0)
			return err;
	}
	return 0;
}

int ct__closure(const struct ct__src *src, const uint8_t bureau[CT_KEY_BYTES], char ns, const char *id,
		size_t id_len, uint64_t at, const uint8_t (*witnesses)[CT_KEY_BYTES], size_t nwitnesses,
		struct ct__keyset *out)
{
	struct closure c;
	uint8_t key[CT_NETKEY_MAX];
	size_t len, i, q = 0;
	int err = 0;

	memset(&c, 0, sizeof(c));
	c.src = src;
	c.out = out;
	if ((len = ct_netkey_id(key, ns == CT_NS_STANDARD ? CT_NK_STANDARD : CT_NK_INSTRUMENT, id, id_len)) > 0 &&
	    ((err = add_key(&c, key, len)) < 0 || (err = follow_subject(&c, ns, key, len, at)) < 0))
		goto done;
	for (i = 0; i < nwitnesses; i++)
		if ((err = add_key(&c, key, ct_netkey_org(key, witnesses[i]))) < 0)
			goto done;
	/* the bureau's own: the evaluator reads them before any lab's */
	if ((err = add_key(&c, key, ct_netkey_org(key, bureau))) < 0 ||
	    (err = add_key(&c, key, ct_netkey_fork(key, bureau))) < 0)
		goto done;
	/* until nothing new: followed entries add keys, keys' entries add keys */
	while (q < c.nqueue || c.done < out->n) {
		if (q < c.nqueue) {
			uint8_t h[CT_HASH_BYTES];
			memcpy(h, c.queue[q++], CT_HASH_BYTES);
			if ((err = visit_followed(&c, h)) < 0)
				goto done;
			continue;
		}
		len = out->lens[c.done];
		memcpy(key, out->keys[c.done++], len);
		if ((err = visit_key(&c, key, len)) < 0)
			goto done;
	}
done:
	ct__keyset_free(&c.followed);
	free(c.queue);
	return err;
}

int ct__admitted_at(const struct ct__src *src, const uint8_t key[CT_KEY_BYTES], uint64_t time_ms, bool *out)
{
	uint8_t nk[CT_NETKEY_MAX];
	ct_buf hashes = CT_BUF_INIT;
	uint64_t best_from = 0, from, until, eff;
	bool present, have = false;
	size_t i, n;
	ct_entry e;
	int err;

	*out = false;
	if ((err = src->list(src->ctx, nk, ct_netkey_org(nk, key), &present, &hashes)) < 0 || !present)
		goto done;
	n = hashes.len / CT_HASH_BYTES;
	/* the admission governing the time: the latest valid_from among those covering it */
	for (i = 0; i < n; i++) {
		if ((err = src->entry(src->ctx, hashes.ptr + i * CT_HASH_BYTES, &e)) == CT_ENOTFOUND)
			continue;
		if (err < 0)
			goto done;
		if (type_is(&e, "org.admit") && body_uint(&e, "valid_from", &from) && body_uint(&e, "valid_until", &until) &&
		    from <= time_ms && time_ms <= until && (!have || from >= best_from)) {
			have = true;
			best_from = from;
		}
	}
	*out = have;
	/* a revocation effective at or before the time, not before that admission */
	for (i = 0; have && i < n; i++) {
		if ((err = src->entry(src->ctx, hashes.ptr + i * CT_HASH_BYTES, &e)) == CT_ENOTFOUND)
			continue;
		if (err < 0)
			goto done;
		if (type_is(&e, "org.revoke") && body_uint(&e, "effective", &eff) && eff <= time_ms && eff >= best_from)
			*out = false;
	}
	err = 0;
done:
	ct_buf_free(&hashes);
	return err;
}
