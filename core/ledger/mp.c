/*
 * Canonical msgpack (docs/DESIGN.md section 3): a strict zero-copy reader that
 * accepts only shortest forms, a whole-value checker, and writers that wrap
 * msgpack-c's packer.
 *
 * Offsets in detail messages count from the start of the buffer given to
 * ct_mp_check, or from the cursor's position for the single-value readers.
 */
#include <string.h>

#include <msgpack.h>

#include "caltrace/ledger/mp.h"
#include "caltrace/base/error.h"
#include "caltrace/base/utf8.h"

/* One decoded header: what comes next and how long its header is. */
struct mp_head {
	ct_mp_kind kind;
	uint64_t val; /* uint value, bool value, str/bin length, array/map count */
	size_t hlen;  /* bytes of the header itself */
};

static uint64_t load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static size_t remaining(const ct_mp *r)
{
	return (size_t)(r->end - r->p);
}

/* Kind of the value starting with byte b. */
static ct_mp_kind kind_of(uint8_t b)
{
	if (b <= 0x7f || (b >= 0xcc && b <= 0xcf))
		return CT_MP_UINT;
	if (b <= 0x8f || b == 0xde || b == 0xdf)
		return CT_MP_MAP;
	if (b <= 0x9f || b == 0xdc || b == 0xdd)
		return CT_MP_ARRAY;
	if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb))
		return CT_MP_STR;
	if (b == 0xc0)
		return CT_MP_NIL;
	if (b == 0xc2 || b == 0xc3)
		return CT_MP_BOOL;
	if (b >= 0xc4 && b <= 0xc6)
		return CT_MP_BIN;
	return CT_MP_OTHER;
}

static const char *kind_name(ct_mp_kind k)
{
	switch (k) {
	case CT_MP_NIL: return "nil";
	case CT_MP_BOOL: return "bool";
	case CT_MP_UINT: return "uint";
	case CT_MP_STR: return "str";
	case CT_MP_BIN: return "bin";
	case CT_MP_ARRAY: return "array";
	case CT_MP_MAP: return "map";
	default: return "non-canonical type";
	}
}

/*
 * Parses the header at r->p into h without advancing. Enforces shortest
 * forms and rejects types that are never canonical. For str and bin it
 * checks that the payload fits in the remaining bytes; for arrays and maps
 * that the count could fit (each item takes at least one byte).
 * Errors: CT_ETRUNC, CT_ENONCANON.
 */
