/* caltrace/types.h - sizes and small value types shared by every header. */
#ifndef CALTRACE_TYPES_H
#define CALTRACE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define CT_KEY_BYTES 32      /* Ed25519 public key */
#define CT_SECRET_BYTES 64   /* Ed25519 secret key (seed || public key) */
#define CT_SIG_BYTES 64      /* Ed25519 signature */
#define CT_HASH_BYTES 32     /* SHA-256 */
#define CT_ENTRY_MAX (64 * 1024) /* largest encoded entry */
#define CT_ID_MAX 200        /* longest instrument/standard/person/item id, bytes */

/* A growable byte buffer owned by its user; free with ct_buf_free. */
typedef struct ct_buf {
	uint8_t *ptr;
	size_t len;
	size_t cap;
} ct_buf;

#define CT_BUF_INIT {NULL, 0, 0}

/* Appends n bytes; returns 0 or CT_ENOMEM. */
int ct_buf_put(ct_buf *b, const void *p, size_t n);
/* Ensures room for n more bytes; returns 0 or CT_ENOMEM. */
int ct_buf_grow(ct_buf *b, size_t n);
/* Frees the buffer's memory; the buffer is reusable afterwards. */
void ct_buf_free(ct_buf *b);

/*
 * Ensures the array *v of *cap elements of size bytes has room for need:
 * when it has not, doubles *cap from first (or from *cap) until it has,
 * and reallocates. Returns 0, or CT_ENOMEM with the detail "out of memory
 * <what>" (the array is then as it was).
 */
int ct_array_grow(void **v, size_t *cap, size_t need, size_t size, size_t first, const char *what);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void ct_hex(char *out, const uint8_t *bytes, size_t n);
/* Parses exactly 2n hex digits into out; returns 0 or CT_EINVAL. */
int ct_unhex(uint8_t *out, size_t n, const char *hex);

#define CT_KEY_SHORT_LEN 8 /* hex digits of a key's short name */

/*
 * The short name of a key (or of a 32-byte hash, such as a network ID): its
 * first CT_KEY_SHORT_LEN lowercase hex digits and a NUL, as every message,
 * log line and listing names a key ("feed 9c1d0a3e…"). Never fails.
 */
void ct_key_short(char out[static CT_KEY_SHORT_LEN + 1], const uint8_t key[static CT_KEY_BYTES]);

#endif
