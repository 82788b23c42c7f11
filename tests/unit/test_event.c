/*
 * ct_event_check and ct_event_keys_of against the schema of docs/DESIGN.md
 * section 5: one valid body per type, then every field missing, of the
 * wrong kind, out of its limits; bad quantities, unknown fields, cross-field
 * rules, and any prefix or corruption of a body (never a crash).
 */
#include <jansson.h>

#include "ct_test.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/mp.h"
#include "event_internal.h"
#include "event_samples.h"

#define H32 "\"hex:" SAMPLE_HEX_A "\""

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Encodes a "raw" JSON value as msgpack without any schema: "hex:..."
 * strings as bin, other strings as str, integers as uint, objects as maps
 * with keys in strcmp order.
 */
static void raw_put(ct_buf *b, const json_t *v)
{
	const char *keys[64];
	void *it;
	size_t n = 0, i;

	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (len >= 4 && memcmp(s, "hex:", 4) == 0) {
			uint8_t bytes[64];
			assert_true((len - 4) % 2 == 0 && (len - 4) / 2 <= sizeof(bytes));
			char hex[129];
			memcpy(hex, s + 4, len - 4);
			hex[len - 4] = '\0';
			assert_int_equal(ct_unhex(bytes, (len - 4) / 2, hex), 0);
			CT_OK_OR_FAIL(ct_mp_put_bin(b, bytes, (len - 4) / 2));
		} else {
			CT_OK_OR_FAIL(ct_mp_put_str(b, s, len));
		}
		break;
	}
	case JSON_INTEGER:
		assert_true(json_integer_value(v) >= 0);
		CT_OK_OR_FAIL(ct_mp_put_uint(b, (uint64_t)json_integer_value(v)));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		CT_OK_OR_FAIL(ct_mp_put_bool(b, json_is_true(v)));
		break;
	case JSON_NULL:
		CT_OK_OR_FAIL(ct_mp_put_nil(b));
		break;
	case JSON_ARRAY:
		CT_OK_OR_FAIL(ct_mp_put_array(b, (uint32_t)json_array_size(v)));
		for (i = 0; i < json_array_size(v); i++)
			raw_put(b, json_array_get(v, i));
		break;
	case JSON_OBJECT:
		for (it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
			assert_true(n < 64);
			keys[n++] = json_object_iter_key(it);
		}
		qsort(keys, n, sizeof(keys[0]), cmp_str);
		CT_OK_OR_FAIL(ct_mp_put_map(b, (uint32_t)n));
		for (i = 0; i < n; i++) {
			CT_OK_OR_FAIL(ct_mp_put_cstr(b, keys[i]));
			raw_put(b, json_object_get(v, keys[i]));
		}
		break;
	default:
		fail_msg("raw_put: unsupported JSON value");
	}
}

/* Parses a JSON text used as a test value (JSON_DECODE_ANY: scalars too). */
static json_t *jv(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!j)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	return j;
}

/* The sample of type t in raw form: bin32 as "hex:", times as integer ms. */
static json_t *raw_sample(ct_event_type t)
{
	json_t *j = event_sample(t), *v, *el;
	const char *cal;
	const ct__field *f;
	size_t n, i, k;
	uint64_t ms;

	f = ct__event_fields(t, &n);
	for (i = 0; i < n; i++) {
		if (!(v = json_object_get(j, f[i].name)))
			continue;
		if (f[i].kind == CT__K_BIN32) {
			json_object_set_new(j, f[i].name, json_sprintf("hex:%s", json_string_value(v)));
		} else if (f[i].kind == CT__K_TIME) {
			CT_OK_OR_FAIL(ct_time_parse(&ms, json_string_value(v)));
			json_object_set_new(j, f[i].name, json_integer((json_int_t)ms));
		} else if (f[i].kind == CT__K_STDREFS) {
			for (k = 0; k < json_array_size(v); k++) {
				el = json_array_get(v, k);
				cal = json_string_value(json_object_get(el, "cal"));
				json_object_set_new(el, "cal", json_sprintf("hex:%s", cal));
			}
		}
	}
	return j;
}

