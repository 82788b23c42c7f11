/*
 * The store's ingest path: replication into a second store, order
 * independence, the pending area, duplicates, forks, and every refusal
 * (bad signature, seq gap, authority, schema, non-canonical bytes), each
 * leaving the store exactly as it was.
 */
#include <lmdb.h>

#include "ct_store_test.h"
#include "store_network.h"

#include "caltrace/ledger/mp.h"

/* Ingests every entry of feeds in export order into l; each must be appended or parked. */
static void ingest_all(ct_ledger *l, const ts_feeds *f)
{
	ct_ingest_result res;
	size_t i, j;

	for (i = 0; i < f->count; i++)
		for (j = 0; j < f->feeds[i].count; j++) {
			CT_OK_OR_FAIL(
			    ts_ingest(l, f->feeds[i].entries[j].ptr, f->feeds[i].entries[j].len, &res));
			assert_true(res == CT_INGEST_APPENDED || res == CT_INGEST_PENDING);
		}
}

static void test_genesis_then_appends(void **state)
{
	ts_store s;
	net n;
	uint8_t id[32], bureau[32], h1[32], h2[32], head[32];
	ct_reader *r = NULL;
	ct_entry e;
	uint64_t size, checked;

	net_keys(&n);
	ts_open(&s, NULL);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	assert_int_equal(ct_read_network(id, bureau, r), CT_ENOTFOUND);
	ct_reader_end(r);
	ts_append_ok(s.l, n.bureau, ts_day(0), h1, "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{'min_ratio':3}}");
	ts_append_ok(s.l, n.bureau, ts_day(1), h2, "person.certify",
		     "{'person':'P-9','name':'Ma','scope':['mass'],'valid_until':'2030-01-01'}");
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_read_network(id, bureau, r));
	assert_memory_equal(id, h1, 32); /* the network id is the genesis entry's hash */
	assert_memory_equal(bureau, ct_keypair_public(n.bureau), 32);
	CT_OK_OR_FAIL(ct_read_entry(&e, r, bureau, 2));
	assert_int_equal(e.seq, 2);
	assert_true(e.has_prev);
	assert_memory_equal(e.prev, h1, 32);
	assert_int_equal(e.time, ts_day(1));
	assert_int_equal(e.type_len, strlen("person.certify"));
	assert_memory_equal(e.type, "person.certify", e.type_len);
	CT_OK_OR_FAIL(ct_entry_verify(&e));
	CT_OK_OR_FAIL(ct_read_entry_by_hash(&e, r, h1));
	assert_int_equal(e.seq, 1);
	assert_false(e.has_prev);
	assert_int_equal(ct_read_entry(&e, r, bureau, 3), CT_ENOTFOUND);
	ct_reader_end(r);
	ts_head(s.l, ct_keypair_public(n.bureau), &size, head);
	assert_int_equal(size, 2);
	assert_memory_equal(head, h2, 32);
	/* a second genesis, and anything but a genesis in an empty store, are refused */
	assert_int_equal(ts_append(s.l, n.bureau, ts_day(2), NULL, "network.genesis",
				   "{'name':'C2','districts':['n'],'policy':{}}"),
			 CT_EEXISTS);
	CT_OK_OR_FAIL(ts_check(s.l, &checked));
	assert_int_equal(checked, 2);
	ts_close(&s);

	ts_open(&s, NULL);
	assert_int_equal(
	    ts_append(s.l, n.bureau, ts_day(0), NULL, "person.certify",
		      "{'person':'P-9','name':'Ma','scope':['mass'],'valid_until':'2030-01-01'}"),
	    CT_ESTATE);
	TS_DETAIL_HAS("genesis");
	ts_close(&s);
	net_free(&n);
}

static void test_replicate_same_digest(void **state)
{
	uint64_t rng = 7, checked;
	ts_store a, b;
	ts_feeds f;
	ts_state sa, sb;
	net n;

	net_keys(&n);
	ts_open(&a, NULL);
	net_build(&n, a.l, &rng, 20);
	ts_feeds_read(a.l, &f);
	assert_int_equal(f.count, 1 + NET_LABS);
	assert_int_equal(ts_feeds_total(&f), (size_t)n.entries);
	ts_open(&b, NULL);
	ingest_all(b.l, &f);
	ts_state_read(a.l, &sa);
	ts_state_read(b.l, &sb);
	ts_state_equal(&sa, &sb);
	assert_int_equal(sb.pending, 0);
	CT_OK_OR_FAIL(ts_check(b.l, &checked));
	assert_int_equal(checked, (uint64_t)n.entries);
	ts_state_free(&sa);
	ts_state_free(&sb);
	ts_feeds_free(&f);
	ts_close(&a);
	ts_close(&b);
	net_free(&n);
}

