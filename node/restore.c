/*
 * A store restored from a backup (caltrace restore) carries a mark: its
 * own feed may be longer elsewhere than in the backup, and nothing is
 * appended to it until a peer has said how long it is (ct_read_restored).
 * This node clears the mark once a connected peer has reported the own
 * feed; if that peer holds more of it, the replication state machine has
 * already asked the writer to record that size (CT_ACT_REMOTE_SIZE), which
 * keeps appends refused until the entries have come back.
 */
#include <string.h>

#include "node.h"

static bool restored;	/* the store carries the mark */
static bool confirming; /* the writer has been asked to clear it */

void restore_gate_start(struct node *n)
{
	ct_reader *r = NULL;

	if (ct_reader_begin(&r, n->ledger) < 0)
		return;
	if (ct_read_restored(&restored, r) < 0)
		restored = false;
	ct_reader_end(r);
	if (restored)
		LOG(LOG_INFO,
		    "this store was restored from a backup: appends to this node's own feed wait until a "
		    "peer has reported it");
}

struct own_report {
	const uint8_t *self;
	bool known;
	uint64_t local, remote;
};

static int own_feed(void *ctx, const uint8_t author[CT_KEY_BYTES], uint64_t local, uint64_t remote,
		    bool known)
{
	struct own_report *o = ctx;

	if (!known || memcmp(author, o->self, CT_KEY_BYTES) != 0)
		return 0;
	o->known = true;
	o->local = local;
	o->remote = remote;
	return 0;
}

void restore_gate_poll(struct node *n)
{
	struct own_report o = {.self = n->self};

	if (!restored || confirming)
		return;
	for (struct conn *c = n->conns; c; c = c->next) {
		if (c->state != C_UP || !c->rp)
			continue;
		ct_rpeer_feeds(c->rp, own_feed, &o);
		if (!o.known)
			continue;
		LOG(LOG_INFO,
		    "peer %s reports this node's own feed at %llu entries (this store holds %llu)%s", c->name,
		    (unsigned long long)o.remote, (unsigned long long)o.local,
		    o.remote > o.local ? ": appends wait until the rest is fetched"
				       : ": appends are allowed");
		confirming = true;
		ingest_meta_confirm_own(n);
		return;
	}
}

void restore_gate_cleared(struct node *n, int err)
{
	(void)n;
	confirming = false;
	if (err == 0)
		restored = false;
}
