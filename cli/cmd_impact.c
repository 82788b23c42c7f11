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

struct out {
	const ct_impact *im;
	const ct_verdict *verdicts;
	const char *std;
	uint64_t since, at;
	const char *since_why;
};

static void print_text(const void *res)
{
	const struct out *o = res;
	const char *district = NULL, *lab = NULL;
	char a[32], b[32], key[CT_KEY_SHORT_LEN + 1], hash[65];
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

		ct_key_short(key, it->lab);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		if (!district || strcmp(district, d) != 0) {
			printf("\n%s\n", d);
			district = d;
			lab = NULL;
		}
		if (!lab || strcmp(lab, l) != 0) {
			printf("  %s (%s…)\n", l, key);
			lab = l;
		}
		printf("    %-10s %-20s %s → %s  with %-14s %-8s %.12s…\n",
		       it->kind == CT_NS_STANDARD ? "standard" : "instrument", it->id,
		       day(a, it->performed_at), day(b, it->valid_until), it->via,
		       ct_verdict_name(o->verdicts[i]), hash);
	}
}

static void print_csv(const void *res)
{
	const struct out *o = res;
	char a[32], b[32], key[65], hash[65], depth[16];
	size_t i;

	printf("district,lab,lab_key,kind,id,via,depth,performed_at,valid_until,calibration,verdict\n");
	for (i = 0; i < o->im->count; i++) {
		const ct_impact_item *it = &o->im->items[i];
		ct_hex(key, it->lab, CT_KEY_BYTES);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		snprintf(depth, sizeof(depth), "%u", it->depth);
		cli_csv(stdout, it->district, false);
		cli_csv(stdout, it->lab_name, false);
		cli_csv(stdout, key, false);
		cli_csv(stdout, it->kind == CT_NS_STANDARD ? "standard" : "instrument", false);
		cli_csv(stdout, it->id, false);
		cli_csv(stdout, it->via, false);
		cli_csv(stdout, depth, false);
		cli_csv(stdout, day(a, it->performed_at), false);
		cli_csv(stdout, day(b, it->valid_until), false);
		cli_csv(stdout, hash, false);
		cli_csv(stdout, ct_verdict_name(o->verdicts[i]), true);
	}
}

/* The JSON form is the library's (core/eval/coverage_json.c), which the web API answers with too. */
static json_t *to_json(const void *res)
{
	const struct out *o = res;
	ct_impact_view v = {o->im, o->verdicts, o->std, o->since, o->at, o->since_why};
	json_t *j = NULL;

	ct_impact_to_json(&j, &v, 0, SIZE_MAX);
	return j;
}

static const cli_forms forms = {print_text, to_json, print_csv};

static int run(cli_node *n, struct out *o, bool since_given, cli_format format)
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
	rc = cli_print_as(format, &forms, o);
done:
	free(verdicts);
	ct_impact_free(im);
	ct_tracer_free(tr);
	ct_reader_end(r);
	return rc;
}

struct opts {
	struct out *o;
	bool since_given;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *p = ctx;

	if (cli_parse_time("impact", "--since", arg, &p->o->since) < 0) /* --since */
		return EXIT_ERR;
	p->since_given = true;
	return 0;
}

static const struct option longopts[] = {
    {"since", required_argument, NULL, 's'}, CLI_OPTION_AT, CLI_OPTION_JSON, CLI_OPTION_CSV, CLI_OPTION_END};
static const cli_cmd impact_cmd = {"impact", longopts, NULL, help, opt, 1, 1, "expects one STANDARD"};

int cmd_impact(int argc, char **argv)
{
	struct out o = {NULL, NULL, NULL, 0, 0, "--since"};
	struct opts p = {&o, false};
	cli_args a = {.at = cli_now_ms()};
	cli_node n;
	int rc;

	if ((rc = cli_parse(&impact_cmd, argc, argv, &a, &p)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	o.at = a.at;
	o.std = a.args[0];
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	rc = run(&n, &o, p.since_given, a.format);
	cli_close(&n);
	return rc;
}
