/*
 * Network checkpoint notes and evidence, kept in DB_META:
 *
 *   "netcp"  order(8) text-hash(32)  -> the note (signature lines merged by the caller)
 *   "netbad" SHA-256(record)         -> a record of evidence against a note's signer
 *
 * What the notes mean is core/proof/netcheckpoint.c's.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define NOTE_PREFIX "netcp"
#define NOTE_KEY    (5 + 8 + CT_HASH_BYTES)
#define BAD_PREFIX  "netbad"
#define BAD_KEY	    (6 + CT_HASH_BYTES)

static void note_key(uint8_t out[NOTE_KEY], uint64_t order, const uint8_t hash[CT_HASH_BYTES])
{
	memcpy(out, NOTE_PREFIX, 5);
	ct__put_u64(out + 5, order);
	memcpy(out + 13, hash, CT_HASH_BYTES);
}

/* Counts the held notes and finds the smallest. */
static int census(ct_reader *r, size_t *count, uint8_t smallest[NOTE_KEY])
{
	MDB_cursor *cur = NULL;
	MDB_val k = {5, NOTE_PREFIX}, v;
	int rc;

	*count = 0;
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_META], &cur)) != 0)
		return ct__mdb_error(rc, "meta");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != NOTE_KEY || memcmp(k.mv_data, NOTE_PREFIX, 5) != 0)
			break;
		if (!*count)
			memcpy(smallest, k.mv_data, NOTE_KEY);
		++*count;
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? ct__mdb_error(rc, "meta") : 0;
}

int ct_batch_put_netnote(ct_batch *b, uint64_t order, const uint8_t text_hash[CT_HASH_BYTES], const uint8_t *note,
			 size_t len)
{
	uint8_t key[NOTE_KEY], smallest[NOTE_KEY];
	size_t count;
	MDB_val v;
	int err;

	if (len > CT_NETNOTE_MAX)
		return ct_error_set(CT_ETOOBIG, "network checkpoint note of %zu bytes (at most %d are kept)", len,
				    CT_NETNOTE_MAX);
	note_key(key, order, text_hash);
	err = ct__get(&b->rd, DB_META, key, sizeof(key), &v);
	if (err == CT_ENOTFOUND) {
		if ((err = census(&b->rd, &count, smallest)) < 0)
			return err;
		if (count >= CT_NETNOTES_KEPT && memcmp(smallest, key, NOTE_KEY) < 0 &&
		    (err = ct__del(b, DB_META, smallest, NOTE_KEY, NULL, 0)) < 0)
			return err;
		if (count >= CT_NETNOTES_KEPT && memcmp(smallest, key, NOTE_KEY) > 0)
			return 0; /* older than everything kept */
	} else if (err < 0) {
		return err;
	}
	return ct__put(b, DB_META, key, sizeof(key), note, len, 0);
}

int ct_read_netnote(const uint8_t **note, size_t *len, ct_reader *r, uint64_t order,
		    const uint8_t text_hash[CT_HASH_BYTES])
{
	uint8_t key[NOTE_KEY];
	MDB_val v;
	int err;

	note_key(key, order, text_hash);
	if ((err = ct__get(r, DB_META, key, sizeof(key), &v)) < 0)
		return err;
	*note = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int ct_read_netnotes(ct_reader *r, ct_netnote_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	uint8_t past[6] = {'n', 'e', 't', 'c', 'p' + 1, 0};
	MDB_val k = {5, past}, v;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_META], &cur)) != 0)
		return ct__mdb_error(rc, "meta");
	/* from the first key past the prefix, backwards */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : rc;
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		if (k.mv_size < 5 || memcmp(k.mv_data, NOTE_PREFIX, 5) != 0)
			break;
		if (k.mv_size != NOTE_KEY)
			continue;
		if ((err = cb(ctx, ct__get_u64((const uint8_t *)k.mv_data + 5), v.mv_data, v.mv_size)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (err < 0)
		return err;
	return err == 0 && rc && rc != MDB_NOTFOUND ? ct__mdb_error(rc, "meta") : 0;
}

int ct_batch_put_evidence(ct_batch *b, const uint8_t *rec, size_t len)
{
	uint8_t key[BAD_KEY];

	if (len > 2 * CT_NETNOTE_MAX)
		return ct_error_set(CT_ETOOBIG, "evidence record of %zu bytes", len);
	memcpy(key, BAD_PREFIX, 6);
	crypto_hash_sha256(key + 6, rec, len);
	return ct__put(b, DB_META, key, sizeof(key), rec, len, 0);
}

int ct_read_evidence(ct_reader *r, ct_netnote_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {6, BAD_PREFIX}, v;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_META], &cur)) != 0)
		return ct__mdb_error(rc, "meta");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != BAD_KEY || memcmp(k.mv_data, BAD_PREFIX, 6) != 0)
			break;
		if ((err = cb(ctx, 0, v.mv_data, v.mv_size)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (err < 0)
		return err;
	return err == 0 && rc && rc != MDB_NOTFOUND ? ct__mdb_error(rc, "meta") : 0;
}
