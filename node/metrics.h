/*
 * caltraced's Prometheus metrics (docs/OPERATIONS.md lists them): counters
 * kept by the loop thread, served as text on `--metrics HOST:PORT` by
 * libmicrohttpd's own thread, which asks the loop to render them (so every
 * value is read on the thread that owns it).
 */
#ifndef CT_NODE_METRICS_H
#define CT_NODE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct node;

/* Starts serving GET /metrics on addr ("HOST:PORT", "[V6]:PORT"); logs and returns -1 on failure. */
int metrics_start(struct node *n, const char *addr);
/* Stops the server (from the loop thread, before the loop ends); safe when never started. */
void metrics_stop(struct node *n);
/* Poll timer: notes which configured peers are connected (for their silence). */
void metrics_poll(struct node *n);

/* Hooks, on the loop thread. */
void metrics_ingest(uint64_t received, uint64_t verified, uint64_t stored, uint64_t duplicates,
		    uint64_t pending, int err);
void metrics_commit(uint64_t ns, bool failed);
void metrics_checkpoint_signed(void);
void metrics_checkpoint_witnessed(void);

/* The whole text, rendered on the loop thread (also for tests through a debug path). */
char *metrics_render(struct node *n);

#endif
