/*
 * Lookup proofs of the network index (caltrace/ledger/netindex.h,
 * docs/FORMAT.md section 12): one proof for a set of keys, present or
 * absent, whose paths share their nodes. The proof is the trie's nodes above
 * the revealed leaves in preorder: for each a u16 bit position (0xffff: the
 * revealed leaf itself), then for its left and right side, in that order,
 * either the nodes below (a side with a revealed leaf under it) or the
 * side's hash (32 bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "netindex_internal.h"

/* ---- building -------------------------------------------------------------- */

static int leaf_order(const void *x, const void *y)
{
	const ct_netleaf *a = x, *b = y;

	return ct__nk_cmp(a->key, a->len, b->key, b->len);
}

static int put_u16(ct_buf *out, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return ct_buf_put(out, b, 2);
}

/* The stored leaf of key, or its neighbour (the stored key sharing the longest prefix). */
static int reveal(MDB_cursor *cur, const uint8_t *key, size_t len, ct_netleaf *out)
{
	uint8_t seek[1 + CT_NETKEY_MAX];
	MDB_val k = {1 + len, seek}, v;
	ct_netleaf cand[2];
	size_t n = 0, i, best = 0, lcp[2] = {0, 0};
	int rc;

	seek[0] = 'L';
	memcpy(seek + 1, key, len);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc && rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "network index");
	if (rc == 0 && k.mv_size >= 2 && ((uint8_t *)k.mv_data)[0] == 'L') {
		if (k.mv_size - 1 > CT_NETKEY_MAX || v.mv_size != CT_HASH_BYTES)
			return ct_error_set(CT_ECORRUPT, "network index leaf of %zu bytes", v.mv_size);
		cand[n].len = k.mv_size - 1;
		memcpy(cand[n].key, (uint8_t *)k.mv_data + 1, cand[n].len);
		memcpy(cand[n].vh, v.mv_data, CT_HASH_BYTES);
		if (cand[n].len == len && !memcmp(cand[n].key, key, len)) {
			*out = cand[n];
			return 1; /* present */
		}
		n++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	} else {
		/* past the last leaf: the record before the first after the 'L' records (the root's is one) */
		k.mv_size = 1;
		k.mv_data = "M";
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : rc;
	}
	if (rc && rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "network index");
	if (rc == 0 && k.mv_size >= 2 && ((uint8_t *)k.mv_data)[0] == 'L') {
		if (k.mv_size - 1 > CT_NETKEY_MAX || v.mv_size != CT_HASH_BYTES)
			return ct_error_set(CT_ECORRUPT, "network index leaf of %zu bytes", v.mv_size);
		cand[n].len = k.mv_size - 1;
		memcpy(cand[n].key, (uint8_t *)k.mv_data + 1, cand[n].len);
		memcpy(cand[n].vh, v.mv_data, CT_HASH_BYTES);
		n++;
	}
	if (n == 0)
		return 0; /* an empty trie: nothing to reveal */
	for (i = 0; i < n; i++)
		lcp[i] = ct__nk_diff(cand[i].key, cand[i].len, key, len);
	best = n == 2 && lcp[1] > lcp[0] ? 1 : 0;
	*out = cand[best];
	return 2; /* absent: its neighbour */
}

struct prover {
	ct_reader *r;
	const ct_netleaf *v;
	ct_buf *out;
};

/* The preorder of the node at bit d above v[lo, hi) (their keys share its prefix). */
static int emit_node(struct prover *p, unsigned d, size_t lo, size_t hi, unsigned depth)
{
	struct ct__nk_node node;
	size_t mid;
	int err;

	if (depth > 8 * CT_NETKEY_MAX)
		return ct_error_set(CT_ECORRUPT, "the network index is deeper than its keys allow");
	if ((err = ct__nk_node_get(p->r, p->v[lo].key, p->v[lo].len, d, &node)) < 0 || (err = put_u16(p->out, d)) < 0)
		return err;
	for (mid = lo; mid < hi && !ct__nk_bit(p->v[mid].key, p->v[mid].len, d); mid++)
		;
	for (unsigned side = 0; side < 2; side++) {
		size_t clo = side ? mid : lo, chi = side ? hi : mid;

		if (clo == chi)
			err = ct_buf_put(p->out, node.h[side], CT_HASH_BYTES);
		else if (node.dc[side] == CT__NK_LEAF)
			err = chi - clo == 1 ? put_u16(p->out, CT__NK_LEAF)
					     : ct_error_set(CT_ECORRUPT, "two revealed keys under one network index leaf");
		else
			err = emit_node(p, node.dc[side], clo, chi, depth + 1);
		if (err < 0)
			return err;
	}
	return 0;
}

