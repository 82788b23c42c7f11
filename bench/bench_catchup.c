/*
 * bench_catchup: how fast a fresh node catches up, against how fast this
 * machine verifies Ed25519 signatures (docs/PERFORMANCE.md).
 *
 *   cmake --build build --target bench_catchup && build/bench_catchup [--entries N]
 *
 * 1. The raw verification rate: crypto_sign_verify_detached over the
 *    signing inputs of real entries, with 1 and with 2 threads.
 * 2. A lab's home with N entries in its feed (signed here, in large
 *    transactions; --source DIR keeps it for the next run).
 * 3. Two caltraced on 127.0.0.1: the lab's and a fresh node's. The clock
 *    runs from the fresh node's start until its store holds all N entries.
 *    Its resident memory is sampled meanwhile (VmRSS, VmHWM).
 * 4. The raw rates again, and catch-up / raw 2-thread verification.
 * 5. For comparison, the raw rate of the check the node itself runs on a
 *    long run of one author's entries (caltrace/ledger/sigkey.h: tables of
 *    multiples, libsodium's verdicts), and catch-up / that rate.
 * 6. What keeping the network index costs (caltrace/ledger/netindex.h): a
 *    second catch-up in the same run by a node that keeps none
 *    (CALTRACED_NO_NETINDEX), the two rates compared (goal: the index costs
 *    at most 15 %), then the first fold of the caught-up node's index
 *    (`caltrace index`), timed (--netindex-runs N alternates N pairs).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/home.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/ledger/sigkey.h"

#define SAMPLES	     4096
#define RATE_SECONDS 3.0

static char cli_path[4096], node_path[4096], work[4096];
static pid_t lab_pid, fresh_pid;
static bool no_netindex; /* the next fresh node keeps no network index */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_catchup: %s%s%s\n", what, ct_error_last()[0] ? ": " : "", ct_error_last());
	if (lab_pid > 0)
		kill(lab_pid, SIGKILL);
	if (fresh_pid > 0)
		kill(fresh_pid, SIGKILL);
	exit(2);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- entries ------------------------------------------------------------------ */

/* An instrument.register body: {category, district, id, mpe{rel_ppm}, owner}, keys in order. */
static void body_of(ct_buf *out, uint64_t i)
{
	char id[32], owner[48];

	snprintf(id, sizeof(id), "WM-%llu", (unsigned long long)i);
	snprintf(owner, sizeof(owner), "market %llu", (unsigned long long)(i % 997));
	out->len = 0;
	ct_mp_put_map(out, 5);
	ct_mp_put_cstr(out, "category");
	ct_mp_put_cstr(out, "mass");
	ct_mp_put_cstr(out, "district");
	ct_mp_put_cstr(out, "North");
	ct_mp_put_cstr(out, "id");
	ct_mp_put_cstr(out, id);
	ct_mp_put_cstr(out, "mpe");
	ct_mp_put_map(out, 1);
	ct_mp_put_cstr(out, "rel_ppm");
	ct_mp_put_uint(out, 1000);
	ct_mp_put_cstr(out, "owner");
	ct_mp_put_cstr(out, owner);
}

/* ---- raw verification rate -------------------------------------------------------- */

struct sample {
	uint8_t pk[CT_KEY_BYTES];
	uint8_t sig[CT_SIG_BYTES];
	ct_buf msg;
};

static struct sample samples[SAMPLES];

