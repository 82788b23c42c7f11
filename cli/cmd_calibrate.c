/* caltrace calibrate: record a calibration, verification or comparison. */
#include <string.h>

#include "caltrace/records/records.h"
#include "event_cmd.h"

enum { OPT_STANDARD, OPT_SUBJECT_KIND };

static const struct ev_opt opts[] = {
	[OPT_STANDARD] = {"standard", NULL, EV_CUSTOM, EV_REQUIRED | EV_REPEAT, "ID", "a standard relied on (repeat for several)"},
	[OPT_SUBJECT_KIND] = {"subject-kind", NULL, EV_CUSTOM, 0, "KIND",
			      "instrument or standard (default: whichever SUBJECT is registered as)"},
	{"kind", "kind", EV_STR, EV_REQUIRED, "KIND", "verification, calibration or comparison"},
	{"performed", "performed_at", EV_TIME, EV_REQUIRED, "DATE", "when"},
	{"valid-until", "valid_until", EV_TIME, EV_REQUIRED, "DATE", "valid until"},
	{"result", "result", EV_STR, EV_REQUIRED, "RESULT", "pass, fail or limited"},
	{"certificate", "certificate", EV_STR, EV_REQUIRED, "NO", "certificate number"},
	{"technician", "technician", EV_STR, 0, "ID", "the metrologist's certificate number"},
	{"document", "document", EV_FILEHASH, 0, "FILE", "the certificate file, PDF or DCC XML (SHA-256 recorded)"},
	{"as-found", "as_found", EV_STR, 0, "in|out|n/a", "condition as found"},
};

/* Fills subject_kind and the standards list, each with the entry it relies on. */
static int finish(struct ev_ctx *ctx)
{
	json_t *list = json_array();
	ct_reader *r = NULL;
	size_t i;
	int err, rc = EXIT_ERR;

	if (ctx->raw[OPT_SUBJECT_KIND])
		json_object_set_new(ctx->fields, "subject_kind", json_string(ctx->raw[OPT_SUBJECT_KIND]));
	for (i = 0; i < ctx->nmulti; i++)
		json_array_append_new(list, json_string(ctx->multi[i]));
	json_object_set_new(ctx->fields, "standards", list);
	if ((err = ct_reader_begin(&r, ctx->node->ledger)) < 0)
		return cli_fail("calibrate", err, "cannot read the store");
	if (ct_records_resolve_calibration(r, ctx->fields) < 0)
		fprintf(stderr, "caltrace calibrate: %s\n", ct_error_last());
	else
		rc = 0;
	ct_reader_end(r);
	return rc;
}

static const struct ev_cmd calibrate = {
	"calibrate", "calibration", "subject", EV_STR, "SUBJECT",
	"Records a calibration of SUBJECT (an instrument or a standard). Each --standard is linked to\n"
	"the entry it relies on: its latest passing calibration or anchor performed on or before --performed.",
	opts, sizeof(opts) / sizeof(opts[0]), finish,
};

int cmd_calibrate(int argc, char **argv)
{
	return ev_cmd_run(&calibrate, argc, argv);
}
