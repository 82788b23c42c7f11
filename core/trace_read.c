/*
 * The evaluator's reads of the store: entries by hash without re-checking
 * what ingest already checked, and the set of revoked calibrations loaded
 * once per tracer. A million instruments are a few million entry reads;
 * validating each stored entry's canonical encoding again on every read
 * cost a third of coverage's time.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
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
	const uint8_t *ahead;
	size_t ahead_len;
	MDB_val where, raw;
	int err;

	if (tr->record)
		tr->record(tr->record_ctx, hash);
	if (ct__prefetched(tr, hash, &ahead, &ahead_len) && ahead)
		return decode_stored(out, ahead, ahead_len) < 0
			   ? ct__error(CT_ECORRUPT, "a stored entry does not decode")
			   : 0;
	if ((err = ct__get(tr->r, DB_HASHES, hash, CT_HASH_BYTES, &where)) < 0)
		return err == CT_ENOTFOUND
			   ? ct__error(CT_ECORRUPT, "an index row names an entry the store lacks")
			   : err;
	if (where.mv_size != FEEDKEY_BYTES)
		return ct__error(CT_ECORRUPT, "hash index record has %zu bytes", where.mv_size);
	if ((err = ct__get(tr->r, DB_ENTRIES, where.mv_data, FEEDKEY_BYTES, &raw)) < 0)
		return err == CT_ENOTFOUND
			   ? ct__error(CT_ECORRUPT, "the hash index names an entry the store lacks")
			   : err;
	if (decode_stored(out, raw.mv_data, raw.mv_size) < 0)
		return ct__error(CT_ECORRUPT, "a stored entry does not decode");
	return 0;
}

/* Revocation entries of one calibration. */
struct revoked {
	size_t n;
	uint8_t by[][CT_HASH_BYTES];
};

static int add_revocation(ct__hmap *m, const uint8_t cal[CT_HASH_BYTES], const uint8_t entry[CT_HASH_BYTES])
{
	struct revoked *v = ct__hmap_get(m, cal, CT_HASH_BYTES), *grown;
	size_t n = v ? v->n : 0;
	int err;

	if (!(grown = realloc(v, sizeof(*grown) + (n + 1) * CT_HASH_BYTES)))
		return ct__error(CT_ENOMEM, "out of memory reading revocations");
	grown->n = n + 1;
	memcpy(grown->by[n], entry, CT_HASH_BYTES);
	if (grown != v && (err = ct__hmap_put(m, cal, CT_HASH_BYTES, grown)) < 0) {
		if (!v)
			free(grown);
		return err;
	}
	return 0;
}

int ct__revocations_load(ct_tracer *tr)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, err = 0;

	if (tr->revocations_loaded)
		return 0;
	if ((rc = mdb_cursor_open(tr->r->txn, tr->r->l->dbi[DB_REVOKES], &cur)) != 0)
		return ct__mdb_error(rc, "revokes");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && err == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CT_HASH_BYTES || v.mv_size != ROW_BYTES) {
			err = ct__error(CT_ECORRUPT, "malformed revocation row");
			break;
		}
		err = add_revocation(&tr->revocations, k.mv_data, (const uint8_t *)v.mv_data + 9);
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, "revokes");
	mdb_cursor_close(cur);
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
	if (tr->revocations_loaded) {
		v = ct__hmap_get(&tr->revocations, hash, CT_HASH_BYTES);
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
		/* Only the calibration's own author may withdraw it; others are ignored. */
		if (memcmp(e.author, author, CT_KEY_BYTES) != 0 || !ct__trusted(tr, &e))
			continue;
		*out = true;
		if (revocation)
			memcpy(revocation, by[i], CT_HASH_BYTES);
		return 0;
	}
	return 0;
}
