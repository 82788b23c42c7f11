/*
 * The instrument summary (caltrace/ledger/summary.h): one record per
 * instrument in DB_SUMMARY, kept with each entry stored; built when
 * missing and checked against the entries by summary_build.c.
 *
 * Keys of DB_SUMMARY:
 *   'V'            -> u32 version: the summary is complete (absent while building)
 *   'P'            -> the last instrument id summarised so far, while building
 *   'N'            -> u32 the next dictionary number
 *   'd' u32        -> tag(1) bytes: a dictionary word
 *   'k' hash(32)   -> u32: the number of the word whose BLAKE2b-256 of tag||bytes this is
 *   '~' id         -> the record (below): after every other key
 *
 * A record is a run of unsigned LEB128 numbers:
 *   nregs nrets ncals
 *   per registration: time seq author category district owner mpe catalogue domain
 *   per retirement: time seq author
 *   per calibration: performed_at (a delta from the previous one's), |valid_until - performed_at|
 *     times 2, plus 1 when valid_until is before performed_at, seq author kind result technician
 *     nuses use...,
 *     then the first CT_SUMMARY_HASH_PREFIX bytes of its hash
 * Times and spans (ms) are written 2m for m whole minutes, else 2ms + 1.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/hmap.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/ledger/summary.h"
#include "store_internal.h"
#include "summary_internal.h"


/* ---- records ------------------------------------------------------------------------------- */

/* Writes v into b, whose room the caller reserved (ct_buf_grow). */
static void put_varint(ct_buf *b, uint64_t v)
{
	do {
		b->ptr[b->len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (*p < end && shift < 64) {
		uint8_t c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return 0;
		}
		shift += 7;
	}
	return CT_ECORRUPT;
}

/* A time or a span in ms: whole minutes (most of them) in fewer bytes. */
static void put_ms(ct_buf *b, uint64_t ms)
{
	put_varint(b, ms % 60000 == 0 ? (ms / 60000) << 1 : (ms << 1) | 1);
}

static int get_ms(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v;

	if (get_varint(p, end, &v) < 0)
		return CT_ECORRUPT;
	*out = v & 1 ? v >> 1 : (v >> 1) * 60000;
	return 0;
}

/* A span and a flag (valid_until before performed_at) in one number: 2 x put_ms's, + 1 with the flag. */
static void put_span(ct_buf *b, uint64_t ms, bool flag)
{
	uint64_t v = ms % 60000 == 0 ? (ms / 60000) << 1 : (ms << 1) | 1;

	put_varint(b, v << 1 | flag);
}

static int get_span(const uint8_t **p, const uint8_t *end, uint64_t *ms, uint64_t *flag)
{
	uint64_t v;

	if (get_varint(p, end, &v) < 0)
		return CT_ECORRUPT;
	*flag = v & 1;
	v >>= 1;
	*ms = v & 1 ? v >> 1 : (v >> 1) * 60000;
	return 0;
}

static int get_u32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
	uint64_t v;

	if (get_varint(p, end, &v) < 0 || v > UINT32_MAX)
		return CT_ECORRUPT;
	*out = (uint32_t)v;
	return 0;
}

void ct__summary_inst_reset(ct_summary_inst *s, const char *id, size_t id_len)
{
	s->id = id;
	s->id_len = id_len;
	s->nregs = s->nrets = s->ncals = s->nuses = 0;
}

void ct_summary_inst_free(ct_summary_inst *s)
{
	if (!s)
		return;
	free(s->regs);
	free(s->rets);
	free(s->cals);
	free(s->uses);
	memset(s, 0, sizeof(*s));
}

