/* Internal layout of the LMDB store, shared by store*.c, ingest.c, index.c. */
#ifndef CT_STORE_INTERNAL_H
#define CT_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>

#include "caltrace/ledger/event.h"
#include "caltrace/ledger/index.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/base/error.h"
#include "caltrace/base/hmap.h"

/*
 * The store's format, in DB_META "format" (u32). What changed, and the
 * migration from each older format, is in core/ledger/migrate.c.
 */
#define CT_STORE_FORMAT CT_LEDGER_FORMAT

/* Named databases. Keys and values, big-endian integers throughout. */
enum ct_db {
	DB_META,     /* "format" -> u32; "network" -> hash; "bureau" -> key; "pending" -> u64;
		       "entries" -> u64, "entry_bytes" -> u64 (format 2 on); the feeds' numbers of
		       the feed form (format 4 on; pack.c): "fk" author -> u32, "fi" u32 -> author,
		       "fn" -> the next u32 */
	DB_ENTRIES,  /* "log": number(8) -> encoded entry, or it compressed (format 4 on; pack.c).
			Numbers count 1, 2, 3, ... in the order entries were stored, so every write
			appends (full pages; format 3 on) */
	DB_HASHES,   /* hash(32) -> number(8): the hash index, less its recent part */
	DB_HRECENT,  /* "hrecent": hash(32) -> number(8), the entries stored since the last merge into
			DB_HASHES (hashidx.c) */
	DB_POS,      /* "pos": author(32) block(8) -> POS_SLOTS slots of number(8) leaf(32), the
			entries seq = block * POS_SLOTS + 1 ... ; number 0: no entry (pos.c) */
	DB_HEADS,    /* author(32) -> size(8) head(32) flags(1) */
	DB_TREE,     /* author(32) level(1) index(8) -> hash(32), levels >= TREE_FIRST_STORED only:
			the levels below are folded from the leaves of DB_POS (pos.c) */
	DB_FORKS,    /* author(32) -> u32 len_a, a, b */
	DB_PENDING,  /* author(32) seq(8) -> encoded entry (signature already checked) */
	DB_SUBJECTS, /* ns(1) id -> dup: kind(1) time(8) hash(32) */
	DB_USES,     /* standard id -> dup: time(8) hash(32)  calibrations that used it */
	DB_ORGS,     /* key(32) -> dup: kind(1) time(8) hash(32) */
	DB_PERSONS,  /* person id -> dup: kind(1)=0 time(8) hash(32) */
	DB_CATALOGUE,/* item -> dup: kind(1)=0 time(8) hash(32) */
	DB_REVOKES,  /* calibration hash(32) -> dup: kind(1)=0 time(8) hash(32) */
	DB_NINDEX,   /* the network index (netindex.c): 'L' key -> list hash; 'N' node -> children;
			'R' -> root; 'S' -> next log number; 'D' number(8) -> keys marked dirty */
	DB_SUMMARY,  /* the instrument summary (summary.c): derived, with its own version */
	DB__COUNT
};

#define HEAD_FORKED 1u
#define HEAD_VALUE_BYTES (8 + CT_HASH_BYTES + 1)
#define ROW_BYTES (1 + 8 + CT_HASH_BYTES)
#define FEEDKEY_BYTES (CT_KEY_BYTES + 8)
/*
 * A block of DB_POS: 96 slots of 40 bytes, 3,840 bytes, always whole, so
 * that LMDB keeps it on one overflow page of its own (filled to 94 % on
 * 4 KiB pages) and rewrites that page in place once it is dirty in a
 * write transaction. 96 is a multiple of 32: every perfect subtree of up
 * to 32 leaves lies in one block.
 */
#define POS_SLOTS	  96
#define POS_SLOT_BYTES	  (8 + CT_HASH_BYTES)
#define POS_BLOCK_BYTES	  (POS_SLOTS * POS_SLOT_BYTES)
#define TREE_FIRST_STORED 4 /* tree levels 1..3 are folded from <= 8 leaves when read */

