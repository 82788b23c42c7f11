/*
 * Internals of the traceability evaluator (trace*.c), shared with
 * impact.c and coverage*.c. Everything here points into the tracer's
 * reader snapshot unless it says otherwise.
 */
#ifndef CT_TRACE_INTERNAL_H
#define CT_TRACE_INTERNAL_H

#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/eval/trace.h"
#include "caltrace/base/error.h"
#include "caltrace/base/hmap.h"

#define CT__DAY_MS	86400000ULL
#define CT__DECIMAL_MAX CT_STR_MAX
#define CT__NO_FORK	UINT64_MAX

/* ---- small values ------------------------------------------------------ */

/* A str inside the snapshot (not NUL-terminated); p NULL when absent. */
struct ct__str {
	const char *p;
	size_t n;
};

static inline bool ct__str_eq(struct ct__str a, const char *s)
{
	size_t n = strlen(s);
	return a.p && a.n == n && memcmp(a.p, s, n) == 0;
}

static inline bool ct__str_same(struct ct__str a, struct ct__str b)
{
	return a.p && b.p && a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

enum { CT__QTY_NONE = 0, CT__QTY_REL, CT__QTY_ABS };

struct ct__qty {
	int form;
	uint64_t ppm;
	const char *abs, *unit;
	size_t abs_len, unit_len;
};

/* Reads a quantity map at *value. Errors: CT_EINVAL. */
int ct__qty_read(struct ct__qty *q, const ct_mp *value);
/* "2 ppm", "0.05 °C". */
void ct__qty_format(char *out, size_t size, const struct ct__qty *q);
/* Whether u x k <= limit: 1 yes, 0 no, -1 incomparable (forms or units differ). Exact. */
int ct__qty_ratio_ok(const struct ct__qty *u, uint64_t k, const struct ct__qty *limit);

/* trace_mp.c: trusted reads of stored (already checked) msgpack. */
int ct__map_find(const ct_mp *map, const char *key, ct_mp *out);
int ct__read_str(ct_mp *r, struct ct__str *out);
int ct__skip(ct_mp *r);

/* Body field readers over an entry's body map: 0, or CT_ENOTFOUND / CT_EINVAL. */
int ct__body_str(const ct_entry *e, const char *key, struct ct__str *out);
int ct__body_uint(const ct_entry *e, const char *key, uint64_t *out);
int ct__body_bool(const ct_entry *e, const char *key, bool *out);
int ct__body_cursor(const ct_entry *e, const char *key, ct_mp *out);
/* Whether the str array at cursor holds s. */
bool ct__list_has(const ct_mp *list, struct ct__str s);

/* ---- reasons ----------------------------------------------------------- */

/* The reasons of one node: a mask always, the list when detail is on. */
struct ct__rs {
	uint64_t mask;
	uint8_t worst; /* ct_verdict implied by the non-warning reasons */
	bool detail;
	bool oom;
	uint32_t n, cap;
	ct_trace_reason *v;
};

void ct__rs_init(struct ct__rs *rs, bool detail);
void ct__rs_reset(struct ct__rs *rs);
void ct__rs_free(struct ct__rs *rs);
void ct__rs_add(struct ct__rs *rs, ct_reason code, const uint8_t *e1, const uint8_t *e2, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- the bureau's records ---------------------------------------------- */

struct ct__admission {
	uint64_t from, until;
	uint8_t hash[CT_HASH_BYTES];
	struct ct__str name, tier, district;
	ct_mp scope;
};

struct ct__revocation {
	uint64_t effective;
	uint8_t hash[CT_HASH_BYTES];
};

/*
 * An author: what makes its entries untrusted (a fork, a rekey closing its
 * feed, a compromise) and, for labs, the bureau's admissions and
 * revocations of the lab: those of every key of its rekey chain.
 */
struct ct__org {
	uint8_t key[CT_KEY_BYTES];
	uint8_t lab[CT_KEY_BYTES]; /* the lab: the first key of its rekey chain */
	uint64_t fork_seq; /* entries with seq >= fork_seq are untrusted; CT__NO_FORK */
	uint8_t fork_entry[CT_HASH_BYTES];
	uint64_t closed_at; /* entries with seq > closed_at: after a rekey closed the feed; CT__NO_FORK */
	uint64_t closed_effective;
	uint8_t closed_entry[CT_HASH_BYTES]; /* the org.rekey */
	uint64_t cosigned_to; /* entries with seq > cosigned_to: the key was compromised; CT__NO_FORK */
	uint64_t compromised_since;
	uint8_t compromised_entry[CT_HASH_BYTES]; /* the org.compromised */
	struct ct__admission *adm; /* sorted by (valid_from, hash) */
	size_t nadm;
	struct ct__revocation *rev; /* sorted by (effective, hash) */
	size_t nrev;
};

struct ct__cert {
	uint64_t from, until;
	uint8_t hash[CT_HASH_BYTES];
	ct_mp scope;
};

struct ct__person {
	struct ct__cert *v;
	size_t n;
};

struct ct__catver {
	uint64_t effective;
	uint8_t hash[CT_HASH_BYTES];
	struct ct__str mode;
	ct_mp domains;
};

struct ct__item {
	struct ct__catver *v; /* sorted by (effective, hash) */
	size_t n;
};

/* ---- standards and links ----------------------------------------------- */

enum { CT__REG_NONE = 0, CT__REG_OK, CT__REG_CONFLICT, CT__REG_FORKED };

struct ct__link;

/* A calibration (as subject) or anchor of a standard. */
struct ct__basis {
	uint64_t p, until;
	uint8_t hash[CT_HASH_BYTES];
	bool anchor;
	bool pass;	       /* result pass or limited; anchors always */
	bool revoked;	       /* by its own author, in a trusted entry */
	bool trusted;	       /* author not forked at it */
	struct ct__link *link; /* its evaluation, created on demand */
};

struct ct__window {
	uint64_t from, until;
	uint8_t hash[CT_HASH_BYTES];
};

struct ct__oot {
	uint64_t since, end; /* suspect for uses in [since, end) */
	uint8_t hash[CT_HASH_BYTES];
};

/* A standard's memo: everything about it that does not depend on who uses it. */
struct ct__std {
	char *id;
	size_t id_len;
	int reg;
	uint8_t untrusted; /* CT__REG_FORKED: why its registrations are untrusted (a ct_reason) */
	uint8_t reg_hash[CT_HASH_BYTES], reg_other[CT_HASH_BYTES];
	uint8_t owner[CT_KEY_BYTES];
	uint64_t registered_at; /* its registration entry's time, or its first basis's if earlier */
	struct ct__str category, level, name;
	bool is_public;
	struct ct__qty u;
	struct ct__window *appr; /* approvals, sorted by from */
	size_t nappr;
	struct ct__basis *bases; /* sorted by (performed_at, hash) */
	size_t nbases;
	struct ct__oot *oot;
	size_t noot;
};

/* A standard as one link relied on it. */
struct ct__use {
	struct ct__str id;
	uint8_t cited[CT_HASH_BYTES];
	struct ct__std *std;
	struct ct__basis *basis; /* the cited entry among std's bases, or NULL */
	struct ct__link *link;	 /* basis->link */
	uint64_t at;		 /* time of use */
	bool root;		 /* a standard judged on its own at a time, not as used by a link */
	bool no_basis;		 /* a root before any basis */
	struct ct__rs rs;
	uint8_t verdict;
	int8_t ratio_ok;
	uint64_t mask; /* reasons here and below */
};

enum { CT__LINK_PENDING = 0, CT__LINK_BUSY, CT__LINK_DONE };

/*
 * A calibration or anchor judged at its own performed_at. Memoised by hash
 * for standards' bases; built afresh for an instrument's calibration.
 */
struct ct__link {
	uint8_t hash[CT_HASH_BYTES];
	uint8_t state;
	bool anchor;
	ct_entry e;
	uint64_t p, until;
	struct ct__str kind, result, certificate, technician, provider;
	/* What it calibrates: set before evaluation. */
	struct ct__std *subject_std; /* NULL for an instrument */
	struct ct__str category;
	const struct ct__qty *qty;
	struct ct__use *uses;
	uint32_t nuses, capuses, next_use;
	struct ct__rs rs;
	uint8_t verdict;
	uint64_t mask;
	struct ct__std **below; /* standards in the subtree, sorted by address */
	uint32_t nbelow;
};

/* An instrument loaded from its rows. */
struct ct__inst {
	struct ct__str id;
	int reg;
	uint8_t untrusted; /* CT__REG_FORKED: why its registrations are untrusted (a ct_reason) */
	uint8_t reg_hash[CT_HASH_BYTES], reg_other[CT_HASH_BYTES];
	uint8_t registrant[CT_KEY_BYTES];
	uint64_t registered_at; /* its registration entry's time, or its first calibration's if earlier */
	struct ct__str category, catalogue, domain, district, owner;
	struct ct__qty mpe;
	uint64_t retired_at; /* UINT64_MAX: in service */
	uint8_t retire_hash[CT_HASH_BYTES];
	const ct_index_row *cals; /* C rows, sorted by (performed_at, hash) */
	size_t ncals;
	/* The calibration last judged, kept across times of one scan. */
	struct ct__link cal;
	size_t cal_row; /* SIZE_MAX: none */
};

/* A growable list of index rows. */
struct ct__rowbuf {
	ct_index_row *v;
	size_t n, cap;
};

/* Whether the instrument was retired at or before t (retired_at UINT64_MAX: in service, whatever t). */
static inline bool ct__inst_retired(const struct ct__inst *in, uint64_t t)
{
	return in->retired_at != UINT64_MAX && in->retired_at <= t;
}

/* What an instrument is at one time. */
struct ct__inst_at {
	uint8_t verdict;
	uint64_t mask;
	bool compulsory;
	bool verification;	 /* its calibration is a verification */
	struct ct__rs rs;	 /* instrument-level reasons */
	struct ct__rs cal_rs;	 /* time-dependent reasons of its calibration */
	const ct_index_row *row; /* the calibration judged, or NULL */
};

struct ct_tracer {
	ct_reader *r;
	ct_hash_batch *pf; /* entries read ahead for a chunk of a scan; NULL until the first */
	uint8_t bureau[CT_KEY_BYTES];
	uint64_t min_ratio, grace_ms;
	ct_hmap orgs, persons, items, stds, links;
	struct ct__org *last_org; /* the one ct__org_get answered last (a memo in orgs) */
	ct_hmap revocations;	 /* calibration hash -> the calibration.revoke entries naming it */
	bool revocations_loaded; /* scans load them all at once; a single trace looks each up */
	struct ct__link **stack;
	size_t nstack, capstack;
	bool detail;		/* record reason lists for instruments (trees), not only masks */
	struct ct__rowbuf rows; /* one instrument's rows */
	struct ct__inst inst;	/* scratch instrument */
	ct_trace_record_fn record; /* ct_tracer_record; NULL when off */
	void *record_ctx;
	ct_trace_key_fn record_key; /* ct_tracer_record_keys; NULL when off */
	void *record_key_ctx;
	/* The first error met by a helper that answers a bool or a reason (ct__distrust,
	 * ct__same_lab): the call that met it returns it instead of a verdict built on a guess,
	 * and so does every later call, since the memoised records may be incomplete. */
	int err;
};

/*
 * 0 when tr has met no error; else the error it kept (struct ct_tracer's
 * err), with a detail naming what cannot be answered. Every public call
 * that judges through tr checks it before answering.
 */
int ct__tracer_failed(const ct_tracer *tr, const char *what);

/* Reports a network index key read (ct_tracer_record_keys): type and id, or an author (org and fork), or a revoked calibration. */
void ct__record_key_id(ct_tracer *tr, char type, const char *id, size_t len);
void ct__record_key_author(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES]);
void ct__record_key_org(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES]);
void ct__record_key_revoked(ct_tracer *tr, const uint8_t cal[CT_HASH_BYTES]);

