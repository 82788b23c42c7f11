/*
 * The proof bundle writer (docs/FORMAT.md section 11): every entry the
 * verdict of a subject at a time rests on, as the evaluator read them, each
 * with its tlog-proof against its feed's latest checkpoint cosigned by the
 * bureau. core/proof/bundle.c reads and checks what this writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "caltrace/proof/bundle.h"
#include "caltrace/proof/witness.h"
#include "note_internal.h"

struct hashes {
	uint8_t (*v)[CT_HASH_BYTES];
	size_t n, cap;
	bool oom;
};

static void record(void *ctx, const uint8_t hash[CT_HASH_BYTES])
{
	struct hashes *h = ctx;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		void *grown = realloc(h->v, cap * CT_HASH_BYTES);
		if (!grown) {
			h->oom = true;
			return;
		}
		h->v = grown;
		h->cap = cap;
	}
	memcpy(h->v[h->n++], hash, CT_HASH_BYTES);
}

struct item {
	ct_entry e;
	bool genesis;
	size_t feed; /* index of its feed's checkpoint */
};

struct feed_cp {
	size_t last; /* the item of the feed with the highest seq */
	ct_buf note;
	ct_checkpoint cp;
};

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

static int by_hash(const void *a, const void *b)
{
	return memcmp(a, b, CT_HASH_BYTES);
}

/* The note with only the author's line and the bureau's cosignature, as bundles carry it. */
static int trim_note(ct_buf *out, const ct_buf *stored, const ct_vkey *feed_key, const ct_vkey *bureau)
{
	ct_note *in = NULL, *n = NULL;
	const ct_note_sig *a, *c;
	int err;

	out->len = 0;
	if ((err = ct_note_parse(&in, stored->ptr, stored->len)) < 0 ||
	    (err = ct_note_new(&n, in->text, in->text_len)) < 0)
		goto done;
	a = ct_note_find(in, feed_key);
	c = ct_note_find(in, bureau);
	if (!a || !c) {
		err = CT_ENOTFOUND;
		goto done;
	}
	if ((err = ct_note_add_sig(n, a->name, a->key_id, a->sig, a->sig_len)) < 0 ||
	    (err = ct_note_add_sig(n, c->name, c->key_id, c->sig, c->sig_len)) < 0)
		goto done;
	err = ct_note_format(out, n);
done:
	ct_note_free(in);
	ct_note_free(n);
	return err;
}

/*
 * The checkpoint of e's feed for the bundle: its latest stored one cosigned
 * by the bureau covering size_needed entries, trimmed to the author's line
 * and the bureau's. *cp receives its body.
 */
static int feed_checkpoint(ct_buf *note, ct_checkpoint *cp, ct_reader *r, const ct_entry *e,
			   const uint8_t network[CT_HASH_BYTES], const ct_vkey *bureau, uint64_t size_needed)
{
	ct_buf stored = CT_BUF_INIT;
	char hex[2 * CT_KEY_BYTES + 1], key[CT_KEY_SHORT_LEN + 1];
	ct_vkey feed_key;
	int err;

	ct_hex(hex, e->author, CT_KEY_BYTES);
	ct_key_short(key, e->author);
	ct_checkpoint_feed_key(&feed_key, network, e->author);
	err = ct_checkpoint_latest(r, e->author, bureau, size_needed, &stored, cp);
	if (err == CT_ENOTFOUND)
		err = ct_error_set(CT_ESTATE,
				   "entry %s…#%llu: no checkpoint of feed %s covering %llu entries carries "
				   "the bureau's cosignature",
				   key, (unsigned long long)e->seq, hex, (unsigned long long)size_needed);
	else if (err < 0 || (err = trim_note(note, &stored, &feed_key, bureau)) < 0)
		err = ct_error_wrap(err, "the checkpoint of feed %s…", key);
	ct_buf_free(&stored);
	return err;
}

/* "<word> <n>\n" */
static int put_count(ct_buf *out, const char *word, size_t n)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %zu\n", word, n);
	return ct_buf_put(out, line, strlen(line));
}

/*
 * One block: "entry <base64>", "proof <n>", and the lines of the entry's
 * tlog-proof against note (of size size) before its empty line: the whole
 * tlog-proof is those lines, "\n" and note.
 */