struct worker {
	pthread_t t;
	const ct_sigkey *key; /* NULL: crypto_sign_verify_detached, one at a time */
	double deadline;
	uint64_t done;
	double cpu; /* CPU seconds the thread used */
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *verify_loop(void *arg)
{
	struct worker *w = arg;
	double cpu0 = thread_cpu();
	uint64_t i = 0;

	ct_signed items[256];
	bool ok[256];

	while (now_s() < w->deadline) {
		if (w->key) {
			/* as the node checks a job: a run of one author's entries at once */
			for (int k = 0; k < 256; k++)
				items[k] = (ct_signed){samples[(i + k) % SAMPLES].sig, samples[(i + k) % SAMPLES].msg.ptr,
						       samples[(i + k) % SAMPLES].msg.len};
			if (ct_sigkey_verify_many(w->key, samples[0].pk, 256, items, ok) != 256)
				abort();
			i += 256;
			continue;
		}
		for (int k = 0; k < 256; k++, i++) {
			struct sample *s = &samples[i % SAMPLES];
			if (crypto_sign_verify_detached(s->sig, s->msg.ptr, s->msg.len, s->pk) != 0)
				abort();
		}
	}
	w->done = i;
	w->cpu = thread_cpu() - cpu0;
	return NULL;
}

/*
 * Verifications per second with n threads, each on the signing inputs of
 * real entries (all by one key), by libsodium or, with key, as the node
 * checks them; *cpu_per (may be NULL) gets the CPU seconds one took.
 */
static double verify_rate(int n, double *cpu_per, const ct_sigkey *key)
{
	struct worker w[8];
	double start = now_s(), total = 0, cpu = 0;

	for (int k = 0; k < n; k++) {
		w[k].key = key;
		w[k].deadline = start + RATE_SECONDS;
		pthread_create(&w[k].t, NULL, verify_loop, &w[k]);
	}
	for (int k = 0; k < n; k++) {
		pthread_join(w[k].t, NULL);
		total += (double)w[k].done;
		cpu += w[k].cpu;
	}
	if (cpu_per)
		*cpu_per = cpu / total;
	return total / (now_s() - start);
}

static void make_samples(void)
{
	ct_keypair *kp = NULL;
	ct_buf body = CT_BUF_INIT, raw = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES];
	ct_entry e;

	if (ct_keypair_generate(&kp) < 0)
		die("key");
	for (uint64_t i = 0; i < SAMPLES; i++) {
		body_of(&body, i);
		if (ct_entry_build(&raw, kp, i + 1, i ? prev : NULL, 1767225600000ULL + i,
				   "instrument.register", body.ptr, body.len) < 0 ||
		    ct_entry_decode(&e, raw.ptr, raw.len) < 0)
			die("building sample entries");
		ct_entry_hash(prev, raw.ptr, raw.len);
		memcpy(samples[i].pk, e.author, CT_KEY_BYTES);
		memcpy(samples[i].sig, e.sig, CT_SIG_BYTES);
		memset(&samples[i].msg, 0, sizeof(ct_buf));
		if (ct_entry_signing_input(&samples[i].msg, &e) < 0)
			die("signing input");
	}
	ct_buf_free(&body);
	ct_buf_free(&raw);
	ct_keypair_free(kp);
}

/* ---- the homes ----------------------------------------------------------------------- */

static void read_key(const char *home, char hex[65])
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/key.pub", home);
	if (!(f = fopen(path, "r")) || !fgets(hex, 65, f))
		die("reading a key");
	fclose(f);
	hex[64] = '\0';
}

static void network_of(const char *home, char hex[65])
{
	uint8_t id[CT_HASH_BYTES];
	ct_ledger_opts o = {.read_only = true};
	char path[4200];
	ct_ledger *l = NULL;
	ct_reader *r = NULL;

	snprintf(path, sizeof(path), "%s/data", home);
	if (ct_ledger_open(&l, path, &o) < 0 || ct_reader_begin(&r, l) < 0 ||
	    ct_read_network(id, NULL, r) < 0)
		die("reading the network id");
	ct_reader_end(r);
	ct_ledger_close(l);
	ct_hex(hex, id, CT_HASH_BYTES);
}

