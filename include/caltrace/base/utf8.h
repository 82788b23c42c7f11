/*
 * caltrace/base/utf8.h - well-formed UTF-8 (RFC 3629; Unicode, Table 3-7).
 *
 * Well-formed means: no overlong forms, no surrogates (U+D800..U+DFFF), no
 * code point above U+10FFFF, no stray continuation byte, no sequence cut
 * short. Canonical msgpack strs (docs/FORMAT.md) and C2SP note text
 * (docs/CHECKPOINTS.md) both use this one definition.
 */
#ifndef CALTRACE_BASE_UTF8_H
#define CALTRACE_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the UTF-8 sequence at s, of which len > 0 bytes may be read, into
 * *cp. Returns its length (1 to 4), or 0 when it is not well-formed; *cp is
 * then unchanged.
 */
size_t ct_utf8_next(uint32_t *cp, const uint8_t *s, size_t len);

/* True when s[0..len) is well-formed UTF-8 (the empty string is). */
bool ct_utf8_valid(const char *s, size_t len);

#endif