/* trace_ctx.c: the bureau's records, memoised. */
/* Frees an author's memo (the tracer's hmap of orgs; trace_org.c). */
void ct__org_free(void *p);
int ct__org_get(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], struct ct__org **out);
bool ct__trusted(ct_tracer *tr, const ct_entry *e);
/* Whether two keys are one lab's (the same key, or keys of one rekey chain). */
bool ct__same_lab(ct_tracer *tr, const uint8_t a[CT_KEY_BYTES], const uint8_t b[CT_KEY_BYTES]);
/* Why e is not trusted: CT_R_FORKED_AUTHOR, CT_R_COMPROMISED_KEY, CT_R_CLOSED_FEED, or -1 when it is. */
int ct__distrust(ct_tracer *tr, const ct_entry *e);
const struct ct__admission *ct__admission_at(const struct ct__org *o, uint64_t t);
int ct__person_get(ct_tracer *tr, struct ct__str id, struct ct__person **out);
int ct__item_get(ct_tracer *tr, struct ct__str id, struct ct__item **out);
const struct ct__catver *ct__item_at(const struct ct__item *it, uint64_t t);
/* trace_read.c: a stored entry by hash (trusted decode: ingest checked it), revocations. */
int ct__read_entry(ct_tracer *tr, const uint8_t hash[CT_HASH_BYTES], ct_entry *out);
/* Loads every revocation into the tracer (for scans); until then ct__revoked asks the index each time. */
int ct__revocations_load(ct_tracer *tr);

