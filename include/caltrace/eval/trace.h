/*
 * caltrace/eval/trace.h - the traceability evaluator (docs/DESIGN.md section 6).
 *
 * trace(subject, t) says whether an instrument's (or a standard's)
 * measurement results at time t are traceable, and why: a tree of links
 * (instrument -> its calibration -> each standard it relied on -> that
 * standard's calibration or anchor -> ...) with a verdict on every node and
 * a reason code, naming the entries involved, for every problem. The codes
 * and the rules behind them are documented in docs/VERDICTS.md.
 *
 * The evaluator is a pure function of the set of stored entries: it reads
 * through one ct_reader snapshot and never looks at the clock. A tracer
 * memoises what does not depend on the subject (each standard's
 * calibrations and their verdicts, labs, people, catalogue items), so that
 * evaluating many subjects evaluates each standard calibration once.
 *
 * Threading: a tracer is used by one thread at a time. Lifetime: a tracer
 * points into its reader's snapshot; free it before the reader ends, and
 * do not write through a batch whose reader a live tracer uses. After any
 * error its memo may be incomplete: free it rather than ask it again.
 */
#ifndef CALTRACE_TRACE_H
#define CALTRACE_TRACE_H

#include <stdbool.h>

#include "caltrace/ledger/index.h"
#include "caltrace/ledger/ledger.h"

typedef enum ct_verdict {
	CT_VALID = 0,
	CT_SUSPECT = 1, /* valid but for a standard used while out of tolerance */
	CT_INVALID = 2,
} ct_verdict;

/* Reason codes: stable, their names (ct_reason_name) are part of the CLI's JSON output. */
typedef enum ct_reason {
	CT_R_EXPIRED = 0,	     /* a calibration's validity ended before the time judged */
	CT_R_FAILED,		     /* result fail */
	CT_R_NO_CALIBRATION,	     /* no calibration performed at or before the time */
	CT_R_LAB_NOT_ADMITTED,	     /* the author had no admission covering performed_at */
	CT_R_LAB_REVOKED,	     /* its admission was revoked at or before performed_at */
	CT_R_LAB_OUT_OF_SCOPE,	     /* its scope lacks the subject's category */
	CT_R_LAB_TIER,		     /* compulsory instrument verified by an enterprise/inspector */
	CT_R_VERIFICATION_REQUIRED,  /* compulsory instrument with a calibration, not a verification */
	CT_R_TECHNICIAN_UNQUALIFIED, /* the named technician held no matching certification */
	CT_R_STANDARD_NOT_APPROVED,  /* a public standard without a valid examination certificate */
	CT_R_STANDARD_NOT_TRACEABLE, /* the calibration a standard relied on is itself invalid */
	CT_R_RATIO,		     /* u(standard) x min_ratio > what it calibrates */
	CT_R_INCOMPARABLE,	     /* warning: quantities of different forms or units */
	CT_R_GAP,		     /* the standard had no valid calibration at the time of use */
	CT_R_CYCLE,		     /* a standard's chain passes through itself */
	CT_R_MISSING_ENTRY,	     /* an entry named by hash is not in the store */
	CT_R_CONFLICT,		     /* two registrations of one id disagree */
	CT_R_FORKED_AUTHOR,	     /* the entry's author equivocated at or before it */
	CT_R_REVOKED_CALIBRATION,    /* the calibration relied on was revoked by its author */
	CT_R_OUT_OF_TOLERANCE,	     /* suspect: standard used while declared out of tolerance */
	CT_R_UNREGISTERED,	     /* no (trusted) registration of the id */
	CT_R_WRONG_LINK,	     /* a cal link names an entry that is not that standard's basis */
	CT_R_RETIRED,		     /* the instrument was retired at or before the time */
	CT_R_CLOSED_FEED,	     /* after the seq at which a rekey closed its author's feed */
	CT_R_COMPROMISED_KEY,	     /* signed by a compromised key and not cosigned by the bureau before */
	CT_R__COUNT
} ct_reason;

typedef struct ct_trace_reason {
	ct_reason code;
	bool warning; /* flagged only: does not change the verdict */
	unsigned nentries;
	uint8_t entries[2][CT_HASH_BYTES]; /* the entries involved, most relevant first */
	char detail[192];		   /* one line for a person: "valid_until 2025-08-31 < 2026-01-10" */
} ct_trace_reason;

