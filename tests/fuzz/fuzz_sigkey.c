/*
 * libFuzzer target for core/ledger/sigkey.c, differential against libsodium.
 *
 * Input: 32 bytes, then records. The 32 bytes are taken twice: as a
 * public key (when ct_sigkey_new takes it, libsodium must call it a valid
 * point, and [a]B - [b]A from the table must equal libsodium's for the
 * scalars a, b read from the records), and as the seed of a signer. Each
 * record (1 length byte, a message, 2 mutation bytes) is signed by that
 * signer, then one bit of the signature or message is flipped when the
 * mutation says so. Every verdict of ct_sigkey_verify_many must equal
 * crypto_sign_verify_detached's, and the fast path alone may accept a
 * signature only where libsodium does.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/sigkey.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

#define MAX_ITEMS 16

static void scalar_from(uint8_t out[32], const uint8_t *p, size_t len)
{
	uint8_t wide[64] = {0};

	memcpy(wide, p, len < 64 ? len : 64);
	crypto_core_ed25519_scalar_reduce(out, wide);
}

/* The input's first 32 bytes as a key of their own. */
static void fuzz_key(const uint8_t pk[32], const uint8_t *rest, size_t len)
{
	uint8_t a[32], b[32], ab[32], ba[32], want[32], got[32];
	ct_sigkey *k = NULL;

	if (ct_sigkey_new(&k, pk) != 0) {
		CHECK(k == NULL);
		return;
	}
	CHECK(crypto_core_ed25519_is_valid_point(pk));
	scalar_from(a, rest, len);
	scalar_from(b, len > 32 ? rest + 32 : rest, len > 32 ? len - 32 : len);
	if (crypto_scalarmult_ed25519_base_noclamp(ab, a) == 0 && crypto_scalarmult_ed25519_noclamp(ba, b, pk) == 0 &&
	    crypto_core_ed25519_sub(want, ab, ba) == 0) {
		ct__sigkey_combine(k, a, b, got);
		CHECK(memcmp(got, want, 32) == 0);
	}
	ct_sigkey_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pk[32], sk[64], msgs[MAX_ITEMS][256], sigs[MAX_ITEMS][64];
	ct_signed items[MAX_ITEMS];
	bool ok[MAX_ITEMS], fast[MAX_ITEMS];
	ct_sigkey *k = NULL;
	size_t n = 0, at = 32;

	if (size < 32 || sodium_init() < 0)
		return 0;
	fuzz_key(data, data + 32, size - 32);
	crypto_sign_seed_keypair(pk, sk, data);
	while (n < MAX_ITEMS && at < size) {
		size_t len = data[at++];
		if (len > size - at)
			len = size - at;
		memcpy(msgs[n], data + at, len);
		at += len;
		crypto_sign_detached(sigs[n], NULL, msgs[n], len, sk);
		if (at + 2 <= size) {
			unsigned where = data[at], bit = data[at + 1];
			at += 2;
			if (where < 64)
				sigs[n][where] ^= (uint8_t)(1u << (bit % 8));
			else if (where < 128 && len)
				msgs[n][(where - 64) % len] ^= (uint8_t)(1u << (bit % 8));
		}
		items[n] = (ct_signed){sigs[n], msgs[n], len};
		n++;
	}
	CHECK(ct_sigkey_new(&k, pk) == 0);
	ct_sigkey_verify_many(k, pk, n, items, ok);
	ct__sigkey_fast(k, n, items, fast);
	for (size_t i = 0; i < n; i++) {
		bool sodium = crypto_sign_verify_detached(items[i].sig, items[i].msg, items[i].len, pk) == 0;
		CHECK(ok[i] == sodium);
		CHECK(!fast[i] || sodium);
	}
	ct_sigkey_free(k);
	return 0;
}
