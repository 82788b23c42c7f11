/* Canonical msgpack: shortest forms, every non-canonical variant, truncation. */
#include "ct_test.h"

#include "caltrace/ledger/mp.h"

/* Bytes from a string literal of \x escapes, without its NUL. */
#define B(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

static void assert_bytes(const ct_buf *b, const uint8_t *want, size_t want_len)
{
	assert_int_equal(b->len, want_len);
	assert_memory_equal(b->ptr, want, want_len);
}

static void test_uint_boundaries(void **state)
{
	static const struct {
		uint64_t v;
		const char *enc;
		size_t len;
	} cases[] = {
		{0, "\x00", 1},
		{127, "\x7f", 1},
		{128, "\xcc\x80", 2},
		{255, "\xcc\xff", 2},
		{256, "\xcd\x01\x00", 3},
		{65535, "\xcd\xff\xff", 3},
		{65536, "\xce\x00\x01\x00\x00", 5},
		{4294967295ULL, "\xce\xff\xff\xff\xff", 5},
		{4294967296ULL, "\xcf\x00\x00\x00\x01\x00\x00\x00\x00", 9},
		{UINT64_MAX, "\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ct_buf b = CT_BUF_INIT;
		uint64_t got = 0;
		ct_mp r;

		CT_OK_OR_FAIL(ct_mp_put_uint(&b, cases[i].v));
		assert_bytes(&b, (const uint8_t *)cases[i].enc, cases[i].len);
		CT_OK_OR_FAIL(ct_mp_check(b.ptr, b.len));
		r = ct_mp_over(b.ptr, b.len);
		assert_int_equal(ct_mp_peek(&r), CT_MP_UINT);
		CT_OK_OR_FAIL(ct_mp_read_uint(&r, &got));
		assert_true(got == cases[i].v);
		assert_ptr_equal(r.p, r.end);
		assert_int_equal(ct_mp_peek(&r), 0);
		ct_buf_free(&b);
	}
}

/* A str or bin of n bytes of 'a' must get exactly the header hdr. */
static void check_bytes_header(bool is_str, size_t n, const char *hdr, size_t hdr_len)
{
	ct_buf b = CT_BUF_INIT;
	char *payload = malloc(n + 1);
	const char *s = NULL;
	const uint8_t *bin = NULL;
	size_t len = 0;
	ct_mp r;

	assert_non_null(payload);
	memset(payload, 'a', n);
	if (is_str)
		CT_OK_OR_FAIL(ct_mp_put_str(&b, payload, n));
	else
		CT_OK_OR_FAIL(ct_mp_put_bin(&b, (const uint8_t *)payload, n));
	assert_int_equal(b.len, hdr_len + n);
	assert_memory_equal(b.ptr, hdr, hdr_len);
	CT_OK_OR_FAIL(ct_mp_check(b.ptr, b.len));
	r = ct_mp_over(b.ptr, b.len);
	if (is_str) {
		CT_OK_OR_FAIL(ct_mp_read_str(&r, &s, &len));
		assert_ptr_equal(s, (const char *)b.ptr + hdr_len);
	} else {
		CT_OK_OR_FAIL(ct_mp_read_bin(&r, &bin, &len));
		assert_ptr_equal(bin, b.ptr + hdr_len);
	}
	assert_int_equal(len, n);
	assert_ptr_equal(r.p, r.end);
	free(payload);
	ct_buf_free(&b);
}

static void test_str_boundaries(void **state)
{
	check_bytes_header(true, 0, "\xa0", 1);
	check_bytes_header(true, 31, "\xbf", 1);
	check_bytes_header(true, 32, "\xd9\x20", 2);
	check_bytes_header(true, 255, "\xd9\xff", 2);
	check_bytes_header(true, 256, "\xda\x01\x00", 3);
	check_bytes_header(true, 65535, "\xda\xff\xff", 3);
	check_bytes_header(true, 65536, "\xdb\x00\x01\x00\x00", 5);
}

static void test_bin_boundaries(void **state)
{
	check_bytes_header(false, 0, "\xc4\x00", 2);
	check_bytes_header(false, 255, "\xc4\xff", 2);
	check_bytes_header(false, 256, "\xc5\x01\x00", 3);
	check_bytes_header(false, 65535, "\xc5\xff\xff", 3);
	check_bytes_header(false, 65536, "\xc6\x00\x01\x00\x00", 5);
}

static void test_container_headers(void **state)
{
	static const struct {
		uint32_t n;
		const char *arr, *map;
		size_t len;
	} cases[] = {
		{0, "\x90", "\x80", 1},
		{15, "\x9f", "\x8f", 1},
		{16, "\xdc\x00\x10", "\xde\x00\x10", 3},
		{65535, "\xdc\xff\xff", "\xde\xff\xff", 3},
		{65536, "\xdd\x00\x01\x00\x00", "\xdf\x00\x01\x00\x00", 5},
		{UINT32_MAX, "\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff", 5},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ct_buf b = CT_BUF_INIT;
		uint32_t count = 0;
		ct_mp r;

		CT_OK_OR_FAIL(ct_mp_put_array(&b, cases[i].n));
		assert_bytes(&b, (const uint8_t *)cases[i].arr, cases[i].len);
		/* Pad with nils so that the reader's count guard is satisfied. */
		while (b.len < cases[i].len + 2 * (size_t)cases[i].n && cases[i].n <= 65536)
			CT_OK_OR_FAIL(ct_mp_put_nil(&b));
		if (cases[i].n <= 65536) {
			r = ct_mp_over(b.ptr, b.len);
			CT_OK_OR_FAIL(ct_mp_read_array(&r, &count));
			assert_int_equal(count, cases[i].n);
		}
		b.len = 0;
		CT_OK_OR_FAIL(ct_mp_put_map(&b, cases[i].n));
		assert_bytes(&b, (const uint8_t *)cases[i].map, cases[i].len);
		ct_buf_free(&b);
	}
}

static void test_nil_bool(void **state)
{
	ct_buf b = CT_BUF_INIT;
	bool v = true;
	ct_mp r;

	CT_OK_OR_FAIL(ct_mp_put_nil(&b));
	CT_OK_OR_FAIL(ct_mp_put_bool(&b, false));
	CT_OK_OR_FAIL(ct_mp_put_bool(&b, true));
	assert_bytes(&b, B("\xc0\xc2\xc3"));
	r = ct_mp_over(b.ptr, b.len);
	assert_int_equal(ct_mp_peek(&r), CT_MP_NIL);
	CT_OK_OR_FAIL(ct_mp_read_nil(&r));
	CT_OK_OR_FAIL(ct_mp_read_bool(&r, &v));
	assert_false(v);
	CT_OK_OR_FAIL(ct_mp_read_bool(&r, &v));
	assert_true(v);
	assert_int_equal(ct_mp_check(b.ptr, 1), 0);
	ct_buf_free(&b);
}

static const struct bad {
	const char *what;
	const char *enc;
	size_t len;
} noncanon[] = {
	{"uint8 holding 5", "\xcc\x05", 2},
	{"uint8 holding 127", "\xcc\x7f", 2},
	{"uint16 holding 255", "\xcd\x00\xff", 3},
	{"uint32 holding 65535", "\xce\x00\x00\xff\xff", 5},
	{"uint64 holding 2^32-1", "\xcf\x00\x00\x00\x00\xff\xff\xff\xff", 9},
	{"str8 of length 3", "\xd9\x03" "abc", 5},
	{"str8 of length 31", "\xd9\x1f" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 33},
	{"str16 of length 3", "\xda\x00\x03" "abc", 6},
	{"str32 of length 3", "\xdb\x00\x00\x00\x03" "abc", 8},
	{"bin16 of length 3", "\xc5\x00\x03" "abc", 6},
	{"bin32 of length 3", "\xc6\x00\x00\x00\x03" "abc", 8},
	{"array16 of 1", "\xdc\x00\x01\xc0", 4},
	{"array32 of 1", "\xdd\x00\x00\x00\x01\xc0", 6},
	{"map16 of 1", "\xde\x00\x01\xa1" "a\xc0", 6},
	{"map32 of 1", "\xdf\x00\x00\x00\x01\xa1" "a\xc0", 8},
	{"unsorted keys", "\x82\xa1" "b\xc0\xa1" "a\xc0", 7},
	{"longer key before its prefix", "\x82\xa2" "aa\xc0\xa1" "a\xc0", 8},
	{"b before aa (bytewise, not length-first)", "\x82\xa1" "b\xc0\xa2" "aa\xc0", 8},
	{"duplicate keys", "\x82\xa1" "a\xc0\xa1" "a\xc3", 7},
	{"uint key", "\x81\x01\xc0", 3},
	{"bin key", "\x81\xc4\x01" "a\xc0", 5},
	{"float32", "\xca\x00\x00\x00\x00", 5},
	{"float64", "\xcb\x00\x00\x00\x00\x00\x00\x00\x00", 9},
	{"fixext1", "\xd4\x01\x00", 3},
	{"ext8", "\xc7\x01\x01\x00", 4},
	{"negative fixint", "\xff", 1},
	{"int8", "\xd0\x80", 2},
	{"int64 holding 1", "\xd3\x00\x00\x00\x00\x00\x00\x00\x01", 9},
	{"reserved 0xc1", "\xc1", 1},
	{"lone continuation byte", "\xa1\x80", 2},
	{"overlong 2-byte '/'", "\xa2\xc0\xaf", 3},
	{"overlong 3-byte '/'", "\xa3\xe0\x80\xaf", 4},
	{"overlong 4-byte", "\xa4\xf0\x8f\xbf\xbf", 5},
	{"surrogate U+D800", "\xa3\xed\xa0\x80", 4},
	{"surrogate U+DFFF", "\xa3\xed\xbf\xbf", 4},
	{"above U+10FFFF", "\xa4\xf4\x90\x80\x80", 5},
	{"lead byte 0xf5", "\xa4\xf5\x80\x80\x80", 5},
	{"cut multibyte sequence", "\xa1\xc3", 2},
	{"invalid UTF-8 in a nested key", "\x81\xa1\xff\xc0", 4},
	{"float inside an array", "\x92\x01\xca\x00\x00\x00\x00", 7},
	{"depth 9", "\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0", 10},
	{"depth 9 through maps", "\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x81\xa1k\x90", 25},
	{"trailing byte", "\xc0\xc0", 2},
	{"trailing byte after a map", "\x81\xa1" "a\x01\x00", 5},
};

static void test_noncanonical_rejected(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(noncanon) / sizeof(noncanon[0]); i++) {
		int rc;

		ct_error_clear();
		rc = ct_mp_check((const uint8_t *)noncanon[i].enc, noncanon[i].len);
		if (rc != CT_ENONCANON)
			fail_msg("%s: got %d (%s), want CT_ENONCANON", noncanon[i].what, rc, ct_error_last());
		/* The detail names where. */
		assert_non_null(strstr(ct_error_last(), "offset "));
	}
}

