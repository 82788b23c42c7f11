/* The instrument summary's hooks in the store (summary.c), for store.c and index.c. */
#ifndef CT_SUMMARY_INTERNAL_H
#define CT_SUMMARY_INTERNAL_H

#include "caltrace/ledger/summary.h"

/*
 * An instrument row (kind R, T or C, at time) was added for the entry p:
 * adds what p says to the instrument's record, when the summary is kept
 * for that instrument (complete, or being built and already past it).
 * In b's transaction; errors poison nothing by themselves (the caller's).
 */
int ct__summary_row_added(ct_batch *b, const ct_prepared *p, const char *id, size_t id_len, char kind,
			  uint64_t time);

/* Builds the summary when a store opened for writing has none of this version (progress may be NULL). */
int ct__summary_ensure(ct_ledger *l, ct_progress_fn progress, void *ctx);

/* Decodes a stored record of instrument id. Errors: CT_ECORRUPT, CT_ENOMEM. */
int ct__summary_decode(ct_summary_inst *s, const char *id, size_t id_len, const uint8_t *p, size_t len);

#endif