/* Runs ct_event_check on the raw body. */
static int check_raw(ct_event_type t, const json_t *raw)
{
	ct_buf b = CT_BUF_INIT;
	int rc;

	raw_put(&b, raw);
	rc = ct_event_check(t, b.ptr, b.len);
	ct_buf_free(&b);
	return rc;
}

/* Asserts a CT_ESCHEMA whose detail names the type and the quoted field. */
static void expect_schema(int rc, ct_event_type t, const char *field, const char *what)
{
	char quoted[80];

	snprintf(quoted, sizeof(quoted), "'%s'", field);
	if (rc != CT_ESCHEMA)
		fail_msg("%s.%s (%s): got %d, want CT_ESCHEMA (%s)", ct_event_type_name(t), field, what, rc,
			 ct_error_last());
	if (!strstr(ct_error_last(), ct_event_type_name(t)) || !strstr(ct_error_last(), quoted))
		fail_msg("%s.%s (%s): detail does not name type and field: %s", ct_event_type_name(t), field,
			 what, ct_error_last());
}

/* Checks the sample with field set to the JSON text value; returns the result. */
static int check_with(ct_event_type t, const char *field, const char *value)
{
	json_t *raw = raw_sample(t);
	int rc;

	json_object_set_new(raw, field, jv(value));
	rc = check_raw(t, raw);
	json_decref(raw);
	return rc;
}

static void test_type_names(void **state)
{
	int t, bureau = 0;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		const char *name = ct_event_type_name((ct_event_type)t);
		assert_non_null(name);
		assert_int_equal(ct_event_type_of(name, strlen(name)), t);
		bureau += ct_event_bureau_only((ct_event_type)t);
	}
	assert_int_equal(ct_event_type_of("calibration", 11), CT_EV_CALIBRATION);
	assert_int_equal(ct_event_type_of("calibration.revoke", 18), CT_EV_CALIBRATION_REVOKE);
	assert_int_equal(ct_event_type_of("calibration.revoke", 11), CT_EV_CALIBRATION);
	assert_int_equal(ct_event_type_of("network.genesis", 15), CT_EV_NETWORK_GENESIS);
	assert_int_equal(ct_event_type_of("standard.out_of_tolerance", 25), CT_EV_STANDARD_OOT);
	assert_int_equal(ct_event_type_of("calibrations", 12), CT_EV_UNKNOWN);
	assert_int_equal(ct_event_type_of("", 0), CT_EV_UNKNOWN);
	assert_null(ct_event_type_name(CT_EV_UNKNOWN));
	assert_null(ct_event_type_name(CT_EV__COUNT));
	assert_true(ct_event_bureau_only(CT_EV_NETWORK_GENESIS));
	assert_true(ct_event_bureau_only(CT_EV_ORG_ADMIT));
	assert_true(ct_event_bureau_only(CT_EV_ORG_REVOKE));
	assert_true(ct_event_bureau_only(CT_EV_PERSON_CERTIFY));
	assert_true(ct_event_bureau_only(CT_EV_CATALOGUE_SET));
	assert_true(ct_event_bureau_only(CT_EV_STANDARD_APPROVE));
	assert_true(ct_event_bureau_only(CT_EV_STANDARD_ANCHOR));
	assert_true(ct_event_bureau_only(CT_EV_ORG_REKEY));
	assert_true(ct_event_bureau_only(CT_EV_ORG_COMPROMISED));
	assert_int_equal(bureau, 9);
	assert_false(ct_event_bureau_only(CT_EV_CALIBRATION));
	assert_false(ct_event_bureau_only(CT_EV_UNKNOWN));
}

/* The schema table lists each type's fields in canonical (bytewise) order. */
static void test_schema_sorted(void **state)
{
	const ct__field *f;
	size_t n, i;
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		f = ct__event_fields((ct_event_type)t, &n);
		assert_non_null(f);
		assert_true(n > 0 && n <= CT_FIELDS_MAX);
		for (i = 1; i < n; i++)
			assert_true(strcmp(f[i - 1].name, f[i].name) < 0);
	}
	assert_null(ct__event_fields(CT_EV_UNKNOWN, &n));
	assert_int_equal(n, 0);
}

