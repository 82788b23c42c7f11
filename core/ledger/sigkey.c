/*
 * Fast Ed25519 checks for many signatures of one key (caltrace/ledger/sigkey.h).
 *
 * Field elements mod p = 2^255 - 19 are five 51-bit limbs (sigkey_fe.h); points are in
 * extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z,
 * xy = T/Z, on -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 section 5.1). Table
 * entries are affine (y+x, y-x, 2dxy), added with 7 multiplications
 * ("madd" of Hisil-Wong-Carter-Dawson, "Twisted Edwards curves
 * revisited", 2008). Nothing here needs to run in constant time: every
 * input is public.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/sha2.h"
#include "caltrace/ledger/sigkey.h"
#include "sigkey_fe.h"
#include "sigkey_ifma.h"

typedef struct {
	fe X, Y, Z, T;
} point;

typedef struct {
	fe ypx, ymx, xy2d;
} niels;

/*
 * Scalars below 2^253 are read as signed digits, one table row per digit.
 * The base point's table is fixed and shared: signed radix-256 digits, 32
 * additions per scalar, for 32 x 128 points (480 KiB) built once. A key's
 * table is built per author and kept in a cache (ct_sigcache): signed
 * radix-64 digits, 43 additions per scalar, for 43 x 32 points (161 KiB),
 * built with about 23,000 field multiplications, what 160 checks save
 * against radix 16 (64 additions); a job is up to 512 entries and the
 * cache keeps the table for the next (docs/DECISIONS.md).
 */
#define BASE_W	    8
#define BASE_DIGITS 32 /* ceil(253 / 8) */
#define BASE_ROW    128
#define KEY_W	    6
#define DIGITS	    43 /* ceil(254 / 6): the last digit takes the carry */
#define KEY_ROW	    32

_Static_assert(BASE_DIGITS == CT_SK_BASE_DIGITS && BASE_ROW == CT_SK_BASE_ROW && DIGITS == CT_SK_KEY_DIGITS &&
		       KEY_ROW == CT_SK_KEY_ROW && sizeof(niels) == CT_SK_NIELS_LIMBS * sizeof(uint64_t),
	       "sigkey_ifma.h's shapes are sigkey.c's");

struct ct_sigkey {
	uint8_t pk[CT_KEY_BYTES];
	niels table[DIGITS][KEY_ROW]; /* table[i][j] = (j+1) 64^i A */
};

/* ---- constants, derived once ---------------------------------------------------- */

static struct {
	fe d, d2, sqrtm1;
	niels base[BASE_DIGITS][BASE_ROW]; /* base[i][j] = (j+1) 256^i B */
	uint8_t L[32]; /* the group order, 2^252 + 27742317777372353535851937790883648493 */
	bool sodium; /* sodium_init succeeded */
	bool ready;  /* ... and the constants and table above are right */
	bool bmi2;   /* the processor has AVX2 and BMI2 (ct__sigkey_fast) */
	bool ifma;   /* ... and AVX-512 IFMA (sigkey_ifma.c) */
} C;

static pthread_once_t c_once = PTHREAD_ONCE_INIT;

static void fe_from_int(fe *h, int64_t v)
{
	if (v >= 0) {
		fe_set(h, (uint64_t)v);
	} else {
		fe t;
		fe_set(&t, (uint64_t)-v);
		fe_neg(h, &t);
	}
}

/* ---- points ----------------------------------------------------------------- */

static void pt_identity(point *p)
{
	fe_set(&p->X, 0);
	fe_set(&p->Y, 1);
	fe_set(&p->Z, 1);
	fe_set(&p->T, 0);
}

/* from E, F, G, H of the HWCD formulas */
static void pt_finish(point *r, const fe *e, const fe *f, const fe *g, const fe *h)
{
	fe_mul(&r->X, e, f);
	fe_mul(&r->Y, g, h);
	fe_mul(&r->Z, f, g);
	fe_mul(&r->T, e, h);
}

