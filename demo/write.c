/*
 * The demo's record files: one record as (key, value) pairs, written as an
 * NDJSON line or a CSV row (docs/IMPORT.md). Keys "field.part" are the
 * parts of a quantity: nested objects in NDJSON, columns of their own in
 * CSV. Written by hand rather than through jansson: the default city has
 * a quarter of a million records and the largest a few million.
 */
#include <stdarg.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/json.h"
#include "caltrace/records/records.h"
#include "gen.h"

const char *const ct__demo_columns_standards[] = {
    "type",   "time",  "id",	    "name",  "category", "level",
    "public", "range", "u.rel_ppm", "u.abs", "u.unit",	 NULL,
};

const char *const ct__demo_columns_history[] = {
    "type",	"time",	     "id",	     "category",    "catalogue", "domain",     "district",
    "owner",	"model",     "serial",	     "mpe.rel_ppm", "mpe.abs",	 "mpe.unit",   "subject",
    "kind",	"standards", "performed_at", "valid_until", "result",	 "technician", "certificate",
    "as_found", "effective", "since",	     "reason",	    NULL,
};

void ct__rec_start(struct record *r, const char *type, int64_t time)
{
	r->type = type;
	r->time = time;
	r->nf = 0;
	r->used = 0;
}

static struct field *add(struct record *r, const char *key, enum fkind kind)
{
	struct field *f = &r->f[r->nf++];

	f->key = key;
	f->kind = kind;
	f->s = NULL;
	f->n = 0;
	return f;
}

void ct__rec_str(struct record *r, const char *key, const char *s)
{
	add(r, key, F_STR)->s = s;
}

const char *ct__rec_fmt(struct record *r, const char *key, const char *fmt, ...)
{
	char *out = r->scratch + r->used;
	size_t room = sizeof(r->scratch) - r->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, room, fmt, ap);
	va_end(ap);
	r->used += n < 0 ? 0 : (size_t)n + 1 > room ? room : (size_t)n + 1;
	ct__rec_str(r, key, out);
	return out;
}

void ct__rec_uint(struct record *r, const char *key, int64_t n)
{
	add(r, key, F_UINT)->n = n;
}

void ct__rec_bool(struct record *r, const char *key, bool b)
{
	add(r, key, F_BOOL)->n = b;
}

void ct__rec_time(struct record *r, const char *key, int64_t ms)
{
	add(r, key, F_TIME)->n = ms;
}

void ct__rec_list(struct record *r, const char *key, const char *semicolon_list)
{
	add(r, key, F_LIST)->s = semicolon_list;
}

