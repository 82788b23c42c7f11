/*
 * The network index (caltrace/ledger/netindex.h, docs/FORMAT.md section 12):
 * the dirty marks ingest leaves, and the trie kept in DB_NINDEX (its keys,
 * rows and hashes are netkeys.c):
 *
 *   'L' key                   -> VH (32)                the list hash of a key
 *   'N' prefix d(2)           -> dl(2) dr(2) hl(32) hr(32)
 *                                an internal node: prefix = its keys' first d bits,
 *                                packed in ceil(d/8) bytes (bits from d on zero);
 *                                for each child its bit (0xffff: a leaf) and hash
 *   'R'                       -> kind(1) d(2) hash(32) keys(8)    the root
 *   'S'                       -> the next log number (8)
 *   'D' number(8)             -> count(4), then count times len(1) key: keys marked
 *                                dirty by one batch, sorted, distinct
 *
 * Ingest only marks keys (one record per batch, written at commit); the
 * trie is brought up to date by ct_netindex_update, which sorts the dirty
 * keys and walks the trie once over them, reading and rewriting only the
 * nodes on their paths (docs/DECISIONS.md says why it is not done at every
 * commit). Lookup proofs are netproof.c.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/index.h"
#include "netindex_internal.h"

#define CHUNK_KEYS 65536 /* dirty keys folded in per pass: bounds the memory of a large update */

/* ---- dirty marks ------------------------------------------------------- */

static int touch(ct_batch *b, const uint8_t *key, size_t len)
{
	uint8_t l = (uint8_t)len;

	if (!b->l->has_nindex)
		return 0;
	if (ct_buf_put(&b->ndirty, &l, 1) < 0 || ct_buf_put(&b->ndirty, key, len) < 0) {
		return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory marking network index keys"));
	}
	return 0;
}

int ct__netindex_touch_row(ct_batch *b, enum ct_db db, const void *key, size_t klen)
{
	uint8_t nk[CT_NETKEY_MAX];
	const uint8_t *k = key;
	size_t len = 0;

	switch (db) {
	case DB_SUBJECTS:
		len = klen >= 2 ? ct_netkey_id(nk, (char)k[0], (const char *)k + 1, klen - 1) : 0;
		break;
	case DB_ORGS:
		len = klen == CT_KEY_BYTES ? ct_netkey_org(nk, k) : 0;
		break;
	case DB_PERSONS:
		len = ct_netkey_id(nk, CT_NK_PERSON, key, klen);
		break;
	case DB_CATALOGUE:
		len = ct_netkey_id(nk, CT_NK_CATALOGUE, key, klen);
		break;
	case DB_REVOKES:
		len = klen == CT_HASH_BYTES ? ct_netkey_revoked(nk, k) : 0;
		break;
	default:
		return 0;
	}
	return len ? touch(b, nk, len) : 0;
}

int ct__netindex_touch_fork(ct_batch *b, const uint8_t author[CT_KEY_BYTES])
{
	uint8_t nk[CT_NETKEY_MAX];

	return touch(b, nk, ct_netkey_fork(nk, author));
}

/* A key inside a packed list of keys (len(1) key ...). */
struct kref {
	const uint8_t *k;
	size_t len;
};

static int kref_order(const void *x, const void *y)
{
	const struct kref *a = x, *b = y;

	return ct__nk_cmp(a->k, a->len, b->k, b->len);
}

/* Splits a packed list into refs, sorted and distinct. */
static int split_sorted(const uint8_t *p, size_t len, struct kref **out, size_t *n)
{
	size_t count = 0, i, j, off;
	struct kref *v;

	for (off = 0; off < len; off += 1 + p[off])
		count++;
	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	if (!(v = malloc(count * sizeof(*v))))
		return ct_error_set(CT_ENOMEM, "out of memory sorting network index keys");
	for (off = 0, i = 0; off < len; off += 1 + p[off], i++) {
		v[i].k = p + off + 1;
		v[i].len = p[off];
	}
	qsort(v, count, sizeof(*v), kref_order);
	for (i = j = 0; i < count; i++)
		if (!j || kref_order(&v[j - 1], &v[i]) != 0)
			v[j++] = v[i];
	*out = v;
	*n = j;
	return 0;
}

