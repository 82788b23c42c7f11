/*
 * CSV records (docs/IMPORT.md): RFC 4180 rows (quoted cells may hold
 * commas, doubled quotes and line breaks; CRLF or LF line ends), typed by
 * the event schema so that a row becomes exactly the JSON object the same
 * record written as NDJSON would be.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/event.h"
#include "csv.h"

struct cell_span {
	size_t off;
	bool quoted;
};

struct scan {
	struct cell_span *spans;
	size_t nspans, cap;
};

static int grow(void **ptr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(p = realloc(*ptr, n * size)))
		return -1;
	*ptr = p;
	*cap = n;
	return 0;
}

static int push_byte(ct__csv *r, size_t *len, char c)
{
	if (grow((void **)&r->buf, &r->cap, *len + 2, 1) < 0)
		return -1;
	r->buf[(*len)++] = c;
	return 0;
}

static int end_cell(ct__csv *r, struct scan *s, size_t *len, size_t start, bool quoted)
{
	if (push_byte(r, len, '\0') < 0 ||
	    grow((void **)&s->spans, &s->cap, s->nspans + 1, sizeof(*s->spans)) < 0)
		return -1;
	s->spans[s->nspans].off = start;
	s->spans[s->nspans].quoted = quoted;
	s->nspans++;
	return 0;
}

/* Trims spaces and tabs around an unquoted cell, in place. */
static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/*
 * Reads one physical record (several lines when a quoted cell holds line
 * breaks) into r->cells. Returns 1, 0 at the end of the input, -1 on error.
 */
static int read_record(ct__csv *r, struct scan *s, unsigned long *start)
{
	size_t len = 0, cell_start = 0, i;
	bool in_quotes = false, quoted = false, any = false;
	int c, d;

	s->nspans = 0;
	*start = r->line + 1;
	for (;;) {
		c = getc_unlocked(r->in);
		if (c == EOF) {
			if (in_quotes)
				return ct_error_set(
				    CT_EINVAL, "a quoted cell is not closed before the end of the input");
			if (!any)
				return 0;
			r->line++; /* a last line without its newline */
			break;
		}
		any = true;
		if (in_quotes) {
			if (c == '"') {
				if ((d = getc_unlocked(r->in)) == '"') {
					c = '"';
				} else {
					if (d != EOF)
						ungetc(d, r->in);
					in_quotes = false;
					continue;
				}
			} else if (c == '\n') {
				r->line++;
			}
			if (push_byte(r, &len, (char)c) < 0)
				goto nomem;
			continue;
		}
		if (c == '"' && len == cell_start) {
			in_quotes = quoted = true;
		} else if (c == ',') {
			if (end_cell(r, s, &len, cell_start, quoted) < 0)
				goto nomem;
			cell_start = len;
			quoted = false;
		} else if (c == '\n') {
			r->line++;
			break;
		} else if (c != '\r' && push_byte(r, &len, (char)c) < 0) {
			goto nomem;
		}
	}
	if (end_cell(r, s, &len, cell_start, quoted) < 0 ||
	    grow((void **)&r->cells, &r->cells_cap, s->nspans, sizeof(*r->cells)) < 0)
		goto nomem;
	for (i = 0; i < s->nspans; i++)
		r->cells[i] = s->spans[i].quoted ? r->buf + s->spans[i].off : trim(r->buf + s->spans[i].off);
	r->ncells = s->nspans;
	return 1;
nomem:
	return ct_error_set(CT_ENOMEM, "out of memory");
}

/* A record of one empty cell: a blank line. */
static bool blank(const ct__csv *r)
{
	return r->ncells == 1 && r->cells[0][0] == '\0';
}

/* read_record, skipping blank lines. */
static int next_row(ct__csv *r, unsigned long *start)
{
	struct scan s = {NULL, 0, 0};
	int rc;

	while ((rc = read_record(r, &s, start)) == 1 && blank(r))
		;
	free(s.spans);
	return rc;
}

int ct__csv_open(ct__csv *r, FILE *in)
{
	unsigned long start;
	bool has_type = false;
	size_t i, j;
	int c, rc;

	memset(r, 0, sizeof(*r));
	r->in = in;
	/* A byte-order mark, as spreadsheet programs write before UTF-8 CSV. */
	if ((c = getc(in)) == 0xEF) {
		if (getc(in) != 0xBB || getc(in) != 0xBF)
			return ct_error_set(CT_EINVAL, "line 1: not UTF-8 text");
	} else if (c != EOF) {
		ungetc(c, in);
	}
	if ((rc = next_row(r, &start)) < 0)
		return rc;
	if (rc == 0)
		return ct_error_set(CT_EINVAL, "no header line (the first line names the columns)");
	if (!(r->columns = calloc(r->ncells, sizeof(*r->columns))))
		return ct_error_set(CT_ENOMEM, "out of memory");
	r->ncolumns = r->ncells;
	for (i = 0; i < r->ncells; i++) {
		if (!*r->cells[i])
			return ct_error_set(CT_EINVAL, "line %lu: column %zu of the header has no name",
					    start, i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(r->columns[j], r->cells[i]) == 0)
				return ct_error_set(CT_EINVAL,
						    "line %lu: column '%s' appears twice in the header",
						    start, r->cells[i]);
		if (!(r->columns[i] = strdup(r->cells[i])))
			return ct_error_set(CT_ENOMEM, "out of memory");
		has_type |= strcmp(r->cells[i], "type") == 0;
	}
	if (!has_type)
		return ct_error_set(CT_EINVAL, "line %lu: the header has no 'type' column", start);
	return 0;
}

