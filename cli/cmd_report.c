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
	       CT_PLAN_MONTHS);
}

static int gather(struct report *rep, ct_reader *r)
{
	uint8_t digest[CT_HASH_BYTES], network[CT_HASH_BYTES];
	ct_entry g;
	json_t *body = NULL;
	int err;

	if ((err = ct_plan_report_compute(&rep->plan, r, rep->at, 0)) < 0)
		return cli_fail("report", err, "cannot compute coverage");
	if ((err = ct_read_digest(r, digest)) < 0 || (err = ct_read_network(r, network, NULL)) < 0 ||
	    (err = ct_read_entry_by_hash(r, network, &g)) < 0 ||
	    (err = ct_body_to_json(&body, CT_EV_NETWORK_GENESIS, g.body, g.body_len)) < 0)
		return cli_fail("report", err, "cannot read the network");
	ct_hex(rep->digest, digest, CT_HASH_BYTES);
	rep->network = strdup(json_string_value(json_object_get(body, "name")));
	json_decref(body);
	return 0;
}

static void print_text(const struct report *rep)
{
	const ct_coverage *now = &rep->plan->series[rep->plan->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	static const ct_coverage_counts none;
	char day[32], v[32], t16[32], t20[32], a[24], b[24], month[16];
	size_t i;

	ct_time_format(day, sizeof(day), rep->at);
	printf("%s: legal metrology at %s\nstate digest %s\n\n", rep->network, day, rep->digest);
	printf("%-66s %10s %10s %10s  %s\n", "indicator", "city", "2016", "2020", "");
	for (i = 0; i < CT_PLAN_INDICATORS; i++) {
		const ct_indicator *in = &rep->plan->ind[i];
		printf("%-66s %10s %10s %10s  %s\n", in->name, ct_indicator_value(v, in),
		       ct_indicator_target(t16, in, in->target_2016), ct_indicator_target(t20, in, in->target_2020),
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
	for (i = 0; i + 1 < rep->plan->nseries; i++) {
		const ct_coverage_counts *c = &rep->plan->series[i].total;
		printf("%-8s %11llu %9s %10s\n", cov_month(month, rep->plan->series[i].at),
		       (unsigned long long)c->registered, cov_pct(a, c->valid, c->registered),
		       cov_pct(b, c->compulsory_valid, c->compulsory));
	}
}

static int print_json(const struct report *rep)
{
	const ct_coverage *now = &rep->plan->series[rep->plan->nseries - 1];
	json_t *inds = json_array(), *districts = json_array(), *trend = json_array(), *o;
	char day[32], v[32], month[16];
	size_t i;
	int rc;

	for (i = 0; i < CT_PLAN_INDICATORS; i++) {
		const ct_indicator *in = &rep->plan->ind[i];
		json_array_append_new(
		    inds, json_pack("{s:s, s:s, s:o, s:o, s:s}", "indicator", in->name, "value",
				    ct_indicator_value(v, in), "target_2016",
				    in->target_2016 ? json_real((double)in->target_2016 / 100) : json_null(),
				    "target_2020", json_real((double)in->target_2020 / 100), "status",
				    ct_indicator_status_name(in->status)));
	}
	for (i = 0; i < now->standards.ndistricts; i++) {
		const ct_coverage_counts *c = ct_coverage_group_counts(now, now->standards.districts[i].district);
		ct_coverage_counts zero;
		memset(&zero, 0, sizeof(zero));
		o = cov_counts_json(c ? c : &zero);
		json_object_set_new(o, "district", json_string(now->standards.districts[i].district));
		json_object_set_new(o, "district_standards_valid",
				    json_integer((json_int_t)now->standards.districts[i].valid));
		json_array_append_new(districts, o);
	}
	for (i = 0; i + 1 < rep->plan->nseries; i++) {
		o = cov_counts_json(&rep->plan->series[i].total);
		json_object_set_new(o, "month", json_string(cov_month(month, rep->plan->series[i].at)));
		json_array_append_new(trend, o);
	}
	ct_time_format(day, sizeof(day), rep->at);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "network", rep->network, "at", day,
		      "digest", rep->digest, "indicators", inds, "total", cov_counts_json(&now->total),
		      "standards", cov_standards_json(&now->standards), "districts", districts, "trend",
		      trend);
	rc = cli_print_json(o);
	json_decref(o);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {{"at", required_argument, NULL, 'a'},
						 {"json", no_argument, NULL, 'j'},
						 {"html", required_argument, NULL, 'H'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct report rep;
	const char *html = NULL;
	bool json_out = false;
	ct_reader *r = NULL;
	int c, err, rc = EXIT_ERR;
	cli_node n;

	memset(&rep, 0, sizeof(rep));
	rep.at = cli_now_ms();
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_time("report", "--at", optarg, &rep.at) < 0)
				return EXIT_ERR;
			break;
		case 'j':
			json_out = true;
			break;
		case 'H':
			html = optarg;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("report", "bad usage");
		}
	}
	if (optind != argc)
		return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		cli_fail("report", err, "cannot read the store");
		goto done;
	}
	if (gather(&rep, r) != 0)
		goto done;
	if (html && report_write_html(&rep, html) < 0)
		goto done;
	rc = EXIT_OK;
	if (json_out)
		rc = print_json(&rep);
	else
		print_text(&rep);
	if (html && !json_out)
		printf("\nwrote %s\n", html);
done:
	free(rep.network);
	ct_plan_report_free(rep.plan);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
