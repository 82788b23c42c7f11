/* The control socket's request parser: see control_req.h. */
#include "control_req.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/keys.h"

int control_req_parse(struct control_req *out, const char *line, size_t len, const char **why)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, 0, &jerr);
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!cmd) {
		*why = "expected {\"cmd\": ...}";
		rc = -1;
	} else if (strcmp(cmd, "status") == 0) {
		out->cmd = CONTROL_STATUS;
	} else if (strcmp(cmd, "peers-add") == 0) {
		const char *peer = json_string_value(json_object_get(req, "peer"));
		if (!peer) {
			*why = "peers-add needs \"peer\": \"KEY@host:port\"";
			rc = -1;
		} else if (!(out->peer = strdup(peer))) {
			*why = "out of memory";
			rc = -2;
		} else {
			out->cmd = CONTROL_PEERS_ADD;
		}
	} else if (strcmp(cmd, "peers-remove") == 0) {
		const char *hex = json_string_value(json_object_get(req, "key"));
		if (!hex || ct_key_parse(out->key, hex) < 0) {
			*why = "peers-remove needs \"key\": 64 hex digits";
			rc = -1;
		} else {
			out->cmd = CONTROL_PEERS_REMOVE;
		}
	} else if (strcmp(cmd, "netcheckpoint-sign") == 0) {
		out->cmd = CONTROL_NETCP_SIGN;
	} else if (strcmp(cmd, "compact") == 0) {
		out->cmd = CONTROL_COMPACT;
	} else {
		*why = "unknown command";
		rc = -1;
	}
	json_decref(req);
	return rc;
}

void control_req_free(struct control_req *req)
{
	free(req->peer);
	req->peer = NULL;
}
