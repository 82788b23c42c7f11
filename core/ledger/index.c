/*
 * The domain indexes (docs/DESIGN.md section 9): rows written with each entry,
 * and their readers. A row is kind(1) time(8, big-endian) hash(32), so the
 * rows of one key sort by kind, then time.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/mp.h"
#include "store_internal.h"
#include "summary_internal.h"

#define NSKEY_MAX (1 + CT_ID_MAX)

static void make_row(uint8_t row[ROW_BYTES], char kind, uint64_t time, const uint8_t hash[CT_HASH_BYTES])
{
	row[0] = (uint8_t)kind;
	ct__put_u64(row + 1, time);
	memcpy(row + 9, hash, CT_HASH_BYTES);
}

/* *added (when not NULL) says whether the row is new. */
static int put_row_added(ct_batch *b, enum ct_db db, const void *key, size_t klen, char kind, uint64_t time,
			 const uint8_t hash[CT_HASH_BYTES], bool *added)
{
	uint8_t row[ROW_BYTES];
	int err;

	make_row(row, kind, time, hash);
	err = ct__put(b, db, key, klen, row, sizeof(row), MDB_NODUPDATA);
	if (added)
		*added = err == 0;
	if (err == CT_EEXISTS)
		return 0;
	/* the network index lists every row but the usage rows (docs/FORMAT.md section 12) */
	return err < 0 || db == DB_USES ? err : ct__netindex_touch_row(b, db, key, klen);
}

static int put_row(ct_batch *b, enum ct_db db, const void *key, size_t klen, char kind, uint64_t time,
		   const uint8_t hash[CT_HASH_BYTES])
{
	return put_row_added(b, db, key, klen, kind, time, hash, NULL);
}

/* A subject row; an instrument's new row also goes into its summary (summary.c). */
static int put_subject_row(ct_batch *b, const ct_prepared *p, char ns, const char *id, size_t id_len, char kind,
			   uint64_t time)
{
	uint8_t key[NSKEY_MAX];
	bool added = false;
	int err;

	if (id_len == 0 || id_len > CT_ID_MAX)
		return ct_error_set(CT_ESCHEMA, "id of %zu bytes", id_len);
	key[0] = (uint8_t)ns;
	memcpy(key + 1, id, id_len);
	if ((err = put_row_added(b, DB_SUBJECTS, key, 1 + id_len, kind, time, p->hash, &added)) < 0 || !added ||
	    ns != CT_NS_INSTRUMENT)
		return err;
	return ct__summary_row_added(b, p, id, id_len, kind, time);
}

/* One usage row per standard a calibration relied on. */
static int index_uses(ct_batch *b, const ct_entry *e, uint64_t performed, const uint8_t hash[CT_HASH_BYTES])
{
	ct_mp map = ct_mp_over(e->body, e->body_len), list;
	uint32_t count, i;
	int err;

	if ((err = ct_mp_find(&map, "standards", &list)) < 0 || (err = ct_mp_read_array(&list, &count)) < 0)
		return ct_error_set(CT_ESCHEMA, "calibration without a standards list");
	for (i = 0; i < count; i++) {
		ct_mp item = list, val;
		const char *id;
		size_t id_len;

		if ((err = ct_mp_skip(&list)) < 0)
			return err;
		item.end = list.p;
		if ((err = ct_mp_find(&item, "id", &val)) < 0 || (err = ct_mp_read_str(&val, &id, &id_len)) < 0)
			return ct_error_set(CT_ESCHEMA, "calibration: standards[%u] has no id", i);
		if (id_len == 0 || id_len > CT_ID_MAX)
			return ct_error_set(CT_ESCHEMA, "calibration: standards[%u] id of %zu bytes", i, id_len);
		if ((err = put_row(b, DB_USES, id, id_len, 0, performed, hash)) < 0)
			return err;
	}
	return 0;
}

