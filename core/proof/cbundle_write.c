/*
 * The complete bundle writer (docs/FORMAT.md section 13): the verdict
 * evaluated with entry and key recorders; the network checkpoint of the
 * store's current state, trimmed to the bureau's lines and the witnesses
 * carried; the keys to prove (what the evaluator read and what the rules
 * require); their lists' entries, each with its inclusion proof at the
 * checkpoint's size of its feed; the fork proofs the index holds of them;
 * the index proof of every key.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "caltrace/proof/witness.h"
#include "cbundle_internal.h"
#include "note_internal.h"

/* ---- the store as a source -------------------------------------------------- */

static int put_hash(void *ctx, const uint8_t hash[CT_HASH_BYTES])
{
	return ct_buf_put(ctx, hash, CT_HASH_BYTES) < 0 ? ct_error_set(CT_ENOMEM, "out of memory writing a bundle") : 0;
}

static int store_list(void *ctx, const uint8_t *key, size_t len, bool *present, ct_buf *hashes)
{
	return ct_netindex_list(present, ctx, key, len, put_hash, hashes);
}

static int store_entry(void *ctx, const uint8_t hash[CT_HASH_BYTES], ct_entry *out)
{
	return ct_read_entry_by_hash(out, ctx, hash);
}

/* ---- what the verdict reads ------------------------------------------------ */

struct rec {
	struct ct__keyset keys;	   /* network index keys */
	struct ct__keyset entries; /* entry hashes */
	bool oom;
};

static void rec_key(void *ctx, const uint8_t *key, size_t len)
{
	struct rec *r = ctx;

	if (!r->oom && ct__keyset_add(&r->keys, key, len) < 0)
		r->oom = true;
}

static void rec_entry(void *ctx, const uint8_t hash[CT_HASH_BYTES])
{
	struct rec *r = ctx;

	if (!r->oom && ct__keyset_add(&r->entries, hash, CT_HASH_BYTES) < 0)
		r->oom = true;
}

/* ---- the bundle being made ---------------------------------------------------- */

struct item {
	ct_entry e;
	uint8_t hash[CT_HASH_BYTES];
	bool genesis;
};

struct lookup {
	uint8_t key[CT_NETKEY_MAX];
	size_t len;
	bool present;
	ct_buf hashes;
};

