/*
 * Shared body of fuzz_records_csv.c and fuzz_records_ndjson.c: the input is
 * a whole export file, read with ct_records_open / ct_records_next to its
 * end or its first error.
 *
 * Invariants checked on every input:
 *  - open and next return only their documented codes (CT_EINVAL,
 *    CT_ENOMEM; next also 1 and 0);
 *  - a record read is a JSON object, and a refused one leaves *out NULL;
 *  - the line a record starts on never goes back and never passes the
 *    number of lines in the input plus one;
 *  - after the end (0) the reader stays at the end;
 *  - the reader terminates (at most one record per input byte plus one).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "caltrace/base/error.h"
#include "caltrace/records/records.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static void fuzz_records(const uint8_t *data, size_t size, ct_records_format format)
{
	ct_records *r = NULL;
	unsigned long lines = 1, last = 0, line;
	size_t i, count = 0;
	json_t *rec;
	FILE *in;
	int rc;

	if (size == 0)
		return; /* fmemopen refuses an empty buffer before glibc 2.22: no reader to test */
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	in = fmemopen((void *)data, size, "rb");
	CHECK(in != NULL);
	rc = ct_records_open(&r, in, format);
	CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ENOMEM);
	if (rc == 0) {
		for (;;) {
			rec = NULL;
			rc = ct_records_next(r, &rec);
			CHECK(rc == 1 || rc == 0 || rc == CT_EINVAL || rc == CT_ENOMEM);
			line = ct_records_line(r);
			CHECK(line <= lines + 1);
			if (rc != 1) {
				CHECK(rec == NULL);
				break;
			}
			CHECK(json_is_object(rec));
			CHECK(line >= last);
			last = line;
			json_decref(rec);
			CHECK(++count <= size + 1);
		}
		if (rc == 0) {
			rec = NULL;
			CHECK(ct_records_next(r, &rec) == 0 && rec == NULL);
		}
	}
	ct_records_close(r);
	fclose(in);
}