/* Every sample passes, and the JSON path writes the very same bytes as the raw encoder. */
static void test_valid_samples(void **state)
{
	ct_buf raw = CT_BUF_INIT, viajson = CT_BUF_INIT;
	json_t *j;
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		j = raw_sample((ct_event_type)t);
		raw.len = viajson.len = 0;
		raw_put(&raw, j);
		json_decref(j);
		CT_OK_OR_FAIL(ct_mp_check(raw.ptr, raw.len));
		CT_OK_OR_FAIL(ct_event_check((ct_event_type)t, raw.ptr, raw.len));
		j = event_sample((ct_event_type)t);
		CT_OK_OR_FAIL(ct_body_from_json(&viajson, (ct_event_type)t, j));
		json_decref(j);
		assert_int_equal(raw.len, viajson.len);
		assert_memory_equal(raw.ptr, viajson.ptr, raw.len);
	}
	ct_buf_free(&raw);
	ct_buf_free(&viajson);
}

/* Each field removed in turn: refused naming it when required, accepted when optional. */
static void test_missing_fields(void **state)
{
	const ct__field *f;
	size_t n, i;
	json_t *raw;
	int t, rc;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		f = ct__event_fields((ct_event_type)t, &n);
		for (i = 0; i < n; i++) {
			raw = raw_sample((ct_event_type)t);
			assert_int_equal(json_object_del(raw, f[i].name), 0);
			rc = check_raw((ct_event_type)t, raw);
			json_decref(raw);
			if (f[i].required) {
				expect_schema(rc, (ct_event_type)t, f[i].name, "missing");
				assert_non_null(strstr(ct_error_last(), "missing"));
			} else {
				CT_OK_OR_FAIL(rc);
			}
		}
	}
}

/* Values each kind must refuse (raw JSON texts; "hex:" makes a bin). */
/* clang-format off */
static const char *const bad_str[] = {"7", "true", "\"hex:00\"", "\"\"", "[\"a\"]", "{}", "null", NULL};
static const char *const bad_id[] = {"7", "\"\"", "\"a\\u0001b\"", "\"a\\u007fb\"", "\"line\\nbreak\"", "[\"a\"]",
				     NULL};
static const char *const bad_uint[] = {"\"x\"", "\"5\"", "true", "[1]", "null", H32, NULL};
static const char *const bad_time[] = {"\"2026-01-01\"", "true", "253402300800000", "{}", NULL};
static const char *const bad_bool[] = {"1", "0", "\"true\"", "null", NULL};
static const char *const bad_bin32[] = {"\"abc\"", "5", "\"hex:00\"",
	"\"hex:00112233445566778899aabbccddeeff00112233445566778899aabbccddee\"",
	"\"hex:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\"", NULL};
static const char *const bad_str_list[] = {"\"x\"", "[1]", "[\"\"]", "[\"a\", 2]", "{}", NULL};
static const char *const bad_enum[] = {"7", "\"bogus\"", "\"\"", "\"PASS\"", "[\"pass\"]", NULL};
static const char *const bad_quantity[] = {
	"5",
	"{}",
	"[]",
	"{\"rel_ppm\": 1, \"abs\": \"1\", \"unit\": \"K\"}",
	"{\"rel_ppm\": 1, \"unit\": \"K\"}",
	"{\"abs\": \"1e5\", \"unit\": \"K\"}",
	"{\"abs\": \"-1\", \"unit\": \"K\"}",
	"{\"abs\": \"+1\", \"unit\": \"K\"}",
	"{\"abs\": \"\", \"unit\": \"K\"}",
	"{\"abs\": \".5\", \"unit\": \"K\"}",
	"{\"abs\": \"5.\", \"unit\": \"K\"}",
	"{\"abs\": \"1.2.3\", \"unit\": \"K\"}",
	"{\"abs\": \"1 \", \"unit\": \"K\"}",
	"{\"abs\": 5, \"unit\": \"K\"}",
	"{\"abs\": \"1\", \"unit\": \"\"}",
	"{\"abs\": \"1\"}",
	"{\"unit\": \"K\"}",
	"{\"rel_ppm\": \"5\"}",
	"{\"rel_ppm\": true}",
	"{\"rel_ppm\": 5, \"x\": 1}",
	NULL,
};
static const char *const bad_policy[] = {"5", "[]", "{\"min_ratio\": 0}", "{\"x\": 1}", "{\"grace_days\": \"1\"}",
					 NULL};
