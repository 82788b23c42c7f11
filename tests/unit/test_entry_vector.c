/*
 * The worked example of docs/FORMAT.md (tests/vectors/entry-example.json):
 * every byte the doc shows is re-derived here, so the doc cannot drift
 * from the code.
 */
#include <jansson.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/json.h"
#include "ct_store_test.h"

static json_t *vector;

static int load(void **state)
{
	json_error_t jerr;

	vector = json_load_file(ct_test_vector_path("entry-example.json"), 0, &jerr);
	if (!vector)
		fprintf(stderr, "entry-example.json: %s (line %d)\n", jerr.text, jerr.line);
	return vector ? 0 : -1;
}

static int unload(void **state)
{
	json_decref(vector);
	return 0;
}

/* The hex string field key of o as bytes. */
static void hex_field(ct_buf *out, const json_t *o, const char *key)
{
	const char *hex = json_string_value(json_object_get(o, key));
	uint8_t byte;
	char two[3] = {0};
	size_t i, n;

	assert_non_null(hex);
	n = strlen(hex);
	assert_int_equal(n % 2, 0);
	out->len = 0;
	for (i = 0; i < n; i += 2) {
		two[0] = hex[i];
		two[1] = hex[i + 1];
		CT_OK_OR_FAIL(ct_unhex(&byte, 1, two));
		CT_OK_OR_FAIL(ct_buf_put(out, &byte, 1));
	}
}

static ct_keypair *vector_key(void)
{
	ct_buf seed = CT_BUF_INIT, pub = CT_BUF_INIT;
	ct_keypair *kp = NULL;

	hex_field(&seed, vector, "seed");
	hex_field(&pub, vector, "public_key");
	assert_int_equal(seed.len, 32);
	CT_OK_OR_FAIL(ct_keypair_from_seed(&kp, seed.ptr));
	assert_memory_equal(ct_keypair_public(kp), pub.ptr, 32);
	ct_buf_free(&seed);
	ct_buf_free(&pub);
	return kp;
}

