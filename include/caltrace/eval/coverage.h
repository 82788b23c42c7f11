/*
 * caltrace/eval/coverage.h - the bureau's numbers (docs/DESIGN.md section 7).
 *
 * Over the instruments registered and not retired at time t (with
 * filters, optionally grouped): traceability coverage (valid / registered,
 * suspect counted apart), inspection rate (compulsory instruments with a
 * valid verification chain / compulsory instruments registered), the
 * public standards by level approved and valid at t, and the calibration
 * items (categories) the valid standards cover; at one time or at many
 * (a trend) in the same single pass over the index. And the instruments
 * due for recalibration or overdue.
 *
 * An instrument counts from the time of its registration entry, or of its
 * first calibration when that is earlier (records entered after the fact);
 * its group keys come from the registration (district, category, catalogue
 * item, owner, domain) and, for the tier, from the registrant lab's
 * admission at t. Standards count likewise from their registration or
 * first calibration or anchor.
 */
#ifndef CALTRACE_COVERAGE_H
#define CALTRACE_COVERAGE_H

#include "caltrace/eval/trace.h"

typedef enum ct_group_by {
	CT_BY_NONE = 0,
	CT_BY_DISTRICT,
	CT_BY_CATEGORY,
	CT_BY_CATALOGUE, /* key "" for instruments outside the catalogue */
	CT_BY_TIER,	 /* the registrant lab's tier at t; "" when it had no admission then */
	CT_BY_OWNER,
	CT_BY_DOMAIN, /* trade, safety, medical, environment, ...; "" when none */
	CT_BY_LAB,    /* the lab responsible at t (the author of the calibration judged at t, else the
			 registrant), as the 64-hex first key of its rekey chain: a re-keyed lab is one group */
} ct_group_by;

/* Conditions an instrument must meet to be counted; NULL fields match anything. */
typedef struct ct_coverage_filter {
	const char *district, *category, *catalogue, *owner, *tier;
} ct_coverage_filter;

/*
 * Where the instruments' facts come from. The answers are the same; the
 * summary (caltrace/ledger/summary.h) reads no entry of a plain instrument.
 */
typedef enum ct_coverage_path {
	CT_COVERAGE_AUTO = 0,	 /* the summary when the store has a complete one, else the entries */
	CT_COVERAGE_ENTRIES,	 /* the entries, through the subject index */
	CT_COVERAGE_SUMMARY,	 /* the summary; CT_ESTATE when the store has none */
} ct_coverage_path;

typedef struct ct_coverage_query {
	ct_coverage_filter filter;
	ct_group_by by;
	unsigned threads; /* 0: as many as the machine has (at most 8); 1: this thread only */
	ct_coverage_path path;
	/* When not NULL: called for every instrument counted, at each time, with its verdict,
	   reasons and whether compulsory verification applied; from the thread that judged it
	   (with threads != 1, from several at once). id is valid during the call only. */
	void (*each)(void *ctx, const char *id, size_t id_len, uint64_t at, ct_verdict verdict,
		     uint64_t reasons, bool compulsory);
	void *each_ctx;
} ct_coverage_query;

typedef struct ct_coverage_counts {
	uint64_t registered; /* registered and not retired at t */
	uint64_t valid, suspect, invalid;
	uint64_t compulsory;	   /* compulsory verification applies at t */
	uint64_t compulsory_valid; /* ... with a valid verification chain */
	uint64_t compulsory_suspect;
	uint64_t reasons[CT_R__COUNT]; /* instruments whose chain shows each reason */
} ct_coverage_counts;

typedef struct ct_coverage_group {
	char *key;
	ct_coverage_counts counts;
} ct_coverage_group;

/* Public standards, by level. */
enum { CT_LEVEL_MUNICIPAL = 0, CT_LEVEL_DISTRICT, CT_LEVEL_WORKING, CT_LEVELS };

typedef struct ct_district_standards {
	char *district;
	uint64_t valid; /* public district-level standards valid at t whose owner lab is in this district */
} ct_district_standards;

typedef struct ct_standards_summary {
	uint64_t registered[CT_LEVELS];	  /* public standards registered at t */
	uint64_t valid[CT_LEVELS];	  /* public, approved and valid at t */
	uint64_t suspect[CT_LEVELS];	  /* public, approved, but suspect at t */
	uint64_t any_valid;		  /* standards valid at t, public or not */
	uint64_t items;			  /* distinct categories of the standards valid at t */
	ct_district_standards *districts; /* one per district of the genesis, in its order */
	size_t ndistricts;
} ct_standards_summary;

