/*
 * Writing entries: ingest of foreign entries (verify, continuity, forks,
 * pending area) and appends to the node's own feed.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/mp.h"
#include "store_internal.h"

/* "9c1d0a2b…#12" for messages. */
struct entry_name {
	char s[40];
};

static struct entry_name name_of(const uint8_t author[CT_KEY_BYTES], uint64_t seq)
{
	struct entry_name n;
	char k[CT_KEY_SHORT_LEN + 1];

	ct_key_short(k, author);
	snprintf(n.s, sizeof(n.s), "%s…#%llu", k, (unsigned long long)seq);
	return n;
}

int ct__is_admitted(ct_reader *r, const uint8_t author[CT_KEY_BYTES], bool *out)
{
	MDB_cursor *cur = NULL;
	uint8_t bureau[CT_KEY_BYTES];
	MDB_val k = {CT_KEY_BYTES, (void *)author}, v;
	int rc, err;

	*out = false;
	err = ct_read_network(NULL, bureau, r);
	if (err == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return err;
	if (memcmp(bureau, author, CT_KEY_BYTES) == 0) {
		*out = true;
		return 0;
	}
	if ((rc = mdb_cursor_open(r->txn, r->l->dbi[DB_ORGS], &cur)) != 0)
		return ct__mdb_error(rc, "orgs");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST_DUP);
	/*
	 * Rows sort by kind: an admission ('A'), or else a rekey that made this
	 * key a lab's new key ('B'), comes first when there is one.
	 */
	if (rc == 0 && v.mv_size == ROW_BYTES &&
	    (((uint8_t *)v.mv_data)[0] == CT_ROW_ADMIT || ((uint8_t *)v.mv_data)[0] == CT_ROW_REKEY_IN))
		*out = true;
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return ct__mdb_error(rc, "orgs");
	return 0;
}

int ct_read_admitted(bool *out, ct_reader *r, const uint8_t key[CT_KEY_BYTES])
{
	return ct__is_admitted(r, key, out);
}

int ct_entry_prepare(ct_prepared *p, const uint8_t *raw, size_t len, unsigned flags)
{
	const ct_entry *e = &p->e;
	int err;

	p->pack = NULL;
	p->pack_len = 0;
	if ((err = ct_entry_decode(&p->e, raw, len)) < 0)
		return err;
	p->type = ct_event_type_of(e->type, e->type_len);
	if (p->type == CT_EV_UNKNOWN)
		return ct_error_set(CT_ESCHEMA, "entry %s: unknown event type '%.*s'", name_of(e->author, e->seq).s,
				 (int)e->type_len, e->type);
	/* ct_event_keys_of checks the body against its schema as it reads it (ct_event_check's walk) */
	if ((err = ct_event_keys_of(&p->keys, p->type, e->body, e->body_len)) < 0)
		return ct_error_wrap(err, "entry %s", name_of(e->author, e->seq).s);
	/* Only a signature that does not verify is CT_EBADSIG: out of memory stays CT_ENOMEM (found by
	 * tests/unit/test_alloc_fail.c; a peer's valid entry must not be refused as forged). */
	if (!(flags & CT_INGEST_SIG_CHECKED) && (err = ct_entry_verify(e)) < 0)
		return err == CT_EBADSIG ? ct_error_set(CT_EBADSIG, "entry %s: signature does not verify",
							name_of(e->author, e->seq).s)
					 : err;
	ct_entry_hash(p->hash, e->raw, e->raw_len);
	return 0;
}

/* Rules that need only the bureau's identity. */
static int check_authority(const ct_entry *e, ct_event_type t, const uint8_t bureau[CT_KEY_BYTES])
{
	bool is_bureau = memcmp(e->author, bureau, CT_KEY_BYTES) == 0;

	if (t == CT_EV_NETWORK_GENESIS && !(is_bureau && e->seq == 1))
		return ct_error_set(CT_EAUTH, "entry %s: network.genesis is only the bureau's first entry",
				 name_of(e->author, e->seq).s);
	if (is_bureau && e->seq == 1 && t != CT_EV_NETWORK_GENESIS)
		return ct_error_set(CT_EAUTH, "entry %s: the bureau's first entry must be network.genesis",
				 name_of(e->author, e->seq).s);
	if (ct_event_bureau_only(t) && !is_bureau)
		return ct_error_set(CT_EAUTH, "entry %s: only the bureau may write %s", name_of(e->author, e->seq).s,
				 ct_event_type_name(t));
	return 0;
}

