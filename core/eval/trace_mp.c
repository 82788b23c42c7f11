/*
 * Reading stored bodies fast. Everything the evaluator reads was decoded,
 * checked canonical and schema-checked at ingest, so here a value's header
 * is enough to find its end: no UTF-8 or shortest-form checks again (they
 * were a quarter of coverage's time). Out-of-bounds lengths still fail.
 */
#include "trace_internal.h"

/* The end of the value at p, or NULL when it runs past end. depth bounds nesting. */
static const uint8_t *skip(const uint8_t *p, const uint8_t *end, int depth)
{
	uint64_t n = 0, items = 0, i;
	uint8_t b;

	if (p >= end || depth > CT_MP_MAX_DEPTH)
		return NULL;
	b = *p++;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return p; /* fixint, nil, bool */
	if ((b & 0xe0) == 0xa0)
		n = b & 0x1f; /* fixstr */
	else if ((b & 0xf0) == 0x90)
		items = b & 0x0f;
	else if ((b & 0xf0) == 0x80)
		items = 2 * (uint64_t)(b & 0x0f);
	else {
		static const uint8_t width[] = {
		    [0xc4] = 1, [0xc5] = 2, [0xc6] = 4, [0xcc] = 1, [0xcd] = 2, [0xce] = 4, [0xcf] = 8,
		    [0xd9] = 1, [0xda] = 2, [0xdb] = 4, [0xdc] = 2, [0xdd] = 4, [0xde] = 2, [0xdf] = 4};
		uint8_t w = b < sizeof(width) ? width[b] : 0;
		uint64_t v = 0;
		if (!w || (size_t)(end - p) < w)
			return NULL;
		for (i = 0; i < w; i++)
			v = v << 8 | *p++;
		if (b >= 0xcc && b <= 0xcf)
			return p; /* uint */
		if (b == 0xdc || b == 0xdd)
			items = v;
		else if (b == 0xde || b == 0xdf)
			items = 2 * v;
		else
			n = v; /* bin, str */
	}
	if (n > (uint64_t)(end - p))
		return NULL;
	p += n;
	for (i = 0; i < items && p; i++)
		p = skip(p, end, depth + 1);
	return p;
}

int ct__map_find(const ct_mp *map, const char *key, ct_mp *out)
{
	const uint8_t *p = map->p, *end = map->end, *k;
	size_t klen = strlen(key);
	ct_mp r = *map;
	uint32_t count, i;
	size_t len;
	int c;

	if (ct_mp_read_map(&r, &count) < 0)
		return CT_EINVAL;
	p = r.p;
	for (i = 0; i < count; i++) {
		if (p >= end)
			return CT_EINVAL;
		if ((*p & 0xe0) == 0xa0) { /* keys are short: fixstr */
			len = *p & 0x1f;
			k = p + 1;
		} else if (*p == 0xd9 && end - p >= 2) {
			len = p[1];
			k = p + 2;
		} else {
			return CT_EINVAL;
		}
		if ((size_t)(end - k) < len)
			return CT_EINVAL;
		p = k + len;
		c = memcmp(k, key, len < klen ? len : klen);
		if (c == 0 && len == klen) {
			out->p = p;
			out->end = end;
			return 0;
		}
		if (c > 0 || (c == 0 && len > klen))
			return CT_ENOTFOUND; /* keys are sorted: it would have come already */
		if (!(p = skip(p, end, 1)))
			return CT_EINVAL;
	}
	return CT_ENOTFOUND;
}

int ct__read_str(ct_mp *r, struct ct__str *out)
{
	const uint8_t *p = r->p;
	size_t n, head;

	if (p >= r->end)
		return CT_EINVAL;
	if ((*p & 0xe0) == 0xa0) {
		n = *p & 0x1f;
		head = 1;
	} else if (*p == 0xd9 && r->end - p >= 2) {
		n = p[1];
		head = 2;
	} else if (*p == 0xda && r->end - p >= 3) {
		n = (size_t)p[1] << 8 | p[2];
		head = 3;
	} else {
		return ct_mp_read_str(r, &out->p, &out->n); /* long strings: the checked reader */
	}
	if ((size_t)(r->end - p) < head + n)
		return CT_EINVAL;
	out->p = (const char *)p + head;
	out->n = n;
	r->p = p + head + n;
	return 0;
}

int ct__skip(ct_mp *r)
{
	const uint8_t *p = skip(r->p, r->end, 0);

	if (!p)
		return CT_EINVAL;
	r->p = p;
	return 0;
}
