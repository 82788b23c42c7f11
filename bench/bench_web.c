/*
 * bench_web: the in-process half of bench/bench_web.sh. Over a home's
 * store it picks N random instruments (seeded), writes the paths of their
 * chains for wrk (a Lua table), and measures, on one thread, what an HTTP
 * chain request does without HTTP: a read snapshot, a fresh tracer, the
 * chain (ct_trace) and its JSON (ct_trace_to_json, dumped) -- the work of
 * `caltrace chain --json` in process -- reporting requests/s, p50 and p99.
 * Not a test: `cmake --build build --target bench_web`; bench/bench_web.sh
 * runs it beside wrk and caltrace serve.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caltrace/base/error.h"
#include "caltrace/eval/json.h"
#include "caltrace/eval/trace.h"
#include "caltrace/ledger/index.h"
#include "caltrace/ledger/ledger.h"

struct ids {
	char **v;
	size_t n, cap;
};

static int add_id(void *ctx, const char *id, size_t len)
{
	struct ids *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return CT_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strndup(id, len)))
		return CT_ENOMEM;
	l->n++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A path segment, percent-encoded as the server expects it. */
static void lua_path(FILE *f, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)id;

	fputs("  \"/api/v1/instruments/", f);
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			fputc(*p, f);
		else
			fprintf(f, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	fputs("/chain\",\n", f);
}

/* One chain as a server answers it, without HTTP: snapshot, tracer, chain, JSON text. */
static int one_chain(ct_ledger *l, const char *id, size_t *bytes)
{
	ct_trace_node *tree = NULL;
	ct_tracer *tr = NULL;
	ct_reader *r = NULL;
	json_t *o = NULL;
	char *text = NULL;
	int err;

	if ((err = ct_reader_begin(&r, l)) < 0 || (err = ct_tracer_new(&tr, r)) < 0 ||
	    (err = ct_trace(&tree, tr, CT_NS_INSTRUMENT, id, strlen(id), (uint64_t)time(NULL) * 1000)) < 0 ||
	    (err = ct_trace_to_json(&o, tree)) < 0)
		goto done;
	if (!(text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		err = CT_ENOMEM;
	else
		*bytes += strlen(text);
done:
	free(text);
	json_decref(o);
	ct_trace_free(tree);
	ct_tracer_free(tr);
	ct_reader_end(r);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"home", required_argument, NULL, 'H'},  {"paths", required_argument, NULL, 'p'},
	    {"count", required_argument, NULL, 'n'}, {"seconds", required_argument, NULL, 's'},
	    {"seed", required_argument, NULL, 'S'},  {NULL, 0, NULL, 0}};
	const char *home = NULL, *paths = NULL;
	size_t count = 10000, i, done = 0, bytes = 0;
	double seconds = 10, t0, *lat;
	unsigned seed = 1;
	ct_ledger_opts opts = {0};
	struct ids ids = {0};
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	char dir[4200];
	size_t *pick;
	FILE *f;
	int c, err;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 'p':
			paths = optarg;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'S':
			seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_web --home DIR [--paths FILE.lua] [--count N] "
					"[--seconds S] [--seed N]\n");
			return 2;
		}
	}
	if (!home || !count) {
		fprintf(stderr, "bench_web: --home DIR is needed\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/data", home);
	opts.read_only = true;
	if ((err = ct_ledger_open(&l, dir, &opts)) < 0 || (err = ct_reader_begin(&r, l)) < 0 ||
	    (err = ct_read_ids(r, CT_NS_INSTRUMENT, add_id, &ids)) < 0) {
		fprintf(stderr, "bench_web: %s: %s\n", dir, ct_error_last());
		return 2;
	}
	ct_reader_end(r);
	if (!ids.n) {
		fprintf(stderr, "bench_web: no instruments in %s\n", dir);
		return 2;
	}
	srand(seed);
	pick = calloc(count, sizeof(*pick));
	lat = calloc(count, sizeof(*lat));
	for (i = 0; i < count; i++)
		pick[i] = ((size_t)rand() * 65536u + (size_t)rand()) % ids.n;
	if (paths) {
		if (!(f = fopen(paths, "w"))) {
			fprintf(stderr, "bench_web: cannot write %s\n", paths);
			return 2;
		}
		fprintf(f, "-- %zu random instruments of %zu (seed %u)\npaths = {\n", count, ids.n, seed);
		for (i = 0; i < count; i++)
			lua_path(f, ids.v[pick[i]]);
		fputs("}\n", f);
		fclose(f);
	}
	t0 = now_s();
	for (i = 0; i < count && now_s() - t0 < seconds; i++) {
		double a = now_s();
		if ((err = one_chain(l, ids.v[pick[i]], &bytes)) < 0) {
			fprintf(stderr, "bench_web: chain of %s: %s\n", ids.v[pick[i]], ct_error_last());
			return 2;
		}
		lat[done++] = now_s() - a;
	}
	t0 = now_s() - t0;
	qsort(lat, done, sizeof(*lat), cmp_double);
	printf("in-process chain (snapshot + tracer + chain + JSON, 1 thread): %zu chains of %zu instruments "
	       "in %.1f s: "
	       "%.0f/s, p50 %.3f ms, p99 %.3f ms, %.0f bytes of JSON each\n",
	       done, ids.n, t0, (double)done / t0, lat[done / 2] * 1e3, lat[done * 99 / 100] * 1e3,
	       (double)bytes / (double)done);
	for (i = 0; i < ids.n; i++)
		free(ids.v[i]);
	free(ids.v);
	free(pick);
	free(lat);
	ct_ledger_close(l);
	return 0;
}