int ct__index_entry(ct_batch *b, const ct_prepared *p)
{
	const ct_entry *e = &p->e;
	const ct_event_keys k = p->keys;
	const uint8_t *hash = p->hash;
	int err;

	switch (p->type) {
	case CT_EV_INSTRUMENT_REGISTER:
		return put_subject_row(b, p, CT_NS_INSTRUMENT, k.id, k.id_len, CT_ROW_REGISTER, e->time);
	case CT_EV_INSTRUMENT_RETIRE:
		return put_subject_row(b, p, CT_NS_INSTRUMENT, k.id, k.id_len, CT_ROW_RETIRE, k.time);
	case CT_EV_STANDARD_REGISTER:
		return put_subject_row(b, p, CT_NS_STANDARD, k.id, k.id_len, CT_ROW_REGISTER, e->time);
	case CT_EV_STANDARD_APPROVE:
		return put_subject_row(b, p, CT_NS_STANDARD, k.id, k.id_len, CT_ROW_APPROVE, k.time);
	case CT_EV_STANDARD_ANCHOR:
		return put_subject_row(b, p, CT_NS_STANDARD, k.id, k.id_len, CT_ROW_ANCHOR, k.time);
	case CT_EV_STANDARD_OOT:
		return put_subject_row(b, p, CT_NS_STANDARD, k.id, k.id_len, CT_ROW_OOT, k.time);
	case CT_EV_CALIBRATION:
		err = put_subject_row(b, p, k.subject_is_standard ? CT_NS_STANDARD : CT_NS_INSTRUMENT, k.id, k.id_len, CT_ROW_CAL, k.time);
		return err < 0 ? err : index_uses(b, e, k.time, hash);
	case CT_EV_ORG_ADMIT:
		return put_row(b, DB_ORGS, k.key, CT_KEY_BYTES, CT_ROW_ADMIT, k.time, hash);
	case CT_EV_ORG_REVOKE:
		return put_row(b, DB_ORGS, k.key, CT_KEY_BYTES, CT_ROW_REVOKE, k.time, hash);
	case CT_EV_ORG_REKEY:
		err = put_row(b, DB_ORGS, k.key, CT_KEY_BYTES, CT_ROW_REKEY_OUT, k.time, hash);
		return err < 0 ? err
			       : put_row(b, DB_ORGS, k.key2, CT_KEY_BYTES, CT_ROW_REKEY_IN, k.time, hash);
	case CT_EV_ORG_COMPROMISED:
		return put_row(b, DB_ORGS, k.key, CT_KEY_BYTES, CT_ROW_COMPROMISED, k.time, hash);
	case CT_EV_PERSON_CERTIFY:
		return put_row(b, DB_PERSONS, k.id, k.id_len, 0, e->time, hash);
	case CT_EV_CATALOGUE_SET:
		return put_row(b, DB_CATALOGUE, k.id, k.id_len, 0, k.time, hash);
	case CT_EV_CALIBRATION_REVOKE:
		return put_row(b, DB_REVOKES, k.key, CT_HASH_BYTES, 0, e->time, hash);
	default:
		return 0;
	}
}

/*
 * Walks the rows of key in db from the first with (kind, time) >= (kind,
 * from); stops at the end, at a row of another kind when only_kind, or when
 * cb says so.
 */
static int walk_rows(ct_reader *r, enum ct_db db, const void *key, size_t klen, char kind, uint64_t from,
		     ct_row_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	uint8_t seek[ROW_BYTES];
	MDB_val k = {klen, (void *)key}, v;
	ct_index_row row;
	int rc, err = 0;

	if (klen == 0 || klen > 511)
		return 0;
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[db], &cur)) != 0)
		return ct__mdb_error(rc, "index");
	memset(seek, 0, sizeof(seek));
	seek[0] = (uint8_t)kind;
	ct__put_u64(seek + 1, from);
	v.mv_size = sizeof(seek);
	v.mv_data = seek;
	rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		const uint8_t *p = v.mv_data;

		if (v.mv_size != ROW_BYTES) {
			err = ct_error_set(CT_ECORRUPT, "index row of %zu bytes", v.mv_size);
			break;
		}
		if (kind && p[0] != (uint8_t)kind)
			break;
		row.kind = (char)p[0];
		row.time = ct__get_u64(p + 1);
		memcpy(row.hash, p + 9, CT_HASH_BYTES);
		if ((err = cb(ctx, &row)) != 0)
			break;
	}
	if (rc && rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, "index");
	mdb_cursor_close(cur);
	return err < 0 ? err : 0;
}

int ct_read_subject_rows(ct_reader *r, char ns, const char *id, size_t id_len, char kind, ct_row_fn cb,
			 void *ctx)
{
	uint8_t key[NSKEY_MAX];

	if (id_len == 0 || id_len > CT_ID_MAX)
		return 0;
	key[0] = (uint8_t)ns;
	memcpy(key + 1, id, id_len);
	return walk_rows(r, DB_SUBJECTS, key, 1 + id_len, kind, 0, cb, ctx);
}

int ct_read_org_rows(ct_reader *r, const uint8_t key[CT_KEY_BYTES], ct_row_fn cb, void *ctx)
{
	return walk_rows(r, DB_ORGS, key, CT_KEY_BYTES, 0, 0, cb, ctx);
}

int ct_read_person_rows(ct_reader *r, const char *id, size_t id_len, ct_row_fn cb, void *ctx)
{
	return walk_rows(r, DB_PERSONS, id, id_len, 0, 0, cb, ctx);
}

