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
	       REPORT_MONTHS);
}

const char *report_status(int status)
{
	switch (status) {
	case 2:
		return "meets the 2020 target";
	case 1:
		return "meets the 2016 target";
	case 0:
		return "below target";
	default:
		return "no data";
	}
}

const char *report_value(char out[32], const struct indicator *in)
{
	char v[24];

	if (in->den == 0)
		snprintf(out, 32, "-");
	else if (in->unit[0] == '%')
		snprintf(out, 32, "%s", cov_pct(v, in->num, in->den));
	else if (in->den == 1)
		snprintf(out, 32, "%llu", (unsigned long long)in->num);
	else
		snprintf(out, 32, "%s", cov_div(v, in->num, in->den));
	return out;
}

const char *report_target(char out[32], const struct indicator *in, uint64_t hundredths)
{
	if (!hundredths)
		snprintf(out, 32, "-");
	else if (in->unit[0] == '%')
		snprintf(out, 32, ">= %llu%%", (unsigned long long)(hundredths / 100));
	else
		snprintf(out, 32, "%llu", (unsigned long long)(hundredths / 100));
	return out;
}

/* value >= target, both as fractions: num / den >= t / 100 (t in hundredths of a unit or percent). */
static bool meets(const struct indicator *in, uint64_t t)
{
	unsigned __int128 lhs = (unsigned __int128)in->num * (in->unit[0] == '%' ? 10000 : 100);

	return t && in->den && lhs >= (unsigned __int128)t * in->den;
}

static void judge(struct indicator *in)
{
	if (in->den == 0)
		in->status = -1;
	else
		in->status = meets(in, in->target_2020) ? 2 : meets(in, in->target_2016) ? 1 : 0;
}

static void set(struct indicator *in, const char *name, const char *unit, uint64_t num, uint64_t den,
		uint64_t t16, uint64_t t20)
{
	in->name = name;
	in->unit = unit;
	in->num = num;
	in->den = den;
	in->target_2016 = t16;
	in->target_2020 = t20;
	judge(in);
}

/* Medical and environmental instruments: the plan's third rate. */
static void special_rate(const ct_coverage *d, uint64_t *num, uint64_t *den)
{
	size_t i;

	*num = *den = 0;
	for (i = 0; i < d->ngroups; i++)
		if (strcmp(d->groups[i].key, "medical") == 0 ||
		    strcmp(d->groups[i].key, "environment") == 0) {
			*num += d->groups[i].counts.compulsory_valid;
			*den += d->groups[i].counts.compulsory;
		}
}

static void indicators(struct report *rep)
{
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	uint64_t num, den;

	set(&rep->ind[0], "municipal public measurement standards", "", s->valid[CT_LEVEL_MUNICIPAL], 1,
	    10000, 12000);
	set(&rep->ind[1], "district public standards, average per district", "", s->valid[CT_LEVEL_DISTRICT],
	    s->ndistricts, 2000, 2500);
	set(&rep->ind[2], "calibration/verification items (categories)", "", s->items, 1, 0, 41000);
	set(&rep->ind[3], "traceability-system coverage", "%", now->total.valid, now->total.registered, 0,
	    9500);
	set(&rep->ind[4], "inspection rate of compulsory instruments", "%", now->total.compulsory_valid,
	    now->total.compulsory, 0, 9500);
	special_rate(rep->domains, &num, &den);
	set(&rep->ind[5], "compulsory verification of medical and environmental instruments", "%", num, den,
	    0, 9500);
}

