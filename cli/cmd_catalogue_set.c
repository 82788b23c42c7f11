/* caltrace catalogue-set: the bureau sets an item of the compulsory-verification catalogue. */
#include "event_cmd.h"

static const struct ev_opt opts[] = {
	{"name", "name", EV_STR, EV_REQUIRED, "NAME", "the item's name, e.g. household water meter"},
	{"mode", "mode", EV_STR, EV_REQUIRED, "V|P|P+V", "verification mode"},
	{"interval-days", "interval_days", EV_UINT, EV_REQUIRED, "N", "verification interval"},
	{"domains", "domains", EV_LIST, EV_REQUIRED, "D,...", "trade, safety, medical, environment, ..."},
	{"effective", "effective", EV_TIME, EV_DEFAULT_NOW, "DATE", "in force from"},
};

static const struct ev_cmd catalogue_set = {
	"catalogue-set", "catalogue.set", "item", EV_STR, "ITEM",
	"Sets catalogue item ITEM (a new version replaces the old from its effective date).",
	opts, sizeof(opts) / sizeof(opts[0]), NULL,
};

int cmd_catalogue_set(int argc, char **argv)
{
	return ev_cmd_run(&catalogue_set, argc, argv);
}
