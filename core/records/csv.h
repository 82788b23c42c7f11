/*
 * The CSV reader behind ct_records (docs/IMPORT.md): a header line of
 * column names, then one record per row, each turned into the same JSON
 * object an NDJSON line would be. Private to core/records.
 */
#ifndef CT_RECORDS_CSV_H
#define CT_RECORDS_CSV_H

#include <jansson.h>
#include <stdio.h>

typedef struct ct__csv {
	FILE *in;
	unsigned long line; /* physical lines read so far */
	char **columns;	    /* the header's names */
	size_t ncolumns;
	char *buf; /* the current record's text (quoted newlines included) */
	size_t cap;
	char **cells; /* pointers into buf, one per column */
	size_t ncells, cells_cap;
} ct__csv;

/*
 * Reads the header line (a UTF-8 byte-order mark before it is skipped).
 * Returns 0, or CT_EINVAL (CT_ENOMEM) with a detail: no header, an empty or
 * repeated column name, no "type" column ("line 1: ...").
 */
int ct__csv_open(ct__csv *r, FILE *in);

/*
 * The next record as a new JSON object in *out ("type", "time" and the body
 * fields, typed by the event's schema; empty cells left out) and the line
 * it starts on in *lineno. Returns 1, 0 at the end, or CT_EINVAL
 * (CT_ENOMEM) with a detail that does not name the line (the caller does):
 * a row with another number of cells than the header, an unclosed quote, a
 * non-empty cell in a column the record's type does not have, a value of
 * the wrong form.
 */
int ct__csv_next(ct__csv *r, json_t **out, unsigned long *lineno);

/* Frees what the reader holds (not the FILE). */
void ct__csv_close(ct__csv *r);

#endif
