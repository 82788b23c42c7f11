/* What every command's argument parsing shares: getopt_long, --help, usage errors, output forms. */
#include <string.h>

#include "caltrace/eval/trace.h"
#include "caltrace/records/records.h"
#include "cli.h"

#define CLI_MAX_OPTS 40

int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a, void *ctx)
{
	struct option all[CLI_MAX_OPTS + 2];
	char shortopts[32];
	size_t n = 0;
	int c, rc;

	while (cmd->opts && cmd->opts[n].name) {
		if (n == CLI_MAX_OPTS)
			return cli_usage_error(cmd->name, "too many options"); /* a programming error */
		all[n] = cmd->opts[n];
		n++;
	}
	all[n++] = (struct option){"help", no_argument, NULL, 'h'};
	all[n] = (struct option){NULL, 0, NULL, 0};
	snprintf(shortopts, sizeof(shortopts), "h%s", cmd->shortopts ? cmd->shortopts : "");
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		switch (c) {
		case 'h':
			cmd->help();
			return -1;
		case CLI_OPT_AT:
			if (cli_parse_time(cmd->name, "--at", optarg, &a->at) < 0)
				return EXIT_ERR;
			break;
		case CLI_OPT_JSON:
			a->format = CLI_JSON;
			break;
		case CLI_OPT_CSV:
			a->format = CLI_CSV;
			break;
		case CLI_OPT_STANDARD:
			a->ns = CT_NS_STANDARD;
			break;
		case CLI_OPT_INSTRUMENT:
			a->ns = CT_NS_INSTRUMENT;
			break;
		case '?':
		case ':':
			return cli_usage_error(cmd->name, "bad usage");
		default:
			if (!cmd->opt)
				return cli_usage_error(cmd->name, "bad usage");
			if ((rc = cmd->opt(ctx, c, optarg)) != 0)
				return rc;
		}
	}
	a->args = argv + optind;
	a->nargs = argc - optind;
	if (a->nargs < cmd->min_args || a->nargs > cmd->max_args) {
		if (cmd->args_usage)
			return cli_usage_error(cmd->name, "%s", cmd->args_usage);
		return cli_usage_error(cmd->name, "unexpected argument '%s'", argv[optind]);
	}
	return 0;
}

int cli_print_as(cli_format f, const cli_forms *forms, const void *res)
{
	json_t *doc;
	int rc;

	if (f == CLI_JSON && forms->json) {
		if (!(doc = forms->json(res))) {
			fprintf(stderr, "caltrace: cannot build the JSON output\n");
			return EXIT_ERR;
		}
		rc = cli_print_json(doc);
		json_decref(doc);
		return rc;
	}
	if (f == CLI_CSV && forms->csv)
		forms->csv(res);
	else if (forms->text)
		forms->text(res);
	return EXIT_OK;
}

json_t *cli_json_itself(const void *doc)
{
	return json_incref((json_t *)doc);
}

void cli_csv(FILE *f, const char *s, bool last)
{
	ct_records_csv_cell(f, s);
	fputc(last ? '\n' : ',', f);
}
