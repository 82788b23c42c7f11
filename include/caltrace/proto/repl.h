/*
 * caltrace/proto/repl.h - the replication state machine (docs/PROTOCOL.md section 5).
 *
 * Pure code: it is fed the node's feed heads, the decrypted messages of
 * each peer, the outcome of ingests and the clock, and answers with
 * actions through one callback: send this message, serve these entries
 * from the store, ingest these entries, record this fork proof, drop this
 * peer. It never touches a socket or the store; tests drive it directly.
 *
 * Fetching: for each feed at most one want is outstanding in the whole
 * node (whichever peer is ahead answers it), each for at most `window`
 * entries, at most `max_wants` per peer; a peer that pushes live entries
 * is heard only when they continue the feed exactly. Every want is
 * answered by entries messages in order, the last one flagged
 * CT_ENTRIES_LAST. Entries of a want that was cancelled (after an ingest
 * failure) are dropped until that last message.
 *
 * The emit callback must not call back into the state machine; in
 * particular a DISCONNECT is acted on later, by ct_repl_peer_remove.
 */
#ifndef CT_PROTO_REPL_H
#define CT_PROTO_REPL_H

#include <stdbool.h>

#include "caltrace/ledger/ledger.h"
#include "caltrace/proto/msg.h"

typedef struct ct_repl ct_repl;
typedef struct ct_rpeer ct_rpeer;

typedef enum ct_act_kind {
	CT_ACT_SEND = 1, /* send data[0..len) (one encoded message) to peer */
	CT_ACT_SERVE,	 /* send author's entries from..to from the store to peer; flags CT_ENTRIES_PUSH for a
			    push */
	CT_ACT_INGEST,	 /* verify and store count entries (data: count bins) of author from `from` on; then
			    ct_repl_ingested */
	CT_ACT_FORK,	 /* record the fork proof (data, data2); then ct_repl_fork_recorded when it was new */
	CT_ACT_CHECKPOINT,  /* keep the checkpoint note data of author; then ct_repl_note_stored when it was
			       new */
	CT_ACT_REMOTE_SIZE, /* persist: a peer reports this node's own feed at `to` entries, more than it
			       holds */
	CT_ACT_DISCONNECT,  /* drop peer: text says why */
} ct_act_kind;

typedef struct ct_action {
	ct_act_kind kind;
	ct_rpeer *peer;
	const uint8_t *author;
	uint64_t from, to;
	unsigned flags;
	uint32_t count;
	uint64_t gen;	     /* INGEST: pass back to ct_repl_ingested */
	const uint8_t *data; /* valid during the callback only */
	size_t len;
	const uint8_t *data2;
	size_t len2;
	const char *text;
} ct_action;

typedef void (*ct_repl_emit_fn)(void *ctx, const ct_action *a);

typedef struct ct_repl_opts {
	const uint8_t *self; /* this node's key */
	uint32_t window;     /* entries per want; 0: 2048 */
	uint32_t max_wants;  /* our outstanding wants per peer; 0: 8 */
	uint32_t max_serves; /* a peer's wants we hold at once before calling it a flood; 0: 64 */
	uint32_t push_max;   /* largest live push, else a have; 0: 256 */
	uint64_t ping_ms;    /* ping a peer silent this long; 0: 10000 */
	uint64_t idle_ms;    /* drop a peer silent this long; 0: 45000 */
	uint64_t want_ms;    /* drop a peer that leaves a want unanswered this long; 0: 60000 */
	size_t max_feeds;    /* feeds tracked at most; 0: 100000 */
	ct_repl_emit_fn emit;
	void *ctx;
} ct_repl_opts;

#define CT_WANT_SPAN_MAX   65536 /* entries one want may ask for */
#define CT_HELLO_HEADS_MAX 8192	 /* heads in a hello; more follow as have messages */

/* Errors: CT_ENOMEM. */
int ct_repl_new(ct_repl **out, const ct_repl_opts *opts);
void ct_repl_free(ct_repl *r);

/*
 * The node's heads (a snapshot of the store, any order). Feeds that grew
 * are pushed (small gaps) or announced (have) to every peer lacking them;
 * then wants are planned. Errors: CT_ENOMEM, CT_EFULL (too many feeds).
 */
