/*
 * The network index (caltrace/ledger/netindex.h, docs/FORMAT.md section 12):
 * its root against a model written from the docs (lists derived from the
 * entries alone, the trie built by its definition), incremental updates
 * against a rebuild, stores fed in another order, lookup proofs of keys
 * present and absent with every tampering refused, and fork keys.
 */
#include "store_network.h"

#include <sodium.h>

#include "caltrace/ledger/netindex.h"

/* ---- the model ------------------------------------------------------------- */

struct mrow {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	uint8_t kind;
	uint64_t time;
	uint8_t hash[32];
};

static int mrow_order(const void *x, const void *y)
{
	const struct mrow *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, n);

	if (c || a->len != b->len)
		return c ? c : (a->len < b->len ? -1 : 1);
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return memcmp(a->hash, b->hash, 32);
}

/* The row an entry gives the network index (docs/FORMAT.md section 12), if any. */
static bool model_row(const uint8_t *raw, size_t len, struct mrow *out)
{
	ct_event_keys k;
	ct_event_type t;
	ct_entry e;

	assert_int_equal(ct_entry_decode(&e, raw, len), 0);
	t = ct_event_type_of(e.type, e.type_len);
	assert_int_equal(ct_event_keys_of(&k, t, e.body, e.body_len), 0);
	ct_entry_hash(out->hash, raw, len);
	out->time = k.time;
	out->kind = 0;
	switch (t) {
	case CT_EV_INSTRUMENT_REGISTER:
	case CT_EV_STANDARD_REGISTER:
		out->kind = 'R';
		out->time = e.time;
		out->len = ct_netkey_id(out->key, t == CT_EV_INSTRUMENT_REGISTER ? 'i' : 's', k.id, k.id_len);
		return true;
	case CT_EV_INSTRUMENT_RETIRE:
		out->kind = 'T';
		out->len = ct_netkey_id(out->key, 'i', k.id, k.id_len);
		return true;
	case CT_EV_STANDARD_APPROVE:
	case CT_EV_STANDARD_ANCHOR:
	case CT_EV_STANDARD_OOT:
		out->kind = t == CT_EV_STANDARD_APPROVE ? 'P' : t == CT_EV_STANDARD_ANCHOR ? 'N' : 'O';
		out->len = ct_netkey_id(out->key, 's', k.id, k.id_len);
		return true;
	case CT_EV_CALIBRATION:
		out->kind = 'C';
		out->len = ct_netkey_id(out->key, k.subject_is_standard ? 's' : 'i', k.id, k.id_len);
		return true;
	case CT_EV_ORG_ADMIT:
	case CT_EV_ORG_REVOKE:
		out->kind = t == CT_EV_ORG_ADMIT ? 'A' : 'X';
		out->len = ct_netkey_org(out->key, k.key);
		return true;
	case CT_EV_PERSON_CERTIFY:
		out->time = e.time;
		out->len = ct_netkey_id(out->key, 'p', k.id, k.id_len);
		return true;
	case CT_EV_CATALOGUE_SET:
		out->len = ct_netkey_id(out->key, 'c', k.id, k.id_len);
		return true;
	case CT_EV_CALIBRATION_REVOKE:
		out->time = e.time;
		out->len = ct_netkey_revoked(out->key, k.key);
		return true;
	default:
		return false;
	}
}

/* A key of the model and its list hash. */
struct mkey {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	uint8_t vh[32];
};