/* Keeps the proof (the smaller of it and one held: forks.c). */
static int record_fork(ct_batch *b, const ct_entry *stored, const ct_entry *e)
{
	int err = ct__fork_put(b, stored, e);

	return err == CT_EEXISTS ? 0 : err;
}

/*
 * Compares e with what the feed holds. Sets *verdict to APPENDED when e
 * continues the feed, DUPLICATE or FORK otherwise; fails on a gap or a
 * frozen feed.
 */
static int check_continuity(ct_batch *b, const ct_entry *e, const uint8_t hash[CT_HASH_BYTES],
			    ct_ingest_result *verdict)
{
	uint8_t head[CT_HASH_BYTES], leaf[CT_HASH_BYTES];
	uint64_t size, number;
	unsigned flags;
	int err;

	if ((err = ct__head_get(&b->rd, e->author, &size, head, &flags)) < 0)
		return err;
	if (e->seq <= size) {
		/*
		 * The entry held at that position has the same hash (its Merkle
		 * leaf), or it is a fork: no need to read it back (a node meets
		 * every entry once from each peer that has it).
		 */
		if ((err = ct__pos_get(&b->rd, e->author, e->seq, &number, leaf)) < 0)
			return err == CT_ENOTFOUND ? ct_error_set(CT_ECORRUPT, "entry %s: the feed's head says it is held, "
											  "its position does not",
								  name_of(e->author, e->seq).s)
						   : err;
		*verdict = memcmp(leaf, hash, CT_HASH_BYTES) == 0 ? CT_INGEST_DUPLICATE : CT_INGEST_FORK;
		return 0;
	}
	if (flags & HEAD_FORKED)
		return ct_error_set(CT_EFROZEN, "entry %s: feed is forked and frozen", name_of(e->author, e->seq).s);
	if (e->seq > size + 1)
		return ct_error_set(CT_ESEQ, "entry %s: seq gap, the feed has entries 1..%llu",
				 name_of(e->author, e->seq).s, (unsigned long long)size);
	if (e->seq > 1 && memcmp(e->prev, head, CT_HASH_BYTES) != 0) {
		*verdict = CT_INGEST_FORK;
		return 0;
	}
	*verdict = CT_INGEST_APPENDED;
	return 0;
}

/* Records the fork between e and the stored entry it contradicts. */
static int handle_fork(ct_batch *b, const ct_entry *e)
{
	uint8_t *copy = NULL;
	ct_entry stored, mine;
	uint64_t seq = e->seq;
	uint64_t size;
	int err;

	if ((err = ct__head_get(&b->rd, e->author, &size, NULL, NULL)) < 0)
		return err;
	if (seq > size)
		seq = size; /* prev mismatch: the proof is our entry seq-1 and e */
	if ((err = ct_read_entry(&stored, &b->rd, e->author, seq)) < 0)
		return err;
	/* Copy: LMDB pages read in a write txn may be reused by our own writes. */
	if (!(copy = malloc(stored.raw_len)))
		return ct_error_set(CT_ENOMEM, "out of memory recording a fork");
	memcpy(copy, stored.raw, stored.raw_len);
	if ((err = ct_entry_decode(&mine, copy, stored.raw_len)) == 0)
		err = record_fork(b, &mine, e);
	free(copy);
	return err;
}

/*
 * Writes an entry that passed every check: at the head of its feed, or,
 * when sparse, alone (no tree node, no head).
 */
static int store_entry(ct_batch *b, const ct_prepared *p, bool sparse)
{
	const ct_entry *e = &p->e;
	const uint8_t *hash = p->hash;
	struct ct__tree_ctx tree = {&b->rd, b, e->author};
	uint8_t leaf[CT_HASH_BYTES];
	uint64_t number;
	bool have;
	int err;

	/* Stored before, alone (a proof bundle's entry), and now reached by its feed: kept as it is. */
	err = ct__pos_get(&b->rd, e->author, e->seq, &number, leaf);
	if (err < 0 && err != CT_ENOTFOUND)
		return err;
	have = err == 0;
	if (have && memcmp(leaf, hash, CT_HASH_BYTES) != 0)
		return ct_error_set(CT_EFORK, "entry %s: two different entries at this seq",
				    name_of(e->author, e->seq).s);
	if (!have) {
		/* The entry hash is the RFC 6962 leaf hash of the encoded entry. */
		if ((err = ct__entry_add(b, e->author, e->seq, e->raw, e->raw_len, p->pack, p->pack_len, hash,
					 &number)) < 0)
			return err;
		if ((err = ct__hash_put(b, hash, number)) < 0)
			return err;
		b->added_entries++;
		b->added_bytes += e->raw_len;
	}
	memcpy(leaf, hash, CT_HASH_BYTES);
	if (!sparse && (err = ct_merkle_append(e->seq - 1, leaf, ct__tree_get, ct__tree_put, &tree)) < 0)
		return err;
	if (!sparse && (err = ct__head_put(b, e->author, e->seq, hash, 0)) < 0)
		return err;
	if (have)
		return 0; /* its indexes were written when it was stored */
	if (p->type == CT_EV_NETWORK_GENESIS) {
		if ((err = ct__put(b, DB_META, "network", 7, hash, CT_HASH_BYTES, 0)) < 0)
			return err;
		if ((err = ct__put(b, DB_META, "bureau", 6, e->author, CT_KEY_BYTES, 0)) < 0)
			return err;
	}
	return ct__index_entry(b, p);
}

