/*
 * The replication state machine's protocol rules, one node against
 * hand-made messages from one peer, every action it emits recorded:
 * answers must follow wants, violations end the session with a reason
 * naming them, want floods and spans are bounded, pushes are taken only
 * when they continue the feed, failed ingests are fetched again, and the
 * timers, pings and pause. The seeded multi-node simulation is in
 * test_proto_repl.c.
 */
#include "ct_test.h"
#include "caltrace/proto/repl.h"

#define MAX_ACTS 256

struct rec {
	int n;
	ct_act_kind kind[MAX_ACTS];
	unsigned type[MAX_ACTS]; /* SEND: message type */
	uint64_t from[MAX_ACTS], to[MAX_ACTS];
	uint32_t count[MAX_ACTS];
	char text[MAX_ACTS][128];
};

static void record(void *ctx, const ct_action *a)
{
	struct rec *r = ctx;
	ct_msg m;

	assert_true(r->n < MAX_ACTS);
	r->kind[r->n] = a->kind;
	r->type[r->n] = a->kind == CT_ACT_SEND && ct_msg_decode(&m, a->data, a->len) == 0 ? m.type : 0;
	r->from[r->n] = a->from;
	r->to[r->n] = a->kind == CT_ACT_SEND && r->type[r->n] == CT_MSG_WANT ? m.to : a->to;
	if (a->kind == CT_ACT_SEND && r->type[r->n] == CT_MSG_WANT)
		r->from[r->n] = m.from;
	r->count[r->n] = a->count;
	snprintf(r->text[r->n], sizeof(r->text[0]), "%s", a->text ? a->text : "");
	r->n++;
}

static int count_kind(const struct rec *r, ct_act_kind kind, unsigned type)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		if (r->kind[i] == kind && (!type || r->type[i] == type))
			n++;
	return n;
}

struct solo {
	ct_repl *r;
	ct_rpeer *p;
	struct rec rec;
	uint8_t self[32], peer[32], feed[32];
	ct_buf m;
};

static void solo_init(struct solo *s, bool hello)
{
	ct_repl_opts o = {0};

	memset(s, 0, sizeof(*s));
	memset(s->self, 1, 32);
	memset(s->peer, 2, 32);
	memset(s->feed, 3, 32);
	o.self = s->self;
	o.window = 10;
	o.max_serves = 4;
	o.emit = record;
	o.ctx = &s->rec;
	CT_OK_OR_FAIL(ct_repl_new(&s->r, &o));
	CT_OK_OR_FAIL(ct_repl_peer_add(&s->p, s->r, s->peer, NULL, 0));
	assert_int_equal(count_kind(&s->rec, CT_ACT_SEND, CT_MSG_HELLO), 1);
	if (hello) {
		ct_wire_head h;
		memset(&h, 0, sizeof(h));
		memcpy(h.author, s->feed, 32);
		h.size = 25;
		h.has_head = true;
		CT_OK_OR_FAIL(ct_msg_hello(&s->m, &h, 1));
		CT_OK_OR_FAIL(ct_repl_receive(s->r, s->p, s->m.ptr, s->m.len, 1));
	}
}

static void solo_free(struct solo *s)
{
	ct_repl_peer_remove(s->r, s->p);
	ct_repl_free(s->r);
	ct_buf_free(&s->m);
}

static int solo_entries(struct solo *s, uint64_t from, uint32_t count, unsigned flags)
{
	s->m.len = 0;
	CT_OK_OR_FAIL(ct_msg_entries_begin(&s->m, s->feed, from, flags, count));
	for (uint32_t k = 0; k < count; k++)
		CT_OK_OR_FAIL(ct_mp_put_bin(&s->m, (const uint8_t *)"e", 1));
	return ct_repl_receive(s->r, s->p, s->m.ptr, s->m.len, 2);
}

static void expect_refused(int rc, const char *needle)
{
	if (rc >= 0)
		fail_msg("accepted, expected a refusal naming '%s'", needle);
	if (!strstr(ct_error_last(), needle))
		fail_msg("refusal '%s' lacks '%s'", ct_error_last(), needle);
}

