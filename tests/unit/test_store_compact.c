/*
 * Compaction (ct_ledger_compact; docs/DECISIONS.md, "Compaction"), with a
 * lab's registrations of ids in an order drawn from the seed, so that the
 * indexes take them at random places:
 * - every database holds the same records after as before (walked here
 *   with LMDB's own cursors), the file is smaller, the store passes its
 *   check and takes new entries;
 * - refused while another process has the store open, nothing changed;
 * - a process that starts opening the store while it is compacted waits,
 *   then reads the compacted store, not the old one through a stale lock;
 * - compacted live (ct_ledger_compact_live) by the process that keeps it
 *   open: the same records, while a thread of that process reads all along;
 *   the same handle then reads and writes the compacted store; refused
 *   while another process has it open, nothing changed; and in both cases
 *   this process keeps the lock that tells others it has the store open.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct_store_test.h"

#define N_ENTRIES 3000

struct fixture {
	ts_store s;
	ct_keypair *bureau, *lab;
};

static void build(struct fixture *f, uint64_t seed)
{
	uint64_t rng = seed;

	f->bureau = ct_test_keypair(1);
	f->lab = ct_test_keypair(2);
	ts_open_lab_network(&f->s, f->bureau, f->lab, "1");
	for (int seq = 1; seq <= N_ENTRIES; seq++)
		ts_append_ok(
		    f->s.l, f->lab, ts_day(1 + seq), NULL, "instrument.register",
		    "{'id':'CP-%07llu','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':5}}",
		    (unsigned long long)(ct_test_rand(&rng) % 10000000));
}

/* build, then the store closed (compaction opens it itself); its directory in dir */
static void build_closed(struct fixture *f, char dir[static 4200])
{
	build(f, ct_test_seed("test_store_compact"));
	snprintf(dir, 4200, "%s", f->s.dir);
	ct_ledger_close(f->s.l);
	f->s.l = NULL;
}

static void fixture_free(struct fixture *f)
{
	ts_close(&f->s);
	ct_keypair_free(f->bureau);
	ct_keypair_free(f->lab);
}

/* Every named database's name, keys and values, in order, read with LMDB alone. */
static void dump(const char *dir, ct_buf *out)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *names, *cur;
	MDB_dbi main_dbi, dbi;
	MDB_val k, v, dk, dv;
	char name[128];

	out->len = 0;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 64);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &main_dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, main_dbi, &names), 0);
	while (mdb_cursor_get(names, &k, &v, MDB_NEXT) == 0) {
		assert_true(k.mv_size < sizeof(name));
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		CT_OK_OR_FAIL(ct_buf_put(out, name, k.mv_size + 1));
		assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
		assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
		while (mdb_cursor_get(cur, &dk, &dv, MDB_NEXT) == 0) {
			uint32_t lens[2] = {(uint32_t)dk.mv_size, (uint32_t)dv.mv_size};

			CT_OK_OR_FAIL(ct_buf_put(out, lens, sizeof(lens)));
			CT_OK_OR_FAIL(ct_buf_put(out, dk.mv_data, dk.mv_size));
			CT_OK_OR_FAIL(ct_buf_put(out, dv.mv_data, dv.mv_size));
		}
		mdb_cursor_close(cur);
	}
	mdb_cursor_close(names);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static long long file_size(const char *dir)
{
	char path[4300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	return (long long)st.st_size;
}

static void test_same_records(void **state)
{
	struct fixture f;
	ct_compact_info info;
	ct_buf before = {0}, after = {0};
	uint64_t checked = 0;
	long long size;
	char dir[4200];

	(void)state;
	build_closed(&f, dir);
	dump(dir, &before);
	size = file_size(dir);
	CT_OK_OR_FAIL(ct_ledger_compact(dir, NULL, &info));
	dump(dir, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.ptr, before.ptr, before.len);
	assert_int_equal((long long)info.bytes_before, size);
	assert_int_equal((long long)info.bytes_after, file_size(dir));
	assert_true(info.bytes_after < info.bytes_before * 9 / 10);
	assert_true(info.records > 2 * N_ENTRIES);
	ts_reopen(&f.s, NULL);
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 2);
	ts_append_ok(f.s.l, f.lab, ts_day(N_ENTRIES + 2), NULL, "instrument.register",
		     "{'id':'CP-NEW','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':5}}");
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 3);
	ct_buf_free(&before);
	ct_buf_free(&after);
	fixture_free(&f);
}

