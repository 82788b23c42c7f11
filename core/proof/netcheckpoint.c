/*
 * Network checkpoints (caltrace/proof/netcheckpoint.h): the body's text,
 * the bureau's signature, witnessing against the store, and the notes kept.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "caltrace/proof/netcheckpoint.h"
#include "caltrace/proof/witness.h"
#include "note_internal.h"

void ct_netcp_clear(ct_netcp *cp)
{
	free(cp->feeds);
	memset(cp, 0, sizeof(*cp));
}

void ct_netcp_origin(char out[static CT_CHECKPOINT_ORIGIN_MAX + 1], const uint8_t network[static CT_HASH_BYTES])
{
	char hex[2 * CT_HASH_BYTES + 1];

	ct_hex(hex, network, CT_HASH_BYTES);
	snprintf(out, CT_CHECKPOINT_ORIGIN_MAX + 1, "%s%s%s", CT_CHECKPOINT_PREFIX, hex, CT_NETCP_SUFFIX);
}

void ct_netcp_key(ct_vkey *out, const uint8_t network[static CT_HASH_BYTES],
		  const uint8_t bureau[static CT_KEY_BYTES])
{
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1];
	int err;

	ct_netcp_origin(origin, network);
	err = ct_vkey_make(out, origin, CT_NOTE_ED25519, bureau);
	(void)err; /* the origin is always a valid name */
}

const ct_netcp_feed *ct_netcp_feed_of(const ct_netcp *cp, const uint8_t author[static CT_KEY_BYTES])
{
	size_t lo = 0, hi = cp->nfeeds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(cp->feeds[mid].author, author, CT_KEY_BYTES);
		if (c == 0)
			return &cp->feeds[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- the text ------------------------------------------------------------- */

int ct_netcp_format(ct_buf *out, const ct_netcp *cp)
{
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1], hex[2 * CT_KEY_BYTES + 1];
	int err = 0;
	size_t i;

	ct_netcp_origin(origin, cp->network);
#define PUT(s, n) (err = err ? err : ct_buf_put(out, (s), (n)))
	PUT(origin, strlen(origin));
	PUT("\n", 1);
	err = err ? err : ct__decimal_put(out, cp->keys);
	PUT("\n", 1);
	err = err ? err : ct_b64_put(out, cp->root, CT_HASH_BYTES);
	PUT("\nforks ", 7);
	err = err ? err : ct__decimal_put(out, cp->nforks);
	PUT(" ", 1);
	err = err ? err : ct_b64_put(out, cp->forks, CT_HASH_BYTES);
	PUT("\n", 1);
	for (i = 0; i < cp->nfeeds && !err; i++) {
		ct_hex(hex, cp->feeds[i].author, CT_KEY_BYTES);
		PUT("feed ", 5);
		PUT(hex, 2 * CT_KEY_BYTES);
		PUT(" ", 1);
		err = err ? err : ct__decimal_put(out, cp->feeds[i].size);
		PUT(" ", 1);
		err = err ? err : ct_b64_put(out, cp->feeds[i].root, CT_HASH_BYTES);
		PUT("\n", 1);
	}
#undef PUT
	return err ? ct_error_set(CT_ENOMEM, "out of memory writing a network checkpoint") : 0;
}

static bool hash_b64(uint8_t out[CT_HASH_BYTES], const char *s, size_t len)
{
	size_t got;

	return (ct_b64_decode(out, CT_HASH_BYTES, &got, s, len) == 0) && got == CT_HASH_BYTES;
}

static bool lower_hex(uint8_t *out, size_t n, const char *s, size_t len)
{
	size_t i;

	if (len != 2 * n)
		return false;
	for (i = 0; i < len; i++) {
		unsigned v;
		if (s[i] >= '0' && s[i] <= '9')
			v = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = (unsigned)(s[i] - 'a' + 10);
		else
			return false;
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
	}
	return true;
}

/* Splits line at spaces into at most max words; false when more, or an empty word. */
static bool words(const char *line, size_t len, const char **w, size_t *wl, size_t max, size_t *n)
{
	size_t i, start = 0;

	*n = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || *n == max)
			return false;
		w[*n] = line + start;
		wl[(*n)++] = i - start;
		start = i + 1;
	}
	return true;
}

