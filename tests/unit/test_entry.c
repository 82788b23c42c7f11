/* Entries: build/decode round trip, signatures, structural rules, framing. */
#include <sodium.h>

#include "ct_test.h"

#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/mp.h"

/* {"instrument": "DMM-7", "value": 42} */
static void put_body(ct_buf *b, const char *instrument, uint64_t value)
{
	CT_OK_OR_FAIL(ct_mp_put_map(b, 2));
	CT_OK_OR_FAIL(ct_mp_put_cstr(b, "instrument"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(b, instrument));
	CT_OK_OR_FAIL(ct_mp_put_cstr(b, "value"));
	CT_OK_OR_FAIL(ct_mp_put_uint(b, value));
}

/* The fields of a hand-made entry, any of which a test may spoil. */
struct raw_entry {
	uint32_t count; /* array length, normally 8 */
	uint64_t version;
	const uint8_t *author;
	size_t author_len;
	uint64_t seq;
	const uint8_t *prev; /* NULL: nil */
	uint64_t time;
	const char *type;
	const uint8_t *body;
	size_t body_len;
	size_t sig_len;
};

/* Encodes r without any checks, with an all-zero signature. */
static void encode_raw(ct_buf *out, const struct raw_entry *r)
{
	static const uint8_t zero_sig[128];
	uint32_t i;

	out->len = 0;
	CT_OK_OR_FAIL(ct_mp_put_array(out, r->count));
	CT_OK_OR_FAIL(ct_mp_put_uint(out, r->version));
	CT_OK_OR_FAIL(ct_mp_put_bin(out, r->author, r->author_len));
	CT_OK_OR_FAIL(ct_mp_put_uint(out, r->seq));
	if (r->prev)
		CT_OK_OR_FAIL(ct_mp_put_bin(out, r->prev, CT_HASH_BYTES));
	else
		CT_OK_OR_FAIL(ct_mp_put_nil(out));
	CT_OK_OR_FAIL(ct_mp_put_uint(out, r->time));
	CT_OK_OR_FAIL(ct_mp_put_cstr(out, r->type));
	CT_OK_OR_FAIL(ct_buf_put(out, r->body, r->body_len));
	CT_OK_OR_FAIL(ct_mp_put_bin(out, zero_sig, r->sig_len));
	for (i = 8; i < r->count; i++)
		CT_OK_OR_FAIL(ct_mp_put_nil(out));
}

static const uint8_t some_hash[CT_HASH_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static struct raw_entry raw_template(const ct_keypair *kp, const ct_buf *body)
{
	struct raw_entry r = {8, 1, ct_keypair_public(kp), CT_KEY_BYTES, 1, NULL, 1700000000000ULL,
			      "calibration", body->ptr, body->len, CT_SIG_BYTES};
	return r;
}

static void test_round_trip(void **state)
{
	ct_keypair *kp = ct_test_keypair(1);
	ct_buf body = CT_BUF_INIT, e1 = CT_BUF_INIT, e2 = CT_BUF_INIT, msg = CT_BUF_INIT, want = CT_BUF_INIT;
	uint8_t h1[CT_HASH_BYTES], h_manual[CT_HASH_BYTES];
	ct_entry e;
	size_t frame;

	put_body(&body, "DMM-7", 42);
	CT_OK_OR_FAIL(ct_entry_build(&e1, kp, 1, NULL, 1700000000123ULL, "calibration", body.ptr, body.len));
	CT_OK_OR_FAIL(ct_entry_decode(&e, e1.ptr, e1.len));
	assert_int_equal(e.version, 1);
	assert_memory_equal(e.author, ct_keypair_public(kp), CT_KEY_BYTES);
	assert_int_equal(e.seq, 1);
	assert_int_equal(e.has_prev, 0);
	assert_true(e.time == 1700000000123ULL);
	assert_int_equal(e.type_len, strlen("calibration"));
	assert_memory_equal(e.type, "calibration", e.type_len);
	assert_int_equal(e.body_len, body.len);
	assert_memory_equal(e.body, body.ptr, body.len);
	assert_ptr_equal(e.raw, e1.ptr);
	assert_int_equal(e.raw_len, e1.len);
	assert_int_equal(ct_entry_verify(&e), 0);
	CT_OK_OR_FAIL(ct_entry_frame(&frame, e1.ptr, e1.len));
	assert_int_equal(frame, e1.len);

	/* The layout of docs/DESIGN.md section 3: array(8), the sig last as bin 64,
	 * signed over context, 0x00, array(7) of the same field bytes. */
	assert_int_equal(e1.ptr[0], 0x98);
	assert_int_equal(e1.ptr[e1.len - 66], 0xc4);
	assert_int_equal(e1.ptr[e1.len - 65], 64);
	assert_memory_equal(e1.ptr + e1.len - 64, e.sig, CT_SIG_BYTES);
	CT_OK_OR_FAIL(ct_buf_put(&want, "caltrace/entry/v1\0\x97", 19));
	CT_OK_OR_FAIL(ct_buf_put(&want, e1.ptr + 1, e1.len - 67));
	CT_OK_OR_FAIL(ct_entry_signing_input(&msg, &e));
	assert_int_equal(msg.len, want.len);
	assert_memory_equal(msg.ptr, want.ptr, want.len);
	assert_int_equal(ct_sig_verify(e.author, e.sig, want.ptr, want.len), 0);

	/* hash = SHA-256(0x00 || raw) */
	ct_entry_hash(h1, e1.ptr, e1.len);
	want.len = 0;
	CT_OK_OR_FAIL(ct_buf_put(&want, "\0", 1));
	CT_OK_OR_FAIL(ct_buf_put(&want, e1.ptr, e1.len));
	crypto_hash_sha256(h_manual, want.ptr, want.len);
	assert_memory_equal(h1, h_manual, CT_HASH_BYTES);

	/* The next entry links to it. */
	CT_OK_OR_FAIL(ct_entry_build(&e2, kp, 2, h1, 1700000000999ULL, "calibration", body.ptr, body.len));
	CT_OK_OR_FAIL(ct_entry_decode(&e, e2.ptr, e2.len));
	assert_int_equal(e.seq, 2);
	assert_int_equal(e.has_prev, 1);
	assert_memory_equal(e.prev, h1, CT_HASH_BYTES);
	assert_int_equal(ct_entry_verify(&e), 0);

	/* Deterministic: the same inputs give the same bytes. */
	CT_OK_OR_FAIL(ct_entry_build(&msg, kp, 1, NULL, 1700000000123ULL, "calibration", body.ptr, body.len));
	assert_int_equal(msg.len, e1.len);
	assert_memory_equal(msg.ptr, e1.ptr, e1.len);

	ct_buf_free(&body);
	ct_buf_free(&e1);
	ct_buf_free(&e2);
	ct_buf_free(&msg);
	ct_buf_free(&want);
	ct_keypair_free(kp);
}

/* Decodes and verifies; returns the first error or 0. */
static int decode_verify(const uint8_t *buf, size_t len)
{
	ct_entry e;
	int rc = ct_entry_decode(&e, buf, len);

	return rc < 0 ? rc : ct_entry_verify(&e);
}

static void test_flipped_bytes(void **state)
{
	ct_keypair *kp = ct_test_keypair(2);
	ct_buf body = CT_BUF_INIT, e1 = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES] = {9};
	size_t i, body_at;
	int bit;

	put_body(&body, "DMM-7", 42);
	CT_OK_OR_FAIL(ct_entry_build(&e1, kp, 5, prev, 1700000000123ULL, "calibration", body.ptr, body.len));
	/* Every single-bit flip anywhere is caught by decode or verify. */
	for (i = 0; i < e1.len; i++) {
		for (bit = 0; bit < 8; bit++) {
			e1.ptr[i] ^= (uint8_t)(1 << bit);
			if (decode_verify(e1.ptr, e1.len) == 0)
				fail_msg("flip of bit %d of byte %zu went unnoticed", bit, i);
			e1.ptr[i] ^= (uint8_t)(1 << bit);
		}
	}
	CT_OK_OR_FAIL(decode_verify(e1.ptr, e1.len));

	/* Region by region, flips that stay canonical must fail the signature. */
	e1.ptr[e1.len - 1] ^= 0x80; /* sig */
	assert_int_equal(decode_verify(e1.ptr, e1.len), CT_EBADSIG);
	assert_non_null(strstr(ct_error_last(), "#5"));
	e1.ptr[e1.len - 1] ^= 0x80;
	body_at = e1.len - 66 - body.len;
	assert_memory_equal(e1.ptr + body_at, body.ptr, body.len);
	e1.ptr[body_at + 13] ^= 0x01; /* 'D' -> 'E' in the instrument value */
	assert_int_equal(decode_verify(e1.ptr, e1.len), CT_EBADSIG);
	e1.ptr[body_at + 13] ^= 0x01;
	assert_int_equal(e1.ptr[4 + CT_KEY_BYTES], 5); /* seq, a fixint right after the author */
	e1.ptr[4 + CT_KEY_BYTES] = 6;
	assert_int_equal(decode_verify(e1.ptr, e1.len), CT_EBADSIG);
	e1.ptr[4 + CT_KEY_BYTES] = 5;
	CT_OK_OR_FAIL(decode_verify(e1.ptr, e1.len));

	ct_buf_free(&body);
	ct_buf_free(&e1);
	ct_keypair_free(kp);
}

static void test_wrong_author(void **state)
{
	ct_keypair *kp = ct_test_keypair(3), *other = ct_test_keypair(4);
	ct_buf body = CT_BUF_INIT, e1 = CT_BUF_INIT;
	ct_entry e;

	put_body(&body, "X", 1);
	CT_OK_OR_FAIL(ct_entry_build(&e1, kp, 1, NULL, 5, "calibration", body.ptr, body.len));
	/* The author follows 0x98 (array), 0x01 (version), 0xc4 0x20 (bin 32). */
	assert_memory_equal(e1.ptr + 4, ct_keypair_public(kp), CT_KEY_BYTES);
	memcpy(e1.ptr + 4, ct_keypair_public(other), CT_KEY_BYTES);
	CT_OK_OR_FAIL(ct_entry_decode(&e, e1.ptr, e1.len));
	assert_memory_equal(e.author, ct_keypair_public(other), CT_KEY_BYTES);
	assert_int_equal(ct_entry_verify(&e), CT_EBADSIG);
	ct_buf_free(&body);
	ct_buf_free(&e1);
	ct_keypair_free(kp);
	ct_keypair_free(other);
}

/* Encodes r and expects decode to fail with want and a detail containing needle. */
static void expect_decode_error(const struct raw_entry *r, int want, const char *needle)
{
	ct_buf raw = CT_BUF_INIT;
	ct_entry e;
	int rc;

	encode_raw(&raw, r);
	rc = ct_entry_decode(&e, raw.ptr, raw.len);
	if (rc != want)
		fail_msg("want %d, got %d (%s)", want, rc, ct_error_last());
	if (needle && !strstr(ct_error_last(), needle))
		fail_msg("detail \"%s\" lacks \"%s\"", ct_error_last(), needle);
	ct_buf_free(&raw);
}

static void test_structure_rules(void **state)
{
	ct_keypair *kp = ct_test_keypair(5);
	ct_buf body = CT_BUF_INIT, arr = CT_BUF_INIT, unsorted = CT_BUF_INIT, raw = CT_BUF_INIT;
	char key[CT_KEY_SHORT_LEN + 1], name[64];
	struct raw_entry r;
	ct_entry e;

	put_body(&body, "X", 1);
	ct_key_short(key, ct_keypair_public(kp));
	snprintf(name, sizeof(name), "entry %s\xe2\x80\xa6#1", key);

	r = raw_template(kp, &body); /* well formed apart from the signature */
	encode_raw(&raw, &r);
	CT_OK_OR_FAIL(ct_entry_decode(&e, raw.ptr, raw.len));
	assert_int_equal(ct_entry_verify(&e), CT_EBADSIG);

	r.prev = some_hash;
	expect_decode_error(&r, CT_EINVAL, "prev must be nil at seq 1");
	expect_decode_error(&r, CT_EINVAL, name);
	r = raw_template(kp, &body);
	r.seq = 2;
	expect_decode_error(&r, CT_EINVAL, "#2: prev");
	r.seq = 0;
	expect_decode_error(&r, CT_EINVAL, "seq");
	r = raw_template(kp, &body);
	r.version = 2;
	expect_decode_error(&r, CT_EINVAL, "version 2");
	r.version = 0;
	expect_decode_error(&r, CT_EINVAL, "version");
	r = raw_template(kp, &body);
	r.author_len = 31;
	expect_decode_error(&r, CT_EINVAL, "author");
	r = raw_template(kp, &body);
	r.sig_len = 63;
	expect_decode_error(&r, CT_EINVAL, "sig");
	r = raw_template(kp, &body);
	r.type = "";
	expect_decode_error(&r, CT_EINVAL, "type");
	r.type = "a-type-name-that-is-far-too-long-to-be-a-type-name-for-caltrace-x"; /* 65 bytes */
	assert_int_equal(strlen(r.type), CT_TYPE_MAX + 1);
	expect_decode_error(&r, CT_EINVAL, "type");
	r = raw_template(kp, &body);
	CT_OK_OR_FAIL(ct_mp_put_array(&arr, 0));
	r.body = arr.ptr;
	r.body_len = arr.len;
	expect_decode_error(&r, CT_EINVAL, "body");
	CT_OK_OR_FAIL(ct_buf_put(&unsorted, "\x82\xa1z\x01\xa1" "a\x02", 7));
	r.body = unsorted.ptr;
	r.body_len = unsorted.len;
	expect_decode_error(&r, CT_ENONCANON, "not sorted");
	r = raw_template(kp, &body);
	r.count = 7; /* header says 7, eight values follow */
	expect_decode_error(&r, CT_ENONCANON, "trailing");
	encode_raw(&raw, &r); /* a true array(7): the signing input's shape */
	raw.len -= 2 + CT_SIG_BYTES;
	assert_int_equal(ct_entry_decode(&e, raw.ptr, raw.len), CT_EINVAL);
	assert_non_null(strstr(ct_error_last(), "array of 8"));
	r.count = 9;
	expect_decode_error(&r, CT_EINVAL, "array of 8");

	/* Trailing bytes and a non-array. */
	r = raw_template(kp, &body);
	encode_raw(&raw, &r);
	CT_OK_OR_FAIL(ct_buf_put(&raw, "\xc0", 1));
	assert_int_equal(ct_entry_decode(&e, raw.ptr, raw.len), CT_ENONCANON);
	assert_int_equal(ct_entry_decode(&e, (const uint8_t *)"\x80", 1), CT_EINVAL);
	assert_int_equal(ct_entry_decode(&e, (const uint8_t *)"", 0), CT_ETRUNC);

	ct_buf_free(&body);
	ct_buf_free(&arr);
	ct_buf_free(&unsorted);
	ct_buf_free(&raw);
	ct_keypair_free(kp);
}

static void test_build_refusals(void **state)
{
	ct_keypair *kp = ct_test_keypair(6);
	ct_buf body = CT_BUF_INIT, out = CT_BUF_INIT, big = CT_BUF_INIT, deep = CT_BUF_INIT;
	uint8_t *blob = calloc(1, CT_ENTRY_MAX);
	int i;

	assert_non_null(blob);
	put_body(&body, "X", 1);
	CT_OK_OR_FAIL(ct_buf_put(&out, "junk", 4));
	assert_int_equal(ct_entry_build(&out, kp, 1, some_hash, 0, "t", body.ptr, body.len), CT_EINVAL);
	assert_int_equal(out.len, 0);
	assert_int_equal(ct_entry_build(&out, kp, 2, NULL, 0, "t", body.ptr, body.len), CT_EINVAL);
	assert_int_equal(ct_entry_build(&out, kp, 0, NULL, 0, "t", body.ptr, body.len), CT_EINVAL);
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0, "", body.ptr, body.len), CT_EINVAL);
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0,
					"a-type-name-that-is-far-too-long-to-be-a-type-name-for-caltrace-x",
					body.ptr, body.len),
			 CT_EINVAL);
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0, "t", (const uint8_t *)"\x90", 1), CT_EINVAL);
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0, "t", (const uint8_t *)"\x82\xa1z\x01\xa1" "a\x02", 7),
			 CT_ENONCANON);
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0, "t", (const uint8_t *)"\x80\x80", 2), CT_ENONCANON);

	/* A body of 8 nested maps is canonical alone, one level too deep inside an entry. */
	for (i = 0; i < 7; i++) {
		CT_OK_OR_FAIL(ct_mp_put_map(&deep, 1));
		CT_OK_OR_FAIL(ct_mp_put_cstr(&deep, "k"));
	}
	CT_OK_OR_FAIL(ct_mp_put_map(&deep, 0));
	CT_OK_OR_FAIL(ct_mp_check(deep.ptr, deep.len));
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0, "t", deep.ptr, deep.len), CT_ENONCANON);
	assert_int_equal(out.len, 0);

	/* Oversize: the body fits alone, the entry does not. */
	CT_OK_OR_FAIL(ct_mp_put_map(&big, 1));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&big, "blob"));
	CT_OK_OR_FAIL(ct_mp_put_bin(&big, blob, CT_ENTRY_MAX - 100));
	assert_int_equal(ct_entry_build(&out, kp, 1, NULL, 0, "t", big.ptr, big.len), CT_ETOOBIG);
	assert_int_equal(out.len, 0);
	/* The largest body that still fits builds. */
	big.len = 0;
	CT_OK_OR_FAIL(ct_mp_put_map(&big, 1));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&big, "blob"));
	CT_OK_OR_FAIL(ct_mp_put_bin(&big, blob, CT_ENTRY_MAX - 200));
	CT_OK_OR_FAIL(ct_entry_build(&out, kp, 1, NULL, 0, "t", big.ptr, big.len));
	assert_true(out.len <= CT_ENTRY_MAX);
	CT_OK_OR_FAIL(decode_verify(out.ptr, out.len));

	free(blob);
	ct_buf_free(&body);
	ct_buf_free(&out);
	ct_buf_free(&big);
	ct_buf_free(&deep);
	ct_keypair_free(kp);
}

