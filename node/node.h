/*
 * caltraced's shared state. node/ moves bytes, runs timers and calls core;
 * every decision about peers is proto/repl.c's.
 *
 *   main.c     start-up, signals, the tick and poll timers, shutdown
 *   conn.c     TCP connections: dial, accept, handshake, read, write, backoff
 *   actions.c  what the replication state machine asks for
 *   ingest.c   the ingest queue, signature checks on the thread pool
 *   ingest_write.c  the single LMDB writer (ingest_internal.h: the jobs they share)
 *   serve.c    entries read from the store for a peer, paced by its socket
 *   control.c  the Unix control socket (caltrace status, caltrace peers)
 */
#ifndef CT_NODE_H
#define CT_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/home.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/proof/netcheckpoint.h"
#include "caltrace/proof/witness.h"
#include "log.h"
#include "caltrace/ledger/sigkey.h"
#include "caltrace/proto/repl.h"
#include "caltrace/proto/session.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

#define NODE_TICK_MS		 250   /* timers: dials, handshakes, pings */
#define NODE_POLL_MS		 150   /* the store's heads: notices CLI appends */
#define NODE_HANDSHAKE_MS	 10000 /* a handshake must finish within */
#define NODE_PEERS_MAX		 512   /* connections past their handshake (up) */
#define NODE_HANDSHAKES_MAX	 64    /* incoming connections still in their handshake */
#define NODE_HANDSHAKES_PER_ADDR 8     /* ... of them from one address */
#define NODE_BUDGET_WARN_MS	 10000 /* says the handshake budget is full at most this often */
#define NODE_BACKOFF_MIN_MS	 500
#define NODE_BACKOFF_MAX_MS	 8000  /* a peer that is down */
#define NODE_STABLE_MS		 10000 /* a connection up this long resets the backoff */
#define NODE_BAN_MIN_MS		 30000 /* a peer that misbehaved */
#define NODE_BAN_MAX_MS		 600000
#define NODE_WRITE_HIGH		 (1u << 20)   /* stop serving a peer whose socket holds this much */
#define NODE_PEER_QUEUE_MAX	 (8u << 20)   /* stop reading a peer with this much waiting for ingest */
#define NODE_GLOBAL_QUEUE_MAX	 (32u << 20)  /* stop asking for more with this much waiting */
#define NODE_SERVE_CHUNK	 (256u << 10) /* entries per served message, in bytes */
#define NODE_VERIFY_BATCH	 512	      /* entries per signature-check job */
#define NODE_SIGKEY_MIN		 32	      /* entries of a check worth the author's table (about 1 ms) */
#define NODE_CHECK_AHEAD	 32768	      /* entries checked ahead of the writer at most (each holds its decode) */
#define NODE_COMMIT_MIN		 8192	      /* entries worth a commit while more are being checked */
#define NODE_COMMIT_MAX		 16384 /* entries per LMDB write transaction (its dirty pages are in memory) */
#define NODE_PACE_ENTRIES	 2048  /* entries committed lately (halved each second) that make a node busy ... */
#define NODE_PACE_MS		 1000  /* ... and a busy node's commits at most this often, unless COMMIT_MIN wait */
#define NODE_FULL_RETRY_MS	 30000 /* a full store: try to write again this often */
#define NODE_TRIM_MS		 1000  /* look at the store's mapped pages this often while busy */
#define NODE_TRIM_ENTRIES	 256   /* ... and after so many entries written */
#define NODE_TRIM_BYTES		 (128u << 20) /* release them once this much of them is resident (docs/PERFORMANCE.md) */
#define NODE_CHECKPOINT_QUIET_MS 1000	     /* own feed still this long after growing: sign its checkpoint */
#define NODE_CHECKPOINT_MAX_MS	 120000	     /* ... and while it keeps growing, at least this often */
#define NODE_AHEAD_MAX		 256	     /* checkpoints held in memory to witness after catching up */
#define NODE_GOSSIP_MS		 300	     /* a changed checkpoint note waits so long before going on */
#define NODE_NETCP_QUIET_MS	 2000	     /* the bureau's node signs a network checkpoint once its state was still this long */
#define NODE_REGREET_MS		 30000	     /* every peer gets this node's latest notes again this often */
#define NODE_NETCP_MIN_MS	 10000	     /* ... and at most this often */

