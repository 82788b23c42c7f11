/*
 * The fast signature checks of core/ledger/sigkey.c against libsodium: the point
 * arithmetic on random and edge scalars, and the verdicts on valid,
 * tampered and crafted signatures (seeded).
 */
#include <sodium.h>
#include <string.h>

#include "ct_test.h"
#include "caltrace/ledger/sigkey.h"

struct signer {
	uint8_t pk[32], sk[64], a[32]; /* a: the secret scalar */
};

static void signer_from(struct signer *s, uint64_t *rng)
{
	uint8_t seed[32], h[64];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)ct_test_rand(rng);
	assert_int_equal(crypto_sign_seed_keypair(s->pk, s->sk, seed), 0);
	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(s->a, h, 32);
}

static void random_scalar(uint8_t out[32], uint64_t *rng)
{
	uint8_t wide[64];

	for (int i = 0; i < 64; i++)
		wide[i] = (uint8_t)ct_test_rand(rng);
	crypto_core_ed25519_scalar_reduce(out, wide);
}

/* [a]B - [b]A by libsodium alone; false when a part is the identity (libsodium refuses it) */
static bool combine_sodium(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t pk[32])
{
	uint8_t ab[32], bA[32];

	if (crypto_scalarmult_ed25519_base_noclamp(ab, a) != 0 || crypto_scalarmult_ed25519_noclamp(bA, b, pk) != 0)
		return false;
	return crypto_core_ed25519_sub(out, ab, bA) == 0;
}

