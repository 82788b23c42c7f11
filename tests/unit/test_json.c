/*
 * Event bodies to and from JSON, and ISO-8601 times: known answers,
 * strictness, every type's round trip, JSON-side errors, and a seeded
 * randomised round trip of valid bodies JSON -> msgpack -> JSON.
 */
#include <time.h>
#include <jansson.h>

#include "ct_test.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/mp.h"
#include "event_internal.h"
#include "event_samples.h"

static json_t *jv(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

	if (!j)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	return j;
}

struct time_answer {
	const char *iso;
	uint64_t ms;
	const char *printed; /* how ct_time_format prints ms */
};

/* clang-format off */
static const struct time_answer time_answers[] = {
	{"1970-01-01", 0, "1970-01-01"},
	{"1970-01-01T00:00:00.001Z", 1, "1970-01-01T00:00:00.001Z"},
	{"1970-01-02", 86400000ULL, "1970-01-02"},
	{"2000-02-29", 951782400000ULL, "2000-02-29"},
	{"2000-03-01", 951868800000ULL, "2000-03-01"},
	{"2024-02-29T23:59:59Z", 1709251199000ULL, "2024-02-29T23:59:59Z"},
	/* date -u -d 2026-11-29T10:00:00Z +%s: 1795946400 */
	{"2026-11-29T10:00:00Z", 1795946400000ULL, "2026-11-29T10:00:00Z"},
	{"2026-11-29T10:00Z", 1795946400000ULL, "2026-11-29T10:00:00Z"},
	{"2026-11-29T10:00:00.000Z", 1795946400000ULL, "2026-11-29T10:00:00Z"},
	{"2026-11-29T10:00:00.123Z", 1795946400123ULL, "2026-11-29T10:00:00.123Z"},
	{"2026-11-29T00:00:00Z", 1795910400000ULL, "2026-11-29"},
	{"2038-01-19T03:14:08Z", 2147483648000ULL, "2038-01-19T03:14:08Z"},
	{"2100-03-01", 4107542400000ULL, "2100-03-01"},
	{"9999-12-31T23:59:59.999Z", 253402300799999ULL, "9999-12-31T23:59:59.999Z"},
};
/* clang-format on */

static void test_time_known_answers(void **state)
{
	char out[32];
	uint64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(time_answers) / sizeof(time_answers[0]); i++) {
		CT_OK_OR_FAIL(ct_time_parse(&ms, time_answers[i].iso));
		assert_int_equal(ms, time_answers[i].ms);
		ct_time_format(out, sizeof(out), time_answers[i].ms);
		assert_string_equal(out, time_answers[i].printed);
	}
}

static void test_time_invalid(void **state)
{
	static const char *const bad[] = {
	    "2026-02-29",
	    "2100-02-29",
	    "2026-13-01",
	    "2026-00-10",
	    "2026-11-31",
	    "2026-04-31",
	    "2026-01-00",
	    "2026-01-32",
	    "1969-12-31",
	    "0000-01-01",
	    "10000-01-01",
	    "2026-11-29x",
	    "2026-11-29 ",
	    " 2026-11-29",
	    "+2026-11-29",
	    "2026-11-29T",
	    "2026-11-29T10Z",
	    "2026-11-29T10:00",
	    "2026-11-29T10:00:00",
	    "2026-11-29T10:00:00Zjunk",
	    "2026-11-29T10:00:00ZZ",
	    "2026-11-29T24:00:00Z",
	    "2026-11-29T10:60Z",
	    "2026-11-29T10:00:60Z",
	    "2026-11-29T10:00:00.1Z",
	    "2026-11-29T10:00:00.1234Z",
	    "2026-11-29T10:00:00.Z",
	    "2026-11-29t10:00:00Z",
	    "2026-11-29T10:00:00z",
	    "2026-11-29T10:00:00+08:00",
	    "2026-11-29 10:00:00Z",
	    "26-11-29",
	    "2026-1-01",
	    "2026/11/29",
	    "2026-11-2a",
	    "",
	    "today",
	    "2026-11-29T1a:00Z",
	    "2026-11-29T10:0-Z",
	};
	uint64_t ms = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ct_time_parse(&ms, bad[i]) != CT_EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(ct_time_parse(&ms, NULL), CT_EINVAL);
}