typedef enum ct_trace_kind {
	CT_NODE_INSTRUMENT = 1, /* root: an instrument judged at `at` */
	CT_NODE_STANDARD,	/* a standard as used at `at` (or the root when tracing a standard) */
	CT_NODE_CALIBRATION,	/* a calibration, verification or comparison entry */
	CT_NODE_ANCHOR,		/* a standard.anchor entry: a root of traceability */
} ct_trace_kind;

/*
 * One node of a chain. Every string is NUL-terminated and owned by the
 * tree (NULL when unknown); the tree is freed with ct_trace_free.
 * Subject nodes (instrument, standard) have one child at most: the link
 * they rest on. Link nodes have one child per standard relied on.
 */
typedef struct ct_trace_node {
	ct_trace_kind kind;
	ct_verdict verdict; /* of this node and everything under it */
	uint64_t at;	    /* subject nodes: the time judged */
	char *id;	    /* subject nodes: the id; link nodes: the calibrated subject's id */
	bool has_entry;
	uint8_t entry[CT_HASH_BYTES]; /* subject: its registration; link: the calibration/anchor */
	bool repeated;		      /* a link shown earlier in this tree; its children are not repeated */
	bool truncated; /* deeper than CT_TRACE_TREE_DEPTH: children not shown (verdict still counts them) */

	/* subject nodes */
	char *category, *level, *district, *owner, *catalogue, *domain;
	bool is_public;
	bool compulsory; /* instruments: compulsory verification applies at `at` */
	char *quantity;	 /* instruments: "MPE 1000 ppm"; standards: "u 2 ppm" */
	char *against;	 /* standards: what their u was compared with, "MPE 1000 ppm" */
	int ratio_ok;	 /* standards: 1 ratio met, 0 not met, -1 not compared */

	/* link nodes */
	char *link_kind; /* "verification", "calibration", "comparison", "anchor" */
	char *certificate, *result, *technician, *provider;
	uint64_t performed_at, valid_until;
	uint8_t author[CT_KEY_BYTES];
	char *author_name, *author_tier; /* from the admission governing performed_at */

	ct_trace_reason *reasons;
	size_t nreasons;
	struct ct_trace_node **children;
	size_t nchildren;
} ct_trace_node;

#define CT_TRACE_TREE_DEPTH 64

typedef struct ct_tracer ct_tracer;

/*
 * A tracer over the snapshot r: reads the genesis policy (min_ratio,
 * grace_days). Errors: CT_ESTATE (no genesis in the store), CT_ECORRUPT,
 * CT_ENOMEM.
 */
int ct_tracer_new(ct_tracer **out, ct_reader *r);

/* Frees a tracer and its memo; accepts NULL. */
void ct_tracer_free(ct_tracer *tr);

/*
 * Called with the hash of every entry the evaluator reads, and of every
 * index row it loads (whether or not it reads the row's entry): the
 * entries a verdict rests on, for proof bundles. A hash may come more than
 * once. The genesis, read by ct_tracer_new, is not reported.
 */
typedef void (*ct_trace_record_fn)(void *ctx, const uint8_t hash[CT_HASH_BYTES]);

/*
 * Starts (cb not NULL) or stops (cb NULL) recording. Memoised results are
 * not read again: record on a fresh tracer to see everything a verdict
 * rests on.
 */
void ct_tracer_record(ct_tracer *tr, ct_trace_record_fn cb, void *ctx);

/*
 * Called with every network index key (caltrace/ledger/netindex.h) the
 * evaluator reads rows or records by: a subject's rows, an author's
 * admissions and revocations and its fork record (two keys), a person's
 * certifications, a catalogue item's versions, a calibration's
 * revocations. A key may come more than once. With ct_tracer_record,
 * everything a verdict rests on: the keys a complete proof bundle must
 * prove (docs/FORMAT.md section 12).
 */
typedef void (*ct_trace_key_fn)(void *ctx, const uint8_t *key, size_t len);

/* Starts (cb not NULL) or stops (cb NULL) recording keys; as ct_tracer_record, on a fresh tracer. */
void ct_tracer_record_keys(ct_tracer *tr, ct_trace_key_fn cb, void *ctx);

