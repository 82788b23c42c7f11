/* The demo city's ground truth (truth.c): expected verdicts and what they add up to. */
#ifndef CT_DEMO_TRUTH_H
#define CT_DEMO_TRUTH_H

#include "gen.h"

/* The reason codes of docs/VERDICTS.md the demo city can produce. */
enum {
	R_EXPIRED,
	R_FAILED,
	R_NO_CAL,
	R_LAB_NOT_ADMITTED,
	R_LAB_REVOKED,
	R_LAB_SCOPE,
	R_LAB_TIER,
	R_VREQ,
	R_TECH,
	R_NOT_APPROVED,
	R_NOT_TRACEABLE,
	R_RATIO,
	R_INCOMPARABLE,
	R_GAP,
	R_OOT,
	R__COUNT
};

/* The name of a reason code as the evaluator prints it ("lab-revoked"). */
const char *ct__truth_reason_name(int r);

struct truth_counts {
	uint64_t registered, verdicts[3];
	uint64_t compulsory, compulsory_verdicts[3];
	uint64_t reasons[R__COUNT]; /* instruments whose chain shows the reason */
};

struct truth_broken {
	char id[40];
	int kind, district, special, verdict;
	uint64_t reasons;
};

struct truth {
	struct truth_counts total, district[CT_DEMO_DISTRICTS];
	struct truth_broken *broken; /* every counted instrument not valid at the report date */
	size_t nbroken, cap;
	char chain_example[40];
};

/* Counts one instrument (if registered and in service at the report date). Returns 0 or -1 (memory). */
int ct__truth_add(struct truth *t, const struct gen *g, const struct inst *in);

/* Writes truth.json. Returns 0, or CT_EIO with a detail. */
int ct__truth_write(const struct truth *t, const struct gen *g, const ct_demo_city *city, const char *path);

void ct__truth_free(struct truth *t);

#endif