static int get_u64(ct_reader *r, const char *name, uint64_t *out)
{
	MDB_val v;
	int err = ct__get(r, DB_NINDEX, name, 1, &v);

	*out = 0;
	if (err == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (v.mv_size != 8)
		return ct_error_set(CT_ECORRUPT, "network index record '%s' has %zu bytes", name, v.mv_size);
	*out = ct__get_u64(v.mv_data);
	return 0;
}

int ct__netindex_commit(ct_batch *b)
{
	struct kref *v = NULL;
	ct_buf rec = CT_BUF_INIT;
	uint8_t key[9], num[8], count[4];
	uint64_t seq;
	size_t n, i;
	int err;

	if (!b->ndirty.len || !b->l->has_nindex)
		return 0;
	if ((err = split_sorted(b->ndirty.ptr, b->ndirty.len, &v, &n)) < 0)
		goto done;
	count[0] = (uint8_t)(n >> 24);
	count[1] = (uint8_t)(n >> 16);
	count[2] = (uint8_t)(n >> 8);
	count[3] = (uint8_t)n;
	err = ct_buf_put(&rec, count, 4);
	for (i = 0; i < n && err == 0; i++) {
		uint8_t l = (uint8_t)v[i].len;
		if ((err = ct_buf_put(&rec, &l, 1)) == 0)
			err = ct_buf_put(&rec, v[i].k, v[i].len);
	}
	if (err < 0) {
		err = ct_error_set(CT_ENOMEM, "out of memory marking network index keys");
		goto done;
	}
	if ((err = get_u64(&b->rd, "S", &seq)) < 0)
		goto done;
	key[0] = 'D';
	ct__put_u64(key + 1, seq);
	ct__put_u64(num, seq + 1);
	if ((err = ct__put(b, DB_NINDEX, key, sizeof(key), rec.ptr, rec.len, 0)) < 0 ||
	    (err = ct__put(b, DB_NINDEX, "S", 1, num, sizeof(num), 0)) < 0)
		goto done;
done:
	if (err < 0)
		ct__batch_poison(b, err);
	b->ndirty.len = 0;
	free(v);
	ct_buf_free(&rec);
	return err;
}

/* ---- lists ----------------------------------------------------------------- */

struct rows_to_hashes {
	ct_hash_fn cb;
	void *ctx;
	bool any;
};

static int row_hash(void *ctx, const ct_index_row *row)
{
	struct rows_to_hashes *c = ctx;

	c->any = true;
	return c->cb(c->ctx, row->hash);
}

int ct_netindex_fork(const uint8_t **a, size_t *a_len, const uint8_t **bb, size_t *b_len, ct_reader *r,
		     const uint8_t author[CT_KEY_BYTES])
{
	uint8_t key[CT__CPFORK_KEY_BYTES];
	MDB_val v;
	int err;

	if ((err = ct_read_fork(a, a_len, bb, b_len, r, author)) != CT_ENOTFOUND)
		return err;
	memcpy(key, CT__CPFORK_PREFIX, 6);
	memcpy(key + 6, author, CT_KEY_BYTES);
	if ((err = ct__get(r, DB_META, key, sizeof(key), &v)) < 0)
		return err;
	*a = *bb = NULL;
	*a_len = *b_len = 0;
	return 0;
}

/* The list of a fork key: the proof's two entries (canonical order), or a checkpoint fork's entry 1. */
static int fork_list(ct_reader *r, const uint8_t author[CT_KEY_BYTES], ct_hash_fn cb, void *ctx, bool *present)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	uint8_t ha[CT_HASH_BYTES], hb[CT_HASH_BYTES];
	ct_entry ea, eb, first;
	int err;

	*present = false;
	err = ct_netindex_fork(&a, &alen, &b, &blen, r, author);
	if (err == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	*present = true;
	if (!a) {
		err = ct_read_entry(&first, r, author, 1);
		if (err == CT_ENOTFOUND)
			return 0;
		if (err < 0)
			return err;
		ct_entry_hash(ha, first.raw, first.raw_len);
		return cb(ctx, ha);
	}
	if (ct_entry_decode(&ea, a, alen) < 0 || ct_entry_decode(&eb, b, blen) < 0)
		return ct_error_set(CT_ECORRUPT, "stored fork proof does not decode");
	ct_entry_hash(ha, a, alen);
	ct_entry_hash(hb, b, blen);
	/* stores from before proofs were kept in canonical form: order them here */
	if (eb.seq < ea.seq || (eb.seq == ea.seq && memcmp(hb, ha, CT_HASH_BYTES) < 0)) {
		if ((err = cb(ctx, hb)) < 0)
			return err;
		return cb(ctx, ha);
	}
	if ((err = cb(ctx, ha)) < 0)
		return err;
	return cb(ctx, hb);
}

int ct_netindex_list(bool *present, ct_reader *r, const uint8_t *key, size_t len, ct_hash_fn cb, void *ctx)
{
	struct rows_to_hashes c = {cb, ctx, false};
	bool dummy;
	int err;

	if (!present)
		present = &dummy;
	*present = false;
	if (!ct_netkey_valid(key, len))
		return ct_error_set(CT_EINVAL, "not a network index key (%zu bytes)", len);
	switch (key[0]) {
	case CT_NK_INSTRUMENT:
	case CT_NK_STANDARD:
		err = ct_read_subject_rows(r, (char)key[0], (const char *)key + 1, len - 2, 0, row_hash, &c);
		break;
	case CT_NK_PERSON:
		err = ct_read_person_rows(r, (const char *)key + 1, len - 2, row_hash, &c);
		break;
	case CT_NK_CATALOGUE:
		err = ct_read_catalogue_rows(r, (const char *)key + 1, len - 2, row_hash, &c);
		break;
	case CT_NK_REVOKED:
		err = ct_read_revocations(r, key + 1, row_hash, &c);
		break;
	default:
		if (key[len - 1] == CT_NETKEY_FORK_SFX)
			return fork_list(r, key + 1, cb, ctx, present);
		err = ct_read_org_rows(r, key + 1, row_hash, &c);
		break;
	}
	*present = c.any;
	return err;
}

/* The list hash of a key as the store holds it; *present false when it has none. */
struct vh_acc {
	ct_buf hashes;
};

static int acc_hash(void *ctx, const uint8_t hash[CT_HASH_BYTES])
{
	struct vh_acc *a = ctx;

	return ct_buf_put(&a->hashes, hash, CT_HASH_BYTES) < 0
		   ? ct_error_set(CT_ENOMEM, "out of memory reading a network index list")
		   : 0;
}

int ct__netindex_vh(ct_reader *r, const uint8_t *key, size_t len, uint8_t vh[CT_HASH_BYTES], bool *present)
{
	struct vh_acc a = {CT_BUF_INIT};
	int err;

	if ((err = ct_netindex_list(present, r, key, len, acc_hash, &a)) == 0)
		ct_netindex_list_hash(vh, (const uint8_t(*)[CT_HASH_BYTES])a.hashes.ptr, a.hashes.len / CT_HASH_BYTES);
	ct_buf_free(&a.hashes);
	return err;
}

/* ---- stored records -------------------------------------------------------- */

int ct__nk_root_get(ct_reader *r, struct ct__nk_root *out)
{
	MDB_val v;
	const uint8_t *p;
	int err;

	memset(out, 0, sizeof(*out));
	if (!r->l->has_nindex)
		return ct_error_set(CT_ESTATE, "this store has no network index yet (open it for writing once)");
	if ((err = ct__get(r, DB_NINDEX, "R", 1, &v)) < 0)
		return err == CT_ENOTFOUND ? ct_error_set(CT_ESTATE, "the network index was never built") : err;
	p = v.mv_data;
	if (v.mv_size != 1 + 2 + CT_HASH_BYTES + 8 || p[0] > CT__NK_NODE)
		return ct_error_set(CT_ECORRUPT, "network index root record has %zu bytes", v.mv_size);
	out->kind = p[0];
	out->d = (unsigned)p[1] << 8 | p[2];
	memcpy(out->hash, p + 3, CT_HASH_BYTES);
	out->keys = ct__get_u64(p + 3 + CT_HASH_BYTES);
	return 0;
}

static int root_put(ct_batch *b, const struct ct__nk_root *root)
{
	uint8_t v[1 + 2 + CT_HASH_BYTES + 8];

	v[0] = root->kind;
	v[1] = (uint8_t)(root->d >> 8);
	v[2] = (uint8_t)root->d;
	memcpy(v + 3, root->hash, CT_HASH_BYTES);
	ct__put_u64(v + 3 + CT_HASH_BYTES, root->keys);
	return ct__put(b, DB_NINDEX, "R", 1, v, sizeof(v), 0);
}

size_t ct__nk_node_key(uint8_t out[CT__NK_NODEKEY_MAX], const uint8_t *rep, size_t rlen, unsigned d)
{
	size_t bytes = (d + 7) / 8, i;

	out[0] = 'N';
	for (i = 0; i < bytes; i++)
		out[1 + i] = i < rlen ? rep[i] : 0;
	if (d % 8)
		out[bytes] &= (uint8_t)(0xff << (8 - d % 8));
	out[1 + bytes] = (uint8_t)(d >> 8);
	out[2 + bytes] = (uint8_t)d;
	return 3 + bytes;
}

int ct__nk_node_get(ct_reader *r, const uint8_t *rep, size_t rlen, unsigned d, struct ct__nk_node *out)
{
	uint8_t key[CT__NK_NODEKEY_MAX];
	const uint8_t *p;
	MDB_val v;
	int err;

	if ((err = ct__get(r, DB_NINDEX, key, ct__nk_node_key(key, rep, rlen, d), &v)) < 0)
		return err == CT_ENOTFOUND ? ct_error_set(CT_ECORRUPT, "a network index node is missing (bit %u)", d)
					   : err;
	if (v.mv_size != 4 + 2 * CT_HASH_BYTES)
		return ct_error_set(CT_ECORRUPT, "network index node of %zu bytes", v.mv_size);
	p = v.mv_data;
	out->dc[0] = (unsigned)p[0] << 8 | p[1];
	out->dc[1] = (unsigned)p[2] << 8 | p[3];
	memcpy(out->h[0], p + 4, CT_HASH_BYTES);
	memcpy(out->h[1], p + 4 + CT_HASH_BYTES, CT_HASH_BYTES);
	return 0;
}

static int node_put(ct_batch *b, const uint8_t *rep, size_t rlen, unsigned d, const struct ct__nk_node *n)
{
	uint8_t key[CT__NK_NODEKEY_MAX], v[4 + 2 * CT_HASH_BYTES];

	v[0] = (uint8_t)(n->dc[0] >> 8);
	v[1] = (uint8_t)n->dc[0];
	v[2] = (uint8_t)(n->dc[1] >> 8);
	v[3] = (uint8_t)n->dc[1];
	memcpy(v + 4, n->h[0], CT_HASH_BYTES);
	memcpy(v + 4 + CT_HASH_BYTES, n->h[1], CT_HASH_BYTES);
	return ct__put(b, DB_NINDEX, key, ct__nk_node_key(key, rep, rlen, d), v, sizeof(v), 0);
}

int ct__nk_first_leaf(MDB_cursor *cur, const uint8_t *rep, size_t rlen, size_t bits, uint8_t out[CT_NETKEY_MAX],
		      size_t *out_len)
{
	uint8_t seek[1 + CT_NETKEY_MAX + 1];
	size_t bytes = (bits + 7) / 8, i;
	MDB_val k, v;
	int rc;

	seek[0] = 'L';
	for (i = 0; i < bytes; i++)
		seek[1 + i] = i < rlen ? rep[i] : 0;
	if (bits % 8)
		seek[bytes] &= (uint8_t)(0xff << (8 - bits % 8));
	k.mv_size = 1 + bytes;
	k.mv_data = seek;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size < 2 || ((uint8_t *)k.mv_data)[0] != 'L')))
		return ct_error_set(CT_ECORRUPT, "the network index lacks a leaf under a node");
	if (rc)
		return ct__mdb_error(rc, "network index");
	*out_len = k.mv_size - 1;
	if (*out_len > CT_NETKEY_MAX || ct__nk_diff((uint8_t *)k.mv_data + 1, *out_len, rep, rlen) < bits)
		return ct_error_set(CT_ECORRUPT, "the network index lacks a leaf under a node");
	memcpy(out, (uint8_t *)k.mv_data + 1, *out_len);
	return 0;
}

