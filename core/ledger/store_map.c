/*
 * The store's map: how full it is, and growing it before it fills.
 *
 * LMDB maps the whole store into memory at a fixed size; a write that
 * needs a page past it fails with MDB_MAP_FULL. mdb_env_set_mapsize may
 * change the size only while no transaction of this process is open, so
 * every transaction is counted here (ct__txn_begin, ct__txn_end) and the
 * map grows at the start of a write batch when none is open: by doubling,
 * once 80% of it is used or after a write met a full map. A process that
 * finds the map grown by another (MDB_MAP_RESIZED: that one wrote past
 * this process's size) adopts the new size the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store_internal.h"

#define GROW_AT_PERCENT 80
/* How long a transaction waits for this process's others to end before adopting a grown map. */
#define ADOPT_WAIT_MS 5000

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Called with l->lock held and nothing open: the map takes the size LMDB recorded (another process's). */
static int adopt(ct_ledger *l)
{
	int rc = mdb_env_set_mapsize(l->env, 0);

	return rc ? ct__mdb_error(rc, "adopting the store's grown map") : 0;
}

int ct__txn_begin(ct_ledger *l, unsigned flags, MDB_txn **out)
{
	int rc, err, waited = 0;

	for (;;) {
		pthread_mutex_lock(&l->lock);
		while (l->swapping)
			pthread_cond_wait(&l->swapped, &l->lock);
		if (!l->env) { /* a compaction put its copy in place and could not open it again */
			pthread_mutex_unlock(&l->lock);
			return ct_error_set(CT_EIO, "the store in %s is closed: it could not be opened again after "
						    "a compaction (open it again)",
					    l->dir);
		}
		l->active++;
		pthread_mutex_unlock(&l->lock);
		rc = mdb_txn_begin(l->env, NULL, flags, out);
		if (rc == 0)
			return 0;
		ct__txn_end(l);
		if (rc != MDB_MAP_RESIZED)
			return ct__mdb_error(rc, flags & MDB_RDONLY ? "starting a read transaction"
								    : "starting a write transaction");
		/* Another process grew the map and wrote past ours: adopt its size once ours are closed. */
		pthread_mutex_lock(&l->lock);
		err = l->active == 0 ? adopt(l) : 1;
		pthread_mutex_unlock(&l->lock);
		if (err < 0)
			return err;
		if (err == 1) {
			if (waited >= ADOPT_WAIT_MS)
				return ct_error_set(CT_EIO,
						    "another process grew the store's map, and this one kept "
						    "transactions open for %d s: cannot adopt the new size",
						    ADOPT_WAIT_MS / 1000);
			sleep_ms(2);
			waited += 2;
		}
	}
}

void ct__txn_end(ct_ledger *l)
{
	pthread_mutex_lock(&l->lock);
	l->active--;
	pthread_mutex_unlock(&l->lock);
}

void ct__map_hold(ct_ledger *l)
{
	pthread_mutex_lock(&l->lock);
	while (l->swapping)
		pthread_cond_wait(&l->swapped, &l->lock);
	l->active++;
	pthread_mutex_unlock(&l->lock);
}

void ct__map_release(ct_ledger *l)
{
	ct__txn_end(l);
}

/* Map size and highest page used, from LMDB's newest meta page. */
static void map_usage(ct_ledger *l, uint64_t *map, uint64_t *used)
{
	MDB_envinfo info;
	MDB_stat st;

	mdb_env_info(l->env, &info);
	mdb_env_stat(l->env, &st);
	*map = info.me_mapsize;
	*used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
}

void ct__map_maybe_grow(ct_ledger *l)
{
	uint64_t map, used, want;

	if (!l->map_grows || l->read_only)
		return;
	pthread_mutex_lock(&l->lock);
	map_usage(l, &map, &used);
	if (l->active == 0 && (l->full_seen || used * 100 >= map * GROW_AT_PERCENT) && map < l->map_max) {
		want = map * 2 < map || map * 2 > l->map_max ? l->map_max : map * 2;
		/* On failure the map stays as it was: the write meets MDB_MAP_FULL and says so. */
		if (mdb_env_set_mapsize(l->env, (size_t)want) == 0) {
			l->grown++;
			l->full_seen = false;
		}
	}
	pthread_mutex_unlock(&l->lock);
}

int ct_ledger_map_info(ct_ledger *l, ct_map_info *out)
{
	char path[4200];
	struct stat st;
	MDB_envinfo info;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&l->lock);
	map_usage(l, &out->map_bytes, &out->used_bytes);
	mdb_env_info(l->env, &info);
	out->readers = info.me_numreaders;
	out->grown = l->grown;
	out->max_bytes = l->map_grows && !l->read_only ? l->map_max : out->map_bytes;
	pthread_mutex_unlock(&l->lock);
	snprintf(path, sizeof(path), "%s/data.mdb", l->dir);
	if (stat(path, &st) != 0)
		return ct_error_set(CT_EIO, "cannot stat %s: %s", path, strerror(errno));
	out->file_bytes = (uint64_t)st.st_size;
	return 0;
}