struct writer {
	ct_reader *r;
	struct ct__src src;
	uint8_t network[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	ct_netcp cp;
	struct ct__keyset keys;	   /* the keys to prove */
	struct ct__keyset entries; /* the entries to carry, by hash */
	struct lookup *lookups;
	size_t nlookups;
	struct item *items;
	size_t nitems;
};

static int by_key(const void *a, const void *b)
{
	const struct lookup *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int by_feed(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (x->genesis != y->genesis)
		return x->genesis ? -1 : 1;
	if ((c = memcmp(x->e.author, y->e.author, CT_KEY_BYTES)) != 0)
		return c;
	return x->e.seq < y->e.seq ? -1 : x->e.seq > y->e.seq;
}

/* Whether a fork key, and whether it lists a fork proof (two entries not all in feeds). */
static bool is_fork_key(const uint8_t *key, size_t len)
{
	return key[0] == CT_NK_AUTHOR && key[len - 1] == CT_NETKEY_FORK_SFX;
}

/*
 * The lists of every key to prove, their entries added to the carried
 * ones; then every carried entry no list holds gets its own key proven
 * (an entry the evaluator read by hash: a link citing the wrong entry).
 */
static int gather(struct writer *w)
{
	size_t keys_done = 0, entries_done = 0, j;
	int err;

	while (keys_done < w->keys.n || entries_done < w->entries.n) {
		for (; keys_done < w->keys.n; keys_done++) {
			struct lookup *lk, *grown = realloc(w->lookups, (w->nlookups + 1) * sizeof(*grown));
			if (!grown)
				return ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
			w->lookups = grown;
			lk = &w->lookups[w->nlookups++];
			memset(lk, 0, sizeof(*lk));
			memcpy(lk->key, w->keys.keys[keys_done], w->keys.lens[keys_done]);
			lk->len = w->keys.lens[keys_done];
			if ((err = store_list(w->r, lk->key, lk->len, &lk->present, &lk->hashes)) < 0)
				return err;
			/* an entry fork's two entries go in a fork line, not as entries */
			if (is_fork_key(lk->key, lk->len) && lk->hashes.len == 2 * CT_HASH_BYTES)
				continue;
			for (j = 0; j < lk->hashes.len / CT_HASH_BYTES; j++)
				if ((err = ct__keyset_add(&w->entries, lk->hashes.ptr + j * CT_HASH_BYTES, CT_HASH_BYTES)) < 0)
					return err;
		}
		for (; entries_done < w->entries.n; entries_done++) {
			ct_netrow rows[CT_NETROWS_MAX];
			size_t nrows, k;
			ct_entry e;
			if ((err = ct_read_entry_by_hash(&e, w->r, w->entries.keys[entries_done])) < 0)
				return ct_error_wrap(err, "an entry the verdict rests on");
			/* each key it has a row under (none: the genesis) */
			if ((err = ct_netindex_rows(rows, &nrows, &e)) < 0)
				return err;
			for (k = 0; k < nrows; k++)
				if ((err = ct__keyset_add(&w->keys, rows[k].key, rows[k].len)) < 0)
					return err;
		}
	}
	return 0;
}

/* The carried entries, read, genesis first then by feed and seq. */
static int collect_items(struct writer *w)
{
	size_t i;
	int err;

	if (!(w->items = calloc(w->entries.n + 1, sizeof(*w->items))))
		return ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
	for (i = 0; i < w->entries.n; i++) {
		struct item *it = &w->items[w->nitems++];
		memcpy(it->hash, w->entries.keys[i], CT_HASH_BYTES);
		if ((err = ct_read_entry_by_hash(&it->e, w->r, it->hash)) < 0)
			return ct_error_wrap(err, "an entry the verdict rests on");
		it->genesis = !memcmp(it->hash, w->network, CT_HASH_BYTES);
	}
	qsort(w->items, w->nitems, sizeof(*w->items), by_feed);
	return 0;
}

/*
 * The witnesses to carry: those that count (ct__witness_lab), one per lab;
 * those the bundle proves anyway first.
 */
static int choose_witnesses(struct writer *w, const ct_netcp_witness_sig *wits, size_t nwits, unsigned min,
			    const struct ct__keyset *required, uint8_t (*chosen)[CT_KEY_BYTES], size_t *nchosen)
{
	uint8_t key[CT_NETKEY_MAX], (*labs)[CT_KEY_BYTES] = NULL;
	size_t i, j, counted = 0;
	bool ok;
	int err = 0;

	*nchosen = 0;
	if (nwits && !(labs = calloc(nwits, CT_KEY_BYTES)))
		return ct_error_set(CT_ENOMEM, "out of memory choosing witnesses");
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < nwits; i++) {
			bool free_ = ct__keyset_has(required, key, ct_netkey_org(key, wits[i].key));
			if (free_ != (pass == 0))
				continue;
			if ((err = ct__witness_lab(&w->src, w->bureau, wits[i].key, wits[i].time * 1000, labs[counted],
						   &ok)) < 0)
				goto done;
			if (!ok)
				continue;
			for (j = 0; j < counted && memcmp(labs[j], labs[counted], CT_KEY_BYTES) != 0; j++)
				;
			if (j < counted)
				continue; /* another key of a lab already counted */
			counted++;
			if (pass == 0 || *nchosen < min)
				memcpy(chosen[(*nchosen)++], wits[i].key, CT_KEY_BYTES);
		}
	if (*nchosen < min)
		err = ct_error_set(CT_ESTATE,
				   "the network checkpoint of this state carries cosignatures of %zu admitted labs, "
				   "fewer than the %u witnesses asked for (wait until more nodes cosign it)",
				   counted, min);
done:
	free(labs);
	return err;
}

/* The note with the bureau's two lines and the chosen witnesses' cosignatures. */
static int trim_note(ct_buf *out, const ct_buf *stored, const uint8_t (*chosen)[CT_KEY_BYTES], size_t nchosen,
		     const uint8_t network[CT_HASH_BYTES])
{
	ct_note *in = NULL, *n = NULL;
	size_t i, j;
	int err;

	out->len = 0;
	if ((err = ct_note_parse(&in, stored->ptr, stored->len)) < 0 ||
	    (err = ct_note_new(&n, in->text, in->text_len)) < 0)
		goto done;
	for (i = 0; i < in->nsigs; i++) {
		bool keep = i < 2; /* the bureau's signature and cosignature come first in a held note */
		for (j = 0; !keep && j < nchosen; j++) {
			ct_vkey wk;
			ct_witness_key(&wk, network, chosen[j]);
			keep = !strcmp(wk.name, in->sigs[i].name) && wk.key_id == in->sigs[i].key_id;
		}
		if (keep && (err = ct_note_add_sig(n, in->sigs[i].name, in->sigs[i].key_id, in->sigs[i].sig,
						   in->sigs[i].sig_len)) < 0)
			goto done;
	}
	err = ct_note_format(out, n);
done:
	ct_note_free(in);
	ct_note_free(n);
	return err;
}

/* "<word> <n>\n" */
static int put_count(ct_buf *out, const char *word, size_t n)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %zu\n", word, n);
	return ct_buf_put(out, line, strlen(line));
}