/* A network of count entries built into a fresh store src: its feeds and its state. */
static void source_network(net *n, ts_store *src, ts_feeds *f, ts_state *want, uint64_t *rng, int count)
{
	net_keys(n);
	ts_open(src, NULL);
	net_build(n, src->l, rng, count);
	ts_feeds_read(src->l, f);
	ts_state_read(src->l, want);
}

/*
 * The order in which a trial delivers entries: feed indexes, one per entry.
 * Trial 0: every lab's feed before the bureau's (everything parks first);
 * trial 1: export order; later trials: a random interleaving of the feeds,
 * each feed kept in its own order.
 */
static void delivery_order(int *order, const ts_feeds *f, int trial, uint64_t *rng)
{
	size_t left[16], total = ts_feeds_total(f), k = 0, i, j;

	assert_true(f->count <= 16);
	if (trial <= 1) {
		for (i = 0; i < f->count; i++) {
			size_t feed = trial == 0 ? f->count - 1 - i : i;
			for (j = 0; j < f->feeds[feed].count; j++)
				order[k++] = (int)feed;
		}
		return;
	}
	for (i = 0; i < f->count; i++)
		left[i] = f->feeds[i].count;
	while (k < total) {
		size_t feed = (size_t)(ct_test_rand(rng) % f->count);
		if (left[feed] == 0)
			continue;
		left[feed]--;
		order[k++] = (int)feed;
	}
}

/* Delivers the entries in order, in batches of random sizes; returns the most ever pending. */
static uint64_t deliver(ct_ledger *l, const ts_feeds *f, const int *order, uint64_t *rng)
{
	size_t next[16] = {0}, total = ts_feeds_total(f), k = 0;
	uint64_t pending, most = 0;
	ct_ingest_result res;
	ct_batch *b = NULL;

	while (k < total) {
		size_t batch = 1 + (size_t)(ct_test_rand(rng) % 8);
		CT_OK_OR_FAIL(ct_batch_begin(&b, l));
		for (; batch > 0 && k < total; batch--, k++) {
			const ts_feed *feed = &f->feeds[order[k]];
			const ct_buf *e = &feed->entries[next[order[k]]++];
			CT_OK_OR_FAIL(ct_batch_ingest(b, e->ptr, e->len, 0, &res));
			assert_true(res == CT_INGEST_APPENDED || res == CT_INGEST_PENDING);
			CT_OK_OR_FAIL(ct_read_pending_count(&pending, ct_batch_reader(b)));
			if (pending > most)
				most = pending;
		}
		CT_OK_OR_FAIL(ct_batch_commit(b));
	}
	return most;
}

static void test_order_independence(void **state)
{
	uint64_t seed = ct_test_seed("store_order_independence"), rng = seed, checked, most;
	ts_store src, dst;
	ts_feeds f;
	ts_state want, got;
	int trial, *order;
	net n;

	source_network(&n, &src, &f, &want, &rng, 20 + (int)(ct_test_rand(&rng) % 20));
	order = calloc(ts_feeds_total(&f), sizeof(int));
	assert_non_null(order);
	for (trial = 0; trial < 6; trial++) {
		ts_open(&dst, NULL);
		delivery_order(order, &f, trial, &rng);
		most = deliver(dst.l, &f, order, &rng);
		if (trial == 0) /* every lab entry waited for the bureau's feed */
			assert_int_equal(most, ts_feeds_total(&f) - f.feeds[0].count);
		ts_state_read(dst.l, &got);
		ts_state_equal(&want, &got);
		assert_int_equal(got.pending, 0);
		CT_OK_OR_FAIL(ts_check(dst.l, &checked));
		assert_int_equal(checked, ts_feeds_total(&f));
		ts_state_free(&got);
		ts_close(&dst);
	}
	free(order);
	ts_state_free(&want);
	ts_feeds_free(&f);
	ts_close(&src);
	net_free(&n);
}

/* Rows of the named LMDB database of a closed store (its raw layout: core/ledger/store_internal.h). */
static size_t raw_rows(const char *dir, const char *name)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return st.ms_entries;
}

/*
 * The hash index in two parts (core/ledger/hashidx.c): with merges (an
 * eighth of the recent part a commit) from a few entries on, entries
 * delivered in random batches are all found by hash whichever part holds
 * them (check looks each one up and counts the rows), the state equals the
 * source's, and both parts hold rows, no hash in both.
 */