int ct_netindex_prove(ct_netleaf **leaves, size_t *nleaves, ct_buf *stream, ct_reader *r,
		      const uint8_t *const *keys, const size_t *lens, size_t n)
{
	struct ct__nk_root root;
	ct_netindex_root check;
	MDB_cursor *cur = NULL;
	ct_netleaf *v = NULL;
	size_t i, m = 0;
	int rc, err;

	*leaves = NULL;
	*nleaves = 0;
	stream->len = 0;
	if ((err = ct_netindex_root_get(&check, r)) < 0 || (err = ct__nk_root_get(r, &root)) < 0)
		return err;
	for (i = 0; i < n; i++)
		if (!ct_netkey_valid(keys[i], lens[i]))
			return ct_error_set(CT_EINVAL, "lookup %zu: not a network index key", i + 1);
	if (n && !(v = malloc(n * sizeof(*v))))
		return ct_error_set(CT_ENOMEM, "out of memory proving lookups");
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_NINDEX], &cur)) != 0) {
		free(v);
		return ct__mdb_error(rc, "network index");
	}
	for (i = 0; i < n && err >= 0; i++)
		if ((err = reveal(cur, keys[i], lens[i], &v[m])) > 0)
			m++;
	mdb_cursor_close(cur);
	if (err < 0)
		goto fail;
	if (m > 1)
		qsort(v, m, sizeof(*v), leaf_order);
	for (i = 1, n = m ? 1 : 0; i < m; i++)
		if (leaf_order(&v[n - 1], &v[i]) != 0)
			v[n++] = v[i];
	m = n;
	if (m) {
		struct prover p = {r, v, stream};
		if (root.kind == CT__NK_LEAFROOT)
			err = m == 1 ? put_u16(stream, CT__NK_LEAF)
				     : ct_error_set(CT_ECORRUPT, "the network index has one leaf, not %zu", m);
		else
			err = emit_node(&p, root.d, 0, m, 0);
		if (err < 0)
			goto fail;
	}
	*leaves = v;
	*nleaves = m;
	return 0;
fail:
	free(v);
	stream->len = 0;
	return err == CT_ENOMEM ? ct_error_set(CT_ENOMEM, "out of memory proving lookups") : err;
}

/* ---- checking ---------------------------------------------------------------- */

/* A node the proof went through: its bit and the revealed leaves under it. */
struct seen {
	unsigned d;
	size_t lo, hi;
};

struct checker {
	const ct_netleaf *v;
	const uint8_t *p, *end;
	struct seen *seen;
	size_t nseen, capseen;
};

static int take_u16(struct checker *c, unsigned *out)
{
	if (c->end - c->p < 2)
		return ct_error_set(CT_EPROOF, "the index proof ends early");
	*out = (unsigned)c->p[0] << 8 | c->p[1];
	c->p += 2;
	return 0;
}

static int take_hash(struct checker *c, uint8_t out[CT_HASH_BYTES])
{
	if (c->end - c->p < CT_HASH_BYTES)
		return ct_error_set(CT_EPROOF, "the index proof ends early");
	memcpy(out, c->p, CT_HASH_BYTES);
	c->p += CT_HASH_BYTES;
	return 0;
}

static int remember(struct checker *c, unsigned d, size_t lo, size_t hi)
{
	if (c->nseen == c->capseen) {
		size_t cap = c->capseen ? 2 * c->capseen : 32;
		struct seen *s = realloc(c->seen, cap * sizeof(*s));
		if (!s)
			return ct_error_set(CT_ENOMEM, "out of memory checking an index proof");
		c->seen = s;
		c->capseen = cap;
	}
	c->seen[c->nseen++] = (struct seen){d, lo, hi};
	return 0;
}

