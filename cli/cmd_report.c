/* caltrace report: the city against the plan's targets (docs/DOMAIN.md), overall and per district. */
#include <string.h>

#include "report.h"

static void help(void)
{
	printf("usage: caltrace report [--at DATE] [--json] [--html FILE]\n\n"
	       "Compares the city at DATE (default now) with the targets of the metrology plan\n"
	       "(docs/DOMAIN.md): municipal public standards, district standards per district,\n"
	       "calibration items, traceability coverage and inspection rates, overall and per\n"
	       "district, with the trend of the last %d months.\n\n"
	       "  --at DATE      the date\n"
	       "  --json         one JSON object\n"
	       "  --html FILE    also write a self-contained page with charts (prints well)\n",
	       CT_REPORT_MONTHS);
}

const char *report_value(char out[32], const ct_indicator *in)
{
	return ct_indicator_value(out, in);
}

const char *report_target(char out[32], const ct_indicator *in, uint64_t hundredths)
{
	return ct_indicator_target(out, in, hundredths);
}

static void report_text(const void *res)
{
	const ct_report *rep = res;
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	static const ct_coverage_counts none;
	char day[32], v[32], t16[32], t20[32], a[24], b[24], month[16];
	size_t i;

	ct_time_format(day, sizeof(day), rep->at);
	printf("%s: legal metrology at %s\nstate digest %s\n\n", rep->network, day, rep->digest);
	printf("%-66s %10s %10s %10s  %s\n", "indicator", "city", "2016", "2020", "");
	for (i = 0; i < CT_INDICATORS; i++) {
		const ct_indicator *in = &rep->ind[i];
		printf("%-66s %10s %10s %10s  %s\n", in->name, report_value(v, in),
		       report_target(t16, in, in->target_2016), report_target(t20, in, in->target_2020),
		       ct_indicator_status_name(in->status));
	}
	printf("\n%-16s %11s %9s %11s %11s %19s\n", "district", "instruments", "coverage", "compulsory",
	       "inspection", "district standards");
	for (i = 0; i < s->ndistricts; i++) {
		const ct_coverage_counts *c = ct_coverage_group_counts(now, s->districts[i].district);
		if (!c)
			c = &none;
		cov_pad(stdout, s->districts[i].district, 16);
		printf(" %11llu %9s %11llu %11s %11llu (of 25)\n", (unsigned long long)c->registered,
		       cov_pct(a, c->valid, c->registered), (unsigned long long)c->compulsory,
		       cov_pct(b, c->compulsory_valid, c->compulsory),
		       (unsigned long long)s->districts[i].valid);
	}
	printf("\n%-8s %11s %9s %10s\n", "month", "instruments", "coverage", "inspection");
	for (i = 0; i + 1 < rep->nseries; i++) {
		const ct_coverage_counts *c = &rep->series[i].total;
		printf("%-8s %11llu %9s %10s\n", cov_month(month, rep->series[i].at),
		       (unsigned long long)c->registered, cov_pct(a, c->valid, c->registered),
		       cov_pct(b, c->compulsory_valid, c->compulsory));
	}
}

static json_t *report_json(const void *res)
{
	const ct_report *rep = res;
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	json_t *inds = json_array(), *districts = json_array(), *trend = json_array(), *o;
	char day[32], v[32], month[16];
	size_t i;

	for (i = 0; i < CT_INDICATORS; i++) {
		const ct_indicator *in = &rep->ind[i];
		json_array_append_new(
		    inds, json_pack("{s:s, s:s, s:o, s:o, s:s}", "indicator", in->name, "value",
				    report_value(v, in), "target_2016",
				    in->target_2016 ? json_real((double)in->target_2016 / 100) : json_null(),
				    "target_2020", json_real((double)in->target_2020 / 100), "status",
				    ct_indicator_status_name(in->status)));
	}
	for (i = 0; i < now->standards.ndistricts; i++) {
		const ct_coverage_counts *c =
		    ct_coverage_group_counts(now, now->standards.districts[i].district);
		ct_coverage_counts zero;
		memset(&zero, 0, sizeof(zero));
		o = cov_counts_json(c ? c : &zero);
		json_object_set_new(o, "district", json_string(now->standards.districts[i].district));
		json_object_set_new(o, "district_standards_valid",
				    json_integer((json_int_t)now->standards.districts[i].valid));
		json_array_append_new(districts, o);
	}
	for (i = 0; i + 1 < rep->nseries; i++) {
		o = cov_counts_json(&rep->series[i].total);
		json_object_set_new(o, "month", json_string(cov_month(month, rep->series[i].at)));
		json_array_append_new(trend, o);
	}
	ct_time_format(day, sizeof(day), rep->at);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "network", rep->network, "at", day,
			 "digest", rep->digest, "indicators", inds, "total", cov_counts_json(&now->total),
			 "standards", cov_standards_json(&now->standards), "districts", districts, "trend",
			 trend);
}

static int opt(void *ctx, int code, const char *arg)
{
	*(const char **)ctx = arg; /* --html FILE */
	return 0;
}

static const struct option longopts[] = {
    CLI_OPTION_AT, CLI_OPTION_JSON, {"html", required_argument, NULL, 'H'}, CLI_OPTION_END};
static const cli_cmd report_cmd = {"report", longopts, NULL, help, opt, 0, 0, NULL};
static const cli_forms forms = {report_text, report_json, NULL};

int cmd_report(int argc, char **argv)
{
	cli_args a = {.at = cli_now_ms()};
	const char *html_path = NULL;
	ct_report rep = {0};
	ct_reader *r = NULL;
	int err, rc;
	cli_node n;

	if ((rc = cli_parse(&report_cmd, argc, argv, &a, &html_path)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	rc = EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		cli_fail("report", err, "cannot read the store");
		goto done;
	}
	if ((err = ct_report_compute(&rep, r, a.at)) < 0) {
		fprintf(stderr, "caltrace report: %s\n", ct_error_last());
		goto done;
	}
	if (html_path && report_write_html(&rep, html_path) < 0)
		goto done;
	rc = cli_print_as(a.format, &forms, &rep);
	if (html_path && a.format != CLI_JSON)
		printf("\nwrote %s\n", html_path);
done:
	ct_report_free(&rep);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