static int encode(ct_buf *out, const ct_summary_inst *s)
{
	uint64_t prev = 0;
	size_t i, j;
	int err;

	out->len = 0;
	/* at most 10 bytes a number */
	if ((err = ct_buf_grow(out, 10 * (3 + 9 * s->nregs + 3 * s->nrets + 9 * s->ncals + s->nuses) +
					CT_SUMMARY_HASH_PREFIX * s->ncals)) < 0)
		return err;
	put_varint(out, s->nregs);
	put_varint(out, s->nrets);
	put_varint(out, s->ncals);
	for (i = 0; i < s->nregs; i++) {
		const ct_summary_reg *g = &s->regs[i];
		put_ms(out, g->time);
		put_varint(out, g->seq);
		put_varint(out, g->author);
		put_varint(out, g->category);
		put_varint(out, g->district);
		put_varint(out, g->owner);
		put_varint(out, g->mpe);
		put_varint(out, g->catalogue);
		put_varint(out, g->domain);
	}
	for (i = 0; i < s->nrets; i++) {
		put_ms(out, s->rets[i].time);
		put_varint(out, s->rets[i].seq);
		put_varint(out, s->rets[i].author);
	}
	for (i = 0; i < s->ncals; i++) {
		const ct_summary_cal *c = &s->cals[i];
		bool before = c->valid_until < c->performed_at;
		put_ms(out, c->performed_at - prev);
		prev = c->performed_at;
		put_span(out, before ? c->performed_at - c->valid_until : c->valid_until - c->performed_at, before);
		put_varint(out, c->seq);
		put_varint(out, c->author);
		put_varint(out, c->kind);
		put_varint(out, c->result);
		put_varint(out, c->technician);
		put_varint(out, c->nuses);
		for (j = 0; j < c->nuses; j++)
			put_varint(out, s->uses[c->first_use + j]);
		memcpy(out->ptr + out->len, c->hash, CT_SUMMARY_HASH_PREFIX);
		out->len += CT_SUMMARY_HASH_PREFIX;
	}
	return 0;
}

int ct__summary_decode(ct_summary_inst *s, const char *id, size_t id_len, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint64_t nregs, nrets, ncals, prev = 0, v;
	size_t i, j;
	int err;

	ct__summary_inst_reset(s, id, id_len);
	if (get_varint(&p, end, &nregs) < 0 || get_varint(&p, end, &nrets) < 0 ||
	    get_varint(&p, end, &ncals) < 0 || nregs > len || nrets > len || ncals > len)
		goto bad;
	if ((err = ct_array_grow((void **)&s->regs, &s->cap_regs, nregs, sizeof(*s->regs), 4,
				 "reading the instrument summary")) < 0 ||
	    (err = ct_array_grow((void **)&s->rets, &s->cap_rets, nrets, sizeof(*s->rets), 4,
				 "reading the instrument summary")) < 0 ||
	    (err = ct_array_grow((void **)&s->cals, &s->cap_cals, ncals, sizeof(*s->cals), 4,
				 "reading the instrument summary")) < 0)
		return err;
	for (i = 0; i < nregs; i++) {
		ct_summary_reg *g = &s->regs[i];
		if (get_ms(&p, end, &g->time) < 0 || get_varint(&p, end, &g->seq) < 0 ||
		    get_u32(&p, end, &g->author) < 0 || get_u32(&p, end, &g->category) < 0 ||
		    get_u32(&p, end, &g->district) < 0 || get_u32(&p, end, &g->owner) < 0 ||
		    get_u32(&p, end, &g->mpe) < 0 || get_u32(&p, end, &g->catalogue) < 0 ||
		    get_u32(&p, end, &g->domain) < 0)
			goto bad;
	}
	s->nregs = nregs;
	for (i = 0; i < nrets; i++)
		if (get_ms(&p, end, &s->rets[i].time) < 0 || get_varint(&p, end, &s->rets[i].seq) < 0 ||
		    get_u32(&p, end, &s->rets[i].author) < 0)
			goto bad;
	s->nrets = nrets;
	for (i = 0; i < ncals; i++) {
		ct_summary_cal *c = &s->cals[i];
		uint64_t before;
		if (get_ms(&p, end, &v) < 0)
			goto bad;
		c->performed_at = prev + v;
		prev = c->performed_at;
		if (get_span(&p, end, &v, &before) < 0)
			goto bad;
		c->valid_until = before ? c->performed_at - v : c->performed_at + v;
		if (get_varint(&p, end, &c->seq) < 0 || get_u32(&p, end, &c->author) < 0 ||
		    get_u32(&p, end, &c->kind) < 0 || get_u32(&p, end, &c->result) < 0 ||
		    get_u32(&p, end, &c->technician) < 0 || get_u32(&p, end, &c->nuses) < 0 ||
		    c->nuses > (size_t)(end - p))
			goto bad;
		if ((err = ct_array_grow((void **)&s->uses, &s->cap_uses, s->nuses + c->nuses,
					 sizeof(*s->uses), 4, "reading the instrument summary")) < 0)
			return err;
		c->first_use = (uint32_t)s->nuses;
		for (j = 0; j < c->nuses; j++)
			if (get_u32(&p, end, &s->uses[s->nuses++]) < 0)
				goto bad;
		if ((size_t)(end - p) < CT_SUMMARY_HASH_PREFIX)
			goto bad;
		memcpy(c->hash, p, CT_SUMMARY_HASH_PREFIX);
		p += CT_SUMMARY_HASH_PREFIX;
	}
	s->ncals = ncals;
	if (p != end)
		goto bad;
	return 0;
bad:
	return ct_error_set(CT_ECORRUPT, "instrument summary of %.*s does not decode", (int)id_len, id);
}

