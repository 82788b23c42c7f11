/*
 * caltrace/ledger/summary.h - the instrument summary: derived data for scans.
 *
 * For every instrument with a row in the subject index, one compact record
 * holding the facts of its own entries a verdict reads: of each
 * registration its time, author, seq and fields (category, district,
 * owner, catalogue, domain, mpe); of each retirement its effective time,
 * author and seq; of each calibration its performed_at, valid_until, the
 * first 8 bytes of its hash, author, seq, kind, result, technician and the
 * standards it cites (id and cited entry). Strings, keys, quantities and
 * cited standards are interned in a dictionary of the same database and
 * appear in a record as numbers (from 1; 0 is "absent").
 *
 * The records hold facts, not judgements: whether an author is trusted,
 * a lab admitted or a standard valid stays the evaluator's business, so
 * nothing stored here goes stale when later entries change a verdict.
 *
 * The summary is kept in the write transaction that stores each entry,
 * is built when a store opened for writing has none (or by
 * ct_summary_rebuild), and carries its own version (CT_SUMMARY_VERSION),
 * independent of the store's format. A store opened read-only that has no
 * summary simply reports it absent (ct_summary_ready); readers then use
 * the entries. Layout: the comment at the top of core/ledger/summary.c;
 * why it is so: docs/DECISIONS.md, "Coverage reads an instrument summary".
 */
#ifndef CALTRACE_SUMMARY_H
#define CALTRACE_SUMMARY_H

#include "caltrace/ledger/ledger.h"

#define CT_SUMMARY_VERSION 1
/*
 * The first bytes of a calibration's hash kept: enough to tell that it is
 * not one of the few revoked calibrations (a reader that finds a revoked
 * calibration beginning so reads the entries: a false alarm costs time only).
 */
#define CT_SUMMARY_HASH_PREFIX 4

/* Kinds of dictionary words. */
#define CT_WORD_STR 's' /* a string */
#define CT_WORD_KEY 'a' /* an author's key (32 bytes) */
#define CT_WORD_QTY 'q' /* an encoded quantity map (msgpack) */
#define CT_WORD_USE 'u' /* a cited standard: cited entry hash (32) then the standard's id */

typedef struct ct_summary_reg {
	uint64_t time, seq;
	uint32_t author, category, district, owner, mpe;
	uint32_t catalogue, domain; /* 0 when absent */
} ct_summary_reg;

typedef struct ct_summary_ret {
	uint64_t time, seq; /* time: effective */
	uint32_t author;
} ct_summary_ret;

typedef struct ct_summary_cal {
	uint64_t performed_at, valid_until, seq;
	uint8_t hash[CT_SUMMARY_HASH_PREFIX]; /* the first bytes of the entry hash */
	uint32_t author, kind, result;
	uint32_t technician; /* 0 when none is named */
	uint32_t first_use, nuses; /* uses[first_use .. first_use + nuses) of the instrument */
} ct_summary_cal;

/*
 * One instrument's record, decoded. Registrations and retirements in the
 * order they arrived; calibrations sorted by performed_at (entries with
 * the same performed_at in the order they arrived: the index orders those
 * by hash, so a reader that needs that order reads the index).
 */
typedef struct ct_summary_inst {
	const char *id; /* not NUL-terminated */
	size_t id_len;
	ct_summary_reg *regs;
	size_t nregs, cap_regs;
	ct_summary_ret *rets;
	size_t nrets, cap_rets;
	ct_summary_cal *cals;
	size_t ncals, cap_cals;
	uint32_t *uses;
	size_t nuses, cap_uses;
} ct_summary_inst;

/* A dictionary word: tag (CT_WORD_*) and bytes, pointing into the reader's snapshot. */
typedef struct ct_summary_word {
	char tag;
	const uint8_t *p;
	size_t len;
} ct_summary_word;

typedef struct ct_summary_dict {
	ct_summary_word *words; /* words[0] unused: numbers start at 1 */
	size_t count;		/* highest number + 1 */
} ct_summary_dict;

/* Progress of long work: done of total (total 0: unknown); what names the work. */
typedef void (*ct_progress_fn)(void *ctx, const char *what, uint64_t done, uint64_t total);

/*
 * Whether r's snapshot holds a complete summary of this version. Errors:
 * CT_ECORRUPT (a summary of a newer version), CT_EIO.
 */
int ct_summary_ready(ct_reader *r, bool *out);

/*
 * The dictionary, every word pointing into r's snapshot (valid until r
 * ends). Free with ct_summary_dict_free. Errors: CT_ECORRUPT, CT_ENOMEM, CT_EIO.
 */
int ct_summary_dict_load(ct_summary_dict *out, ct_reader *r);
void ct_summary_dict_free(ct_summary_dict *d);

/* Callback of a scan: s and what it points to are valid during the call only. */
typedef int (*ct_summary_fn)(void *ctx, const ct_summary_inst *s);

/*
 * Every instrument's record in bytewise id order, or the share of part
 * (0 .. parts-1) of them: the id space is cut into parts ranges at ids
 * read from the snapshot, the same for every caller with the same
 * snapshot and parts, so that parts threads, each with a reader of the
 * same snapshot, visit every instrument exactly once.
 * Errors: what cb returns (<0), CT_ESTATE (no complete summary),
 * CT_ECORRUPT, CT_ENOMEM, CT_EIO.
 */
int ct_summary_scan(ct_reader *r, unsigned part, unsigned parts, ct_summary_fn cb, void *ctx);

/*
 * One instrument's record into out (its arrays reused and grown; free them
 * with ct_summary_inst_free). Errors: CT_ENOTFOUND, CT_ESTATE, CT_ECORRUPT,
 * CT_ENOMEM.
 */
int ct_summary_get(ct_reader *r, const char *id, size_t id_len, ct_summary_inst *out);
void ct_summary_inst_free(ct_summary_inst *s);

/*
 * Drops the summary and builds it again from the subject index and the
 * entries, in transactions of some thousands of instruments (progress
 * after each, when given). Entries stored meanwhile by other processes
 * are summarised by them. Errors: CT_ESTATE (read-only), those of the store.
 */
int ct_summary_rebuild(ct_ledger *l, ct_progress_fn progress, void *ctx);

/*
 * Compares every stored record with one made again from the entries (and
 * the dictionary words they name). *checked receives the instruments
 * compared. Errors: CT_ECORRUPT naming the first instrument that differs,
 * CT_ESTATE (no complete summary), those of the store.
 */
int ct_summary_check(ct_reader *r, uint64_t *checked, ct_progress_fn progress, void *ctx);

#endif
