/*
 * caltrace/ledger/backup.h - backups of a node home, taken while it runs.
 *
 * A backup is one file: a POSIX tar (ustar) archive that `tar tvf` lists,
 * holding, under caltrace-backup/:
 *
 *   config         the home's config
 *   key            the secret key (mode 0600), only when asked for
 *   data/data.mdb  a copy of the store, every page full and none free
 *                  (as `caltrace compact` writes it): one consistent
 *                  snapshot
 *   MANIFEST       "name = value" lines: what the backup holds (the store
 *                  format, the state digest, feeds and entries of the
 *                  snapshot, when it was taken, the node's public key) and
 *                  the size and SHA-256 of every other member
 *
 * The snapshot is pinned to a known state: the backup holds the store's
 * write lock for as long as it takes the copy's read transaction to
 * start (milliseconds: a running caltraced's writer waits that long,
 * readers not at all), reads the digest in that same state, and checks
 * afterwards that the copy has that digest. docs/OPERATIONS.md says how
 * backups are used.
 */
#ifndef CALTRACE_BACKUP_H
#define CALTRACE_BACKUP_H

#include <stdbool.h>

#include "caltrace/base/types.h"
#include "caltrace/ledger/ledger.h"

/* What a backup holds: its MANIFEST. */
typedef struct ct_backup_info {
	unsigned store_format;		/* the store's format (CT_LEDGER_FORMAT when taken by this code) */
	uint8_t digest[CT_HASH_BYTES];	/* the state digest of the snapshot */
	uint64_t feeds, entries;	/* in the snapshot */
	uint64_t store_bytes;		/* the compacted copy's size */
	uint64_t time_ms;		/* when it was taken (the caller's clock) */
	bool has_key;			/* the secret key is in it */
	bool has_node_key;		/* node_key is known (from a key.pub beside the config) */
	uint8_t node_key[CT_KEY_BYTES]; /* the node's public key */
	unsigned migrated_from;		/* ct_backup_restore: the format it migrated from, 0 if none */
	uint64_t entries_checked;	/* ct_backup_restore: entries the check verified */
} ct_backup_info;

typedef struct ct_backup_opts {
	const char *home; /* the node home: its config and key.pub are taken from there */
	bool with_key;	  /* take the secret key (home/key) too; the file is then created 0600 */
	uint64_t time_ms; /* when, for the manifest (the library reads no clock) */
} ct_backup_opts;

/*
 * Writes a backup of l (the store of opts->home) to path, which must not
 * exist: it is written beside it under a temporary name, synced, and
 * linked into place only when complete. Other processes go on reading and
 * writing the store meanwhile. info (may be NULL) receives the manifest.
 * Errors: CT_EEXISTS (path exists), CT_ENOTFOUND (no config, or no key
 * with with_key), CT_ESTATE (the copy does not match the snapshot: a bug,
 * nothing is written), CT_ENOSPACE, CT_EIO, CT_ENOMEM.
 */
int ct_ledger_backup(ct_ledger *l, const char *path, const ct_backup_opts *opts, ct_backup_info *info);

typedef struct ct_restore_opts {
	const char
	    *key_path;	   /* a secret key file to put in the home (when the backup has none); may be NULL */
	bool trust_backup; /* the backup holds the whole own feed: do not mark the store (ct_read_restored) */
} ct_restore_opts;

/*
 * Restores the backup at path into the directory home, which must not
 * exist or be empty. Every member is checked against the manifest, the
 * store is migrated if its format is older than this code's, checked
 * whole (ct_ledger_check) and its digest compared with the manifest's;
 * only then does the home appear, under its name, complete (it is built
 * beside it under a temporary name). The store is marked restored
 * (ct_batch_set_restored: no append until a peer has reported the own
 * feed) unless opts->trust_backup. A key given in opts must be the
 * node's (its public half matches the backup's key.pub). info (may be
 * NULL) receives the manifest and what the check found.
 * Errors: CT_EEXISTS (home is not empty), CT_ENOTFOUND, CT_EINVAL (not a
 * caltrace backup, a member missing, unknown or damaged: the detail names
 * it), CT_ECORRUPT (the store fails its check), CT_ESTATE (a newer store
 * format), CT_EPERM (a key readable by others), CT_ENOSPACE, CT_EIO.
 */
int ct_backup_restore(const char *path, const char *home, const ct_restore_opts *opts, ct_backup_info *info);

#endif
