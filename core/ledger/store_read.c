/* Reads of the store: network, entries, heads, trees, proofs, digest. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

int ct__head_get(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t *size,
		 uint8_t head[CT_HASH_BYTES], unsigned *flags)
{
	MDB_val v;
	int err = ct__get(r, DB_HEADS, author, CT_KEY_BYTES, &v);

	*size = 0;
	if (flags)
		*flags = 0;
	if (err == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (v.mv_size != HEAD_VALUE_BYTES)
		return ct_error_set(CT_ECORRUPT, "feed head record has %zu bytes", v.mv_size);
	*size = ct__get_u64(v.mv_data);
	if (head)
		memcpy(head, (uint8_t *)v.mv_data + 8, CT_HASH_BYTES);
	if (flags)
		*flags = ((uint8_t *)v.mv_data)[8 + CT_HASH_BYTES];
	return 0;
}

int ct__head_put(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint64_t size,
		 const uint8_t head[CT_HASH_BYTES], unsigned flags)
{
	uint8_t v[HEAD_VALUE_BYTES];

	ct__put_u64(v, size);
	if (head)
		memcpy(v + 8, head, CT_HASH_BYTES);
	else
		memset(v + 8, 0, CT_HASH_BYTES);
	v[8 + CT_HASH_BYTES] = (uint8_t)flags;
	return ct__put(b, DB_HEADS, author, CT_KEY_BYTES, v, sizeof(v), 0);
}

int ct_read_network(uint8_t id[CT_HASH_BYTES], uint8_t bureau[CT_KEY_BYTES], ct_reader *r)
{
	MDB_val v;
	int err;

	/* every ingested entry asks (its authority rules): the two records are read once per reader */
	if (!r->net_known) {
		if ((err = ct__get(r, DB_META, "network", 7, &v)) < 0)
			return err == CT_ENOTFOUND ? ct_error_set(err, "no genesis in this store yet") : err;
		if (v.mv_size != CT_HASH_BYTES)
			return ct_error_set(CT_ECORRUPT, "network id record has %zu bytes", v.mv_size);
		memcpy(r->net_id, v.mv_data, CT_HASH_BYTES);
		if ((err = ct__get(r, DB_META, "bureau", 6, &v)) < 0 || v.mv_size != CT_KEY_BYTES)
			return ct_error_set(CT_ECORRUPT, "network id stored without the bureau's key");
		memcpy(r->net_bureau, v.mv_data, CT_KEY_BYTES);
		r->net_known = true;
	}
	if (id)
		memcpy(id, r->net_id, CT_HASH_BYTES);
	if (bureau)
		memcpy(bureau, r->net_bureau, CT_KEY_BYTES);
	return 0;
}

int ct_read_entry(ct_entry *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq)
{
	char name[CT_KEY_SHORT_LEN + 1];
	MDB_val v;
	int err;

	ct_key_short(name, author);
	if ((err = ct__entry_at(r, author, seq, &v)) < 0)
		return err == CT_ENOTFOUND ? ct_error_set(err, "no entry %s…#%llu", name, (unsigned long long)seq)
					   : err;
	if ((err = ct_entry_decode(out, v.mv_data, v.mv_size)) < 0)
		return ct_error_wrap(CT_ECORRUPT, "stored entry %s…#%llu", name, (unsigned long long)seq);
	return 0;
}

int ct_read_entry_by_hash(ct_entry *out, ct_reader *r, const uint8_t hash[CT_HASH_BYTES])
{
	char hex[2 * CT_HASH_BYTES + 1];
	const uint8_t *raw;
	size_t len;
	int err;

	if ((err = ct_read_raw_by_hash(&raw, &len, r, hash)) < 0) {
		ct_hex(hex, hash, CT_HASH_BYTES);
		return err == CT_ENOTFOUND ? ct_error_set(err, "no entry with hash %s", hex) : err;
	}
	if ((err = ct_entry_decode(out, raw, len)) < 0) {
		ct_hex(hex, hash, CT_HASH_BYTES);
		return ct_error_wrap(CT_ECORRUPT, "stored entry %s", hex);
	}
	return 0;
}

