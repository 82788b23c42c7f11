/*
 * Compacting a store (caltrace/ledger/ledger.h, ct_ledger_compact;
 * docs/OPERATIONS.md, "Compacting a home"; docs/DECISIONS.md says why).
 *
 * LMDB splits a full page in two halves, so a database whose records go in
 * at random places (the subject rows, the network index, the summary, the
 * hash index) settles at pages half to two thirds full, and the file keeps
 * the pages freed since. Compaction writes a second store beside the first
 * with every database's records appended in key order (MDB_APPEND: each
 * page filled before the next), checks that the copy holds the same records
 * as the original (one BLAKE2b over every database's name, keys and values,
 * computed on the original as it is copied and again on the copy), and puts
 * it in the original's place with rename(2). Records are copied byte for
 * byte: every format, proof and query is unchanged.
 *
 * The store must be had alone: every process with an LMDB environment open
 * holds a read lock on byte 0 of lock.mdb, and compaction takes the write
 * lock on it (fcntl locks are per process, so this converts the lock LMDB
 * took for this process). Taken, no other process has the store open, and
 * one that opens it meanwhile waits in mdb_env_open until it is released.
 * Before the rename, compaction zeroes the lock region's magic number, so
 * that such a waiter, whose lock region counts the old file's transactions,
 * fails to open (MDB_INVALID) instead of reading the new file through it;
 * the next opener, alone, initialises the region again from the new file.
 * ct_ledger_open (store.c) sees the zeroed region and opens again, so a
 * waiter of this code's only waits.
 *
 * caltraced compacts its own store while it runs (ct_ledger_compact_live):
 * the same copy, made from the environment the process has open while its
 * other threads go on reading and its writer waits; then new transactions
 * wait (l->swapping, store_map.c) until the open ones end, and the copy is
 * put in place and the environment opened again inside the same handle.
 * fcntl locks belong to the process, and closing any descriptor of a file
 * drops all of them: so the descriptor of lock.mdb that takes the write
 * lock is kept open as long as the handle (l->lock_fd), and a compaction
 * that does not go through turns the lock back into LMDB's read lock
 * instead of releasing it.
 */
#include <dirent.h>
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

#define COMMIT_EVERY 65536 /* records per write transaction of the copy */
#define NAMES_MAX    64	   /* named databases a store may have */
#define NAME_MAX_LEN 63
#define KEY_MAX	     511 /* LMDB's largest key */
#define TMP_PREFIX   "compact-"

struct copy {
	const ct_compact_opts *opts;
	ct_compact_info *info;
	MDB_env *dst;
	MDB_txn *src_txn, *dst_txn;
	uint64_t total, done, since_commit;
	crypto_generichash_state sum;
};

static void sum_record(crypto_generichash_state *st, const MDB_val *k, const MDB_val *v)
{
	uint8_t len[16];

	ct__put_u64(len, k->mv_size);
	ct__put_u64(len + 8, v->mv_size);
	crypto_generichash_update(st, len, sizeof(len));
	crypto_generichash_update(st, k->mv_data, k->mv_size);
	crypto_generichash_update(st, v->mv_data, v->mv_size);
}

static void sum_name(crypto_generichash_state *st, const char *name)
{
	crypto_generichash_update(st, (const uint8_t *)name, strlen(name) + 1);
}

/* The store's named databases, in the main database's (sorted) order. */
struct names {
	char name[NAMES_MAX][NAME_MAX_LEN + 1];
	size_t n;
};

static int list_databases(MDB_txn *txn, struct names *out)
{
	MDB_cursor *cur = NULL;
	MDB_dbi main_dbi;
	MDB_val k, v;
	int rc;

	out->n = 0;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, main_dbi, &cur)) != 0)
		return ct__mdb_error(rc, "listing the store's databases");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (out->n == NAMES_MAX || k.mv_size == 0 || k.mv_size > NAME_MAX_LEN ||
		    memchr(k.mv_data, 0, k.mv_size)) {
			mdb_cursor_close(cur);
			return ct_error_set(CT_ECORRUPT,
					    "the store's main database holds a record that names no "
					    "database of caltrace's");
		}
		memcpy(out->name[out->n], k.mv_data, k.mv_size);
		out->name[out->n][k.mv_size] = '\0';
		out->n++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ct__mdb_error(rc, "listing the store's databases");
}

