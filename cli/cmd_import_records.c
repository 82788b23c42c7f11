/*
 * caltrace import-records FILE: a lab's existing records, one JSON event
 * per line or one CSV row per record (docs/IMPORT.md), signed into this
 * node's feed by core/records (ct_records_import) in large transactions.
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include "caltrace/records/records.h"
#include "cli.h"

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

struct opts {
	const char *format;
	bool dry_run;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *o = ctx;

	if (code == 'd')
		o->dry_run = true;
	else
		o->format = arg;
	return 0;
}

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The progress line: the count and the rate, now and then on a terminal, and once at the end. */
struct run {
	uint64_t records;
	double start, last;
};

static void show(struct run *run, bool final)
{
	double t = now_s();

	if (!final && (!cli_interactive() || t - run->last < 0.5))
		return;
	run->last = t;
	fprintf(stderr, "\r%llu records signed (%.0f/s)%s", (unsigned long long)run->records,
		t > run->start ? (double)run->records / (t - run->start) : 0, final ? "\n" : "");
}

static void progress(void *ctx, uint64_t records)
{
	struct run *run = ctx;

	run->records = records;
	show(run, false);
}

static uint64_t clock_ms(void *ctx)
{
	return cli_now_ms();
}

static const struct option longopts[] = {
    {"dry-run", no_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'}, CLI_OPTION_END};
static const cli_cmd import_records = {"import-records", longopts, NULL, help, opt, 1, 1, "expects one FILE"};

int cmd_import_records(int argc, char **argv)
{
	struct opts o = {NULL, false};
	struct run run = {0, now_s(), 0};
	ct_records_import_opts io = {.now_ms = clock_ms, .progress = progress, .ctx = &run};
	ct_records_format format;
	ct_records *src = NULL;
	const char *path;
	cli_args a = {0};
	FILE *in = NULL;
	cli_node n;
	int rc, err;

	if ((rc = cli_parse(&import_records, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	path = a.args[0];
	if (o.format && strcmp(o.format, "csv") != 0 && strcmp(o.format, "ndjson") != 0)
		return cli_usage_error("import-records", "--format expects ndjson or csv, not '%s'",
				       o.format);
	format = o.format ? (strcmp(o.format, "csv") == 0 ? CT_RECORDS_CSV : CT_RECORDS_NDJSON)
			  : ct_records_format_of(path);
	if (!(in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r"))) {
		fprintf(stderr, "caltrace import-records: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_ERR;
	}
	rc = EXIT_ERR;
	if (ct_records_open(&src, in, format) < 0) {
		fprintf(stderr, "caltrace import-records: %s: %s\n", path, ct_error_last());
		goto done;
	}
	if (cli_open(&n, CLI_KEY) != 0)
		goto done;
	io.dry_run = o.dry_run;
	if ((err = ct_records_import(n.ledger, n.kp, src, &io, &run.records)) < 0)
		fprintf(stderr, "caltrace import-records: %s\n", ct_error_last());
	show(&run, true);
	if (err < 0 && run.records)
		fprintf(stderr, "caltrace import-records: the %llu records before the bad line were %s\n",
			(unsigned long long)run.records, o.dry_run ? "valid" : "kept");
	rc = err < 0 ? EXIT_ERR : EXIT_OK;
	cli_close(&n);
done:
	ct_records_close(src);
	if (in && in != stdin)
		fclose(in);
	return rc;
}
