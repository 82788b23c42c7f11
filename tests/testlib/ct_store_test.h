/*
 * Helpers for the store tests: a store in a fresh directory, bodies from
 * small JSON literals, appends and ingests that each run in their own
 * batch, snapshots of a store's feeds, digest and heads.
 *
 * JSON literals may use ' for " to stay readable in C:
 *   ts_append_ok(l, lab, T(1), h, "instrument.register", "{'id':'%s', ...}", id);
 * The test fails (cmocka) on any unexpected error.
 */
#ifndef CT_STORE_TEST_H
#define CT_STORE_TEST_H

#include "ct_test.h"

#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/index.h"
#include "caltrace/ledger/ledger.h"

/* A store open in its own temporary directory. */
typedef struct ts_store {
	char *dir;
	ct_ledger *l;
} ts_store;

/* Opens a fresh store (opts may be NULL). */
void ts_open(ts_store *s, const ct_ledger_opts *opts);
/*
 * Opens a fresh store holding a network's genesis (one district 'n', no
 * policy) and the admission by bureau of lab (tier city, scope mass, from
 * 0 until valid_until: a JSON value such as "1" or "'2030-01-01'"), both on
 * day 0: the start most store tests share.
 */
void ts_open_lab_network(ts_store *s, const ct_keypair *bureau, const ct_keypair *lab,
			 const char *valid_until);
/* Closes and reopens the same directory with opts. */
void ts_reopen(ts_store *s, const ct_ledger_opts *opts);
/* Closes the store and removes its directory. */
void ts_close(ts_store *s);

/* 64 lowercase hex digits of 32 bytes, in one of 8 rotating static buffers. */
const char *ts_hex(const uint8_t b[32]);
/* The public key of kp in hex (ts_hex). */
const char *ts_key(const ct_keypair *kp);

/* Midnight UTC of day n after 2026-01-01, in ms. */
uint64_t ts_day(int n);

/* Encodes the body of type (a wire name) from a printf-style JSON literal; fails the test on error. */
void ts_body(ct_buf *out, const char *type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with a va_list; returns the CT error instead of failing. */
int ts_vbody(ct_buf *out, const char *type, const char *fmt, va_list ap);

/*
 * Appends to kp's feed in a batch of its own; returns the CT error (the
 * batch is aborted then). hash may be NULL.
 */
int ts_append(ct_ledger *l, const ct_keypair *kp, uint64_t time, uint8_t hash[32], const char *type,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same, failing the test with the detail message unless it succeeds. */
void ts_append_ok(ct_ledger *l, const ct_keypair *kp, uint64_t time, uint8_t hash[32], const char *type,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Ingests one encoded entry in a batch of its own. The batch is committed
 * even when the ingest fails, as `caltrace import` does, so that a test sees
 * whether a refused entry left anything behind. Returns the ingest error.
 */
int ts_ingest(ct_ledger *l, const uint8_t *raw, size_t len, ct_ingest_result *res);

/* Signs an entry of kp at (seq, prev) with a JSON body; prev NULL at seq 1. */
void ts_sign(ct_buf *out, const ct_keypair *kp, uint64_t seq, const uint8_t *prev, uint64_t time,
	     const char *type, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* The head of kp's feed (size 0 when absent). */
void ts_head(ct_ledger *l, const uint8_t author[32], uint64_t *size, uint8_t hash[32]);

/* One feed: its author and its encoded entries, seq 1 first. */
typedef struct ts_feed {
	uint8_t author[32];
	size_t count;
	ct_buf *entries;
} ts_feed;

/* Every feed of a store: the bureau's first, then by author (the export order). */
typedef struct ts_feeds {
	size_t count;
	ts_feed *feeds;
} ts_feeds;

void ts_feeds_read(ct_ledger *l, ts_feeds *out);
void ts_feeds_free(ts_feeds *f);
/* Total entries of every feed. */
size_t ts_feeds_total(const ts_feeds *f);

/* What a test compares before and after: digest, heads, pending count, entry count. */
typedef struct ts_state {
	uint8_t digest[32];
	ct_feed_head *heads;
	size_t nheads;
	uint64_t pending;
} ts_state;

void ts_state_read(ct_ledger *l, ts_state *out);
void ts_state_free(ts_state *s);
/* Fails the test unless both states are the same. */
void ts_state_equal(const ts_state *a, const ts_state *b);

/* Runs ct_ledger_check on a fresh reader; returns its result, entries checked in *n (may be NULL). */
int ts_check(ct_ledger *l, uint64_t *n);

/* True when the last error's detail contains needle. */
int ts_detail_has(const char *needle);
/* Fails unless the detail of the last error contains needle. */
#define TS_DETAIL_HAS(needle)                                                                                \
	do {                                                                                                 \
		if (!ts_detail_has(needle))                                                                  \
			fail_msg("detail \"%s\" does not mention \"%s\"", ct_error_last(), (needle));        \
	} while (0)

#endif
