/*
 * A small open-addressing hash map from byte strings to pointers, for the
 * evaluator's memo tables. Keys are copied; values are the caller's.
 */
#ifndef CT_HMAP_H
#define CT_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct ct__hslot {
	uint64_t hash;
	uint8_t *key; /* NULL: empty slot */
	size_t len;
	void *value;
};

typedef struct ct__hmap {
	struct ct__hslot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
} ct__hmap;

/* The value stored under key, or NULL. */
void *ct__hmap_get(const ct__hmap *m, const void *key, size_t len);

/* Stores value under key (replacing any). Returns 0 or CT_ENOMEM. */
int ct__hmap_put(ct__hmap *m, const void *key, size_t len, void *value);

/* Calls fn on every value (in no particular order), then frees the table. */
void ct__hmap_free(ct__hmap *m, void (*fn)(void *value));

/* Calls fn on every value with its key, in no particular order; stops when fn returns nonzero. */
int ct__hmap_each(const ct__hmap *m, int (*fn)(void *ctx, const uint8_t *key, size_t len, void *value),
		  void *ctx);

#endif