static void test_canonical_accepted(void **state)
{
	static const struct bad ok[] = {
		{"sorted keys", "\x82\xa1" "a\xc0\xa1" "b\xc0", 7},
		{"prefix first", "\x82\xa1" "a\xc0\xa2" "aa\xc0", 8},
		{"aa before b", "\x82\xa2" "aa\xc0\xa1" "b\xc0", 8},
		{"empty key first", "\x82\xa0\xc0\xa1" "a\xc0", 6},
		{"depth 8", "\x91\x91\x91\x91\x91\x91\x91\x91\xc0", 9},
		{"UTF-8 U+00E9, U+20AC, U+10FFFF", "\xa9\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf", 10},
		{"U+D7FF and U+E000", "\xa6\xed\x9f\xbf\xee\x80\x80", 7},
		{"bin with invalid UTF-8", "\xc4\x02\xff\xfe", 4},
		{"empty map and array", "\x92\x80\x90", 3},
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = ct_mp_check((const uint8_t *)ok[i].enc, ok[i].len);
		if (rc != 0)
			fail_msg("%s: got %d (%s)", ok[i].what, rc, ct_error_last());
	}
}

static void test_truncation(void **state)
{
	/* {"a": [1, 300, "xyz", bin "pq"], "b": {"c": nil}, "d": 70000} */
	static const uint8_t value[] = "\x83\xa1" "a\x94\x01\xcd\x01\x2c\xa3" "xyz\xc4\x02" "pq"
				       "\xa1" "b\x81\xa1" "c\xc0\xa1" "d\xce\x00\x01\x11\x70";
	size_t n = sizeof(value) - 1, cut;

	CT_OK_OR_FAIL(ct_mp_check(value, n));
	for (cut = 0; cut < n; cut++) {
		int rc = ct_mp_check(value, cut);
		if (rc != CT_ETRUNC)
			fail_msg("cut at %zu of %zu: got %d (%s)", cut, n, rc, ct_error_last());
	}
}

