/*
 * The field of Ed25519 for sigkey.c, and only for it: elements mod
 * p = 2^255 - 19 in five 51-bit limbs. Kept in sigkey.c's translation unit
 * (static functions, included once) so that its fast path, compiled twice
 * (for any x86-64 and for AVX2 with BMI2), inlines them in each build.
 * Nothing here runs in constant time: every input is public.
 */
#ifndef CT_SIGKEY_FE_H
#define CT_SIGKEY_FE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

typedef struct {
	uint64_t v[5];
} fe;

/* ---- the field ---------------------------------------------------------------- */

static uint64_t load64(const uint8_t *p)
{
	uint64_t r = 0;

	for (int i = 7; i >= 0; i--)
		r = (r << 8) | p[i];
	return r;
}

/* The low 255 bits of s. */
static void fe_frombytes(fe *h, const uint8_t s[32])
{
	h->v[0] = load64(s) & MASK51;
	h->v[1] = (load64(s + 6) >> 3) & MASK51;
	h->v[2] = (load64(s + 12) >> 6) & MASK51;
	h->v[3] = (load64(s + 19) >> 1) & MASK51;
	h->v[4] = (load64(s + 24) >> 12) & MASK51;
}

static void fe_carry(fe *h)
{
	uint64_t c;

	for (int i = 0; i < 4; i++) {
		c = h->v[i] >> 51;
		h->v[i] &= MASK51;
		h->v[i + 1] += c;
	}
	c = h->v[4] >> 51;
	h->v[4] &= MASK51;
	h->v[0] += 19 * c;
}

static void fe_set(fe *h, uint64_t small)
{
	memset(h, 0, sizeof(*h));
	h->v[0] = small;
}

/* Without the carry: only for a multiplication's input (limbs below 2^54). */
static void fe_add_lazy(fe *h, const fe *f, const fe *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
}

/* f - g + 4p: limbs of g stay below 2^53 */
static void fe_sub_lazy(fe *h, const fe *f, const fe *g)
{
	static const uint64_t four_p0 = 4 * (MASK51 - 18), four_pi = 4 * MASK51;

	h->v[0] = f->v[0] + four_p0 - g->v[0];
	for (int i = 1; i < 5; i++)
		h->v[i] = f->v[i] + four_pi - g->v[i];
}

static void fe_add(fe *h, const fe *f, const fe *g)
{
	fe_add_lazy(h, f, g);
	fe_carry(h);
}

static void fe_sub(fe *h, const fe *f, const fe *g)
{
	fe_sub_lazy(h, f, g);
	fe_carry(h);
}

static void fe_neg(fe *h, const fe *f)
{
	fe zero;

	fe_set(&zero, 0);
	fe_sub(h, &zero, f);
}

static void fe_mul(fe *h, const fe *f, const fe *g)
{
	const uint64_t *a = f->v, *b = g->v;
	uint64_t b1 = 19 * b[1], b2 = 19 * b[2], b3 = 19 * b[3], b4 = 19 * b[4];
	u128 r0, r1, r2, r3, r4, c;

	r0 = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
	r1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
	r2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 + (u128)a[4] * b3;
	r3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] + (u128)a[4] * b4;
	r4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] + (u128)a[4] * b[0];
	r1 += r0 >> 51;
	r2 += r1 >> 51;
	r3 += r2 >> 51;
	r4 += r3 >> 51;
	c = (r4 >> 51) * 19 + ((uint64_t)r0 & MASK51);
	h->v[0] = (uint64_t)c & MASK51;
	h->v[1] = ((uint64_t)r1 & MASK51) + (uint64_t)(c >> 51);
	h->v[2] = (uint64_t)r2 & MASK51;
	h->v[3] = (uint64_t)r3 & MASK51;
	h->v[4] = (uint64_t)r4 & MASK51;
}

static void fe_sq(fe *h, const fe *f)
{
	fe_mul(h, f, f);
}

static void fe_sqn(fe *h, const fe *f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* z^(2^250 - 1) and z^11, the common start of inversion and square root. */
static void fe_pow250(fe *z250, fe *z11, const fe *z)
{
	fe z2, z9, t, z5, z10, z20, z50, z100;

	fe_sq(&z2, z);
	fe_sqn(&t, &z2, 2);
	fe_mul(&z9, &t, z);
	fe_mul(z11, &z9, &z2);
	fe_sq(&t, z11);
	fe_mul(&z5, &t, &z9); /* 2^5 - 1 */
	fe_sqn(&t, &z5, 5);
	fe_mul(&z10, &t, &z5); /* 2^10 - 1 */
	fe_sqn(&t, &z10, 10);
	fe_mul(&z20, &t, &z10); /* 2^20 - 1 */
	fe_sqn(&t, &z20, 20);
	fe_mul(&t, &t, &z20); /* 2^40 - 1 */
	fe_sqn(&t, &t, 10);
	fe_mul(&z50, &t, &z10); /* 2^50 - 1 */
	fe_sqn(&t, &z50, 50);
	fe_mul(&z100, &t, &z50); /* 2^100 - 1 */
	fe_sqn(&t, &z100, 100);
	fe_mul(&t, &t, &z100); /* 2^200 - 1 */
	fe_sqn(&t, &t, 50);
	fe_mul(z250, &t, &z50); /* 2^250 - 1 */
}

/* z^(p-2) = z^(2^255 - 21) */
static void fe_invert(fe *h, const fe *z)
{
	fe z250, z11;

	fe_pow250(&z250, &z11, z);
	fe_sqn(&z250, &z250, 5);
	fe_mul(h, &z250, &z11);
}

/* z^((p-5)/8) = z^(2^252 - 3) */
static void fe_pow22523(fe *h, const fe *z)
{
	fe z250, z11;

	fe_pow250(&z250, &z11, z);
	fe_sqn(&z250, &z250, 2);
	fe_mul(h, &z250, z);
}

/* The canonical 32 bytes of f (below p; the top bit clear). */
static void fe_tobytes(uint8_t s[32], const fe *f)
{
	fe h = *f;
	uint64_t q, w[4];

	fe_carry(&h);
	fe_carry(&h);
	/* now h < 2p: q = 1 exactly when h >= p, i.e. h + 19 >= 2^255 */
	q = (h.v[0] + 19) >> 51;
	q = (h.v[1] + q) >> 51;
	q = (h.v[2] + q) >> 51;
	q = (h.v[3] + q) >> 51;
	q = (h.v[4] + q) >> 51;
	h.v[0] += 19 * q;
	for (int i = 0; i < 4; i++) {
		h.v[i + 1] += h.v[i] >> 51;
		h.v[i] &= MASK51;
	}
	h.v[4] &= MASK51;
	w[0] = h.v[0] | h.v[1] << 51;
	w[1] = h.v[1] >> 13 | h.v[2] << 38;
	w[2] = h.v[2] >> 26 | h.v[3] << 25;
	w[3] = h.v[3] >> 39 | h.v[4] << 12;
	for (int i = 0; i < 32; i++)
		s[i] = (uint8_t)(w[i / 8] >> (8 * (i % 8)));
}

static bool fe_iszero(const fe *f)
{
	uint8_t s[32], z[32] = {0};

	fe_tobytes(s, f);
	return memcmp(s, z, 32) == 0;
}

static bool fe_eq(const fe *f, const fe *g)
{
	uint8_t a[32], b[32];

	fe_tobytes(a, f);
	fe_tobytes(b, g);
	return memcmp(a, b, 32) == 0;
}

static int fe_isnegative(const fe *f)
{
	uint8_t s[32];

	fe_tobytes(s, f);
	return s[0] & 1;
}

#endif