/* ---- the dictionary -------------------------------------------------------------------------- */

/*
 * The number of word (tag, bytes): found, or (b not NULL) added. Without
 * b, a word not in the dictionary is CT_ENOTFOUND.
 */
static int intern_db(ct_reader *r, ct_batch *b, char tag, const void *bytes, size_t len, uint32_t *out);

static int intern(struct ct__words *w, char tag, const void *bytes, size_t len, uint32_t *out)
{
	uint8_t small[1 + 64];
	void *hit;
	int err;

	if (!w->cache || len > 64)
		return intern_db(w->r, w->b, tag, bytes, len, out);
	small[0] = (uint8_t)tag;
	memcpy(small + 1, bytes, len);
	if ((hit = ct_hmap_get(w->cache, small, 1 + len))) {
		*out = (uint32_t)(uintptr_t)hit;
		return 0;
	}
	if ((err = intern_db(w->r, w->b, tag, bytes, len, out)) < 0)
		return err;
	return ct_hmap_put(w->cache, small, 1 + len, (void *)(uintptr_t)*out);
}

static int intern_db(ct_reader *r, ct_batch *b, char tag, const void *bytes, size_t len, uint32_t *out)
{
	uint8_t key[1 + 32], dkey[5], num[4], *word = NULL;
	crypto_generichash_state st;
	MDB_val v;
	uint32_t next = 1;
	int err;

	key[0] = 'k';
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)&tag, 1);
	crypto_generichash_update(&st, bytes, len);
	crypto_generichash_final(&st, key + 1, 32);
	if ((err = ct__get(r, DB_SUMMARY, key, sizeof(key), &v)) == 0) {
		if (v.mv_size != 4)
			return ct_error_set(CT_ECORRUPT, "instrument summary: a dictionary key of %zu bytes",
					    v.mv_size);
		*out = ct__get_be32(v.mv_data);
		return 0;
	}
	if (err != CT_ENOTFOUND || !b)
		return err;
	if ((err = ct__get(r, DB_SUMMARY, "N", 1, &v)) == 0 && v.mv_size == 4)
		next = ct__get_be32(v.mv_data);
	else if (err != CT_ENOTFOUND && err < 0)
		return err;
	if (!(word = malloc(1 + len)))
		return ct_error_set(CT_ENOMEM, "out of memory writing the instrument summary");
	word[0] = (uint8_t)tag;
	memcpy(word + 1, bytes, len);
	dkey[0] = 'd';
	ct__put_be32(dkey + 1, next);
	ct__put_be32(num, next);
	if ((err = ct__put(b, DB_SUMMARY, dkey, sizeof(dkey), word, 1 + len, 0)) == 0 &&
	    (err = ct__put(b, DB_SUMMARY, key, sizeof(key), num, 4, 0)) == 0) {
		ct__put_be32(num, next + 1);
		err = ct__put(b, DB_SUMMARY, "N", 1, num, 4, 0);
	}
	free(word);
	*out = next;
	return err;
}

static int intern_str(struct ct__words *w, const ct_mp *map, const char *field, bool optional,
		      uint32_t *out)
{
	const char *s;
	size_t len;
	ct_mp v;

	*out = 0;
	if (ct_mp_find(map, field, &v) < 0 || ct_mp_read_str(&v, &s, &len) < 0)
		return optional ? 0 : ct_error_set(CT_ECORRUPT, "stored entry lacks its '%s'", field);
	return intern(w, CT_WORD_STR, s, len, out);
}

