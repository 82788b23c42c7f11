/*
 * Reading records (core/records, docs/IMPORT.md): CSV rows with RFC 4180
 * quoting (commas, doubled quotes and line breaks inside quotes, CRLF, a
 * byte-order mark), typed by the event schema into the JSON object the
 * same record written as NDJSON would be; NDJSON lines; bad headers, bad
 * rows and bad lines refused with a detail naming the line; and the CSV
 * cell writer quoting what needs it.
 */
#include <jansson.h>

#include "caltrace/records/records.h"
#include "ct_test.h"

/* A reader over text (the FILE is kept in *in, closed by done()). */
static ct_records *open_text(FILE **in, ct_records_format f, const char *text)
{
	ct_records *r = NULL;

	assert_non_null(*in = fmemopen((void *)text, strlen(text), "r"));
	CT_OK_OR_FAIL(ct_records_open(&r, *in, f));
	return r;
}

static void done(ct_records *r, FILE *in)
{
	ct_records_close(r);
	fclose(in);
}

/* The next record must be expected_json (a JSON literal), starting on line. */
static void next_is(ct_records *r, const char *expected_json, unsigned long line)
{
	json_t *got = NULL, *want = json_loads(expected_json, 0, NULL);
	int rc = ct_records_next(r, &got);

	assert_non_null(want);
	if (rc != 1)
		fail_msg("expected a record, got %d: %s", rc, ct_error_last());
	if (!json_equal(got, want)) {
		char *s = json_dumps(got, JSON_SORT_KEYS);
		fail_msg("got %s, expected %s", s, expected_json);
	}
	assert_int_equal(ct_records_line(r), line);
	json_decref(got);
	json_decref(want);
}

static void at_end(ct_records *r)
{
	json_t *got = NULL;

	assert_int_equal(ct_records_next(r, &got), 0);
	assert_null(got);
}

/* rc is an error whose detail mentions detail (what names the case). */
static void refused(const char *what, int rc, const char *detail)
{
	if (rc >= 0)
		fail_msg("%s: expected an error mentioning \"%s\", got %d", what, detail, rc);
	if (!strstr(ct_error_last(), detail))
		fail_msg("%s: detail \"%s\" does not mention \"%s\"", what, ct_error_last(), detail);
}

/* The next record is refused with a detail that mentions detail. */
static void next_fails(ct_records *r, const char *detail)
{
	json_t *got = NULL;

	refused("next record", ct_records_next(r, &got), detail);
	assert_null(got);
}

/* Bad input and what the refusal must say. */
struct bad {
	const char *text, *detail;
};

/* Quoted cells keep commas, doubled quotes and line breaks; unquoted ones are trimmed; CRLF and a BOM. */
static void test_csv_quoting(void **state)
{
	static const char text[] =
	    "\xEF\xBB\xBFtype,time,id,name,category,level,public,range,u.rel_ppm,u.abs,u.unit\r\n"
	    "standard.register,2026-01-05,S-1,\"weights, E2 \"\"set A\"\"\",mass, municipal ,true,,2,,\r\n"
	    "\r\n"
	    "standard.register,2026-01-06,S-2,\"two\r\nlines\",mass,working,0,\" 1 g \",,0.3,mg\r\n"
	    "standard.register,2026-01-07,S-3,\"\",mass,working,false,,,,\n";
	FILE *in;
	ct_records *r = open_text(&in, CT_RECORDS_CSV, text);

	next_is(r,
		"{\"type\":\"standard.register\",\"time\":\"2026-01-05\",\"id\":\"S-1\","
		"\"name\":\"weights, E2 \\\"set A\\\"\",\"category\":\"mass\",\"level\":\"municipal\","
		"\"public\":true,\"u\":{\"rel_ppm\":2}}",
		2);
	/* the blank line 3 is skipped; the record of lines 4-5 keeps its CRLF, and spaces when quoted */
	next_is(r,
		"{\"type\":\"standard.register\",\"time\":\"2026-01-06\",\"id\":\"S-2\","
		"\"name\":\"two\\r\\nlines\",\"category\":\"mass\",\"level\":\"working\",\"public\":false,"
		"\"range\":\" 1 g \",\"u\":{\"abs\":\"0.3\",\"unit\":\"mg\"}}",
		4);
	/* an empty quoted cell is an empty cell: left out */
	next_is(
	    r,
	    "{\"type\":\"standard.register\",\"time\":\"2026-01-07\",\"id\":\"S-3\",\"category\":\"mass\","
	    "\"level\":\"working\",\"public\":false}",
	    6);
	at_end(r);
	done(r, in);
}

