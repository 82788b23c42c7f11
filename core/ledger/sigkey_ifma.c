/*
 * Eight combinations [a]B - [b]A at once with AVX-512 IFMA
 * (sigkey_ifma.h). Lane l of every vector is signature l's: the same
 * 75 mixed additions as sigkey.c's combine, each lane adding the table
 * entry its own digit names (gathered), subtracting where its digit is
 * negative, adding the identity where it is zero.
 *
 * Field elements are five 51-bit limbs as in sigkey_fe.h, one 64-bit lane
 * each. vpmadd52luq / vpmadd52huq multiply the low 52 bits of two lanes and
 * add the low or high 52 bits of the 104-bit product: an input limb at or
 * above 2^52 would lose its top bits silently. So every value that reaches
 * a multiplication is carried first; the bounds are written where they are
 * kept. Nothing here runs in constant time: every input is public.
 */
#include "sigkey_ifma.h"

#if CT_SIGKEY_IFMA
#include <immintrin.h>

#define IFMA __attribute__((target("avx512f,avx512ifma")))
/*
 * The helpers are inlined at every optimisation level (at -O2 GCC kept fe8_mul and pt8_madd as
 * calls, their vectors passed through memory), and CMakeLists.txt compiles this file at -O3 in
 * every build but Debug: at -O2 the loops over limbs stay loops, the field elements stay in
 * memory, and the checks took about four times as long (docs/PERFORMANCE.md, eighth session).
 */
#define IFMA_INLINE IFMA static inline __attribute__((always_inline))

#define MASK51 ((1ull << 51) - 1)

typedef struct {
	__m512i v[5];
} fe8;

typedef struct {
	fe8 X, Y, Z, T;
} pt8;

bool ct__sigkey_ifma_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
}

/* 19 x */
IFMA_INLINE __m512i mul19(__m512i x)
{
	return _mm512_add_epi64(_mm512_add_epi64(x, _mm512_slli_epi64(x, 1)), _mm512_slli_epi64(x, 4));
}

/*
 * One carry round, all limbs at once: limbs below 2^63 in, below
 * 2^51 + 19 * 2^12 out (2^51 + 19 * (in >> 51) in general).
 */
IFMA_INLINE void fe8_carry(fe8 *h)
{
	const __m512i m = _mm512_set1_epi64((long long)MASK51);
	__m512i c[5];

	for (int i = 0; i < 5; i++) {
		c[i] = _mm512_srli_epi64(h->v[i], 51);
		h->v[i] = _mm512_and_si512(h->v[i], m);
	}
	h->v[0] = _mm512_add_epi64(h->v[0], mul19(c[4]));
	for (int i = 1; i < 5; i++)
		h->v[i] = _mm512_add_epi64(h->v[i], c[i - 1]);
}

/*
 * h = f g. Limbs of f and g below 2^52 in; below 2^51 + 2^15 out.
 *
 * The product of limbs i and j, p < 2^104, weighs 2^(51(i+j)); IFMA gives
 * lo = p mod 2^52 and hi = p >> 52, and p = lo + 2 hi 2^51, so lo counts at
 * position i+j and twice hi at i+j+1. Positions 5 to 9 fold into 0 to 4
 * times 19 (2^255 = 19 mod p). Each position sums at most 5 lo and 5 hi
 * terms: below 15 x 2^52 < 2^56, and after the fold below 20 x 2^56 <
 * 2^61, so one carry round brings every limb under 2^51 + 19 x 2^10.
 */
IFMA_INLINE void fe8_mul(fe8 *h, const fe8 *f, const fe8 *g)
{
	const __m512i zero = _mm512_setzero_si512();
	__m512i lo[9], hi[9], z[10];

	for (int k = 0; k < 9; k++)
		lo[k] = hi[k] = zero;
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++) {
			lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], f->v[i], g->v[j]);
			hi[i + j] = _mm512_madd52hi_epu64(hi[i + j], f->v[i], g->v[j]);
		}
	z[0] = lo[0];
	for (int k = 1; k < 9; k++)
		z[k] = _mm512_add_epi64(lo[k], _mm512_slli_epi64(hi[k - 1], 1));
	z[9] = _mm512_slli_epi64(hi[8], 1);
	for (int k = 0; k < 5; k++)
		h->v[k] = _mm512_add_epi64(z[k], mul19(z[k + 5]));
	fe8_carry(h);
}

/* h = f + g, carried: limbs below 2^62 in, below 2^51 + 19 x 2^11 out. */
IFMA_INLINE void fe8_add(fe8 *h, const fe8 *f, const fe8 *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = _mm512_add_epi64(f->v[i], g->v[i]);
	fe8_carry(h);
}

/*
 * h = f - g + 2p, carried. Limbs of g below 2^52 - 38 (the smallest limb
 * of 2p), of f below 2^61.
 */
IFMA_INLINE void fe8_sub(fe8 *h, const fe8 *f, const fe8 *g)
{
	const __m512i p0 = _mm512_set1_epi64((long long)(2 * (MASK51 - 18)));
	const __m512i pi = _mm512_set1_epi64((long long)(2 * MASK51));

	h->v[0] = _mm512_sub_epi64(_mm512_add_epi64(f->v[0], p0), g->v[0]);
	for (int i = 1; i < 5; i++)
		h->v[i] = _mm512_sub_epi64(_mm512_add_epi64(f->v[i], pi), g->v[i]);
	fe8_carry(h);
}

/* The limbs of y+x, y-x and 2dxy of the identity: 1, 1, 0. */
static const uint64_t identity_niels[CT_SK_NIELS_LIMBS] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