int ct_summary_dict_load(ct_summary_dict *out, ct_reader *r)
{
	MDB_cursor *cur = NULL;
	uint8_t first = 'd';
	MDB_val k = {1, &first}, v;
	size_t cap = 0;
	int rc, err = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_SUMMARY], &cur)) != 0)
		return ct__mdb_error(rc, "instrument summary");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;
		uint32_t n;
		if (k.mv_size == 0 || key[0] != 'd')
			break;
		if (k.mv_size != 5 || v.mv_size < 1) {
			err = ct_error_set(CT_ECORRUPT, "instrument summary: a malformed dictionary word");
			break;
		}
		n = ct__get_be32(key + 1);
		if (n >= cap) {
			size_t c = cap ? cap : 256;
			while (c <= n)
				c *= 2;
			if ((err = ct_array_grow((void **)&out->words, &cap, c, sizeof(*out->words), 4,
						 "reading the instrument summary")) < 0)
				break;
		}
		while (out->count <= n)
			memset(&out->words[out->count++], 0, sizeof(*out->words));
		out->words[n].tag = (char)((const uint8_t *)v.mv_data)[0];
		out->words[n].p = (const uint8_t *)v.mv_data + 1;
		out->words[n].len = v.mv_size - 1;
	}
	if (rc && rc != MDB_NOTFOUND && err == 0)
		err = ct__mdb_error(rc, "instrument summary");
	mdb_cursor_close(cur);
	if (err < 0)
		ct_summary_dict_free(out);
	return err;
}

void ct_summary_dict_free(ct_summary_dict *d)
{
	if (!d)
		return;
	free(d->words);
	memset(d, 0, sizeof(*d));
}

/* ---- summarising an entry ----------------------------------------------------------------------- */

static int add_registration(struct ct__words *w, ct_summary_inst *s, const ct_entry *e)
{
	ct_mp map = ct_mp_over(e->body, e->body_len), v, end;
	ct_summary_reg g;
	int err;

	memset(&g, 0, sizeof(g));
	g.time = e->time;
	g.seq = e->seq;
	if ((err = intern(w, CT_WORD_KEY, e->author, CT_KEY_BYTES, &g.author)) < 0 ||
	    (err = intern_str(w, &map, "category", false, &g.category)) < 0 ||
	    (err = intern_str(w, &map, "district", false, &g.district)) < 0 ||
	    (err = intern_str(w, &map, "owner", false, &g.owner)) < 0 ||
	    (err = intern_str(w, &map, "catalogue", true, &g.catalogue)) < 0 ||
	    (err = intern_str(w, &map, "domain", true, &g.domain)) < 0)
		return err;
	if (ct_mp_find(&map, "mpe", &v) < 0)
		return ct_error_set(CT_ECORRUPT, "stored instrument.register lacks its mpe");
	end = v;
	if (ct_mp_skip(&end) < 0)
		return ct_error_set(CT_ECORRUPT, "stored instrument.register has a malformed mpe");
	if ((err = intern(w, CT_WORD_QTY, v.p, (size_t)(end.p - v.p), &g.mpe)) < 0)
		return err;
	if ((err = ct_array_grow((void **)&s->regs, &s->cap_regs, s->nregs + 1, sizeof(*s->regs), 4,
				 "reading the instrument summary")) < 0)
		return err;
	s->regs[s->nregs++] = g;
	return 0;
}

static int add_retirement(struct ct__words *w, ct_summary_inst *s, const ct_entry *e, uint64_t time)
{
	ct_summary_ret t = {time, e->seq, 0};
	int err;

	if ((err = intern(w, CT_WORD_KEY, e->author, CT_KEY_BYTES, &t.author)) < 0 ||
	    (err = ct_array_grow((void **)&s->rets, &s->cap_rets, s->nrets + 1, sizeof(*s->rets), 4,
				 "reading the instrument summary")) < 0)
		return err;
	s->rets[s->nrets++] = t;
	return 0;
}

