/*
 * Network checkpoints, done by the node on its own (docs/CHECKPOINTS.md,
 * "Network checkpoints"). The bureau's node signs one of its state once
 * that state (every feed head, and the fork proofs held) has been still for
 * NODE_NETCP_QUIET_MS, at most every NODE_NETCP_MIN_MS. Every node
 * witnesses what it receives (ingest.c's writer calls ct_netcp_witness):
 * cosigned when its replica is at exactly those feeds and computes the same
 * index root; kept for later when it holds fewer entries; refused, with the
 * evidence kept and a warning logged, when it computes another root from
 * the same feeds. Changed notes go on like feed checkpoints' (checkpoints.c).
 * An operator may ask for one now (netcp_ask, from the control socket's
 * netcheckpoint-sign; `caltrace netcheckpoint --sign` beside a running node).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

bool netcp_is(const uint8_t *note, size_t len)
{
	const uint8_t *nl = memchr(note, '\n', len);
	size_t slen = strlen(CT_NETCP_SUFFIX), l;

	if (!nl)
		return false;
	l = (size_t)(nl - note);
	return l >= slen && memcmp(note + l - slen, CT_NETCP_SUFFIX, slen) == 0;
}

/* Whether this node is the bureau's (known once the genesis is). */
static bool is_bureau(struct node *n)
{
	struct node_ncp *s = &n->ncp;
	ct_reader *r = NULL;

	if (!s->bureau_known && ct_reader_begin(&r, n->ledger) == 0) {
		if (ct_read_network(NULL, s->bureau, r) == 0) {
			s->bureau_known = true;
			s->is_bureau = !memcmp(s->bureau, n->self, CT_KEY_BYTES);
		}
		ct_reader_end(r);
	}
	return s->is_bureau;
}

void netcp_fork_event(struct node *n)
{
	n->ncp.fork_events++;
}

/* The state a network checkpoint would cover: the heads' digest, the forks held, fork events. */
static void state_token(struct node *n, uint8_t token[CT_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	uint64_t forks = n->ing.forks;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, n->digest, CT_HASH_BYTES);
	crypto_hash_sha256_update(&st, (const uint8_t *)&forks, sizeof(forks));
	crypto_hash_sha256_update(&st, (const uint8_t *)&n->ncp.fork_events, sizeof(n->ncp.fork_events));
	crypto_hash_sha256_final(&st, token);
}

void netcp_poll(struct node *n)
{
	struct node_ncp *s = &n->ncp;
	uint8_t token[CT_HASH_BYTES];
	uint64_t now = node_now(n);

	if (!is_bureau(n) || n->stopping)
		return;
	state_token(n, token);
	if (memcmp(token, s->token, CT_HASH_BYTES) != 0) {
		memcpy(s->token, token, CT_HASH_BYTES);
		s->changed_at = now;
	}
	if (s->signing)
		return;
	if (s->has_signed && !memcmp(token, s->signed_token, CT_HASH_BYTES)) {
		s->asked = false; /* this state is signed already */
		return;
	}
	if (!s->asked &&
	    (now - s->changed_at < NODE_NETCP_QUIET_MS || (s->has_signed && now - s->signed_at < NODE_NETCP_MIN_MS)))
		return;
	if (n->ing.head || n->ing.writing)
		return; /* entries are still coming in */
	s->signing = true;
	s->signing_asked = s->asked;
	s->asked = false;
	memcpy(s->signing_token, token, CT_HASH_BYTES);
	ingest_meta_netsign(n);
}

enum netcp_ask netcp_ask(struct node *n)
{
	struct node_ncp *s = &n->ncp;

	if (!is_bureau(n))
		return s->bureau_known ? NETCP_ASK_NOT_BUREAU : NETCP_ASK_NO_GENESIS;
	node_refresh_heads(n, false); /* entries a CLI appended since the last poll */
	s->asked = true;
	netcp_poll(n);
	/* the poll drops the request when this state is signed already, and starts signing when it can */
	return !s->asked && !s->signing ? NETCP_ASK_HELD : NETCP_ASK_SIGNING;
}

static uint64_t entries_of(const ct_buf *note, size_t *feeds, uint64_t *keys)
{
	ct_note *nt = NULL;
	ct_netcp cp;
	uint64_t e = 0;

	*feeds = 0;
	*keys = 0;
	if (ct_note_parse(&nt, note->ptr, note->len) == 0 && ct_netcp_parse(&cp, nt->text, nt->text_len) == 0) {
		e = cp.entries;
		*feeds = cp.nfeeds;
		*keys = cp.keys;
		ct_netcp_clear(&cp);
	}
	ct_note_free(nt);
	return e;
}

