/*
 * Records into entries (core/records): a calibration's subject kind and
 * standards resolved from the store (the latest passing anchor or
 * calibration performed on or before the calibration), refusals that name
 * what cannot be resolved, and ct_records_import: the entry's time from
 * the record or the caller's clock, a bad record stopping the import with
 * its line named and every record before it kept, a dry run writing
 * nothing, progress counted.
 */
#include <jansson.h>

#include "caltrace/ledger/json.h"
#include "caltrace/records/records.h"
#include "ct_store_test.h"

struct net {
	ts_store s;
	ct_keypair *bureau, *lab;
	uint8_t anchor1[32], anchor2[32]; /* the two anchors of S-1 */
};

static uint64_t fixed_clock(void *ctx)
{
	return *(uint64_t *)ctx;
}

/* Imports text by kp; returns the error, the count of records in *n. */
static int import_text(struct net *t, const ct_keypair *kp, ct_records_format f, const char *text,
		       ct_records_import_opts *o, uint64_t *n)
{
	static uint64_t never = 0;
	ct_records_import_opts dflt = {.now_ms = fixed_clock, .ctx = &never};
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	ct_records *r = NULL;
	uint64_t count = 0;
	int err;

	assert_non_null(in);
	if ((err = ct_records_open(&r, in, f)) == 0)
		err = ct_records_import(t->s.l, kp, r, o ? o : &dflt, n ? n : &count);
	ct_records_close(r);
	fclose(in);
	return err;
}

static void import_ok(struct net *t, const ct_keypair *kp, const char *text)
{
	CT_OK_OR_FAIL(import_text(t, kp, CT_RECORDS_NDJSON, text, NULL, NULL));
}

static uint64_t feed_size(struct net *t, const ct_keypair *kp, uint8_t head[32])
{
	uint8_t hash[32];
	uint64_t size;

	ts_head(t->s.l, ct_keypair_public(kp), &size, head ? head : hash);
	return size;
}

/* The bureau founds the network and admits the lab; the lab registers S-1, A-1 and X-1 (twice). */
static void setup(struct net *t)
{
	char text[1024];

	memset(t, 0, sizeof(*t));
	ts_open(&t->s, NULL);
	t->bureau = ct_test_keypair(1);
	t->lab = ct_test_keypair(2);
	snprintf(
	    text, sizeof(text),
	    "{\"type\":\"network.genesis\",\"time\":\"2026-01-01T08:00:00Z\",\"name\":\"Test\","
	    "\"districts\":[\"north\"],\"policy\":{\"min_ratio\":3,\"grace_days\":0}}\n"
	    "{\"type\":\"org.admit\",\"time\":\"2026-01-01T09:00:00Z\",\"key\":\"%s\",\"name\":\"Lab\","
	    "\"tier\":\"city\",\"district\":\"north\",\"scope\":[\"mass\"],\"valid_from\":\"2026-01-01\","
	    "\"valid_until\":\"2030-01-01\"}\n",
	    ts_key(t->lab));
	import_ok(t, t->bureau, text);
	import_ok(
	    t, t->lab,
	    "{\"type\":\"standard.register\",\"time\":\"2026-01-02\",\"id\":\"S-1\",\"name\":\"weights\","
	    "\"category\":\"mass\",\"level\":\"working\",\"public\":false,\"u\":{\"rel_ppm\":5}}\n"
	    "{\"type\":\"instrument.register\",\"time\":\"2026-01-03\",\"id\":\"A-1\",\"category\":\"mass\","
	    "\"district\":\"north\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n"
	    "{\"type\":\"instrument.register\",\"time\":\"2026-01-03\",\"id\":\"X-1\",\"category\":\"mass\","
	    "\"district\":\"north\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n"
	    "{\"type\":\"standard.register\",\"time\":\"2026-01-03\",\"id\":\"X-1\",\"name\":\"w\","
	    "\"category\":\"mass\",\"level\":\"working\",\"public\":false,\"u\":{\"rel_ppm\":5}}\n");
	import_ok(t, t->bureau,
		  "{\"type\":\"standard.anchor\",\"time\":\"2026-01-10\",\"id\":\"S-1\",\"provider\":\"P\","
		  "\"certificate\":\"C-1\",\"performed_at\":\"2026-01-10\",\"valid_until\":\"2027-01-09\","
		  "\"u\":{\"rel_ppm\":1}}\n");
	feed_size(t, t->bureau, t->anchor1);
	import_ok(t, t->bureau,
		  "{\"type\":\"standard.anchor\",\"time\":\"2026-03-01\",\"id\":\"S-1\",\"provider\":\"P\","
		  "\"certificate\":\"C-2\",\"performed_at\":\"2026-03-01\",\"valid_until\":\"2027-02-28\","
		  "\"u\":{\"rel_ppm\":1}}\n");
	feed_size(t, t->bureau, t->anchor2);
}