static int add_block(ct_buf *out, ct_reader *r, const ct_entry *e, const ct_buf *note, uint64_t size)
{
	uint8_t proof[CT_MERKLE_MAX_PROOF][CT_HASH_BYTES];
	ct_buf tp = CT_BUF_INIT;
	char key[CT_KEY_SHORT_LEN + 1];
	size_t count, piece;
	int err;

	ct_key_short(key, e->author);
	if ((err = ct_read_inclusion_proof(proof, &count, r, e->author, e->seq, size)) < 0 ||
	    (err = ct_tlog_proof_build(&tp, e->seq - 1, (const uint8_t(*)[CT_HASH_BYTES])proof, count, NULL,
				       0, note->ptr, note->len)) < 0) {
		err = ct_error_wrap(err, "entry %s…#%llu", key, (unsigned long long)e->seq);
		goto done;
	}
	piece = tp.len - note->len - 1;
	if ((err = ct_buf_put(out, "entry ", 6)) < 0 || (err = ct_b64_put(out, e->raw, e->raw_len)) < 0 ||
	    (err = ct_buf_put(out, "\n", 1)) < 0 || (err = put_count(out, "proof", piece)) < 0 ||
	    (err = ct_buf_put(out, tp.ptr, piece)) < 0)
		err = ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
done:
	ct_buf_free(&tp);
	return err;
}

/*
 * "forks <f>" and a "fork <a> <b>" line per feed of the bundle whose fork
 * proof this home holds, so that an offline verifier judges the author as
 * the node does. A feed forked only by its checkpoints cannot be proven
 * this way (the notes need the entries they disagree on): said on stderr.
 */
static int add_forks(ct_buf *out, ct_reader *r, const struct item *items, const struct feed_cp *feeds,
		     size_t nfeeds, ct_bundle_warn_fn warn, void *warn_ctx)
{
	const uint8_t *a, *b;
	size_t alen, blen, k, nforks = 0;
	char key[CT_KEY_SHORT_LEN + 1];
	ct_buf lines = CT_BUF_INIT;
	int err = 0;

	for (k = 0; k < nfeeds && err >= 0; k++) {
		const uint8_t *author = items[feeds[k].last].e.author;

		ct_key_short(key, author);
		if (ct_read_fork(&a, &alen, &b, &blen, r, author) == 0) {
			if ((err = ct_buf_put(&lines, "fork ", 5)) < 0 ||
			    (err = ct_b64_put(&lines, a, alen)) < 0 ||
			    (err = ct_buf_put(&lines, " ", 1)) < 0 ||
			    (err = ct_b64_put(&lines, b, blen)) < 0 ||
			    (err = ct_buf_put(&lines, "\n", 1)) < 0)
				break;
			nforks++;
		} else if (ct_read_checkpoint_fork(&a, &alen, &b, &blen, r, author) == 0) {
			char msg[200];
			snprintf(msg, sizeof(msg),
				 "feed %s… is forked by two of its checkpoints; a bundle cannot carry that "
				 "proof, so an offline verifier will not see the fork",
				 key);
			if (warn)
				warn(warn_ctx, msg);
		}
	}
	if (err >= 0 && nforks && ((err = put_count(out, "forks", nforks)) >= 0))
		err = ct_buf_put(out, lines.ptr, lines.len);
	ct_buf_free(&lines);
	return err < 0 ? ct_error_set(CT_ENOMEM, "out of memory writing a bundle") : 0;
}