static int put_b64_line(ct_buf *out, const char *word, const uint8_t *p, size_t len)
{
	int err = ct_buf_put(out, word, strlen(word));

	if (!err && len)
		err = ct_buf_put(out, " ", 1);
	if (!err && len)
		err = ct_b64_put(out, p, len);
	return err ? err : ct_buf_put(out, "\n", 1);
}

static int write_entries(ct_buf *out, struct writer *w)
{
	uint8_t proof[CT_MERKLE_MAX_PROOF][CT_HASH_BYTES];
	size_t i, count;
	int err;

	if ((err = put_count(out, "entries", w->nitems)) < 0)
		return err;
	for (i = 0; i < w->nitems; i++) {
		const ct_entry *e = &w->items[i].e;
		const ct_netcp_feed *f = ct_netcp_feed_of(&w->cp, e->author);
		if (!f || e->seq > f->size)
			return ct_error_set(CT_ECORRUPT, "an entry beyond the network checkpoint of this very state");
		if ((err = ct_read_inclusion_proof(proof, &count, w->r, e->author, e->seq, f->size)) < 0 ||
		    (err = put_b64_line(out, "entry", e->raw, e->raw_len)) < 0 ||
		    (err = put_b64_line(out, "proof", proof[0], count * CT_HASH_BYTES)) < 0)
			return err;
	}
	return 0;
}

static int write_forks(ct_buf *out, struct writer *w)
{
	const uint8_t *a, *b;
	size_t alen, blen, i, n = 0;
	int err;

	for (i = 0; i < w->nlookups; i++)
		n += is_fork_key(w->lookups[i].key, w->lookups[i].len) && w->lookups[i].hashes.len == 2 * CT_HASH_BYTES;
	if (!n)
		return 0;
	if ((err = put_count(out, "forks", n)) < 0)
		return err;
	for (i = 0; i < w->nlookups; i++) {
		const struct lookup *lk = &w->lookups[i];
		if (!is_fork_key(lk->key, lk->len) || lk->hashes.len != 2 * CT_HASH_BYTES)
			continue;
		if ((err = ct_netindex_fork(&a, &alen, &b, &blen, w->r, lk->key + 1)) < 0 || !a)
			return err < 0 ? err : ct_error_set(CT_ECORRUPT, "a fork key without its proof");
		if ((err = ct_buf_put(out, "fork ", 5)) < 0 || (err = ct_b64_put(out, a, alen)) < 0 ||
		    (err = ct_buf_put(out, " ", 1)) < 0 || (err = ct_b64_put(out, b, blen)) < 0 ||
		    (err = ct_buf_put(out, "\n", 1)) < 0)
			return err;
	}
	return 0;
}