static void test_vector_entries(void **state)
{
	ct_buf entry = CT_BUF_INIT, body = CT_BUF_INIT, signing = CT_BUF_INIT, sig = CT_BUF_INIT,
	       hash = CT_BUF_INIT, mine = CT_BUF_INIT, rebuilt = CT_BUF_INIT, by_hand = CT_BUF_INIT,
	       prev = CT_BUF_INIT;
	json_t *entries = json_object_get(vector, "entries"), *o;
	ct_keypair *kp = vector_key();
	const char *type;
	uint8_t h[32];
	uint64_t when;
	size_t i;
	ct_entry e;

	assert_int_equal(json_array_size(entries), 2);
	json_array_foreach(entries, i, o)
	{
		type = json_string_value(json_object_get(o, "type"));
		hex_field(&entry, o, "entry");
		hex_field(&body, o, "body");
		hex_field(&signing, o, "signing_input");
		hex_field(&sig, o, "sig");
		hex_field(&hash, o, "hash");
		/* the fields decode as the doc lists them */
		CT_OK_OR_FAIL(ct_entry_decode(&e, entry.ptr, entry.len));
		assert_int_equal(e.version, 1);
		assert_memory_equal(e.author, ct_keypair_public(kp), 32);
		assert_int_equal(e.seq, json_integer_value(json_object_get(o, "seq")));
		assert_int_equal(e.time, json_integer_value(json_object_get(o, "time")));
		CT_OK_OR_FAIL(ct_time_parse(&when, json_string_value(json_object_get(o, "time_iso"))));
		assert_int_equal(e.time, when);
		assert_int_equal(e.type_len, strlen(type));
		assert_memory_equal(e.type, type, e.type_len);
		assert_int_equal(e.body_len, body.len);
		assert_memory_equal(e.body, body.ptr, body.len);
		assert_memory_equal(e.sig, sig.ptr, 64);
		if (json_is_null(json_object_get(o, "prev"))) {
			assert_false(e.has_prev);
		} else {
			hex_field(&prev, o, "prev");
			assert_true(e.has_prev);
			assert_memory_equal(e.prev, prev.ptr, 32);
		}
		/* the body is the canonical encoding of its JSON form */
		mine.len = 0;
		CT_OK_OR_FAIL(ct_body_from_json(&mine, ct_event_type_of(type, strlen(type)),
						json_object_get(o, "body_json")));
		assert_int_equal(mine.len, body.len);
		assert_memory_equal(mine.ptr, body.ptr, body.len);
		/* signing input: the library's, and the doc's recipe (context, 0x00, 0x97, the entry's
		 * middle) */
		mine.len = 0;
		CT_OK_OR_FAIL(ct_entry_signing_input(&mine, &e));
		assert_int_equal(mine.len, signing.len);
		assert_memory_equal(mine.ptr, signing.ptr, signing.len);
		by_hand.len = 0;
		CT_OK_OR_FAIL(ct_buf_put(&by_hand, "caltrace/entry/v1\0\x97", 19));
		assert_memory_equal(entry.ptr + entry.len - 66, "\xc4\x40", 2);
		CT_OK_OR_FAIL(ct_buf_put(&by_hand, entry.ptr + 1, entry.len - 1 - 66));
		assert_int_equal(by_hand.len, signing.len);
		assert_memory_equal(by_hand.ptr, signing.ptr, signing.len);
		/* the signature verifies, and Ed25519 being deterministic, signing again gives the same bytes
		 */
		CT_OK_OR_FAIL(ct_sig_verify(ct_keypair_public(kp), sig.ptr, signing.ptr, signing.len));
		CT_OK_OR_FAIL(ct_entry_verify(&e));
		CT_OK_OR_FAIL(ct_entry_build(&rebuilt, kp, e.seq, e.has_prev ? e.prev : NULL, e.time, type,
					     body.ptr, body.len));
		assert_int_equal(rebuilt.len, entry.len);
		assert_memory_equal(rebuilt.ptr, entry.ptr, entry.len);
		/* the hash is the RFC 6962 leaf hash */
		ct_entry_hash(h, entry.ptr, entry.len);
		assert_memory_equal(h, hash.ptr, 32);
		ct_merkle_leaf_hash(h, entry.ptr, entry.len);
		assert_memory_equal(h, hash.ptr, 32);
		/* one flipped bit anywhere is refused */
		entry.ptr[entry.len / 2] ^= 0x10;
		assert_true(ct_entry_decode(&e, entry.ptr, entry.len) < 0 || ct_entry_verify(&e) < 0);
	}
	ct_buf_free(&entry);
	ct_buf_free(&body);
	ct_buf_free(&signing);
	ct_buf_free(&sig);
	ct_buf_free(&hash);
	ct_buf_free(&mine);
	ct_buf_free(&rebuilt);
	ct_buf_free(&by_hand);
	ct_buf_free(&prev);
	ct_keypair_free(kp);
}

/* A store holding the two entries has the digest the doc shows. */
static void test_vector_digest(void **state)
{
	json_t *entries = json_object_get(vector, "entries"), *o;
	ct_buf entry = CT_BUF_INIT, digest = CT_BUF_INIT;
	ct_ingest_result res;
	ts_state st;
	ts_store s;
	size_t i;

	hex_field(&digest, vector, "digest");
	ts_open(&s, NULL);
	json_array_foreach(entries, i, o)
	{
		hex_field(&entry, o, "entry");
		CT_OK_OR_FAIL(ts_ingest(s.l, entry.ptr, entry.len, &res));
		assert_int_equal(res, CT_INGEST_APPENDED);
	}
	ts_state_read(s.l, &st);
	assert_memory_equal(st.digest, digest.ptr, 32);
	ts_state_free(&st);
	ts_close(&s);
	ct_buf_free(&entry);
	ct_buf_free(&digest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_entries),
	    cmocka_unit_test(test_vector_digest),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