int ct_repl_set_heads(ct_repl *r, const ct_feed_head *heads, size_t count);

/*
 * A peer whose handshake completed; user is the caller's. Emits the hello.
 * Errors: CT_ENOMEM.
 */
int ct_repl_peer_add(ct_rpeer **out, ct_repl *r, const uint8_t key[CT_KEY_BYTES], void *user, uint64_t now);

/* Forgets a peer: its wants go to other peers. Accepts NULL. */
void ct_repl_peer_remove(ct_repl *r, ct_rpeer *p);

/*
 * One decrypted message from p. Returns 0, or an error after which p must
 * be dropped; the detail names the rule (protocol violation, flood, bad
 * fork proof, the peer's own error message).
 */
int ct_repl_receive(ct_repl *r, ct_rpeer *p, const uint8_t *msg, size_t len, uint64_t now);

/*
 * The outcome of an INGEST: err is the first error (0 when every entry
 * was taken: appended, duplicate, pending or fork), head_after the feed's
 * stored size after the commit. p may be NULL when the peer is gone.
 * Returns err when p is to blame for it (p must be dropped), else 0.
 */
int ct_repl_ingested(ct_repl *r, ct_rpeer *p, const uint8_t author[CT_KEY_BYTES], uint64_t gen, int err,
		     uint64_t head_after);

/* True when an ingest error is the sending peer's fault (bad signature, non-canonical, ...). */
bool ct_repl_blames(int err);

/* A SERVE of p's want (not a push) was sent completely. */
void ct_repl_served(ct_repl *r, ct_rpeer *p, const uint8_t author[CT_KEY_BYTES]);

/* Timers: pings, idle and want timeouts (DISCONNECT actions). */
void ct_repl_tick(ct_repl *r, uint64_t now);

/* While paused (the node's ingest queue is full) no wants are sent. */
void ct_repl_pause(ct_repl *r, bool paused, uint64_t now);

/* While held (the node does not read p) p is not timed out. */
void ct_repl_hold(ct_repl *r, ct_rpeer *p, bool held, uint64_t now);

/* A new fork proof is stored: sent to every peer but origin (may be NULL). */
void ct_repl_fork_recorded(ct_repl *r, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
			   ct_rpeer *origin);

/* The origin named by its key (NULL: every peer), since it may have left meanwhile. */
void ct_repl_note_stored_except(ct_repl *r, const uint8_t author[CT_KEY_BYTES], const uint8_t *note,
				size_t len, const uint8_t *origin_key);

/* A new checkpoint note is stored: sent to every peer but origin (may be NULL). */
void ct_repl_note_stored(ct_repl *r, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len,
			 ct_rpeer *origin);

/* Sends a fork proof / note to one peer (on connect). */
void ct_repl_send_fork(ct_repl *r, ct_rpeer *p, const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len);
void ct_repl_send_note(ct_repl *r, ct_rpeer *p, const uint8_t author[CT_KEY_BYTES], const uint8_t *note,
		       size_t len);

/* ---- introspection (status) --------------------------------------------- */

const uint8_t *ct_rpeer_key(const ct_rpeer *p);
void *ct_rpeer_user(const ct_rpeer *p);

typedef struct ct_rpeer_stats {
	uint64_t entries_in;  /* entries received for ingest */
	uint64_t entries_out; /* entries served or pushed (counted when asked for) */
	uint32_t wants_out;   /* our wants outstanding with it */
	uint32_t serves;      /* its wants we are serving */
	bool hello;	      /* its hello arrived */
} ct_rpeer_stats;

void ct_rpeer_stats_get(const ct_rpeer *p, ct_rpeer_stats *out);

/* Per feed: our size and what p is known to hold (known false when it never said). */
typedef int (*ct_rpeer_feed_fn)(void *ctx, const uint8_t author[CT_KEY_BYTES], uint64_t local,
				uint64_t remote, bool known);
int ct_rpeer_feeds(const ct_rpeer *p, ct_rpeer_feed_fn fn, void *ctx);

#endif