static const char *const bad_stdrefs[] = {
	"5",
	"[]",
	"{}",
	"[{}]",
	"[\"STD\"]",
	"[{\"id\": \"STD\"}]",
	"[{\"cal\": " H32 "}]",
	"[{\"id\": \"STD\", \"cal\": \"hex:00\"}]",
	"[{\"id\": \"STD\", \"cal\": " H32 ", \"x\": 1}]",
	"[{\"id\": \"\", \"cal\": " H32 "}]",
	"[{\"id\": 5, \"cal\": " H32 "}]",
	"[{\"id\": \"STD\", \"cal\": " H32 "}, 5]",
	NULL,
};

/* clang-format on */

static const char *const *bad_values_of(ct__kind kind)
{
	switch (kind) {
	case CT__K_STR:
		return bad_str;
	case CT__K_ID:
		return bad_id;
	case CT__K_UINT:
		return bad_uint;
	case CT__K_TIME:
		return bad_time;
	case CT__K_BOOL:
		return bad_bool;
	case CT__K_BIN32:
		return bad_bin32;
	case CT__K_STR_LIST:
		return bad_str_list;
	case CT__K_ENUM:
		return bad_enum;
	case CT__K_QUANTITY:
		return bad_quantity;
	case CT__K_POLICY:
		return bad_policy;
	case CT__K_STDREFS:
		return bad_stdrefs;
	}
	return NULL;
}

/* Every field of every type, set to every value its kind refuses. */
static void test_wrong_values(void **state)
{
	const char *const *bad;
	const ct__field *f;
	size_t n, i, cases = 0;
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		f = ct__event_fields((ct_event_type)t, &n);
		for (i = 0; i < n; i++) {
			for (bad = bad_values_of(f[i].kind); *bad; bad++) {
				expect_schema(check_with((ct_event_type)t, f[i].name, *bad), (ct_event_type)t,
					      f[i].name, *bad);
				cases++;
			}
		}
	}
	assert_true(cases > 300);
}

/* A JSON string text of n copies of c; free() it. */
static char *quoted_repeat(char c, size_t n)
{
	char *s = malloc(n + 3);

	assert_non_null(s);
	memset(s + 1, c, n);
	s[0] = s[n + 1] = '"';
	s[n + 2] = '\0';
	return s;
}

