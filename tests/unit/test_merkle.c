/*
 * Merkle trees against a naive recursive RFC 6962/9162 model
 * (merkle_model.h): a seeded cross-check of roots and proofs over random
 * trees (and exhaustively over a small one), with bounds on the reads a
 * proof takes; mutated proofs that must be refused; the edge cases of
 * equal sizes and the empty tree; and bad arguments. The published
 * RFC 6962 vectors are in test_merkle_vectors.c.
 */
#include "merkle_model.h"

/* ---- seeded cross-check against the naive model ---- */

/* Builds a tree of n random leaves in s (leaves also into leaves[]), checking every root on the way. */
static void build_random(struct store *s, uint8_t (*leaves)[H], uint64_t n, uint64_t *rng,
			 int check_every_root)
{
	uint8_t root[H], want[H], data[8];
	uint64_t i, r;

	store_init(s, n);
	for (i = 0; i <= n; i++) {
		if (check_every_root || i == n || (ct_test_rand(rng) % 64) == 0) {
			s->visible = i;
			CT_OK_OR_FAIL(ct_merkle_root(root, i, store_get, s));
			naive_mth(want, (const uint8_t(*)[H])leaves, i);
			if (memcmp(root, want, H) != 0)
				fail_msg("root of size %llu differs from the naive MTH",
					 (unsigned long long)i);
		}
		if (i == n)
			break;
		r = ct_test_rand(rng);
		memcpy(data, &r, sizeof(data));
		ct_merkle_leaf_hash(leaves[i], data, sizeof(data));
		s->visible = i + 1;
		CT_OK_OR_FAIL(ct_merkle_append(i, leaves[i], store_get, store_put, s));
	}
	assert_int_equal(s->bad_reads, 0);
}

static void check_inclusion(struct store *s, const uint8_t (*leaves)[H], uint64_t index, uint64_t size)
{
	static uint8_t proof[CT_MERKLE_MAX_PROOF][H], want[PROOF_ROOM][H];
	uint8_t root[H];
	size_t count, want_count = 0;
	unsigned long gets;

	s->visible = size;
	gets = s->gets;
	CT_OK_OR_FAIL(ct_merkle_inclusion_proof(proof, &count, index, size, store_get, s));
	gets = s->gets - gets;
	assert_int_equal(s->bad_reads, 0);
	if (gets > 3 * ceil_log2(size) + 3)
		fail_msg("inclusion proof %llu of %llu took %lu reads", (unsigned long long)index,
			 (unsigned long long)size, gets);
	naive_path(want, &want_count, NULL, index, leaves, size);
	assert_int_equal(count, want_count);
	assert_memory_equal(proof, want, count * H);
	naive_mth(root, leaves, size);
	CT_OK_OR_FAIL(
	    ct_merkle_verify_inclusion(leaves[index], index, size, (const uint8_t(*)[H])proof, count, root));
}

static void check_consistency(struct store *s, const uint8_t (*leaves)[H], uint64_t m, uint64_t n)
{
	static uint8_t proof[CT_MERKLE_MAX_PROOF][H], want[PROOF_ROOM][H];
	uint8_t root_m[H], root_n[H];
	size_t count, want_count = 0;
	unsigned long gets;

	s->visible = n;
	gets = s->gets;
	CT_OK_OR_FAIL(ct_merkle_consistency_proof(proof, &count, m, n, store_get, s));
	gets = s->gets - gets;
	assert_int_equal(s->bad_reads, 0);
	if (gets > 3 * ceil_log2(n) + 3)
		fail_msg("consistency proof %llu -> %llu took %lu reads", (unsigned long long)m,
			 (unsigned long long)n, gets);
	if (m == 0 || m == n)
		assert_int_equal(count, 0);
	else
		naive_consistency(want, &want_count, NULL, m, leaves, n);
	assert_int_equal(count, want_count);
	assert_memory_equal(proof, want, count * H);
	naive_mth(root_m, leaves, m);
	naive_mth(root_n, leaves, n);
	if (m == 0)
		assert_int_equal(
		    ct_merkle_verify_consistency(m, n, root_m, root_n, (const uint8_t(*)[H])proof, count),
		    CT_EPROOF);
	else
		CT_OK_OR_FAIL(
		    ct_merkle_verify_consistency(m, n, root_m, root_n, (const uint8_t(*)[H])proof, count));
}

