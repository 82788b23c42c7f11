/*
 * Complete proof bundles (caltrace/proof/cbundle.h, docs/FORMAT.md section
 * 13): the strict parser and the pure verifier. The writer is
 * cbundle_write.c, the evaluation over a scratch store cbundle_eval.c.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/index.h"
#include "caltrace/proof/witness.h"
#include "cbundle_internal.h"
#include "note_internal.h"

#define SKEW_S 600 /* a witness may cosign this long before the bureau's cosignature time (clocks differ) */

bool ct_cbundle_is(const uint8_t *buf, size_t len)
{
	size_t h = strlen(CT_CBUNDLE_HEADER);

	return len > h && memcmp(buf, CT_CBUNDLE_HEADER, h) == 0 && buf[h] == '\n';
}

void ct_cbundle_free(ct_cbundle *b)
{
	size_t i;

	if (!b)
		return;
	free(b->id);
	free(b->note);
	for (i = 0; i < b->count; i++) {
		free(b->blocks[i].entry);
		free(b->blocks[i].path);
	}
	free(b->blocks);
	for (i = 0; i < b->nforks; i++) {
		free(b->forks[i].a);
		free(b->forks[i].b);
	}
	free(b->forks);
	for (i = 0; i < b->nlookups; i++)
		free(b->lookups[i].hashes);
	free(b->lookups);
	free(b->leaves);
	free(b->stream);
	free(b);
}

/* ---- parsing --------------------------------------------------------------- */

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}


struct reader {
	const char *buf;
	size_t len, pos, line;
	const char *l; /* the current line, without its '\n' */
	size_t ll;
};

#define BAD(...)                                                                                             \
	do {                                                                                                 \
		err = ct_error_set(CT_EINVAL, __VA_ARGS__);                                                  \
		goto fail;                                                                                   \
	} while (0)

static bool next(struct reader *r)
{
	r->line++;
	return ct__next_line(&r->l, &r->ll, r->buf, r->len, &r->pos);
}

/* "<word> <rest>": the rest, or NULL when the line is not that. */
static const char *after(const struct reader *r, const char *word, size_t *rest)
{
	size_t w = strlen(word);

	if (r->ll <= w || memcmp(r->l, word, w) != 0 || r->l[w] != ' ')
		return NULL;
	*rest = r->ll - w - 1;
	return r->l + w + 1;
}

/* "<word> <count>" with count in [min, max]. */
static bool count_line(const struct reader *r, const char *word, size_t min, size_t max, size_t *out)
{
	uint64_t v;
	size_t n;
	const char *s = after(r, word, &n);

	if (!s || !ct__decimal_parse(&v, s, n) || v < min || v > max)
		return false;
	*out = (size_t)v;
	return true;
}

