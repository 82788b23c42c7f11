/* Completing a calibration's body from the store: subject kind and standards' cal links. */
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/index.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/records/records.h"

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

/* Sets subject_kind from the registrations when absent. */
static int resolve_subject(ct_reader *r, json_t *fields)
{
	const char *subject = json_string_value(json_object_get(fields, "subject"));
	bool inst, std;

	if (json_object_get(fields, "subject_kind"))
		return 0;
	if (!subject)
		return ct_error_set(CT_EINVAL, "no subject");
	inst = registered(r, CT_NS_INSTRUMENT, subject);
	std = registered(r, CT_NS_STANDARD, subject);
	if (inst && std)
		return ct_error_set(CT_EINVAL, "'%s' is both an instrument and a standard: give subject_kind",
				    subject);
	if (!inst && !std)
		return ct_error_set(CT_ENOTFOUND,
				    "subject '%s' is not registered (register the instrument or standard first)",
				    subject);
	json_object_set_new(fields, "subject_kind", json_string(std ? "standard" : "instrument"));
	return 0;
}

int ct_records_resolve_calibration(ct_reader *r, json_t *fields)
{
	const char *performed = json_string_value(json_object_get(fields, "performed_at"));
	json_t *list = json_object_get(fields, "standards"), *item;
	uint8_t link[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1];
	uint64_t at;
	size_t i;
	int err;

	if ((err = resolve_subject(r, fields)) < 0)
		return err;
	if (!json_is_array(list))
		return 0; /* the schema check names the problem */
	if (json_is_integer(json_object_get(fields, "performed_at")))
		at = (uint64_t)json_integer_value(json_object_get(fields, "performed_at"));
	else if (!performed || ct_time_parse(&at, performed) < 0)
		return 0;
	json_array_foreach(list, i, item) {
		const char *id = json_is_string(item) ? json_string_value(item)
						      : json_string_value(json_object_get(item, "id"));

		if (!id || (json_is_object(item) && json_object_get(item, "cal")))
			continue;
		if ((err = ct_read_standard_link(link, r, id, strlen(id), at)) < 0)
			return ct_error_wrap(err, "cannot rely on standard '%s'", id);
		ct_hex(hex, link, CT_HASH_BYTES);
		json_array_set_new(list, i, json_pack("{s:s, s:s}", "id", id, "cal", hex));
	}
	return 0;
}