int ct_read_catalogue_rows(ct_reader *r, const char *item, size_t len, ct_row_fn cb, void *ctx)
{
	return walk_rows(r, DB_CATALOGUE, item, len, 0, 0, cb, ctx);
}

int ct_read_standard_uses(ct_reader *r, const char *id, size_t id_len, uint64_t since, ct_row_fn cb, void *ctx)
{
	return walk_rows(r, DB_USES, id, id_len, 0, since, cb, ctx);
}

int ct_read_revocations(ct_reader *r, const uint8_t cal[CT_HASH_BYTES], ct_row_fn cb, void *ctx)
{
	return walk_rows(r, DB_REVOKES, cal, CT_HASH_BYTES, 0, 0, cb, ctx);
}

int ct_read_ids(ct_reader *r, char ns, ct_id_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	uint8_t prefix = (uint8_t)ns;
	MDB_val k = {1, &prefix}, v;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_SUBJECTS], &cur)) != 0)
		return ct__mdb_error(rc, "subjects");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
		if (k.mv_size < 2 || ((uint8_t *)k.mv_data)[0] != prefix)
			break;
		if ((err = cb(ctx, (const char *)k.mv_data + 1, k.mv_size - 1)) != 0)
			break;
	}
	if (rc && rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, "subjects");
	mdb_cursor_close(cur);
	return err < 0 ? err : 0;
}

struct link_search {
	ct_reader *r;
	uint64_t t;
	bool found;
	uint64_t best_time;
	uint8_t best[CT_HASH_BYTES];
};

struct revoked_by {
	ct_reader *r;
	const uint8_t *author; /* the calibration's: only its revocations count */
	bool revoked;
};

static int check_revoker(void *ctx, const ct_index_row *row)
{
	struct revoked_by *rb = ctx;
	size_t mark = ct_reader_mark(rb->r);
	ct_entry rev;

	if (ct_read_entry_by_hash(&rev, rb->r, row->hash) == 0 &&
	    memcmp(rev.author, rb->author, CT_KEY_BYTES) == 0)
		rb->revoked = true;
	ct_reader_rewind(rb->r, mark);
	return rb->revoked;
}

/* Whether the calibration of row passed and its author did not revoke it (0 or 1), or an error. */
static int link_holds(ct_reader *r, const ct_index_row *row)
{
	struct revoked_by rb = {r, NULL, false};
	ct_mp map, val;
	const char *result;
	size_t len;
	ct_entry e;
	int err;

	if (ct_read_entry_by_hash(&e, r, row->hash) < 0)
		return 0;
	map = ct_mp_over(e.body, e.body_len);
	if (ct_mp_find(&map, "result", &val) < 0 || ct_mp_read_str(&val, &result, &len) < 0 ||
	    (len == 4 && memcmp(result, "fail", 4) == 0))
		return 0;
	/* A calibration its author revoked is no link to rely on. */
	rb.author = e.author;
	if ((err = ct_read_revocations(r, row->hash, check_revoker, &rb)) < 0)
		return err;
	return !rb.revoked;
}

/* Keeps the latest passing, unrevoked calibration or anchor performed at or before t. */
static int consider_link(void *ctx, const ct_index_row *row)
{
	struct link_search *s = ctx;
	size_t mark;
	int holds;

	if (row->kind != CT_ROW_CAL && row->kind != CT_ROW_ANCHOR)
		return 0;
	if (row->time > s->t || (s->found && row->time < s->best_time))
		return 0;
	if (row->kind == CT_ROW_CAL) {
		mark = ct_reader_mark(s->r);
		holds = link_holds(s->r, row);
		ct_reader_rewind(s->r, mark); /* nothing read is kept */
		if (holds <= 0)
			return holds;
	}
	s->found = true;
	s->best_time = row->time;
	memcpy(s->best, row->hash, CT_HASH_BYTES);
	return 0;
}

int ct_read_standard_link(uint8_t hash_out[CT_HASH_BYTES], ct_reader *r, const char *id, size_t id_len,
			  uint64_t t)
{
	struct link_search s = {r, t, false, 0, {0}};
	char when[32];
	int err;

	if ((err = ct_read_subject_rows(r, CT_NS_STANDARD, id, id_len, 0, consider_link, &s)) < 0)
		return err;
	if (!s.found) {
		ct_time_format(when, sizeof(when), t);
		return ct_error_set(CT_ENOTFOUND,
				 "standard '%.*s' has no passing calibration or anchor performed at or before %s",
				 (int)id_len, id, when);
	}
	memcpy(hash_out, s.best, CT_HASH_BYTES);
	return 0;
}
