/*
 * The LMDB environment: opening, transactions, raw access, heads, reads of
 * entries and trees, the state digest.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"
#include "summary_internal.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 30)
#define DEFAULT_PENDING_MAX 100000
#define DEFAULT_MAP_MAX ((size_t)64 << 40)

static const struct {
	const char *name;
	unsigned flags;
} db_specs[DB__COUNT] = {
	[DB_META] = {"meta", 0},
	[DB_ENTRIES] = {"log", 0},
	[DB_HASHES] = {"hashes", 0},
	[DB_HRECENT] = {"hrecent", 0},
	[DB_POS] = {"pos", 0},
	[DB_HEADS] = {"heads", 0},
	[DB_TREE] = {"tree", 0},
	[DB_FORKS] = {"forks", 0},
	[DB_PENDING] = {"pending", 0},
	[DB_SUBJECTS] = {"subjects", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_USES] = {"uses", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_ORGS] = {"orgs", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_PERSONS] = {"persons", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_CATALOGUE] = {"catalogue", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_REVOKES] = {"revokes", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_NINDEX] = {"nindex", 0},
	[DB_SUMMARY] = {"summary", 0},
};

int ct__mdb_error(int rc, const char *what)
{
	switch (rc) {
	case MDB_NOTFOUND:
		return ct_error_set(CT_ENOTFOUND, "%s: not found", what);
	case MDB_MAP_FULL:
		return ct_error_set(CT_ENOSPACE,
				    "%s: the store's map is full: it grows at the next write unless it reached its "
				    "largest size or the disk is full",
				    what);
	case ENOSPC:
		return ct_error_set(CT_ENOSPACE, "%s: no space left on device", what);
	case ENOMEM:
		return ct_error_set(CT_ENOMEM, "%s: out of memory", what);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return ct_error_set(CT_ECORRUPT, "%s: %s", what, mdb_strerror(rc));
	default:
		return ct_error_set(CT_EIO, "%s: %s", what, mdb_strerror(rc));
	}
}

int ct__open_dbs(ct_ledger *l, bool migrate)
{
	MDB_txn *txn = NULL;
	unsigned create = l->read_only ? 0 : MDB_CREATE, from = 0;
	bool missing_v3 = false;
	int rc, i;

	rc = mdb_txn_begin(l->env, NULL, l->read_only ? MDB_RDONLY : 0, &txn);
	if (rc)
		return ct__mdb_error(rc, "opening the store");
	for (i = 0; i < DB__COUNT; i++) {
		rc = mdb_dbi_open(txn, db_specs[i].name, db_specs[i].flags | create, &l->dbi[i]);
		if (rc == MDB_NOTFOUND && (i == DB_NINDEX || i == DB_SUMMARY)) {
			/* a store from before the network index, read-only: everything else works */
			l->dbi[i] = 0;
			continue;
		}
		if (rc == MDB_NOTFOUND && (i == DB_ENTRIES || i == DB_POS || i == DB_HRECENT)) {
			/* a store of format 2 or older, read-only: the format check refuses it, naming why */
			missing_v3 = true;
			l->dbi[i] = 0;
			continue;
		}
		if (rc) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND)
				return ct_error_set(CT_ECORRUPT, "store in %s has no '%s' database: not a caltrace store",
						 l->dir, db_specs[i].name);
			return ct__mdb_error(rc, "opening the store's databases");
		}
	}
	if ((rc = ct__format_check(l, txn, migrate, &from)) < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if (missing_v3) {
		mdb_txn_abort(txn);
		return ct_error_set(CT_ECORRUPT, "store in %s has no '%s' database: not a caltrace store", l->dir,
				    !l->dbi[DB_ENTRIES] ? "log" : !l->dbi[DB_POS] ? "pos" : "hrecent");
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return ct__mdb_error(rc, "opening the store");
	l->has_nindex = l->dbi[DB_NINDEX] != 0;
	if (from < CT_STORE_FORMAT && from != 0)
		l->migrated_from = from;
	return 0;
}

unsigned ct_ledger_migrated_from(const ct_ledger *l)
{
	return l->migrated_from;
}

/*
 * Whether the lock region of dir/lock.mdb was reset by a compaction
 * (compact.c) while this process waited to open the store: its magic
 * number zeroed, which makes LMDB refuse it until a process opening the
 * store alone initialises it again.
 */
static bool lock_reset(const char *dir)
{
	uint8_t magic[4];
	char path[4200];
	bool zero;
	int fd;

	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	zero = pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	       !(magic[0] | magic[1] | magic[2] | magic[3]);
	close(fd);
	return zero;
}

/* Creates l->env and opens it on dir; again, a few times, after a compaction it waited for. */
int ct__env_open(ct_ledger *l, const char *dir, const ct_ledger_opts *opts)
{
	for (int tries = 0;; tries++) {
		int rc;

		if ((rc = mdb_env_create(&l->env)) != 0)
			return ct__mdb_error(rc, "creating the LMDB environment");
		mdb_env_set_maxdbs(l->env, DB__COUNT + 2);
		mdb_env_set_maxreaders(l->env, 256);
		/*
		 * An explicit size is set before opening. Otherwise the store's own
		 * (as large as any process grew it) is kept, raised to the default.
		 */
		if (opts && opts->map_size && (rc = mdb_env_set_mapsize(l->env, opts->map_size)) != 0)
			return ct__mdb_error(rc, "setting the map size");
		rc = mdb_env_open(l->env, dir,
				  (l->read_only ? MDB_RDONLY : 0) | MDB_NOTLS |
				      (opts && opts->no_sync ? MDB_NOSYNC : 0),
				  0600);
		if (rc == 0)
			return 0;
		mdb_env_close(l->env);
		l->env = NULL;
		if (rc == MDB_INVALID && tries < 100 && lock_reset(dir)) {
			struct timespec ts = {0, 10 * 1000000L};

			nanosleep(&ts, NULL); /* another waiter may hold it a moment */
			continue;
		}
		return rc == ENOENT && l->read_only ? ct_error_set(CT_ENOTFOUND, "no store in %s", dir)
						    : ct__mdb_error(rc, dir);
	}
}

int ct_ledger_open(ct_ledger **out, const char *dir, const ct_ledger_opts *opts)
{
	ct_ledger *l = NULL;
	struct stat st;
	int rc, err;

	*out = NULL;
	if (sodium_init() < 0)
		return ct_error_set(CT_ERROR, "libsodium failed to initialise");
	if (stat(dir, &st) != 0) {
		if (opts && opts->read_only)
			return ct_error_set(CT_ENOTFOUND, "no store in %s", dir);
		if (mkdir(dir, 0700) != 0)
			return ct_error_set(CT_EIO, "cannot create %s: %s", dir, strerror(errno));
	}
	l = calloc(1, sizeof(*l));
	if (!l || !(l->dir = strdup(dir))) {
		free(l);
		return ct_error_set(CT_ENOMEM, "out of memory opening %s", dir);
	}
	l->read_only = opts && opts->read_only;
	l->no_sync = opts && opts->no_sync;
	l->lock_fd = -1;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->swapped, NULL);
	l->map_grows = !opts || !opts->map_size || opts->map_grows;
	l->map_max = opts && opts->map_max ? opts->map_max : DEFAULT_MAP_MAX;
	l->pending_max = opts && opts->pending_max ? opts->pending_max : DEFAULT_PENDING_MAX;
	if (opts && opts->network) {
		l->pinned = true;
		memcpy(l->network, opts->network, CT_HASH_BYTES);
	}
	if ((err = ct__env_open(l, dir, opts)) < 0)
		goto fail;
	if (!(opts && opts->map_size)) {
		MDB_envinfo info;
		size_t want = DEFAULT_MAP_SIZE < l->map_max ? DEFAULT_MAP_SIZE : l->map_max;

		/*
		 * The store's own size is raised to the default, and brought down
		 * to map_max when a process with a larger limit grew it past that
		 * (LMDB keeps it at least as large as the data).
		 */
		mdb_env_info(l->env, &info);
		if (info.me_mapsize > l->map_max)
			want = l->map_max;
		else if (info.me_mapsize >= want)
			want = 0;
		if (want && (rc = mdb_env_set_mapsize(l->env, want)) != 0) {
			err = ct__mdb_error(rc, "setting the map size");
			goto fail;
		}
	}
	if ((err = ct__open_dbs(l, opts && opts->migrate && !l->read_only)) < 0)
		goto fail;
	if (opts && opts->no_netindex)
		l->has_nindex = false;
	l->hash_merge_at = opts ? opts->hash_merge_at : 0;
	if ((err = ct__summary_ensure(l, opts ? opts->progress : NULL, opts ? opts->progress_ctx : NULL)) < 0)
		goto fail;
	*out = l;
	return 0;
fail:
	ct_ledger_close(l);
	return err;
}