/* Canonical base64 of at most cap bytes into a fresh buffer. */
static bool b64_alloc(uint8_t **out, size_t *out_len, const char *s, size_t n, size_t cap)
{
	size_t room = n / 4 * 3;

	*out = NULL;
	if (room > cap + 2 || !(*out = malloc(room ? room : 1)))
		return false;
	if (!(ct_b64_decode(*out, room, out_len, s, n) == 0) || *out_len > cap) {
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

static bool b64_fixed(uint8_t *out, size_t want, const char *s, size_t n)
{
	size_t got;

	return n == CT_B64_LEN(want) && (ct_b64_decode(out, want, &got, s, n) == 0) && got == want;
}

/* A key in base64: well formed. */
static bool key_b64(uint8_t key[CT_NETKEY_MAX], size_t *len, const char *s, size_t n)
{
	return n <= CT_B64_LEN(CT_NETKEY_MAX) && (ct_b64_decode(key, CT_NETKEY_MAX, len, s, n) == 0) && ct_netkey_valid(key, *len);
}

/* An optional " <base64 of k x 32 bytes>" after word: the hashes. */
static bool hashes_after(const struct reader *r, const char *word, uint8_t (**out)[CT_HASH_BYTES], size_t *n,
			 size_t max)
{
	uint8_t *raw;
	size_t rest, len;
	const char *s;

	*out = NULL;
	*n = 0;
	if (r->ll == strlen(word) && memcmp(r->l, word, r->ll) == 0)
		return true;
	if (!(s = after(r, word, &rest)) || !b64_alloc(&raw, &len, s, rest, max * CT_HASH_BYTES))
		return false;
	if (len == 0 || len % CT_HASH_BYTES) {
		free(raw);
		return false;
	}
	*out = (uint8_t(*)[CT_HASH_BYTES])raw;
	*n = len / CT_HASH_BYTES;
	return true;
}

static int parse_header(ct_cbundle *b, struct reader *r)
{
	const char *s;
	size_t n;
	int err;

	if (!next(r) || r->ll != strlen(CT_CBUNDLE_HEADER) || memcmp(r->l, CT_CBUNDLE_HEADER, r->ll) != 0)
		BAD("line 1: not '%s'", CT_CBUNDLE_HEADER);
	if (!next(r) || !(s = after(r, "subject", &n)))
		BAD("line 2: not 'subject <instrument|standard> <id>'");
	if (n > 11 && memcmp(s, "instrument ", 11) == 0) {
		b->kind = CT_NS_INSTRUMENT;
		s += 11;
		n -= 11;
	} else if (n > 9 && memcmp(s, "standard ", 9) == 0) {
		b->kind = CT_NS_STANDARD;
		s += 9;
		n -= 9;
	} else {
		BAD("line 2: the subject is neither an instrument nor a standard");
	}
	/* the id is the rest of the line: 1 to CT_ID_MAX bytes of UTF-8, no control character */
	if (n == 0 || n > CT_ID_MAX || ct__note_text_check("the subject id", (const uint8_t *)s, n) < 0 ||
	    memchr(s, '\n', n))
		BAD("line 2: the subject id is not 1 to %d bytes of UTF-8 without control characters", CT_ID_MAX);
	if (!(b->id = malloc(n + 1))) {
		err = ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
		goto fail;
	}
	memcpy(b->id, s, n);
	b->id[n] = '\0';
	if (!next(r) || !(s = after(r, "at", &n)) || !ct__decimal_parse(&b->at, s, n))
		BAD("line 3: not 'at <decimal milliseconds>'");
	return 0;
fail:
	return err;
}

static int parse_note(ct_cbundle *b, struct reader *r)
{
	ct_note *n = NULL;
	size_t len;
	int err;

	if (!next(r) || !count_line(r, "network", 1, CT_NETNOTE_MAX, &len))
		BAD("line %zu: not 'network <bytes>'", r->line);
	if (len > r->len - r->pos)
		BAD("line %zu: the network checkpoint runs past the end", r->line);
	if (!(b->note = malloc(len))) {
		err = ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
		goto fail;
	}
	memcpy(b->note, r->buf + r->pos, len);
	b->note_len = len;
	if ((err = ct_note_parse(&n, b->note, len)) < 0) {
		err = ct_error_wrap(CT_EINVAL, "the network checkpoint");
		goto fail;
	}
	ct_note_free(n);
	for (size_t i = 0; i < len; i++)
		r->line += r->buf[r->pos + i] == '\n';
	r->pos += len;
	return 0;
fail:
	return err;
}

static int parse_entries(ct_cbundle *b, struct reader *r)
{
	const char *s;
	size_t n, i;
	int err;

	if (!next(r) || !count_line(r, "entries", 1, CT_BUNDLE_MAX_ENTRIES, &b->count))
		BAD("line %zu: not 'entries <1..%d>'", r->line, CT_BUNDLE_MAX_ENTRIES);
	if (!(b->blocks = calloc(b->count, sizeof(*b->blocks)))) {
		b->count = 0;
		err = ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
		goto fail;
	}
	for (i = 0; i < b->count; i++) {
		ct_cbundle_block *k = &b->blocks[i];
		if (!next(r) || !(s = after(r, "entry", &n)) || !b64_alloc(&k->entry, &k->entry_len, s, n, CT_ENTRY_MAX))
			BAD("entry %zu (line %zu): not 'entry <base64>' of at most %d bytes", i + 1, r->line, CT_ENTRY_MAX);
		if (ct_entry_decode(&k->e, k->entry, k->entry_len) < 0)
			BAD("entry %zu (line %zu): %s", i + 1, r->line, ct_error_last());
		ct_entry_hash(k->hash, k->entry, k->entry_len);
		if (!next(r) || !hashes_after(r, "proof", &k->path, &k->npath, CT_MERKLE_MAX_PROOF))
			BAD("entry %zu (line %zu): not 'proof[ <base64 of at most %d hashes>]'", i + 1, r->line,
			    CT_MERKLE_MAX_PROOF);
	}
	return 0;
fail:
	return err;
}

static int parse_forks(ct_cbundle *b, struct reader *r)
{
	const char *s, *sp;
	size_t n, i;
	int err;

	if (!count_line(r, "forks", 1, b->count, &b->nforks))
		return 0; /* none: the line read is the next section's */
	if (!(b->forks = calloc(b->nforks, sizeof(*b->forks)))) {
		b->nforks = 0;
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	}
	for (i = 0; i < b->nforks; i++) {
		ct_bundle_fork *f = &b->forks[i];
		ct_entry ea, eb;
		if (!next(r) || !(s = after(r, "fork", &n)) || !(sp = memchr(s, ' ', n)) ||
		    !b64_alloc(&f->a, &f->a_len, s, (size_t)(sp - s), CT_ENTRY_MAX) ||
		    !b64_alloc(&f->b, &f->b_len, sp + 1, n - (size_t)(sp - s) - 1, CT_ENTRY_MAX))
			BAD("fork %zu (line %zu): not 'fork <base64> <base64>'", i + 1, r->line);
		if (ct_entry_decode(&ea, f->a, f->a_len) < 0 || ct_entry_decode(&eb, f->b, f->b_len) < 0)
			BAD("fork %zu (line %zu): an entry does not decode: %s", i + 1, r->line, ct_error_last());
		memcpy(f->author, ea.author, CT_KEY_BYTES);
	}
	return next(r) ? 0 : ct_error_set(CT_EINVAL, "the bundle ends after its forks");
fail:
	return err;
}

static int parse_lookups(ct_cbundle *b, struct reader *r)
{
	const char *s, *sp;
	size_t n, i;
	int err;

	if (!count_line(r, "lookups", 0, CT_CBUNDLE_LOOKUPS, &b->nlookups))
		BAD("line %zu: not 'lookups <0..%d>'", r->line, CT_CBUNDLE_LOOKUPS);
	if (b->nlookups && !(b->lookups = calloc(b->nlookups, sizeof(*b->lookups)))) {
		b->nlookups = 0;
		err = ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
		goto fail;
	}
	for (i = 0; i < b->nlookups; i++) {
		ct_cbundle_lookup *k = &b->lookups[i];
		uint64_t count;
		if (!next(r))
			BAD("lookup %zu: the bundle ends", i + 1);
		if ((s = after(r, "absent", &n))) {
			if (!key_b64(k->key, &k->len, s, n))
				BAD("lookup %zu (line %zu): not 'absent <base64 of a key>'", i + 1, r->line);
		} else if ((s = after(r, "lookup", &n)) && (sp = memchr(s, ' ', n)) &&
			   key_b64(k->key, &k->len, s, (size_t)(sp - s))) {
			const char *c = sp + 1, *sp2;
			size_t cn = n - (size_t)(c - s), raw_len = 0;
			uint8_t *raw = NULL;
			k->present = true;
			sp2 = memchr(c, ' ', cn);
			if (!ct__decimal_parse(&count, c, sp2 ? (size_t)(sp2 - c) : cn) || count > CT_BUNDLE_MAX_ENTRIES ||
			    (count == 0) != (sp2 == NULL) ||
			    (sp2 && !b64_alloc(&raw, &raw_len, sp2 + 1, cn - (size_t)(sp2 - c) - 1,
					       (size_t)count * CT_HASH_BYTES)) ||
			    raw_len != count * CT_HASH_BYTES) {
				free(raw);
				BAD("lookup %zu (line %zu): not 'lookup <base64 key> <count>[ <base64 of count hashes>]'",
				    i + 1, r->line);
			}
			k->hashes = (uint8_t(*)[CT_HASH_BYTES])raw;
			k->n = (size_t)count;
		} else {
			BAD("lookup %zu (line %zu): neither 'lookup' nor 'absent' with a key", i + 1, r->line);
		}
		if (i && key_cmp(b->lookups[i - 1].key, b->lookups[i - 1].len, k->key, k->len) >= 0)
			BAD("lookup %zu (line %zu): keys out of order", i + 1, r->line);
	}
	return 0;
fail:
	return err;
}

static const ct_cbundle_lookup *find_lookup(const ct_cbundle *b, const uint8_t *key, size_t len)
{
	size_t lo = 0, hi = b->nlookups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(b->lookups[mid].key, b->lookups[mid].len, key, len);
		if (c == 0)
			return &b->lookups[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int parse_tail(ct_cbundle *b, struct reader *r)
{
	uint8_t digest[CT_HASH_BYTES], want[CT_HASH_BYTES];
	size_t n, i, end_at;
	const char *s;
	int err;

	if (!next(r))
		BAD("the bundle ends before its index proof");
	if (count_line(r, "leaves", 1, CT_CBUNDLE_LOOKUPS, &b->nleaves)) {
		if (!(b->leaves = calloc(b->nleaves, sizeof(*b->leaves)))) {
			b->nleaves = 0;
			err = ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
			goto fail;
		}
		for (i = 0; i < b->nleaves; i++) {
			ct_netleaf *lf = &b->leaves[i];
			const char *sp;
			if (!next(r) || !(s = after(r, "leaf", &n)) || !(sp = memchr(s, ' ', n)) ||
			    !key_b64(lf->key, &lf->len, s, (size_t)(sp - s)) ||
			    !b64_fixed(lf->vh, CT_HASH_BYTES, sp + 1, n - (size_t)(sp - s) - 1))
				BAD("leaf %zu (line %zu): not 'leaf <base64 key> <base64 list hash>'", i + 1, r->line);
			if (i && key_cmp(b->leaves[i - 1].key, b->leaves[i - 1].len, lf->key, lf->len) >= 0)
				BAD("leaf %zu (line %zu): keys out of order", i + 1, r->line);
			if (find_lookup(b, lf->key, lf->len))
				BAD("leaf %zu (line %zu): the key of a lookup", i + 1, r->line);
		}
		if (!next(r))
			BAD("the bundle ends before its index proof");
	}
	if (r->ll == 5 && memcmp(r->l, "index", 5) == 0) {
		b->stream = NULL;
		b->stream_len = 0;
	} else if (!(s = after(r, "index", &n)) || !b64_alloc(&b->stream, &b->stream_len, s, n, CT_NETNOTE_MAX) ||
		   !b->stream_len) {
		BAD("line %zu: not 'index[ <base64 of the index proof>]'", r->line);
	}
	end_at = r->pos;
	if (!next(r) || !(s = after(r, "end", &n)) || n != 2 * CT_HASH_BYTES)
		BAD("line %zu: not 'end <64 lowercase hex>'", r->line);
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			BAD("line %zu: the end digest is not 64 lowercase hex digits", r->line);
	for (i = 0; i < CT_HASH_BYTES; i++) {
		unsigned hi = (unsigned)(s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10);
		unsigned lo = (unsigned)(s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10);
		want[i] = (uint8_t)(hi << 4 | lo);
	}
	if (r->pos != r->len)
		BAD("line %zu: something follows the end line", r->line + 1);
	crypto_hash_sha256(digest, (const uint8_t *)r->buf, end_at);
	b->digest_ok = memcmp(digest, want, CT_HASH_BYTES) == 0;
	return 0;
fail:
	return err;
}

int ct_cbundle_parse(ct_cbundle **out, const uint8_t *buf, size_t len)
{
	struct reader r = {(const char *)buf, len, 0, 0, NULL, 0};
	ct_cbundle *b;
	int err;

	*out = NULL;
	if (len > CT_BUNDLE_MAX)
		return ct_error_set(CT_ETOOBIG, "a bundle of %zu bytes (at most %d)", len, CT_BUNDLE_MAX);
	if ((err = ct__note_text_check("the bundle", buf, len)) < 0)
		return ct_error_wrap(CT_EINVAL, "not a bundle");
	if (!(b = calloc(1, sizeof(*b))))
		return ct_error_set(CT_ENOMEM, "out of memory reading a bundle");
	if ((err = parse_header(b, &r)) < 0 || (err = parse_note(b, &r)) < 0 || (err = parse_entries(b, &r)) < 0)
		goto fail;
	if (!next(&r)) {
		err = ct_error_set(CT_EINVAL, "the bundle ends after its entries");
		goto fail;
	}
	if ((err = parse_forks(b, &r)) < 0 || (err = parse_lookups(b, &r)) < 0 || (err = parse_tail(b, &r)) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	ct_cbundle_free(b);
	return err;
}

#undef BAD

/* ---- verifying ------------------------------------------------------------ */

/* "entry 3 (9c1d0a2b…#12)" */
static void block_name(char out[64], const ct_cbundle *b, size_t i)
{
	char hex[2 * CT_KEY_BYTES + 1];

	ct_hex(hex, b->blocks[i].e.author, CT_KEY_BYTES);
	snprintf(out, 64, "entry %zu (%.8s…#%llu)", i + 1, hex, (unsigned long long)b->blocks[i].e.seq);
}

/* Index of the block with hash h, or SIZE_MAX (blocks are few: a sorted copy would pay off only for big bundles). */
static size_t block_of(const ct_cbundle *b, const uint8_t h[CT_HASH_BYTES])
{
	for (size_t i = 0; i < b->count; i++)
		if (!memcmp(b->blocks[i].hash, h, CT_HASH_BYTES))
			return i;
	return SIZE_MAX;
}

/* The bundle as a source for the closure: lookups for lists, blocks for entries. */
static int src_list(void *ctx, const uint8_t *key, size_t len, bool *present, ct_buf *hashes)
{
	const ct_cbundle_lookup *k = find_lookup(ctx, key, len);

	*present = k && k->present;
	if (!*present || !k->n)
		return 0;
	return ct_buf_put(hashes, k->hashes, k->n * CT_HASH_BYTES) < 0
		   ? ct_error_set(CT_ENOMEM, "out of memory checking a bundle")
		   : 0;
}

static int src_entry(void *ctx, const uint8_t hash[CT_HASH_BYTES], ct_entry *out)
{
	const ct_cbundle *b = ctx;
	size_t i = block_of(b, hash);

	if (i == SIZE_MAX)
		return CT_ENOTFOUND;
	*out = b->blocks[i].e;
	return 0;
}

/* Rule 2: block 1 founds the network, and the key given is its bureau's. */
static int check_genesis(const ct_cbundle *b, const ct_vkey *bureau, uint8_t network[CT_HASH_BYTES])
{
	const ct_entry *g = &b->blocks[0].e;
	ct_vkey want;
	char hex[2 * CT_HASH_BYTES + 1];

	if (g->seq != 1 || g->type_len != 15 || memcmp(g->type, "network.genesis", 15) != 0)
		return ct_error_set(CT_EINVAL, "entry 1 is not the network's genesis");
	memcpy(network, b->blocks[0].hash, CT_HASH_BYTES);
	ct_witness_key(&want, network, g->author);
	if (bureau->type != CT_NOTE_COSIG_V1 || strcmp(bureau->name, want.name) != 0 ||
	    memcmp(bureau->pk, g->author, CT_KEY_BYTES) != 0) {
		ct_hex(hex, network, CT_HASH_BYTES);
		if (strncmp(bureau->name, want.name, strlen(CT_CHECKPOINT_PREFIX) + 2 * CT_HASH_BYTES) != 0)
			return ct_error_set(CT_EAUTH, "the bureau key given is of another network than the bundle's (%.16s…)", hex);
		return ct_error_set(CT_EAUTH, "the bundle's network (%.16s…) was not founded by the bureau key given", hex);
	}
	return 0;
}

/* Rule 3: the network checkpoint: the bureau's lines, then witnesses' cosignatures, all verifying. */
static int check_note(const ct_cbundle *b, const uint8_t network[CT_HASH_BYTES], const uint8_t bureau[CT_KEY_BYTES],
		      ct_cbundle_info *info, ct_netcp_witness_sig **wits, size_t *nwits)
{
	ct_netcp_witness_sig *w = NULL;
	ct_note *n = NULL;
	ct_vkey nk, bk;
	size_t i, nw = 0;
	int err;

	if ((err = ct_note_parse(&n, b->note, b->note_len)) < 0)
		return ct_error_wrap(CT_EINVAL, "the network checkpoint");
	if ((err = ct_netcp_verify(n, network, bureau, &info->cp, &info->time, &w, &nw)) < 0) {
		err = ct_error_wrap(err, "the network checkpoint");
		goto done;
	}
	ct_netcp_key(&nk, network, bureau);
	ct_witness_key(&bk, network, bureau);
	/* exactly: the bureau's signature, its cosignature, then each witness once, by name */
	if (n->nsigs < 2 || strcmp(n->sigs[0].name, nk.name) != 0 || n->sigs[0].key_id != nk.key_id ||
	    strcmp(n->sigs[1].name, bk.name) != 0 || n->sigs[1].key_id != bk.key_id) {
		err = ct_error_set(CT_EINVAL, "the network checkpoint does not start with the bureau's signature "
					      "and cosignature");
		goto done;
	}
	if (n->nsigs - 2 != nw) {
		err = ct_error_set(CT_EINVAL, "the network checkpoint carries a line that is no verifying witness "
					      "cosignature");
		goto done;
	}
	for (i = 3; i < n->nsigs; i++)
		if (strcmp(n->sigs[i - 1].name, n->sigs[i].name) >= 0) {
			err = ct_error_set(CT_EINVAL, "the network checkpoint's witness lines are not in name order");
			goto done;
		}
	for (i = 0; i < nw; i++)
		if (w[i].time + SKEW_S < info->time) {
			err = ct_error_set(CT_EINVAL, "a witness cosigned the network checkpoint %llu s before the "
						      "bureau did",
					   (unsigned long long)(info->time - w[i].time));
			goto done;
		}
	info->lines = nw;
	*wits = w;
	*nwits = nw;
	w = NULL;
done:
	free(w);
	ct_note_free(n);
	return err;
}

/* Rule 4: each block's signature and inclusion proof; genesis first, then by feed and seq, no repeat. */
static int check_blocks(const ct_cbundle *b, const ct_netcp *cp)
{
	char name[64];
	size_t i;
	int err;

	for (i = 0; i < b->count; i++) {
		const ct_cbundle_block *k = &b->blocks[i];
		const ct_netcp_feed *f = ct_netcp_feed_of(cp, k->e.author);

		block_name(name, b, i);
		if (ct_entry_verify(&k->e) < 0)
			return ct_error_set(CT_EBADSIG, "%s: its signature does not verify", name);
		if (i > 1) {
			const ct_entry *p = &b->blocks[i - 1].e;
			int c = memcmp(p->author, k->e.author, CT_KEY_BYTES);
			if (c > 0 || (c == 0 && p->seq >= k->e.seq))
				return ct_error_set(CT_EINVAL, "%s: entries out of order (or twice)", name);
		}
		if (i > 0 && !memcmp(k->hash, b->blocks[0].hash, CT_HASH_BYTES))
			return ct_error_set(CT_EINVAL, "%s: the genesis twice", name);
		if (!f || k->e.seq > f->size)
			return ct_error_set(CT_EPROOF, "%s: its feed has no %llu entries at the network checkpoint", name,
					    (unsigned long long)k->e.seq);
		if ((err = ct_merkle_verify_inclusion(k->hash, k->e.seq - 1, f->size,
						      (const uint8_t(*)[CT_HASH_BYTES])k->path, k->npath, f->root)) < 0)
			return ct_error_set(CT_EPROOF, "%s: its inclusion proof does not lead to its feed's root", name);
	}
	return 0;
}

/* Rule 5: fork lines and fork keys agree. */
static int check_forks(const ct_cbundle *b)
{
	uint8_t key[CT_NETKEY_MAX], ha[CT_HASH_BYTES], hb[CT_HASH_BYTES];
	char kname[120];
	size_t i, j;

	for (i = 0; i < b->nforks; i++) {
		const ct_bundle_fork *f = &b->forks[i];
		const ct_cbundle_lookup *k;
		ct_entry ea, eb;

		if (ct_fork_proof_check(f->a, f->a_len, f->b, f->b_len) < 0)
			return ct_error_set(CT_EINVAL, "fork %zu: %s", i + 1, ct_error_last());
		for (j = 0; j < i; j++)
			if (!memcmp(b->forks[j].author, f->author, CT_KEY_BYTES))
				return ct_error_set(CT_EINVAL, "fork %zu: a second fork proof of one author", i + 1);
		ct_entry_hash(ha, f->a, f->a_len);
		ct_entry_hash(hb, f->b, f->b_len);
		if (ct_entry_decode(&ea, f->a, f->a_len) < 0 || ct_entry_decode(&eb, f->b, f->b_len) < 0 ||
		    (ea.seq == eb.seq && memcmp(ha, hb, CT_HASH_BYTES) >= 0))
			return ct_error_set(CT_EINVAL, "fork %zu: not in canonical order (at one seq, the smaller hash first)",
					    i + 1);
		k = find_lookup(b, key, ct_netkey_fork(key, f->author));
		if (!k || !k->present || k->n != 2 || memcmp(k->hashes[0], ha, CT_HASH_BYTES) != 0 ||
		    memcmp(k->hashes[1], hb, CT_HASH_BYTES) != 0)
			return ct_error_set(CT_EPROOF, "fork %zu: the network index holds no such fork record of its author",
					    i + 1);
	}
	for (i = 0; i < b->nlookups; i++) {
		const ct_cbundle_lookup *k = &b->lookups[i];
		bool line = false;

		if (k->key[0] != CT_NK_AUTHOR || k->key[k->len - 1] != CT_NETKEY_FORK_SFX || !k->present)
			continue;
		ct_netkey_name(kname, sizeof(kname), k->key, k->len);
		for (j = 0; j < b->nforks; j++)
			line |= !memcmp(b->forks[j].author, k->key + 1, CT_KEY_BYTES);
		if (k->n == 2 && !line)
			return ct_error_set(CT_EPROOF, "the network index holds a fork proof of %s that the bundle does not "
						       "carry",
					    kname);
		if (k->n > 2)
			return ct_error_set(CT_EPROOF, "key %s lists %zu entries", kname, k->n);
		if (k->n == 1) { /* a checkpoint fork: the author's entry 1, carried */
			size_t at = block_of(b, k->hashes[0]);
			if (at == SIZE_MAX || b->blocks[at].e.seq != 1 ||
			    memcmp(b->blocks[at].e.author, k->key + 1, CT_KEY_BYTES) != 0)
				return ct_error_set(CT_EPROOF, "key %s lists an entry that is not its author's first in the bundle",
						    kname);
		}
	}
	return 0;
}

/* Rule 6: the lookups lead to the index root. */
static int check_index(const ct_cbundle *b, const ct_netcp *cp)
{
	ct_netleaf *leaves = NULL, *absent = NULL;
	size_t nl = 0, na = 0, i, a = 0, c = 0;
	int err;

	if (!(leaves = calloc(b->nlookups + b->nleaves + 1, sizeof(*leaves))) ||
	    !(absent = calloc(b->nlookups + 1, sizeof(*absent)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory checking a bundle");
		goto done;
	}
	/* the revealed leaves, in key order: the present lookups and the leaf lines, merged */
	while (a < b->nlookups || c < b->nleaves) {
		const ct_cbundle_lookup *k = a < b->nlookups ? &b->lookups[a] : NULL;
		if (k && !k->present) {
			memcpy(absent[na].key, k->key, k->len);
			absent[na++].len = k->len;
			a++;
			continue;
		}
		if (k && (c == b->nleaves || key_cmp(k->key, k->len, b->leaves[c].key, b->leaves[c].len) < 0)) {
			memcpy(leaves[nl].key, k->key, k->len);
			leaves[nl].len = k->len;
			ct_netindex_list_hash(leaves[nl++].vh, (const uint8_t(*)[CT_HASH_BYTES])k->hashes, k->n);
			a++;
		} else {
			leaves[nl++] = b->leaves[c++];
		}
	}
	err = ct_netindex_verify(cp->root, leaves, nl, b->stream, b->stream_len, absent, na);
	if (err < 0)
		err = ct_error_wrap(err, "the lookups");
done:
	free(leaves);
	free(absent);
	(void)i;
	return err;
}

/* Whether e has a row under key; its kind and time then. */
static bool row_under(const ct_entry *e, const uint8_t *key, size_t len, uint8_t *kind, uint64_t *time)
{
	ct_netrow rows[CT_NETROWS_MAX];
	size_t n, i;

	if (ct_netindex_rows(rows, &n, e) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (rows[i].len == len && !memcmp(rows[i].key, key, len)) {
			*kind = rows[i].kind;
			*time = rows[i].time;
			return true;
		}
	return false;
}

/*
 * Rule 7: every listed entry carried, under a key it has a row under, in
 * order; every carried entry listed by each lookup of a key it has a row
 * under, and by at least one lookup.
 */
static int check_lists(const ct_cbundle *b)
{
	uint8_t fk[CT_NETKEY_MAX];
	char kname[120], name[64], hex[2 * CT_HASH_BYTES + 1];
	bool *listed = NULL;
	ct_netrow rows[CT_NETROWS_MAX];
	size_t i, j, n;
	uint8_t kind, pk = 0;
	uint64_t time, pt = 0;
	int err = 0;

	if (!(listed = calloc(b->count, sizeof(*listed))))
		return ct_error_set(CT_ENOMEM, "out of memory checking a bundle");
	for (i = 0; i < b->nlookups && !err; i++) {
		const ct_cbundle_lookup *k = &b->lookups[i];
		if (!k->present || (k->key[0] == CT_NK_AUTHOR && k->key[k->len - 1] == CT_NETKEY_FORK_SFX))
			continue;
		ct_netkey_name(kname, sizeof(kname), k->key, k->len);
		for (j = 0; j < k->n && !err; j++) {
			size_t at = block_of(b, k->hashes[j]);
			if (at == SIZE_MAX) {
				ct_hex(hex, k->hashes[j], CT_HASH_BYTES);
				err = ct_error_set(CT_EPROOF, "key %s lists entry %.16s…, which the bundle lacks", kname, hex);
				break;
			}
			block_name(name, b, at);
			if (!row_under(&b->blocks[at].e, k->key, k->len, &kind, &time)) {
				err = ct_error_set(CT_EPROOF, "key %s lists %s, which is no entry of that key", kname, name);
				break;
			}
			if (j && (pk > kind || (pk == kind && (pt > time || (pt == time &&
					memcmp(k->hashes[j - 1], k->hashes[j], CT_HASH_BYTES) >= 0))))) {
				err = ct_error_set(CT_EPROOF, "key %s lists its entries out of order", kname);
				break;
			}
			pk = kind;
			pt = time;
			listed[at] = true;
		}
	}
	for (i = 1; i < b->count && !err; i++) {
		block_name(name, b, i);
		if (ct_netindex_rows(rows, &n, &b->blocks[i].e) < 0 || n == 0) {
			err = ct_error_set(CT_EINVAL, "%s: an entry no key lists", name);
			break;
		}
		for (j = 0; j < n && !err; j++) {
			const ct_cbundle_lookup *k = find_lookup(b, rows[j].key, rows[j].len);
			bool in = false;
			for (size_t h = 0; k && k->present && h < k->n && !in; h++)
				in = !memcmp(k->hashes[h], b->blocks[i].hash, CT_HASH_BYTES);
			if (k && !in) {
				ct_netkey_name(kname, sizeof(kname), rows[j].key, rows[j].len);
				err = ct_error_set(CT_EPROOF, "%s belongs under key %s, whose lookup does not list it", name,
						   kname);
			}
		}
		if (!err && !listed[i]) {
			/* a checkpoint fork's entry 1 is listed by the fork key */
			const ct_cbundle_lookup *f = find_lookup(b, fk, ct_netkey_fork(fk, b->blocks[i].e.author));
			if (!(f && f->present && f->n == 1 && !memcmp(f->hashes[0], b->blocks[i].hash, CT_HASH_BYTES)))
				err = ct_error_set(CT_EPROOF, "%s is listed by no lookup", name);
		}
	}
	free(listed);
	return err;
}

/* Rule 8: every key the rules require has a lookup; the witnesses' labs, admitted when they cosigned. */
static int check_required(const ct_cbundle *b, const ct_netcp_witness_sig *w, size_t nw, ct_cbundle_info *info)
{
	struct ct__src src = {(void *)b, src_list, src_entry};
	struct ct__keyset req;
	uint8_t(*keys)[CT_KEY_BYTES] = NULL;
	char kname[120];
	size_t i, j;
	bool ok;
	int err;

	memset(&req, 0, sizeof(req));
	if (nw && !(keys = calloc(nw, CT_KEY_BYTES)))
		return ct_error_set(CT_ENOMEM, "out of memory checking a bundle");
	for (i = 0; i < nw; i++)
		memcpy(keys[i], w[i].key, CT_KEY_BYTES);
	if ((err = ct__closure(&src, b->blocks[0].e.author, b->kind, b->id, strlen(b->id), b->at,
			       (const uint8_t(*)[CT_KEY_BYTES])keys, nw, &req)) < 0)
		goto done;
	for (i = 0; i < req.n; i++)
		if (!find_lookup(b, req.keys[i], req.lens[i])) {
			ct_netkey_name(kname, sizeof(kname), req.keys[i], req.lens[i]);
			err = ct_error_set(CT_EPROOF, "the bundle has no lookup of key %s, which the verdict rests on", kname);
			goto done;
		}
	/* a lab counts once, whichever of its keys cosigned */
	info->witnesses = 0;
	for (i = 0; i < nw; i++) {
		if ((err = ct__witness_lab(&src, b->blocks[0].e.author, w[i].key, w[i].time * 1000, keys[i], &ok)) < 0)
			goto done;
		if (!ok)
			continue;
		for (j = 0; j < info->witnesses && memcmp(keys[j], keys[i], CT_KEY_BYTES) != 0; j++)
			;
		if (j == info->witnesses)
			memmove(keys[info->witnesses++], keys[i], CT_KEY_BYTES);
	}
	err = 0;
done:
	free(keys);
	ct__keyset_free(&req);
	return err;
}

int ct_cbundle_verify(const ct_cbundle *b, const ct_vkey *bureau, ct_cbundle_info *info)
{
	ct_netcp_witness_sig *w = NULL;
	ct_cbundle_info local;
	size_t nw = 0;
	int err;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (!b->count)
		return ct_error_set(CT_EINVAL, "a bundle without entries");
	if ((err = check_genesis(b, bureau, info->network)) < 0 ||
	    (err = check_note(b, info->network, b->blocks[0].e.author, info, &w, &nw)) < 0 ||
	    (err = check_blocks(b, &info->cp)) < 0 || (err = check_forks(b)) < 0 ||
	    (err = check_index(b, &info->cp)) < 0 || (err = check_lists(b)) < 0 ||
	    (err = check_required(b, w, nw, info)) < 0)
		goto done;
	if (!b->digest_ok)
		err = ct_error_set(CT_EINVAL, "the end digest does not match the bundle's bytes");
done:
	free(w);
	if (err < 0 || info == &local)
		ct_netcp_clear(&info->cp);
	return err;
}
