/*
 * The evaluator's hash map (core/base/hmap.c): what goes in comes out, and
 * ids a lab chooses cannot make it quadratic. The ids below are found by a
 * search against the map's old, unseeded hash (64-bit FNV-1a and a final
 * mix): they all fall in one bucket of every table up to 2^BUCKET_BITS
 * slots. Inserting them into a map must still cost a few probes each.
 */
#include "ct_test.h"
#include "caltrace/base/hmap.h"

#define N	    2000
#define BUCKET_BITS 12 /* N ids fit a table of 4096 slots (half full at most) */

/* The hash the map used before it was seeded: FNV-1a over the bytes, then a final mix. */
static uint64_t old_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* ids[i] = "INS-<k>" for the first N k whose old hash has BUCKET_BITS low bits 0 */
static char (*colliding_ids(void))[24]
{
	char(*ids)[24] = calloc(N, sizeof(*ids));
	uint64_t mask = (UINT64_C(1) << BUCKET_BITS) - 1;
	unsigned long k = 0;

	assert_non_null(ids);
	for (int n = 0; n < N; k++) {
		int len = snprintf(ids[n], sizeof(ids[n]), "INS-%lu", k);
		if ((old_hash((const uint8_t *)ids[n], (size_t)len) & mask) == 0)
			n++;
	}
	return ids;
}

static size_t insert_all(ct_hmap *m, char (*ids)[24], int *values)
{
	for (int i = 0; i < N; i++)
		CT_OK_OR_FAIL(ct_hmap_put(m, ids[i], strlen(ids[i]), &values[i]));
	return m->probes;
}

static int count_each(void *ctx, const uint8_t *key, size_t len, void *value)
{
	(void)key;
	(void)len;
	(void)value;
	++*(int *)ctx;
	return 0;
}

static void test_colliding_ids_not_quadratic(void **state)
{
	char(*ids)[24] = colliding_ids(), (*plain)[24] = calloc(N, sizeof(*plain));
	static int values[N];
	ct_hmap m = {0}, p = {0};
	size_t probes, plain_probes;
	int seen = 0;

	(void)state;
	assert_non_null(plain);
	for (int i = 0; i < N; i++)
		snprintf(plain[i], sizeof(plain[i]), "PLAIN-%d", i);
	probes = insert_all(&m, ids, values);
	plain_probes = insert_all(&p, plain, values);
	/* about 2.5 probes per insert at half load, growth included; quadratic would be ~N^2/2 */
	if (probes > 8 * N)
		fail_msg("%d ids colliding under FNV-1a took %zu probes to insert (ordinary ids: %zu)", N, probes,
			 plain_probes);
	assert_true(plain_probes <= 8 * N);
	assert_int_equal(m.count, N);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(ct_hmap_get(&m, ids[i], strlen(ids[i])), &values[i]);
	assert_null(ct_hmap_get(&m, "INS-x", 5));
	assert_int_equal(ct_hmap_each(&m, count_each, &seen), 0);
	assert_int_equal(seen, N);
	ct_hmap_free(&m, NULL);
	ct_hmap_free(&p, NULL);
	free(ids);
	free(plain);
}

/* Replacing a value, empty and 32-byte keys, and a key that is a prefix of another. */
static void test_put_get(void **state)
{
	uint8_t k32[32], k32b[32];
	int a = 1, b = 2, c = 3, d = 4;
	ct_hmap m = {0};

	(void)state;
	assert_null(ct_hmap_get(&m, "x", 1));
	memset(k32, 7, 32);
	memcpy(k32b, k32, 32);
	k32b[31] ^= 1;
	CT_OK_OR_FAIL(ct_hmap_put(&m, "", 0, &a));
	CT_OK_OR_FAIL(ct_hmap_put(&m, "ab", 2, &b));
	CT_OK_OR_FAIL(ct_hmap_put(&m, "abc", 3, &c));
	CT_OK_OR_FAIL(ct_hmap_put(&m, k32, 32, &d));
	assert_ptr_equal(ct_hmap_get(&m, "", 0), &a);
	assert_ptr_equal(ct_hmap_get(&m, "ab", 2), &b);
	assert_ptr_equal(ct_hmap_get(&m, "abc", 3), &c);
	assert_ptr_equal(ct_hmap_get(&m, k32, 32), &d);
	assert_null(ct_hmap_get(&m, k32b, 32));
	CT_OK_OR_FAIL(ct_hmap_put(&m, "ab", 2, &d));
	assert_ptr_equal(ct_hmap_get(&m, "ab", 2), &d);
	assert_int_equal(m.count, 4);
	/* another map draws another hash key */
	ct_hmap other = {0};
	CT_OK_OR_FAIL(ct_hmap_put(&other, "ab", 2, &a));
	assert_memory_not_equal(other.seed, m.seed, sizeof(m.seed));
	ct_hmap_free(&other, NULL);
	ct_hmap_free(&m, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get),
	    cmocka_unit_test(test_colliding_ids_not_quadratic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
