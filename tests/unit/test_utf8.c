/*
 * Well-formed UTF-8 (core/base/utf8.c): the decoder against an encoder
 * written from RFC 3629's table, every code point, every string of up
 * to three bytes, and long strings against the decoder byte by byte.
 */
#include "ct_test.h"

#include "caltrace/base/utf8.h"

/* RFC 3629 section 3: the encoding of code point c into out; returns its length. */
static size_t encode(uint8_t out[4], uint32_t c)
{
	if (c < 0x80) {
		out[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (uint8_t)(0xc0 | c >> 6);
		out[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (uint8_t)(0xe0 | c >> 12);
		out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | c >> 18);
	out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

/* Examples from the Unicode Standard's Table 3-7 and its boundaries. */
static void test_examples(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} cases[] = {
	    {"", 0, true},
	    {"plain", 5, true},
	    {"\xc2\x80", 2, true},	    /* U+0080 */
	    {"\xe0\xa0\x80", 3, true},	    /* U+0800 */
	    {"\xef\xbf\xbf", 3, true},	    /* U+FFFF */
	    {"\xf0\x90\x80\x80", 4, true},  /* U+10000 */
	    {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
	    {"\xed\x9f\xbf", 3, true},	    /* U+D7FF, below the surrogates */
	    {"\xee\x80\x80", 3, true},	    /* U+E000, above them */
	    {"a\0b", 3, true},		    /* NUL is a character like any other */
	    {"\xc0\x80", 2, false},	    /* overlong U+0000 */
	    {"\xc1\xbf", 2, false},	    /* overlong U+007F */
	    {"\xe0\x9f\xbf", 3, false},	    /* overlong U+07FF */
	    {"\xf0\x8f\xbf\xbf", 4, false}, /* overlong U+FFFF */
	    {"\xed\xa0\x80", 3, false},	    /* U+D800 */
	    {"\xed\xbf\xbf", 3, false},	    /* U+DFFF */
	    {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
	    {"\xf5\x80\x80\x80", 4, false}, /* lead byte above 0xf4 */
	    {"\x80", 1, false},		    /* a stray continuation byte */
	    {"\xe2\x82", 2, false},	    /* cut short */
	    {"ok\xf0\x9f\x98", 5, false},   /* cut short at the end */
	    {"\xe2\x28\xac", 3, false},	    /* second byte not a continuation */
	    {"\xff", 1, false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ct_utf8_valid(cases[i].s, cases[i].len) != cases[i].ok)
			fail_msg("case %zu: expected %s", i, cases[i].ok ? "valid" : "invalid");
}

/* Every scalar value decodes from its encoding; every surrogate's encoding is refused. */
static void test_every_code_point(void **state)
{
	uint8_t buf[4];
	uint32_t c, got;
	size_t n;

	for (c = 0; c <= 0x10ffff; c++) {
		n = encode(buf, c);
		got = 0xffffffff;
		if (c >= 0xd800 && c <= 0xdfff) {
			if (ct_utf8_next(&got, buf, n) != 0 || got != 0xffffffff)
				fail_msg("surrogate U+%04X accepted", (unsigned)c);
			continue;
		}
		if (ct_utf8_next(&got, buf, n) != n || got != c)
			fail_msg("U+%04X: decoded %zu bytes as U+%04X", (unsigned)c,
				 ct_utf8_next(&got, buf, n), (unsigned)got);
		if (n > 1 && ct_utf8_next(&got, buf, n - 1) != 0)
			fail_msg("U+%04X cut to %zu bytes accepted", (unsigned)c, n - 1);
	}
}

/*
 * Every string of 1 to 3 bytes: what is accepted re-encodes to itself, and
 * as many are accepted as there are such strings (counted from RFC 3629's
 * table: 128 one-byte, 1,920 two-byte and 61,440 three-byte characters).
 */
static void test_all_short_strings(void **state)
{
	const uint64_t one = 128, two = 0x800 - 0x80, three = 0x10000 - 0x800 - 0x800;
	const uint64_t want[4] = {1, one, one * one + two, one * one * one + 2 * one * two + three};
	uint8_t s[3] = {0}, again[12];
	uint32_t k, count, cp;
	size_t len, pos, n, out;
	uint64_t accepted;

	for (len = 1; len <= 3; len++) {
		count = 1u << (8 * len);
		accepted = 0;
		for (k = 0; k < count; k++) {
			for (pos = 0; pos < len; pos++)
				s[pos] = (uint8_t)(k >> (8 * pos));
			if (!ct_utf8_valid((const char *)s, len))
				continue;
			accepted++;
			for (pos = out = 0; pos < len; pos += n) {
				n = ct_utf8_next(&cp, s + pos, len - pos);
				assert_true(n > 0);
				out += encode(again + out, cp);
			}
			if (out != len || memcmp(again, s, len) != 0)
				fail_msg("%zu bytes %02x %02x %02x accepted but not canonical", len, s[0],
					 s[1], s[2]);
		}
		if (accepted != want[len])
			fail_msg("%zu-byte strings: %llu accepted, %llu are well-formed", len,
				 (unsigned long long)accepted, (unsigned long long)want[len]);
	}
}

/* The verdict byte by byte, with the decoder alone: what ct_utf8_valid must say. */
static bool valid_slowly(const uint8_t *s, size_t len)
{
	uint32_t cp;
	size_t pos, n;

	for (pos = 0; pos < len; pos += n)
		if (!(n = ct_utf8_next(&cp, s + pos, len - pos)))
			return false;
	return true;
}

/*
 * Long strings (ct_utf8_valid passes ASCII eight bytes at a time): ASCII
 * runs with, at every position and every length up to 40, one byte that is
 * not ASCII (a stray continuation, 0xff, a lead cut short, or a whole
 * character), against the byte-by-byte verdict; then random mixtures.
 */
static void test_long_strings(void **state)
{
	static const uint8_t odd[][4] = {{0x80}, {0xff}, {0xe2, 0x82}, {0xe4, 0xb8, 0xad}, {0xf0, 0x9f, 0x98, 0x80}};
	static const size_t odd_len[] = {1, 1, 2, 3, 4};
	uint64_t rng = ct_test_seed("test_long_strings");
	uint8_t s[64];
	size_t len, at, k, i;

	(void)state;
	for (len = 1; len <= 40; len++)
		for (k = 0; k < sizeof(odd_len) / sizeof(odd_len[0]); k++)
			for (at = 0; at + odd_len[k] <= len; at++) {
				memset(s, 'a', len);
				memcpy(s + at, odd[k], odd_len[k]);
				if (ct_utf8_valid((const char *)s, len) != valid_slowly(s, len))
					fail_msg("%zu bytes, kind %zu at %zu: verdicts differ", len, k, at);
				if (ct_utf8_valid((const char *)s, len) != (k >= 3))
					fail_msg("%zu bytes, kind %zu at %zu: %s", len, k, at,
						 k >= 3 ? "refused" : "accepted");
			}
	for (i = 0; i < 100000; i++) {
		len = (size_t)(ct_test_rand(&rng) % sizeof(s));
		for (at = 0; at < len; at++) {
			uint64_t x = ct_test_rand(&rng);
			s[at] = (uint8_t)(x % 16 ? x % 0x80 : (x >> 8)); /* mostly ASCII */
		}
		if (ct_utf8_valid((const char *)s, len) != valid_slowly(s, len))
			fail_msg("random string %zu of %zu bytes: verdicts differ", i, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples),
	    cmocka_unit_test(test_every_code_point),
	    cmocka_unit_test(test_all_short_strings),
	    cmocka_unit_test(test_long_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