static int gather(struct report *rep, ct_reader *r)
{
	uint64_t times[REPORT_MONTHS + 1];
	ct_coverage_query q;
	uint8_t digest[CT_HASH_BYTES], network[CT_HASH_BYTES];
	ct_entry g;
	json_t *body = NULL;
	uint64_t end = rep->at;
	size_t i;
	int err;

	/* The ends of the twelve months before the month of `at`, then `at` itself. */
	for (i = REPORT_MONTHS; i-- > 0;) {
		char day[32];
		int y, m;
		ct_time_format(day, sizeof(day), end);
		sscanf(day, "%4d-%2d", &y, &m);
		snprintf(day, sizeof(day), "%04d-%02d-01", y, m);
		ct_time_parse(&end, day);
		end -= 1; /* the last millisecond of the previous month */
		times[i] = end;
	}
	times[REPORT_MONTHS] = rep->at;
	memset(&q, 0, sizeof(q));
	q.by = CT_BY_DISTRICT;
	if ((err = ct_coverage_compute(&rep->series, r, times, REPORT_MONTHS + 1, &q)) < 0)
		return cli_fail("report", err, "cannot compute coverage");
	rep->nseries = REPORT_MONTHS + 1;
	q.by = CT_BY_DOMAIN;
	if ((err = ct_coverage_compute(&rep->domains, r, &rep->at, 1, &q)) < 0)
		return cli_fail("report", err, "cannot compute coverage by domain");
	if ((err = ct_read_digest(r, digest)) < 0 || (err = ct_read_network(r, network, NULL)) < 0 ||
	    (err = ct_read_entry_by_hash(r, network, &g)) < 0 ||
	    (err = ct_body_to_json(&body, CT_EV_NETWORK_GENESIS, g.body, g.body_len)) < 0)
		return cli_fail("report", err, "cannot read the network");
	ct_hex(rep->digest, digest, CT_HASH_BYTES);
	rep->network = strdup(json_string_value(json_object_get(body, "name")));
	json_decref(body);
	indicators(rep);
	return 0;
}

static const ct_coverage_counts *district_counts(const ct_coverage *c, const char *district)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].key, district) == 0)
			return &c->groups[i].counts;
	return NULL;
}

static void print_text(const struct report *rep)
{
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	const ct_standards_summary *s = &now->standards;
	static const ct_coverage_counts none;
	char day[32], v[32], t16[32], t20[32], a[24], b[24], month[16];
	size_t i;

	ct_time_format(day, sizeof(day), rep->at);
	printf("%s: legal metrology at %s\nstate digest %s\n\n", rep->network, day, rep->digest);
	printf("%-66s %10s %10s %10s  %s\n", "indicator", "city", "2016", "2020", "");
	for (i = 0; i < REPORT_INDICATORS; i++) {
		const struct indicator *in = &rep->ind[i];
		printf("%-66s %10s %10s %10s  %s\n", in->name, report_value(v, in),
		       report_target(t16, in, in->target_2016), report_target(t20, in, in->target_2020),
		       report_status(in->status));
	}
	printf("\n%-16s %11s %9s %11s %11s %19s\n", "district", "instruments", "coverage", "compulsory",
	       "inspection", "district standards");
	for (i = 0; i < s->ndistricts; i++) {
		const ct_coverage_counts *c = district_counts(now, s->districts[i].district);
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

static int print_json(const struct report *rep)
{
	const ct_coverage *now = &rep->series[rep->nseries - 1];
	json_t *inds = json_array(), *districts = json_array(), *trend = json_array(), *o;
	char day[32], v[32], month[16];
	size_t i;
	int rc;

	for (i = 0; i < REPORT_INDICATORS; i++) {
		const struct indicator *in = &rep->ind[i];
		json_array_append_new(
		    inds, json_pack("{s:s, s:s, s:o, s:o, s:s}", "indicator", in->name, "value",
				    report_value(v, in), "target_2016",
				    in->target_2016 ? json_real((double)in->target_2016 / 100) : json_null(),
				    "target_2020", json_real((double)in->target_2020 / 100), "status",
				    report_status(in->status)));
	}
	for (i = 0; i < now->standards.ndistricts; i++) {
		const ct_coverage_counts *c = district_counts(now, now->standards.districts[i].district);
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
	ct_coverage_free(rep.series, rep.nseries);
	ct_coverage_free(rep.domains, 1);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
