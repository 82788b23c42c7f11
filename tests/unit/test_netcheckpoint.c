/*
 * Network checkpoints (caltrace/proof/netcheckpoint.h): the body's text
 * round trip and its strictness, the bureau signing its state, witnesses
 * cosigning only at exactly those feeds, every witness refusing a lying
 * bureau's root and keeping the evidence, and the notes merged.
 */
#include "store_network.h"

#include <sodium.h>

#include "caltrace/proof/netcheckpoint.h"
#include "caltrace/proof/witness.h"

#define T0 1767600000u /* cosignature times, seconds */

static void copy_feeds(ct_ledger *from, ct_ledger *to)
{
	ct_ingest_result res;
	ts_feeds feeds;
	size_t f, i;

	ts_feeds_read(from, &feeds);
	for (f = 0; f < feeds.count; f++)
		for (i = 0; i < feeds.feeds[f].count; i++)
			assert_int_equal(ts_ingest(to, feeds.feeds[f].entries[i].ptr, feeds.feeds[f].entries[i].len, &res), 0);
	ts_feeds_free(&feeds);
}

static int sign(ct_ledger *l, const ct_keypair *kp, uint64_t t, ct_buf *out)
{
	ct_batch *b = NULL;
	int err;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	if ((err = ct_netcp_sign(b, kp, t, out)) < 0) {
		ct_batch_abort(b);
		return err;
	}
	CT_OK_OR_FAIL(ct_batch_commit(b));
	return 0;
}

static ct_netcp_result witness(ct_ledger *l, const ct_keypair *kp, uint64_t t, const ct_buf *note, ct_buf *out)
{
	ct_netcp_result res = CT_NETCP_OTHER;
	ct_buf detail = CT_BUF_INIT;
	ct_batch *b = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_netcp_witness(b, kp, t, note->ptr, note->len, out, NULL, &detail, &res));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	ct_buf_free(&detail);
	return res;
}

static size_t witnesses(const ct_buf *note, const uint8_t network[32], const uint8_t bureau[32])
{
	ct_netcp_witness_sig *w = NULL;
	ct_note *n = NULL;
	ct_netcp cp;
	uint64_t t;
	size_t nw = 0;

	CT_OK_OR_FAIL(ct_note_parse(&n, note->ptr, note->len));
	CT_OK_OR_FAIL(ct_netcp_verify(n, network, bureau, &cp, &t, &w, &nw));
	ct_netcp_clear(&cp);
	ct_note_free(n);
	free(w);
	return nw;
}

struct three {
	net n;
	ts_store s[3]; /* the bureau's, lab 0's, lab 1's */
	uint8_t network[32];
};

static void three_open(struct three *t, uint64_t *rng)
{
	ct_reader *r = NULL;

	net_keys(&t->n);
	for (int i = 0; i < 3; i++)
		ts_open(&t->s[i], NULL);
	net_build(&t->n, t->s[0].l, rng, 60);
	copy_feeds(t->s[0].l, t->s[1].l);
	copy_feeds(t->s[0].l, t->s[2].l);
	CT_OK_OR_FAIL(ct_reader_begin(&r, t->s[0].l));
	CT_OK_OR_FAIL(ct_read_network(t->network, NULL, r));
	ct_reader_end(r);
}

static void three_close(struct three *t)
{
	for (int i = 0; i < 3; i++)
		ts_close(&t->s[i]);
	net_free(&t->n);
}

