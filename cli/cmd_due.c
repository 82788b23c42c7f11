/* caltrace due: instruments due for recalibration within N days, or overdue. */
#include <string.h>

#include "caltrace/eval/json.h"
#include "coverage_fmt.h"

static void help(void)
{
	printf("usage: caltrace due [--at DATE] [--within DAYS] [--overdue] [--lab KEY] [--district D]\n"
	       "                    [--json | --csv]\n\n"
	       "Lists the registered instruments never calibrated, whose latest calibration failed\n"
	       "or ran out (overdue), and those whose calibration runs out within DAYS (due), for\n"
	       "a lab to plan its work. The responsible lab is the latest calibration's author,\n"
	       "else the lab that registered the instrument.\n\n"
	       "  --at DATE        the date (default now)\n"
	       "  --within DAYS    the window for 'due' (default 30)\n"
	       "  --overdue        only never calibrated, failed and overdue instruments\n"
	       "  --lab KEY        only those this lab (64 hex digits) is responsible for\n"
	       "  --district D     only this district\n"
	       "  --json, --csv    machine-readable output\n");
}

static void fields(const ct_due_item *it, char until[32], char days[24], char lab[65], char cal[65])
{
	ct_hex(lab, it->lab, CT_KEY_BYTES);
	if (it->has_calibration) {
		ct_time_format(until, 32, it->valid_until);
		ct_hex(cal, it->calibration, CT_HASH_BYTES);
	} else {
		snprintf(until, 32, "-");
		cal[0] = '\0';
	}
	if (it->state == CT_DUE_OVERDUE || it->state == CT_DUE_SOON)
		snprintf(days, 24, "%lld", (long long)it->days);
	else
		snprintf(days, 24, "-");
}

static void print_text(const ct_due *d, const ct_due_query *q)
{
	size_t counts[CT_DUE_SOON + 1] = {0}, i;
	char at[32], until[32], days[24], lab[65], cal[65];

	for (i = 0; i < d->count; i++)
		counts[d->items[i].state]++;
	ct_time_format(at, sizeof(at), q->at);
	printf("at %s: %zu never calibrated, %zu failed, %zu overdue", at, counts[CT_DUE_NEVER],
	       counts[CT_DUE_FAILED], counts[CT_DUE_OVERDUE]);
	if (!q->overdue_only)
		printf(", %zu due within %llu days", counts[CT_DUE_SOON], (unsigned long long)q->within_days);
	printf("\n");
	if (!d->count)
		return;
	printf("\n%-8s %-20s %-12s %-20s %-10s %-3s %-24s %-11s %5s\n", "state", "id", "district", "owner",
	       "category", "cmp", "lab", "valid until", "days");
	for (i = 0; i < d->count; i++) {
		const ct_due_item *it = &d->items[i];
		fields(it, until, days, lab, cal);
		printf("%-8s ", ct_due_state_name(it->state));
		cov_pad(stdout, it->id, 20);
		putchar(' ');
		cov_pad(stdout, it->district, 12);
		putchar(' ');
		cov_pad(stdout, it->owner, 20);
		putchar(' ');
		cov_pad(stdout, it->category, 10);
		printf(" %-3s ", it->compulsory ? "yes" : "no");
		cov_pad(stdout, it->lab_name ? it->lab_name : lab, 24);
		printf(" %-11s %5s\n", until, days);
	}
}

static void print_csv(const ct_due *d)
{
	char until[32], days[24], lab[65], cal[65];
	size_t i;

	printf("state,id,district,owner,category,catalogue,compulsory,lab,lab_key,calibration,valid_until,"
	       "days\n");
	for (i = 0; i < d->count; i++) {
		const ct_due_item *it = &d->items[i];
		fields(it, until, days, lab, cal);
		cov_csv(stdout, ct_due_state_name(it->state), false);
		cov_csv(stdout, it->id, false);
		cov_csv(stdout, it->district, false);
		cov_csv(stdout, it->owner, false);
		cov_csv(stdout, it->category, false);
		cov_csv(stdout, it->catalogue, false);
		cov_csv(stdout, it->compulsory ? "yes" : "no", false);
		cov_csv(stdout, it->lab_name, false);
		cov_csv(stdout, lab, false);
		cov_csv(stdout, cal, false);
		cov_csv(stdout, until, false);
		cov_csv(stdout, days, true);
	}
}

static int print_json(const ct_due *d, const ct_due_query *q)
{
	json_t *o = NULL;
	int err, rc;

	if ((err = ct_due_to_json(&o, d, q, 0, SIZE_MAX)) < 0)
		return cli_fail("due", err, "cannot write JSON");
	rc = cli_print_json(o);
	json_decref(o);
	return rc;
}

int cmd_due(int argc, char **argv)
{
	static const struct option longopts[] = {{"at", required_argument, NULL, 'a'},
						 {"within", required_argument, NULL, 'w'},
						 {"overdue", no_argument, NULL, 'o'},
						 {"lab", required_argument, NULL, 'l'},
						 {"district", required_argument, NULL, 'd'},
						 {"json", no_argument, NULL, 'j'},
						 {"csv", no_argument, NULL, 'c'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	ct_due_query q;
	ct_reader *r = NULL;
	ct_due *d = NULL;
	char *end;
	int c, err, format = 't', rc = EXIT_ERR;
	cli_node n;

	memset(&q, 0, sizeof(q));
	q.at = cli_now_ms();
	q.within_days = 30;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_time("due", "--at", optarg, &q.at) < 0)
				return EXIT_ERR;
			break;
		case 'w':
			q.within_days = strtoull(optarg, &end, 10);
			if (!*optarg || *end || *optarg == '-')
				return cli_usage_error("due", "--within expects a number of days, not '%s'",
						       optarg);
			break;
		case 'o':
			q.overdue_only = true;
			break;
		case 'l':
			if (cli_parse_hex32("due", "--lab", optarg, q.lab) < 0)
				return EXIT_ERR;
			q.has_lab = true;
			break;
		case 'd':
			q.district = optarg;
			break;
		case 'j':
		case 'c':
			format = c;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("due", "bad usage");
		}
	}
	if (optind != argc)
		return cli_usage_error("due", "unexpected argument '%s'", argv[optind]);
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_due_list(&d, r, &q)) < 0) {
		rc = cli_fail("due", err, "cannot list due instruments");
		goto done;
	}
	rc = EXIT_OK;
	if (format == 'j')
		rc = print_json(d, &q);
	else if (format == 'c')
		print_csv(d);
	else
		print_text(d, &q);
done:
	ct_due_free(d);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