/* Every key of the stored feeds with its list hash, sorted. */
static size_t model_keys(ct_ledger *l, struct mkey **out)
{
	ts_feeds feeds;
	struct mrow *rows;
	struct mkey *keys;
	size_t total, n = 0, nk = 0, f, i, j;

	ts_feeds_read(l, &feeds);
	total = ts_feeds_total(&feeds);
	assert_non_null(rows = calloc(total + 1, sizeof(*rows)));
	for (f = 0; f < feeds.count; f++)
		for (i = 0; i < feeds.feeds[f].count; i++)
			if (model_row(feeds.feeds[f].entries[i].ptr, feeds.feeds[f].entries[i].len, &rows[n]))
				n++;
	ts_feeds_free(&feeds);
	qsort(rows, n, sizeof(*rows), mrow_order);
	assert_non_null(keys = calloc(n + 1, sizeof(*keys)));
	for (i = 0; i < n; i = j) {
		uint8_t(*h)[32] = calloc(n, 32);
		size_t m = 0;
		for (j = i; j < n && rows[j].len == rows[i].len && !memcmp(rows[j].key, rows[i].key, rows[i].len); j++)
			memcpy(h[m++], rows[j].hash, 32);
		memcpy(keys[nk].key, rows[i].key, rows[i].len);
		keys[nk].len = rows[i].len;
		ct_netindex_list_hash(keys[nk].vh, (const uint8_t(*)[32])h, m);
		nk++;
		free(h);
	}
	free(rows);
	*out = keys;
	return nk;
}

static unsigned bit(const uint8_t *k, size_t len, size_t i)
{
	return i < 8 * len ? (k[i / 8] >> (7 - i % 8)) & 1 : 0;
}

/* The trie's root by its definition: a node at the first bit where the first and last keys differ. */
static void model_root(const struct mkey *k, size_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	size_t d = 0, mid;

	if (n == 0) {
		ct_netindex_empty_root(out);
		return;
	}
	if (n == 1) {
		ct_netindex_leaf_hash(out, k[0].key, k[0].len, k[0].vh);
		return;
	}
	while (bit(k[0].key, k[0].len, d) == bit(k[n - 1].key, k[n - 1].len, d))
		d++;
	for (mid = 0; mid < n && !bit(k[mid].key, k[mid].len, d); mid++)
		;
	model_root(k, mid, l);
	model_root(k + mid, n - mid, r);
	ct_netindex_node_hash(out, (unsigned)d, l, r);
}

/* ---- helpers ------------------------------------------------------------- */

static int collect(void *ctx, const uint8_t h[32])
{
	return ct_buf_put(ctx, h, 32);
}

static int ignore(void *ctx, const uint8_t h[32])
{
	return 0;
}

static void update(ct_ledger *l)
{
	ct_batch *b = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_netindex_update(b));
	CT_OK_OR_FAIL(ct_batch_commit(b));
}

static void rebuild(ct_ledger *l)
{
	ct_batch *b = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_netindex_rebuild(b));
	CT_OK_OR_FAIL(ct_batch_commit(b));
}

static void root_of(ct_ledger *l, ct_netindex_root *out)
{
	ct_reader *r = NULL;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_netindex_root_get(out, r));
	ct_reader_end(r);
}

static void assert_model(ct_ledger *l)
{
	struct mkey *keys = NULL;
	ct_netindex_root got;
	uint8_t want[32];
	size_t n = model_keys(l, &keys);

	model_root(keys, n, want);
	root_of(l, &got);
	assert_memory_equal(got.hash, want, 32);
	assert_int_equal(got.keys, n);
	assert_int_equal(got.nforks, 0);
	free(keys);
}

/* ---- tests ------------------------------------------------------------------ */

/* The root equals the model's after one update, after updates at random points, and after a rebuild. */
static void test_root_matches_model(void **state)
{
	uint64_t rng = ct_test_seed("test_root_matches_model");
	ct_netindex_root before, after;
	ct_reader *r = NULL;
	uint64_t pending = 0;
	ts_store s;
	net n;
	int i;

	net_keys(&n);
	ts_open(&s, NULL);
	/* a store with nothing: an empty index */
	update(s.l);
	root_of(s.l, &before);
	{
		uint8_t empty[32];
		ct_netindex_empty_root(empty);
		assert_memory_equal(before.hash, empty, 32);
		assert_int_equal(before.keys, 0);
	}
	net_found(&n, s.l);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_netindex_pending(&pending, r));
	assert_true(pending > 0);
	assert_int_equal(ct_netindex_root_get(&before, r), CT_ESTATE);
	ct_reader_end(r);
	update(s.l);
	assert_model(s.l);
	for (i = 0; i < 120; i++) {
		net_random_event(&n, s.l, &rng);
		if (ct_test_rand(&rng) % 9 == 0) {
			update(s.l);
			assert_model(s.l);
		}
	}
	update(s.l);
	assert_model(s.l);
	root_of(s.l, &before);
	rebuild(s.l);
	root_of(s.l, &after);
	assert_memory_equal(before.hash, after.hash, 32);
	assert_int_equal(before.keys, after.keys);
	ts_close(&s);
	net_free(&n);
}

