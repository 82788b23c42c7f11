/* The ingest pipeline's jobs and write batches, shared by ingest.c (the queue, the checks, the loop's side)
 * and ingest_write.c (the writer). */
#ifndef CT_NODE_INGEST_INTERNAL_H
#define CT_NODE_INGEST_INTERNAL_H

#include "node.h"

enum job_state { J_WAIT, J_VERIFYING, J_VERIFIED };

struct job {
	struct job *next;
	struct node *n;
	struct conn *conn; /* the sender; NULL once it is gone */
	enum job_state state;
	uv_work_t work;
	uint8_t author[CT_KEY_BYTES];
	uint64_t from, gen;
	uint32_t count;
	uint8_t *data; /* count msgpack bins */
	size_t len;
	const uint8_t **raw; /* each entry, filled by the check */
	size_t *raw_len;
	ct_prepared *prep; /* each entry decoded and checked alone, by the check (NULL before) */
	uint8_t *packs;	   /* the entries compressed by the check, for the writer (ct_entry_pack) */
	/* the check */
	uint32_t good; /* entries before the first that failed */
	int verr;
	char vdetail[300];
	/* the write */
	int err;
	char detail[300];
	uint64_t head_after, appended, duplicates, pending;
	bool fork;
	uint64_t fork_seq;
	ct_buf proof_a, proof_b;
};

enum meta_kind { M_FORK, M_NOTE, M_REMOTE, M_SIGN, M_WITNESS_ALL, M_CONFIRM, M_NETSIGN, M_NETNOTE };

struct meta {
	struct meta *next;
	enum meta_kind kind;
	struct conn *conn;
	uint8_t author[CT_KEY_BYTES];
	ct_buf a, b; /* M_NOTE: the note received, then as stored; M_SIGN: as signed, as stored */
	uint64_t size;
	int result;
	char detail[300];
	/* checkpoints */
	ct_witness_result wres;
	ct_buf prev, fork_a, fork_b;
	ct_netcp_result nres;
	ct_buf why;
};

struct wbatch {
	uv_work_t work;
	struct node *n;
	struct job *jobs; /* in FIFO order */
	struct meta *meta;
	int err;
	char detail[300];
	ct_feed_head *heads;
	size_t nheads;
	uint8_t digest[CT_HASH_BYTES];
	uint64_t entries, queued_at, started, ingested, committed; /* ns, for the debug log */
	uint64_t cpu_ingest, cpu_commit;
	bool compact;		 /* no batch: a compaction of the store (ingest_compact_start) */
	ct_compact_info cinfo; /* ... and what it did */
};

/* The writer's job on the thread pool: one LMDB write transaction with wb's meta and verified jobs. */
void ingest_write_work(uv_work_t *w);

#endif
