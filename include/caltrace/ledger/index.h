/*
 * caltrace/ledger/index.h - the domain indexes (docs/DESIGN.md section 9), read side.
 *
 * Every row names an entry by hash and carries the one time the evaluator
 * orders by. Rows are kept in the same write transaction as their entries.
 */
#ifndef CALTRACE_INDEX_H
#define CALTRACE_INDEX_H

#include "caltrace/ledger/ledger.h"

/* Namespaces of ids: an instrument and a standard may share an id string. */
#define CT_NS_INSTRUMENT 'i'
#define CT_NS_STANDARD 's'

/* Row kinds of the subject index, ordered as rows sort. */
#define CT_ROW_REGISTER 'R'  /* instrument.register / standard.register; time = entry time */
#define CT_ROW_RETIRE 'T'    /* instrument.retire; time = effective */
#define CT_ROW_APPROVE 'P'   /* standard.approve; time = valid_from */
#define CT_ROW_ANCHOR 'N'    /* standard.anchor; time = performed_at */
#define CT_ROW_OOT 'O'       /* standard.out_of_tolerance; time = since */
#define CT_ROW_CAL 'C'       /* calibration of this subject; time = performed_at */
/* Org index rows */
#define CT_ROW_ADMIT 'A'     /* org.admit; time = valid_from */
#define CT_ROW_REVOKE 'X'    /* org.revoke; time = effective */
#define CT_ROW_REKEY_IN 'B'  /* org.rekey, under its new_key (this key replaced another); time = effective */
#define CT_ROW_REKEY_OUT 'K' /* org.rekey, under its old_key (this key was replaced); time = effective */
#define CT_ROW_COMPROMISED 'Z' /* org.compromised; time = since */
/* Person, catalogue, usage and revocation rows have kind 0. */

typedef struct ct_index_row {
	char kind;
	uint64_t time;
	uint8_t hash[CT_HASH_BYTES];
} ct_index_row;

/* Row callback: return 0 to go on, 1 to stop early (not an error), <0 to fail. */
typedef int (*ct_row_fn)(void *ctx, const ct_index_row *row);

/*
 * Rows about one instrument (ns CT_NS_INSTRUMENT) or standard
 * (CT_NS_STANDARD), sorted by (kind, time, hash). kind 0 means every kind,
 * else only that kind. Errors: what cb returns (<0), CT_ECORRUPT.
 */
int ct_read_subject_rows(ct_reader *r, char ns, const char *id, size_t id_len, char kind, ct_row_fn cb,
			 void *ctx);

/*
 * Rows of an org key, sorted by (kind, time): admissions (A), rekeys into
 * it (B), rekeys out of it (K), revocations (X), compromise declarations (Z).
 */
int ct_read_org_rows(ct_reader *r, const uint8_t key[CT_KEY_BYTES], ct_row_fn cb, void *ctx);

/* Certification rows of a person id, by valid-until... sorted by time (entry time). */
int ct_read_person_rows(ct_reader *r, const char *id, size_t id_len, ct_row_fn cb, void *ctx);

/* Versions of a catalogue item, sorted by effective time. */
int ct_read_catalogue_rows(ct_reader *r, const char *item, size_t len, ct_row_fn cb, void *ctx);

/* Calibrations that relied on standard id, sorted by performed_at, from since on. */
int ct_read_standard_uses(ct_reader *r, const char *id, size_t id_len, uint64_t since, ct_row_fn cb,
			  void *ctx);

/* calibration.revoke entries naming the calibration with this hash. */
int ct_read_revocations(ct_reader *r, const uint8_t cal[CT_HASH_BYTES], ct_row_fn cb, void *ctx);

/* Id callback for listings; id points into the snapshot. */
typedef int (*ct_id_fn)(void *ctx, const char *id, size_t id_len);

/* Every distinct id of a namespace, in bytewise order. */
int ct_read_ids(ct_reader *r, char ns, ct_id_fn cb, void *ctx);

/* Callback of a scan: one subject's rows, all kinds, sorted; id and rows are valid during the call only. */
typedef int (*ct_subject_fn)(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count);

/*
 * Every subject of a namespace in bytewise id order with all its rows, in
 * one pass of one cursor: the way to visit a million instruments. Subjects
 * are numbered from 0 in that order; only those with number % parts ==
 * part are given to cb (parts 1, part 0: all), so that parts threads, each
 * with its own reader of the same snapshot, share a scan.
 * Errors: what cb returns (<0), CT_ECORRUPT, CT_ENOMEM, CT_EIO.
 */
int ct_read_subject_scan(ct_reader *r, char ns, unsigned part, unsigned parts, ct_subject_fn cb, void *ctx);

/*
 * The entry a calibration performed at time t relies on for standard id:
 * its latest calibration (as subject) or anchor performed at or before t,
 * that passed (result pass or limited) and that its author has not revoked
 * (a calibration.revoke by anyone else does not count). Ties in time go to
 * the row that sorts last. Errors: CT_ENOTFOUND (detail says why).
 */
int ct_read_standard_link(uint8_t hash_out[CT_HASH_BYTES], ct_reader *r, const char *id, size_t id_len,
			  uint64_t t);

#endif