void ct__demo_qty_format(char *out, size_t size, struct qty q)
{
	int64_t whole = q.v / ABS_SCALE, frac = q.v % ABS_SCALE;
	int digits = 4;

	if (!q.unit) {
		snprintf(out, size, "%lld ppm", (long long)q.v);
		return;
	}
	if (!frac) {
		snprintf(out, size, "%lld", (long long)whole);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(out, size, "%lld.%0*lld", (long long)whole, digits, (long long)frac);
}

/* A quantity as its parts: key.rel_ppm, or key.abs and key.unit. */
void ct__rec_qty(struct record *r, const char *key, struct qty q)
{
	const char *rel = strcmp(key, "mpe") == 0 ? "mpe.rel_ppm" : "u.rel_ppm";
	const char *abs = strcmp(key, "mpe") == 0 ? "mpe.abs" : "u.abs";
	const char *unit = strcmp(key, "mpe") == 0 ? "mpe.unit" : "u.unit";
	char num[32];

	if (!q.unit) {
		ct__rec_uint(r, rel, q.v);
		return;
	}
	ct__demo_qty_format(num, sizeof(num), q);
	ct__rec_fmt(r, abs, "%s", num);
	ct__rec_str(r, unit, q.unit);
}

static void json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

static void json_list(FILE *f, const char *s)
{
	const char *semi;
	bool first = true;

	putc('[', f);
	while (*s) {
		semi = strchr(s, ';');
		size_t n = semi ? (size_t)(semi - s) : strlen(s);
		char item[256];
		snprintf(item, sizeof(item), "%.*s", (int)n, s);
		if (!first)
			putc(',', f);
		json_str(f, item);
		first = false;
		if (!semi)
			break;
		s = semi + 1;
	}
	putc(']', f);
}

static void time_str(char out[40], int64_t ms)
{
	ct_time_format(out, 40, (uint64_t)ms);
}

static void json_value(FILE *f, const struct field *x)
{
	char when[40];

	switch (x->kind) {
	case F_STR:
		json_str(f, x->s);
		break;
	case F_UINT:
		fprintf(f, "%lld", (long long)x->n);
		break;
	case F_BOOL:
		fputs(x->n ? "true" : "false", f);
		break;
	case F_TIME:
		time_str(when, x->n);
		json_str(f, when);
		break;
	case F_LIST:
		json_list(f, x->s);
		break;
	}
}

static void write_ndjson(FILE *f, const struct record *r)
{
	char when[40];
	int i;

	time_str(when, r->time);
	fprintf(f, "{\"type\":\"%s\",\"time\":\"%s\"", r->type, when);
	for (i = 0; i < r->nf; i++) {
		const struct field *x = &r->f[i];
		const char *dot = strchr(x->key, '.');
		if (!dot) {
			fprintf(f, ",\"%s\":", x->key);
			json_value(f, x);
			continue;
		}
		/* parts of one quantity are consecutive */
		bool first = i == 0 || strncmp(r->f[i - 1].key, x->key, (size_t)(dot - x->key) + 1) != 0;
		bool last =
		    i + 1 == r->nf || strncmp(r->f[i + 1].key, x->key, (size_t)(dot - x->key) + 1) != 0;
		if (first)
			fprintf(f, ",\"%.*s\":{", (int)(dot - x->key), x->key);
		else
			putc(',', f);
		fprintf(f, "\"%s\":", dot + 1);
		json_value(f, x);
		if (last)
			putc('}', f);
	}
	fputs("}\n", f);
}

static void write_csv(FILE *f, const char *const *columns, const struct record *r)
{
	char when[40], num[32];
	int c, i;

	for (c = 0; columns[c]; c++) {
		if (c)
			putc(',', f);
		if (strcmp(columns[c], "type") == 0) {
			fputs(r->type, f);
			continue;
		}
		if (strcmp(columns[c], "time") == 0) {
			time_str(when, r->time);
			fputs(when, f);
			continue;
		}
		for (i = 0; i < r->nf && strcmp(r->f[i].key, columns[c]) != 0; i++)
			;
		if (i == r->nf)
			continue;
		switch (r->f[i].kind) {
		case F_STR:
		case F_LIST:
			ct_records_csv_cell(f, r->f[i].s);
			break;
		case F_UINT:
			snprintf(num, sizeof(num), "%lld", (long long)r->f[i].n);
			fputs(num, f);
			break;
		case F_BOOL:
			fputs(r->f[i].n ? "true" : "false", f);
			break;
		case F_TIME:
			time_str(when, r->f[i].n);
			fputs(when, f);
			break;
		}
	}
	putc('\n', f);
}

int ct__rfile_open(struct rfile *f, const char *path, bool csv, const char *const *columns)
{
	int c;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->csv = csv;
	f->columns = columns;
	if (!(f->f = fopen(path, "w")))
		return ct_error_set(CT_EIO, "cannot write %s: %m", path);
	if (csv) {
		for (c = 0; columns[c]; c++)
			fprintf(f->f, "%s%s", c ? "," : "", columns[c]);
		putc('\n', f->f);
	}
	return 0;
}

int ct__rfile_write(struct rfile *f, const struct record *r)
{
	if (f->csv)
		write_csv(f->f, f->columns, r);
	else
		write_ndjson(f->f, r);
	f->records++;
	return 0;
}

int ct__rfile_close(struct rfile *f)
{
	int bad;

	if (!f->f)
		return 0;
	bad = ferror(f->f);
	bad |= fclose(f->f) != 0;
	f->f = NULL;
	return bad ? ct_error_set(CT_EIO, "cannot write %s (disk full?)", f->path) : 0;
}