/* Signs n entries into the lab's feed, 50,000 per transaction. */
static void fill_lab(const char *lab, uint64_t n)
{
	ct_buf body = CT_BUF_INIT;
	ct_keypair *kp = NULL;
	ct_ledger *l = NULL;
	ct_batch *b = NULL;
	char path[4200];
	double start = now_s();

	snprintf(path, sizeof(path), "%s/key", lab);
	if (ct_keypair_load(&kp, path) < 0)
		die("lab key");
	snprintf(path, sizeof(path), "%s/data", lab);
	if (ct_ledger_open(&l, path, NULL) < 0)
		die("lab store");
	for (uint64_t i = 1; i <= n; i++) {
		if (!b && ct_batch_begin(&b, l) < 0)
			die("write");
		body_of(&body, i);
		if (ct_batch_append(b, kp, 1767225600000ULL + i, "instrument.register", body.ptr, body.len,
				    NULL, NULL) < 0)
			die("append");
		if (i % 50000 == 0 || i == n) {
			if (ct_batch_commit(b) < 0)
				die("commit");
			b = NULL;
			fprintf(stderr, "\r  signed %llu of %llu entries (%.0f/s)", (unsigned long long)i,
				(unsigned long long)n, (double)i / (now_s() - start));
		}
	}
	fprintf(stderr, "\n");
	ct_buf_free(&body);
	ct_ledger_close(l);
	ct_keypair_free(kp);
}

/* The lab's feed size in a store, or 0. */
static uint64_t lab_size(ct_ledger *l, const uint8_t lab[CT_KEY_BYTES])
{
	ct_reader *r = NULL;
	ct_feed_head h;
	uint64_t size = 0;

	if (ct_reader_begin(&r, l) == 0 && ct_read_head(&h, r, lab) == 0)
		size = h.size;
	ct_reader_end(r);
	return size;
}

static void make_source(const char *src, uint64_t n, char net[65])
{
	char bureau[4200], lab[4200], key[65];
	ct_ledger_opts o = {.read_only = true};
	uint8_t labkey[CT_KEY_BYTES];
	ct_ledger *l = NULL;
	char path[4200];

	snprintf(bureau, sizeof(bureau), "%s/bureau", src);
	snprintf(lab, sizeof(lab), "%s/lab", src);
	snprintf(path, sizeof(path), "%s/data", lab);
	if (access(path, F_OK) == 0) {
		read_key(lab, key);
		ct_key_parse(labkey, key);
		if (ct_ledger_open(&l, path, &o) == 0 && lab_size(l, labkey) == n) {
			ct_ledger_close(l);
			network_of(lab, net);
			fprintf(stderr, "  reusing %s (%llu entries)\n", src, (unsigned long long)n);
			return;
		}
		ct_ledger_close(l);
		sh("rm -rf '%s/bureau' '%s/lab'", src, src);
	}
	mkdir(src, 0700);
	if (sh("'%s' init '%s' >/dev/null 2>&1", cli_path, bureau) ||
	    sh("'%s' --home '%s' genesis --network Bench --district North >/dev/null", cli_path, bureau))
		die("making the bureau");
	network_of(bureau, net);
	if (sh("'%s' init '%s' --network %s >/dev/null 2>&1", cli_path, lab, net))
		die("making the lab");
	read_key(lab, key);
	if (sh("'%s' --home '%s' admit %s --name lab --tier city --scope mass --until 2035-01-01 >/dev/null",
	       cli_path, bureau, key) ||
	    sh("'%s' --home '%s' export -o '%s/bureau.ct' 2>/dev/null", cli_path, bureau, src) ||
	    sh("'%s' --home '%s' import '%s/bureau.ct' >/dev/null 2>&1", cli_path, lab, src))
		die("admitting the lab");
	fill_lab(lab, n);
}

struct run {
	double seconds, lab_cpu, fresh_cpu;
	long peak_kb, peak_anon_kb, peak_file_kb;
	/* the fresh node's writer thread, from its log */
	unsigned long long writer_entries, writer_commits;
	double writer_ingest_ms, writer_commit_ms;
};

/*
 * The fresh node's writer, from its debug log: each commit logs
 * "write: N entries, waited .. ms, ingest .. ms (cpu C1), commit .. ms (cpu C2)".
 */
static void writer_cpu(const char *log, struct run *out)
{
	char line[512];
	FILE *f = fopen(log, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *w = strstr(line, "write: ");
		unsigned long long entries;
		double waited, ingest, cpu_ingest, commit, cpu_commit;

		if (w && sscanf(w,
				"write: %llu entries, waited %lf ms, ingest %lf ms (cpu %lf), commit %lf ms "
				"(cpu %lf)",
				&entries, &waited, &ingest, &cpu_ingest, &commit, &cpu_commit) == 6) {
			out->writer_entries += entries;
			out->writer_ingest_ms += cpu_ingest;
			out->writer_commit_ms += cpu_commit;
			out->writer_commits++;
		}
	}
	fclose(f);
}