/* A store built from another's feeds in another order, with updates elsewhere, has the same root. */
static void test_order_independent(void **state)
{
	uint64_t rng = ct_test_seed("test_order_independent");
	ct_netindex_root ra, rb;
	ct_ingest_result res;
	ts_feeds feeds;
	ts_store a, b;
	size_t f, i, left;
	size_t *next;
	net n;

	net_keys(&n);
	ts_open(&a, NULL);
	ts_open(&b, NULL);
	net_build(&n, a.l, &rng, 150);
	update(a.l);
	ts_feeds_read(a.l, &feeds);
	/* feed by feed in a random interleaving, updating now and then */
	assert_non_null(next = calloc(feeds.count, sizeof(*next)));
	left = ts_feeds_total(&feeds);
	while (left) {
		f = (size_t)(ct_test_rand(&rng) % feeds.count);
		if (next[f] == feeds.feeds[f].count)
			continue;
		i = next[f]++;
		assert_int_equal(ts_ingest(b.l, feeds.feeds[f].entries[i].ptr, feeds.feeds[f].entries[i].len, &res), 0);
		left--;
		if (ct_test_rand(&rng) % 17 == 0)
			update(b.l);
	}
	update(b.l);
	root_of(a.l, &ra);
	root_of(b.l, &rb);
	assert_memory_equal(ra.hash, rb.hash, 32);
	assert_int_equal(ra.keys, rb.keys);
	free(next);
	ts_feeds_free(&feeds);
	ts_close(&a);
	ts_close(&b);
	net_free(&n);
}

/* The lists a store gives equal the model's. */
static void test_lists(void **state)
{
	uint64_t rng = ct_test_seed("test_lists");
	struct mkey *keys = NULL;
	ct_reader *r = NULL;
	ts_store s;
	size_t nk, i;
	net n;

	net_keys(&n);
	ts_open(&s, NULL);
	net_build(&n, s.l, &rng, 80);
	nk = model_keys(s.l, &keys);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	for (i = 0; i < nk; i++) {
		ct_buf got = CT_BUF_INIT;
		uint8_t vh[32];
		bool present = false;
		CT_OK_OR_FAIL(ct_netindex_list(&present, r, keys[i].key, keys[i].len, collect, &got));
		assert_true(present);
		ct_netindex_list_hash(vh, (const uint8_t(*)[32])got.ptr, got.len / 32);
		assert_memory_equal(vh, keys[i].vh, 32);
		ct_buf_free(&got);
	}
	ct_reader_end(r);
	free(keys);
	ts_close(&s);
	net_free(&n);
}

/* A random well-formed key, usually absent. */
static size_t random_key(uint64_t *rng, uint8_t out[CT_NETKEY_MAX])
{
	static const char types[] = "ispc";
	uint8_t raw[32];
	char id[16];

	switch (ct_test_rand(rng) % 4) {
	case 0:
		snprintf(id, sizeof(id), "I-%d", (int)(ct_test_rand(rng) % 100));
		return ct_netkey_id(out, types[ct_test_rand(rng) % 4], id, strlen(id));
	case 1:
		for (size_t i = 0; i < 32; i++)
			raw[i] = (uint8_t)ct_test_rand(rng);
		return ct_netkey_revoked(out, raw);
	case 2:
		for (size_t i = 0; i < 32; i++)
			raw[i] = (uint8_t)ct_test_rand(rng);
		return ct_test_rand(rng) % 2 ? ct_netkey_org(out, raw) : ct_netkey_fork(out, raw);
	default:
		snprintf(id, sizeof(id), "%c%d", 'A' + (int)(ct_test_rand(rng) % 26), (int)(ct_test_rand(rng) % 9));
		return ct_netkey_id(out, types[ct_test_rand(rng) % 4], id, strlen(id));
	}
}

