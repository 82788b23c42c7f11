/*
 * The store's replication state (core/ledger/replica.c): reported remote sizes
 * that block own appends, fork proofs received from peers, checkpoint
 * notes.
 */
#include "net_fixture.h"

struct fx {
	char *dir;
	ct_ledger *l;
	ct_keypair *bureau, *lab, *other;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = ct_test_tmpdir();
	f->bureau = ct_test_keypair(1);
	f->lab = ct_test_keypair(2);
	f->other = ct_test_keypair(3);
	CT_OK_OR_FAIL(ct_ledger_open(&f->l, f->dir, NULL));
	fx_network(f->l, f->bureau, &f->lab, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ct_ledger_close(f->l);
	ct_test_rm_rf(f->dir);
	free(f->dir);
	ct_keypair_free(f->bureau);
	ct_keypair_free(f->lab);
	ct_keypair_free(f->other);
	free(f);
	return 0;
}

static uint64_t feed_size(ct_ledger *l, const ct_keypair *kp, bool *forked)
{
	ct_reader *r = NULL;
	ct_feed_head h;
	int err;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	err = ct_read_head(&h, r, ct_keypair_public(kp));
	ct_reader_end(r);
	if (err == CT_ENOTFOUND)
		return 0;
	assert_int_equal(err, 0);
	if (forked)
		*forked = h.forked;
	return h.size;
}

static int try_append(ct_ledger *l, const ct_keypair *kp)
{
	ct_buf body = CT_BUF_INIT;
	ct_batch *b = NULL;
	int err;

	fx_body(&body, CT_EV_INSTRUMENT_REGISTER, "id", "LATE-1");
	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	err = ct_batch_append(b, kp, FX_TIME, "instrument.register", body.ptr, body.len, NULL, NULL);
	if (err == 0)
		CT_OK_OR_FAIL(ct_batch_commit(b));
	else
		ct_batch_abort(b);
	ct_buf_free(&body);
	return err;
}

static void note_remote(ct_ledger *l, const ct_keypair *kp, uint64_t size)
{
	ct_batch *b = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_batch_note_remote_size(b, ct_keypair_public(kp), size));
	CT_OK_OR_FAIL(ct_batch_commit(b));
}

