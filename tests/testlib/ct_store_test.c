#include <stdarg.h>

#include "ct_store_test.h"
#include "caltrace/base/time.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/json.h"

void ts_open(ts_store *s, const ct_ledger_opts *opts)
{
	s->dir = ct_test_tmpdir();
	assert_non_null(s->dir);
	CT_OK_OR_FAIL(ct_ledger_open(&s->l, s->dir, opts));
}

void ts_open_lab_network(ts_store *s, const ct_keypair *bureau, const ct_keypair *lab,
			 const char *valid_until)
{
	ts_open(s, NULL);
	ts_append_ok(s->l, bureau, ts_day(0), NULL, "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{}}");
	ts_append_ok(s->l, bureau, ts_day(0), NULL, "org.admit",
		     "{'key':'%s','name':'L','tier':'city','scope':['mass'],'valid_from':0,'valid_until':%s}",
		     ts_key(lab), valid_until);
}

void ts_reopen(ts_store *s, const ct_ledger_opts *opts)
{
	ct_ledger_close(s->l);
	s->l = NULL;
	CT_OK_OR_FAIL(ct_ledger_open(&s->l, s->dir, opts));
}

void ts_close(ts_store *s)
{
	ct_ledger_close(s->l);
	s->l = NULL;
	ct_test_rm_rf(s->dir);
	free(s->dir);
	s->dir = NULL;
}

const char *ts_hex(const uint8_t b[32])
{
	static char bufs[8][65];
	static int next;
	char *out = bufs[next++ % 8];

	ct_hex(out, b, 32);
	return out;
}

const char *ts_key(const ct_keypair *kp)
{
	return ts_hex(ct_keypair_public(kp));
}

uint64_t ts_day(int n)
{
	uint64_t base;

	CT_OK_OR_FAIL(ct_time_parse(&base, "2026-01-01"));
	return base + (uint64_t)n * 86400000ULL;
}

int ts_vbody(ct_buf *out, const char *type, const char *fmt, va_list ap)
{
	ct_event_type t = ct_event_type_of(type, strlen(type));
	json_error_t jerr;
	char *text = NULL, *p;
	json_t *j;
	int err;

	if (vasprintf(&text, fmt, ap) < 0)
		fail_msg("out of memory");
	for (p = text; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (!(j = json_loads(text, 0, &jerr)))
		fail_msg("bad JSON literal in test: %s: %s", text, jerr.text);
	out->len = 0;
	err = ct_body_from_json(out, t, j);
	json_decref(j);
	free(text);
	return err;
}

void ts_body(ct_buf *out, const char *type, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ts_vbody(out, type, fmt, ap);
	va_end(ap);
	if (err < 0)
		fail_msg("body of %s: %s", type, ct_error_last());
}

static int vappend(ct_ledger *l, const ct_keypair *kp, uint64_t time, uint8_t hash[32], const char *type,
		   const char *fmt, va_list ap)
{
	ct_buf body = CT_BUF_INIT;
	ct_batch *b = NULL;
	int err;

	if ((err = ts_vbody(&body, type, fmt, ap)) < 0)
		goto done;
	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	err = ct_batch_append(b, kp, time, type, body.ptr, body.len, hash, NULL);
	if (err < 0)
		ct_batch_abort(b);
	else
		err = ct_batch_commit(b);
done:
	ct_buf_free(&body);
	return err;
}

int ts_append(ct_ledger *l, const ct_keypair *kp, uint64_t time, uint8_t hash[32], const char *type,
	      const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vappend(l, kp, time, hash, type, fmt, ap);
	va_end(ap);
	return err;
}

void ts_append_ok(ct_ledger *l, const ct_keypair *kp, uint64_t time, uint8_t hash[32], const char *type,
		  const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vappend(l, kp, time, hash, type, fmt, ap);
	va_end(ap);
	if (err < 0)
		fail_msg("append %s -> %s: %s", type, ct_strerror(err), ct_error_last());
}

int ts_ingest(ct_ledger *l, const uint8_t *raw, size_t len, ct_ingest_result *res)
{
	char detail[512];
	ct_batch *b = NULL;
	int err, cerr;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	err = ct_batch_ingest(b, raw, len, 0, res);
	snprintf(detail, sizeof(detail), "%s", ct_error_last());
	cerr = ct_batch_commit(b);
	if (cerr < 0)
		fail_msg("commit after ingest -> %s: %s", ct_strerror(cerr), ct_error_last());
	/* Keep the ingest's detail for the caller's assertions. */
	if (err < 0)
		ct_error_set(err, "%s", detail);
	return err;
}

void ts_sign(ct_buf *out, const ct_keypair *kp, uint64_t seq, const uint8_t *prev, uint64_t time,
	     const char *type, const char *fmt, ...)
{
	ct_buf body = CT_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ts_vbody(&body, type, fmt, ap);
	va_end(ap);
	if (err < 0)
		fail_msg("body of %s: %s", type, ct_error_last());
	CT_OK_OR_FAIL(ct_entry_build(out, kp, seq, prev, time, type, body.ptr, body.len));
	ct_buf_free(&body);
}

void ts_head(ct_ledger *l, const uint8_t author[32], uint64_t *size, uint8_t hash[32])
{
	ct_reader *r = NULL;
	ct_feed_head h;
	int err;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	err = ct_read_head(&h, r, author);
	if (err == CT_ENOTFOUND) {
		*size = 0;
		if (hash)
			memset(hash, 0, 32);
	} else {
		CT_OK_OR_FAIL(err);
		*size = h.size;
		if (hash)
			memcpy(hash, h.head, 32);
	}
	ct_reader_end(r);
}

static void read_feed(ct_reader *r, const uint8_t author[32], ts_feed *f)
{
	ct_feed_head h;
	ct_entry e;
	uint64_t seq;

	CT_OK_OR_FAIL(ct_read_head(&h, r, author));
	memcpy(f->author, author, 32);
	f->count = (size_t)h.size;
	f->entries = calloc(f->count ? f->count : 1, sizeof(ct_buf));
	assert_non_null(f->entries);
	for (seq = 1; seq <= h.size; seq++) {
		CT_OK_OR_FAIL(ct_read_entry(&e, r, author, seq));
		CT_OK_OR_FAIL(ct_buf_put(&f->entries[seq - 1], e.raw, e.raw_len));
	}
}

void ts_feeds_read(ct_ledger *l, ts_feeds *out)
{
	uint8_t bureau[32];
	ct_feed_head *heads = NULL;
	ct_reader *r = NULL;
	size_t n = 0, i, k = 0;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_network(NULL, bureau, r));
	CT_OK_OR_FAIL(ct_read_heads(&heads, &n, r));
	out->count = n;
	out->feeds = calloc(n ? n : 1, sizeof(ts_feed));
	assert_non_null(out->feeds);
	read_feed(r, bureau, &out->feeds[k++]);
	for (i = 0; i < n; i++)
		if (memcmp(heads[i].author, bureau, 32) != 0)
			read_feed(r, heads[i].author, &out->feeds[k++]);
	assert_int_equal(k, n);
	free(heads);
	ct_reader_end(r);
}