struct conn;

/* A peer from the config (KEY@host:port): dialed, redialed with backoff. */
struct slot {
	struct slot *next;
	uint8_t key[CT_KEY_BYTES];
	char host[256];
	int port;
	char name[320];	   /* "7f3a…@host:port" */
	struct conn *conn; /* the live connection to it (either direction), or NULL */
	bool dialing;
	uint64_t next_dial; /* ms, loop clock */
	uint64_t backoff;   /* ms */
	char last_error[256];
};

/* A key that misbehaved: refused until `until`. */
struct ban {
	struct ban *next;
	uint8_t key[CT_KEY_BYTES];
	uint64_t until;
	uint64_t length;
	char reason[256];
};

enum conn_state { C_RESOLVING, C_CONNECTING, C_HANDSHAKE, C_UP, C_CLOSING };

struct serve_req {
	struct serve_req *next;
	uint8_t author[CT_KEY_BYTES];
	uint64_t next_seq, to;
	bool push;
};

struct conn {
	uv_tcp_t tcp; /* first: closed last, the struct is freed in its close callback */
	struct node *n;
	struct conn *next;
	struct slot *slot; /* the configured peer this is (NULL: an unlisted incoming peer) */
	bool outgoing;
	enum conn_state state;
	uv_connect_t creq;
	uv_getaddrinfo_t gai;
	ct_session *sess;
	ct_rpeer *rp;
	char addr[300]; /* remote ip:port */
	char ip[64];	/* remote address alone (incoming connections) */
	char name[360]; /* "7f3a…@ip:port" or "?@ip:port" before the handshake */
	uint8_t key[CT_KEY_BYTES];
	bool has_key;
	uint64_t opened;   /* ms */
	uint64_t deadline; /* handshake deadline, ms */
	bool reading;	   /* uv_read_start is on */
	bool held;	   /* we stopped reading it for back-pressure */
	size_t queued;	   /* bytes of its entries waiting for ingest */
	ct_buf out;	   /* sealed frames not yet handed to libuv */
	struct serve_req *serves, **serves_tail;
	char close_reason[512];
	bool close_ban;	  /* misbehaved: ban its key */
	bool close_quiet; /* a duplicate connection: no backoff */
	bool close_warn;  /* a refused handshake: worth a warning */
	char readbuf[64 * 1024];
};

struct job;
struct meta;
struct wbatch;

/* The ingest pipeline (ingest.c). */
struct ingest {
	struct job *head, *tail; /* FIFO: verifying, verified, waiting */
	struct meta *meta;	 /* store writes other than entries */
	unsigned verifying;	 /* jobs on the thread pool */
	unsigned max_verifying;
	uint64_t checked;	 /* entries in jobs checked or being checked, not yet with the writer */
	bool writing;	      /* the writer has a batch */
	struct wbatch *batch; /* ... and what it writes */
	/* The writer's thread (ingest.c): it takes batch when go is posted, and says so on written. */
	uv_thread_t writer;
	uv_sem_t go;
	uv_async_t written;
	int done;	     /* atomic: the writer finished batch */
	bool writer_up;	     /* the thread and its handles exist */
	bool writer_quit;
	size_t queued;	      /* bytes of all jobs */
	uint64_t appended, duplicates, pending, forks, total_in, last_logged;
	uint64_t commits;
	double rate;	   /* entries committed, halved every second */
	uint64_t last_end; /* when the last commit ended (loop ms) */
	uv_timer_t pace;
};

struct ahead;
struct outgoing;

