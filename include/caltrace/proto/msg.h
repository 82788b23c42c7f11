/*
 * caltrace/proto/msg.h - the replication messages (docs/PROTOCOL.md section 4).
 *
 * Every message is one canonical msgpack array whose first element is the
 * message type:
 *
 *   hello      [1, version, [[author, size, head|nil, flags], ...]]
 *   want       [2, author, from, to]
 *   entries    [3, author, from, flags, [entry (bin), ...]]
 *   have       [4, author, size, head]
 *   fork       [5, entry a (bin), entry b (bin)]
 *   ping       [6, nonce]
 *   pong       [7, nonce]
 *   error      [8, code, text]
 *   checkpoint [9, author, note (bin)]
 *
 * author is a bin of 32 bytes, head a bin of 32 bytes; sizes and seqs are
 * uint. The decoder checks the whole structure (and canonical form) before
 * it returns; the iterators then cannot fail.
 */
#ifndef CT_PROTO_MSG_H
#define CT_PROTO_MSG_H

#include <stdbool.h>

#include "caltrace/ledger/mp.h"
#include "caltrace/base/types.h"

#define CT_PROTO_VERSION 1

typedef enum ct_msg_type {
	CT_MSG_HELLO = 1,
	CT_MSG_WANT = 2,
	CT_MSG_ENTRIES = 3,
	CT_MSG_HAVE = 4,
	CT_MSG_FORK = 5,
	CT_MSG_PING = 6,
	CT_MSG_PONG = 7,
	CT_MSG_ERROR = 8,
	CT_MSG_CHECKPOINT = 9,
} ct_msg_type;

/* entries flags */
#define CT_ENTRIES_LAST 1u /* the last message answering a want */
#define CT_ENTRIES_PUSH 2u /* unsolicited: new entries pushed live */

/* hello head flags */
#define CT_HEAD_FORKED 1u

#define CT_MSG_TEXT_MAX 512 /* longest error text */

/* One feed head as a hello carries it. */
typedef struct ct_wire_head {
	uint8_t author[CT_KEY_BYTES];
	uint64_t size;
	bool has_head; /* false when size is 0 */
	uint8_t head[CT_HASH_BYTES];
	unsigned flags;
} ct_wire_head;

/* A decoded message. Pointers point into the decoded buffer. */
typedef struct ct_msg {
	ct_msg_type type;
	uint64_t version;      /* hello */
	const uint8_t *author; /* want, entries, have, checkpoint */
	uint64_t from, to;     /* want; entries: from */
	uint64_t size;	       /* have */
	const uint8_t *head;   /* have */
	unsigned flags;	       /* entries */
	uint32_t count;	       /* hello: heads; entries: entries */
	ct_mp items;	       /* hello, entries: cursor at the next item */
	const uint8_t *a, *b;  /* fork */
	size_t a_len, b_len;
	uint64_t nonce;	  /* ping, pong */
	uint64_t code;	  /* error */
	const char *text; /* error, not NUL-terminated */
	size_t text_len;
	const uint8_t *note; /* checkpoint */
	size_t note_len;
} ct_msg;

/*
 * Decodes and checks one message. Errors: CT_ENONCANON, CT_ETRUNC,
 * CT_EINVAL (unknown type, wrong field count or kind, an entry bin over
 * CT_ENTRY_MAX, a text over CT_MSG_TEXT_MAX, trailing bytes). The detail
 * names the message and field.
 */
int ct_msg_decode(ct_msg *out, const uint8_t *buf, size_t len);

/* Next head of a hello: 1 and *out filled, 0 at the end. */
int ct_msg_next_head(ct_msg *m, ct_wire_head *out);

/* Next encoded entry of an entries message: 1 and raw/len set, 0 at the end. */
int ct_msg_next_entry(ct_msg *m, const uint8_t **raw, size_t *len);

/* Name of a message type for logs ("want"), "unknown" otherwise. */
const char *ct_msg_name(unsigned type);

/* Encoders: each appends one message to out. Errors: CT_ENOMEM. */
int ct_msg_hello(ct_buf *out, const ct_wire_head *heads, size_t count);
int ct_msg_want(ct_buf *out, const uint8_t author[CT_KEY_BYTES], uint64_t from, uint64_t to);
/* The header of an entries message; the caller then appends count entries with ct_mp_put_bin. */
int ct_msg_entries_begin(ct_buf *out, const uint8_t author[CT_KEY_BYTES], uint64_t from, unsigned flags,
			 uint32_t count);
int ct_msg_have(ct_buf *out, const uint8_t author[CT_KEY_BYTES], uint64_t size,
		const uint8_t head[CT_HASH_BYTES]);
int ct_msg_fork(ct_buf *out, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
int ct_msg_ping(ct_buf *out, uint64_t nonce);
int ct_msg_pong(ct_buf *out, uint64_t nonce);
int ct_msg_error(ct_buf *out, uint64_t code, const char *text);
int ct_msg_checkpoint(ct_buf *out, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len);

#endif
