/*
 * Checkpoints, done by the node on its own (docs/DESIGN.md section 4,
 * docs/CHECKPOINTS.md): signing its own feed's head when it grew, and
 * witnessing what peers send. The store writes happen in the ingest
 * writer (ingest.c, meta kinds M_SIGN and M_NOTE); this file decides when
 * to sign, what to gossip afterwards, and which checkpoints to witness
 * again once the node caught up with their feed.
 *
 * Gossip ends: a note goes on only when this node's stored copy gained
 * signature lines, and lines only accumulate (a bounded set of keys).
 * Every node cosigns, so a checkpoint's note changes once per cosigner at
 * every node; a changed note waits NODE_GOSSIP_MS in the outbox, where
 * later changes of the same checkpoint replace it, and goes on once.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/proof/note.h"
#include "metrics.h"
#include "node.h"

/* A checkpoint of a feed this node holds fewer entries of, to witness later. */
struct ahead {
	struct ahead *next;
	uint8_t author[CT_KEY_BYTES];
	uint64_t size;
	ct_buf note;
};

/* A note to pass on: the newest merged copy of one checkpoint body. */
struct outgoing {
	struct outgoing *next;
	uint8_t author[CT_KEY_BYTES];
	uint8_t origin[CT_KEY_BYTES]; /* the peer that has this very copy */
	bool has_origin;
	uint64_t due;
	size_t text_len; /* the note's text: its bytes up to the blank line */
	ct_buf note;
};

/* Bytes of the text of a note (through the newline before the blank line). */
static size_t text_len(const ct_buf *note)
{
	const uint8_t *p = note->len ? memmem(note->ptr, note->len, "\n\n", 2) : NULL;

	return p ? (size_t)(p - note->ptr) + 1 : note->len;
}

/* Queues note (author's) to go on to every peer but origin_key's (may be NULL) when due. */
static void gossip_later(struct node *n, const uint8_t author[CT_KEY_BYTES], const ct_buf *note,
			 const uint8_t *origin_key)
{
	struct outgoing *o;
	size_t tl = text_len(note);

	for (o = n->cp.out; o; o = o->next)
		if (!memcmp(o->author, author, CT_KEY_BYTES) && o->text_len == tl &&
		    !memcmp(o->note.ptr, note->ptr, tl))
			break;
	if (!o) {
		if (!(o = calloc(1, sizeof(*o)))) {
			ct_repl_note_stored_except(n->repl, author, note->ptr, note->len, origin_key);
			return;
		}
		memcpy(o->author, author, CT_KEY_BYTES);
		o->text_len = tl;
		o->due = node_now(n) + NODE_GOSSIP_MS;
		o->next = n->cp.out;
		n->cp.out = o;
		n->cp.nout++;
	}
	o->has_origin = origin_key != NULL;
	if (origin_key)
		memcpy(o->origin, origin_key, CT_KEY_BYTES);
	o->note.len = 0;
	if (ct_buf_put(&o->note, note->ptr, note->len) < 0)
		o->note.len = 0;
}

/* Sends the queued notes that are due (all of them when all is set). */
void checkpoints_gossip(struct node *n, bool all)
{
	struct outgoing **pp = &n->cp.out, *o;
	uint64_t now = node_now(n);

	while ((o = *pp)) {
		if (!all && o->due > now) {
			pp = &o->next;
			continue;
		}
		*pp = o->next;
		n->cp.nout--;
		if (o->note.len)
			ct_repl_note_stored_except(n->repl, o->author, o->note.ptr, o->note.len,
						   o->has_origin ? o->origin : NULL);
		ct_buf_free(&o->note);
		free(o);
	}
}

uint64_t node_own_size(const struct node *n)
{
	for (size_t i = 0; i < n->nheads; i++)
		if (!memcmp(n->heads[i].author, n->self, CT_KEY_BYTES))
			return n->heads[i].size;
	return 0;
}

static uint64_t head_of(const struct node *n, const uint8_t author[CT_KEY_BYTES])
{
	for (size_t i = 0; i < n->nheads; i++)
		if (!memcmp(n->heads[i].author, author, CT_KEY_BYTES))
			return n->heads[i].size;
	return 0;
}

/*
 * The poll timer: signs when the own feed grew and then stayed still for
 * NODE_CHECKPOINT_QUIET_MS (a batch of CLI appends is over), or has kept
 * growing for NODE_CHECKPOINT_MAX_MS since the last signature.
 */
void checkpoints_poll(struct node *n)
{
	struct node_cp *cp = &n->cp;
	uint64_t now = node_now(n), own = node_own_size(n);

	if (own != cp->seen) {
		cp->seen = own;
		cp->changed_at = now;
		if (!cp->unsigned_since)
			cp->unsigned_since = now;
	}
	if (own <= cp->signed_size || cp->signing || n->own_reported || n->stopping)
		return;
	if (now - cp->changed_at < NODE_CHECKPOINT_QUIET_MS &&
	    now - cp->unsigned_since < NODE_CHECKPOINT_MAX_MS)
		return;
	cp->signing = true;
	cp->signing_size = own;
	ingest_meta_sign(n);
}

/* Whether a note has a cosignature line of this node. */
static bool has_own_cosig(const struct node *n, const ct_buf *note)
{
	char needle[2 * CT_KEY_BYTES + sizeof(CT_COSIG_NAME_PART) + 8];

	memcpy(needle, CT_COSIG_NAME_PART, sizeof(CT_COSIG_NAME_PART) - 1);
	ct_hex(needle + sizeof(CT_COSIG_NAME_PART) - 1, n->self, CT_KEY_BYTES);
	strcat(needle, " ");
	return note->len && memmem(note->ptr, note->len, needle, strlen(needle)) != NULL;
}

