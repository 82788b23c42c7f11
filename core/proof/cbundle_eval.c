/*
 * A complete bundle judged (docs/FORMAT.md section 13, rule 9): its
 * entries and forks loaded into a scratch store, the evaluator run with a
 * key recorder, and the bundle refused when the evaluator read a key
 * without a lookup or when the scratch store's list of a key is not the
 * lookup's.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "cbundle_internal.h"

int ct_cbundle_load(const ct_cbundle *b, ct_batch *batch)
{
	ct_ingest_result res;
	size_t i;
	int err;

	for (i = 0; i < b->count; i++)
		if ((err = ct_batch_ingest(batch, b->blocks[i].entry, b->blocks[i].entry_len,
					   CT_INGEST_SPARSE | CT_INGEST_SIG_CHECKED, &res)) < 0)
			return ct_error_wrap(err, "entry %zu", i + 1);
	for (i = 0; i < b->nforks; i++) {
		err = ct_batch_record_fork(batch, b->forks[i].a, b->forks[i].a_len, b->forks[i].b, b->forks[i].b_len);
		if (err < 0 && err != CT_EEXISTS)
			return ct_error_wrap(err, "fork %zu", i + 1);
	}
	/* checkpoint forks: fork keys that list no fork proof (the author distrusted from its entry 1) */
	for (i = 0; i < b->nlookups; i++) {
		const ct_cbundle_lookup *k = &b->lookups[i];
		if (k->key[0] != CT_NK_AUTHOR || k->key[k->len - 1] != CT_NETKEY_FORK_SFX || !k->present || k->n == 2)
			continue;
		err = ct_batch_record_checkpoint_fork(batch, k->key + 1, (const uint8_t *)"", 0, NULL, 0);
		if (err < 0 && err != CT_EEXISTS)
			return err;
	}
	return 0;
}

struct recorded {
	struct ct__keyset set;
	bool oom;
};

static void record_key(void *ctx, const uint8_t *key, size_t len)
{
	struct recorded *s = ctx;

	if (!s->oom && ct__keyset_add(&s->set, key, len) < 0)
		s->oom = true; /* noticed after the trace */
}

static int collect(void *ctx, const uint8_t hash[CT_HASH_BYTES])
{
	return ct_buf_put(ctx, hash, CT_HASH_BYTES) < 0 ? ct_error_set(CT_ENOMEM, "out of memory checking a bundle") : 0;
}

/* The store's list of a lookup's key is the lookup's. */
static int same_list(ct_reader *r, const ct_cbundle_lookup *k)
{
	ct_buf got = CT_BUF_INIT;
	bool present = false;
	char name[120];
	int err;

	if ((err = ct_netindex_list(&present, r, k->key, k->len, collect, &got)) < 0)
		goto done;
	if (present != k->present || got.len != k->n * CT_HASH_BYTES ||
	    (got.len && memcmp(got.ptr, k->hashes, got.len) != 0)) {
		ct_netkey_name(name, sizeof(name), k->key, k->len);
		err = ct_error_set(CT_EPROOF, "the entries the bundle carries under key %s are not the ones its lookup lists",
				   name);
	}
done:
	ct_buf_free(&got);
	return err;
}

static int has_lookup(const ct_cbundle *b, const uint8_t *key, size_t len)
{
	for (size_t i = 0; i < b->nlookups; i++)
		if (b->lookups[i].len == len && !memcmp(b->lookups[i].key, key, len))
			return 1;
	return 0;
}

int ct_cbundle_evaluate(const ct_cbundle *b, ct_reader *r, ct_trace_node **tree)
{
	struct recorded rec;
	struct ct__keyset *read = &rec.set;
	ct_tracer *tr = NULL;
	char name[120];
	size_t i;
	int err;

	*tree = NULL;
	memset(&rec, 0, sizeof(rec));
	if ((err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	ct_tracer_record_keys(tr, record_key, &rec);
	if ((err = ct_trace(tree, tr, b->kind, b->id, strlen(b->id), b->at)) < 0)
		goto done;
	if (rec.oom) {
		err = ct_error_set(CT_ENOMEM, "out of memory checking a bundle");
		goto done;
	}
	for (i = 0; i < read->n; i++)
		if (!has_lookup(b, read->keys[i], read->lens[i])) {
			ct_netkey_name(name, sizeof(name), read->keys[i], read->lens[i]);
			err = ct_error_set(CT_EPROOF, "the verdict reads key %s, which the bundle has no lookup of", name);
			goto done;
		}
	for (i = 0; i < b->nlookups; i++)
		if ((err = same_list(r, &b->lookups[i])) < 0)
			goto done;
done:
	if (err < 0) {
		ct_trace_free(*tree);
		*tree = NULL;
	}
	ct_tracer_free(tr);
	ct__keyset_free(read);
	return err;
}
