/*
 * caltrace/proto/frame.h - length-prefixed frames on a byte stream.
 *
 *   frame = length (u32, big-endian) || body (length bytes)
 *
 * A framer accumulates the bytes a socket delivers and hands out whole
 * frame bodies. A length over the framer's limit is refused before any of
 * the body is buffered, so a peer cannot make us hold more than one
 * frame's worth of memory.
 */
#ifndef CT_PROTO_FRAME_H
#define CT_PROTO_FRAME_H

#include <stdbool.h>

#include "caltrace/base/types.h"

#define CT_FRAME_HEADER 4
#define CT_FRAME_MAX	(1u << 20) /* largest body of a transport frame (ciphertext) */
#define CT_FRAME_HS_MAX 512	   /* largest body of a handshake frame */

typedef struct ct_framer {
	ct_buf in; /* bytes received, from off on not yet consumed */
	size_t off;
	uint32_t limit; /* largest body accepted */
} ct_framer;

/* An empty framer accepting bodies of at most limit bytes. */
void ct_framer_init(ct_framer *f, uint32_t limit);

/* Changes the limit (after a handshake, from CT_FRAME_HS_MAX to CT_FRAME_MAX). */
void ct_framer_set_limit(ct_framer *f, uint32_t limit);

/* Frees the framer's buffer. */
void ct_framer_free(ct_framer *f);

/* Appends received bytes. Errors: CT_ENOMEM. */
int ct_framer_push(ct_framer *f, const uint8_t *data, size_t len);

/*
 * Takes the next whole frame: returns 1 and points body/len at it (valid
 * until the next push), 0 when more bytes are needed.
 * Errors: CT_ETOOBIG (a length over the limit; detail names both).
 */
int ct_framer_next(ct_framer *f, const uint8_t **body, size_t *len);

/* Bytes buffered and not yet handed out. */
size_t ct_framer_pending(const ct_framer *f);

/* Appends a frame holding body to out. Errors: CT_ETOOBIG (over CT_FRAME_MAX), CT_ENOMEM. */
int ct_frame_put(ct_buf *out, const uint8_t *body, size_t len);

/* Writes the 4-byte header of a frame of len bytes. */
void ct_frame_header(uint8_t out[CT_FRAME_HEADER], uint32_t len);

#endif
