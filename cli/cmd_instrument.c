/* caltrace instrument register|retire: a working instrument's filing and retirement. */
#include <string.h>

#include "event_cmd.h"

static const struct ev_opt register_opts[] = {
	{"category", "category", EV_STR, EV_REQUIRED, "C", "measurement category"},
	{"district", "district", EV_STR, EV_REQUIRED, "D", "where it is used"},
	{"owner", "owner", EV_STR, EV_REQUIRED, "O", "who owns it"},
	{"catalogue", "catalogue", EV_STR, 0, "ITEM", "compulsory-verification catalogue item"},
	{"domain", "domain", EV_STR, 0, "D", "trade, safety, medical, environment, ..."},
	{"mpe-rel-ppm", "mpe", EV_QTY_REL, 0, "N", "maximum permissible error, relative, in ppm"},
	{"mpe-abs", "mpe", EV_QTY_ABS, 0, "X", "maximum permissible error, absolute (with --unit)"},
	{"unit", "mpe", EV_QTY_UNIT, 0, "U", "unit of --mpe-abs"},
	{"model", "model", EV_STR, 0, "M", "model"},
	{"serial", "serial", EV_STR, 0, "S", "serial number"},
};

static const struct ev_opt retire_opts[] = {
	{"effective", "effective", EV_TIME, EV_DEFAULT_NOW, "DATE", "out of use from"},
};

static int need_mpe(struct ev_ctx *ctx)
{
	if (!json_object_get(ctx->fields, "mpe"))
		return cli_usage_error(ctx->cmd->name, "give the MPE: --mpe-rel-ppm N or --mpe-abs X --unit U");
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ev_cmd subcommands[] = {
	{"instrument register", "instrument.register", "id", EV_STR, "ID",
	 "Registers (files) a working instrument.", register_opts, N(register_opts), need_mpe},
	{"instrument retire", "instrument.retire", "id", EV_STR, "ID", "Retires an instrument.", retire_opts,
	 N(retire_opts), NULL},
};

int cmd_instrument(int argc, char **argv)
{
	size_t i;

	if (argc >= 2)
		for (i = 0; i < N(subcommands); i++)
			if (strcmp(argv[1], subcommands[i].name + strlen("instrument ")) == 0)
				return ev_cmd_run(&subcommands[i], argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: caltrace instrument <register|retire> ID [options]\n\n");
		for (i = 0; i < N(subcommands); i++)
			printf("  %-22s %s\n", subcommands[i].name, subcommands[i].summary);
		return EXIT_OK;
	}
	fprintf(stderr, "caltrace instrument: expected register or retire (caltrace instrument --help)\n");
	return EXIT_ERR;
}
