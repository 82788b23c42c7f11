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

#define DAY	   86400000ULL
#define NDISTRICTS 7
#define NAUTH	   4
#define NCAT	   20
#define NMUNI	   100		       /* 5 per category */
#define NDIST_STD  (NDISTRICTS * NCAT) /* 140: each district institute holds one per category */
#define NWORK	   (NAUTH * 15)	       /* 60: each authorised lab, 15 categories */
#define NSTD	   (NMUNI + NDIST_STD + NWORK)
#define YEARS	   4 /* bases in 2023..2026 */
#define BATCH	   20000

static const char *const districts[NDISTRICTS] = {"Shizhong", "Xuecheng", "Yicheng", "Taierzhuang",
						  "Shanting", "Tengzhou", "Hightech"};
static const char *const categories[NCAT] = {"mass",
					     "pressure",
					     "temperature",
					     "volume",
					     "electrical-energy",
					     "length",
					     "flow",
					     "force",
					     "torque",
					     "hardness",
					     "time-frequency",
					     "acoustics",
					     "optics",
					     "ionising-radiation",
					     "chemistry",
					     "humidity",
					     "density",
					     "viscosity",
					     "vibration",
					     "gas-composition"};
/* category -> catalogue item and domain of its compulsory instruments (NULL: not in the catalogue) */
static const struct {
	const char *item, *mode, *domain;
} items[NCAT] = {{"trade-scale", "V", "trade"},
		 {"pressure-gauge", "V", "safety"},
		 {"clinical-thermometer", "V", "medical"},
		 {"water-meter", "V", "trade"},
		 {"electricity-meter", "V", "trade"},
		 {NULL, NULL, NULL},
		 {"gas-meter", "V", "trade"},
		 {NULL, NULL, NULL},
		 {NULL, NULL, NULL},
		 {NULL, NULL, NULL},
		 {"taxi-meter", "V", "trade"},
		 {"sound-level-meter", "V", "environment"},
		 {NULL, NULL, NULL},
		 {"radiation-monitor", "V", "medical"},
		 {"breathalyzer", "V", "safety"},
		 {NULL, NULL, NULL},
		 {NULL, NULL, NULL},
		 {NULL, NULL, NULL},
		 {NULL, NULL, NULL},
		 {"exhaust-analyser", "V", "environment"}};

struct basis {
	uint64_t performed;
	uint8_t hash[CT_HASH_BYTES];
};

struct standard {
	char id[32];
	int category, level, owner; /* owner: 0 city, 1..7 districts, 8..11 authorised */
	int nbases;
	struct basis bases[YEARS];
};

