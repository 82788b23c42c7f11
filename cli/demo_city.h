/*
 * The demo city (docs/DEMO.md): a seeded, deterministic generator of a
 * city's legal-metrology records, written as the record files
 * `caltrace import-records` reads, one per lab and phase, with the ground
 * truth (truth.json) of what it built: every instrument's expected verdict
 * at the report date by the rules of docs/VERDICTS.md, the coverage counts
 * they add up to, and the deliberately broken chains with their reason
 * codes.
 *
 * Pure: the same seed, size, report date and lab keys give the same files
 * byte for byte. No clock, no network, no store.
 */
#ifndef CT_DEMO_CITY_H
#define CT_DEMO_CITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The city's organisations: the bureau and the labs, one node each. */
enum demo_tier { TIER_BUREAU, TIER_CITY, TIER_DISTRICT, TIER_AUTHORIZED, TIER_ENTERPRISE };

struct demo_lab {
	const char *slug;    /* home directory name, "city", "tengzhou", "power" */
	const char *name;    /* as admitted: 枣庄市计量测试所 */
	const char *name_en; /* for progress lines */
	enum demo_tier tier;
	int district;	   /* index into demo_districts, -1 when none */
	const char *scope; /* categories, ';'-separated */
	bool csv;	   /* writes its records as CSV (the others NDJSON) */
	int technicians;
};

struct demo_district {
	const char *name; /* 滕州市 */
	const char *code; /* in instrument ids: TZ */
	const char *en;
	unsigned weight; /* share of the city's instruments, percent */
};

#define DEMO_BUREAU    0 /* demo_labs[0] is the bureau */
#define DEMO_PHASES    5
#define DEMO_LABS      19
#define DEMO_DISTRICTS 7

extern const struct demo_lab demo_labs[DEMO_LABS];
extern const struct demo_district demo_districts[DEMO_DISTRICTS];

/* Who peers with whom: pairs of lab indexes (each side lists the other). */
size_t demo_links(const int (**out)[2]);

/* What each phase is, for progress lines. */
extern const char *const demo_phase_names[DEMO_PHASES];

typedef struct demo_opts {
	uint64_t seed;
	uint64_t instruments;	  /* in service at the report date, about */
	uint64_t at;		  /* the report date, ms since the epoch, midnight UTC */
	char keys[DEMO_LABS][65]; /* each lab's public key, hex (the bureau's unused) */
	const char *dir;	  /* where the record files and truth.json go (exists) */
} demo_opts;

/* One record file: a lab's records of one phase. */
struct demo_file {
	int phase; /* 1..DEMO_PHASES */
	int lab;
	char path[4200];
	uint64_t records;
};

typedef struct demo_city {
	struct demo_file *files; /* by phase, then lab */
	size_t nfiles;
	uint64_t records[DEMO_PHASES + 1]; /* per phase (index 1..), [0] the total */
	uint64_t instruments;		   /* registered and not retired at the report date */
	char chain_example[64];		   /* a valid instrument with a three-level chain */
	char oot_standard[64];		   /* the standard declared out of tolerance */
	char lapsed_standard[64];	   /* the standard whose calibration lapsed for a month */
	char truth_path[4200];
} demo_city;

/*
 * Generates the city into o->dir: p<phase>-<lab>.ndjson|csv and
 * truth.json. Returns 0, or -1 with the reason in why (a file that cannot
 * be written, a size out of range).
 */
int demo_city_generate(demo_city *out, const demo_opts *o, char *why, size_t whylen);

void demo_city_free(demo_city *c);

#define DEMO_MIN_INSTRUMENTS 1000
#define DEMO_MAX_INSTRUMENTS 2000000

#endif
