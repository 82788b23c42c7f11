/* Open addressing with linear probing; grows at 1/2 load. */
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/hmap.h"

/*
 * FNV-1a, then a final mix so that low bits spread. Keys of 32 bytes are
 * SHA-256 entry hashes or Ed25519 keys, uniformly random already: their
 * first 16 bytes, mixed, are enough (and a tenth of the work).
 */
static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL, a, b;
	size_t i;

	if (len == 32) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = a ^ (b * 0x9e3779b97f4a7c15ULL);
		h ^= h >> 32;
		return h * 0xd6e8feb86659fd93ULL;
	}
	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct ct_hslot *find(const ct_hmap *m, uint64_t h, const void *key, size_t len)
{
	size_t i, mask = m->cap - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct ct_hslot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

void *ct_hmap_get(const ct_hmap *m, const void *key, size_t len)
{
	struct ct_hslot *s;

	if (m->cap == 0)
		return NULL;
	s = find(m, hash_bytes(key, len), key, len);
	return s->key ? s->value : NULL;
}

static int grow(ct_hmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64, i;
	struct ct_hslot *old = m->slots, *slots = calloc(cap, sizeof(*slots));
	size_t old_cap = m->cap;

	if (!slots)
		return ct_error_set(CT_ENOMEM, "out of memory growing a memo table");
	m->slots = slots;
	m->cap = cap;
	for (i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(m, old[i].hash, old[i].key, old[i].len) = old[i];
	free(old);
	return 0;
}

int ct_hmap_put(ct_hmap *m, const void *key, size_t len, void *value)
{
	struct ct_hslot *s;
	uint64_t h = hash_bytes(key, len);
	int err;

	if (2 * (m->count + 1) > m->cap && (err = grow(m)) < 0)
		return err;
	s = find(m, h, key, len);
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