/* ---- folding keys in ---------------------------------------------------- */

/* One dirty key and its new leaf hash. */
struct dkey {
	const uint8_t *k;
	size_t len;
	uint8_t vh[CT_HASH_BYTES];
	uint8_t lh[CT_HASH_BYTES];
};

struct upd {
	ct_batch *b;
	MDB_cursor *leaves; /* 'L' records as they were before this pass */
	struct dkey *v;
	size_t n;
	uint64_t added;
};

/* A subtree of the stored trie: a leaf (its key) or a node at bit d (rep: any key below it). */
struct sub {
	bool leaf;
	unsigned d;
	uint8_t rep[CT_NETKEY_MAX];
	size_t rlen;
	uint8_t hash[CT_HASH_BYTES];
};

/* What a pass made of a subtree: its bit (CT__NK_LEAF for a leaf) and hash. */
struct res {
	unsigned d;
	uint8_t hash[CT_HASH_BYTES];
};

/* The first index in [lo, hi) whose key has bit d set (keys sorted, sharing bits < d). */
static size_t split_at(const struct upd *u, size_t lo, size_t hi, size_t d)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ct__nk_bit(u->v[mid].k, u->v[mid].len, d))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* A trie over new keys only. */
static int build(struct upd *u, size_t lo, size_t hi, struct res *out)
{
	struct ct__nk_node node;
	struct res r0, r1;
	size_t d, mid;
	int err;

	if (hi - lo == 1) {
		out->d = CT__NK_LEAF;
		memcpy(out->hash, u->v[lo].lh, CT_HASH_BYTES);
		u->added++;
		return 0;
	}
	d = ct__nk_diff(u->v[lo].k, u->v[lo].len, u->v[hi - 1].k, u->v[hi - 1].len);
	if (d >= CT__NK_LEAF)
		return ct_error_set(CT_EINVAL, "network index keys are not prefix-free");
	mid = split_at(u, lo, hi, d);
	if ((err = build(u, lo, mid, &r0)) < 0 || (err = build(u, mid, hi, &r1)) < 0)
		return err;
	node.dc[0] = r0.d;
	node.dc[1] = r1.d;
	memcpy(node.h[0], r0.hash, CT_HASH_BYTES);
	memcpy(node.h[1], r1.hash, CT_HASH_BYTES);
	out->d = (unsigned)d;
	ct_netindex_node_hash(out->hash, (unsigned)d, r0.hash, r1.hash);
	return node_put(u->b, u->v[lo].k, u->v[lo].len, (unsigned)d, &node);
}