/* s < 2^252 with every w-bit window (from bit 0) set to v, the top window cut at bit 251 */
static void fill_windows(uint8_t s[32], int w, unsigned v)
{
	memset(s, 0, 32);
	for (int bit = 0; bit < 252; bit++)
		if (v >> (bit % w) & 1)
			s[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void check_combine(const ct_sigkey *k, const uint8_t a[32], const uint8_t b[32], const uint8_t pk[32])
{
	uint8_t want[32], got[32];

	if (!combine_sodium(want, a, b, pk))
		return;
	ct__sigkey_combine(k, a, b, got);
	assert_memory_equal(got, want, 32);
}

static void test_combine_matches_libsodium(void **state)
{
	uint64_t rng = ct_test_seed("test_combine_matches_libsodium");
	uint8_t one[32] = {1}, lm1[32], a[32], b[32];
	struct signer s;
	ct_sigkey *k;
	int checked = 0;

	(void)state;
	crypto_core_ed25519_scalar_negate(lm1, one); /* L - 1 */
	for (int key = 0; key < 4; key++) {
		signer_from(&s, &rng);
		CT_OK_OR_FAIL(ct_sigkey_new(&k, s.pk));
		assert_memory_equal(ct_sigkey_public(k), s.pk, 32);
		for (int i = 0; i < 100; i++, checked++) {
			random_scalar(a, &rng);
			random_scalar(b, &rng);
			check_combine(k, a, b, s.pk);
		}
		/* the key's radix-64 digits at their limits: every 6-bit window 31, 32 (-32 with a carry), 33, 63 */
		static const unsigned windows[] = {31, 32, 33, 63};
		for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
			fill_windows(b, 6, windows[i]);
			memset(a, 0, 32);
			a[0] = 1;
			check_combine(k, a, b, s.pk);
			check_combine(k, b, b, s.pk);
		}
		/* small digits: 1, 8, 15, 16, 0x88.., L - 1 */
		static const uint8_t smalls[] = {1, 2, 8, 15, 16, 0x88, 0xff};
		for (size_t i = 0; i < sizeof(smalls); i++) {
			memset(a, 0, 32);
			memset(b, 0, 32);
			a[0] = smalls[i];
			b[0] = smalls[sizeof(smalls) - 1 - i];
			check_combine(k, a, b, s.pk);
		}
		memset(a, 0x88, 31);
		a[31] = 0x08;
		memset(b, 0x77, 31);
		b[31] = 0x07;
		check_combine(k, a, b, s.pk);
		check_combine(k, lm1, lm1, s.pk);
		check_combine(k, lm1, one, s.pk);
		/* the base point's radix-256 digits at their limits: 127, -128 with a carry, carries all along */
		static const uint8_t bytes[] = {0x7f, 0x80, 0x81, 0xff};
		for (size_t i = 0; i < sizeof(bytes); i++) {
			memset(a, bytes[i], 31);
			a[31] = 0x0f;
			memset(b, 0, 32);
			b[0] = 1;
			check_combine(k, a, b, s.pk);
			check_combine(k, b, a, s.pk);
		}
		ct_sigkey_free(k);
	}
	assert_true(checked == 400);
}

#define N 64

struct batch {
	uint8_t msg[N][300];
	uint8_t sig[N][64];
	ct_signed items[N];
	bool ok[N];
};

static void sign_batch(struct batch *b, const struct signer *s, uint64_t *rng)
{
	for (int i = 0; i < N; i++) {
		size_t len = ct_test_rand(rng) % sizeof(b->msg[i]);
		for (size_t j = 0; j < len; j++)
			b->msg[i][j] = (uint8_t)ct_test_rand(rng);
		crypto_sign_detached(b->sig[i], NULL, b->msg[i], len, s->sk);
		b->items[i] = (ct_signed){b->sig[i], b->msg[i], len};
	}
}

static bool sodium_says(const struct batch *b, int i, const uint8_t pk[32])
{
	return crypto_sign_verify_detached(b->items[i].sig, b->items[i].msg, b->items[i].len, pk) == 0;
}

/* Valid signatures pass, and by the fast path (no fallback needed). */
static void test_valid_signatures(void **state)
{
	uint64_t rng = ct_test_seed("test_valid_signatures");
	static struct batch b;
	bool fast[N];
	struct signer s;
	ct_sigkey *k;

	(void)state;
	for (int round = 0; round < 4; round++) {
		signer_from(&s, &rng);
		CT_OK_OR_FAIL(ct_sigkey_new(&k, s.pk));
		sign_batch(&b, &s, &rng);
		ct__sigkey_fast(k, N, b.items, fast);
		for (int i = 0; i < N; i++)
			assert_true(fast[i]);
		assert_int_equal(ct_sigkey_verify_many(k, s.pk, N, b.items, b.ok), N);
		assert_int_equal(ct_sigkey_verify_many(NULL, s.pk, N, b.items, b.ok), N);
		ct_sigkey_free(k);
	}
}

/*
 * Runs of any length, valid signatures among ones the fast path must not
 * take (R changed, S not canonical: S + L): each item gets its own verdict.
 * The IFMA build computes eight at a time, so this checks that a lane
 * neither borrows a neighbour's answer nor shifts when one is skipped.
 */
static void test_mixed_runs(void **state)
{
	uint64_t rng = ct_test_seed("test_mixed_runs");
	/* the group order L, little-endian (RFC 8032 section 5.1) */
	static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
				      0xa2, 0xde, 0xf9, 0xde, 0x14, [31] = 0x10};
	static struct batch b;
	bool fast[N], want[N];
	struct signer s;
	ct_sigkey *k;
	int taken = 0, refused = 0;

	(void)state;
	signer_from(&s, &rng);
	CT_OK_OR_FAIL(ct_sigkey_new(&k, s.pk));
	for (int round = 0; round < 24; round++) {
		size_t n = 1 + ct_test_rand(&rng) % N;

		sign_batch(&b, &s, &rng);
		for (size_t i = 0; i < n; i++) {
			unsigned what = (unsigned)(ct_test_rand(&rng) % 4);

			want[i] = what >= 2;
			if (what == 0) {
				b.sig[i][ct_test_rand(&rng) % 32] ^= (uint8_t)(1u << (ct_test_rand(&rng) % 8));
			} else if (what == 1) {
				unsigned carry = 0;
				for (int j = 0; j < 32; j++) {
					carry += (unsigned)b.sig[i][32 + j] + L[j];
					b.sig[i][32 + j] = (uint8_t)carry;
					carry >>= 8;
				}
			}
		}
		ct__sigkey_fast(k, n, b.items, fast);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(fast[i], want[i]);
			assert_int_equal(sodium_says(&b, (int)i, s.pk), want[i]);
			taken += want[i];
			refused += !want[i];
		}
	}
	assert_true(taken > 0 && refused > 0);
	ct_sigkey_free(k);
}