struct query {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	bool present;
};

/* Proves qs, checks the proof, then checks that each tampering is refused. */
static void prove_and_check(ct_ledger *l, struct query *qs, size_t nq, uint64_t *rng)
{
	const uint8_t *keys[64];
	size_t lens[64], nleaves = 0, i, nabsent = 0;
	ct_netleaf *leaves = NULL, *absent, *copy;
	ct_netindex_root root;
	ct_buf stream = CT_BUF_INIT;
	ct_reader *r = NULL;

	for (i = 0; i < nq; i++) {
		keys[i] = qs[i].key;
		lens[i] = qs[i].len;
	}
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_netindex_root_get(&root, r));
	CT_OK_OR_FAIL(ct_netindex_prove(&leaves, &nleaves, &stream, r, keys, lens, nq));
	assert_non_null(absent = calloc(nq + 1, sizeof(*absent)));
	for (i = 0; i < nq; i++) {
		bool found = false;
		for (size_t j = 0; j < nleaves; j++)
			found |= leaves[j].len == qs[i].len && !memcmp(leaves[j].key, qs[i].key, qs[i].len);
		qs[i].present = found;
		if (!found) {
			memcpy(absent[nabsent].key, qs[i].key, qs[i].len);
			absent[nabsent++].len = qs[i].len;
		}
		/* the store agrees on presence */
		{
			bool present = false;
			CT_OK_OR_FAIL(ct_netindex_list(&present, r, qs[i].key, qs[i].len, ignore, NULL));
			assert_int_equal(present, found);
		}
	}
	CT_OK_OR_FAIL(ct_netindex_verify(root.hash, leaves, nleaves, stream.ptr, stream.len, absent, nabsent));
	/* a flipped byte of the proof */
	if (stream.len) {
		size_t at = (size_t)(ct_test_rand(rng) % stream.len);
		stream.ptr[at] ^= (uint8_t)(1 + ct_test_rand(rng) % 255);
		assert_int_not_equal(ct_netindex_verify(root.hash, leaves, nleaves, stream.ptr, stream.len, absent, nabsent), 0);
		stream.ptr[at] ^= 0; /* restored below by proving again */
	}
	/* a wrong list hash */
	if (nleaves) {
		assert_non_null(copy = malloc(nleaves * sizeof(*copy)));
		memcpy(copy, leaves, nleaves * sizeof(*copy));
		copy[ct_test_rand(rng) % nleaves].vh[0] ^= 1;
		ct_netleaf *again = NULL;
		size_t nagain = 0;

		ct_buf_free(&stream);
		CT_OK_OR_FAIL(ct_netindex_prove(&again, &nagain, &stream, r, keys, lens, nq));
		free(again);
		assert_int_equal(ct_netindex_verify(root.hash, copy, nleaves, stream.ptr, stream.len, absent, nabsent),
				 CT_EPROOF);
		free(copy);
	}
	/* a present key said absent */
	for (i = 0; i < nq; i++) {
		if (!qs[i].present)
			continue;
		memcpy(absent[nabsent].key, qs[i].key, qs[i].len);
		absent[nabsent].len = qs[i].len;
		assert_int_equal(ct_netindex_verify(root.hash, leaves, nleaves, stream.ptr, stream.len, absent, nabsent + 1),
				 CT_EPROOF);
		break;
	}
	/* a leaf left out, when its neighbour does not stand in for it */
	if (nleaves > 1) {
		assert_int_not_equal(ct_netindex_verify(root.hash, leaves + 1, nleaves - 1, stream.ptr, stream.len, absent, nabsent), 0);
	}
	ct_reader_end(r);
	free(leaves);
	free(absent);
	ct_buf_free(&stream);
}