/* A CSV row and the NDJSON line of the same record read as the same JSON, lists and numbers typed. */
static void test_csv_same_as_ndjson(void **state)
{
	static const char csv[] =
	    "type,time,subject,kind,standards,performed_at,valid_until,result,certificate\n"
	    "calibration,2026-02-01,A-1,verification, S-1 ; S-2;;,2026-02-01,1780000000000,"
	    "pass,V-1\n";
	static const char ndjson[] =
	    "{\"type\":\"calibration\",\"time\":\"2026-02-01\",\"subject\":\"A-1\",\"kind\":\"verification\","
	    "\"standards\":[\"S-1\",\"S-2\"],\"performed_at\":\"2026-02-01\",\"valid_until\":1780000000000,"
	    "\"result\":\"pass\",\"certificate\":\"V-1\"}\n";
	FILE *in1, *in2;
	ct_records *a = open_text(&in1, CT_RECORDS_CSV, csv), *b = open_text(&in2, CT_RECORDS_NDJSON, ndjson);
	json_t *x = NULL, *y = NULL;

	assert_int_equal(ct_records_next(a, &x), 1);
	assert_int_equal(ct_records_next(b, &y), 1);
	assert_true(json_equal(x, y));
	assert_int_equal(ct_records_line(a), 2);
	assert_int_equal(ct_records_line(b), 1);
	json_decref(x);
	json_decref(y);
	done(a, in1);
	done(b, in2);
}

