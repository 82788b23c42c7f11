/*
 * caltrace/ledger/ledger.h - the LMDB store of every feed a node holds.
 *
 * One LMDB environment per node home (docs/DESIGN.md section 9). Entries are
 * stored by (author, seq) and by hash; feed heads, Merkle tree nodes, fork
 * proofs, pending entries and the domain indexes live in named databases of
 * the same environment and are written in the same transaction as the
 * entries they derive from.
 *
 * Writes go through a batch (one LMDB write transaction); reads through a
 * reader (one read-only transaction, a consistent snapshot). Any number of
 * processes may read while one writes.
 */
#ifndef CALTRACE_LEDGER_H
#define CALTRACE_LEDGER_H

#include <stdbool.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/merkle.h"
#include "caltrace/base/types.h"

typedef struct ct_ledger ct_ledger;
typedef struct ct_batch ct_batch;
typedef struct ct_reader ct_reader;

/* The store format this library reads and writes (docs/OPERATIONS.md, "Upgrades"). */
#define CT_LEDGER_FORMAT 4

typedef struct ct_ledger_opts {
	size_t map_size;	/* LMDB map size in bytes; 0: 64 GiB (sparse, and it grows) */
	bool map_grows;		/* with map_size set: grow it too (a map_size of 0 always grows) */
	size_t map_max;		/* the largest the map may grow to; 0: 64 TiB */
	uint64_t pending_max;	/* entries the pending area may hold; 0: 100000 */
	bool read_only;		/* open for reading only */
	bool migrate;		/* migrate a store of an older format in place (not read_only) */
	const uint8_t *network; /* when not NULL, the network id (32 bytes) this store may join:
				   a genesis with another hash is refused (CT_EAUTH) */
	bool no_sync;		/* commits do not wait for the disk (a scratch store thrown away after) */
	bool no_netindex;	/* keep no network index (to measure what keeping it costs): ingest marks
				   no key dirty, ct_netindex_update refuses (CT_ESTATE); a store written
				   so needs ct_netindex_rebuild before its index is used again */
	uint64_t hash_merge_at; /* recent entry hashes a commit merges into the hash index's main part;
				   0: 65536 (tests and benchmarks set it; the layout does not depend on it) */
	/* Long work on open (building the instrument summary, caltrace/ledger/summary.h):
	   called with what is being done, done of total (total 0: unknown); may be NULL. */
	void (*progress)(void *ctx, const char *what, uint64_t done, uint64_t total);
	void *progress_ctx;
} ct_ledger_opts;

/*
 * Opens (creating if needed, unless read_only) the store in directory dir.
 * opts may be NULL for the defaults.
 *
 * The store carries its format. One of an older format is migrated in
 * place, in one write transaction (all of it or nothing), when
 * opts->migrate is set; ct_ledger_migrated_from then names the old format.
 * Otherwise it is refused, as is one of a newer format: it is never read.
 *
 * The map (the most the store may hold) starts at 64 GiB of address
 * space, not of disk (map_max when that is less; a store whose map another
 * process grew past map_max is brought down to it, or to its data's size),
 * and grows by doubling, up to map_max, when a write
 * batch begins with the map 80% used (or after a write met a full map)
 * and no transaction of this process is open. Another process's growth is
 * adopted when a transaction begins.
 *
 * Errors: CT_ENOTFOUND (read_only and no store), CT_EIO, CT_ECORRUPT
 * (not a caltrace store), CT_ESTATE (an older format and not migrating,
 * or a newer format: the detail says which and what to run), CT_ENOMEM.
 */
int ct_ledger_open(ct_ledger **out, const char *dir, const ct_ledger_opts *opts);

typedef struct ct_compact_opts {
	/* called with the database being copied, records done of total; may be NULL */
	void (*progress)(void *ctx, const char *what, uint64_t done, uint64_t total);
	void *progress_ctx;
} ct_compact_opts;

typedef struct ct_compact_info {
	uint64_t bytes_before, bytes_after; /* data.mdb's size */
	uint64_t records;		    /* records copied, every database's */
	unsigned databases;
	double held_ms; /* ct_ledger_compact_live: how long new transactions of the process waited */
} ct_compact_info;