static void test_hash_index_merges(void **state)
{
	uint64_t seed = ct_test_seed("store_hash_index_merges"), rng = seed, checked;
	ct_ledger_opts opts = {.hash_merge_at = 5 + ct_test_rand(&rng) % 20};
	ts_store src, dst;
	ts_feeds f;
	ts_state want, got;
	size_t recent, main_rows, total;
	int *order;
	net n;

	source_network(&n, &src, &f, &want, &rng, 20 + (int)(ct_test_rand(&rng) % 20));
	total = ts_feeds_total(&f);
	order = calloc(total, sizeof(int));
	assert_non_null(order);
	ts_open(&dst, &opts);
	delivery_order(order, &f, 2, &rng);
	deliver(dst.l, &f, order, &rng);
	ts_state_read(dst.l, &got);
	ts_state_equal(&want, &got);
	CT_OK_OR_FAIL(ts_check(dst.l, &checked));
	assert_int_equal(checked, total);
	ct_ledger_close(dst.l);
	dst.l = NULL;
	recent = raw_rows(dst.dir, "hrecent");
	main_rows = raw_rows(dst.dir, "hashes");
	printf("merge at %llu: %zu hashes in the main part, %zu recent\n", (unsigned long long)opts.hash_merge_at,
	       main_rows, recent);
	assert_true(main_rows > 0);
	assert_int_equal(recent + main_rows, total);
	ts_state_free(&got);
	ts_close(&dst);
	free(order);
	ts_state_free(&want);
	ts_feeds_free(&f);
	ts_close(&src);
	net_free(&n);
}

/*
 * A write batch keeps its new hashes back and files them sorted at commit
 * (hashidx.c): every read by hash through the batch must still find the
 * entries the batch stored, by ct_hash_batch_run and by a plain read, and
 * the committed store must be the same.
 */
static void test_hashes_within_batch(void **state)
{
	uint64_t seed = ct_test_seed("store_hashes_within_batch"), rng = seed, checked;
	ts_store src, dst;
	ts_feeds f;
	ts_state want, got;
	ct_hash_batch *hb = NULL;
	ct_ingest_result res;
	ct_batch *b = NULL;
	size_t total, half, k = 0, i, j;
	const ct_buf **all;
	net n;

	source_network(&n, &src, &f, &want, &rng, 20 + (int)(ct_test_rand(&rng) % 20));
	total = ts_feeds_total(&f);
	all = calloc(total, sizeof(*all));
	assert_non_null(all);
	for (i = 0; i < f.count; i++) /* the bureau's feed first: nothing waits for an admission */
		for (j = 0; j < f.feeds[i].count; j++)
			all[k++] = &f.feeds[i].entries[j];
	half = 1 + (size_t)(ct_test_rand(&rng) % (total - 1));
	ts_open(&dst, NULL);
	CT_OK_OR_FAIL(ct_batch_begin(&b, dst.l));
	CT_OK_OR_FAIL(ct_hash_batch_new(&hb));
	for (k = 0; k < total; k++) {
		uint8_t h[CT_HASH_BYTES];

		CT_OK_OR_FAIL(ct_batch_ingest(b, all[k]->ptr, all[k]->len, 0, &res));
		assert_int_equal(res, CT_INGEST_APPENDED);
		ct_entry_hash(h, all[k]->ptr, all[k]->len);
		if (k < half)
			CT_OK_OR_FAIL(ct_hash_batch_add(hb, h));
		if (k + 1 == half) { /* the first part, found by a batch of reads before any plain read */
			CT_OK_OR_FAIL(ct_hash_batch_run(hb, ct_batch_reader(b)));
			for (i = 0; i < half; i++) {
				const uint8_t *raw = NULL;
				size_t len = 0;

				ct_entry_hash(h, all[i]->ptr, all[i]->len);
				assert_true(ct_hash_batch_find(hb, h, &raw, &len));
				assert_non_null(raw);
				assert_int_equal(len, all[i]->len);
				assert_memory_equal(raw, all[i]->ptr, len);
			}
		}
	}
	for (k = half; k < total; k++) { /* the rest, read one by one */
		const uint8_t *raw = NULL;
		uint8_t h[CT_HASH_BYTES];
		size_t len = 0;

		ct_entry_hash(h, all[k]->ptr, all[k]->len);
		CT_OK_OR_FAIL(ct_read_raw_by_hash(&raw, &len, ct_batch_reader(b), h));
		assert_int_equal(len, all[k]->len);
		assert_memory_equal(raw, all[k]->ptr, len);
	}
	CT_OK_OR_FAIL(ct_batch_commit(b));
	printf("%zu entries in one batch, %zu found by a batch of reads, %zu one by one\n", total, half,
	       total - half);
	ts_state_read(dst.l, &got);
	ts_state_equal(&want, &got);
	CT_OK_OR_FAIL(ts_check(dst.l, &checked));
	assert_int_equal(checked, total);
	ct_hash_batch_free(hb);
	ts_state_free(&got);
	ts_close(&dst);
	free(all);
	ts_state_free(&want);
	ts_feeds_free(&f);
	ts_close(&src);
	net_free(&n);
}