void ts_feeds_free(ts_feeds *f)
{
	size_t i, j;

	for (i = 0; i < f->count; i++) {
		for (j = 0; j < f->feeds[i].count; j++)
			ct_buf_free(&f->feeds[i].entries[j]);
		free(f->feeds[i].entries);
	}
	free(f->feeds);
	f->feeds = NULL;
	f->count = 0;
}

size_t ts_feeds_total(const ts_feeds *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->count; i++)
		n += f->feeds[i].count;
	return n;
}

void ts_state_read(ct_ledger *l, ts_state *out)
{
	ct_reader *r = NULL;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_digest(out->digest, r));
	CT_OK_OR_FAIL(ct_read_heads(&out->heads, &out->nheads, r));
	CT_OK_OR_FAIL(ct_read_pending_count(&out->pending, r));
	ct_reader_end(r);
}

void ts_state_free(ts_state *s)
{
	free(s->heads);
	s->heads = NULL;
}

void ts_state_equal(const ts_state *a, const ts_state *b)
{
	size_t i;

	if (memcmp(a->digest, b->digest, 32) != 0)
		fail_msg("digests differ: %s vs %s", ts_hex(a->digest), ts_hex(b->digest));
	assert_int_equal(a->nheads, b->nheads);
	for (i = 0; i < a->nheads; i++) {
		assert_memory_equal(a->heads[i].author, b->heads[i].author, 32);
		assert_int_equal(a->heads[i].size, b->heads[i].size);
		assert_memory_equal(a->heads[i].head, b->heads[i].head, 32);
		assert_int_equal(a->heads[i].forked, b->heads[i].forked);
		assert_int_equal(a->heads[i].admitted, b->heads[i].admitted);
	}
	assert_int_equal(a->pending, b->pending);
}

int ts_check(ct_ledger *l, uint64_t *n)
{
	ct_reader *r = NULL;
	uint64_t checked = 0;
	int err;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	err = ct_ledger_check(r, &checked);
	ct_reader_end(r);
	if (n)
		*n = checked;
	return err;
}

int ts_detail_has(const char *needle)
{
	return strstr(ct_error_last(), needle) != NULL;
}