static int merge(struct upd *u, const struct sub *s, size_t lo, size_t hi, struct res *out);

/* Keys [lo, hi) diverge from s before its bit: a new node at the first such bit, s on one side. */
static int split_off(struct upd *u, const struct sub *s, size_t lo, size_t hi, size_t m, struct res *out)
{
	unsigned side = ct__nk_bit(s->rep, s->rlen, m);
	struct ct__nk_node node;
	struct res rs, ro;
	size_t mid = split_at(u, lo, hi, m), slo, shi, olo, ohi;
	int err;

	slo = side ? mid : lo;
	shi = side ? hi : mid;
	olo = side ? lo : mid;
	ohi = side ? mid : hi;
	if (slo < shi) {
		if ((err = merge(u, s, slo, shi, &rs)) < 0)
			return err;
	} else {
		rs.d = s->leaf ? CT__NK_LEAF : s->d;
		memcpy(rs.hash, s->hash, CT_HASH_BYTES);
	}
	if ((err = build(u, olo, ohi, &ro)) < 0)
		return err;
	node.dc[side] = rs.d;
	node.dc[!side] = ro.d;
	memcpy(node.h[side], rs.hash, CT_HASH_BYTES);
	memcpy(node.h[!side], ro.hash, CT_HASH_BYTES);
	out->d = (unsigned)m;
	ct_netindex_node_hash(out->hash, (unsigned)m, node.h[0], node.h[1]);
	return node_put(u->b, s->rep, s->rlen, (unsigned)m, &node);
}