/* The standards a calibration cites, appended to s->uses. */
static int add_uses(struct ct__words *w, ct_summary_inst *s, const ct_mp *map, ct_summary_cal *c)
{
	uint8_t word[CT_HASH_BYTES + CT_ID_MAX];
	ct_mp list;
	uint32_t count, i, n;
	int err;

	if (ct_mp_find(map, "standards", &list) < 0 || ct_mp_read_array(&list, &count) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks its standards");
	c->first_use = (uint32_t)s->nuses;
	c->nuses = count;
	if ((err = ct_array_grow((void **)&s->uses, &s->cap_uses, s->nuses + count, sizeof(*s->uses), 4,
				 "reading the instrument summary")) < 0)
		return err;
	for (i = 0; i < count; i++) {
		ct_mp item = list, v;
		const uint8_t *cal;
		const char *id;
		size_t id_len, cal_len;
		if (ct_mp_skip(&list) < 0)
			return ct_error_set(CT_ECORRUPT, "stored calibration has a malformed standards list");
		item.end = list.p;
		if (ct_mp_find(&item, "id", &v) < 0 || ct_mp_read_str(&v, &id, &id_len) < 0 ||
		    id_len > CT_ID_MAX || ct_mp_find(&item, "cal", &v) < 0 ||
		    ct_mp_read_bin(&v, &cal, &cal_len) < 0 || cal_len != CT_HASH_BYTES)
			return ct_error_set(CT_ECORRUPT, "stored calibration has a malformed standards list");
		memcpy(word, cal, CT_HASH_BYTES);
		memcpy(word + CT_HASH_BYTES, id, id_len);
		if ((err = intern(w, CT_WORD_USE, word, CT_HASH_BYTES + id_len, &n)) < 0)
			return err;
		s->uses[s->nuses++] = n;
	}
	return 0;
}

static int add_calibration(struct ct__words *w, ct_summary_inst *s, const ct_entry *e, uint64_t time,
			   const uint8_t hash[CT_HASH_BYTES])
{
	ct_mp map = ct_mp_over(e->body, e->body_len), v;
	ct_summary_cal c;
	size_t at;
	int err;

	memset(&c, 0, sizeof(c));
	c.performed_at = time;
	c.seq = e->seq;
	memcpy(c.hash, hash, CT_SUMMARY_HASH_PREFIX);
	if (ct_mp_find(&map, "valid_until", &v) < 0 || ct_mp_read_uint(&v, &c.valid_until) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks its valid_until");
	if ((err = intern(w, CT_WORD_KEY, e->author, CT_KEY_BYTES, &c.author)) < 0 ||
	    (err = intern_str(w, &map, "kind", false, &c.kind)) < 0 ||
	    (err = intern_str(w, &map, "result", false, &c.result)) < 0 ||
	    (err = intern_str(w, &map, "technician", true, &c.technician)) < 0 ||
	    (err = add_uses(w, s, &map, &c)) < 0)
		return err;
	if ((err = ct_array_grow((void **)&s->cals, &s->cap_cals, s->ncals + 1, sizeof(*s->cals), 4,
				 "reading the instrument summary")) < 0)
		return err;
	/* sorted by performed_at; one performed at the same time as another goes after it */
	for (at = s->ncals; at > 0 && s->cals[at - 1].performed_at > time; at--)
		;
	if (at < s->ncals)
		memmove(&s->cals[at + 1], &s->cals[at], (s->ncals - at) * sizeof(*s->cals));
	s->cals[at] = c;
	s->ncals++;
	return 0;
}

/* Adds what the entry behind an instrument row of kind says to s. */
int ct__summary_add_entry(struct ct__words *w, ct_summary_inst *s, const ct_entry *e, char kind, uint64_t time,
		     const uint8_t hash[CT_HASH_BYTES])
{
	switch (kind) {
	case CT_ROW_REGISTER:
		return add_registration(w, s, e);
	case CT_ROW_RETIRE:
		return add_retirement(w, s, e, time);
	case CT_ROW_CAL:
		return add_calibration(w, s, e, time, hash);
	default:
		return 0;
	}
}

/* ---- state ------------------------------------------------------------------------------------- */

int ct__summary_version(ct_reader *r, uint32_t *out)
{
	MDB_val v;
	int err;

	*out = 0;
	if ((err = ct__get(r, DB_SUMMARY, "V", 1, &v)) == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (v.mv_size != 4)
		return ct_error_set(CT_ECORRUPT, "instrument summary: a version of %zu bytes", v.mv_size);
	*out = ct__get_be32(v.mv_data);
	return 0;
}

int ct_summary_ready(ct_reader *r, bool *out)
{
	uint32_t version;
	int err;

	*out = false;
	if (!r->l->dbi[DB_SUMMARY])
		return 0; /* a store from before the summary, opened read-only */
	if ((err = ct__summary_version(r, &version)) < 0)
		return err;
	*out = version == CT_SUMMARY_VERSION;
	return 0;
}

static int record_key(uint8_t key[CT__SUMMARY_KEY_MAX], const char *id, size_t id_len)
{
	if (id_len == 0 || id_len > CT_ID_MAX)
		return ct_error_set(CT_EINVAL, "instrument id of %zu bytes", id_len);
	key[0] = CT__SUMMARY_REC;
	memcpy(key + 1, id, id_len);
	return 0;
}

/*
 * Whether the summary is kept for instrument id in b: complete, or being
 * built and already past id (the builder summarises the rest).
 */
static int kept_for(ct_batch *b, const char *id, size_t id_len, bool *out)
{
	uint32_t version = 0;
	MDB_val v;
	int err;

	*out = false;
	if (b->summary_complete) {
		*out = true;
		return 0;
	}
	if (!b->l->dbi[DB_SUMMARY])
		return 0;
	if ((err = ct__summary_version(&b->rd, &version)) < 0)
		return err;
	if (version == CT_SUMMARY_VERSION) {
		/* only a build in this batch undoes it (start_over) */
		b->summary_complete = *out = true;
		return 0;
	}
	if (version != 0)
		return 0; /* another version: rebuilt when a process of that version opens the store */
	if ((err = ct__get(&b->rd, DB_SUMMARY, "P", 1, &v)) == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	*out = id_len < v.mv_size ? memcmp(id, v.mv_data, id_len) <= 0
				  : memcmp(id, v.mv_data, v.mv_size) < 0 ||
					(memcmp(id, v.mv_data, v.mv_size) == 0 && id_len == v.mv_size);
	return 0;
}

/* Reads the stored record of id into s (empty when none). */
static int read_record(ct_reader *r, const char *id, size_t id_len, ct_summary_inst *s)
{
	uint8_t key[CT__SUMMARY_KEY_MAX];
	MDB_val v;
	int err;

	ct__summary_inst_reset(s, id, id_len);
	if ((err = record_key(key, id, id_len)) < 0)
		return err;
	if ((err = ct__get(r, DB_SUMMARY, key, 1 + id_len, &v)) == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	return ct__summary_decode(s, id, id_len, v.mv_data, v.mv_size);
}

/* append: s's id is after every record's (a build's order): fills pages instead of splitting them. */
int ct__summary_write_record(ct_batch *b, const ct_summary_inst *s, ct_buf *buf, bool append)
{
	uint8_t key[CT__SUMMARY_KEY_MAX];
	int err;

	if ((err = record_key(key, s->id, s->id_len)) < 0 || (err = encode(buf, s)) < 0)
		return err;
	if (append && (err = ct__put(b, DB_SUMMARY, key, 1 + s->id_len, buf->ptr, buf->len, MDB_APPEND)) != CT_EEXISTS)
		return err;
	return ct__put(b, DB_SUMMARY, key, 1 + s->id_len, buf->ptr, buf->len, 0);
}

int ct__summary_row_added(ct_batch *b, const ct_prepared *p, const char *id, size_t id_len, char kind,
			  uint64_t time)
{
	struct ct__words w = {&b->rd, b, &b->words}; /* the batch's words: its entries share most */
	ct_summary_inst s;
	ct_buf buf = CT_BUF_INIT;
	bool kept;
	int err;

	if ((err = kept_for(b, id, id_len, &kept)) < 0 || !kept)
		return err;
	memset(&s, 0, sizeof(s));
	if ((err = read_record(&b->rd, id, id_len, &s)) == 0 &&
	    (err = ct__summary_add_entry(&w, &s, &p->e, kind, time, p->hash)) == 0)
		err = ct__summary_write_record(b, &s, &buf, false);
	ct_summary_inst_free(&s);
	ct_buf_free(&buf);
	return err;
}

/* ---- reading ------------------------------------------------------------------------------------ */

int ct__summary_require(ct_reader *r)
{
	bool ready;
	int err;

	if ((err = ct_summary_ready(r, &ready)) < 0)
		return err;
	return ready ? 0 : ct_error_set(CT_ESTATE, "the store has no complete instrument summary");
}

int ct_summary_get(ct_reader *r, const char *id, size_t id_len, ct_summary_inst *out)
{
	uint8_t key[CT__SUMMARY_KEY_MAX];
	MDB_val v;
	int err;

	if ((err = ct__summary_require(r)) < 0)
		return err;
	if ((err = record_key(key, id, id_len)) < 0)
		return err;
	if ((err = ct__get(r, DB_SUMMARY, key, 1 + id_len, &v)) == CT_ENOTFOUND)
		return ct_error_set(CT_ENOTFOUND, "instrument %.*s has no summary", (int)id_len, id);
	if (err < 0)
		return err;
	return ct__summary_decode(out, id, id_len, v.mv_data, v.mv_size);
}

/* Up to 8 bytes of key after skip bytes, as a big-endian number (missing bytes 0). */
static uint64_t key_number(const MDB_val *k, size_t skip)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		n = n << 8 | (skip + i < k->mv_size ? ((const uint8_t *)k->mv_data)[skip + i] : 0);
	return n;
}

/*
 * The bounds of part's range, [from, to): the records' ids cut at points
 * interpolated between the first and the last (a shared prefix, then 8
 * bytes read as a number). Empty to: up to the end of the records.
 */
static int part_bounds(MDB_cursor *cur, unsigned part, unsigned parts, uint8_t from[CT__SUMMARY_KEY_MAX + 8], size_t *from_len,
		       uint8_t to[CT__SUMMARY_KEY_MAX + 8], size_t *to_len)
{
	uint8_t lo[CT__SUMMARY_KEY_MAX];
	MDB_val k = {1, NULL}, v;
	size_t lo_len, prefix = 0, i;
	uint64_t a, z, step;
	int rc;

	from[0] = CT__SUMMARY_REC;
	*from_len = 1;
	*to_len = 0;
	if (parts <= 1)
		return 0;
	k.mv_data = from;
	if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == MDB_NOTFOUND ||
	    (rc == 0 && ((const uint8_t *)k.mv_data)[0] != CT__SUMMARY_REC))
		return part == 0 ? 0 : 1; /* no records: part 0 sees none, the others skip */
	if (rc)
		return ct__mdb_error(rc, "instrument summary");
	lo_len = k.mv_size;
	memcpy(lo, k.mv_data, lo_len);
	if ((rc = mdb_cursor_get(cur, &k, &v, MDB_LAST)) != 0) /* records are the last keys */
		return ct__mdb_error(rc, "instrument summary");
	while (prefix < lo_len && prefix < k.mv_size && lo[prefix] == ((uint8_t *)k.mv_data)[prefix])
		prefix++;
	{
		MDB_val lv = {lo_len, lo};
		a = key_number(&lv, prefix);
		z = key_number(&k, prefix);
	}
	step = (z - a) / parts;
	if (part > 0) {
		memcpy(from, lo, prefix);
		for (i = 0; i < 8; i++)
			from[prefix + i] = (uint8_t)((a + step * part) >> (56 - 8 * i));
		*from_len = prefix + 8;
	}
	if (part + 1 < parts) {
		memcpy(to, lo, prefix);
		for (i = 0; i < 8; i++)
			to[prefix + i] = (uint8_t)((a + step * (part + 1)) >> (56 - 8 * i));
		*to_len = prefix + 8;
	}
	return 0;
}

static int key_before(const MDB_val *k, const uint8_t *to, size_t to_len)
{
	size_t n = k->mv_size < to_len ? k->mv_size : to_len;
	int c = memcmp(k->mv_data, to, n);

	return c < 0 || (c == 0 && k->mv_size < to_len);
}

int ct_summary_scan(ct_reader *r, unsigned part, unsigned parts, ct_summary_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	uint8_t from[CT__SUMMARY_KEY_MAX + 8], to[CT__SUMMARY_KEY_MAX + 8];
	size_t from_len, to_len;
	ct_summary_inst s;
	MDB_val k, v;
	int rc, err;

	if ((err = ct__summary_require(r)) < 0)
		return err;
	memset(&s, 0, sizeof(s));
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_SUMMARY], &cur)) != 0)
		return ct__mdb_error(rc, "instrument summary");
	if ((err = part_bounds(cur, part, parts ? parts : 1, from, &from_len, to, &to_len)) != 0) {
		mdb_cursor_close(cur);
		return err < 0 ? err : 0;
	}
	k.mv_size = from_len;
	k.mv_data = from;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;
		if (k.mv_size < 2 || key[0] != CT__SUMMARY_REC || (to_len && !key_before(&k, to, to_len)))
			break;
		if ((err = ct__summary_decode(&s, (const char *)key + 1, k.mv_size - 1, v.mv_data, v.mv_size)) < 0 ||
		    (err = cb(ctx, &s)) != 0)
			break;
	}
	if (rc && rc != MDB_NOTFOUND && err == 0)
		err = ct__mdb_error(rc, "instrument summary");
	mdb_cursor_close(cur);
	ct_summary_inst_free(&s);
	return err < 0 ? err : 0;
}