/* Parsing ignores the process time zone. */
static void test_time_zone_independent(void **state)
{
	uint64_t ms;

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	CT_OK_OR_FAIL(ct_time_parse(&ms, "2026-11-29T10:00:00Z"));
	assert_int_equal(ms, 1795946400000ULL);
	CT_OK_OR_FAIL(ct_time_parse(&ms, "1970-01-01"));
	assert_int_equal(ms, 0);
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	CT_OK_OR_FAIL(ct_time_parse(&ms, "2000-02-29"));
	assert_int_equal(ms, 951782400000ULL);
	unsetenv("TZ");
	tzset();
}

/* Random instants: format and parse are inverses, and the date agrees with gmtime_r. */
static void test_time_random(void **state)
{
	uint64_t rng = ct_test_seed("test_time_random"), ms, back;
	char out[32], want[48];
	struct tm tm;
	time_t secs;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		ms = ct_test_rand(&rng) % (CT_TIME_MAX + 1);
		if (i % 3 == 0)
			ms -= ms % 86400000ULL;
		else if (i % 3 == 1)
			ms -= ms % 1000;
		ct_time_format(out, sizeof(out), ms);
		if (ct_time_parse(&back, out) != 0 || back != ms)
			fail_msg("%llu printed as %s parsed as %llu", (unsigned long long)ms, out,
				 (unsigned long long)back);
		secs = (time_t)(ms / 1000);
		assert_non_null(gmtime_r(&secs, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		assert_memory_equal(out, want, 10);
	}
}

/* Each sample: JSON -> body -> JSON gives the sample back, and the body is canonical. */
static void test_round_trip_samples(void **state)
{
	ct_buf body = CT_BUF_INIT, again = CT_BUF_INIT;
	json_t *in, *out;
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		in = event_sample((ct_event_type)t);
		body.len = again.len = 0;
		CT_OK_OR_FAIL(ct_body_from_json(&body, (ct_event_type)t, in));
		CT_OK_OR_FAIL(ct_mp_check(body.ptr, body.len));
		CT_OK_OR_FAIL(ct_body_to_json(&out, (ct_event_type)t, body.ptr, body.len));
		if (!json_equal(in, out)) {
			char *text = json_dumps(out, JSON_SORT_KEYS);
			fail_msg("%s: round trip changed the body: %s", ct_event_type_name((ct_event_type)t),
				 text);
		}
		CT_OK_OR_FAIL(ct_body_from_json(&again, (ct_event_type)t, out));
		assert_int_equal(again.len, body.len);
		assert_memory_equal(again.ptr, body.ptr, body.len);
		json_decref(in);
		json_decref(out);
	}
	ct_buf_free(&body);
	ct_buf_free(&again);
}

/* Converts the sample of t with field set to the JSON text value (NULL: removed). */
static int from_json_with(ct_event_type t, const char *field, const char *value)
{
	ct_buf out = CT_BUF_INIT;
	json_t *j = event_sample(t);
	int rc;

	if (value)
		json_object_set_new(j, field, jv(value));
	else
		json_object_del(j, field);
	CT_OK_OR_FAIL(ct_buf_put(&out, "abc", 3));
	rc = ct_body_from_json(&out, t, j);
	if (rc < 0)
		assert_int_equal(out.len, 3); /* nothing left behind on failure */
	else
		assert_true(out.len > 3 && memcmp(out.ptr, "abc", 3) == 0);
	json_decref(j);
	ct_buf_free(&out);
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

static void test_json_missing_and_unknown(void **state)
{
	const ct__field *f;
	size_t n, i;
	int t;

	(void)state;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		f = ct__event_fields((ct_event_type)t, &n);
		for (i = 0; i < n; i++) {
			int rc = from_json_with((ct_event_type)t, f[i].name, NULL);
			if (f[i].required)
				expect_schema(rc, (ct_event_type)t, f[i].name, "missing");
			else
				CT_OK_OR_FAIL(rc);
		}
		expect_schema(from_json_with((ct_event_type)t, "colour", "\"red\""), (ct_event_type)t,
			      "colour", "unknown");
	}
}

