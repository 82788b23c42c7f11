/*
 * The ingest pipeline's single writer (ingest.c has the queue and the
 * checks): on the thread pool, one LMDB write transaction stores a batch
 * of verified jobs (ct_batch_ingest with CT_INGEST_SIG_CHECKED) with the
 * fork proofs, checkpoint notes and remote sizes waiting, then reads back
 * what the loop needs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ingest_internal.h"

/*
 * Witnesses the checkpoint in m->a (signed by its author) with this
 * node's key: stored, merged, cosigned when it checks out (every node is a
 * witness, docs/DESIGN.md section 4). Cosignatures carry the wall clock's time.
 */
static int witness(ct_batch *b, struct node *n, struct meta *m)
{
	const uint8_t *fa, *fb;
	size_t fa_len, fb_len;
	int err;

	m->size = checkpoint_size(m->a.ptr, m->a.len);
	err = ct_witness_note(b, n->kp, (uint64_t)time(NULL), m->a.ptr, m->a.len, &m->b, &m->prev, &m->wres);
	if (err == 0 && m->wres == CT_WITNESS_FORK &&
	    ct_read_checkpoint_fork(&fa, &fa_len, &fb, &fb_len, ct_batch_reader(b), m->author) == 0) {
		if (ct_buf_put(&m->fork_a, fa, fa_len) < 0 ||
		    (fb_len && ct_buf_put(&m->fork_b, fb, fb_len) < 0))
			m->fork_a.len = m->fork_b.len = 0;
	}
	return err;
}

static void write_meta(ct_batch *b, struct node *n, struct meta *m)
{
	switch (m->kind) {
	case M_FORK:
		m->result = ct_batch_record_fork(b, m->a.ptr, m->a.len, m->b.ptr, m->b.len);
		break;
	case M_NOTE:
		m->result = witness(b, n, m);
		break;
	case M_SIGN:
		/* this node witnesses its own checkpoint too: the bureau's cosignature is the one proofs need
		 */
		memcpy(m->author, n->self, CT_KEY_BYTES);
		if ((m->result = ct_witness_sign_own(b, n->kp, &m->a)) == 0)
			m->result = witness(b, n, m);
		break;
	case M_WITNESS_ALL:
		m->result = ct_witness_all(b, n->kp, (uint64_t)time(NULL), NULL, NULL);
		if (m->result == CT_ESTATE)
			m->result = 0; /* no genesis yet: nothing to witness */
		break;
	case M_REMOTE:
		m->result = ct_batch_note_remote_size(b, n->self, m->size);
		break;
	case M_NETSIGN:
		m->result = ct_netcp_sign(b, n->kp, (uint64_t)time(NULL), &m->b);
		break;
	case M_NETNOTE:
		/* every node is a witness of network checkpoints (docs/CHECKPOINTS.md) */
		m->result = ct_netcp_witness(b, n->kp, (uint64_t)time(NULL), m->a.ptr, m->a.len, &m->b,
					     &m->prev, &m->why, &m->nres);
		break;
	case M_CONFIRM:
		m->result = ct_batch_set_restored(b, false);
		break;
	}
	if (m->result < 0 && m->result != CT_EEXISTS)
		snprintf(m->detail, sizeof(m->detail), "%s: %s", ct_strerror(m->result), ct_error_last());
}

static void write_job(ct_batch *b, struct job *j, uint64_t *trim_count)
{
	ct_ingest_result res;
	ct_feed_head h;
	char author[CT_KEY_SHORT_LEN + 1];
	uint32_t k;
	int err;

	ct_key_short(author, j->author);
	for (k = 0; k < j->good; k++) {
		if ((err = ct_batch_ingest_prepared(b, &j->prep[k], CT_INGEST_SIG_CHECKED, &res)) < 0) {
			j->err = err;
			snprintf(j->detail, sizeof(j->detail), "%s: %s", ct_strerror(err), ct_error_last());
			break;
		}
		j->appended += res == CT_INGEST_APPENDED;
		j->duplicates += res == CT_INGEST_DUPLICATE;
		j->pending += res == CT_INGEST_PENDING;
		if (res == CT_INGEST_FORK && !j->fork) {
			j->fork = true;
			j->fork_seq = j->from + k;
		}
		/*
		 * Each page the write reads through LMDB's map stays resident,
		 * with its neighbours (the kernel maps pages around a fault):
		 * let them go every so often, or a long catch-up would hold
		 * the whole store. LMDB's pointers stay valid; pages refault.
		 */
		if (++*trim_count % NODE_TRIM_ENTRIES == 0)
			node_trim(j->n);
	}
	if (!j->err && j->verr) {
		j->err = j->verr;
		snprintf(j->detail, sizeof(j->detail), "%s", j->vdetail);
	}
	err = ct_read_head(&h, ct_batch_reader(b), j->author);
	j->head_after = err == 0 ? h.size : 0;
}

/* What the loop needs after the commit: heads, digest, fork proofs. */
static void read_back(struct wbatch *wb)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	ct_reader *r = NULL;
	ct_feed_head h;

	if (ct_reader_begin(&r, wb->n->ledger) < 0)
		return;
	for (struct job *j = wb->jobs; j; j = j->next) {
		if (wb->err) {
			j->head_after = ct_read_head(&h, r, j->author) == 0 ? h.size : 0;
		}
		if (j->fork && ct_read_fork(&a, &alen, &b, &blen, r, j->author) == 0) {
			ct_buf_put(&j->proof_a, a, alen);
			ct_buf_put(&j->proof_b, b, blen);
		}
	}
	if (ct_read_heads(&wb->heads, &wb->nheads, r) < 0)
		wb->heads = NULL;
	ct_read_digest(wb->digest, r);
	ct_reader_end(r);
}

/* CPU time of the calling thread, ns (for the debug log). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ingest_write_work(uv_work_t *w)
{
	struct wbatch *wb = container_of(w, struct wbatch, work);
	struct node *n = wb->n;
	uint64_t trim_count = 0, cpu0 = thread_cpu_ns(), cpu1;
	ct_batch *b = NULL;
	int err;

	wb->started = uv_hrtime();
	if (wb->compact) {
		if ((wb->err = ct_ledger_compact_ask(n->ledger, NULL, &wb->cinfo)) < 0)
			snprintf(wb->detail, sizeof(wb->detail), "%s", ct_error_last());
		wb->committed = uv_hrtime();
		return;
	}
	if ((err = ct_batch_begin(&b, n->ledger)) < 0)
		goto failed;
	for (struct meta *m = wb->meta; m; m = m->next)
		write_meta(b, n, m);
	for (struct job *j = wb->jobs; j; j = j->next)
		write_job(b, j, &trim_count);
	wb->ingested = uv_hrtime();
	cpu1 = thread_cpu_ns();
	wb->cpu_ingest = cpu1 - cpu0;
	if ((err = ct_batch_commit(b)) < 0)
		goto failed;
	wb->committed = uv_hrtime();
	wb->cpu_commit = thread_cpu_ns() - cpu1;
	read_back(wb);
	/* What this write touched of the store would stay resident: let it go. */
	node_trim(n);
	return;
failed:
	wb->err = err;
	snprintf(wb->detail, sizeof(wb->detail), "%s", ct_error_last());
	for (struct job *j = wb->jobs; j; j = j->next) {
		j->err = err;
		snprintf(j->detail, sizeof(j->detail), "the store refused the write: %.250s", wb->detail);
		j->fork = false;
	}
	for (struct meta *m = wb->meta; m; m = m->next)
		m->result = err;
	read_back(wb);
}
