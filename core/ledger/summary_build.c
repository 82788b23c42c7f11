/*
 * The instrument summary built from the entries, and checked against them
 * (caltrace/ledger/summary.h; the records' format is in summary.c): a
 * build walks the instrument subject rows in id order, BUILD_CHUNK
 * instruments per transaction, and appends their records.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/summary.h"
#include "store_internal.h"
#include "summary_internal.h"

#define BUILD_CHUNK 5000 /* instruments per transaction while building */

/* ---- building and checking ------------------------------------------------------------------------- */

struct from_rows {
	struct ct__words *w;
	ct_summary_inst *s;
	int err;
};

static int summarise_row(void *ctx, const ct_index_row *row)
{
	struct from_rows *f = ctx;
	ct_entry e;
	int err;

	if (row->kind != CT_ROW_REGISTER && row->kind != CT_ROW_RETIRE && row->kind != CT_ROW_CAL)
		return 0;
	if ((err = ct_read_entry_by_hash(&e, f->w->r, row->hash)) < 0)
		return f->err = ct_error_wrap(err, "instrument %.*s: an index row's entry", (int)f->s->id_len,
					      f->s->id);
	return f->err = ct__summary_add_entry(f->w, f->s, &e, row->kind, row->time, row->hash);
}

/* The record of instrument id made from its rows and entries. */
static int summarise(struct ct__words *w, const char *id, size_t id_len, ct_summary_inst *s)
{
	struct from_rows f = {w, s, 0};
	int err;

	ct__summary_inst_reset(s, id, id_len);
	err = ct_read_subject_rows(w->r, CT_NS_INSTRUMENT, id, id_len, 0, summarise_row, &f);
	return err < 0 ? err : f.err;
}

