/*
 * The control socket's request parser (docs/PROTOCOL.md section 7), kept
 * apart from the socket so that it is a pure function a fuzz target can
 * call (tests/fuzz/fuzz_control.c): no node state, no I/O, no libuv.
 */
#ifndef CALTRACED_CONTROL_REQ_H
#define CALTRACED_CONTROL_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "caltrace/base/types.h"

enum control_cmd {
	CONTROL_STATUS = 1,
	CONTROL_PEERS_ADD,
	CONTROL_PEERS_REMOVE,
	CONTROL_NETCP_SIGN,
	CONTROL_COMPACT,
};

struct control_req {
	enum control_cmd cmd;
	char *peer;		       /* peers-add: the "peer" text as sent (checked by slot_add); malloc'd */
	uint8_t key[CT_KEY_BYTES];     /* peers-remove: the key */
};

/*
 * Parses one request line (len bytes, no newline needed) into *out.
 * Returns 0, or -1 with *why set to the static text of the error answer
 * ("expected {\"cmd\": ...}", "unknown command", "peers-add needs ...",
 * "peers-remove needs ..."), or -2 when out of memory (*why "out of
 * memory"). On failure *out holds nothing to free.
 */
int control_req_parse(struct control_req *out, const char *line, size_t len, const char **why);

/* Frees what control_req_parse allocated; accepts a zeroed struct. */
void control_req_free(struct control_req *req);

#endif
