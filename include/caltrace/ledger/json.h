/*
 * caltrace/ledger/json.h - event bodies to and from JSON (jansson), for the CLI,
 * `import-records` and `--json` output.
 *
 * JSON form of a body: the same keys; bin32 fields as 64 hex digits; time
 * fields (performed_at, valid_until, effective, since, valid_from) as
 * ISO-8601 strings ("2026-11-29" or "2026-11-29T10:00:00Z") or integer ms
 * on input, ISO-8601 on output; uints as JSON integers; bools as JSON
 * booleans; quantities as {"rel_ppm": N} or {"abs": "0.05", "unit": "°C"}.
 */
#ifndef CALTRACE_JSON_H
#define CALTRACE_JSON_H

#include <jansson.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/event.h"
#include "caltrace/base/types.h"

/*
 * Encodes the JSON object fields as the canonical body of type t into out
 * (appended), checking it against the schema.
 * Errors: CT_ESCHEMA (detail names the field), CT_ENOMEM.
 */
int ct_body_from_json(ct_buf *out, ct_event_type t, const json_t *fields);

/* Decodes an encoded body of type t into a new JSON object. Errors: CT_ESCHEMA, CT_ENOMEM. */
int ct_body_to_json(json_t **out, ct_event_type t, const uint8_t *body, size_t len);

/*
 * An entry as JSON, every field: "hash", "version", "author", "seq",
 * "prev", "time", "type", "body" (decoded as above; null for a type this
 * version does not know), "sig". `caltrace show --json` and
 * GET /api/v1/entries/HASH. Errors: CT_ENOMEM.
 */
int ct_entry_to_json(json_t **out, const ct_entry *e);

#endif