void ct_ledger_close(ct_ledger *l)
{
	if (!l)
		return;
	if (l->env)
		mdb_env_close(l->env);
	if (l->lock_fd >= 0)
		close(l->lock_fd); /* after the environment: its locks are gone with it */
	pthread_cond_destroy(&l->swapped);
	pthread_mutex_destroy(&l->lock);
	free(l->dir);
	free(l);
}

int ct_batch_begin(ct_batch **out, ct_ledger *l)
{
	ct_batch *b;
	int err;

	*out = NULL;
	if (l->read_only)
		return ct_error_set(CT_EINVAL, "store %s is open read-only", l->dir);
	b = calloc(1, sizeof(*b));
	if (!b)
		return ct_error_set(CT_ENOMEM, "out of memory starting a write");
	b->l = l;
	b->rd.l = l;
	b->rd.batch = b;
	ct__map_maybe_grow(l);
	if ((err = ct__txn_begin(l, 0, &b->rd.txn)) < 0) {
		free(b);
		return err;
	}
	*out = b;
	return 0;
}

/* Adds what the batch stored to the entry counters (format 2). */
static int count_added(ct_batch *b)
{
	static const char *const names[2] = {"entries", "entry_bytes"};
	const uint64_t added[2] = {b->added_entries, b->added_bytes};
	uint8_t val[8];
	MDB_val v;
	int err;

	for (int i = 0; i < 2; i++) {
		uint64_t held = 0;

		err = ct__get(&b->rd, DB_META, names[i], strlen(names[i]), &v);
		if (err == 0 && v.mv_size == 8)
			held = ct__get_u64(v.mv_data);
		else if (err == 0 || err != CT_ENOTFOUND)
			return err == 0 ? ct_error_set(CT_ECORRUPT, "the store's '%s' counter has %zu bytes", names[i],
							v.mv_size)
					: err;
		ct__put_u64(val, held + added[i]);
		if ((err = ct__put(b, DB_META, names[i], strlen(names[i]), val, sizeof(val), 0)) < 0)
			return err;
	}
	return 0;
}