static int park(ct_batch *b, const ct_entry *e)
{
	uint8_t key[FEEDKEY_BYTES];
	uint64_t count;
	int err;

	if ((err = ct_read_pending_count(&count, &b->rd)) < 0)
		return err;
	if (count >= b->l->pending_max)
		return ct_error_set(CT_EFULL, "entry %s: author not admitted and the pending area is full (%llu)",
				 name_of(e->author, e->seq).s, (unsigned long long)count);
	ct__feed_key(key, e->author, e->seq);
	/*
	 * The first entry parked at (author, seq) stays, as in a feed. A
	 * different second one is dropped here; should both ever reach the
	 * feed, the fork is detected and proven then.
	 */
	err = ct__put(b, DB_PENDING, key, sizeof(key), e->raw, e->raw_len, MDB_NOOVERWRITE);
	return err == CT_EEXISTS ? 0 : err;
}

static int release_pending(ct_batch *b, const uint8_t author[CT_KEY_BYTES]);
static int release_all_pending(ct_batch *b);

/*
 * A proof bundle's entries: each checked alone and against the bureau,
 * stored with its indexes, without the rest of its feed.
 */
static int ingest_sparse(ct_batch *b, const ct_prepared *p, bool known, const uint8_t bureau[CT_KEY_BYTES],
			 ct_ingest_result *result)
{
	const ct_entry *e = &p->e;
	MDB_val v;
	int err;

	if (!known && !(p->type == CT_EV_NETWORK_GENESIS && e->seq == 1))
		return ct_error_set(CT_ESTATE, "entry %s: the genesis must come first", name_of(e->author, e->seq).s);
	if (known && (err = check_authority(e, p->type, bureau)) < 0)
		return err;
	err = ct__entry_at(&b->rd, e->author, e->seq, &v);
	if (err == 0) {
		if (v.mv_size == e->raw_len && memcmp(v.mv_data, e->raw, e->raw_len) == 0) {
			*result = CT_INGEST_DUPLICATE;
			return 0;
		}
		return ct_error_set(CT_EFORK, "entry %s: two different entries at this seq",
				 name_of(e->author, e->seq).s);
	}
	if (err != CT_ENOTFOUND)
		return err;
	*result = CT_INGEST_APPENDED;
	return store_entry(b, p, true);
}

/* The checks against the store, and the write, of an entry that passed ct_entry_prepare. */
static int ingest_prepared(ct_batch *b, const ct_prepared *p, unsigned flags, ct_ingest_result *result)
{
	const ct_entry *e = &p->e;
	uint8_t bureau[CT_KEY_BYTES];
	ct_ingest_result verdict = CT_INGEST_PENDING;
	ct_event_type t = p->type;
	bool known, admitted;
	int err;

	err = ct_read_network(NULL, bureau, &b->rd);
	if (err < 0 && err != CT_ENOTFOUND)
		return err;
	known = err == 0;
	if (!known && t == CT_EV_NETWORK_GENESIS && b->l->pinned &&
	    memcmp(p->hash, b->l->network, CT_HASH_BYTES) != 0) {
		char want[2 * CT_HASH_BYTES + 1];

		ct_hex(want, b->l->network, CT_HASH_BYTES);
		return ct_error_set(CT_EAUTH, "entry %s: genesis of another network (this node joins %.16s…)",
				 name_of(e->author, e->seq).s, want);
	}
	if (flags & CT_INGEST_SPARSE)
		return ingest_sparse(b, p, known, bureau, result);
	if (!known && !(t == CT_EV_NETWORK_GENESIS && e->seq == 1)) {
		*result = CT_INGEST_PENDING;
		return park(b, e);
	}
	if (known && (err = check_authority(e, t, bureau)) < 0)
		return err;
	if (known && (err = ct__is_admitted(&b->rd, e->author, &admitted)) < 0)
		return err;
	if (known && !admitted) {
		*result = CT_INGEST_PENDING;
		return park(b, e);
	}
	if ((err = check_continuity(b, e, p->hash, &verdict)) < 0)
		return err;
	*result = verdict;
	if (verdict == CT_INGEST_DUPLICATE)
		return 0;
	if (verdict == CT_INGEST_FORK)
		return handle_fork(b, e);
	if ((err = store_entry(b, p, false)) < 0)
		return err;
	if (t == CT_EV_NETWORK_GENESIS)
		return release_all_pending(b);
	if (t == CT_EV_ORG_ADMIT)
		return release_pending(b, p->keys.key);
	if (t == CT_EV_ORG_REKEY)
		return release_pending(b, p->keys.key2);
	return 0;
}