static int read_head(const ct_mp *r, const uint8_t *base, struct mp_head *h)
{
	size_t off = (size_t)(r->p - base), left = remaining(r), n = 0;
	uint64_t min = 0; /* smallest value this wide form may hold */
	uint8_t b;

	if (left == 0)
		return ct_error_set(CT_ETRUNC, "offset %zu: input ends where a value should start", off);
	b = r->p[0];
	h->kind = kind_of(b);
	h->hlen = 1;
	h->val = 0;
	if (b <= 0x7f) {
		h->val = b;
		return 0;
	}
	if (b <= 0x9f) {
		h->val = b & 0x0f;
		goto count;
	}
	if (b <= 0xbf) {
		h->val = b & 0x1f;
		goto payload;
	}
	switch (b) {
	case 0xc0: return 0;
	case 0xc2: return 0;
	case 0xc3: h->val = 1; return 0;
	case 0xc4: n = 1; min = 0; break;
	case 0xc5: n = 2; min = 0x100; break;
	case 0xc6: n = 4; min = 0x10000; break;
	case 0xcc: n = 1; min = 0x80; break;
	case 0xcd: n = 2; min = 0x100; break;
	case 0xce: n = 4; min = 0x10000; break;
	case 0xcf: n = 8; min = 0x100000000ULL; break;
	case 0xd9: n = 1; min = 0x20; break;
	case 0xda: n = 2; min = 0x100; break;
	case 0xdb: n = 4; min = 0x10000; break;
	case 0xdc: n = 2; min = 0x10; break;
	case 0xdd: n = 4; min = 0x10000; break;
	case 0xde: n = 2; min = 0x10; break;
	case 0xdf: n = 4; min = 0x10000; break;
	case 0xca:
	case 0xcb: return ct_error_set(CT_ENONCANON, "offset %zu: float (0x%02x) is not allowed", off, b);
	case 0xc1: return ct_error_set(CT_ENONCANON, "offset %zu: reserved byte 0xc1", off);
	default:
		if (b >= 0xd0 && b <= 0xd3)
			return ct_error_set(CT_ENONCANON, "offset %zu: signed int (0x%02x) is not allowed", off, b);
		if (b >= 0xe0)
			return ct_error_set(CT_ENONCANON, "offset %zu: negative fixint 0x%02x is not allowed", off, b);
		return ct_error_set(CT_ENONCANON, "offset %zu: ext (0x%02x) is not allowed", off, b);
	}
	if (left < 1 + n)
		return ct_error_set(CT_ETRUNC, "offset %zu: input ends inside a %s header", off, kind_name(h->kind));
	h->hlen = 1 + n;
	h->val = load_be(r->p + 1, n);
	if (h->val < min)
		return ct_error_set(CT_ENONCANON, "offset %zu: %s %s %llu in %zu-byte form (0x%02x) is not shortest", off,
				 kind_name(h->kind), h->kind == CT_MP_UINT ? "value" : "length",
				 (unsigned long long)h->val, n, b);
	if (h->kind == CT_MP_UINT)
		return 0;
	if (h->kind == CT_MP_ARRAY || h->kind == CT_MP_MAP)
		goto count;
payload:
	if (h->val > left - h->hlen)
		return ct_error_set(CT_ETRUNC, "offset %zu: %s of %llu bytes but only %zu bytes left", off,
				 kind_name(h->kind), (unsigned long long)h->val, left - h->hlen);
	return 0;
count:
	if (h->val * (h->kind == CT_MP_MAP ? 2 : 1) > left - h->hlen)
		return ct_error_set(CT_ETRUNC, "offset %zu: %s of %llu items but only %zu bytes left", off,
				 kind_name(h->kind), (unsigned long long)h->val, left - h->hlen);
	return 0;
}

/* read_head plus a kind check; CT_EINVAL when another kind is next. */
static int expect(const ct_mp *r, ct_mp_kind want, struct mp_head *h)
{
	int err;

	if ((err = read_head(r, r->p, h)) < 0)
		return err;
	if (h->kind != want)
		return ct_error_set(CT_EINVAL, "expected %s, found %s (0x%02x)", kind_name(want), kind_name(h->kind),
				 r->p[0]);
	return 0;
}

ct_mp_kind ct_mp_peek(const ct_mp *r)
{
	if (r->p >= r->end)
		return 0;
	return kind_of(r->p[0]);
}

int ct_mp_read_nil(ct_mp *r)
{
	struct mp_head h;
	int err;

	if ((err = expect(r, CT_MP_NIL, &h)) < 0)
		return err;
	r->p += h.hlen;
	return 0;
}

int ct_mp_read_bool(ct_mp *r, bool *out)
{
	struct mp_head h;
	int err;

	if ((err = expect(r, CT_MP_BOOL, &h)) < 0)
		return err;
	*out = h.val != 0;
	r->p += h.hlen;
	return 0;
}

int ct_mp_read_uint(ct_mp *r, uint64_t *out)
{
	struct mp_head h;
	int err;

	if ((err = expect(r, CT_MP_UINT, &h)) < 0)
		return err;
	*out = h.val;
	r->p += h.hlen;
	return 0;
}

int ct_mp_read_str(ct_mp *r, const char **out, size_t *len)
{
	struct mp_head h;
	const char *s;
	int err;

	if ((err = expect(r, CT_MP_STR, &h)) < 0)
		return err;
	s = (const char *)r->p + h.hlen;
	if (!ct_utf8_valid(s, (size_t)h.val))
		return ct_error_set(CT_ENONCANON, "str of %llu bytes is not valid UTF-8", (unsigned long long)h.val);
	*out = s;
	*len = (size_t)h.val;
	r->p += h.hlen + (size_t)h.val;
	return 0;
}

int ct_mp_read_bin(ct_mp *r, const uint8_t **out, size_t *len)
{
	struct mp_head h;
	int err;

	if ((err = expect(r, CT_MP_BIN, &h)) < 0)
		return err;
	*out = r->p + h.hlen;
	*len = (size_t)h.val;
	r->p += h.hlen + (size_t)h.val;
	return 0;
}