/* Merges keys [lo, hi) (sorted; new ones or ones s holds) into the stored subtree s. */
static int merge(struct upd *u, const struct sub *s, size_t lo, size_t hi, struct res *out)
{
	size_t crit = s->leaf ? CT__NK_LEAF : s->d, m, m2, mid;
	struct ct__nk_node node;
	int err;

	m = ct__nk_diff(u->v[lo].k, u->v[lo].len, s->rep, s->rlen);
	m2 = ct__nk_diff(u->v[hi - 1].k, u->v[hi - 1].len, s->rep, s->rlen);
	if (m2 < m)
		m = m2;
	if (m < crit)
		return split_off(u, s, lo, hi, m, out);
	if (s->leaf) { /* the one key this leaf holds, again */
		out->d = CT__NK_LEAF;
		memcpy(out->hash, u->v[lo].lh, CT_HASH_BYTES);
		return 0;
	}
	if ((err = ct__nk_node_get(&u->b->rd, s->rep, s->rlen, s->d, &node)) < 0)
		return err;
	mid = split_at(u, lo, hi, s->d);
	for (unsigned side = 0; side < 2; side++) {
		size_t clo = side ? mid : lo, chi = side ? hi : mid;
		struct sub *c;
		struct res r;

		if (clo == chi)
			continue;
		if (!(c = malloc(sizeof(*c))))
			return ct_error_set(CT_ENOMEM, "out of memory updating the network index");
		/* a key of the child as stored: the first leaf with the child's prefix */
		memcpy(c->rep, s->rep, s->rlen);
		c->rlen = s->rlen;
		if (side)
			c->rep[s->d / 8] |= (uint8_t)(0x80 >> (s->d % 8));
		else
			c->rep[s->d / 8] &= (uint8_t) ~(0x80 >> (s->d % 8));
		err = ct__nk_first_leaf(u->leaves, c->rep, c->rlen, s->d + 1, c->rep, &c->rlen);
		c->leaf = node.dc[side] == CT__NK_LEAF;
		c->d = node.dc[side];
		memcpy(c->hash, node.h[side], CT_HASH_BYTES);
		if (err == 0)
			err = merge(u, c, clo, chi, &r);
		free(c);
		if (err < 0)
			return err;
		node.dc[side] = r.d;
		memcpy(node.h[side], r.hash, CT_HASH_BYTES);
	}
	out->d = s->d;
	ct_netindex_node_hash(out->hash, s->d, node.h[0], node.h[1]);
	return node_put(u->b, s->rep, s->rlen, s->d, &node);
}