/* Compacting the store when quiet (compact.c). */
struct node_compact {
	uint64_t appended;    /* entries stored, at the last poll */
	uint64_t quiet_since; /* ms: since when no entry was stored */
	uint64_t failed_at;   /* ms: the last compaction failed (0: none since the last that went through) */
	uint64_t asked_at;    /* ms: other processes were first asked to step aside (0: not now) */
	bool running;	      /* the writer compacts */
	bool asked;	      /* an operator asked for one (control socket): no quiet time, no size test */
	/* what the last compaction did (the control socket's status) */
	uint64_t done;	      /* compactions finished, whatever their outcome */
	int last_err;
	char last_detail[300];
	ct_compact_info last;
	double last_seconds;
	bool refused_said;    /* the store was open elsewhere, logged once until a compaction goes through */
};

/* Checkpoint duties (checkpoints.c). */
struct node_cp {
	uint64_t seen;		 /* own feed size at the last poll */
	uint64_t changed_at;	 /* ms: when it last changed */
	uint64_t unsigned_since; /* ms: when it first outgrew the last signed checkpoint (0: it did not) */
	uint64_t signed_size;	 /* the last checkpoint signed (or refused) */
	uint64_t signing_size;
	bool signing; /* a signature is with the writer */
	bool witness_all_due;
	struct ahead *ahead; /* checkpoints ahead of the store, newest first */
	size_t nahead;
	struct outgoing *out; /* notes to gossip when due, one per author and body */
	size_t nout;
};

/* Network checkpoint duties (netcheckpoints.c). */
struct node_ncp {
	uint8_t token[CT_HASH_BYTES];	     /* the state last polled: heads digest and fork events */
	uint8_t signed_token[CT_HASH_BYTES]; /* ... when the last network checkpoint was signed */
	uint8_t signing_token[CT_HASH_BYTES];
	uint64_t changed_at, signed_at; /* ms */
	uint64_t fork_events;		/* fork proofs received and stored */
	bool has_signed, signing;
	bool asked; /* an operator asked for one now (control socket): no quiet time, no minimum interval */
	bool signing_asked; /* the one being signed was asked for */
	bool bureau_known, is_bureau;
	uint8_t bureau[CT_KEY_BYTES];
	ct_buf ahead; /* the newest network checkpoint this node holds too few entries for */
};

/* What the writer did with a checkpoint (ingest.c to checkpoints.c). */
struct cp_report {
	int err; /* < 0: not stored; detail says why */
	const char *detail;
	const uint8_t *author;
	ct_witness_result result;
	uint64_t size;		/* the checkpoint's */
	const ct_buf *incoming; /* as received */
	const ct_buf *prev;	/* the stored note of that body before (empty: none) */
	const ct_buf *merged;	/* ... and after */
	const ct_buf *fork_a;	/* on CT_WITNESS_FORK: the proof (fork_b may be empty) */
	const ct_buf *fork_b;
};

struct node {
	uv_loop_t *loop;
	char home[4096];
	char cfg_path[4200];
	char sock_path[4200];
	ct_config cfg;
	char listen[300];
	ct_keypair *kp;
	uint8_t self[CT_KEY_BYTES];
	uint8_t network[CT_HASH_BYTES];
	ct_ledger *ledger;
	ct_sigcache *sigkeys; /* authors' tables for the signature checks */
	ct_repl *repl;
	uv_tcp_t listener;
	uv_pipe_t control;
	uv_timer_t tick, poll;
	uv_idle_t idle; /* flushes output and serves, then stops */
	uv_signal_t sigint, sigterm;
	struct slot *slots;
	struct conn *conns;
	struct ban *bans;
	struct ingest ing;
	ct_feed_head *heads; /* the snapshot the state machine last got */
	size_t nheads;
	uint8_t digest[CT_HASH_BYTES];
	bool paused;
	bool store_full;  /* a write met a full store: fetch nothing until full_at + NODE_FULL_RETRY_MS */
	uint64_t full_at; /* ms, the last write that met it */
	bool stopping;
	bool listening, control_open;
	uint64_t started;
	uint64_t own_reported;
	uint64_t served;     /* messages of entries served (for trimming) */
	uint64_t trimmed_at; /* ms, last ct_ledger_trim_memory */
	uint64_t regreeted_at; /* ms, last time every peer got this node's notes again */
	uint64_t trim_mark;  /* commits + served then */
	uint64_t budget_warned; /* ms, last warning that the handshake budget was full */
	struct node_cp cp;
	struct node_ncp ncp;
	struct node_compact cmp;
};