/* One changed bit anywhere (R, S, message) or another key: the verdict is libsodium's, never fast. */
static void test_tampered_signatures(void **state)
{
	uint64_t rng = ct_test_seed("test_tampered_signatures");
	static struct batch b;
	bool fast[N];
	struct signer s, other;
	ct_sigkey *k, *ko;

	(void)state;
	signer_from(&s, &rng);
	signer_from(&other, &rng);
	CT_OK_OR_FAIL(ct_sigkey_new(&k, s.pk));
	CT_OK_OR_FAIL(ct_sigkey_new(&ko, other.pk));
	for (int round = 0; round < 8; round++) {
		sign_batch(&b, &s, &rng);
		for (int i = 0; i < N; i++) {
			unsigned where = (unsigned)(ct_test_rand(&rng) % 3);
			if (where == 2 && b.items[i].len == 0)
				where = 0;
			if (where == 0)
				b.sig[i][ct_test_rand(&rng) % 32] ^= (uint8_t)(1u << (ct_test_rand(&rng) % 8));
			else if (where == 1)
				b.sig[i][32 + ct_test_rand(&rng) % 32] ^= (uint8_t)(1u << (ct_test_rand(&rng) % 8));
			else
				b.msg[i][ct_test_rand(&rng) % b.items[i].len] ^= 1;
		}
		ct__sigkey_fast(k, N, b.items, fast);
		ct_sigkey_verify_many(k, s.pk, N, b.items, b.ok);
		for (int i = 0; i < N; i++) {
			assert_false(fast[i]);
			assert_int_equal(b.ok[i], sodium_says(&b, i, s.pk));
		}
	}
	/* good signatures checked against the wrong key */
	sign_batch(&b, &s, &rng);
	ct__sigkey_fast(ko, N, b.items, fast);
	assert_int_equal(ct_sigkey_verify_many(ko, other.pk, N, b.items, b.ok), 0);
	for (int i = 0; i < N; i++)
		assert_false(fast[i]);
	ct_sigkey_free(k);
	ct_sigkey_free(ko);
}

/* r, R given: S = r + H(R, A, m) a, the signature a signer who chooses R by hand makes. */
static void sign_with_r(uint8_t sig[64], const struct signer *s, const uint8_t r[32], const uint8_t R[32],
			const uint8_t *m, size_t len)
{
	crypto_hash_sha512_state st;
	uint8_t h[64], k[32], ka[32];

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, R, 32);
	crypto_hash_sha512_update(&st, s->pk, 32);
	crypto_hash_sha512_update(&st, m, len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(ka, k, s->a);
	memcpy(sig, R, 32);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
}

/* libsodium refuses item, and so do the fast path and ct_sigkey_verify_many. */
static void refused_by_both(const ct_sigkey *k, const uint8_t pk[32], const ct_signed *item)
{
	bool fast, ok;

	assert_false(crypto_sign_verify_detached(item->sig, item->msg, item->len, pk) == 0);
	ct__sigkey_fast(k, 1, item, &fast);
	assert_false(fast);
	assert_int_equal(ct_sigkey_verify_many(k, pk, 1, item, &ok), 0);
	assert_false(ok);
}