/* Lab entries arrive after the genesis but before the lab's admission. */
static void test_pending_then_admitted(void **state)
{
	uint64_t rng = 3, pending, size;
	ts_store src, dst;
	ts_feeds f;
	ts_state want, got;
	ct_ingest_result res;
	ct_reader *r = NULL;
	ct_feed_head h;
	size_t j, lab_entries = 0, i;
	net n;

	source_network(&n, &src, &f, &want, &rng, 12);
	ts_open(&dst, NULL);
	/* the genesis only */
	CT_OK_OR_FAIL(ts_ingest(dst.l, f.feeds[0].entries[0].ptr, f.feeds[0].entries[0].len, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	for (i = 1; i < f.count; i++)
		for (j = 0; j < f.feeds[i].count; j++, lab_entries++) {
			CT_OK_OR_FAIL(
			    ts_ingest(dst.l, f.feeds[i].entries[j].ptr, f.feeds[i].entries[j].len, &res));
			assert_int_equal(res, CT_INGEST_PENDING);
		}
	CT_OK_OR_FAIL(ct_reader_begin(&r, dst.l));
	CT_OK_OR_FAIL(ct_read_pending_count(&pending, r));
	assert_int_equal(pending, lab_entries);
	assert_int_equal(ct_read_head(&h, r, f.feeds[1].author), CT_ENOTFOUND);
	ct_reader_end(r);
	/* parked entries are waiting, not held: a second copy parks again */
	CT_OK_OR_FAIL(ts_ingest(dst.l, f.feeds[1].entries[0].ptr, f.feeds[1].entries[0].len, &res));
	assert_int_equal(res, CT_INGEST_PENDING);
	/* the rest of the bureau's feed admits the labs: everything parked is applied */
	for (j = 1; j < f.feeds[0].count; j++)
		CT_OK_OR_FAIL(ts_ingest(dst.l, f.feeds[0].entries[j].ptr, f.feeds[0].entries[j].len, &res));
	ts_state_read(dst.l, &got);
	assert_int_equal(got.pending, 0);
	ts_state_equal(&want, &got);
	for (i = 1; i < f.count; i++) {
		ts_head(dst.l, f.feeds[i].author, &size, NULL);
		assert_int_equal(size, f.feeds[i].count);
	}
	CT_OK_OR_FAIL(ts_check(dst.l, NULL));
	ts_state_free(&got);
	ts_state_free(&want);
	ts_feeds_free(&f);
	ts_close(&src);
	ts_close(&dst);
	net_free(&n);
}

/* Everything arrives before the genesis: all of it parks, then the genesis releases it. */
static void test_pending_before_genesis(void **state)
{
	uint64_t rng = 5, pending;
	ts_store src, dst;
	ts_feeds f;
	ts_state want, got;
	ct_ingest_result res;
	ct_reader *r = NULL;
	uint8_t id[32];
	size_t i, j;
	net n;

	source_network(&n, &src, &f, &want, &rng, 10);
	ts_open(&dst, NULL);
	/* labs first, then the bureau's feed without its genesis */
	for (i = f.count; i-- > 0;)
		for (j = i == 0 ? 1 : 0; j < f.feeds[i].count; j++) {
			CT_OK_OR_FAIL(
			    ts_ingest(dst.l, f.feeds[i].entries[j].ptr, f.feeds[i].entries[j].len, &res));
			assert_int_equal(res, CT_INGEST_PENDING);
		}
	CT_OK_OR_FAIL(ct_reader_begin(&r, dst.l));
	CT_OK_OR_FAIL(ct_read_pending_count(&pending, r));
	assert_int_equal(pending, ts_feeds_total(&f) - 1);
	assert_int_equal(ct_read_network(id, NULL, r), CT_ENOTFOUND);
	ct_reader_end(r);
	ts_state_read(dst.l, &got);
	assert_int_equal(got.nheads, 0); /* nothing parked shows as a feed */
	ts_state_free(&got);
	CT_OK_OR_FAIL(ts_ingest(dst.l, f.feeds[0].entries[0].ptr, f.feeds[0].entries[0].len, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	ts_state_read(dst.l, &got);
	ts_state_equal(&want, &got);
	CT_OK_OR_FAIL(ts_check(dst.l, NULL));
	ts_state_free(&got);
	ts_state_free(&want);
	ts_feeds_free(&f);
	ts_close(&src);
	ts_close(&dst);
	net_free(&n);
}

/* A parked entry that turns out invalid once the bureau is known is dropped; its feed stops before it. */
static void test_pending_invalid_dropped(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1), *lab = ct_test_keypair(2);
	ct_buf g = CT_BUF_INIT, adm = CT_BUF_INIT, e1 = CT_BUF_INIT, e2 = CT_BUF_INIT, e3 = CT_BUF_INIT;
	uint8_t h[32];
	ct_ingest_result res;
	uint64_t size;
	ts_state st;
	ts_store s;

	ts_sign(&e1, lab, 1, NULL, ts_day(1), "instrument.register",
		"{'id':'I-1','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':10}}");
	ct_entry_hash(h, e1.ptr, e1.len);
	/* bureau-only: will never be valid from a lab */
	ts_sign(&e2, lab, 2, h, ts_day(2), "catalogue.set",
		"{'item':'x','name':'x','mode':'V','interval_days':1,'domains':['trade'],'effective':0}");
	ct_entry_hash(h, e2.ptr, e2.len);
	ts_sign(&e3, lab, 3, h, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	ts_sign(&g, bureau, 1, NULL, ts_day(0), "network.genesis",
		"{'name':'C','districts':['n'],'policy':{}}");
	ct_entry_hash(h, g.ptr, g.len);
	ts_sign(&adm, bureau, 2, h, ts_day(0), "org.admit",
		"{'key':'%s','name':'L','tier':'city','scope':['mass'],'valid_from':0,'valid_until':'2030-01-"
		"01'}",
		ts_key(lab));
	ts_open(&s, NULL);
	CT_OK_OR_FAIL(ts_ingest(s.l, e1.ptr, e1.len, &res));
	CT_OK_OR_FAIL(ts_ingest(s.l, e2.ptr, e2.len, &res));
	assert_int_equal(res, CT_INGEST_PENDING);
	CT_OK_OR_FAIL(ts_ingest(s.l, e3.ptr, e3.len, &res));
	CT_OK_OR_FAIL(ts_ingest(s.l, g.ptr, g.len, &res));
	CT_OK_OR_FAIL(ts_ingest(s.l, adm.ptr, adm.len, &res));
	ts_head(s.l, ct_keypair_public(lab), &size, NULL);
	assert_int_equal(size, 1);
	ts_state_read(s.l, &st);
	assert_int_equal(st.pending, 1); /* #3 waits for a valid #2 */
	ts_state_free(&st);
	assert_int_equal(ts_ingest(s.l, e2.ptr, e2.len, &res), CT_EAUTH);
	CT_OK_OR_FAIL(ts_check(s.l, NULL));
	ts_close(&s);
	ct_buf_free(&g);
	ct_buf_free(&adm);
	ct_buf_free(&e1);
	ct_buf_free(&e2);
	ct_buf_free(&e3);
	ct_keypair_free(bureau);
	ct_keypair_free(lab);
}

static void test_pending_full(void **state)
{
	ct_keypair *lab = ct_test_keypair(2);
	ct_ledger_opts opts = {0};
	ct_buf e = CT_BUF_INIT;
	ct_ingest_result res;
	uint8_t prev[32];
	ts_state before, after;
	ts_store s;
	uint64_t seq;

	opts.pending_max = 2;
	ts_open(&s, &opts);
	for (seq = 1; seq <= 3; seq++) {
		ts_sign(&e, lab, seq, seq == 1 ? NULL : prev, ts_day((int)seq), "instrument.register",
			"{'id':'I-%llu','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':10}}",
			(unsigned long long)seq);
		ct_entry_hash(prev, e.ptr, e.len);
		if (seq < 3) {
			CT_OK_OR_FAIL(ts_ingest(s.l, e.ptr, e.len, &res));
			assert_int_equal(res, CT_INGEST_PENDING);
		}
	}
	ts_state_read(s.l, &before);
	assert_int_equal(ts_ingest(s.l, e.ptr, e.len, &res), CT_EFULL);
	TS_DETAIL_HAS("#3");
	TS_DETAIL_HAS("pending area is full");
	ts_state_read(s.l, &after);
	ts_state_equal(&before, &after);
	ts_state_free(&before);
	ts_state_free(&after);
	ts_close(&s);
	ct_buf_free(&e);
	ct_keypair_free(lab);
}

static void test_duplicates(void **state)
{
	uint64_t rng = 11;
	ts_store src, dst;
	ts_feeds f;
	ts_state before, after;
	ct_ingest_result res;
	size_t i, j;
	net n;

	net_keys(&n);
	ts_open(&src, NULL);
	net_build(&n, src.l, &rng, 8);
	ts_feeds_read(src.l, &f);
	ts_open(&dst, NULL);
	ingest_all(dst.l, &f);
	ts_state_read(dst.l, &before);
	for (i = 0; i < f.count; i++)
		for (j = 0; j < f.feeds[i].count; j++) {
			CT_OK_OR_FAIL(
			    ts_ingest(dst.l, f.feeds[i].entries[j].ptr, f.feeds[i].entries[j].len, &res));
			assert_int_equal(res, CT_INGEST_DUPLICATE);
		}
	/* and the source store sees its own entries as duplicates too */
	CT_OK_OR_FAIL(ts_ingest(src.l, f.feeds[1].entries[0].ptr, f.feeds[1].entries[0].len, &res));
	assert_int_equal(res, CT_INGEST_DUPLICATE);
	ts_state_read(dst.l, &after);
	ts_state_equal(&before, &after);
	ts_state_free(&before);
	ts_state_free(&after);
	ts_feeds_free(&f);
	ts_close(&src);
	ts_close(&dst);
	net_free(&n);
}

/* A store holding the genesis, the lab's admission and lab entries #1, #2. */
struct fork_fixture {
	ct_keypair *bureau, *lab;
	ts_store s;
	uint8_t h1[32], h2[32];
};

static void fork_setup(struct fork_fixture *fx)
{
	fx->bureau = ct_test_keypair(1);
	fx->lab = ct_test_keypair(2);
	ts_open_lab_network(&fx->s, fx->bureau, fx->lab, "'2030-01-01'");
	ts_append_ok(fx->s.l, fx->lab, ts_day(1), fx->h1, "instrument.register",
		     "{'id':'I-1','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':10}}");
	ts_append_ok(fx->s.l, fx->lab, ts_day(2), fx->h2, "instrument.register",
		     "{'id':'I-2','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':10}}");
}

static void fork_teardown(struct fork_fixture *fx)
{
	ts_close(&fx->s);
	ct_keypair_free(fx->bureau);
	ct_keypair_free(fx->lab);
}

/* Checks the recorded proof is (stored, other), that it verifies, and that the feed is frozen. */
static void assert_forked(struct fork_fixture *fx, const ct_buf *stored, const ct_buf *other)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	ct_reader *r = NULL;
	ct_feed_head h;

	CT_OK_OR_FAIL(ct_reader_begin(&r, fx->s.l));
	CT_OK_OR_FAIL(ct_read_fork(&a, &alen, &b, &blen, r, ct_keypair_public(fx->lab)));
	assert_int_equal(alen, stored->len);
	assert_memory_equal(a, stored->ptr, alen);
	assert_int_equal(blen, other->len);
	assert_memory_equal(b, other->ptr, blen);
	CT_OK_OR_FAIL(ct_fork_proof_check(a, alen, b, blen));
	CT_OK_OR_FAIL(ct_read_head(&h, r, ct_keypair_public(fx->lab)));
	assert_true(h.forked);
	assert_int_equal(h.size, 2);
	assert_memory_equal(h.head, fx->h2, 32);
	/* the bureau's feed is not forked */
	assert_int_equal(ct_read_fork(&a, &alen, &b, &blen, r, ct_keypair_public(fx->bureau)), CT_ENOTFOUND);
	ct_reader_end(r);
}

static void test_fork_same_seq(void **state)
{
	struct fork_fixture fx;
	ct_buf other = CT_BUF_INIT, stored = CT_BUF_INIT, next = CT_BUF_INIT;
	ct_ingest_result res;
	ts_state before, after;
	ct_reader *r = NULL;
	ct_entry e;

	fork_setup(&fx);
	ts_state_read(fx.s.l, &before);
	/* a second, different #2 signed by the same lab */
	ts_sign(&other, fx.lab, 2, fx.h1, ts_day(2), "instrument.register",
		"{'id':'I-2b','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':10}}");
	CT_OK_OR_FAIL(ts_ingest(fx.s.l, other.ptr, other.len, &res));
	assert_int_equal(res, CT_INGEST_FORK);
	CT_OK_OR_FAIL(ct_reader_begin(&r, fx.s.l));
	CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(fx.lab), 2));
	CT_OK_OR_FAIL(ct_buf_put(&stored, e.raw, e.raw_len)); /* the first stored #2 stays */
	ct_reader_end(r);
	assert_forked(&fx, &stored, &other);
	/* the frozen feed takes nothing more: neither a continuation of what we hold ... */
	ts_sign(&next, fx.lab, 3, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	assert_int_equal(ts_ingest(fx.s.l, next.ptr, next.len, &res), CT_EFROZEN);
	TS_DETAIL_HAS("#3");
	TS_DETAIL_HAS("forked");
	/* ... nor an append by the lab itself */
	assert_int_equal(
	    ts_append(fx.s.l, fx.lab, ts_day(4), NULL, "instrument.retire", "{'id':'I-1','effective':0}"),
	    CT_EFROZEN);
	/* the same fork again changes nothing; the stored #2 is still a duplicate */
	CT_OK_OR_FAIL(ts_ingest(fx.s.l, other.ptr, other.len, &res));
	assert_int_equal(res, CT_INGEST_FORK);
	CT_OK_OR_FAIL(ts_ingest(fx.s.l, stored.ptr, stored.len, &res));
	assert_int_equal(res, CT_INGEST_DUPLICATE);
	assert_forked(&fx, &stored, &other);
	/* heads keep their size and hash, so the digest is that of the entries held */
	ts_state_read(fx.s.l, &after);
	assert_memory_equal(before.digest, after.digest, 32);
	CT_OK_OR_FAIL(ts_check(fx.s.l, NULL));
	ts_state_free(&before);
	ts_state_free(&after);
	ct_buf_free(&other);
	ct_buf_free(&stored);
	ct_buf_free(&next);
	fork_teardown(&fx);
}

static void test_fork_prev_mismatch(void **state)
{
	struct fork_fixture fx;
	ct_buf alt2 = CT_BUF_INIT, e3 = CT_BUF_INIT, stored = CT_BUF_INIT;
	uint8_t alt_hash[32];
	ct_ingest_result res;
	ct_reader *r = NULL;
	ct_entry e;

	fork_setup(&fx);
	/* #3 continues a #2 we never saw: the lab signed two different #2 */
	ts_sign(&alt2, fx.lab, 2, fx.h1, ts_day(2), "instrument.register",
		"{'id':'I-9','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':10}}");
	ct_entry_hash(alt_hash, alt2.ptr, alt2.len);
	ts_sign(&e3, fx.lab, 3, alt_hash, ts_day(3), "instrument.retire", "{'id':'I-9','effective':0}");
	CT_OK_OR_FAIL(ts_ingest(fx.s.l, e3.ptr, e3.len, &res));
	assert_int_equal(res, CT_INGEST_FORK);
	CT_OK_OR_FAIL(ct_reader_begin(&r, fx.s.l));
	CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(fx.lab), 2));
	CT_OK_OR_FAIL(ct_buf_put(&stored, e.raw, e.raw_len));
	assert_int_equal(ct_read_entry(&e, r, ct_keypair_public(fx.lab), 3), CT_ENOTFOUND);
	ct_reader_end(r);
	assert_forked(&fx, &stored, &e3);
	CT_OK_OR_FAIL(ts_check(fx.s.l, NULL));
	ct_buf_free(&alt2);
	ct_buf_free(&e3);
	ct_buf_free(&stored);
	fork_teardown(&fx);
}