static void cross_check_tree(uint64_t n, uint64_t *rng, int probes)
{
	struct store s;
	uint8_t(*leaves)[H] = calloc(n + 1, H);
	int i;

	assert_non_null(leaves);
	build_random(&s, leaves, n, rng, n <= 300);
	for (i = 0; i < probes; i++) {
		uint64_t size = 1 + ct_test_rand(rng) % n;
		uint64_t new_size = ct_test_rand(rng) % (n + 1);

		check_inclusion(&s, (const uint8_t(*)[H])leaves, ct_test_rand(rng) % size, size);
		check_consistency(&s, (const uint8_t(*)[H])leaves, ct_test_rand(rng) % (new_size + 1),
				  new_size);
	}
	/* The edges: first and last leaf, and the sizes next to the top. */
	check_inclusion(&s, (const uint8_t(*)[H])leaves, 0, n);
	check_inclusion(&s, (const uint8_t(*)[H])leaves, n - 1, n);
	check_consistency(&s, (const uint8_t(*)[H])leaves, 1, n);
	check_consistency(&s, (const uint8_t(*)[H])leaves, n - 1, n);
	check_consistency(&s, (const uint8_t(*)[H])leaves, n, n);
	store_free(&s);
	free(leaves);
}

static void test_random_cross_check(void **state)
{
	uint64_t rng = ct_test_seed("test_random_cross_check");
	uint64_t n;
	int i;

	(void)state;
	/* Every size up to 70 exhaustively small, then random ones. */
	for (n = 1; n <= 70; n++)
		cross_check_tree(n, &rng, 8);
	for (i = 0; i < 20; i++)
		cross_check_tree(1 + ct_test_rand(&rng) % 300, &rng, 100);
	for (i = 0; i < 3; i++)
		cross_check_tree(1000 + ct_test_rand(&rng) % 4001, &rng, 60);
}

/* Every pair (index, size) and (m, n) in a tree of 40 leaves, against the naive model. */
static void test_exhaustive_small(void **state)
{
	struct store s;
	uint8_t leaves[40][H];
	uint64_t rng = 40, a, b;

	(void)state;
	build_random(&s, leaves, 40, &rng, 1);
	for (b = 1; b <= 40; b++) {
		for (a = 0; a < b; a++)
			check_inclusion(&s, (const uint8_t(*)[H])leaves, a, b);
		for (a = 0; a <= b; a++)
			check_consistency(&s, (const uint8_t(*)[H])leaves, a, b);
	}
	store_free(&s);
}

/* ---- mutated proofs ---- */

static void expect_inclusion(int want_ok, const uint8_t leaf[static H], uint64_t index, uint64_t size,
			     const uint8_t (*proof)[H], size_t count, const uint8_t root[static H],
			     const char *what)
{
	int rc;

	ct_error_clear();
	rc = ct_merkle_verify_inclusion(leaf, index, size, proof, count, root);
	if (want_ok && rc != 0)
		fail_msg("%s: rejected: %s", what, ct_error_last());
	if (!want_ok && rc != CT_EPROOF)
		fail_msg("%s: rc %d, expected CT_EPROOF", what, rc);
	if (!want_ok)
		assert_true(ct_error_last()[0] != '\0');
}

static void mutate_inclusion(const uint8_t (*leaves)[H], uint64_t index, uint64_t size)
{
	uint8_t proof[PROOF_ROOM][H], root[H], bad[H];
	char shape[PROOF_ROOM], other[PROOF_ROOM];
	uint64_t sizes[4] = {size - 1, size + 1, size * 2, size / 2};
	size_t count = 0, i;
	unsigned bit;

	naive_path(proof, &count, NULL, index, leaves, size);
	naive_mth(root, leaves, size);
	expect_inclusion(1, leaves[index], index, size, (const uint8_t(*)[H])proof, count, root, "genuine");
	for (i = 0; i < count; i++) {
		for (bit = 0; bit < 8 * H; bit += 37) {
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count,
					 root, "flipped bit");
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	memcpy(bad, root, H);
	bad[H - 1] ^= 1;
	expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count, bad, "wrong root");
	memcpy(bad, leaves[index], H);
	bad[0] ^= 0x80;
	expect_inclusion(0, bad, index, size, (const uint8_t(*)[H])proof, count, root, "wrong leaf");
	if (count > 0) {
		expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count - 1, root,
				 "truncated");
		expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof + 1, count - 1,
				 root, "first hash dropped");
	}
	memcpy(proof[count], root, H);
	expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count + 1, root,
			 "extended");
	/* Another index in the same tree follows another path: always refused. */
	for (i = 0; i < size + 2; i++)
		if (i != index)
			expect_inclusion(0, leaves[index], i, size, (const uint8_t(*)[H])proof, count, root,
					 "wrong index");
	/*
	 * Another size: the proof hashes the same way exactly when the path
	 * has the same shape, and then it checks (the root pins the size).
	 */
	inclusion_shape(shape, index, size);
	for (i = 0; i < 4; i++) {
		int same = 0;

		if (sizes[i] == size)
			continue;
		if (index < sizes[i]) {
			inclusion_shape(other, index, sizes[i]);
			same = strcmp(shape, other) == 0;
		}
		expect_inclusion(same, leaves[index], index, sizes[i], (const uint8_t(*)[H])proof, count,
				 root, "wrong size");
	}
}