/* Folds v[0..n) (sorted, distinct, list hashes computed) into the trie and writes their leaves. */
static int fold(ct_batch *b, struct dkey *v, size_t n)
{
	struct upd u = {b, NULL, v, n, 0};
	struct ct__nk_root root;
	struct sub *s = NULL;
	struct res r;
	size_t i;
	int rc, err;

	if ((err = ct__nk_root_get(&b->rd, &root)) < 0)
		return err;
	if ((rc = mdb_cursor_open(b->rd.txn, b->l->dbi[DB_NINDEX], &u.leaves)) != 0)
		return ct__mdb_error(rc, "network index");
	if (root.kind == CT__NK_EMPTY) {
		err = build(&u, 0, n, &r);
	} else if (!(s = calloc(1, sizeof(*s)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory updating the network index");
	} else {
		s->leaf = root.kind == CT__NK_LEAFROOT;
		s->d = root.d;
		memcpy(s->hash, root.hash, CT_HASH_BYTES);
		if ((err = ct__nk_first_leaf(u.leaves, (const uint8_t *)"", 0, 0, s->rep, &s->rlen)) == 0)
			err = merge(&u, s, 0, n, &r);
	}
	mdb_cursor_close(u.leaves);
	free(s);
	if (err < 0)
		return err;
	root.kind = r.d == CT__NK_LEAF ? CT__NK_LEAFROOT : CT__NK_NODE;
	root.d = r.d == CT__NK_LEAF ? 0 : r.d;
	memcpy(root.hash, r.hash, CT_HASH_BYTES);
	root.keys += u.added;
	if ((err = root_put(b, &root)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		uint8_t key[1 + CT_NETKEY_MAX];
		key[0] = 'L';
		memcpy(key + 1, v[i].k, v[i].len);
		if ((err = ct__put(b, DB_NINDEX, key, 1 + v[i].len, v[i].vh, CT_HASH_BYTES, 0)) < 0)
			return err;
	}
	return 0;
}

/* Folds the sorted distinct keys refs[0..n) in, CHUNK_KEYS at a time. */
static int fold_all(ct_batch *b, const struct kref *refs, size_t n)
{
	struct dkey *v = NULL;
	size_t at, i, m;
	bool present;
	int err = 0;

	if (n && !(v = malloc((n < CHUNK_KEYS ? n : CHUNK_KEYS) * sizeof(*v))))
		return ct_error_set(CT_ENOMEM, "out of memory updating the network index");
	for (at = 0; at < n && err == 0; at += m) {
		m = n - at < CHUNK_KEYS ? n - at : CHUNK_KEYS;
		for (i = 0; i < m && err == 0; i++) {
			v[i].k = refs[at + i].k;
			v[i].len = refs[at + i].len;
			if ((err = ct__netindex_vh(&b->rd, v[i].k, v[i].len, v[i].vh, &present)) == 0 && !present)
				err = ct_error_set(CT_ECORRUPT, "a network index key marked dirty has no rows");
			ct_netindex_leaf_hash(v[i].lh, v[i].k, v[i].len, v[i].vh);
		}
		if (err == 0)
			err = fold(b, v, m);
	}
	free(v);
	return err;
}

/* Every key of the store, packed (len(1) key ...), in any order. */
static int all_keys(ct_reader *r, ct_buf *out)
{
	static const enum ct_db dbs[] = {DB_SUBJECTS, DB_ORGS, DB_PERSONS, DB_CATALOGUE, DB_REVOKES, DB_FORKS, DB_META};
	uint8_t nk[CT_NETKEY_MAX];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t i, len;
	int rc, err = 0;

	for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]) && err == 0; i++) {
		if ((rc = mdb_cursor_open(r->txn, r->l->dbi[dbs[i]], &cur)) != 0)
			return ct__mdb_error(rc, "network index");
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && err == 0;
		     rc = mdb_cursor_get(cur, &k, &v, dbs[i] == DB_FORKS || dbs[i] == DB_META ? MDB_NEXT : MDB_NEXT_NODUP)) {
			const uint8_t *p = k.mv_data;
			len = 0;
			switch (dbs[i]) {
			case DB_SUBJECTS:
				len = k.mv_size >= 2 ? ct_netkey_id(nk, (char)p[0], (const char *)p + 1, k.mv_size - 1) : 0;
				break;
			case DB_ORGS:
				len = k.mv_size == CT_KEY_BYTES ? ct_netkey_org(nk, p) : 0;
				break;
			case DB_PERSONS:
				len = ct_netkey_id(nk, CT_NK_PERSON, (const char *)p, k.mv_size);
				break;
			case DB_CATALOGUE:
				len = ct_netkey_id(nk, CT_NK_CATALOGUE, (const char *)p, k.mv_size);
				break;
			case DB_REVOKES:
				len = k.mv_size == CT_HASH_BYTES ? ct_netkey_revoked(nk, p) : 0;
				break;
			case DB_FORKS:
				len = k.mv_size == CT_KEY_BYTES ? ct_netkey_fork(nk, p) : 0;
				break;
			default: /* checkpoint forks in DB_META */
				if (k.mv_size == CT__CPFORK_KEY_BYTES && !memcmp(p, CT__CPFORK_PREFIX, 6))
					len = ct_netkey_fork(nk, p + 6);
				break;
			}
			if (len) {
				uint8_t l = (uint8_t)len;
				if (ct_buf_put(out, &l, 1) < 0 || ct_buf_put(out, nk, len) < 0)
					err = ct_error_set(CT_ENOMEM, "out of memory rebuilding the network index");
			}
		}
		mdb_cursor_close(cur);
		if (err == 0 && rc != MDB_NOTFOUND && rc != 0)
			err = ct__mdb_error(rc, "network index");
	}
	return err;
}