struct json_bad {
	ct_event_type type;
	const char *field;
	const char *value;
};

#define HEX64 "\"" SAMPLE_HEX_A "\""

/* clang-format off */
static const struct json_bad json_bads[] = {
	{CT_EV_NETWORK_GENESIS, "name", "5"},
	{CT_EV_NETWORK_GENESIS, "name", "\"\""},
	{CT_EV_NETWORK_GENESIS, "name", "null"},
	{CT_EV_NETWORK_GENESIS, "districts", "\"north\""},
	{CT_EV_NETWORK_GENESIS, "districts", "[1]"},
	{CT_EV_NETWORK_GENESIS, "policy", "{\"min_ratio\": 0}"},
	{CT_EV_NETWORK_GENESIS, "policy", "{\"min_ratio\": -3}"},
	{CT_EV_NETWORK_GENESIS, "policy", "{\"min_ratio\": 2.5}"},
	{CT_EV_NETWORK_GENESIS, "policy", "{\"grace\": 1}"},
	{CT_EV_NETWORK_GENESIS, "policy", "[]"},
	{CT_EV_ORG_ADMIT, "key", "\"00\""},
	{CT_EV_ORG_ADMIT, "key", "\"zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\""},
	{CT_EV_ORG_ADMIT, "key", "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0\""},
	{CT_EV_ORG_ADMIT, "key", "1"},
	{CT_EV_ORG_ADMIT, "tier", "\"state\""},
	{CT_EV_ORG_ADMIT, "tier", "\"City\""},
	{CT_EV_ORG_ADMIT, "valid_from", "\"2026-02-30\""},
	{CT_EV_ORG_ADMIT, "valid_from", "-5"},
	{CT_EV_ORG_ADMIT, "valid_from", "true"},
	{CT_EV_ORG_ADMIT, "valid_from", "1.5"},
	{CT_EV_ORG_ADMIT, "valid_until", "\"2025-12-31\""}, /* before valid_from */
	{CT_EV_CATALOGUE_SET, "interval_days", "\"365\""},
	{CT_EV_CATALOGUE_SET, "interval_days", "-1"},
	{CT_EV_CATALOGUE_SET, "mode", "\"PV\""},
	{CT_EV_STANDARD_REGISTER, "public", "1"},
	{CT_EV_STANDARD_REGISTER, "public", "\"true\""},
	{CT_EV_STANDARD_REGISTER, "u", "{\"rel_ppm\": 5, \"abs\": \"1\", \"unit\": \"K\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"abs\": \"1e5\", \"unit\": \"K\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"abs\": \"-1\", \"unit\": \"K\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"abs\": \"\", \"unit\": \"K\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"abs\": 0.05, \"unit\": \"K\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"rel_ppm\": \"5\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"rel_ppm\": 5, \"note\": \"x\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "{\"abs\": \"1\"}"},
	{CT_EV_STANDARD_REGISTER, "u", "5"},
	{CT_EV_INSTRUMENT_REGISTER, "id", "\"a\\u0000b\""},
	{CT_EV_INSTRUMENT_REGISTER, "mpe", "{\"unit\": \"K\"}"},
	{CT_EV_CALIBRATION, "standards", "[]"},
	{CT_EV_CALIBRATION, "standards", "{}"},
	{CT_EV_CALIBRATION, "standards", "[{\"id\": \"S\"}]"},
	{CT_EV_CALIBRATION, "standards", "[{\"id\": \"S\", \"cal\": \"zz\"}]"},
	{CT_EV_CALIBRATION, "standards", "[{\"id\": \"S\", \"cal\": " HEX64 ", \"by\": 1}]"},
	{CT_EV_CALIBRATION, "standards", "[\"S\"]"},
	{CT_EV_CALIBRATION, "result", "\"ok\""},
	{CT_EV_CALIBRATION, "as_found", "\"maybe\""},
	{CT_EV_CALIBRATION, "valid_until", "\"2026-11-29T09:59:59.999Z\""},
	{CT_EV_CALIBRATION_REVOKE, "entry", "null"},
};
/* clang-format on */

static void test_json_wrong_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(json_bads) / sizeof(json_bads[0]); i++)
		expect_schema(from_json_with(json_bads[i].type, json_bads[i].field, json_bads[i].value),
			      json_bads[i].type, json_bads[i].field, json_bads[i].value);
	/* the detail of an unknown key inside a quantity names it */
	from_json_with(CT_EV_STANDARD_REGISTER, "u", "{\"rel_ppm\": 5, \"note\": \"x\"}");
	assert_non_null(strstr(ct_error_last(), "'note'"));
}