static void test_inclusion_mutations(void **state)
{
	uint8_t leaves[24][H];
	uint64_t index, size;

	(void)state;
	for (index = 0; index < 24; index++)
		ct_merkle_leaf_hash(leaves[index], (const uint8_t *)&index, sizeof(index));
	for (size = 1; size <= 24; size++)
		for (index = 0; index < size; index++)
			mutate_inclusion((const uint8_t(*)[H])leaves, index, size);
}

static void expect_consistency(int want_ok, uint64_t m, uint64_t n, const uint8_t root_m[static H],
			       const uint8_t root_n[static H], const uint8_t (*proof)[H], size_t count,
			       const char *what)
{
	int rc;

	ct_error_clear();
	rc = ct_merkle_verify_consistency(m, n, root_m, root_n, proof, count);
	if (want_ok && rc != 0)
		fail_msg("%s (%llu -> %llu): rejected: %s", what, (unsigned long long)m,
			 (unsigned long long)n, ct_error_last());
	if (!want_ok && rc != CT_EPROOF)
		fail_msg("%s (%llu -> %llu): rc %d, expected CT_EPROOF", what, (unsigned long long)m,
			 (unsigned long long)n, rc);
	if (!want_ok)
		assert_true(ct_error_last()[0] != '\0');
}

/* Would the proof for (m, n) also check as a proof for (m2, n2)? Only if it hashes the same way. */
static int same_consistency_shape(uint64_t m, uint64_t n, uint64_t m2, uint64_t n2)
{
	char a[PROOF_ROOM], b[PROOF_ROOM];

	if (m2 == 0 || m2 >= n2)
		return 0;
	consistency_shape(a, m, n);
	consistency_shape(b, m2, n2);
	return strcmp(a, b) == 0;
}

static void mutate_consistency(const uint8_t (*leaves)[H], uint64_t m, uint64_t n)
{
	uint8_t proof[PROOF_ROOM][H], root_m[H], root_n[H], bad[H];
	char sides[PROOF_ROOM], shape[PROOF_ROOM];
	uint64_t other[4][2] = {{m - 1, n}, {m + 1, n}, {m, n - 1}, {m, n + 1}};
	size_t count, i;
	unsigned bit;

	naive_consistency(proof, &count, sides, m, leaves, n);
	consistency_shape(shape, m, n);
	assert_string_equal(sides, shape);
	naive_mth(root_m, leaves, m);
	naive_mth(root_n, leaves, n);
	expect_consistency(1, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count, "genuine");
	for (i = 0; i < count; i++) {
		for (bit = 0; bit < 8 * H; bit += 29) {
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count,
					   "flipped bit");
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	memcpy(bad, root_m, H);
	bad[3] ^= 4;
	expect_consistency(0, m, n, bad, root_n, (const uint8_t(*)[H])proof, count, "wrong old root");
	memcpy(bad, root_n, H);
	bad[3] ^= 4;
	expect_consistency(0, m, n, root_m, bad, (const uint8_t(*)[H])proof, count, "wrong new root");
	expect_consistency(0, m, n, root_n, root_m, (const uint8_t(*)[H])proof, count, "swapped roots");
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count - 1, "truncated");
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof + 1, count - 1,
			   "first hash dropped");
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, 0, "empty proof");
	memcpy(proof[count], root_m, H);
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count + 1, "extended");
	expect_consistency(0, n, m, root_n, root_m, (const uint8_t(*)[H])proof, count, "sizes reversed");
	expect_consistency(0, 0, n, root_m, root_n, (const uint8_t(*)[H])proof, count, "old size 0");
	expect_consistency(0, n, n, root_m, root_n, (const uint8_t(*)[H])proof, count, "equal sizes");
	for (i = 0; i < 4; i++)
		expect_consistency(same_consistency_shape(m, n, other[i][0], other[i][1]), other[i][0],
				   other[i][1], root_m, root_n, (const uint8_t(*)[H])proof, count,
				   "wrong size");
}

