/* caltrace admit: the bureau admits a lab (or an inspector) by its key. */
#include "event_cmd.h"

static const struct ev_opt opts[] = {
	{"name", "name", EV_STR, EV_REQUIRED, "NAME", "the organisation's name"},
	{"tier", "tier", EV_STR, EV_REQUIRED, "TIER", "city, district, authorized, enterprise or inspector"},
	{"district", "district", EV_STR, 0, "D", "its district"},
	{"scope", "scope", EV_LIST, EV_REQUIRED, "CAT,...", "categories it may calibrate"},
	{"from", "valid_from", EV_TIME, EV_DEFAULT_NOW, "DATE", "admitted from"},
	{"until", "valid_until", EV_TIME, EV_REQUIRED, "DATE", "admitted until"},
};

static const struct ev_cmd admit = {
	"admit", "org.admit", "key", EV_HEX32, "KEY",
	"Admits the organisation whose node key is KEY (64 hex digits, `caltrace key` on its node).",
	opts, sizeof(opts) / sizeof(opts[0]), NULL,
};

int cmd_admit(int argc, char **argv)
{
	return ev_cmd_run(&admit, argc, argv);
}