static int drop_logs(ct_batch *b)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {1, "D"}, v;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(b->rd.txn, b->l->dbi[DB_NINDEX], &cur)) != 0)
		return ct__mdb_error(rc, "network index");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) {
		if (k.mv_size != 9 || ((uint8_t *)k.mv_data)[0] != 'D')
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		k.mv_size = 1;
		k.mv_data = "D";
	}
	if (rc && rc != MDB_NOTFOUND)
		err = ct__batch_poison(b, ct__mdb_error(rc, "network index"));
	mdb_cursor_close(cur);
	return err;
}

static int check_writable(ct_batch *b)
{
	if (b->poisoned)
		return b->poisoned;
	if (!b->l->has_nindex)
		return ct_error_set(CT_ESTATE, "this store has no network index (opened read-only)");
	return 0;
}

int ct_netindex_rebuild(ct_batch *b)
{
	struct ct__nk_root empty = {CT__NK_EMPTY, 0, {0}, 0};
	ct_buf keys = CT_BUF_INIT;
	struct kref *refs = NULL;
	size_t n;
	int rc, err;

	if ((err = check_writable(b)) < 0)
		return err;
	/* the dirty marks of this very batch are covered by the rebuild */
	b->ndirty.len = 0;
	if ((rc = mdb_drop(b->rd.txn, b->l->dbi[DB_NINDEX], 0)) != 0)
		return b->poisoned = ct__mdb_error(rc, "network index");
	ct_netindex_empty_root(empty.hash);
	if ((err = root_put(b, &empty)) < 0 || (err = all_keys(&b->rd, &keys)) < 0 ||
	    (err = split_sorted(keys.ptr, keys.len, &refs, &n)) < 0)
		goto done;
	err = fold_all(b, refs, n);
done:
	if (err < 0)
		ct__batch_poison(b, err);
	free(refs);
	ct_buf_free(&keys);
	return err;
}

