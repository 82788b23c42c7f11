/*
 * Quantities of docs/DESIGN.md section 5: {rel_ppm: uint} or {abs: decimal str,
 * unit: str}. Never floats: the ratio rule u x k <= limit is decided with
 * exact integer arithmetic on the decimal digits.
 */
#include <stdio.h>
#include <string.h>

#include "trace_internal.h"

int ct__qty_read(struct ct__qty *q, const ct_mp *value)
{
	ct_mp map = *value, v;

	memset(q, 0, sizeof(*q));
	if (ct_mp_peek(&map) != CT_MP_MAP)
		return CT_EINVAL;
	if (ct__map_find(&map, "rel_ppm", &v) == 0) {
		if (ct_mp_read_uint(&v, &q->ppm) < 0)
			return CT_EINVAL;
		q->form = CT__QTY_REL;
		return 0;
	}
	if (ct__map_find(&map, "abs", &v) < 0 || ct_mp_read_str(&v, &q->abs, &q->abs_len) < 0)
		return CT_EINVAL;
	if (ct__map_find(&map, "unit", &v) < 0 || ct_mp_read_str(&v, &q->unit, &q->unit_len) < 0)
		return CT_EINVAL;
	q->form = CT__QTY_ABS;
	return 0;
}

void ct__qty_format(char *out, size_t size, const struct ct__qty *q)
{
	if (q->form == CT__QTY_REL)
		snprintf(out, size, "%llu ppm", (unsigned long long)q->ppm);
	else if (q->form == CT__QTY_ABS)
		snprintf(out, size, "%.*s %.*s", (int)q->abs_len, q->abs, (int)q->unit_len, q->unit);
	else
		snprintf(out, size, "?");
}

#define DEC_MAX (CT__DECIMAL_MAX + 24)

/* A decimal as its digits without the dot (leading zeros stripped) and the count of fraction digits. */
struct dec {
	char d[DEC_MAX];
	size_t n;
	size_t scale;
};

static void dec_strip(struct dec *x)
{
	size_t i = 0;

	while (i + 1 < x->n && x->d[i] == '0')
		i++;
	memmove(x->d, x->d + i, x->n - i);
	x->n -= i;
}

static int dec_parse(struct dec *x, const char *s, size_t len)
{
	size_t i;

	x->n = x->scale = 0;
	if (len == 0 || len > CT__DECIMAL_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			x->scale = len - i - 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x->d[x->n++] = s[i];
	}
	if (x->n == 0)
		return -1;
	dec_strip(x);
	return 0;
}

/* x *= k, exactly. */
static void dec_mul(struct dec *x, uint64_t k)
{
	char out[DEC_MAX];
	unsigned __int128 carry = 0;
	size_t i, n = 0;

	for (i = x->n; i-- > 0;) {
		carry += (unsigned __int128)(unsigned)(x->d[i] - '0') * k;
		out[n++] = (char)('0' + (int)(carry % 10));
		carry /= 10;
	}
	while (carry && n < DEC_MAX) {
		out[n++] = (char)('0' + (int)(carry % 10));
		carry /= 10;
	}
	for (i = 0; i < n; i++)
		x->d[i] = out[n - 1 - i];
	x->n = n;
	dec_strip(x);
}

/* Appends zeros until x has scale fraction digits. */
static void dec_rescale(struct dec *x, size_t scale)
{
	while (x->scale < scale && x->n < DEC_MAX) {
		x->d[x->n++] = '0';
		x->scale++;
	}
	dec_strip(x);
}

/* -1, 0, 1 as a <, =, > b (same scale). */
static int dec_cmp(const struct dec *a, const struct dec *b)
{
	int c;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	c = memcmp(a->d, b->d, a->n);
	return c < 0 ? -1 : c > 0;
}

int ct__qty_ratio_ok(const struct ct__qty *u, uint64_t k, const struct ct__qty *limit)
{
	struct dec a, b;
	size_t scale;

	if (u->form == CT__QTY_REL && limit->form == CT__QTY_REL) {
		/* u * k <= m  <=>  u <= floor(m / k) for integers, k >= 1 */
		return k == 0 || u->ppm <= limit->ppm / k;
	}
	if (u->form != CT__QTY_ABS || limit->form != CT__QTY_ABS || u->unit_len != limit->unit_len ||
	    memcmp(u->unit, limit->unit, u->unit_len) != 0)
		return -1;
	if (dec_parse(&a, u->abs, u->abs_len) < 0 || dec_parse(&b, limit->abs, limit->abs_len) < 0)
		return -1;
	dec_mul(&a, k);
	scale = a.scale > b.scale ? a.scale : b.scale;
	dec_rescale(&a, scale);
	dec_rescale(&b, scale);
	return dec_cmp(&a, &b) <= 0;
}
