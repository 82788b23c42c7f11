/*
 * Serving a peer: entries read from the store in messages of at most
 * NODE_SERVE_CHUNK bytes, one want (or push) after the other, never more
 * than NODE_WRITE_HIGH bytes waiting in its socket. Every want is answered
 * to its end: the last message is flagged CT_ENTRIES_LAST, even when it is
 * empty because this node holds less than asked.
 */
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define CHUNK_ENTRIES 4096

void serve_add(struct conn *c, const ct_action *a)
{
	struct serve_req *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	memcpy(r->author, a->author, CT_KEY_BYTES);
	r->next_seq = a->from;
	r->to = a->to;
	r->push = (a->flags & CT_ENTRIES_PUSH) != 0;
	*c->serves_tail = r;
	c->serves_tail = &r->next;
}

void serve_free(struct conn *c)
{
	struct serve_req *r;

	while ((r = c->serves)) {
		c->serves = r->next;
		free(r);
	}
	c->serves_tail = &c->serves;
}

static size_t backlog(struct conn *c)
{
	return uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) + c->out.len;
}

/* Collects a run of entries for one message (pointers into the reader's snapshot). */
struct chunk {
	const uint8_t *raw[CHUNK_ENTRIES];
	size_t raw_len[CHUNK_ENTRIES];
	uint32_t count;
	size_t bytes;
};

static int take(void *ctx, uint64_t seq, const uint8_t *raw, size_t len)
{
	struct chunk *ch = ctx;

	(void)seq;
	ch->raw[ch->count] = raw;
	ch->raw_len[ch->count] = len;
	ch->count++;
	ch->bytes += len;
	return ch->count == CHUNK_ENTRIES || ch->bytes >= NODE_SERVE_CHUNK;
}

/* Sends the next message of r; returns 1 when r is complete, 0 when more follows, <0 on a store error. */
static int serve_chunk(struct conn *c, struct serve_req *r, ct_buf *msg)
{
	static struct chunk ch;
	ct_reader *rd = NULL;
	ct_feed_head h;
	uint64_t end;
	uint32_t k;
	bool last;
	int err;

	if ((err = ct_reader_begin(&rd, c->n->ledger)) < 0)
		return err;
	err = ct_read_head(&h, rd, r->author);
	end = err == 0 ? (h.size < r->to ? h.size : r->to) : 0;
	ch.count = 0;
	ch.bytes = 0;
	err = ct_read_entries_raw(rd, r->author, r->next_seq, end, take, &ch);
	if (err == 0 && ch.count == 0 && r->next_seq <= end)
		err = CT_ECORRUPT; /* the head says more than the entries hold */
	last = r->next_seq + ch.count > end;
	if (err == 0 && !(r->push && ch.count == 0)) {
		msg->len = 0;
		err = ct_msg_entries_begin(msg, r->author, r->next_seq,
					   r->push ? CT_ENTRIES_PUSH
					   : last  ? CT_ENTRIES_LAST
						   : 0,
					   ch.count);
		for (k = 0; k < ch.count && err == 0; k++)
			err = ct_mp_put_bin(msg, ch.raw[k], ch.raw_len[k]);
		if (err == 0) {
			conn_send(c, msg->ptr, msg->len);
			c->n->served++;
		}
	}
	ct_reader_end(rd);
	r->next_seq += ch.count;
	return err < 0 ? err : last;
}

void serve_pump(struct conn *c)
{
	static ct_buf msg = CT_BUF_INIT;
	struct serve_req *r;
	int rc;

	while (c->state == C_UP && (r = c->serves) && backlog(c) < NODE_WRITE_HIGH) {
		if ((rc = serve_chunk(c, r, &msg)) < 0) {
			LOG(LOG_ERROR, "peer %s: cannot read entries to send: %s", c->name, ct_error_last());
			conn_close(c, "store read failed", false);
			return;
		}
		if (rc == 0)
			continue;
		c->serves = r->next;
		if (!c->serves)
			c->serves_tail = &c->serves;
		if (!r->push)
			ct_repl_served(c->n->repl, c->rp, r->author);
		free(r);
	}
	conn_flush(c);
	if (msg.cap > 4 * NODE_SERVE_CHUNK)
		ct_buf_free(&msg);
}