/* A write to the copy failed: most likely the disk is full. */
static int write_error(const struct copy *c, int rc)
{
	return ct_error_set(rc == ENOSPC || rc == MDB_MAP_FULL ? CT_ENOSPACE : CT_EIO,
			    "writing the compacted copy: %s (a full disk? the copy needs up to %.1f MB free "
			    "beside the store); nothing was changed",
			    mdb_strerror(rc), (double)c->info->bytes_before / 1e6);
}

static int dst_begin(struct copy *c)
{
	int rc = mdb_txn_begin(c->dst, NULL, 0, &c->dst_txn);

	return rc ? write_error(c, rc) : 0;
}

static int dst_commit(struct copy *c)
{
	int rc = mdb_txn_commit(c->dst_txn);

	c->dst_txn = NULL;
	c->since_commit = 0;
	return rc ? write_error(c, rc) : 0;
}

/* Copies one database, appending; its records go into the running sum. */
static int copy_database(struct copy *c, const char *name)
{
	MDB_cursor *in = NULL, *out = NULL;
	MDB_dbi src, dst;
	MDB_val k, v;
	uint8_t prev[KEY_MAX];
	size_t prev_len = 0;
	unsigned flags;
	bool have_prev = false;
	int rc, err = 0;

	rc = mdb_dbi_open(c->src_txn, name, 0, &src);
	if (rc == MDB_INCOMPATIBLE)
		return ct_error_set(CT_ECORRUPT,
				    "the store's main database holds a record '%s' that is not a database",
				    name);
	if (rc || (rc = mdb_dbi_flags(c->src_txn, src, &flags)) != 0)
		return ct__mdb_error(rc, name);
	flags &=
	    MDB_REVERSEKEY | MDB_DUPSORT | MDB_INTEGERKEY | MDB_DUPFIXED | MDB_INTEGERDUP | MDB_REVERSEDUP;
	if ((rc = mdb_dbi_open(c->dst_txn, name, flags | MDB_CREATE, &dst)) != 0)
		return ct__mdb_error(rc, "the compacted copy");
	sum_name(&c->sum, name);
	if (c->opts && c->opts->progress)
		c->opts->progress(c->opts->progress_ctx, name, c->done, c->total);
	if ((rc = mdb_cursor_open(c->src_txn, src, &in)) != 0)
		return ct__mdb_error(rc, name);
	for (rc = mdb_cursor_get(in, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(in, &k, &v, MDB_NEXT)) {
		unsigned put = MDB_APPEND;

		if (!out && (rc = mdb_cursor_open(c->dst_txn, dst, &out)) != 0)
			break;
		/* a duplicate of the key before goes at the end of that key's list */
		if ((flags & MDB_DUPSORT) && have_prev && k.mv_size == prev_len &&
		    memcmp(k.mv_data, prev, prev_len) == 0)
			put = MDB_APPENDDUP;
		if ((rc = mdb_cursor_put(out, &k, &v, put)) != 0)
			break;
		if (k.mv_size <= sizeof(prev)) {
			memcpy(prev, k.mv_data, k.mv_size);
			prev_len = k.mv_size;
			have_prev = true;
		}
		sum_record(&c->sum, &k, &v);
		c->done++;
		if (++c->since_commit == COMMIT_EVERY) {
			mdb_cursor_close(out);
			out = NULL;
			if ((err = dst_commit(c)) < 0 || (err = dst_begin(c)) < 0)
				break;
		}
		if (c->opts && c->opts->progress && c->done % COMMIT_EVERY == 0)
			c->opts->progress(c->opts->progress_ctx, name, c->done, c->total);
	}
	if (out)
		mdb_cursor_close(out);
	mdb_cursor_close(in);
	if (err < 0)
		return err;
	if (rc == MDB_KEYEXIST)
		return ct_error_set(CT_ECORRUPT, "the store's '%s' database has records out of order", name);
	if (rc != MDB_NOTFOUND)
		return write_error(c, rc);
	return 0;
}

/* The sum of the copy's records, read back from its file. */
static int sum_copy(MDB_env *env, const struct names *names, uint8_t out[crypto_generichash_BYTES],
		    uint64_t *records)
{
	crypto_generichash_state st;
	MDB_txn *txn = NULL;
	int rc;

	*records = 0;
	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		return ct__mdb_error(rc, "reading the compacted copy");
	for (size_t i = 0; i < names->n && rc == 0; i++) {
		MDB_cursor *cur = NULL;
		MDB_dbi dbi;
		MDB_val k, v;

		if ((rc = mdb_dbi_open(txn, names->name[i], 0, &dbi)) != 0 ||
		    (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
			break;
		sum_name(&st, names->name[i]);
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			sum_record(&st, &k, &v);
			(*records)++;
		}
		mdb_cursor_close(cur);
		rc = rc == MDB_NOTFOUND ? 0 : rc;
	}
	mdb_txn_abort(txn);
	if (rc)
		return ct__mdb_error(rc, "reading the compacted copy");
	crypto_generichash_final(&st, out, crypto_generichash_BYTES);
	return 0;
}

/* Takes the write lock on byte 0 of lock.mdb through fd: no other process has the store in dir open. */
static int lock_fd_alone(int fd, const char *dir)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return ct_error_set(
		    CT_ESTATE,
		    "the store in %s is open in another process (a caltrace command, a tool): "
		    "compacting needs it alone; try again once it is done",
		    dir);
	return ct_error_set(CT_EIO, "cannot lock %s/lock.mdb: %s", dir, strerror(errno));
}

/* Back to the read lock every process with the store open holds (LMDB's, which the write lock replaced). */
static void lock_fd_shared(int fd)
{
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

	(void)fcntl(fd, F_SETLK, &fl);
}

static int open_lock_file(const char *dir, int *fd)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if ((*fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return ct_error_set(CT_EIO, "cannot open %s: %s", path, strerror(errno));
	return 0;
}

static int lock_alone(const char *dir, int *fd)
{
	int err = open_lock_file(dir, fd);

	return err < 0 ? err : lock_fd_alone(*fd, dir);
}

static void remove_tmp(const char *tmp)
{
	char path[4600];

	if (!tmp[0])
		return;
	snprintf(path, sizeof(path), "%s/data.mdb", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", tmp);
	unlink(path);
	rmdir(tmp);
}

/* The copies a compaction that crashed left behind (the store's lock is held: none is running). */
static void remove_stale(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4500];

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		remove_tmp(path);
	}
	closedir(d);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return ct_error_set(CT_EIO, "cannot open %s: %s", dir, strerror(errno));
	rc = fsync(fd);
	close(fd);
	return rc == 0 ? 0 : ct_error_set(CT_EIO, "cannot sync %s: %s", dir, strerror(errno));
}

/* Writes the compacted copy into tmp, and reads it back: the same records as the store. */
static int write_copy(ct_ledger *l, struct copy *c, const char *tmp, struct names *names)
{
	uint8_t want[crypto_generichash_BYTES], got[crypto_generichash_BYTES];
	MDB_envinfo ei;
	uint64_t records;
	int rc, err;

	mdb_env_info(l->env, &ei);
	if (!c->info->bytes_before) { /* what the copy may need: the store's used pages */
		MDB_stat es;

		if (mdb_env_stat(l->env, &es) == 0)
			c->info->bytes_before = (uint64_t)(ei.me_last_pgno + 1) * es.ms_psize;
	}
	if ((rc = mdb_env_create(&c->dst)) != 0)
		return ct__mdb_error(rc, "creating the compacted copy");
	mdb_env_set_maxdbs(c->dst, NAMES_MAX + 2);
	if ((rc = mdb_env_set_mapsize(c->dst, ei.me_mapsize)) != 0 ||
	    (rc = mdb_env_open(c->dst, tmp, MDB_NOSYNC | MDB_NOTLS, 0600)) != 0)
		return ct__mdb_error(rc, tmp);
	if (!c->src_txn && (rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &c->src_txn)) != 0)
		return ct__mdb_error(rc, "reading the store");
	if ((err = list_databases(c->src_txn, names)) < 0)
		return err;
	for (size_t i = 0; i < names->n; i++) {
		MDB_dbi dbi;
		MDB_stat st;

		if (mdb_dbi_open(c->src_txn, names->name[i], 0, &dbi) == 0 &&
		    mdb_stat(c->src_txn, dbi, &st) == 0)
			c->total += st.ms_entries;
	}
	crypto_generichash_init(&c->sum, NULL, 0, crypto_generichash_BYTES);
	if ((err = dst_begin(c)) < 0)
		return err;
	for (size_t i = 0; i < names->n; i++)
		if ((err = copy_database(c, names->name[i])) < 0)
			return err;
	if ((err = dst_commit(c)) < 0)
		return err;
	crypto_generichash_final(&c->sum, want, sizeof(want));
	if ((rc = mdb_env_sync(c->dst, 1)) != 0)
		return write_error(c, rc);
	if ((err = sum_copy(c->dst, names, got, &records)) < 0)
		return err;
	if (records != c->done || sodium_memcmp(want, got, sizeof(want)) != 0)
		return ct_error_set(CT_EIO,
				    "the compacted copy in %s does not read back as the store: nothing was "
				    "changed",
				    tmp);
	c->info->records = records;
	c->info->databases = (unsigned)names->n;
	return 0;
}

