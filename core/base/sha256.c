/*
 * SHA-256 through libcrypto (caltrace/base/sha256.h).
 *
 * One EVP_MD fetched once for the process, and one EVP_MD_CTX per thread
 * (a pthread key frees it when the thread ends), reused for every digest:
 * fetching the algorithm or making a context per digest would cost more
 * than hashing an entry.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>

#include "caltrace/base/sha256.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static EVP_MD *md; /* NULL: libsodium computes every digest */
static int sodium_only;

static void free_ctx(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void init(void)
{
	if (pthread_key_create(&ctx_key, free_ctx) != 0)
		return;
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static EVP_MD_CTX *thread_ctx(void)
{
	EVP_MD_CTX *ctx;

	pthread_once(&once, init);
	if (!md || sodium_only)
		return NULL;
	if ((ctx = pthread_getspecific(ctx_key)))
		return ctx;
	if (!(ctx = EVP_MD_CTX_new()))
		return NULL;
	if (pthread_setspecific(ctx_key, ctx) != 0) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void by_sodium(uint8_t out[CT_SHA256_BYTES], const ct_sha256_part *parts, size_t n)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha256_update(&st, parts[i].p, parts[i].len);
	crypto_hash_sha256_final(&st, out);
}

void ct_sha256_parts(uint8_t out[CT_SHA256_BYTES], const ct_sha256_part *parts, size_t n)
{
	EVP_MD_CTX *ctx = thread_ctx();
	unsigned int len = 0;
	size_t i;

	if (!ctx || EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
		by_sodium(out, parts, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (parts[i].len && EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1)
			break;
	if (i < n || EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != CT_SHA256_BYTES)
		by_sodium(out, parts, n);
}

void ct_sha256(uint8_t out[CT_SHA256_BYTES], const void *p, size_t len)
{
	ct_sha256_part part = {p, len};

	ct_sha256_parts(out, &part, 1);
}

void ct__sha256_use_sodium(int only)
{
	sodium_only = only;
}
