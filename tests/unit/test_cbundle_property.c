/*
 * The property complete bundles exist for: for random small networks
 * (seeded, printed), for every instrument and standard and several dates,
 * the verdict a complete bundle gives offline (parsed, verified, loaded into
 * a scratch store, evaluated) equals the verdict of `caltrace chain` (ct_trace)
 * on every node holding the network, reasons included. Some networks hold a
 * fork.
 */
#include "store_network.h"

#include <sodium.h>

#include "caltrace/eval/trace.h"
#include "caltrace/proof/cbundle.h"
#include "caltrace/proof/netcheckpoint.h"
#include "caltrace/proof/witness.h"

#define T0 1767600000u

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

static void tree_mask(const ct_trace_node *n, uint64_t *mask)
{
	size_t i;

	for (i = 0; i < n->nreasons; i++)
		*mask |= 1ULL << n->reasons[i].code;
	for (i = 0; i < n->nchildren; i++)
		tree_mask(n->children[i], mask);
}

/* ct_trace on a store: verdict and every reason in the tree. */
static void chain_of(ct_ledger *l, char ns, const char *id, uint64_t at, ct_verdict *v, uint64_t *mask)
{
	ct_trace_node *tree = NULL;
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_trace(&tree, tr, ns, id, strlen(id), at));
	*v = tree->verdict;
	*mask = 0;
	tree_mask(tree, mask);
	ct_trace_free(tree);
	ct_tracer_free(tr);
	ct_reader_end(r);
}

/* The bundle of (ns, id, at) from l, checked offline as `caltrace verify` does: its verdict and reasons. */
static void bundle_of(ct_ledger *l, const uint8_t bureau[32], const uint8_t network[32], char ns, const char *id,
		      uint64_t at, ct_verdict *v, uint64_t *mask, size_t *bytes)
{
	ct_buf text = CT_BUF_INIT;
	ct_trace_node *tree = NULL, *t2 = NULL;
	ct_cbundle_info info;
	ct_cbundle *b = NULL;
	ct_reader *r = NULL;
	ct_batch *batch = NULL;
	ts_store scratch;
	ct_vkey key;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_cbundle_write(&text, r, ns, id, at, 1, &tree));
	ct_reader_end(r);
	*bytes = text.len;
	CT_OK_OR_FAIL(ct_cbundle_parse(&b, text.ptr, text.len));
	ct_witness_key(&key, network, bureau);
	CT_OK_OR_FAIL(ct_cbundle_verify(b, &key, &info));
	assert_true(info.witnesses >= 1);
	ct_netcp_clear(&info.cp);
	ts_open(&scratch, NULL);
	CT_OK_OR_FAIL(ct_batch_begin(&batch, scratch.l));
	CT_OK_OR_FAIL(ct_cbundle_load(b, batch));
	CT_OK_OR_FAIL(ct_batch_commit(batch));
	CT_OK_OR_FAIL(ct_reader_begin(&r, scratch.l));
	CT_OK_OR_FAIL(ct_cbundle_evaluate(b, r, &t2));
	*v = t2->verdict;
	*mask = 0;
	tree_mask(t2, mask);
	/* the writer's own tree is the store's */
	assert_int_equal(tree->verdict, t2->verdict);
	ct_trace_free(tree);
	ct_trace_free(t2);
	ct_reader_end(r);
	ts_close(&scratch);
	ct_cbundle_free(b);
	ct_buf_free(&text);
}

/* A network checkpoint of the state a and b hold: the bureau (a) signs, b and c cosign, all merge. */
static void netcheckpoint(ct_ledger *a, ct_ledger *b, ct_ledger *c, const net *n)
{
	ct_buf note = CT_BUF_INIT, w1 = CT_BUF_INIT, w2 = CT_BUF_INIT;
	ct_netcp_result res;
	ct_batch *bt = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&bt, a));
	CT_OK_OR_FAIL(ct_netcp_sign(bt, n->bureau, T0, &note));
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	CT_OK_OR_FAIL(ct_batch_begin(&bt, b));
	CT_OK_OR_FAIL(ct_netcp_witness(bt, n->labs[0], T0 + 1, note.ptr, note.len, &w1, NULL, NULL, &res));
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	assert_int_equal(res, CT_NETCP_COSIGNED);
	CT_OK_OR_FAIL(ct_batch_begin(&bt, c));
	CT_OK_OR_FAIL(ct_netcp_witness(bt, n->labs[1], T0 + 2, w1.ptr, w1.len, &w2, NULL, NULL, &res));
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	assert_int_equal(res, CT_NETCP_COSIGNED);
	CT_OK_OR_FAIL(ct_batch_begin(&bt, a));
	CT_OK_OR_FAIL(ct_netcp_witness(bt, n->bureau, T0 + 3, w2.ptr, w2.len, NULL, NULL, NULL, &res));
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	CT_OK_OR_FAIL(ct_batch_begin(&bt, b));
	CT_OK_OR_FAIL(ct_netcp_witness(bt, n->labs[0], T0 + 3, w2.ptr, w2.len, NULL, NULL, NULL, &res));
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	ct_buf_free(&note);
	ct_buf_free(&w1);
	ct_buf_free(&w2);
}

