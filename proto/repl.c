/*
 * The replication state machine (proto/repl.h): which peer to ask for
 * what, what to push to whom, when a peer broke the protocol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "repl_internal.h"

void ct__repl_emit(ct_repl *r, const ct_action *a)
{
	r->o.emit(r->o.ctx, a);
}

void ct__repl_send(ct_repl *r, ct_rpeer *p)
{
	ct_action a = {.kind = CT_ACT_SEND, .peer = p, .data = r->msg.ptr, .len = r->msg.len};

	ct__repl_emit(r, &a);
}

/* ---- feeds and views ------------------------------------------------------ */

/* Position of author in r->order (where it is or would go); *found says which. */
static size_t feed_pos(const ct_repl *r, const uint8_t author[CT_KEY_BYTES], bool *found)
{
	size_t lo = 0, hi = r->nfeeds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(r->feeds[r->order[mid]].author, author, CT_KEY_BYTES);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Index of author's feed, or -1. */
static long feed_find(const ct_repl *r, const uint8_t author[CT_KEY_BYTES])
{
	bool found;
	size_t pos = feed_pos(r, author, &found);

	return found ? (long)r->order[pos] : -1;
}

/* Index of author's feed, added (empty) when new. Errors: CT_EFULL, CT_ENOMEM. */
static long feed_get(ct_repl *r, const uint8_t author[CT_KEY_BYTES])
{
	bool found;
	size_t pos = feed_pos(r, author, &found);
	struct feed *f;

	if (found)
		return (long)r->order[pos];
	if (r->nfeeds >= r->o.max_feeds)
		return ct_error_set(CT_EFULL, "more than %zu feeds announced", r->o.max_feeds);
	if (r->nfeeds == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct feed *feeds = realloc(r->feeds, cap * sizeof(*feeds));
		uint32_t *order;
		if (!feeds)
			return ct_error_set(CT_ENOMEM, "out of memory tracking feeds");
		r->feeds = feeds;
		if (!(order = realloc(r->order, cap * sizeof(*order))))
			return ct_error_set(CT_ENOMEM, "out of memory tracking feeds");
		r->order = order;
		r->cap = cap;
	}
	f = &r->feeds[r->nfeeds];
	memset(f, 0, sizeof(*f));
	memcpy(f->author, author, CT_KEY_BYTES);
	memmove(r->order + pos + 1, r->order + pos, (r->nfeeds - pos) * sizeof(*r->order));
	r->order[pos] = (uint32_t)r->nfeeds;
	return (long)r->nfeeds++;
}

struct view *ct__repl_view(ct_rpeer *p, size_t i)
{
	if (i >= p->nviews) {
		size_t n = p->r->cap > i ? p->r->cap : i + 1;
		struct view *v = realloc(p->views, n * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + p->nviews, 0, (n - p->nviews) * sizeof(*v));
		p->views = v;
		p->nviews = n;
	}
	return &p->views[i];
}

/* p holds at least size entries of feed i (head when known). */
static int saw_size(ct_repl *r, ct_rpeer *p, size_t i, uint64_t size, const uint8_t *head)
{
	struct feed *f = &r->feeds[i];
	struct view *v = ct__repl_view(p, i);

	if (!v)
		return ct_error_set(CT_ENOMEM, "out of memory tracking a peer");
	if (!v->known || size > v->size) {
		v->size = size;
		v->has_head = false;
	}
	if (head && size == v->size) {
		v->has_head = true;
		memcpy(v->head, head, CT_HASH_BYTES);
	}
	v->known = true;
	if (memcmp(f->author, r->self, CT_KEY_BYTES) == 0 && size > f->local && size > r->own_reported) {
		ct_action a = {.kind = CT_ACT_REMOTE_SIZE, .peer = p, .author = f->author, .to = size};
		r->own_reported = size;
		ct__repl_emit(r, &a);
	}
	return 0;
}

/* ---- fetching ------------------------------------------------------------ */

static void send_want(ct_repl *r, ct_rpeer *p, size_t i, uint64_t from, uint64_t to, bool probe)
{
	struct feed *f = &r->feeds[i];
	struct view *v = &p->views[i];

	r->msg.len = 0;
	if (ct_msg_want(&r->msg, f->author, from, to) < 0)
		return;
	v->want = true;
	v->cancelled = false;
	v->probe = probe;
	v->want_next = from;
	v->want_to = to;
	v->want_time = r->now;
	if (probe)
		v->probed = from;
	f->claimant = p;
	p->wants_out++;
	ct__repl_send(r, p);
}

/* Asks p for feed i when p is ahead (or shows a different head at our size). */
static bool try_claim(ct_repl *r, ct_rpeer *p, size_t i)
{
	struct feed *f = &r->feeds[i];
	struct view *v;
	uint64_t to;

	if (i >= p->nviews || !(v = &p->views[i])->known || v->want)
		return false;
	if (v->size > f->cursor) {
		to = f->cursor + r->o.window;
		send_want(r, p, i, f->cursor + 1, v->size < to ? v->size : to, false);
		return true;
	}
	/* Same size, another head: fetch its entry there; ingest records the fork. */
	if (f->local > 0 && v->size == f->local && v->has_head && f->cursor == f->local &&
	    memcmp(v->head, f->head, CT_HASH_BYTES) != 0 && v->probed != f->local) {
		send_want(r, p, i, f->local, f->local, true);
		return true;
	}
	return false;
}

void ct__repl_plan(ct_repl *r)
{
	ct_rpeer *p;
	size_t i;

	if (r->paused)
		return;
	for (i = 0; i < r->nfeeds; i++) {
		struct feed *f = &r->feeds[i];
		if (f->claimant || f->forked || f->stalled)
			continue;
		for (p = r->peers; p; p = p->next) {
			if (!p->hello || p->wants_out >= r->o.max_wants)
				continue;
			if (try_claim(r, p, i))
				break;
		}
	}
}

/* Drops feed i's claim: entries still coming for it are ignored. */
static void cancel_claim(ct_repl *r, size_t i)
{
	struct feed *f = &r->feeds[i];

	if (f->claimant) {
		f->claimant->views[i].cancelled = true;
		f->claimant = NULL;
	}
}

/* ---- announcing ----------------------------------------------------------- */

/*
 * Tells p that feed i grew: a push when p is known to lack only a few
 * entries, else a have (p then asks). Our hello went first, so this may
 * come before p's hello.
 */
static void announce(ct_repl *r, ct_rpeer *p, size_t i)
{
	struct feed *f = &r->feeds[i];
	struct view *v = ct__repl_view(p, i);
	uint64_t has;

	if (!v || f->forked || f->local == 0)
		return;
	has = v->known ? v->size : 0;
	if (has >= f->local || v->told >= f->local)
		return;
	v->told = f->local;
	if (v->known && f->local - has <= r->o.push_max && v->serving == 0 && !v->want) {
		ct_action a = {.kind = CT_ACT_SERVE,
			       .peer = p,
			       .author = f->author,
			       .from = has + 1,
			       .to = f->local,
			       .flags = CT_ENTRIES_PUSH};
		p->entries_out += f->local - has;
		v->known = true;
		v->size = f->local;
		v->has_head = true;
		memcpy(v->head, f->head, CT_HASH_BYTES);
		ct__repl_emit(r, &a);
		return;
	}
	r->msg.len = 0;
	if (ct_msg_have(&r->msg, f->author, f->local, f->head) == 0)
		ct__repl_send(r, p);
}

int ct_repl_set_heads(ct_repl *r, const ct_feed_head *heads, size_t count)
{
	bool changed = false;
	size_t k;
	long i;

	for (k = 0; k < count; k++) {
		const ct_feed_head *h = &heads[k];
		struct feed *f;
		uint64_t old;

		if ((i = feed_get(r, h->author)) < 0)
			return (int)i;
		f = &r->feeds[i];
		old = f->local;
		if (old == h->size && f->forked == h->forked &&
		    (h->size == 0 || !memcmp(f->head, h->head, CT_HASH_BYTES)))
			continue;
		changed = true;
		f->local = h->size;
		memcpy(f->head, h->head, CT_HASH_BYTES);
		f->forked = h->forked;
		if (f->cursor < f->local)
			f->cursor = f->local;
		if (f->forked)
			cancel_claim(r, (size_t)i);
		if (f->local > old)
			for (ct_rpeer *p = r->peers; p; p = p->next)
				announce(r, p, (size_t)i);
	}
	if (changed)
		for (k = 0; k < r->nfeeds; k++)
			r->feeds[k].stalled = false;
	ct__repl_plan(r);
	return 0;
}

/* ---- peers ---------------------------------------------------------------- */

/* ---- messages ------------------------------------------------------------- */

static int on_hello(ct_repl *r, ct_rpeer *p, ct_msg *m)
{
	ct_wire_head h;
	long i;
	int err;

	if (p->hello)
		return ct_error_set(CT_EINVAL, "protocol: a second hello");
	if (m->version != CT_PROTO_VERSION)
		return ct_error_set(CT_EINVAL, "protocol version %llu, this node speaks %d",
				 (unsigned long long)m->version, CT_PROTO_VERSION);
	p->hello = true;
	while (ct_msg_next_head(m, &h)) {
		if ((i = feed_get(r, h.author)) < 0)
			return (int)i;
		if ((err = saw_size(r, p, (size_t)i, h.size, h.has_head ? h.head : NULL)) < 0)
			return err;
		p->views[i].forked = h.flags & CT_HEAD_FORKED;
	}
	ct__repl_plan(r);
	return 0;
}

static int on_have(ct_repl *r, ct_rpeer *p, const ct_msg *m)
{
	long i;
	int err;

	if ((i = feed_get(r, m->author)) < 0)
		return (int)i;
	if ((err = saw_size(r, p, (size_t)i, m->size, m->head)) < 0)
		return err;
	ct__repl_plan(r);
	return 0;
}

static int on_want(ct_repl *r, ct_rpeer *p, const ct_msg *m)
{
	ct_action a = {.kind = CT_ACT_SERVE, .peer = p, .author = m->author, .from = m->from, .to = m->to};
	long i = feed_find(r, m->author);
	struct view *v;

	if (p->serves >= r->o.max_serves)
		return ct_error_set(CT_EINVAL, "flood: more than %u wants outstanding", r->o.max_serves);
	if (m->to - m->from >= CT_WANT_SPAN_MAX)
		return ct_error_set(CT_EINVAL, "a want of %llu entries, over the limit of %d",
				 (unsigned long long)(m->to - m->from + 1), CT_WANT_SPAN_MAX);
	p->serves++;
	if (i >= 0 && (v = ct__repl_view(p, (size_t)i)) != NULL) {
		uint64_t served = m->to < r->feeds[i].local ? m->to : r->feeds[i].local;
		v->serving++;
		if (m->from > 1)
			saw_size(r, p, (size_t)i, m->from - 1, NULL);
		/* It will hold what we send: no need to push or announce that again. */
		if (served > v->size) {
			v->size = served;
			v->has_head = false;
			v->known = true;
		}
		if (v->told < served)
			v->told = served;
	}
	p->entries_out += m->to - m->from + 1;
	ct__repl_emit(r, &a);
	return 0;
}

/* Unsolicited entries: taken only when they continue the feed exactly and nobody is asked for it. */
static int on_push(ct_repl *r, ct_rpeer *p, size_t i, const ct_msg *m)
{
	struct feed *f = &r->feeds[i];
	ct_action a = {
	    .kind = CT_ACT_INGEST, .peer = p, .author = f->author, .from = m->from, .count = m->count};

	if (m->count == 0 || m->count > r->o.push_max || f->claimant || f->forked || m->from != f->cursor + 1)
		return 0;
	f->cursor = m->from + m->count - 1;
	a.to = f->cursor;
	a.gen = f->gen;
	a.data = m->items.p;
	a.len = (size_t)(m->items.end - m->items.p);
	p->entries_in += m->count;
	ct__repl_emit(r, &a);
	return 0;
}

/* Entries answering our want. */
static int on_answer(ct_repl *r, ct_rpeer *p, size_t i, const ct_msg *m)
{
	struct feed *f = &r->feeds[i];
	struct view *v = &p->views[i];
	uint64_t last = m->from + m->count - 1;
	char name[CT_KEY_SHORT_LEN + 1];

	ct_key_short(name, f->author);
	if (!v->want)
		return ct_error_set(CT_EINVAL, "protocol: entries of %s… that were not asked for", name);
	if (m->from != v->want_next)
		return ct_error_set(CT_EINVAL, "protocol: entries of %s… from #%llu, #%llu was expected", name,
				 (unsigned long long)m->from, (unsigned long long)v->want_next);
	if (m->count > 0 && last > v->want_to)
		return ct_error_set(CT_EINVAL,
				 "protocol: entries of %s… up to #%llu, only up to #%llu were asked for",
				 name, (unsigned long long)last, (unsigned long long)v->want_to);
	v->want_time = r->now;
	if (m->count > 0) {
		v->want_next = last + 1;
		if (!v->cancelled) {
			ct_action a = {.kind = CT_ACT_INGEST,
				       .peer = p,
				       .author = f->author,
				       .from = m->from,
				       .to = last,
				       .count = m->count,
				       .gen = f->gen,
				       .data = m->items.p,
				       .len = (size_t)(m->items.end - m->items.p)};
			if (!v->probe && f->cursor < last)
				f->cursor = last;
			p->entries_in += m->count;
			ct__repl_emit(r, &a);
		}
	}
	if (m->flags & CT_ENTRIES_LAST) {
		if (!v->probe && v->want_next <= v->want_to && v->size >= v->want_next) {
			v->size = v->want_next - 1; /* it holds less than it said */
			v->has_head = false;
		}
		v->want = false;
		p->wants_out--;
		if (f->claimant == p)
			f->claimant = NULL;
		ct__repl_plan(r);
	}
	return 0;
}

static int on_entries(ct_repl *r, ct_rpeer *p, const ct_msg *m)
{
	long i;
	int err;

	if ((i = feed_get(r, m->author)) < 0)
		return (int)i;
	if (!ct__repl_view(p, (size_t)i))
		return ct_error_set(CT_ENOMEM, "out of memory tracking a peer");
	if (m->count > 0 && (err = saw_size(r, p, (size_t)i, m->from + m->count - 1, NULL)) < 0)
		return err;
	if (m->flags & CT_ENTRIES_PUSH) {
		if (m->flags & CT_ENTRIES_LAST)
			return ct_error_set(CT_EINVAL, "protocol: a push flagged as the last answer to a want");
		err = on_push(r, p, (size_t)i, m);
		ct__repl_plan(r);
		return err;
	}
	return on_answer(r, p, (size_t)i, m);
}

static int on_fork(ct_repl *r, ct_rpeer *p, const ct_msg *m)
{
	ct_action a = {
	    .kind = CT_ACT_FORK, .peer = p, .data = m->a, .len = m->a_len, .data2 = m->b, .len2 = m->b_len};
	ct_entry e;
	int err;

	if ((err = ct_fork_proof_check(m->a, m->a_len, m->b, m->b_len)) < 0)
		return ct_error_wrap(CT_EINVAL, "bad fork proof");
	if (ct_entry_decode(&e, m->a, m->a_len) == 0) {
		long i = feed_find(r, e.author);
		if (i >= 0 && r->feeds[i].forked)
			return 0; /* known already */
		a.author = e.author;
	}
	ct__repl_emit(r, &a);
	return 0;
}

static int on_message(ct_repl *r, ct_rpeer *p, ct_msg *m)
{
	switch (m->type) {
	case CT_MSG_HELLO:
		return on_hello(r, p, m);
	case CT_MSG_ERROR:
		return ct_error_set(CT_ERROR, "the peer reports error %llu: %.*s", (unsigned long long)m->code,
				 (int)m->text_len, m->text);
	case CT_MSG_PING:
		r->msg.len = 0;
		if (ct_msg_pong(&r->msg, m->nonce) == 0)
			ct__repl_send(r, p);
		return 0;
	case CT_MSG_PONG:
		if (m->nonce == p->ping_nonce)
			p->ping_sent = 0;
		return 0;
	default:
		break;
	}
	if (!p->hello)
		return ct_error_set(CT_EINVAL, "protocol: %s before hello", ct_msg_name(m->type));
	switch (m->type) {
	case CT_MSG_WANT:
		return on_want(r, p, m);
	case CT_MSG_ENTRIES:
		return on_entries(r, p, m);
	case CT_MSG_HAVE:
		return on_have(r, p, m);
	case CT_MSG_FORK:
		return on_fork(r, p, m);
	case CT_MSG_CHECKPOINT: {
		ct_action a = {.kind = CT_ACT_CHECKPOINT,
			       .peer = p,
			       .author = m->author,
			       .data = m->note,
			       .len = m->note_len};
		ct__repl_emit(r, &a);
		return 0;
	}
	default:
		return ct_error_set(CT_EINVAL, "protocol: unexpected %s", ct_msg_name(m->type));
	}
}

int ct_repl_receive(ct_repl *r, ct_rpeer *p, const uint8_t *buf, size_t len, uint64_t now)
{
	ct_msg m;
	int err;

	r->now = now;
	p->last_recv = now;
	if ((err = ct_msg_decode(&m, buf, len)) < 0)
		return ct_error_wrap(err, "malformed message");
	return on_message(r, p, &m);
}

/* ---- outcomes and timers ------------------------------------------------- */

bool ct_repl_blames(int err)
{
	switch (err) {
	case CT_EBADSIG:
	case CT_ENONCANON:
	case CT_ETRUNC:
	case CT_ETOOBIG:
	case CT_EINVAL:
	case CT_ESCHEMA:
	case CT_EAUTH:
		return true;
	default:
		return false;
	}
}

int ct_repl_ingested(ct_repl *r, ct_rpeer *p, const uint8_t author[CT_KEY_BYTES], uint64_t gen, int err,
		     uint64_t head_after)
{
	long i = feed_find(r, author);
	struct feed *f;

	if (err == 0 || i < 0)
		return err && p && ct_repl_blames(err) ? err : 0;
	f = &r->feeds[i];
	if (gen == f->gen) {
		/* Entries after the failure will not come: fetch again from the stored head. */
		f->gen++;
		f->cursor = head_after > f->local ? head_after : f->local;
		cancel_claim(r, (size_t)i);
		if (err == CT_EFULL)
			f->stalled = true;
	}
	if (p && ct_repl_blames(err))
		return err;
	ct__repl_plan(r);
	return 0;
}

void ct_repl_served(ct_repl *r, ct_rpeer *p, const uint8_t author[CT_KEY_BYTES])
{
	long i = feed_find(r, author);

	if (p->serves)
		p->serves--;
	if (i >= 0 && (size_t)i < p->nviews && p->views[i].serving)
		p->views[i].serving--;
}

/* ---- introspection ------------------------------------------------------- */