/* A peer reporting our feed longer blocks appends until the store holds that many entries. */
static void test_remote_size_blocks_append(void **state)
{
	struct fx *f = *state;
	uint8_t prev[CT_HASH_BYTES];
	ct_buf e2 = CT_BUF_INIT, e3 = CT_BUF_INIT;
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	ct_ingest_result res;
	ct_feed_head h;
	uint64_t held;

	fx_instruments(f->l, f->lab, 1, 1);
	note_remote(f->l, f->lab, 3);
	note_remote(f->l, f->lab, 2); /* smaller: the largest is kept */
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_read_remote_size(&held, r, ct_keypair_public(f->lab)));
	assert_int_equal(held, 3);
	CT_OK_OR_FAIL(ct_read_remote_size(&held, r, ct_keypair_public(f->other)));
	assert_int_equal(held, 0);
	CT_OK_OR_FAIL(ct_read_head(&h, r, ct_keypair_public(f->lab)));
	memcpy(prev, h.head, sizeof(prev));
	ct_reader_end(r);

	assert_int_equal(try_append(f->l, f->lab), CT_ESTATE);
	assert_non_null(strstr(ct_error_last(), "reported this node's own feed at 3 entries"));
	assert_int_equal(feed_size(f->l, f->lab, NULL), 1);

	/* Entries 2 and 3 arrive from the peer: appends are allowed again. */
	fx_entry(&e2, f->lab, 2, prev, "FROM-PEER-2");
	ct_entry_hash(prev, e2.ptr, e2.len);
	fx_entry(&e3, f->lab, 3, prev, "FROM-PEER-3");
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	CT_OK_OR_FAIL(ct_batch_ingest(b, e2.ptr, e2.len, 0, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	CT_OK_OR_FAIL(ct_batch_ingest(b, e3.ptr, e3.len, 0, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	CT_OK_OR_FAIL(ct_batch_commit(b));
	CT_OK_OR_FAIL(try_append(f->l, f->lab));
	assert_int_equal(feed_size(f->l, f->lab, NULL), 4);
	ct_buf_free(&e2);
	ct_buf_free(&e3);
}

/* The canonical form of a same-seq proof: the entry with the smaller hash first. */
static void canonical(const ct_buf *x, const ct_buf *y, const ct_buf **first, const ct_buf **second,
		      uint8_t hashes[64])
{
	uint8_t hx[32], hy[32];

	ct_entry_hash(hx, x->ptr, x->len);
	ct_entry_hash(hy, y->ptr, y->len);
	*first = memcmp(hx, hy, 32) < 0 ? x : y;
	*second = *first == x ? y : x;
	memcpy(hashes, *first == x ? hx : hy, 32);
	memcpy(hashes + 32, *first == x ? hy : hx, 32);
}

/*
 * A received proof freezes the feed; of two proofs of one seq the one with
 * the smaller hashes is kept, in canonical order; non-proofs are refused.
 */
static void test_record_fork(void **state)
{
	struct fx *f = *state;
	ct_buf a = CT_BUF_INIT, b2 = CT_BUF_INIT, c = CT_BUF_INIT;
	const ct_buf *p1, *p2, *q1, *q2, *keep1, *keep2;
	uint8_t hp[64], hq[64];
	const uint8_t *pa, *pb;
	size_t la, lb;
	uint64_t checked;
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	bool forked = false, second_smaller;

	fx_instruments(f->l, f->lab, 1, 2);
	fx_entry(&a, f->lab, 7, (const uint8_t *)"0123456789abcdef0123456789abcdef", "A-7");
	fx_entry(&b2, f->lab, 7, (const uint8_t *)"0123456789abcdef0123456789abcdef", "B-7");
	fx_entry(&c, f->lab, 7, (const uint8_t *)"0123456789abcdef0123456789abcdef", "C-7");
	canonical(&a, &b2, &p1, &p2, hp);
	canonical(&a, &c, &q1, &q2, hq);
	second_smaller = memcmp(hq, hp, 64) < 0;

	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	assert_int_equal(ct_batch_record_fork(b, a.ptr, a.len, a.ptr, a.len), CT_EINVAL);
	CT_OK_OR_FAIL(ct_batch_record_fork(b, a.ptr, a.len, b2.ptr, b2.len));
	assert_int_equal(ct_batch_record_fork(b, a.ptr, a.len, c.ptr, c.len), second_smaller ? 0 : CT_EEXISTS);
	/* the same proof again, in either order: nothing to change */
	assert_int_equal(ct_batch_record_fork(b, b2.ptr, b2.len, a.ptr, a.len), CT_EEXISTS);
	CT_OK_OR_FAIL(ct_batch_commit(b));
	keep1 = second_smaller ? q1 : p1;
	keep2 = second_smaller ? q2 : p2;

	assert_int_equal(feed_size(f->l, f->lab, &forked), 2);
	assert_true(forked);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_read_fork(&pa, &la, &pb, &lb, r, ct_keypair_public(f->lab)));
	assert_int_equal(la, keep1->len);
	assert_memory_equal(pa, keep1->ptr, keep1->len);
	assert_int_equal(lb, keep2->len);
	assert_memory_equal(pb, keep2->ptr, keep2->len);
	CT_OK_OR_FAIL(ct_ledger_check(r, &checked));
	ct_reader_end(r);
	/* Frozen: the own feed refuses appends. */
	assert_int_equal(try_append(f->l, f->lab), CT_EFROZEN);
	ct_buf_free(&a);
	ct_buf_free(&b2);
	ct_buf_free(&c);
}

/* A proof about an admitted feed the store holds no entry of leaves an empty, frozen head. */
static void test_record_fork_unknown_feed(void **state)
{
	struct fx *f = *state;
	ct_buf a = CT_BUF_INIT, b2 = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES];
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	ct_ingest_result res;
	uint64_t checked;
	bool forked = false;
	ct_buf e1 = CT_BUF_INIT;

	/* seq 1 and a seq 2 whose prev is not the hash of that seq 1 */
	fx_entry(&a, f->lab, 1, NULL, "L-1");
	memset(prev, 0x5a, sizeof(prev));
	fx_entry(&b2, f->lab, 2, prev, "L-2");
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	CT_OK_OR_FAIL(ct_batch_record_fork(b, a.ptr, a.len, b2.ptr, b2.len));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	assert_int_equal(feed_size(f->l, f->lab, &forked), 0);
	assert_true(forked);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_ledger_check(r, &checked));
	ct_reader_end(r);

	/* The frozen feed takes no entry, even its first. */
	fx_entry(&e1, f->lab, 1, NULL, "L-1");
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	assert_int_equal(ct_batch_ingest(b, e1.ptr, e1.len, 0, &res), CT_EFROZEN);
	ct_batch_abort(b);
	ct_buf_free(&a);
	ct_buf_free(&b2);
	ct_buf_free(&e1);
}