struct ct_ledger {
	MDB_env *env;
	MDB_dbi dbi[DB__COUNT];
	uint64_t pending_max;
	uint64_t hash_merge_at; /* DB_HRECENT rows that make a commit merge a slice into DB_HASHES */
	uint8_t merge_slice;    /* the slice (top 3 bits of a hash) the next merge moves (hashidx.c) */
	bool read_only;
	bool pinned;                         /* network id fixed by the config */
	uint8_t network[CT_HASH_BYTES];
	char *dir;
	bool has_nindex; /* false: a store opened read-only from before the network index */
	unsigned migrated_from; /* the format this open migrated from, 0 if none */
	/* The map (store_map.c): it grows only while no transaction of this process is open. */
	pthread_mutex_t lock;
	pthread_cond_t swapped; /* signalled when a live compaction (compact.c) put its copy in place */
	bool swapping;     /* a live compaction waits for, then replaces, the environment: no new transaction */
	bool no_sync;      /* opened with ct_ledger_opts.no_sync (a reopen keeps it) */
	int lock_fd;       /* lock.mdb, opened by the first live compaction and kept open until close: closing
			      any descriptor of it would drop the locks LMDB holds on it for this process */
	unsigned active;   /* transactions open in this process */
	bool map_grows;    /* grow the map before it fills */
	bool full_seen;    /* a write met MDB_MAP_FULL: grow at the next batch */
	size_t map_max;    /* never grow past this */
	unsigned grown;    /* times this process grew the map */
};

struct ct_reader {
	ct_ledger *l;
	MDB_txn *txn;
	bool owned; /* ended by ct_reader_end (not a batch's) */
	struct ct_batch *batch; /* the batch this reader reads through, NULL for a plain reader */
	void **kept; /* entries unpacked for this reader (pack.c): freed at its end or rewind */
	size_t nkept, capkept;
	bool feed_known; /* the last feed number looked up (pack.c), and its author */
	uint32_t feed;
	uint8_t feed_author[CT_KEY_BYTES];
	/* the network's id and bureau once read (store_read.c): written once, by the genesis, never changed */
	bool net_known;
	uint8_t net_id[CT_HASH_BYTES], net_bureau[CT_KEY_BYTES];
};

struct ct_batch {
	ct_ledger *l;
	struct ct_reader rd; /* reads through the write txn */
	int poisoned;        /* first write error, 0 if none */
	char poison_why[256]; /* ... and its detail, which later reads in the dead txn would overwrite */
	ct_buf ndirty;       /* network index keys this batch touched: u8 len || key, repeated */
	uint64_t added_entries, added_bytes; /* stored by this batch: the counters in DB_META */
	uint64_t next_number; /* the number of the next entry stored, 0 until looked up (pos.c) */
	ct_hmap words;        /* the instrument summary's words looked up or added in this batch (summary.c) */
	bool summary_complete; /* the summary was found complete in this batch (summary.c) */
	ct_buf pack;          /* the entry being stored, compressed (pack.c) */
	ct_hmap feeds;        /* feed numbers looked up or given in this batch: author -> number + 1 (pack.c) */
	ct_buf hpend;         /* hashes stored by this batch, not yet in DB_HRECENT: hash(32) number(8), in
				 the order stored (hashidx.c) */
};

static inline void ct__put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static inline uint64_t ct__get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void ct__feed_key(uint8_t out[FEEDKEY_BYTES], const uint8_t author[CT_KEY_BYTES], uint64_t seq)
{
	memcpy(out, author, CT_KEY_BYTES);
	ct__put_u64(out + CT_KEY_BYTES, seq);
}

/* Maps an LMDB return code to a CT error with a detail naming what. */
int ct__mdb_error(int rc, const char *what);

/* Raw get/put in the batch's txn; errors poison the batch. */
int ct__get(ct_reader *r, enum ct_db db, const void *key, size_t klen, MDB_val *val);
int ct__put(ct_batch *b, enum ct_db db, const void *key, size_t klen, const void *val, size_t vlen,
	    unsigned flags);