/* Milliseconds on the loop's clock. */
static inline uint64_t node_now(struct node *n)
{
	return uv_now(n->loop);
}

/*
 * Releases the store's mapped pages (ct_ledger_trim_memory) when more
 * than NODE_TRIM_BYTES of file-backed memory is resident; any thread.
 */
void node_trim(struct node *n);

/* Asks for the idle pass: flush output, pump serves. */
void node_kick(struct node *n);

/* ---- conn.c ---- */
int conn_listen(struct node *n);
void conn_dial(struct node *n, struct slot *s);
/* Seals one message to c (queued until the idle pass). */
void conn_send(struct conn *c, const uint8_t *msg, size_t len);
/* Closes c; reason is logged. ban: c misbehaved (its key is backed off for longer). */
void conn_close(struct conn *c, const char *reason, bool ban);
void conn_flush(struct conn *c);
/* Stops or restarts reading c for back-pressure. */
void conn_hold(struct conn *c, bool hold);
/* Handshake deadlines, dials due (tick timer). */
void conn_tick(struct node *n);
const char *conn_state_name(const struct conn *c);
/* Adds a peer "KEY@host:port" to dial; returns 0 or a CT error. */
int slot_add(struct node *n, const char *peer);
int slot_remove(struct node *n, const uint8_t key[CT_KEY_BYTES]);
/* Whether key may connect to us (the session's authorize callback). */
int node_authorize(void *ctx, const uint8_t key[CT_KEY_BYTES]);

/* ---- actions.c ---- */
void node_on_action(void *ctx, const ct_action *a);
/* A new heads snapshot (heads is taken over): to the state machine. */
void node_set_heads(struct node *n, ct_feed_head *heads, size_t count, const uint8_t digest[CT_HASH_BYTES]);
/* Reads the heads from the store and gives them to the state machine when they changed. */
void node_refresh_heads(struct node *n, bool force);
/* Sends our fork proofs and checkpoint notes to a peer that just came up. */
void node_greet(struct node *n, struct conn *c);

/* ---- ingest.c ---- */
void ingest_add(struct node *n, struct conn *c, const ct_action *a);
void ingest_meta_fork(struct node *n, struct conn *c, const uint8_t *a, size_t a_len, const uint8_t *b,
		      size_t b_len);
void ingest_meta_note(struct node *n, struct conn *c, const uint8_t author[CT_KEY_BYTES], const uint8_t *note,
		      size_t len);
void ingest_meta_remote_size(struct node *n, uint64_t size);
/* A connection is going away: its jobs lose their sender. */
void ingest_forget(struct node *n, struct conn *c);
/* Applies the back-pressure rules after the queue changed. */
void ingest_pressure(struct node *n);

/* A store found full NODE_FULL_RETRY_MS ago: fetch again and try a write (on_poll). */
void ingest_full_retry(struct node *n);
void ingest_shutdown(struct node *n);
/* Starts the writer's thread; before anything is queued for it. Returns 0 or -1 (logged). */
int ingest_start(struct node *n);
/* Frees what is left once the loop ended. */
void ingest_free(struct node *n);

/* Queues: clear the mark of a restored store (restore.c). */
void ingest_meta_confirm_own(struct node *n);

/*
 * Gives the writer a compaction of the store instead of a batch, when it
 * is idle and nothing waits for it; false when it is not. compact_done
 * hears how it went (on the loop).
 */
bool ingest_compact_start(struct node *n);