void ct__csv_close(ct__csv *r)
{
	size_t i;

	for (i = 0; i < r->ncolumns; i++)
		free(r->columns[i]);
	free(r->columns);
	free(r->buf);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

/* A non-negative integer as JSON, or NULL when s is not one. */
static json_t *uint_json(const char *s)
{
	uint64_t v = 0;
	const char *p;

	if (!*s)
		return NULL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(*p - '0')) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return json_integer((json_int_t)v);
}

/* "a;b;c" as a JSON array of its non-empty, trimmed items. */
static json_t *list_json(const char *s)
{
	json_t *list = json_array();
	const char *p = s, *semi;
	size_t n;

	while (list) {
		semi = strchr(p, ';');
		n = semi ? (size_t)(semi - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n)
			json_array_append_new(list, json_stringn(p, n));
		if (!semi)
			break;
		p = semi + 1;
	}
	return list;
}

static json_t *bool_json(const char *s)
{
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		return json_true();
	if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		return json_false();
	return NULL;
}

/* A nested column "field.part" of a quantity or policy: sets fields[field][part]. */
static int nested_cell(json_t *fields, ct_event_type t, const char *column, const char *value)
{
	const char *dot = strchr(column, '.'), *part = dot + 1;
	char field[64];
	ct_field_kind kind;
	json_t *obj, *v;

	snprintf(field, sizeof(field), "%.*s", (int)(dot - column), column);
	kind = ct_event_field_kind(t, field);
	if (kind != CT_FIELD_QUANTITY && kind != CT_FIELD_POLICY)
		return ct_error_set(
		    CT_EINVAL, "column '%s': %s has no quantity or policy field '%s' (leave the cell empty)",
		    column, ct_event_type_name(t), field);
	if (strcmp(part, "rel_ppm") == 0 || strcmp(part, "min_ratio") == 0 ||
	    strcmp(part, "grace_days") == 0) {
		if (!(v = uint_json(value)))
			return ct_error_set(CT_EINVAL, "column '%s': '%s' is not a non-negative integer",
					    column, value);
	} else {
		v = json_string(value);
	}
	if (!(obj = json_object_get(fields, field))) {
		obj = json_object();
		json_object_set_new(fields, field, obj);
	}
	json_object_set_new(obj, part, v); /* an unknown part is named by the schema check */
	return 0;
}

/* One non-empty cell into fields, typed by column's kind in type t. */
static int typed_cell(json_t *fields, ct_event_type t, const char *column, const char *value)
{
	json_t *v = NULL;

	if (strchr(column, '.'))
		return nested_cell(fields, t, column, value);
	switch (ct_event_field_kind(t, column)) {
	case CT_FIELD_NONE:
		return ct_error_set(CT_EINVAL, "column '%s' is not a field of %s (leave the cell empty)",
				    column, ct_event_type_name(t));
	case CT_FIELD_STR:
	case CT_FIELD_BIN32:
		v = json_string(value);
		break;
	case CT_FIELD_TIME:
		v = value[strspn(value, "0123456789")] ? json_string(value) : uint_json(value);
		break;
	case CT_FIELD_UINT:
		if (!(v = uint_json(value)))
			return ct_error_set(CT_EINVAL, "column '%s': '%s' is not a non-negative integer",
					    column, value);
		break;
	case CT_FIELD_BOOL:
		if (!(v = bool_json(value)))
			return ct_error_set(CT_EINVAL, "column '%s': '%s' is not true or false", column,
					    value);
		break;
	case CT_FIELD_STR_LIST:
	case CT_FIELD_STANDARDS:
		v = list_json(value);
		break;
	case CT_FIELD_QUANTITY:
	case CT_FIELD_POLICY:
		return ct_error_set(CT_EINVAL,
				    "column '%s' is a map: give its parts as columns ('%s.rel_ppm', ...)",
				    column, column);
	}
	if (!v)
		return ct_error_set(CT_EINVAL, "column '%s': '%s' is not a valid value", column, value);
	json_object_set_new(fields, column, v);
	return 0;
}

int ct__csv_next(ct__csv *r, json_t **out, unsigned long *lineno)
{
	const char *type = NULL;
	ct_event_type t;
	json_t *rec;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = next_row(r, lineno)) <= 0)
		return rc;
	if (r->ncells != r->ncolumns)
		return ct_error_set(CT_EINVAL, "%zu cells where the header has %zu columns", r->ncells,
				    r->ncolumns);
	for (i = 0; i < r->ncolumns; i++)
		if (strcmp(r->columns[i], "type") == 0 && *r->cells[i])
			type = r->cells[i];
	rec = json_object();
	if (!type) /* ct_records_append names the problem */
		return *out = rec, 1;
	json_object_set_new(rec, "type", json_string(type));
	if ((t = ct_event_type_of(type, strlen(type))) == CT_EV_UNKNOWN)
		return *out = rec, 1;
	for (i = 0; i < r->ncolumns; i++) {
		const char *column = r->columns[i], *value = r->cells[i];
		if (!*value || strcmp(column, "type") == 0)
			continue;
		if (strcmp(column, "time") == 0) {
			json_object_set_new(rec, "time", json_string(value));
		} else if ((rc = typed_cell(rec, t, column, value)) < 0) {
			json_decref(rec);
			return rc;
		}
	}
	*out = rec;
	return 1;
}

void ct_records_csv_cell(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}