static void test_json_other_inputs(void **state)
{
	ct_buf out = CT_BUF_INIT;
	json_t *j = jv("[1]"), *back;
	uint64_t ms;

	(void)state;
	assert_int_equal(ct_body_from_json(&out, CT_EV_CALIBRATION, j), CT_ESCHEMA);
	json_decref(j);
	j = event_sample(CT_EV_CALIBRATION);
	assert_int_equal(ct_body_from_json(&out, CT_EV_UNKNOWN, j), CT_ESCHEMA);
	assert_int_equal(ct_body_from_json(&out, CT_EV_INSTRUMENT_RETIRE, j), CT_ESCHEMA);
	assert_int_equal(out.len, 0);
	/* times as integer ms are accepted and printed back as ISO-8601 */
	json_object_set_new(j, "performed_at", json_integer(1795946400000LL));
	CT_OK_OR_FAIL(ct_body_from_json(&out, CT_EV_CALIBRATION, j));
	CT_OK_OR_FAIL(ct_body_to_json(&back, CT_EV_CALIBRATION, out.ptr, out.len));
	assert_string_equal(json_string_value(json_object_get(back, "performed_at")), "2026-11-29T10:00:00Z");
	CT_OK_OR_FAIL(ct_time_parse(&ms, json_string_value(json_object_get(back, "valid_until"))));
	assert_int_equal(ms, 1827446400000ULL);
	json_decref(back);
	/* uppercase hex is accepted and printed lowercase */
	json_object_set_new(j, "document",
			    json_string("FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100"));
	out.len = 0;
	CT_OK_OR_FAIL(ct_body_from_json(&out, CT_EV_CALIBRATION, j));
	CT_OK_OR_FAIL(ct_body_to_json(&back, CT_EV_CALIBRATION, out.ptr, out.len));
	assert_string_equal(json_string_value(json_object_get(back, "document")), SAMPLE_HEX_B);
	json_decref(back);
	/* a body that breaks the schema is refused by to_json */
	back = (json_t *)1;
	assert_int_equal(ct_body_to_json(&back, CT_EV_INSTRUMENT_RETIRE, out.ptr, out.len), CT_ESCHEMA);
	assert_null(back);
	assert_int_not_equal(ct_body_to_json(&back, CT_EV_CALIBRATION, out.ptr, out.len - 1), 0);
	assert_null(back);
	json_decref(j);
	ct_buf_free(&out);
}

/* A uint JSON cannot hold is refused by to_json rather than wrapped. */
static void test_json_uint_too_large(void **state)
{
	ct_buf b = CT_BUF_INIT;
	json_t *out = NULL;

	(void)state;
	CT_OK_OR_FAIL(ct_mp_put_map(&b, 6));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "domains"));
	CT_OK_OR_FAIL(ct_mp_put_array(&b, 0));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "effective"));
	CT_OK_OR_FAIL(ct_mp_put_uint(&b, 0));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "interval_days"));
	CT_OK_OR_FAIL(ct_mp_put_uint(&b, UINT64_MAX));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "item"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "0101"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "mode"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "V"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "name"));
	CT_OK_OR_FAIL(ct_mp_put_cstr(&b, "scale"));
	CT_OK_OR_FAIL(ct_event_check(CT_EV_CATALOGUE_SET, b.ptr, b.len));
	assert_int_equal(ct_body_to_json(&out, CT_EV_CATALOGUE_SET, b.ptr, b.len), CT_ESCHEMA);
	assert_non_null(strstr(ct_error_last(), "'interval_days'"));
	assert_null(out);
	ct_buf_free(&b);
}