int ct_mp_read_array(ct_mp *r, uint32_t *count)
{
	struct mp_head h;
	int err;

	if ((err = expect(r, CT_MP_ARRAY, &h)) < 0)
		return err;
	*count = (uint32_t)h.val;
	r->p += h.hlen;
	return 0;
}

int ct_mp_read_map(ct_mp *r, uint32_t *count)
{
	struct mp_head h;
	int err;

	if ((err = expect(r, CT_MP_MAP, &h)) < 0)
		return err;
	*count = (uint32_t)h.val;
	r->p += h.hlen;
	return 0;
}

/*
 * Checks that key (at offset off) sorts strictly after prev: bytewise, a
 * prefix before its extensions. Errors: CT_ENONCANON naming both keys.
 */
static int key_order(const char *prev, size_t prev_len, const char *key, size_t key_len, size_t off)
{
	int cmp = memcmp(prev, key, prev_len < key_len ? prev_len : key_len);
	int show = (int)(key_len > 40 ? 40 : key_len), show_prev = (int)(prev_len > 40 ? 40 : prev_len);

	if (cmp == 0 && prev_len == key_len)
		return ct_error_set(CT_ENONCANON, "offset %zu: duplicate map key \"%.*s\"", off, show, key);
	if (cmp > 0 || (cmp == 0 && prev_len > key_len))
		return ct_error_set(CT_ENONCANON, "offset %zu: map keys not sorted (\"%.*s\" after \"%.*s\")", off,
				 show, key, show_prev, prev);
	return 0;
}

static int walk(ct_mp *r, const uint8_t *base, int depth, bool check);

/*
 * Walks the count key/value pairs of a map whose header has been consumed;
 * with check set, keys must be strs in strictly increasing order. depth
 * counts the containers around the pairs. Errors: as walk.
 */
static int walk_map(ct_mp *r, const uint8_t *base, uint64_t count, int depth, bool check)
{
	const char *key = NULL, *prev_key = NULL;
	size_t key_len = 0, prev_len = 0, off;
	struct mp_head kh;
	uint64_t i;
	int err;

	for (i = 0; i < count; i++) {
		off = (size_t)(r->p - base);
		if (check) {
			if ((err = read_head(r, base, &kh)) < 0)
				return err;
			if (kh.kind != CT_MP_STR)
				return ct_error_set(CT_ENONCANON, "offset %zu: map key is a %s, not a str", off,
						 kind_name(kh.kind));
			key = (const char *)r->p + kh.hlen;
			key_len = (size_t)kh.val;
		}
		if ((err = walk(r, base, depth, check)) < 0)
			return err;
		if (check && prev_key && (err = key_order(prev_key, prev_len, key, key_len, off)) < 0)
			return err;
		prev_key = key;
		prev_len = key_len;
		if ((err = walk(r, base, depth, check)) < 0)
			return err;
	}
	return 0;
}

/*
 * Walks one value at r->p and advances past it. Headers must be shortest
 * form and containers at most CT_MP_MAX_DEPTH deep (which also bounds the
 * recursion); with check set, strs must be UTF-8 and maps sorted. depth is
 * the number of containers around the value.
 * Errors: CT_ETRUNC, CT_ENONCANON.
 */
static int walk(ct_mp *r, const uint8_t *base, int depth, bool check)
{
	size_t off = (size_t)(r->p - base);
	struct mp_head h;
	uint64_t i;
	int err;

	if ((err = read_head(r, base, &h)) < 0)
		return err;
	if ((h.kind == CT_MP_ARRAY || h.kind == CT_MP_MAP) && depth >= CT_MP_MAX_DEPTH)
		return ct_error_set(CT_ENONCANON, "offset %zu: nesting deeper than %d", off, CT_MP_MAX_DEPTH);
	r->p += h.hlen;
	switch (h.kind) {
	case CT_MP_STR:
		if (check && !ct_utf8_valid((const char *)r->p, (size_t)h.val))
			return ct_error_set(CT_ENONCANON, "offset %zu: str is not valid UTF-8", off);
		r->p += (size_t)h.val;
		return 0;
	case CT_MP_BIN:
		r->p += (size_t)h.val;
		return 0;
	case CT_MP_ARRAY:
		for (i = 0; i < h.val; i++)
			if ((err = walk(r, base, depth + 1, check)) < 0)
				return err;
		return 0;
	case CT_MP_MAP:
		return walk_map(r, base, h.val, depth + 1, check);
	default:
		return 0;
	}
}