/* Values at the edges of the limits: the largest that pass, one more that fails. */
static void test_edge_values(void **state)
{
	char *id200 = quoted_repeat('i', CT_ID_MAX), *id201 = quoted_repeat('i', CT_ID_MAX + 1);
	char *str1024 = quoted_repeat('s', 1024), *str1025 = quoted_repeat('s', 1025);

	(void)state;
	CT_OK_OR_FAIL(check_with(CT_EV_INSTRUMENT_RETIRE, "id", id200));
	CT_OK_OR_FAIL(check_with(CT_EV_CALIBRATION, "technician", id200));
	CT_OK_OR_FAIL(check_with(CT_EV_STANDARD_OOT, "reason", str1024));
	expect_schema(check_with(CT_EV_INSTRUMENT_RETIRE, "id", id201), CT_EV_INSTRUMENT_RETIRE, "id",
		      "201 bytes");
	expect_schema(check_with(CT_EV_CALIBRATION, "subject", id201), CT_EV_CALIBRATION, "subject",
		      "201 bytes");
	expect_schema(check_with(CT_EV_CALIBRATION, "standards", "[{\"cal\": " H32 ", \"id\": \"\"}]"),
		      CT_EV_CALIBRATION, "standards", "empty id");
	expect_schema(check_with(CT_EV_STANDARD_OOT, "reason", str1025), CT_EV_STANDARD_OOT, "reason",
		      "1025 bytes");
	free(id200);
	free(id201);
	free(str1024);
	free(str1025);
	CT_OK_OR_FAIL(check_with(CT_EV_INSTRUMENT_RETIRE, "id", "\"\\u8ba1\\u91cf-\\u00e9\""));
	CT_OK_OR_FAIL(check_with(CT_EV_INSTRUMENT_RETIRE, "effective", "0"));
	CT_OK_OR_FAIL(check_with(CT_EV_INSTRUMENT_RETIRE, "effective", "253402300799999"));
	CT_OK_OR_FAIL(check_with(CT_EV_CATALOGUE_SET, "interval_days", "0"));
	CT_OK_OR_FAIL(check_with(CT_EV_CATALOGUE_SET, "domains", "[]"));
	CT_OK_OR_FAIL(check_with(CT_EV_NETWORK_GENESIS, "policy", "{}"));
	CT_OK_OR_FAIL(check_with(CT_EV_NETWORK_GENESIS, "policy", "{\"min_ratio\": 1}"));
	CT_OK_OR_FAIL(check_with(CT_EV_NETWORK_GENESIS, "policy", "{\"grace_days\": 30}"));
	CT_OK_OR_FAIL(check_with(CT_EV_STANDARD_REGISTER, "u", "{\"rel_ppm\": 0}"));
	CT_OK_OR_FAIL(check_with(CT_EV_STANDARD_REGISTER, "u", "{\"abs\": \"12\", \"unit\": \"g\"}"));
	CT_OK_OR_FAIL(check_with(CT_EV_STANDARD_REGISTER, "u", "{\"abs\": \"0.000\", \"unit\": \"g\"}"));
	CT_OK_OR_FAIL(check_with(CT_EV_STANDARD_REGISTER, "public", "false"));
	CT_OK_OR_FAIL(check_with(CT_EV_CALIBRATION, "subject_kind", "\"standard\""));
	CT_OK_OR_FAIL(check_with(CT_EV_CALIBRATION, "result", "\"limited\""));
	CT_OK_OR_FAIL(check_with(CT_EV_CALIBRATION, "as_found", "\"n/a\""));
	CT_OK_OR_FAIL(check_with(CT_EV_CALIBRATION, "standards",
				 "[{\"id\": \"A\", \"cal\": " H32 "}, {\"id\": \"B\", \"cal\": " H32 "}]"));
	CT_OK_OR_FAIL(check_with(CT_EV_CATALOGUE_SET, "mode", "\"P\""));
	CT_OK_OR_FAIL(check_with(CT_EV_ORG_ADMIT, "tier", "\"inspector\""));
	CT_OK_OR_FAIL(check_with(CT_EV_STANDARD_REGISTER, "level", "\"working\""));
}

/* The detail of a bad enum value lists the choices. */
static void test_enum_detail(void **state)
{
	(void)state;
	expect_schema(check_with(CT_EV_CALIBRATION, "result", "\"ok\""), CT_EV_CALIBRATION, "result",
		      "bad enum");
	assert_string_equal(ct_error_last(),
			    "calibration: field 'result': expected one of pass, fail, limited");
	expect_schema(check_with(CT_EV_ORG_ADMIT, "tier", "\"state\""), CT_EV_ORG_ADMIT, "tier", "bad enum");
	assert_non_null(strstr(ct_error_last(), "city, district, authorized, enterprise, inspector"));
}

/* A field the type does not have is refused, named. */
static void test_unknown_field(void **state)
{
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		expect_schema(check_with((ct_event_type)t, "zzz", "1"), (ct_event_type)t, "zzz", "unknown");
		expect_schema(check_with((ct_event_type)t, "Name", "\"x\""), (ct_event_type)t, "Name",
			      "unknown");
		expect_schema(check_with((ct_event_type)t, "", "\"x\""), (ct_event_type)t, "", "unknown");
	}
	/* a field of another type */
	expect_schema(check_with(CT_EV_INSTRUMENT_RETIRE, "reason", "\"x\""), CT_EV_INSTRUMENT_RETIRE,
		      "reason", "other type's field");
}

