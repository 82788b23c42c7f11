#include <stdlib.h>
#include <string.h>

#include "caltrace/base/types.h"
#include "caltrace/base/error.h"

int ct_array_grow(void **v, size_t *cap, size_t need, size_t size, size_t first, const char *what)
{
	size_t c = *cap ? *cap : first;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(p = realloc(*v, c * size)))
		return ct_error_set(CT_ENOMEM, "out of memory %s", what);
	*v = p;
	*cap = c;
	return 0;
}

int ct_buf_grow(ct_buf *b, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (n > SIZE_MAX - b->len)
		return ct_error_set(CT_ENOMEM, "buffer size overflow");
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = realloc(b->ptr, cap);
	if (!p)
		return ct_error_set(CT_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int ct_buf_put(ct_buf *b, const void *p, size_t n)
{
	int err;

	if (n == 0)
		return 0;
	if ((err = ct_buf_grow(b, n)) < 0)
		return err;
	memcpy(b->ptr + b->len, p, n);
	b->len += n;
	return 0;
}

void ct_buf_free(ct_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

void ct_hex(char *out, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

void ct_key_short(char out[static CT_KEY_SHORT_LEN + 1], const uint8_t key[static CT_KEY_BYTES])
{
	ct_hex(out, key, CT_KEY_SHORT_LEN / 2);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ct_unhex(uint8_t *out, size_t n, const char *hex)
{
	size_t i;

	if (strlen(hex) != 2 * n)
		return ct_error_set(CT_EINVAL, "expected %zu hex digits, got %zu", 2 * n, strlen(hex));
	for (i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ct_error_set(CT_EINVAL, "not a hex digit at position %zu", 2 * i + (hi < 0 ? 0 : 1));
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
