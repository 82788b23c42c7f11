/*
 * Canonical padded base64 (core/base/b64.c): RFC 4648's test vectors, each
 * way of being non-canonical refused, and every string of up to eight
 * characters over a small alphabet, whose canonical ones are counted from
 * the RFC's rules rather than by the code under test.
 */
#include "ct_test.h"

#include "caltrace/base/b64.h"

/* RFC 4648 section 10. */
static void test_rfc4648_vectors(void **state)
{
	static const char *const vectors[][2] = {
	    {"", ""},
	    {"f", "Zg=="},
	    {"fo", "Zm8="},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg=="},
	    {"fooba", "Zm9vYmE="},
	    {"foobar", "Zm9vYmFy"},
	};
	uint8_t bin[8];
	char text[16];
	size_t i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *plain = vectors[i][0], *b64 = vectors[i][1];
		ct_buf out = CT_BUF_INIT;

		CT_OK_OR_FAIL(ct_b64_put(&out, (const uint8_t *)plain, strlen(plain)));
		assert_int_equal(out.len, strlen(b64));
		assert_int_equal(out.len, CT_B64_LEN(strlen(plain)));
		assert_memory_equal(out.ptr, b64, out.len);
		ct_buf_free(&out);

		ct_b64_encode(text, CT_B64_LEN(strlen(plain)) + 1, (const uint8_t *)plain, strlen(plain));
		assert_string_equal(text, b64);

		CT_OK_OR_FAIL(ct_b64_decode(bin, sizeof(bin), &n, b64, strlen(b64)));
		assert_int_equal(n, strlen(plain));
		assert_memory_equal(bin, plain, n);
	}
}

/* Appending keeps what the buffer held. */
static void test_put_appends(void **state)
{
	ct_buf out = CT_BUF_INIT;

	CT_OK_OR_FAIL(ct_buf_put(&out, "x ", 2));
	CT_OK_OR_FAIL(ct_b64_put(&out, (const uint8_t *)"fo", 2));
	CT_OK_OR_FAIL(ct_b64_put(&out, (const uint8_t *)"", 0));
	assert_int_equal(out.len, 6);
	assert_memory_equal(out.ptr, "x Zm8=", 6);
	ct_buf_free(&out);
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {
	    "Zg",	  /* padding missing */
	    "Zg=",	  /* padding short */
	    "Zg===",	  /* padding too long */
	    "Zm8",	  /* padding missing */
	    "Zm9v====",	  /* a whole group of padding */
	    "====",	  /* nothing but padding */
	    "Z===",	  /* one character cannot make a byte */
	    "Zh==",	  /* non-zero bits after the last byte */
	    "Zm9=",	  /* non-zero bits after the last byte */
	    "Zg==Zg==",	  /* padding inside */
	    "Zm=8",	  /* padding inside a group */
	    " Zm8=",	  /* a space before */
	    "Zm8= ",	  /* a space after */
	    "Zm 8=",	  /* a space inside */
	    "Zm8=\n",	  /* a line break */
	    "Zm9vYmFy\n", /* a line break after whole groups */
	    "Zm-_",	  /* the URL-safe alphabet */
	    "Zm9*",	  /* not an alphabet character */
	    "Zm9vY",	  /* a length not a multiple of 4 */
	};
	uint8_t bin[16];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ct_b64_decode(bin, sizeof(bin), &n, bad[i], strlen(bad[i])) != CT_EINVAL)
			fail_msg("\"%s\" was not refused as CT_EINVAL", bad[i]);
	/* A NUL is not a character of the alphabet either: the length, not a NUL, ends the input. */
	assert_int_equal(ct_b64_decode(bin, sizeof(bin), &n, "Zm\0v", 4), CT_EINVAL);
	assert_int_equal(ct_b64_decode(bin, sizeof(bin), &n, "Zm9vZm9v", 4), 0);
	assert_int_equal(n, 3);
}

