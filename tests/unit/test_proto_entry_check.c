/*
 * The signature check from an entry's bytes (proto/entry_check.c) agrees
 * with the full decode and verification: same author, seq and verdict on
 * valid entries; and no altered entry passes both it and the full decode.
 */
#include "caltrace/proto/entry_check.h"
#include "net_fixture.h"

/* Valid entries at small and large seqs, with and without prev. */
static void test_agrees_on_valid_entries(void **state)
{
	static const uint64_t seqs[] = {1, 2, 127, 128, 255, 256, 65535, 65536, 4294967296ULL, UINT64_MAX};
	ct_keypair *kp = ct_test_keypair(31);
	ct_buf e = CT_BUF_INIT, scratch = CT_BUF_INIT, input = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES], author[CT_KEY_BYTES];
	uint64_t seq;
	ct_entry d;
	size_t i;

	(void)state;
	memset(prev, 0x3c, sizeof(prev));
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		fx_entry(&e, kp, seqs[i], seqs[i] > 1 ? prev : NULL, "CHECK-1");
		CT_OK_OR_FAIL(ct_entry_check_raw(e.ptr, e.len, author, &seq, &scratch));
		CT_OK_OR_FAIL(ct_entry_decode(&d, e.ptr, e.len));
		assert_memory_equal(author, d.author, CT_KEY_BYTES);
		assert_int_equal(seq, d.seq);
		assert_int_equal(seq, seqs[i]);
		/* the bytes it verified are the canonical signing input */
		input.len = 0;
		CT_OK_OR_FAIL(ct_entry_signing_input(&input, &d));
		assert_int_equal(scratch.len, input.len);
		assert_memory_equal(scratch.ptr, input.ptr, input.len);
	}
	ct_buf_free(&e);
	ct_buf_free(&scratch);
	ct_buf_free(&input);
	ct_keypair_free(kp);
}

/* Flipping any single bit: refused by the raw check or by the full decode and verification. */
static void test_no_flip_passes_both(void **state)
{
	uint64_t rng = ct_test_seed("test_no_flip_passes_both");
	ct_keypair *kp = ct_test_keypair(32);
	ct_buf e = CT_BUF_INIT, scratch = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES], author[CT_KEY_BYTES];
	uint64_t seq;
	ct_entry d;
	size_t bit;

	(void)state;
	memset(prev, 0x5a, sizeof(prev));
	fx_entry(&e, kp, 1 + ct_test_rand(&rng) % 100000, prev, "FLIP");
	for (bit = 0; bit < e.len * 8; bit++) {
		int raw_ok, full_ok;
		e.ptr[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		raw_ok = ct_entry_check_raw(e.ptr, e.len, author, &seq, &scratch) == 0;
		full_ok = ct_entry_decode(&d, e.ptr, e.len) == 0 && ct_entry_verify(&d) == 0;
		if (raw_ok && full_ok)
			fail_msg("bit %zu flipped: both checks accept", bit);
		/* a signature bit alone: both must refuse */
		if (bit / 8 >= e.len - CT_SIG_BYTES)
			assert_false(raw_ok);
		e.ptr[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ct_buf_free(&e);
	ct_buf_free(&scratch);
	ct_keypair_free(kp);
}

static void test_refusals(void **state)
{
	ct_keypair *kp = ct_test_keypair(33), *other = ct_test_keypair(34);
	ct_buf e = CT_BUF_INIT, bad = CT_BUF_INIT, scratch = CT_BUF_INIT;
	uint8_t author[CT_KEY_BYTES];
	uint64_t seq;

	(void)state;
	fx_entry(&e, kp, 1, NULL, "REFUSE");
	/* too short, empty, truncated */
	assert_int_equal(ct_entry_check_raw(e.ptr, 10, author, &seq, &scratch), CT_ENONCANON);
	assert_int_equal(ct_entry_check_raw(e.ptr, e.len - 1, author, &seq, &scratch), CT_ENONCANON);
	/* seq 1 in a wider form */
	ct_buf_put(&bad, e.ptr, 36);
	ct_buf_put(&bad, "\xcc\x01", 2);
	ct_buf_put(&bad, e.ptr + 37, e.len - 37);
	assert_int_equal(ct_entry_check_raw(bad.ptr, bad.len, author, &seq, &scratch), CT_ENONCANON);
	assert_non_null(strstr(ct_error_last(), "not shortest"));
	/* another author's key in place of the signer's */
	bad.len = 0;
	ct_buf_put(&bad, e.ptr, e.len);
	memcpy(bad.ptr + 4, ct_keypair_public(other), CT_KEY_BYTES);
	assert_int_equal(ct_entry_check_raw(bad.ptr, bad.len, author, &seq, &scratch), CT_EBADSIG);
	/* version 2 */
	bad.ptr[1] = 2;
	assert_int_equal(ct_entry_check_raw(bad.ptr, bad.len, author, &seq, &scratch), CT_ENONCANON);
	ct_buf_free(&e);
	ct_buf_free(&bad);
	ct_buf_free(&scratch);
	ct_keypair_free(kp);
	ct_keypair_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agrees_on_valid_entries),
	    cmocka_unit_test(test_no_flip_passes_both),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