int ct_read_raw_by_hash(const uint8_t **raw, size_t *len, ct_reader *r, const uint8_t hash[CT_HASH_BYTES])
{
	uint64_t number = 0;
	MDB_val v;
	int err;

	if ((err = ct__hash_get(r, hash, &number)) < 0 || (err = ct__entry_get(r, number, &v)) < 0)
		return err;
	*raw = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int ct_read_all_revocations(ct_reader *r, ct_revocation_fn cb, void *ctx)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_REVOKES], &cur)) != 0)
		return ct__mdb_error(rc, "revokes");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && err == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CT_HASH_BYTES || v.mv_size != ROW_BYTES) {
			err = ct_error_set(CT_ECORRUPT, "malformed revocation row");
			break;
		}
		err = cb(ctx, k.mv_data, (const uint8_t *)v.mv_data + 9);
	}
	if (err == 0 && rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, "revokes");
	mdb_cursor_close(cur);
	return err;
}

ct_ledger *ct_reader_ledger(ct_reader *r)
{
	return r->l;
}

uint64_t ct_reader_snapshot(const ct_reader *r)
{
	return mdb_txn_id(r->txn);
}

bool ct_reader_in_batch(const ct_reader *r)
{
	return !r->owned;
}

static int fill_head(ct_reader *r, ct_feed_head *h, const uint8_t *author, const MDB_val *v)
{
	int err;

	if (v->mv_size != HEAD_VALUE_BYTES)
		return ct_error_set(CT_ECORRUPT, "feed head record has %zu bytes", v->mv_size);
	memcpy(h->author, author, CT_KEY_BYTES);
	h->size = ct__get_u64(v->mv_data);
	memcpy(h->head, (uint8_t *)v->mv_data + 8, CT_HASH_BYTES);
	h->forked = ((uint8_t *)v->mv_data)[8 + CT_HASH_BYTES] & HEAD_FORKED;
	if ((err = ct__is_admitted(r, author, &h->admitted)) < 0)
		return err;
	return 0;
}

int ct_read_head(ct_feed_head *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES])
{
	char name[CT_KEY_SHORT_LEN + 1];
	MDB_val v;
	int err;

	if ((err = ct__get(r, DB_HEADS, author, CT_KEY_BYTES, &v)) < 0) {
		ct_key_short(name, author);
		return err == CT_ENOTFOUND ? ct_error_set(err, "no feed %s… in this store", name) : err;
	}
	return fill_head(r, out, author, &v);
}

int ct_read_heads(ct_feed_head **out, size_t *count, ct_reader *r)
{
	MDB_cursor *cur = NULL;
	ct_feed_head *heads = NULL, *grown;
	size_t n = 0, cap = 0;
	MDB_val k, v;
	int rc, err = 0;

	*out = NULL;
	*count = 0;
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_HEADS], &cur)) != 0)
		return ct__mdb_error(rc, "heads");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CT_KEY_BYTES) {
			err = ct_error_set(CT_ECORRUPT, "feed head key has %zu bytes", k.mv_size);
			goto done;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(grown = realloc(heads, cap * sizeof(*heads)))) {
				err = ct_error_set(CT_ENOMEM, "out of memory listing feeds");
				goto done;
			}
			heads = grown;
		}
		if ((err = fill_head(r, &heads[n], k.mv_data, &v)) < 0)
			goto done;
		n++;
	}
	if (rc != MDB_NOTFOUND)
		err = ct__mdb_error(rc, "heads");
done:
	mdb_cursor_close(cur);
	if (err < 0) {
		free(heads);
		return err;
	}
	*out = heads;
	*count = n;
	return 0;
}

int ct_read_pending_count(uint64_t *out, ct_reader *r)
{
	MDB_stat st;
	int rc = mdb_stat(r->txn, r->l->dbi[DB_PENDING], &st);

	if (rc)
		return ct__mdb_error(rc, "pending");
	*out = st.ms_entries;
	return 0;
}