static void test_oversize_decode(void **state)
{
	ct_keypair *kp = ct_test_keypair(7);
	ct_buf big = CT_BUF_INIT, raw = CT_BUF_INIT;
	uint8_t *blob = calloc(1, CT_ENTRY_MAX);
	struct raw_entry r;
	ct_entry e;
	size_t frame;

	assert_non_null(blob);
	CT_OK_OR_FAIL(ct_mp_put_map(&big, 1));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&big, "blob"));
	CT_OK_OR_FAIL(ct_mp_put_bin(&big, blob, CT_ENTRY_MAX));
	r = raw_template(kp, &big);
	encode_raw(&raw, &r);
	assert_true(raw.len > CT_ENTRY_MAX);
	assert_int_equal(ct_entry_decode(&e, raw.ptr, raw.len), CT_ETOOBIG);
	assert_int_equal(ct_entry_frame(&frame, raw.ptr, raw.len), CT_ETOOBIG);
	/* Cut short of the limit, it is merely truncated. */
	assert_int_equal(ct_entry_frame(&frame, raw.ptr, CT_ENTRY_MAX), CT_ETRUNC);
	free(blob);
	ct_buf_free(&big);
	ct_buf_free(&raw);
	ct_keypair_free(kp);
}

static void test_truncation(void **state)
{
	ct_keypair *kp = ct_test_keypair(8);
	ct_buf body = CT_BUF_INIT, e1 = CT_BUF_INIT;
	ct_entry e;
	size_t cut, frame;
	int rc;

	put_body(&body, "DMM-7", 70000);
	CT_OK_OR_FAIL(ct_entry_build(&e1, kp, 3, some_hash, 1700000000123ULL, "calibration", body.ptr, body.len));
	for (cut = 0; cut < e1.len; cut++) {
		if ((rc = ct_entry_decode(&e, e1.ptr, cut)) != CT_ETRUNC)
			fail_msg("decode cut at %zu of %zu: %d (%s)", cut, e1.len, rc, ct_error_last());
		if ((rc = ct_entry_frame(&frame, e1.ptr, cut)) != CT_ETRUNC)
			fail_msg("frame cut at %zu of %zu: %d (%s)", cut, e1.len, rc, ct_error_last());
	}
	ct_buf_free(&body);
	ct_buf_free(&e1);
	ct_keypair_free(kp);
}

