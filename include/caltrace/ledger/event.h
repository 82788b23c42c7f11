/*
 * caltrace/ledger/event.h - the event types of docs/DESIGN.md section 5 and their
 * body schemas.
 *
 * A body is a canonical msgpack map. Its schema fixes, per type, which keys
 * are required or optional and what each value is. Unknown keys are
 * refused (a feed must stay readable by every node of the same version).
 */
#ifndef CALTRACE_EVENT_H
#define CALTRACE_EVENT_H

#include <stdbool.h>

#include "caltrace/base/types.h"

#define CT_STR_MAX    1024		 /* longest free-text str field of a body, bytes */
#define CT_FIELDS_MAX 12		 /* most fields any event type has */
#define CT_TIME_MAX   253402300799999ULL /* latest time a body may name: 9999-12-31T23:59:59.999Z */

typedef enum ct_event_type {
	CT_EV_UNKNOWN = 0,
	CT_EV_NETWORK_GENESIS,
	CT_EV_ORG_ADMIT,
	CT_EV_ORG_REVOKE,
	CT_EV_PERSON_CERTIFY,
	CT_EV_CATALOGUE_SET,
	CT_EV_STANDARD_REGISTER,
	CT_EV_STANDARD_APPROVE,
	CT_EV_STANDARD_ANCHOR,
	CT_EV_STANDARD_OOT,
	CT_EV_INSTRUMENT_REGISTER,
	CT_EV_INSTRUMENT_RETIRE,
	CT_EV_CALIBRATION,
	CT_EV_CALIBRATION_REVOKE,
	CT_EV_ORG_REKEY,       /* the bureau replaces a lab's key (docs/DESIGN.md section 5) */
	CT_EV_ORG_COMPROMISED, /* the bureau declares a key compromised */
	CT_EV__COUNT
} ct_event_type;

/* The type named by the str s[0..len), or CT_EV_UNKNOWN. */
ct_event_type ct_event_type_of(const char *s, size_t len);

/* The wire name of a type ("standard.out_of_tolerance"), or NULL. */
const char *ct_event_type_name(ct_event_type t);

/* True for the types only the bureau may write (network.*, org.*, ...). */
bool ct_event_bureau_only(ct_event_type t);

/*
 * Checks an encoded body against its type's schema: required fields
 * present, no unknown field, every value of the right kind (uint, str,
 * bin 32, bool, enum value, quantity {rel_ppm} | {abs, unit} with abs a
 * decimal string, standards list, ...), ids at most CT_ID_MAX bytes.
 * Errors: CT_ESCHEMA, detail "calibration: field 'result': expected one
 * of pass, fail, limited".
 */
int ct_event_check(ct_event_type t, const uint8_t *body, size_t len);

/*
 * Fields every index needs. Strings point into the body. Absent fields are
 * NULL / 0. ct_event_keys_of walks the body as ct_event_check does and
 * fails as it does (CT_ESCHEMA, the same detail), so a body it reads need
 * not be checked first (ct_entry_prepare relies on it).
 */
typedef struct ct_event_keys {
	const char *id; /* id, subject, person, item; NUL-free, not terminated */
	size_t id_len;
	const uint8_t *key;  /* org.admit / org.revoke / org.compromised key; org.rekey old_key;
				calibration.revoke entry */
	const uint8_t *key2; /* org.rekey new_key; NULL for every other type */
	uint64_t time;      /* performed_at, effective, since, valid_from: the event's own time */
	uint64_t until;     /* valid_until where the type has one */
	int subject_is_standard; /* calibration with subject_kind "standard" */
} ct_event_keys;

int ct_event_keys_of(ct_event_keys *out, ct_event_type t, const uint8_t *body, size_t len);

/*
 * The kind of value a body field holds, for readers of formats that carry
 * no types of their own (CSV in `import-records`). ID and enum fields are
 * CT_FIELD_STR.
 */
typedef enum ct_field_kind {
	CT_FIELD_NONE = 0,  /* not a field of that type */
	CT_FIELD_STR,       /* str, id or enum value */
	CT_FIELD_UINT,      /* non-negative integer */
	CT_FIELD_TIME,      /* ms since the epoch (ISO-8601 in JSON) */
	CT_FIELD_BOOL,      /* true or false */
	CT_FIELD_BIN32,     /* 32 bytes (64 hex digits in JSON) */
	CT_FIELD_STR_LIST,  /* array of str */
	CT_FIELD_QUANTITY,  /* {rel_ppm: uint} or {abs: decimal str, unit: str} */
	CT_FIELD_POLICY,    /* {min_ratio?: uint, grace_days?: uint} */
	CT_FIELD_STANDARDS, /* array of {id, cal} */
} ct_field_kind;

/* The kind of field name in type t's body; CT_FIELD_NONE when t has no such field. */
ct_field_kind ct_event_field_kind(ct_event_type t, const char *name);

#endif
