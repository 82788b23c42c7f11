/*
 * Batched entry reads by hash (caltrace/ledger/ledger.h, ct_hash_batch), for scans. Judging an instrument reads its
 * registration and its calibration: two lookups by hash, each a random
 * descent of the hash index and then of the entries by number, half
 * of coverage's time. For a chunk of instruments the scan first lists
 * every entry it will need, then looks them all up in key order (the hash
 * index in hash order, then the entries in number order) with one
 * cursor each: consecutive lookups land on the same or the next B-tree
 * page, and LMDB's cursor skips the descent when the key is on its current
 * page. The caller then finds them in a table (the evaluator's
 * ct__read_entry looks there first). Orders are computed by radix sorts of
 * 64-bit keys.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

struct fetch {
	uint8_t hash[CT_HASH_BYTES];
	uint64_t number;    /* the entry's number (store_internal.h, DB_ENTRIES); 0 when not found */
	const uint8_t *raw; /* the stored entry, in the snapshot or unpacked; NULL when not found */
	size_t len;
	bool packed;        /* raw is a compressed frame (pack.c), to unpack into own */
};

/* A sort key and the fetch it orders. */
struct order {
	uint64_t key;
	uint32_t at;
};

struct slot {
	uint64_t prefix;
	uint32_t at; /* UINT32_MAX: empty */
};

struct ct_hash_batch {
	struct fetch *v;
	size_t n, cap;
	struct order *order, *tmp; /* sort keys and the radix sort's buffer */
	uint32_t *count;	   /* the radix sort's histogram */
	struct slot *table;	   /* open addressing over v by hash prefix */
	size_t mask;
	ct_buf own;		   /* the entries stored compressed, unpacked: until the next run */
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* LSD radix sort of v by key (16 bits a pass, as many passes as the largest key needs). */
static void radix(struct order *v, struct order *tmp, uint32_t *count, size_t n)
{
	uint64_t max = 0;
	size_t i;
	unsigned shift;

	for (i = 0; i < n; i++)
		if (v[i].key > max)
			max = v[i].key;
	for (shift = 0; shift < 64 && (max >> shift); shift += 16) {
		uint32_t sum = 0, c;
		memset(count, 0, (1u << 16) * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(v[i].key >> shift) & 0xffff]++;
		for (i = 0; i < (1u << 16); i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[count[(v[i].key >> shift) & 0xffff]++] = v[i];
		memcpy(v, tmp, n * sizeof(*v));
	}
}

int ct_hash_batch_new(ct_hash_batch **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return ct_error_set(CT_ENOMEM, "out of memory batching reads");
	return 0;
}

void ct_hash_batch_clear(ct_hash_batch *pf)
{
	pf->n = 0;
	pf->own.len = 0;
}

void ct_hash_batch_free(ct_hash_batch *pf)
{
	if (!pf)
		return;
	free(pf->v);
	free(pf->order);
	free(pf->tmp);
	free(pf->count);
	free(pf->table);
	ct_buf_free(&pf->own);
	free(pf);
}

int ct_hash_batch_add(ct_hash_batch *pf, const uint8_t hash[CT_HASH_BYTES])
{

	if (pf->n == pf->cap) {
		size_t cap = pf->cap ? 2 * pf->cap : 4096;
		struct fetch *v = realloc(pf->v, cap * sizeof(*v));
		struct order *o = v ? realloc(pf->order, cap * sizeof(*o)) : NULL;
		struct order *t = o ? realloc(pf->tmp, cap * sizeof(*t)) : NULL;
		if (v)
			pf->v = v;
		if (o)
			pf->order = o;
		if (t)
			pf->tmp = t;
		if (!v || !o || !t)
			return ct_error_set(CT_ENOMEM, "out of memory batching reads");
		pf->cap = cap;
	}
	memcpy(pf->v[pf->n].hash, hash, CT_HASH_BYTES);
	pf->v[pf->n].number = 0;
	pf->v[pf->n].raw = NULL;
	pf->v[pf->n].packed = false;
	pf->n++;
	return 0;
}

static int lookup_hashes(ct_hash_batch *pf, ct_reader *r, MDB_cursor *cur)
{
	MDB_val k, v;
	size_t i;
	int rc;

	for (i = 0; i < pf->n; i++) {
		pf->order[i].key = be64(pf->v[i].hash) >> 32; /* the top 32 bits place it well enough */
		pf->order[i].at = (uint32_t)i;
	}
	radix(pf->order, pf->tmp, pf->count, pf->n);
	for (i = 0; i < pf->n; i++) {
		struct fetch *f = &pf->v[pf->order[i].at];
		k.mv_size = CT_HASH_BYTES;
		k.mv_data = f->hash;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (rc == MDB_NOTFOUND) /* stored since the last merge: in the recent part (hashidx.c) */
			rc = mdb_get(r->txn, r->l->dbi[DB_HRECENT], &k, &v);
		if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != 8)) {
			pf->order[i].key = UINT64_MAX; /* not found: the plain read reports it, in context */
			continue;
		}
		if (rc)
			return ct__mdb_error(rc, "hashes");
		f->number = ct__get_u64(v.mv_data);
		pf->order[i].key = f->number; /* the next sort key, while the value is in cache */
	}
	return 0;
}

