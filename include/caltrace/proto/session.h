/*
 * caltrace/proto/session.h - one authenticated, encrypted connection as pure code:
 * bytes in, bytes out, decrypted messages out. No sockets.
 *
 * The handshake (docs/PROTOCOL.md section 2) is Noise-XX-like: ephemeral
 * X25519 keys (forward secrecy), each side proving its Ed25519 identity by
 * signing the transcript hash (network id, both ephemeral keys, its role),
 * identities sent encrypted, the whole bound to the network id. Then one
 * crypto_secretstream_xchacha20poly1305 stream per direction, one stream
 * message per frame (proto/frame.h).
 *
 *   initiator (dialer)                      responder (listener)
 *   msg1: magic, version, tag, e_I   ->
 *                                    <-   msg2: tag, e_R, box_R(id_R, sig_R, header_R)
 *   msg3: box_I(id_I, sig_I, header_I) ->
 *   transport frames                 <->  transport frames
 */
#ifndef CT_PROTO_SESSION_H
#define CT_PROTO_SESSION_H

#include <stdbool.h>

#include "caltrace/ledger/keys.h"
#include "caltrace/base/types.h"
#include "caltrace/proto/frame.h"

#define CT_HS_MAGIC	 "caltrace" /* 8 bytes, first bytes a dialer sends */
#define CT_HS_VERSION	 1
#define CT_HS_TAG_BYTES	 16
#define CT_HS_MSG1_BYTES (8 + 1 + CT_HS_TAG_BYTES + 32)
#define CT_HS_BOX_BYTES	 (CT_KEY_BYTES + CT_SIG_BYTES + 24 + 16)
#define CT_HS_MSG2_BYTES (CT_HS_TAG_BYTES + 32 + CT_HS_BOX_BYTES)
#define CT_HS_MSG3_BYTES CT_HS_BOX_BYTES
#define CT_MSG_MAX	 (CT_FRAME_MAX - 17) /* largest message: a frame less the stream's overhead */

typedef struct ct_session ct_session;

/*
 * Decides whether a peer that proved key may talk to us. Returns 0 to
 * accept, a negative CT_E* code (with a detail message) to refuse.
 */
typedef int (*ct_authorize_fn)(void *ctx, const uint8_t key[CT_KEY_BYTES]);

typedef struct ct_session_opts {
	const ct_keypair *identity; /* this node's key pair (kept by reference) */
	const uint8_t *network;	    /* network id, CT_HASH_BYTES (copied) */
	bool initiator;		    /* true for the side that dialed */
	const uint8_t *expect;	    /* initiator: the pinned key of the peer dialed, or NULL */
	ct_authorize_fn authorize;  /* called with the peer's proven key; NULL accepts */
	void *ctx;
	const uint8_t *ephemeral_seed; /* 32 bytes for a deterministic ephemeral key (tests), or NULL */
} ct_session_opts;

/* A new session. Errors: CT_ENOMEM, CT_ERROR (libsodium). */
int ct_session_new(ct_session **out, const ct_session_opts *opts);

/* Frees and wipes; accepts NULL. */
void ct_session_free(ct_session *s);

/* Initiator only: appends msg1 to out. Errors: CT_ENOMEM. */
int ct_session_start(ct_session *s, ct_buf *out);

/* Buffers bytes received from the peer. Errors: CT_ENOMEM. */
int ct_session_push(ct_session *s, const uint8_t *data, size_t len);

/*
 * Processes buffered bytes: handshake messages (appending the replies to
 * out) and then transport frames. Returns 1 with *msg, *len set to the
 * next decrypted message (valid until the next call or push), 0 when more
 * bytes are needed, or an error after which the connection must be
 * dropped; the detail names the rule broken:
 *   CT_EINVAL   not a caltrace handshake, malformed handshake message,
 *               wrong network id, a frame that fails authentication
 *   CT_ETOOBIG  a frame over the limit
 *   CT_EBADSIG  the peer's transcript signature does not verify
 *   CT_EAUTH    the peer's key is not the one dialed, is our own, or
 *               authorize refused it (then ct_session_can_seal is true
 *               and an error message may still be sent before closing)
 */
int ct_session_next(ct_session *s, ct_buf *out, const uint8_t **msg, size_t *len);

/* True once the handshake completed on this side. */
bool ct_session_ready(const ct_session *s);

/* True when messages can be sealed (ready, or refused after a complete handshake). */
bool ct_session_can_seal(const ct_session *s);

/*
 * The peer's proven key, or NULL until its transcript signature has
 * verified (a key claimed in a box whose signature fails is never
 * returned: a failed handshake is not anyone's).
 */
const uint8_t *ct_session_peer(const ct_session *s);

/*
 * Encrypts one message into a transport frame appended to out.
 * Errors: CT_ETOOBIG (over CT_MSG_MAX), CT_ESTATE (no stream yet), CT_ENOMEM.
 */
int ct_session_seal(ct_session *s, ct_buf *out, const uint8_t *msg, size_t len);

/* The network tag sent in the handshake: SHA-256("caltrace/network-tag/v1" 0x00 || id)[0..16). */
void ct_network_tag(uint8_t out[CT_HS_TAG_BYTES], const uint8_t network[CT_HASH_BYTES]);

#endif
