/*
 * caltrace/demo/city.h - the demo city (docs/DEMO.md): a seeded, deterministic generator of a
 * city's legal-metrology records, written as the record files
 * `caltrace import-records` reads, one per lab and phase, with the ground
 * truth (truth.json) of what it built: every instrument's expected verdict
 * at the report date by the rules of docs/VERDICTS.md, the coverage counts
 * they add up to, and the deliberately broken chains with their reason
 * codes.
 *
 * Pure: the same seed, size, report date and lab keys give the same files
 * byte for byte. No clock, no network, no store. Running the city on
 * real nodes is caltrace/demo/demo.h.
 */
#ifndef CALTRACE_DEMO_CITY_H
#define CALTRACE_DEMO_CITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The city's organisations: the bureau and the labs, one node each. */
enum ct_demo_tier {
	CT_DEMO_TIER_BUREAU,
	CT_DEMO_TIER_CITY,
	CT_DEMO_TIER_DISTRICT,
	CT_DEMO_TIER_AUTHORIZED,
	CT_DEMO_TIER_ENTERPRISE,
};

struct ct_demo_lab {
	const char *slug;    /* home directory name, "city", "tengzhou", "power" */
	const char *name;    /* as admitted: 枣庄市计量测试所 */
	const char *name_en; /* for progress lines */
	enum ct_demo_tier tier;
	int district;	   /* index into ct_demo_districts, -1 when none */
	const char *scope; /* categories, ';'-separated */
	bool csv;	   /* writes its records as CSV (the others NDJSON) */
	int technicians;
};

struct ct_demo_district {
	const char *name; /* 滕州市 */
	const char *code; /* in instrument ids: TZ */
	const char *en;
	unsigned weight; /* share of the city's instruments, percent */
};

#define CT_DEMO_BUREAU	  0 /* ct_demo_labs[0] is the bureau */
#define CT_DEMO_PHASES	  6
#define CT_DEMO_LABS	  19
#define CT_DEMO_REKEYED	  16 /* the mining lab: the bureau re-keys it half-way (docs/DEMO.md) */
#define CT_DEMO_DISTRICTS 7

extern const struct ct_demo_lab ct_demo_labs[CT_DEMO_LABS];
extern const struct ct_demo_district ct_demo_districts[CT_DEMO_DISTRICTS];

/* Who peers with whom: pairs of lab indexes (each side lists the other). */
size_t ct_demo_links(const int (**out)[2]);

/* What each phase is, for progress lines. */
extern const char *const ct_demo_phase_names[CT_DEMO_PHASES];

typedef struct ct_demo_gen_opts {
	uint64_t seed;
	uint64_t instruments;	     /* in service at the report date, about */
	uint64_t at;		     /* the report date, ms since the epoch, midnight UTC */
	char keys[CT_DEMO_LABS][65]; /* each lab's public key, hex (the bureau's unused) */
	char rekey_key[65];	     /* the new key of the lab the bureau re-keys (CT_DEMO_REKEYED) */
	const char *dir;	     /* where the record files and truth.json go (exists) */
} ct_demo_gen_opts;

/* One record file: a lab's records of one phase. */
struct ct_demo_file {
	int phase; /* 1..CT_DEMO_PHASES */
	int lab;
	char path[4200];
	uint64_t records;
};

typedef struct ct_demo_city {
	struct ct_demo_file *files; /* import them phase by phase (phase 6: the re-keyed lab's, signed
				       with its new key, o->rekey_key) */
	size_t nfiles;
	uint64_t records[CT_DEMO_PHASES + 1]; /* per phase (index 1..), [0] the total */
	uint64_t instruments;		      /* registered and not retired at the report date */
	char chain_example[64];		      /* a valid instrument with a three-level chain */
	char oot_standard[64];		      /* the standard declared out of tolerance */
	char lapsed_standard[64];	      /* the standard whose calibration lapsed for a month */
	char rekey_example[64];		      /* a re-keyed lab's instrument filed under its old key and
						 verified under its new one */
	uint64_t rekey_at;		      /* the rekey's effective time, ms */
	uint64_t rekey_closed_at;	      /* the old feed's last entry: the rekey closes it there */
	char truth_path[4200];
} ct_demo_city;

#define CT_DEMO_MIN_INSTRUMENTS 1000
#define CT_DEMO_MAX_INSTRUMENTS 2000000

/*
 * Generates the city into o->dir (which exists): p<phase>-<lab>.ndjson or
 * .csv, each lab's records of a phase in the order it wrote them, and
 * truth.json. out is the caller's, freed with ct_demo_city_free (also
 * after a failure).
 * Errors: CT_EINVAL (o->instruments outside CT_DEMO_MIN_INSTRUMENTS ..
 * CT_DEMO_MAX_INSTRUMENTS), CT_EIO (a file that cannot be written, detail
 * naming it), CT_ENOMEM.
 */
int ct_demo_city_generate(ct_demo_city *out, const ct_demo_gen_opts *o);

/* Frees what ct_demo_city_generate filled in. */
void ct_demo_city_free(ct_demo_city *c);

#endif
