/* caltrace revoke-cal: a lab revokes one of its own calibrations. */
#include "event_cmd.h"

static const struct ev_opt opts[] = {
	{"reason", "reason", EV_STR, EV_REQUIRED, "TEXT", "why"},
};

static const struct ev_cmd revoke_cal = {
	"revoke-cal", "calibration.revoke", "entry", EV_HEX32, "HASH",
	"Revokes the calibration entry HASH (only its author may).",
	opts, sizeof(opts) / sizeof(opts[0]), NULL,
};

int cmd_revoke_cal(int argc, char **argv)
{
	return ev_cmd_run(&revoke_cal, argc, argv);
}
