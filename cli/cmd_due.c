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

/* What the printers see. */
struct result {
	const ct_due *d;
	const ct_due_query *q;
};

static void print_text(const void *res)
{
	const ct_due *d = ((const struct result *)res)->d;
	const ct_due_query *q = ((const struct result *)res)->q;
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

static void print_csv(const void *res)
{
	const ct_due *d = ((const struct result *)res)->d;
	char until[32], days[24], lab[65], cal[65];
	size_t i;

	printf("state,id,district,owner,category,catalogue,compulsory,lab,lab_key,calibration,valid_until,"
	       "days\n");
	for (i = 0; i < d->count; i++) {
		const ct_due_item *it = &d->items[i];
		fields(it, until, days, lab, cal);
		cli_csv(stdout, ct_due_state_name(it->state), false);
		cli_csv(stdout, it->id, false);
		cli_csv(stdout, it->district, false);
		cli_csv(stdout, it->owner, false);
		cli_csv(stdout, it->category, false);
		cli_csv(stdout, it->catalogue, false);
		cli_csv(stdout, it->compulsory ? "yes" : "no", false);
		cli_csv(stdout, it->lab_name, false);
		cli_csv(stdout, lab, false);
		cli_csv(stdout, cal, false);
		cli_csv(stdout, until, false);
		cli_csv(stdout, days, true);
	}
}

/* The JSON form is the library's (core/eval/coverage_json.c), which the web API answers with too. */
static json_t *due_json(const void *res)
{
	const struct result *r = res;
	json_t *o = NULL;

	ct_due_to_json(&o, r->d, r->q, 0, SIZE_MAX);
	return o;
}

static int opt(void *ctx, int code, const char *arg)
{
	ct_due_query *q = ctx;
	char *end;

	switch (code) {
	case 'w':
		q->within_days = strtoull(arg, &end, 10);
		if (!*arg || *end || *arg == '-')
			return cli_usage_error("due", "--within expects a number of days, not '%s'", arg);
		break;
	case 'o':
		q->overdue_only = true;
		break;
	case 'l':
		if (cli_parse_hex32("due", "--lab", arg, q->lab) < 0)
			return EXIT_ERR;
		q->has_lab = true;
		break;
	case 'd':
		q->district = arg;
		break;
	}
	return 0;
}

static const struct option longopts[] = {CLI_OPTION_AT,
					 {"within", required_argument, NULL, 'w'},
					 {"overdue", no_argument, NULL, 'o'},
					 {"lab", required_argument, NULL, 'l'},
					 {"district", required_argument, NULL, 'd'},
					 CLI_OPTION_JSON,
					 CLI_OPTION_CSV,
					 CLI_OPTION_END};
static const cli_cmd due_cmd = {"due", longopts, NULL, help, opt, 0, 0, NULL};
static const cli_forms forms = {print_text, due_json, print_csv};

int cmd_due(int argc, char **argv)
{
	cli_args a = {.at = cli_now_ms()};
	ct_due_query q;
	ct_reader *r = NULL;
	ct_due *d = NULL;
	int err, rc;
	cli_node n;

	memset(&q, 0, sizeof(q));
	q.within_days = 30;
	if ((rc = cli_parse(&due_cmd, argc, argv, &a, &q)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	q.at = a.at;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_due_list(&d, r, &q)) < 0) {
		rc = cli_fail("due", err, "cannot list due instruments");
		goto done;
	}
	rc = cli_print_as(a.format, &forms, &(struct result){d, &q});
done:
	ct_due_free(d);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