static void test_huge_lengths(void **state)
{
	static const struct bad huge[] = {
		{"str32 of 4 GiB", "\xdb\xff\xff\xff\xff" "a", 6},
		{"bin32 of 4 GiB", "\xc6\xff\xff\xff\xff" "a", 6},
		{"array32 of 2^32-1", "\xdd\xff\xff\xff\xff\xc0", 6},
		{"map32 of 2^32-1", "\xdf\xff\xff\xff\xff\xa0\xc0", 7},
		{"str16 past the end", "\xda\xff\xff" "a", 4},
		{"map16 of 16 with 1 pair", "\xde\x00\x10\xa0\xc0", 5},
	};
	size_t i;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		const uint8_t *bin;
		const char *s;
		size_t len;
		ct_mp r = ct_mp_over((const uint8_t *)huge[i].enc, huge[i].len);

		if (ct_mp_check((const uint8_t *)huge[i].enc, huge[i].len) != CT_ETRUNC)
			fail_msg("%s: want CT_ETRUNC (%s)", huge[i].what, ct_error_last());
		assert_int_equal(ct_mp_skip(&r), CT_ETRUNC);
		assert_ptr_equal(r.p, (const uint8_t *)huge[i].enc); /* not advanced */
		if (ct_mp_peek(&r) == CT_MP_STR)
			assert_int_equal(ct_mp_read_str(&r, &s, &len), CT_ETRUNC);
		if (ct_mp_peek(&r) == CT_MP_BIN)
			assert_int_equal(ct_mp_read_bin(&r, &bin, &len), CT_ETRUNC);
	}
}