/* valid_until may not precede the start of the period. */
static void test_validity_order(void **state)
{
	(void)state;
	expect_schema(check_with(CT_EV_ORG_ADMIT, "valid_until", "1000"), CT_EV_ORG_ADMIT, "valid_until",
		      "order");
	expect_schema(check_with(CT_EV_STANDARD_APPROVE, "valid_until", "1000"), CT_EV_STANDARD_APPROVE,
		      "valid_until", "order");
	expect_schema(check_with(CT_EV_STANDARD_ANCHOR, "valid_until", "1000"), CT_EV_STANDARD_ANCHOR,
		      "valid_until", "order");
	expect_schema(check_with(CT_EV_CALIBRATION, "valid_until", "1000"), CT_EV_CALIBRATION, "valid_until",
		      "order");
	/* equal is allowed */
	CT_OK_OR_FAIL(check_with(CT_EV_CALIBRATION, "valid_until", "1795946400000"));
	CT_OK_OR_FAIL(check_with(CT_EV_PERSON_CERTIFY, "valid_until", "0"));
}

/* Bodies that are not a map, have trailing bytes, duplicate keys, non-str keys, negative ints. */
static void test_malformed_bodies(void **state)
{
	static const uint8_t not_map[] = {0x91, 0x01};
	static const uint8_t dup[] = {0x82, 0xa2, 'i', 'd', 0xa1, 'a', 0xa2, 'i', 'd', 0xa1, 'b'};
	static const uint8_t int_key[] = {0x81, 0x01, 0x01};
	/* {effective: -1, id: "a"} */
	static const uint8_t negative[] = {0x82, 0xa9, 'e',  'f',  'f', 'e', 'c',  't', 'i',
					   'v',	 'e',  0xff, 0xa2, 'i', 'd', 0xa1, 'a'};
	ct_buf b = CT_BUF_INIT;
	json_t *raw = raw_sample(CT_EV_INSTRUMENT_RETIRE);

	(void)state;
	assert_int_equal(ct_event_check(CT_EV_INSTRUMENT_RETIRE, not_map, sizeof(not_map)), CT_ESCHEMA);
	assert_int_equal(ct_event_check(CT_EV_INSTRUMENT_RETIRE, dup, sizeof(dup)), CT_ESCHEMA);
	assert_non_null(strstr(ct_error_last(), "duplicate"));
	assert_int_equal(ct_event_check(CT_EV_INSTRUMENT_RETIRE, int_key, sizeof(int_key)), CT_ESCHEMA);
	expect_schema(ct_event_check(CT_EV_INSTRUMENT_RETIRE, negative, sizeof(negative)),
		      CT_EV_INSTRUMENT_RETIRE, "effective", "negative");
	assert_int_not_equal(ct_event_check(CT_EV_INSTRUMENT_RETIRE, NULL, 0), 0);
	assert_int_not_equal(ct_event_check(CT_EV_INSTRUMENT_RETIRE, dup, 0), 0);
	raw_put(&b, raw);
	CT_OK_OR_FAIL(ct_event_check(CT_EV_INSTRUMENT_RETIRE, b.ptr, b.len));
	assert_int_equal(ct_event_check(CT_EV_UNKNOWN, b.ptr, b.len), CT_ESCHEMA);
	assert_int_equal(ct_event_check(CT_EV__COUNT, b.ptr, b.len), CT_ESCHEMA);
	assert_int_equal(ct_event_check((ct_event_type)-3, b.ptr, b.len), CT_ESCHEMA);
	assert_int_equal(ct_event_check(CT_EV_INSTRUMENT_REGISTER, b.ptr, b.len), CT_ESCHEMA);
	CT_OK_OR_FAIL(ct_buf_put(&b, "\xc0", 1));
	assert_int_equal(ct_event_check(CT_EV_INSTRUMENT_RETIRE, b.ptr, b.len), CT_ESCHEMA);
	json_decref(raw);
	ct_buf_free(&b);
}

/*
 * ct_event_keys_of refuses what ct_event_check refuses, with the same code and detail (the ingest
 * reads an entry's keys without checking it first: core/ledger/ingest.c, ct_entry_prepare).
 */