/*
 * Rewrites the store in dir with each database's pages full and none free
 * (docs/OPERATIONS.md, "Compacting a home"): a copy beside it, every
 * record appended in key order, read back and compared with the original
 * (a BLAKE2b over every database's records), then put in its place with
 * rename(2). The records are the same bytes: nothing a query or a proof
 * reads changes. Needs the store alone: refused (CT_ESTATE, nothing
 * changed) while another process has it open, caltraced included; a
 * process opening it meanwhile waits, then opens the compacted store. Needs
 * free disk for the copy; whatever fails, the store is left as it was,
 * and the copy removed. opts and info may be NULL.
 * Errors: CT_ENOTFOUND, CT_ESTATE (another process has it open, or an
 * older format: `caltrace migrate` first), CT_EIO, CT_ENOSPACE,
 * CT_ECORRUPT, CT_ENOMEM.
 */
int ct_ledger_compact(const char *dir, const ct_compact_opts *opts, ct_compact_info *info);

/*
 * The same, by the process that has the store open as l and goes on using
 * it (caltraced compacts its own store when it is quiet: docs/OPERATIONS.md,
 * "Compacting a home"). Call it from the thread that writes, with no batch
 * open: the copy is made while this process's other threads go on reading;
 * then new transactions wait while the open ones end (at most 10 s), the
 * copy is put in place and l opened again on it, with the same handle.
 * Needs the store alone, as above: CT_ESTATE, nothing changed, while
 * another process has it open. When the store cannot be opened again after
 * the copy is in place (which the copy's read-back makes very unlikely), l
 * is unusable and CT_EIO says so: close it, open the store again.
 * Errors: as ct_ledger_compact, and CT_EINVAL (l is read-only).
 */
int ct_ledger_compact_live(ct_ledger *l, const ct_compact_opts *opts, ct_compact_info *info);

/*
 * data.mdb's size right after the store's last compaction (by either
 * function above, kept in the file "compacted" beside it), 0 when the
 * store was never compacted.
 */
uint64_t ct_ledger_compacted_bytes(const ct_ledger *l);

/*
 * ct_ledger_compact_live, and when another process has the store open,
 * asks it to step aside: dir/compact.want, which ct_ledger_step_aside in
 * that process sees. The caller tries again shortly (the other process
 * looks about once a second); ct_ledger_compact_unwant withdraws the
 * request when the caller gives up. The file is removed whenever this
 * call is not refused.
 */
int ct_ledger_compact_ask(ct_ledger *l, const ct_compact_opts *opts, ct_compact_info *info);
void ct_ledger_compact_unwant(ct_ledger *l);

/*
 * For a process that keeps the store open for long (caltrace serve): when a
 * compaction asked for it (a fresh dir/compact.want), waits for this
 * process's transactions to end (new ones wait meanwhile), closes the
 * environment until the request is gone (at most max_wait_ms), then opens
 * the store again in the same handle. Returns 1 when it stepped aside, 0
 * when not asked (or transactions stayed open: asked again later), CT_EIO
 * when the store could not be opened again (l is then unusable).
 */
int ct_ledger_step_aside(ct_ledger *l, unsigned max_wait_ms);

/* False after a live compaction could not open the store again (l is then unusable). */
bool ct_ledger_is_open(const ct_ledger *l);

/* The format the store had when this open migrated it, 0 when it did not. */
unsigned ct_ledger_migrated_from(const ct_ledger *l);

/*
 * The format of the store in dir, read without opening it for use (to
 * say what a backup or an upgrade holds). Errors: CT_ENOTFOUND,
 * CT_ECORRUPT (not a caltrace store), CT_EIO.
 */
int ct_ledger_read_format(const char *dir, unsigned *out);

typedef struct ct_map_info {
	uint64_t map_bytes;  /* the map's size: the most the store holds before it grows */
	uint64_t used_bytes; /* pages in use up to the highest one written (free ones inside included) */
	uint64_t file_bytes; /* size of data.mdb on disk */
	uint64_t max_bytes;  /* the largest the map may grow to (map_bytes when it does not grow) */
	unsigned grown;	     /* times this process grew the map */
	uint64_t readers;    /* reader slots ever used since the lock file was made, all processes */
} ct_map_info;

