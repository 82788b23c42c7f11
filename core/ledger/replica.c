/*
 * State that replication keeps in the store besides entries: the largest
 * size peers reported for a feed, fork proofs received from peers, and
 * checkpoint notes carried between nodes. All of it lives in DB_META under
 * its own key prefix:
 *
 *   "remote" author(32)            -> size(8)
 *   "note"   author(32) hash(32)   -> note bytes
 *   "cpfork" author(32)            -> u32 length of a || a || b: two checkpoint
 *                                     notes of the feed that cannot both be true
 *   "restored"                     -> (empty): restored from a backup, own feed unconfirmed
 *
 * Besides: the raw read of a run of entries a serving node needs, and one
 * memory helper for long-running processes (ct_ledger_trim_memory).
 */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "store_internal.h"

#define REMOTE_PREFIX	 "remote"
#define REMOTE_KEY_BYTES (6 + CT_KEY_BYTES)
#define NOTE_PREFIX	 "note"
#define NOTE_KEY_BYTES	 (4 + CT_KEY_BYTES + CT_HASH_BYTES)

static void remote_key(uint8_t out[REMOTE_KEY_BYTES], const uint8_t author[CT_KEY_BYTES])
{
	memcpy(out, REMOTE_PREFIX, 6);
	memcpy(out + 6, author, CT_KEY_BYTES);
}

int ct_read_remote_size(uint64_t *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES])
{
	uint8_t key[REMOTE_KEY_BYTES];
	MDB_val v;
	int err;

	*out = 0;
	remote_key(key, author);
	if ((err = ct__get(r, DB_META, key, sizeof(key), &v)) < 0)
		return err == CT_ENOTFOUND ? 0 : err;
	if (v.mv_size != 8)
		return ct_error_set(CT_ECORRUPT, "remote size record has %zu bytes", v.mv_size);
	*out = ct__get_u64(v.mv_data);
	return 0;
}

#define RESTORED_KEY "restored"

int ct_batch_set_restored(ct_batch *b, bool restored)
{
	if (restored)
		return ct__put(b, DB_META, RESTORED_KEY, strlen(RESTORED_KEY), "", 0, 0);
	return ct__del(b, DB_META, RESTORED_KEY, strlen(RESTORED_KEY), NULL, 0);
}

int ct_read_restored(bool *out, ct_reader *r)
{
	MDB_val v;
	int err = ct__get(r, DB_META, RESTORED_KEY, strlen(RESTORED_KEY), &v);

	*out = err == 0;
	return err == CT_ENOTFOUND ? 0 : err;
}

int ct_batch_note_remote_size(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint64_t size)
{
	uint8_t key[REMOTE_KEY_BYTES], val[8];
	uint64_t held;
	int err;

	if ((err = ct_read_remote_size(&held, &b->rd, author)) < 0)
		return err;
	if (size <= held)
		return 0;
	remote_key(key, author);
	ct__put_u64(val, size);
	return ct__put(b, DB_META, key, sizeof(key), val, sizeof(val), 0);
}

int ct_batch_record_fork(ct_batch *b, const uint8_t *a, size_t a_len, const uint8_t *bb, size_t b_len)
{
	ct_entry ea, eb;
	int err;

	if (b->poisoned)
		return b->poisoned;
	if ((err = ct_fork_proof_check(a, a_len, bb, b_len)) < 0)
		return err;
	if ((err = ct_entry_decode(&ea, a, a_len)) < 0 || (err = ct_entry_decode(&eb, bb, b_len)) < 0)
		return err;
	return ct__fork_put(b, &ea, &eb);
}

/* Counts the notes held for author (stops counting at limit). */
static int count_notes(ct_reader *r, const uint8_t author[CT_KEY_BYTES], size_t limit, size_t *out)
{
	uint8_t prefix[4 + CT_KEY_BYTES];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	memcpy(prefix, NOTE_PREFIX, 4);
	memcpy(prefix + 4, author, CT_KEY_BYTES);
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_META], &cur)) != 0)
		return ct__mdb_error(rc, "meta");
	k.mv_size = sizeof(prefix);
	k.mv_data = prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < limit;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != NOTE_KEY_BYTES || memcmp(k.mv_data, prefix, sizeof(prefix)) != 0)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "meta");
	*out = n;
	return 0;
}

