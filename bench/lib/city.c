/*
 * The city of bench_trace, written (bench/lib/city.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/mp.h"
#include "city.h"

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

double city_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process (every thread): what a busy machine does not inflate. */
double city_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t city_ms(const char *date)
{
	uint64_t v = 0;

	if (ct_time_parse(&v, date) < 0)
		abort();
	return v;
}

void city_die(const char *what, int err)
{
	fprintf(stderr, "bench_trace: %s: %s (%s)\n", what, ct_strerror(err), ct_error_last());
	exit(2);
}

uint64_t city_rnd(uint64_t *s)
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
		city_die("begin", err);
	if ((err = ct_batch_append(c->b, kp, c->clock++, type, body->ptr, body->len, hash, NULL)) < 0)
		city_die(type, err);
	body->len = 0;
	c->entries++;
	if (++c->in_batch == BATCH) {
		if ((err = ct_batch_commit(c->b)) < 0)
			city_die("commit", err);
		c->b = NULL;
		c->in_batch = 0;
	}
}

static void flush(struct city *c)
{
	int err;

	if (c->b && (err = ct_batch_commit(c->b)) < 0)
		city_die("commit", err);
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
	U(b, city_ms("2020-01-01"));
	S(b, "valid_until");
	U(b, city_ms("2030-12-31"));
	append(c, c->bureau, "org.admit", b, NULL);
}

static void catalogue(struct city *c, ct_buf *b, const char *item, const char *mode, const char *domain)
{
	ct_mp_put_map(b, 6);
	S(b, "domains");
	ct_mp_put_array(b, 1);
	S(b, domain);
	S(b, "effective");
	U(b, city_ms("2020-01-01"));
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
	U(b, city_ms("2022-01-01"));
	S(b, "valid_until");
	U(b, city_ms("2029-12-31"));
	append(c, c->bureau, "standard.approve", b, NULL);
}

static void anchor(struct city *c, ct_buf *b, struct standard *s, int year)
{
	uint64_t p = city_ms("2023-01-05") + (uint64_t)year * 365 * DAY;

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
			s->bases[y].performed = city_ms("2023-01-20") + year;
			calibrate(c, b, 0, s->id, true, "calibration", m, s->bases[y].performed, "pass",
				  s->bases[y].hash);
			s->nbases = y + 1;
		}
		for (i = NMUNI + NDIST_STD; i < NSTD; i++) {
			struct standard *s = &c->std[i];
			const struct standard *d = &c->std[NMUNI + (i % NDISTRICTS) * NCAT + s->category];
			s->bases[y].performed = city_ms("2023-02-05") + year;
			calibrate(c, b, 1 + i % NDISTRICTS, s->id, true, "calibration", d,
				  s->bases[y].performed, "pass", s->bases[y].hash);
			s->nbases = y + 1;
		}
	}
}

/* What the city knows of instrument i: drawn from a generator seeded by i, so any pass can recompute it. */

void city_inst(struct city *c, uint64_t i, struct inst *in)
{
	uint64_t rng = i * 0x9e3779b97f4a7c15ULL + 20261129;
	bool authorised;

	in->category = (int)(city_rnd(&rng) % NCAT);
	in->district = (int)(city_rnd(&rng) % NDISTRICTS);
	in->lab = 1 + in->district;
	authorised = city_rnd(&rng) % 5 == 0 && in->category < 15;
	if (authorised) {
		in->lab = 1 + NDISTRICTS + (int)(city_rnd(&rng) % NAUTH);
		in->std = &c->std[NMUNI + NDIST_STD + (in->lab - 1 - NDISTRICTS) * 15 + in->category];
	} else {
		in->std = &c->std[NMUNI + in->district * NCAT + in->category];
	}
	in->offset = city_rnd(&rng) % 365;
	in->roll = city_rnd(&rng) % 100;
	in->mpe = 1000 + city_rnd(&rng) % 4000;
	in->compulsory = items[in->category].item != NULL;
	snprintf(in->id, sizeof(in->id), "I-%08llu", (unsigned long long)i);
	snprintf(in->owner, sizeof(in->owner), "Owner %llu", (unsigned long long)(city_rnd(&rng) % 20000));
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
	uint64_t p = city_ms("2023-03-01") + (uint64_t)y * 365 * DAY + in->offset * DAY;

	if (y == 2 && in->roll < 5)
		return;
	calibrate(c, b, in->lab, in->id, false, in->compulsory ? "verification" : "calibration", in->std, p,
		  y == 2 && in->roll < 7 ? "fail" : "pass", NULL);
}

static void progress(struct city *c, uint64_t done, uint64_t total)
{
	double t = city_now_s() - c->started;

	fprintf(stderr, "\r  step %llu/%llu, %llu entries, %.0f s (%.0f entries/s)   ",
		(unsigned long long)done, (unsigned long long)total, (unsigned long long)c->entries, t,
		(double)c->entries / (t > 0 ? t : 1));
}

/* The bureau's and the labs' keys, from fixed seeds (a reused store was built with them). */
void city_keys(struct city *c)
{
	uint8_t seed[32];
	int k;

	if (c->bureau)
		return;
	memset(seed, 0xb0, sizeof(seed));
	if (ct_keypair_from_seed(&c->bureau, seed) < 0)
		city_die("key", CT_ERROR);
	for (k = 0; k < 1 + NDISTRICTS + NAUTH; k++) {
		seed[0] = (uint8_t)k;
		if (ct_keypair_from_seed(&c->labs[k], seed) < 0)
			city_die("key", CT_ERROR);
	}
}

void city_build(struct city *c, uint64_t n)
{
	ct_buf b = CT_BUF_INIT;
	uint8_t seed[32];
	uint64_t rng = 20261129, i, *order;
	struct inst in;
	int k, y;

	c->clock = city_ms("2022-06-01");
	c->started = city_now_s();
	(void)seed;
	city_keys(c);
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
		city_die("build", CT_ENOMEM);
	for (i = 0; i < n; i++) {
		city_inst(c, i, &in);
		register_instrument(c, &b, &in);
		order[i] = i;
		if (i % 50000 == 0)
			progress(c, i, (uint64_t)(1 + c->years) * n);
	}
	for (y = 3 - c->years; y < 3; y++) {
		for (i = n; i > 1; i--) {
			uint64_t j = city_rnd(&rng) % i, t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			city_inst(c, order[i], &in);
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
