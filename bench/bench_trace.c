/*
 * bench_trace: a city of N instruments (default 1,000,000), 300 standards
 * and 3 calibrations per instrument, built through the C API in a
 * temporary store; then the time of one plain sequential scan of the
 * instruments' index (the machine's own speed, measured in the same run),
 * of coverage at one date, of a 12-month trend, and p50/p99 of chain for
 * random instruments. Not a test: `cmake --build build --target
 * bench_trace && build/bench_trace [--instruments N]`. Figures in
 * docs/PERFORMANCE.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/coverage.h"
#include "caltrace/ledger/netindex.h"
#include "caltrace/ledger/summary.h"
#include "caltrace/proof/cbundle.h"
#include "caltrace/proof/netcheckpoint.h"
#include "caltrace/proof/witness.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/eval/trace.h"

#include "lib/city.h"

/* ---- measuring ------------------------------------------------------------------------------- */

static int count_rows(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	*(uint64_t *)ctx += count;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One way of computing coverage (the entries' or the summary's): best, median, CPU of the best. */
struct way {
	double coverage, coverage1, trend;
	double coverage_med, coverage1_med, trend_med;
	double coverage_cpu, coverage1_cpu, trend_cpu;
	ct_coverage_counts at, trend_last;
	bool done;
};

struct results {
	double scan, chain_p50, chain_p99, chain_max, warm_p50, warm_p99;
	double scan_med, sum_scan, sum_scan_med;
	struct way full, fast;
	unsigned repeat, full_repeat;
	bool has_summary;
};

/* The best and the median of repeat timings (other work on the machine only ever adds time). */
static void best_of(double *t, unsigned n, double *best, double *median)
{
	unsigned i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
			double x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	*best = t[0];
	*median = t[n / 2];
}

static double time_coverage(ct_reader *r, const uint64_t *times, size_t n, unsigned threads,
			    ct_coverage_path path, ct_coverage_counts *out, double *cpu)
{
	ct_coverage_query q;
	ct_coverage *cov = NULL;
	double t0 = city_now_s(), c0 = city_cpu_s(), t;
	int err;

	memset(&q, 0, sizeof(q));
	q.threads = threads;
	q.path = path;
	if ((err = ct_coverage_compute(&cov, r, times, n, &q)) < 0)
		city_die("coverage", err);
	t = city_now_s() - t0;
	if (cpu)
		*cpu = city_cpu_s() - c0;
	if (out)
		*out = cov[n - 1].total;
	ct_coverage_free(cov, n);
	return t;
}

static void time_chains(ct_reader *r, uint64_t n, unsigned samples, uint64_t at, struct results *res)
{
	double *cold = calloc(samples, sizeof(double)), *warm = calloc(samples, sizeof(double));
	ct_tracer *shared = NULL, *tr;
	ct_trace_node *tree;
	uint64_t rng = 77;
	char id[32];
	unsigned i;
	int err;

	if (!cold || !warm || (err = ct_tracer_new(&shared, r)) < 0)
		city_die("chain", CT_ENOMEM);
	for (i = 0; i < samples; i++) {
		double t0;
		snprintf(id, sizeof(id), "I-%08llu", (unsigned long long)(city_rnd(&rng) % n));
		/* cold: what one `caltrace chain` does, a fresh tracer and the whole tree */
		t0 = city_now_s();
		if ((err = ct_tracer_new(&tr, r)) < 0 ||
		    (err = ct_trace(&tree, tr, CT_NS_INSTRUMENT, id, strlen(id), at)) < 0)
			city_die("chain", err);
		ct_trace_free(tree);
		ct_tracer_free(tr);
		cold[i] = city_now_s() - t0;
		/* warm: a tracer serving many questions (an inspector's session, a node) */
		t0 = city_now_s();
		if ((err = ct_trace(&tree, shared, CT_NS_INSTRUMENT, id, strlen(id), at)) < 0)
			city_die("chain", err);
		ct_trace_free(tree);
		warm[i] = city_now_s() - t0;
	}
	ct_tracer_free(shared);
	qsort(cold, samples, sizeof(double), cmp_double);
	qsort(warm, samples, sizeof(double), cmp_double);
	res->chain_p50 = cold[samples / 2];
	res->chain_p99 = cold[samples * 99 / 100];
	res->chain_max = cold[samples - 1];
	res->warm_p50 = warm[samples / 2];
	res->warm_p99 = warm[samples * 99 / 100];
	free(cold);
	free(warm);
}

static int count_records(void *ctx, const ct_summary_inst *s)
{
	*(uint64_t *)ctx += s->ncals + 1;
	return 0;
}

/* Coverage at one date (default threads and one), and the 12-month trend, R times each, one way. */
static void measure_way(ct_reader *r, uint64_t at, const uint64_t times[12], ct_coverage_path path,
			unsigned repeat, struct way *w)
{
	double cov[16], cov1[16], trend[16], cpu;
	unsigned k;

	w->coverage_cpu = w->coverage1_cpu = w->trend_cpu = 1e9;
	for (k = 0; k < repeat; k++) {
		cov1[k] = time_coverage(r, &at, 1, 1, path, NULL, &cpu);
		if (cpu < w->coverage1_cpu)
			w->coverage1_cpu = cpu;
		cov[k] = time_coverage(r, &at, 1, 0, path, &w->at, &cpu);
		if (cpu < w->coverage_cpu)
			w->coverage_cpu = cpu;
		trend[k] = time_coverage(r, times, 12, 0, path, &w->trend_last, &cpu);
		if (cpu < w->trend_cpu)
			w->trend_cpu = cpu;
		fprintf(stderr, "  %s: coverage %.3f s (one thread %.3f s), trend %.3f s\n",
			path == CT_COVERAGE_SUMMARY ? "summary" : "entries", cov[k], cov1[k], trend[k]);
	}
	best_of(cov1, repeat, &w->coverage1, &w->coverage1_med);
	best_of(cov, repeat, &w->coverage, &w->coverage_med);
	best_of(trend, repeat, &w->trend, &w->trend_med);
	w->done = true;
}

static void measure(struct city *c, uint64_t n, unsigned samples, struct results *res)
{
	uint64_t at = city_ms("2025-12-31"), times[12], rows = 0, records = 0;
	ct_reader *r = NULL;
	double t0;
	int err, m;

	for (m = 0; m < 12; m++) { /* the ends of the twelve months of 2025 */
		char day[32];
		snprintf(day, sizeof(day), m == 11 ? "2026-01-01" : "2025-%02d-01", m + 2);
		times[m] = city_ms(day) - 1;
	}
	double scan[16], sscan[16];
	unsigned k;

	if ((err = ct_reader_begin(&r, c->l)) < 0)
		city_die("reader", err);
	if ((err = ct_summary_ready(r, &res->has_summary)) < 0)
		city_die("summary", err);
	/* a first pass maps the store's pages into this process: not what is measured */
	if (res->full_repeat)
		time_coverage(r, &at, 1, 0, CT_COVERAGE_ENTRIES, NULL, NULL);
	if (res->has_summary)
		time_coverage(r, &at, 1, 0, CT_COVERAGE_SUMMARY, NULL, NULL);
	for (k = 0; k < res->repeat; k++) {
		rows = records = 0;
		t0 = city_now_s();
		if ((err = ct_read_subject_scan(r, CT_NS_INSTRUMENT, 0, 1, count_rows, &rows)) < 0)
			city_die("scan", err);
		scan[k] = city_now_s() - t0;
		sscan[k] = 0;
		if (res->has_summary) {
			t0 = city_now_s();
			if ((err = ct_summary_scan(r, 0, 1, count_records, &records)) < 0)
				city_die("summary scan", err);
			sscan[k] = city_now_s() - t0;
		}
	}
	best_of(scan, res->repeat, &res->scan, &res->scan_med);
	best_of(sscan, res->repeat, &res->sum_scan, &res->sum_scan_med);
	if (res->has_summary)
		measure_way(r, at, times, CT_COVERAGE_SUMMARY, res->repeat, &res->fast);
	if (res->full_repeat)
		measure_way(r, at, times, CT_COVERAGE_ENTRIES, res->full_repeat, &res->full);
	if (samples)
		time_chains(r, n, samples, at, res);
	ct_reader_end(r);
	fprintf(stderr, "  scanned %llu index rows\n", (unsigned long long)rows);
}

static void report_way(const char *name, const struct way *w, const struct results *r, double base, uint64_t n)
{
	char what[64];

	if (!w->done)
		return;
	snprintf(what, sizeof(what), "coverage at one date (%s)", name);
	printf("%-46s %7.3f s [%7.3f]  %6.1f x the scan  cpu %.3f s  goal < 5 s: %s\n", what, w->coverage,
	       w->coverage_med, w->coverage / base, w->coverage_cpu, w->coverage < 5.0 ? "met" : "NOT met");
	snprintf(what, sizeof(what), "coverage at one date, one thread (%s)", name);
	printf("%-46s %7.3f s [%7.3f]  %6.1f x the scan  cpu %.3f s (%.2f us per instrument)\n", what,
	       w->coverage1, w->coverage1_med, w->coverage1 / base, w->coverage1_cpu,
	       w->coverage1_cpu * 1e6 / (double)n);
	snprintf(what, sizeof(what), "12-month trend (%s)", name);
	printf("%-46s %7.3f s [%7.3f]  %6.1f x the scan  cpu %.3f s  goal < 10 s: %s\n", what, w->trend,
	       w->trend_med, w->trend / base, w->trend_cpu, w->trend < 10.0 ? "met" : "NOT met");
	(void)r;
}

static void report(const struct results *r, uint64_t n, uint64_t entries, double build_s, long cpus)
{
	const ct_coverage_counts *at = r->fast.done ? &r->fast.at : &r->full.at;
	struct rusage ru;
	bool chain_ok = r->chain_p99 < 0.001;

	getrusage(RUSAGE_SELF, &ru);
	printf("city: %llu instruments, %d standards, %llu entries (built in %.0f s), %ld cores\n",
	       (unsigned long long)n, NSTD, (unsigned long long)entries, build_s, cpus);
	printf("coverage at 2025-12-31: %llu registered, %llu valid (%.2f%%), %llu compulsory, %llu verified "
	       "(%.2f%%)\n",
	       (unsigned long long)at->registered, (unsigned long long)at->valid,
	       100.0 * (double)at->valid / (double)(at->registered ? at->registered : 1),
	       (unsigned long long)at->compulsory, (unsigned long long)at->compulsory_valid,
	       100.0 * (double)at->compulsory_valid / (double)(at->compulsory ? at->compulsory : 1));
	if (r->fast.done && r->full.done)
		printf("the two ways agree: %s\n",
		       memcmp(&r->fast.at, &r->full.at, sizeof(r->fast.at)) == 0 &&
			       memcmp(&r->fast.trend_last, &r->full.trend_last, sizeof(r->fast.trend_last)) == 0
			   ? "yes (totals at the date and at the trend's last month)"
			   : "NO");
	printf("timings: best of %u, the entries' way of %u (median in brackets)\n", r->repeat, r->full_repeat);
	printf("%-46s %7.3f s [%7.3f]\n", "plain sequential scan of the instrument index", r->scan, r->scan_med);
	if (r->has_summary)
		printf("%-46s %7.3f s [%7.3f]\n", "plain sequential scan of the summary", r->sum_scan,
		       r->sum_scan_med);
	report_way("summary", &r->fast, r, r->scan, n);
	report_way("entries", &r->full, r, r->scan, n);
	if (r->fast.done && r->full.done)
		printf("summary / entries: coverage %.1fx faster, trend %.1fx faster\n",
		       r->full.coverage / r->fast.coverage, r->full.trend / r->fast.trend);
	if (r->chain_p50 > 0) {
		printf("%-46s p50 %.3f ms  p99 %.3f ms  max %.3f ms  goal p99 < 1 ms: %s\n",
		       "chain (fresh tracer, whole tree)", r->chain_p50 * 1e3, r->chain_p99 * 1e3,
		       r->chain_max * 1e3, chain_ok ? "met" : "NOT met");
		printf("%-46s p50 %.3f ms  p99 %.3f ms\n", "chain (shared tracer)", r->warm_p50 * 1e3,
		       r->warm_p99 * 1e3);
	}
	printf("max RSS %.0f MiB\n", (double)ru.ru_maxrss / 1024.0);
}

/* Pages of each LMDB database of the store (Debian's mdb_stat, when installed), per entry. */
static void report_disk(const char *dir, uint64_t entries, uint64_t n)
{
	char cmd[4300], line[512], name[64] = "";
	unsigned long long br = 0, lf = 0, ov = 0;
	long psize = 4096;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "mdb_stat -a '%s' 2>/dev/null", dir);
	if (!(p = popen(cmd, "r")))
		return;
	printf("%-12s %10s %12s %12s\n", "database", "MB", "per entry", "per instr.");
	while (fgets(line, sizeof(line), p)) {
		unsigned long long v;
		if (sscanf(line, "Status of %63s", name) == 1) {
			br = lf = ov = 0;
		} else if (sscanf(line, "  Branch pages: %llu", &v) == 1) {
			br = v;
		} else if (sscanf(line, "  Leaf pages: %llu", &v) == 1) {
			lf = v;
		} else if (sscanf(line, "  Overflow pages: %llu", &v) == 1) {
			ov = v;
			double bytes = (double)((br + lf + ov) * (unsigned long long)psize);
			printf("%-12s %10.1f %10.1f B %10.1f B\n", name, bytes / 1e6,
			       bytes / (double)(entries ? entries : 1), bytes / (double)(n ? n : 1));
		}
	}
	pclose(p);
}