static void test_fork_proof_check_refusals(void **state)
{
	ct_keypair *a = ct_test_keypair(2), *b = ct_test_keypair(3);
	ct_buf x = CT_BUF_INIT, y = CT_BUF_INIT, z = CT_BUF_INIT, w = CT_BUF_INIT;
	uint8_t hx[32];

	ts_sign(&x, a, 1, NULL, 1, "instrument.retire", "{'id':'I-1','effective':0}");
	ts_sign(&y, a, 1, NULL, 2, "instrument.retire", "{'id':'I-1','effective':0}");
	ts_sign(&z, b, 1, NULL, 2, "instrument.retire", "{'id':'I-1','effective':0}");
	CT_OK_OR_FAIL(ct_fork_proof_check(x.ptr, x.len, y.ptr, y.len));
	assert_int_equal(ct_fork_proof_check(x.ptr, x.len, x.ptr, x.len), CT_EINVAL); /* same entry */
	assert_int_equal(ct_fork_proof_check(x.ptr, x.len, z.ptr, z.len), CT_EINVAL); /* two authors */
	ct_entry_hash(hx, x.ptr, x.len);
	ts_sign(&w, a, 2, hx, 3, "instrument.retire", "{'id':'I-1','effective':0}");
	assert_int_equal(ct_fork_proof_check(x.ptr, x.len, w.ptr, w.len), CT_EINVAL); /* consistent */
	CT_OK_OR_FAIL(ct_fork_proof_check(y.ptr, y.len, w.ptr, w.len)); /* w does not follow y */
	y.ptr[y.len - 1] ^= 1;
	assert_int_equal(ct_fork_proof_check(x.ptr, x.len, y.ptr, y.len), CT_EINVAL); /* bad signature */
	ct_buf_free(&x);
	ct_buf_free(&y);
	ct_buf_free(&z);
	ct_buf_free(&w);
	ct_keypair_free(a);
	ct_keypair_free(b);
}