static int write_lookups(ct_buf *out, struct writer *w)
{
	const uint8_t **keys = NULL;
	size_t *lens = NULL, i, nleaves = 0, extra = 0;
	ct_netleaf *leaves = NULL;
	ct_buf stream = CT_BUF_INIT;
	char count[32];
	int err = CT_ENOMEM;

	qsort(w->lookups, w->nlookups, sizeof(*w->lookups), by_key);
	if (!(keys = calloc(w->nlookups + 1, sizeof(*keys))) || !(lens = calloc(w->nlookups + 1, sizeof(*lens))))
		goto done;
	for (i = 0; i < w->nlookups; i++) {
		keys[i] = w->lookups[i].key;
		lens[i] = w->lookups[i].len;
	}
	if ((err = ct_netindex_prove(&leaves, &nleaves, &stream, w->r, keys, lens, w->nlookups)) < 0 ||
	    (err = put_count(out, "lookups", w->nlookups)) < 0)
		goto done;
	for (i = 0; i < w->nlookups && err >= 0; i++) {
		const struct lookup *lk = &w->lookups[i];
		if (!lk->present) {
			err = put_b64_line(out, "absent", lk->key, lk->len);
			continue;
		}
		snprintf(count, sizeof(count), " %zu", lk->hashes.len / CT_HASH_BYTES);
		if ((err = ct_buf_put(out, "lookup ", 7)) < 0 || (err = ct_b64_put(out, lk->key, lk->len)) < 0 ||
		    (err = ct_buf_put(out, count, strlen(count))) < 0)
			break;
		if (lk->hashes.len && ((err = ct_buf_put(out, " ", 1)) < 0 ||
				       (err = ct_b64_put(out, lk->hashes.ptr, lk->hashes.len)) < 0))
			break;
		err = ct_buf_put(out, "\n", 1);
	}
	/* the neighbours of absent keys that are no lookup */
	for (i = 0; i < nleaves; i++) {
		struct lookup probe;
		memcpy(probe.key, leaves[i].key, leaves[i].len);
		probe.len = leaves[i].len;
		if (!bsearch(&probe, w->lookups, w->nlookups, sizeof(*w->lookups), by_key))
			leaves[extra++] = leaves[i];
	}
	if (err >= 0 && extra) {
		err = put_count(out, "leaves", extra);
		for (i = 0; i < extra && err >= 0; i++) {
			if ((err = ct_buf_put(out, "leaf ", 5)) < 0 || (err = ct_b64_put(out, leaves[i].key, leaves[i].len)) < 0 ||
			    (err = ct_buf_put(out, " ", 1)) < 0 || (err = ct_b64_put(out, leaves[i].vh, CT_HASH_BYTES)) < 0)
				break;
			err = ct_buf_put(out, "\n", 1);
		}
	}
	if (err >= 0)
		err = put_b64_line(out, "index", stream.ptr, stream.len);
done:
	free(keys);
	free(lens);
	free(leaves);
	ct_buf_free(&stream);
	return err == CT_ENOMEM ? ct_error_set(CT_ENOMEM, "out of memory writing a bundle") : err;
}

static void writer_free(struct writer *w)
{
	size_t i;

	for (i = 0; i < w->nlookups; i++)
		ct_buf_free(&w->lookups[i].hashes);
	free(w->lookups);
	free(w->items);
	ct__keyset_free(&w->keys);
	ct__keyset_free(&w->entries);
	ct_netcp_clear(&w->cp);
}