static void test_proofs(void **state)
{
	uint64_t rng = ct_test_seed("test_proofs");
	struct mkey *keys = NULL;
	struct query qs[40];
	ts_store s;
	size_t nk, i, round;
	net n;

	net_keys(&n);
	ts_open(&s, NULL);
	net_build(&n, s.l, &rng, 200);
	update(s.l);
	nk = model_keys(s.l, &keys);
	for (round = 0; round < 60; round++) {
		size_t nq = 1 + (size_t)(ct_test_rand(&rng) % 30);
		for (i = 0; i < nq; i++) {
			if (ct_test_rand(&rng) % 2) {
				const struct mkey *k = &keys[ct_test_rand(&rng) % nk];
				memcpy(qs[i].key, k->key, k->len);
				qs[i].len = k->len;
			} else {
				qs[i].len = random_key(&rng, qs[i].key);
			}
		}
		prove_and_check(s.l, qs, nq, &rng);
	}
	free(keys);
	ts_close(&s);
	net_free(&n);
}

/* Proofs in the smallest tries: empty, one leaf, two leaves. */
static void test_small_tries(void **state)
{
	uint64_t rng = ct_test_seed("test_small_tries");
	struct query q[2];
	ct_netleaf *leaves = NULL;
	size_t nleaves = 9;
	ct_buf stream = CT_BUF_INIT;
	ct_reader *r = NULL;
	ts_store s;
	net n;

	net_keys(&n);
	ts_open(&s, NULL);
	update(s.l);
	q[0].len = ct_netkey_id(q[0].key, 'i', "X", 1);
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	CT_OK_OR_FAIL(ct_netindex_prove(&leaves, &nleaves, &stream, r, (const uint8_t *const[]){q[0].key},
					&q[0].len, 1));
	assert_int_equal(nleaves, 0);
	assert_int_equal(stream.len, 0);
	ct_reader_end(r);
	free(leaves);
	/* the genesis alone has no key; one admission makes one leaf */
	ts_append_ok(s.l, n.bureau, ts_day(0), NULL, "network.genesis",
		     "{'name':'T','districts':['n'],'policy':{'min_ratio':3,'grace_days':0}}");
	ts_append_ok(s.l, n.bureau, ts_day(1), NULL, "org.admit",
		     "{'key':'%s','name':'Lab','tier':'city','scope':['mass'],'valid_from':'2026-01-01',"
		     "'valid_until':'2030-01-01'}",
		     ts_key(n.labs[0]));
	update(s.l);
	assert_model(s.l);
	q[1].len = ct_netkey_org(q[1].key, ct_keypair_public(n.labs[0]));
	prove_and_check(s.l, q, 2, &rng);
	ts_append_ok(s.l, n.bureau, ts_day(2), NULL, "person.certify",
		     "{'person':'P-1','name':'Li Wei','scope':['mass'],'valid_until':'2029-01-01'}");
	update(s.l);
	assert_model(s.l);
	prove_and_check(s.l, q, 2, &rng);
	ct_buf_free(&stream);
	ts_close(&s);
	net_free(&n);
}

