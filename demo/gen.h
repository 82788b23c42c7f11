/*
 * The demo city generator's model, shared by its files (private to demo/):
 *   city.c     the city's description (labs, categories, standards,
 *              catalogue) and the standards of phases 1-4
 *   history.c  the instruments and their five years of history (phase 5)
 *   phases.c   each phase's record files, and ct_demo_city_generate
 *   truth.c    the expected verdicts by docs/VERDICTS.md, truth.json
 *   write.c    record files in NDJSON or CSV
 * Times are ms since the epoch; "days" are whole days since the epoch.
 */
#ifndef CT_DEMO_GEN_H
#define CT_DEMO_GEN_H

#include <stdio.h>

#include "caltrace/base/error.h"
#include "caltrace/demo/city.h"

#define DAY_MS	86400000LL
#define HOUR_MS 3600000LL
#define MIN_MS	60000LL

/* ---- randomness: splitmix64, one stream per thing generated ---- */

typedef struct rng {
	uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability per_mille / 1000. */
static inline bool rng_chance(rng *r, uint32_t per_mille)
{
	return rng_below(r, 1000) < per_mille;
}

/* The stream for one thing: seed and up to three coordinates. */
static inline rng rng_for(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	rng r = {seed ^ 0x5ca1ab1e0ddba11ULL};

	r.s ^= rng_next(&r) + a;
	r.s ^= rng_next(&r) + b;
	r.s ^= rng_next(&r) + c;
	rng_next(&r);
	return r;
}

/* ---- quantities: never floats (docs/DESIGN.md section 5) ---- */

#define ABS_SCALE 10000 /* absolute values are kept in 1e-4 of their unit */

struct qty {
	const char *unit; /* NULL: relative, v in ppm; else absolute, v in 1e-4 unit */
	int64_t v;
};

/* ---- the city's description (city.c) ---- */

enum {
	LAB_BUREAU = 0,
	LAB_CITY = 1,
	LAB_DISTRICT0 = 2, /* the seven district institutes, in ct_demo_districts order */
	LAB_POWER = 9,
	LAB_WATER,
	LAB_GAS,
	LAB_HEAT,
	LAB_HOSPITAL,
	LAB_ENV,
	LAB_TRANSPORT,
	LAB_MINING,
	LAB_CHEMICAL,
	LAB_MACHINE,
};

enum { D_SHIZHONG, D_XUECHENG, D_YICHENG, D_TAIERZHUANG, D_SHANTING, D_TENGZHOU, D_GAOXIN };

struct category {
	const char *name; /* as in scopes and registrations: "electrical-energy" */
	const char *code; /* in standard ids: EE */
	const char *zh;
	const char *unit;		/* NULL: relative uncertainties; else absolute in this unit */
	int64_t u_municipal, u_working; /* ppm, or 1e-4 unit */
	int municipal;			/* how many municipal standards the city holds */
	int district;			/* how many each district institute holds, at most */
};

struct catalogue_item {
	const char *item, *name, *mode, *domain;
	int interval_days;
};

enum { L_MUNICIPAL, L_DISTRICT, L_WORKING };
enum { K_VERIFICATION, K_CALIBRATION, K_ANCHOR };
enum { AF_NONE, AF_IN, AF_OUT };

/* A calibration or anchor (of a standard) or a verification/calibration (of an instrument). */
struct cal {
	int64_t at, until;
	int16_t lab;  /* its author; LAB_BUREAU for anchors */
	int16_t std;  /* the standard relied on; -1 for anchors */
	int16_t tech; /* technician index in the lab, -1 none */
	uint8_t kind; /* K_* */
	uint8_t as_found;
	bool pass;
};

#define STD_CALS 8

struct standard {
	char id[32];
	char name[96];
	int cat, level, owner;
	bool is_public;
	struct qty u;
	int parent; /* the standard its calibrations rely on; -1: anchored by the province */
	struct cal cals[STD_CALS];
	int ncals;
	int64_t oot_since, oot_declared; /* 0: never declared out of tolerance */
};

struct person {
	char id[24];
	char name[24];
	const char *scope; /* ';'-separated */
};

/* ---- instruments (history.c) ---- */

enum inst_lab { BY_LAB, BY_DISTRICT_INSTITUTE };

struct kind {
	const char *code; /* in ids: "EM" */
	const char *what; /* for people: "household electricity meter" */
	int cat;	  /* index into categories */
	int item;	  /* index into the catalogue, -1: not compulsory */
	int per_100k;
	struct qty mpe;
	enum inst_lab by;
	int lab;		 /* BY_LAB: the lab that registers and verifies */
	const char *std;	 /* BY_LAB: the standard's id; BY_DISTRICT_INSTITUTE: its category code */
	int interval_days;	 /* between verifications; household meters: their term */
	bool household;		 /* initial verification only, replaced at the end of the term */
	const unsigned *weights; /* per district, NULL: the city's */
	const char *models;	 /* ';'-separated */
};

/* What was done to an instrument on purpose (truth.json lists them). */
enum special {
	SP_NONE = 0,
	SP_OVERDUE,	/* its last verification ran out: expired */
	SP_UNVERIFIED,	/* filed, never verified: no-calibration */
	SP_GAP,		/* verified with the standard while its certificate had lapsed */
	SP_OOT,		/* verified with the standard while it was out of tolerance */
	SP_REVOKED,	/* verified by the lab while its admission was revoked */
	SP_SCOPE,	/* verified by a lab outside its scope */
	SP_CALIBRATION, /* a compulsory instrument calibrated, not verified */
	SP__COUNT
};

#define INST_CALS 24

struct inst {
	char id[40];
	int kind, district, lab; /* lab: the registrant */
	int special;
	int64_t reg_at, retire_at; /* retire_at 0: in service */
	struct cal cals[INST_CALS];
	int ncals;
	uint32_t salt; /* for owner, model and serial */
};

/* One metering point or workplace: an instrument, and its replacement when it was replaced. */
struct slot {
	struct inst inst[2];
	int n;
};

/* A record to write, sorted by time within a lab's phase-5 file. */
struct event {
	int64_t at;
	uint32_t slot;
	uint8_t inst, what; /* what: EV_REGISTER, EV_RETIRE, or the calibration's index + EV_CAL */
};

enum { EV_REGISTER = 0, EV_RETIRE = 1, EV_OOT = 2, EV_CAL = 3 };
#define SLOT_NONE UINT32_MAX

struct events {
	struct event *v;
	size_t n, cap;
};

#define NKINDS	      21
#define MAX_STANDARDS 512

struct selection { /* a sorted set of slot serials chosen for something */
	uint32_t *v;
	size_t n;
};

struct gen {
	const ct_demo_gen_opts *o;
	int64_t R;	/* the report date */
	int32_t rd, sd; /* report day; start day = rd - 1826 (five years) */
	struct standard stds[MAX_STANDARDS];
	int nstds;
	int kind_std[NKINDS][CT_DEMO_DISTRICTS]; /* the standard a kind uses in a district */
	int scope_std;				 /* the hospital's radiation standard (out of its scope) */
	struct person *people[CT_DEMO_LABS];
	int npeople[CT_DEMO_LABS];
	int oot_std, gap_std;
	int64_t gap_from, gap_to;	/* the lapse: no valid calibration in [from, to) */
	int64_t revoke_from, revoke_to; /* the transport lab's revocation */
	uint32_t count[NKINDS][CT_DEMO_DISTRICTS];
	uint32_t base[NKINDS][CT_DEMO_DISTRICTS]; /* first slot number */
	uint32_t nslots;
	struct selection chosen[SP__COUNT]; /* slots chosen for each imperfection */
	struct events events[CT_DEMO_LABS];
};

extern const struct category ct__demo_categories[];
extern const int ct__demo_ncategories;
extern const struct catalogue_item ct__demo_catalogue[];
extern const int ct__demo_ncatalogue;
extern const struct kind ct__demo_kinds[NKINDS];

/* city.c */
int ct__gen_standards(struct gen *g);
int ct__gen_people(struct gen *g);
int ct__gen_find_std(const struct gen *g, const char *id);
bool ct__gen_in_scope(int lab, const char *category);
int64_t ct__gen_approval_from(const struct gen *g, int n);
int64_t ct__gen_approval_until(const struct gen *g, int n);
#define APPROVALS 2

/* history.c */
int ct__gen_allocate(struct gen *g);
void ct__gen_slot(const struct gen *g, uint32_t slot, struct slot *out);
void ct__gen_owner(const struct gen *g, const struct inst *in, char *out, size_t size);
const char *ct__gen_model(const struct inst *in, char *out, size_t size);

/* truth.c: the verdict at the report date of an instrument, and its reasons (bits of ct_reason codes) */
enum { V_VALID, V_SUSPECT, V_INVALID };
int ct__truth_instrument(const struct gen *g, const struct inst *in, uint64_t *reasons);
bool ct__truth_counted(const struct gen *g, const struct inst *in);
bool ct__truth_compulsory(const struct inst *in);

/* write.c: one record, as (key, value) pairs; a file in NDJSON or CSV. */
enum fkind { F_STR, F_UINT, F_BOOL, F_TIME, F_LIST };

struct field {
	const char *key; /* "mpe.rel_ppm" for a part of a quantity */
	enum fkind kind;
	const char *s;
	int64_t n;
};

struct record {
	const char *type;
	int64_t time;
	struct field f[20];
	int nf;
	char scratch[1024]; /* strings formatted for this record */
	size_t used;
};

struct rfile {
	FILE *f;
	bool csv;
	const char *const *columns;
	uint64_t records;
	char path[4200];
};

void ct__rec_start(struct record *r, const char *type, int64_t time);
void ct__rec_str(struct record *r, const char *key, const char *s);
const char *ct__rec_fmt(struct record *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ct__rec_uint(struct record *r, const char *key, int64_t n);
void ct__rec_bool(struct record *r, const char *key, bool b);
void ct__rec_time(struct record *r, const char *key, int64_t ms);
void ct__rec_list(struct record *r, const char *key, const char *semicolon_list);
void ct__rec_qty(struct record *r, const char *key, struct qty q);
void ct__demo_qty_format(char *out, size_t size, struct qty q);

/* Opens a record file (CSV when csv, with the header of columns) and closes it; 0 or CT_EIO. */
int ct__rfile_open(struct rfile *f, const char *path, bool csv, const char *const *columns);
int ct__rfile_write(struct rfile *f, const struct record *r);
int ct__rfile_close(struct rfile *f);

extern const char *const ct__demo_columns_standards[];
extern const char *const ct__demo_columns_history[];

#endif