/* T = (0, -1), the point of order 2: its encoding is y = p - 1 */
static void order2_point(uint8_t T[32])
{
	memset(T, 0xff, 32);
	T[0] = 0xec;
	T[31] = 0x7f;
}

/*
 * Signatures libsodium refuses although a looser check would take them:
 * S + L (not canonical), R = -rB (right but for the sign of x),
 * R = rB + T with T of order 2 (passes a cofactored check), R the
 * identity with S = H(R, A, m) a.
 */
static void test_crafted_signatures(void **state)
{
	uint64_t rng = ct_test_seed("test_crafted_signatures");
	static const uint8_t m[] = "calibration";
	uint8_t r[32], R[32], T[32], one[32] = {1}, L[32], zero[32] = {0}, sig[64];
	ct_signed item = {sig, m, sizeof(m)};
	struct signer s;
	ct_sigkey *k;
	bool ok, fast;
	unsigned c = 0;

	(void)state;
	signer_from(&s, &rng);
	CT_OK_OR_FAIL(ct_sigkey_new(&k, s.pk));

	/* control: a hand-made ordinary signature verifies, fast */
	random_scalar(r, &rng);
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(R, r), 0);
	sign_with_r(sig, &s, r, R, m, sizeof(m));
	ct__sigkey_fast(k, 1, &item, &fast);
	assert_true(fast);
	assert_int_equal(ct_sigkey_verify_many(k, s.pk, 1, &item, &ok), 1);

	/* S + L: the same point, a non-canonical scalar */
	crypto_core_ed25519_scalar_sub(L, zero, one); /* L - 1 */
	for (int i = 0; i < 32; i++) {
		c += (unsigned)sig[32 + i] + L[i] + (i == 0);
		sig[32 + i] = (uint8_t)c;
		c >>= 8;
	}
	refused_by_both(k, s.pk, &item);

	/* R = -rB, S = r + H(R, A, m) a: [S]B - [k]A is -R, which differs from R in the sign bit alone */
	{
		uint8_t neg[32], Rn[32];
		crypto_core_ed25519_scalar_negate(neg, r);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(Rn, neg), 0);
		sign_with_r(sig, &s, r, Rn, m, sizeof(m));
		refused_by_both(k, s.pk, &item);
	}

	/* R + T, T of order 2 */
	order2_point(T);
	assert_int_equal(crypto_core_ed25519_add(R, R, T), 0);
	sign_with_r(sig, &s, r, R, m, sizeof(m));
	refused_by_both(k, s.pk, &item);

	/* R the identity, S = H(R, A, m) a: [S]B - [k]A is the identity, which libsodium refuses */
	memset(R, 0, 32);
	R[0] = 1;
	sign_with_r(sig, &s, zero, R, m, sizeof(m));
	refused_by_both(k, s.pk, &item);
	ct_sigkey_free(k);
}

/* Keys outside the prime-order subgroup get no table; their signatures are libsodium's to judge. */
static void test_odd_keys(void **state)
{
	uint64_t rng = ct_test_seed("test_odd_keys");
	uint8_t key[32], T[32];
	static struct batch b;
	struct signer s;
	ct_sigkey *k = NULL;
	int tried = 0;

	(void)state;
	memset(key, 0, 32);
	key[0] = 1; /* the identity */
	assert_int_equal(ct_sigkey_new(&k, key), CT_EINVAL);
	order2_point(T);
	assert_int_equal(ct_sigkey_new(&k, T), CT_EINVAL);
	T[0] = 0xee; /* y = p + 1: not canonical */
	assert_int_equal(ct_sigkey_new(&k, T), CT_EINVAL);
	/* a valid key plus a point of order 2: on the curve, not in the subgroup */
	signer_from(&s, &rng);
	order2_point(T);
	assert_int_equal(crypto_core_ed25519_add(key, s.pk, T), 0);
	assert_int_equal(ct_sigkey_new(&k, key), CT_EINVAL);
	/* random bytes: about half are no point at all */
	for (int i = 0; i < 32; i++) {
		for (int j = 0; j < 32; j++)
			key[j] = (uint8_t)ct_test_rand(&rng);
		if (!crypto_core_ed25519_is_valid_point(key)) {
			assert_int_equal(ct_sigkey_new(&k, key), CT_EINVAL);
			tried++;
		}
	}
	assert_true(tried > 0);
	assert_null(k);
	/* no table: libsodium decides each */
	sign_batch(&b, &s, &rng);
	b.sig[3][40] ^= 4;
	assert_int_equal(ct_sigkey_verify_many(NULL, s.pk, N, b.items, b.ok), N - 1);
	assert_false(b.ok[3]);
}