int ct__batch_poison(ct_batch *b, int err)
{
	if (!b->poisoned) {
		b->poisoned = err;
		snprintf(b->poison_why, sizeof(b->poison_why), "%s", ct_error_last());
	}
	return b->poisoned;
}

int ct_batch_commit(ct_batch *b)
{
	int rc, err = 0;

	if (!b->poisoned)
		ct__hash_flush(b); /* an error poisons the batch */
	if (!b->poisoned)
		ct__netindex_commit(b); /* the same */
	if (!b->poisoned)
		ct__hash_merge(b); /* the same */
	if (!b->poisoned && b->added_entries && (err = count_added(b)) < 0)
		ct__batch_poison(b, err);
	if (b->poisoned) {
		err = b->poisoned;
		mdb_txn_abort(b->rd.txn);
		/* the first error's own detail: what came after it only failed because of it */
		ct_error_set(err, "batch not committed after an earlier write error: %s", b->poison_why);
	} else if ((rc = mdb_txn_commit(b->rd.txn)) != 0) {
		if (rc == MDB_MAP_FULL)
			b->l->full_seen = true;
		err = ct__mdb_error(rc, "committing");
	}
	ct_buf_free(&b->ndirty);
	ct_buf_free(&b->pack);
	ct_hmap_free(&b->words, NULL);
	ct_hmap_free(&b->feeds, NULL);
	ct_buf_free(&b->hpend);
	ct__reader_release(&b->rd);
	ct__txn_end(b->l);
	free(b);
	return err;
}

void ct_batch_abort(ct_batch *b)
{
	if (!b)
		return;
	mdb_txn_abort(b->rd.txn);
	ct_buf_free(&b->ndirty);
	ct_buf_free(&b->pack);
	ct_hmap_free(&b->words, NULL);
	ct_hmap_free(&b->feeds, NULL);
	ct_buf_free(&b->hpend);
	ct__reader_release(&b->rd);
	ct__txn_end(b->l);
	free(b);
}

ct_reader *ct_batch_reader(ct_batch *b)
{
	return &b->rd;
}

int ct_reader_begin(ct_reader **out, ct_ledger *l)
{
	ct_reader *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ct_error_set(CT_ENOMEM, "out of memory starting a read");
	r->l = l;
	r->owned = true;
	if ((err = ct__txn_begin(l, MDB_RDONLY, &r->txn)) < 0) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

void ct_reader_end(ct_reader *r)
{
	if (!r)
		return;
	if (r->owned) {
		mdb_txn_abort(r->txn);
		ct__reader_release(r);
		ct__txn_end(r->l);
		free(r);
	}
}

int ct__get(ct_reader *r, enum ct_db db, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k = {klen, (void *)key};
	int rc = mdb_get(r->txn, r->l->dbi[db], &k, val);

	if (rc == MDB_NOTFOUND)
		return CT_ENOTFOUND; /* expected: callers say what was missing */
	if (rc)
		return ct__mdb_error(rc, db_specs[db].name);
	return 0;
}

int ct__put(ct_batch *b, enum ct_db db, const void *key, size_t klen, const void *val, size_t vlen,
	    unsigned flags)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int rc;

	if (b->poisoned)
		return b->poisoned;
	rc = mdb_put(b->rd.txn, b->l->dbi[db], &k, &v, flags);
	if (rc == MDB_KEYEXIST)
		return CT_EEXISTS;
	if (rc == MDB_MAP_FULL)
		b->l->full_seen = true;
	if (rc) {
		return ct__batch_poison(b, ct__mdb_error(rc, db_specs[db].name));
	}
	return 0;
}

int ct__del(ct_batch *b, enum ct_db db, const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int rc;

	if (b->poisoned)
		return b->poisoned;
	rc = mdb_del(b->rd.txn, b->l->dbi[db], &k, val ? &v : NULL);
	if (rc && rc != MDB_NOTFOUND) {
		return ct__batch_poison(b, ct__mdb_error(rc, db_specs[db].name));
	}
	return 0;
}