/*
 * Each refused entry: the error, words its detail must contain, and the
 * store unchanged and sound afterwards.
 */
static void assert_refused(struct fork_fixture *fx, const ct_buf *e, int want, const char *rule)
{
	ts_state before, after;
	ct_ingest_result res;
	char name[32], key8[CT_KEY_SHORT_LEN + 1];

	ct_key_short(key8, ct_keypair_public(fx->lab));
	ts_state_read(fx->s.l, &before);
	assert_int_equal(ts_ingest(fx->s.l, e->ptr, e->len, &res), want);
	if (want != CT_ENONCANON && want != CT_ETRUNC) { /* decoder errors name the offset instead */
		snprintf(name, sizeof(name), "#%d", 3);
		TS_DETAIL_HAS(key8);
		TS_DETAIL_HAS(name);
	}
	TS_DETAIL_HAS(rule);
	ts_state_read(fx->s.l, &after);
	ts_state_equal(&before, &after);
	CT_OK_OR_FAIL(ts_check(fx->s.l, NULL));
	ts_state_free(&before);
	ts_state_free(&after);
}

static void test_refusals(void **state)
{
	struct fork_fixture fx;
	ct_keypair *other;
	ct_buf e = CT_BUF_INIT, body = CT_BUF_INIT, bad = CT_BUF_INIT;
	ct_ingest_result res;

	fork_setup(&fx);
	other = ct_test_keypair(9);

	/* forged: a flipped signature byte, and a valid signature by another key */
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	e.ptr[e.len - 5] ^= 0x40;
	assert_refused(&fx, &e, CT_EBADSIG, "signature");
	ts_sign(&e, other, 3, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	assert_memory_equal(e.ptr, "\x98\x01\xc4\x20", 4);
	memcpy(e.ptr + 4, ct_keypair_public(fx.lab), 32); /* claims to be the lab's */
	assert_refused(&fx, &e, CT_EBADSIG, "signature");
	/* a byte flipped in the body keeps it canonical but breaks the signature */
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	{
		uint8_t *p = memmem(e.ptr, e.len, "I-1", 3);
		assert_non_null(p);
		p[2] = '7';
	}
	assert_refused(&fx, &e, CT_EBADSIG, "signature");

	/* a seq gap: #4 after #2 */
	ts_sign(&e, fx.lab, 4, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	{
		/* the name check in assert_refused looks for #3: this one is #4 */
		ts_state before, after;
		ts_state_read(fx.s.l, &before);
		assert_int_equal(ts_ingest(fx.s.l, e.ptr, e.len, &res), CT_ESEQ);
		TS_DETAIL_HAS("#4");
		TS_DETAIL_HAS("seq gap");
		ts_state_read(fx.s.l, &after);
		ts_state_equal(&before, &after);
		ts_state_free(&before);
		ts_state_free(&after);
	}

	/* bureau-only events from a lab */
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "catalogue.set",
		"{'item':'x','name':'x','mode':'V','interval_days':1,'domains':['trade'],'effective':0}");
	assert_refused(&fx, &e, CT_EAUTH, "only the bureau");
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "org.admit",
		"{'key':'%s','name':'L','tier':'city','scope':['mass'],'valid_from':0,'valid_until':1}",
		ts_key(other));
	assert_refused(&fx, &e, CT_EAUTH, "only the bureau");
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "standard.approve",
		"{'id':'S','certificate':'c','valid_from':0,'valid_until':1}");
	assert_refused(&fx, &e, CT_EAUTH, "only the bureau");
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "network.genesis",
		"{'name':'C','districts':['n'],'policy':{}}");
	assert_refused(&fx, &e, CT_EAUTH, "genesis");

	/* a body breaking its schema (ct_entry_build only asks for a canonical map) */
	body.len = 0;
	CT_OK_OR_FAIL(ct_mp_put_map(&body, 2));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&body, "effective"));
	CT_OK_OR_FAIL(ct_mp_put_uint(&body, 0));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&body, "idx"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&body, "I-1"));
	CT_OK_OR_FAIL(
	    ct_entry_build(&e, fx.lab, 3, fx.h2, ts_day(3), "instrument.retire", body.ptr, body.len));
	assert_refused(&fx, &e, CT_ESCHEMA, "unknown field 'idx'");
	body.len = 0;
	CT_OK_OR_FAIL(ct_mp_put_map(&body, 0));
	CT_OK_OR_FAIL(ct_entry_build(&e, fx.lab, 3, fx.h2, ts_day(3), "no.such.type", body.ptr, body.len));
	assert_refused(&fx, &e, CT_ESCHEMA, "unknown event type");

	/* non-canonical bytes: version 1 written as uint8 (0xcc 0x01) */
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	bad.len = 0;
	CT_OK_OR_FAIL(ct_buf_put(&bad, "\x98\xcc\x01", 3));
	CT_OK_OR_FAIL(ct_buf_put(&bad, e.ptr + 2, e.len - 2));
	assert_refused(&fx, &bad, CT_ENONCANON, "entry");
	/* truncated in the signature */
	assert_refused(&fx, &(ct_buf){e.ptr, e.len - 10, e.len}, CT_ETRUNC, "entry");

	/* after all that the feed still takes its real #3 */
	ts_sign(&e, fx.lab, 3, fx.h2, ts_day(3), "instrument.retire", "{'id':'I-1','effective':0}");
	CT_OK_OR_FAIL(ts_ingest(fx.s.l, e.ptr, e.len, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	ct_buf_free(&e);
	ct_buf_free(&body);
	ct_buf_free(&bad);
	ct_keypair_free(other);
	fork_teardown(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_genesis_then_appends),
	    cmocka_unit_test(test_replicate_same_digest),
	    cmocka_unit_test(test_order_independence),
	    cmocka_unit_test(test_hash_index_merges),
	    cmocka_unit_test(test_hashes_within_batch),
	    cmocka_unit_test(test_pending_then_admitted),
	    cmocka_unit_test(test_pending_before_genesis),
	    cmocka_unit_test(test_pending_invalid_dropped),
	    cmocka_unit_test(test_pending_full),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_fork_same_seq),
	    cmocka_unit_test(test_fork_prev_mismatch),
	    cmocka_unit_test(test_fork_proof_check_refusals),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
