/*
 * caltrace/proof/note.h - the C2SP text formats a feed head travels in: signed
 * notes, checkpoints, witness cosignatures and inclusion proofs.
 *
 *   c2sp.org/signed-note      text, a blank line, "— <name> <base64(key ID || sig)>" lines
 *   c2sp.org/tlog-checkpoint  note text = origin, tree size, base64 root [, extensions]
 *   c2sp.org/tlog-cosignature cosignature/v1: a witness's timestamped Ed25519 line
 *   c2sp.org/tlog-proof       "c2sp.org/tlog-proof@v1", index, proof hashes, checkpoint
 *
 * Everything here is pure: bytes in, bytes out, no clock, no files. The
 * exact formats, with a worked example, are in docs/CHECKPOINTS.md.
 *
 * Decisions (docs/CHECKPOINTS.md says why):
 *  - A feed's checkpoint origin is "caltrace/<network-id-hex>/<author-hex>"
 *    and the author signs it with an Ed25519 (type 0x01) key whose key name
 *    is that same origin, as tlog-checkpoint recommends.
 *  - A witness cosigns (type 0x04) under a name of the caller's choosing;
 *    caltrace nodes use "caltrace/<network-id-hex>/witness/<node-hex>".
 *  - Cosignature timestamps are POSIX seconds, as the spec says, not the
 *    milliseconds used everywhere else in the ledger.
 *  - A note may not carry two signature lines with the same key name and
 *    key ID.
 *
 * Parsers are strict: what they accept they re-serialise byte for byte.
 */
#ifndef CALTRACE_NOTE_H
#define CALTRACE_NOTE_H

#include <stdbool.h>

#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/merkle.h"
#include "caltrace/base/types.h"

/* ---- signed notes (c2sp.org/signed-note) ----------------------------- */

#define CT_NOTE_ED25519	 0x01 /* signature type: Ed25519 over the note text */
#define CT_NOTE_COSIG_V1 0x04 /* signature type: timestamped Ed25519 cosignature/v1 */

#define CT_NOTE_MAX	 (256 * 1024) /* largest note, bytes */
#define CT_NOTE_MAX_SIGS 100	      /* most signature lines in one note (the spec asks for >= 16) */
#define CT_NOTE_NAME_MAX 255	      /* longest key name, bytes */
#define CT_NOTE_SIG_MAX	 8192	      /* longest signature after the key ID, bytes */
#define CT_VKEY_TEXT_MAX (CT_NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1) /* with the NUL */

/*
 * A verifier key: who may sign (name), how (type) and with what key.
 * Text form "<name>+<key ID, 8 hex digits>+<base64(type || public key)>".
 */
typedef struct ct_vkey {
	char name[CT_NOTE_NAME_MAX + 1]; /* NUL-terminated */
	uint8_t type;			 /* CT_NOTE_ED25519 or CT_NOTE_COSIG_V1 */
	uint32_t key_id;		 /* SHA-256(name || 0x0A || type || pk)[:4], big-endian */
	uint8_t pk[CT_KEY_BYTES];	 /* Ed25519 public key */
} ct_vkey;

/* One signature line of a note. */
typedef struct ct_note_sig {
	char *name;	 /* key name, NUL-terminated */
	uint32_t key_id; /* the first four bytes of the base64 blob, big-endian */
	uint8_t *sig;	 /* the rest of the blob (for cosignature/v1: timestamp || signature) */
	size_t sig_len;	 /* 1 .. CT_NOTE_SIG_MAX */
} ct_note_sig;

/*
 * A note: its text and its signature lines in the order they appear.
 * Owned by the caller; free with ct_note_free.
 */
typedef struct ct_note {
	char *text;	 /* the note text with its final newline, NUL-terminated */
	size_t text_len; /* bytes of text, without the NUL */
	ct_note_sig *sigs;
	size_t nsigs;
} ct_note;

/*
 * The key ID of a key: the first four bytes, big-endian, of
 * SHA-256(name || 0x0A || type || pk). name is NUL-terminated.
 */
uint32_t ct_note_key_id(const char *name, uint8_t type, const uint8_t pk[static CT_KEY_BYTES]);

/*
 * Checks a key name: 1 to CT_NOTE_NAME_MAX bytes of UTF-8, no control
 * characters, no Unicode space, no '+'. Errors: CT_EINVAL, CT_ETOOBIG.
 */
