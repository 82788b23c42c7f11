/* Proof bundles: strict parsing and pure verification (caltrace/bundle.h, docs/FORMAT.md). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/proof/bundle.h"
#include "caltrace/ledger/index.h"
#include "caltrace/proof/witness.h"
#include "note_internal.h"
#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/mp.h"

void ct_bundle_free(ct_bundle *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->count; i++) {
		free(b->blocks[i].entry);
		ct_tlog_proof_free(b->blocks[i].proof);
	}
	free(b->blocks);
	for (i = 0; i < b->nforks; i++) {
		free(b->forks[i].a);
		free(b->forks[i].b);
	}
	free(b->forks);
	free(b->cps);
	free(b->id);
	free(b);
}

/* A part of the bundle is malformed: every code but running out of memory or a limit is CT_EINVAL. */
static int malformed(int err)
{
	return err == CT_ENOMEM || err == CT_ETOOBIG ? err : CT_EINVAL;
}

/* The next line as (p, n) without its '\n'; false at the end or without a '\n'. */
static bool line(const char **p, size_t *n, const uint8_t *buf, size_t len, size_t *pos, unsigned *lineno)
{
	(*lineno)++;
	return ct__next_line(p, n, (const char *)buf, len, pos);
}

static bool starts(const char *p, size_t n, const char *word, const char **rest, size_t *rest_n)
{
	size_t w = strlen(word);

	if (n < w || memcmp(p, word, w) != 0)
		return false;
	*rest = p + w;
	*rest_n = n - w;
	return true;
}

static int parse_header(ct_bundle *b, const uint8_t *buf, size_t len, size_t *pos, unsigned *ln)
{
	const char *p, *v;
	size_t n, vn;

	if (!line(&p, &n, buf, len, pos, ln) || n != strlen(CT_BUNDLE_HEADER) ||
	    memcmp(p, CT_BUNDLE_HEADER, n))
		return ct_error_set(CT_EINVAL, "line 1: not a caltrace-bundle/v1 file");
	if (!line(&p, &n, buf, len, pos, ln) || !starts(p, n, "subject ", &v, &vn))
		return ct_error_set(CT_EINVAL, "line 2: expected 'subject <instrument|standard> <id>'");
	if (starts(v, vn, "instrument ", &p, &n))
		b->kind = CT_NS_INSTRUMENT;
	else if (starts(v, vn, "standard ", &p, &n))
		b->kind = CT_NS_STANDARD;
	else
		return ct_error_set(CT_EINVAL, "line 2: the subject is neither 'instrument' nor 'standard'");
	if (n == 0 || n > CT_ID_MAX || memchr(p, 0, n) ||
	    ct__note_text_check("subject id", (const uint8_t *)p, n) < 0)
		return ct_error_set(CT_EINVAL, "line 2: bad subject id");
	if (!(b->id = malloc(n + 1)))
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	memcpy(b->id, p, n);
	b->id[n] = '\0';
	if (!line(&p, &n, buf, len, pos, ln) || !starts(p, n, "at ", &v, &vn) ||
	    !ct__decimal_parse(&b->at, v, vn))
		return ct_error_set(CT_EINVAL, "line 3: expected 'at <milliseconds>'");
	return 0;
}

/* A "<word> <count>" line with count in 1..max. */
static int count_line(uint64_t *count, const char *word, uint64_t max, const uint8_t *buf, size_t len,
		      size_t *pos, unsigned *ln)
{
	const char *p, *v;
	size_t n, vn;

	if (!line(&p, &n, buf, len, pos, ln) || !starts(p, n, word, &v, &vn) || vn < 2 || v[0] != ' ' ||
	    !ct__decimal_parse(count, v + 1, vn - 1) || *count == 0 || *count > max)
		return ct_error_set(CT_EINVAL, "line %u: expected '%s <1..%llu>'", *ln, word,
				 (unsigned long long)max);
	return 0;
}