static void test_reader_errors(void **state)
{
	const char *s;
	size_t len;
	uint64_t v;
	uint32_t count;
	bool flag;
	ct_mp r;

	r = ct_mp_over(B("\xa1" "a"));
	assert_int_equal(ct_mp_read_uint(&r, &v), CT_EINVAL);
	assert_int_equal(ct_mp_read_nil(&r), CT_EINVAL);
	assert_int_equal(ct_mp_read_bool(&r, &flag), CT_EINVAL);
	assert_int_equal(ct_mp_read_array(&r, &count), CT_EINVAL);
	assert_int_equal(ct_mp_read_map(&r, &count), CT_EINVAL);
	assert_int_equal(r.end - r.p, 2); /* failed reads do not advance */
	CT_OK_OR_FAIL(ct_mp_read_str(&r, &s, &len));
	assert_int_equal(len, 1);
	assert_int_equal(ct_mp_read_uint(&r, &v), CT_ETRUNC);

	r = ct_mp_over(B("\xcc\x05"));
	assert_int_equal(ct_mp_read_uint(&r, &v), CT_ENONCANON);
	r = ct_mp_over(B("\xa2\xc0\xaf"));
	assert_int_equal(ct_mp_read_str(&r, &s, &len), CT_ENONCANON);
	r = ct_mp_over(B("\xcd\x01"));
	assert_int_equal(ct_mp_read_uint(&r, &v), CT_ETRUNC);
	r = ct_mp_over(B("\xca\x00\x00\x00\x00"));
	assert_int_equal(ct_mp_peek(&r), CT_MP_OTHER);
	assert_int_equal(ct_mp_read_uint(&r, &v), CT_ENONCANON);
	assert_int_equal(ct_mp_skip(&r), CT_ENONCANON);
	r = ct_mp_over(B("\xe0"));
	assert_int_equal(ct_mp_peek(&r), CT_MP_OTHER);
	r = ct_mp_over(B("\xd4\x00\x00"));
	assert_int_equal(ct_mp_peek(&r), CT_MP_OTHER);
}

static void test_skip_and_find(void **state)
{
	ct_buf b = CT_BUF_INIT;
	const char *s;
	size_t len;
	uint64_t v;
	ct_mp r, val;

	/* {"a": 1, "bb": [true, {"x": "y"}], "c": "zz"} then 7 */
	CT_OK_OR_FAIL(ct_mp_put_map(&b, 3));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "a"));
	CT_OK_OR_FAIL(ct_mp_put_uint(&b, 1));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "bb"));
	CT_OK_OR_FAIL(ct_mp_put_array(&b, 2));
	CT_OK_OR_FAIL(ct_mp_put_bool(&b, true));
	CT_OK_OR_FAIL(ct_mp_put_map(&b, 1));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "x"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "y"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "c"));
	CT_OK_OR_FAIL(ct_mp_put_str(&b, "zzz", 2));
	size_t map_len = b.len;
	CT_OK_OR_FAIL(ct_mp_check(b.ptr, map_len));
	CT_OK_OR_FAIL(ct_mp_put_uint(&b, 7));

	r = ct_mp_over(b.ptr, b.len);
	CT_OK_OR_FAIL(ct_mp_find(&r, "a", &val));
	CT_OK_OR_FAIL(ct_mp_read_uint(&val, &v));
	assert_int_equal(v, 1);
	CT_OK_OR_FAIL(ct_mp_find(&r, "c", &val));
	CT_OK_OR_FAIL(ct_mp_read_str(&val, &s, &len));
	assert_int_equal(len, 2);
	assert_memory_equal(s, "zz", 2);
	assert_ptr_equal(val.end, b.ptr + b.len);
	CT_OK_OR_FAIL(ct_mp_find(&r, "bb", &val));
	assert_int_equal(ct_mp_peek(&val), CT_MP_ARRAY);
	assert_int_equal(ct_mp_find(&r, "b", &val), CT_ENOTFOUND);
	assert_int_equal(ct_mp_find(&r, "zz", &val), CT_ENOTFOUND);
	assert_ptr_equal(r.p, b.ptr); /* find does not advance */

	CT_OK_OR_FAIL(ct_mp_skip(&r));
	assert_ptr_equal(r.p, b.ptr + map_len);
	assert_int_equal(ct_mp_find(&r, "a", &val), CT_EINVAL); /* 7 is not a map */
	CT_OK_OR_FAIL(ct_mp_skip(&r));
	assert_ptr_equal(r.p, r.end);
	assert_int_equal(ct_mp_skip(&r), CT_ETRUNC);
	ct_buf_free(&b);
}

