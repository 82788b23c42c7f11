/*
 * Open addressing with linear probing; grows at 1/2 load.
 *
 * Keys are ids labs choose (instrument and standard ids) and hashes or
 * keys labs can grind, so the hash is keyed: SipHash-2-4 (libsodium's
 * crypto_shorthash) under a random key each map draws when its table is
 * first allocated. With a fixed hash (it was FNV-1a) a lab could publish
 * ids that all land in one bucket and make every evaluation quadratic.
 * The key changes only where entries sit, never what a lookup answers,
 * and nothing reads the map's order without sorting it (coverage sorts its
 * groups), so results stay deterministic.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/hmap.h"

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status;

static void init_sodium(void)
{
	sodium_status = sodium_init();
}

static uint64_t hash_bytes(const ct_hmap *m, const uint8_t *p, size_t len)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, p, len, m->seed);
	memcpy(&h, out, sizeof(h));
	return h;
}

/* The slot of key, or the empty one it would take; *probes counts the slots looked at. */
static struct ct_hslot *find(const ct_hmap *m, uint64_t h, const void *key, size_t len, size_t *probes)
{
	size_t i, mask = m->cap - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct ct_hslot *s = &m->slots[i];
		++*probes;
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

void *ct_hmap_get(const ct_hmap *m, const void *key, size_t len)
{
	struct ct_hslot *s;
	size_t probes = 0;

	if (m->cap == 0)
		return NULL;
	s = find(m, hash_bytes(m, key, len), key, len, &probes);
	return s->key ? s->value : NULL;
}

static int grow(ct_hmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64, i;
	struct ct_hslot *old = m->slots, *slots = calloc(cap, sizeof(*slots));
	size_t old_cap = m->cap;

	if (!slots)
		return ct_error_set(CT_ENOMEM, "out of memory growing a memo table");
	if (!old_cap) {
		/* a new table: its hash key (kept as the table grows: the stored hashes stay valid) */
		pthread_once(&sodium_once, init_sodium);
		if (sodium_status < 0) {
			free(slots);
			return ct_error_set(CT_ERROR, "libsodium cannot start: no random key for a memo table");
		}
		randombytes_buf(m->seed, sizeof(m->seed));
	}
	m->slots = slots;
	m->cap = cap;
	for (i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(m, old[i].hash, old[i].key, old[i].len, &m->probes) = old[i];
	free(old);
	return 0;
}

int ct_hmap_put(ct_hmap *m, const void *key, size_t len, void *value)
{
	struct ct_hslot *s;
	uint64_t h;
	int err;

	if (2 * (m->count + 1) > m->cap && (err = grow(m)) < 0)
		return err;
	h = hash_bytes(m, key, len); /* after growth: a new table draws its key there */
	s = find(m, h, key, len, &m->probes);
	if (!s->key) {
		if (!(s->key = malloc(len ? len : 1)))
			return ct_error_set(CT_ENOMEM, "out of memory in a memo table");
		memcpy(s->key, key, len);
		s->len = len;
		s->hash = h;
		m->count++;
	}
	s->value = value;
	return 0;
}

void ct_hmap_free(ct_hmap *m, void (*fn)(void *value))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		if (fn)
			fn(m->slots[i].value);
		free(m->slots[i].key);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

int ct_hmap_each(const ct_hmap *m, int (*fn)(void *ctx, const uint8_t *key, size_t len, void *value),
		  void *ctx)
{
	size_t i;
	int rc;

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key &&
		    (rc = fn(ctx, m->slots[i].key, m->slots[i].len, m->slots[i].value)) != 0)
			return rc;
	return 0;
}
