/*
 * SHA-256 and SHA-512 through libcrypto (caltrace/base/sha2.h).
 *
 * One EVP_MD of each fetched once for the process, and one EVP_MD_CTX of
 * each per thread (a pthread key frees them when the thread ends), reused
 * for every digest: fetching the algorithm or making a context per digest
 * would cost more than hashing an entry.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdlib.h>

#include "caltrace/base/sha2.h"

enum { SHA256, SHA512, ALGS };

struct ctxs {
	EVP_MD_CTX *c[ALGS];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static bool key_made;
static EVP_MD *md[ALGS]; /* NULL: libsodium computes every digest of that one */
static int sodium_only;

static void free_ctxs(void *p)
{
	struct ctxs *x = p;

	for (int a = 0; a < ALGS; a++)
		EVP_MD_CTX_free(x->c[a]);
	free(x);
}

static void init(void)
{
	if (pthread_key_create(&ctx_key, free_ctxs) != 0)
		return;
	key_made = true;
	md[SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
	md[SHA512] = EVP_MD_fetch(NULL, "SHA512", NULL);
}

static EVP_MD_CTX *thread_ctx(int alg)
{
	struct ctxs *x;

	pthread_once(&once, init);
	if (!key_made || !md[alg] || sodium_only)
		return NULL;
	if (!(x = pthread_getspecific(ctx_key))) {
		if (!(x = calloc(1, sizeof(*x))))
			return NULL;
		if (pthread_setspecific(ctx_key, x) != 0) {
			free(x);
			return NULL;
		}
	}
	if (!x->c[alg])
		x->c[alg] = EVP_MD_CTX_new();
	return x->c[alg];
}

/* The digest by libcrypto; false when it could not (then libsodium computes it). */
static bool by_libcrypto(int alg, uint8_t *out, unsigned int want, const ct_sha2_part *parts, size_t n)
{
	EVP_MD_CTX *ctx = thread_ctx(alg);
	unsigned int len = 0;
	size_t i;

	if (!ctx || EVP_DigestInit_ex2(ctx, md[alg], NULL) != 1)
		return false;
	for (i = 0; i < n; i++)
		if (parts[i].len && EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1)
			return false;
	return EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == want;
}

void ct_sha256_parts(uint8_t out[CT_SHA256_BYTES], const ct_sha2_part *parts, size_t n)
{
	crypto_hash_sha256_state st;

	if (by_libcrypto(SHA256, out, CT_SHA256_BYTES, parts, n))
		return;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha256_update(&st, parts[i].p, parts[i].len);
	crypto_hash_sha256_final(&st, out);
}

void ct_sha256(uint8_t out[CT_SHA256_BYTES], const void *p, size_t len)
{
	ct_sha2_part part = {p, len};

	ct_sha256_parts(out, &part, 1);
}

void ct_sha512_parts(uint8_t out[CT_SHA512_BYTES], const ct_sha2_part *parts, size_t n)
{
	crypto_hash_sha512_state st;

	if (by_libcrypto(SHA512, out, CT_SHA512_BYTES, parts, n))
		return;
	crypto_hash_sha512_init(&st);
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha512_update(&st, parts[i].p, parts[i].len);
	crypto_hash_sha512_final(&st, out);
}

void ct__sha256_use_sodium(int only)
{
	sodium_only = only;
}
