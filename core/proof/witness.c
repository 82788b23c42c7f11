/*
 * Signing and witnessing checkpoints against the store (caltrace/witness.h).
 *
 * The store keeps one note per checkpoint body: each time a copy arrives,
 * its verified signature lines are merged into the held note (which is
 * deleted and stored again under its new hash). Only lines whose key this
 * code can name are kept: the author's (key from the origin) and caltrace
 * witnesses' (key from the cosigner name "caltrace/<net>/witness/<hex>").
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/proof/witness.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/index.h"

void ct_witness_key(ct_vkey *out, const uint8_t network[static CT_HASH_BYTES],
		    const uint8_t node[static CT_KEY_BYTES])
{
	char name[CT_NOTE_NAME_MAX + 1];
	int err;

	ct_cosig_name(name, network, node);
	err = ct_vkey_make(out, name, CT_NOTE_COSIG_V1, node);
	(void)err; /* the name is always valid */
}

/* What the org rows of a witness key say at a cosignature (ct_witness_counts). */
struct ends {
	ct_reader *r;
	uint64_t time_ms, bureau_size;
	bool admit, rekey_in, in_by_then, ended;
};

static int end_row(void *ctx, const ct_index_row *row)
{
	struct ends *x = ctx;
	ct_entry e;
	int err;

	switch (row->kind) {
	case CT_ROW_ADMIT:
		x->admit = true;
		return 0;
	case CT_ROW_REKEY_IN:
		x->rekey_in = true;
		x->in_by_then |= row->time <= x->time_ms;
		return 0;
	case CT_ROW_REKEY_OUT:
	case CT_ROW_COMPROMISED:
		if (row->time <= x->time_ms) {
			x->ended = true;
			return 1;
		}
		/* the cosigned state holds the bureau's entry ending the key: the line came after it */
		if ((err = ct_read_entry_by_hash(&e, x->r, row->hash)) < 0)
			return err == CT_ENOTFOUND ? 0 : err;
		if (e.seq <= x->bureau_size) {
			x->ended = true;
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

int ct_witness_counts(bool *out, ct_reader *r, const uint8_t key[CT_KEY_BYTES], uint64_t timestamp,
		      uint64_t bureau_size)
{
	uint8_t bureau[CT_KEY_BYTES];
	struct ends x;
	int err;

	*out = false;
	if ((err = ct_read_admitted(out, r, key)) < 0 || !*out)
		return err;
	if (ct_read_network(NULL, bureau, r) == 0 && memcmp(bureau, key, CT_KEY_BYTES) == 0)
		return 0;
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.time_ms = timestamp > UINT64_MAX / 1000 ? UINT64_MAX : timestamp * 1000;
	x.bureau_size = bureau_size;
	*out = false;
	if ((err = ct_read_org_rows(r, key, end_row, &x)) < 0)
		return err;
	*out = !x.ended && (x.admit || !x.rekey_in || x.in_by_then);
	return 0;
}

/* The time a cosignature/v1 line claims (the first 8 bytes of its blob, big-endian); 0 when malformed. */
static uint64_t line_time(const ct_note_sig *s)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; s->sig_len == 8 + CT_SIG_BYTES && i < 8; i++)
		t = t << 8 | s->sig[i];
	return t;
}

/* How many of the bureau's entries the checkpoint in n covers: its size when it is the bureau's feed's. */
static uint64_t bureau_entries(ct_reader *r, const ct_note *n)
{
	uint8_t network[CT_HASH_BYTES], net[CT_HASH_BYTES], bureau[CT_KEY_BYTES], author[CT_KEY_BYTES];
	ct_checkpoint cp;

	if (ct_read_network(network, bureau, r) < 0 || ct_checkpoint_parse(&cp, n->text, n->text_len) < 0 ||
	    ct_checkpoint_feed(net, author, cp.origin) < 0 || memcmp(net, network, CT_HASH_BYTES) != 0 ||
	    memcmp(author, bureau, CT_KEY_BYTES) != 0)
		return 0;
	return cp.size;
}

/*
 * The witness key named by a cosignature line s of note n, if it is a
 * caltrace witness of network that counts (ct_witness_counts: admitted, not
 * replaced or declared compromised at the line's time or in the cosigned
 * state): *is says. Anyone can mint keys and name them witnesses; only the
 * network's own nodes count, or keys made up to sort first would crowd the
 * real ones out of a note (CT_WITNESS_COSIGS_MAX); and a lab's replaced key,
 * perhaps a thief's, is no longer its lab's witness.
 */
static int witness_of(ct_reader *r, ct_vkey *out, const ct_note *n, const ct_note_sig *s,
		      const uint8_t network[CT_HASH_BYTES], bool *is)
{
	char prefix[CT_NOTE_NAME_MAX + 1];
	uint8_t node[CT_KEY_BYTES];
	size_t plen;

	*is = false;
	memset(node, 0, sizeof(node));
	ct_cosig_name(prefix, network, node);
	plen = strlen(prefix) - 2 * CT_KEY_BYTES;
	if (strlen(s->name) != plen + 2 * CT_KEY_BYTES || memcmp(s->name, prefix, plen) != 0 ||
	    ct_unhex(node, CT_KEY_BYTES, s->name + plen) < 0)
		return 0;
	ct_witness_key(out, network, node);
	if (strcmp(out->name, s->name) != 0 || out->key_id != s->key_id)
		return 0;
	return ct_witness_counts(is, r, node, line_time(s), bureau_entries(r, n));
}

/* Whether known (may be NULL) holds the very line s: verified when it was stored. */
static bool known_line(const ct_note *known, const ct_note_sig *s)
{
	size_t i;

	for (i = 0; known && i < known->nsigs; i++) {
		const ct_note_sig *k = &known->sigs[i];

		if (k->key_id == s->key_id && k->sig_len == s->sig_len && strcmp(k->name, s->name) == 0 &&
		    memcmp(k->sig, s->sig, s->sig_len) == 0)
			return true;
	}
	return false;
}

/*
 * A copy of in's text with only the lines that verify: the author's, then
 * caltrace witnesses'. Lines the held copy (known, may be NULL) has byte
 * for byte were verified when it was stored and are not verified again:
 * a copy passed on by a peer costs only its new lines.
 */
static int filter_note(ct_reader *r, ct_note **out, const ct_note *in, const ct_vkey *feed_key,
		       const uint8_t network[CT_HASH_BYTES], const ct_note *known)
{
	const ct_note_sig *s;
	ct_note *n = NULL;
	uint64_t ts;
	ct_vkey wk;
	size_t i;
	bool is;
	int err;

	if ((err = ct_note_new(&n, in->text, in->text_len)) < 0)
		goto done;
	if ((s = ct_note_find(in, feed_key)) && (known_line(known, s) || ct_note_verify(in, feed_key) == 0) &&
	    (err = ct_note_add_sig(n, s->name, s->key_id, s->sig, s->sig_len)) < 0)
		goto done;
	for (i = 0; i < in->nsigs; i++) {
		s = &in->sigs[i];
		if ((err = witness_of(r, &wk, in, s, network, &is)) < 0)
			goto done;
		if (!is || (!known_line(known, s) && ct_cosig_verify(&ts, in, &wk) != 0))
			continue;
		if ((err = ct_note_add_sig(n, s->name, s->key_id, s->sig, s->sig_len)) < 0 &&
		    err != CT_EEXISTS)
			goto done;
	}
	err = 0;
done:
	if (err < 0) {
		ct_note_free(n);
		n = NULL;
	}
	*out = n;
	return err;
}

/* The notes held for one author, copied out of the snapshot. */
struct held {
	struct held_note {
		uint8_t author[CT_KEY_BYTES];
		uint8_t *p;
		size_t len;
	} * v;
	size_t n;
	bool oom;
};

static int collect(void *ctx, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len)
{
	struct held *h = ctx;
	struct held_note *grown;

	if (!(grown = realloc(h->v, (h->n + 1) * sizeof(*h->v))) ||
	    !(grown[h->n].p = malloc(len ? len : 1))) {
		if (grown)
			h->v = grown;
		h->oom = true;
		return ct_error_set(CT_ENOMEM, "out of memory reading checkpoint notes");
	}
	h->v = grown;
	memcpy(grown[h->n].author, author, CT_KEY_BYTES);
	memcpy(grown[h->n].p, note, len);
	grown[h->n].len = len;
	h->n++;
	return 0;
}

static void held_free(struct held *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].p);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static int held_load(struct held *h, ct_reader *r, const uint8_t *author)
{
	memset(h, 0, sizeof(*h));
	return ct_read_notes_of(r, author, collect, h);
}