/*
 * The lab a key belongs to: the first key of its rekey chain (the key the
 * bureau first admitted it under), which names the lab in due lists,
 * coverage by lab and impact whichever of its keys signed. A key no
 * org.rekey names is its own lab. Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_tracer_lab_of(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint8_t lab_out[CT_KEY_BYTES]);

/* The network's policy as the tracer read it. */
void ct_tracer_policy(const ct_tracer *tr, uint64_t *min_ratio, uint64_t *grace_days);

/*
 * The verdict of subject id (ns CT_NS_INSTRUMENT or CT_NS_STANDARD) at time
 * t without building a tree: the fast path coverage uses. *reasons (may be
 * NULL) receives a bit (1 << code) for every reason met anywhere in the
 * chain, warnings included. An id never seen is CT_INVALID, unregistered.
 * Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_trace_verdict(ct_tracer *tr, char ns, const char *id, size_t id_len, uint64_t t, ct_verdict *verdict,
		     uint64_t *reasons);

/*
 * The whole chain of subject id at time t as a tree (caller-owned, free
 * with ct_trace_free). Errors: those of ct_trace_verdict.
 */
int ct_trace(ct_trace_node **out, ct_tracer *tr, char ns, const char *id, size_t id_len, uint64_t t);

/* Frees a tree; accepts NULL. */
void ct_trace_free(ct_trace_node *n);

/* "valid", "suspect", "invalid". */
const char *ct_verdict_name(ct_verdict v);

/* The stable name of a code, e.g. "lab-out-of-scope"; NULL when out of range. */
const char *ct_reason_name(ct_reason code);

/* The code named name, or -1. */
int ct_reason_from_name(const char *name);

/* What a reason does to the verdict: CT_INVALID, CT_SUSPECT, or CT_VALID for a warning. */
ct_verdict ct_reason_severity(ct_reason code);

/* ---- reverse traceability ------------------------------------------------ */

/* One standard or instrument whose validity relied on the standard asked about. */
typedef struct ct_impact_item {
	char kind; /* CT_NS_STANDARD or CT_NS_INSTRUMENT */
	char *id;
	char *via; /* the standard it was calibrated with (the one asked about, or one below it) */
	uint8_t calibration[CT_HASH_BYTES]; /* the calibration entry that links them */
	uint64_t performed_at, valid_until;
	uint8_t lab[CT_KEY_BYTES]; /* the calibration's author's lab: the first key of its rekey chain */
	char *lab_name;		   /* from its admission, NULL when unknown */
	char *district; /* an instrument's district; a standard's owner lab's district; NULL if none */
	unsigned depth; /* 1: calibrated with the standard itself; 2: with one calibrated with it; ... */
} ct_impact_item;

typedef struct ct_impact {
	ct_impact_item
	    *items; /* sorted by (district, lab name, lab key, kind, id, performed_at, calibration) */
	size_t count;
	size_t standards, instruments; /* distinct ids of each kind */
} ct_impact;

/*
 * Reverse traceability: every calibration performed from `since` on that
 * relied on standard id, and transitively every calibration that relied on
 * a calibration so found (through the standards' cal links), across labs.
 * Each calibration is listed once. Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_impact_of(ct_impact **out, ct_tracer *tr, const char *id, size_t id_len, uint64_t since);

/*
 * What relied on the entries of key that are no longer trusted: those past
 * the seq its compromise declaration bounds (org.compromised cosigned_to)
 * or past the seq a rekey closed its feed at (org.rekey closed_at). Its
 * calibrations there are items of depth 1 (via: the key, 64 hex digits);
 * what was calibrated with a standard they calibrated follows as in
 * ct_impact_of. Empty for a key neither compromised nor closed.
 * Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_impact_of_key(ct_impact **out, ct_tracer *tr, const uint8_t key[CT_KEY_BYTES]);

/* Frees an impact list; accepts NULL. */
void ct_impact_free(ct_impact *im);

/*
 * Where an impact walk starts when the asker gives no date: the standard's
 * earliest out-of-tolerance declaration's since (returns 1), else 0, every
 * use (returns 0). Errors: CT_ECORRUPT.
 */
int ct_impact_default_since(ct_reader *r, const char *id, size_t id_len, uint64_t *since);

/*
 * The verdict at time at of every item of im, in its order: *out is a
 * malloc'd array of im->count (NULL when empty; free()).
 * Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_impact_verdicts(ct_verdict **out, ct_tracer *tr, const ct_impact *im, uint64_t at);

#endif