static void test_consistency_mutations(void **state)
{
	uint8_t leaves[24][H];
	uint64_t m, n;

	(void)state;
	for (m = 0; m < 24; m++)
		ct_merkle_leaf_hash(leaves[m], (const uint8_t *)&m, sizeof(m));
	for (n = 2; n <= 24; n++)
		for (m = 1; m < n; m++)
			mutate_consistency((const uint8_t(*)[H])leaves, m, n);
}

/* Equal sizes and the empty tree, as the header promises. */
static void test_consistency_edges(void **state)
{
	uint8_t root[H], other[H], empty[H];
	size_t count = 7;
	uint8_t proof[CT_MERKLE_MAX_PROOF][H];
	ct_memtree *t = NULL;

	(void)state;
	CT_OK_OR_FAIL(ct_memtree_new(&t));
	crypto_hash_sha256(empty, (const uint8_t *)"", 0);
	CT_OK_OR_FAIL(ct_merkle_root(root, 0, ct_memtree_get, t));
	assert_memory_equal(root, empty, H);
	ct_merkle_leaf_hash(root, (const uint8_t *)"x", 1);
	CT_OK_OR_FAIL(ct_memtree_append(t, root));
	CT_OK_OR_FAIL(ct_merkle_consistency_proof(proof, &count, 1, 1, ct_memtree_get, t));
	assert_int_equal(count, 0);
	count = 7;
	CT_OK_OR_FAIL(ct_merkle_consistency_proof(proof, &count, 0, 1, ct_memtree_get, t));
	assert_int_equal(count, 0);
	CT_OK_OR_FAIL(ct_merkle_verify_consistency(1, 1, root, root, NULL, 0));
	memcpy(other, root, H);
	other[0] ^= 1;
	assert_int_equal(ct_merkle_verify_consistency(1, 1, root, other, NULL, 0), CT_EPROOF);
	assert_int_equal(ct_merkle_verify_consistency(0, 0, empty, empty, NULL, 0), CT_EPROOF);
	assert_int_equal(ct_merkle_verify_consistency(0, 1, empty, root, NULL, 0), CT_EPROOF);
	ct_memtree_free(t);
}

/* Bad arguments are CT_EINVAL; a failing store's error passes up unchanged. */
static int failing_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static H])
{
	(void)ctx;
	(void)level;
	(void)index;
	(void)out;
	return CT_EIO;
}

static void test_bad_arguments(void **state)
{
	uint8_t proof[CT_MERKLE_MAX_PROOF][H], root[H], leaf[H] = {0};
	size_t count;
	ct_memtree *t = NULL;

	(void)state;
	CT_OK_OR_FAIL(ct_memtree_new(&t));
	CT_OK_OR_FAIL(ct_memtree_append(t, leaf));
	CT_OK_OR_FAIL(ct_memtree_append(t, leaf));
	assert_int_equal(ct_merkle_inclusion_proof(proof, &count, 2, 2, ct_memtree_get, t), CT_EINVAL);
	assert_int_equal(ct_merkle_inclusion_proof(proof, &count, 0, 0, ct_memtree_get, t), CT_EINVAL);
	assert_int_equal(ct_merkle_consistency_proof(proof, &count, 2, 1, ct_memtree_get, t), CT_EINVAL);
	/* Asking beyond what the store has reaches the store's error. */
	assert_int_equal(ct_merkle_root(root, 3, ct_memtree_get, t), CT_ENOTFOUND);
	assert_int_equal(ct_merkle_root(root, 5, failing_get, NULL), CT_EIO);
	assert_int_equal(ct_merkle_inclusion_proof(proof, &count, 1, 5, failing_get, NULL), CT_EIO);
	assert_int_equal(ct_merkle_consistency_proof(proof, &count, 3, 5, failing_get, NULL), CT_EIO);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, 0, 0, NULL, 0, root), CT_EPROOF);
	assert_int_equal(ct_memtree_size(t), 2);
	ct_memtree_free(t);
	ct_memtree_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_cross_check),	cmocka_unit_test(test_exhaustive_small),
	    cmocka_unit_test(test_inclusion_mutations), cmocka_unit_test(test_consistency_mutations),
	    cmocka_unit_test(test_consistency_edges),	cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
