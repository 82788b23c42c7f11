/*
 * The ingest pipeline. Entries from peers wait in one FIFO of jobs; each
 * job's signatures are checked on libuv's thread pool (several jobs at
 * once, at a lower priority); a single writer, on a thread of its own,
 * takes the verified jobs at the head of the FIFO and stores them in one LMDB write transaction
 * (ct_batch_ingest with CT_INGEST_SIG_CHECKED), with the fork proofs,
 * checkpoint notes and remote sizes waiting. Back-pressure: a peer with
 * too much waiting is not read; with too much waiting overall no wants go
 * out. The writer's own work is ingest_write.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/proto/entry_check.h"
#include "ingest_internal.h"
#include "metrics.h"

static void schedule(struct node *n);

static void job_free(struct job *j)
{
	free(j->data);
	free(j->raw);
	free(j->raw_len);
	free(j->prep);
	free(j->packs);
	ct_buf_free(&j->proof_a);
	ct_buf_free(&j->proof_b);
	free(j);
}

static void meta_free(struct meta *m)
{
	ct_buf_free(&m->a);
	ct_buf_free(&m->b);
	ct_buf_free(&m->prev);
	ct_buf_free(&m->fork_a);
	ct_buf_free(&m->fork_b);
	ct_buf_free(&m->why);
	free(m);
}

/* ---- adding work ----------------------------------------------------------- */

static struct job *job_new(struct node *n, struct conn *c, const ct_action *a, uint64_t from, uint32_t count,
			   const uint8_t *data, size_t len)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->n = n;
	j->conn = c;
	memcpy(j->author, a->author, CT_KEY_BYTES);
	j->from = from;
	j->gen = a->gen;
	j->count = count;
	j->len = len;
	j->data = malloc(len ? len : 1);
	j->raw = calloc(count ? count : 1, sizeof(*j->raw));
	j->raw_len = calloc(count ? count : 1, sizeof(*j->raw_len));
	if (!j->data || !j->raw || !j->raw_len) {
		job_free(j);
		return NULL;
	}
	memcpy(j->data, data, len);
	return j;
}

static void enqueue(struct node *n, struct job *j)
{
	if (n->ing.tail)
		n->ing.tail->next = j;
	else
		n->ing.head = j;
	n->ing.tail = j;
	n->ing.queued += j->len;
	if (j->conn)
		j->conn->queued += j->len;
}

/* An INGEST action: the entries, cut into jobs of NODE_VERIFY_BATCH so that every thread gets some. */
void ingest_add(struct node *n, struct conn *c, const ct_action *a)
{
	ct_mp items = ct_mp_over(a->data, a->len);
	const uint8_t *start = a->data, *raw;
	uint32_t done = 0, k = 0;
	size_t rlen;

	while (done < a->count) {
		uint32_t take = a->count - done < NODE_VERIFY_BATCH ? a->count - done : NODE_VERIFY_BATCH;
		struct job *j;
		for (k = 0; k < take; k++)
			if (ct_mp_read_bin(&items, &raw, &rlen) < 0)
				return; /* cannot happen: proto checked the message */
		j = job_new(n, c, a, a->from + done, take, start, (size_t)(items.p - start));
		if (!j) {
			LOG(LOG_ERROR, "out of memory queueing entries for ingest");
			return;
		}
		enqueue(n, j);
		n->ing.total_in += take;
		done += take;
		start = items.p;
	}
	schedule(n);
}

static void meta_add(struct node *n, struct meta *m)
{
	struct meta **pp = &n->ing.meta;

	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	schedule(n);
}

void ingest_meta_fork(struct node *n, struct conn *c, const uint8_t *a, size_t a_len, const uint8_t *b,
		      size_t b_len)
{
	struct meta *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	m->kind = M_FORK;
	m->conn = c;
	if (ct_buf_put(&m->a, a, a_len) < 0 || ct_buf_put(&m->b, b, b_len) < 0) {
		meta_free(m);
		return;
	}
	meta_add(n, m);
}

void ingest_meta_note(struct node *n, struct conn *c, const uint8_t author[CT_KEY_BYTES], const uint8_t *note,
		      size_t len)
{
	struct meta *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	m->kind = netcp_is(note, len) ? M_NETNOTE : M_NOTE;
	m->conn = c;
	memcpy(m->author, author, CT_KEY_BYTES);
	if (ct_buf_put(&m->a, note, len) < 0) {
		meta_free(m);
		return;
	}
	meta_add(n, m);
}

