/*
 * caltrace/base/b64.h - standard base64 (RFC 4648 section 4, with padding),
 * as the C2SP text formats (docs/CHECKPOINTS.md) and proof bundles
 * (docs/FORMAT.md section 11) write it.
 *
 * Only the canonical form is accepted: the alphabet A-Z a-z 0-9 + /, a
 * length that is a multiple of 4, exactly the padding the length needs, no
 * spaces or line breaks, and zero bits below the last whole byte. So a
 * string decodes only when encoding its bytes gives the same string back,
 * and text formats built on it re-serialise byte for byte. libsodium
 * (sodium_base642bin, sodium_base64_VARIANT_ORIGINAL, no ignored characters)
 * does the work; docs/DECISIONS.md says why nothing is checked around it.
 */
#ifndef CALTRACE_BASE_B64_H
#define CALTRACE_BASE_B64_H

#include "caltrace/base/types.h"

/* Length of the base64 of n bytes, padding included, without a NUL. */
#define CT_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* The most bytes n characters of base64 can decode to. */
#define CT_B64_DECODED_MAX(n) ((n) / 4 * 3)

/*
 * Decodes the len characters at b64 (no NUL needed) into out, which has
 * room for cap bytes, and sets *out_len. out is never NULL, even when cap
 * is 0 (libsodium's decoder declares it non-null).
 *
 * Errors: CT_EINVAL when the characters are not canonical base64 (see
 * above); CT_ETOOBIG when they decode to more than cap bytes. On error
 * out's contents are unspecified. The detail says which; callers usually
 * replace it with one naming the field.
 */
int ct_b64_decode(uint8_t *out, size_t cap, size_t *out_len, const char *b64, size_t len);

/*
 * Writes the padded base64 of len bytes and a NUL into out, which must hold
 * size >= CT_B64_LEN(len) + 1 characters (a smaller size is a programming
 * error: libsodium aborts). Never fails.
 */
void ct_b64_encode(char *out, size_t size, const uint8_t *bin, size_t len);

/* Appends the padded base64 of len bytes to out (no NUL). Errors: CT_ENOMEM. */
int ct_b64_put(ct_buf *out, const uint8_t *bin, size_t len);

#endif