/*
 * Writes the compacted copy of l's store into a new directory beside it
 * (its path in tmp, empty when none was made), removing the copies a
 * crashed compaction left; the copy's environment and both transactions
 * are closed on return, whatever happened.
 */
static int make_copy(ct_ledger *l, struct copy *c, char tmp[static 4200], struct names *names)
{
	int err;

	remove_stale(l->dir);
	snprintf(tmp, 4200, "%s/" TMP_PREFIX "XXXXXX", l->dir);
	if (!mkdtemp(tmp)) {
		tmp[0] = '\0';
		return ct_error_set(CT_EIO, "cannot create a directory in %s for the compacted copy: %s", l->dir,
				    strerror(errno));
	}
	err = write_copy(l, c, tmp, names);
	if (c->dst_txn)
		mdb_txn_abort(c->dst_txn);
	if (c->src_txn)
		mdb_txn_abort(c->src_txn);
	if (c->dst)
		mdb_env_close(c->dst);
	c->dst_txn = c->src_txn = NULL;
	c->dst = NULL;
	return err;
}

int ct__store_copy_full(ct_ledger *l, MDB_txn *src, const char *dir, uint64_t *records)
{
	ct_compact_info info = {0};
	struct copy c = {.info = &info, .src_txn = src};
	struct names *names = calloc(1, sizeof(*names));
	int err;

	if (!names)
		return ct_error_set(CT_ENOMEM, "out of memory copying the store");
	err = write_copy(l, &c, dir, names);
	if (c.dst_txn)
		mdb_txn_abort(c.dst_txn);
	if (c.dst)
		mdb_env_close(c.dst);
	free(names);
	if (records)
		*records = info.records;
	return err;
}