static void meta_simple(struct node *n, enum meta_kind kind)
{
	struct meta *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	m->kind = kind;
	meta_add(n, m);
}

void ingest_meta_sign(struct node *n)
{
	meta_simple(n, M_SIGN);
}

void ingest_meta_witness_all(struct node *n)
{
	meta_simple(n, M_WITNESS_ALL);
}

void ingest_meta_netsign(struct node *n)
{
	meta_simple(n, M_NETSIGN);
}

void ingest_meta_confirm_own(struct node *n)
{
	meta_simple(n, M_CONFIRM);
}

void ingest_meta_remote_size(struct node *n, uint64_t size)
{
	struct meta *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	m->kind = M_REMOTE;
	m->size = size;
	meta_add(n, m);
}

void ingest_forget(struct node *n, struct conn *c)
{
	struct job *j;
	struct meta *m;

	for (j = n->ing.head; j; j = j->next)
		if (j->conn == c)
			j->conn = NULL;
	for (m = n->ing.meta; m; m = m->next)
		if (m->conn == c)
			m->conn = NULL;
	if (n->ing.batch) {
		for (j = n->ing.batch->jobs; j; j = j->next)
			if (j->conn == c)
				j->conn = NULL;
		for (m = n->ing.batch->meta; m; m = m->next)
			if (m->conn == c)
				m->conn = NULL;
	}
}

/* ---- signature checks (thread pool) -------------------------------------- */

/*
 * Checks entry k of a job: is the announced (author, seq), and its
 * signature verifies (from the bytes: proto/entry_check.h; the writer's
 * full decode refuses anything not canonical); a genesis founds this
 * node's network.
 */
/* Author and seq of entry k, its signing input appended to inputs. */
static int peek_entry(struct job *j, uint32_t k, ct_buf *inputs, const char author[CT_KEY_SHORT_LEN + 1])
{
	uint64_t seq = j->from + k, got_seq = 0;
	uint8_t got[CT_KEY_BYTES];
	char got_name[CT_KEY_SHORT_LEN + 1];
	int err;

	if ((err = ct_entry_peek_raw(j->raw[k], j->raw_len[k], got, &got_seq, inputs)) < 0) {
		snprintf(j->vdetail, sizeof(j->vdetail), "entry #%llu of %s…: %s: %s",
			 (unsigned long long)seq, author, ct_strerror(err), ct_error_last());
		return err;
	}
	if (memcmp(got, j->author, CT_KEY_BYTES) != 0 || got_seq != seq) {
		ct_key_short(got_name, got);
		snprintf(j->vdetail, sizeof(j->vdetail),
			 "entries message of %s… from #%llu holds entry #%llu of %s… at #%llu", author,
			 (unsigned long long)j->from, (unsigned long long)got_seq, got_name,
			 (unsigned long long)seq);
		return CT_EINVAL;
	}
	return 0;
}

/*
 * The rules of entry k past its signature, and its decode for the writer
 * (ct_entry_prepare: canonical form, schema, hash, index keys).
 */
static int check_entry(struct job *j, uint32_t k, bool sig_ok, const char author[CT_KEY_SHORT_LEN + 1])
{
	uint64_t seq = j->from + k;
	const ct_prepared *p = &j->prep[k];
	int err;

	if (!sig_ok) {
		snprintf(j->vdetail, sizeof(j->vdetail), "bad signature on entry #%llu of %s…",
			 (unsigned long long)seq, author);
		return CT_EBADSIG;
	}
	if ((err = ct_entry_prepare(&j->prep[k], j->raw[k], j->raw_len[k], CT_INGEST_SIG_CHECKED)) < 0) {
		snprintf(j->vdetail, sizeof(j->vdetail), "%s: %s", ct_strerror(err), ct_error_last());
		return err;
	}
	if (seq == 1 && p->type == CT_EV_NETWORK_GENESIS) {
		if (memcmp(p->hash, j->n->network, CT_HASH_BYTES) != 0) {
			snprintf(j->vdetail, sizeof(j->vdetail),
				 "genesis entry of %s… founds another network than this node's", author);
			return CT_EAUTH;
		}
	}
	return 0;
}

