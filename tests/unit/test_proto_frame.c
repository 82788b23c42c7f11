/* Length-prefixed frames: splitting, limits, arbitrary chunking. */
#include "ct_test.h"
#include "caltrace/proto/frame.h"

static void test_round_trip_and_split(void **state)
{
	ct_buf wire = CT_BUF_INIT;
	ct_framer f;
	const uint8_t *body;
	size_t len, i;

	(void)state;
	CT_OK_OR_FAIL(ct_frame_put(&wire, (const uint8_t *)"hello", 5));
	CT_OK_OR_FAIL(ct_frame_put(&wire, (const uint8_t *)"", 0));
	CT_OK_OR_FAIL(ct_frame_put(&wire, (const uint8_t *)"world!", 6));
	assert_int_equal(wire.len, 4 + 5 + 4 + 0 + 4 + 6);
	assert_memory_equal(wire.ptr, "\0\0\0\5hello", 9);

	/* One byte at a time: a frame appears exactly when its last byte arrives. */
	ct_framer_init(&f, 16);
	for (i = 0; i < wire.len; i++) {
		CT_OK_OR_FAIL(ct_framer_push(&f, wire.ptr + i, 1));
		if (i == 8) {
			assert_int_equal(ct_framer_next(&f, &body, &len), 1);
			assert_int_equal(len, 5);
			assert_memory_equal(body, "hello", 5);
		} else if (i == 12) {
			assert_int_equal(ct_framer_next(&f, &body, &len), 1);
			assert_int_equal(len, 0);
		} else if (i == wire.len - 1) {
			assert_int_equal(ct_framer_next(&f, &body, &len), 1);
			assert_int_equal(len, 6);
			assert_memory_equal(body, "world!", 6);
		} else {
			assert_int_equal(ct_framer_next(&f, &body, &len), 0);
		}
	}
	assert_int_equal(ct_framer_pending(&f), 0);
	ct_framer_free(&f);
	ct_buf_free(&wire);
}

static void test_limit(void **state)
{
	uint8_t hdr[4];
	uint8_t body[17] = {0};
	ct_framer f;
	const uint8_t *out;
	size_t len;

	(void)state;
	ct_framer_init(&f, 16);
	/* exactly at the limit: fine */
	ct_frame_header(hdr, 16);
	CT_OK_OR_FAIL(ct_framer_push(&f, hdr, 4));
	CT_OK_OR_FAIL(ct_framer_push(&f, body, 16));
	assert_int_equal(ct_framer_next(&f, &out, &len), 1);
	assert_int_equal(len, 16);
	/* one over: refused as soon as the header is in, before any body */
	ct_frame_header(hdr, 17);
	CT_OK_OR_FAIL(ct_framer_push(&f, hdr, 4));
	assert_int_equal(ct_framer_next(&f, &out, &len), CT_ETOOBIG);
	assert_non_null(strstr(ct_error_last(), "17 bytes over the limit of 16"));
	ct_framer_free(&f);

	/* a huge length (garbage) is refused the same way */
	ct_framer_init(&f, CT_FRAME_MAX);
	CT_OK_OR_FAIL(ct_framer_push(&f, (const uint8_t *)"GET / HTTP/1.1\r\n", 16));
	assert_int_equal(ct_framer_next(&f, &out, &len), CT_ETOOBIG);
	ct_framer_free(&f);

	/* the writer refuses what no reader would take */
	{
		ct_buf wire = CT_BUF_INIT;
		uint8_t *big = calloc(1, CT_FRAME_MAX + 1);
		assert_int_equal(ct_frame_put(&wire, big, CT_FRAME_MAX + 1), CT_ETOOBIG);
		assert_int_equal(wire.len, 0);
		CT_OK_OR_FAIL(ct_frame_put(&wire, big, CT_FRAME_MAX));
		free(big);
		ct_buf_free(&wire);
	}
}

/* Random frames cut into random chunks come out whole and in order; the buffer stays small. */
static void test_random_chunks(void **state)
{
	uint64_t rng = ct_test_seed("test_random_chunks");
	ct_buf wire = CT_BUF_INIT, body = CT_BUF_INIT;
	size_t lens[200], i, off = 0, got = 0, max_cap = 0;
	ct_framer f;
	const uint8_t *out;
	size_t len;

	(void)state;
	for (i = 0; i < 200; i++) {
		lens[i] = (size_t)(ct_test_rand(&rng) % 5000);
		body.len = 0;
		for (size_t k = 0; k < lens[i]; k++) {
			uint8_t b = (uint8_t)(i + k);
			ct_buf_put(&body, &b, 1);
		}
		CT_OK_OR_FAIL(ct_frame_put(&wire, body.ptr, body.len));
	}
	ct_framer_init(&f, 5000);
	while (off < wire.len) {
		size_t n = 1 + (size_t)(ct_test_rand(&rng) % 3000);
		if (n > wire.len - off)
			n = wire.len - off;
		CT_OK_OR_FAIL(ct_framer_push(&f, wire.ptr + off, n));
		off += n;
		while (ct_framer_next(&f, &out, &len) == 1) {
			assert_int_equal(len, lens[got]);
			for (size_t k = 0; k < len; k++)
				assert_int_equal(out[k], (uint8_t)(got + k));
			got++;
		}
		if (f.in.cap > max_cap)
			max_cap = f.in.cap;
	}
	assert_int_equal(got, 200);
	assert_true(max_cap <= 4 * (5000 + 3000 + 8)); /* never the whole stream */
	ct_framer_free(&f);
	ct_buf_free(&wire);
	ct_buf_free(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_and_split),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_random_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