static void open_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "\r  %s: %llu of %llu   ", what, (unsigned long long)done, (unsigned long long)total);
}

/* ---- the network index and complete bundles ---------------------------------------------- */

static void rm_store(const char *dir);

struct bundle_stats {
	size_t bytes, lookups, shared, separate;
	double verify_s;
};

static int by_bytes(const void *a, const void *b)
{
	const struct bundle_stats *x = a, *y = b;

	return (x->bytes > y->bytes) - (x->bytes < y->bytes);
}

/* One instrument's complete bundle: its size, its lookups' proof shared and key by key, and the time to check it. */
static void one_bundle(ct_ledger *l, ct_reader *r, const char *id, uint64_t at, const ct_vkey *bureau,
		       struct bundle_stats *st)
{
	ct_buf text = CT_BUF_INIT, stream = CT_BUF_INIT;
	ct_trace_node *tree = NULL;
	ct_cbundle_info info;
	ct_cbundle *b = NULL;
	ct_netleaf *leaves = NULL;
	size_t nleaves, i;
	ct_ledger *scratch = NULL;
	ct_ledger_opts so = {0};
	ct_batch *batch = NULL;
	ct_reader *sr = NULL;
	char dir[4200];
	double t0;
	int err;

	if ((err = ct_cbundle_write(&text, r, CT_NS_INSTRUMENT, id, at, 1, &tree)) < 0)
		city_die("writing a complete bundle", err);
	ct_trace_free(tree);
	tree = NULL;
	st->bytes = text.len;
	/* what checking it costs: parse, verify, a scratch store, the evaluator (caltrace verify's work) */
	snprintf(dir, sizeof(dir), "%s/ct-bench-verify.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		city_die("mkdtemp", CT_EIO);
	t0 = city_now_s();
	so.map_size = 256u << 20;
	so.no_sync = true;
	if ((err = ct_cbundle_parse(&b, text.ptr, text.len)) < 0 || (err = ct_cbundle_verify(b, bureau, &info)) < 0 ||
	    (err = ct_ledger_open(&scratch, dir, &so)) < 0 || (err = ct_batch_begin(&batch, scratch)) < 0 ||
	    (err = ct_cbundle_load(b, batch)) < 0 || (err = ct_batch_commit(batch)) < 0 ||
	    (err = ct_reader_begin(&sr, scratch)) < 0 || (err = ct_cbundle_evaluate(b, sr, &tree)) < 0)
		city_die("checking a complete bundle", err);
	st->verify_s = city_now_s() - t0;
	ct_trace_free(tree);
	ct_reader_end(sr);
	ct_ledger_close(scratch);
	rm_store(dir);
	ct_netcp_clear(&info.cp);
	/* the index proof as the bundle carries it (shared) and as separate proofs of each key */
	st->lookups = b->nlookups;
	st->shared = b->stream_len;
	st->separate = 0;
	for (i = 0; i < b->nlookups; i++) {
		const uint8_t *k = b->lookups[i].key;
		size_t len = b->lookups[i].len;
		if ((err = ct_netindex_prove(&leaves, &nleaves, &stream, r, &k, &len, 1)) < 0)
			city_die("proving one key", err);
		st->separate += stream.len + 32 * (nleaves - (b->lookups[i].present ? 1 : 0));
		free(leaves);
		leaves = NULL;
	}
	for (i = 0; i < b->nleaves; i++)
		st->shared += 32;
	ct_cbundle_free(b);
	ct_buf_free(&text);
	ct_buf_free(&stream);
	(void)l;
}

static void measure_netindex(struct city *c, uint64_t n, unsigned samples)
{
	uint8_t network[CT_HASH_BYTES];
	struct bundle_stats *st;
	ct_netindex_root root;
	ct_buf note = CT_BUF_INIT;
	ct_netcp_result res;
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	ct_vkey bureau;
	double t0, c0, *ver;
	uint64_t rng = 7;
	unsigned i;
	int err;

	city_keys(c);
	/* a full rebuild, timed */
	t0 = city_now_s();
	c0 = city_cpu_s();
	if ((err = ct_batch_begin(&b, c->l)) < 0 || (err = ct_netindex_rebuild(b)) < 0 || (err = ct_batch_commit(b)) < 0)
		city_die("rebuilding the network index", err);
	if ((err = ct_reader_begin(&r, c->l)) < 0 || (err = ct_netindex_root_get(&root, r)) < 0)
		city_die("reading the index root", err);
	ct_reader_end(r);
	printf("network index: a full rebuild of %llu keys (%llu entries) took %.1f s (%.1f s CPU)\n",
	       (unsigned long long)root.keys, (unsigned long long)c->entries, city_now_s() - t0, city_cpu_s() - c0);
	/* a network checkpoint of this state, signed by the bureau and witnessed by a lab (the same store) */
	if ((err = ct_batch_begin(&b, c->l)) < 0 ||
	    (err = ct_netcp_sign(b, c->bureau, (uint64_t)time(NULL), &note)) < 0 ||
	    (err = ct_netcp_witness(b, c->labs[1], (uint64_t)time(NULL), note.ptr, note.len, NULL, NULL, NULL, &res)) < 0 ||
	    (err = ct_batch_commit(b)) < 0)
		city_die("signing a network checkpoint", err);
	if (res != CT_NETCP_COSIGNED)
		city_die("witnessing the network checkpoint", CT_ESTATE);
	if ((err = ct_reader_begin(&r, c->l)) < 0 || (err = ct_read_network(network, NULL, r)) < 0)
		city_die("reading", err);
	ct_witness_key(&bureau, network, ct_keypair_public(c->bureau));
	if (!(st = calloc(samples, sizeof(*st))) || !(ver = calloc(samples, sizeof(*ver))))
		city_die("memory", CT_ENOMEM);
	for (i = 0; i < samples; i++) {
		struct inst in;
		city_inst(c, city_rnd(&rng) % n, &in);
		one_bundle(c->l, r, in.id, city_ms("2025-12-31"), &bureau, &st[i]);
		ver[i] = st[i].verify_s;
	}
	ct_reader_end(r);
	qsort(st, samples, sizeof(*st), by_bytes);
	qsort(ver, samples, sizeof(*ver), cmp_double);
	{
		size_t shared = 0, separate = 0, lookups = 0;
		for (i = 0; i < samples; i++) {
			shared += st[i].shared;
			separate += st[i].separate;
			lookups += st[i].lookups;
		}
		printf("complete bundles of %u random instruments at 2025-12-31: %zu bytes median, %zu at the 90th "
		       "percentile, %zu largest; %.1f lookups each on average\n",
		       samples, st[samples / 2].bytes, st[samples * 9 / 10].bytes, st[samples - 1].bytes,
		       (double)lookups / samples);
		printf("  their index proofs: %.0f bytes each on average, shared by the keys; proven one key at a time "
		       "they would take %.0f\n",
		       (double)shared / samples, (double)separate / samples);
		printf("  checking one (parse, verify, scratch store, evaluate, in process): p50 %.1f ms, p90 %.1f ms\n",
		       ver[samples / 2] * 1e3, ver[samples * 9 / 10] * 1e3);
	}
	free(st);
	free(ver);
	ct_buf_free(&note);
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: bench_trace [--instruments N] [--chains K] [--repeat R] [--dir DIR] [--keep | --reuse]\n"
	    "  --instruments N  city size (default 1000000; 3 calibrations each)\n"
	    "  --chains K       random instruments to time chain on (default 10000; 0: none)\n"
	    "  --repeat R       time each measurement R times, report the best and the median (default 3)\n"
	    "  --dir DIR        build the store there (default a new directory under $TMPDIR or /tmp)\n"
	    "  --keep           keep the store afterwards (a later run with --dir DIR --reuse skips the "
	    "build)\n"
	    "  --reuse          measure an existing store built with the same --instruments\n"
	    "  --rebuild-summary  build the instrument summary again first, and time it\n"
	    "  --full-repeat F  time the entries' way F times (default R; 0: not at all)\n"
	    "  --years K        calibrate in the last K of the three years only (default 3)\n"
	    "  --build-only     build the city, keep it, measure nothing\n"
	    "  --bundles B      then rebuild the network index and make B complete bundles (default 200; 0: no)\n");
}

