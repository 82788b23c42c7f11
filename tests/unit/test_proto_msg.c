/* Replication messages: round trips, strictness, truncation. */
#include "ct_test.h"
#include "caltrace/proto/msg.h"

static const uint8_t A[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
			      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t H[32] = {0xaa, 0xbb, 0xcc};

static void test_hello(void **state)
{
	ct_wire_head heads[3], h;

	memset(heads, 0, sizeof(heads));
	ct_buf b = CT_BUF_INIT;
	ct_msg m;

	(void)state;
	memcpy(heads[0].author, A, 32);
	heads[0].size = 5;
	heads[0].has_head = true;
	memcpy(heads[0].head, H, 32);
	heads[1].author[0] = 9; /* size 0: nil head */
	heads[2].author[0] = 7;
	heads[2].size = 1ULL << 40;
	heads[2].has_head = true;
	heads[2].flags = CT_HEAD_FORKED;
	CT_OK_OR_FAIL(ct_msg_hello(&b, heads, 3));
	CT_OK_OR_FAIL(ct_mp_check(b.ptr, b.len));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_HELLO);
	assert_int_equal(m.version, CT_PROTO_VERSION);
	assert_int_equal(m.count, 3);
	assert_int_equal(ct_msg_next_head(&m, &h), 1);
	assert_memory_equal(h.author, A, 32);
	assert_int_equal(h.size, 5);
	assert_true(h.has_head);
	assert_memory_equal(h.head, H, 32);
	assert_int_equal(ct_msg_next_head(&m, &h), 1);
	assert_int_equal(h.size, 0);
	assert_false(h.has_head);
	assert_int_equal(ct_msg_next_head(&m, &h), 1);
	assert_int_equal(h.size, 1ULL << 40);
	assert_int_equal(h.flags, CT_HEAD_FORKED);
	assert_int_equal(ct_msg_next_head(&m, &h), 0);
	ct_buf_free(&b);
}

static void test_each_type(void **state)
{
	ct_buf b = CT_BUF_INIT;
	const uint8_t *raw;
	size_t len;
	ct_msg m;

	(void)state;
	CT_OK_OR_FAIL(ct_msg_want(&b, A, 3, 70000));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_WANT);
	assert_memory_equal(m.author, A, 32);
	assert_int_equal(m.from, 3);
	assert_int_equal(m.to, 70000);

	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_entries_begin(&b, A, 10, CT_ENTRIES_LAST, 2));
	CT_OK_OR_FAIL(ct_mp_put_bin(&b, (const uint8_t *)"e10", 3));
	CT_OK_OR_FAIL(ct_mp_put_bin(&b, (const uint8_t *)"entry11", 7));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_ENTRIES);
	assert_int_equal(m.from, 10);
	assert_int_equal(m.flags, CT_ENTRIES_LAST);
	assert_int_equal(m.count, 2);
	assert_int_equal(ct_msg_next_entry(&m, &raw, &len), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(raw, "e10", 3);
	assert_int_equal(ct_msg_next_entry(&m, &raw, &len), 1);
	assert_int_equal(len, 7);
	assert_int_equal(ct_msg_next_entry(&m, &raw, &len), 0);

	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_have(&b, A, 42, H));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_HAVE);
	assert_int_equal(m.size, 42);
	assert_memory_equal(m.head, H, 32);

	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_fork(&b, (const uint8_t *)"aa", 2, (const uint8_t *)"bbb", 3));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_FORK);
	assert_int_equal(m.a_len, 2);
	assert_int_equal(m.b_len, 3);

	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_ping(&b, 77));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_PING);
	assert_int_equal(m.nonce, 77);
	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_pong(&b, 78));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_PONG);
	assert_int_equal(m.nonce, 78);

	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_error(&b, 3, "unknown key"));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_ERROR);
	assert_int_equal(m.code, 3);
	assert_int_equal(m.text_len, 11);
	assert_memory_equal(m.text, "unknown key", 11);

	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_checkpoint(&b, A, (const uint8_t *)"note\n", 5));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_int_equal(m.type, CT_MSG_CHECKPOINT);
	assert_int_equal(m.note_len, 5);
	assert_string_equal(ct_msg_name(CT_MSG_CHECKPOINT), "checkpoint");
	assert_string_equal(ct_msg_name(99), "unknown");
	ct_buf_free(&b);
}

/* A long error text is cut at a character boundary and stays valid UTF-8. */
static void test_error_text_cut(void **state)
{
	char text[CT_MSG_TEXT_MAX + 10];
	ct_buf b = CT_BUF_INIT;
	ct_msg m;
	size_t i;

	(void)state;
	for (i = 0; i + 3 <= sizeof(text) - 1; i += 3)
		memcpy(text + i, "\xe2\x80\xa6", 3); /* "…" */
	text[i] = '\0';
	CT_OK_OR_FAIL(ct_msg_error(&b, 1, text));
	CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
	assert_true(m.text_len <= CT_MSG_TEXT_MAX);
	assert_int_equal(m.text_len % 3, 0);
	ct_buf_free(&b);
}

