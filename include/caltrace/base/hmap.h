/*
 * A small open-addressing hash map from byte strings to pointers, for the
 * evaluator's memo tables. Keys are copied; values are the caller's.
 * Zero-initialise one ({0}) to start. Keys are hashed with SipHash-2-4
 * under a random key each map draws from libsodium when its table is first
 * allocated, so that ids chosen by a lab cannot all collide; the order of
 * ct_hmap_each therefore differs between runs (sort what you print).
 */
#ifndef CT_HMAP_H
#define CT_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct ct_hslot {
	uint64_t hash;
	uint8_t *key; /* NULL: empty slot */
	size_t len;
	void *value;
};

typedef struct ct_hmap {
	struct ct_hslot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
	size_t probes;	  /* slots looked at by puts and growth, for tests: how clustered the table is */
	uint8_t seed[16]; /* the SipHash key, drawn with the first table */
} ct_hmap;

/* The value stored under key, or NULL. */
void *ct_hmap_get(const ct_hmap *m, const void *key, size_t len);

/* Stores value under key (replacing any). Returns 0 or CT_ENOMEM. */
int ct_hmap_put(ct_hmap *m, const void *key, size_t len, void *value);

/* Calls fn on every value (in no particular order), then frees the table. */
void ct_hmap_free(ct_hmap *m, void (*fn)(void *value));

/* Calls fn on every value with its key, in no particular order; stops when fn returns nonzero. */
int ct_hmap_each(const ct_hmap *m, int (*fn)(void *ctx, const uint8_t *key, size_t len, void *value),
		  void *ctx);

#endif