/* Parses a stored note and its checkpoint body; false when it does not parse. */
static bool parse_held(ct_note **n, ct_checkpoint *cp, const struct held_note *hn)
{
	*n = NULL;
	if (ct_note_parse(n, hn->p, hn->len) < 0)
		return false;
	if (ct_checkpoint_parse(cp, (*n)->text, (*n)->text_len) < 0) {
		ct_note_free(*n);
		*n = NULL;
		return false;
	}
	return true;
}

/*
 * Keeps at most CT_WITNESS_COSIGS_MAX witness lines besides the author's
 * (line 0) and the bureau's, all of admitted nodes (a note stored before
 * that rule, or before a key's admission was revoked from the store by a
 * rebuild, may hold others): the lines are sorted by name already, so the
 * first ones stay. Every node keeps the same ones (the names that sort
 * first of all it has seen), and a line dropped here comes back only to be
 * dropped again: gossip still ends.
 */
static int cap_witnesses(ct_reader *r, ct_note *n, const ct_vkey *bureau, const uint8_t network[CT_HASH_BYTES])
{
	size_t i, kept = 0;
	ct_vkey wk;
	bool is;
	int err;

	for (i = 1; i < n->nsigs;) {
		if (bureau && n->sigs[i].key_id == bureau->key_id &&
		    strcmp(n->sigs[i].name, bureau->name) == 0) {
			i++;
			continue;
		}
		if ((err = witness_of(r, &wk, n, &n->sigs[i], network, &is)) < 0)
			return err;
		if (is && kept < CT_WITNESS_COSIGS_MAX) {
			kept++;
			i++;
			continue;
		}
		ct_note_remove_sig(n, i);
	}
	return 0;
}

