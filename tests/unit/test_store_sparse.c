/*
 * Sparse ingest (CT_INGEST_SPARSE): the entries of a proof bundle, stored
 * alone and out of feed order, indexed for the evaluator, with every check
 * an entry can pass alone.
 */
#include "store_network.h"

static int sparse(ct_ledger *l, const ct_buf *raw, ct_ingest_result *res)
{
	ct_batch *b = NULL;
	int err;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	err = ct_batch_ingest(b, raw->ptr, raw->len, CT_INGEST_SPARSE, res);
	CT_OK_OR_FAIL(ct_batch_commit(b));
	return err;
}

static bool has_hash(ct_ledger *l, const ct_buf *raw)
{
	uint8_t hash[32];
	ct_reader *r = NULL;
	ct_entry e;
	int err;

	ct_entry_hash(hash, raw->ptr, raw->len);
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	err = ct_read_entry_by_hash(&e, r, hash);
	ct_reader_end(r);
	return err == 0;
}

/* A subset of a real network, in shuffled order after the genesis, is stored and indexed. */
static void test_sparse_subset(void **state)
{
	uint64_t rng = ct_test_seed("test_sparse_subset");
	ts_store a, b;
	ts_feeds feeds;
	ct_ingest_result res;
	ct_feed_head *heads = NULL;
	size_t nheads = 99, f, i, picked = 0;
	ct_reader *r = NULL;
	net n;
	const ct_buf *order[512];

	net_keys(&n);
	ts_open(&a, NULL);
	ts_open(&b, NULL);
	net_build(&n, a.l, &rng, 40);
	ts_feeds_read(a.l, &feeds);
	assert_int_equal(sparse(b.l, &feeds.feeds[0].entries[0], &res), 0); /* the genesis */
	assert_int_equal(res, CT_INGEST_APPENDED);
	for (f = 0; f < feeds.count; f++)
		for (i = f == 0 ? 1 : 0; i < feeds.feeds[f].count; i++)
			if (ct_test_rand(&rng) % 3 == 0 && picked < 512)
				order[picked++] = &feeds.feeds[f].entries[i];
	for (i = picked; i > 1; i--) { /* Fisher-Yates */
		size_t j = (size_t)(ct_test_rand(&rng) % i);
		const ct_buf *t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < picked; i++) {
		assert_int_equal(sparse(b.l, order[i], &res), 0);
		assert_int_equal(res, CT_INGEST_APPENDED);
	}
	for (i = 0; i < picked; i++) {
		assert_int_equal(sparse(b.l, order[i], &res), 0);
		assert_int_equal(res, CT_INGEST_DUPLICATE);
		assert_true(has_hash(b.l, order[i]));
	}
	/* Entries not picked are absent; no feed head or tree exists. */
	for (f = 0; f < feeds.count; f++)
		for (i = 1; i < feeds.feeds[f].count; i++) {
			bool in = false;
			for (size_t k = 0; k < picked; k++)
				in |= order[k] == &feeds.feeds[f].entries[i];
			assert_int_equal(has_hash(b.l, &feeds.feeds[f].entries[i]), in);
		}
	CT_OK_OR_FAIL(ct_reader_begin(&r, b.l));
	CT_OK_OR_FAIL(ct_read_heads(&heads, &nheads, r));
	assert_int_equal(nheads, 0);
	CT_OK_OR_FAIL(ct_read_network(NULL, NULL, r));
	ct_reader_end(r);
	free(heads);
	ts_feeds_free(&feeds);
	ts_close(&a);
	ts_close(&b);
	net_free(&n);
}

/* The checks an entry can fail alone still apply. */
static void test_sparse_refusals(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1), *lab = ct_test_keypair(2);
	ct_buf genesis = CT_BUF_INIT, admit = CT_BUF_INIT, other = CT_BUF_INIT;
	uint8_t gh[32];
	ct_ingest_result res;
	ts_store s;

	ts_open(&s, NULL);
	ts_sign(&genesis, bureau, 1, NULL, ts_day(0), "network.genesis",
		"{'name':'N','districts':['A'],'policy':{'min_ratio':3,'grace_days':0}}");
	ct_entry_hash(gh, genesis.ptr, genesis.len);
	ts_sign(&admit, bureau, 2, gh, ts_day(1), "org.admit",
		"{'key':'%s','name':'L','tier':'city','scope':['mass'],'valid_from':0,'valid_until':99999999999}",
		ts_key(lab));
	/* Before the genesis: refused, nothing stored. */
	assert_int_equal(sparse(s.l, &admit, &res), CT_ESTATE);
	assert_false(has_hash(s.l, &admit));
	assert_int_equal(sparse(s.l, &genesis, &res), 0);
	/* A bureau-only type signed by a lab. */
	ts_sign(&other, lab, 5, gh, ts_day(2), "catalogue.set",
		"{'item':'x','name':'x','mode':'V','interval_days':1,'domains':['trade'],'effective':0}");
	assert_int_equal(sparse(s.l, &other, &res), CT_EAUTH);
	/* A forged signature. */
	admit.ptr[admit.len - 1] ^= 1;
	assert_int_equal(sparse(s.l, &admit, &res), CT_EBADSIG);
	admit.ptr[admit.len - 1] ^= 1;
	assert_int_equal(sparse(s.l, &admit, &res), 0);
	/* Another entry at a stored (author, seq). */
	ts_sign(&other, bureau, 2, gh, ts_day(3), "org.revoke", "{'key':'%s','effective':0,'reason':'r'}",
		ts_key(lab));
	assert_int_equal(sparse(s.l, &other, &res), CT_EFORK);
	assert_false(has_hash(s.l, &other));
	ct_buf_free(&genesis);
	ct_buf_free(&admit);
	ct_buf_free(&other);
	ct_keypair_free(bureau);
	ct_keypair_free(lab);
	ts_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_subset),
		cmocka_unit_test(test_sparse_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