/*
 * The checks of a job, in two passes: every entry's shape, author and
 * seq, then the signatures of those all at once (with the author's table
 * of multiples when the job is long, caltrace/ledger/sigkey.h), then the rest in
 * order. The first entry that fails any check stops the job.
 */
/* The checks' priority, below the writer's (see the writer's thread, below): nice 10. */
#define CHECK_NICE 10

static void verify_work(uv_work_t *w)
{
	static __thread bool niced;

	if (!niced) { /* libuv's pool threads run nothing else of this node's that is urgent */
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), CHECK_NICE);
		niced = true;
	}
	struct job *j = container_of(w, struct job, work);
	ct_mp items = ct_mp_over(j->data, j->len);
	ct_buf inputs = CT_BUF_INIT; /* the signing inputs of the whole job */
	const ct_sigkey *key = NULL;
	ct_signed *sigs = NULL;
	size_t *at = NULL;
	bool *ok = NULL;
	uint32_t k, peeked = 0;
	size_t room, used = 0, n;
	int peek_err = 0, err;
	char author[CT_KEY_SHORT_LEN + 1];

	ct_key_short(author, j->author);
	sigs = malloc(j->count * sizeof(*sigs));
	at = malloc((j->count + 1) * sizeof(*at));
	ok = malloc(j->count * sizeof(*ok));
	j->prep = malloc(j->count * sizeof(*j->prep));
	if (!sigs || !at || !ok || !j->prep) {
		j->verr = CT_ENOMEM;
		snprintf(j->vdetail, sizeof(j->vdetail), "out of memory checking entries of %s…", author);
		goto out;
	}
	for (k = 0; k < j->count; k++) {
		at[k] = inputs.len;
		if (ct_mp_read_bin(&items, &j->raw[k], &j->raw_len[k]) < 0)
			break;
		if ((peek_err = peek_entry(j, k, &inputs, author)) < 0)
			break;
	}
	peeked = k;
	at[peeked] = inputs.len;
	for (k = 0; k < peeked; k++)
		sigs[k] = (ct_signed){j->raw[k] + j->raw_len[k] - CT_SIG_BYTES, inputs.ptr + at[k],
				      at[k + 1] - at[k]};
	/* a short job uses the author's table only if an earlier job built it */
	key = peeked >= NODE_SIGKEY_MIN ? ct_sigcache_get(j->n->sigkeys, j->author)
					: ct_sigcache_find(j->n->sigkeys, j->author);
	ct_sigkey_verify_many(key, j->author, peeked, sigs, ok);
	ct_sigcache_put(j->n->sigkeys, key);
	/* room to compress each entry here rather than on the writer (none: the writer does it) */
	for (k = 0, room = 0; k < peeked; k++)
		room += j->raw_len[k];
	j->packs = peeked ? malloc(room) : NULL;
	for (k = 0; k < peeked; k++) {
		if ((err = check_entry(j, k, ok[k], author)) < 0) {
			j->verr = err;
			goto out;
		}
		if (j->packs && ct_entry_pack(&j->prep[k], j->packs + used, j->raw_len[k], &n) == 0)
			used += n;
		j->good = k + 1;
	}
	j->verr = peek_err; /* 0 when every entry was read */
out:
	free(sigs);
	free(at);
	free(ok);
	ct_buf_free(&inputs);
}

static void after_verify(uv_work_t *w, int status)
{
	struct job *j = container_of(w, struct job, work);
	struct node *n = j->n;

	(void)status;
	n->ing.verifying--;
	j->state = J_VERIFIED;
	if (!n->stopping)
		schedule(n);
}

/* ---- back on the loop ---------------------------------------------------------- */

static void report_checkpoint(struct node *n, struct meta *m)
{
	struct cp_report r = {.err = m->result < 0 ? m->result : 0,
			      .detail = m->detail,
			      .author = m->author,
			      .result = m->wres,
			      .size = m->size,
			      .incoming = &m->a,
			      .prev = &m->prev,
			      .merged = &m->b,
			      .fork_a = &m->fork_a,
			      .fork_b = &m->fork_b};

	if (m->kind == M_SIGN)
		checkpoints_signed(n, &r);
	else
		checkpoints_witnessed(n, m->conn, &r);
}