/* The hash of the subtree above v[lo, hi), whose bits are all at or after min_d. */
static int climb(struct checker *c, size_t lo, size_t hi, size_t min_d, uint8_t out[CT_HASH_BYTES])
{
	uint8_t h[2][CT_HASH_BYTES];
	unsigned t = 0;
	size_t mid;
	int err;

	if ((err = take_u16(c, &t)) < 0)
		return err;
	if (t == CT__NK_LEAF) {
		if (hi - lo != 1)
			return ct_error_set(CT_EPROOF, "the index proof ends a path above %zu leaves", hi - lo);
		ct_netindex_leaf_hash(out, c->v[lo].key, c->v[lo].len, c->v[lo].vh);
		return 0;
	}
	if (t < min_d || t >= 8 * CT_NETKEY_MAX)
		return ct_error_set(CT_EPROOF, "the index proof names bit %u below bit %zu", t, min_d);
	if (hi - lo > 1 && ct__nk_diff(c->v[lo].key, c->v[lo].len, c->v[hi - 1].key, c->v[hi - 1].len) < t)
		return ct_error_set(CT_EPROOF, "the index proof branches at bit %u above keys that differ before it", t);
	for (mid = lo; mid < hi && !ct__nk_bit(c->v[mid].key, c->v[mid].len, t); mid++)
		;
	for (unsigned side = 0; side < 2; side++) {
		size_t clo = side ? mid : lo, chi = side ? hi : mid;
		err = clo == chi ? take_hash(c, h[side]) : climb(c, clo, chi, (size_t)t + 1, h[side]);
		if (err < 0)
			return err;
	}
	if ((err = remember(c, t, lo, hi)) < 0)
		return err;
	ct_netindex_node_hash(out, t, h[0], h[1]);
	return 0;
}

/* Whether the proof shows key absent: the revealed leaf closest to it has no branch where they differ. */
static int check_absent(const struct checker *c, size_t nleaves, const ct_netleaf *x)
{
	size_t j, best = 0, bx = 0, i;
	char name[300];

	if (!ct_netkey_valid(x->key, x->len))
		return ct_error_set(CT_EINVAL, "an absent key is not a network index key");
	ct_netkey_name(name, sizeof(name), x->key, x->len);
	for (j = 0; j < nleaves; j++) {
		size_t l = ct__nk_diff(c->v[j].key, c->v[j].len, x->key, x->len);
		if (l == CT__NK_SAME)
			return ct_error_set(CT_EPROOF, "key %s is said absent but the proof holds it", name);
		if (j == 0 || l > bx) {
			bx = l;
			best = j;
		}
	}
	for (i = 0; i < c->nseen; i++)
		if (c->seen[i].d == bx && c->seen[i].lo <= best && best < c->seen[i].hi)
			return ct_error_set(CT_EPROOF, "the index proof does not show key %s absent", name);
	return 0;
}

int ct_netindex_verify(const uint8_t root[static CT_HASH_BYTES], const ct_netleaf *leaves, size_t nleaves,
		       const uint8_t *stream, size_t len, const ct_netleaf *absent, size_t nabsent)
{
	struct checker c = {leaves, stream, stream + len, NULL, 0, 0};
	uint8_t top[CT_HASH_BYTES];
	size_t i;
	int err = 0;

	for (i = 0; i < nleaves; i++)
		if (!ct_netkey_valid(leaves[i].key, leaves[i].len) ||
		    (i && leaf_order(&leaves[i - 1], &leaves[i]) >= 0))
			return ct_error_set(CT_EINVAL, "the revealed index leaves are not valid keys in order");
	if (nleaves == 0) {
		ct_netindex_empty_root(top);
		if (len)
			return ct_error_set(CT_EPROOF, "an index proof of no leaf has %zu bytes", len);
	} else if ((err = climb(&c, 0, nleaves, 0, top)) < 0) {
		goto done;
	}
	if (c.p != c.end) {
		err = ct_error_set(CT_EPROOF, "the index proof has %zu bytes too many", (size_t)(c.end - c.p));
		goto done;
	}
	if (memcmp(top, root, CT_HASH_BYTES) != 0) {
		err = ct_error_set(CT_EPROOF, "the lookups do not lead to the index root");
		goto done;
	}
	for (i = 0; i < nabsent && err == 0; i++)
		if (nleaves)
			err = check_absent(&c, nleaves, &absent[i]);
done:
	free(c.seen);
	return err;
}