/* One random network: every instrument and standard at several dates, on every node. */
static void one_network(uint64_t seed)
{
	uint64_t rng = seed, at, times[6];
	uint8_t network[32];
	ts_store s[3];
	ct_reader *r = NULL;
	size_t bytes, max_bytes = 0, checked = 0;
	char ids[NET_MAX_INSTRUMENTS + NET_LABS][16], ns[NET_MAX_INSTRUMENTS + NET_LABS];
	int nids = 0, i, k, w;
	net n;

	net_keys(&n);
	for (w = 0; w < 3; w++)
		ts_open(&s[w], NULL);
	net_build(&n, s[0].l, &rng, 30 + (int)(ct_test_rand(&rng) % 60));
	/* now and then an equivocating lab, its proof on every node */
	if (ct_test_rand(&rng) % 3 == 0) {
		ts_feeds feeds;
		ct_buf x = CT_BUF_INIT;
		ct_ingest_result res;
		uint8_t prev[32];
		ts_feeds_read(s[0].l, &feeds);
		for (size_t f = 0; f < feeds.count; f++)
			if (!memcmp(feeds.feeds[f].author, ct_keypair_public(n.labs[0]), 32)) {
				size_t at_seq = 1 + (size_t)(ct_test_rand(&rng) % (feeds.feeds[f].count - 1));
				ct_entry_hash(prev, feeds.feeds[f].entries[at_seq - 1].ptr, feeds.feeds[f].entries[at_seq - 1].len);
				ts_sign(&x, n.labs[0], at_seq + 1, prev, ts_day(990), "instrument.retire",
					"{'id':'X-9','effective':'2026-05-01'}");
			}
		ts_feeds_free(&feeds);
		assert_int_equal(ts_ingest(s[0].l, x.ptr, x.len, &res), 0);
		assert_int_equal(res, CT_INGEST_FORK);
		ct_buf_free(&x);
	}
	/* every node holds the same: the feeds, and the fork proof (a node's own export does not carry it) */
	copy_feeds(s[0].l, s[1].l);
	copy_feeds(s[0].l, s[2].l);
	{
		const uint8_t *a, *b;
		size_t alen, blen;
		ct_batch *bt = NULL;
		CT_OK_OR_FAIL(ct_reader_begin(&r, s[0].l));
		if (ct_read_fork(&a, &alen, &b, &blen, r, ct_keypair_public(n.labs[0])) == 0)
			for (w = 1; w < 3; w++) {
				CT_OK_OR_FAIL(ct_batch_begin(&bt, s[w].l));
				CT_OK_OR_FAIL(ct_batch_record_fork(bt, a, alen, b, blen));
				CT_OK_OR_FAIL(ct_batch_commit(bt));
			}
		CT_OK_OR_FAIL(ct_read_network(network, NULL, r));
		ct_reader_end(r);
	}
	netcheckpoint(s[0].l, s[1].l, s[2].l, &n);
	for (i = 0; i < n.ninstruments; i++) {
		snprintf(ids[nids], sizeof(ids[nids]), "%s", n.instruments[i]);
		ns[nids++] = CT_NS_INSTRUMENT;
	}
	snprintf(ids[nids], sizeof(ids[nids]), "I-none"); /* never registered */
	ns[nids++] = CT_NS_INSTRUMENT;
	for (i = 0; i < NET_LABS; i++) {
		snprintf(ids[nids], sizeof(ids[nids]), "S-%d", i);
		ns[nids++] = CT_NS_STANDARD;
	}
	times[0] = ts_day(0);
	times[1] = ts_day(n.day / 2);
	times[2] = ts_day(n.day);
	times[3] = ts_day((int)(ct_test_rand(&rng) % (uint64_t)(n.day + 400)));
	times[4] = ts_day(600);
	times[5] = ts_day(3);
	for (i = 0; i < nids; i++) {
		for (k = 0; k < 6; k++) {
			ct_verdict vb, vc;
			uint64_t mb, mc;
			at = times[k];
			/* the prover is a lab's node; the verdict is every node's */
			bundle_of(s[1 + (i + k) % 2].l, ct_keypair_public(n.bureau), network, ns[i], ids[i], at, &vb, &mb,
				  &bytes);
			if (bytes > max_bytes)
				max_bytes = bytes;
			for (w = 0; w < 3; w++) {
				chain_of(s[w].l, ns[i], ids[i], at, &vc, &mc);
				if (vb != vc || mb != mc)
					fail_msg("seed %llu: %s %s at %llu: the bundle says %s (reasons %llx), node %d %s "
						 "(reasons %llx)",
						 (unsigned long long)seed, ns[i] == CT_NS_STANDARD ? "standard" : "instrument",
						 ids[i], (unsigned long long)at, ct_verdict_name(vb), (unsigned long long)mb, w,
						 ct_verdict_name(vc), (unsigned long long)mc);
			}
			checked++;
		}
	}
	assert_true(checked > 0);
	(void)max_bytes;
	for (w = 0; w < 3; w++)
		ts_close(&s[w]);
	net_free(&n);
}

static void test_bundle_verdict_is_every_nodes(void **state)
{
	uint64_t seed = ct_test_seed("test_bundle_verdict_is_every_nodes");
	int round;

	for (round = 0; round < 3; round++)
		one_network(seed + (uint64_t)round);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bundle_verdict_is_every_nodes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