static void report_meta(struct node *n, struct meta *m)
{
	ct_rpeer *origin = m->conn ? m->conn->rp : NULL;
	const char *from = m->conn ? m->conn->name : "a peer that left";
	ct_entry e;
	char author[CT_KEY_SHORT_LEN + 1] = "?";

	if (m->kind == M_NOTE || m->kind == M_SIGN) {
		report_checkpoint(n, m);
		return;
	}
	if (m->kind == M_NETSIGN || m->kind == M_NETNOTE) {
		struct ncp_report nr = {.err = m->result < 0 ? m->result : 0,
					.detail = m->detail,
					.signed_here = m->kind == M_NETSIGN,
					.result = m->nres,
					.incoming = &m->a,
					.prev = &m->prev,
					.merged = &m->b};
		if (ct_buf_put(&m->why, "", 1) == 0)
			nr.why = (const char *)m->why.ptr;
		netcp_done(n, m->conn, &nr);
		return;
	}
	if (m->kind == M_CONFIRM)
		restore_gate_cleared(n, m->result);
	if (m->kind == M_FORK && ct_entry_decode(&e, m->a.ptr, m->a.len) == 0)
		ct_key_short(author, e.author);
	if (m->result < 0 && m->result != CT_EEXISTS) {
		LOG(LOG_ERROR, "cannot store %s: %s",
		    m->kind == M_FORK	       ? "a fork proof"
		    : m->kind == M_WITNESS_ALL ? "the witnessed checkpoints"
					       : "replication state",
		    m->detail);
		return;
	}
	if (m->result == CT_EEXISTS)
		return;
	switch (m->kind) {
	case M_FORK:
		LOG(LOG_WARN, "fork: %s… equivocated (proof from peer %s); proof recorded, feed frozen",
		    author, from);
		netcp_fork_event(n);
		ct_repl_fork_recorded(n->repl, m->a.ptr, m->a.len, m->b.ptr, m->b.len, origin);
		break;
	case M_NOTE:
	case M_SIGN:
	case M_REMOTE:
	case M_WITNESS_ALL:
	case M_NETSIGN:
	case M_NETNOTE:
	case M_CONFIRM:
		break;
	}
}

static void report_job(struct node *n, struct job *j)
{
	ct_rpeer *rp = j->conn && j->conn->state == C_UP ? j->conn->rp : NULL;
	char author[CT_KEY_SHORT_LEN + 1];
	int rc;

	n->ing.appended += j->appended;
	n->ing.duplicates += j->duplicates;
	n->ing.pending += j->pending;
	metrics_ingest(j->count, j->good, j->appended, j->duplicates, j->pending, j->err);
	ct_key_short(author, j->author);
	if (j->err) {
		if (rp && ct_repl_blames(j->err))
			; /* logged with the disconnection below */
		else if (j->err == CT_ESEQ || j->err == CT_EFROZEN)
			LOG(LOG_DEBUG, "entries of %s… from #%llu not taken: %s", author,
			    (unsigned long long)j->from, j->detail);
		else
			LOG(LOG_WARN, "entries of %s… from #%llu not taken: %s", author,
			    (unsigned long long)j->from, j->detail);
	}
	/* once per feed (its first entries), not for every job of a long feed */
	if (j->pending)
		LOG(j->from == 1 ? LOG_INFO : LOG_DEBUG,
		    "%llu entries of %s… wait for their author's admission (from peer %s)",
		    (unsigned long long)j->pending, author, j->conn ? j->conn->name : "that left");
	rc = ct_repl_ingested(n->repl, rp, j->author, j->gen, j->err, j->head_after);
	if (rc < 0 && j->conn)
		conn_close(j->conn, j->detail, true);
	if (j->fork) {
		n->ing.forks++;
		LOG(LOG_WARN,
		    "fork: %s… signed two different entries at #%llu (one received from peer %s); proof "
		    "recorded, feed frozen",
		    author, (unsigned long long)j->fork_seq, j->conn ? j->conn->name : "that left");
		if (j->proof_a.len)
			ct_repl_fork_recorded(n->repl, j->proof_a.ptr, j->proof_a.len, j->proof_b.ptr,
					      j->proof_b.len, NULL);
	}
}