/* How full the store's map is; cheap (no transaction). Errors: CT_EIO. */
int ct_ledger_map_info(ct_ledger *l, ct_map_info *out);

/* Closes the store; accepts NULL. No batch or reader may be open. */
void ct_ledger_close(ct_ledger *l);

/* ---- writing ---------------------------------------------------------- */

/*
 * Starts a write batch. Only one may be open at a time per environment
 * (LMDB serialises writers, across processes too: this may block).
 * Errors: CT_EIO, CT_ENOSPACE.
 */
int ct_batch_begin(ct_batch **out, ct_ledger *l);

/*
 * Commits everything the batch wrote and frees it. After a write error in
 * the batch (CT_ENOSPACE, CT_EIO) the batch is poisoned: commit aborts it
 * and returns the first error. Errors: CT_ENOSPACE, CT_EIO.
 */
int ct_batch_commit(ct_batch *b);

/* Drops everything the batch wrote and frees it; accepts NULL. */
void ct_batch_abort(ct_batch *b);

/* What ct_batch_ingest did with an entry that is not an error. */
typedef enum ct_ingest_result {
	CT_INGEST_APPENDED = 0,	 /* stored at the head of its feed */
	CT_INGEST_DUPLICATE = 1, /* already stored, identical: nothing done */
	CT_INGEST_PENDING = 2,	 /* author not admitted (or no genesis yet): parked */
	CT_INGEST_FORK = 3,	 /* equivocation: proof recorded, feed frozen, entry not stored */
} ct_ingest_result;

#define CT_INGEST_SIG_CHECKED 1u /* flag: the caller already verified the signature */
/*
 * flag: store the entry alone, out of feed order (the entries of a proof
 * bundle): checked alone and against the bureau (the genesis must come
 * first, CT_ESTATE otherwise), indexed, but no feed head or tree is kept,
 * so such a store serves evaluation only. A different entry at a stored
 * (author, seq) is CT_EFORK.
 */
#define CT_INGEST_SPARSE 2u

/*
 * Verifies a foreign entry and stores it: canonical form, signature
 * (unless flags has CT_INGEST_SIG_CHECKED), body schema, authority
 * (bureau-only types), feed continuity (seq = head + 1, prev = head hash).
 * An entry of an author not yet admitted waits in the pending area and is
 * applied, with its successors, once the bureau's admission is stored. A
 * different entry at a stored (author, seq), or one whose prev contradicts
 * the stored entry before it, is a fork: the proof is kept, the feed frozen.
 * *result (may be NULL) says which of these happened.
 * Errors: CT_ENONCANON, CT_ETRUNC, CT_ETOOBIG, CT_EINVAL, CT_EBADSIG,
 * CT_ESCHEMA, CT_EAUTH, CT_ESEQ (gap), CT_EFROZEN (feed forked), CT_EFULL
 * (pending area full), CT_ENOSPACE, CT_EIO. Nothing is written for an
 * entry that fails.
 */
int ct_batch_ingest(ct_batch *b, const uint8_t *raw, size_t len, unsigned flags, ct_ingest_result *result);

/*
 * ct_batch_ingest in two steps, so that the first may run on other
 * threads than the writer's: ct_entry_prepare decodes raw and checks it
 * alone (canonical form, known type, body schema, and the signature unless
 * flags has CT_INGEST_SIG_CHECKED), and computes its hash and index keys;
 * it touches no store. ct_batch_ingest_prepared does the rest. p points
 * into raw, which must outlive it. Errors: those of ct_batch_ingest, each
 * from the step that checks it.
 */
typedef struct ct_prepared {
	ct_entry e;
	ct_event_type type;
	uint8_t hash[CT_HASH_BYTES];
	ct_event_keys keys;
	const uint8_t *pack; /* the entry compressed ahead (ct_entry_pack), NULL if not */
	size_t pack_len;
} ct_prepared;

__attribute__((warn_unused_result)) int ct_entry_prepare(ct_prepared *p, const uint8_t *raw, size_t len,
							 unsigned flags);

/*
 * Compresses p's entry as the store will keep it (docs/FORMAT.md, section
 * 14), so that the writer does not: on a checking thread, after
 * ct_entry_prepare. out (cap bytes, which must outlive p's ingest) takes
 * it; *used is the bytes taken, 0 when the entry would not shrink in cap
 * (then the writer compresses it). Errors: CT_ENOMEM.
 */
