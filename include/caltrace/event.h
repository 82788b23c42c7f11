/*
 * caltrace/event.h - the event types of DESIGN.md section 5 and their
 * body schemas.
 *
 * A body is a canonical msgpack map. Its schema fixes, per type, which keys
 * are required or optional and what each value is. Unknown keys are
 * refused (a feed must stay readable by every node of the same version).
 */
#ifndef CALTRACE_EVENT_H
#define CALTRACE_EVENT_H

#include <stdbool.h>

#include "caltrace/types.h"

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
 * Fields every index needs, read from a body that passed ct_event_check.
 * Strings point into the body. Absent fields are NULL / 0.
 */
typedef struct ct_event_keys {
	const char *id; /* id, subject, person, item; NUL-free, not terminated */
	size_t id_len;
	const uint8_t *key; /* org.admit / org.revoke key; calibration.revoke entry */
	uint64_t time;      /* performed_at, effective, since, valid_from: the event's own time */
	uint64_t until;     /* valid_until where the type has one */
	int subject_is_standard; /* calibration with subject_kind "standard" */
} ct_event_keys;

int ct_event_keys_of(ct_event_keys *out, ct_event_type t, const uint8_t *body, size_t len);

#endif
