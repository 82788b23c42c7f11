/*
 * caltrace/ledger/mp.h - canonical msgpack: a strict zero-copy reader and a writer.
 *
 * Canonical (docs/DESIGN.md section 3): every integer and every str, bin, array
 * and map header in its shortest form; map keys are str, sorted bytewise,
 * no duplicates; str is valid UTF-8; no float, no ext, no negative integer;
 * nesting at most CT_MP_MAX_DEPTH deep.
 *
 * The writer produces shortest forms (through msgpack-c's packer); keeping
 * map keys sorted is the caller's duty, and ct_mp_check catches a mistake.
 */
#ifndef CALTRACE_MP_H
#define CALTRACE_MP_H

#include <stdbool.h>

#include "caltrace/base/types.h"

#define CT_MP_MAX_DEPTH 8

/* Kinds of value a reader can meet. */
typedef enum ct_mp_kind {
	CT_MP_NIL = 1,
	CT_MP_BOOL,
	CT_MP_UINT,
	CT_MP_STR,
	CT_MP_BIN,
	CT_MP_ARRAY,
	CT_MP_MAP,
	CT_MP_OTHER, /* negative int, float, ext: never canonical here */
} ct_mp_kind;

/* A read cursor over bytes that stay owned by the caller. */
typedef struct ct_mp {
	const uint8_t *p;
	const uint8_t *end;
} ct_mp;

static inline ct_mp ct_mp_over(const uint8_t *buf, size_t len)
{
	ct_mp r = {buf, buf + len};
	return r;
}

/*
 * Checks that buf holds exactly one canonical value and nothing after it.
 * Errors: CT_ENONCANON (detail names the offset and the rule), CT_ETRUNC.
 */
int ct_mp_check(const uint8_t *buf, size_t len);

/* Kind of the next value, or 0 at the end of input. */
ct_mp_kind ct_mp_peek(const ct_mp *r);

/*
 * Readers: each consumes one value of its kind and advances the cursor.
 * They accept only shortest forms. Errors: CT_EINVAL (another kind is
 * next), CT_ETRUNC (input ends inside the value), CT_ENONCANON.
 * Pointers returned point into the reader's buffer.
 */
int ct_mp_read_nil(ct_mp *r);
int ct_mp_read_bool(ct_mp *r, bool *out);
int ct_mp_read_uint(ct_mp *r, uint64_t *out);
int ct_mp_read_str(ct_mp *r, const char **out, size_t *len);
int ct_mp_read_bin(ct_mp *r, const uint8_t **out, size_t *len);
int ct_mp_read_array(ct_mp *r, uint32_t *count);
int ct_mp_read_map(ct_mp *r, uint32_t *count);
/* Skips one whole value (recursively). */
int ct_mp_skip(ct_mp *r);

/*
 * Looks up key in the map starting at *map (which is not advanced). On
 * success *value is a cursor positioned at the key's value, ending at the
 * end of the map's buffer. Errors: CT_ENOTFOUND, CT_EINVAL (not a map).
 */
int ct_mp_find(const ct_mp *map, const char *key, ct_mp *value);

/*
 * Writers: append the shortest encoding to out. Errors: CT_ENOMEM.
 */
int ct_mp_put_nil(ct_buf *out);
int ct_mp_put_bool(ct_buf *out, bool v);
int ct_mp_put_uint(ct_buf *out, uint64_t v);
int ct_mp_put_str(ct_buf *out, const char *s, size_t len);
int ct_mp_put_cstr(ct_buf *out, const char *s);
int ct_mp_put_bin(ct_buf *out, const uint8_t *b, size_t len);
int ct_mp_put_array(ct_buf *out, uint32_t count);
int ct_mp_put_map(ct_buf *out, uint32_t count);

#endif