int ct_netcp_parse(ct_netcp *out, const char *text, size_t len)
{
	const char *line, *w[4];
	size_t ll, wl[4], nw, pos = 0, lineno = 0, cap = 0;
	const size_t plen = strlen(CT_CHECKPOINT_PREFIX), slen = strlen(CT_NETCP_SUFFIX);
	int err;

	memset(out, 0, sizeof(*out));
#define BAD(...)                                                                                             \
	do {                                                                                                 \
		err = ct_error_set(CT_EINVAL, __VA_ARGS__);                                                  \
		goto fail;                                                                                   \
	} while (0)
	if (!ct__next_line(&line, &ll, text, len, &pos) || ll != plen + 2 * CT_HASH_BYTES + slen ||
	    memcmp(line, CT_CHECKPOINT_PREFIX, plen) != 0 || memcmp(line + ll - slen, CT_NETCP_SUFFIX, slen) != 0 ||
	    !lower_hex(out->network, CT_HASH_BYTES, line + plen, 2 * CT_HASH_BYTES))
		BAD("network checkpoint line 1: not caltrace/<64 lowercase hex>%s", CT_NETCP_SUFFIX);
	if (!ct__next_line(&line, &ll, text, len, &pos) || !ct__decimal_parse(&out->keys, line, ll))
		BAD("network checkpoint line 2: not a decimal count of keys");
	if (!ct__next_line(&line, &ll, text, len, &pos) || !hash_b64(out->root, line, ll))
		BAD("network checkpoint line 3: not the base64 of a 32-byte root");
	if (!ct__next_line(&line, &ll, text, len, &pos) || !words(line, ll, w, wl, 3, &nw) || nw != 3 ||
	    wl[0] != 5 || memcmp(w[0], "forks", 5) != 0 || !ct__decimal_parse(&out->nforks, w[1], wl[1]) ||
	    !hash_b64(out->forks, w[2], wl[2]))
		BAD("network checkpoint line 4: not 'forks <count> <base64 digest>'");
	for (lineno = 5; pos < len; lineno++) {
		ct_netcp_feed *f;
		if (!ct__next_line(&line, &ll, text, len, &pos))
			BAD("network checkpoint line %zu: does not end in a newline", lineno);
		if (out->nfeeds == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			ct_netcp_feed *grown = realloc(out->feeds, ncap * sizeof(*grown));
			if (!grown) {
				err = ct_error_set(CT_ENOMEM, "out of memory reading a network checkpoint");
				goto fail;
			}
			out->feeds = grown;
			cap = ncap;
		}
		f = &out->feeds[out->nfeeds];
		if (!words(line, ll, w, wl, 4, &nw) || nw != 4 || wl[0] != 4 || memcmp(w[0], "feed", 4) != 0 ||
		    !lower_hex(f->author, CT_KEY_BYTES, w[1], wl[1]) || !ct__decimal_parse(&f->size, w[2], wl[2]) ||
		    !hash_b64(f->root, w[3], wl[3]))
			BAD("network checkpoint line %zu: not 'feed <64 lowercase hex> <size> <base64 root>'", lineno);
		if (f->size == 0)
			BAD("network checkpoint line %zu: a feed of size 0", lineno);
		if (out->nfeeds && memcmp(out->feeds[out->nfeeds - 1].author, f->author, CT_KEY_BYTES) >= 0)
			BAD("network checkpoint line %zu: feeds out of order", lineno);
		if (out->entries > UINT64_MAX - f->size)
			BAD("network checkpoint line %zu: more than 2^64 entries", lineno);
		out->entries += f->size;
		out->nfeeds++;
	}
#undef BAD
	return 0;
fail:
	ct_netcp_clear(out);
	return err;
}

/* ---- the store's state --------------------------------------------------- */

int ct_netcp_of_store(ct_reader *r, ct_netcp *out)
{
	uint8_t bureau[CT_KEY_BYTES];
	ct_netindex_root root;
	ct_feed_head *heads = NULL;
	size_t count = 0, i;
	int err;

	memset(out, 0, sizeof(*out));
	err = ct_read_network(out->network, bureau, r);
	if (err == CT_ENOTFOUND)
		return ct_error_set(CT_ESTATE, "no genesis in this store: no network checkpoint");
	if (err < 0 || (err = ct_netindex_root_get(&root, r)) < 0 ||
	    (err = ct_read_heads(&heads, &count, r)) < 0)
		return err;
	if (count && !(out->feeds = calloc(count, sizeof(*out->feeds)))) {
		free(heads);
		return ct_error_set(CT_ENOMEM, "out of memory reading the store's state");
	}
	memcpy(out->root, root.hash, CT_HASH_BYTES);
	out->keys = root.keys;
	out->nforks = root.nforks;
	memcpy(out->forks, root.forks, CT_HASH_BYTES);
	for (i = 0; i < count && err == 0; i++) {
		ct_netcp_feed *f = &out->feeds[out->nfeeds];
		if (heads[i].size == 0)
			continue;
		memcpy(f->author, heads[i].author, CT_KEY_BYTES);
		f->size = heads[i].size;
		err = ct_read_root(f->root, r, f->author, f->size);
		out->entries += f->size;
		out->nfeeds++;
	}
	free(heads);
	if (err < 0)
		ct_netcp_clear(out);
	return err;
}