/* "<word> <bytes>" and that many bytes: (*at, *n) in buf. */
static int sized(const uint8_t **at, size_t *n, const char *word, size_t max, const uint8_t *buf, size_t len,
		 size_t *pos, unsigned *ln)
{
	const char *p, *v;
	size_t pn, vn, i;
	uint64_t plen;

	if (!line(&p, &pn, buf, len, pos, ln) || !starts(p, pn, word, &v, &vn) || vn < 2 || v[0] != ' ' ||
	    !ct__decimal_parse(&plen, v + 1, vn - 1) || plen > max || plen > len - *pos)
		return CT_EINVAL;
	*at = buf + *pos;
	*n = (size_t)plen;
	for (i = 0; i < *n; i++)
		*ln += buf[*pos + i] == '\n';
	*pos += *n;
	return 0;
}

/* The checkpoints: each a signed note of one feed, no feed twice. */
static int parse_checkpoints(ct_bundle *b, const uint8_t *buf, size_t len, size_t *pos, unsigned *ln)
{
	uint8_t net[CT_HASH_BYTES];
	ct_checkpoint cp;
	uint64_t count;
	size_t i, j;
	int err;

	if ((err = count_line(&count, "checkpoints", CT_BUNDLE_MAX_ENTRIES, buf, len, pos, ln)) < 0)
		return err;
	if (!(b->cps = calloc((size_t)count, sizeof(*b->cps))))
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	b->ncps = (size_t)count;
	for (i = 0; i < b->ncps; i++) {
		struct ct_bundle_cp *c = &b->cps[i];
		unsigned at_line = *ln + 1;
		ct_note *note = NULL;

		if (sized(&c->note, &c->note_len, "checkpoint", CT_NOTE_MAX, buf, len, pos, ln) < 0)
			return ct_error_set(CT_EINVAL,
					 "checkpoint %zu (line %u): expected 'checkpoint <bytes>' and "
					 "that many bytes",
					 i + 1, at_line);
		if ((err = ct_note_parse(&note, c->note, c->note_len)) < 0)
			return malformed(ct_error_wrap(err, "checkpoint %zu (line %u): not a signed note",
							i + 1, at_line));
		err = ct_checkpoint_parse(&cp, note->text, note->text_len);
		ct_note_free(note);
		if (err < 0 || ct_checkpoint_feed(net, c->author, cp.origin) < 0)
			return ct_error_set(CT_EINVAL,
					 "checkpoint %zu (line %u): not a checkpoint of a caltrace feed",
					 i + 1, at_line);
		for (j = 0; j < i; j++)
			if (!memcmp(b->cps[j].author, c->author, CT_KEY_BYTES))
				return ct_error_set(CT_EINVAL,
						 "checkpoint %zu (line %u): a second checkpoint of the "
						 "feed of checkpoint %zu",
						 i + 1, at_line, j + 1);
	}
	return 0;
}

/* base64 of an encoded entry into a new buffer; false when it is not canonical base64 or too long. */
static bool b64_entry(uint8_t **out, size_t *out_len, const char *v, size_t vn)
{
	if (vn > CT_B64_LEN(CT_ENTRY_MAX) || !(*out = malloc(CT_B64_DECODED_MAX(vn) + 1)))
		return false;
	return ct_b64_decode(*out, CT_B64_DECODED_MAX(vn) + 1, out_len, v, vn) == 0;
}

static int parse_block(ct_bundle *b, size_t i, const uint8_t *buf, size_t len, size_t *pos, unsigned *ln)
{
	ct_bundle_block *blk = &b->blocks[i];
	ct_buf whole = CT_BUF_INIT;
	const uint8_t *piece;
	const char *p, *v;
	size_t n, vn, k, plen;
	int err;

	if (!line(&p, &n, buf, len, pos, ln) || !starts(p, n, "entry ", &v, &vn))
		return ct_error_set(CT_EINVAL, "entry %zu (line %u): expected 'entry <base64>'", i + 1, *ln);
	if (!b64_entry(&blk->entry, &blk->entry_len, v, vn))
		return ct_error_set(blk->entry || vn > CT_B64_LEN(CT_ENTRY_MAX) ? CT_EINVAL : CT_ENOMEM,
				    "entry %zu (line %u): the entry is not canonical base64", i + 1, *ln);
	if ((err = ct_entry_decode(&blk->e, blk->entry, blk->entry_len)) < 0)
		return malformed(
		    ct_error_wrap(err, "entry %zu (line %u): the entry does not decode", i + 1, *ln));
	if (sized(&piece, &plen, "proof", CT_TLOG_PROOF_MAX, buf, len, pos, ln) < 0)
		return ct_error_set(CT_EINVAL,
				 "entry %zu (line %u): expected 'proof <bytes>' and that many bytes", i + 1,
				 *ln);
	for (k = 0; k < b->ncps && memcmp(b->cps[k].author, blk->e.author, CT_KEY_BYTES); k++)
		;
	if (k == b->ncps)
		return ct_error_set(CT_EINVAL, "entry %zu: the bundle has no checkpoint of its feed", i + 1);
	b->cps[k].used = true;
	/* the whole c2sp.org/tlog-proof@v1: the proof lines, an empty line, the feed's checkpoint */
	if (ct_buf_put(&whole, piece, plen) < 0 || ct_buf_put(&whole, "\n", 1) < 0 ||
	    ct_buf_put(&whole, b->cps[k].note, b->cps[k].note_len) < 0) {
		ct_buf_free(&whole);
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	}
	err = ct_tlog_proof_parse(&blk->proof, whole.ptr, whole.len);
	ct_buf_free(&whole);
	if (err < 0)
		return malformed(ct_error_wrap(err, "entry %zu: its tlog-proof does not parse", i + 1));
	return 0;
}

