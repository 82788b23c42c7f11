/*
 * Witness cosignatures (c2sp.org/tlog-cosignature, the Ed25519
 * cosignature/v1 type 0x04).
 *
 *   signed message = "cosignature/v1\n" "time " <decimal seconds> "\n" <checkpoint body>
 *   line blob      = key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64)
 *   key ID         = SHA-256(name || 0x0A || 0x04 || public key)[:4]
 *
 * The timestamp is POSIX seconds, as the spec defines it (the rest of the
 * ledger counts milliseconds; callers convert).
 */
#include <stdio.h>
#include <string.h>

#include "caltrace/proof/note.h"
#include "caltrace/base/error.h"
#include "note_internal.h"

int ct_cosig_message(ct_buf *out, uint64_t timestamp, const char *body, size_t len)
{
	int err;

	if (timestamp > (uint64_t)CT_COSIG_TIME_MAX)
		return ct_error_set(CT_EINVAL, "cosignature time %llu is over 2^63 - 1",
				 (unsigned long long)timestamp);
	if ((err = ct_buf_put(out, CT_COSIG_HEADER, sizeof(CT_COSIG_HEADER) - 1)) < 0 ||
	    (err = ct_buf_put(out, "time ", 5)) < 0 || (err = ct__decimal_put(out, timestamp)) < 0 ||
	    (err = ct_buf_put(out, "\n", 1)) < 0 || (err = ct_buf_put(out, body, len)) < 0)
		return err;
	return 0;
}

void ct_cosig_name(char out[static CT_NOTE_NAME_MAX + 1], const uint8_t network[static CT_HASH_BYTES],
		   const uint8_t node[static CT_KEY_BYTES])
{
	char network_hex[2 * CT_HASH_BYTES + 1], node_hex[2 * CT_KEY_BYTES + 1];

	ct_hex(network_hex, network, CT_HASH_BYTES);
	ct_hex(node_hex, node, CT_KEY_BYTES);
	snprintf(out, CT_NOTE_NAME_MAX + 1, "%s%s%s%s", CT_CHECKPOINT_PREFIX, network_hex, CT_COSIG_NAME_PART,
		 node_hex);
}

int ct_cosig_add(ct_note *n, const ct_keypair *kp, const char *name, uint64_t timestamp)
{
	uint8_t blob[CT_COSIG_BLOB];
	ct_buf msg = CT_BUF_INIT;
	ct_checkpoint cp;
	int err, i;

	if ((err = ct_checkpoint_parse(&cp, n->text, n->text_len)) < 0) {
		err = ct_error_wrap(err, "cosignature: the note is not a checkpoint");
		goto done;
	}
	if ((err = ct_note_name_check(name)) < 0 ||
	    (err = ct_cosig_message(&msg, timestamp, n->text, n->text_len)) < 0)
		goto done;
	for (i = 0; i < 8; i++)
		blob[i] = (uint8_t)(timestamp >> (56 - 8 * i));
	ct_keypair_sign(kp, blob + 8, msg.ptr, msg.len);
	err = ct_note_add_sig(n, name, ct_note_key_id(name, CT_NOTE_COSIG_V1, ct_keypair_public(kp)), blob,
			      sizeof(blob));
done:
	ct_buf_free(&msg);
	return err;
}

int ct_cosig_verify(uint64_t *timestamp, const ct_note *n, const ct_vkey *k)
{
	ct_buf msg = CT_BUF_INIT;
	const ct_note_sig *s;
	uint64_t t = 0;
	int err, i;

	if (k->type != CT_NOTE_COSIG_V1)
		return ct_error_set(CT_EINVAL, "key %s+%08x is of type 0x%02x, not a cosignature/v1 key",
				 k->name, (unsigned)k->key_id, k->type);
	if (!(s = ct_note_find(n, k)))
		return ct_error_set(CT_ENOTFOUND, "note has no cosignature by %s+%08x", k->name,
				 (unsigned)k->key_id);
	if (s->sig_len != CT_COSIG_BLOB)
		return ct_error_set(CT_EINVAL, "cosignature by %s+%08x is %zu bytes after its key ID, not %d",
				 k->name, (unsigned)k->key_id, s->sig_len, CT_COSIG_BLOB);
	for (i = 0; i < 8; i++)
		t = t << 8 | s->sig[i];
	if ((err = ct_cosig_message(&msg, t, n->text, n->text_len)) < 0) {
		err = ct_error_wrap(err, "cosignature by %s+%08x", k->name, (unsigned)k->key_id);
		goto done;
	}
	if (ct_sig_verify(k->pk, s->sig + 8, msg.ptr, msg.len) != 0) {
		err = ct_error_set(CT_EBADSIG, "cosignature by %s+%08x (time %llu) does not verify", k->name,
				(unsigned)k->key_id, (unsigned long long)t);
		goto done;
	}
	*timestamp = t;
done:
	ct_buf_free(&msg);
	return err;
}
