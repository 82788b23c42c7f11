/* caltrace coverage: traceability coverage and inspection rate, at a date or month by month. */
#include <string.h>

#include "caltrace/eval/json.h"
#include "coverage_fmt.h"

static void help(void)
{
	printf("usage: caltrace coverage [--at DATE | --monthly FROM..TO] [--by KEY] [filters] [--json | "
	       "--csv]\n\n"
	       "Over the instruments registered and not retired at DATE (default now):\n"
	       "traceability coverage (valid / registered, suspect counted apart), the\n"
	       "inspection rate (compulsory instruments with a valid verification / compulsory\n"
	       "instruments), public standards by level approved and valid, calibration items\n"
	       "covered, and why the others are not traceable.\n\n"
	       "  --at DATE            the date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)\n"
	       "  --monthly FROM..TO   a trend: at the end of each month, YYYY-MM..YYYY-MM\n"
	       "  --by KEY             group by district, category, catalogue, tier, owner, domain\n"
	       "                       or lab (the lab responsible: a re-keyed lab is one group,\n"
	       "                       named by its first key)\n"
	       "  --district D, --category C, --catalogue ITEM, --owner O, --tier T\n"
	       "                       count only instruments matching (tier: the registrant lab's)\n"
	       "  --threads N          threads sharing the scan (default: the machine's cores)\n"
	       "  --from-entries       read every instrument's entries, not the instrument\n"
	       "                       summary (slower; the same answers: a cross-check)\n"
	       "  --json, --csv        machine-readable output\n");
}

struct opts {
	ct_coverage_query q;
	const char *monthly;
};

/* What the printers see: the options and the coverage at each time. */
struct result {
	const struct opts *o;
	const ct_coverage *c;
	size_t n;
};

static void print_counts_row(const char *label, const ct_coverage_counts *c)
{
	char a[24], b[24];

	cov_pad(stdout, label, 24);
	printf(" %11llu %9llu %9s %8llu %11llu %9llu %9s\n", (unsigned long long)c->registered,
	       (unsigned long long)c->valid, cov_pct(a, c->valid, c->registered),
	       (unsigned long long)c->suspect, (unsigned long long)c->compulsory,
	       (unsigned long long)c->compulsory_valid, cov_pct(b, c->compulsory_valid, c->compulsory));
}

static void print_header(const char *first)
{
	printf("%-24s %11s %9s %9s %8s %11s %9s %9s\n", first, "registered", "valid", "coverage", "suspect",
	       "compulsory", "verified", "inspected");
}

static void print_filter(const ct_coverage_filter *f)
{
	if (f->district)
		printf(", district %s", f->district);
	if (f->category)
		printf(", category %s", f->category);
	if (f->catalogue)
		printf(", catalogue %s", f->catalogue);
	if (f->owner)
		printf(", owner %s", f->owner);
	if (f->tier)
		printf(", tier %s", f->tier);
}

static void print_one(const struct opts *o, const ct_coverage *c)
{
	static const char *const levels[CT_LEVELS] = {"municipal", "district", "working"};
	const ct_coverage_counts *t = &c->total;
	const ct_standards_summary *s = &c->standards;
	char day[32], a[24];
	size_t i;
	int k;

	ct_time_format(day, sizeof(day), c->at);
	printf("coverage at %s", day);
	print_filter(&o->q.filter);
	printf("\n\n");
	printf("  instruments registered      %10llu\n", (unsigned long long)t->registered);
	printf("  traceable (valid)           %10llu  %8s   target >= 95%%\n", (unsigned long long)t->valid,
	       cov_pct(a, t->valid, t->registered));
	printf("  suspect                     %10llu  %8s\n", (unsigned long long)t->suspect,
	       cov_pct(a, t->suspect, t->registered));
	printf("  not traceable (invalid)     %10llu  %8s\n", (unsigned long long)t->invalid,
	       cov_pct(a, t->invalid, t->registered));
	printf("  compulsory instruments      %10llu\n", (unsigned long long)t->compulsory);
	printf("  with a valid verification   %10llu  %8s   inspection rate, target >= 95%%\n",
	       (unsigned long long)t->compulsory_valid, cov_pct(a, t->compulsory_valid, t->compulsory));
	printf("  verified but suspect        %10llu\n", (unsigned long long)t->compulsory_suspect);
	printf("\npublic standards approved and valid (of those registered)\n");
	for (k = 0; k < CT_LEVELS; k++)
		printf("  %-10s %6llu of %llu\n", levels[k], (unsigned long long)s->valid[k],
		       (unsigned long long)s->registered[k]);
	if (s->ndistricts)
		printf("  district standards: %s per district on average over %zu districts\n",
		       cov_div(a, s->valid[CT_LEVEL_DISTRICT], s->ndistricts), s->ndistricts);
	printf("  calibration items (categories covered by valid standards): %llu\n",
	       (unsigned long long)s->items);
	if (t->invalid || t->suspect) {
		printf("\nwhy not (instruments whose chain shows each reason)\n");
		for (i = 0; i < CT_R__COUNT; i++)
			if (t->reasons[i])
				printf("  %-24s %10llu\n", ct_reason_name((ct_reason)i),
				       (unsigned long long)t->reasons[i]);
	}
	if (c->ngroups) {
		printf("\n");
		print_header(ct_group_by_name(o->q.by));
		for (i = 0; i < c->ngroups; i++)
			print_counts_row(*c->groups[i].key ? c->groups[i].key : "(none)",
					 &c->groups[i].counts);
	}
}

