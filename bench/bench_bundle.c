/*
 * bench_bundle: what completeness costs the worked example's bundle
 * (tests/vectors/bundle-example: the three-level chain of SCALE-S, 12
 * entries over 3 feeds), in bytes and in time (docs/PERFORMANCE.md).
 *
 *   cmake --build build --target bench_bundle caltrace && build/bench_bundle [--vectors DIR] [--runs N]
 *
 * 1. The sizes: the v1 bundle, the complete one, and the complete one's
 *    parts (its network checkpoint, entries with their inclusion proofs,
 *    lookups, the shared index proof).
 * 2. Checking the complete bundle in process, as `caltrace verify` does
 *    (parse, verify, a scratch store, load, evaluate): median and 90th
 *    percentile of N runs, wall and CPU.
 * 3. `caltrace verify` itself, the process included: median of N runs of
 *    each bundle (the goal: under 30 ms).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/base/error.h"
#include "caltrace/proof/cbundle.h"
#include "caltrace/proof/witness.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_bundle: %s: %s\n", what, ct_error_last());
	exit(2);
}

static void slurp(const char *path, ct_buf *out)
{
	uint8_t buf[65536];
	size_t got;
	FILE *f = fopen(path, "rb");

	if (!f)
		die(path);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		ct_buf_put(out, buf, got);
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Bytes of the lines of raw that start with word (their newlines included). */
static size_t lines_of(const ct_buf *raw, const char *word)
{
	size_t total = 0, w = strlen(word);
	const uint8_t *p = raw->ptr, *end = raw->ptr + raw->len;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (n > w && !memcmp(p, word, w))
			total += n;
		p += n;
	}
	return total;
}