static void test_frame_stream(void **state)
{
	ct_keypair *a = ct_test_keypair(9), *b = ct_test_keypair(10);
	ct_buf body = CT_BUF_INIT, one = CT_BUF_INIT, stream = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES];
	size_t lens[4], off = 0, frame;
	ct_entry e;
	int i;

	for (i = 0; i < 4; i++) {
		body.len = 0;
		put_body(&body, i % 2 ? "scale" : "thermometer-with-a-longer-name-than-31-bytes", (uint64_t)i * 1000);
		CT_OK_OR_FAIL(ct_entry_build(&one, i < 2 ? a : b, (uint64_t)(i % 2) + 1, i % 2 ? prev : NULL,
					     (uint64_t)i, "calibration", body.ptr, body.len));
		ct_entry_hash(prev, one.ptr, one.len);
		lens[i] = one.len;
		CT_OK_OR_FAIL(ct_buf_put(&stream, one.ptr, one.len));
	}
	for (i = 0; i < 4; i++) {
		CT_OK_OR_FAIL(ct_entry_frame(&frame, stream.ptr + off, stream.len - off));
		assert_int_equal(frame, lens[i]);
		CT_OK_OR_FAIL(ct_entry_decode(&e, stream.ptr + off, frame));
		assert_int_equal(ct_entry_verify(&e), 0);
		assert_int_equal(e.seq, (uint64_t)(i % 2) + 1);
		off += frame;
	}
	assert_int_equal(off, stream.len);
	assert_int_equal(ct_entry_frame(&frame, stream.ptr + off, 0), CT_ETRUNC);
	assert_int_equal(ct_entry_frame(&frame, stream.ptr, lens[0] - 1), CT_ETRUNC);
	assert_int_equal(ct_entry_frame(&frame, (const uint8_t *)"\x97\x01", 2), CT_ENONCANON);
	assert_int_equal(ct_entry_frame(&frame, (const uint8_t *)"\xdc\x00\x08", 3), CT_ENONCANON);
	/* A non-shortest header inside the frame is refused too. */
	assert_int_equal(ct_entry_frame(&frame, (const uint8_t *)"\x98\xcc\x01\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0", 11), CT_ENONCANON);

	ct_buf_free(&body);
	ct_buf_free(&one);
	ct_buf_free(&stream);
	ct_keypair_free(a);
	ct_keypair_free(b);
}