static void rm_store(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"instruments", required_argument, NULL, 'n'},
						 {"chains", required_argument, NULL, 'c'},
						 {"repeat", required_argument, NULL, 'R'},
						 {"dir", required_argument, NULL, 'd'},
						 {"keep", no_argument, NULL, 'k'},
						 {"reuse", no_argument, NULL, 'r'},
						 {"bundles", required_argument, NULL, 'B'},
						 {"years", required_argument, NULL, 'y'},
						 {"full-repeat", required_argument, NULL, 'F'},
						 {"rebuild-summary", no_argument, NULL, 'S'},
						 {"build-only", no_argument, NULL, 'b'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	uint64_t n = 1000000;
	unsigned samples = 10000, repeat = 3, bundles = 200, full_repeat = 99;
	ct_ledger_opts lopts;
	double open_s;
	uint64_t entries = 0;
	bool keep = false, reuse = false, build_only = false, rebuild_summary = false;
	char *dir = NULL, tmpl[4200];
	struct city *c = calloc(1, sizeof(*c));
	struct results res;
	double build_s = 0;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			samples = (unsigned)strtoul(optarg, NULL, 10);
			if (samples == 0)
				samples = 1u << 31; /* none: see below */
			break;
		case 'R':
			repeat = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			keep = true;
			break;
		case 'r':
			reuse = keep = true;
			break;
		case 'B':
			bundles = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'y':
			c->years = atoi(optarg);
			break;
		case 'b':
			build_only = keep = true;
			break;
		case 'F':
			full_repeat = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			rebuild_summary = true;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (c && c->years == 0)
		c->years = 3;
	if (full_repeat == 99)
		full_repeat = repeat;
	if (!c || c->years < 1 || c->years > 3 || n == 0 || samples == 0 || repeat == 0 || repeat > 16 ||
	    full_repeat > 16 || (reuse && !dir)) {
		usage();
		return 2;
	}
	if (!dir) {
		snprintf(tmpl, sizeof(tmpl), "%s/bench-trace-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!(dir = mkdtemp(tmpl))) {
			fprintf(stderr, "bench_trace: cannot make a directory: %s\n", strerror(errno));
			return 2;
		}
	}
	if (samples == 1u << 31)
		samples = 0;
	memset(&lopts, 0, sizeof(lopts));
	lopts.progress = open_progress;
	open_s = city_now_s();
	/* a store built before the summary gets it here (summary.h): the time is reported */
	if ((err = ct_ledger_open(&c->l, dir, &lopts)) < 0)
		city_die("open", err);
	open_s = city_now_s() - open_s;
	fprintf(stderr, "\nopened in %.1f s\n", open_s);
	if (rebuild_summary) {
		double t0 = city_now_s();
		if ((err = ct_summary_rebuild(c->l, open_progress, NULL)) < 0)
			city_die("summary", err);
		printf("instrument summary rebuilt in %.1f s\n", city_now_s() - t0);
	}
	if (!reuse) {
		fprintf(stderr, "building the city in %s\n", dir);
		city_build(c, n);
		build_s = city_now_s() - c->started;
		printf("city built in %.0f s: %llu instruments, %llu entries\n", build_s, (unsigned long long)n,
		       (unsigned long long)c->entries);
		if (build_only)
			goto close;
	}
	{
		uint64_t entry_bytes = 0;
		ct_reader *r = NULL;
		if ((err = ct_reader_begin(&r, c->l)) < 0 || (err = ct_read_stats(&entries, &entry_bytes, r)) < 0)
			city_die("stats", err);
		ct_reader_end(r);
	}
	printf("store opened in %.1f s (the summary is built then when the store has none)\n", open_s);
	report_disk(dir, entries, n);
	fflush(stdout);
	fprintf(stderr, "measuring\n");
	memset(&res, 0, sizeof(res));
	res.repeat = repeat;
	res.full_repeat = full_repeat;
	measure(c, n, samples, &res);
	report(&res, n, entries, build_s, sysconf(_SC_NPROCESSORS_ONLN));
	if (bundles) {
		fflush(stdout);
		fprintf(stderr, "the network index\n");
		measure_netindex(c, n, bundles);
	}
close:
	ct_ledger_close(c->l);
	if (!keep)
		rm_store(dir);
	else
		fprintf(stderr, "store kept in %s\n", dir);
	ct_keypair_free(c->bureau);
	for (opt = 0; opt < 1 + NDISTRICTS + NAUTH; opt++)
		ct_keypair_free(c->labs[opt]);
	free(c);
	return 0;
}
