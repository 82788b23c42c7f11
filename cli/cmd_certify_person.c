/* caltrace certify-person: the bureau certifies a registered metrologist. */
#include "event_cmd.h"

static const struct ev_opt opts[] = {
	{"name", "name", EV_STR, EV_REQUIRED, "NAME", "the person's name"},
	{"scope", "scope", EV_LIST, EV_REQUIRED, "CAT,...", "categories the certificate covers"},
	{"until", "valid_until", EV_TIME, EV_REQUIRED, "DATE", "certificate valid until"},
};

static const struct ev_cmd certify = {
	"certify-person", "person.certify", "person", EV_STR, "ID",
	"Certifies the metrologist whose certificate number is ID.",
	opts, sizeof(opts) / sizeof(opts[0]), NULL,
};

int cmd_certify_person(int argc, char **argv)
{
	return ev_cmd_run(&certify, argc, argv);
}
