/*
 * The store compacted while the node runs (docs/OPERATIONS.md, "Compacting
 * a home"; docs/DECISIONS.md, "Compaction while the node runs").
 *
 * A store's random-keyed databases (the subject rows, the network index,
 * the summary, the hash index) settle at pages two thirds full, and the
 * file keeps the pages it freed: 730 to 840 bytes per entry as a node
 * writes them, against 514 to 535 compacted (docs/PERFORMANCE.md). So the
 * node compacts its own store (ct_ledger_compact_ask) when both hold:
 * - it is quiet: no entry stored for compact_quiet seconds, nothing
 *   waiting for the writer (a catch-up is never slowed by one);
 * - the store is worth it: data.mdb is at least compact_min bytes and
 *   compact_growth percent larger than right after its last compaction
 *   (any size, when it was never compacted).
 * The writer does it in place of a batch: entries that arrive meanwhile
 * wait in the queue, peers and the control socket are served from the
 * store as it was, and only the moment the copy is put in place holds
 * readers back. The store must be had alone: another process that has it
 * open is asked to step aside (caltrace serve does: ct_ledger_step_aside),
 * and the node tries again at every poll for ASK_MS; one that does not (a
 * long command) is said once, and asked again after the next quiet time.
 * 'compact = off' in the config turns it all off.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "node.h"
#include "log.h"

/* After a compaction that failed (a full disk), try again after this many quiet times. */
#define RETRY_QUIETS 5
/* How long other processes are asked to step aside (tried again at every poll meanwhile). */
#define ASK_MS 20000

static uint64_t quiet_ms(const struct node *n)
{
	return (uint64_t)(n->cfg.compact_quiet ? n->cfg.compact_quiet : CT_COMPACT_QUIET) * 1000;
}

/* data.mdb's size, 0 when it cannot be read. */
static uint64_t store_bytes(const struct node *n)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data/data.mdb", n->home);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void compact_poll(struct node *n)
{
	struct node_compact *c = &n->cmp;
	uint64_t now = node_now(n), bytes, base, min, growth;

	if ((n->cfg.compact_off && !c->asked) || n->stopping || c->running)
		return;
	if (c->asked) {
		if (ingest_compact_start(n))
			c->running = true; /* logged by the control socket's request */
		return;
	}
	/* quiet: no entry stored; other writes (witnessed notes) come and go, and only have to wait */
	if (n->ing.appended != c->appended || !c->quiet_since) {
		c->appended = n->ing.appended;
		c->quiet_since = now;
		return;
	}
	if (now - c->quiet_since < quiet_ms(n) ||
	    (c->failed_at && now - c->failed_at < RETRY_QUIETS * quiet_ms(n)))
		return;
	bytes = store_bytes(n);
	base = ct_ledger_compacted_bytes(n->ledger);
	min = n->cfg.compact_min ? n->cfg.compact_min : CT_COMPACT_MIN;
	growth = n->cfg.compact_growth ? n->cfg.compact_growth : CT_COMPACT_GROWTH;
	if (bytes < min || (base && bytes * 100 < base * (100 + growth))) {
		c->quiet_since = now; /* look again after another quiet time */
		return;
	}
	if (!ingest_compact_start(n))
		return; /* the writer is busy: at a later poll */
	c->running = true;
	if (c->asked_at)
		return; /* tried again while others are asked to step aside: said already */
	if (base)
		LOG(LOG_INFO, "compacting the store: %.1f MB, %.1f MB after its last compaction", (double)bytes / 1e6,
		    (double)base / 1e6);
	else
		LOG(LOG_INFO, "compacting the store: %.1f MB, never compacted", (double)bytes / 1e6);
}

/* What the finished compaction did, for the control socket's status. */
static void finished(struct node_compact *c, int err, const char *detail, const ct_compact_info *info,
		     double seconds)
{
	c->done++;
	c->last_err = err;
	snprintf(c->last_detail, sizeof(c->last_detail), "%s", err ? detail : "");
	c->last = *info;
	c->last_seconds = seconds;
	c->asked = false;
	c->asked_at = 0;
}

void compact_done(struct node *n, int err, const char *detail, const ct_compact_info *info, double seconds)
{
	struct node_compact *c = &n->cmp;
	uint64_t now = node_now(n);

	c->running = false;
	if (err == CT_ESTATE) {
		/*
		 * Another process has the store open. It was asked to step aside
		 * (caltrace serve does, within a second or so): tried again at every
		 * poll for a while (the quiet time still counts as passed), then the
		 * request withdrawn until the next quiet time, and that said once.
		 */
		if (!c->asked_at)
			c->asked_at = now;
		if (now - c->asked_at < ASK_MS)
			return;
		finished(c, err,
			 "another process has the store open and did not step aside (a command still running?)",
			 info, seconds);
		c->quiet_since = now;
		ct_ledger_compact_unwant(n->ledger);
		if (!c->refused_said)
			LOG(LOG_INFO, "the store is not compacted: another process has it open and did not step "
				      "aside (a command still running?); trying again when quiet");
		c->refused_said = true;
		return;
	}
	finished(c, err, detail, info, seconds);
	c->quiet_since = now;
	if (err == 0) {
		c->failed_at = 0;
		c->refused_said = false;
		LOG(LOG_INFO,
		    "compacted the store in %.1f s: %.1f MB, was %.1f MB (%llu records; reads held back %.1f ms)",
		    seconds, (double)info->bytes_after / 1e6, (double)info->bytes_before / 1e6,
		    (unsigned long long)info->records, info->held_ms);
		return;
	}
	if (!ct_ledger_is_open(n->ledger)) {
		LOG(LOG_ERROR, "compacting the store: %s", detail);
		node_stop(n, "the store could not be opened again after its compaction");
		return;
	}
	c->failed_at = now;
	LOG(LOG_WARN, "the store is not compacted: %s (it is as it was; trying again later)", detail);
}

uint64_t compact_ask(struct node *n)
{
	struct node_compact *c = &n->cmp;

	if (!c->asked && !c->running)
		LOG(LOG_INFO, "compacting the store: asked through the control socket");
	c->asked = true;
	return c->done;
}