/* The hello starts a want of one window; answers must follow it exactly. */
static void test_answers_follow_wants(void **state)
{
	struct solo s;

	(void)state;
	solo_init(&s, true);
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), 1);
	assert_int_equal(s.rec.from[s.rec.n - 1], 1);
	assert_int_equal(s.rec.to[s.rec.n - 1], 10);
	CT_OK_OR_FAIL(solo_entries(&s, 1, 4, 0));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 1);
	CT_OK_OR_FAIL(solo_entries(&s, 5, 6, CT_ENTRIES_LAST));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 2);
	/* the next window went out at once */
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), 2);
	assert_int_equal(s.rec.from[s.rec.n - 1], 11);
	assert_int_equal(s.rec.to[s.rec.n - 1], 20);
	expect_refused(solo_entries(&s, 12, 1, 0), "from #12, #11 was expected");
	solo_free(&s);

	solo_init(&s, true);
	expect_refused(solo_entries(&s, 1, 11, 0), "only up to #10 were asked for");
	solo_free(&s);

	/* a short last answer: the peer holds less than it said; no want for the rest from it */
	solo_init(&s, true);
	CT_OK_OR_FAIL(solo_entries(&s, 1, 3, CT_ENTRIES_LAST));
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), 1);
	solo_free(&s);
}

static void test_protocol_violations(void **state)
{
	struct solo s;

	(void)state;
	solo_init(&s, false);
	expect_refused(solo_entries(&s, 1, 1, 0), "entries before hello");
	solo_free(&s);

	solo_init(&s, true);
	expect_refused(ct_repl_receive(s.r, s.p, s.m.ptr, 0, 2), "malformed message");
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_hello(&s.m, NULL, 0));
	expect_refused(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2), "second hello");
	solo_free(&s);

	/* entries of a feed nobody asked for (not a push) */
	solo_init(&s, true);
	memset(s.feed, 4, 32);
	expect_refused(solo_entries(&s, 1, 1, 0), "not asked for");
	solo_free(&s);

	solo_init(&s, true);
	expect_refused(solo_entries(&s, 1, 1, CT_ENTRIES_PUSH | CT_ENTRIES_LAST), "push flagged");
	solo_free(&s);

	/* a peer's error message ends the session, naming it */
	solo_init(&s, true);
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_error(&s.m, 7, "unknown key"));
	expect_refused(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2), "error 7: unknown key");
	solo_free(&s);

	/* a bad fork proof */
	solo_init(&s, true);
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_fork(&s.m, (const uint8_t *)"\x90", 1, (const uint8_t *)"\x90", 1));
	expect_refused(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2), "bad fork proof");
	solo_free(&s);

	/* another protocol version */
	{
		ct_repl_opts o = {0};
		ct_rpeer *p;
		struct rec rec = {0};
		uint8_t self[32] = {1}, peer[32] = {2};
		ct_buf m = CT_BUF_INIT;
		o.self = self;
		o.emit = record;
		o.ctx = &rec;
		ct_repl *r;
		CT_OK_OR_FAIL(ct_repl_new(&r, &o));
		CT_OK_OR_FAIL(ct_repl_peer_add(&p, r, peer, NULL, 0));
		ct_mp_put_array(&m, 3);
		ct_mp_put_uint(&m, CT_MSG_HELLO);
		ct_mp_put_uint(&m, 2);
		ct_mp_put_array(&m, 0);
		expect_refused(ct_repl_receive(r, p, m.ptr, m.len, 1), "protocol version 2");
		ct_repl_peer_remove(r, p);
		ct_repl_free(r);
		ct_buf_free(&m);
	}
}

/* Wants: served while fewer than max_serves are outstanding, bounded in span. */
static void test_want_flood(void **state)
{
	struct solo s;
	int k;

	(void)state;
	solo_init(&s, true);
	for (k = 0; k < 4; k++) {
		s.m.len = 0;
		CT_OK_OR_FAIL(ct_msg_want(&s.m, s.feed, 1, 5));
		CT_OK_OR_FAIL(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2));
	}
	assert_int_equal(count_kind(&s.rec, CT_ACT_SERVE, 0), 4);
	expect_refused(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2), "flood");
	ct_repl_served(s.r, s.p, s.feed);
	CT_OK_OR_FAIL(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2));
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_want(&s.m, s.feed, 1, CT_WANT_SPAN_MAX + 1));
	ct_repl_served(s.r, s.p, s.feed);
	expect_refused(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2), "over the limit");
	solo_free(&s);
}