static double run_cli(const char *cli, const char *bundle, const char *key)
{
	double t0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	t0 = now_s();
	pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(cli, "caltrace", "verify", bundle, "--bureau", key, "--max-age", "36500", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"vectors", required_argument, NULL, 'v'},
						 {"runs", required_argument, NULL, 'n'},
						 {NULL, 0, NULL, 0}};
	const char *vectors = "tests/vectors/bundle-example";
	char path[4200], cli[4200], self[4096], key_hex[65], dir[4200];
	uint8_t network[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	ct_buf v1 = CT_BUF_INIT, v2 = CT_BUF_INIT, keyf = CT_BUF_INIT;
	double *wall, *cpu, *cli1, *cli2;
	int runs = 200, c, i;
	ct_vkey key;
	ssize_t len;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'v')
			vectors = optarg;
		else if (c == 'n')
			runs = atoi(optarg);
		else
			return 2;
	}
	if (runs < 1)
		runs = 1;
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		die("cannot find this program");
	self[len] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(cli, sizeof(cli), "%s/caltrace", self);
	snprintf(path, sizeof(path), "%s/scale-s.bundle", vectors);
	slurp(path, &v1);
	snprintf(path, sizeof(path), "%s/scale-s-complete.bundle", vectors);
	slurp(path, &v2);
	snprintf(path, sizeof(path), "%s/bureau.key", vectors);
	slurp(path, &keyf);
	memcpy(key_hex, keyf.ptr, 64);
	key_hex[64] = '\0';
	if (ct_unhex(bureau, CT_KEY_BYTES, key_hex) < 0)
		die("bureau.key");

	/* 1. sizes */
	printf("the worked example (%s): v1 bundle %zu bytes, complete bundle %zu bytes (%+ld)\n", vectors, v1.len,
	       v2.len, (long)v2.len - (long)v1.len);
	{
		ct_cbundle *b = NULL;
		if (ct_cbundle_parse(&b, v2.ptr, v2.len) < 0)
			die("parsing the complete bundle");
		printf("  its network checkpoint %zu bytes; %zu entries in %zu bytes of entry lines and %zu of proof "
		       "lines; %zu lookups in %zu bytes, %zu bytes of leaf lines; the index proof %zu bytes (%zu in "
		       "base64)\n",
		       b->note_len, b->count, lines_of(&v2, "entry "), lines_of(&v2, "proof"), b->nlookups,
		       lines_of(&v2, "lookup ") + lines_of(&v2, "absent "), lines_of(&v2, "leaf "), b->stream_len,
		       lines_of(&v2, "index"));
		{
			ct_bundle *o = NULL;
			size_t cps = 0;
			if (ct_bundle_parse(&o, v1.ptr, v1.len) < 0)
				die("parsing the v1 bundle");
			for (size_t k = 0; k < o->ncps; k++)
				cps += o->cps[k].note_len;
			printf("  (the v1 bundle carries %zu feed checkpoints, %zu bytes, which the complete one does not "
			       "need)\n",
			       o->ncps, cps);
			ct_bundle_free(o);
		}
		ct_entry_hash(network, b->blocks[0].entry, b->blocks[0].entry_len);
		ct_cbundle_free(b);
	}
	ct_witness_key(&key, network, bureau);

	/* 2. in process */
	wall = calloc((size_t)runs, sizeof(*wall));
	cpu = calloc((size_t)runs, sizeof(*cpu));
	cli1 = calloc((size_t)runs, sizeof(*cli1));
	cli2 = calloc((size_t)runs, sizeof(*cli2));
	for (i = 0; i < runs; i++) {
		ct_cbundle *b = NULL;
		ct_cbundle_info info;
		ct_ledger *l = NULL;
		ct_ledger_opts o = {0};
		ct_batch *batch = NULL;
		ct_reader *r = NULL;
		ct_trace_node *tree = NULL;
		double t0 = now_s(), c0 = cpu_s();

		snprintf(dir, sizeof(dir), "%s/ct-bench-bundle.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			die("mkdtemp");
		o.map_size = 256u << 20;
		o.no_sync = true;
		if (ct_cbundle_parse(&b, v2.ptr, v2.len) < 0 || ct_cbundle_verify(b, &key, &info) < 0 ||
		    ct_ledger_open(&l, dir, &o) < 0 || ct_batch_begin(&batch, l) < 0 || ct_cbundle_load(b, batch) < 0 ||
		    ct_batch_commit(batch) < 0 || ct_reader_begin(&r, l) < 0 || ct_cbundle_evaluate(b, r, &tree) < 0)
			die("checking the complete bundle");
		wall[i] = now_s() - t0;
		cpu[i] = cpu_s() - c0;
		ct_trace_free(tree);
		ct_reader_end(r);
		ct_ledger_close(l);
		ct_netcp_clear(&info.cp);
		ct_cbundle_free(b);
		snprintf(path, sizeof(path), "rm -rf '%s'", dir);
		if (system(path) != 0)
			die("rm");
	}
	qsort(wall, (size_t)runs, sizeof(*wall), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(*cpu), cmp_double);
	printf("checking the complete bundle in process (%d runs): wall p50 %.1f ms, p90 %.1f ms; CPU p50 %.1f ms\n",
	       runs, wall[runs / 2] * 1e3, wall[runs * 9 / 10] * 1e3, cpu[runs / 2] * 1e3);

	/* 3. caltrace verify, the whole process */
	for (i = 0; i < runs && i < 50; i++) {
		snprintf(path, sizeof(path), "%s/scale-s.bundle", vectors);
		cli1[i] = run_cli(cli, path, key_hex);
		snprintf(path, sizeof(path), "%s/scale-s-complete.bundle", vectors);
		cli2[i] = run_cli(cli, path, key_hex);
	}
	runs = runs < 50 ? runs : 50;
	qsort(cli1, (size_t)runs, sizeof(*cli1), cmp_double);
	qsort(cli2, (size_t)runs, sizeof(*cli2), cmp_double);
	printf("caltrace verify (%d runs, the process included): v1 median %.1f ms, complete median %.1f ms, p90 "
	       "%.1f ms (goal: under 30 ms)\n",
	       runs, cli1[runs / 2] * 1e3, cli2[runs / 2] * 1e3, cli2[runs * 9 / 10] * 1e3);
	free(wall);
	free(cpu);
	free(cli1);
	free(cli2);
	ct_buf_free(&v1);
	ct_buf_free(&v2);
	ct_buf_free(&keyf);
	return 0;
}
