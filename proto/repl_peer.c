/*
 * The replication state machine's peers and clocks (proto/repl.h): peers
 * coming and going, pings and timeouts, back-pressure, proofs and notes
 * sent on, what status shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "repl_internal.h"

int ct_repl_new(ct_repl **out, const ct_repl_opts *o)
{
	ct_repl *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return ct_error_set(CT_ENOMEM, "out of memory for replication state");
	r->o = *o;
	memcpy(r->self, o->self, CT_KEY_BYTES);
	r->o.self = r->self;
	if (!r->o.window)
		r->o.window = 2048;
	if (!r->o.max_wants)
		r->o.max_wants = 8;
	if (!r->o.max_serves)
		r->o.max_serves = 64;
	if (!r->o.push_max)
		r->o.push_max = 256;
	if (!r->o.ping_ms)
		r->o.ping_ms = 10000;
	if (!r->o.idle_ms)
		r->o.idle_ms = 45000;
	if (!r->o.want_ms)
		r->o.want_ms = 60000;
	if (!r->o.max_feeds)
		r->o.max_feeds = 100000;
	*out = r;
	return 0;
}

void ct_repl_free(ct_repl *r)
{
	ct_rpeer *p, *next;

	if (!r)
		return;
	for (p = r->peers; p; p = next) {
		next = p->next;
		free(p->views);
		free(p);
	}
	free(r->feeds);
	free(r->order);
	ct_buf_free(&r->msg);
	free(r);
}

static int send_hello(ct_repl *r, ct_rpeer *p)
{
	ct_wire_head *heads;
	size_t n = r->nfeeds < CT_HELLO_HEADS_MAX ? r->nfeeds : CT_HELLO_HEADS_MAX, k;
	int err;

	if (!(heads = calloc(n ? n : 1, sizeof(*heads))))
		return ct_error_set(CT_ENOMEM, "out of memory for a hello");
	for (k = 0; k < n; k++) {
		struct feed *f = &r->feeds[r->order[k]];
		memcpy(heads[k].author, f->author, CT_KEY_BYTES);
		heads[k].size = f->local;
		heads[k].has_head = f->local > 0;
		memcpy(heads[k].head, f->head, CT_HASH_BYTES);
		heads[k].flags = f->forked ? CT_HEAD_FORKED : 0;
	}
	r->msg.len = 0;
	err = ct_msg_hello(&r->msg, heads, n);
	free(heads);
	if (err < 0)
		return err;
	ct__repl_send(r, p);
	for (k = n; k < r->nfeeds; k++) {
		struct feed *f = &r->feeds[r->order[k]];
		if (f->local == 0)
			continue;
		r->msg.len = 0;
		if ((err = ct_msg_have(&r->msg, f->author, f->local, f->head)) < 0)
			return err;
		ct__repl_send(r, p);
	}
	return 0;
}

int ct_repl_peer_add(ct_rpeer **out, ct_repl *r, const uint8_t key[CT_KEY_BYTES], void *user, uint64_t now)
{
	ct_rpeer *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return ct_error_set(CT_ENOMEM, "out of memory for a peer");
	p->r = r;
	memcpy(p->key, key, CT_KEY_BYTES);
	p->user = user;
	p->last_recv = now;
	r->now = now;
	p->next = r->peers;
	r->peers = p;
	if ((err = send_hello(r, p)) < 0) {
		ct_repl_peer_remove(r, p);
		return err;
	}
	for (size_t i = 0; i < r->nfeeds; i++) {
		struct view *v = ct__repl_view(p, i);
		if (v)
			v->told = r->feeds[i].local;
	}
	*out = p;
	return 0;
}

void ct_repl_peer_remove(ct_repl *r, ct_rpeer *p)
{
	ct_rpeer **pp;
	size_t i;

	if (!p)
		return;
	for (pp = &r->peers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	for (i = 0; i < r->nfeeds; i++)
		if (r->feeds[i].claimant == p)
			r->feeds[i].claimant = NULL;
	free(p->views);
	free(p);
	ct__repl_plan(r);
}

static void disconnect(ct_repl *r, ct_rpeer *p, const char *text)
{
	ct_action a = {.kind = CT_ACT_DISCONNECT, .peer = p, .text = text};

	ct__repl_emit(r, &a);
}

/* Why p should be dropped now, or NULL. */
static const char *timed_out(ct_repl *r, ct_rpeer *p, uint64_t now, char *why, size_t whylen)
{
	char name[CT_KEY_SHORT_LEN + 1];
	size_t i;

	if (now - p->last_recv > r->o.idle_ms) {
		snprintf(why, whylen, "silent for %llu s", (unsigned long long)(now - p->last_recv) / 1000);
		return why;
	}
	if (r->paused)
		return NULL;
	for (i = 0; i < p->nviews && i < r->nfeeds; i++) {
		struct view *v = &p->views[i];
		if (v->want && now - v->want_time > r->o.want_ms) {
			ct_key_short(name, r->feeds[i].author);
			snprintf(why, whylen, "want for %s… unanswered for %llu s", name,
				 (unsigned long long)(now - v->want_time) / 1000);
			return why;
		}
	}
	return NULL;
}