/* Pushes are taken only when they continue the feed and nobody is asked for it. */
static void test_push_rules(void **state)
{
	struct solo s;
	ct_feed_head h;

	(void)state;
	solo_init(&s, true); /* a want 1..10 is outstanding */
	CT_OK_OR_FAIL(solo_entries(&s, 1, 2, CT_ENTRIES_PUSH));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 0);
	CT_OK_OR_FAIL(solo_entries(&s, 1, 10, CT_ENTRIES_LAST));
	CT_OK_OR_FAIL(solo_entries(&s, 11, 10, CT_ENTRIES_LAST));
	CT_OK_OR_FAIL(solo_entries(&s, 21, 5, CT_ENTRIES_LAST));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 3);
	/* all 25 handed to ingest: a push of 26 and 27 continues the feed */
	CT_OK_OR_FAIL(solo_entries(&s, 26, 2, CT_ENTRIES_PUSH));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 4);
	/* one of 30 does not: dropped, but the peer holds 30 now, so 28..30 are wanted */
	CT_OK_OR_FAIL(solo_entries(&s, 30, 1, CT_ENTRIES_PUSH));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 4);
	assert_int_equal(s.rec.kind[s.rec.n - 1], CT_ACT_SEND);
	assert_int_equal(s.rec.type[s.rec.n - 1], CT_MSG_WANT);
	assert_int_equal(s.rec.from[s.rec.n - 1], 28);
	assert_int_equal(s.rec.to[s.rec.n - 1], 30);
	/* while that want is out, even a continuing push is not taken */
	CT_OK_OR_FAIL(solo_entries(&s, 28, 1, CT_ENTRIES_PUSH));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 4);
	/* the heads catch up: nothing more to ask */
	memset(&h, 0, sizeof(h));
	memcpy(h.author, s.feed, 32);
	h.size = 27;
	h.admitted = true;
	CT_OK_OR_FAIL(ct_repl_set_heads(s.r, &h, 1));
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), 4);
	solo_free(&s);
}

/* A failed ingest: blamed or not, the feed is fetched again from the stored head; stale failures are ignored.
 */
static void test_ingest_failures(void **state)
{
	struct solo s;
	uint64_t gen = 0;
	int wants;

	(void)state;
	assert_true(ct_repl_blames(CT_EBADSIG));
	assert_true(ct_repl_blames(CT_ENONCANON));
	assert_false(ct_repl_blames(CT_ESEQ));
	assert_false(ct_repl_blames(CT_EFULL));
	assert_false(ct_repl_blames(CT_EIO));

	solo_init(&s, true);
	CT_OK_OR_FAIL(solo_entries(&s, 1, 5, 0));
	wants = count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT);
	/* entry 3 had a bad signature: p is to blame */
	assert_int_equal(ct_repl_ingested(s.r, s.p, s.feed, gen, CT_EBADSIG, 2), CT_EBADSIG);
	/* a later job of the same generation fails on the gap: not blamed, nothing new */
	assert_int_equal(ct_repl_ingested(s.r, s.p, s.feed, gen, CT_ESEQ, 2), 0);
	/* the rest of the cancelled want is dropped without a word */
	CT_OK_OR_FAIL(solo_entries(&s, 6, 5, CT_ENTRIES_LAST));
	assert_int_equal(count_kind(&s.rec, CT_ACT_INGEST, 0), 1);
	/* then the feed is asked for again from entry 3 */
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), wants + 1);
	assert_int_equal(s.rec.from[s.rec.n - 1], 3);
	solo_free(&s);
}

static void test_timers(void **state)
{
	struct solo s;

	(void)state;
	solo_init(&s, true);
	ct_repl_tick(s.r, 5000);
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_PING), 0);
	ct_repl_tick(s.r, 11000);
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_PING), 1);
	ct_repl_tick(s.r, 12000); /* one ping at a time */
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_PING), 1);
	/* held: not timed out however long */
	ct_repl_hold(s.r, s.p, true, 12000);
	ct_repl_tick(s.r, 100000);
	assert_int_equal(count_kind(&s.rec, CT_ACT_DISCONNECT, 0), 0);
	ct_repl_hold(s.r, s.p, false, 100000);
	ct_repl_tick(s.r, 100000 + 46000);
	assert_int_equal(count_kind(&s.rec, CT_ACT_DISCONNECT, 0), 1);
	assert_non_null(strstr(s.rec.text[s.rec.n - 1], "silent for 46 s"));
	solo_free(&s);

	/* a want left unanswered, while pongs keep coming */
	solo_init(&s, true);
	for (uint64_t t = 10000; t <= 70000; t += 10000) {
		s.m.len = 0;
		CT_OK_OR_FAIL(ct_msg_pong(&s.m, 0));
		CT_OK_OR_FAIL(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, t));
		ct_repl_tick(s.r, t);
	}
	assert_int_equal(count_kind(&s.rec, CT_ACT_DISCONNECT, 0), 1);
	assert_non_null(strstr(s.rec.text[s.rec.n - 1], "unanswered"));
	solo_free(&s);

	/* a ping is answered */
	solo_init(&s, true);
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_ping(&s.m, 99));
	CT_OK_OR_FAIL(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 3));
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_PONG), 1);
	solo_free(&s);
}