/*
 * Unpacks the entries found stored compressed into pf->own, grown once
 * (a first pass adds up their sizes), and points at them there.
 */
static int unpack_found(ct_hash_batch *pf, ct_reader *r)
{
	size_t i, total = 0;
	int pass, err;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			pf->own.len = 0;
			if (pf->own.cap < total)
				ct_buf_free(&pf->own); /* what it holds is stale: no need for realloc to copy it */
			if ((err = ct_buf_grow(&pf->own, total)) < 0)
				return err;
		}
		for (i = 0; i < pf->n; i++) {
			struct fetch *f = &pf->v[i];
			MDB_val v = {f->len, (void *)f->raw};
			size_t len;
			if (!f->raw || !f->packed)
				continue;
			if ((err = ct__entry_unpacked_size(&v, &len)) < 0)
				return err;
			if (pass == 0) {
				total += len;
				continue;
			}
			if ((err = ct__entry_unpack_into(r, pf->own.ptr + pf->own.len, len, &v)) < 0)
				return err;
			f->raw = pf->own.ptr + pf->own.len;
			f->len = len;
			f->packed = false;
			pf->own.len += len;
		}
	}
	return 0;
}

static int lookup_entries(ct_hash_batch *pf, ct_reader *r, MDB_cursor *cur)
{
	uint8_t key[8];
	MDB_val k, v;
	size_t i;
	bool packed = false;
	int rc;

	radix(pf->order, pf->tmp, pf->count, pf->n);
	for (i = 0; i < pf->n; i++) {
		struct fetch *f = &pf->v[pf->order[i].at];
		if (!f->number)
			continue;
		ct__put_u64(key, f->number);
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc)
			return ct__mdb_error(rc, "log");
		f->raw = v.mv_data;
		f->len = v.mv_size;
		f->packed = ct__entry_packed(&v);
		packed |= f->packed;
	}
	return packed ? unpack_found(pf, r) : 0;
}

static int build_table(ct_hash_batch *pf)
{
	size_t size = 1, i;

	while (size < 2 * pf->n)
		size <<= 1;
	if (size - 1 != pf->mask || !pf->table) {
		struct slot *t = realloc(pf->table, size * sizeof(*t));
		if (!t)
			return ct_error_set(CT_ENOMEM, "out of memory batching reads");
		pf->table = t;
		pf->mask = size - 1;
	}
	for (i = 0; i < size; i++)
		pf->table[i].at = UINT32_MAX;
	for (i = 0; i < pf->n; i++) {
		uint64_t p = be64(pf->v[i].hash);
		size_t j = p & pf->mask;
		if (!pf->v[i].raw)
			continue;
		while (pf->table[j].at != UINT32_MAX)
			j = (j + 1) & pf->mask;
		pf->table[j].prefix = p;
		pf->table[j].at = (uint32_t)i;
	}
	return 0;
}

int ct_hash_batch_run(ct_hash_batch *pf, ct_reader *r)
{
	MDB_cursor *hashes = NULL, *entries = NULL;
	int rc, err;

	if (pf->n == 0)
		return 0;
	if (pf->n >= UINT32_MAX)
		return ct_error_set(CT_ETOOBIG, "too many reads in one batch");
	if (!pf->count && !(pf->count = malloc((1u << 16) * sizeof(*pf->count))))
		return ct_error_set(CT_ENOMEM, "out of memory batching reads");
	/* a write batch's own new hashes first go where a read finds them (hashidx.c) */
	if (r->batch && r->batch->hpend.len && (err = ct__hash_flush(r->batch)) < 0)
		return err;
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_HASHES], &hashes)) != 0)
		return ct__mdb_error(rc, "hashes");
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_ENTRIES], &entries)) != 0) {
		mdb_cursor_close(hashes);
		return ct__mdb_error(rc, "log");
	}
	if ((err = lookup_hashes(pf, r, hashes)) == 0 && (err = lookup_entries(pf, r, entries)) == 0)
		err = build_table(pf);
	mdb_cursor_close(hashes);
	mdb_cursor_close(entries);
	return err;
}

bool ct_hash_batch_find(const ct_hash_batch *pf, const uint8_t hash[CT_HASH_BYTES], const uint8_t **raw,
			size_t *len)
{
	uint64_t p;
	size_t j;

	if (!pf->n || !pf->table)
		return false;
	p = be64(hash);
	for (j = p & pf->mask; pf->table[j].at != UINT32_MAX; j = (j + 1) & pf->mask) {
		const struct fetch *f;
		if (pf->table[j].prefix != p)
			continue;
		f = &pf->v[pf->table[j].at];
		if (memcmp(f->hash, hash, CT_HASH_BYTES) == 0) {
			*raw = f->raw;
			*len = f->len;
			return true;
		}
	}
	return false;
}