static void same_verdict(ct_event_type t, const uint8_t *body, size_t len)
{
	char detail[512];
	ct_event_keys k;
	int check = ct_event_check(t, body, len), keys;

	snprintf(detail, sizeof(detail), "%s", check < 0 ? ct_error_last() : "");
	keys = ct_event_keys_of(&k, t, body, len);
	assert_int_equal(keys, check);
	if (check < 0)
		assert_string_equal(ct_error_last(), detail);
}

/* Every strict prefix of a valid body is refused, by both readers alike; no byte flip reads out of bounds. */
static void test_prefixes_and_flips(void **state)
{
	uint64_t rng = ct_test_seed("test_prefixes_and_flips");
	ct_buf b = CT_BUF_INIT;
	uint8_t *copy;
	size_t cut, k;
	json_t *raw;
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		raw = raw_sample((ct_event_type)t);
		b.len = 0;
		raw_put(&b, raw);
		json_decref(raw);
		for (cut = 0; cut < b.len; cut++) {
			copy = malloc(cut ? cut : 1); /* exact size: ASan catches an over-read */
			memcpy(copy, b.ptr, cut);
			assert_int_not_equal(ct_event_check((ct_event_type)t, copy, cut), 0);
			same_verdict((ct_event_type)t, copy, cut);
			free(copy);
		}
		for (k = 0; k < 2000; k++) {
			copy = malloc(b.len);
			memcpy(copy, b.ptr, b.len);
			copy[ct_test_rand(&rng) % b.len] ^= (uint8_t)(1u << (ct_test_rand(&rng) % 8));
			if (k & 1)
				copy[ct_test_rand(&rng) % b.len] = (uint8_t)ct_test_rand(&rng);
			same_verdict((ct_event_type)t, copy, b.len);
			free(copy);
		}
	}
	ct_buf_free(&b);
}

struct keys_answer {
	ct_event_type type;
	const char *id;
	const char *key_hex;
	const char *time;
	const char *until;
};

static const struct keys_answer keys_answers[] = {
    {CT_EV_NETWORK_GENESIS, NULL, NULL, NULL, NULL},
    {CT_EV_ORG_ADMIT, NULL, SAMPLE_HEX_A, "2026-01-01", "2027-01-01"},
    {CT_EV_ORG_REVOKE, NULL, SAMPLE_HEX_A, "2026-06-01T12:00:00Z", NULL},
    {CT_EV_PERSON_CERTIFY, "CERT-001", NULL, NULL, "2028-01-01"},
    {CT_EV_CATALOGUE_SET, "0101", NULL, "2026-01-01", NULL},
    {CT_EV_STANDARD_REGISTER, "STD-P-01", NULL, NULL, NULL},
    {CT_EV_STANDARD_APPROVE, "STD-P-01", NULL, "2026-01-01", "2030-01-01"},
    {CT_EV_STANDARD_ANCHOR, "STD-P-01", NULL, "2026-02-03T09:30:00Z", "2027-02-03"},
    {CT_EV_STANDARD_OOT, "STD-P-01", NULL, "2026-05-01", NULL},
    {CT_EV_INSTRUMENT_REGISTER, "INS-1", NULL, NULL, NULL},
    {CT_EV_INSTRUMENT_RETIRE, "INS-1", NULL, "2027-01-01T00:00:00.001Z", NULL},
    {CT_EV_CALIBRATION, "INS-1", NULL, "2026-11-29T10:00:00Z", "2027-11-29"},
    {CT_EV_CALIBRATION_REVOKE, NULL, SAMPLE_HEX_B, NULL, NULL},
    {CT_EV_ORG_REKEY, NULL, SAMPLE_HEX_A, "2026-03-01", NULL},
    {CT_EV_ORG_COMPROMISED, NULL, SAMPLE_HEX_A, "2026-02-20T08:00:00Z", NULL},
};

static uint64_t ms_of(const char *iso)
{
	uint64_t ms = 0;

	if (iso)
		CT_OK_OR_FAIL(ct_time_parse(&ms, iso));
	return ms;
}