static void test_pause(void **state)
{
	struct solo s;
	ct_wire_head h;

	(void)state;
	solo_init(&s, false);
	ct_repl_pause(s.r, true, 1);
	memset(&h, 0, sizeof(h));
	memcpy(h.author, s.feed, 32);
	h.size = 25;
	h.has_head = true;
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_hello(&s.m, &h, 1));
	CT_OK_OR_FAIL(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 1));
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), 0);
	ct_repl_pause(s.r, false, 2);
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_WANT), 1);
	solo_free(&s);
}

/* Checkpoint notes: handed to the node, and passed on to every peer but the one that sent them. */
static void test_checkpoint_relay(void **state)
{
	struct solo s;
	ct_rpeer *other;
	uint8_t other_key[32];
	int sends;

	(void)state;
	solo_init(&s, true);
	memset(other_key, 9, sizeof(other_key));
	CT_OK_OR_FAIL(ct_repl_peer_add(&other, s.r, other_key, NULL, 1));
	s.m.len = 0;
	CT_OK_OR_FAIL(ct_msg_checkpoint(&s.m, s.feed, (const uint8_t *)"note\n", 5));
	CT_OK_OR_FAIL(ct_repl_receive(s.r, s.p, s.m.ptr, s.m.len, 2));
	assert_int_equal(count_kind(&s.rec, CT_ACT_CHECKPOINT, 0), 1);
	sends = count_kind(&s.rec, CT_ACT_SEND, CT_MSG_CHECKPOINT);
	ct_repl_note_stored(s.r, s.feed, (const uint8_t *)"note\n", 5, s.p);
	assert_int_equal(count_kind(&s.rec, CT_ACT_SEND, CT_MSG_CHECKPOINT), sends + 1);
	ct_repl_peer_remove(s.r, other);
	solo_free(&s);
}

/* More feeds than a hello holds: the rest follow as haves. */
static void test_hello_of_many_feeds(void **state)
{
	size_t n = CT_HELLO_HEADS_MAX + 5, k;
	ct_feed_head *heads = calloc(n, sizeof(*heads));
	struct rec *rec = calloc(1, sizeof(*rec));
	ct_repl_opts o = {0};
	uint8_t self[32] = {1}, peer[32] = {2};
	ct_repl *r;
	ct_rpeer *p;

	(void)state;
	for (k = 0; k < n; k++) {
		heads[k].author[0] = (uint8_t)(k >> 8);
		heads[k].author[1] = (uint8_t)k;
		heads[k].author[2] = 0x55;
		heads[k].size = k < 3 ? 0 : 1; /* empty feeds need no have */
		heads[k].head[0] = 1;
	}
	o.self = self;
	o.emit = record;
	o.ctx = rec;
	CT_OK_OR_FAIL(ct_repl_new(&r, &o));
	CT_OK_OR_FAIL(ct_repl_set_heads(r, heads, n));
	CT_OK_OR_FAIL(ct_repl_peer_add(&p, r, peer, NULL, 0));
	assert_int_equal(count_kind(rec, CT_ACT_SEND, CT_MSG_HELLO), 1);
	assert_int_equal(count_kind(rec, CT_ACT_SEND, CT_MSG_HAVE), 5);
	ct_repl_peer_remove(r, p);
	ct_repl_free(r);
	free(heads);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answers_follow_wants),
	    cmocka_unit_test(test_protocol_violations),
	    cmocka_unit_test(test_want_flood),
	    cmocka_unit_test(test_push_rules),
	    cmocka_unit_test(test_ingest_failures),
	    cmocka_unit_test(test_timers),
	    cmocka_unit_test(test_pause),
	    cmocka_unit_test(test_checkpoint_relay),
	    cmocka_unit_test(test_hello_of_many_feeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