int ct_note_name_check(const char *name);

/*
 * Fills out for key pk of the given type (CT_NOTE_ED25519 or
 * CT_NOTE_COSIG_V1) under name, computing its key ID.
 * Errors: CT_EINVAL (bad name or type), CT_ETOOBIG (name too long).
 */
int ct_vkey_make(ct_vkey *out, const char *name, uint8_t type, const uint8_t pk[static CT_KEY_BYTES]);

/*
 * Parses the text form of a verifier key (len bytes, no newline). The key
 * ID may be in either case of hex and must match the one computed from the
 * rest; the type must be 0x01 or 0x04 with a 32-byte key.
 * Errors: CT_EINVAL, CT_ETOOBIG.
 */
int ct_vkey_parse(ct_vkey *out, const char *text, size_t len);

/* Writes the text form of k into out, NUL-terminated, key ID in lowercase hex. */
void ct_vkey_format(char out[static CT_VKEY_TEXT_MAX], const ct_vkey *k);

/*
 * A new note with text (len bytes, ending in '\n', valid UTF-8, no control
 * character but newline) and no signature yet.
 * Errors: CT_EINVAL, CT_ETOOBIG, CT_ENOMEM.
 */
int ct_note_new(ct_note **out, const char *text, size_t len);

/*
 * Parses a signed note: checks UTF-8 and control characters over the
 * whole note, splits it at its last blank line, and parses every signature
 * line (em dash, space, valid key name, space, canonical padded base64 of
 * at least 5 bytes, newline). Unknown keys and signature types are kept,
 * not judged. Nothing is verified.
 * Errors: CT_EINVAL (naming the line and the fault), CT_ETOOBIG (over
 * CT_NOTE_MAX bytes, CT_NOTE_MAX_SIGS lines or CT_NOTE_SIG_MAX per
 * signature), CT_ENOMEM.
 */
int ct_note_parse(ct_note **out, const uint8_t *buf, size_t len);

/*
 * Appends the note (text, blank line, signature lines) to out.
 * Errors: CT_EINVAL (no signature: not a signed note), CT_ENOMEM.
 */
int ct_note_format(ct_buf *out, const ct_note *n);

/*
 * Appends a signature line. sig (len bytes) is what follows the key ID.
 * Errors: CT_EINVAL (bad name, empty signature), CT_EEXISTS (a line with
 * this name and key ID is already there), CT_ETOOBIG (over a limit),
 * CT_ENOMEM.
 */
int ct_note_add_sig(ct_note *n, const char *name, uint32_t key_id, const uint8_t *sig, size_t len);

/*
 * Signs the note text with kp as an Ed25519 (type 0x01) key named name and
 * appends the line. Errors: those of ct_note_add_sig.
 */
int ct_note_sign(ct_note *n, const ct_keypair *kp, const char *name);

/*
 * Merges the signature lines of from (same text as into) into into: a line
 * of a key into lacks is appended; where both have a line of one key, the
 * bytewise smaller signature is kept. The merge only ever adds lines or
 * makes one smaller, so copies gossiped between nodes settle (a cosigner's
 * two timestamps for one checkpoint cannot chase each other around).
 * Errors: CT_EINVAL (the texts differ), those of ct_note_add_sig.
 */
int ct_note_merge(ct_note *into, const ct_note *from);

/* Orders the signature lines from index `from` on by key name, then key ID. */
void ct_note_sort_sigs(ct_note *n, size_t from);

/* Removes signature line i (< n->nsigs); the lines after it move up. */
void ct_note_remove_sig(ct_note *n, size_t i);

/*
 * The signature line of key k (same name and key ID), or NULL. Valid as
 * long as n is unchanged.
 */
const ct_note_sig *ct_note_find(const ct_note *n, const ct_vkey *k);

/*
 * Verifies the Ed25519 signature of key k (type CT_NOTE_ED25519) over the
 * note text. Lines of other keys are ignored.
 * Errors: CT_ENOTFOUND (no line with k's name and key ID), CT_EBADSIG (the
 * line does not verify), CT_EINVAL (k is not an Ed25519 note key).
 */
__attribute__((warn_unused_result)) int ct_note_verify(const ct_note *n, const ct_vkey *k);

/* Frees a note; accepts NULL. */
void ct_note_free(ct_note *n);

/* ---- checkpoints (c2sp.org/tlog-checkpoint) -------------------------- */