/* A random canonical body map: keys k00.. in order, values of every kind. */
static void put_random_body(ct_buf *b, uint64_t *rng, int depth)
{
	uint32_t n = (uint32_t)(ct_test_rand(rng) % 12), i, j, len;
	char key[16], text[80];
	uint8_t bytes[80];

	CT_OK_OR_FAIL(ct_mp_put_map(b, n));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%02u", i);
		CT_OK_OR_FAIL(ct_mp_put_cstr(b, key));
		len = (uint32_t)(ct_test_rand(rng) % sizeof(text));
		switch (ct_test_rand(rng) % (depth > 0 ? 6 : 5)) {
		case 0:
			CT_OK_OR_FAIL(ct_mp_put_uint(b, ct_test_rand(rng) >> (ct_test_rand(rng) % 64)));
			break;
		case 1:
			for (j = 0; j < len; j++)
				text[j] = (char)('a' + ct_test_rand(rng) % 26);
			CT_OK_OR_FAIL(ct_mp_put_str(b, text, len));
			break;
		case 2:
			for (j = 0; j < len; j++)
				bytes[j] = (uint8_t)ct_test_rand(rng);
			CT_OK_OR_FAIL(ct_mp_put_bin(b, bytes, len));
			break;
		case 3:
			CT_OK_OR_FAIL(ct_mp_put_nil(b));
			break;
		case 4:
			CT_OK_OR_FAIL(ct_mp_put_bool(b, ct_test_rand(rng) & 1));
			break;
		default:
			put_random_body(b, rng, depth - 1);
			break;
		}
	}
}