static void print_series(const struct opts *o, const ct_coverage *c, size_t n)
{
	char month[16], label[256];
	size_t i, j;

	printf("coverage month by month (at the end of each month)");
	print_filter(&o->q.filter);
	printf("\n\n");
	print_header(o->q.by ? "month / group" : "month");
	for (i = 0; i < n; i++) {
		cov_month(month, c[i].at);
		print_counts_row(month, &c[i].total);
		for (j = 0; j < c[i].ngroups; j++) {
			snprintf(label, sizeof(label), "  %s",
				 *c[i].groups[j].key ? c[i].groups[j].key : "(none)");
			print_counts_row(label, &c[i].groups[j].counts);
		}
	}
}

static void csv_row(const char *when, const char *group, const ct_coverage_counts *c)
{
	char num[32], a[24];

	cli_csv(stdout, when, false);
	cli_csv(stdout, group, false);
#define NUM(v) (snprintf(num, sizeof(num), "%llu", (unsigned long long)(v)), num)
	cli_csv(stdout, NUM(c->registered), false);
	cli_csv(stdout, NUM(c->valid), false);
	cli_csv(stdout, NUM(c->suspect), false);
	cli_csv(stdout, NUM(c->invalid), false);
	cli_csv(stdout, cov_pct_num(a, c->valid, c->registered), false);
	cli_csv(stdout, NUM(c->compulsory), false);
	cli_csv(stdout, NUM(c->compulsory_valid), false);
	cli_csv(stdout, NUM(c->compulsory_suspect), false);
	cli_csv(stdout, cov_pct_num(a, c->compulsory_valid, c->compulsory), true);
#undef NUM
}

static void print_csv(const void *res)
{
	const struct result *r = res;
	const struct opts *o = r->o;
	const ct_coverage *c = r->c;
	size_t n = r->n;
	char when[32];
	size_t i, j;

	printf("%s,group,registered,valid,suspect,invalid,coverage_pct,compulsory,compulsory_valid,"
	       "compulsory_suspect,inspection_pct\n",
	       o->monthly ? "month" : "at");
	for (i = 0; i < n; i++) {
		if (o->monthly)
			cov_month(when, c[i].at);
		else
			ct_time_format(when, sizeof(when), c[i].at);
		csv_row(when, "", &c[i].total);
		for (j = 0; j < c[i].ngroups; j++)
			csv_row(when, *c[i].groups[j].key ? c[i].groups[j].key : "(none)",
				&c[i].groups[j].counts);
	}
}

/* The JSON form is the library's (core/eval/coverage_json.c), which the web API answers with too. */
static json_t *coverage_json(const void *res)
{
	const struct result *r = res;
	json_t *out = NULL;

	ct_coverage_to_json(&out, r->c, r->n, &r->o->q, r->o->monthly != NULL);
	return out;
}

static void print_text(const void *res)
{
	const struct result *r = res;

	if (r->o->monthly)
		print_series(r->o, r->c, r->n);
	else
		print_one(r->o, r->c);
}

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *o = ctx;
	int by;

	switch (code) {
	case 'm':
		o->monthly = arg;
		break;
	case 'b':
		if ((by = ct_group_by_parse(arg)) <= 0)
			return cli_usage_error(
			    "coverage",
			    "--by expects district, category, catalogue, tier, owner, domain or lab, not '%s'",
			    arg);
		o->q.by = (ct_group_by)by;
		break;
	case 'd':
		o->q.filter.district = arg;
		break;
	case 'c':
		o->q.filter.category = arg;
		break;
	case 'C':
		o->q.filter.catalogue = arg;
		break;
	case 'o':
		o->q.filter.owner = arg;
		break;
	case 't':
		o->q.filter.tier = arg;
		break;
	case 'T':
		o->q.threads = (unsigned)strtoul(arg, NULL, 10);
		break;
	case 'E':
		o->q.path = CT_COVERAGE_ENTRIES;
		break;
	}
	return 0;
}

static const struct option longopts[] = {CLI_OPTION_AT,
					 {"monthly", required_argument, NULL, 'm'},
					 {"by", required_argument, NULL, 'b'},
					 {"district", required_argument, NULL, 'd'},
					 {"category", required_argument, NULL, 'c'},
					 {"catalogue", required_argument, NULL, 'C'},
					 {"owner", required_argument, NULL, 'o'},
					 {"tier", required_argument, NULL, 't'},
					 {"threads", required_argument, NULL, 'T'},
					 {"from-entries", no_argument, NULL, 'E'},
					 CLI_OPTION_JSON,
					 CLI_OPTION_CSV,
					 CLI_OPTION_END};
static const cli_cmd coverage_cmd = {"coverage", longopts, NULL, help, opt, 0, 0, NULL};
static const cli_forms forms = {print_text, coverage_json, print_csv};

int cmd_coverage(int argc, char **argv)
{
	cli_args a = {.at = cli_now_ms()};
	struct opts o;
	uint64_t *times = NULL;
	ct_coverage *cov = NULL;
	ct_reader *r = NULL;
	size_t n = 1;
	cli_node node;
	int err, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = cli_parse(&coverage_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (o.monthly ? cov_parse_months("coverage", o.monthly, &times, &n) < 0
		      : !(times = malloc(sizeof(*times))))
		return EXIT_ERR;
	if (!o.monthly)
		times[0] = a.at;
	if (cli_open(&node, CLI_READONLY) != 0) {
		free(times);
		return EXIT_ERR;
	}
	rc = EXIT_ERR;
	if ((err = ct_reader_begin(&r, node.ledger)) < 0 ||
	    (err = ct_coverage_compute(&cov, r, times, n, &o.q)) < 0) {
		cli_fail("coverage", err, "cannot compute coverage");
		goto done;
	}
	rc = cli_print_as(a.format, &forms, &(struct result){&o, cov, n});
done:
	ct_coverage_free(cov, n);
	ct_reader_end(r);
	cli_close(&node);
	free(times);
	return rc;
}