static void heads_changed(struct node *n, struct wbatch *wb)
{
	if (!wb->heads)
		return;
	node_set_heads(n, wb->heads, wb->nheads, wb->digest);
	wb->heads = NULL;
}

/* A progress line at most every 5 s while entries flow in. */
static void progress(struct node *n)
{
	uint64_t now = node_now(n);

	if (now - n->ing.last_logged < 5000)
		return;
	n->ing.last_logged = now;
	LOG(LOG_INFO,
	    "ingest: %llu entries stored, %llu already held, %llu pending admission, %zu KiB waiting",
	    (unsigned long long)n->ing.appended, (unsigned long long)n->ing.duplicates,
	    (unsigned long long)n->ing.pending, n->ing.queued / 1024);
}

/*
 * A write the store refused. A full store (its map at map_max, or the
 * disk) refuses every write that follows: then the node says so once, with
 * what to do, stops fetching (ingest_pressure) and tries again every
 * NODE_FULL_RETRY_MS; it serves what it holds meanwhile.
 */
static void write_failed(struct node *n, struct wbatch *wb)
{
	ct_map_info mi = {0};
	ct_reader *r = NULL;
	uint64_t held = 0;

	if (wb->err != CT_ENOSPACE) {
		LOG(LOG_ERROR, "cannot write to the store: %s", wb->detail);
		return;
	}
	if (n->store_full) {
		LOG(LOG_DEBUG, "the store is still full: %s", wb->detail);
	} else {
		ct_ledger_map_info(n->ledger, &mi);
		if (ct_reader_begin(&r, n->ledger) == 0) {
			uint64_t bytes;

			ct_read_stats(&held, &bytes, r);
			ct_reader_end(r);
		}
		LOG(LOG_ERROR,
		    "the store is full (%s): this node keeps serving the %llu entries it holds but fetches "
		    "and stores no more; free disk space, or stop caltraced and restart it with a larger map "
		    "(map_max in %s/config, or --map-max; the map is %llu MiB, at most %llu MiB). It tries "
		    "to write again every %d s",
		    wb->detail, (unsigned long long)held, n->home, (unsigned long long)(mi.map_bytes >> 20),
		    (unsigned long long)(mi.max_bytes >> 20), NODE_FULL_RETRY_MS / 1000);
	}
	n->store_full = true;
	n->full_at = node_now(n);
}

void ingest_full_retry(struct node *n)
{
	if (!n->store_full || node_now(n) - n->full_at < NODE_FULL_RETRY_MS)
		return;
	LOG(LOG_INFO, "the store was full %d s ago: fetching and writing again", NODE_FULL_RETRY_MS / 1000);
	n->store_full = false;
	ingest_pressure(n);
}

static void writer_stop(struct node *n);

static void after_write(uv_work_t *w, int status)
{
	struct wbatch *wb = container_of(w, struct wbatch, work);
	struct node *n = wb->n;
	struct job *j;
	struct meta *m;
	bool appended = false;

	(void)status;
	n->ing.batch = NULL;
	n->ing.writing = false;
	if (wb->compact) {
		compact_done(n, wb->err, wb->detail, &wb->cinfo, (double)(wb->committed - wb->started) / 1e9);
		free(wb);
		if (n->stopping)
			writer_stop(n);
		else
			schedule(n);
		return;
	}
	n->ing.commits++;
	n->ing.rate = n->ing.rate * exp2(-(double)(uv_now(n->loop) - n->ing.last_end) / 1000.0) + (double)wb->entries;
	n->ing.last_end = uv_now(n->loop);
	metrics_commit(wb->committed - wb->started, wb->err != 0);
	LOG(LOG_DEBUG,
	    "write: %llu entries, waited %.1f ms, ingest %.1f ms (cpu %.1f), commit %.1f ms (cpu %.1f)",
	    (unsigned long long)wb->entries, (double)(wb->started - wb->queued_at) / 1e6,
	    (double)(wb->ingested - wb->started) / 1e6, (double)wb->cpu_ingest / 1e6,
	    (double)(wb->committed - wb->ingested) / 1e6, (double)wb->cpu_commit / 1e6);
	if (wb->err && !n->stopping)
		write_failed(n, wb);
	while ((m = wb->meta)) {
		wb->meta = m->next;
		if (!n->stopping)
			report_meta(n, m);
		meta_free(m);
	}
	while ((j = wb->jobs)) {
		wb->jobs = j->next;
		n->ing.queued -= j->len;
		if (j->conn)
			j->conn->queued -= j->len;
		appended |= j->appended > 0;
		if (!n->stopping)
			report_job(n, j);
		job_free(j);
	}
	if (!n->stopping) {
		heads_changed(n, wb);
		checkpoints_after_commit(n, appended);
		netcp_after_commit(n, appended);
		progress(n);
		ingest_pressure(n);
		schedule(n);
	}
	free(wb->heads);
	free(wb);
	if (n->stopping)
		writer_stop(n);
}