int ct_batch_put_note(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len)
{
	uint8_t key[NOTE_KEY_BYTES];
	char name[CT_KEY_SHORT_LEN + 1];
	size_t held = 0;
	MDB_val v;
	int err;

	ct_key_short(name, author);
	if (len > CT_STORED_NOTE_MAX)
		return ct_error_set(CT_ETOOBIG, "checkpoint note of %s… has %zu bytes, at most %d are kept",
				 name, len, CT_STORED_NOTE_MAX);
	memcpy(key, NOTE_PREFIX, 4);
	memcpy(key + 4, author, CT_KEY_BYTES);
	crypto_hash_sha256(key + 4 + CT_KEY_BYTES, note, len);
	err = ct__get(&b->rd, DB_META, key, sizeof(key), &v);
	if (err == 0)
		return CT_EEXISTS;
	if (err != CT_ENOTFOUND)
		return err;
	if ((err = count_notes(&b->rd, author, CT_NOTES_PER_FEED, &held)) < 0)
		return err;
	if (held >= CT_NOTES_PER_FEED)
		return ct_error_set(CT_EFULL, "feed %s… already has %d checkpoint notes", name,
				 CT_NOTES_PER_FEED);
	return ct__put(b, DB_META, key, sizeof(key), note, len, 0);
}

int ct_batch_del_note(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len)
{
	uint8_t key[NOTE_KEY_BYTES];

	memcpy(key, NOTE_PREFIX, 4);
	memcpy(key + 4, author, CT_KEY_BYTES);
	crypto_hash_sha256(key + 4 + CT_KEY_BYTES, note, len);
	return ct__del(b, DB_META, key, sizeof(key), NULL, 0);
}

#define CPFORK_PREFIX	 CT__CPFORK_PREFIX
#define CPFORK_KEY_BYTES CT__CPFORK_KEY_BYTES

int ct_batch_record_checkpoint_fork(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const uint8_t *a,
				    size_t a_len, const uint8_t *bb, size_t b_len)
{
	uint8_t key[CPFORK_KEY_BYTES], head[CT_HASH_BYTES];
	uint8_t *proof = NULL;
	uint64_t size;
	unsigned flags;
	MDB_val v;
	int err;

	if (b->poisoned)
		return b->poisoned;
	memcpy(key, CPFORK_PREFIX, 6);
	memcpy(key + 6, author, CT_KEY_BYTES);
	err = ct__get(&b->rd, DB_META, key, sizeof(key), &v);
	if (err == 0)
		return CT_EEXISTS;
	if (err != CT_ENOTFOUND)
		return err;
	if (!(proof = malloc(4 + a_len + b_len)))
		return ct_error_set(CT_ENOMEM, "out of memory recording a checkpoint fork");
	proof[0] = (uint8_t)(a_len >> 24);
	proof[1] = (uint8_t)(a_len >> 16);
	proof[2] = (uint8_t)(a_len >> 8);
	proof[3] = (uint8_t)a_len;
	memcpy(proof + 4, a, a_len);
	if (b_len)
		memcpy(proof + 4 + a_len, bb, b_len);
	err = ct__put(b, DB_META, key, sizeof(key), proof, 4 + a_len + b_len, 0);
	free(proof);
	if (err < 0)
		return err;
	if ((err = ct__head_get(&b->rd, author, &size, head, &flags)) < 0 ||
	    (err = ct__head_put(b, author, size, size ? head : NULL, flags | HEAD_FORKED)) < 0)
		return err;
	return ct__netindex_touch_fork(b, author);
}

