/*
 * Records in CSV for `caltrace import-records` (docs/IMPORT.md): a header
 * line of column names, then one record per row, each turned into the same
 * JSON object an NDJSON line would be.
 */
#ifndef CT_RECORDS_CSV_H
#define CT_RECORDS_CSV_H

#include <jansson.h>
#include <stdio.h>

typedef struct csv_reader {
	FILE *in;
	unsigned long line; /* physical lines read so far */
	char **columns;	    /* the header's names */
	size_t ncolumns;
	char *buf; /* the current record's text (quoted newlines included) */
	size_t cap;
	char **cells; /* pointers into buf, one per column */
	size_t ncells, cells_cap;
} csv_reader;

/*
 * Reads the header line (a UTF-8 byte-order mark before it is skipped).
 * Returns 0, or -1 with the reason in why: no header, an empty or repeated
 * column name, no "type" column.
 */
int csv_open(csv_reader *r, FILE *in, char *why, size_t whylen);

/*
 * The next record as a new JSON object in *out ("type", "time" and the body
 * fields, typed by the event's schema; empty cells left out) and the line
 * it starts on in *lineno. Returns 1, 0 at the end, or -1 with the reason
 * in why (a row with another number of cells than the header, an unclosed
 * quote, a non-empty cell in a column the record's type does not have, a
 * value of the wrong form).
 */
int csv_next(csv_reader *r, json_t **out, unsigned long *lineno, char *why, size_t whylen);

/* Frees what the reader holds (not the FILE). */
void csv_close(csv_reader *r);

#endif