/*
 * The optional fork section: "forks <f>" then f lines "fork <b64> <b64>",
 * each of an author of the bundle's entries, no author twice.
 */
static int parse_forks(ct_bundle *b, const uint8_t *buf, size_t len, size_t *pos, unsigned *ln)
{
	const char *p, *v, *sp;
	size_t n, vn, i, j, at = *pos;
	unsigned at_ln = *ln;
	uint64_t count;
	ct_entry ea, eb;
	int err;

	if (!line(&p, &n, buf, len, &at, &at_ln) || !starts(p, n, "forks ", &v, &vn))
		return 0; /* none */
	if ((err = count_line(&count, "forks", b->ncps, buf, len, pos, ln)) < 0)
		return err;
	if (!(b->forks = calloc((size_t)count, sizeof(*b->forks))))
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	b->nforks = (size_t)count;
	for (i = 0; i < b->nforks; i++) {
		ct_bundle_fork *f = &b->forks[i];

		if (!line(&p, &n, buf, len, pos, ln) || !starts(p, n, "fork ", &v, &vn) ||
		    !(sp = memchr(v, ' ', vn)))
			return ct_error_set(CT_EINVAL, "fork %zu (line %u): expected 'fork <base64> <base64>'",
					 i + 1, *ln);
		if (!b64_entry(&f->a, &f->a_len, v, (size_t)(sp - v)) ||
		    !b64_entry(&f->b, &f->b_len, sp + 1, vn - (size_t)(sp - v) - 1))
			return ct_error_set(CT_EINVAL, "fork %zu (line %u): an entry is not canonical base64",
					 i + 1, *ln);
		if (ct_entry_decode(&ea, f->a, f->a_len) < 0 || ct_entry_decode(&eb, f->b, f->b_len) < 0)
			return ct_error_set(CT_EINVAL, "fork %zu (line %u): an entry does not decode", i + 1, *ln);
		memcpy(f->author, ea.author, CT_KEY_BYTES);
		for (j = 0; j < b->ncps && memcmp(b->cps[j].author, f->author, CT_KEY_BYTES); j++)
			;
		if (j == b->ncps)
			return ct_error_set(CT_EINVAL, "fork %zu (line %u): no entry of the bundle is of its author",
					 i + 1, *ln);
		for (j = 0; j < i; j++)
			if (!memcmp(b->forks[j].author, f->author, CT_KEY_BYTES))
				return ct_error_set(CT_EINVAL, "fork %zu (line %u): a second fork of the author of fork %zu",
						 i + 1, *ln, j + 1);
	}
	return 0;
}

