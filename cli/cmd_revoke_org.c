/* caltrace revoke-org: the bureau revokes an organisation's admission. */
#include "event_cmd.h"

static const struct ev_opt opts[] = {
	{"effective", "effective", EV_TIME, EV_DEFAULT_NOW, "DATE", "revoked from"},
	{"reason", "reason", EV_STR, EV_REQUIRED, "TEXT", "why"},
};

static const struct ev_cmd revoke_org = {
	"revoke-org", "org.revoke", "key", EV_HEX32, "KEY",
	"Revokes the admission of the organisation with node key KEY.",
	opts, sizeof(opts) / sizeof(opts[0]), NULL,
};

int cmd_revoke_org(int argc, char **argv)
{
	return ev_cmd_run(&revoke_org, argc, argv);
}
