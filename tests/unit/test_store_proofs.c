/*
 * Merkle trees kept by the store (RFC 6962/9162 over each feed's encoded
 * entries), checked against an in-memory tree and the verifiers; the state
 * digest recomputed from its definition.
 */
#include <sodium.h>

#include "ct_store_test.h"

#define FEED_SIZE 21

/* A store with the bureau's genesis and FEED_SIZE - 1 more bureau entries; hashes[i] of entry i+1. */
static void build_feed(ts_store *s, ct_keypair *bureau, uint8_t hashes[FEED_SIZE][32])
{
	int i;

	ts_open(s, NULL);
	ts_append_ok(s->l, bureau, ts_day(0), hashes[0], "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{}}");
	for (i = 1; i < FEED_SIZE; i++)
		ts_append_ok(s->l, bureau, ts_day(i), hashes[i], "person.certify",
			     "{'person':'P-%d','name':'N','scope':['mass'],'valid_until':'2030-01-01'}", i);
}

static void test_roots_and_proofs(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1);
	const uint8_t *author = ct_keypair_public(bureau);
	uint8_t hashes[FEED_SIZE][32], root[32], want[32], old_root[32];
	uint8_t proof[CT_MERKLE_MAX_PROOF][CT_HASH_BYTES];
	ct_memtree *mem = NULL;
	ct_reader *r = NULL;
	size_t count;
	uint64_t size, seq, old;
	ct_entry e;
	ts_store s;

	build_feed(&s, bureau, hashes);
	CT_OK_OR_FAIL(ct_memtree_new(&mem));
	CT_OK_OR_FAIL(ct_reader_begin(&r, s.l));
	/* the empty tree */
	CT_OK_OR_FAIL(ct_read_root(root, r, author, 0));
	crypto_hash_sha256(want, (const uint8_t *)"", 0);
	assert_memory_equal(root, want, 32);
	for (size = 1; size <= FEED_SIZE; size++) {
		/* the leaf is the entry hash: SHA-256(0x00 || encoded entry) */
		CT_OK_OR_FAIL(ct_read_entry(&e, r, author, size));
		ct_merkle_leaf_hash(want, e.raw, e.raw_len);
		assert_memory_equal(want, hashes[size - 1], 32);
		CT_OK_OR_FAIL(ct_memtree_append(mem, hashes[size - 1]));
		CT_OK_OR_FAIL(ct_read_root(root, r, author, size));
		CT_OK_OR_FAIL(ct_merkle_root(want, size, ct_memtree_get, mem));
		assert_memory_equal(root, want, 32);
		for (seq = 1; seq <= size; seq++) {
			CT_OK_OR_FAIL(ct_read_inclusion_proof(proof, &count, r, author, seq, size));
			CT_OK_OR_FAIL(
			    ct_merkle_verify_inclusion(hashes[seq - 1], seq - 1, size, proof, count, root));
			if (count > 0) { /* a spoiled proof fails */
				proof[count - 1][0] ^= 1;
				assert_int_equal(ct_merkle_verify_inclusion(hashes[seq - 1], seq - 1, size,
									    proof, count, root),
						 CT_EPROOF);
			}
			if (size > 1) /* the wrong leaf fails */
				assert_int_equal(ct_merkle_verify_inclusion(hashes[seq % size], seq - 1, size,
									    proof, count, root),
						 CT_EPROOF);
		}
		for (old = 1; old <= size; old++) {
			CT_OK_OR_FAIL(ct_read_root(old_root, r, author, old));
			CT_OK_OR_FAIL(ct_read_consistency_proof(proof, &count, r, author, old, size));
			CT_OK_OR_FAIL(ct_merkle_verify_consistency(old, size, old_root, root, proof, count));
			if (old < size)
				assert_int_equal(
				    ct_merkle_verify_consistency(old, size, root, root, proof, count),
				    CT_EPROOF);
		}
	}
	/* sizes past the feed and seqs outside the tree */
	assert_int_equal(ct_read_root(root, r, author, FEED_SIZE + 1), CT_EINVAL);
	assert_int_equal(ct_read_inclusion_proof(proof, &count, r, author, 0, FEED_SIZE), CT_EINVAL);
	assert_int_equal(ct_read_inclusion_proof(proof, &count, r, author, 5, 4), CT_EINVAL);
	assert_int_equal(ct_read_inclusion_proof(proof, &count, r, author, 1, FEED_SIZE + 1), CT_EINVAL);
	assert_int_equal(ct_read_consistency_proof(proof, &count, r, author, 1, FEED_SIZE + 1), CT_EINVAL);
	assert_int_equal(ct_read_consistency_proof(proof, &count, r, author, 5, 4), CT_EINVAL);
	ct_reader_end(r);
	ct_memtree_free(mem);
	ts_close(&s);
	ct_keypair_free(bureau);
}

/* The digest by its definition in ledger.h, from the heads. */
static void digest_by_hand(uint8_t out[32], const ct_feed_head *heads, size_t n)
{
	static const char context[] = "caltrace/digest/v1";
	crypto_hash_sha256_state st;
	uint8_t size_be[8];
	size_t i;
	int b;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)context, strlen(context) + 1);
	for (i = 0; i < n; i++) {
		if (i > 0) /* sorted bytewise by author */
			assert_true(memcmp(heads[i - 1].author, heads[i].author, 32) < 0);
		for (b = 0; b < 8; b++)
			size_be[b] = (uint8_t)(heads[i].size >> (56 - 8 * b));
		crypto_hash_sha256_update(&st, heads[i].author, 32);
		crypto_hash_sha256_update(&st, size_be, 8);
		crypto_hash_sha256_update(&st, heads[i].head, 32);
	}
	crypto_hash_sha256_final(&st, out);
}

static void test_digest_definition(void **state)
{
	ct_keypair *bureau = ct_test_keypair(1), *labs[4];
	uint8_t want[32], h[32];
	ts_state st;
	ts_store s;
	int i, j;

	ts_open(&s, NULL);
	ts_state_read(s.l, &st);
	digest_by_hand(want, NULL, 0); /* an empty store */
	assert_memory_equal(st.digest, want, 32);
	ts_state_free(&st);
	ts_append_ok(s.l, bureau, ts_day(0), h, "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{}}");
	for (i = 0; i < 4; i++) {
		labs[i] = ct_test_keypair(40 + i * 50);
		ts_append_ok(
		    s.l, bureau, ts_day(1), NULL, "org.admit",
		    "{'key':'%s','name':'L','tier':'city','scope':['mass'],'valid_from':0,'valid_until':1}",
		    ts_key(labs[i]));
		for (j = 0; j <= i; j++)
			ts_append_ok(s.l, labs[i], ts_day(2 + j), NULL, "instrument.register",
				     "{'id':'I-%d-%d','category':'mass','district':'n','owner':'o','mpe':{'"
				     "rel_ppm':1}}",
				     i, j);
	}
	ts_state_read(s.l, &st);
	assert_int_equal(st.nheads, 5);
	digest_by_hand(want, st.heads, st.nheads);
	assert_memory_equal(st.digest, want, 32);
	for (i = 0; i < 5; i++) /* heads are what they claim */
		if (memcmp(st.heads[i].author, ct_keypair_public(bureau), 32) == 0)
			assert_int_equal(st.heads[i].size, 5);
	ts_state_free(&st);
	ts_close(&s);
	for (i = 0; i < 4; i++)
		ct_keypair_free(labs[i]);
	ct_keypair_free(bureau);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roots_and_proofs),
	    cmocka_unit_test(test_digest_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