static void test_random_bodies(void **state)
{
	uint64_t seed = ct_test_seed("test_random_bodies"), rng = seed, seq;
	ct_keypair *kp = ct_test_keypair(11);
	ct_buf body = CT_BUF_INIT, out = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES] = {0};
	size_t frame;
	ct_entry e;

	for (seq = 1; seq <= 200; seq++) {
		uint64_t t = ct_test_rand(&rng);
		do { /* keep clear of CT_ENTRY_MAX */
			body.len = 0;
			put_random_body(&body, &rng, 5);
		} while (body.len > CT_ENTRY_MAX / 2);
		if (ct_entry_build(&out, kp, seq, seq == 1 ? NULL : prev, t, "random", body.ptr, body.len) < 0 ||
		    ct_entry_decode(&e, out.ptr, out.len) < 0 || ct_entry_verify(&e) != 0 ||
		    ct_entry_frame(&frame, out.ptr, out.len) < 0)
			fail_msg("seed %llu seq %llu: %s", (unsigned long long)seed, (unsigned long long)seq,
				 ct_error_last());
		assert_int_equal(frame, out.len);
		assert_true(e.seq == seq && e.time == t);
		assert_int_equal(e.has_prev, seq != 1);
		if (seq != 1)
			assert_memory_equal(e.prev, prev, CT_HASH_BYTES);
		assert_int_equal(e.body_len, body.len);
		assert_memory_equal(e.body, body.ptr, body.len);
		ct_entry_hash(prev, out.ptr, out.len);
	}
	ct_buf_free(&body);
	ct_buf_free(&out);
	ct_keypair_free(kp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_wrong_author),    cmocka_unit_test(test_structure_rules),
		cmocka_unit_test(test_build_refusals),  cmocka_unit_test(test_oversize_decode),
		cmocka_unit_test(test_truncation),      cmocka_unit_test(test_frame_stream),
		cmocka_unit_test(test_random_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