static bool same(const ct_buf *a, const ct_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Keeps a checkpoint the node cannot witness yet (one per author and size). */
static void keep_ahead(struct node *n, const uint8_t author[CT_KEY_BYTES], uint64_t size, const ct_buf *note)
{
	struct ahead *a;

	for (a = n->cp.ahead; a; a = a->next)
		if (!memcmp(a->author, author, CT_KEY_BYTES) && a->size == size)
			break;
	if (!a) {
		if (n->cp.nahead >= NODE_AHEAD_MAX) {
			n->cp.witness_all_due = true; /* it is stored: a full pass finds it */
			return;
		}
		if (!(a = calloc(1, sizeof(*a))))
			return;
		memcpy(a->author, author, CT_KEY_BYTES);
		a->size = size;
		a->next = n->cp.ahead;
		n->cp.ahead = a;
		n->cp.nahead++;
	}
	a->note.len = 0;
	if (ct_buf_put(&a->note, note->ptr, note->len) < 0)
		a->note.len = 0;
}

/* After a commit: the checkpoints kept for later whose entries are now held go to the writer. */
void checkpoints_after_commit(struct node *n, bool appended)
{
	struct ahead **pp = &n->cp.ahead, *a;

	if (!appended)
		return;
	if (n->cp.witness_all_due) {
		n->cp.witness_all_due = false;
		ingest_meta_witness_all(n);
	}
	while ((a = *pp)) {
		if (a->size > head_of(n, a->author) || !a->note.len) {
			pp = &a->next;
			continue;
		}
		*pp = a->next;
		n->cp.nahead--;
		ingest_meta_note(n, NULL, a->author, a->note.ptr, a->note.len);
		ct_buf_free(&a->note);
		free(a);
	}
}

void checkpoints_signed(struct node *n, const struct cp_report *r)
{
	struct node_cp *cp = &n->cp;

	cp->signing = false;
	if (r->err < 0) {
		/* not again until the feed grows: a refusal here (a held checkpoint ahead of the store) lasts
		 */
		cp->signed_size = cp->signing_size;
		LOG(LOG_WARN, "cannot sign a checkpoint of this node's feed at %llu entries: %s",
		    (unsigned long long)cp->signing_size, r->detail);
		return;
	}
	cp->signed_size = r->size;
	metrics_checkpoint_signed();
	cp->unsigned_since = node_own_size(n) > r->size ? node_now(n) : 0;
	LOG(LOG_INFO, "signed a checkpoint of this node's feed at %llu entries", (unsigned long long)r->size);
	ct_repl_note_stored(n->repl, n->self, r->merged->ptr, r->merged->len, NULL);
}

static void report_fork(struct node *n, const struct cp_report *r, const char *from, ct_rpeer *origin)
{
	char author[CT_KEY_SHORT_LEN + 1];

	ct_key_short(author, r->author);
	n->ing.forks++;
	LOG(LOG_WARN,
	    "checkpoint fork: %s… signed two checkpoints of its feed that cannot both be true (one "
	    "received from peer %s); proof recorded, feed frozen",
	    author, from);
	/* carried like an entry fork: a peer given both notes (or the one note and the entries) sees it */
	if (r->fork_a->len)
		ct_repl_note_stored(n->repl, r->author, r->fork_a->ptr, r->fork_a->len, origin);
	if (r->fork_b->len)
		ct_repl_note_stored(n->repl, r->author, r->fork_b->ptr, r->fork_b->len, origin);
}

void checkpoints_witnessed(struct node *n, struct conn *c, const struct cp_report *r)
{
	ct_rpeer *origin = c && c->state == C_UP ? c->rp : NULL;
	const char *from = c ? c->name : "a peer that left";
	char author[CT_KEY_SHORT_LEN + 1];

	ct_key_short(author, r->author);
	if (r->err < 0) {
		LOG(LOG_DEBUG, "checkpoint of %s… from peer %s not taken: %s", author, from, r->detail);
		return;
	}
	switch (r->result) {
	case CT_WITNESS_FORK:
		report_fork(n, r, from, origin);
		return;
	case CT_WITNESS_AHEAD:
		keep_ahead(n, r->author, r->size, r->merged);
		break;
	case CT_WITNESS_COSIGNED:
		if (!has_own_cosig(n, r->prev) && has_own_cosig(n, r->merged)) {
			metrics_checkpoint_witnessed();
			LOG(LOG_DEBUG, "cosigned a checkpoint of %s… at %llu entries", author,
			    (unsigned long long)r->size);
		}
		break;
	case CT_WITNESS_FROZEN:
		break;
	}
	if (same(r->merged, r->prev))
		return; /* nothing new here: the gossip ends */
	/* the sender has it already unless this node added lines it lacked */
	gossip_later(n, r->author, r->merged,
		     same(r->merged, r->incoming) && origin ? ct_rpeer_key(origin) : NULL);
}

void checkpoints_free(struct node *n)
{
	struct outgoing *o;
	struct ahead *a;

	while ((o = n->cp.out)) {
		n->cp.out = o->next;
		ct_buf_free(&o->note);
		free(o);
	}
	n->cp.nout = 0;
	while ((a = n->cp.ahead)) {
		n->cp.ahead = a->next;
		ct_buf_free(&a->note);
		free(a);
	}
	n->cp.nahead = 0;
}

uint64_t checkpoint_size(const uint8_t *note, size_t len)
{
	ct_note *n = NULL;
	ct_checkpoint cp;
	uint64_t size = 0;

	if (ct_note_parse(&n, note, len) == 0 && ct_checkpoint_parse(&cp, n->text, n->text_len) == 0)
		size = cp.size;
	ct_note_free(n);
	return size;
}
