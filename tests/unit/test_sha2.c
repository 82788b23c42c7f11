/*
 * caltrace/base/sha2.h: libcrypto's digests are SHA-256's and SHA-512's,
 * in parts or whole, on several threads, and the libsodium fallback gives
 * the same.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "ct_test.h"
#include "caltrace/base/sha2.h"

static void hex(uint8_t *out, size_t size, const char *h)
{
	size_t len = 0;

	assert_int_equal(sodium_hex2bin(out, size, h, strlen(h), NULL, &len, NULL), 0);
	assert_int_equal(len, size);
}

static void sha512(uint8_t out[64], const void *p, size_t len)
{
	ct_sha512_parts(out, (const ct_sha2_part[]){{p, len}}, 1);
}

/*
 * The examples of FIPS 180-2, appendices B (SHA-256) and C (SHA-512): one block, two blocks, a
 * million 'a'; and the empty message.
 */
static void check_vectors(void)
{
	static const struct {
		const char *msg, *digest;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	static const struct {
		const char *msg, *digest;
	} v512[] = {
	    {"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b9"
		 "31bd47417a81a538327af927da3e"},
	    {"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
		    "454d4423643ce80e2a9ac94fa54ca49f"},
	    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
	     "nopqrstu",
	     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329"
	     "eeb6dd26545e96e55b874be909"},
	};
	static uint8_t million[1000000];
	uint8_t want[64], got[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex(want, 32, v[i].digest);
		ct_sha256(got, v[i].msg, strlen(v[i].msg));
		assert_memory_equal(got, want, 32);
	}
	for (size_t i = 0; i < sizeof(v512) / sizeof(v512[0]); i++) {
		hex(want, 64, v512[i].digest);
		sha512(got, v512[i].msg, strlen(v512[i].msg));
		assert_memory_equal(got, want, 64);
	}
	memset(million, 'a', sizeof(million));
	hex(want, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	ct_sha256(got, million, sizeof(million));
	assert_memory_equal(got, want, 32);
	hex(want, 64,
	    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb00"
	    "9c5c2c49aa2e4eadb217ad8cc09b");
	sha512(got, million, sizeof(million));
	assert_memory_equal(got, want, 64);
}

/* Random messages, cut into random parts (empty ones among them), against libsodium's digest of the whole. */
static void check_random(uint64_t *rng, int rounds)
{
	uint8_t msg[3000]; /* on each thread's stack */
	uint8_t want[64], got[64];

	for (int r = 0; r < rounds; r++) {
		size_t len = ct_test_rand(rng) % sizeof(msg), at = 0, n = 0;
		ct_sha2_part parts[8];

		for (size_t i = 0; i < len; i++)
			msg[i] = (uint8_t)ct_test_rand(rng);
		while (n < 7 && at < len) {
			size_t take = ct_test_rand(rng) % 3 == 0 ? 0 : ct_test_rand(rng) % (len - at + 1);
			parts[n++] = (ct_sha2_part){msg + at, take};
			at += take;
		}
		parts[n++] = (ct_sha2_part){msg + at, len - at};
		crypto_hash_sha256(want, msg, len);
		ct_sha256_parts(got, parts, n);
		assert_memory_equal(got, want, 32);
		ct_sha256(got, msg, len);
		assert_memory_equal(got, want, 32);
		crypto_hash_sha512(want, msg, len);
		ct_sha512_parts(got, parts, n);
		assert_memory_equal(got, want, 64);
	}
}

static void test_vectors(void **state)
{
	(void)state;
	check_vectors();
}

static void test_random_parts(void **state)
{
	uint64_t rng = ct_test_seed("test_random_parts");

	(void)state;
	check_random(&rng, 2000);
}

struct worker {
	uint64_t seed;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	check_random(&w->seed, 500);
	return NULL;
}

/* Each thread its own context: four threads at once agree with libsodium. */
static void test_threads(void **state)
{
	uint64_t rng = ct_test_seed("test_threads");
	struct worker w[4];
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i].seed = ct_test_rand(&rng);
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

/* The fallback, as when libcrypto gives no context: the same digests. */
static void test_sodium_fallback(void **state)
{
	uint64_t rng = ct_test_seed("test_sodium_fallback");

	(void)state;
	ct__sha256_use_sodium(1);
	check_vectors();
	check_random(&rng, 500);
	ct__sha256_use_sodium(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_random_parts),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_sodium_fallback),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