#define CT_CHECKPOINT_ORIGIN_MAX CT_NOTE_NAME_MAX
#define CT_CHECKPOINT_PREFIX	 "caltrace/" /* origin = prefix <network-hex> "/" <author-hex> */

/* The body of a checkpoint. */
typedef struct ct_checkpoint {
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1]; /* NUL-terminated */
	uint64_t size;				   /* leaves in the tree */
	uint8_t root[CT_HASH_BYTES];		   /* RFC 6962 root of the first size leaves */
	const char *ext; /* extension lines, each ending in '\n'; NULL when none. When
			    parsed, points into the parsed text and lives as long as it */
	size_t ext_len;
} ct_checkpoint;

/* The origin of author's feed on network: "caltrace/<64 hex>/<64 hex>". */
void ct_checkpoint_origin(char out[static CT_CHECKPOINT_ORIGIN_MAX + 1],
			  const uint8_t network[static CT_HASH_BYTES],
			  const uint8_t author[static CT_KEY_BYTES]);

/*
 * Splits a caltrace origin into network id and author key.
 * Errors: CT_EINVAL (not "caltrace/<64 lowercase hex>/<64 lowercase hex>").
 */
int ct_checkpoint_feed(uint8_t network[static CT_HASH_BYTES], uint8_t author[static CT_KEY_BYTES],
		       const char *origin);

/*
 * The verifier key of author's checkpoints on network: Ed25519, key name
 * the feed's origin. Never fails.
 */
void ct_checkpoint_feed_key(ct_vkey *out, const uint8_t network[static CT_HASH_BYTES],
			    const uint8_t author[static CT_KEY_BYTES]);

/*
 * Appends the checkpoint body (origin, size, base64 root, extension lines)
 * to out. Errors: CT_EINVAL (empty origin or one with a control
 * character, malformed extension lines), CT_ENOMEM.
 */
int ct_checkpoint_body(ct_buf *out, const ct_checkpoint *cp);

/*
 * Parses a checkpoint body (a note text, len bytes): a non-empty origin,
 * a decimal size without leading zeros that fits in 64 bits, the base64 of
 * exactly 32 bytes, then zero or more non-empty extension lines; every
 * line ends in '\n'. out->ext points into text.
 * Errors: CT_EINVAL (naming the line), CT_ETOOBIG (origin too long).
 */
int ct_checkpoint_parse(ct_checkpoint *out, const char *text, size_t len);

/*
 * Writes a new signed checkpoint note into out (reset first): the body of
 * cp signed by kp with key name cp->origin. cp->origin must be a caltrace
 * origin whose author is kp's public key.
 * Errors: CT_EINVAL, CT_ENOMEM.
 */
int ct_checkpoint_sign(ct_buf *out, const ct_checkpoint *cp, const ct_keypair *kp);

/*
 * Verifies a parsed checkpoint note against the log's key (Ed25519) and
 * parses its body into out; the origin must equal log_key's name. out->ext
 * points into n->text.
 * Errors: CT_ENOTFOUND (no signature by log_key), CT_EBADSIG, CT_EINVAL
 * (bad body, origin not the key's name, log_key not Ed25519), CT_ETOOBIG.
 */
__attribute__((warn_unused_result)) int ct_checkpoint_verify(ct_checkpoint *out, const ct_note *n,
							     const ct_vkey *log_key);

/* ---- cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) -------- */

#define CT_COSIG_HEADER	   "cosignature/v1\n"
#define CT_COSIG_BLOB	   (8 + CT_SIG_BYTES) /* timestamp (u64 big-endian) || signature */
#define CT_COSIG_TIME_MAX  INT64_MAX	      /* largest timestamp the spec allows (2^63 - 1) */
#define CT_COSIG_NAME_PART "/witness/"	      /* caltrace/<network-hex>/witness/<node-hex> */

/*
 * The signed message of a cosignature: "cosignature/v1\n", "time <t>\n",
 * then the checkpoint body (len bytes). Appends to out.
 * Errors: CT_EINVAL (timestamp over CT_COSIG_TIME_MAX), CT_ENOMEM.
 */
int ct_cosig_message(ct_buf *out, uint64_t timestamp, const char *body, size_t len);