/* Summarises up to BUILD_CHUNK instruments after *resume (empty: from the first) in b. */
static int build_chunk(ct_batch *b, ct_buf *resume, uint64_t *rows_done, bool *finished)
{
	MDB_cursor *cur = NULL;
	uint8_t key[CT__SUMMARY_KEY_MAX];
	MDB_val k, v;
	ct_summary_inst s;
	ct_buf buf = CT_BUF_INIT;
	ct_hmap cache = {0};
	struct ct__words w = {&b->rd, b, &cache};
	size_t n = 0, dups;
	int rc, err = 0;

	memset(&s, 0, sizeof(s));
	*finished = false;
	key[0] = CT_NS_INSTRUMENT;
	if (resume->len)
		memcpy(key + 1, resume->ptr, resume->len);
	k.mv_size = 1 + resume->len;
	k.mv_data = key;
	if ((rc = mdb_cursor_open(b->rd.txn, b->l->dbi[DB_SUBJECTS], &cur)) != 0)
		return ct__mdb_error(rc, "subjects");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && resume->len && k.mv_size == 1 + resume->len && memcmp(k.mv_data, key, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP);
	for (; rc == 0 && n < BUILD_CHUNK; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP), n++) {
		const char *id = (const char *)k.mv_data + 1;
		size_t id_len = k.mv_size - 1;
		if (k.mv_size < 2 || ((uint8_t *)k.mv_data)[0] != CT_NS_INSTRUMENT) {
			rc = MDB_NOTFOUND;
			break;
		}
		if ((rc = mdb_cursor_count(cur, &dups)) != 0)
			break;
		*rows_done += dups;
		/* the cursor stays valid: summarising reads other databases and writes only DB_SUMMARY */
		size_t mark = ct_reader_mark(&b->rd); /* the entries read are not kept past the record */
		if ((err = summarise(&w, id, id_len, &s)) < 0 || (err = ct__summary_write_record(b, &s, &buf, true)) < 0)
			break;
		ct_reader_rewind(&b->rd, mark);
		resume->len = 0;
		if ((err = ct_buf_put(resume, id, id_len)) < 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		*finished = true;
	else if (rc && err == 0)
		err = ct__mdb_error(rc, "subjects");
	mdb_cursor_close(cur);
	if (err == 0 && !*finished)
		err = ct__put(b, DB_SUMMARY, "P", 1, resume->ptr, resume->len, 0);
	ct_hmap_free(&cache, NULL);
	ct_summary_inst_free(&s);
	ct_buf_free(&buf);
	return err;
}

/* Empties the summary and marks a build begun ('P' empty: nothing summarised yet), in b. */
static int start_over(ct_batch *b)
{
	int rc;

	if ((rc = mdb_drop(b->rd.txn, b->l->dbi[DB_SUMMARY], 0)) != 0)
		return ct__mdb_error(rc, "emptying the instrument summary");
	/* the words and the version this batch remembered are gone with it */
	ct_hmap_free(&b->words, NULL);
	b->summary_complete = false;
	return ct__put(b, DB_SUMMARY, "P", 1, "", 0, 0);
}

/*
 * One transaction of a build: goes on from the 'P' the store holds (so
 * that processes opening the store at once share one build instead of
 * undoing each other's), starting over when there is none (or a summary
 * of another version); *finished once the summary is complete (by this
 * process or another).
 */
static int build_step(ct_batch *b, ct_buf *resume, uint64_t *done, uint64_t *total, bool *finished)
{
	uint8_t version[4];
	uint32_t have = 0;
	MDB_stat st;
	MDB_val v;
	int err;

	*finished = false;
	if ((err = ct__summary_version(&b->rd, &have)) < 0)
		return err;
	if (have == CT_SUMMARY_VERSION) {
		*finished = true;
		return 0;
	}
	resume->len = 0;
	if ((err = ct__get(&b->rd, DB_SUMMARY, "P", 1, &v)) == CT_ENOTFOUND || (err == 0 && have != 0))
		err = start_over(b);
	else if (err == 0)
		err = ct_buf_put(resume, v.mv_data, v.mv_size);
	if (err < 0)
		return err;
	if (!*total && mdb_stat(b->rd.txn, b->l->dbi[DB_SUBJECTS], &st) == 0)
		*total = st.ms_entries;
	if ((err = build_chunk(b, resume, done, finished)) < 0 || !*finished)
		return err;
	ct__put_be32(version, CT_SUMMARY_VERSION);
	if ((err = ct__put(b, DB_SUMMARY, "V", 1, version, 4, 0)) < 0)
		return err;
	return ct__del(b, DB_SUMMARY, "P", 1, NULL, 0);
}

/* Builds (or helps build) the summary until it is complete; start_over first when fresh. */
static int build(ct_ledger *l, bool fresh, ct_progress_fn progress, void *ctx)
{
	ct_buf resume = CT_BUF_INIT;
	uint64_t total = 0, done = 0;
	bool finished = false;
	ct_batch *b = NULL;
	int err = 0;

	if (l->read_only)
		return ct_error_set(CT_ESTATE, "the store is open read-only: the summary cannot be built");
	if (fresh) {
		if ((err = ct_batch_begin(&b, l)) < 0)
			return err;
		if ((err = start_over(b)) < 0) {
			ct_batch_abort(b);
			return err;
		}
		if ((err = ct_batch_commit(b)) < 0)
			return err;
	}
	while (!finished) {
		if ((err = ct_batch_begin(&b, l)) < 0)
			break;
		if ((err = build_step(b, &resume, &done, &total, &finished)) < 0) {
			ct_batch_abort(b);
			break;
		}
		if ((err = ct_batch_commit(b)) < 0)
			break;
		if (progress)
			progress(ctx, "summarising instruments (index rows)", done < total ? done : total, total);
	}
	ct_buf_free(&resume);
	return err;
}

int ct_summary_rebuild(ct_ledger *l, ct_progress_fn progress, void *ctx)
{
	return build(l, true, progress, ctx);
}

int ct__summary_ensure(ct_ledger *l, ct_progress_fn progress, void *ctx)
{
	ct_reader *r = NULL;
	uint32_t version = 0;
	int err;

	if (l->read_only)
		return 0;
	if ((err = ct_reader_begin(&r, l)) < 0)
		return err;
	err = ct__summary_version(r, &version);
	ct_reader_end(r);
	if (err < 0 || version == CT_SUMMARY_VERSION)
		return err;
	return build(l, false, progress, ctx); /* joins a build another process began */
}

/* ---- checking ---------------------------------------------------------------------------------- */

static bool same_uses(const ct_summary_inst *a, const ct_summary_cal *x, const ct_summary_inst *b,
		      const ct_summary_cal *y)
{
	return x->nuses == y->nuses &&
	       (x->nuses == 0 ||
		memcmp(a->uses + x->first_use, b->uses + y->first_use, x->nuses * sizeof(*a->uses)) == 0);
}

static bool same_cal(const ct_summary_inst *a, const ct_summary_cal *x, const ct_summary_inst *b,
		     const ct_summary_cal *y)
{
	return x->performed_at == y->performed_at && x->valid_until == y->valid_until && x->seq == y->seq &&
	       memcmp(x->hash, y->hash, CT_SUMMARY_HASH_PREFIX) == 0 && x->author == y->author &&
	       x->kind == y->kind && x->result == y->result && x->technician == y->technician &&
	       same_uses(a, x, b, y);
}

static bool same_reg(const ct_summary_reg *x, const ct_summary_reg *y)
{
	return x->time == y->time && x->seq == y->seq && x->author == y->author && x->category == y->category &&
	       x->district == y->district && x->owner == y->owner && x->mpe == y->mpe &&
	       x->catalogue == y->catalogue && x->domain == y->domain;
}

static bool same_ret(const ct_summary_ret *x, const ct_summary_ret *y)
{
	return x->time == y->time && x->seq == y->seq && x->author == y->author;
}

/* Whether two records say the same, entries of one time in any order. */
static bool same_record(const ct_summary_inst *a, const ct_summary_inst *b)
{
	size_t i, j;

	if (a->nregs != b->nregs || a->nrets != b->nrets || a->ncals != b->ncals)
		return false;
	for (i = 0; i < a->nregs; i++) {
		for (j = 0; j < b->nregs && !same_reg(&a->regs[i], &b->regs[j]); j++)
			;
		if (j == b->nregs)
			return false;
	}
	for (i = 0; i < a->nrets; i++) {
		for (j = 0; j < b->nrets && !same_ret(&a->rets[i], &b->rets[j]); j++)
			;
		if (j == b->nrets)
			return false;
	}
	for (i = 0; i < a->ncals; i++) {
		if (a->cals[i].performed_at != b->cals[i].performed_at)
			return false;
		for (j = 0; j < b->ncals && !same_cal(a, &a->cals[i], b, &b->cals[j]); j++)
			;
		if (j == b->ncals)
			return false;
	}
	return true;
}

struct check {
	ct_reader *r;
	struct ct__words w;
	ct_summary_inst made, stored;
	uint64_t checked, rows, total;
	ct_progress_fn progress;
	void *ctx;
};

/* Makes the record of instrument id from its entries and compares it with the stored one. */
static int check_record(struct check *c, const char *id, size_t id_len, size_t count)
{
	int err;

	c->rows += count;
	if ((err = summarise(&c->w, id, id_len, &c->made)) == CT_ENOTFOUND)
		return ct_error_set(CT_ECORRUPT, "instrument summary: a word of %.*s's entries is not in the dictionary",
				    (int)id_len, id);
	if (err < 0)
		return err;
	if ((err = ct_summary_get(c->r, id, id_len, &c->stored)) == CT_ENOTFOUND)
		return ct_error_set(CT_ECORRUPT, "instrument summary: %.*s has no record", (int)id_len, id);
	if (err < 0)
		return err;
	if (!same_record(&c->made, &c->stored))
		return ct_error_set(CT_ECORRUPT, "instrument summary: the record of %.*s differs from its entries",
				    (int)id_len, id);
	if (++c->checked % 100000 == 0 && c->progress)
		c->progress(c->ctx, "checking the instrument summary (index rows)", c->rows, c->total);
	return 0;
}

static int check_one(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	struct check *c = ctx;
	size_t mark = ct_reader_mark(c->r);
	int err = check_record(c, id, id_len, count);

	(void)rows;
	ct_reader_rewind(c->r, mark); /* the entries read to make the record are not kept */
	return err;
}

static int count_record(void *ctx, const ct_summary_inst *s)
{
	(void)s;
	++*(uint64_t *)ctx;
	return 0;
}

int ct_summary_check(ct_reader *r, uint64_t *checked, ct_progress_fn progress, void *ctx)
{
	struct check c;
	uint64_t records = 0;
	MDB_stat st;
	int err;

	*checked = 0;
	if ((err = ct__summary_require(r)) < 0)
		return err;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.w.r = r;
	c.progress = progress;
	c.ctx = ctx;
	c.total = mdb_stat(r->txn, r->l->dbi[DB_SUBJECTS], &st) == 0 ? st.ms_entries : 0;
	err = ct_read_subject_scan(r, CT_NS_INSTRUMENT, 0, 1, check_one, &c);
	if (err == 0 && (err = ct_summary_scan(r, 0, 1, count_record, &records)) == 0 && records != c.checked)
		err = ct_error_set(CT_ECORRUPT,
				   "instrument summary: %llu records for %llu instruments in the index",
				   (unsigned long long)records, (unsigned long long)c.checked);
	*checked = c.checked;
	ct_summary_inst_free(&c.made);
	ct_summary_inst_free(&c.stored);
	return err;
}

