/*
 * caltrace/proof/netcheckpoint.h - network checkpoints (docs/CHECKPOINTS.md,
 * "Network checkpoints"; docs/FORMAT.md section 12).
 *
 * A network checkpoint is a C2SP signed note, in the tlog-checkpoint form,
 * that names every feed's size and root and the root of the network index
 * (caltrace/ledger/netindex.h) over those feeds:
 *
 *   caltrace/<network hex>/index          origin
 *   <keys>                                 leaves of the index
 *   <base64 index root>
 *   forks <n> <base64 digest>              the fork keys' leaf hashes, hashed in key order
 *   feed <author hex> <size> <base64 root> one per non-empty feed, by author
 *
 * The bureau's node signs it (Ed25519 under a key name equal to the origin)
 * and cosigns it (cosignature/v1, which gives it a time); every other node
 * cosigns it as a witness only after computing the same index root from its
 * own replica at exactly those sizes. A witness that computes another root
 * from the same feeds and fork records refuses it and keeps the evidence.
 */
#ifndef CALTRACE_NETCHECKPOINT_H
#define CALTRACE_NETCHECKPOINT_H

#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/note.h"

#define CT_NETCP_SUFFIX "/index" /* origin = "caltrace/" <network hex> "/index" */

typedef struct ct_netcp_feed {
	uint8_t author[CT_KEY_BYTES];
	uint64_t size;
	uint8_t root[CT_HASH_BYTES];
} ct_netcp_feed;

/* A network checkpoint's body. feeds is malloc'd: free with ct_netcp_clear. */
typedef struct ct_netcp {
	uint8_t network[CT_HASH_BYTES];
	uint64_t keys;
	uint8_t root[CT_HASH_BYTES];
	uint64_t nforks;
	uint8_t forks[CT_HASH_BYTES];
	ct_netcp_feed *feeds; /* by author, bytewise */
	size_t nfeeds;
	uint64_t entries; /* the feeds' sizes added up (not written: it orders checkpoints) */
} ct_netcp;

void ct_netcp_clear(ct_netcp *cp);

/* "caltrace/<network hex>/index". */
void ct_netcp_origin(char out[static CT_CHECKPOINT_ORIGIN_MAX + 1], const uint8_t network[static CT_HASH_BYTES]);

/* The bureau's key of network checkpoints: Ed25519, named the origin. */
void ct_netcp_key(ct_vkey *out, const uint8_t network[static CT_HASH_BYTES],
		  const uint8_t bureau[static CT_KEY_BYTES]);

/* Appends the body to out. Errors: CT_ENOMEM. */
int ct_netcp_format(ct_buf *out, const ct_netcp *cp);

/*
 * Parses a body strictly (the lines above, each ending in '\n', decimals
 * without leading zeros, canonical base64 of 32 bytes, lowercase hex, feeds
 * in strictly increasing author order, none of size 0).
 * Errors: CT_EINVAL naming the line, CT_ENOMEM.
 */
int ct_netcp_parse(ct_netcp *out, const char *text, size_t len);

/* The feed of author in cp, or NULL. */
const ct_netcp_feed *ct_netcp_feed_of(const ct_netcp *cp, const uint8_t author[static CT_KEY_BYTES]);

/*
 * The store's state as a network checkpoint body: every non-empty feed's
 * size and root, and the network index's root (which must be up to date:
 * ct_netindex_update). Errors: CT_ESTATE (no genesis, index not up to
 * date), CT_ECORRUPT, CT_ENOMEM, CT_EIO.
 */
int ct_netcp_of_store(ct_reader *r, ct_netcp *out);

/* A witness cosignature the note carries and that verifies. */
typedef struct ct_netcp_witness_sig {
	uint8_t key[CT_KEY_BYTES];
	uint64_t time; /* POSIX seconds */
} ct_netcp_witness_sig;

/*
 * Checks a parsed note as a network checkpoint of network founded by
 * bureau: the body parses, the origin is this network's, the bureau's
 * Ed25519 line and its cosignature verify. *time receives the bureau's
 * cosignature time (seconds), cp the body, and *wits (malloc'd, may be
 * NULL when wits is NULL) every other caltrace witness cosignature that
 * verifies. Lines of unknown keys are ignored here.
 * Errors: CT_EINVAL (not a network checkpoint of this network),
 * CT_ENOTFOUND (a bureau line missing), CT_EBADSIG, CT_ENOMEM.
 */
__attribute__((warn_unused_result)) int ct_netcp_verify(const ct_note *n, const uint8_t network[static CT_HASH_BYTES],
							const uint8_t bureau[static CT_KEY_BYTES], ct_netcp *cp,
							uint64_t *time, ct_netcp_witness_sig **wits, size_t *nwits);

/*
 * The bureau's node signs a network checkpoint of its store's current
 * state: folds the dirty index keys in, signs, cosigns at timestamp (POSIX
 * seconds) and stores the note (merged with a held one of the same body).
 * out (may be NULL) receives it. Errors: CT_EAUTH (kp is not the bureau),
 * CT_ESTATE (no genesis), those of the store.
 */
int ct_netcp_sign(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, ct_buf *out);

/* What ct_netcp_witness did with a network checkpoint. */
typedef enum ct_netcp_result {
	CT_NETCP_COSIGNED = 0, /* this store is at exactly its feeds and computes its root: cosigned, kept */
	CT_NETCP_AHEAD = 1,    /* this store holds fewer entries of a feed: kept, to witness once it has them */
	CT_NETCP_OTHER = 2,    /* this store is past it, or holds another feed: kept, not cosigned */
	CT_NETCP_FORKS = 3,    /* same feeds, other fork records (they spread): kept, not cosigned */
	CT_NETCP_REFUSED = 4,  /* same feeds and forks, another index: refused, evidence kept */
} ct_netcp_result;

/* "cosigned", "ahead of this node", ...: for logs. */
const char *ct_netcp_result_name(ct_netcp_result r);

/*
 * Witnesses a network checkpoint note (len bytes) received from a peer or
 * a file: checks it (ct_netcp_verify), compares it with the store, folds
 * the index's dirty keys in when the feeds match, and cosigns with kp as
 * "caltrace/<network>/witness/<kp-hex>" at timestamp when the roots agree
 * (kp NULL: check and keep only). The verified lines are merged into the
 * held note of the same body (at most CT_WITNESS_COSIGS_MAX witnesses
 * besides the bureau). On CT_NETCP_REFUSED the note is not kept: a record
 * of evidence is (ct_read_evidence), naming the root this store computes.
 * out (may be NULL) receives the stored note, prev (may be NULL) the held
 * one before (empty when none), detail (may be NULL, reset first) a line on
 * what differs. Errors: those of ct_netcp_verify, CT_ESTATE (no genesis),
 * those of the store.
 */
int ct_netcp_witness(ct_batch *b, const ct_keypair *kp, uint64_t timestamp, const uint8_t *note, size_t len,
		     ct_buf *out, ct_buf *prev, ct_buf *detail, ct_netcp_result *result);

/*
 * The held network checkpoint of the store's current state (the index up
 * to date), with every verified line. Errors: CT_ENOTFOUND (none held of
 * this state), CT_ESTATE (index not up to date, no genesis), CT_ENOMEM,
 * CT_EIO.
 */
int ct_netcp_current(ct_reader *r, ct_buf *note, ct_netcp *cp);

#endif