void ct_repl_tick(ct_repl *r, uint64_t now)
{
	char why[128];
	ct_rpeer *p;

	r->now = now;
	for (p = r->peers; p; p = p->next) {
		if (p->held)
			continue;
		if (timed_out(r, p, now, why, sizeof(why))) {
			disconnect(r, p, why);
			continue;
		}
		if (now - p->last_recv >= r->o.ping_ms && !p->ping_sent) {
			p->ping_nonce++;
			p->ping_sent = now;
			r->msg.len = 0;
			if (ct_msg_ping(&r->msg, p->ping_nonce) == 0)
				ct__repl_send(r, p);
		}
	}
}

/* Restarts p's clocks (after a pause or hold, silence was ours). */
static void touch(ct_rpeer *p, uint64_t now)
{
	size_t i;

	p->last_recv = now;
	p->ping_sent = 0;
	for (i = 0; i < p->nviews; i++)
		p->views[i].want_time = now;
}

void ct_repl_pause(ct_repl *r, bool paused, uint64_t now)
{
	ct_rpeer *p;

	if (r->paused == paused)
		return;
	r->paused = paused;
	r->now = now;
	if (!paused) {
		for (p = r->peers; p; p = p->next)
			touch(p, now);
		ct__repl_plan(r);
	}
}

void ct_repl_hold(ct_repl *r, ct_rpeer *p, bool held, uint64_t now)
{
	if (p->held == held)
		return;
	p->held = held;
	if (!held)
		touch(p, now);
	r->now = now;
}

void ct_repl_send_fork(ct_repl *r, ct_rpeer *p, const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len)
{
	r->msg.len = 0;
	if (ct_msg_fork(&r->msg, a, a_len, b, b_len) == 0)
		ct__repl_send(r, p);
}

void ct_repl_send_note(ct_repl *r, ct_rpeer *p, const uint8_t author[CT_KEY_BYTES], const uint8_t *note,
		       size_t len)
{
	r->msg.len = 0;
	if (ct_msg_checkpoint(&r->msg, author, note, len) == 0)
		ct__repl_send(r, p);
}

void ct_repl_fork_recorded(ct_repl *r, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
			   ct_rpeer *origin)
{
	ct_rpeer *p;

	for (p = r->peers; p; p = p->next)
		if (p != origin)
			ct_repl_send_fork(r, p, a, a_len, b, b_len);
}

void ct_repl_note_stored(ct_repl *r, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len,
			 ct_rpeer *origin)
{
	ct_rpeer *p;

	for (p = r->peers; p; p = p->next)
		if (p != origin)
			ct_repl_send_note(r, p, author, note, len);
}

void ct_repl_note_stored_except(ct_repl *r, const uint8_t author[CT_KEY_BYTES], const uint8_t *note,
				size_t len, const uint8_t *origin_key)
{
	ct_rpeer *p;

	for (p = r->peers; p; p = p->next)
		if (!origin_key || memcmp(p->key, origin_key, CT_KEY_BYTES) != 0)
			ct_repl_send_note(r, p, author, note, len);
}

const uint8_t *ct_rpeer_key(const ct_rpeer *p)
{
	return p->key;
}

void *ct_rpeer_user(const ct_rpeer *p)
{
	return p->user;
}

void ct_rpeer_stats_get(const ct_rpeer *p, ct_rpeer_stats *out)
{
	out->entries_in = p->entries_in;
	out->entries_out = p->entries_out;
	out->wants_out = p->wants_out;
	out->serves = p->serves;
	out->hello = p->hello;
}

int ct_rpeer_feeds(const ct_rpeer *p, ct_rpeer_feed_fn fn, void *ctx)
{
	const ct_repl *r = p->r;
	size_t k;
	int err;

	for (k = 0; k < r->nfeeds; k++) {
		uint32_t i = r->order[k];
		const struct view *v = i < p->nviews ? &p->views[i] : NULL;
		bool known = v && v->known;
		if ((err = fn(ctx, r->feeds[i].author, r->feeds[i].local, known ? v->size : 0, known)) != 0)
			return err < 0 ? err : 0;
	}
	return 0;
}