/*
 * crypto_core_ed25519_is_valid_point as upstream libsodium up to 1.0.21
 * has it: it takes P when [L]P has x = 0, that is [L]P the identity or T,
 * the point of order 2; so P = Q + T, Q in the prime-order subgroup,
 * passes. Imitated here from the fixed check of the libsodium linked.
 */
static int valid_point_before_1_0_22(const unsigned char *p)
{
	uint8_t T[32], q[32];

	if (crypto_core_ed25519_is_valid_point(p))
		return 1;
	order2_point(T);
	return crypto_core_ed25519_sub(q, p, T) == 0 && crypto_core_ed25519_is_valid_point(q);
}

/*
 * The signature of the security review's reproducer: key A = Q + T (Q the
 * signer's key, T of order 2), R = T, S = k q with k = H(R, A, m) odd.
 * [S]B - [k]A = -[k]T = T = R, so the cofactorless equation holds; libsodium
 * refuses it (R has small order). m is changed until k is odd.
 */
static void mixed_key_forgery(uint8_t A[32], uint8_t sig[64], uint8_t m[16], const struct signer *s)
{
	crypto_hash_sha512_state st;
	uint8_t T[32], h[64], k[32], wide[64] = {0}, q[32];

	order2_point(T);
	assert_int_equal(crypto_core_ed25519_add(A, s->pk, T), 0);
	memcpy(wide, s->a, 32);
	crypto_core_ed25519_scalar_reduce(q, wide);
	memset(m, 'm', 16);
	do {
		m[0]++;
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, T, 32);
		crypto_hash_sha512_update(&st, A, 32);
		crypto_hash_sha512_update(&st, m, 16);
		crypto_hash_sha512_final(&st, h);
		crypto_core_ed25519_scalar_reduce(k, h);
	} while (!(k[0] & 1));
	memcpy(sig, T, 32);
	crypto_core_ed25519_scalar_mul(sig + 32, k, q);
}

/*
 * A key of mixed order, Q + T: no table, even when the libsodium linked
 * is one whose point check takes it; the reproducer's signature is then
 * libsodium's to judge, and it refuses it.
 */
static void test_mixed_order_key(void **state)
{
	uint64_t rng = ct_test_seed("test_mixed_order_key");
	uint8_t A[32], sig[64], m[16];
	ct_signed item = {sig, m, sizeof(m)};
	struct signer s;
	ct_sigkey *k = NULL;
	bool ok;

	(void)state;
	signer_from(&s, &rng);
	mixed_key_forgery(A, sig, m, &s);
	assert_false(crypto_sign_verify_detached(sig, m, sizeof(m), A) == 0);
	assert_int_equal(ct_sigkey_new(&k, A), CT_EINVAL);
	ct__sigkey_use_point_check(valid_point_before_1_0_22);
	assert_true(valid_point_before_1_0_22(A));
	int err = ct_sigkey_new(&k, A);
	if (err == 0) {
		bool fast;
		ct__sigkey_fast(k, 1, &item, &fast);
		ct_sigkey_free(k);
		ct__sigkey_use_point_check(NULL);
		fail_msg("a table for the mixed-order key: the fast path says %s to a signature libsodium refuses",
			 fast ? "yes" : "no");
	}
	ct__sigkey_use_point_check(NULL);
	assert_int_equal(err, CT_EINVAL);
	assert_int_equal(ct_sigkey_verify_many(NULL, A, 1, &item, &ok), 0);
}