int ct_cbundle_write(ct_buf *out, ct_reader *r, char ns, const char *id, uint64_t at, unsigned min_witnesses,
		     ct_trace_node **tree)
{
	struct writer w;
	struct rec rc;
	struct ct__keyset required;
	ct_netcp_witness_sig *wits = NULL;
	uint8_t(*chosen)[CT_KEY_BYTES] = NULL;
	uint8_t digest[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1], line[300];
	ct_buf stored = CT_BUF_INIT, note = CT_BUF_INIT;
	ct_trace_node *t = NULL;
	ct_tracer *tr = NULL;
	ct_note *n = NULL;
	size_t nwits = 0, nchosen = 0, i;
	uint64_t time;
	ct_netcp vcp;
	int err;

	memset(&w, 0, sizeof(w));
	memset(&rc, 0, sizeof(rc));
	memset(&required, 0, sizeof(required));
	w.r = r;
	w.src = (struct ct__src){r, store_list, store_entry};
	if ((err = ct_read_network(w.network, w.bureau, r)) < 0)
		goto done;
	err = ct_netcp_current(r, &stored, &w.cp);
	if (err == CT_ENOTFOUND) {
		err = ct_error_wrap(CT_ESTATE, "no complete proof yet");
		goto done;
	}
	if (err < 0 || (err = ct_note_parse(&n, stored.ptr, stored.len)) < 0 ||
	    (err = ct_netcp_verify(n, w.network, w.bureau, &vcp, &time, &wits, &nwits)) < 0)
		goto done;
	ct_netcp_clear(&vcp);
	/* the verdict, and what it read */
	if ((err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	ct_tracer_record(tr, rec_entry, &rc);
	ct_tracer_record_keys(tr, rec_key, &rc);
	if ((err = ct_trace(&t, tr, ns, id, strlen(id), at)) < 0) {
		err = ct_error_wrap(err, "cannot evaluate %s", id);
		goto done;
	}
	if (rc.oom) {
		err = ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
		goto done;
	}
	/* the keys the rules require, the witnesses, then all of them with what the evaluator read */
	if ((err = ct__closure(&w.src, w.bureau, ns, id, strlen(id), at, NULL, 0, &required)) < 0)
		goto done;
	if (nwits && !(chosen = calloc(nwits, CT_KEY_BYTES))) {
		err = ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
		goto done;
	}
	if ((err = choose_witnesses(&w, wits, nwits, min_witnesses, &required, chosen, &nchosen)) < 0 ||
	    (err = ct__closure(&w.src, w.bureau, ns, id, strlen(id), at, (const uint8_t(*)[CT_KEY_BYTES])chosen,
			       nchosen, &w.keys)) < 0)
		goto done;
	for (i = 0; i < rc.keys.n; i++)
		if ((err = ct__keyset_add(&w.keys, rc.keys.keys[i], rc.keys.lens[i])) < 0)
			goto done;
	if ((err = ct__keyset_add(&w.entries, w.network, CT_HASH_BYTES)) < 0)
		goto done;
	for (i = 0; i < rc.entries.n; i++)
		if ((err = ct__keyset_add(&w.entries, rc.entries.keys[i], CT_HASH_BYTES)) < 0)
			goto done;
	if ((err = gather(&w)) < 0 || (err = collect_items(&w)) < 0 ||
	    (err = trim_note(&note, &stored, (const uint8_t(*)[CT_KEY_BYTES])chosen, nchosen, w.network)) < 0)
		goto done;
	/* the text */
	snprintf(line, sizeof(line), "%s\nsubject %s %s\nat %llu\n", CT_CBUNDLE_HEADER,
		 ns == CT_NS_STANDARD ? "standard" : "instrument", id, (unsigned long long)at);
	if ((err = ct_buf_put(out, line, strlen(line))) < 0 || (err = put_count(out, "network", note.len)) < 0 ||
	    (err = ct_buf_put(out, note.ptr, note.len)) < 0 || (err = write_entries(out, &w)) < 0 ||
	    (err = write_forks(out, &w)) < 0 || (err = write_lookups(out, &w)) < 0)
		goto done;
	crypto_hash_sha256(digest, out->ptr, out->len);
	ct_hex(hex, digest, CT_HASH_BYTES);
	snprintf(line, sizeof(line), "end %s\n", hex);
	err = ct_buf_put(out, line, strlen(line));
done:
	if (err == CT_ENOMEM)
		err = ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
	writer_free(&w);
	ct__keyset_free(&required);
	ct__keyset_free(&rc.keys);
	ct__keyset_free(&rc.entries);
	ct_note_free(n);
	ct_buf_free(&stored);
	ct_buf_free(&note);
	free(wits);
	free(chosen);
	ct_tracer_free(tr);
	if (err == 0 && tree)
		*tree = t;
	else
		ct_trace_free(t);
	return err;
}
