/* Ed25519 key pairs: RFC 8032 known answer, key files and their permissions. */
#include <sys/stat.h>
#include <unistd.h>

#include "ct_test.h"

/*
 * RFC 8032, section 7.1, TEST 1 (Ed25519, empty message): secret key,
 * public key and signature, typed in from the RFC.
 */
static const char rfc8032_t1_secret[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char rfc8032_t1_public[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc8032_t1_sig[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
				     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static void test_rfc8032_test1(void **state)
{
	uint8_t seed[32], pk[CT_KEY_BYTES], sig[CT_SIG_BYTES], want[CT_SIG_BYTES];
	char hex[2 * CT_KEY_BYTES + 1];
	ct_keypair *kp = NULL;

	CT_OK_OR_FAIL(ct_unhex(seed, sizeof(seed), rfc8032_t1_secret));
	CT_OK_OR_FAIL(ct_key_parse(pk, rfc8032_t1_public));
	CT_OK_OR_FAIL(ct_unhex(want, sizeof(want), rfc8032_t1_sig));
	CT_OK_OR_FAIL(ct_keypair_from_seed(&kp, seed));
	assert_memory_equal(ct_keypair_public(kp), pk, CT_KEY_BYTES);
	ct_key_hex(hex, ct_keypair_public(kp));
	assert_string_equal(hex, rfc8032_t1_public);

	ct_keypair_sign(kp, sig, (const uint8_t *)"", 0);
	assert_memory_equal(sig, want, CT_SIG_BYTES);
	assert_int_equal(ct_sig_verify(pk, sig, (const uint8_t *)"", 0), 0);
	/* Negative cases: another message, a flipped signature byte, another key. */
	assert_int_equal(ct_sig_verify(pk, sig, (const uint8_t *)"x", 1), CT_EBADSIG);
	sig[10] ^= 1;
	assert_int_equal(ct_sig_verify(pk, sig, (const uint8_t *)"", 0), CT_EBADSIG);
	sig[10] ^= 1;
	pk[0] ^= 1;
	assert_int_equal(ct_sig_verify(pk, sig, (const uint8_t *)"", 0), CT_EBADSIG);
	ct_keypair_free(kp);
}

static void test_generate(void **state)
{
	ct_keypair *a = NULL, *b = NULL;
	uint8_t sig[CT_SIG_BYTES];

	CT_OK_OR_FAIL(ct_keypair_generate(&a));
	CT_OK_OR_FAIL(ct_keypair_generate(&b));
	assert_memory_not_equal(ct_keypair_public(a), ct_keypair_public(b), CT_KEY_BYTES);
	ct_keypair_sign(a, sig, (const uint8_t *)"hello", 5);
	assert_int_equal(ct_sig_verify(ct_keypair_public(a), sig, (const uint8_t *)"hello", 5), 0);
	assert_int_equal(ct_sig_verify(ct_keypair_public(b), sig, (const uint8_t *)"hello", 5), CT_EBADSIG);
	ct_keypair_free(a);
	ct_keypair_free(b);
	ct_keypair_free(NULL);
}

static void test_hex(void **state)
{
	uint8_t pk[CT_KEY_BYTES];
	char hex[2 * CT_KEY_BYTES + 1];

	CT_OK_OR_FAIL(ct_key_parse(pk, rfc8032_t1_public));
	ct_key_hex(hex, pk);
	assert_string_equal(hex, rfc8032_t1_public);
	assert_int_equal(ct_key_parse(pk, "d75a98"), CT_EINVAL);
	hex[5] = 'g';
	assert_int_equal(ct_key_parse(pk, hex), CT_EINVAL);
	assert_int_equal(ct_key_parse(pk, ""), CT_EINVAL);
}

/* A key's short name: its first 8 hex digits, whatever follows them. */
static void test_short(void **state)
{
	uint8_t pk[CT_KEY_BYTES];
	char name[CT_KEY_SHORT_LEN + 2];

	CT_OK_OR_FAIL(ct_key_parse(pk, rfc8032_t1_public));
	memset(name, 'x', sizeof(name));
	ct_key_short(name, pk);
	assert_string_equal(name, "d75a9801");
	assert_int_equal(name[CT_KEY_SHORT_LEN + 1], 'x'); /* nothing written past the NUL */
	memset(pk + 4, 0xff, CT_KEY_BYTES - 4);
	ct_key_short(name, pk);
	assert_string_equal(name, "d75a9801");
	pk[3] = 0xab;
	ct_key_short(name, pk);
	assert_string_equal(name, "d75a98ab");
}

static char *join(const char *dir, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void write_raw(const char *path, const uint8_t *bytes, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_save_load(void **state)
{
	char *dir = ct_test_tmpdir(), *key, *pub;
	ct_keypair *kp = ct_test_keypair(7), *back = NULL;
	uint8_t sig1[CT_SIG_BYTES], sig2[CT_SIG_BYTES];
	char hex[2 * CT_KEY_BYTES + 1], want[2 * CT_KEY_BYTES + 2];
	ct_buf file = CT_BUF_INIT;
	struct stat st;
	mode_t old_umask;

	assert_non_null(dir);
	assert_non_null(kp);
	key = join(dir, "key");
	pub = join(dir, "key.pub");
	old_umask = umask(0); /* the modes must not depend on the umask */
	CT_OK_OR_FAIL(ct_keypair_save(kp, key, pub));
	umask(old_umask);

	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, CT_SECRET_BYTES);
	assert_int_equal(stat(pub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(ct_test_read_file(pub, &file), 0);
	ct_key_hex(hex, ct_keypair_public(kp));
	snprintf(want, sizeof(want), "%s\n", hex);
	assert_int_equal(file.len, strlen(want));
	assert_memory_equal(file.ptr, want, file.len);

	CT_OK_OR_FAIL(ct_keypair_load(&back, key));
	assert_memory_equal(ct_keypair_public(back), ct_keypair_public(kp), CT_KEY_BYTES);
	ct_keypair_sign(kp, sig1, (const uint8_t *)"m", 1);
	ct_keypair_sign(back, sig2, (const uint8_t *)"m", 1);
	assert_memory_equal(sig1, sig2, CT_SIG_BYTES);

	/* Never overwrites an existing key. */
	assert_int_equal(ct_keypair_save(kp, key, NULL), CT_EEXISTS);

	ct_keypair_free(back);
	ct_keypair_free(kp);
	ct_buf_free(&file);
	ct_test_rm_rf(dir);
	free(key);
	free(pub);
	free(dir);
}

static void test_load_refusals(void **state)
{
	char *dir = ct_test_tmpdir(), *key, *missing;
	ct_keypair *kp = ct_test_keypair(3), *back = NULL;
	ct_buf raw = CT_BUF_INIT;

	assert_non_null(dir);
	key = join(dir, "key");
	missing = join(dir, "nope");
	CT_OK_OR_FAIL(ct_keypair_save(kp, key, NULL));
	assert_int_equal(ct_test_read_file(key, &raw), 0);
	assert_int_equal(raw.len, CT_SECRET_BYTES);

	assert_int_equal(ct_keypair_load(&back, missing), CT_ENOTFOUND);
	assert_null(back);

	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(ct_keypair_load(&back, key), CT_EPERM);
	assert_null(back);
	assert_non_null(strstr(ct_error_last(), "mode 0644"));
	assert_non_null(strstr(ct_error_last(), "chmod 600"));
	assert_non_null(strstr(ct_error_last(), key));
	assert_int_equal(chmod(key, 0620), 0);
	assert_int_equal(ct_keypair_load(&back, key), CT_EPERM);
	assert_int_equal(chmod(key, 0604), 0);
	assert_int_equal(ct_keypair_load(&back, key), CT_EPERM);
	assert_int_equal(chmod(key, 0400), 0);
	CT_OK_OR_FAIL(ct_keypair_load(&back, key));
	ct_keypair_free(back);
	back = NULL;
	unlink(key);

	write_raw(key, raw.ptr, CT_SECRET_BYTES - 1, 0600);
	assert_int_equal(ct_keypair_load(&back, key), CT_ECORRUPT);
	unlink(key);
	CT_OK_OR_FAIL(ct_buf_put(&raw, "x", 1));
	write_raw(key, raw.ptr, CT_SECRET_BYTES + 1, 0600);
	assert_int_equal(ct_keypair_load(&back, key), CT_ECORRUPT);
	unlink(key);
	write_raw(key, raw.ptr, 0, 0600);
	assert_int_equal(ct_keypair_load(&back, key), CT_ECORRUPT);
	unlink(key);
	raw.ptr[40] ^= 0x01; /* public half no longer matches the seed */
	write_raw(key, raw.ptr, CT_SECRET_BYTES, 0600);
	assert_int_equal(ct_keypair_load(&back, key), CT_ECORRUPT);
	assert_null(back);

	ct_keypair_free(kp);
	ct_buf_free(&raw);
	ct_test_rm_rf(dir);
	free(key);
	free(missing);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032_test1), cmocka_unit_test(test_generate),
		cmocka_unit_test(test_hex),           cmocka_unit_test(test_short),
		cmocka_unit_test(test_save_load),     cmocka_unit_test(test_load_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