/*
 * R of small order is refused before the encodings are compared, whatever
 * the key: with a table built for Q + T regardless, the reproducer's R = T
 * would match the computed R'.
 */
static void test_small_order_r(void **state)
{
	uint64_t rng = ct_test_seed("test_small_order_r");
	uint8_t A[32], sig[64], m[16];
	ct_signed item = {sig, m, sizeof(m)};
	struct signer s;
	ct_sigkey *k;
	bool fast, ok;

	(void)state;
	signer_from(&s, &rng);
	mixed_key_forgery(A, sig, m, &s);
	CT_OK_OR_FAIL(ct__sigkey_new_any(&k, A));
	assert_false(crypto_sign_verify_detached(sig, m, sizeof(m), A) == 0);
	ct__sigkey_fast(k, 1, &item, &fast);
	assert_false(fast);
	assert_int_equal(ct_sigkey_verify_many(k, A, 1, &item, &ok), 0);
	assert_false(ok);
	ct_sigkey_free(k);
}

/* out = [L]p by libsodium's point addition alone (it takes any point on the curve) */
static int mul_l(uint8_t out[32], const uint8_t p[32])
{
	uint8_t one[32] = {1}, L[32], acc[32] = {1};
	int carry = 1;

	crypto_core_ed25519_scalar_negate(L, one);
	for (int i = 0; i < 32; i++, carry >>= 8)
		L[i] = (uint8_t)(carry += L[i]);
	for (int bit = 255; bit >= 0; bit--) {
		if (crypto_core_ed25519_add(acc, acc, acc) != 0)
			return -1;
		if ((L[bit / 8] >> (bit % 8) & 1) && crypto_core_ed25519_add(acc, acc, p) != 0)
			return -1;
	}
	memcpy(out, acc, 32);
	return 0;
}

/*
 * Every point of small order as R, reached by the cofactorless equation
 * with a table built regardless for Q + T8 (T8 of order 8, found as [L]P
 * of a random point P): libsodium refuses each, and so does the fast path.
 */
static void test_small_order_r_all(void **state)
{
	uint64_t rng = ct_test_seed("test_small_order_r_all");
	uint8_t P[32], T8[32], tors[8][32], A[32], id[32] = {1}, wide[64] = {0}, q[32], m[8], k[32], h[64];
	uint8_t sig[64];
	ct_signed item = {sig, m, sizeof(m)};
	crypto_hash_sha512_state st;
	struct signer s;
	ct_sigkey *key;
	bool fast;

	(void)state;
	for (;;) {
		for (int i = 0; i < 32; i++)
			P[i] = (uint8_t)ct_test_rand(&rng);
		P[31] &= 0x7f;
		if (mul_l(T8, P) != 0)
			continue; /* not a point */
		uint8_t t2[32], t4[32];
		assert_int_equal(crypto_core_ed25519_add(t2, T8, T8), 0);
		assert_int_equal(crypto_core_ed25519_add(t4, t2, t2), 0);
		if (memcmp(t4, id, 32) != 0)
			break; /* order 8 */
	}
	memcpy(tors[0], id, 32);
	for (int i = 1; i < 8; i++)
		assert_int_equal(crypto_core_ed25519_add(tors[i], tors[i - 1], T8), 0);
	signer_from(&s, &rng);
	assert_int_equal(crypto_core_ed25519_add(A, s.pk, T8), 0);
	memcpy(wide, s.a, 32);
	crypto_core_ed25519_scalar_reduce(q, wide);
	CT_OK_OR_FAIL(ct__sigkey_new_any(&key, A));
	/* [S]B - [k]A = -[k]T8 when S = k q: choose R = [i]T8, then m until k = -i mod 8 */
	for (int i = 0; i < 8; i++) {
		memset(m, 0, sizeof(m));
		do {
			m[0]++;
			crypto_hash_sha512_init(&st);
			crypto_hash_sha512_update(&st, tors[i], 32);
			crypto_hash_sha512_update(&st, A, 32);
			crypto_hash_sha512_update(&st, m, sizeof(m));
			crypto_hash_sha512_final(&st, h);
			crypto_core_ed25519_scalar_reduce(k, h);
		} while (((k[0] + i) & 7) != 0);
		memcpy(sig, tors[i], 32);
		crypto_core_ed25519_scalar_mul(sig + 32, k, q);
		assert_false(crypto_sign_verify_detached(sig, m, sizeof(m), A) == 0);
		ct__sigkey_fast(key, 1, &item, &fast);
		if (fast)
			fail_msg("R = [%d]T8 (%02x%02x...): the fast path accepts what libsodium refuses", i, sig[0],
				 sig[1]);
	}
	ct_sigkey_free(key);
}

