/*
 * A scan of the registered instruments in chunks: each chunk's entry reads
 * (registrations, retirements, and the calibration governing each time
 * asked) are batched in key order (the ledger's ct_hash_batch) before its
 * instruments are judged one by one. Shared by coverage and due lists.
 */
#include <stdlib.h>

#include "coverage_internal.h"

/* Instruments of the scan kept until their chunk is judged (ids and rows copied out of the cursor). */
struct chunk_inst {
	size_t id_off, id_len, row_off, nrows;
};

struct chunk {
	struct ct__chunk_scan *s;
	struct chunk_inst *v;
	size_t n, cap;
	char *ids;
	size_t ids_len, ids_cap;
	ct_index_row *rows;
	size_t nrows, rows_cap;
};

static bool has_registration(const ct_index_row *rows, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (rows[i].kind == CT_ROW_REGISTER)
			return true;
	return false;
}

/* The index of the last calibration row performed at or before t, or SIZE_MAX. */
static size_t latest_row(const ct_index_row *rows, size_t count, uint64_t t)
{
	size_t i, found = SIZE_MAX;

	for (i = 0; i < count && rows[i].kind == CT_ROW_CAL && rows[i].time <= t; i++)
		found = i;
	return found;
}

/* Lists what judging the chunk will read, reads it in key order, then judges each instrument. */
static int judge_chunk(struct chunk *c)
{
	const struct ct__chunk_scan *s = c->s;
	size_t i, j, k;
	int err = 0;

	for (i = 0; i < c->n && err == 0; i++) {
		const ct_index_row *rows = c->rows + c->v[i].row_off;
		size_t n = c->v[i].nrows, last = SIZE_MAX;
		for (k = 0; k < n && err == 0; k++)
			if (rows[k].kind != CT_ROW_CAL)
				err = ct__prefetch_add(s->tr, rows[k].hash);
		for (j = 0; j < s->ntimes && err == 0; j++) {
			size_t row = latest_row(rows, n, s->times[j]);
			if (row != SIZE_MAX && row != last)
				err = ct__prefetch_add(s->tr, rows[row].hash);
			last = row;
		}
	}
	if (err == 0)
		err = ct__prefetch_run(s->tr);
	for (i = 0; i < c->n && err == 0; i++)
		err = s->judge(s->ctx, c->ids + c->v[i].id_off, c->v[i].id_len, c->rows + c->v[i].row_off,
			       c->v[i].nrows);
	ct__prefetch_clear(s->tr);
	c->n = c->ids_len = c->nrows = 0;
	return err;
}

/* Scan callback: keeps a registered instrument for its chunk. */
static int collect(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	struct chunk *c = ctx;
	struct chunk_inst *in;
	int err;

	if (!has_registration(rows, count))
		return 0;
	if ((err = ct_array_grow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v), 1024,
				 "scanning instruments")) < 0 ||
	    (err = ct_array_grow((void **)&c->ids, &c->ids_cap, c->ids_len + id_len, 1, 1024,
				 "scanning instruments")) < 0 ||
	    (err = ct_array_grow((void **)&c->rows, &c->rows_cap, c->nrows + count, sizeof(*c->rows), 1024,
				 "scanning instruments")) < 0)
		return err;
	in = &c->v[c->n++];
	in->id_off = c->ids_len;
	in->id_len = id_len;
	in->row_off = c->nrows;
	in->nrows = count;
	memcpy(c->ids + c->ids_len, id, id_len);
	memcpy(c->rows + c->nrows, rows, count * sizeof(*rows));
	c->ids_len += id_len;
	c->nrows += count;
	return c->n == c->s->chunk ? judge_chunk(c) : 0;
}

int ct__chunk_scan(ct_reader *r, struct ct__chunk_scan *s)
{
	struct chunk c;
	int err;

	memset(&c, 0, sizeof(c));
	c.s = s;
	if (s->chunk == 0)
		s->chunk = CT__CHUNK;
	if ((err = ct__revocations_load(s->tr)) == 0)
		err = ct_read_subject_scan(r, CT_NS_INSTRUMENT, s->part, s->parts, collect, &c);
	if (err == 0 && c.n)
		err = judge_chunk(&c);
	ct__prefetch_clear(s->tr);
	free(c.v);
	free(c.ids);
	free(c.rows);
	return err;
}