int ct__del(ct_batch *b, enum ct_db db, const void *key, size_t klen, const void *val, size_t vlen);

/*
 * Bracket every transaction of this process (store_map.c): the map may be
 * resized only while none is open. ct__txn_begin begins one (adopting a
 * map another process grew: MDB_MAP_RESIZED); ct__txn_end ends the count.
 */
int ct__txn_begin(ct_ledger *l, unsigned flags, MDB_txn **out);
void ct__txn_end(ct_ledger *l);

/*
 * Opening (store.c), also used to open the store again after a live
 * compaction (compact.c): creates l->env and opens it on dir; opens the
 * named databases into l->dbi (migrating when asked and allowed).
 */
int ct__env_open(ct_ledger *l, const char *dir, const ct_ledger_opts *opts);
int ct__open_dbs(ct_ledger *l, bool migrate);

/* Records err as the batch's first write error (with its detail), unless one is; returns the first. */
int ct__batch_poison(ct_batch *b, int err);

/* Grows the map when it is 80% used or a write met MDB_MAP_FULL, if nothing is open (store_map.c). */
void ct__map_maybe_grow(ct_ledger *l);

/*
 * Writes dir/data.mdb (dir exists, holds no store): the store as src reads
 * it, every database's records appended in key order, so every page is
 * full (compact.c); then reads it back and compares it with what was
 * copied. The caller keeps src. Used by ct_ledger_compact and by backups.
 */
int ct__store_copy_full(ct_ledger *l, MDB_txn *src, const char *dir, uint64_t *records);

/*
 * Records dir/data.mdb's size as the size right after a compaction
 * (dir/compacted, compact.c): by compactions, and by a restore, whose
 * store is a backup's full-page copy. Best effort.
 */
void ct__record_compacted(const char *dir, uint64_t bytes);

/* Holds the map still (no resize) while the caller touches its pages directly. */
void ct__map_hold(ct_ledger *l);
void ct__map_release(ct_ledger *l);

/*
 * Checks the store's format in an open write (or read) transaction and,
 * when older and migrate is true, migrates it in txn (migrate.c).
 * *from receives the format found. Errors: CT_ESTATE (older and not
 * migrating, or newer), CT_ECORRUPT, CT_EIO.
 */
int ct__format_check(ct_ledger *l, MDB_txn *txn, bool migrate, unsigned *from);

/* Counts the entries in dbi (DB_ENTRIES) and their bytes: one walk (migrate.c). */
int ct__count_entries(MDB_txn *txn, MDB_dbi dbi, uint64_t *entries, uint64_t *bytes);

/*
 * Entries by number and by feed position (pos.c). ct__pos_get gives the
 * number and leaf hash of the author's entry seq, CT_ENOTFOUND when none
 * is stored; ct__entry_get the encoded entry of a number (valid for the
 * transaction, as every LMDB read); ct__entry_at both in one.
 * ct__entry_add appends an encoded entry under the next number and puts
 * its slot in DB_POS.
 */
int ct__pos_get(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq, uint64_t *number,
		uint8_t leaf[CT_HASH_BYTES]);
int ct__entry_get(ct_reader *r, uint64_t number, MDB_val *v);
int ct__entry_at(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq, MDB_val *v);
int ct__entry_add(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint64_t seq, const uint8_t *raw,
		  size_t len, const uint8_t *pre, size_t pre_len, const uint8_t leaf[CT_HASH_BYTES], uint64_t *number);

/*
 * Stored entries, compressed (pack.c). ct__entry_pack gives the value to
 * store for an entry: compressed in b's buffer (valid until the next
 * call), or the entry itself when that is no larger; pre (pre_len bytes,
 * 0 for none) is its frame made ahead by ct_entry_pack, used when the
 * store allows the feed form with prev left out. ct__entry_packed
 * tells a frame from an entry; ct__entry_unpacked_size gives the entry's
 * size; ct__entry_unpack_into decompresses a frame into dst, exactly len
 * bytes; ct__entry_own points v at r's own unpacked copy when v is a frame
 * (valid until r ends or rewinds past it). ct__reader_release frees r's
 * copies. Errors: CT_ECORRUPT (a damaged frame, another dictionary),
 * CT_ENOMEM.
 */
