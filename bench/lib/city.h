/*
 * The city of bench_trace (bench/bench_trace.c): a bureau, 11 labs, 300
 * standards and N instruments with up to three yearly calibrations each,
 * written through the C API into a store. The writing is here; what
 * bench_trace measures on it stays in bench_trace.c. Every file of
 * bench/lib/ is compiled into every benchmark (CMakeLists.txt).
 */
#ifndef CT_BENCH_CITY_H
#define CT_BENCH_CITY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"

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

/* One instrument of the city, derived from its number alone (city_inst). */
struct inst {
	char id[32], owner[32];
	int category, district, lab;
	const struct standard *std;
	uint64_t offset, mpe, roll;
	bool compulsory;
};

/* Wall-clock seconds (monotonic). */
double city_now_s(void);
/* CPU seconds of the whole process (every thread): what a busy machine does not inflate. */
double city_cpu_s(void);
/* The milliseconds of a date as caltrace reads it; aborts on a bad one. */
uint64_t city_ms(const char *date);
/* Prints what failed, with err and the library's last error, and exits 2. */
__attribute__((noreturn)) void city_die(const char *what, int err);
/* The next number of a splitmix64 sequence. */
uint64_t city_rnd(uint64_t *s);

/* The bureau's and the labs' keys, from fixed seeds (a reused store was built with them). */
void city_keys(struct city *c);
/* Instrument i. */
void city_inst(struct city *c, uint64_t i, struct inst *in);
/* Writes the whole city of n instruments into c->l, with progress on stderr. */
void city_build(struct city *c, uint64_t n);

#endif