/* Header, blocks (genesis first, then by feed and seq), fork proofs, end line. */
static int build(ct_buf *out, ct_reader *r, struct hashes *h, char ns, const char *id, uint64_t at,
		 ct_bundle_warn_fn warn, void *warn_ctx)
{
	uint8_t network[CT_HASH_BYTES], bureau_key[CT_KEY_BYTES], digest[CT_HASH_BYTES];
	char line[512], hex[2 * CT_HASH_BYTES + 1];
	struct item *items = NULL;
	struct feed_cp *feeds = NULL;
	size_t i, k, n = 0, nfeeds = 0;
	ct_vkey bureau;
	int err;

	if ((err = ct_read_network(network, bureau_key, r)) < 0)
		return ct_error_wrap(err, "no network");
	ct_witness_key(&bureau, network, bureau_key);
	record(h, network);
	qsort(h->v, h->n, CT_HASH_BYTES, by_hash);
	if (h->oom || !(items = calloc(h->n, sizeof(*items))))
		return ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
	for (i = 0; i < h->n; i++) {
		if (i && memcmp(h->v[i], h->v[i - 1], CT_HASH_BYTES) == 0)
			continue;
		if ((err = ct_read_entry_by_hash(&items[n].e, r, h->v[i])) < 0) {
			err = ct_error_wrap(err, "an entry the verdict rests on");
			goto done;
		}
		items[n].genesis = memcmp(h->v[i], network, CT_HASH_BYTES) == 0;
		n++;
	}
	qsort(items, n, sizeof(*items), by_feed);
	snprintf(line, sizeof(line), "%s\nsubject %s %s\nat %llu\n", CT_BUNDLE_HEADER,
		 ns == CT_NS_STANDARD ? "standard" : "instrument", id, (unsigned long long)at);
	err = CT_ENOMEM;
	if (ct_buf_put(out, line, strlen(line)) < 0 || !(feeds = calloc(n, sizeof(*feeds))))
		goto done;
	/* one checkpoint per feed, in the order the feeds first come (the genesis's first): its latest
	 * cosigned by the bureau, covering the feed's last entry in the bundle */
	for (i = 0; i < n; i++) {
		for (k = 0;
		     k < nfeeds && memcmp(items[feeds[k].last].e.author, items[i].e.author, CT_KEY_BYTES);
		     k++)
			;
		if (k == nfeeds)
			feeds[nfeeds++].last = i;
		else if (items[i].e.seq > items[feeds[k].last].e.seq)
			feeds[k].last = i;
		items[i].feed = k;
	}
	for (k = 0; k < nfeeds; k++)
		if ((err = feed_checkpoint(&feeds[k].note, &feeds[k].cp, r, &items[feeds[k].last].e, network,
					   &bureau, items[feeds[k].last].e.seq)) < 0)
			goto done;
	err = CT_ENOMEM;
	if (put_count(out, "checkpoints", nfeeds) < 0)
		goto done;
	for (i = 0; i < nfeeds; i++)
		if (put_count(out, "checkpoint", feeds[i].note.len) < 0 ||
		    ct_buf_put(out, feeds[i].note.ptr, feeds[i].note.len) < 0)
			goto done;
	if (put_count(out, "entries", n) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if ((err = add_block(out, r, &items[i].e, &feeds[items[i].feed].note,
				     feeds[items[i].feed].cp.size)) < 0)
			goto done;
	if ((err = add_forks(out, r, items, feeds, nfeeds, warn, warn_ctx)) < 0)
		goto done;
	crypto_hash_sha256(digest, out->ptr, out->len);
	ct_hex(hex, digest, CT_HASH_BYTES);
	snprintf(line, sizeof(line), "end %s\n", hex);
	err = ct_buf_put(out, line, strlen(line));
done:
	if (err == CT_ENOMEM)
		err = ct_error_set(CT_ENOMEM, "out of memory writing a bundle");
	for (i = 0; i < nfeeds; i++)
		ct_buf_free(&feeds[i].note);
	free(feeds);
	free(items);
	return err;
}

int ct_bundle_write(ct_buf *out, ct_reader *r, char ns, const char *id, uint64_t at, ct_trace_node **tree,
		    ct_bundle_warn_fn warn, void *warn_ctx)
{
	struct hashes h = {0};
	ct_trace_node *t = NULL;
	ct_tracer *tr = NULL;
	int err;

	if ((err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	ct_tracer_record(tr, record, &h);
	if ((err = ct_trace(&t, tr, ns, id, strlen(id), at)) < 0) {
		err = ct_error_wrap(err, "cannot evaluate %s", id);
		goto done;
	}
	ct_tracer_record(tr, NULL, NULL);
	err = build(out, r, &h, ns, id, at, warn, warn_ctx);
done:
	free(h.v);
	ct_tracer_free(tr);
	if (err == 0 && tree)
		*tree = t;
	else
		ct_trace_free(t);
	return err;
}