int ct_read_checkpoint_fork(const uint8_t **a, size_t *a_len, const uint8_t **bb, size_t *b_len, ct_reader *r,
			    const uint8_t author[CT_KEY_BYTES])
{
	uint8_t key[CPFORK_KEY_BYTES];
	const uint8_t *p;
	size_t alen;
	MDB_val v;
	int err;

	memcpy(key, CPFORK_PREFIX, 6);
	memcpy(key + 6, author, CT_KEY_BYTES);
	if ((err = ct__get(r, DB_META, key, sizeof(key), &v)) < 0)
		return err;
	p = v.mv_data;
	if (v.mv_size < 4)
		return ct_error_set(CT_ECORRUPT, "checkpoint fork record has %zu bytes", v.mv_size);
	alen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (alen > v.mv_size - 4)
		return ct_error_set(CT_ECORRUPT, "checkpoint fork record is truncated");
	*a = p + 4;
	*a_len = alen;
	*bb = p + 4 + alen;
	*b_len = v.mv_size - 4 - alen;
	return 0;
}

int ct_read_notes_of(ct_reader *r, const uint8_t *author, ct_note_fn cb, void *ctx)
{
	uint8_t prefix[4 + CT_KEY_BYTES];
	size_t plen = author ? sizeof(prefix) : 4;
	MDB_cursor *cur = NULL;
	MDB_val k = {plen, prefix}, v;
	int rc, err = 0;

	memcpy(prefix, NOTE_PREFIX, 4);
	if (author)
		memcpy(prefix + 4, author, CT_KEY_BYTES);
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_META], &cur)) != 0)
		return ct__mdb_error(rc, "meta");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != NOTE_KEY_BYTES || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if ((err = cb(ctx, (const uint8_t *)k.mv_data + 4, v.mv_data, v.mv_size)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (err < 0)
		return err;
	if (err == 0 && rc && rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "meta");
	return 0;
}

int ct_read_notes(ct_reader *r, ct_note_fn cb, void *ctx)
{
	return ct_read_notes_of(r, NULL, cb, ctx);
}

int ct_read_entries_raw(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t from, uint64_t to,
			ct_raw_entry_fn cb, void *ctx)
{
	uint64_t seq, number;
	MDB_val v;
	int err = 0;

	for (seq = from; seq >= 1 && seq <= to && err == 0; seq++) {
		/* A feed's entries are stored without gaps: its first missing position ends the run. */
		err = ct__pos_get(r, author, seq, &number, NULL);
		if (err == CT_ENOTFOUND)
			return 0;
		if (err < 0 || (err = ct__entry_get(r, number, &v)) < 0)
			return err;
		err = cb(ctx, seq, v.mv_data, v.mv_size);
	}
	return err < 0 ? err : 0;
}

/*
 * LMDB does not say where it mapped the file (me_mapaddr is only set for a
 * fixed map), so the mapping is looked up in /proc/self/maps each time (a
 * remembered address could outlive its store and name other memory).
 * Elsewhere than Linux this does nothing.
 */
int ct_ledger_trim_memory(ct_ledger *l)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], line[PATH_MAX + 200];
	unsigned long start, end;
	size_t plen;
	FILE *maps;
	int err = 0;

	if (!realpath(l->dir, dir))
		return 0;
	/* The map must not move (grow) between reading its address and releasing its pages. */
	ct__map_hold(l);
	if (!(maps = fopen("/proc/self/maps", "r"))) {
		ct__map_release(l);
		return 0;
	}
	snprintf(path, sizeof(path), " %s/data.mdb", dir);
	plen = strlen(path);
	while (fgets(line, sizeof(line), maps)) {
		size_t len = strcspn(line, "\n");
		line[len] = '\0';
		/* "start-end perms offset dev inode   /abs/path" */
		if (len < plen || strcmp(line + len - plen, path) != 0 ||
		    sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		/*
		 * A read-only shared file mapping: dropping its pages loses
		 * nothing. MADV_RANDOM first: no readahead into the map (faults
		 * still map the cached pages around them: hence trimming often).
		 */
		madvise((void *)start, end - start, MADV_RANDOM);
		if (madvise((void *)start, end - start, MADV_DONTNEED) != 0)
			err = ct_error_set(CT_EIO, "cannot release the store's pages: %s", strerror(errno));
	}
	fclose(maps);
	ct__map_release(l);
	return err;
}
