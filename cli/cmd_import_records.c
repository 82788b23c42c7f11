/*
 * caltrace import-records FILE: a lab's existing records, one JSON event
 * per line or one CSV row per record (docs/IMPORT.md), signed into this
 * node's feed in large transactions.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "cli.h"
#include "records_csv.h"

#define BATCH_RECORDS 50000

static void help(void)
{
	printf("usage: caltrace import-records FILE [--format ndjson|csv] [--dry-run]\n\n"
	       "Signs a lab's existing records into this node's feed. FILE holds one JSON\n"
	       "object per line: \"type\" (an event type) plus the body's fields, e.g.\n"
	       "  {\"type\":\"instrument.register\",\"id\":\"WM-1\",\"category\":\"water\",...}\n"
	       "or CSV: a header line naming the columns (type, time, the body's fields; a\n"
	       "quantity as mpe.rel_ppm or mpe.abs + mpe.unit; lists separated by ';'), then\n"
	       "one record per row, empty cells left out.\n"
	       "Optional \"time\" sets the entry's time (default now). Calibrations may list\n"
	       "standards by id alone and omit subject_kind: both are resolved from the store.\n"
	       "See docs/IMPORT.md. A bad line stops the import naming its line number; every\n"
	       "line before it is kept. FILE - reads standard input.\n\n"
	       "  --format F  ndjson or csv (default: csv when FILE ends in .csv, else ndjson)\n"
	       "  --dry-run   check every line, write nothing\n");
}

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Turns one parsed line into an appended entry; returns 0 or prints why (line-numbered). */
static int import_line(ct_batch *b, const ct_keypair *kp, json_t *rec, unsigned long lineno)
{
	const char *type_v = json_string_value(json_object_get(rec, "type"));
	char type[CT_TYPE_MAX + 1];
	json_t *time_v = json_object_get(rec, "time");
	ct_buf body = CT_BUF_INIT;
	ct_event_type t;
	uint64_t when = cli_now_ms();
	char why[512];
	int err;

	if (!type_v)
		return fprintf(stderr, "caltrace import-records: line %lu: no \"type\"\n", lineno), EXIT_ERR;
	/* Copied: deleting "type" from rec below frees the JSON string. */
	snprintf(type, sizeof(type), "%s", type_v);
	if ((t = ct_event_type_of(type, strlen(type))) == CT_EV_UNKNOWN)
		return fprintf(stderr, "caltrace import-records: line %lu: unknown type '%s'\n", lineno, type),
		       EXIT_ERR;
	if (time_v && !(json_is_string(time_v) && ct_time_parse(&when, json_string_value(time_v)) == 0))
		return fprintf(stderr, "caltrace import-records: line %lu: \"time\" is not an ISO-8601 date\n",
			       lineno),
		       EXIT_ERR;
	/* type points into rec's "type" value: from here on only t is used */
	json_object_del(rec, "type");
	json_object_del(rec, "time");
	if (t == CT_EV_CALIBRATION && cli_resolve_calibration(ct_batch_reader(b), rec, why, sizeof(why)) < 0)
		return fprintf(stderr, "caltrace import-records: line %lu: %s\n", lineno, why), EXIT_ERR;
	if ((err = ct_body_from_json(&body, t, rec)) < 0 ||
	    (err = ct_batch_append(b, kp, when, ct_event_type_name(t), body.ptr, body.len, NULL, NULL)) < 0) {
		fprintf(stderr, "caltrace import-records: line %lu: %s\n", lineno, ct_error_last());
		ct_buf_free(&body);
		return EXIT_ERR;
	}
	ct_buf_free(&body);
	return 0;
}

struct run {
	unsigned long lines, records;
	double start, last;
};

static void progress(struct run *run, bool final)
{
	double t = now_s(), rate;

	if (!final && (!cli_interactive() || t - run->last < 0.5))
		return;
	run->last = t;
	rate = t > run->start ? (double)run->records / (t - run->start) : 0;
	fprintf(stderr, "\r%lu records signed (%.0f/s)%s", run->records, rate, final ? "\n" : "");
}

/* Where records come from: NDJSON lines or CSV rows, each as a JSON object. */
struct source {
	FILE *in;
	bool csv;
	csv_reader csv_in;
	char *line;
	size_t cap;
};