int ct_entry_pack(ct_prepared *p, uint8_t *out, size_t cap, size_t *used);
int ct_batch_ingest_prepared(ct_batch *b, const ct_prepared *p, unsigned flags, ct_ingest_result *result);

/*
 * Appends a new entry to kp's own feed: seq, prev and the signature are
 * filled in; time_ms is the author's clock. Besides every ingest rule, an
 * own append also checks relations against the store: only the bureau
 * writes bureau-only types; a lab must be admitted; a standard's
 * out-of-tolerance only by the lab that registered it; a calibration
 * revoke only by its author; each standard a calibration relies on must be
 * registered and its cal link must be a stored calibration or anchor of it.
 * hash_out (may be NULL) receives the new entry's hash, seq_out its seq.
 * Errors: those of ct_batch_ingest, CT_ESTATE (no genesis yet, or the feed
 * refuses appends because a peer reported it longer), CT_EFROZEN.
 */
int ct_batch_append(ct_batch *b, const ct_keypair *kp, uint64_t time_ms, const char *type,
		    const uint8_t *body, size_t body_len, uint8_t hash_out[CT_HASH_BYTES], uint64_t *seq_out);

/* ---- reading ----------------------------------------------------------- */

/* Starts a read snapshot. Errors: CT_EIO. */
int ct_reader_begin(ct_reader **out, ct_ledger *l);
/* Ends it; every pointer it handed out becomes invalid. Accepts NULL. */
void ct_reader_end(ct_reader *r);

/*
 * An entry read is valid until its reader ends; one stored compressed
 * (docs/FORMAT.md, "Stored entries") is a copy the reader keeps that long.
 * A loop that reads many entries and keeps none of them past a step
 * bounds that memory: m = ct_reader_mark(r) before the step,
 * ct_reader_rewind(r, m) after it, which frees the copies made since (and
 * invalidates every entry the step read).
 */
size_t ct_reader_mark(const ct_reader *r);
void ct_reader_rewind(ct_reader *r, size_t mark);

/* The reader of an open batch (sees the batch's own writes); owned by b. */
ct_reader *ct_batch_reader(ct_batch *b);

/* The ledger r reads (to open more readers of it). */
ct_ledger *ct_reader_ledger(ct_reader *r);

/*
 * The snapshot r sees, as a number: two readers with the same number see
 * the same committed state (LMDB's transaction id).
 */
uint64_t ct_reader_snapshot(const ct_reader *r);

/*
 * Whether key belongs to the network: the bureau's, or named by a stored
 * org.admit (a later org.revoke does not change it: revocation has an
 * effective time, for the evaluator to judge). *out is false before a
 * genesis. This is the set of keys whose feeds leave the pending area; a
 * witness cosignature also needs its key not replaced or declared
 * compromised by then (ct_witness_counts, caltrace/proof/witness.h).
 * Errors: CT_EIO, CT_ECORRUPT.
 */
int ct_read_admitted(bool *out, ct_reader *r, const uint8_t key[CT_KEY_BYTES]);

/* Whether r is a batch's reader: it sees the batch's uncommitted writes, which no other reader can. */
bool ct_reader_in_batch(const ct_reader *r);

/*
 * The network id (hash of the genesis entry) and the bureau's key.
 * Errors: CT_ENOTFOUND before a genesis is stored.
 */
int ct_read_network(uint8_t id[CT_HASH_BYTES], uint8_t bureau[CT_KEY_BYTES], ct_reader *r);

/*
 * Reads entry (author, seq) / the entry with this hash. out points into the
 * snapshot: valid until the reader ends. Errors: CT_ENOTFOUND, CT_ECORRUPT.
 */
int ct_read_entry(ct_entry *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t seq);
int ct_read_entry_by_hash(ct_entry *out, ct_reader *r, const uint8_t hash[CT_HASH_BYTES]);

/*
 * The stored bytes of the entry with this hash, in the snapshot: valid until
 * the reader ends. Errors: CT_ENOTFOUND (no such hash), CT_ECORRUPT (the hash
 * index names an entry the store lacks).
 */
int ct_read_raw_by_hash(const uint8_t **raw, size_t *len, ct_reader *r, const uint8_t hash[CT_HASH_BYTES]);

