/* caltrace genesis: the bureau founds the network (its feed's first entry). */
#include <string.h>

#include "event_cmd.h"

enum { OPT_NAME, OPT_DISTRICT, OPT_MIN_RATIO, OPT_GRACE };

static const struct ev_opt opts[] = {
	[OPT_NAME] = {"network", "name", EV_STR, EV_REQUIRED, "NAME", "the network's name, e.g. the city"},
	[OPT_DISTRICT] = {"district", "districts", EV_LIST, EV_REQUIRED, "NAME,...",
			  "the city's districts (repeat or comma-separate)"},
	[OPT_MIN_RATIO] = {"min-ratio", NULL, EV_CUSTOM, 0, "N",
			   "a standard must be N times more accurate than the MPE it checks (default 3)"},
	[OPT_GRACE] = {"grace-days", NULL, EV_CUSTOM, 0, "N",
		       "days a calibration stays valid after valid_until (default 0)"},
};

static int finish(struct ev_ctx *ctx)
{
	json_t *policy = json_object();
	json_int_t ratio = 3, grace = 0;
	char *end;

	if (ctx->raw[OPT_MIN_RATIO]) {
		ratio = strtoll(ctx->raw[OPT_MIN_RATIO], &end, 10);
		if (*end || ratio < 1) {
			json_decref(policy);
			return cli_usage_error("genesis", "--min-ratio must be a whole number >= 1");
		}
	}
	if (ctx->raw[OPT_GRACE]) {
		grace = strtoll(ctx->raw[OPT_GRACE], &end, 10);
		if (*end || grace < 0) {
			json_decref(policy);
			return cli_usage_error("genesis", "--grace-days must be a whole number >= 0");
		}
	}
	json_object_set_new(policy, "min_ratio", json_integer(ratio));
	json_object_set_new(policy, "grace_days", json_integer(grace));
	json_object_set_new(ctx->fields, "policy", policy);
	return 0;
}

static const struct ev_cmd genesis = {
	"genesis", "network.genesis", NULL, EV_STR, NULL,
	"Founds the network: the bureau's first entry. Its hash is the network id.",
	opts, sizeof(opts) / sizeof(opts[0]), finish,
};

int cmd_genesis(int argc, char **argv)
{
	return ev_cmd_run(&genesis, argc, argv);
}
