/*
 * What the replication state machine asks for, done: messages to send,
 * entries to serve or ingest, proofs and notes to store, peers to drop.
 * Nothing here calls back into the state machine (proto/repl.h): what must
 * be answered is queued and answered from the loop.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/proof/witness.h"
#include "node.h"

void node_on_action(void *ctx, const ct_action *a)
{
	struct node *n = ctx;
	struct conn *c = a->peer ? ct_rpeer_user(a->peer) : NULL;
	char own[CT_KEY_SHORT_LEN + 1];

	if (n->stopping)
		return;
	switch (a->kind) {
	case CT_ACT_SEND:
		conn_send(c, a->data, a->len);
		break;
	case CT_ACT_SERVE:
		if (c->state == C_UP) {
			serve_add(c, a);
			node_kick(n);
		}
		break;
	case CT_ACT_INGEST:
		ingest_add(n, c, a);
		break;
	case CT_ACT_FORK:
		ingest_meta_fork(n, c, a->data, a->len, a->data2, a->len2);
		break;
	case CT_ACT_CHECKPOINT:
		ingest_meta_note(n, c, a->author, a->data, a->len);
		break;
	case CT_ACT_REMOTE_SIZE:
		ct_key_short(own, n->self);
		LOG(LOG_WARN,
		    "peer %s reports this node's own feed %s… at %llu entries, more than the store holds: "
		    "appends "
		    "are refused until the missing entries are fetched",
		    c->name, own, (unsigned long long)a->to);
		n->own_reported = a->to;
		ingest_meta_remote_size(n, a->to);
		break;
	case CT_ACT_DISCONNECT:
		conn_close(c, a->text, false);
		break;
	}
}

/* The own feed's size in the last snapshot. */
static uint64_t own_size(const struct node *n)
{
	for (size_t i = 0; i < n->nheads; i++)
		if (!memcmp(n->heads[i].author, n->self, CT_KEY_BYTES))
			return n->heads[i].size;
	return 0;
}

void node_set_heads(struct node *n, ct_feed_head *heads, size_t count, const uint8_t digest[CT_HASH_BYTES])
{
	uint64_t before = own_size(n), after;

	free(n->heads);
	n->heads = heads;
	n->nheads = count;
	memcpy(n->digest, digest, CT_HASH_BYTES);
	after = own_size(n);
	if (n->own_reported && before < n->own_reported && after >= n->own_reported) {
		LOG(LOG_INFO, "own feed caught up to %llu entries: appends are allowed again",
		    (unsigned long long)after);
		n->own_reported = 0;
	}
	if (ct_repl_set_heads(n->repl, n->heads, n->nheads) < 0)
		LOG(LOG_ERROR, "replication state: %s", ct_error_last());
}

void node_refresh_heads(struct node *n, bool force)
{
	uint8_t digest[CT_HASH_BYTES];
	ct_feed_head *heads = NULL;
	ct_reader *r = NULL;
	size_t count = 0;

	if (ct_reader_begin(&r, n->ledger) < 0)
		return;
	if (ct_read_digest(digest, r) < 0 || (!force && !memcmp(digest, n->digest, CT_HASH_BYTES)) ||
	    ct_read_heads(&heads, &count, r) < 0) {
		ct_reader_end(r);
		return;
	}
	ct_reader_end(r);
	node_set_heads(n, heads, count, digest);
}

/*
 * What a peer gets on connect: each fork proof, and for each feed its
 * latest checkpoint and, when that one lacks it, the latest the bureau
 * cosigned (what proofs need); for a feed frozen by a checkpoint fork, the
 * two notes. Older checkpoints stay here: they would only be merged away.
 */
void node_greet(struct node *n, struct conn *c)
{
	uint8_t network[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	const uint8_t *a, *b;
	size_t alen, blen, i;
	ct_buf latest = CT_BUF_INIT, cosigned = CT_BUF_INIT;
	ct_reader *r = NULL;
	ct_vkey bk;
	bool have_bureau;

	if (ct_reader_begin(&r, n->ledger) < 0)
		return;
	have_bureau = ct_read_network(network, bureau, r) == 0;
	if (have_bureau)
		ct_witness_key(&bk, network, bureau);
	for (i = 0; i < n->nheads; i++) {
		const uint8_t *author = n->heads[i].author;

		if (n->heads[i].forked && ct_read_fork(&a, &alen, &b, &blen, r, author) == 0)
			ct_repl_send_fork(n->repl, c->rp, a, alen, b, blen);
		if (ct_read_checkpoint_fork(&a, &alen, &b, &blen, r, author) == 0) {
			ct_repl_send_note(n->repl, c->rp, author, a, alen);
			if (blen)
				ct_repl_send_note(n->repl, c->rp, author, b, blen);
		}
		if (ct_checkpoint_latest(r, author, NULL, 0, &latest, NULL) != 0)
			continue;
		ct_repl_send_note(n->repl, c->rp, author, latest.ptr, latest.len);
		if (have_bureau && ct_checkpoint_latest(r, author, &bk, 0, &cosigned, NULL) == 0 &&
		    (cosigned.len != latest.len || memcmp(cosigned.ptr, latest.ptr, latest.len) != 0))
			ct_repl_send_note(n->repl, c->rp, author, cosigned.ptr, cosigned.len);
	}
	ct_reader_end(r);
	ct_buf_free(&latest);
	ct_buf_free(&cosigned);
	netcp_greet(n, c);
}