/* The decoded length against the room given: exactly enough is enough. */
static void test_capacity(void **state)
{
	uint8_t bin[6];
	size_t n = 99;

	CT_OK_OR_FAIL(ct_b64_decode(bin, 6, &n, "Zm9vYmFy", 8));
	assert_int_equal(n, 6);
	assert_int_equal(ct_b64_decode(bin, 5, &n, "Zm9vYmFy", 8), CT_ETOOBIG);
	CT_OK_OR_FAIL(ct_b64_decode(bin, 5, &n, "Zm9vYmE=", 8));
	assert_int_equal(n, 5);
	assert_int_equal(ct_b64_decode(bin, 4, &n, "Zm9vYmE=", 8), CT_ETOOBIG);
	CT_OK_OR_FAIL(ct_b64_decode(bin, 4, &n, "Zm9vYg==", 8));
	assert_int_equal(ct_b64_decode(bin, 3, &n, "Zm9vYg==", 8), CT_ETOOBIG);
	CT_OK_OR_FAIL(ct_b64_decode(bin, 0, &n, "", 0));
	assert_int_equal(n, 0);
}

/*
 * Every string of 0 to 8 characters over "AE/= -" (2 million). A string is
 * accepted only if encoding what it decodes to gives it back, and the count
 * accepted is the count of canonical strings, from RFC 4648: over the
 * digits A (0), E (4) and / (63), a whole group is any 4 digits (3^4 = 81
 * of them), "xy==" needs y's low 4 bits zero (only A: 3 * 1 = 3), "xyz="
 * needs z's low 2 bits zero (A or E: 3 * 3 * 2 = 18). So there are
 * 1 + (81 + 3 + 18) + 81 * (81 + 3 + 18) canonical strings.
 */
static void test_every_short_string(void **state)
{
	static const char alphabet[] = "AE/= -";
	const uint64_t last = 81 + 3 + 18, want = 1 + last + 81 * last;
	const size_t symbols = sizeof(alphabet) - 1;
	uint64_t accepted = 0, count, k, x;
	char s[9];
	uint8_t bin[6];
	size_t len, i, n;

	for (len = 0; len <= 8; len++) {
		for (count = 1, i = 0; i < len; i++)
			count *= symbols;
		for (k = 0; k < count; k++) {
			ct_buf again = CT_BUF_INIT;

			for (x = k, i = 0; i < len; i++, x /= symbols)
				s[i] = alphabet[x % symbols];
			s[len] = '\0';
			if (ct_b64_decode(bin, sizeof(bin), &n, s, len) != 0)
				continue;
			accepted++;
			CT_OK_OR_FAIL(ct_b64_put(&again, bin, n));
			if (again.len != len || memcmp(again.ptr, s, len) != 0)
				fail_msg("\"%s\" was accepted but is not canonical", s);
			ct_buf_free(&again);
		}
	}
	if (accepted != want)
		fail_msg("%llu strings accepted, %llu are canonical", (unsigned long long)accepted,
			 (unsigned long long)want);
}

/*
 * Every byte value in every position of a canonical string: only the one
 * that was there is accepted. libsodium 1.0.18 (Debian 12) reads a byte of
 * 0x80 or more as a digit, so "47DEQpj\xc1HBSa..." decoded like
 * "47DEQpj/HBSa...": fuzz_netcp found a network checkpoint that parsed and
 * did not write back byte for byte (tests/fuzz/corpus/fuzz_netcp/crash-*).
 */
static void test_every_byte_everywhere(void **state)
{
	static const char canon[] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
	char s[sizeof(canon)];
	uint8_t bin[CT_B64_DECODED_MAX(sizeof(canon) - 1)];
	size_t n, i;
	unsigned c;

	(void)state;
	for (i = 0; i < sizeof(canon) - 1; i++) {
		for (c = 0; c < 256; c++) {
			memcpy(s, canon, sizeof(canon));
			s[i] = (char)c;
			if (ct_b64_decode(bin, sizeof(bin), &n, s, sizeof(canon) - 1) == 0 && s[i] != canon[i]) {
				ct_buf again = CT_BUF_INIT;

				CT_OK_OR_FAIL(ct_b64_put(&again, bin, n));
				if (again.len != sizeof(canon) - 1 || memcmp(again.ptr, s, again.len) != 0)
					fail_msg("byte 0x%02x at %zu accepted, not canonical", c, i);
				ct_buf_free(&again);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc4648_vectors),    cmocka_unit_test(test_put_appends),
	    cmocka_unit_test(test_refusals),	       cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_every_short_string), cmocka_unit_test(test_every_byte_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
