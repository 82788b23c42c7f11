/* caltrace calibrate: record a calibration, verification or comparison. */
#include <string.h>

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

static int found(void *ctx, const ct_index_row *row)
{
	*(bool *)ctx = true;
	return 1;
}

static bool registered(ct_reader *r, char ns, const char *id)
{
	bool yes = false;

	ct_read_subject_rows(r, ns, id, strlen(id), CT_ROW_REGISTER, found, &yes);
	return yes;
}

/* Subject kind: as given, else from the registrations. */
static int subject_kind(struct ev_ctx *ctx, ct_reader *r, const char **kind)
{
	const char *subject = json_string_value(json_object_get(ctx->fields, "subject"));
	bool inst = registered(r, CT_NS_INSTRUMENT, subject), std = registered(r, CT_NS_STANDARD, subject);

	*kind = ctx->raw[OPT_SUBJECT_KIND];
	if (*kind)
		return 0;
	if (inst && std)
		return cli_usage_error("calibrate", "'%s' is both an instrument and a standard: give --subject-kind",
				       subject);
	if (!inst && !std) {
		fprintf(stderr, "caltrace calibrate: '%s' is not registered (caltrace instrument register / "
				"standard register first)\n",
			subject);
		return EXIT_ERR;
	}
	*kind = std ? "standard" : "instrument";
	return 0;
}

/* Fills subject_kind and the standards list, each with the entry it relies on. */
static int finish(struct ev_ctx *ctx)
{
	const char *performed = json_string_value(json_object_get(ctx->fields, "performed_at"));
	json_t *list = json_array();
	ct_reader *r = NULL;
	uint8_t link[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1];
	const char *kind;
	uint64_t at;
	size_t i;
	int err, rc = EXIT_ERR;

	ct_time_parse(&at, performed);
	if ((err = ct_reader_begin(&r, ctx->node->ledger)) < 0) {
		rc = cli_fail("calibrate", err, "cannot read the store");
		goto done;
	}
	if ((rc = subject_kind(ctx, r, &kind)) != 0)
		goto done;
	json_object_set_new(ctx->fields, "subject_kind", json_string(kind));
	for (i = 0; i < ctx->nmulti; i++) {
		const char *id = ctx->multi[i];

		if ((err = ct_read_standard_link(r, id, strlen(id), at, link)) < 0) {
			rc = cli_fail("calibrate", err, "cannot rely on standard '%s' on %s", id, performed);
			goto done;
		}
		ct_hex(hex, link, CT_HASH_BYTES);
		json_array_append_new(list, json_pack("{s:s, s:s}", "id", id, "cal", hex));
	}
	json_object_set(ctx->fields, "standards", list);
	rc = 0;
done:
	json_decref(list);
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