/*
 * trace_read.c, over the ledger's ct_hash_batch: list the entries (by hash)
 * a batch of work will read, look them all up in key order, then let
 * ct__read_entry find them; clear before the next batch. A hash not listed
 * is read the plain way.
 */
int ct__prefetch_add(ct_tracer *tr, const uint8_t hash[CT_HASH_BYTES]);
int ct__prefetch_run(ct_tracer *tr);
void ct__prefetch_clear(ct_tracer *tr);
void ct__prefetch_free(ct_tracer *tr);
/* Whether the calibration hash was revoked by its author (author NULL: read it when needed). */
int ct__revoked(ct_tracer *tr, const uint8_t hash[CT_HASH_BYTES], const uint8_t *author,
		uint8_t revocation[CT_HASH_BYTES], bool *out);
int ct__load_rows(ct_tracer *tr, struct ct__rowbuf *buf, char ns, const char *id, size_t id_len);

/* trace_std.c: standards. */
int ct__std_get(ct_tracer *tr, const char *id, size_t id_len, struct ct__std **out);
struct ct__basis *ct__std_basis(struct ct__std *s, const uint8_t hash[CT_HASH_BYTES]);
struct ct__basis *ct__std_latest(struct ct__std *s, uint64_t t);
const struct ct__basis *ct__std_covering(const struct ct__std *s, uint64_t t, uint64_t grace_ms);
const struct ct__window *ct__std_approval(const struct ct__std *s, uint64_t t);
const struct ct__oot *ct__std_oot(const struct ct__std *s, uint64_t t);
int ct__basis_link(ct_tracer *tr, struct ct__std *s, struct ct__basis *b, struct ct__link **out);