static pid_t start_node(const char *home, const char *log, const char *level)
{
	char sock[4200];
	pid_t pid;

	if (ct_home_control_path(sock, sizeof(sock), home) < 0)
		die("the control socket");
	if ((pid = fork()) == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 2);
		if (no_netindex && strstr(home, "/fresh"))
			setenv("CALTRACED_NO_NETINDEX", "1", 1);
		execl(node_path, "caltraced", "--home", home, "--log-level", level, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400 && access(sock, F_OK) != 0; i++)
		usleep(25000);
	if (access(sock, F_OK) != 0)
		die("a node did not start (see its log)");
	return pid;
}

static void stop_node(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* kB of a /proc/PID/status field. */
static long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			kb = strtol(line + flen + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* CPU seconds used by a process. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
		return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

static void catch_up(const char *src, uint64_t n, const char *net, const char *name, struct run *out)
{
	char lab[4200], fresh[4200], labkey[65], freshkey[65], path[4200], log[4200];
	uint8_t lab_author[CT_KEY_BYTES];
	ct_ledger_opts o = {.read_only = true};
	ct_ledger *l = NULL;
	int port = 20000 + (int)((unsigned)getpid() * 13 % 12000); /* below the ephemeral ports */
	double start;
	uint64_t have = 0;

	snprintf(lab, sizeof(lab), "%s/lab", src);
	snprintf(fresh, sizeof(fresh), "%s/%s", work, name);
	read_key(lab, labkey);
	ct_key_parse(lab_author, labkey);
	if (sh("'%s' init '%s' --listen 127.0.0.1:%d --network %s >/dev/null 2>&1", cli_path, fresh, port + 1,
	       net))
		die("making the fresh node");
	read_key(fresh, freshkey);
	/* the lab's config is rewritten for this run: listen on port, know the fresh node */
	snprintf(path, sizeof(path), "%s/config", lab);
	FILE *f = fopen(path, "w");
	if (!f)
		die("lab config");
	fprintf(f, "listen = 127.0.0.1:%d\nnetwork = %s\npeer = %s@127.0.0.1:%d\n", port, net, freshkey,
		port + 1);
	fclose(f);
	if (sh("'%s' --home '%s' peers add %s@127.0.0.1:%d 2>/dev/null", cli_path, fresh, labkey, port))
		die("peers");
	snprintf(log, sizeof(log), "%s/lab.log", work);
	lab_pid = start_node(lab, log, "info");
	snprintf(log, sizeof(log), "%s/%s.log", work, name);
	start = now_s();
	fresh_pid = start_node(fresh, log, "debug");
	snprintf(path, sizeof(path), "%s/data", fresh);
	if (ct_ledger_open(&l, path, &o) < 0)
		die("opening the fresh store");
	memset(out, 0, sizeof(*out));
	while (have < n) {
		long anon = status_kb(fresh_pid, "RssAnon"), file = status_kb(fresh_pid, "RssFile");
		if (anon > out->peak_anon_kb)
			out->peak_anon_kb = anon;
		if (file > out->peak_file_kb)
			out->peak_file_kb = file;
		usleep(50000);
		have = lab_size(l, lab_author);
		/* a node that exited (another run on the same --source, a port taken) ends the run now */
		if (waitpid(lab_pid, NULL, WNOHANG) == lab_pid) {
			lab_pid = 0;
			ct_error_clear();
			die("the lab's node exited during the catch-up (its log is in the work directory; is "
			    "another bench_catchup using the same --source?)");
		}
		if (waitpid(fresh_pid, NULL, WNOHANG) == fresh_pid) {
			fresh_pid = 0;
			ct_error_clear();
			die("the fresh node exited during the catch-up (see fresh.log in the work "
			    "directory)");
		}
		if (now_s() - start > 3600)
			die("no catch-up within an hour");
	}
	out->seconds = now_s() - start;
	out->peak_kb = status_kb(fresh_pid, "VmHWM");
	writer_cpu(log, out);
	out->fresh_cpu = cpu_seconds(fresh_pid);
	out->lab_cpu = cpu_seconds(lab_pid);
	ct_ledger_close(l);
	stop_node(fresh_pid);
	stop_node(lab_pid);
	fresh_pid = lab_pid = 0;
}

/*
 * Item 6: catch-ups without and with the network index, alternating, in
 * this run; then the first fold of the index of the last one caught up.
 */
static void netindex_cost(const char *src, uint64_t n, const char *net, int pairs, const struct run *first)
{
	double on_s = first->seconds, off_s = 0, on_cpu = first->fresh_cpu, off_cpu = 0, fold;
	char name[64], cmd[8600];
	struct run r;
	int i, ons = 1, offs = 0;
	double t0;

	for (i = 0; i < pairs; i++) {
		no_netindex = true;
		snprintf(name, sizeof(name), "fresh-off-%d", i);
		fprintf(stderr, "catching up without the network index\n");
		catch_up(src, n, net, name, &r);
		off_s += r.seconds;
		off_cpu += r.fresh_cpu;
		offs++;
		no_netindex = false;
		if (i + 1 < pairs) {
			snprintf(name, sizeof(name), "fresh-on-%d", i + 1);
			fprintf(stderr, "catching up with the network index\n");
			catch_up(src, n, net, name, &r);
			on_s += r.seconds;
			on_cpu += r.fresh_cpu;
			ons++;
		}
	}
	printf("network index: catch-up with it %.0f entries/s (%.1f s of the fresh node's CPU), without it %.0f "
	       "entries/s (%.1f s); it costs %.1f %% of the rate (goal: at most 15 %%), %.1f %% of the CPU\n",
	       (double)n * ons / on_s, on_cpu / ons, (double)n * offs / off_s, off_cpu / offs,
	       100.0 * (1.0 - (off_s / offs) / (on_s / ons)), 100.0 * (on_cpu / ons - off_cpu / offs) / (off_cpu / offs));
	/* the deferred part: the caught-up node folds its dirty keys in once */
	snprintf(cmd, sizeof(cmd), "'%s' --home '%s/fresh' index >/dev/null 2>&1", cli_path, work);
	t0 = now_s();
	if (sh("%s", cmd))
		die("caltrace index on the caught-up node");
	fold = now_s() - t0;
	printf("  then the first fold of its index (caltrace index, over the keys the %llu entries marked): %.1f s\n",
	       (unsigned long long)n, fold);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"entries", required_argument, NULL, 'n'},
						 {"source", required_argument, NULL, 's'},
						 {"keep", no_argument, NULL, 'k'},
						 {"netindex-runs", required_argument, NULL, 'r'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	char self[4096], src[4200], net[65];
	uint64_t n = 1000000;
	const char *source = NULL;
	bool keep = false;
	int pairs = 1;
	double r1, r2, r1b, r2b, raw2, rate, v2cpu, v2cpu_b, per_entry, f1, f2;
	ct_sigkey *key = NULL;
	struct run run;
	ssize_t len;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 's':
			source = optarg;
			break;
		case 'k':
			keep = true;
			break;
		case 'r':
			pairs = atoi(optarg);
			break;
		default:
			printf("usage: bench_catchup [--entries N (1000000)] [--source DIR (kept for next "
			       "runs)] [--keep] [--netindex-runs PAIRS (1; 0 skips it)]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (sodium_init() < 0 || n == 0)
		die("bad arguments");
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		die("cannot find this program");
	self[len] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(cli_path, sizeof(cli_path), "%s/caltrace", self);
	snprintf(node_path, sizeof(node_path), "%s/caltraced", self);
	snprintf(work, sizeof(work), "%s/ct-bench.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(work))
		die("mkdtemp");
	snprintf(src, sizeof(src), "%s", source ? source : work);

	printf("machine: %ld CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN));
	make_samples();
	r1 = verify_rate(1, NULL, NULL);
	r2 = verify_rate(2, &v2cpu, NULL);
	printf("raw Ed25519 verification (before): 1 thread %.0f/s, 2 threads %.0f/s\n", r1, r2);
	fflush(stdout);
	fprintf(stderr, "making a lab with %llu entries in %s\n", (unsigned long long)n, src);
	make_source(src, n, net);
	fprintf(stderr, "catching up\n");
	catch_up(src, n, net, "fresh", &run);
	r1b = verify_rate(1, NULL, NULL);
	r2b = verify_rate(2, &v2cpu_b, NULL);
	printf("raw Ed25519 verification (after):  1 thread %.0f/s, 2 threads %.0f/s\n", r1b, r2b);
	raw2 = (r2 + r2b) / 2;
	rate = (double)n / run.seconds;
	printf("catch-up of %llu entries over loopback: %.1f s, %.0f entries/s\n", (unsigned long long)n,
	       run.seconds, rate);
	printf("  CPU used: fresh node %.1f s, serving node %.1f s\n", run.fresh_cpu, run.lab_cpu);
	printf("catch-up / raw 2-thread verification: %.2f (goal: at least 0.8)\n", rate / raw2);
	if (r2b < 0.85 * r2 || r2 < 0.85 * r2b)
		printf("  warning: the machine's speed changed during the run (other load?): the wall-clock "
		       "figures "
		       "are unreliable\n");
	/*
	 * The same question in CPU time, which other load on a shared machine
	 * disturbs far less: on an idle machine with both cores busy, catch-up /
	 * raw 2-thread rate = (CPU per verification, 2 threads) / (CPU per
	 * entry caught up, both nodes).
	 */
	per_entry = (run.fresh_cpu + run.lab_cpu) / (double)n;
	printf("CPU per entry caught up: %.1f us (fresh %.1f, serving %.1f); per verification with 2 "
	       "threads: %.1f us\n",
	       per_entry * 1e6, run.fresh_cpu / (double)n * 1e6, run.lab_cpu / (double)n * 1e6,
	       (v2cpu + v2cpu_b) / 2 * 1e6);
	printf("  CPU-time ratio (what an idle 2-core machine would show): %.2f\n",
	       (v2cpu + v2cpu_b) / 2 / per_entry);
	if (run.writer_entries)
		printf("  the writer thread: %.1f us of CPU per entry stored (%.1f ingest, %.1f commit; %llu "
		       "commits)\n",
		       (run.writer_ingest_ms + run.writer_commit_ms) * 1e3 / (double)run.writer_entries,
		       run.writer_ingest_ms * 1e3 / (double)run.writer_entries,
		       run.writer_commit_ms * 1e3 / (double)run.writer_entries, run.writer_commits);
	printf("peak resident memory of the catching-up node: %.0f MB (VmHWM; most RssAnon %.0f MB, RssFile "
	       "%.0f MB)"
	       " (goal: under 200 MB)\n",
	       (double)run.peak_kb / 1024, (double)run.peak_anon_kb / 1024, (double)run.peak_file_kb / 1024);
	if (ct_sigkey_new(&key, samples[0].pk) < 0)
		die("building the samples' key table");
	f1 = verify_rate(1, NULL, key);
	f2 = verify_rate(2, NULL, key);
	ct_sigkey_free(key);
	printf("for comparison, the node's own check of one author's run (caltrace/ledger/sigkey.h, the build for %s): "
	       "1 thread %.0f/s, 2 threads %.0f/s (%.1fx libsodium's)\n",
	       ct_sigkey_build() ? ct_sigkey_build() : "none", f1, f2, f2 / raw2);
	printf("  catch-up / that 2-thread rate: %.2f\n", rate / f2);
	fflush(stdout);
	if (pairs > 0)
		netindex_cost(src, n, net, pairs, &run);
	if (keep)
		fprintf(stderr, "kept %s\n", work);
	else
		sh("rm -rf '%s'", work);
	for (int i = 0; i < SAMPLES; i++)
		ct_buf_free(&samples[i].msg);
	return 0;
}