/*
 * The copy gets the store's owner and mode: root compacting a node's home
 * must not leave it a file its caltraced cannot open.
 */
static int take_owner(const char *copy, const struct stat *st, const char *data)
{
	struct stat cs;

	if (stat(copy, &cs) != 0)
		return ct_error_set(CT_EIO, "cannot read the compacted copy %s: %s (nothing was changed)", copy,
				    strerror(errno));
	if ((cs.st_uid != st->st_uid || cs.st_gid != st->st_gid) && chown(copy, st->st_uid, st->st_gid) != 0)
		return ct_error_set(CT_EIO,
				    "cannot give the compacted copy the owner of %s: %s (nothing was changed)",
				    data, strerror(errno));
	if (chmod(copy, st->st_mode & 07777) != 0)
		return ct_error_set(CT_EIO,
				    "cannot give the compacted copy the mode of %s: %s (nothing was changed)",
				    data, strerror(errno));
	return 0;
}

/*
 * dir/compacted: data.mdb's size right after the last compaction, in
 * decimal; what caltraced compares the store's size with to decide when to
 * compact again. Best effort: without it the store only counts as never
 * compacted.
 */
#define COMPACTED_FILE "compacted"

void ct__record_compacted(const char *dir, uint64_t bytes)
{
	char path[4200], tmp[4300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" COMPACTED_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "%llu\n", (unsigned long long)bytes);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

uint64_t ct_ledger_compacted_bytes(const ct_ledger *l)
{
	unsigned long long v = 0;
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" COMPACTED_FILE, l->dir);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

bool ct_ledger_is_open(const ct_ledger *l)
{
	return l->env != NULL;
}

int ct_ledger_compact(const char *dir, const ct_compact_opts *opts, ct_compact_info *info)
{
	ct_ledger_opts lo = {0};
	ct_compact_info local;
	struct copy c = {0};
	struct names *names = NULL;
	ct_ledger *l = NULL;
	char tmp[4200], data[4200];
	struct stat st;
	int lock_fd = -1, err;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	c.opts = opts;
	c.info = info;
	tmp[0] = '\0';
	snprintf(data, sizeof(data), "%s/data.mdb", dir);
	if (stat(data, &st) != 0)
		return ct_error_set(CT_ENOTFOUND, "no store in %s", dir);
	info->bytes_before = (uint64_t)st.st_size;
	if (opts) {
		lo.progress = opts->progress;
		lo.progress_ctx = opts->progress_ctx;
	}
	if ((err = ct_ledger_open(&l, dir, &lo)) < 0)
		return err;
	if ((err = lock_alone(dir, &lock_fd)) < 0)
		goto done;
	if (!(names = calloc(1, sizeof(*names)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory compacting %s", dir);
		goto done;
	}
	if ((err = make_copy(l, &c, tmp, names)) < 0)
		goto done;
	{
		static const uint8_t zero[8];
		char from[4300];
		struct stat cs;

		snprintf(from, sizeof(from), "%s/data.mdb", tmp);
		if (stat(from, &cs) == 0)
			info->bytes_after = (uint64_t)cs.st_size;
		if ((err = take_owner(from, &st, data)) < 0)
			goto done;
		/*
		 * A process waiting to open the store must find no valid lock region
		 * (see the top). Reset before the rename, so that whenever this process
		 * dies the waiter opens again: from the old file if it died before the
		 * rename, from the new one after.
		 */
		if (pwrite(lock_fd, zero, sizeof(zero), 0) != (ssize_t)sizeof(zero)) {
			err = ct_error_set(CT_EIO, "cannot reset %s/lock.mdb: %s (nothing was changed)", dir,
					   strerror(errno));
			goto done;
		}
		if (rename(from, data) != 0) {
			err = ct_error_set(CT_EIO,
					   "cannot put the compacted copy in place of %s: %s (nothing was "
					   "changed)",
					   data, strerror(errno));
			goto done;
		}
	}
	/* in place: a crash from here on finds the compacted store, complete and on disk */
	if ((err = sync_dir(dir)) == 0)
		ct__record_compacted(dir, info->bytes_after);
done:
	remove_tmp(tmp);
	ct_ledger_close(l); /* releases this process's locks on lock.mdb, the write lock too */
	if (lock_fd >= 0)
		close(lock_fd);
	free(names);
	return err;
}

#define SWAP_WAIT_MS 10000 /* how long a live compaction waits for this process's transactions to end */

/*
 * Called with l->lock held: no new transaction from here (l->swapping);
 * waits, the lock let go meanwhile, for the open ones to end. Returns
 * whether they did within SWAP_WAIT_MS. end_swap lets new ones go on.
 */
static bool hold_transactions(ct_ledger *l)
{
	l->swapping = true;
	for (int waited = 0; l->active > 0 && waited < SWAP_WAIT_MS; waited++) {
		struct timespec ts = {0, 1000000L};

		pthread_mutex_unlock(&l->lock);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&l->lock);
	}
	return l->active == 0;
}

static void end_swap(ct_ledger *l)
{
	l->swapping = false;
	pthread_cond_broadcast(&l->swapped);
}

/* Closes l's environment (this process's locks on lock.mdb go with it); its map size in *map_size. */
static void close_env(ct_ledger *l, size_t *map_size)
{
	MDB_envinfo ei;

	mdb_env_info(l->env, &ei);
	*map_size = ei.me_mapsize;
	mdb_env_close(l->env);
	l->env = NULL;
}

/* Opens the store again in l after close_env; on failure l stays closed, and why names after. */
static int reopen(ct_ledger *l, size_t map_size, const char *after)
{
	ct_ledger_opts o = {.no_sync = l->no_sync, .map_size = map_size};
	int err;

	if ((err = ct__env_open(l, l->dir, &o)) < 0 || (err = ct__open_dbs(l, false)) < 0) {
		if (l->env) {
			mdb_env_close(l->env);
			l->env = NULL;
		}
		return ct_error_wrap(CT_EIO, "the store could not be opened again %s (open the store again)",
				     after);
	}
	return 0;
}

/*
 * Puts the copy from in place of data and opens l again on it. Called with
 * l->lock held, l->swapping set and nothing of this process open. The lock
 * region is reset first, as ct_ledger_compact does, for a process waiting
 * to open the store; closing the old environment drops this process's locks
 * on lock.mdb (the write lock too), and opening the new one takes them again.
 */
static int swap_in(ct_ledger *l, const char *from, const char *data, bool *renamed, int *old_fd)
{
	static const uint8_t zero[8];
	uint8_t magic[8];
	size_t map_size;
	int err;

	if (pread(l->lock_fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    pwrite(l->lock_fd, zero, sizeof(zero), 0) != (ssize_t)sizeof(zero))
		return ct_error_set(CT_EIO, "cannot reset %s/lock.mdb: %s (nothing was changed)", l->dir,
				    strerror(errno));
	/*
	 * The old file's last descriptor is kept past the swap: freeing a large
	 * file's blocks when its last reference goes takes a while, and readers
	 * need not wait for it.
	 */
	*old_fd = open(data, O_RDONLY | O_CLOEXEC);
	if (rename(from, data) != 0) {
		err = ct_error_set(CT_EIO, "cannot put the compacted copy in place of %s: %s (nothing was changed)",
				   data, strerror(errno));
		/* this process still uses the region: it must stay valid for it and for others */
		if (pwrite(l->lock_fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
			return ct_error_wrap(CT_EIO, "cannot restore %s/lock.mdb either (%s)", l->dir, strerror(errno));
		return err;
	}
	*renamed = true;
	close_env(l, &map_size);
	return reopen(l, map_size, "after its compaction, which is in place");
}

int ct_ledger_compact_live(ct_ledger *l, const ct_compact_opts *opts, ct_compact_info *info)
{
	ct_compact_info local;
	struct copy c = {0};
	struct names *names = NULL;
	char tmp[4200], data[4200], from[4300];
	struct stat st;
	struct timespec t0, t1;
	bool locked = false, renamed = false;
	int err, old_fd = -1;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	c.opts = opts;
	c.info = info;
	tmp[0] = '\0';
	if (l->read_only)
		return ct_error_set(CT_EINVAL, "the store in %s is open read-only: it cannot be compacted", l->dir);
	if (!l->env)
		return ct_error_set(CT_EIO, "the store in %s is not open (a compaction failed to open it again)",
				    l->dir);
	snprintf(data, sizeof(data), "%s/data.mdb", l->dir);
	if (stat(data, &st) != 0)
		return ct_error_set(CT_EIO, "cannot read %s: %s", data, strerror(errno));
	info->bytes_before = (uint64_t)st.st_size;
	if (l->lock_fd < 0 && (err = open_lock_file(l->dir, &l->lock_fd)) < 0)
		return err;
	if ((err = lock_fd_alone(l->lock_fd, l->dir)) < 0)
		return err;
	locked = true;
	if (!(names = calloc(1, sizeof(*names)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory compacting %s", l->dir);
		goto done;
	}
	/* the copy reads a snapshot while this process's readers go on; the caller writes nothing meanwhile */
	ct__map_hold(l);
	err = make_copy(l, &c, tmp, names);
	ct__map_release(l);
	if (err < 0)
		goto done;
	snprintf(from, sizeof(from), "%s/data.mdb", tmp);
	{
		struct stat cs;

		if (stat(from, &cs) == 0)
			info->bytes_after = (uint64_t)cs.st_size;
	}
	if ((err = take_owner(from, &st, data)) < 0)
		goto done;
	/* no new transaction from here; the open ones end */
	pthread_mutex_lock(&l->lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!hold_transactions(l))
		err = ct_error_set(CT_ESTATE,
				   "transactions of this process stayed open for %d s: the compacted copy was not "
				   "put in place (nothing was changed)",
				   SWAP_WAIT_MS / 1000);
	else
		err = swap_in(l, from, data, &renamed, &old_fd);
	if (renamed)
		locked = false; /* the old environment's close released the write lock */
	end_swap(l);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_unlock(&l->lock);
	info->held_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (old_fd >= 0)
		close(old_fd);
	/*
	 * In place. Synced after the readers go on: a crash before the sync finds
	 * the old store or the compacted one, the same records either way.
	 */
	if (renamed && err == 0)
		err = sync_dir(l->dir);
	if (renamed && l->env)
		ct__record_compacted(l->dir, info->bytes_after);
done:
	remove_tmp(tmp);
	if (locked)
		lock_fd_shared(l->lock_fd);
	free(names);
	return err;
}

/*
 * Asking other processes to step aside. A live compaction refused because
 * another process has the store open leaves dir/compact.want; a
 * long-running reader (caltrace serve) that sees it fresh closes its
 * environment until the file is gone, then opens the store again
 * (ct_ledger_step_aside). The compaction removes the file whatever its
 * outcome; a file older than WANT_STALE_S is a caller's that gave up or
 * died, and is ignored.
 */
#define WANT_FILE    "compact.want"
#define WANT_STALE_S 60

static void want_path(const ct_ledger *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" WANT_FILE, l->dir);
}

/* Whether dir/compact.want exists and is fresh. */
static bool want_fresh(const ct_ledger *l)
{
	char path[4200];
	struct stat st;

	want_path(l, path, sizeof(path));
	return stat(path, &st) == 0 && time(NULL) - st.st_mtime < WANT_STALE_S;
}

static void want_set(const ct_ledger *l)
{
	char path[4200];
	int fd;

	want_path(l, path, sizeof(path));
	if (!want_fresh(l))
		unlink(path);
	/* created once per request: its time says how long others have been asked */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0)
		close(fd);
}

void ct_ledger_compact_unwant(ct_ledger *l)
{
	char path[4200];

	want_path(l, path, sizeof(path));
	unlink(path);
}

int ct_ledger_compact_ask(ct_ledger *l, const ct_compact_opts *opts, ct_compact_info *info)
{
	int err = ct_ledger_compact_live(l, opts, info);

	if (err == CT_ESTATE && l->env && strstr(ct_error_last(), "another process"))
		want_set(l);
	else
		ct_ledger_compact_unwant(l);
	return err;
}

int ct_ledger_step_aside(ct_ledger *l, unsigned max_wait_ms)
{
	size_t map_size;
	int err = 1;

	if (!l->env || !want_fresh(l))
		return 0;
	pthread_mutex_lock(&l->lock);
	if (!hold_transactions(l)) { /* busy: asked again at the next call */
		end_swap(l);
		pthread_mutex_unlock(&l->lock);
		return 0;
	}
	close_env(l, &map_size);
	for (unsigned waited = 0; want_fresh(l) && waited < max_wait_ms; waited += 20) {
		struct timespec ts = {0, 20 * 1000000L};

		nanosleep(&ts, NULL);
	}
	if (reopen(l, map_size, "after stepping aside for a compaction") < 0)
		err = CT_EIO;
	end_swap(l);
	pthread_mutex_unlock(&l->lock);
	return err;
}