/*
 * r += q_l in each lane, or -= where neg has the lane's bit: q_l is the
 * table entry at at[l] (15 limbs: y+x, y-x, 2dxy, each below 2^52 - 38 as
 * built by sigkey.c's carried arithmetic). -q is (y-x, y+x, -2dxy), the
 * last taken as 2p - 2dxy, below 2^52. The point's limbs are below
 * 2^51 + 2^15 (products) on the way in and out.
 */
IFMA_INLINE void pt8_madd(pt8 *r, const uint64_t *const at[CT_SK_LANES], __mmask8 neg)
{
	const __m512i idx = _mm512_loadu_si512((const void *)at);
	const __m512i p0 = _mm512_set1_epi64((long long)(2 * (MASK51 - 18)));
	const __m512i pi = _mm512_set1_epi64((long long)(2 * MASK51));
	fe8 ypx, ymx, xy2d, a, b, c, d, e, f, g, h, t;

	for (int i = 0; i < 5; i++) {
		__m512i u = _mm512_i64gather_epi64(_mm512_add_epi64(idx, _mm512_set1_epi64(8 * i)), NULL, 1);
		__m512i w = _mm512_i64gather_epi64(_mm512_add_epi64(idx, _mm512_set1_epi64(8 * (5 + i))), NULL, 1);
		__m512i s = _mm512_i64gather_epi64(_mm512_add_epi64(idx, _mm512_set1_epi64(8 * (10 + i))), NULL, 1);

		ypx.v[i] = _mm512_mask_blend_epi64(neg, u, w);
		ymx.v[i] = _mm512_mask_blend_epi64(neg, w, u);
		xy2d.v[i] = _mm512_mask_sub_epi64(s, neg, i ? pi : p0, s);
	}
	fe8_add(&t, &r->Y, &r->X);
	fe8_mul(&a, &t, &ypx);
	fe8_sub(&t, &r->Y, &r->X);
	fe8_mul(&b, &t, &ymx);
	fe8_mul(&c, &r->T, &xy2d);
	for (int i = 0; i < 5; i++)
		d.v[i] = _mm512_add_epi64(r->Z.v[i], r->Z.v[i]); /* below 2^52 + 2^15: only added to */
	fe8_sub(&e, &a, &b);
	fe8_add(&h, &a, &b);
	fe8_sub(&f, &d, &c);
	fe8_add(&g, &d, &c);
	fe8_mul(&r->X, &e, &f);
	fe8_mul(&r->Y, &g, &h);
	fe8_mul(&r->Z, &f, &g);
	fe8_mul(&r->T, &e, &h);
}

/* adds the digit's entry of row in each lane (the identity for 0); sub subtracts instead */
IFMA_INLINE void add_row(pt8 *acc, const uint64_t *row, const int digit[CT_SK_LANES], bool sub)
{
	const uint64_t *at[CT_SK_LANES];
	__mmask8 neg = 0;

	for (int l = 0; l < CT_SK_LANES; l++) {
		int d = digit[l];

		if (d == 0) {
			at[l] = identity_niels;
			continue;
		}
		if ((d < 0) != sub)
			neg |= (__mmask8)(1u << l);
		at[l] = row + (size_t)((d < 0 ? -d : d) - 1) * CT_SK_NIELS_LIMBS;
	}
	pt8_madd(acc, at, neg);
}

IFMA void ct__sigkey_ifma_combine(const uint64_t *base, const uint64_t *key, const int ea[][CT_SK_BASE_DIGITS],
				  const int eb[][CT_SK_KEY_DIGITS], size_t n, uint64_t out[][3][5])
{
	const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi64(1);
	uint64_t lanes[5][CT_SK_LANES] __attribute__((aligned(64)));
	int digit[CT_SK_LANES];
	pt8 acc;

	for (int i = 0; i < 5; i++) {
		acc.X.v[i] = acc.T.v[i] = zero;
		acc.Y.v[i] = acc.Z.v[i] = i ? zero : one;
	}
	for (int i = 0; i < CT_SK_BASE_DIGITS; i++) {
		for (int l = 0; l < CT_SK_LANES; l++)
			digit[l] = (size_t)l < n ? ea[l][i] : 0;
		add_row(&acc, base + (size_t)i * CT_SK_BASE_ROW * CT_SK_NIELS_LIMBS, digit, false);
	}
	for (int i = 0; i < CT_SK_KEY_DIGITS; i++) {
		for (int l = 0; l < CT_SK_LANES; l++)
			digit[l] = (size_t)l < n ? eb[l][i] : 0;
		add_row(&acc, key + (size_t)i * CT_SK_KEY_ROW * CT_SK_NIELS_LIMBS, digit, true);
	}
	for (int c = 0; c < 3; c++) {
		const fe8 *f = c == 0 ? &acc.X : c == 1 ? &acc.Y : &acc.Z;

		for (int i = 0; i < 5; i++)
			_mm512_store_si512((void *)lanes[i], f->v[i]);
		for (size_t l = 0; l < n; l++)
			for (int i = 0; i < 5; i++)
				out[l][c][i] = lanes[i][l];
	}
}

#else

bool ct__sigkey_ifma_usable(void)
{
	return false;
}

void ct__sigkey_ifma_combine(const uint64_t *base, const uint64_t *key, const int ea[][CT_SK_BASE_DIGITS],
			     const int eb[][CT_SK_KEY_DIGITS], size_t n, uint64_t out[][3][5])
{
	(void)base, (void)key, (void)ea, (void)eb, (void)n, (void)out;
}

#endif
