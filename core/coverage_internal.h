/* Internals shared by coverage*.c and due.c. */
#ifndef CT_COVERAGE_INTERNAL_H
#define CT_COVERAGE_INTERNAL_H

#include "caltrace/coverage.h"
#include "trace_internal.h"

/* Counts one instrument judged v into c. */
void ct__counts_add(ct_coverage_counts *c, ct_verdict v, bool compulsory, uint64_t mask);

/* Fills cov[j].standards for each time (coverage_std.c). */
int ct__standards_summary(ct_tracer *tr, const uint64_t *times, size_t ntimes, const ct_coverage_filter *f,
			  ct_coverage *cov);

#endif