int ct_bundle_parse(ct_bundle **out, const uint8_t *buf, size_t len)
{
	ct_bundle *b = NULL;
	uint8_t digest[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1] = "";
	const char *p, *v;
	size_t pos = 0, n, vn, i, end;
	uint64_t count;
	unsigned ln = 0;
	int err;

	*out = NULL;
	if (len > CT_BUNDLE_MAX)
		return ct_error_set(CT_ETOOBIG, "a bundle is at most %d bytes", CT_BUNDLE_MAX);
	if (!(b = calloc(1, sizeof(*b))))
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	if ((err = parse_header(b, buf, len, &pos, &ln)) < 0 ||
	    (err = parse_checkpoints(b, buf, len, &pos, &ln)) < 0 ||
	    (err = count_line(&count, "entries", CT_BUNDLE_MAX_ENTRIES, buf, len, &pos, &ln)) < 0)
		goto done;
	if (!(b->blocks = calloc((size_t)count, sizeof(*b->blocks)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
		goto done;
	}
	b->count = (size_t)count;
	for (i = 0; i < b->count; i++)
		if ((err = parse_block(b, i, buf, len, &pos, &ln)) < 0)
			goto done;
	for (i = 0; i < b->ncps; i++)
		if (!b->cps[i].used) {
			err = ct_error_set(CT_EINVAL, "checkpoint %zu: no entry of the bundle is of its feed",
					i + 1);
			goto done;
		}
	if ((err = parse_forks(b, buf, len, &pos, &ln)) < 0)
		goto done;
	end = pos;
	if (line(&p, &n, buf, len, &pos, &ln) && starts(p, n, "end ", &v, &vn) && vn == 2 * CT_HASH_BYTES) {
		memcpy(hex, v, vn);
		hex[vn] = '\0';
	}
	if (ct_unhex(b->digest, CT_HASH_BYTES, hex) < 0) {
		err = ct_error_set(CT_EINVAL, "line %u: expected 'end <SHA-256 of the bundle, 64 hex digits>'",
				ln);
		goto done;
	}
	if (pos != len) {
		err = ct_error_set(CT_EINVAL, "line %u: bytes after the end line", ln + 1);
		goto done;
	}
	crypto_hash_sha256(digest, buf, end);
	b->digest_ok = sodium_memcmp(digest, b->digest, CT_HASH_BYTES) == 0;
	*out = b;
	b = NULL;
	err = 0;
done:
	ct_bundle_free(b);
	return err;
}

int ct_bundle_network(const ct_bundle *b, uint8_t out[static CT_HASH_BYTES])
{
	if (b->count == 0)
		return ct_error_set(CT_EINVAL, "an empty bundle has no network");
	ct_entry_hash(out, b->blocks[0].entry, b->blocks[0].entry_len);
	return 0;
}

/* "entry 3 (9c1d…#12)" */
static const char *block_name(char out[64], size_t i, const ct_entry *e)
{
	char key[CT_KEY_SHORT_LEN + 1];

	ct_key_short(key, e->author);
	snprintf(out, 64, "entry %zu (%s…#%llu)", i + 1, key, (unsigned long long)e->seq);
	return out;
}

static int verify_block(const ct_bundle_block *blk, size_t i, const uint8_t network[CT_HASH_BYTES],
			const ct_vkey *bureau)
{
	uint8_t leaf[CT_HASH_BYTES];
	const ct_note *n = blk->proof->note;
	char name[64];
	ct_vkey feed_key;
	uint64_t ts;
	int err;

	block_name(name, i, &blk->e);
	if (ct_entry_verify(&blk->e) != 0)
		return ct_error_set(CT_EBADSIG, "%s: the entry's signature does not verify", name);
	if (blk->proof->index != blk->e.seq - 1)
		return ct_error_set(CT_EPROOF, "%s: its proof is for leaf %llu, the entry is leaf %llu", name,
				 (unsigned long long)blk->proof->index, (unsigned long long)(blk->e.seq - 1));
	ct_checkpoint_feed_key(&feed_key, network, blk->e.author);
	if (strcmp(blk->proof->checkpoint.origin, feed_key.name) != 0)
		return ct_error_set(CT_EPROOF, "%s: its checkpoint is of another feed (%.80s)", name,
				 blk->proof->checkpoint.origin);
	if (n->nsigs < 1 || strcmp(n->sigs[0].name, feed_key.name) != 0 ||
	    n->sigs[0].key_id != feed_key.key_id)
		return ct_error_set(CT_EBADSIG, "%s: its checkpoint's first signature is not the author's",
				 name);
	if (n->nsigs < 2 || !ct_note_find(n, bureau))
		return ct_error_set(CT_EBADSIG, "%s: its checkpoint lacks the bureau's cosignature%s%s", name,
				 n->nsigs >= 2 ? " (it is cosigned by an unknown key: " : "",
				 n->nsigs >= 2 ? n->sigs[1].name : "");
	if (n->nsigs > 2 || strcmp(n->sigs[1].name, bureau->name) != 0)
		return ct_error_set(CT_EBADSIG,
				 "%s: its checkpoint carries a signature by an unknown key (%.100s)", name,
				 strcmp(n->sigs[1].name, bureau->name) ? n->sigs[1].name : n->sigs[2].name);
	if (ct_cosig_verify(&ts, n, bureau) != 0)
		return ct_error_set(CT_EBADSIG, "%s: the bureau's cosignature on its checkpoint does not verify",
				 name);
	ct_entry_hash(leaf, blk->entry, blk->entry_len);
	if ((err = ct_tlog_proof_verify(blk->proof, leaf, &feed_key)) < 0)
		return ct_error_wrap(err, "%s: %s", name,
				      err == CT_EPROOF
					  ? "its inclusion proof does not lead to the checkpoint's root"
					  : "its checkpoint's author signature does not verify");
	return 0;
}

static bool is_registration(const ct_bundle *b, const ct_entry *e)
{
	const char *want = b->kind == CT_NS_INSTRUMENT ? "instrument.register" : "standard.register";
	ct_mp body = ct_mp_over(e->body, e->body_len), field;
	const char *id;
	size_t len;

	return e->type_len == strlen(want) && memcmp(e->type, want, e->type_len) == 0 &&
	       ct_mp_find(&body, "id", &field) == 0 && ct_mp_read_str(&field, &id, &len) == 0 &&
	       len == strlen(b->id) && memcmp(id, b->id, len) == 0;
}

static int by_hash(const void *a, const void *b)
{
	return memcmp(a, b, CT_HASH_BYTES);
}

int ct_bundle_verify(const ct_bundle *b, const ct_vkey *bureau)
{
	uint8_t network[CT_HASH_BYTES], (*hashes)[CT_HASH_BYTES] = NULL;
	const ct_entry *g;
	ct_vkey expect;
	bool registered = false;
	size_t i;
	int err;

	if ((err = ct_bundle_network(b, network)) < 0)
		return err;
	g = &b->blocks[0].e;
	if (g->seq != 1 || g->type_len != 15 || memcmp(g->type, "network.genesis", 15) != 0)
		return ct_error_set(CT_EINVAL, "entry 1: not a network.genesis entry");
	ct_witness_key(&expect, network, g->author);
	if (bureau->type != CT_NOTE_COSIG_V1 || memcmp(bureau->pk, g->author, CT_KEY_BYTES) != 0 ||
	    strcmp(bureau->name, expect.name) != 0)
		return ct_error_set(CT_EBADSIG, "the bundle's network was not founded by the bureau key given "
					     "(its genesis is signed by another key)");
	if (!(hashes = malloc(b->count * sizeof(*hashes))))
		return ct_error_set(CT_ENOMEM, "out of memory verifying a bundle");
	for (i = 0; i < b->count; i++) {
		if ((err = verify_block(&b->blocks[i], i, network, bureau)) < 0)
			goto done;
		ct_entry_hash(hashes[i], b->blocks[i].entry, b->blocks[i].entry_len);
		registered |= is_registration(b, &b->blocks[i].e);
	}
	qsort(hashes, b->count, CT_HASH_BYTES, by_hash);
	for (i = 1; i < b->count; i++)
		if (memcmp(hashes[i - 1], hashes[i], CT_HASH_BYTES) == 0) {
			err = ct_error_set(CT_EINVAL, "an entry comes twice in the bundle");
			goto done;
		}
	if (!registered) {
		err = ct_error_set(CT_ENOTFOUND, "the bundle holds no registration of its subject %s", b->id);
		goto done;
	}
	for (i = 0; i < b->nforks; i++)
		if (ct_fork_proof_check(b->forks[i].a, b->forks[i].a_len, b->forks[i].b, b->forks[i].b_len) < 0) {
			err = ct_error_set(CT_EBADSIG,
					"fork %zu: the two entries do not prove that their author equivocated "
					"(a signature fails, or they do not conflict)",
					i + 1);
			goto done;
		}
	if (!b->digest_ok) {
		err =
		    ct_error_set(CT_EINVAL, "the end line's SHA-256 does not match the bundle (its header or a "
					 "block was changed)");
		goto done;
	}
	err = 0;
done:
	free(hashes);
	return err;
}