int ct_batch_ingest_prepared(ct_batch *b, const ct_prepared *p, unsigned flags, ct_ingest_result *result)
{
	ct_ingest_result ignored;

	if (b->poisoned)
		return b->poisoned;
	return ingest_prepared(b, p, flags, result ? result : &ignored);
}

int ct_batch_ingest(ct_batch *b, const uint8_t *raw, size_t len, unsigned flags, ct_ingest_result *result)
{
	ct_prepared p;
	int err;

	if (b->poisoned)
		return b->poisoned;
	if ((err = ct_entry_prepare(&p, raw, len, flags)) < 0)
		return err;
	return ct_batch_ingest_prepared(b, &p, flags, result);
}

/*
 * Applies the pending entries of author that continue its feed, in order.
 * An entry that fails its checks now (it was parked before the bureau was
 * known) is dropped: it could never be applied.
 */
static int release_pending(ct_batch *b, const uint8_t author[CT_KEY_BYTES])
{
	uint8_t key[FEEDKEY_BYTES];
	ct_ingest_result res;
	uint64_t size;
	uint8_t *copy;
	ct_prepared p;
	MDB_val v;
	bool admitted;
	int err;

	if ((err = ct__is_admitted(&b->rd, author, &admitted)) < 0 || !admitted)
		return err;
	for (;;) {
		if ((err = ct__head_get(&b->rd, author, &size, NULL, NULL)) < 0)
			return err;
		ct__feed_key(key, author, size + 1);
		err = ct__get(&b->rd, DB_PENDING, key, sizeof(key), &v);
		if (err == CT_ENOTFOUND)
			break;
		if (err < 0)
			return err;
		if (!(copy = malloc(v.mv_size)))
			return ct_error_set(CT_ENOMEM, "out of memory applying pending entries");
		memcpy(copy, v.mv_data, v.mv_size);
		res = CT_INGEST_PENDING;
		if ((err = ct__del(b, DB_PENDING, key, sizeof(key), NULL, 0)) == 0 &&
		    ct_entry_prepare(&p, copy, v.mv_size, CT_INGEST_SIG_CHECKED) == 0) {
			res = CT_INGEST_APPENDED;
			err = ingest_prepared(b, &p, 0, &res);
		}
		free(copy);
		if (b->poisoned)
			return b->poisoned;
		/* An entry invalid now is dropped: the feed stops before it. */
		if (err < 0 || res != CT_INGEST_APPENDED)
			break;
	}
	return 0;
}

/* After the genesis: applies every parked feed whose author is now admitted. */
static int release_all_pending(ct_batch *b)
{
	uint8_t author[CT_KEY_BYTES], last[CT_KEY_BYTES];
	MDB_cursor *cur = NULL;
	bool have_last = false;
	MDB_val k, v;
	int rc, err;

	if ((err = ct_read_network(NULL, author, &b->rd)) < 0)
		return err;
	if ((err = release_pending(b, author)) < 0) /* the bureau's own, which admit the others */
		return err;
	for (;;) {
		if ((rc = mdb_cursor_open(b->rd.txn, b->l->dbi[DB_PENDING], &cur)) != 0)
			return ct__mdb_error(rc, "pending");
		if (have_last) {
			uint8_t seek[FEEDKEY_BYTES];
			ct__feed_key(seek, last, UINT64_MAX);
			k.mv_size = sizeof(seek);
			k.mv_data = seek;
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		} else {
			rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		}
		if (rc == 0)
			memcpy(author, k.mv_data, CT_KEY_BYTES);
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc)
			return ct__mdb_error(rc, "pending");
		if ((err = release_pending(b, author)) < 0)
			return err;
		memcpy(last, author, CT_KEY_BYTES);
		have_last = true;
	}
}
