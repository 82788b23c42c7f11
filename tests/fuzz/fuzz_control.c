/*
 * libFuzzer target for the control socket's request parser
 * (node/control_req.c): every input is one request line.
 *
 * Invariants checked on every input:
 *  - control_req_parse returns 0, -1 or -2;
 *  - on success the command is one of the four and peers-add carries its
 *    peer text; on failure *why is a non-empty text and nothing is held;
 *  - a request that parses formats (as the CLI would send it) to a line
 *    that parses to the same request.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/keys.h"
#include "control_req.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static json_t *request_json(const struct control_req *req)
{
	char hex[2 * CT_KEY_BYTES + 1];

	switch (req->cmd) {
	case CONTROL_STATUS:
		return json_pack("{s:s}", "cmd", "status");
	case CONTROL_PEERS_ADD:
		return json_pack("{s:s, s:s}", "cmd", "peers-add", "peer", req->peer);
	case CONTROL_PEERS_REMOVE:
		ct_key_hex(hex, req->key);
		return json_pack("{s:s, s:s}", "cmd", "peers-remove", "key", hex);
	case CONTROL_NETCP_SIGN:
		return json_pack("{s:s}", "cmd", "netcheckpoint-sign");
	case CONTROL_COMPACT:
		return json_pack("{s:s}", "cmd", "compact");
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_req req, again;
	const char *why = NULL;
	json_t *j;
	char *text;
	int rc;

	rc = control_req_parse(&req, (const char *)data, size, &why);
	CHECK(rc == 0 || rc == -1 || rc == -2);
	if (rc != 0) {
		CHECK(why != NULL && why[0] != '\0' && req.peer == NULL);
		return 0;
	}
	CHECK(req.cmd == CONTROL_STATUS || req.cmd == CONTROL_PEERS_ADD || req.cmd == CONTROL_PEERS_REMOVE ||
	      req.cmd == CONTROL_NETCP_SIGN || req.cmd == CONTROL_COMPACT);
	CHECK((req.cmd == CONTROL_PEERS_ADD) == (req.peer != NULL));
	j = request_json(&req);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text) {
		CHECK(control_req_parse(&again, text, strlen(text), &why) == 0);
		CHECK(again.cmd == req.cmd && memcmp(again.key, req.key, CT_KEY_BYTES) == 0);
		CHECK(req.cmd != CONTROL_PEERS_ADD || strcmp(again.peer, req.peer) == 0);
		control_req_free(&again);
	}
	free(text);
	json_decref(j);
	control_req_free(&req);
	return 0;
}