static void teardown(struct net *t)
{
	ts_close(&t->s);
	ct_keypair_free(t->bureau);
	ct_keypair_free(t->lab);
}

/* The body of the lab's newest entry, and its time. */
static json_t *newest_body(struct net *t, uint64_t *time)
{
	uint8_t head[32];
	ct_reader *r = NULL;
	ct_entry e;
	json_t *body = NULL;

	feed_size(t, t->lab, head);
	CT_OK_OR_FAIL(ct_reader_begin(&r, t->s.l));
	CT_OK_OR_FAIL(ct_read_entry_by_hash(&e, r, head));
	CT_OK_OR_FAIL(ct_body_to_json(&body, ct_event_type_of(e.type, e.type_len), e.body, e.body_len));
	if (time)
		*time = e.time;
	ct_reader_end(r);
	return body;
}

static const char *cal_of(json_t *body, size_t i)
{
	return json_string_value(
	    json_object_get(json_array_get(json_object_get(body, "standards"), i), "cal"));
}

/* A standard named by id links to its latest anchor performed on or before the calibration. */
static void test_resolves_links(void **state)
{
	struct net t;
	json_t *body;
	uint64_t time;

	setup(&t);
	import_ok(
	    &t, t.lab,
	    "{\"type\":\"calibration\",\"time\":\"2026-02-01\",\"subject\":\"A-1\",\"kind\":\"verification\","
	    "\"standards\":[\"S-1\"],\"performed_at\":\"2026-02-01\",\"valid_until\":\"2027-01-31\","
	    "\"result\":\"pass\",\"certificate\":\"V-1\"}\n");
	body = newest_body(&t, &time);
	assert_string_equal(json_string_value(json_object_get(body, "subject_kind")), "instrument");
	assert_string_equal(cal_of(body, 0), ts_hex(t.anchor1));
	json_decref(body);
	/* on the day of the second anchor, it is the one relied on; an object without "cal" too */
	import_ok(
	    &t, t.lab,
	    "{\"type\":\"calibration\",\"time\":\"2026-03-01T12:00:00Z\",\"subject\":\"A-1\","
	    "\"kind\":\"verification\",\"standards\":[{\"id\":\"S-1\"}],\"performed_at\":\"2026-03-01\","
	    "\"valid_until\":\"2027-02-28\",\"result\":\"pass\",\"certificate\":\"V-2\"}\n");
	body = newest_body(&t, &time);
	assert_string_equal(cal_of(body, 0), ts_hex(t.anchor2));
	assert_int_equal(time, ts_day(59) + 12 * 3600000ULL); /* 2026-03-01T12:00Z, from the record */
	json_decref(body);
	teardown(&t);
}