/*
 * Whether the writer should run: 2 when enough verified entries head the
 * queue to be worth a commit (each costs an fsync), 1 when everything
 * queued is verified (nothing more is coming soon, or the queue is full),
 * 0 when not.
 */
static int write_due(const struct ingest *ing)
{
	uint64_t ready = 0;
	const struct job *j;

	for (j = ing->head; j && j->state == J_VERIFIED; j = j->next)
		if ((ready += j->count) >= NODE_COMMIT_MIN)
			return 2;
	return ready > 0 && !j;
}

/* Whether a store write other than entries should not wait for the pace: all but checkpoint notes. */
static bool meta_urgent(const struct meta *m)
{
	for (; m; m = m->next)
		if (m->kind != M_NOTE && m->kind != M_NETNOTE && m->kind != M_REMOTE)
			return true;
	return false;
}

static void on_pace(uv_timer_t *t)
{
	schedule(t->data);
}

/* Starts checks for waiting jobs, and the writer when verified jobs head the queue. */
static void schedule(struct node *n)
{
	struct ingest *ing = &n->ing;
	struct job *j, **pp;
	struct wbatch *wb;
	uint64_t entries = 0;
	int due;

	if (n->stopping)
		return;
	for (j = ing->head; j && ing->verifying < ing->max_verifying && ing->checked < NODE_CHECK_AHEAD;
	     j = j->next) {
		if (j->state != J_WAIT)
			continue;
		j->state = J_VERIFYING;
		ing->verifying++;
		ing->checked += j->count;
		uv_queue_work(n->loop, &j->work, verify_work, after_verify);
	}
	if (ing->writing || (!(due = write_due(ing)) && !ing->meta))
		return;
	/*
	 * A busy node commits at most once a NODE_PACE_MS, unless a full
	 * batch is ready: each commit rewrites every page it touched and
	 * syncs, and in a stream of small pushes a commit per push wrote each
	 * page of the random-key indexes many times over (docs/PERFORMANCE.md,
	 * "Commits paced"). A node that was quiet commits at once: a live
	 * push keeps its latency.
	 */
	if (due != 2 && !meta_urgent(ing->meta) && ing->rate >= NODE_PACE_ENTRIES &&
	    uv_now(n->loop) < ing->last_end + NODE_PACE_MS) {
		if (!uv_is_active((uv_handle_t *)&ing->pace))
			uv_timer_start(&ing->pace, on_pace, ing->last_end + NODE_PACE_MS - uv_now(n->loop), 0);
		return;
	}
	uv_timer_stop(&ing->pace);
	if (!(wb = calloc(1, sizeof(*wb))))
		return;
	wb->n = n;
	wb->meta = ing->meta;
	ing->meta = NULL;
	/* the verified jobs at the head, in order */
	for (pp = &wb->jobs; ing->head && ing->head->state == J_VERIFIED && entries < NODE_COMMIT_MAX;) {
		j = ing->head;
		ing->head = j->next;
		if (!ing->head)
			ing->tail = NULL;
		j->next = NULL;
		*pp = j;
		pp = &j->next;
		entries += j->count;
		ing->checked -= j->count;
	}
	ing->writing = true;
	ing->batch = wb;
	wb->entries = entries;
	wb->queued_at = uv_hrtime();
	uv_sem_post(&ing->go);
}

bool ingest_compact_start(struct node *n)
{
	struct ingest *ing = &n->ing;
	struct wbatch *wb;

	if (n->stopping || !ing->writer_up || ing->writing || ing->head || ing->meta || !(wb = calloc(1, sizeof(*wb))))
		return false;
	wb->n = n;
	wb->compact = true;
	wb->queued_at = uv_hrtime();
	ing->writing = true;
	ing->batch = wb;
	uv_sem_post(&ing->go);
	return true;
}