/* The body writes and parses back byte for byte; malformed bodies are refused. */
static void test_text(void **state)
{
	uint64_t rng = ct_test_seed("test_text");
	static const char *bad[] = {
	    "caltrace/%s/index\n007\n%s\nforks 0 %s\n",				/* leading zero */
	    "caltrace/%s/index\n7\n%s\nforks 0 %s\nfeed 00 1 %s\n",		/* short author */
	    "caltrace/%s/index\n7\n%s\nforks 0 %s",				/* no final newline */
	    "caltrace/%s/index\n7\n%s\nforks  0 %s\n",			/* two spaces */
	    "caltrace/%s/Index\n7\n%s\nforks 0 %s\n",				/* suffix */
	};
	struct three t;
	ct_netcp cp, back;
	ct_buf text = CT_BUF_INIT, text2 = CT_BUF_INIT;
	ct_reader *r = NULL;
	ct_batch *b = NULL;
	char hex[65], buf[1024];
	const char *root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

	three_open(&t, &rng);
	CT_OK_OR_FAIL(ct_batch_begin(&b, t.s[0].l));
	CT_OK_OR_FAIL(ct_netindex_update(b));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	CT_OK_OR_FAIL(ct_reader_begin(&r, t.s[0].l));
	CT_OK_OR_FAIL(ct_netcp_of_store(r, &cp));
	ct_reader_end(r);
	assert_true(cp.nfeeds == 1 + NET_LABS);
	CT_OK_OR_FAIL(ct_netcp_format(&text, &cp));
	CT_OK_OR_FAIL(ct_netcp_parse(&back, (const char *)text.ptr, text.len));
	CT_OK_OR_FAIL(ct_netcp_format(&text2, &back));
	assert_int_equal(text.len, text2.len);
	assert_memory_equal(text.ptr, text2.ptr, text.len);
	assert_int_equal(back.entries, cp.entries);
	assert_int_equal(back.entries, t.n.entries);
	/* feeds out of order, an uppercase hex digit */
	if (back.nfeeds >= 2) {
		ct_netcp swapped = back;
		ct_netcp_feed f0 = back.feeds[0];
		back.feeds[0] = back.feeds[1];
		back.feeds[1] = f0;
		text2.len = 0;
		CT_OK_OR_FAIL(ct_netcp_format(&text2, &swapped));
		{
			ct_netcp refused;
			assert_int_equal(ct_netcp_parse(&refused, (const char *)text2.ptr, text2.len), CT_EINVAL);
		}
		back.feeds[1] = back.feeds[0];
		back.feeds[0] = f0;
	}
	ct_hex(hex, t.network, 32);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ct_netcp tmp;
		snprintf(buf, sizeof(buf), bad[i], hex, root, root, root);
		assert_int_equal(ct_netcp_parse(&tmp, buf, strlen(buf)), CT_EINVAL);
	}
	{
		ct_netcp tmp;
		char up[65];
		snprintf(buf, sizeof(buf), "caltrace/%s/index\n0\n%s\nforks 0 %s\n", hex, root, root);
		CT_OK_OR_FAIL(ct_netcp_parse(&tmp, buf, strlen(buf)));
		ct_netcp_clear(&tmp);
		memcpy(up, hex, 65);
		for (int i = 0; i < 64; i++)
			if (up[i] >= 'a' && up[i] <= 'f') {
				up[i] = (char)(up[i] - 32);
				break;
			}
		snprintf(buf, sizeof(buf), "caltrace/%s/index\n0\n%s\nforks 0 %s\n", up, root, root);
		assert_int_equal(ct_netcp_parse(&tmp, buf, strlen(buf)), CT_EINVAL);
	}
	ct_netcp_clear(&cp);
	ct_netcp_clear(&back);
	ct_buf_free(&text);
	ct_buf_free(&text2);
	three_close(&t);
}

