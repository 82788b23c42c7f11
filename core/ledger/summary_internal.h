/* The instrument summary's hooks in the store (summary.c), for store.c and index.c. */
#ifndef CT_SUMMARY_INTERNAL_H
#define CT_SUMMARY_INTERNAL_H

#include "caltrace/base/hmap.h"
#include "caltrace/ledger/summary.h"
#include "store_internal.h"

/* DB_SUMMARY's keys are in summary.c's first comment; records ('~' id) sort after the rest. */
#define CT__SUMMARY_KEY_MAX (1 + CT_ID_MAX)
#define CT__SUMMARY_REC	    '~'

/* Where words are looked up (r), added (b, NULL: look up only) and remembered for a while (cache, or NULL). */
struct ct__words {
	ct_reader *r;
	ct_batch *b;
	ct_hmap *cache; /* tag||bytes -> number: a build's or an ingest batch's, for one transaction */
};

static inline void ct__put_be32(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t ct__get_be32(const void *v)
{
	const uint8_t *p = v;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* s emptied, for instrument id (its arrays kept for reuse). */
void ct__summary_inst_reset(ct_summary_inst *s, const char *id, size_t id_len);

/* Adds what entry e (its row: kind at time, its hash) says to s, interning its words in w. */
int ct__summary_add_entry(struct ct__words *w, ct_summary_inst *s, const ct_entry *e, char kind, uint64_t time,
			  const uint8_t hash[CT_HASH_BYTES]);

/* The summary's version as r holds it ('V'); 0 when it has none (never built, or being built). */
int ct__summary_version(ct_reader *r, uint32_t *out);

/* 0 when r holds a complete summary of this version, else CT_ESTATE saying so. */
int ct__summary_require(ct_reader *r);

/* Writes s's record in b (buf: scratch); append: s's id is after every stored record's. */
int ct__summary_write_record(ct_batch *b, const ct_summary_inst *s, ct_buf *buf, bool append);

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