/* The bureau's cosigner key on this store's network, and the network; false without a genesis. */
static bool bureau_key(ct_vkey *out, uint8_t network[CT_HASH_BYTES], ct_reader *r)
{
	uint8_t bureau[CT_KEY_BYTES];

	if (ct_read_network(network, bureau, r) < 0)
		return false;
	ct_witness_key(out, network, bureau);
	return true;
}

/* Who cosigns while merging: the witness's key pair and its cosignature key. */
struct cosigner {
	const ct_keypair *kp;
	ct_vkey key;
	uint64_t timestamp;
};

/* The held note (of h) with note's text, parsed, and its index; NULL when none. */
static ct_note *held_same(const struct held *h, const ct_note *note, size_t *at)
{
	ct_note *old = NULL;
	size_t i;

	for (i = 0; i < h->n; i++) {
		if (ct_note_parse(&old, h->v[i].p, h->v[i].len) < 0)
			continue;
		if (old->text_len == note->text_len && memcmp(old->text, note->text, note->text_len) == 0) {
			*at = i;
			return old;
		}
		ct_note_free(old);
		old = NULL;
	}
	return NULL;
}

/*
 * With CT_NOTES_PER_FEED notes of the feed held, a new one takes the place
 * of the smallest (a new one smaller than all is left out, returning 1):
 * proofs want the newest cosigned checkpoint (it covers
 * every earlier entry), audit checks the kept ones in turn, and a
 * checkpoint contradicting a dropped one still contradicts the entries.
 */
static int make_room(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const struct held *h,
		     const ct_note *fresh)
{
	size_t i, smallest = SIZE_MAX;
	uint64_t size = UINT64_MAX;
	ct_checkpoint hc, cp;
	ct_note *hn;

	if (h->n < CT_NOTES_PER_FEED)
		return 0;
	for (i = 0; i < h->n; i++) {
		if (!parse_held(&hn, &hc, &h->v[i])) {
			smallest = i; /* one that no longer parses goes first */
			break;
		}
		ct_note_free(hn);
		if (hc.size < size) {
			size = hc.size;
			smallest = i;
		}
	}
	if (smallest == SIZE_MAX)
		return 0;
	/* a late one older than every checkpoint held is the one to leave out */
	if (ct_checkpoint_parse(&cp, fresh->text, fresh->text_len) == 0 && cp.size < size)
		return 1;
	return ct_batch_del_note(b, author, h->v[smallest].p, h->v[smallest].len);
}

