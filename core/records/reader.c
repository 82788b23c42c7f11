/* Reading records: NDJSON lines or CSV rows (csv.c), each as a JSON object, numbered by line. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "caltrace/base/error.h"
#include "caltrace/records/records.h"
#include "csv.h"

struct ct_records {
	FILE *in;
	ct_records_format format;
	ct__csv csv;
	char *line; /* NDJSON: the current line */
	size_t cap;
	unsigned long lineno; /* the line the last record starts on */
	unsigned long lines;  /* NDJSON: lines read */
};

ct_records_format ct_records_format_of(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && strcasecmp(path + len - 4, ".csv") == 0 ? CT_RECORDS_CSV : CT_RECORDS_NDJSON;
}

int ct_records_open(ct_records **out, FILE *in, ct_records_format format)
{
	ct_records *r;

	if (!(*out = r = calloc(1, sizeof(*r))))
		return ct_error_set(CT_ENOMEM, "out of memory");
	r->in = in;
	r->format = format;
	return format == CT_RECORDS_CSV ? ct__csv_open(&r->csv, in) : 0;
}

/* The next non-blank NDJSON line as a JSON object. */
static int next_line(ct_records *r, json_t **out)
{
	json_error_t jerr;
	ssize_t len;

	for (;;) {
		if ((len = getline(&r->line, &r->cap, r->in)) < 0)
			return 0;
		r->lines++;
		if (len > 0 && strspn(r->line, " \t\r\n") != (size_t)len)
			break;
	}
	r->lineno = r->lines;
	*out = json_loadb(r->line, (size_t)len, 0, &jerr);
	if (json_is_object(*out))
		return 1;
	if (*out) {
		json_decref(*out);
		*out = NULL;
		return ct_error_set(CT_EINVAL, "line %lu: not a JSON object: another JSON value", r->lineno);
	}
	return ct_error_set(CT_EINVAL, "line %lu: not a JSON object: %s (column %d)", r->lineno, jerr.text,
			    jerr.column);
}

int ct_records_next(ct_records *r, json_t **out)
{
	int rc;

	*out = NULL;
	if (r->format != CT_RECORDS_CSV)
		return next_line(r, out);
	if ((rc = ct__csv_next(&r->csv, out, &r->lineno)) < 0)
		return ct_error_wrap(rc, "line %lu", r->lineno);
	return rc;
}

unsigned long ct_records_line(const ct_records *r)
{
	return r->lineno;
}

void ct_records_close(ct_records *r)
{
	if (!r)
		return;
	if (r->format == CT_RECORDS_CSV)
		ct__csv_close(&r->csv);
	free(r->line);
	free(r);
}