struct note_seen {
	size_t count;
	size_t total;
};

static int count_note(void *ctx, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len)
{
	struct note_seen *s = ctx;

	(void)author;
	(void)note;
	s->count++;
	s->total += len;
	return 0;
}

static void test_notes(void **state)
{
	struct fx *f = *state;
	uint8_t big[CT_STORED_NOTE_MAX + 1];
	char text[64];
	struct note_seen seen = {0, 0};
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	int i;

	memset(big, 'x', sizeof(big));
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	CT_OK_OR_FAIL(ct_batch_put_note(b, ct_keypair_public(f->lab), (const uint8_t *)"note one\n", 9));
	assert_int_equal(ct_batch_put_note(b, ct_keypair_public(f->lab), (const uint8_t *)"note one\n", 9),
			 CT_EEXISTS);
	assert_int_equal(ct_batch_put_note(b, ct_keypair_public(f->lab), big, sizeof(big)), CT_ETOOBIG);
	CT_OK_OR_FAIL(ct_batch_put_note(b, ct_keypair_public(f->bureau), big, CT_STORED_NOTE_MAX));
	for (i = 1; i < CT_NOTES_PER_FEED; i++) {
		snprintf(text, sizeof(text), "note %d\n", i + 1);
		CT_OK_OR_FAIL(
		    ct_batch_put_note(b, ct_keypair_public(f->lab), (const uint8_t *)text, strlen(text)));
	}
	assert_int_equal(ct_batch_put_note(b, ct_keypair_public(f->lab), (const uint8_t *)"one too many", 12),
			 CT_EFULL);
	CT_OK_OR_FAIL(ct_batch_commit(b));
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_read_notes(r, count_note, &seen));
	ct_reader_end(r);
	assert_int_equal(seen.count, CT_NOTES_PER_FEED + 1);
}

struct raw_seen {
	ct_reader *r;
	const uint8_t *author;
	uint64_t next, stop_at;
};

static int raw_cb(void *ctx, uint64_t seq, const uint8_t *raw, size_t len)
{
	struct raw_seen *s = ctx;
	ct_entry e;

	assert_int_equal(seq, s->next);
	CT_OK_OR_FAIL(ct_read_entry(&e, s->r, s->author, seq));
	assert_int_equal(len, e.raw_len);
	assert_memory_equal(raw, e.raw, len);
	s->next++;
	return seq == s->stop_at;
}

/* Raw runs of a feed: what ct_read_entry holds, in order, cut at the feed's end or when asked. */
static void test_entries_raw(void **state)
{
	struct fx *f = *state;
	const uint8_t *lab = ct_keypair_public(f->lab);
	struct raw_seen s = {NULL, lab, 0, 0};
	ct_reader *r = NULL;

	fx_instruments(f->l, f->lab, 1, 40);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	s.r = r;
	s.next = 1;
	CT_OK_OR_FAIL(ct_read_entries_raw(r, lab, 1, 40, raw_cb, &s));
	assert_int_equal(s.next, 41);
	s.next = 7;
	CT_OK_OR_FAIL(ct_read_entries_raw(r, lab, 7, 1000, raw_cb, &s)); /* the feed ends at 40 */
	assert_int_equal(s.next, 41);
	s.next = 3;
	s.stop_at = 5;
	CT_OK_OR_FAIL(ct_read_entries_raw(r, lab, 3, 40, raw_cb, &s));
	assert_int_equal(s.next, 6);
	s.next = 41;
	CT_OK_OR_FAIL(ct_read_entries_raw(r, lab, 41, 50, raw_cb, &s)); /* nothing there */
	assert_int_equal(s.next, 41);
	CT_OK_OR_FAIL(ct_read_entries_raw(r, ct_keypair_public(f->other), 1, 5, raw_cb, &s));
	assert_int_equal(s.next, 41);
	/* the bureau's feed (2 entries) is not mixed in when it sorts next */
	s.author = ct_keypair_public(f->bureau);
	s.next = 1;
	s.stop_at = 0;
	CT_OK_OR_FAIL(ct_read_entries_raw(r, s.author, 1, 10, raw_cb, &s));
	assert_int_equal(s.next, 3);
	ct_reader_end(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_remote_size_blocks_append, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_fork, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_fork_unknown_feed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entries_raw, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