/* The next record into *rec with its line number. Returns 1, 0 at the end, or prints why and returns -1. */
static int next_record(struct source *src, struct run *run, json_t **rec)
{
	char why[512];
	json_error_t jerr;
	ssize_t len;
	int rc;

	if (src->csv) {
		if ((rc = csv_next(&src->csv_in, rec, &run->lines, why, sizeof(why))) < 0)
			fprintf(stderr, "caltrace import-records: line %lu: %s\n", run->lines, why);
		return rc;
	}
	for (;;) {
		if ((len = getline(&src->line, &src->cap, src->in)) < 0)
			return 0;
		run->lines++;
		if (len > 0 && strspn(src->line, " \t\r\n") != (size_t)len)
			break;
	}
	*rec = json_loadb(src->line, (size_t)len, 0, &jerr);
	if (json_is_object(*rec))
		return 1;
	if (*rec)
		fprintf(stderr, "caltrace import-records: line %lu: not a JSON object: another JSON value\n",
			run->lines);
	else
		fprintf(stderr, "caltrace import-records: line %lu: not a JSON object: %s (column %d)\n",
			run->lines, jerr.text, jerr.column);
	json_decref(*rec);
	*rec = NULL;
	return -1;
}

static int import_file(cli_node *n, struct source *src, bool dry_run, struct run *run)
{
	ct_batch *b = NULL;
	json_t *rec;
	int err, got, rc = 0;

	while ((got = next_record(src, run, &rec)) != 0) {
		if (got < 0) {
			rc = EXIT_ERR;
			break;
		}
		if (!b && (err = ct_batch_begin(&b, n->ledger)) < 0) {
			json_decref(rec);
			rc = cli_fail("import-records", err, "cannot write");
			break;
		}
		rc = import_line(b, n->kp, rec, run->lines);
		json_decref(rec);
		if (rc != 0)
			break;
		run->records++;
		if (run->records % BATCH_RECORDS == 0 && !dry_run) {
			if ((err = ct_batch_commit(b)) < 0) {
				b = NULL;
				rc = cli_fail("import-records", err, "cannot commit at line %lu", run->lines);
				break;
			}
			b = NULL;
		}
		progress(run, false);
	}
	if (b && dry_run)
		ct_batch_abort(b);
	else if (b && (err = ct_batch_commit(b)) < 0)
		rc = cli_fail("import-records", err, "cannot commit");
	return rc;
}

/* Opens FILE (or standard input) in the format asked for or implied by its name. */
static int open_source(struct source *src, const char *path, const char *format)
{
	size_t len = strlen(path);
	char why[512];

	memset(src, 0, sizeof(*src));
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "ndjson") != 0)
		return cli_usage_error("import-records", "--format expects ndjson or csv, not '%s'", format);
	src->csv = format ? strcmp(format, "csv") == 0 : len > 4 && strcasecmp(path + len - 4, ".csv") == 0;
	src->in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!src->in) {
		fprintf(stderr, "caltrace import-records: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_ERR;
	}
	if (src->csv && csv_open(&src->csv_in, src->in, why, sizeof(why)) < 0) {
		fprintf(stderr, "caltrace import-records: %s: %s\n", path, why);
		return EXIT_ERR;
	}
	return 0;
}

static void close_source(struct source *src)
{
	if (src->csv)
		csv_close(&src->csv_in);
	free(src->line);
	if (src->in && src->in != stdin)
		fclose(src->in);
}

int cmd_import_records(int argc, char **argv)
{
	static const struct option longopts[] = {{"dry-run", no_argument, NULL, 'd'},
						 {"format", required_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct run run = {0, 0, now_s(), 0};
	const char *format = NULL;
	bool dry_run = false;
	struct source src;
	cli_node n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dry_run = true;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("import-records", "bad usage");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("import-records", "expects one FILE");
	if ((rc = open_source(&src, argv[optind], format)) != 0) {
		close_source(&src);
		return rc;
	}
	if ((rc = cli_open(&n, CLI_KEY)) == 0) {
		rc = import_file(&n, &src, dry_run, &run);
		progress(&run, true);
		if (rc != 0 && run.records)
			fprintf(stderr,
				"caltrace import-records: the %lu records before the bad line were %s\n",
				run.records, dry_run ? "valid" : "kept");
		cli_close(&n);
	}
	close_source(&src);
	return rc;
}