/*
 * Every calibration.revoke in the store: cb(ctx, the revoked calibration's
 * hash, the revoking entry's hash), in revoked-hash order. A non-zero return
 * of cb stops the walk and is returned. Errors: CT_ECORRUPT, CT_EIO.
 */
typedef int (*ct_revocation_fn)(void *ctx, const uint8_t cal[CT_HASH_BYTES], const uint8_t by[CT_HASH_BYTES]);
int ct_read_all_revocations(ct_reader *r, ct_revocation_fn cb, void *ctx);

/*
 * Batched reads by hash, for scans that know ahead which entries they will
 * read: add the hashes, run once (each index is then walked in key order,
 * which keeps LMDB's cursors on the pages they are on), then find each.
 * A batch is reused after ct_hash_batch_clear; one thread at a time.
 *
 * ct_hash_batch_new: Errors: CT_ENOMEM. ct_hash_batch_free accepts NULL.
 * ct_hash_batch_add: Errors: CT_ENOMEM.
 * ct_hash_batch_run: looks every added hash up in r. Errors: CT_ETOOBIG
 *   (over 2^32 hashes), CT_ENOMEM, CT_EIO, CT_ECORRUPT.
 * ct_hash_batch_find: true and the entry's bytes (valid until r ends and
 *   until the batch is cleared or freed) of a hash that was added and found
 *   by the last run; false for a hash not
 *   added (read it the plain way); true with *raw NULL for one added and
 *   not found.
 */
typedef struct ct_hash_batch ct_hash_batch;
int ct_hash_batch_new(ct_hash_batch **out);
void ct_hash_batch_free(ct_hash_batch *b);
void ct_hash_batch_clear(ct_hash_batch *b);
int ct_hash_batch_add(ct_hash_batch *b, const uint8_t hash[CT_HASH_BYTES]);
int ct_hash_batch_run(ct_hash_batch *b, ct_reader *r);
bool ct_hash_batch_find(const ct_hash_batch *b, const uint8_t hash[CT_HASH_BYTES], const uint8_t **raw,
			size_t *len);

typedef struct ct_feed_head {
	uint8_t author[CT_KEY_BYTES];
	uint64_t size;		     /* entries stored: the seq of the last one */
	uint8_t head[CT_HASH_BYTES]; /* hash of the last entry */
	bool forked;		     /* a fork proof is recorded; frozen */
	bool admitted;		     /* bureau, or admitted by an org.admit */
} ct_feed_head;

/* The head of one feed. Errors: CT_ENOTFOUND. */
int ct_read_head(ct_feed_head *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES]);

/* Every feed's head, sorted by author; *out is malloc'd (free()). */
int ct_read_heads(ct_feed_head **out, size_t *count, ct_reader *r);

/*
 * How many entries the store holds and their encoded bytes (pending ones
 * not counted), from counters kept with every write.
 */
int ct_read_stats(uint64_t *entries, uint64_t *entry_bytes, ct_reader *r);

/* Number of entries waiting in the pending area. */
int ct_read_pending_count(uint64_t *out, ct_reader *r);

/*
 * The fork proof of a feed: the two conflicting encoded entries (pointers
 * into the snapshot). Errors: CT_ENOTFOUND.
 */
int ct_read_fork(const uint8_t **a, size_t *a_len, const uint8_t **b, size_t *b_len, ct_reader *r,
		 const uint8_t author[CT_KEY_BYTES]);

/*
 * Checks that two encoded entries prove their author equivocated: both
 * verify, same author, and either the same seq with different bytes, or
 * b.seq == a.seq + 1 with b.prev != hash(a). Pure. Returns 0 or CT_EINVAL.
 */
int ct_fork_proof_check(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* Merkle root of the first size entries of a feed. Errors: CT_EINVAL (size > feed). */
int ct_read_root(uint8_t out[CT_HASH_BYTES], ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t size);

/* Inclusion proof of entry seq (leaf seq-1) in the feed's tree of size. */
int ct_read_inclusion_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, ct_reader *r,
			    const uint8_t author[CT_KEY_BYTES], uint64_t seq, uint64_t size);

