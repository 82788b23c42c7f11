/* caltrace impact STANDARD: everything whose traceability relied on a standard (reverse traceability). */
#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/json.h"
#include "caltrace/eval/trace.h"
#include "cli.h"

static void help(void)
{
	printf("usage: caltrace impact STANDARD [--since DATE] [--at DATE] [--json | --csv]\n\n"
	       "Lists every standard and instrument whose validity relied on STANDARD from DATE on,\n"
	       "transitively across labs (a standard calibrated with it, what that standard\n"
	       "calibrated, ...), with the calibration entries that link them, grouped by district\n"
	       "and lab, and each one's verdict now.\n\n"
	       "  --since DATE    from this date on (default: the standard's earliest\n"
	       "                  out-of-tolerance declaration, else all of its uses)\n"
	       "  --at DATE       the time the verdicts are given for (default now)\n"
	       "  --json          one JSON object\n"
	       "  --csv           one CSV row per calibration\n");
}

static const char *day(char *out, uint64_t ms)
{
	ct_time_format(out, 32, ms);
	return out;
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(const char *s, bool last)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\n\r")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

struct out {
	const ct_impact *im;
	const ct_verdict *verdicts;
	const char *std;
	uint64_t since, at;
	const char *since_why;
};

static void print_text(const struct out *o)
{
	const char *district = NULL, *lab = NULL;
	char a[32], b[32], key[65], hash[65];
	size_t i;

	printf("impact of %s since %s (%s): %zu standard%s and %zu instrument%s through %zu calibration%s; "
	       "verdicts at %s\n",
	       o->std, day(a, o->since), o->since_why, o->im->standards, o->im->standards == 1 ? "" : "s",
	       o->im->instruments, o->im->instruments == 1 ? "" : "s", o->im->count,
	       o->im->count == 1 ? "" : "s", day(b, o->at));
	for (i = 0; i < o->im->count; i++) {
		const ct_impact_item *it = &o->im->items[i];
		const char *d = it->district ? it->district : "(no district)";
		const char *l = it->lab_name ? it->lab_name : "(unknown lab)";

		ct_hex(key, it->lab, CT_KEY_BYTES);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		if (!district || strcmp(district, d) != 0) {
			printf("\n%s\n", d);
			district = d;
			lab = NULL;
		}
		if (!lab || strcmp(lab, l) != 0) {
			printf("  %s (%.8s…)\n", l, key);
			lab = l;
		}
		printf("    %-10s %-20s %s → %s  with %-14s %-8s %.12s…\n",
		       it->kind == CT_NS_STANDARD ? "standard" : "instrument", it->id,
		       day(a, it->performed_at), day(b, it->valid_until), it->via,
		       ct_verdict_name(o->verdicts[i]), hash);
	}
}

static void print_csv(const struct out *o)
{
	char a[32], b[32], key[65], hash[65], depth[16];
	size_t i;

	printf("district,lab,lab_key,kind,id,via,depth,performed_at,valid_until,calibration,verdict\n");
	for (i = 0; i < o->im->count; i++) {
		const ct_impact_item *it = &o->im->items[i];
		ct_hex(key, it->lab, CT_KEY_BYTES);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		snprintf(depth, sizeof(depth), "%u", it->depth);
		csv_field(it->district, false);
		csv_field(it->lab_name, false);
		csv_field(key, false);
		csv_field(it->kind == CT_NS_STANDARD ? "standard" : "instrument", false);
		csv_field(it->id, false);
		csv_field(it->via, false);
		csv_field(depth, false);
		csv_field(day(a, it->performed_at), false);
		csv_field(day(b, it->valid_until), false);
		csv_field(hash, false);
		csv_field(ct_verdict_name(o->verdicts[i]), true);
	}
}

static int run(cli_node *n, struct out *o, bool since_given, int format)
{
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_impact *im = NULL;
	ct_verdict *verdicts = NULL;
	int err, rc = EXIT_ERR;

	if ((err = ct_reader_begin(&r, n->ledger)) < 0 || (err = ct_tracer_new(&tr, r)) < 0) {
		rc = cli_fail("impact", err, "cannot evaluate");
		goto done;
	}
	if (!since_given) {
		if ((err = ct_impact_default_since(r, o->std, strlen(o->std), &o->since)) < 0) {
			rc = cli_fail("impact", err, "cannot read %s", o->std);
			goto done;
		}
		o->since_why = err == 1 ? "its out-of-tolerance declaration" : "all of its uses";
	}
	if ((err = ct_impact_of(&im, tr, o->std, strlen(o->std), o->since)) < 0) {
		rc = cli_fail("impact", err, "cannot walk the uses of %s", o->std);
		goto done;
	}
	if ((err = ct_impact_verdicts(&verdicts, tr, im, o->at)) < 0) {
		rc = cli_fail("impact", err, "cannot evaluate what relied on %s", o->std);
		goto done;
	}
	o->im = im;
	o->verdicts = verdicts;
	if (format == 'j') {
		ct_impact_view v = {im, verdicts, o->std, o->since, o->at, o->since_why};
		json_t *j = NULL;
		if ((err = ct_impact_to_json(&j, &v, 0, SIZE_MAX)) < 0) {
			rc = cli_fail("impact", err, "cannot write JSON");
			goto done;
		}
		rc = cli_print_json(j);
		json_decref(j);
	} else {
		if (format == 'c')
			print_csv(o);
		else
			print_text(o);
		rc = EXIT_OK;
	}
done:
	free(verdicts);
	ct_impact_free(im);
	ct_tracer_free(tr);
	ct_reader_end(r);
	return rc;
}

int cmd_impact(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"since", required_argument, NULL, 's'}, {"at", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},	     {"csv", no_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0}};
	struct out o = {NULL, NULL, NULL, 0, cli_now_ms(), "--since"};
	bool since_given = false;
	int format = 't', c, rc;
	cli_node n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (cli_parse_time("impact", "--since", optarg, &o.since) < 0)
				return EXIT_ERR;
			since_given = true;
			break;
		case 'a':
			if (cli_parse_time("impact", "--at", optarg, &o.at) < 0)
				return EXIT_ERR;
			break;
		case 'j':
		case 'c':
			format = c;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("impact", "bad usage");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("impact", "expects one STANDARD");
	o.std = argv[optind];
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	rc = run(&n, &o, since_given, format);
	cli_close(&n);
	return rc;
}
