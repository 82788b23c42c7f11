/*
 * Checkpoints (c2sp.org/tlog-checkpoint): the note text that commits to a
 * feed's Merkle tree at one size.
 *
 *   <origin>\n            caltrace/<network-id-hex>/<author-hex>
 *   <size>\n              ASCII decimal, no leading zeros ("0" for the empty tree)
 *   <base64 root>\n       the RFC 6962 root, 32 bytes
 *   [<extension>\n]...    opaque, non-empty; caltrace writes none
 *
 * The author signs it as a signed note with its Ed25519 key under the key
 * name <origin>, so that a verifier needs only the network id and the
 * author's public key to know which signature line to check.
 */
#include <stdio.h>
#include <string.h>

#include "caltrace/proof/note.h"
#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "note_internal.h"

#define PREFIX_LEN (sizeof(CT_CHECKPOINT_PREFIX) - 1)
#define HEX_LEN	   (2 * CT_KEY_BYTES)
#define ORIGIN_LEN (PREFIX_LEN + HEX_LEN + 1 + HEX_LEN)

void ct_checkpoint_origin(char out[static CT_CHECKPOINT_ORIGIN_MAX + 1],
			  const uint8_t network[static CT_HASH_BYTES],
			  const uint8_t author[static CT_KEY_BYTES])
{
	char network_hex[2 * CT_HASH_BYTES + 1], author_hex[HEX_LEN + 1];

	ct_hex(network_hex, network, CT_HASH_BYTES);
	ct_hex(author_hex, author, CT_KEY_BYTES);
	snprintf(out, CT_CHECKPOINT_ORIGIN_MAX + 1, "%s%s/%s", CT_CHECKPOINT_PREFIX, network_hex, author_hex);
}

/* Whether s starts with n lowercase hex digits. */
static bool lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int ct_checkpoint_feed(uint8_t network[static CT_HASH_BYTES], uint8_t author[static CT_KEY_BYTES],
		       const char *origin)
{
	char hex[HEX_LEN + 1];

	if (strnlen(origin, ORIGIN_LEN + 1) != ORIGIN_LEN ||
	    memcmp(origin, CT_CHECKPOINT_PREFIX, PREFIX_LEN) != 0 || origin[PREFIX_LEN + HEX_LEN] != '/' ||
	    !lower_hex(origin + PREFIX_LEN, HEX_LEN) ||
	    !lower_hex(origin + PREFIX_LEN + HEX_LEN + 1, HEX_LEN))
		return ct_error_set(CT_EINVAL, "origin '%.80s' is not caltrace/<network hex>/<author hex>",
				 origin);
	memcpy(hex, origin + PREFIX_LEN, HEX_LEN);
	hex[HEX_LEN] = '\0';
	ct_unhex(network, CT_HASH_BYTES, hex);
	ct_unhex(author, CT_KEY_BYTES, origin + PREFIX_LEN + HEX_LEN + 1);
	return 0;
}

void ct_checkpoint_feed_key(ct_vkey *out, const uint8_t network[static CT_HASH_BYTES],
			    const uint8_t author[static CT_KEY_BYTES])
{
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1];

	ct_checkpoint_origin(origin, network, author);
	/* Cannot fail: an origin made of ASCII letters, digits and '/' is a valid key name. */
	(void)ct_vkey_make(out, origin, CT_NOTE_ED25519, author);
}

/* Checks extension lines: each non-empty and ending in '\n', as a note text allows. */
static int ext_check(const char *ext, size_t len)
{
	const char *line;
	size_t pos = 0, line_len, lineno = 4;
	int err;

	if (len == 0)
		return 0;
	if (ext[len - 1] != '\n')
		return ct_error_set(CT_EINVAL, "checkpoint extension lines do not end in a newline");
	if ((err = ct__note_text_check("checkpoint extension lines", (const uint8_t *)ext, len)) < 0)
		return err;
	for (; ct__next_line(&line, &line_len, ext, len, &pos); lineno++)
		if (line_len == 0)
			return ct_error_set(CT_EINVAL, "checkpoint line %zu: empty extension line", lineno);
	return 0;
}

int ct_checkpoint_body(ct_buf *out, const ct_checkpoint *cp)
{
	size_t origin_len = strnlen(cp->origin, sizeof(cp->origin));
	int err;

	if (origin_len == 0 || origin_len == sizeof(cp->origin))
		return ct_error_set(CT_EINVAL, "checkpoint origin is empty or not NUL-terminated");
	if (memchr(cp->origin, '\n', origin_len))
		return ct_error_set(CT_EINVAL, "checkpoint origin '%s' holds a newline", cp->origin);
	if ((err = ct__note_text_check("checkpoint origin", (const uint8_t *)cp->origin, origin_len)) < 0 ||
	    (err = ext_check(cp->ext, cp->ext_len)) < 0)
		return err;
	if ((err = ct_buf_put(out, cp->origin, origin_len)) < 0 || (err = ct_buf_put(out, "\n", 1)) < 0 ||
	    (err = ct__decimal_put(out, cp->size)) < 0 || (err = ct_buf_put(out, "\n", 1)) < 0 ||
	    (err = ct_b64_put(out, cp->root, CT_HASH_BYTES)) < 0 || (err = ct_buf_put(out, "\n", 1)) < 0 ||
	    (err = ct_buf_put(out, cp->ext, cp->ext_len)) < 0)
		return err;
	return 0;
}

