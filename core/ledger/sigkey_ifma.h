/*
 * Eight signature checks' point arithmetic at once, for sigkey.c only:
 * AVX-512 IFMA (52-bit multiply-add on eight 64-bit lanes), on the x86-64
 * processors that have it (Intel from Ice Lake, AMD from Zen 4), chosen at
 * run time by sigkey.c. The tables and digits are sigkey.c's; this file
 * knows only their shape.
 */
#ifndef CT_SIGKEY_IFMA_H
#define CT_SIGKEY_IFMA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CT_SIGKEY_IFMA 1
#else
#define CT_SIGKEY_IFMA 0
#endif

#define CT_SK_LANES	  8
#define CT_SK_BASE_DIGITS 32  /* signed radix-256 digits of S */
#define CT_SK_BASE_ROW	  128 /* multiples per row of the base point's table */
#define CT_SK_KEY_DIGITS  43  /* signed radix-64 digits of k */
#define CT_SK_KEY_ROW	  32  /* multiples per row of a key's table */
#define CT_SK_NIELS_LIMBS 15  /* a table entry: y+x, y-x, 2dxy, five 51-bit limbs each */

/* Whether this processor runs ct__sigkey_ifma_combine (AVX-512F and IFMA). */
bool ct__sigkey_ifma_usable(void);

/*
 * For lanes l < n (n <= 8): out[l] = X, Y, Z (five limbs each, below
 * 2^52, not reduced) of [a_l]B - [b_l]A in extended coordinates, from the
 * digits sigkey.c's digits_of gives: ea[l] of a_l (radix 256), eb[l] of
 * b_l (radix 64). base is the base point's table (32 x 128 entries), key
 * the key's (43 x 32), each entry 15 limbs, row after row. Only when
 * ct__sigkey_ifma_usable().
 */
void ct__sigkey_ifma_combine(const uint64_t *base, const uint64_t *key, const int ea[][CT_SK_BASE_DIGITS],
			     const int eb[][CT_SK_KEY_DIGITS], size_t n, uint64_t out[][3][5]);

#endif