/* r = p + q (any two points; used to build tables) */
static void pt_add(point *r, const point *p, const point *q)
{
	fe a, b, c, d, e, f, g, h, t, u;

	fe_sub(&t, &p->Y, &p->X);
	fe_sub(&u, &q->Y, &q->X);
	fe_mul(&a, &t, &u);
	fe_add(&t, &p->Y, &p->X);
	fe_add(&u, &q->Y, &q->X);
	fe_mul(&b, &t, &u);
	fe_mul(&t, &p->T, &q->T);
	fe_mul(&c, &t, &C.d2);
	fe_mul(&t, &p->Z, &q->Z);
	fe_add(&d, &t, &t);
	fe_sub(&e, &b, &a);
	fe_sub(&f, &d, &c);
	fe_add(&g, &d, &c);
	fe_add(&h, &b, &a);
	pt_finish(r, &e, &f, &g, &h);
}

/* r = 2p (a = -1) */
static void pt_double(point *r, const point *p)
{
	fe a, b, c, e, f, g, h, t;

	fe_sq(&a, &p->X);
	fe_sq(&b, &p->Y);
	fe_sq(&t, &p->Z);
	fe_add(&c, &t, &t);
	fe_add(&t, &p->X, &p->Y);
	fe_sq(&e, &t);
	fe_sub(&e, &e, &a);
	fe_sub(&e, &e, &b); /* 2XY */
	fe_sub(&g, &b, &a); /* -A + B */
	fe_sub(&f, &g, &c);
	fe_add(&t, &a, &b);
	fe_neg(&h, &t); /* -A - B */
	pt_finish(r, &e, &f, &g, &h);
}

/*
 * r = p + q, or p - q when sub. The sums feed multiplications only, so
 * they skip the carry: limbs stay below 2^54, products below 2^115.
 */
static void pt_madd(point *r, const point *p, const niels *q, bool sub)
{
	fe a, b, c, d, e, f, g, h, t;

	fe_add_lazy(&t, &p->Y, &p->X);
	fe_mul(&a, &t, sub ? &q->ymx : &q->ypx);
	fe_sub_lazy(&t, &p->Y, &p->X);
	fe_mul(&b, &t, sub ? &q->ypx : &q->ymx);
	fe_mul(&c, &p->T, &q->xy2d);
	fe_add_lazy(&d, &p->Z, &p->Z);
	fe_sub_lazy(&e, &a, &b);
	fe_add_lazy(&h, &a, &b);
	/* -q is (y-x, y+x, -2dxy): c changes sign */
	if (sub) {
		fe_add_lazy(&f, &d, &c);
		fe_sub_lazy(&g, &d, &c);
	} else {
		fe_sub_lazy(&f, &d, &c);
		fe_add_lazy(&g, &d, &c);
	}
	pt_finish(r, &e, &f, &g, &h);
}

/*
 * The point of the encoding s (RFC 8032 section 5.1.3), refusing a
 * non-canonical y. Returns false when s is no point.
 */
static bool pt_decode(point *p, const uint8_t s[32])
{
	uint8_t back[32];
	fe u, v, v3, vxx, x, t, y;
	int sign = s[31] >> 7;

	fe_frombytes(&y, s);
	fe_tobytes(back, &y);
	back[31] |= (uint8_t)(sign << 7);
	if (memcmp(back, s, 32) != 0)
		return false; /* y >= p */
	fe_sq(&u, &y);
	fe_mul(&v, &u, &C.d);
	fe_set(&t, 1);
	fe_sub(&u, &u, &t); /* y^2 - 1 */
	fe_add(&v, &v, &t); /* d y^2 + 1 */
	fe_sq(&t, &v);
	fe_mul(&v3, &t, &v);
	fe_sq(&t, &v3);
	fe_mul(&t, &t, &v);
	fe_mul(&t, &t, &u); /* u v^7 */
	fe_pow22523(&t, &t);
	fe_mul(&t, &t, &v3);
	fe_mul(&x, &t, &u); /* u v^3 (u v^7)^((p-5)/8) */
	fe_sq(&t, &x);
	fe_mul(&vxx, &t, &v);
	if (!fe_eq(&vxx, &u)) {
		fe_neg(&t, &u);
		if (!fe_eq(&vxx, &t))
			return false;
		fe_mul(&x, &x, &C.sqrtm1);
	}
	if (fe_iszero(&x) && sign)
		return false;
	if (fe_isnegative(&x) != sign)
		fe_neg(&x, &x);
	p->X = x;
	p->Y = y;
	fe_set(&p->Z, 1);
	fe_mul(&p->T, &x, &y);
	return true;
}