typedef struct ct_coverage {
	uint64_t at;
	ct_coverage_counts total;
	ct_coverage_group *groups; /* sorted by key; none when by is CT_BY_NONE */
	size_t ngroups;
	ct_standards_summary standards;
} ct_coverage;

/*
 * Coverage at each of ntimes times, in one pass: out receives an array of
 * ntimes results (in the order of times), freed with ct_coverage_free.
 * With threads != 1 and r a reader of its own (not a batch's), further
 * read transactions on the same snapshot share the work.
 * Errors: CT_ESTATE (no genesis; or q->path CT_COVERAGE_SUMMARY and no
 * complete summary), CT_EINVAL (ntimes 0), CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_coverage_compute(ct_coverage **out, ct_reader *r, const uint64_t *times, size_t ntimes,
			const ct_coverage_query *q);

/* Frees what ct_coverage_compute returned; accepts NULL. */
void ct_coverage_free(ct_coverage *c, size_t ntimes);

/* The counts of c's group with this key (a district's, with CT_BY_DISTRICT), or NULL when c has none. */
const ct_coverage_counts *ct_coverage_group_counts(const ct_coverage *c, const char *key);

/* "district", ... to a ct_group_by; -1 when unknown. */
int ct_group_by_parse(const char *name);
const char *ct_group_by_name(ct_group_by by);

/* ---- due and overdue -------------------------------------------------------- */

typedef enum ct_due_state {
	CT_DUE_NEVER = 1, /* registered, never calibrated (or every calibration revoked) */
	CT_DUE_FAILED,	  /* its latest calibration failed */
	CT_DUE_OVERDUE,	  /* its latest calibration ran out (valid_until + grace < t) */
	CT_DUE_SOON,	  /* valid now, valid_until within the window */
} ct_due_state;

typedef struct ct_due_query {
	uint64_t at;
	uint64_t within_days; /* CT_DUE_SOON when valid_until <= at + within_days */
	bool overdue_only;    /* only NEVER, FAILED, OVERDUE */
	bool has_lab;
	uint8_t lab[CT_KEY_BYTES]; /* only instruments this lab is responsible for (any of its keys) */
	const char *district;	   /* only this district (NULL: all) */
} ct_due_query;

typedef struct ct_due_item {
	ct_due_state state;
	char *id, *district, *owner, *category, *catalogue;
	bool compulsory;
	uint8_t lab[CT_KEY_BYTES]; /* responsible: the latest calibration's author, else the registrant;
				      named by its lab's first key (ct_tracer_lab_of) */
	char *lab_name;
	bool has_calibration;
	uint8_t calibration[CT_HASH_BYTES];
	uint64_t performed_at, valid_until;
	int64_t days; /* SOON: whole days left until valid_until; OVERDUE: days since, negative */
} ct_due_item;

typedef struct ct_due {
	ct_due_item *items; /* sorted by (state, valid_until, id) */
	size_t count;
} ct_due;

/*
 * The instruments registered and not retired at q->at that are overdue or
 * due within q->within_days. Errors: CT_ESTATE, CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_due_list(ct_due **out, ct_reader *r, const ct_due_query *q);

/* Frees a due list; accepts NULL. */
void ct_due_free(ct_due *d);

/* "never", "failed", "overdue", "due". */
const char *ct_due_state_name(ct_due_state s);

/* ---- organisations ---------------------------------------------------------- */

/* What the bureau's admission governing a time says of an organisation; strings owned by the caller. */
typedef struct ct_org_info {
	bool admitted;			/* an admission covers t (revocations aside) */
	bool revoked;			/* an org.revoke took effect at or before t */
	char *name, *tier, *district;	/* of that admission, else of the latest one; NULL when none */
} ct_org_info;

/*
 * The bureau's record of the organisation with key at time t (a lab's
 * name for a page or a group key). An unknown key is not an error: every
 * field is false or NULL. Free with ct_org_info_free.
 * Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_org_info_at(ct_org_info *out, ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint64_t t);

/* Frees the strings of an org info; accepts one already freed or zeroed. */
void ct_org_info_free(ct_org_info *o);

#endif