static void test_keys_of(void **state)
{
	ct_buf b = CT_BUF_INIT;
	ct_event_keys k;
	char hex[65];
	json_t *raw;
	size_t i;

	(void)state;
	assert_int_equal(sizeof(keys_answers) / sizeof(keys_answers[0]), CT_EV__COUNT - 1);
	for (i = 0; i < sizeof(keys_answers) / sizeof(keys_answers[0]); i++) {
		const struct keys_answer *a = &keys_answers[i];
		raw = raw_sample(a->type);
		b.len = 0;
		raw_put(&b, raw);
		json_decref(raw);
		CT_OK_OR_FAIL(ct_event_keys_of(&k, a->type, b.ptr, b.len));
		if (a->id) {
			assert_non_null(k.id);
			assert_int_equal(k.id_len, strlen(a->id));
			assert_memory_equal(k.id, a->id, k.id_len);
			assert_true((const uint8_t *)k.id > b.ptr && (const uint8_t *)k.id < b.ptr + b.len);
		} else {
			assert_null(k.id);
			assert_int_equal(k.id_len, 0);
		}
		if (a->key_hex) {
			assert_non_null(k.key);
			ct_hex(hex, k.key, 32);
			assert_string_equal(hex, a->key_hex);
		} else {
			assert_null(k.key);
		}
		assert_int_equal(k.time, ms_of(a->time));
		assert_int_equal(k.until, ms_of(a->until));
		assert_int_equal(k.subject_is_standard, 0);
	}
	raw = raw_sample(CT_EV_CALIBRATION);
	json_object_set_new(raw, "subject_kind", json_string("standard"));
	b.len = 0;
	raw_put(&b, raw);
	json_decref(raw);
	CT_OK_OR_FAIL(ct_event_keys_of(&k, CT_EV_CALIBRATION, b.ptr, b.len));
	assert_int_equal(k.subject_is_standard, 1);
	/* a bad body: an error, and the keys cleared */
	assert_int_not_equal(ct_event_keys_of(&k, CT_EV_CALIBRATION, b.ptr, b.len - 1), 0);
	assert_null(k.id);
	ct_buf_free(&b);
}

/* org.rekey: new_key comes out as key2 (key is old_key); the two must differ; only the bureau writes it. */
static void test_rekey_keys(void **state)
{
	ct_buf b = CT_BUF_INIT;
	ct_event_keys k;
	char hex[65];
	json_t *raw;

	(void)state;
	assert_true(ct_event_bureau_only(CT_EV_ORG_REKEY));
	assert_true(ct_event_bureau_only(CT_EV_ORG_COMPROMISED));
	raw = raw_sample(CT_EV_ORG_REKEY);
	raw_put(&b, raw);
	CT_OK_OR_FAIL(ct_event_keys_of(&k, CT_EV_ORG_REKEY, b.ptr, b.len));
	assert_non_null(k.key2);
	ct_hex(hex, k.key2, 32);
	assert_string_equal(hex, SAMPLE_HEX_B);
	json_object_set(raw, "new_key", json_object_get(raw, "old_key"));
	b.len = 0;
	raw_put(&b, raw);
	assert_int_equal(ct_event_check(CT_EV_ORG_REKEY, b.ptr, b.len), CT_ESCHEMA);
	assert_non_null(strstr(ct_error_last(), "same key as old_key"));
	json_decref(raw);
	raw = raw_sample(CT_EV_ORG_COMPROMISED);
	b.len = 0;
	raw_put(&b, raw);
	json_decref(raw);
	CT_OK_OR_FAIL(ct_event_keys_of(&k, CT_EV_ORG_COMPROMISED, b.ptr, b.len));
	assert_null(k.key2);
	ct_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_names),	       cmocka_unit_test(test_schema_sorted),
	    cmocka_unit_test(test_valid_samples),      cmocka_unit_test(test_missing_fields),
	    cmocka_unit_test(test_wrong_values),       cmocka_unit_test(test_edge_values),
	    cmocka_unit_test(test_enum_detail),	       cmocka_unit_test(test_unknown_field),
	    cmocka_unit_test(test_validity_order),     cmocka_unit_test(test_malformed_bodies),
	    cmocka_unit_test(test_prefixes_and_flips), cmocka_unit_test(test_keys_of),
	    cmocka_unit_test(test_rekey_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