/* Rows that cannot be a record: each refused naming the line it starts on and what is wrong. */
static void test_csv_bad_rows(void **state)
{
	static const struct bad cases[] = {
	    {"type,id,effective\ninstrument.retire,A-1\n", "line 2: 2 cells where the header has 3 columns"},
	    {"type,id,effective\ninstrument.retire,A-1,2026-01-01,x\n",
	     "line 2: 4 cells where the header has 3"},
	    {"type,id,colour\ninstrument.retire,A-1,red\n",
	     "line 2: column 'colour' is not a field of instrument.retire (leave the cell empty)"},
	    {"type,id,interval_days,item,name,mode,domains,effective\n"
	     "catalogue.set,,12x,I,n,periodic,trade,2026-01-01\n",
	     "line 2: column 'interval_days': '12x' is not a non-negative integer"},
	    {"type,id,name,category,level,public\nstandard.register,S,n,mass,working,maybe\n",
	     "line 2: column 'public': 'maybe' is not true or false"},
	    {"type,id,u\nstandard.register,S,3\n", "line 2: column 'u' is a map: give its parts as columns"},
	    {"type,id,name.first\nstandard.register,S,x\n",
	     "line 2: column 'name.first': standard.register has no quantity or policy field 'name'"},
	    {"type,id,u.rel_ppm\nstandard.register,S,-1\n",
	     "line 2: column 'u.rel_ppm': '-1' is not a non-negative"},
	    {"type,id,effective\n\ninstrument.retire,A-1,2026-01-01\ninstrument.retire,\"A-2,2026-01-01\n",
	     "line 4: a quoted cell is not closed before the end of the input"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *in;
		ct_records *r = open_text(&in, CT_RECORDS_CSV, cases[i].text);
		json_t *rec = NULL;
		int rc;

		/* the rows before the bad one read */
		while ((rc = ct_records_next(r, &rec)) == 1) {
			json_decref(rec);
			rec = NULL;
		}
		refused(cases[i].text, rc, cases[i].detail);
		done(r, in);
	}
}

/* A row without a type, or with an unknown one, reads: appending it names the problem. */
static void test_csv_untyped_rows(void **state)
{
	FILE *in;
	ct_records *r = open_text(&in, CT_RECORDS_CSV, "type,id\n,A-1\nmachine.fix,B-1\n");

	next_is(r, "{}", 2);
	next_is(r, "{\"type\":\"machine.fix\"}", 3);
	at_end(r);
	done(r, in);
}

/* Headers that cannot start a file: each refused, the detail naming what is wrong. */
static void test_csv_bad_headers(void **state)
{
	static const struct bad cases[] = {
	    {"", "no header line"},
	    {"\n\n", "no header line"},
	    {"id,effective\n", "line 1: the header has no 'type' column"},
	    {"type,,effective\n", "line 1: column 2 of the header has no name"},
	    {"type,id,id\n", "line 1: column 'id' appears twice in the header"},
	    {"\xEF\xBB"
	     "type,id\n",
	     "line 1: not UTF-8 text"},
	    {"\ntype,\"id\n", "a quoted cell is not closed"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *in =
		    fmemopen((void *)cases[i].text, strlen(cases[i].text) ? strlen(cases[i].text) : 1, "r");
		ct_records *r = NULL;

		assert_non_null(in);
		if (!*cases[i].text)
			fgetc(in); /* fmemopen wants a size: read the one byte away */
		refused(cases[i].text, ct_records_open(&r, in, CT_RECORDS_CSV), cases[i].detail);
		done(r, in);
	}
}

/* NDJSON: blank lines skipped but counted, each record numbered by its line, the last without newline. */
static void test_ndjson_lines(void **state)
{
	FILE *in;
	ct_records *r = open_text(&in, CT_RECORDS_NDJSON,
				  "{\"type\":\"a\",\"n\":1}\n"
				  "\n"
				  "  \t \r\n"
				  "{\"type\":\"b\",\"list\":[1,2]}\r\n"
				  "{\"type\":\"c\"}");

	next_is(r, "{\"type\":\"a\",\"n\":1}", 1);
	next_is(r, "{\"type\":\"b\",\"list\":[1,2]}", 4);
	next_is(r, "{\"type\":\"c\"}", 5);
	at_end(r);
	done(r, in);
}

/* A line that is not one JSON object stops the reader, naming the line. */
static void test_ndjson_bad_lines(void **state)
{
	FILE *in;
	ct_records *r = open_text(&in, CT_RECORDS_NDJSON, "{\"type\":\"a\"}\n\n[1, 2]\n");

	next_is(r, "{\"type\":\"a\"}", 1);
	next_fails(r, "line 3: not a JSON object: another JSON value");
	done(r, in);
	r = open_text(&in, CT_RECORDS_NDJSON, "{\"type\":\"a\"}\n{\"type\":\"b\",\n{\"type\":\"c\"}\n");
	next_is(r, "{\"type\":\"a\"}", 1);
	next_fails(r, "line 2: not a JSON object: ");
	assert_non_null(strstr(ct_error_last(), "(column "));
	done(r, in);
}

static void test_format_of(void **state)
{
	assert_int_equal(ct_records_format_of("a/b.csv"), CT_RECORDS_CSV);
	assert_int_equal(ct_records_format_of("B.CSV"), CT_RECORDS_CSV);
	assert_int_equal(ct_records_format_of("b.ndjson"), CT_RECORDS_NDJSON);
	assert_int_equal(ct_records_format_of(".csv"), CT_RECORDS_NDJSON); /* a name, not only an ending */
	assert_int_equal(ct_records_format_of("-"), CT_RECORDS_NDJSON);
}

/* The cell writer quotes exactly the cells that need it, and the reader gets every one back. */
static void test_csv_cell_roundtrip(void **state)
{
	static const char *const cells[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rlf", " spaced "};
	char *text = NULL, *expected;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len), *in;
	json_t *rec = NULL;
	ct_records *r = NULL;

	assert_non_null(out);
	fputs("type,id,name,category,level,public,range\nstandard.register,", out);
	ct_records_csv_cell(out, "S-1");
	fputs(",", out);
	ct_records_csv_cell(out, NULL); /* an empty cell */
	fputs(",mass,working,false,", out);
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		ct_records_csv_cell(out, cells[i]);
	fputs("\n", out);
	fclose(out);
	expected = "type,id,name,category,level,public,range\nstandard.register,S-1,,mass,working,false,"
		   "plain\"a,b\"\"say \"\"hi\"\"\"\"two\nlines\"\"cr\rlf\" spaced \n";
	assert_string_equal(text, expected);
	free(text);
	/* each cell alone in a column reads back as it was written */
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		text = NULL;
		assert_non_null(out = open_memstream(&text, &len));
		fputs("type,id,name,category,level,public,range\nstandard.register,S,n,mass,working,false,",
		      out);
		ct_records_csv_cell(out, cells[i]);
		fputs("\n", out);
		fclose(out);
		assert_non_null(in = fmemopen(text, len, "r"));
		CT_OK_OR_FAIL(ct_records_open(&r, in, CT_RECORDS_CSV));
		assert_int_equal(ct_records_next(r, &rec), 1);
		/* unquoted cells are trimmed: " spaced " was written as it is and reads as "spaced" */
		assert_string_equal(json_string_value(json_object_get(rec, "range")),
				    strcmp(cells[i], " spaced ") == 0 ? "spaced" : cells[i]);
		json_decref(rec);
		done(r, in);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_quoting),	       cmocka_unit_test(test_csv_same_as_ndjson),
	    cmocka_unit_test(test_csv_bad_rows),       cmocka_unit_test(test_csv_untyped_rows),
	    cmocka_unit_test(test_csv_bad_headers),    cmocka_unit_test(test_ndjson_lines),
	    cmocka_unit_test(test_ndjson_bad_lines),   cmocka_unit_test(test_format_of),
	    cmocka_unit_test(test_csv_cell_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