/* ct_sigkey_valid_key: libsodium's fixed check on random and crafted encodings, without it */
static void test_valid_key(void **state)
{
	uint64_t rng = ct_test_seed("test_valid_key");
	uint8_t key[32], T[32], zero[32] = {0};
	struct signer s;
	int valid = 0, invalid = 0;

	(void)state;
	for (int i = 0; i < 200; i++) {
		signer_from(&s, &rng);
		assert_true(ct_sigkey_valid_key(s.pk));
		/* plus the point of order 2, plus one of order 4 (y = 0) */
		order2_point(T);
		assert_int_equal(crypto_core_ed25519_add(key, s.pk, T), 0);
		assert_false(ct_sigkey_valid_key(key));
		assert_int_equal(crypto_core_ed25519_add(key, s.pk, zero), 0);
		assert_false(ct_sigkey_valid_key(key));
		/* the key with its sign bit flipped is -x: a valid key too */
		memcpy(key, s.pk, 32);
		key[31] ^= 0x80;
		assert_true(ct_sigkey_valid_key(key));
		for (int j = 0; j < 32; j++)
			key[j] = (uint8_t)ct_test_rand(&rng);
		bool sodium = crypto_core_ed25519_is_valid_point(key);
		assert_int_equal(ct_sigkey_valid_key(key), sodium);
		sodium ? valid++ : invalid++;
	}
	assert_true(invalid > 0);
	memset(key, 0, 32);
	key[0] = 1;
	assert_false(ct_sigkey_valid_key(key)); /* the identity */
	order2_point(T);
	assert_false(ct_sigkey_valid_key(T));
	T[0] = 0xee; /* y = p + 1 */
	assert_false(ct_sigkey_valid_key(T));
	(void)valid;
}

/*
 * The cache's known-answer test: on the libsodium linked here it passes;
 * with an imitation of a libsodium whose point check takes Q + T, the
 * cache says why and builds no table, and libsodium checks everything.
 */
static void test_cache_known_answer(void **state)
{
	uint64_t rng = ct_test_seed("test_cache_known_answer");
	static struct batch b;
	struct signer s;
	ct_sigcache *c;
	const char *why = "unset";

	(void)state;
	signer_from(&s, &rng);
	CT_OK_OR_FAIL(ct_sigcache_new(&c));
	assert_true(ct_sigcache_fast(c, &why));
	assert_null(why);
	assert_null(ct_sigcache_find(c, s.pk)); /* find builds nothing */
	const ct_sigkey *k = ct_sigcache_get(c, s.pk);
	assert_non_null(k);
	ct_sigcache_put(c, k);
	const ct_sigkey *again = ct_sigcache_find(c, s.pk); /* ... but gives what get built */
	assert_ptr_equal(again, k);
	ct_sigcache_put(c, again);
	ct_sigcache_free(c);

	ct__sigkey_use_point_check(valid_point_before_1_0_22);
	int err = ct_sigcache_new(&c);
	ct__sigkey_use_point_check(NULL);
	CT_OK_OR_FAIL(err);
	assert_false(ct_sigcache_fast(c, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "mixed order"));
	assert_null(ct_sigcache_get(c, s.pk));
	assert_null(ct_sigcache_find(c, s.pk));
	sign_batch(&b, &s, &rng);
	b.sig[5][33] ^= 1;
	assert_int_equal(ct_sigkey_verify_many(ct_sigcache_get(c, s.pk), s.pk, N, b.items, b.ok), N - 1);
	assert_false(b.ok[5]);
	ct_sigcache_free(c);
}