/* The cosigner name caltrace nodes use: "caltrace/<network-hex>/witness/<node-hex>". */
void ct_cosig_name(char out[static CT_NOTE_NAME_MAX + 1], const uint8_t network[static CT_HASH_BYTES],
		   const uint8_t node[static CT_KEY_BYTES]);

/*
 * Cosigns a checkpoint note: signs the cosignature/v1 message for
 * timestamp (POSIX seconds) with kp and appends the line under name, key
 * ID of type 0x04. The note text must be a checkpoint body.
 * Errors: CT_EINVAL (text not a checkpoint, timestamp too large, bad
 * name), CT_EEXISTS (this cosigner already signed the note), CT_ETOOBIG,
 * CT_ENOMEM.
 */
int ct_cosig_add(ct_note *n, const ct_keypair *kp, const char *name, uint64_t timestamp);

/*
 * Verifies the cosignature of k (type CT_NOTE_COSIG_V1) on the note and
 * stores its timestamp (POSIX seconds) in *timestamp.
 * Errors: CT_ENOTFOUND (no line with k's name and key ID), CT_EBADSIG (it
 * does not verify), CT_EINVAL (k is not a cosignature key, the blob is not
 * 72 bytes, the timestamp is over 2^63 - 1).
 */
__attribute__((warn_unused_result)) int ct_cosig_verify(uint64_t *timestamp, const ct_note *n,
							const ct_vkey *k);

/* ---- inclusion proofs (c2sp.org/tlog-proof) -------------------------- */

#define CT_TLOG_PROOF_HEADER	"c2sp.org/tlog-proof@v1"
#define CT_TLOG_PROOF_EXTRA_MAX 8192 /* largest extra data, bytes */
#define CT_TLOG_PROOF_MAX	(CT_NOTE_MAX + 16384)

/* A parsed tlog-proof. Owned by the caller; free with ct_tlog_proof_free. */
typedef struct ct_tlog_proof {
	uint64_t index; /* 0-based leaf index */
	size_t count;	/* hashes in proof */
	uint8_t proof[CT_MERKLE_MAX_PROOF][CT_HASH_BYTES];
	uint8_t *extra;		  /* opaque, NOT authenticated; NULL when absent */
	size_t extra_len;	  /* 0 when absent, else 1 .. CT_TLOG_PROOF_EXTRA_MAX */
	ct_note *note;		  /* the checkpoint, signatures and all */
	ct_checkpoint checkpoint; /* its body; ext points into note->text */
} ct_tlog_proof;

/*
 * Writes a tlog-proof into out (reset first): the header, "extra" line
 * when extra_len > 0, "index <index>", the count proof hashes in base64
 * (as ct_merkle_inclusion_proof gives them, leaf side first), an empty
 * line and the signed checkpoint note (checkpoint_len bytes), which must
 * parse as a note with a checkpoint body and a size above index.
 * Nothing is verified.
 * Errors: CT_EINVAL, CT_ETOOBIG, CT_ENOMEM.
 */
int ct_tlog_proof_build(ct_buf *out, uint64_t index, const uint8_t proof[][CT_HASH_BYTES], size_t count,
			const uint8_t *extra, size_t extra_len, const uint8_t *checkpoint,
			size_t checkpoint_len);

/*
 * Parses a tlog-proof strictly (the format above; every line ends in '\n';
 * the checkpoint note and body parse). Nothing is verified.
 * Errors: CT_EINVAL (naming the line), CT_ETOOBIG, CT_ENOMEM.
 */
int ct_tlog_proof_parse(ct_tlog_proof **out, const uint8_t *buf, size_t len);

/* Appends p in its text form to out. Errors: CT_ENOMEM. */
int ct_tlog_proof_format(ct_buf *out, const ct_tlog_proof *p);

/*
 * Verifies that leaf_hash is leaf p->index of the tree p's checkpoint
 * commits to: the checkpoint is signed by log_key (ct_checkpoint_verify)
 * and the proof leads from leaf_hash to its root at its size. Witness
 * cosignatures are the caller's to check on p->note (ct_cosig_verify).
 * Errors: those of ct_checkpoint_verify, CT_EPROOF.
 */
__attribute__((warn_unused_result)) int ct_tlog_proof_verify(const ct_tlog_proof *p,
							     const uint8_t leaf_hash[static CT_HASH_BYTES],
							     const ct_vkey *log_key);

/* Frees a proof; accepts NULL. */
void ct_tlog_proof_free(ct_tlog_proof *p);

#endif
