/*
 * A scan of the subject index in one cursor pass (index.h): the way
 * coverage and due lists visit every instrument of a city.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Appends the rows of the cursor's current key (a DUPFIXED page at a time) to *rows. */
static int scan_rows(MDB_cursor *cur, ct_index_row **rows, size_t *count, size_t *cap)
{
	MDB_val k, v;
	size_t i, n, dups;
	int rc, first;

	*count = 0;
	/* A key with one value has no duplicate page: MDB_GET_MULTIPLE would return nothing. */
	if ((rc = mdb_cursor_count(cur, &dups)) != 0)
		return ct__mdb_error(rc, "subjects");
	first = dups == 1 ? MDB_GET_CURRENT : MDB_GET_MULTIPLE;
	for (rc = mdb_cursor_get(cur, &k, &v, first); rc == 0;
	     rc = dups == 1 ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
		const uint8_t *p = v.mv_data;

		if (v.mv_size % ROW_BYTES != 0)
			return ct_error_set(CT_ECORRUPT, "index rows of %zu bytes", v.mv_size);
		n = v.mv_size / ROW_BYTES;
		if (*count + n > *cap) {
			size_t grown = (*count + n) * 2;
			ct_index_row *more = realloc(*rows, grown * sizeof(**rows));
			if (!more)
				return ct_error_set(CT_ENOMEM, "out of memory scanning the index");
			*rows = more;
			*cap = grown;
		}
		for (i = 0; i < n; i++, p += ROW_BYTES) {
			ct_index_row *row = &(*rows)[(*count)++];
			row->kind = (char)p[0];
			row->time = ct__get_u64(p + 1);
			memcpy(row->hash, p + 9, CT_HASH_BYTES);
		}
	}
	return rc == MDB_NOTFOUND ? 0 : ct__mdb_error(rc, "subjects");
}

int ct_read_subject_scan(ct_reader *r, char ns, unsigned part, unsigned parts, ct_subject_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	uint8_t prefix = (uint8_t)ns;
	MDB_val k = {1, &prefix}, v;
	ct_index_row *rows = NULL;
	size_t count = 0, cap = 0;
	uint64_t number = 0;
	int rc, err = 0;

	if (parts == 0)
		parts = 1;
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_SUBJECTS], &cur)) != 0)
		return ct__mdb_error(rc, "subjects");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP), number++) {
		const char *id = (const char *)k.mv_data + 1;
		size_t id_len = k.mv_size - 1;

		if (k.mv_size < 2 || ((uint8_t *)k.mv_data)[0] != prefix)
			break;
		if (number % parts != part)
			continue;
		if ((err = scan_rows(cur, &rows, &count, &cap)) < 0)
			break;
		if ((err = cb(ctx, id, id_len, rows, count)) != 0)
			break;
	}
	if (rc && rc != MDB_NOTFOUND && err == 0)
		err = ct__mdb_error(rc, "subjects");
	mdb_cursor_close(cur);
	free(rows);
	return err < 0 ? err : 0;
}
