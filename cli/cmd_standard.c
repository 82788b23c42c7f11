/* caltrace standard register|approve|anchor|oot: a measurement standard's life. */
#include <string.h>

#include "event_cmd.h"

static const struct ev_opt register_opts[] = {
	{"name", "name", EV_STR, EV_REQUIRED, "NAME", "what it is"},
	{"category", "category", EV_STR, EV_REQUIRED, "C", "measurement category (mass, pressure, ...)"},
	{"level", "level", EV_STR, EV_REQUIRED, "LEVEL", "municipal, district or working"},
	{"public", "public", EV_TRUE, 0, NULL, "a public (social) standard: needs the bureau's approval"},
	{"u-rel-ppm", "u", EV_QTY_REL, 0, "N", "expanded uncertainty, relative, in ppm"},
	{"u-abs", "u", EV_QTY_ABS, 0, "X", "expanded uncertainty, absolute (with --unit)"},
	{"unit", "u", EV_QTY_UNIT, 0, "U", "unit of --u-abs"},
	{"range", "range", EV_STR, 0, "TEXT", "measuring range"},
};

static const struct ev_opt approve_opts[] = {
	{"certificate", "certificate", EV_STR, EV_REQUIRED, "NO", "standard-examination certificate number"},
	{"from", "valid_from", EV_TIME, EV_REQUIRED, "DATE", "valid from"},
	{"until", "valid_until", EV_TIME, EV_REQUIRED, "DATE", "valid until"},
};

static const struct ev_opt anchor_opts[] = {
	{"provider", "provider", EV_STR, EV_REQUIRED, "NAME", "who calibrated it, e.g. the provincial institute"},
	{"certificate", "certificate", EV_STR, EV_REQUIRED, "NO", "calibration certificate number"},
	{"performed", "performed_at", EV_TIME, EV_REQUIRED, "DATE", "when"},
	{"until", "valid_until", EV_TIME, EV_REQUIRED, "DATE", "valid until"},
	{"u-rel-ppm", "u", EV_QTY_REL, 0, "N", "expanded uncertainty, relative, in ppm"},
	{"u-abs", "u", EV_QTY_ABS, 0, "X", "expanded uncertainty, absolute (with --unit)"},
	{"unit", "u", EV_QTY_UNIT, 0, "U", "unit of --u-abs"},
	{"document", "document", EV_FILEHASH, 0, "FILE", "the certificate file (its SHA-256 is recorded)"},
};

static const struct ev_opt oot_opts[] = {
	{"since", "since", EV_TIME, EV_REQUIRED, "DATE", "out of tolerance since"},
	{"reason", "reason", EV_STR, EV_REQUIRED, "TEXT", "what was found"},
};

/* The uncertainty is required in one of its two forms. */
static int need_u(struct ev_ctx *ctx)
{
	if (!json_object_get(ctx->fields, "u"))
		return cli_usage_error(ctx->cmd->name, "give the uncertainty: --u-rel-ppm N or --u-abs X --unit U");
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ev_cmd subcommands[] = {
	{"standard register", "standard.register", "id", EV_STR, "ID", "Registers a standard this lab holds.",
	 register_opts, N(register_opts), need_u},
	{"standard approve", "standard.approve", "id", EV_STR, "ID",
	 "Records the standard's examination certificate (bureau).", approve_opts, N(approve_opts), NULL},
	{"standard anchor", "standard.anchor", "id", EV_STR, "ID",
	 "Records a calibration of the standard from outside the city: a root of traceability (bureau).",
	 anchor_opts, N(anchor_opts), need_u},
	{"standard oot", "standard.out_of_tolerance", "id", EV_STR, "ID",
	 "Declares the standard out of tolerance: what it calibrated since then turns suspect.", oot_opts,
	 N(oot_opts), NULL},
};

int cmd_standard(int argc, char **argv)
{
	size_t i;

	if (argc >= 2)
		for (i = 0; i < N(subcommands); i++)
			if (strcmp(argv[1], subcommands[i].name + strlen("standard ")) == 0)
				return ev_cmd_run(&subcommands[i], argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: caltrace standard <register|approve|anchor|oot> ID [options]\n\n");
		for (i = 0; i < N(subcommands); i++)
			printf("  %-20s %s\n", subcommands[i].name, subcommands[i].summary);
		return EXIT_OK;
	}
	fprintf(stderr, "caltrace standard: expected register, approve, anchor or oot (caltrace standard --help)\n");
	return EXIT_ERR;
}
