/*
 * Per-client rate limiting: a token bucket per client address, refilled at
 * rate tokens a second up to burst, one token a request. The table has a
 * fixed size; a client not in it takes the slot, among the few its address
 * hashes to, that was used least recently (a forgotten client starts with
 * a full bucket: the limit bounds a busy client, it is no quota).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "web_internal.h"

#define SLOTS	 4096
#define WAYS	 8
#define ADDR_MAX 16

struct slot {
	uint8_t addr[ADDR_MAX];
	uint8_t len;	 /* 0: empty */
	uint64_t last;	 /* ms of the last request */
	uint64_t tokens; /* in thousandths of a request */
};

struct ct__limiter {
	pthread_mutex_t lock;
	uint64_t rate, burst; /* requests per second; requests */
	struct slot slots[SLOTS];
};

int ct__limiter_new(struct ct__limiter **out, unsigned rate, unsigned burst)
{
	struct ct__limiter *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return ct_error_set(CT_ENOMEM, "out of memory for a rate limiter");
	pthread_mutex_init(&l->lock, NULL);
	l->rate = rate;
	l->burst = burst ? burst : 2 * (uint64_t)rate;
	if (l->burst < 1)
		l->burst = 1;
	*out = l;
	return 0;
}

void ct__limiter_free(struct ct__limiter *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static uint32_t hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

unsigned ct__limiter_take(struct ct__limiter *l, const void *addr, size_t len, uint64_t now)
{
	uint64_t full, need = 1000, wait;
	size_t base, i, pick = SIZE_MAX, oldest = 0;
	struct slot *s;
	unsigned rc = 0;

	if (len > ADDR_MAX)
		len = ADDR_MAX;
	full = l->burst * 1000;
	base = (hash(addr, len) % (SLOTS / WAYS)) * WAYS;
	pthread_mutex_lock(&l->lock);
	for (i = base; i < base + WAYS; i++) {
		if (l->slots[i].len == len && !memcmp(l->slots[i].addr, addr, len)) {
			pick = i;
			break;
		}
		if (l->slots[i].last < l->slots[base + oldest].last || !l->slots[i].len)
			oldest = i - base;
	}
	if (pick == SIZE_MAX) {
		pick = base + oldest;
		s = &l->slots[pick];
		memcpy(s->addr, addr, len);
		s->len = (uint8_t)len;
		s->tokens = full;
		s->last = now;
	}
	s = &l->slots[pick];
	if (now > s->last) {
		uint64_t add = (now - s->last) * l->rate; /* ms x requests/s = thousandths of a request */
		s->tokens = s->tokens + add > full ? full : s->tokens + add;
		s->last = now;
	}
	if (s->tokens >= need) {
		s->tokens -= need;
	} else {
		wait = ((need - s->tokens) + l->rate - 1) / l->rate; /* ms */
		rc = (unsigned)((wait + 999) / 1000);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}