/* Parses line 2, the tree size, naming the fault. */
static int parse_size(uint64_t *out, const char *s, size_t len)
{
	size_t i;

	if (ct__decimal_parse(out, s, len))
		return 0;
	if (len == 0)
		return ct_error_set(CT_EINVAL, "checkpoint line 2: tree size is empty");
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return ct_error_set(CT_EINVAL, "checkpoint line 2: size '%.*s' is not a decimal number",
					 (int)(len < 40 ? len : 40), s);
	if (s[0] == '0')
		return ct_error_set(CT_EINVAL, "checkpoint line 2: size '%.*s' has a leading zero",
				 (int)(len < 40 ? len : 40), s);
	return ct_error_set(CT_EINVAL, "checkpoint line 2: size '%.*s' does not fit in 64 bits",
			 (int)(len < 40 ? len : 40), s);
}

int ct_checkpoint_parse(ct_checkpoint *out, const char *text, size_t len)
{
	const char *line[3];
	size_t line_len[3], pos = 0, root_len, i;
	int err;

	if (len == 0 || text[len - 1] != '\n')
		return ct_error_set(CT_EINVAL, "checkpoint does not end in a newline");
	if ((err = ct__note_text_check("checkpoint", (const uint8_t *)text, len)) < 0)
		return err;
	for (i = 0; i < 3; i++)
		if (!ct__next_line(&line[i], &line_len[i], text, len, &pos))
			return ct_error_set(CT_EINVAL,
					 "checkpoint has %zu lines, not the 3 of origin, size and root hash",
					 i);
	if (line_len[0] == 0)
		return ct_error_set(CT_EINVAL, "checkpoint line 1: origin is empty");
	if (line_len[0] > CT_CHECKPOINT_ORIGIN_MAX)
		return ct_error_set(CT_ETOOBIG, "checkpoint line 1: origin is %zu bytes, more than %d",
				 line_len[0], CT_CHECKPOINT_ORIGIN_MAX);
	if ((err = parse_size(&out->size, line[1], line_len[1])) < 0)
		return err;
	if (ct_b64_decode(out->root, CT_HASH_BYTES, &root_len, line[2], line_len[2]) < 0)
		return ct_error_set(CT_EINVAL,
				 "checkpoint line 3: root hash is not canonical base64 of 32 bytes");
	if (root_len != CT_HASH_BYTES)
		return ct_error_set(CT_EINVAL, "checkpoint line 3: root hash is %zu bytes, not %d", root_len,
				 CT_HASH_BYTES);
	if ((err = ext_check(text + pos, len - pos)) < 0)
		return err;
	memcpy(out->origin, line[0], line_len[0]);
	out->origin[line_len[0]] = '\0';
	out->ext = pos < len ? text + pos : NULL;
	out->ext_len = len - pos;
	return 0;
}

int ct_checkpoint_sign(ct_buf *out, const ct_checkpoint *cp, const ct_keypair *kp)
{
	uint8_t network[CT_HASH_BYTES], author[CT_KEY_BYTES];
	ct_buf body = CT_BUF_INIT;
	ct_note *n = NULL;
	int err;

	if ((err = ct_checkpoint_feed(network, author, cp->origin)) < 0)
		goto done;
	if (memcmp(author, ct_keypair_public(kp), CT_KEY_BYTES) != 0) {
		err = ct_error_set(CT_EINVAL, "checkpoint origin %.80s is not the feed of the signing key",
				cp->origin);
		goto done;
	}
	if ((err = ct_checkpoint_body(&body, cp)) < 0 ||
	    (err = ct_note_new(&n, (const char *)body.ptr, body.len)) < 0 ||
	    (err = ct_note_sign(n, kp, cp->origin)) < 0)
		goto done;
	out->len = 0;
	err = ct_note_format(out, n);
done:
	ct_note_free(n);
	ct_buf_free(&body);
	return err;
}

int ct_checkpoint_verify(ct_checkpoint *out, const ct_note *n, const ct_vkey *log_key)
{
	int err;

	if ((err = ct_note_verify(n, log_key)) < 0)
		return ct_error_wrap(err, "checkpoint");
	if ((err = ct_checkpoint_parse(out, n->text, n->text_len)) < 0)
		return err;
	if (strcmp(out->origin, log_key->name) != 0)
		return ct_error_set(CT_EINVAL, "checkpoint origin '%.80s' is not the name of its key '%.80s'",
				 out->origin, log_key->name);
	return 0;
}