/* ---- the writer's thread ------------------------------------------------------------ */

/*
 * The single writer runs on a thread of its own, at the process's
 * priority, while the checks run on libuv's pool at a lower one
 * (verify_work): in a catch-up the writer is the serial part, and it should
 * not wait for a core behind the checks it will only need later
 * (docs/DECISIONS.md, "The writer on a thread of its own").
 */
static void writer_main(void *arg)
{
	struct node *n = arg;

	for (;;) {
		uv_sem_wait(&n->ing.go);
		if (__atomic_load_n(&n->ing.writer_quit, __ATOMIC_ACQUIRE))
			return;
		ingest_write_work(&n->ing.batch->work);
		__atomic_store_n(&n->ing.done, 1, __ATOMIC_RELEASE);
		uv_async_send(&n->ing.written);
	}
}

static void on_written(uv_async_t *a)
{
	struct node *n = a->data;

	if (__atomic_exchange_n(&n->ing.done, 0, __ATOMIC_ACQ_REL) && n->ing.batch)
		after_write(&n->ing.batch->work, 0);
}

int ingest_start(struct node *n)
{
	struct ingest *ing = &n->ing;

	if (uv_sem_init(&ing->go, 0) != 0) {
		LOG(LOG_ERROR, "cannot start the writer: no semaphore");
		return -1;
	}
	if (uv_async_init(n->loop, &ing->written, on_written) != 0) {
		uv_sem_destroy(&ing->go);
		LOG(LOG_ERROR, "cannot start the writer: no async handle");
		return -1;
	}
	ing->written.data = n;
	uv_timer_init(n->loop, &ing->pace);
	ing->pace.data = n;
	if (uv_thread_create(&ing->writer, writer_main, n) != 0) {
		uv_close((uv_handle_t *)&ing->written, NULL);
		uv_close((uv_handle_t *)&ing->pace, NULL);
		uv_sem_destroy(&ing->go);
		LOG(LOG_ERROR, "cannot start the writer's thread");
		return -1;
	}
	ing->writer_up = true;
	return 0;
}

/* Ends the writer's thread once it has no batch (on shutdown). */
static void writer_stop(struct node *n)
{
	struct ingest *ing = &n->ing;

	if (!ing->writer_up || ing->writing)
		return;
	__atomic_store_n(&ing->writer_quit, true, __ATOMIC_RELEASE);
	uv_sem_post(&ing->go);
	uv_thread_join(&ing->writer);
	uv_sem_destroy(&ing->go);
	uv_close((uv_handle_t *)&ing->written, NULL);
	uv_close((uv_handle_t *)&ing->pace, NULL);
	ing->writer_up = false;
}

/* Reads resume and wants go out again once the queues drained below half. */
void ingest_pressure(struct node *n)
{
	bool over = n->ing.queued > NODE_GLOBAL_QUEUE_MAX || n->store_full;

	if (over && !n->paused) {
		n->paused = true;
		ct_repl_pause(n->repl, true, node_now(n));
		LOG(LOG_DEBUG, "ingest queue full (%zu KiB): no more wants until it drains",
		    n->ing.queued / 1024);
	} else if (n->paused && !n->store_full && n->ing.queued < NODE_GLOBAL_QUEUE_MAX / 2) {
		n->paused = false;
		ct_repl_pause(n->repl, false, node_now(n));
	}
	for (struct conn *c = n->conns; c; c = c->next)
		if (c->held && c->queued < NODE_PEER_QUEUE_MAX / 2)
			conn_hold(c, false);
}

void ingest_shutdown(struct node *n)
{
	/* Checks not started yet are cancelled; running ones and the writer finish. */
	for (struct job *j = n->ing.head; j; j = j->next)
		if (j->state == J_VERIFYING)
			uv_cancel((uv_req_t *)&j->work);
	writer_stop(n); /* now if it has no batch, else when its batch is written (after_write) */
}

void ingest_free(struct node *n)
{
	struct job *j;
	struct meta *m;

	while ((j = n->ing.head)) {
		n->ing.head = j->next;
		job_free(j);
	}
	n->ing.tail = NULL;
	while ((m = n->ing.meta)) {
		n->ing.meta = m->next;
		meta_free(m);
	}
}