/* The bureau signs; both witnesses at the same feeds cosign; merged, the note carries both. */
static void test_sign_and_witness(void **state)
{
	uint64_t rng = ct_test_seed("test_sign_and_witness");
	ct_buf note = CT_BUF_INIT, w1 = CT_BUF_INIT, w2 = CT_BUF_INIT, back = CT_BUF_INIT, cur = CT_BUF_INIT;
	const uint8_t *bureau;
	ct_reader *r = NULL;
	struct three t;
	ct_netcp cp;

	three_open(&t, &rng);
	bureau = ct_keypair_public(t.n.bureau);
	/* only the bureau signs */
	assert_int_equal(sign(t.s[1].l, t.n.labs[0], T0, &note), CT_EAUTH);
	CT_OK_OR_FAIL(sign(t.s[0].l, t.n.bureau, T0, &note));
	assert_int_equal(witnesses(&note, t.network, bureau), 0);
	assert_int_equal(witness(t.s[1].l, t.n.labs[0], T0 + 1, &note, &w1), CT_NETCP_COSIGNED);
	assert_int_equal(witnesses(&w1, t.network, bureau), 1);
	/* the second witness gets the first's copy: it adds its own */
	assert_int_equal(witness(t.s[2].l, t.n.labs[1], T0 + 2, &w1, &w2), CT_NETCP_COSIGNED);
	assert_int_equal(witnesses(&w2, t.network, bureau), 2);
	/* back at the bureau: merged, both kept; again: nothing changes */
	assert_int_equal(witness(t.s[0].l, t.n.bureau, T0 + 3, &w2, &back), CT_NETCP_COSIGNED);
	assert_int_equal(witnesses(&back, t.network, bureau), 2);
	assert_int_equal(back.len, w2.len);
	assert_memory_equal(back.ptr, w2.ptr, w2.len);
	/* the current state's note is that one */
	CT_OK_OR_FAIL(ct_reader_begin(&r, t.s[0].l));
	CT_OK_OR_FAIL(ct_netcp_current(r, &cur, &cp));
	ct_reader_end(r);
	assert_int_equal(cur.len, back.len);
	assert_memory_equal(cur.ptr, back.ptr, back.len);
	ct_netcp_clear(&cp);
	/* a witness that moved on keeps it without cosigning; one behind keeps it for later */
	ts_append_ok(t.s[1].l, t.n.labs[0], ts_day(900), NULL, "instrument.register",
		     "{'id':'NEW-1','category':'mass','district':'south','owner':'X','mpe':{'rel_ppm':1000}}");
	assert_int_equal(witness(t.s[1].l, t.n.labs[0], T0 + 4, &note, NULL), CT_NETCP_OTHER);
	{
		ct_buf again = CT_BUF_INIT, w3 = CT_BUF_INIT;
		CT_OK_OR_FAIL(ts_append(t.s[0].l, t.n.bureau, ts_day(901), NULL, "person.certify",
					"{'person':'P-9','name':'Wang','scope':['mass'],'valid_until':'2029-01-01'}"));
		CT_OK_OR_FAIL(sign(t.s[0].l, t.n.bureau, T0 + 5, &again));
		assert_int_equal(witness(t.s[2].l, t.n.labs[1], T0 + 6, &again, NULL), CT_NETCP_AHEAD);
		copy_feeds(t.s[0].l, t.s[2].l);
		assert_int_equal(witness(t.s[2].l, t.n.labs[1], T0 + 7, &again, &w3), CT_NETCP_COSIGNED);
		assert_int_equal(witnesses(&w3, t.network, bureau), 1);
		ct_buf_free(&again);
		ct_buf_free(&w3);
	}
	ct_buf_free(&note);
	ct_buf_free(&w1);
	ct_buf_free(&w2);
	ct_buf_free(&back);
	ct_buf_free(&cur);
	three_close(&t);
}

struct count {
	size_t n;
	char first[200];
};

static int count_evidence(void *ctx, uint64_t order, const uint8_t *rec, size_t len)
{
	struct count *c = ctx;

	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "%.*s", (int)(len < 199 ? len : 199), (const char *)rec);
	return 0;
}