/* Consistency proof of a feed between two sizes. */
int ct_read_consistency_proof(uint8_t proof[][CT_HASH_BYTES], size_t *count, ct_reader *r,
			      const uint8_t author[CT_KEY_BYTES], uint64_t old_size, uint64_t new_size);

/*
 * The state digest: SHA-256("caltrace/digest/v1" 0x00 || for each feed in
 * bytewise author order: author || size as 8 bytes big-endian || head
 * hash). Two stores holding the same entries give the same digest,
 * whatever order they received them in.
 */
int ct_read_digest(uint8_t out[CT_HASH_BYTES], ct_reader *r);

/*
 * Checks the whole store: every entry decodes, verifies and links to its
 * predecessor, every hash index and head agrees, every tree node (so every
 * root) matches a recomputation, every domain index row points at a stored
 * entry, and the entry counters (ct_read_stats) match the entries.
 * Errors: CT_ECORRUPT with the first problem in the detail.
 */
int ct_ledger_check(ct_reader *r, uint64_t *entries_checked);

/* ---- replication state (core/ledger/replica.c) --------------------------------- */

/*
 * Records that a peer reported author's feed at size entries; the store
 * keeps the largest size ever reported. While that exceeds the feed's
 * stored size, ct_batch_append refuses to append to it (CT_ESTATE): a node
 * restored from an old backup would otherwise fork its own feed. The node
 * records this for its own feed only. Errors: CT_ENOSPACE, CT_EIO.
 */
int ct_batch_note_remote_size(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint64_t size);

/*
 * The mark of a store restored from a backup (ct_backup_restore sets it):
 * the node's own feed may be longer elsewhere than in the backup, and
 * until a peer has said how long it is, ct_batch_append refuses
 * (CT_ESTATE). caltraced clears it when a peer reports the own feed; from
 * then on ct_batch_note_remote_size guards it. Errors: CT_ENOSPACE,
 * CT_EIO (set); CT_EIO (read).
 */
int ct_batch_set_restored(ct_batch *b, bool restored);
int ct_read_restored(bool *out, ct_reader *r);

/* The largest size a peer reported for author's feed, 0 when none. Errors: CT_ECORRUPT, CT_EIO. */
int ct_read_remote_size(uint64_t *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES]);

/*
 * Stores a fork proof received from a peer: a and b must pass
 * ct_fork_proof_check. Marks the author's feed forked (frozen), creating
 * an empty head record when no entry of it is held. One proof per feed is
 * kept, in canonical form (at one seq, the entry with the smaller hash
 * first); of two proofs the one with the lower seq (then the smaller
 * hashes) stays, so that nodes end with the same proof whatever order
 * they heard of them in. Errors: CT_EINVAL (not a proof), CT_EEXISTS (a
 * proof as small is already held: nothing written), CT_ENOSPACE, CT_EIO.
 */
int ct_batch_record_fork(ct_batch *b, const uint8_t *a, size_t a_len, const uint8_t *bb, size_t b_len);

/*
 * Unmaps the store's pages from this process's resident set: LMDB reads
 * through a shared file mapping, and every page a long-running writer or
 * reader touches stays resident until the kernel needs the memory. The
 * pages stay in the OS page cache; the next access maps them again. Safe
 * while other threads read (LMDB never changes a page a reader can see).
 * caltraced calls it now and then, so that its memory stays bounded
 * however large the store grows. Errors: CT_EIO.
 */
int ct_ledger_trim_memory(ct_ledger *l);

/* Callback of ct_read_entries_raw: 0 to go on, 1 to stop, <0 to fail. */
typedef int (*ct_raw_entry_fn)(void *ctx, uint64_t seq, const uint8_t *raw, size_t len);

/*
 * Calls cb with the encoded entries from..to of author's feed in order
 * (fewer when the feed ends sooner): what a node
 * serving a peer needs, without decoding. raw points into the snapshot:
 * valid until the reader ends. Errors: what cb returns (<0), CT_ECORRUPT,
 * CT_EIO.
 */
int ct_read_entries_raw(ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t from, uint64_t to,
			ct_raw_entry_fn cb, void *ctx);

#define CT_STORED_NOTE_MAX 8192 /* largest checkpoint note the store keeps */
#define CT_NOTES_PER_FEED  256	/* notes kept per feed */