/*
 * Merges note (already filtered) into the store: into the held note of the
 * same body when there is one (old, h->v[at]), whose lines win
 * (ct_note_merge), so that a copy adding nothing leaves the store as it
 * was. Then, when cs is given and the merged note has no cosignature of cs,
 * it is cosigned: once per body, however many copies arrive. out (may be
 * NULL) receives the result.
 */
static int merge_store(ct_batch *b, const uint8_t author[CT_KEY_BYTES], ct_note *note, ct_note *old,
		       const struct held *h, size_t at, const struct cosigner *cs, ct_buf *out)
{
	const struct held_note *held = old ? &h->v[at] : NULL;
	uint8_t network[CT_HASH_BYTES];
	ct_reader *r = ct_batch_reader(b);
	ct_buf fresh = CT_BUF_INIT;
	ct_note *merged = note;
	ct_vkey bureau;
	bool bureau_ok;
	int err;

	bureau_ok = bureau_key(&bureau, network, r);
	if (!bureau_ok) {
		err = ct_error_set(CT_ESTATE, "no genesis in the store: no network to witness for");
		goto done;
	}
	ct_note_sort_sigs(note, 1);
	if ((err = cap_witnesses(r, note, &bureau, network)) < 0)
		goto done;
	if (old) {
		if ((err = ct_note_merge(old, note)) < 0)
			goto done;
		merged = old;
	}
	if (cs && !ct_note_find(merged, &cs->key) &&
	    (err = ct_cosig_add(merged, cs->kp, cs->key.name, cs->timestamp)) < 0)
		goto done;
	/* the author's line first (filter_note put it there), the cosignatures by name: one text */
	ct_note_sort_sigs(merged, 1);
	if ((err = cap_witnesses(r, merged, &bureau, network)) < 0)
		goto done;
	if ((err = ct_note_format(&fresh, merged)) < 0)
		goto done;
	if (old && held->len == fresh.len && memcmp(held->p, fresh.ptr, fresh.len) == 0) {
		err = 0; /* nothing new */
	} else {
		if (old && (err = ct_batch_del_note(b, author, held->p, held->len)) < 0)
			goto done;
		if (!old && (err = make_room(b, author, h, merged)) < 0)
			goto done;
		if (err == 1)
			err = 0; /* not kept: older than all held */
		else if ((err = ct_batch_put_note(b, author, fresh.ptr, fresh.len)) == CT_EEXISTS)
			err = 0;
		if (err < 0)
			goto done;
	}
	if (out) {
		out->len = 0;
		err = ct_buf_put(out, fresh.ptr, fresh.len);
	}
done:
	ct_buf_free(&fresh);
	return err;
}

/* Network id of the store. */
static int network_of(ct_reader *r, uint8_t network[CT_HASH_BYTES])
{
	uint8_t bureau[CT_KEY_BYTES];
	int err = ct_read_network(network, bureau, r);

	if (err == CT_ENOTFOUND)
		return ct_error_set(CT_ESTATE, "no genesis in the store: no network to sign or witness for");
	return err;
}

/*
 * Looks for a held checkpoint of the feed that contradicts cp: same size
 * and another root. *other is set to it (caller frees) or NULL.
 */
static void find_contradiction(const ct_checkpoint *cp, struct held_note **other, struct held *h)
{
	ct_checkpoint hc;
	ct_note *hn;
	size_t i;

	*other = NULL;
	for (i = 0; i < h->n && !*other; i++) {
		if (!parse_held(&hn, &hc, &h->v[i]))
			continue;
		if (hc.size == cp->size && memcmp(hc.root, cp->root, CT_HASH_BYTES) != 0)
			*other = &h->v[i];
		ct_note_free(hn);
	}
}

