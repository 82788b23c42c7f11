/* Well-formed UTF-8 (caltrace/base/utf8.h). */
#include "caltrace/base/utf8.h"

#include <string.h>

size_t ct_utf8_next(uint32_t *cp, const uint8_t *s, size_t len)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07u;
	} else {
		return 0; /* a continuation byte, an overlong lead 0xc0/0xc1, or above 0xf4 */
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool ct_utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	uint32_t cp;
	size_t n;

	while (p < end) {
		if (*p < 0x80) { /* most strs are ASCII: no call for them, eight bytes at a time */
			uint64_t w;

			while (end - p >= 8 && (memcpy(&w, p, 8), (w & UINT64_C(0x8080808080808080)) == 0))
				p += 8;
			if (p < end && *p < 0x80)
				p++;
			continue;
		}
		if (!(n = ct_utf8_next(&cp, p, (size_t)(end - p))))
			return false;
		p += n;
	}
	return true;
}