static void pt_encode(uint8_t s[32], const fe *x, const fe *y)
{
	fe_tobytes(s, y);
	s[31] |= (uint8_t)(fe_isnegative(x) << 7);
}

static bool pt_is_identity(const point *p)
{
	return fe_iszero(&p->X) && fe_eq(&p->Y, &p->Z);
}

/* r = [s]p, s 32 bytes little-endian, any value; double and add, for the rare key check */
static void pt_mul_vartime(point *r, const point *p, const uint8_t s[32])
{
	point acc;

	pt_identity(&acc);
	for (int bit = 255; bit >= 0; bit--) {
		pt_double(&acc, &acc);
		if (s[bit / 8] >> (bit % 8) & 1)
			pt_add(&acc, &acc, p);
	}
	*r = acc;
}

/*
 * Whether s is one of the encodings libsodium's Ed25519 verify refuses as
 * R or A for having small order (ge25519_has_small_order in libsodium
 * 1.0.18): the y coordinates 0, 1, p - 1 and the two of the points of
 * order 8, and the non-canonical p and p + 1; the sign bit is not looked at.
 */
static bool small_order_encoding(const uint8_t s[32])
{
	static const uint8_t list[7][32] = {
		{0x00}, /* y = 0: order 4 */
		{0x01}, /* y = 1: the identity */
		/* the two y of the points of order 8 */
		{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
		{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
		/* y = p - 1 (order 2), then p and p + 1, the non-canonical 0 and 1 */
		{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	};

	for (int i = 0; i < 7; i++)
		if (memcmp(s, list[i], 31) == 0 && (s[31] & 0x7f) == list[i][31])
			return true;
	return false;
}

/* Inverts every z[i] (none zero) with one inversion. */
static void fe_invert_all(fe *z, size_t n, fe *scratch)
{
	fe inv, t;

	if (n == 0)
		return;
	scratch[0] = z[0];
	for (size_t i = 1; i < n; i++)
		fe_mul(&scratch[i], &scratch[i - 1], &z[i]);
	fe_invert(&inv, &scratch[n - 1]);
	for (size_t i = n - 1; i > 0; i--) {
		fe_mul(&t, &inv, &scratch[i - 1]); /* 1/z[i] */
		fe_mul(&inv, &inv, &z[i]);
		z[i] = t;
	}
	z[0] = inv;
}

/* table[i * row + j] = (j+1) (2 row)^i p for i < rows, j < row, as affine niels points */
static bool build_rows(niels *table, int rows, int row, const point *p)
{
	size_t n = (size_t)rows * (size_t)row;
	point *pts = malloc(sizeof(point) * n);
	fe *z = malloc(sizeof(fe) * n), *scratch = malloc(sizeof(fe) * n);
	point base = *p;
	bool ok = pts && z && scratch;

	for (int i = 0; ok && i < rows; i++) {
		point *r = pts + (size_t)i * (size_t)row;
		r[0] = base;
		for (int j = 1; j < row; j++)
			pt_add(&r[j], &r[j - 1], &base);
		pt_double(&base, &r[row - 1]); /* 2 row base */
	}
	for (size_t i = 0; ok && i < n; i++)
		z[i] = pts[i].Z;
	if (ok)
		fe_invert_all(z, n, scratch);
	for (size_t i = 0; ok && i < n; i++) {
		niels *e = &table[i];
		fe x, y, t;
		fe_mul(&x, &pts[i].X, &z[i]);
		fe_mul(&y, &pts[i].Y, &z[i]);
		fe_add(&e->ypx, &y, &x);
		fe_sub(&e->ymx, &y, &x);
		fe_mul(&t, &x, &y);
		fe_mul(&e->xy2d, &t, &C.d2);
	}
	free(pts);
	free(z);
	free(scratch);
	return ok;
}

/* table[i][j] = (j+1) 64^i p: a key's table */
static bool build_table(niels table[DIGITS][KEY_ROW], const point *p)
{
	return build_rows(&table[0][0], DIGITS, KEY_ROW, p);
}

static void init_constants(void)
{
	uint8_t one[32] = {1}, b[32], back[32];
	fe t, u, two;
	point base;

	if (sodium_init() < 0)
		return;
	C.sodium = true;
	/* d = -121665 / 121666, sqrt(-1) = 2^((p-1)/4) = (2^((p-5)/8))^2 * 2 */
	fe_from_int(&t, -121665);
	fe_from_int(&u, 121666);
	fe_invert(&u, &u);
	fe_mul(&C.d, &t, &u);
	fe_add(&C.d2, &C.d, &C.d);
	fe_set(&two, 2);
	fe_pow22523(&t, &two);
	fe_sq(&t, &t);
	fe_mul(&C.sqrtm1, &t, &two);
	fe_sq(&t, &C.sqrtm1);
	fe_set(&u, 1);
	fe_neg(&u, &u);
	if (!fe_eq(&t, &u))
		return;
	/* L = (L - 1) + 1 */
	crypto_core_ed25519_scalar_negate(C.L, one);
	for (int i = 0, carry = 1; i < 32; i++) {
		carry += C.L[i];
		C.L[i] = (uint8_t)carry;
		carry >>= 8;
	}
	/* the base point as libsodium encodes it, and back */
	if (crypto_scalarmult_ed25519_base_noclamp(b, one) != 0 || !pt_decode(&base, b))
		return;
	pt_encode(back, &base.X, &base.Y);
	if (memcmp(back, b, 32) != 0 || !build_rows(&C.base[0][0], BASE_DIGITS, BASE_ROW, &base))
		return;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	C.bmi2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
	C.ifma = C.bmi2 && ct__sigkey_ifma_usable();
#endif
	C.ready = true;
}

static bool ready(void)
{
	pthread_once(&c_once, init_constants);
	return C.ready;
}

/* ---- scalars -------------------------------------------------------------------- */

/*
 * The n signed radix-2^w digits of s < 2^253, each in [-2^(w-1), 2^(w-1))
 * but the last, which takes the carry (at most 33 for w = 8, 2 for w = 6):
 * s = sum e[i] 2^(w i).
 */
static void digits_of(int e[], int n, int w, const uint8_t s[32])
{
	int carry = 0, half = 1 << (w - 1);

	for (int i = 0; i < n; i++) {
		int bit = i * w, at = bit / 8;
		unsigned window = s[at] | (at + 1 < 32 ? (unsigned)s[at + 1] << 8 : 0u);
		int v = (int)((window >> (bit % 8)) & ((1u << w) - 1)) + carry;

		if (i == n - 1) {
			e[i] = v;
			break;
		}
		carry = (v + half) >> w;
		e[i] = v - (carry << w);
	}
}

/* acc += digit row[0] (row[j] = (j+1) row[0]), or -= when sub */
static void add_digit(point *acc, const niels *row, int digit, bool sub)
{
	if (digit > 0)
		pt_madd(acc, acc, &row[digit - 1], sub);
	else if (digit < 0)
		pt_madd(acc, acc, &row[-digit - 1], !sub);
}

/* acc = [a]B - [b]A */
static void combine(point *acc, const ct_sigkey *k, const uint8_t a[32], const uint8_t b[32])
{
	int ea[BASE_DIGITS], eb[DIGITS];

	digits_of(ea, BASE_DIGITS, BASE_W, a);
	digits_of(eb, DIGITS, KEY_W, b);
	pt_identity(acc);
	for (int i = 0; i < BASE_DIGITS; i++)
		add_digit(acc, C.base[i], ea[i], false);
	for (int i = 0; i < DIGITS; i++)
		add_digit(acc, k->table[i], eb[i], true);
}

/* *out[l] = [a[l]]B - [b[l]]A for l < n <= 8, at once (sigkey_ifma.c); T is left unset */
static void combine_lanes(point *const out[], const ct_sigkey *k, const uint8_t *const a[], const uint8_t *const b[],
			  size_t n)
{
	int ea[CT_SK_LANES][BASE_DIGITS], eb[CT_SK_LANES][DIGITS];
	uint64_t r[CT_SK_LANES][3][5];

	for (size_t l = 0; l < n; l++) {
		digits_of(ea[l], BASE_DIGITS, BASE_W, a[l]);
		digits_of(eb[l], DIGITS, KEY_W, b[l]);
	}
	ct__sigkey_ifma_combine(C.base[0][0].ypx.v, k->table[0][0].ypx.v, ea, eb, n, r);
	for (size_t l = 0; l < n; l++) {
		memcpy(out[l]->X.v, r[l][0], sizeof(out[l]->X.v));
		memcpy(out[l]->Y.v, r[l][1], sizeof(out[l]->Y.v));
		memcpy(out[l]->Z.v, r[l][2], sizeof(out[l]->Z.v));
	}
}

static bool canonical_scalar(const uint8_t s[32])
{
	uint8_t wide[64] = {0}, reduced[32];

	if (s[31] & 0xe0)
		return false;
	memcpy(wide, s, 32);
	crypto_core_ed25519_scalar_reduce(reduced, wide);
	return memcmp(reduced, s, 32) == 0;
}

/* ---- keys ------------------------------------------------------------------- */

/* libsodium's point check; a test puts an imitation of an older libsodium's here */
static int (*point_check)(const unsigned char *p) = crypto_core_ed25519_is_valid_point;

void ct__sigkey_use_point_check(int (*check)(const unsigned char *p))
{
	point_check = check ? check : crypto_core_ed25519_is_valid_point;
}

/* a decoded: not small order, and [L]a the identity */
static bool prime_order(const point *a)
{
	point la;

	if (pt_is_identity(a))
		return false;
	pt_mul_vartime(&la, a, C.L);
	return pt_is_identity(&la);
}

bool ct_sigkey_valid_key(const uint8_t pk[CT_KEY_BYTES])
{
	point a;

	return ready() && pt_decode(&a, pk) && prime_order(&a);
}

/*
 * The table of pk; unless any, pk must pass both libsodium's point check
 * and this module's own: the fast path's argument must not rest on a
 * libsodium whose check is looser (upstream's up to 1.0.21 takes Q + T,
 * T of order 2).
 */
static int new_table(ct_sigkey **out, const uint8_t pk[CT_KEY_BYTES], bool any)
{
	ct_sigkey *k;
	point a;
	uint8_t back[32];

	*out = NULL;
	if (!ready())
		return ct_error_set(CT_EINVAL, "fast signature checks are not available");
	if (!pt_decode(&a, pk))
		return ct_error_set(CT_EINVAL, "key is not a canonical curve point");
	if (!any && (!point_check(pk) || !prime_order(&a)))
		return ct_error_set(CT_EINVAL, "key is not a point of the prime-order subgroup");
	pt_encode(back, &a.X, &a.Y);
	if (memcmp(back, pk, 32) != 0)
		return ct_error_set(CT_EINVAL, "key does not encode back to itself");
	if (!(k = malloc(sizeof(*k))))
		return ct_error_set(CT_ENOMEM, "out of memory for a signature key table");
	memcpy(k->pk, pk, CT_KEY_BYTES);
	if (!build_table(k->table, &a)) {
		free(k);
		return ct_error_set(CT_ENOMEM, "out of memory for a signature key table");
	}
	*out = k;
	return 0;
}

int ct_sigkey_new(ct_sigkey **out, const uint8_t pk[CT_KEY_BYTES])
{
	return new_table(out, pk, false);
}

int ct__sigkey_new_any(ct_sigkey **out, const uint8_t pk[CT_KEY_BYTES])
{
	return new_table(out, pk, true);
}

void ct_sigkey_free(ct_sigkey *k)
{
	free(k);
}

const uint8_t *ct_sigkey_public(const ct_sigkey *k)
{
	return k->pk;
}

static enum ct__sigkey_path path = CT_SIGKEY_BEST;

/* The build in use: the fastest the processor runs, unless a test asked for another (C.bmi2, C.ifma: x86-64 only). */
static enum ct__sigkey_path in_use(void)
{
	if (C.ifma && (path == CT_SIGKEY_BEST || path == CT_SIGKEY_IFMA))
		return CT_SIGKEY_IFMA;
	if (C.bmi2 && path != CT_SIGKEY_GENERIC)
		return CT_SIGKEY_BMI2;
	return CT_SIGKEY_GENERIC;
}

void ct__sigkey_combine(const ct_sigkey *k, const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
	point acc, *lane = &acc;
	fe zi, x, y;

	if (in_use() == CT_SIGKEY_IFMA)
		combine_lanes(&lane, k, &a, &b, 1);
	else
		combine(&acc, k, a, b);
	fe_invert(&zi, &acc.Z);
	fe_mul(&x, &acc.X, &zi);
	fe_mul(&y, &acc.Y, &zi);
	pt_encode(out, &x, &y);
}

#define CHUNK CT_SIGKEY_CHUNK

/*
 * R' for each signature that may take the fast path, then one inversion
 * for all and the encodings compared. With ifma, the R' are computed eight
 * at a time (sigkey_ifma.c), else one by one.
 */
static inline __attribute__((always_inline)) void fast_chunk(const ct_sigkey *k, size_t n, const ct_signed *items,
							     bool *fast, bool ifma)
{
	point acc[CHUNK];
	fe z[CHUNK], scratch[CHUNK];
	uint8_t kk[CHUNK][32];
	size_t idx[CHUNK], m = 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *sig = items[i].sig;
		uint8_t h[CT_SHA512_BYTES];

		fast[i] = false;
		/* libsodium refuses these; R' is never such a point for a key of prime order, but that
		 * argument is the key check's, and this one does not lean on it */
		if (!canonical_scalar(sig + 32) || small_order_encoding(sig))
			continue;
		ct_sha512_parts(h, (const ct_sha2_part[]){{sig, 32}, {k->pk, 32}, {items[i].msg, items[i].len}}, 3);
		crypto_core_ed25519_scalar_reduce(kk[m], h);
		idx[m++] = i;
	}
	for (size_t j = 0; j < m; j += ifma ? CT_SK_LANES : 1) {
		if (ifma) {
			size_t lanes = m - j < CT_SK_LANES ? m - j : CT_SK_LANES;
			const uint8_t *a[CT_SK_LANES], *b[CT_SK_LANES];
			point *out[CT_SK_LANES];

			for (size_t l = 0; l < lanes; l++) {
				a[l] = items[idx[j + l]].sig + 32;
				b[l] = kk[j + l];
				out[l] = &acc[j + l];
			}
			combine_lanes(out, k, a, b, lanes);
		} else {
			combine(&acc[j], k, items[idx[j]].sig + 32, kk[j]);
		}
	}
	for (size_t j = 0; j < m; j++)
		z[j] = acc[j].Z;
	fe_invert_all(z, m, scratch);
	for (size_t j = 0; j < m; j++) {
		uint8_t enc[32];
		fe x, y;

		fe_mul(&x, &acc[j].X, &z[j]);
		fe_mul(&y, &acc[j].Y, &z[j]);
		pt_encode(enc, &x, &y);
		fast[idx[j]] = memcmp(enc, items[idx[j]].sig, 32) == 0;
	}
}

/*
 * fast_chunk compiled three times on x86-64: for processors with AVX-512
 * IFMA (the point arithmetic eight signatures at once: sigkey_ifma.c), for
 * processors with AVX2 and BMI2 (2013 on; BMI2's flagless multiply serves
 * fe_mul's 64 x 64 -> 128 products, about a quarter faster here) and for
 * any x86-64, chosen once by what the processor says (tests run each the
 * processor has: ct__sigkey_use_path).
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define X86_BUILDS 1
__attribute__((target("avx2,bmi2"))) static void fast_chunk_bmi2(const ct_sigkey *k, size_t n,
								   const ct_signed *items, bool *fast)
{
	fast_chunk(k, n, items, fast, false);
}

__attribute__((target("avx2,bmi2"))) static void fast_chunk_ifma(const ct_sigkey *k, size_t n,
								   const ct_signed *items, bool *fast)
{
	fast_chunk(k, n, items, fast, true);
}
#endif

static void fast_chunk_generic(const ct_sigkey *k, size_t n, const ct_signed *items, bool *fast)
{
	fast_chunk(k, n, items, fast, false);
}

bool ct__sigkey_use_path(enum ct__sigkey_path p)
{
	if (!ready())
		return false;
	if ((p == CT_SIGKEY_IFMA && !C.ifma) || (p == CT_SIGKEY_BMI2 && !C.bmi2))
		return false;
	path = p;
	return true;
}

void ct__sigkey_fast(const ct_sigkey *k, size_t n, const ct_signed *items, bool *fast)
{
	switch (in_use()) {
#ifdef X86_BUILDS
	case CT_SIGKEY_IFMA:
		fast_chunk_ifma(k, n, items, fast);
		return;
	case CT_SIGKEY_BMI2:
		fast_chunk_bmi2(k, n, items, fast);
		return;
#endif
	default:
		fast_chunk_generic(k, n, items, fast);
	}
}

const char *ct_sigkey_build(void)
{
	if (!ready())
		return NULL;
	switch (in_use()) {
	case CT_SIGKEY_IFMA:
		return "AVX-512 IFMA, eight signatures at once";
	case CT_SIGKEY_BMI2:
		return "AVX2 and BMI2";
	default:
		return "any processor";
	}
}

size_t ct_sigkey_verify_many(const ct_sigkey *k, const uint8_t pk[CT_KEY_BYTES], size_t n,
			     const ct_signed *items, bool *ok)
{
	size_t good = 0;
	bool fast = ready();

	if (!C.sodium) {
		memset(ok, 0, n * sizeof(*ok));
		return 0;
	}
	for (size_t at = 0; at < n; at += CHUNK) {
		size_t m = n - at < CHUNK ? n - at : CHUNK;

		if (k && fast)
			ct__sigkey_fast(k, m, items + at, ok + at);
		else
			memset(ok + at, 0, m * sizeof(*ok));
		for (size_t i = at; i < at + m; i++) {
			if (!ok[i])
				ok[i] = crypto_sign_verify_detached(items[i].sig, items[i].msg, items[i].len, pk) == 0;
			good += ok[i];
		}
	}
	return good;
}

/* ---- the linked libsodium, checked once per cache (sigcache.c) ---------------------------------- */

/*
 * The known answers the fast path's argument needs from libsodium: a key
 * Q + T, T the point of order 2, is no valid point, and the signature
 * R = T, S = k q (k = H(R, A, m) odd) by it, which satisfies the
 * cofactorless equation, does not verify. False, with why, when not.
 */
bool ct__sigkey_selftest(char *why, size_t why_len)
{
	static const uint8_t seed[32] = "caltrace: sigkey known answer..";
	uint8_t q_pk[32], sk[64], T[32], A[32], h[64], wide[64] = {0}, q[32], k[32], sig[64], m[16] = {0};
	crypto_hash_sha512_state st;

	if (!ready()) {
		snprintf(why, why_len, "the fast path's constants could not be derived");
		return false;
	}
	memset(T, 0xff, 32); /* (0, -1): y = p - 1 */
	T[0] = 0xec;
	T[31] = 0x7f;
	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(wide, h, 32);
	crypto_core_ed25519_scalar_reduce(q, wide);
	if (crypto_sign_seed_keypair(q_pk, sk, seed) != 0 || crypto_core_ed25519_add(A, q_pk, T) != 0) {
		snprintf(why, why_len, "libsodium %s cannot build the known-answer key", sodium_version_string());
		return false;
	}
	sodium_memzero(sk, sizeof(sk));
	if (point_check(A) || ct_sigkey_valid_key(A)) {
		snprintf(why, why_len,
			 "libsodium %s takes a key of mixed order (a key plus the point of order 2) for a valid "
			 "point (upstream's crypto_core_ed25519_is_valid_point before 1.0.22)",
			 sodium_version_string());
		return false;
	}
	do {
		m[0]++;
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, T, 32);
		crypto_hash_sha512_update(&st, A, 32);
		crypto_hash_sha512_update(&st, m, sizeof(m));
		crypto_hash_sha512_final(&st, h);
		crypto_core_ed25519_scalar_reduce(k, h);
	} while (!(k[0] & 1));
	memcpy(sig, T, 32);
	crypto_core_ed25519_scalar_mul(sig + 32, k, q);
	if (crypto_sign_verify_detached(sig, m, sizeof(m), A) == 0) {
		snprintf(why, why_len,
			 "libsodium %s accepts a signature whose R has small order by a key of mixed order",
			 sodium_version_string());
		return false;
	}
	return true;
}