int ct_witness_note(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, const uint8_t *note, size_t len,
		    ct_buf *out, ct_buf *prev, ct_witness_result *result)
{
	uint8_t network[CT_HASH_BYTES], net2[CT_HASH_BYTES], author[CT_KEY_BYTES], root[CT_HASH_BYTES];
	ct_reader *r = ct_batch_reader(b);
	ct_note *in = NULL, *n = NULL, *old = NULL;
	struct held h = {0};
	struct held_note *other;
	const ct_note_sig *line;
	ct_feed_head head;
	ct_checkpoint cp;
	struct cosigner cs = {0};
	ct_vkey feed_key;
	ct_buf text = CT_BUF_INIT;
	size_t at = 0;
	int err;

	*result = CT_WITNESS_AHEAD;
	if (prev)
		prev->len = 0;
	if ((err = network_of(r, network)) < 0 || (err = ct_note_parse(&in, note, len)) < 0)
		goto done;
	if ((err = ct_checkpoint_parse(&cp, in->text, in->text_len)) < 0)
		goto done;
	if (ct_checkpoint_feed(net2, author, cp.origin) < 0 || memcmp(net2, network, CT_HASH_BYTES) != 0) {
		err =
		    ct_error_set(CT_EINVAL, "checkpoint origin %.80s is not a feed of this network", cp.origin);
		goto done;
	}
	ct_checkpoint_feed_key(&feed_key, network, author);
	if ((err = held_load(&h, r, author)) < 0)
		goto done;
	old = held_same(&h, in, &at);
	if (old && prev && (err = ct_buf_put(prev, h.v[at].p, h.v[at].len)) < 0)
		goto done;
	/* the author's line: verified now, unless the held copy has it byte for byte */
	if (!(old && (line = ct_note_find(in, &feed_key)) && known_line(old, line)) &&
	    (err = ct_checkpoint_verify(&cp, in, &feed_key)) < 0)
		goto done;
	if ((err = filter_note(r, &n, in, &feed_key, network, old)) < 0)
		goto done;
	err = ct_read_head(&head, r, author);
	if (err == CT_ENOTFOUND) {
		memset(&head, 0, sizeof(head));
		err = 0;
	} else if (err < 0) {
		goto done;
	}
	if (head.forked) {
		*result = CT_WITNESS_FROZEN;
		err = merge_store(b, author, n, old, &h, at, NULL, out);
		goto done;
	}
	find_contradiction(&cp, &other, &h);
	if (!other && cp.size <= head.size) {
		if ((err = ct_read_root(root, r, author, cp.size)) < 0)
			goto done;
		if (memcmp(root, cp.root, CT_HASH_BYTES) != 0) {
			/* The note alone is the evidence: anyone holding the entries can check it. */
			if ((err = ct_note_format(&text, n)) < 0)
				goto done;
			err = ct_batch_record_checkpoint_fork(b, author, text.ptr, text.len, NULL, 0);
			*result = CT_WITNESS_FORK;
		}
	} else if (other) {
		if ((err = ct_note_format(&text, n)) < 0)
			goto done;
		err = ct_batch_record_checkpoint_fork(b, author, other->p, other->len, text.ptr, text.len);
		*result = CT_WITNESS_FORK;
	}
	if (err < 0 && err != CT_EEXISTS)
		goto done;
	if (*result != CT_WITNESS_FORK && cp.size <= head.size) {
		/* checked against the stored entries; cosigned (once) when a key is given */
		if (kp) {
			cs.kp = kp;
			cs.timestamp = timestamp;
			ct_witness_key(&cs.key, network, ct_keypair_public(kp));
		}
		*result = CT_WITNESS_COSIGNED;
	}
	err = merge_store(b, author, n, old, &h, at, cs.kp ? &cs : NULL, out);
done:
	held_free(&h);
	ct_buf_free(&text);
	ct_note_free(in);
	ct_note_free(n);
	ct_note_free(old);
	return err;
}