struct city {
	int years; /* calibrations in the last `years` of the three (default 3) */
	ct_ledger *l;
	ct_batch *b;
	size_t in_batch;
	uint64_t entries;
	uint64_t clock;
	ct_keypair *bureau, *labs[1 + NDISTRICTS + NAUTH];
	struct standard std[NSTD];
	double started;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process (every thread): what a busy machine does not inflate. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t ms(const char *date)
{
	uint64_t v = 0;

	if (ct_time_parse(&v, date) < 0)
		abort();
	return v;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_trace: %s: %s (%s)\n", what, ct_strerror(err), ct_error_last());
	exit(2);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- writing -------------------------------------------------------------- */

static void append(struct city *c, const ct_keypair *kp, const char *type, ct_buf *body, uint8_t *hash)
{
	int err;

	if (!c->b && (err = ct_batch_begin(&c->b, c->l)) < 0)
		die("begin", err);
	if ((err = ct_batch_append(c->b, kp, c->clock++, type, body->ptr, body->len, hash, NULL)) < 0)
		die(type, err);
	body->len = 0;
	c->entries++;
	if (++c->in_batch == BATCH) {
		if ((err = ct_batch_commit(c->b)) < 0)
			die("commit", err);
		c->b = NULL;
		c->in_batch = 0;
	}
}

static void flush(struct city *c)
{
	int err;

	if (c->b && (err = ct_batch_commit(c->b)) < 0)
		die("commit", err);
	c->b = NULL;
	c->in_batch = 0;
}

/* Writers of canonical msgpack: keys are written in bytewise order by each caller. */
#define S(b, s) ct_mp_put_cstr((b), (s))
#define U(b, v) ct_mp_put_uint((b), (v))

static void rel(ct_buf *b, uint64_t ppm)
{
	ct_mp_put_map(b, 1);
	S(b, "rel_ppm");
	U(b, ppm);
}

static void genesis(struct city *c, ct_buf *b)
{
	size_t i;

	ct_mp_put_map(b, 3);
	S(b, "districts");
	ct_mp_put_array(b, NDISTRICTS);
	for (i = 0; i < NDISTRICTS; i++)
		S(b, districts[i]);
	S(b, "name");
	S(b, "Benchcity");
	S(b, "policy");
	ct_mp_put_map(b, 2);
	S(b, "grace_days");
	U(b, 0);
	S(b, "min_ratio");
	U(b, 3);
	append(c, c->bureau, "network.genesis", b, NULL);
}

static void admit(struct city *c, ct_buf *b, int lab, const char *name, const char *tier,
		  const char *district)
{
	size_t i;

	ct_mp_put_map(b, district ? 7 : 6);
	if (district) {
		S(b, "district");
		S(b, district);
	}
	S(b, "key");
	ct_mp_put_bin(b, ct_keypair_public(c->labs[lab]), CT_KEY_BYTES);
	S(b, "name");
	S(b, name);
	S(b, "scope");
	ct_mp_put_array(b, NCAT);
	for (i = 0; i < NCAT; i++)
		S(b, categories[i]);
	S(b, "tier");
	S(b, tier);
	S(b, "valid_from");
	U(b, ms("2020-01-01"));
	S(b, "valid_until");
	U(b, ms("2030-12-31"));
	append(c, c->bureau, "org.admit", b, NULL);
}

static void catalogue(struct city *c, ct_buf *b, const char *item, const char *mode, const char *domain)
{
	ct_mp_put_map(b, 6);
	S(b, "domains");
	ct_mp_put_array(b, 1);
	S(b, domain);
	S(b, "effective");
	U(b, ms("2020-01-01"));
	S(b, "interval_days");
	U(b, 365);
	S(b, "item");
	S(b, item);
	S(b, "mode");
	S(b, mode);
	S(b, "name");
	S(b, item);
	append(c, c->bureau, "catalogue.set", b, NULL);
}

static void register_standard(struct city *c, ct_buf *b, const struct standard *s)
{
	static const char *const levels[] = {"municipal", "district", "working"};

	ct_mp_put_map(b, 6);
	S(b, "category");
	S(b, categories[s->category]);
	S(b, "id");
	S(b, s->id);
	S(b, "level");
	S(b, levels[s->level]);
	S(b, "name");
	S(b, s->id);
	S(b, "public");
	ct_mp_put_bool(b, s->level < 2);
	S(b, "u");
	rel(b, s->level == 0 ? 2 : s->level == 1 ? 10 : 50);
	append(c, c->labs[s->owner], "standard.register", b, NULL);
	if (s->level == 2)
		return;
	ct_mp_put_map(b, 4);
	S(b, "certificate");
	S(b, "EXAM");
	S(b, "id");
	S(b, s->id);
	S(b, "valid_from");
	U(b, ms("2022-01-01"));
	S(b, "valid_until");
	U(b, ms("2029-12-31"));
	append(c, c->bureau, "standard.approve", b, NULL);
}

static void anchor(struct city *c, ct_buf *b, struct standard *s, int year)
{
	uint64_t p = ms("2023-01-05") + (uint64_t)year * 365 * DAY;

	ct_mp_put_map(b, 6);
	S(b, "certificate");
	S(b, "PROV");
	S(b, "id");
	S(b, s->id);
	S(b, "performed_at");
	U(b, p);
	S(b, "provider");
	S(b, "Provincial institute");
	S(b, "u");
	rel(b, 1);
	S(b, "valid_until");
	U(b, p + 375 * DAY);
	s->bases[year].performed = p;
	append(c, c->bureau, "standard.anchor", b, s->bases[year].hash);
	s->nbases = year + 1;
}

/* A calibration of subject with standard s, citing s's basis of the latest year before p. */
static void calibrate(struct city *c, ct_buf *b, int lab, const char *subject, bool std_subject,
		      const char *kind, const struct standard *s, uint64_t p, const char *result,
		      uint8_t *hash)
{
	int y = s->nbases - 1;

	while (y > 0 && s->bases[y].performed > p)
		y--;
	if (y < 0) {
		fprintf(stderr, "bench_trace: %s has no calibration yet\n", s->id);
		exit(2);
	}
	ct_mp_put_map(b, 8);
	S(b, "certificate");
	S(b, "CERT");
	S(b, "kind");
	S(b, kind);
	S(b, "performed_at");
	U(b, p);
	S(b, "result");
	S(b, result);
	S(b, "standards");
	ct_mp_put_array(b, 1);
	ct_mp_put_map(b, 2);
	S(b, "cal");
	ct_mp_put_bin(b, s->bases[y].hash, CT_HASH_BYTES);
	S(b, "id");
	S(b, s->id);
	S(b, "subject");
	S(b, subject);
	S(b, "subject_kind");
	S(b, std_subject ? "standard" : "instrument");
	S(b, "valid_until");
	U(b, p + 365 * DAY);
	append(c, c->labs[lab], "calibration", b, hash);
}

static void standards(struct city *c, ct_buf *b)
{
	int i, y;

	for (i = 0; i < NSTD; i++) {
		struct standard *s = &c->std[i];
		if (i < NMUNI) {
			s->level = 0;
			s->category = i % NCAT;
			s->owner = 0;
		} else if (i < NMUNI + NDIST_STD) {
			s->level = 1;
			s->category = (i - NMUNI) % NCAT;
			s->owner = 1 + (i - NMUNI) / NCAT;
		} else {
			s->level = 2;
			s->category = (i - NMUNI - NDIST_STD) % 15;
			s->owner = 1 + NDISTRICTS + (i - NMUNI - NDIST_STD) / 15;
		}
		snprintf(s->id, sizeof(s->id), "%s-%03d",
			 s->level == 0	 ? "MUN"
			 : s->level == 1 ? "DIS"
					 : "WRK",
			 i);
		register_standard(c, b, s);
	}
	for (y = 0; y < YEARS; y++) {
		uint64_t year = (uint64_t)y * 365 * DAY;
		for (i = 0; i < NMUNI; i++)
			anchor(c, b, &c->std[i], y);
		for (i = NMUNI; i < NMUNI + NDIST_STD; i++) {
			struct standard *s = &c->std[i];
			const struct standard *m = &c->std[s->category + NCAT * ((i / NCAT) % 5)];
			s->bases[y].performed = ms("2023-01-20") + year;
			calibrate(c, b, 0, s->id, true, "calibration", m, s->bases[y].performed, "pass",
				  s->bases[y].hash);
			s->nbases = y + 1;
		}
		for (i = NMUNI + NDIST_STD; i < NSTD; i++) {
			struct standard *s = &c->std[i];
			const struct standard *d = &c->std[NMUNI + (i % NDISTRICTS) * NCAT + s->category];
			s->bases[y].performed = ms("2023-02-05") + year;
			calibrate(c, b, 1 + i % NDISTRICTS, s->id, true, "calibration", d,
				  s->bases[y].performed, "pass", s->bases[y].hash);
			s->nbases = y + 1;
		}
	}
}

/* What the city knows of instrument i: drawn from a generator seeded by i, so any pass can recompute it. */
struct inst {
	char id[32], owner[32];
	int category, district, lab;
	const struct standard *std;
	uint64_t offset, mpe, roll;
	bool compulsory;
};

static void inst_of(struct city *c, uint64_t i, struct inst *in)
{
	uint64_t rng = i * 0x9e3779b97f4a7c15ULL + 20261129;
	bool authorised;

	in->category = (int)(rnd(&rng) % NCAT);
	in->district = (int)(rnd(&rng) % NDISTRICTS);
	in->lab = 1 + in->district;
	authorised = rnd(&rng) % 5 == 0 && in->category < 15;
	if (authorised) {
		in->lab = 1 + NDISTRICTS + (int)(rnd(&rng) % NAUTH);
		in->std = &c->std[NMUNI + NDIST_STD + (in->lab - 1 - NDISTRICTS) * 15 + in->category];
	} else {
		in->std = &c->std[NMUNI + in->district * NCAT + in->category];
	}
	in->offset = rnd(&rng) % 365;
	in->roll = rnd(&rng) % 100;
	in->mpe = 1000 + rnd(&rng) % 4000;
	in->compulsory = items[in->category].item != NULL;
	snprintf(in->id, sizeof(in->id), "I-%08llu", (unsigned long long)i);
	snprintf(in->owner, sizeof(in->owner), "Owner %llu", (unsigned long long)(rnd(&rng) % 20000));
}

static void register_instrument(struct city *c, ct_buf *b, const struct inst *in)
{
	ct_mp_put_map(b, in->compulsory ? 7 : 5);
	if (in->compulsory) {
		S(b, "catalogue");
		S(b, items[in->category].item);
	}
	S(b, "category");
	S(b, categories[in->category]);
	S(b, "district");
	S(b, districts[in->district]);
	if (in->compulsory) {
		S(b, "domain");
		S(b, items[in->category].domain);
	}
	S(b, "id");
	S(b, in->id);
	S(b, "mpe");
	rel(b, in->mpe);
	S(b, "owner");
	S(b, in->owner);
	append(c, c->labs[in->lab], "instrument.register", b, NULL);
}

/* Year y's calibration of an instrument: 5% skip the last year's (overdue), 2% fail it. */
static void calibrate_instrument(struct city *c, ct_buf *b, const struct inst *in, int y)
{
	uint64_t p = ms("2023-03-01") + (uint64_t)y * 365 * DAY + in->offset * DAY;

	if (y == 2 && in->roll < 5)
		return;
	calibrate(c, b, in->lab, in->id, false, in->compulsory ? "verification" : "calibration", in->std, p,
		  y == 2 && in->roll < 7 ? "fail" : "pass", NULL);
}

static void progress(struct city *c, uint64_t done, uint64_t total)
{
	double t = now_s() - c->started;

	fprintf(stderr, "\r  step %llu/%llu, %llu entries, %.0f s (%.0f entries/s)   ",
		(unsigned long long)done, (unsigned long long)total, (unsigned long long)c->entries, t,
		(double)c->entries / (t > 0 ? t : 1));
}

/* The bureau's and the labs' keys, from fixed seeds (a reused store was built with them). */
static void keys(struct city *c)
{
	uint8_t seed[32];
	int k;

	if (c->bureau)
		return;
	memset(seed, 0xb0, sizeof(seed));
	if (ct_keypair_from_seed(&c->bureau, seed) < 0)
		die("key", CT_ERROR);
	for (k = 0; k < 1 + NDISTRICTS + NAUTH; k++) {
		seed[0] = (uint8_t)k;
		if (ct_keypair_from_seed(&c->labs[k], seed) < 0)
			die("key", CT_ERROR);
	}
}

static void build(struct city *c, uint64_t n)
{
	ct_buf b = CT_BUF_INIT;
	uint8_t seed[32];
	uint64_t rng = 20261129, i, *order;
	struct inst in;
	int k, y;

	c->clock = ms("2022-06-01");
	c->started = now_s();
	(void)seed;
	keys(c);
	genesis(c, &b);
	admit(c, &b, 0, "Municipal institute", "city", districts[0]);
	for (k = 0; k < NDISTRICTS; k++) {
		char name[64];
		snprintf(name, sizeof(name), "%s institute", districts[k]);
		admit(c, &b, 1 + k, name, "district", districts[k]);
	}
	for (k = 0; k < NAUTH; k++) {
		char name[64];
		snprintf(name, sizeof(name), "Authorised lab %d", k);
		admit(c, &b, 1 + NDISTRICTS + k, name, "authorized", districts[k]);
	}
	for (k = 0; k < NCAT; k++)
		if (items[k].item)
			catalogue(c, &b, items[k].item, items[k].mode, items[k].domain);
	standards(c, &b);
	/*
	 * Registrations first, then each year's calibrations in an order of their
	 * own (labs record what they calibrate as it happens, not in id order):
	 * an instrument's entries end up scattered over its lab's feed, as in a
	 * real ledger, so reading them costs what it would there.
	 */
	if (!(order = malloc(n * sizeof(*order))))
		die("build", CT_ENOMEM);
	for (i = 0; i < n; i++) {
		inst_of(c, i, &in);
		register_instrument(c, &b, &in);
		order[i] = i;
		if (i % 50000 == 0)
			progress(c, i, (uint64_t)(1 + c->years) * n);
	}
	for (y = 3 - c->years; y < 3; y++) {
		for (i = n; i > 1; i--) {
			uint64_t j = rnd(&rng) % i, t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			inst_of(c, order[i], &in);
			calibrate_instrument(c, &b, &in, y);
			if (i % 50000 == 0)
				progress(c, (uint64_t)(y + c->years - 2) * n + i, (uint64_t)(1 + c->years) * n);
		}
	}
	free(order);
	flush(c);
	progress(c, (uint64_t)(1 + c->years) * n, (uint64_t)(1 + c->years) * n);
	fprintf(stderr, "\n");
	ct_buf_free(&b);
}

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
	double t0 = now_s(), c0 = cpu_s(), t;
	int err;

	memset(&q, 0, sizeof(q));
	q.threads = threads;
	q.path = path;
	if ((err = ct_coverage_compute(&cov, r, times, n, &q)) < 0)
		die("coverage", err);
	t = now_s() - t0;
	if (cpu)
		*cpu = cpu_s() - c0;
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
		die("chain", CT_ENOMEM);
	for (i = 0; i < samples; i++) {
		double t0;
		snprintf(id, sizeof(id), "I-%08llu", (unsigned long long)(rnd(&rng) % n));
		/* cold: what one `caltrace chain` does, a fresh tracer and the whole tree */
		t0 = now_s();
		if ((err = ct_tracer_new(&tr, r)) < 0 ||
		    (err = ct_trace(&tree, tr, CT_NS_INSTRUMENT, id, strlen(id), at)) < 0)
			die("chain", err);
		ct_trace_free(tree);
		ct_tracer_free(tr);
		cold[i] = now_s() - t0;
		/* warm: a tracer serving many questions (an inspector's session, a node) */
		t0 = now_s();
		if ((err = ct_trace(&tree, shared, CT_NS_INSTRUMENT, id, strlen(id), at)) < 0)
			die("chain", err);
		ct_trace_free(tree);
		warm[i] = now_s() - t0;
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
	uint64_t at = ms("2025-12-31"), times[12], rows = 0, records = 0;
	ct_reader *r = NULL;
	double t0;
	int err, m;

	for (m = 0; m < 12; m++) { /* the ends of the twelve months of 2025 */
		char day[32];
		snprintf(day, sizeof(day), m == 11 ? "2026-01-01" : "2025-%02d-01", m + 2);
		times[m] = ms(day) - 1;
	}
	double scan[16], sscan[16];
	unsigned k;

	if ((err = ct_reader_begin(&r, c->l)) < 0)
		die("reader", err);
	if ((err = ct_summary_ready(r, &res->has_summary)) < 0)
		die("summary", err);
	/* a first pass maps the store's pages into this process: not what is measured */
	if (res->full_repeat)
		time_coverage(r, &at, 1, 0, CT_COVERAGE_ENTRIES, NULL, NULL);
	if (res->has_summary)
		time_coverage(r, &at, 1, 0, CT_COVERAGE_SUMMARY, NULL, NULL);
	for (k = 0; k < res->repeat; k++) {
		rows = records = 0;
		t0 = now_s();
		if ((err = ct_read_subject_scan(r, CT_NS_INSTRUMENT, 0, 1, count_rows, &rows)) < 0)
			die("scan", err);
		scan[k] = now_s() - t0;
		sscan[k] = 0;
		if (res->has_summary) {
			t0 = now_s();
			if ((err = ct_summary_scan(r, 0, 1, count_records, &records)) < 0)
				die("summary scan", err);
			sscan[k] = now_s() - t0;
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
		die("writing a complete bundle", err);
	ct_trace_free(tree);
	tree = NULL;
	st->bytes = text.len;
	/* what checking it costs: parse, verify, a scratch store, the evaluator (caltrace verify's work) */
	snprintf(dir, sizeof(dir), "%s/ct-bench-verify.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp", CT_EIO);
	t0 = now_s();
	so.map_size = 256u << 20;
	so.no_sync = true;
	if ((err = ct_cbundle_parse(&b, text.ptr, text.len)) < 0 || (err = ct_cbundle_verify(b, bureau, &info)) < 0 ||
	    (err = ct_ledger_open(&scratch, dir, &so)) < 0 || (err = ct_batch_begin(&batch, scratch)) < 0 ||
	    (err = ct_cbundle_load(b, batch)) < 0 || (err = ct_batch_commit(batch)) < 0 ||
	    (err = ct_reader_begin(&sr, scratch)) < 0 || (err = ct_cbundle_evaluate(b, sr, &tree)) < 0)
		die("checking a complete bundle", err);
	st->verify_s = now_s() - t0;
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
			die("proving one key", err);
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

	keys(c);
	/* a full rebuild, timed */
	t0 = now_s();
	c0 = cpu_s();
	if ((err = ct_batch_begin(&b, c->l)) < 0 || (err = ct_netindex_rebuild(b)) < 0 || (err = ct_batch_commit(b)) < 0)
		die("rebuilding the network index", err);
	if ((err = ct_reader_begin(&r, c->l)) < 0 || (err = ct_netindex_root_get(&root, r)) < 0)
		die("reading the index root", err);
	ct_reader_end(r);
	printf("network index: a full rebuild of %llu keys (%llu entries) took %.1f s (%.1f s CPU)\n",
	       (unsigned long long)root.keys, (unsigned long long)c->entries, now_s() - t0, cpu_s() - c0);
	/* a network checkpoint of this state, signed by the bureau and witnessed by a lab (the same store) */
	if ((err = ct_batch_begin(&b, c->l)) < 0 ||
	    (err = ct_netcp_sign(b, c->bureau, (uint64_t)time(NULL), &note)) < 0 ||
	    (err = ct_netcp_witness(b, c->labs[1], (uint64_t)time(NULL), note.ptr, note.len, NULL, NULL, NULL, &res)) < 0 ||
	    (err = ct_batch_commit(b)) < 0)
		die("signing a network checkpoint", err);
	if (res != CT_NETCP_COSIGNED)
		die("witnessing the network checkpoint", CT_ESTATE);
	if ((err = ct_reader_begin(&r, c->l)) < 0 || (err = ct_read_network(network, NULL, r)) < 0)
		die("reading", err);
	ct_witness_key(&bureau, network, ct_keypair_public(c->bureau));
	if (!(st = calloc(samples, sizeof(*st))) || !(ver = calloc(samples, sizeof(*ver))))
		die("memory", CT_ENOMEM);
	for (i = 0; i < samples; i++) {
		struct inst in;
		inst_of(c, rnd(&rng) % n, &in);
		one_bundle(c->l, r, in.id, ms("2025-12-31"), &bureau, &st[i]);
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
	open_s = now_s();
	/* a store built before the summary gets it here (summary.h): the time is reported */
	if ((err = ct_ledger_open(&c->l, dir, &lopts)) < 0)
		die("open", err);
	open_s = now_s() - open_s;
	fprintf(stderr, "\nopened in %.1f s\n", open_s);
	if (rebuild_summary) {
		double t0 = now_s();
		if ((err = ct_summary_rebuild(c->l, open_progress, NULL)) < 0)
			die("summary", err);
		printf("instrument summary rebuilt in %.1f s\n", now_s() - t0);
	}
	if (!reuse) {
		fprintf(stderr, "building the city in %s\n", dir);
		build(c, n);
		build_s = now_s() - c->started;
		printf("city built in %.0f s: %llu instruments, %llu entries\n", build_s, (unsigned long long)n,
		       (unsigned long long)c->entries);
		if (build_only)
			goto close;
	}
	{
		uint64_t entry_bytes = 0;
		ct_reader *r = NULL;
		if ((err = ct_reader_begin(&r, c->l)) < 0 || (err = ct_read_stats(&entries, &entry_bytes, r)) < 0)
			die("stats", err);
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