/* trace_link.c: links and uses. */
int ct__link_eval(ct_tracer *tr, struct ct__link *l);
void ct__link_clear(struct ct__link *l);
/* Empties a link for reuse, keeping its allocations (state PENDING, no uses). */
void ct__link_reset(struct ct__link *l);
/*
 * Adds to l (whose p is set) the use of standard id citing the entry cited,
 * as a calibration's standards list does: its standard's memo, the cited
 * basis and that basis's link (created, not judged). A caller that filled
 * a link's fields itself (the instrument summary) adds its uses so, sets
 * its state CT__LINK_BUSY and judges it with ct__link_eval.
 */
int ct__link_use_add(ct_tracer *tr, struct ct__link *l, const char *id, size_t id_len,
		     const uint8_t cited[CT_HASH_BYTES]);
/* The same, with what ct__link_use_add found for this (id, cited) before in this tracer: u->std, basis, link. */
int ct__link_use_known(struct ct__link *l, const char *id, size_t id_len, const uint8_t cited[CT_HASH_BYTES],
		       struct ct__std *std, struct ct__basis *basis, struct ct__link *link);
int ct__use_judge(ct_tracer *tr, struct ct__use *u, const struct ct__std *parent,
		  const struct ct__qty *against);
int ct__std_at(ct_tracer *tr, struct ct__std *s, uint64_t t, struct ct__use *out);

/* trace_subject.c: instruments. */
int ct__inst_load(ct_tracer *tr, struct ct__inst *in, const char *id, size_t id_len, const ct_index_row *rows,
		  size_t count);
int ct__inst_at(ct_tracer *tr, struct ct__inst *in, uint64_t t, struct ct__inst_at *out);
void ct__inst_clear(struct ct__inst *in);
/* The latest unrevoked calibration row at or before t (SIZE_MAX: none); optionally the latest revoked one. */
int ct__inst_latest(ct_tracer *tr, const struct ct__inst *in, uint64_t t, size_t *out, size_t *first_revoked,
		    uint8_t revocation[CT_HASH_BYTES]);
int ct__inst_compulsory(ct_tracer *tr, const struct ct__inst *in, uint64_t t, bool *out);
void ct__inst_at_free(struct ct__inst_at *a);
/*
 * What depends on t for the calibration judged in in->cal (its fields
 * kind, until, p, e.author, hash): its validity at t, and, a->compulsory
 * being set, what a compulsory instrument needs. Adds to a->cal_rs.
 */
int ct__inst_check_at(ct_tracer *tr, struct ct__inst *in, uint64_t t, struct ct__inst_at *a);

/* Short "2026-01-10" forms for details. */
void ct__day(char out[32], uint64_t ms);
/* ms as a day into buf when rs keeps details, else "" (the fast path formats nothing). */
const char *ct__day_for(const struct ct__rs *rs, char buf[32], uint64_t ms);

#endif