/* Writes a random canonical value of at most depth levels of containers. */
static void put_random(ct_buf *b, uint64_t *rng, int depth)
{
	uint64_t pick = ct_test_rand(rng) % (depth > 0 ? 7 : 5);
	char key[8];
	size_t n, i;

	switch (pick) {
	case 0:
		CT_OK_OR_FAIL(ct_mp_put_uint(b, ct_test_rand(rng) >> (ct_test_rand(rng) % 64)));
		break;
	case 1: {
		char s[300];
		n = ct_test_rand(rng) % sizeof(s);
		for (i = 0; i < n; i++)
			s[i] = (char)(' ' + ct_test_rand(rng) % 95);
		CT_OK_OR_FAIL(ct_mp_put_str(b, s, n));
		break;
	}
	case 2: {
		uint8_t bin[300];
		n = ct_test_rand(rng) % sizeof(bin);
		for (i = 0; i < n; i++)
			bin[i] = (uint8_t)ct_test_rand(rng);
		CT_OK_OR_FAIL(ct_mp_put_bin(b, bin, n));
		break;
	}
	case 3:
		CT_OK_OR_FAIL(ct_mp_put_nil(b));
		break;
	case 4:
		CT_OK_OR_FAIL(ct_mp_put_bool(b, ct_test_rand(rng) & 1));
		break;
	case 5:
		n = ct_test_rand(rng) % 20;
		CT_OK_OR_FAIL(ct_mp_put_array(b, (uint32_t)n));
		for (i = 0; i < n; i++)
			put_random(b, rng, depth - 1);
		break;
	default:
		/* Keys k00, k01, ... are sorted bytewise by construction. */
		n = ct_test_rand(rng) % 20;
		CT_OK_OR_FAIL(ct_mp_put_map(b, (uint32_t)n));
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "k%02zu", i);
			CT_OK_OR_FAIL(ct_mp_put_cstr(b, key));
			put_random(b, rng, depth - 1);
		}
		break;
	}
}

static void test_random_values(void **state)
{
	uint64_t seed = ct_test_seed("test_random_values"), rng = seed;
	int round;

	for (round = 0; round < 300; round++) {
		ct_buf b = CT_BUF_INIT;
		size_t cut;
		ct_mp r;

		put_random(&b, &rng, CT_MP_MAX_DEPTH);
		if (ct_mp_check(b.ptr, b.len) != 0)
			fail_msg("seed %llu round %d: %s", (unsigned long long)seed, round, ct_error_last());
		r = ct_mp_over(b.ptr, b.len);
		CT_OK_OR_FAIL(ct_mp_skip(&r));
		assert_ptr_equal(r.p, r.end);
		for (cut = 0; cut < b.len && cut < 200; cut++)
			if (ct_mp_check(b.ptr, cut) != CT_ETRUNC)
				fail_msg("seed %llu round %d cut %zu: %s", (unsigned long long)seed, round, cut,
					 ct_error_last());
		ct_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_boundaries),     cmocka_unit_test(test_str_boundaries),
		cmocka_unit_test(test_bin_boundaries),      cmocka_unit_test(test_container_headers),
		cmocka_unit_test(test_nil_bool),            cmocka_unit_test(test_noncanonical_rejected),
		cmocka_unit_test(test_canonical_accepted),  cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_huge_lengths),        cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_skip_and_find),       cmocka_unit_test(test_random_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