static bool same(const ct_buf *a, const ct_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

void netcp_done(struct node *n, struct conn *c, const struct ncp_report *r)
{
	struct node_ncp *s = &n->ncp;
	const char *from = c ? c->name : "this node";
	ct_rpeer *origin = c && c->state == C_UP ? c->rp : NULL;
	uint64_t entries, keys;
	size_t feeds;

	if (r->signed_here) {
		s->signing = false;
		if (r->err < 0) {
			LOG(LOG_WARN, "cannot sign a network checkpoint: %s", r->detail);
			return;
		}
		s->has_signed = true;
		s->signed_at = node_now(n);
		memcpy(s->signed_token, s->signing_token, CT_HASH_BYTES);
		entries = entries_of(r->merged, &feeds, &keys);
		LOG(LOG_INFO, "signed a network checkpoint%s: %llu entries in %zu feeds, %llu index keys",
		    s->signing_asked ? " (asked through the control socket)" : "", (unsigned long long)entries,
		    feeds, (unsigned long long)keys);
		checkpoints_gossip_later(n, s->bureau, r->merged, NULL);
		return;
	}
	if (r->err < 0) {
		LOG(LOG_DEBUG, "network checkpoint from %s not taken: %s", from, r->detail);
		return;
	}
	entries = entries_of(r->incoming, &feeds, &keys);
	switch (r->result) {
	case CT_NETCP_REFUSED:
		LOG(LOG_WARN,
		    "network checkpoint of %llu entries from %s REFUSED: the bureau's node signed an index root "
		    "this node does not compute from the same feeds (%s); the evidence is kept "
		    "(caltrace netcheckpoint --evidence)",
		    (unsigned long long)entries, from, r->why ? r->why : "");
		return;
	case CT_NETCP_COSIGNED:
		if (!same(r->prev, r->merged))
			LOG(LOG_DEBUG, "cosigned a network checkpoint of %llu entries", (unsigned long long)entries);
		break;
	case CT_NETCP_AHEAD:
		/* the newest one only: an older state is passed anyway */
		if (entries >= entries_of(&s->ahead, &feeds, &keys)) {
			s->ahead.len = 0;
			if (ct_buf_put(&s->ahead, r->merged->ptr, r->merged->len) < 0)
				s->ahead.len = 0;
		}
		break;
	case CT_NETCP_FORKS:
		LOG(LOG_INFO, "network checkpoint of %llu entries from %s not cosigned: %s",
		    (unsigned long long)entries, from, r->why ? r->why : "");
		break;
	case CT_NETCP_OTHER:
		LOG(LOG_DEBUG, "network checkpoint of %llu entries from %s not cosigned: %s",
		    (unsigned long long)entries, from, r->why ? r->why : "");
		break;
	}
	if (!s->bureau_known || same(r->merged, r->prev))
		return; /* nothing new here: the gossip ends */
	checkpoints_gossip_later(n, s->bureau, r->merged,
				 same(r->merged, r->incoming) && origin ? ct_rpeer_key(origin) : NULL);
}

void netcp_after_commit(struct node *n, bool appended)
{
	struct node_ncp *s = &n->ncp;

	if (!appended || !s->ahead.len)
		return;
	ingest_meta_note(n, NULL, s->bureau, s->ahead.ptr, s->ahead.len);
	s->ahead.len = 0;
}

struct newest {
	ct_buf note;
};

static int take_newest(void *ctx, uint64_t order, const uint8_t *note, size_t len)
{
	struct newest *w = ctx;

	if (ct_buf_put(&w->note, note, len) < 0)
		w->note.len = 0;
	return 1;
}

void netcp_greet(struct node *n, struct conn *c)
{
	struct newest w = {CT_BUF_INIT};
	ct_reader *r = NULL;

	if (!is_bureau(n) && !n->ncp.bureau_known)
		return;
	if (ct_reader_begin(&r, n->ledger) < 0)
		return;
	if (ct_read_netnotes(r, take_newest, &w) == 0 && w.note.len)
		ct_repl_send_note(n->repl, c->rp, n->ncp.bureau, w.note.ptr, w.note.len);
	ct_reader_end(r);
	ct_buf_free(&w.note);
}

void netcp_free(struct node *n)
{
	ct_buf_free(&n->ncp.ahead);
}
