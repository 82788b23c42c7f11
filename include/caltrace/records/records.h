/*
 * caltrace/records/records.h - a lab's existing records into its feed
 * (docs/IMPORT.md).
 *
 * A lab that already keeps its records in another system exports them as
 * NDJSON (one JSON object per line: "type", an optional "time", and the
 * event body's fields) or CSV (a header line naming the columns, then one
 * record per row; a quantity's parts as columns of their own such as
 * mpe.rel_ppm; lists separated by ';'). A reader turns either into the same
 * JSON objects; ct_records_append makes each one the entry `caltrace
 * calibrate` and friends would append, completing a calibration from the
 * store (the subject's kind, each standard's `cal` link); ct_records_import
 * runs a whole file in large write transactions.
 *
 * Errors about a record name its line: the detail reads "line 12: ...".
 * Nothing here prints, exits or reads the clock: the time of a record
 * without "time" comes from the caller.
 */
#ifndef CALTRACE_RECORDS_H
#define CALTRACE_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"

typedef enum ct_records_format {
	CT_RECORDS_NDJSON = 0,
	CT_RECORDS_CSV,
} ct_records_format;

/* The format a file name implies: CSV when it ends in ".csv" (any case), else NDJSON. */
ct_records_format ct_records_format_of(const char *path);

/* A reader of records from one stream. */
typedef struct ct_records ct_records;

/*
 * Starts reading records from in (which stays the caller's: never closed
 * here). For CSV, reads the header line now (a UTF-8 byte-order mark before
 * it is skipped). out receives the reader even on failure, so that the
 * caller frees it with ct_records_close.
 * Errors: CT_EINVAL, detail naming what is wrong with the header ("line 1:
 * column 2 of the header has no name", "no header line ...", "... has no
 * 'type' column"); CT_ENOMEM.
 */
int ct_records_open(ct_records **out, FILE *in, ct_records_format format);

/*
 * The next record as a new JSON object in *out (the caller's to
 * json_decref), blank lines skipped. Returns 1, 0 at the end of the input,
 * or a negative error with the detail "line N: why":
 * CT_EINVAL: a line that is not a JSON object; a CSV row with another
 * number of cells than the header, an unclosed quote, a non-empty cell in a
 * column the record's type does not have, a value of the wrong form;
 * CT_ENOMEM.
 */
int ct_records_next(ct_records *r, json_t **out);

/* The line the last record read (or refused) starts on; 0 before the first. */
unsigned long ct_records_line(const ct_records *r);

/* Frees a reader; accepts NULL. */
void ct_records_close(ct_records *r);

/*
 * Completes a calibration's JSON fields from the store r reads: the
 * subject_kind, when absent, from the subject's registration; each
 * standard given as an id (or as an object without "cal") becomes
 * {"id", "cal"} linked to the entry it relies on, its latest passing
 * calibration or anchor performed on or before performed_at. Fields the
 * schema check will refuse anyway (no standards list, no date) are left
 * alone. Returns 0, or CT_EINVAL / CT_ENOTFOUND with a detail: no subject,
 * a subject registered as both or as neither, "cannot rely on standard
 * 'ID': why".
 */
int ct_records_resolve_calibration(ct_reader *r, json_t *fields);

/*
 * Appends one record to kp's feed in batch b: its "type" and "time" are
 * taken out of rec (which is modified), a calibration is completed with
 * ct_records_resolve_calibration, the rest is the body. time_default is the
 * entry's time when rec has no "time".
 * Errors (detail without the line: the caller knows it): CT_EINVAL (no
 * "type", an unknown type, a "time" that is not ISO-8601), and whatever
 * ct_records_resolve_calibration, ct_body_from_json and ct_batch_append
 * return.
 */
int ct_records_append(ct_batch *b, const ct_keypair *kp, json_t *rec, uint64_t time_default);

/* Records per write transaction unless told otherwise. */
#define CT_RECORDS_BATCH 50000

typedef struct ct_records_import_opts {
	bool dry_run;		/* check every record, write nothing */
	uint64_t batch_records; /* records per write transaction; 0: CT_RECORDS_BATCH */
	/* The caller's clock, ms since the epoch: the time of a record without "time". Required. */
	uint64_t (*now_ms)(void *ctx);
	/* Called after each record appended (may be NULL), with the count so far. */
	void (*progress)(void *ctx, uint64_t records);
	void *ctx;
} ct_records_import_opts;

/*
 * Reads every record of src and appends it to kp's feed in l, committing
 * every batch_records records and at the end. A bad record stops the
 * import; every record before it is kept (committed), or, with dry_run,
 * checked and dropped like all the others. *records receives the number of
 * records appended (or checked) before the end or the bad one.
 * Errors: those of ct_records_next and ct_records_append, the detail
 * prefixed with the record's line ("line 4: unknown type 'x'"); a store
 * that cannot be written or committed ("cannot write: ...", "cannot commit
 * at line N: ...", "cannot commit: ...").
 */
int ct_records_import(ct_ledger *l, const ct_keypair *kp, ct_records *src, const ct_records_import_opts *o,
		      uint64_t *records);

/*
 * Writes s as one CSV cell (RFC 4180): as it is, or between double quotes,
 * each quote doubled, when it holds a comma, a quote or a line break. NULL
 * is an empty cell. The caller writes the separators.
 */
void ct_records_csv_cell(FILE *f, const char *s);

#endif