/* A child process that holds the store open until told to let go. */
struct holder {
	int to_child[2], from_child[2];
	pid_t pid;
};

static void hold_open(struct holder *h, const char *dir, bool read_only)
{
	char c;

	assert_int_equal(pipe(h->to_child), 0);
	assert_int_equal(pipe(h->from_child), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		ct_ledger_opts ro = {.read_only = true};
		ct_ledger *l = NULL;

		if (ct_ledger_open(&l, dir, read_only ? &ro : NULL) < 0 || write(h->from_child[1], "o", 1) != 1)
			_exit(1);
		if (read(h->to_child[0], &c, 1) != 1)
			_exit(1);
		ct_ledger_close(l);
		_exit(0);
	}
	assert_int_equal(read(h->from_child[0], &c, 1), 1);
}

static void let_go(struct holder *h)
{
	int status;

	assert_int_equal(write(h->to_child[1], "x", 1), 1);
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(h->to_child[0]);
	close(h->to_child[1]);
	close(h->from_child[0]);
	close(h->from_child[1]);
}

static void test_refused_while_open(void **state)
{
	struct fixture f;
	ct_buf before = {0}, after = {0};
	struct holder h;
	char dir[4200];

	(void)state;
	build_closed(&f, dir);
	dump(dir, &before);
	hold_open(&h, dir, false);
	assert_int_equal(ct_ledger_compact(dir, NULL, NULL), CT_ESTATE);
	assert_non_null(strstr(ct_error_last(), "another process"));
	let_go(&h);
	dump(dir, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.ptr, before.ptr, before.len);
	ct_buf_free(&before);
	ct_buf_free(&after);
	fixture_free(&f);
}

/* The opener's side of the race: a child started from the compaction's first progress call. */
struct race {
	const char *dir;
	int ready[2]; /* the child writes a byte just before it opens the store */
	pid_t pid;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void start_opener(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	struct race *r = ctx;
	struct timespec pause = {0, 300 * 1000000L};
	char c;

	(void)what, (void)done, (void)total;
	if (r->pid)
		return;
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		ct_ledger_opts ro = {.read_only = true};
		ct_ledger *l = NULL;
		uint64_t t0, n = 0;
		int rc;

		t0 = now_ms();
		if (write(r->ready[1], "r", 1) != 1)
			_exit(10);
		rc = ct_ledger_open(&l, r->dir, &ro);
		if (rc < 0)
			_exit(11);
		/* it waited for the compaction to end (300 ms at least), then read the compacted store */
		if (now_ms() - t0 < 250)
			_exit(12);
		if (ts_check(l, &n) < 0 || n != N_ENTRIES + 2)
			_exit(13);
		ct_ledger_close(l);
		_exit(0);
	}
	assert_int_equal(read(r->ready[0], &c, 1), 1);
	nanosleep(&pause, NULL); /* the child reaches the lock and waits on it */
}

static void test_opener_waits(void **state)
{
	struct fixture f;
	struct race r = {0};
	ct_compact_opts opts = {.progress = start_opener, .progress_ctx = &r};
	char dir[4200];
	int status;

	(void)state;
	build_closed(&f, dir);
	r.dir = dir;
	assert_int_equal(pipe(r.ready), 0);
	CT_OK_OR_FAIL(ct_ledger_compact(dir, &opts, NULL));
	assert_true(r.pid > 0);
	assert_int_equal(waitpid(r.pid, &status, 0), r.pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(r.ready[0]);
	close(r.ready[1]);
	ts_reopen(&f.s, NULL);
	fixture_free(&f);
}

/* Whether some process other than the caller's child holds a lock on byte 0 of dir/lock.mdb. */
static bool store_held(const char *dir)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
		char path[4300];
		int fd;

		snprintf(path, sizeof(path), "%s/lock.mdb", dir);
		if ((fd = open(path, O_RDWR)) < 0)
			_exit(2);
		_exit(fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 2);
	return WEXITSTATUS(status) == 1;
}