int ct_witness_sign_own(ct_batch *b, const ct_keypair *kp, ct_buf *out)
{
	const uint8_t *author = ct_keypair_public(kp);
	uint8_t network[CT_HASH_BYTES], root[CT_HASH_BYTES];
	ct_reader *r = ct_batch_reader(b);
	ct_checkpoint cp, hc;
	ct_feed_head head;
	ct_buf signed_note = CT_BUF_INIT;
	ct_note *n = NULL, *hn, *old = NULL;
	struct held h = {0};
	size_t i;
	int err;

	if ((err = network_of(r, network)) < 0)
		goto done;
	if ((err = ct_read_head(&head, r, author)) < 0 || head.size == 0) {
		err = ct_error_set(CT_ESTATE, "this node's feed is empty: nothing to sign");
		goto done;
	}
	if (head.forked) {
		err = ct_error_set(CT_EFROZEN, "this node's feed is marked forked: it signs no checkpoint");
		goto done;
	}
	if ((err = held_load(&h, r, author)) < 0)
		goto done;
	for (i = 0; i < h.n; i++) {
		if (!parse_held(&hn, &hc, &h.v[i]))
			continue;
		err = 0;
		if (hc.size > head.size)
			err = ct_error_set(CT_EFORK,
					"a checkpoint of this feed at size %llu is held, but the store has "
					"only %llu entries (restored from an old backup?)",
					(unsigned long long)hc.size, (unsigned long long)head.size);
		else if ((err = ct_read_root(root, r, author, hc.size)) == 0 &&
			 memcmp(root, hc.root, CT_HASH_BYTES) != 0)
			err = ct_error_set(CT_EFORK,
					"the held checkpoint at size %llu disagrees with the stored tree",
					(unsigned long long)hc.size);
		ct_note_free(hn);
		if (err < 0)
			goto done;
	}
	memset(&cp, 0, sizeof(cp));
	ct_checkpoint_origin(cp.origin, network, author);
	cp.size = head.size;
	if ((err = ct_read_root(cp.root, r, author, head.size)) < 0 ||
	    (err = ct_checkpoint_sign(&signed_note, &cp, kp)) < 0 ||
	    (err = ct_note_parse(&n, signed_note.ptr, signed_note.len)) < 0)
		goto done;
	old = held_same(&h, n, &i);
	err = merge_store(b, author, n, old, &h, i, NULL, out);
done:
	held_free(&h);
	ct_note_free(old);
	ct_note_free(n);
	ct_buf_free(&signed_note);
	return err;
}

int ct_witness_all(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, size_t *cosigned, size_t *forks)
{
	ct_witness_result res;
	struct held h;
	size_t i, nc = 0, nf = 0;
	int err;

	if ((err = held_load(&h, ct_batch_reader(b), NULL)) < 0)
		goto done;
	for (i = 0; i < h.n; i++) {
		if ((err = ct_witness_note(b, kp, timestamp, h.v[i].p, h.v[i].len, NULL, NULL, &res)) < 0)
			goto done;
		nc += res == CT_WITNESS_COSIGNED;
		nf += res == CT_WITNESS_FORK;
	}
done:
	held_free(&h);
	if (cosigned)
		*cosigned = nc;
	if (forks)
		*forks = nf;
	return err;
}

int ct_checkpoint_cosigned_before(ct_reader *r, const uint8_t author[CT_KEY_BYTES], const ct_vkey *cosigner,
				  uint64_t before, uint64_t *size_out)
{
	struct held h;
	ct_checkpoint hc;
	ct_note *hn;
	uint64_t ts;
	bool found = false;
	size_t i;
	int err;

	*size_out = 0;
	if ((err = held_load(&h, r, author)) < 0)
		goto done;
	for (i = 0; i < h.n; i++) {
		if (!parse_held(&hn, &hc, &h.v[i]))
			continue;
		if (ct_cosig_verify(&ts, hn, cosigner) == 0 && ts < before &&
		    (!found || hc.size > *size_out)) {
			found = true;
			*size_out = hc.size;
		}
		ct_note_free(hn);
	}
	if (!found)
		err = CT_ENOTFOUND;
done:
	held_free(&h);
	return err;
}

int ct_checkpoint_latest(ct_reader *r, const uint8_t author[CT_KEY_BYTES], const ct_vkey *cosigner,
			 uint64_t min_size, ct_buf *out, ct_checkpoint *cp)
{
	struct held h;
	ct_checkpoint hc, best_cp;
	ct_note *hn;
	uint64_t ts;
	size_t i, best = SIZE_MAX;
	int err;

	if ((err = held_load(&h, r, author)) < 0)
		goto done;
	for (i = 0; i < h.n; i++) {
		if (!parse_held(&hn, &hc, &h.v[i]))
			continue;
		if (hc.size >= min_size && (best == SIZE_MAX || hc.size > best_cp.size) &&
		    (!cosigner || ct_cosig_verify(&ts, hn, cosigner) == 0)) {
			best = i;
			best_cp = hc;
			best_cp.ext = NULL;
			best_cp.ext_len = 0;
		}
		ct_note_free(hn);
	}
	if (best == SIZE_MAX) {
		err = CT_ENOTFOUND;
		goto done;
	}
	out->len = 0;
	if ((err = ct_buf_put(out, h.v[best].p, h.v[best].len)) < 0)
		goto done;
	if (cp)
		*cp = best_cp;
done:
	held_free(&h);
	return err;
}
