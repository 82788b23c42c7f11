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

#define CHAIN_MAX 64 /* keys of one lab a chain walk reads, as the evaluator */

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

/* Whether e is an org.rekey by the bureau whose field (old_key or new_key) is key. */
static bool bureau_rekey(const ct_entry *e, const uint8_t bureau[CT_KEY_BYTES], const char *field,
			 const uint8_t key[CT_KEY_BYTES])
{
	const uint8_t *k;
	size_t n;

	return !memcmp(e->author, bureau, CT_KEY_BYTES) && type_is(e, "org.rekey") && body_bin(e, field, &k, &n) &&
	       n == CT_KEY_BYTES && !memcmp(k, key, CT_KEY_BYTES);
}

/* Whether e is an org.compromised by the bureau declaring key. */
static bool bureau_compromised(const ct_entry *e, const uint8_t bureau[CT_KEY_BYTES], const uint8_t key[CT_KEY_BYTES])
{
	const uint8_t *k;
	size_t n;

	return !memcmp(e->author, bureau, CT_KEY_BYTES) && type_is(e, "org.compromised") &&
	       body_bin(e, "key", &k, &n) && n == CT_KEY_BYTES && !memcmp(k, key, CT_KEY_BYTES);
}

/* The admission state a cosignature time meets, over the keys of a lab. */
struct admit_state {
	uint64_t time_ms, best_from;
	bool have, revoked;
	uint64_t last_revoke; /* the latest revocation effective at or before the time */
};

/*
 * One key of the lab: its admissions and revocations (by the bureau) into
 * st; *older the key it replaced (the earliest org.rekey into it: lists
 * sort by kind, 'B' rows by time then hash), with *effective, or *has_older
 * false.
 */
static int read_lab_key(const struct ct__src *src, const uint8_t bureau[CT_KEY_BYTES], const uint8_t key[CT_KEY_BYTES],
			struct admit_state *st, bool *has_older, uint8_t older[CT_KEY_BYTES], uint64_t *effective)
{
	uint8_t nk[CT_NETKEY_MAX];
	ct_buf hashes = CT_BUF_INIT;
	uint64_t from, until, eff;
	const uint8_t *ok;
	size_t i, n, okn;
	bool present;
	ct_entry e;
	int err;

	*has_older = false;
	if ((err = src->list(src->ctx, nk, ct_netkey_org(nk, key), &present, &hashes)) < 0 || !present)
		goto done;
	n = hashes.len / CT_HASH_BYTES;
	for (i = 0; i < n; i++) {
		if ((err = src->entry(src->ctx, hashes.ptr + i * CT_HASH_BYTES, &e)) == CT_ENOTFOUND)
			continue;
		if (err < 0)
			goto done;
		if (memcmp(e.author, bureau, CT_KEY_BYTES) != 0)
			continue;
		if (type_is(&e, "org.admit") && body_uint(&e, "valid_from", &from) &&
		    body_uint(&e, "valid_until", &until) && from <= st->time_ms && st->time_ms <= until &&
		    (!st->have || from >= st->best_from)) {
			st->have = true;
			st->best_from = from;
		} else if (type_is(&e, "org.revoke") && body_uint(&e, "effective", &eff) && eff <= st->time_ms) {
			if (!st->revoked || eff > st->last_revoke)
				st->last_revoke = eff;
			st->revoked = true;
		} else if (!*has_older && bureau_rekey(&e, bureau, "new_key", key) &&
			   body_bin(&e, "old_key", &ok, &okn) && okn == CT_KEY_BYTES &&
			   body_uint(&e, "effective", effective)) {
			*has_older = true;
			memcpy(older, ok, CT_KEY_BYTES);
		}
	}
	err = 0;
done:
	ct_buf_free(&hashes);
	return err;
}

/* Whether key replaced nothing, or its state holds an org.rekey or org.compromised ending it. */
static int witness_ended(const struct ct__src *src, const uint8_t bureau[CT_KEY_BYTES], const uint8_t key[CT_KEY_BYTES],
			 bool *out)
{
	uint8_t nk[CT_NETKEY_MAX];
	ct_buf hashes = CT_BUF_INIT;
	bool present;
	size_t i;
	ct_entry e;
	int err;

	*out = false;
	if ((err = src->list(src->ctx, nk, ct_netkey_org(nk, key), &present, &hashes)) < 0 || !present)
		goto done;
	for (i = 0; !*out && i < hashes.len / CT_HASH_BYTES; i++) {
		if ((err = src->entry(src->ctx, hashes.ptr + i * CT_HASH_BYTES, &e)) == CT_ENOTFOUND)
			continue;
		if (err < 0)
			goto done;
		*out = bureau_rekey(&e, bureau, "old_key", key) || bureau_compromised(&e, bureau, key);
	}
	err = 0;
done:
	ct_buf_free(&hashes);
	return err;
}

int ct__witness_lab(const struct ct__src *src, const uint8_t bureau[CT_KEY_BYTES], const uint8_t key[CT_KEY_BYTES],
		    uint64_t time_ms, uint8_t lab[CT_KEY_BYTES], bool *out)
{
	uint8_t path[CHAIN_MAX][CT_KEY_BYTES], older[CT_KEY_BYTES];
	struct admit_state st;
	uint64_t effective;
	size_t n = 0, i, min;
	bool ended, has_older, loop = false;
	int err;

	*out = false;
	memcpy(lab, key, CT_KEY_BYTES);
	memset(&st, 0, sizeof(st));
	st.time_ms = time_ms;
	/* every entry a lookup lists is in the checkpoint's state: a key it replaced or declared compromised
	 * cosigned after the bureau wrote so, whatever time the line claims */
	if ((err = witness_ended(src, bureau, key, &ended)) < 0 || ended)
		return err;
	memcpy(path[n++], key, CT_KEY_BYTES);
	for (;;) {
		if ((err = read_lab_key(src, bureau, path[n - 1], &st, &has_older, older, &effective)) < 0)
			return err;
		/* a new key is its lab's witness from its rekey's effective time on */
		if (n == 1 && has_older && time_ms < effective)
			return 0;
		if (!has_older || n == CHAIN_MAX)
			break;
		for (i = 0; i < n && memcmp(path[i], older, CT_KEY_BYTES) != 0; i++)
			;
		if (i < n) { /* a loop: the lab is named by its smallest key */
			for (min = i; i < n; i++)
				if (memcmp(path[i], path[min], CT_KEY_BYTES) < 0)
					min = i;
			memcpy(lab, path[min], CT_KEY_BYTES);
			loop = true;
			break;
		}
		memcpy(path[n++], older, CT_KEY_BYTES);
	}
	if (!loop)
		memcpy(lab, path[n - 1], CT_KEY_BYTES);
	/* a revocation effective at or before the time, not before the governing admission */
	*out = st.have && !(st.revoked && st.last_revoke >= st.best_from);
	return 0;
}