/* A fork puts a fork key in the index; of two proofs every store keeps the smaller. */
static void test_forks(void **state)
{
	uint64_t rng = ct_test_seed("test_forks");
	ct_buf x = CT_BUF_INIT, y = CT_BUF_INIT, z = CT_BUF_INIT;
	ct_netindex_root ra, rb;
	ct_ingest_result res;
	ts_feeds feeds;
	ts_store a, b;
	ct_batch *bt = NULL;
	const ts_feed *lab = NULL;
	uint8_t prev[32];
	size_t f;
	net n;

	net_keys(&n);
	ts_open(&a, NULL);
	ts_open(&b, NULL);
	net_build(&n, a.l, &rng, 30);
	ts_feeds_read(a.l, &feeds);
	for (f = 0; f < feeds.count; f++) {
		assert_int_equal(ts_ingest(b.l, feeds.feeds[f].entries[0].ptr, feeds.feeds[f].entries[0].len, &res), 0);
		for (size_t i = 1; i < feeds.feeds[f].count; i++)
			assert_int_equal(ts_ingest(b.l, feeds.feeds[f].entries[i].ptr, feeds.feeds[f].entries[i].len, &res), 0);
		if (!memcmp(feeds.feeds[f].author, ct_keypair_public(n.labs[0]), 32))
			lab = &feeds.feeds[f];
	}
	assert_non_null(lab);
	assert_true(lab->count >= 3);
	update(a.l);
	update(b.l);
	root_of(a.l, &ra);
	assert_int_equal(ra.nforks, 0);
	/* two other entries at seq 3 and 2 of lab 0: forks at 3 (a), then at 2 (b); then a gets b's */
	ct_entry_hash(prev, lab->entries[1].ptr, lab->entries[1].len);
	ts_sign(&x, n.labs[0], 3, prev, ts_day(500), "instrument.retire", "{'id':'X-1','effective':'2026-05-01'}");
	ct_entry_hash(prev, lab->entries[0].ptr, lab->entries[0].len);
	ts_sign(&y, n.labs[0], 2, prev, ts_day(501), "instrument.retire", "{'id':'X-2','effective':'2026-05-01'}");
	assert_int_equal(ts_ingest(a.l, x.ptr, x.len, &res), 0);
	assert_int_equal(res, CT_INGEST_FORK);
	assert_int_equal(ts_ingest(b.l, y.ptr, y.len, &res), 0);
	assert_int_equal(res, CT_INGEST_FORK);
	update(a.l);
	update(b.l);
	root_of(a.l, &ra);
	root_of(b.l, &rb);
	assert_int_equal(ra.nforks, 1);
	assert_int_equal(rb.nforks, 1);
	assert_memory_not_equal(ra.forks, rb.forks, 32); /* different proofs */
	/* each hears of the other's proof: the smaller (b's, at seq 2) stays on both */
	CT_OK_OR_FAIL(ct_batch_begin(&bt, a.l));
	CT_OK_OR_FAIL(ct_batch_record_fork(bt, lab->entries[1].ptr, lab->entries[1].len, y.ptr, y.len));
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	CT_OK_OR_FAIL(ct_batch_begin(&bt, b.l));
	assert_int_equal(ct_batch_record_fork(bt, x.ptr, x.len, lab->entries[2].ptr, lab->entries[2].len), CT_EEXISTS);
	CT_OK_OR_FAIL(ct_batch_commit(bt));
	update(a.l);
	update(b.l);
	root_of(a.l, &ra);
	root_of(b.l, &rb);
	assert_memory_equal(ra.forks, rb.forks, 32);
	assert_memory_equal(ra.hash, rb.hash, 32);
	/* the fork key is present with the proof's two entries, the smaller hash first at one seq */
	{
		uint8_t key[CT_NETKEY_MAX], h[2][32];
		ct_buf got = CT_BUF_INIT;
		size_t len = ct_netkey_fork(key, ct_keypair_public(n.labs[0]));
		ct_reader *r = NULL;
		bool present = false;
		ct_entry_hash(h[0], lab->entries[1].ptr, lab->entries[1].len);
		ct_entry_hash(h[1], y.ptr, y.len);
		if (memcmp(h[1], h[0], 32) < 0) {
			uint8_t t[32];
			memcpy(t, h[0], 32);
			memcpy(h[0], h[1], 32);
			memcpy(h[1], t, 32);
		}
		CT_OK_OR_FAIL(ct_reader_begin(&r, a.l));
		CT_OK_OR_FAIL(ct_netindex_list(&present, r, key, len, collect, &got));
		ct_reader_end(r);
		assert_true(present);
		assert_int_equal(got.len, 64);
		assert_memory_equal(got.ptr, h, 64);
		ct_buf_free(&got);
	}
	(void)z;
	ct_buf_free(&x);
	ct_buf_free(&y);
	ct_buf_free(&z);
	ts_feeds_free(&feeds);
	ts_close(&a);
	ts_close(&b);
	net_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_matches_model), cmocka_unit_test(test_order_independent),
	    cmocka_unit_test(test_lists),		cmocka_unit_test(test_proofs),
	    cmocka_unit_test(test_small_tries),	cmocka_unit_test(test_forks),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
