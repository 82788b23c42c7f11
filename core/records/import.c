/* Records into entries: one record (ct_records_append), or a whole file in large transactions. */
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/records/records.h"

int ct_records_append(ct_batch *b, const ct_keypair *kp, json_t *rec, uint64_t time_default)
{
	const char *type_v = json_string_value(json_object_get(rec, "type"));
	char type[CT_TYPE_MAX + 1];
	json_t *time_v = json_object_get(rec, "time");
	ct_buf body = CT_BUF_INIT;
	ct_event_type t;
	uint64_t when = time_default;
	int err;

	if (!type_v)
		return ct_error_set(CT_EINVAL, "no \"type\"");
	/* Copied: deleting "type" from rec below frees the JSON string. */
	snprintf(type, sizeof(type), "%s", type_v);
	if ((t = ct_event_type_of(type, strlen(type))) == CT_EV_UNKNOWN)
		return ct_error_set(CT_EINVAL, "unknown type '%s'", type);
	if (time_v && !(json_is_string(time_v) && ct_time_parse(&when, json_string_value(time_v)) == 0))
		return ct_error_set(CT_EINVAL, "\"time\" is not an ISO-8601 date");
	json_object_del(rec, "type");
	json_object_del(rec, "time");
	if (t == CT_EV_CALIBRATION && (err = ct_records_resolve_calibration(ct_batch_reader(b), rec)) < 0)
		return err;
	if ((err = ct_body_from_json(&body, t, rec)) == 0)
		err = ct_batch_append(b, kp, when, ct_event_type_name(t), body.ptr, body.len, NULL, NULL);
	ct_buf_free(&body);
	return err;
}

int ct_records_import(ct_ledger *l, const ct_keypair *kp, ct_records *src, const ct_records_import_opts *o,
		      uint64_t *records)
{
	uint64_t per = o->batch_records ? o->batch_records : CT_RECORDS_BATCH;
	ct_batch *b = NULL;
	json_t *rec;
	int err = 0, got;

	*records = 0;
	while ((got = ct_records_next(src, &rec)) != 0) {
		if (got < 0) {
			err = got;
			break;
		}
		if (!b && (err = ct_batch_begin(&b, l)) < 0) {
			json_decref(rec);
			err = ct_error_wrap(err, "cannot write");
			break;
		}
		err = ct_records_append(b, kp, rec, json_object_get(rec, "time") ? 0 : o->now_ms(o->ctx));
		json_decref(rec);
		if (err < 0) {
			err = ct_error_wrap(err, "line %lu", ct_records_line(src));
			break;
		}
		(*records)++;
		if (*records % per == 0 && !o->dry_run) {
			err = ct_batch_commit(b);
			b = NULL;
			if (err < 0) {
				err = ct_error_wrap(err, "cannot commit at line %lu", ct_records_line(src));
				break;
			}
		}
		if (o->progress)
			o->progress(o->ctx, *records);
	}
	/* What came before a bad record is kept, unless nothing is to be written. */
	if (b && o->dry_run) {
		ct_batch_abort(b);
	} else if (b && (got = ct_batch_commit(b)) < 0) {
		err = ct_error_wrap(got, "cannot commit");
	}
	return err;
}
