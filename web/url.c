/* Percent-encoding of paths and queries, and what an id may be: pure. */
#include <string.h>

#include "caltrace/base/utf8.h"
#include "web_internal.h"

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

long ct__pct_decode(char *out, size_t cap, const char *s, size_t n, bool query, const char **why)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*why = "a '%' not followed by two hex digits";
				return -1;
			}
			c = (char)(hi << 4 | lo);
			if (c == '\0') {
				*why = "a NUL byte (%00)";
				return -1;
			}
			i += 2;
		} else if (c == '+' && query) {
			c = ' ';
		} else if (c == '\0') {
			*why = "a NUL byte";
			return -1;
		}
		if (len >= cap) {
			*why = "too long";
			return -1;
		}
		out[len++] = c;
	}
	out[len] = '\0';
	return (long)len;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

int ct__pct_encode(ct_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
		if ((err = unreserved(c) ? ct_buf_put(out, &c, 1) : ct_buf_put(out, esc, 3)) < 0)
			return err;
	}
	return 0;
}

bool ct__id_ok(const char *s, size_t n, const char **why)
{
	size_t i;

	if (n == 0) {
		*why = "it is empty";
		return false;
	}
	if (n > CT_ID_MAX) {
		*why = "it is longer than 200 bytes";
		return false;
	}
	if (!ct_utf8_valid(s, n)) {
		*why = "it is not UTF-8";
		return false;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*why = "it holds a control character";
			return false;
		}
	return true;
}