int ct_read_fork(const uint8_t **a, size_t *a_len, const uint8_t **b, size_t *b_len, ct_reader *r,
		 const uint8_t author[CT_KEY_BYTES])
{
	const uint8_t *p;
	uint32_t alen;
	MDB_val v;
	int err;

	if ((err = ct__get(r, DB_FORKS, author, CT_KEY_BYTES, &v)) < 0)
		return err;
	p = v.mv_data;
	if (v.mv_size < 4)
		return ct_error_set(CT_ECORRUPT, "fork proof record too short");
	alen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (alen > v.mv_size - 4)
		return ct_error_set(CT_ECORRUPT, "fork proof record truncated");
	*a = p + 4;
	*a_len = alen;
	*b = p + 4 + alen;
	*b_len = v.mv_size - 4 - alen;
	return 0;
}

static int check_size(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t size)
{
	uint64_t have;
	char name[CT_KEY_SHORT_LEN + 1];
	int err;

	if ((err = ct__head_get(r, author, &have, NULL, NULL)) < 0)
		return err;
	if (size > have) {
		ct_key_short(name, author);
		return ct_error_set(CT_EINVAL, "feed %s… has %llu entries, not %llu", name,
				 (unsigned long long)have, (unsigned long long)size);
	}
	return 0;
}

int ct_read_root(uint8_t out[CT_HASH_BYTES], ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t size)
{
	struct ct__tree_ctx t = {r, NULL, author};
	int err;

	if ((err = check_size(r, author, size)) < 0)
		return err;
	return ct_merkle_root(out, size, ct__tree_get, &t);
}

int ct_read_inclusion_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, ct_reader *r,
			    const uint8_t author[CT_KEY_BYTES], uint64_t seq, uint64_t size)
{
	struct ct__tree_ctx t = {r, NULL, author};
	int err;

	if ((err = check_size(r, author, size)) < 0)
		return err;
	if (seq < 1 || seq > size)
		return ct_error_set(CT_EINVAL, "entry #%llu is not in a tree of size %llu", (unsigned long long)seq,
				 (unsigned long long)size);
	return ct_merkle_inclusion_proof(proof, count, seq - 1, size, ct__tree_get, &t);
}

int ct_read_consistency_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, ct_reader *r,
			      const uint8_t author[CT_KEY_BYTES], uint64_t old_size, uint64_t new_size)
{
	struct ct__tree_ctx t = {r, NULL, author};
	int err;

	if ((err = check_size(r, author, new_size)) < 0)
		return err;
	return ct_merkle_consistency_proof(proof, count, old_size, new_size, ct__tree_get, &t);
}

int ct_read_digest(uint8_t out[CT_HASH_BYTES], ct_reader *r)
{
	static const char context[] = "caltrace/digest/v1";
	crypto_hash_sha256_state st;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)context, sizeof(context)); /* with its NUL */
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_HEADS], &cur)) != 0)
		return ct__mdb_error(rc, "heads");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != CT_KEY_BYTES || v.mv_size != HEAD_VALUE_BYTES) {
			mdb_cursor_close(cur);
			return ct_error_set(CT_ECORRUPT, "malformed feed head record");
		}
		crypto_hash_sha256_update(&st, k.mv_data, CT_KEY_BYTES);
		crypto_hash_sha256_update(&st, v.mv_data, 8 + CT_HASH_BYTES);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "heads");
	crypto_hash_sha256_final(&st, out);
	return 0;
}

int ct_read_stats(uint64_t *entries, uint64_t *entry_bytes, ct_reader *r)
{
	static const char *const names[2] = {"entries", "entry_bytes"};
	uint64_t *const outs[2] = {entries, entry_bytes};
	MDB_val v;
	int err;

	for (int i = 0; i < 2; i++) {
		*outs[i] = 0;
		err = ct__get(r, DB_META, names[i], strlen(names[i]), &v);
		if (err == CT_ENOTFOUND)
			continue; /* nothing stored yet */
		if (err < 0)
			return err;
		if (v.mv_size != 8)
			return ct_error_set(CT_ECORRUPT, "the store's '%s' counter has %zu bytes", names[i], v.mv_size);
		*outs[i] = ct__get_u64(v.mv_data);
	}
	return 0;
}
