/*
 * Keeping fork proofs. A node keeps one proof per author, in canonical
 * form, and of two proofs the smaller: nodes that heard of an equivocation
 * through different pairs of entries end with the same proof once the
 * proofs have gone round, so the network index (whose fork keys list the
 * proof's entries) and the evaluator (untrusted from the proof's lower
 * seq) agree between them (docs/DECISIONS.md, "Forks").
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* A proof as ordered and compared: its two entries, their hashes, its lower seq. */
struct proof {
	const ct_entry *a, *b;
	uint8_t ha[CT_HASH_BYTES], hb[CT_HASH_BYTES];
	uint64_t seq;
};

/* (x, y) in canonical order: by seq, and at one seq the smaller hash first. */
static void canonical(struct proof *p, const ct_entry *x, const ct_entry *y)
{
	uint8_t hx[CT_HASH_BYTES], hy[CT_HASH_BYTES];
	bool swap;

	ct_entry_hash(hx, x->raw, x->raw_len);
	ct_entry_hash(hy, y->raw, y->raw_len);
	swap = y->seq < x->seq || (y->seq == x->seq && memcmp(hy, hx, CT_HASH_BYTES) < 0);
	p->a = swap ? y : x;
	p->b = swap ? x : y;
	memcpy(p->ha, swap ? hy : hx, CT_HASH_BYTES);
	memcpy(p->hb, swap ? hx : hy, CT_HASH_BYTES);
	p->seq = p->a->seq;
}

static int compare(const struct proof *p, const struct proof *q)
{
	int c;

	if (p->seq != q->seq)
		return p->seq < q->seq ? -1 : 1;
	if ((c = memcmp(p->ha, q->ha, CT_HASH_BYTES)) != 0)
		return c;
	return memcmp(p->hb, q->hb, CT_HASH_BYTES);
}

/* The held proof of author decoded into ea, eb (copies in *copy, freed by the caller). */
static int held(ct_batch *b, const uint8_t author[CT_KEY_BYTES], ct_entry *ea, ct_entry *eb, uint8_t **copy)
{
	const uint8_t *p;
	size_t alen;
	MDB_val v;
	int err;

	*copy = NULL;
	if ((err = ct__get(&b->rd, DB_FORKS, author, CT_KEY_BYTES, &v)) < 0)
		return err;
	if (v.mv_size < 4)
		return ct_error_set(CT_ECORRUPT, "fork proof record has %zu bytes", v.mv_size);
	/* copied: the pages of a write transaction may move under our own writes */
	if (!(*copy = malloc(v.mv_size)))
		return ct_error_set(CT_ENOMEM, "out of memory reading a fork proof");
	memcpy(*copy, v.mv_data, v.mv_size);
	p = *copy;
	alen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (alen > v.mv_size - 4 || ct_entry_decode(ea, p + 4, alen) < 0 ||
	    ct_entry_decode(eb, p + 4 + alen, v.mv_size - 4 - alen) < 0)
		return ct_error_set(CT_ECORRUPT, "stored fork proof does not decode");
	return 0;
}

int ct__fork_put(ct_batch *b, const ct_entry *x, const ct_entry *y)
{
	struct proof want, have;
	ct_entry ha, hb;
	uint8_t *copy = NULL, *rec = NULL;
	uint8_t head[CT_HASH_BYTES];
	uint64_t size;
	unsigned flags;
	size_t len;
	int err;

	canonical(&want, x, y);
	err = held(b, x->author, &ha, &hb, &copy);
	if (err == 0) {
		canonical(&have, &ha, &hb);
		err = compare(&want, &have) < 0 ? 0 : CT_EEXISTS;
	} else if (err == CT_ENOTFOUND) {
		err = 0;
	}
	free(copy);
	if (err < 0)
		return err;
	len = 4 + want.a->raw_len + want.b->raw_len;
	if (!(rec = malloc(len)))
		return ct_error_set(CT_ENOMEM, "out of memory recording a fork proof");
	rec[0] = (uint8_t)(want.a->raw_len >> 24);
	rec[1] = (uint8_t)(want.a->raw_len >> 16);
	rec[2] = (uint8_t)(want.a->raw_len >> 8);
	rec[3] = (uint8_t)want.a->raw_len;
	memcpy(rec + 4, want.a->raw, want.a->raw_len);
	memcpy(rec + 4 + want.a->raw_len, want.b->raw, want.b->raw_len);
	err = ct__put(b, DB_FORKS, x->author, CT_KEY_BYTES, rec, len, 0);
	free(rec);
	if (err < 0 || (err = ct__head_get(&b->rd, x->author, &size, head, &flags)) < 0 ||
	    (err = ct__head_put(b, x->author, size, size ? head : NULL, flags | HEAD_FORKED)) < 0)
		return err;
	return ct__netindex_touch_fork(b, x->author);
}