/*
 * Keeps a checkpoint note (a signed note with its cosignatures, carried
 * opaquely: checking it is the checkpoint code's job) of author's feed.
 * Notes are kept by (author, SHA-256 of the note).
 * Errors: CT_EEXISTS (held already: nothing written), CT_ETOOBIG (over
 * CT_STORED_NOTE_MAX), CT_EFULL (CT_NOTES_PER_FEED held for the feed),
 * CT_ENOSPACE, CT_EIO.
 */
int ct_batch_put_note(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len);

/*
 * Drops a checkpoint note (the exact bytes given) of author's feed; the
 * witness code replaces a note by its merge with a newer copy this way.
 * Errors: CT_ENOTFOUND, CT_ENOSPACE, CT_EIO.
 */
int ct_batch_del_note(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len);

/*
 * Records two checkpoint notes of author's feed that cannot both be true
 * (checked by the caller, core/proof/witness.c) and freezes the feed, as
 * ct_batch_record_fork does for entries. The first proof is kept.
 * Errors: CT_EEXISTS (one is held), CT_ENOMEM, CT_ENOSPACE, CT_EIO.
 */
int ct_batch_record_checkpoint_fork(ct_batch *b, const uint8_t author[CT_KEY_BYTES], const uint8_t *a,
				    size_t a_len, const uint8_t *bb, size_t b_len);

/* The checkpoint fork proof of a feed (pointers into the snapshot). Errors: CT_ENOTFOUND, CT_ECORRUPT. */
int ct_read_checkpoint_fork(const uint8_t **a, size_t *a_len, const uint8_t **bb, size_t *b_len, ct_reader *r,
			    const uint8_t author[CT_KEY_BYTES]);

/* Note callback: note points into the snapshot. Return 0 to go on, 1 to stop, <0 to fail. */
typedef int (*ct_note_fn)(void *ctx, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len);

/* Every checkpoint note held, by author then note hash. Errors: what cb returns (<0), CT_EIO. */
int ct_read_notes(ct_reader *r, ct_note_fn cb, void *ctx);

/* The checkpoint notes held of one author (NULL: every author), by note hash. */
int ct_read_notes_of(ct_reader *r, const uint8_t *author, ct_note_fn cb, void *ctx);

/* ---- network checkpoints (core/ledger/netnotes.c) ------------------------------ */

#define CT_NETNOTES_KEPT 32	    /* network checkpoint notes a store keeps */
#define CT_NETNOTE_MAX	 (256 * 1024) /* largest one, bytes */

/*
 * Keeps a network checkpoint note (core/proof/netcheckpoint.c checks it),
 * replacing the held note of the same body: notes are kept by (order, the
 * SHA-256 of their text), order being the checkpoint's total entries, and
 * at most CT_NETNOTES_KEPT of them (the smallest order goes first).
 * Errors: CT_ETOOBIG, CT_ENOSPACE, CT_EIO.
 */
int ct_batch_put_netnote(ct_batch *b, uint64_t order, const uint8_t text_hash[CT_HASH_BYTES], const uint8_t *note,
			 size_t len);

/* The held note of that body (pointer into the snapshot). Errors: CT_ENOTFOUND, CT_EIO. */
int ct_read_netnote(const uint8_t **note, size_t *len, ct_reader *r, uint64_t order,
		    const uint8_t text_hash[CT_HASH_BYTES]);

/* Note callback: 0 to go on, 1 to stop, <0 to fail. */
typedef int (*ct_netnote_fn)(void *ctx, uint64_t order, const uint8_t *note, size_t len);

/* Every held network checkpoint note, the largest order first. Errors: what cb returns (<0), CT_EIO. */
int ct_read_netnotes(ct_reader *r, ct_netnote_fn cb, void *ctx);

/*
 * Keeps a record of evidence against a network checkpoint's signer (what a
 * witness computed and the note it refused), once per distinct record.
 * Errors: CT_ETOOBIG, CT_ENOSPACE, CT_EIO.
 */
int ct_batch_put_evidence(ct_batch *b, const uint8_t *rec, size_t len);

/* Every evidence record held, in SHA-256 order. Errors: what cb returns (<0), CT_EIO. */
int ct_read_evidence(ct_reader *r, ct_netnote_fn cb, void *ctx);

#endif