bool ct__entry_packed(const MDB_val *v);
int ct__entry_pack(ct_batch *b, const uint8_t *raw, size_t len, const uint8_t *pre, size_t pre_len,
		   MDB_val *out);
int ct__entry_unpacked_size(const MDB_val *v, size_t *len);
int ct__entry_unpack_into(ct_reader *r, uint8_t *dst, size_t len, const MDB_val *v);
int ct__entry_own(ct_reader *r, MDB_val *v);
void ct__reader_release(ct_reader *r);

/*
 * The hash index (hashidx.c): ct__hash_put files a new entry's hash in
 * DB_HRECENT; ct__hash_get finds a hash's number in either part
 * (CT_ENOTFOUND when neither has it); ct__hash_merge moves an eighth of
 * DB_HRECENT into DB_HASHES when it holds l->hash_merge_at rows or more
 * (called by ct_batch_commit; errors poison the batch).
 */
int ct__hash_put(ct_batch *b, const uint8_t hash[CT_HASH_BYTES], uint64_t number);
int ct__hash_get(ct_reader *r, const uint8_t hash[CT_HASH_BYTES], uint64_t *number);
/*
 * Files the hashes ct__hash_put kept back (in b->hpend) into DB_HRECENT, in
 * key order. ct_batch_commit calls it, and so does any read by hash through
 * the batch's reader (ct__hash_get, ct_hash_batch) first. Errors poison b.
 */
int ct__hash_flush(ct_batch *b);
int ct__hash_merge(ct_batch *b);

/* Head of a feed: size 0 and no hash when absent. */
int ct__head_get(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t *size,
		 uint8_t head[CT_HASH_BYTES], unsigned *flags);
int ct__head_put(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint64_t size,
		 const uint8_t head[CT_HASH_BYTES], unsigned flags);

/* Merkle tree of a feed in DB_TREE: the get/put callbacks' context. */
struct ct__tree_ctx {
	ct_reader *r;
	ct_batch *b; /* NULL when reading */
	const uint8_t *author;
};
int ct__tree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[CT_HASH_BYTES]);
int ct__tree_put(void *ctx, unsigned level, uint64_t index, const uint8_t hash[CT_HASH_BYTES]);

/* Writes the domain index rows of a stored entry (index.c). */
int ct__index_entry(ct_batch *b, const ct_prepared *p);

/*
 * The network index (netindex.c): a domain row was written under key of db
 * (or a fork record of author changed): its network index key is dirty.
 * Kept in the batch, written as one record when it commits
 * (ct__netindex_commit). Errors: CT_ENOMEM (the batch is poisoned).
 */
int ct__netindex_touch_row(ct_batch *b, enum ct_db db, const void *key, size_t klen);
int ct__netindex_touch_fork(ct_batch *b, const uint8_t author[CT_KEY_BYTES]);
int ct__netindex_commit(ct_batch *b);

/*
 * Keeps the fork proof (x, y) of their author (forks.c): both entries
 * checked by the caller. The proof is kept in canonical form (the same seq:
 * the smaller hash first), and of two proofs of one author the smaller
 * (lower seq, then hashes) stays, so that nodes that heard of different
 * proofs end with the same one. Marks the feed forked.
 * Returns 0 (stored) or CT_EEXISTS (a proof as small is held); errors of
 * the store.
 */
int ct__fork_put(ct_batch *b, const ct_entry *x, const ct_entry *y);

/* DB_META prefix of checkpoint fork records (replica.c): "cpfork" author(32). */
#define CT__CPFORK_PREFIX "cpfork"
#define CT__CPFORK_KEY_BYTES (6 + CT_KEY_BYTES)

/* Whether author is the bureau or admitted by a stored org.admit. */
int ct__is_admitted(ct_reader *r, const uint8_t author[CT_KEY_BYTES], bool *out);

#endif
