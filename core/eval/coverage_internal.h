/* Internals shared by coverage*.c and due.c. */
#ifndef CT_COVERAGE_INTERNAL_H
#define CT_COVERAGE_INTERNAL_H

#include "caltrace/eval/coverage.h"
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

#endif