/* Decodes hex-free literal bytes and expects err. */
static void expect_bad(const char *bytes, size_t len, int err, const char *needle)
{
	ct_msg m;
	int got = ct_msg_decode(&m, (const uint8_t *)bytes, len);

	if (got != err)
		fail_msg("expected %d, got %d (%s)", err, got, ct_error_last());
	if (needle && !strstr(ct_error_last(), needle))
		fail_msg("detail '%s' lacks '%s'", ct_error_last(), needle);
}

static void test_refusals(void **state)
{
	ct_buf b = CT_BUF_INIT;
	uint8_t *big;

	(void)state;
	expect_bad("\x91\x0a", 2, CT_EINVAL, "unknown type 10");
	expect_bad("\x90", 1, CT_EINVAL, "no type");
	expect_bad("\x81\xa1x\x01", 4, CT_EINVAL, "message");  /* a map, not an array */
	expect_bad("\x92\x06\xcc\x05", 4, CT_ENONCANON, NULL); /* ping nonce 5 in a uint8 */
	expect_bad("\x93\x06\x05\x05", 4, CT_EINVAL, "ping message has 2 fields, expected 1");
	expect_bad("\x92\x06\x05\x05", 4, CT_EINVAL, "after its end"); /* trailing byte */
	expect_bad("\x92\x06\xd0\x05", 4, CT_ENONCANON, NULL);	       /* signed int */
	expect_bad("\x92\x06", 2, CT_ETRUNC, NULL);

	/* want: range checks */
	CT_OK_OR_FAIL(ct_msg_want(&b, A, 0, 5));
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "starts at 0");
	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_want(&b, A, 6, 5));
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "range 6..5");
	/* author of 31 bytes */
	b.len = 0;
	ct_mp_put_array(&b, 4);
	ct_mp_put_uint(&b, CT_MSG_WANT);
	ct_mp_put_bin(&b, A, 31);
	ct_mp_put_uint(&b, 1);
	ct_mp_put_uint(&b, 1);
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "31 bytes");
	/* have of size 0 */
	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_have(&b, A, 0, H));
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "size 0");
	/* entries: unknown flag, from 0, an entry over the limit */
	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_entries_begin(&b, A, 1, 4, 0));
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "unknown flags");
	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_entries_begin(&b, A, 0, 0, 0));
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "from must be at least 1");
	big = calloc(1, CT_ENTRY_MAX + 1);
	b.len = 0;
	CT_OK_OR_FAIL(ct_msg_entries_begin(&b, A, 1, 0, 1));
	CT_OK_OR_FAIL(ct_mp_put_bin(&b, big, CT_ENTRY_MAX + 1));
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "over 65536");
	free(big);
	/* hello: a head whose hash is present with size 0 */
	b.len = 0;
	ct_mp_put_array(&b, 3);
	ct_mp_put_uint(&b, CT_MSG_HELLO);
	ct_mp_put_uint(&b, 1);
	ct_mp_put_array(&b, 1);
	ct_mp_put_array(&b, 4);
	ct_mp_put_bin(&b, A, 32);
	ct_mp_put_uint(&b, 0);
	ct_mp_put_bin(&b, H, 32);
	ct_mp_put_uint(&b, 0);
	expect_bad((const char *)b.ptr, b.len, CT_EINVAL, "nil exactly when the size is 0");
	/* error text that is not UTF-8 */
	expect_bad("\x93\x08\x01\xa2\xc3\x28", 6, CT_ENONCANON, NULL);
	ct_buf_free(&b);
}

/* Every strict prefix of a valid message is refused, never read past. */
static void test_truncations(void **state)
{
	ct_wire_head heads[2];

	memset(heads, 0, sizeof(heads));
	ct_buf b = CT_BUF_INIT;
	size_t i;
	ct_msg m;

	(void)state;
	heads[0].size = 3;
	heads[0].has_head = true;
	heads[1].author[0] = 1;
	for (int which = 0; which < 2; which++) {
		b.len = 0;
		if (which == 0) {
			CT_OK_OR_FAIL(ct_msg_hello(&b, heads, 2));
		} else {
			CT_OK_OR_FAIL(ct_msg_entries_begin(&b, A, 1, CT_ENTRIES_PUSH, 1));
			CT_OK_OR_FAIL(ct_mp_put_bin(&b, (const uint8_t *)"x", 1));
		}
		CT_OK_OR_FAIL(ct_msg_decode(&m, b.ptr, b.len));
		for (i = 0; i < b.len; i++) {
			uint8_t *copy = malloc(i ? i : 1); /* exact size: ASan sees any over-read */
			memcpy(copy, b.ptr, i);
			assert_true(ct_msg_decode(&m, copy, i) < 0);
			free(copy);
		}
	}
	ct_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello),	   cmocka_unit_test(test_each_type),
	    cmocka_unit_test(test_error_text_cut), cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_truncations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
