/*
 * proto/repl_internal.h - the replication state machine's state, shared by
 * repl.c (fetching, announcing, messages) and repl_peer.c (peers, timers,
 * introspection).
 */
#ifndef CT_PROTO_REPL_INTERNAL_H
#define CT_PROTO_REPL_INTERNAL_H

#include "caltrace/proto/repl.h"

/* A feed as the node holds it, and who is fetching it. */
struct feed {
	uint8_t author[CT_KEY_BYTES];
	uint64_t local; /* entries stored */
	uint8_t head[CT_HASH_BYTES];
	bool forked;
	uint64_t cursor;    /* highest seq stored or handed to ingest */
	uint64_t gen;	    /* bumped when an ingest failure resets cursor */
	ct_rpeer *claimant; /* the peer whose want is outstanding, or NULL */
	bool stalled;	    /* pending area full: wait until heads change */
};

/* What one peer holds of one feed, and our want with it. */
struct view {
	bool known; /* it told us (or showed us) a size */
	uint64_t size;
	bool has_head;
	uint8_t head[CT_HASH_BYTES];
	bool forked;
	uint64_t probed;  /* size at which we fetched its head entry to look for a fork */
	uint64_t told;	  /* largest size we announced to it */
	uint32_t serving; /* its wants on this feed we are serving */
	bool want;	  /* a want of ours is outstanding with it */
	bool cancelled;	  /* ... but its entries are dropped */
	bool probe;
	uint64_t want_next, want_to, want_time;
};

struct ct_rpeer {
	ct_repl *r;
	uint8_t key[CT_KEY_BYTES];
	void *user;
	struct view *views; /* indexed like r->feeds */
	size_t nviews;
	uint32_t wants_out, serves;
	uint64_t last_recv, ping_sent, ping_nonce;
	uint64_t entries_in, entries_out;
	bool hello, held;
	ct_rpeer *next;
};

struct ct_repl {
	ct_repl_opts o;
	uint8_t self[CT_KEY_BYTES];
	struct feed *feeds;
	size_t nfeeds, cap;
	uint32_t *order; /* feed indexes sorted by author */
	ct_rpeer *peers;
	bool paused;
	uint64_t now;
	uint64_t own_reported; /* largest size of our own feed a peer reported */
	ct_buf msg;	       /* scratch for encoding */
};

/* Hands an action to the node. */
void ct__repl_emit(ct_repl *r, const ct_action *a);
/* Sends the message encoded in r->msg to p. */
void ct__repl_send(ct_repl *r, ct_rpeer *p);
/* p's view of feed i, grown on demand; NULL when out of memory. */
struct view *ct__repl_view(ct_rpeer *p, size_t i);
/* Sends the wants that can go out now. */
void ct__repl_plan(ct_repl *r);

#endif