/* ---- compact.c: the store compacted when quiet (docs/OPERATIONS.md, "Compacting a home") ---- */
void compact_poll(struct node *n);
/* An operator asks for a compaction now (control socket "compact"); returns the compactions done so far. */
uint64_t compact_ask(struct node *n);
void compact_done(struct node *n, int err, const char *detail, const ct_compact_info *info, double seconds);

/* Stops the node (main.c): the same as a signal, with why in the log. */
void node_stop(struct node *n, const char *why);

/* ---- restore.c: appends after a restore wait for a peer's report of the own feed ---- */
void restore_gate_start(struct node *n);
void restore_gate_poll(struct node *n);
void restore_gate_cleared(struct node *n, int err);

/* Queues: sign the own feed's checkpoint; witness every stored checkpoint again. */
void ingest_meta_sign(struct node *n);
/* Queues: sign a network checkpoint (the bureau's node). */
void ingest_meta_netsign(struct node *n);
void ingest_meta_witness_all(struct node *n);

/* ---- checkpoints.c ---- */
/* The own feed's size in the last heads snapshot. */
uint64_t node_own_size(const struct node *n);
/* Poll timer: signs the own feed's checkpoint when it is due. */
void checkpoints_poll(struct node *n);
/* After a commit (appended: entries were stored): checkpoints now in reach are witnessed. */
void checkpoints_after_commit(struct node *n, bool appended);
/* The writer signed (or refused to sign) the own feed's checkpoint. */
void checkpoints_signed(struct node *n, const struct cp_report *r);
/* The writer witnessed a checkpoint from c (NULL: a peer that left, or kept for later). */
void checkpoints_witnessed(struct node *n, struct conn *c, const struct cp_report *r);
void checkpoints_free(struct node *n);
/* Passes on the changed checkpoint notes that waited long enough (all: every one). */
void checkpoints_gossip(struct node *n, bool all);
/* The size of the checkpoint in a signed note (0 when it does not parse). */
uint64_t checkpoint_size(const uint8_t *note, size_t len);
/* Queues note (of author's feed, or a network checkpoint: author the bureau) to go on to every peer but origin_key's. */
void checkpoints_gossip_later(struct node *n, const uint8_t author[CT_KEY_BYTES], const ct_buf *note,
			      const uint8_t *origin_key);

/* ---- netcheckpoints.c ---- */
/* What the writer did with a network checkpoint (ingest.c to netcheckpoints.c). */
struct ncp_report {
	int err; /* < 0: not stored; detail says why */
	const char *detail;
	bool signed_here; /* ingest_meta_netsign's */
	ct_netcp_result result;
	const char *why; /* on a result other than cosigned: what differs */
	const ct_buf *incoming, *prev, *merged;
};
/* Whether a note is a network checkpoint (its origin ends in /index). */
bool netcp_is(const uint8_t *note, size_t len);
/* Poll timer: the bureau's node signs when its state has been still long enough. */
void netcp_poll(struct node *n);
/*
 * An operator's request for a network checkpoint now (the control socket's
 * netcheckpoint-sign): signed at the next poll once no entries are being
 * written, without the quiet time and the minimum interval.
 */
enum netcp_ask { NETCP_ASK_NO_GENESIS, NETCP_ASK_NOT_BUREAU, NETCP_ASK_HELD, NETCP_ASK_SIGNING };
enum netcp_ask netcp_ask(struct node *n);
void netcp_done(struct node *n, struct conn *c, const struct ncp_report *r);
/* After a commit: a network checkpoint this node was behind goes to the writer again. */
void netcp_after_commit(struct node *n, bool appended);
/* Sends the newest network checkpoint held to a peer that just came up. */
void netcp_greet(struct node *n, struct conn *c);
/* A fork proof from a peer was stored: the index changed. */
void netcp_fork_event(struct node *n);
void netcp_free(struct node *n);

/* ---- serve.c ---- */
void serve_add(struct conn *c, const ct_action *a);
void serve_pump(struct conn *c);
void serve_free(struct conn *c);

/* ---- control.c ---- */
int control_open(struct node *n);

#endif