/* A lying bureau: the same feeds with another index root. Every witness refuses it and keeps evidence. */
static void test_lying_bureau(void **state)
{
	uint64_t rng = ct_test_seed("test_lying_bureau");
	ct_buf note = CT_BUF_INIT, text = CT_BUF_INIT, lie = CT_BUF_INIT, got = CT_BUF_INIT;
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1];
	ct_note *n = NULL;
	ct_reader *r = NULL;
	struct three t;
	ct_netcp cp;
	int w;

	three_open(&t, &rng);
	CT_OK_OR_FAIL(sign(t.s[0].l, t.n.bureau, T0, &note));
	CT_OK_OR_FAIL(ct_note_parse(&n, note.ptr, note.len));
	CT_OK_OR_FAIL(ct_netcp_parse(&cp, n->text, n->text_len));
	ct_note_free(n);
	/* the bureau's node leaves out a key: one leaf fewer, another root (an omission it could hide) */
	cp.keys--;
	cp.root[5] ^= 0x40;
	CT_OK_OR_FAIL(ct_netcp_format(&text, &cp));
	ct_netcp_origin(origin, t.network);
	CT_OK_OR_FAIL(ct_note_new(&n, (const char *)text.ptr, text.len));
	CT_OK_OR_FAIL(ct_note_sign(n, t.n.bureau, origin));
	{
		ct_vkey bk;
		ct_witness_key(&bk, t.network, ct_keypair_public(t.n.bureau));
		CT_OK_OR_FAIL(ct_cosig_add(n, t.n.bureau, bk.name, T0));
	}
	CT_OK_OR_FAIL(ct_note_format(&lie, n));
	ct_note_free(n);
	for (w = 1; w <= 2; w++) {
		struct count c = {0, ""};
		assert_int_equal(witness(t.s[w].l, t.n.labs[w - 1], T0 + 1, &lie, &got), CT_NETCP_REFUSED);
		CT_OK_OR_FAIL(ct_reader_begin(&r, t.s[w].l));
		CT_OK_OR_FAIL(ct_read_evidence(r, count_evidence, &c));
		ct_reader_end(r);
		assert_int_equal(c.n, 1);
		assert_non_null(strstr(c.first, "this node computes"));
		/* the honest one is cosigned by the same witness */
		assert_int_equal(witness(t.s[w].l, t.n.labs[w - 1], T0 + 2, &note, NULL), CT_NETCP_COSIGNED);
	}
	/* a note not signed by the bureau is no network checkpoint of this network */
	{
		ct_batch *b = NULL;
		ct_netcp_result res;
		CT_OK_OR_FAIL(ct_note_new(&n, (const char *)text.ptr, text.len));
		CT_OK_OR_FAIL(ct_note_sign(n, t.n.labs[0], origin));
		lie.len = 0;
		CT_OK_OR_FAIL(ct_note_format(&lie, n));
		ct_note_free(n);
		CT_OK_OR_FAIL(ct_batch_begin(&b, t.s[2].l));
		assert_int_equal(ct_netcp_witness(b, t.n.labs[1], T0, lie.ptr, lie.len, NULL, NULL, NULL, &res), CT_ENOTFOUND);
		ct_batch_abort(b);
	}
	ct_netcp_clear(&cp);
	ct_buf_free(&note);
	ct_buf_free(&text);
	ct_buf_free(&lie);
	ct_buf_free(&got);
	three_close(&t);
}

/* A witness holding a fork record the bureau has not heard of: not cosigned, and no evidence. */
static void test_fork_records_differ(void **state)
{
	uint64_t rng = ct_test_seed("test_fork_records_differ");
	ct_buf note = CT_BUF_INIT, x = CT_BUF_INIT;
	ct_ingest_result res;
	ts_feeds feeds;
	struct three t;
	const ts_feed *lab = NULL;
	uint8_t prev[32];
	ct_reader *r = NULL;
	struct count c = {0, ""};

	three_open(&t, &rng);
	ts_feeds_read(t.s[0].l, &feeds);
	for (size_t f = 0; f < feeds.count; f++)
		if (!memcmp(feeds.feeds[f].author, ct_keypair_public(t.n.labs[0]), 32))
			lab = &feeds.feeds[f];
	assert_non_null(lab);
	ct_entry_hash(prev, lab->entries[0].ptr, lab->entries[0].len);
	ts_sign(&x, t.n.labs[0], 2, prev, ts_day(700), "instrument.retire", "{'id':'X-2','effective':'2026-05-01'}");
	assert_int_equal(ts_ingest(t.s[1].l, x.ptr, x.len, &res), 0);
	assert_int_equal(res, CT_INGEST_FORK);
	CT_OK_OR_FAIL(sign(t.s[0].l, t.n.bureau, T0, &note));
	assert_int_equal(witness(t.s[1].l, t.n.labs[0], T0 + 1, &note, NULL), CT_NETCP_FORKS);
	CT_OK_OR_FAIL(ct_reader_begin(&r, t.s[1].l));
	CT_OK_OR_FAIL(ct_read_evidence(r, count_evidence, &c));
	ct_reader_end(r);
	assert_int_equal(c.n, 0);
	ts_feeds_free(&feeds);
	ct_buf_free(&note);
	ct_buf_free(&x);
	three_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_sign_and_witness),
	    cmocka_unit_test(test_lying_bureau),
	    cmocka_unit_test(test_fork_records_differ),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
