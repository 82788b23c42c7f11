/*
 * caltrace/ledger/status.h - what a node holds, and what its running
 * caltraced says, as JSON: `caltrace status --json` and the web API's
 * GET /api/v1/status share these.
 *
 * The control socket (HOME/caltraced.sock, docs/DESIGN.md section 10)
 * carries one JSON object per line each way; caltraced answers "status"
 * (listen address, uptime, ingest counters, peers with their state and lag
 * per feed) and "peers".
 */
#ifndef CALTRACE_LEDGER_STATUS_H
#define CALTRACE_LEDGER_STATUS_H

#include <jansson.h>

#include "caltrace/ledger/home.h"
#include "caltrace/ledger/ledger.h"

/*
 * The store's side of a status, added to the object o: "network" and
 * "bureau" (once a genesis is held, else the network cfg pins, when cfg is
 * not NULL), "digest", "pending", "appends_refused" (a peer reported the
 * feed of own_key longer than stored, own_key may be NULL; or the store was
 * restored from a backup and no peer has confirmed its own feed yet),
 * "restored_unconfirmed", "own_feed_reported" when a peer reported it
 * longer, "feeds" (author, size, head, forked, admitted) and "forks"
 * (author, seq).
 * Errors: CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_status_store_json(json_t *o, ct_reader *r, const uint8_t *own_key, const ct_config *cfg);

#define CT_CONTROL_ANSWER_MAX (16u << 20) /* longest answer read, bytes */

/*
 * Sends request (one JSON object) to the caltraced of the node home at
 * home and waits at most timeout_ms for each read of its one-line answer,
 * parsed into *answer (the caller's, json_decref). Blocks the calling
 * thread. Errors: CT_ENOTFOUND (no caltraced answers on the socket),
 * CT_EIO (it stopped answering, or answered what is not JSON), CT_ETOOBIG,
 * CT_EINVAL (the home's path is too long for a socket).
 */
int ct_control_call(const char *home, const json_t *request, json_t **answer, int timeout_ms);

#endif
