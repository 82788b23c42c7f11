/*
 * The cache of keys' tables shared by a node's checking threads
 * (caltrace/ledger/sigkey.h): 32 slots, the least recently used table
 * without users replaced on a miss; no tables at all when the linked
 * libsodium fails the known-answer test the fast path leans on
 * (ct__sigkey_selftest, sigkey.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/sigkey.h"

/* ---- the cache ---------------------------------------------------------------- */

#define CACHE_SLOTS 32 /* a table is 161 KiB: 5 MiB at most, and a city has tens of labs writing at once */

struct ct_sigcache {
	pthread_mutex_t lock;
	bool fast;     /* the known-answer test passed: tables may be built */
	char why[256]; /* else why not */
	struct slot {
		ct_sigkey *key;
		unsigned users;
		uint64_t used; /* tick of the last get */
	} slot[CACHE_SLOTS];
	uint64_t tick;
};

int ct_sigcache_new(ct_sigcache **out)
{
	ct_sigcache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return ct_error_set(CT_ENOMEM, "out of memory for the signature key cache");
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return ct_error_set(CT_ENOMEM, "cannot create a mutex");
	}
	c->fast = ct__sigkey_selftest(c->why, sizeof(c->why));
	*out = c;
	return 0;
}

void ct_sigcache_free(ct_sigcache *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		ct_sigkey_free(c->slot[i].key);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool ct_sigcache_fast(const ct_sigcache *c, const char **why)
{
	if (why)
		*why = c->fast ? NULL : c->why;
	return c->fast;
}

const ct_sigkey *ct_sigcache_get(ct_sigcache *c, const uint8_t pk[CT_KEY_BYTES])
{
	struct slot *s, *victim = NULL;
	ct_sigkey *k = NULL;

	if (!c->fast)
		return NULL;
	pthread_mutex_lock(&c->lock);
	c->tick++;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		s = &c->slot[i];
		if (s->key && memcmp(ct_sigkey_public(s->key), pk, CT_KEY_BYTES) == 0) {
			s->users++;
			s->used = c->tick;
			pthread_mutex_unlock(&c->lock);
			return s->key;
		}
		if (!s->users && (!victim || !s->key || (victim->key && s->used < victim->used)))
			victim = s;
	}
	/* Built under the lock: a miss is rare and takes about a millisecond. */
	if (ct_sigkey_new(&k, pk) == 0) {
		if (victim) {
			ct_sigkey_free(victim->key);
			victim->key = k;
			victim->users = 1;
			victim->used = c->tick;
		}
		/* else every slot is in use: k is the caller's alone, freed by put */
	}
	pthread_mutex_unlock(&c->lock);
	return k;
}

const ct_sigkey *ct_sigcache_find(ct_sigcache *c, const uint8_t pk[CT_KEY_BYTES])
{
	const ct_sigkey *found = NULL;

	if (!c->fast)
		return NULL;
	pthread_mutex_lock(&c->lock);
	c->tick++;
	for (int i = 0; i < CACHE_SLOTS && !found; i++) {
		struct slot *s = &c->slot[i];
		if (s->key && memcmp(ct_sigkey_public(s->key), pk, CT_KEY_BYTES) == 0) {
			s->users++;
			s->used = c->tick;
			found = s->key;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void ct_sigcache_put(ct_sigcache *c, const ct_sigkey *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (c->slot[i].key == k) {
			c->slot[i].users--;
			pthread_mutex_unlock(&c->lock);
			return;
		}
	pthread_mutex_unlock(&c->lock);
	ct_sigkey_free((ct_sigkey *)k);
}