/* What the record says is kept: an explicit subject_kind, a standard with its own "cal". */
static void test_keeps_given_fields(void **state)
{
	struct net t;
	ct_reader *r = NULL;
	json_t *fields;
	char json[512];

	setup(&t);
	snprintf(json, sizeof(json),
		 "{\"subject\":\"X-1\",\"subject_kind\":\"standard\",\"performed_at\":\"2026-04-01\","
		 "\"standards\":[{\"id\":\"S-1\",\"cal\":\"%s\"},\"S-1\"]}",
		 ts_hex(t.anchor1));
	assert_non_null(fields = json_loads(json, 0, NULL));
	CT_OK_OR_FAIL(ct_reader_begin(&r, t.s.l));
	CT_OK_OR_FAIL(ct_records_resolve_calibration(r, fields));
	assert_string_equal(json_string_value(json_object_get(fields, "subject_kind")), "standard");
	assert_string_equal(cal_of(fields, 0), ts_hex(t.anchor1)); /* given: not replaced by the newer */
	assert_string_equal(cal_of(fields, 1), ts_hex(t.anchor2));
	ct_reader_end(r);
	json_decref(fields);
	teardown(&t);
}

/* Calibrations that cannot be completed are refused, the detail saying why. */
static void test_resolve_refusals(void **state)
{
	static const struct {
		const char *fields, *detail;
	} cases[] = {
	    {"{\"subject\":\"A-1\",\"performed_at\":\"2026-02-01\",\"standards\":[\"S-none\"]}",
	     "cannot rely on standard 'S-none'"},
	    {"{\"subject\":\"A-1\",\"performed_at\":\"2026-01-05\",\"standards\":[\"S-1\"]}",
	     "cannot rely on standard 'S-1'"}, /* before its first anchor */
	    {"{\"subject\":\"Z-9\",\"performed_at\":\"2026-02-01\",\"standards\":[\"S-1\"]}",
	     "subject 'Z-9' is not registered"},
	    {"{\"subject\":\"X-1\",\"performed_at\":\"2026-02-01\",\"standards\":[\"S-1\"]}",
	     "'X-1' is both an instrument and a standard: give subject_kind"},
	    {"{\"performed_at\":\"2026-02-01\",\"standards\":[\"S-1\"]}", "no subject"},
	};
	struct net t;
	ct_reader *r = NULL;
	size_t i;

	setup(&t);
	CT_OK_OR_FAIL(ct_reader_begin(&r, t.s.l));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *fields = json_loads(cases[i].fields, 0, NULL);
		assert_non_null(fields);
		if (ct_records_resolve_calibration(r, fields) >= 0)
			fail_msg("case %zu was resolved", i);
		TS_DETAIL_HAS(cases[i].detail);
		json_decref(fields);
	}
	ct_reader_end(r);
	teardown(&t);
}

static void count_progress(void *ctx, uint64_t records)
{
	uint64_t *calls = ctx;

	assert_int_equal(records, ++*calls); /* once per record, counting up */
}

/* A bad record stops the import naming its line; the records before it are kept. */
static void test_bad_record_keeps_before(void **state)
{
	static const char *const bad[] = {
	    "{\"type\":\"instrument.recycle\",\"id\":\"B-9\"}",
	    "line 4: unknown type 'instrument.recycle'",
	    "{\"id\":\"B-9\"}",
	    "line 4: no \"type\"",
	    "{\"type\":\"instrument.retire\",\"time\":\"later\",\"id\":\"B-1\",\"effective\":\"2026-05-01\"}",
	    "line 4: \"time\" is not an ISO-8601 date",
	    "{\"type\":\"calibration\",\"time\":\"2026-05-01\",\"subject\":\"B-1\",\"kind\":\"verification\","
	    "\"standards\":[\"S-none\"],\"performed_at\":\"2026-05-01\",\"valid_until\":\"2027-01-01\","
	    "\"result\":\"pass\",\"certificate\":\"V\"}",
	    "line 4: cannot rely on standard 'S-none'",
	    "{\"type\":\"instrument.register\",\"time\":\"2026-05-01\",\"id\":\"B-9\",\"colour\":\"red\"}",
	    "line 4: ",
	    "[1]",
	    "line 4: not a JSON object",
	};
	static const char reg[] = "{\"type\":\"instrument.register\",\"time\":\"2026-05-01\",\"id\":\"B-%d\","
				  "\"category\":\"mass\",\"district\":\"north\",\"owner\":\"o\","
				  "\"mpe\":{\"rel_ppm\":1000}}\n";
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k += 2) {
		struct net t;
		char text[2048];
		uint64_t before, n = 99, calls = 0;
		ct_records_import_opts o = {
		    .batch_records = 2, .now_ms = fixed_clock, .progress = count_progress, .ctx = &calls};
		size_t used = 0;

		setup(&t);
		before = feed_size(&t, t.lab, NULL);
		for (int i = 1; i <= 2; i++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, reg, i);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "\n%s\n", bad[k]);
		snprintf(text + used, sizeof(text) - used, reg, 3);
		if (import_text(&t, t.lab, CT_RECORDS_NDJSON, text, &o, &n) >= 0)
			fail_msg("case %zu: the import succeeded", k / 2);
		TS_DETAIL_HAS(bad[k + 1]);
		assert_int_equal(n, 2);
		assert_int_equal(calls, 2);
		assert_int_equal(feed_size(&t, t.lab, NULL), before + 2);
		assert_int_equal(ts_check(t.s.l, NULL), 0);
		teardown(&t);
	}
}

