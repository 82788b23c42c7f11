/*
 * The event schema table of core/ledger/event.c, shared with core/ledger/json.c (and the
 * unit tests): one row per field of each type of docs/DESIGN.md section 5.
 */
#ifndef CT_EVENT_INTERNAL_H
#define CT_EVENT_INTERNAL_H

#include <stdbool.h>

#include "caltrace/ledger/event.h"


typedef enum ct__kind {
	CT__K_STR = 1,	/* non-empty str, at most CT_STR_MAX bytes */
	CT__K_ID,	/* non-empty str, at most CT_ID_MAX bytes, no control chars */
	CT__K_UINT,	/* uint */
	CT__K_TIME,	/* uint ms since the epoch, at most CT_TIME_MAX */
	CT__K_BOOL,	/* bool */
	CT__K_BIN32,	/* bin of exactly 32 bytes */
	CT__K_STR_LIST, /* array of CT__K_STR */
	CT__K_ENUM,	/* str among the field's choices */
	CT__K_QUANTITY, /* {rel_ppm: uint} or {abs: decimal str, unit: str} */
	CT__K_POLICY,	/* {min_ratio?: uint >= 1, grace_days?: uint} */
	CT__K_STDREFS,	/* array, at least one, of {cal: bin32, id: ID} */
} ct__kind;

typedef struct ct__field {
	const char *name;
	ct__kind kind;
	bool required;
	const char *const *choices; /* CT__K_ENUM: NULL-terminated list */
} ct__field;

/*
 * The fields of type t, sorted bytewise by name (the order of a canonical
 * map), and their count in *count. NULL for CT_EV_UNKNOWN or out of range.
 */
const ct__field *ct__event_fields(ct_event_type t, size_t *count);

/* True when s[0..len) is a decimal string: digits, optionally one '.' between digits. */
bool ct__decimal_valid(const char *s, size_t len);

#endif