/* Random valid JSON bodies built from the schema table. */
static const char *const pieces[] = {
    "a", "Z", "0", "-", " ", ".", "\"", "\\", "/", "\xc3\xa9", "\xe8\xae\xa1", "\xc2\xb0", "\xf0\x9f\x93\x8f",
    "_", "#"};

static json_t *random_str(uint64_t *rng, size_t max_pieces)
{
	char buf[256];
	size_t n = 1 + ct_test_rand(rng) % max_pieces, i, len = 0;

	for (i = 0; i < n; i++) {
		const char *p = pieces[ct_test_rand(rng) % (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(buf + len, p, strlen(p));
		len += strlen(p);
	}
	return json_stringn(buf, len);
}

static json_t *random_id(uint64_t *rng)
{
	char buf[CT_ID_MAX];
	size_t n = ct_test_rand(rng) % 8 == 0 ? CT_ID_MAX : 1 + ct_test_rand(rng) % 20, i;

	for (i = 0; i < n; i++)
		buf[i] = "ABCXYZ0123456789-._/:"[ct_test_rand(rng) % 21];
	return json_stringn(buf, n);
}

static json_t *random_time(uint64_t *rng)
{
	uint64_t ms = ct_test_rand(rng) % (CT_TIME_MAX + 1);
	char out[32];

	switch (ct_test_rand(rng) % 3) {
	case 0:
		ms -= ms % 86400000ULL;
		break;
	case 1:
		ms -= ms % 1000;
		break;
	}
	ct_time_format(out, sizeof(out), ms);
	return json_string(out);
}

static json_t *random_hex(uint64_t *rng)
{
	uint8_t b[32];
	char hex[65];
	size_t i;

	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)ct_test_rand(rng);
	ct_hex(hex, b, 32);
	return json_string(hex);
}

static json_t *random_uint(uint64_t *rng)
{
	uint64_t v = ct_test_rand(rng);

	v = ct_test_rand(rng) % 2 ? v % 1000 : v >> 1; /* small, or up to 2^63 - 1 */
	return json_integer((json_int_t)v);
}

static json_t *random_quantity(uint64_t *rng)
{
	char abs[32];

	if (ct_test_rand(rng) % 2)
		return json_pack("{s:o}", "rel_ppm", random_uint(rng));
	if (ct_test_rand(rng) % 2)
		snprintf(abs, sizeof(abs), "%llu", (unsigned long long)(ct_test_rand(rng) % 100000));
	else
		snprintf(abs, sizeof(abs), "%llu.%0*llu", (unsigned long long)(ct_test_rand(rng) % 100),
			 (int)(1 + ct_test_rand(rng) % 6), (unsigned long long)(ct_test_rand(rng) % 1000));
	return json_pack("{s:s,s:o}", "abs", abs, "unit", random_str(rng, 3));
}

static json_t *random_value(uint64_t *rng, const ct__field *f)
{
	json_t *v;
	size_t n, i;

	switch (f->kind) {
	case CT__K_STR:
		return random_str(rng, 30);
	case CT__K_ID:
		return random_id(rng);
	case CT__K_UINT:
		return random_uint(rng);
	case CT__K_TIME:
		return random_time(rng);
	case CT__K_BOOL:
		return json_boolean(ct_test_rand(rng) % 2);
	case CT__K_BIN32:
		return random_hex(rng);
	case CT__K_ENUM:
		for (n = 0; f->choices[n]; n++)
			;
		return json_string(f->choices[ct_test_rand(rng) % n]);
	case CT__K_QUANTITY:
		return random_quantity(rng);
	case CT__K_POLICY:
		v = json_object();
		if (ct_test_rand(rng) % 2)
			json_object_set_new(v, "min_ratio",
					    json_integer((json_int_t)(1 + ct_test_rand(rng) % 10)));
		if (ct_test_rand(rng) % 2)
			json_object_set_new(v, "grace_days", random_uint(rng));
		return v;
	case CT__K_STR_LIST:
	case CT__K_STDREFS:
		v = json_array();
		n = ct_test_rand(rng) % 4 + (f->kind == CT__K_STDREFS);
		for (i = 0; i < n; i++)
			json_array_append_new(
			    v, f->kind == CT__K_STR_LIST
				   ? random_str(rng, 10)
				   : json_pack("{s:o,s:o}", "id", random_id(rng), "cal", random_hex(rng)));
		return v;
	}
	return NULL;
}

/* Swaps the two time fields a and b of j when b is earlier than a. */
static void order_times(json_t *j, const char *a, const char *b)
{
	json_t *va = json_object_get(j, a), *vb = json_object_get(j, b);
	uint64_t ma, mb;

	if (!va || !vb)
		return;
	CT_OK_OR_FAIL(ct_time_parse(&ma, json_string_value(va)));
	CT_OK_OR_FAIL(ct_time_parse(&mb, json_string_value(vb)));
	if (mb < ma) {
		json_incref(va);
		json_object_set(j, a, vb);
		json_object_set_new(j, b, va);
	}
}

static void test_random_round_trip(void **state)
{
	uint64_t rng = ct_test_seed("test_random_round_trip");
	ct_buf body = CT_BUF_INIT, again = CT_BUF_INIT;
	const ct__field *f;
	json_t *in, *out;
	size_t n, i;
	int k, t;

	(void)state;
	for (k = 0; k < 3000; k++) {
		t = 1 + (int)(ct_test_rand(&rng) % (CT_EV__COUNT - 1));
		f = ct__event_fields((ct_event_type)t, &n);
		in = json_object();
		for (i = 0; i < n; i++)
			if (f[i].required || ct_test_rand(&rng) % 2)
				json_object_set_new(in, f[i].name, random_value(&rng, &f[i]));
		order_times(in, "valid_from", "valid_until");
		order_times(in, "performed_at", "valid_until");
		body.len = again.len = 0;
		if (ct_body_from_json(&body, (ct_event_type)t, in) != 0) {
			char *text = json_dumps(in, JSON_SORT_KEYS);
			fail_msg("iteration %d: %s refused: %s\n%s", k, ct_event_type_name((ct_event_type)t),
				 ct_error_last(), text);
		}
		CT_OK_OR_FAIL(ct_mp_check(body.ptr, body.len));
		CT_OK_OR_FAIL(ct_body_to_json(&out, (ct_event_type)t, body.ptr, body.len));
		if (!json_equal(in, out)) {
			char *a = json_dumps(in, JSON_SORT_KEYS), *b = json_dumps(out, JSON_SORT_KEYS);
			fail_msg("iteration %d: round trip differs:\n%s\n%s", k, a, b);
		}
		CT_OK_OR_FAIL(ct_body_from_json(&again, (ct_event_type)t, out));
		assert_int_equal(again.len, body.len);
		assert_memory_equal(again.ptr, body.ptr, body.len);
		json_decref(in);
		json_decref(out);
	}
	ct_buf_free(&body);
	ct_buf_free(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_known_answers),	  cmocka_unit_test(test_time_invalid),
	    cmocka_unit_test(test_time_zone_independent), cmocka_unit_test(test_time_random),
	    cmocka_unit_test(test_round_trip_samples),	  cmocka_unit_test(test_json_missing_and_unknown),
	    cmocka_unit_test(test_json_wrong_values),	  cmocka_unit_test(test_json_other_inputs),
	    cmocka_unit_test(test_json_uint_too_large),	  cmocka_unit_test(test_random_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