/* A dry run checks every record and writes nothing; its bad line is named all the same. */
static void test_dry_run(void **state)
{
	static const char good[] =
	    "{\"type\":\"instrument.register\",\"time\":\"2026-05-01\",\"id\":\"D-1\",\"category\":\"mass\","
	    "\"district\":\"north\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n"
	    "{\"type\":\"calibration\",\"time\":\"2026-05-02\",\"subject\":\"D-1\",\"kind\":\"verification\","
	    "\"standards\":[\"S-1\"],\"performed_at\":\"2026-05-02\",\"valid_until\":\"2027-01-01\","
	    "\"result\":\"pass\",\"certificate\":\"V\"}\n";
	char text[2048];
	struct net t;
	uint64_t before, n = 0, now = 0;
	ct_records_import_opts o = {.dry_run = true, .batch_records = 1, .now_ms = fixed_clock, .ctx = &now};

	setup(&t);
	before = feed_size(&t, t.lab, NULL);
	/* the calibration resolves D-1, registered by the record before it in the same (dropped) batch */
	CT_OK_OR_FAIL(import_text(&t, t.lab, CT_RECORDS_NDJSON, good, &o, &n));
	assert_int_equal(n, 2);
	assert_int_equal(feed_size(&t, t.lab, NULL), before);
	snprintf(text, sizeof(text), "%s{\"type\":\"nothing\"}\n", good);
	assert_true(import_text(&t, t.lab, CT_RECORDS_NDJSON, text, &o, &n) < 0);
	TS_DETAIL_HAS("line 3: unknown type 'nothing'");
	assert_int_equal(n, 2);
	assert_int_equal(feed_size(&t, t.lab, NULL), before);
	teardown(&t);
}

/* A record without "time" gets the caller's clock; CSV records go the same way as NDJSON. */
static void test_time_and_csv(void **state)
{
	struct net t;
	uint64_t now = ts_day(200) + 1234, n = 0, time = 0;
	ct_records_import_opts o = {.batch_records = 1, .now_ms = fixed_clock, .ctx = &now};
	json_t *body;

	setup(&t);
	CT_OK_OR_FAIL(
	    import_text(&t, t.lab, CT_RECORDS_CSV,
			"type,time,subject,kind,standards,performed_at,valid_until,result,certificate\n"
			"calibration,,A-1,verification,S-1,2026-02-01,2027-01-31,pass,\"V,1\"\n",
			&o, &n));
	assert_int_equal(n, 1);
	body = newest_body(&t, &time);
	assert_int_equal(time, now);
	assert_string_equal(cal_of(body, 0), ts_hex(t.anchor1));
	assert_string_equal(json_string_value(json_object_get(body, "certificate")), "V,1");
	json_decref(body);
	teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolves_links),   cmocka_unit_test(test_keeps_given_fields),
	    cmocka_unit_test(test_resolve_refusals), cmocka_unit_test(test_bad_record_keeps_before),
	    cmocka_unit_test(test_dry_run),	     cmocka_unit_test(test_time_and_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