static void test_cache(void **state)
{
	uint64_t rng = ct_test_seed("test_cache");
	struct signer s[10];
	const ct_sigkey *held[10], *again;
	uint8_t none[32] = {1};
	ct_sigcache *c;

	(void)state;
	CT_OK_OR_FAIL(ct_sigcache_new(&c));
	for (int i = 0; i < 10; i++) {
		signer_from(&s[i], &rng);
		held[i] = ct_sigcache_get(c, s[i].pk);
		assert_non_null(held[i]);
		assert_memory_equal(ct_sigkey_public(held[i]), s[i].pk, 32);
	}
	/* while held, the same key is the same table */
	again = ct_sigcache_get(c, s[2].pk);
	assert_ptr_equal(again, held[2]);
	ct_sigcache_put(c, again);
	assert_null(ct_sigcache_get(c, none));
	for (int i = 0; i < 10; i++)
		ct_sigcache_put(c, held[i]);
	/* given back, the least recently used slot makes room */
	again = ct_sigcache_get(c, s[9].pk);
	assert_memory_equal(ct_sigkey_public(again), s[9].pk, 32);
	ct_sigcache_put(c, again);
	ct_sigcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combine_matches_libsodium),
		cmocka_unit_test(test_valid_signatures),
		cmocka_unit_test(test_tampered_signatures),
		cmocka_unit_test(test_mixed_runs),
		cmocka_unit_test(test_crafted_signatures),
		cmocka_unit_test(test_odd_keys),
		cmocka_unit_test(test_mixed_order_key),
		cmocka_unit_test(test_small_order_r),
		cmocka_unit_test(test_small_order_r_all),
		cmocka_unit_test(test_valid_key),
		cmocka_unit_test(test_cache_known_answer),
		cmocka_unit_test(test_cache),
	};
	static const struct {
		enum ct__sigkey_path path;
		const char *name;
	} builds[] = {
		{CT_SIGKEY_IFMA, "AVX-512 IFMA, eight signatures at once"},
		{CT_SIGKEY_BMI2, "AVX2 and BMI2"},
		{CT_SIGKEY_GENERIC, "any x86-64"},
	};
	int failed = 0, ran = 0;

	/* ct__sigkey_fast has a build for IFMA processors, one for AVX2 and BMI2, one for any: each this one runs */
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		if (!ct__sigkey_use_path(builds[i].path)) {
			printf("the build for %s: not run, this processor lacks it\n", builds[i].name);
			continue;
		}
		printf("the build for %s\n", builds[i].name);
		/* what caltraced logs at start-up names the build in use */
		if (!ct_sigkey_build() || !strstr(ct_sigkey_build(), builds[i].path == CT_SIGKEY_IFMA   ? "IFMA"
								     : builds[i].path == CT_SIGKEY_BMI2 ? "BMI2"
													 : "any")) {
			printf("ct_sigkey_build() says %s\n", ct_sigkey_build() ? ct_sigkey_build() : "(null)");
			failed++;
		}
		failed += cmocka_run_group_tests(tests, NULL, NULL);
		ran++;
	}
	return ran ? failed : 1;
}