/* ---- signatures ---------------------------------------------------------- */

/* The node key named by a caltrace witness cosignature line of network; false for any other line. */
static bool witness_line(ct_vkey *out, const ct_note_sig *s, const uint8_t network[CT_HASH_BYTES])
{
	char prefix[CT_NOTE_NAME_MAX + 1];
	uint8_t node[CT_KEY_BYTES];
	size_t plen;

	memset(node, 0, sizeof(node));
	ct_cosig_name(prefix, network, node);
	plen = strlen(prefix) - 2 * CT_KEY_BYTES;
	if (strlen(s->name) != plen + 2 * CT_KEY_BYTES || memcmp(s->name, prefix, plen) != 0 ||
	    !lower_hex(node, CT_KEY_BYTES, s->name + plen, 2 * CT_KEY_BYTES))
		return false;
	ct_witness_key(out, network, node);
	return out->key_id == s->key_id;
}

int ct_netcp_verify(const ct_note *n, const uint8_t network[static CT_HASH_BYTES],
		    const uint8_t bureau[static CT_KEY_BYTES], ct_netcp *cp, uint64_t *time, ct_netcp_witness_sig **wits,
		    size_t *nwits)
{
	ct_netcp_witness_sig *v = NULL;
	ct_vkey key, bk;
	size_t i, m = 0;
	uint64_t t;
	int err;

	if (wits) {
		*wits = NULL;
		*nwits = 0;
	}
	if ((err = ct_netcp_parse(cp, n->text, n->text_len)) < 0)
		return err;
	if (memcmp(cp->network, network, CT_HASH_BYTES) != 0) {
		err = ct_error_set(CT_EINVAL, "a network checkpoint of another network");
		goto fail;
	}
	ct_netcp_key(&key, network, bureau);
	if ((err = ct_note_verify(n, &key)) < 0) {
		err = ct_error_wrap(err, "the bureau's signature of the network checkpoint");
		goto fail;
	}
	ct_witness_key(&bk, network, bureau);
	if ((err = ct_cosig_verify(time, n, &bk)) < 0) {
		err = ct_error_wrap(err, "the bureau's cosignature of the network checkpoint");
		goto fail;
	}
	if (!wits)
		return 0;
	if (n->nsigs && !(v = calloc(n->nsigs, sizeof(*v)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory checking a network checkpoint");
		goto fail;
	}
	for (i = 0; i < n->nsigs; i++) {
		if (!witness_line(&key, &n->sigs[i], network) || !memcmp(key.pk, bureau, CT_KEY_BYTES) ||
		    ct_cosig_verify(&t, n, &key) != 0)
			continue;
		memcpy(v[m].key, key.pk, CT_KEY_BYTES);
		v[m++].time = t;
	}
	*wits = v;
	*nwits = m;
	return 0;
fail:
	ct_netcp_clear(cp);
	return err;
}

/*
 * A copy of in with only its verified lines: the bureau's (signature, then
 * cosignature) and caltrace witnesses' cosignatures, by name, at most
 * CT_WITNESS_COSIGS_MAX of them.
 */
static int filter(ct_note **out, const ct_note *in, ct_reader *r, const ct_netcp *cp,
		  const uint8_t bureau[CT_KEY_BYTES])
{
	const uint8_t *network = cp->network;
	const ct_netcp_feed *bf = ct_netcp_feed_of(cp, bureau);
	bool admitted;
	const ct_note_sig *s;
	ct_note *n = NULL;
	ct_vkey key, bk;
	size_t i, kept = 0;
	uint64_t t;
	int err;

	*out = NULL;
	ct_netcp_key(&key, network, bureau);
	ct_witness_key(&bk, network, bureau);
	if ((err = ct_note_new(&n, in->text, in->text_len)) < 0)
		return err;
	if ((s = ct_note_find(in, &key)) && ct_note_verify(in, &key) == 0 &&
	    (err = ct_note_add_sig(n, s->name, s->key_id, s->sig, s->sig_len)) < 0)
		goto fail;
	if ((s = ct_note_find(in, &bk)) && ct_cosig_verify(&t, in, &bk) == 0 &&
	    (err = ct_note_add_sig(n, s->name, s->key_id, s->sig, s->sig_len)) < 0)
		goto fail;
	for (i = 0; i < in->nsigs; i++) {
		s = &in->sigs[i];
		if (!witness_line(&key, s, network) || !memcmp(key.pk, bureau, CT_KEY_BYTES) ||
		    ct_cosig_verify(&t, in, &key) != 0)
			continue;
		/* only nodes the bureau admitted are kept (as for feed checkpoints): 30 made-up keys named to
		 * sort first would otherwise take every place of the 24; and not a key replaced or declared
		 * compromised by then, or by an entry of the bureau this checkpoint's state holds */
		if ((err = ct_witness_counts(&admitted, r, key.pk, t, bf ? bf->size : 0)) < 0)
			goto fail;
		if (!admitted)
			continue;
		if ((err = ct_note_add_sig(n, s->name, s->key_id, s->sig, s->sig_len)) < 0 && err != CT_EEXISTS)
			goto fail;
	}
	ct_note_sort_sigs(n, n->nsigs >= 2 ? 2 : n->nsigs);
	for (i = 2; i < n->nsigs;) {
		if (kept < CT_WITNESS_COSIGS_MAX) {
			kept++;
			i++;
		} else {
			ct_note_remove_sig(n, i);
		}
	}
	*out = n;
	return 0;
fail:
	ct_note_free(n);
	return err;
}

/*
 * Merges n (filtered) into the held note of its body, cosigning with kp
 * when given and not cosigned yet, and stores the result; out gets it.
 */
static int keep(ct_batch *b, const ct_netcp *cp, ct_note *n, const ct_keypair *kp, uint64_t timestamp,
		const uint8_t bureau[CT_KEY_BYTES], ct_buf *out, ct_buf *prev)
{
	uint8_t text_hash[CT_HASH_BYTES];
	const uint8_t *held;
	size_t held_len;
	ct_note *old = NULL, *merged = NULL;
	ct_buf fresh = CT_BUF_INIT;
	ct_vkey wk;
	int err;

	crypto_hash_sha256(text_hash, (const uint8_t *)n->text, n->text_len);
	err = ct_read_netnote(&held, &held_len, ct_batch_reader(b), cp->entries, text_hash);
	if (err == 0) {
		if (prev && (err = ct_buf_put(prev, held, held_len)) < 0)
			goto done;
		if ((err = ct_note_parse(&old, held, held_len)) == 0)
			err = ct_note_merge(old, n);
		if (err < 0)
			goto done;
	} else if (err != CT_ENOTFOUND) {
		goto done;
	}
	merged = old ? old : n;
	if (kp) {
		ct_witness_key(&wk, cp->network, ct_keypair_public(kp));
		if (!ct_note_find(merged, &wk) && (err = ct_cosig_add(merged, kp, wk.name, timestamp)) < 0)
			goto done;
	}
	if ((err = filter(&merged, merged, ct_batch_reader(b), cp, bureau)) < 0)
		goto done;
	err = ct_note_format(&fresh, merged);
	ct_note_free(merged);
	if (err < 0)
		goto done;
	if ((err = ct_batch_put_netnote(b, cp->entries, text_hash, fresh.ptr, fresh.len)) < 0)
		goto done;
	if (out) {
		out->len = 0;
		err = ct_buf_put(out, fresh.ptr, fresh.len);
	}
done:
	ct_note_free(old);
	ct_buf_free(&fresh);
	return err;
}

int ct_netcp_sign(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, ct_buf *out)
{
	uint8_t bureau[CT_KEY_BYTES];
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1];
	ct_reader *r = ct_batch_reader(b);
	ct_buf text = CT_BUF_INIT;
	ct_note *n = NULL;
	ct_netcp cp = {0};
	int err;

	if ((err = ct_netindex_update(b)) < 0 || (err = ct_netcp_of_store(r, &cp)) < 0 ||
	    (err = ct_read_network(NULL, bureau, r)) < 0)
		goto done;
	if (memcmp(bureau, ct_keypair_public(kp), CT_KEY_BYTES) != 0) {
		err = ct_error_set(CT_EAUTH, "only the bureau's node signs network checkpoints");
		goto done;
	}
	ct_netcp_origin(origin, cp.network);
	if ((err = ct_netcp_format(&text, &cp)) < 0 || (err = ct_note_new(&n, (const char *)text.ptr, text.len)) < 0 ||
	    (err = ct_note_sign(n, kp, origin)) < 0)
		goto done;
	err = keep(b, &cp, n, kp, timestamp, bureau, out, NULL);
done:
	ct_note_free(n);
	ct_buf_free(&text);
	ct_netcp_clear(&cp);
	return err;
}

const char *ct_netcp_result_name(ct_netcp_result r)
{
	switch (r) {
	case CT_NETCP_COSIGNED:
		return "cosigned";
	case CT_NETCP_AHEAD:
		return "kept: this node holds fewer entries of a feed";
	case CT_NETCP_OTHER:
		return "kept: this node holds other feeds or more entries";
	case CT_NETCP_FORKS:
		return "kept: this node holds other fork proofs";
	default:
		return "REFUSED: this node computes another index root from the same feeds";
	}
}

/* How the store's feeds compare with cp's: exactly (0), AHEAD or OTHER; detail says which feed. */
static int compare_feeds(ct_reader *r, const ct_netcp *cp, ct_netcp_result *res, ct_buf *detail)
{
	ct_feed_head *heads = NULL;
	size_t count = 0, i, j, mine = 0;
	char hex[2 * CT_KEY_BYTES + 1], line[200];
	uint8_t root[CT_HASH_BYTES];
	int err;

	*res = CT_NETCP_COSIGNED;
	line[0] = '\0';
	if ((err = ct_read_heads(&heads, &count, r)) < 0)
		return err;
	for (i = 0; i < count && err == 0 && *res != CT_NETCP_OTHER; i++) {
		const ct_netcp_feed *f;
		if (heads[i].size == 0)
			continue;
		mine++;
		ct_hex(hex, heads[i].author, CT_KEY_BYTES);
		if (!(f = ct_netcp_feed_of(cp, heads[i].author))) {
			*res = CT_NETCP_OTHER;
			snprintf(line, sizeof(line), "feed %.8s… (%llu entries here) is not in it", hex,
				 (unsigned long long)heads[i].size);
		} else if (heads[i].size > f->size) {
			*res = CT_NETCP_OTHER;
			snprintf(line, sizeof(line), "feed %.8s… has %llu entries here, %llu there", hex,
				 (unsigned long long)heads[i].size, (unsigned long long)f->size);
		} else if (heads[i].size < f->size) {
			*res = CT_NETCP_AHEAD;
			snprintf(line, sizeof(line), "feed %.8s… has %llu entries here, %llu there", hex,
				 (unsigned long long)heads[i].size, (unsigned long long)f->size);
		} else if ((err = ct_read_root(root, r, heads[i].author, f->size)) == 0 &&
			   memcmp(root, f->root, CT_HASH_BYTES) != 0) {
			*res = CT_NETCP_OTHER;
			snprintf(line, sizeof(line), "feed %.8s… has another root at %llu entries here", hex,
				 (unsigned long long)f->size);
		}
	}
	/* feeds it names that this store lacks altogether */
	for (j = 0; err == 0 && *res == CT_NETCP_COSIGNED && j < cp->nfeeds; j++) {
		bool have = false;
		for (i = 0; i < count && !have; i++)
			have = heads[i].size && !memcmp(heads[i].author, cp->feeds[j].author, CT_KEY_BYTES);
		if (!have) {
			ct_hex(hex, cp->feeds[j].author, CT_KEY_BYTES);
			*res = CT_NETCP_AHEAD;
			snprintf(line, sizeof(line), "feed %.8s… is not held here", hex);
		}
	}
	(void)mine;
	free(heads);
	if (detail && line[0])
		ct_buf_put(detail, line, strlen(line));
	return err;
}

/* The evidence kept against a refused note: what this store computes, then the note. */
static int evidence(ct_batch *b, const ct_netcp *mine, const uint8_t *note, size_t len, ct_buf *detail)
{
	ct_buf rec = CT_BUF_INIT, root = CT_BUF_INIT;
	char line[300];
	int err;

	if ((err = ct_b64_put(&root, mine->root, CT_HASH_BYTES)) < 0 || (err = ct_buf_put(&root, "", 1)) < 0)
		goto done;
	snprintf(line, sizeof(line), "caltrace/netcheckpoint-evidence/v1\nthis node computes %llu keys, root %s\n",
		 (unsigned long long)mine->keys, (const char *)root.ptr);
	if ((err = ct_buf_put(&rec, line, strlen(line))) < 0 || (err = ct_buf_put(&rec, note, len)) < 0)
		goto done;
	if (detail) {
		snprintf(line, sizeof(line), "this node computes %llu keys, root %s, from the same feeds",
			 (unsigned long long)mine->keys, (const char *)root.ptr);
		ct_buf_put(detail, line, strlen(line));
	}
	err = ct_batch_put_evidence(b, rec.ptr, rec.len);
done:
	ct_buf_free(&rec);
	ct_buf_free(&root);
	return err == CT_ENOMEM ? ct_error_set(CT_ENOMEM, "out of memory keeping evidence") : err;
}

int ct_netcp_witness(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, const uint8_t *note, size_t len,
		     ct_buf *out, ct_buf *prev, ct_buf *detail, ct_netcp_result *result)
{
	uint8_t network[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	ct_reader *r = ct_batch_reader(b);
	ct_note *in = NULL, *n = NULL;
	ct_netcp cp = {0}, mine = {0};
	uint64_t t;
	int err;

	*result = CT_NETCP_OTHER;
	if (prev)
		prev->len = 0;
	if (detail)
		detail->len = 0;
	err = ct_read_network(network, bureau, r);
	if (err == CT_ENOTFOUND)
		return ct_error_set(CT_ESTATE, "no genesis in the store: no network to witness for");
	if (err < 0 || (err = ct_note_parse(&in, note, len)) < 0 ||
	    (err = ct_netcp_verify(in, network, bureau, &cp, &t, NULL, NULL)) < 0)
		goto done;
	if ((err = filter(&n, in, r, &cp, bureau)) < 0 || (err = compare_feeds(r, &cp, result, detail)) < 0)
		goto done;
	if (*result == CT_NETCP_COSIGNED) {
		if ((err = ct_netindex_update(b)) < 0 || (err = ct_netcp_of_store(r, &mine)) < 0)
			goto done;
		if (mine.nforks != cp.nforks || memcmp(mine.forks, cp.forks, CT_HASH_BYTES) != 0) {
			*result = CT_NETCP_FORKS;
			if (detail) {
				char line[120];
				snprintf(line, sizeof(line), "this node holds %llu fork records, it names %llu, or others",
					 (unsigned long long)mine.nforks, (unsigned long long)cp.nforks);
				ct_buf_put(detail, line, strlen(line));
			}
		} else if (mine.keys != cp.keys || memcmp(mine.root, cp.root, CT_HASH_BYTES) != 0) {
			*result = CT_NETCP_REFUSED;
			err = evidence(b, &mine, note, len, detail);
			goto done;
		}
	}
	err = keep(b, &cp, n, *result == CT_NETCP_COSIGNED ? kp : NULL, timestamp, bureau, out, prev);
done:
	ct_note_free(in);
	ct_note_free(n);
	ct_netcp_clear(&cp);
	ct_netcp_clear(&mine);
	return err;
}

int ct_netcp_current(ct_reader *r, ct_buf *note, ct_netcp *cp)
{
	uint8_t hash[CT_HASH_BYTES];
	ct_buf text = CT_BUF_INIT;
	const uint8_t *held;
	size_t len;
	int err;

	if ((err = ct_netcp_of_store(r, cp)) < 0)
		return err;
	if ((err = ct_netcp_format(&text, cp)) < 0)
		goto done;
	crypto_hash_sha256(hash, text.ptr, text.len);
	err = ct_read_netnote(&held, &len, r, cp->entries, hash);
	if (err == CT_ENOTFOUND) {
		err = ct_error_set(CT_ENOTFOUND,
				   "no network checkpoint of this store's state (%llu entries in %zu feeds) is held",
				   (unsigned long long)cp->entries, cp->nfeeds);
		goto done;
	}
	if (err < 0)
		goto done;
	note->len = 0;
	err = ct_buf_put(note, held, len);
done:
	ct_buf_free(&text);
	if (err < 0)
		ct_netcp_clear(cp);
	return err;
}