int ct_mp_skip(ct_mp *r)
{
	ct_mp w = *r;
	int err;

	if ((err = walk(&w, r->p, 0, false)) < 0)
		return err;
	r->p = w.p;
	return 0;
}

int ct_mp_check(const uint8_t *buf, size_t len)
{
	ct_mp r = ct_mp_over(buf, len);
	int err;

	if ((err = walk(&r, buf, 0, true)) < 0)
		return err;
	if (r.p != r.end)
		return ct_error_set(CT_ENONCANON, "offset %zu: %zu trailing bytes after the value", (size_t)(r.p - buf),
				 remaining(&r));
	return 0;
}

int ct_mp_find(const ct_mp *map, const char *key, ct_mp *value)
{
	ct_mp r = *map;
	size_t want = strlen(key), len = 0;
	const char *k = NULL;
	uint32_t count, i;
	int err;

	if ((err = ct_mp_read_map(&r, &count)) < 0)
		return err;
	for (i = 0; i < count; i++) {
		if ((err = ct_mp_read_str(&r, &k, &len)) < 0)
			return err;
		if (len == want && memcmp(k, key, len) == 0) {
			*value = r;
			return 0;
		}
		if ((err = ct_mp_skip(&r)) < 0)
			return err;
	}
	return ct_error_set(CT_ENOTFOUND, "key \"%s\" not in map", key);
}

/* msgpack-c's write callback: appends to the ct_buf in data. */
static int buf_write(void *data, const char *bytes, size_t len)
{
	return ct_buf_put(data, bytes, len) < 0 ? -1 : 0;
}

/* Maps msgpack-c's result (0 or -1, only from buf_write) to ours. */
static int packed(int rc)
{
	return rc == 0 ? 0 : CT_ENOMEM; /* ct_buf_put wrote the detail */
}

int ct_mp_put_nil(ct_buf *out)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	return packed(msgpack_pack_nil(&pk));
}

int ct_mp_put_bool(ct_buf *out, bool v)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	return packed(v ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
}

int ct_mp_put_uint(ct_buf *out, uint64_t v)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	return packed(msgpack_pack_uint64(&pk, v));
}

/*
 * Appends a str or bin: header then payload. msgpack-c silently truncates
 * lengths to 32 bits, so larger ones are refused here (CT_ETOOBIG).
 */
static int put_bytes(ct_buf *out, bool is_str, const void *p, size_t len)
{
	msgpack_packer pk;
	size_t start = out->len;
	int rc;

	if (len > UINT32_MAX)
		return ct_error_set(CT_ETOOBIG, "%s of %zu bytes exceeds msgpack's 32-bit length", is_str ? "str" : "bin",
				 len);
	msgpack_packer_init(&pk, out, buf_write);
	if (is_str)
		rc = msgpack_pack_str(&pk, len) || msgpack_pack_str_body(&pk, p, len);
	else
		rc = msgpack_pack_bin(&pk, len) || msgpack_pack_bin_body(&pk, p, len);
	if (rc)
		out->len = start; /* never leave half a value behind */
	return rc ? CT_ENOMEM : 0;
}

int ct_mp_put_str(ct_buf *out, const char *s, size_t len)
{
	return put_bytes(out, true, s, len);
}

int ct_mp_put_cstr(ct_buf *out, const char *s)
{
	return put_bytes(out, true, s, strlen(s));
}

int ct_mp_put_bin(ct_buf *out, const uint8_t *b, size_t len)
{
	return put_bytes(out, false, b, len);
}

int ct_mp_put_array(ct_buf *out, uint32_t count)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	return packed(msgpack_pack_array(&pk, count));
}

int ct_mp_put_map(ct_buf *out, uint32_t count)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	return packed(msgpack_pack_map(&pk, count));
}