/* A thread of the compacting process reading the lab's head over and over. */
struct reading {
	ct_ledger *l;
	const uint8_t *lab;
	int stop; /* atomic */
	uint64_t reads, failures, wrong;
};

static void *read_all_along(void *arg)
{
	struct reading *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		ct_reader *rd = NULL;
		ct_feed_head h;

		if (ct_reader_begin(&rd, r->l) < 0 || ct_read_head(&h, rd, r->lab) < 0)
			r->failures++;
		else if (h.size != N_ENTRIES)
			r->wrong++;
		ct_reader_end(rd);
		r->reads++;
	}
	return NULL;
}

static void test_live_same_records(void **state)
{
	struct fixture f;
	struct reading rd = {0};
	ct_compact_info info;
	ct_buf before = {0}, after = {0};
	uint64_t checked = 0, reads_before;
	pthread_t t;
	long long size;
	char dir[4200];

	(void)state;
	build_closed(&f, dir);
	dump(dir, &before);
	size = file_size(dir);
	ts_reopen(&f.s, NULL);
	assert_int_equal(ct_ledger_compacted_bytes(f.s.l), 0);
	rd.l = f.s.l;
	rd.lab = ct_keypair_public(f.lab);
	assert_int_equal(pthread_create(&t, NULL, read_all_along, &rd), 0);
	while (__atomic_load_n(&rd.reads, __ATOMIC_RELAXED) < 10)
		sched_yield();
	reads_before = __atomic_load_n(&rd.reads, __ATOMIC_RELAXED);
	CT_OK_OR_FAIL(ct_ledger_compact_live(f.s.l, NULL, &info));
	/* the reader went on: reads before the swap, and after it through the new environment */
	while (__atomic_load_n(&rd.reads, __ATOMIC_RELAXED) < reads_before + 10)
		sched_yield();
	__atomic_store_n(&rd.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(rd.failures, 0);
	assert_int_equal(rd.wrong, 0);
	assert_true(ct_ledger_is_open(f.s.l));
	assert_int_equal((long long)info.bytes_before, size);
	assert_int_equal((long long)info.bytes_after, file_size(dir));
	assert_true(info.bytes_after < info.bytes_before * 9 / 10);
	assert_int_equal(ct_ledger_compacted_bytes(f.s.l), info.bytes_after);
	assert_true(store_held(dir)); /* LMDB's lock, taken again by the new environment */
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 2);
	ct_ledger_close(f.s.l);
	f.s.l = NULL;
	dump(dir, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.ptr, before.ptr, before.len);

	/* compacted again, the same handle writes into the new file */
	ts_reopen(&f.s, NULL);
	CT_OK_OR_FAIL(ct_ledger_compact_live(f.s.l, NULL, &info));
	ts_append_ok(f.s.l, f.lab, ts_day(N_ENTRIES + 2), NULL, "instrument.register",
		     "{'id':'CP-NEW','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':5}}");
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 3);
	ts_reopen(&f.s, NULL);
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 3);
	ct_buf_free(&before);
	ct_buf_free(&after);
	fixture_free(&f);
}

static void test_live_refused_while_open(void **state)
{
	struct fixture f;
	ct_buf before = {0}, after = {0};
	struct holder h;
	uint64_t checked = 0;
	char dir[4200];

	(void)state;
	build_closed(&f, dir);
	dump(dir, &before);
	ts_reopen(&f.s, NULL);
	hold_open(&h, dir, true);
	assert_int_equal(ct_ledger_compact_live(f.s.l, NULL, NULL), CT_ESTATE);
	assert_non_null(strstr(ct_error_last(), "another process"));
	let_go(&h);
	/* the refusal dropped none of this process's locks: others still see the store open */
	assert_true(store_held(dir));
	CT_OK_OR_FAIL(ts_check(f.s.l, &checked));
	assert_int_equal(checked, N_ENTRIES + 2);
	ct_ledger_close(f.s.l);
	f.s.l = NULL;
	dump(dir, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.ptr, before.ptr, before.len);
	ct_buf_free(&before);
	ct_buf_free(&after);
	ts_reopen(&f.s, NULL);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_records),
	    cmocka_unit_test(test_refused_while_open),
	    cmocka_unit_test(test_opener_waits),
	    cmocka_unit_test(test_live_same_records),
	    cmocka_unit_test(test_live_refused_while_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
