/*
 * Canonical padded base64 over libsodium's codec (caltrace/base/b64.h).
 *
 * sodium_base642bin with the original variant, no characters to ignore and
 * no end pointer refuses almost everything that is not canonical: a
 * missing, extra or misplaced '=', a length not a multiple of 4, an ASCII
 * character outside the alphabet, and non-zero bits after the last byte.
 * Not a byte of 0x80 or more: libsodium 1.0.18 (Debian 12's) reads those as
 * the digit '/', so they are refused here first (tests/unit/test_b64.c holds
 * it to all of that; docs/DECISIONS.md).
 */
#include <sodium.h>

#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"

int ct_b64_decode(uint8_t *out, size_t cap, size_t *out_len, const char *b64, size_t len)
{
	size_t pad = 0, bin_len = 0, i;

	/* What a canonical string of this length and padding would decode to, so that "too big"
	 * is told apart from "not base64" without asking libsodium's errno. */
	if (len % 4 == 0 && len > 0 && b64[len - 1] == '=')
		pad = b64[len - 2] == '=' ? 2 : 1;
	if (len % 4 == 0 && CT_B64_DECODED_MAX(len) - pad > cap)
		return ct_error_set(CT_ETOOBIG, "base64 of %zu characters decodes to more than %zu bytes",
				    len, cap);
	for (i = 0; i < len; i++)
		if ((unsigned char)b64[i] >= 0x80)
			return ct_error_set(CT_EINVAL, "base64 holds the byte 0x%02x at %zu", (unsigned char)b64[i],
					    i);
	if (sodium_base642bin(out, cap, b64, len, NULL, &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return ct_error_set(CT_EINVAL, "%zu characters are not canonical padded base64", len);
	*out_len = bin_len;
	return 0;
}

void ct_b64_encode(char *out, size_t size, const uint8_t *bin, size_t len)
{
	sodium_bin2base64(out, size, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

int ct_b64_put(ct_buf *out, const uint8_t *bin, size_t len)
{
	int err;

	/* The encoder writes a NUL after the characters: room for it, not counted. */
	if ((err = ct_buf_grow(out, CT_B64_LEN(len) + 1)) < 0)
		return err;
	ct_b64_encode((char *)out->ptr + out->len, CT_B64_LEN(len) + 1, bin, len);
	out->len += CT_B64_LEN(len);
	return 0;
}