/* The dirty keys of every log record, packed, into out. */
static int read_logs(ct_reader *r, ct_buf *out, uint64_t *count)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {1, "D"}, v;
	int rc, err = 0;

	*count = 0;
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_NINDEX], &cur)) != 0)
		return ct__mdb_error(rc, "network index");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;
		if (k.mv_size != 9 || ((uint8_t *)k.mv_data)[0] != 'D')
			break;
		if (v.mv_size < 4) {
			err = ct_error_set(CT_ECORRUPT, "network index log record of %zu bytes", v.mv_size);
			break;
		}
		*count += (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
		if (out && ct_buf_put(out, p + 4, v.mv_size - 4) < 0) {
			err = ct_error_set(CT_ENOMEM, "out of memory reading network index logs");
			break;
		}
	}
	if (err == 0 && rc && rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, "network index");
	mdb_cursor_close(cur);
	return err;
}

int ct_netindex_pending(uint64_t *out, ct_reader *r)
{
	*out = 0;
	if (!r->l->has_nindex)
		return 0;
	return read_logs(r, NULL, out);
}

int ct_netindex_update(ct_batch *b)
{
	struct ct__nk_root root;
	ct_buf keys = CT_BUF_INIT;
	struct kref *refs = NULL;
	uint64_t count;
	size_t n;
	int err;

	if ((err = check_writable(b)) < 0)
		return err;
	err = ct__nk_root_get(&b->rd, &root);
	if (err == CT_ESTATE)
		return ct_netindex_rebuild(b);
	if (err < 0)
		return err;
	/* this batch's own marks first: they are in memory until it commits */
	if (b->ndirty.len && (err = ct_buf_put(&keys, b->ndirty.ptr, b->ndirty.len)) < 0) {
		err = ct_error_set(CT_ENOMEM, "out of memory updating the network index");
		goto done;
	}
	b->ndirty.len = 0;
	if ((err = read_logs(&b->rd, &keys, &count)) < 0 || (err = split_sorted(keys.ptr, keys.len, &refs, &n)) < 0)
		goto done;
	if ((err = fold_all(b, refs, n)) < 0)
		goto done;
	err = drop_logs(b);
done:
	if (err < 0)
		ct__batch_poison(b, err);
	free(refs);
	ct_buf_free(&keys);
	return err;
}

int ct_netindex_root_get(ct_netindex_root *out, ct_reader *r)
{
	struct ct__nk_root root;
	crypto_hash_sha256_state st;
	MDB_cursor *cur = NULL;
	uint8_t seek[2] = {'L', CT_NK_AUTHOR};
	MDB_val k = {2, seek}, v;
	uint64_t pending;
	int rc, err;

	memset(out, 0, sizeof(*out));
	if ((err = ct__nk_root_get(r, &root)) < 0 || (err = read_logs(r, NULL, &pending)) < 0)
		return err;
	if (pending)
		return ct_error_set(CT_ESTATE, "%llu network index keys are waiting to be folded in",
				    (unsigned long long)pending);
	memcpy(out->hash, root.hash, CT_HASH_BYTES);
	out->keys = root.keys;
	/* the fork keys: 'L' 'a' key(32) 'f' */
	crypto_hash_sha256_init(&st);
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_NINDEX], &cur)) != 0)
		return ct__mdb_error(rc, "network index");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data;
		uint8_t lh[CT_HASH_BYTES];
		if (k.mv_size < 2 || p[0] != 'L' || p[1] != CT_NK_AUTHOR)
			break;
		if (k.mv_size != 3 + CT_KEY_BYTES || v.mv_size != CT_HASH_BYTES || p[k.mv_size - 1] != CT_NETKEY_FORK_SFX)
			continue;
		ct_netindex_leaf_hash(lh, p + 1, k.mv_size - 1, v.mv_data);
		crypto_hash_sha256_update(&st, lh, CT_HASH_BYTES);
		out->nforks++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "network index");
	crypto_hash_sha256_final(&st, out->forks);
	return 0;
}
