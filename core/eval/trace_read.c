/*
 * The evaluator's reads of the store: entries by hash without re-checking
 * what ingest already checked, and the set of revoked calibrations loaded
 * once per tracer. A million instruments are a few million entry reads;
 * validating each stored entry's canonical encoding again on every read
 * cost a third of coverage's time.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

#define SIG_TAIL (2 + CT_SIG_BYTES) /* bin8 header c4 40, then the signature */

/*
 * Decodes a stored entry trusting its structure (it was decoded, checked
 * and verified before it was stored): reads the fields before the body
 * and takes the body as everything up to the signature.
 */
static int decode_stored(ct_entry *e, const uint8_t *buf, size_t len)
{
	ct_mp r = ct_mp_over(buf, len);
	struct ct__str type;
	const uint8_t *b;
	uint32_t count;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (len < SIG_TAIL + 8 || buf[len - SIG_TAIL] != 0xc4 || buf[len - SIG_TAIL + 1] != CT_SIG_BYTES)
		return CT_ECORRUPT;
	if (ct_mp_read_array(&r, &count) < 0 || count != 8 || ct_mp_read_uint(&r, &e->version) < 0 ||
	    ct_mp_read_bin(&r, &b, &n) < 0 || n != CT_KEY_BYTES)
		return CT_ECORRUPT;
	memcpy(e->author, b, CT_KEY_BYTES);
	if (ct_mp_read_uint(&r, &e->seq) < 0)
		return CT_ECORRUPT;
	if (ct_mp_peek(&r) == CT_MP_NIL) {
		ct_mp_read_nil(&r);
	} else {
		if (ct_mp_read_bin(&r, &b, &n) < 0 || n != CT_HASH_BYTES)
			return CT_ECORRUPT;
		memcpy(e->prev, b, CT_HASH_BYTES);
		e->has_prev = 1;
	}
	if (ct_mp_read_uint(&r, &e->time) < 0 || ct__read_str(&r, &type) < 0 || r.p >= buf + len - SIG_TAIL)
		return CT_ECORRUPT;
	e->type = type.p;
	e->type_len = type.n;
	e->body = r.p;
	e->body_len = (size_t)(buf + len - SIG_TAIL - r.p);
	memcpy(e->sig, buf + len - CT_SIG_BYTES, CT_SIG_BYTES);
	e->raw = buf;
	e->raw_len = len;
	return 0;
}

int ct__read_entry(ct_tracer *tr, const uint8_t hash[CT_HASH_BYTES], ct_entry *out)
{
	const uint8_t *raw = NULL;
	size_t len = 0;
	int err;

	if (tr->record)
		tr->record(tr->record_ctx, hash);
	if (!(tr->pf && ct_hash_batch_find(tr->pf, hash, &raw, &len) && raw) &&
	    (err = ct_read_raw_by_hash(&raw, &len, tr->r, hash)) < 0)
		return err == CT_ENOTFOUND
			   ? ct_error_set(CT_ECORRUPT, "an index row names an entry the store lacks")
			   : err;
	if (decode_stored(out, raw, len) < 0)
		return ct_error_set(CT_ECORRUPT, "a stored entry does not decode");
	return 0;
}

int ct__prefetch_add(ct_tracer *tr, const uint8_t hash[CT_HASH_BYTES])
{
	int err;

	if (!tr->pf && (err = ct_hash_batch_new(&tr->pf)) < 0)
		return err;
	return ct_hash_batch_add(tr->pf, hash);
}

int ct__prefetch_run(ct_tracer *tr)
{
	return tr->pf ? ct_hash_batch_run(tr->pf, tr->r) : 0;
}

void ct__prefetch_clear(ct_tracer *tr)
{
	if (tr->pf)
		ct_hash_batch_clear(tr->pf);
}

void ct__prefetch_free(ct_tracer *tr)
{
	ct_hash_batch_free(tr->pf);
	tr->pf = NULL;
}

/* Revocation entries of one calibration. */
struct revoked {
	size_t n;
	uint8_t by[][CT_HASH_BYTES];
};

static int add_revocation(ct_hmap *m, const uint8_t cal[CT_HASH_BYTES], const uint8_t entry[CT_HASH_BYTES])
{
	struct revoked *v = ct_hmap_get(m, cal, CT_HASH_BYTES), *grown;
	size_t n = v ? v->n : 0;
	int err;

	if (!(grown = realloc(v, sizeof(*grown) + (n + 1) * CT_HASH_BYTES)))
		return ct_error_set(CT_ENOMEM, "out of memory reading revocations");
	grown->n = n + 1;
	memcpy(grown->by[n], entry, CT_HASH_BYTES);
	if (grown != v && (err = ct_hmap_put(m, cal, CT_HASH_BYTES, grown)) < 0) {
		if (!v)
			free(grown);
		return err;
	}
	return 0;
}

static int add_revocation_cb(void *ctx, const uint8_t cal[CT_HASH_BYTES], const uint8_t by[CT_HASH_BYTES])
{
	return add_revocation(ctx, cal, by);
}

int ct__revocations_load(ct_tracer *tr)
{
	int err;

	if (tr->revocations_loaded)
		return 0;
	err = ct_read_all_revocations(tr->r, add_revocation_cb, &tr->revocations);
	tr->revocations_loaded = err == 0;
	return err;
}

/* Without the set loaded: the revocations of one calibration from the index. */
struct one_cal {
	size_t n;
	uint8_t by[8][CT_HASH_BYTES];
};

static int collect_revocation(void *ctx, const ct_index_row *row)
{
	struct one_cal *c = ctx;

	if (c->n < 8)
		memcpy(c->by[c->n++], row->hash, CT_HASH_BYTES);
	return c->n == 8 ? 1 : 0; /* more than eight revocations of one calibration: the first eight decide */
}

int ct__revoked(ct_tracer *tr, const uint8_t hash[CT_HASH_BYTES], const uint8_t *author,
		uint8_t revocation[CT_HASH_BYTES], bool *out)
{
	const struct revoked *v = NULL;
	struct one_cal one = {0, {{0}}};
	const uint8_t(*by)[CT_HASH_BYTES];
	size_t i, n;
	ct_entry e, cal;
	int err;

	*out = false;
	ct__record_key_revoked(tr, hash);
	if (tr->revocations_loaded) {
		v = ct_hmap_get(&tr->revocations, hash, CT_HASH_BYTES);
		n = v ? v->n : 0;
		by = v ? v->by : NULL;
	} else {
		if ((err = ct_read_revocations(tr->r, hash, collect_revocation, &one)) < 0)
			return err;
		n = one.n;
		by = one.by;
	}
	for (i = 0; i < n; i++) {
		if (!author) {
			if ((err = ct__read_entry(tr, hash, &cal)) < 0)
				return err;
			author = cal.author;
		}
		if ((err = ct__read_entry(tr, by[i], &e)) < 0)
			return err;
		/* Only the calibration's own lab (any of its keys) may withdraw it; others are ignored. */
		if (!ct__same_lab(tr, e.author, author) || !ct__trusted(tr, &e))
			continue;
		*out = true;
		if (revocation)
			memcpy(revocation, by[i], CT_HASH_BYTES);
		return 0;
	}
	return 0;
}
