/* Internals shared by coverage*.c and due.c. */
#ifndef CT_COVERAGE_INTERNAL_H
#define CT_COVERAGE_INTERNAL_H

#include <pthread.h>

#include "caltrace/eval/coverage.h"
#include "caltrace/ledger/summary.h"
#include "trace_internal.h"

#ifndef CT_COVERAGE_CHUNK
#define CT_COVERAGE_CHUNK 131072
#endif
#define CT__CHUNK CT_COVERAGE_CHUNK /* instruments whose reads are batched together */

/*
 * scan_chunk.c: every registered instrument (those of part, of parts), in
 * chunks whose entry reads are batched in key order: the registration and
 * retirement rows, and the calibration governing each of times. judge is
 * called once per instrument with its rows (valid during the call).
 */
struct ct__chunk_scan {
	ct_tracer *tr;
	const uint64_t *times;
	size_t ntimes;
	unsigned part, parts;
	size_t chunk; /* 0: CT__CHUNK */
	int (*judge)(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count);
	void *ctx;
};

int ct__chunk_scan(ct_reader *r, struct ct__chunk_scan *s);

/* Counts one instrument judged v into c. */
void ct__counts_add(ct_coverage_counts *c, ct_verdict v, bool compulsory, uint64_t mask);

/* Fills cov[j].standards for each time (coverage_std.c). */
int ct__standards_summary(ct_tracer *tr, const uint64_t *times, size_t ntimes, const ct_coverage_filter *f,
			  ct_coverage *cov);

/* ---- coverage.c's parts, shared with the summary's path (coverage_sum.c) ---- */

struct ct__sum;
struct ct__sum_part;

/* One thread's share of a coverage. */
struct part {
	ct_reader *r;
	bool own_reader;
	ct_tracer *tr;
	const uint64_t *times;
	size_t ntimes;
	const ct_coverage_query *q;
	unsigned index, count;
	ct_coverage_counts *totals;
	ct_hmap *groups; /* per time: key -> ct_coverage_counts */
	struct ct__inst_at at;
	struct ct__sum *sum;	   /* the summary's path (shared by the parts), or NULL: the entries' */
	struct ct__sum_part *sp;   /* this part's memos on that path */
	int err;
	char detail[256];
};

/* One instrument with its index rows, judged at every time of p (a ct__chunk_scan judge). */
int ct__coverage_count(void *p, const char *id, size_t id_len, const ct_index_row *rows, size_t count);
int ct__coverage_add_to_group(ct_hmap *m, struct ct__str key, const struct ct__inst_at *a);
int ct__coverage_tier_at(ct_tracer *tr, const uint8_t key[CT_KEY_BYTES], uint64_t t, struct ct__str *out);
struct ct__str ct__coverage_group_key(const struct ct__inst *in, ct_group_by by, struct ct__str tier,
				      struct ct__str lab);
bool ct__coverage_str_is(struct ct__str s, const char *want);

/*
 * coverage_sum.c: coverage from the instrument summary. ct__coverage_sum_plan
 * decides the path (sum->ready: the summary's) and loads what the parts
 * share; each part then scans its share with ct__coverage_sum_part.
 */
struct ct__sum {
	bool ready;
	ct_summary_dict dict;
	uint64_t *revoked; /* the first 8 bytes of every revoked calibration's hash, sorted */
	size_t nrevoked;
	bool revoked_loaded;
	pthread_mutex_t lock;
	bool lock_made;
};

int ct__coverage_sum_plan(struct ct__sum *sum, ct_reader *r, ct_coverage_path path);
void ct__coverage_sum_free(struct ct__sum *sum);
int ct__coverage_sum_part(struct part *p);
void ct__coverage_sum_part_free(struct part *p);

#endif
