/*
 * C2SP signed notes (c2sp.org/signed-note) and verifier keys.
 *
 *   note      = text "\n" 1*sigline           text ends in "\n"
 *   sigline   = U+2014 " " name " " base64(key ID (4, big-endian) || signature) "\n"
 *   key ID    = SHA-256(name || 0x0A || type || public key)[:4]
 *   vkey      = name "+" 8 hex digits "+" base64(type || public key)
 *
 * The whole note is valid UTF-8 without control characters but newline;
 * the text ends at the last blank line. The parser keeps every signature
 * line, known or not, so that a note re-serialises byte for byte; only a
 * verifier judges lines, and only those of the key it is given.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "caltrace/proof/note.h"
#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "caltrace/base/utf8.h"
#include "note_internal.h"

#define EM_DASH_SPACE	  "\xe2\x80\x94 " /* U+2014 and a space: how every signature line starts */
#define EM_DASH_SPACE_LEN 4

/* ---- decimals and lines -------------------------------------------------- */

bool ct__decimal_parse(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int ct__decimal_put(ct_buf *out, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);

	return ct_buf_put(out, digits, (size_t)n);
}

bool ct__next_line(const char **line, size_t *line_len, const char *buf, size_t len, size_t *pos)
{
	const char *nl;

	if (*pos >= len)
		return false;
	nl = memchr(buf + *pos, '\n', len - *pos);
	if (!nl)
		return false;
	*line = buf + *pos;
	*line_len = (size_t)(nl - *line);
	*pos += *line_len + 1;
	return true;
}

/* ---- text rules ----------------------------------------------------------- */

/* Whether c has the Unicode White_Space property. */
static bool unicode_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	       c == 0x3000;
}

int ct__note_text_check(const char *what, const uint8_t *s, size_t len)
{
	size_t i = 0, n;
	uint32_t c = 0;

	while (i < len) {
		if (!(n = ct_utf8_next(&c, s + i, len - i)))
			return ct_error_set(CT_EINVAL, "%s: byte %zu: invalid UTF-8", what, i);
		if (c < 0x20 && c != '\n')
			return ct_error_set(CT_EINVAL, "%s: byte %zu: control character 0x%02x", what, i,
					 (unsigned)c);
		i += n;
	}
	return 0;
}

/* ct_note_name_check over len bytes (the name need not be NUL-terminated). */
static int name_check(const char *name, size_t len)
{
	size_t i = 0, n;
	uint32_t c = 0;
	int err;

	if (len == 0)
		return ct_error_set(CT_EINVAL, "key name is empty");
	if (len > CT_NOTE_NAME_MAX)
		return ct_error_set(CT_ETOOBIG, "key name is %zu bytes, more than %d", len, CT_NOTE_NAME_MAX);
	if ((err = ct__note_text_check("key name", (const uint8_t *)name, len)) < 0)
		return err;
	while (i < len) {
		n = ct_utf8_next(&c, (const uint8_t *)name + i, len - i);
		if (unicode_space(c))
			return ct_error_set(CT_EINVAL, "key name '%.*s': byte %zu is a space (U+%04X)", (int)len,
					 name, i, (unsigned)c);
		if (c == '+')
			return ct_error_set(CT_EINVAL, "key name '%.*s': byte %zu is a '+'", (int)len, name, i);
		i += n;
	}
	return 0;
}

int ct_note_name_check(const char *name)
{
	return name_check(name, strnlen(name, CT_NOTE_NAME_MAX + 1));
}

/* ---- key IDs and verifier keys ------------------------------------------- */

/* The key ID of a name of len bytes. */
static uint32_t key_id(const char *name, size_t len, uint8_t type, const uint8_t pk[static CT_KEY_BYTES])
{
	crypto_hash_sha256_state st;
	uint8_t hash[crypto_hash_sha256_BYTES];
	const uint8_t sep[2] = {'\n', type};

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, len);
	crypto_hash_sha256_update(&st, sep, sizeof(sep));
	crypto_hash_sha256_update(&st, pk, CT_KEY_BYTES);
	crypto_hash_sha256_final(&st, hash);
	return (uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 | (uint32_t)hash[2] << 8 | hash[3];
}

uint32_t ct_note_key_id(const char *name, uint8_t type, const uint8_t pk[static CT_KEY_BYTES])
{
	return key_id(name, strlen(name), type, pk);
}

/* Fills k from a name of len bytes; the same checks as ct_vkey_make. */
static int vkey_fill(ct_vkey *k, const char *name, size_t len, uint8_t type,
		     const uint8_t pk[static CT_KEY_BYTES])
{
	int err;

	if ((err = name_check(name, len)) < 0)
		return err;
	if (type != CT_NOTE_ED25519 && type != CT_NOTE_COSIG_V1)
		return ct_error_set(CT_EINVAL, "key '%.*s': unsupported signature type 0x%02x", (int)len, name,
				 type);
	memcpy(k->name, name, len);
	k->name[len] = '\0';
	k->type = type;
	memcpy(k->pk, pk, CT_KEY_BYTES);
	k->key_id = key_id(name, len, type, pk);
	return 0;
}

int ct_vkey_make(ct_vkey *out, const char *name, uint8_t type, const uint8_t pk[static CT_KEY_BYTES])
{
	return vkey_fill(out, name, strnlen(name, CT_NOTE_NAME_MAX + 1), type, pk);
}

/* Parses exactly 8 hex digits (either case) into *out. */
static bool hex8_parse(uint32_t *out, const char *s)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

int ct_vkey_parse(ct_vkey *out, const char *text, size_t len)
{
	const char *plus = memchr(text, '+', len);
	uint8_t material[1 + CT_KEY_BYTES + 2];
	size_t name_len, b64_len, material_len;
	uint32_t claimed;
	int err;

	if (!plus)
		return ct_error_set(CT_EINVAL, "verifier key: no '+' after the key name");
	name_len = (size_t)(plus - text);
	if ((err = name_check(text, name_len)) < 0)
		return ct_error_wrap(err, "verifier key");
	if (len - name_len < 10 || plus[9] != '+')
		return ct_error_set(CT_EINVAL, "verifier key '%.*s': the key ID is not 8 hex digits and a '+'",
				 (int)name_len, text);
	if (!hex8_parse(&claimed, plus + 1))
		return ct_error_set(CT_EINVAL, "verifier key '%.*s': key ID '%.8s' is not hex", (int)name_len,
				 text, plus + 1);
	b64_len = len - name_len - 10;
	if (ct_b64_decode(material, sizeof(material), &material_len, plus + 10, b64_len) < 0)
		return ct_error_set(CT_EINVAL, "verifier key '%.*s': key material is not canonical base64",
				 (int)name_len, text);
	if (material_len != 1 + CT_KEY_BYTES)
		return ct_error_set(CT_EINVAL, "verifier key '%.*s': key material is %zu bytes, not 33",
				 (int)name_len, text, material_len);
	if ((err = vkey_fill(out, text, name_len, material[0], material + 1)) < 0)
		return ct_error_wrap(err, "verifier key");
	if (out->key_id != claimed)
		return ct_error_set(CT_EINVAL, "verifier key '%s': key ID %08x does not match the key (%08x)",
				 out->name, (unsigned)claimed, (unsigned)out->key_id);
	return 0;
}

void ct_vkey_format(char out[static CT_VKEY_TEXT_MAX], const ct_vkey *k)
{
	uint8_t material[1 + CT_KEY_BYTES];
	char b64_text[CT_B64_LEN(sizeof(material)) + 1];

	material[0] = k->type;
	memcpy(material + 1, k->pk, CT_KEY_BYTES);
	ct_b64_encode(b64_text, sizeof(b64_text), material, sizeof(material));
	snprintf(out, CT_VKEY_TEXT_MAX, "%s+%08x+%s", k->name, (unsigned)k->key_id, b64_text);
}

/* ---- notes ----------------------------------------------------------------- */

/* Bytes of the formatted note: text, blank line, signature lines. */
static size_t note_size(const ct_note *n)
{
	size_t size = n->text_len + 1, i;

	for (i = 0; i < n->nsigs; i++)
		size +=
		    EM_DASH_SPACE_LEN + strlen(n->sigs[i].name) + 1 + CT_B64_LEN(4 + n->sigs[i].sig_len) + 1;
	return size;
}

void ct_note_free(ct_note *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nsigs; i++) {
		free(n->sigs[i].name);
		free(n->sigs[i].sig);
	}
	free(n->sigs);
	free(n->text);
	free(n);
}

/* Checks a note text: ends in newline, UTF-8 without control characters. */
static int text_check(const char *text, size_t len)
{
	if (len == 0 || text[len - 1] != '\n')
		return ct_error_set(CT_EINVAL, "note text does not end in a newline");
	if (len + 1 > CT_NOTE_MAX)
		return ct_error_set(CT_ETOOBIG, "note text is %zu bytes, more than a note may hold", len);
	return ct__note_text_check("note text", (const uint8_t *)text, len);
}

/* A note holding a copy of text (already checked), with no signatures. */
static int note_alloc(ct_note **out, const char *text, size_t len)
{
	ct_note *n;

	*out = NULL;
	if (!(n = calloc(1, sizeof(*n))) || !(n->text = malloc(len + 1))) {
		free(n);
		return ct_error_set(CT_ENOMEM, "out of memory for a note of %zu bytes", len);
	}
	memcpy(n->text, text, len);
	n->text[len] = '\0';
	n->text_len = len;
	*out = n;
	return 0;
}

int ct_note_new(ct_note **out, const char *text, size_t len)
{
	int err;

	*out = NULL;
	if ((err = text_check(text, len)) < 0)
		return err;
	return note_alloc(out, text, len);
}

/* Index of the line with this name and key ID, or -1. name_len bytes of name. */
static long sig_index(const ct_note *n, const char *name, size_t name_len, uint32_t id)
{
	size_t i;

	for (i = 0; i < n->nsigs; i++)
		if (n->sigs[i].key_id == id && strlen(n->sigs[i].name) == name_len &&
		    memcmp(n->sigs[i].name, name, name_len) == 0)
			return (long)i;
	return -1;
}

/* Appends a line whose name (name_len bytes) has been checked. */
static int sig_append(ct_note *n, const char *name, size_t name_len, uint32_t id, const uint8_t *sig,
		      size_t len)
{
	ct_note_sig *sigs, *s;

	sigs = realloc(n->sigs, (n->nsigs + 1) * sizeof(*sigs));
	if (!sigs)
		return ct_error_set(CT_ENOMEM, "out of memory for signature line %zu", n->nsigs + 1);
	n->sigs = sigs;
	s = &sigs[n->nsigs];
	s->name = malloc(name_len + 1);
	s->sig = malloc(len);
	if (!s->name || !s->sig) {
		free(s->name);
		free(s->sig);
		return ct_error_set(CT_ENOMEM, "out of memory for signature line %zu", n->nsigs + 1);
	}
	memcpy(s->name, name, name_len);
	s->name[name_len] = '\0';
	s->key_id = id;
	memcpy(s->sig, sig, len);
	s->sig_len = len;
	n->nsigs++;
	return 0;
}

int ct_note_add_sig(ct_note *n, const char *name, uint32_t key_id, const uint8_t *sig, size_t len)
{
	size_t name_len = strnlen(name, CT_NOTE_NAME_MAX + 1);
	int err;

	if ((err = name_check(name, name_len)) < 0)
		return err;
	if (len == 0)
		return ct_error_set(CT_EINVAL, "signature by '%s' is empty", name);
	if (len > CT_NOTE_SIG_MAX)
		return ct_error_set(CT_ETOOBIG, "signature by '%s' is %zu bytes, more than %d", name, len,
				 CT_NOTE_SIG_MAX);
	if (sig_index(n, name, name_len, key_id) >= 0)
		return ct_error_set(CT_EEXISTS, "note is already signed by key %s+%08x", name, (unsigned)key_id);
	if (n->nsigs >= CT_NOTE_MAX_SIGS)
		return ct_error_set(CT_ETOOBIG, "note already has %d signatures", CT_NOTE_MAX_SIGS);
	if (note_size(n) + EM_DASH_SPACE_LEN + name_len + 1 + CT_B64_LEN(4 + len) + 1 > CT_NOTE_MAX)
		return ct_error_set(CT_ETOOBIG, "a signature by '%s' would make the note larger than %d bytes",
				 name, CT_NOTE_MAX);
	return sig_append(n, name, name_len, key_id, sig, len);
}

int ct_note_sign(ct_note *n, const ct_keypair *kp, const char *name)
{
	uint8_t sig[CT_SIG_BYTES];
	int err;

	if ((err = ct_note_name_check(name)) < 0)
		return err;
	ct_keypair_sign(kp, sig, (const uint8_t *)n->text, n->text_len);
	return ct_note_add_sig(n, name, ct_note_key_id(name, CT_NOTE_ED25519, ct_keypair_public(kp)), sig,
			       sizeof(sig));
}

/* Orders two signature blobs: shorter first, then bytewise. */
static int sig_cmp(const ct_note_sig *a, const ct_note_sig *b)
{
	if (a->sig_len != b->sig_len)
		return a->sig_len < b->sig_len ? -1 : 1;
	return memcmp(a->sig, b->sig, a->sig_len);
}

int ct_note_merge(ct_note *into, const ct_note *from)
{
	size_t i;
	long at;
	uint8_t *copy;
	int err;

	if (into->text_len != from->text_len || memcmp(into->text, from->text, from->text_len) != 0)
		return ct_error_set(CT_EINVAL, "cannot merge the signatures of two notes with different texts");
	for (i = 0; i < from->nsigs; i++) {
		const ct_note_sig *s = &from->sigs[i];
		ct_note_sig *t;

		at = sig_index(into, s->name, strlen(s->name), s->key_id);
		if (at < 0) {
			if ((err = ct_note_add_sig(into, s->name, s->key_id, s->sig, s->sig_len)) < 0)
				return err;
			continue;
		}
		t = &into->sigs[at];
		if (sig_cmp(s, t) >= 0)
			continue;
		if (!(copy = malloc(s->sig_len)))
			return ct_error_set(CT_ENOMEM, "out of memory merging signature lines");
		memcpy(copy, s->sig, s->sig_len);
		free(t->sig);
		t->sig = copy;
		t->sig_len = s->sig_len;
	}
	return 0;
}

static int line_order(const void *a, const void *b)
{
	const ct_note_sig *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->key_id < y->key_id ? -1 : x->key_id > y->key_id;
}

void ct_note_sort_sigs(ct_note *n, size_t from)
{
	if (from < n->nsigs)
		qsort(n->sigs + from, n->nsigs - from, sizeof(*n->sigs), line_order);
}

void ct_note_remove_sig(ct_note *n, size_t i)
{
	free(n->sigs[i].name);
	free(n->sigs[i].sig);
	memmove(n->sigs + i, n->sigs + i + 1, (n->nsigs - i - 1) * sizeof(*n->sigs));
	n->nsigs--;
}

int ct_note_format(ct_buf *out, const ct_note *n)
{
	uint8_t blob[4 + CT_NOTE_SIG_MAX];
	size_t i;
	int err;

	if (n->nsigs == 0)
		return ct_error_set(CT_EINVAL, "note has no signature line");
	if ((err = ct_buf_grow(out, note_size(n))) < 0 || (err = ct_buf_put(out, n->text, n->text_len)) < 0 ||
	    (err = ct_buf_put(out, "\n", 1)) < 0)
		return err;
	for (i = 0; i < n->nsigs; i++) {
		const ct_note_sig *s = &n->sigs[i];

		assert(s->sig_len >= 1 && s->sig_len <= CT_NOTE_SIG_MAX); /* ct_note_add_sig's bounds */
		blob[0] = (uint8_t)(s->key_id >> 24);
		blob[1] = (uint8_t)(s->key_id >> 16);
		blob[2] = (uint8_t)(s->key_id >> 8);
		blob[3] = (uint8_t)s->key_id;
		memcpy(blob + 4, s->sig, s->sig_len);
		if ((err = ct_buf_put(out, EM_DASH_SPACE, EM_DASH_SPACE_LEN)) < 0 ||
		    (err = ct_buf_put(out, s->name, strlen(s->name))) < 0 ||
		    (err = ct_buf_put(out, " ", 1)) < 0 ||
		    (err = ct_b64_put(out, blob, 4 + s->sig_len)) < 0 || (err = ct_buf_put(out, "\n", 1)) < 0)
			return err;
	}
	return 0;
}

/* Offset of the last "\n\n" in buf, or -1. */
static long last_blank_line(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = len; i >= 2; i--)
		if (buf[i - 2] == '\n' && buf[i - 1] == '\n')
			return (long)(i - 2);
	return -1;
}

/* Parses signature line number lineno (line_len bytes, without '\n') into n. */
static int parse_sig_line(ct_note *n, const char *line, size_t line_len, size_t lineno)
{
	uint8_t blob[4 + CT_NOTE_SIG_MAX];
	const char *name, *space, *b64;
	size_t name_len, blob_len;
	uint32_t id;
	long first;
	int err;

	if (line_len < EM_DASH_SPACE_LEN || memcmp(line, EM_DASH_SPACE, EM_DASH_SPACE_LEN) != 0)
		return ct_error_set(
		    CT_EINVAL, "note signature line %zu: does not start with an em dash and a space", lineno);
	name = line + EM_DASH_SPACE_LEN;
	space = memchr(name, ' ', line_len - EM_DASH_SPACE_LEN);
	if (!space)
		return ct_error_set(CT_EINVAL,
				 "note signature line %zu: no space between key name and signature", lineno);
	name_len = (size_t)(space - name);
	if ((err = name_check(name, name_len)) < 0)
		return ct_error_wrap(err, "note signature line %zu", lineno);
	b64 = space + 1;
	if (line_len - (size_t)(b64 - line) > CT_B64_LEN(sizeof(blob)))
		return ct_error_set(CT_ETOOBIG, "note signature line %zu: signature longer than %d bytes",
				 lineno, CT_NOTE_SIG_MAX);
	if (ct_b64_decode(blob, sizeof(blob), &blob_len, b64, line_len - (size_t)(b64 - line)) < 0)
		return ct_error_set(CT_EINVAL, "note signature line %zu: signature is not canonical base64",
				 lineno);
	if (blob_len < 5)
		return ct_error_set(
		    CT_EINVAL,
		    "note signature line %zu: signature is %zu bytes, shorter than a key ID and one byte",
		    lineno, blob_len);
	id = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
	if ((first = sig_index(n, name, name_len, id)) >= 0)
		return ct_error_set(
		    CT_EINVAL,
		    "note signature line %zu: second signature by key %.*s+%08x (first on line %ld)", lineno,
		    (int)name_len, name, (unsigned)id, first + 1);
	return sig_append(n, name, name_len, id, blob + 4, blob_len - 4);
}

int ct_note_parse(ct_note **out, const uint8_t *buf, size_t len)
{
	const char *sigs, *line;
	size_t sigs_len, pos = 0, line_len;
	ct_note *n = NULL;
	long split;
	int err;

	*out = NULL;
	if (len > CT_NOTE_MAX)
		return ct_error_set(CT_ETOOBIG, "note is %zu bytes, more than %d", len, CT_NOTE_MAX);
	if ((err = ct__note_text_check("note", buf, len)) < 0)
		return err;
	if ((split = last_blank_line(buf, len)) < 0)
		return ct_error_set(CT_EINVAL, "note: no blank line between text and signatures");
	sigs = (const char *)buf + split + 2;
	sigs_len = len - (size_t)split - 2;
	if (sigs_len == 0)
		return ct_error_set(CT_EINVAL, "note: no signature line after the blank line");
	if (sigs[sigs_len - 1] != '\n')
		return ct_error_set(CT_EINVAL, "note: last signature line does not end in a newline");
	if ((err = note_alloc(&n, (const char *)buf, (size_t)split + 1)) < 0)
		goto done;
	while (ct__next_line(&line, &line_len, sigs, sigs_len, &pos)) {
		if (n->nsigs >= CT_NOTE_MAX_SIGS) {
			err = ct_error_set(CT_ETOOBIG, "note: more than %d signature lines", CT_NOTE_MAX_SIGS);
			goto done;
		}
		if ((err = parse_sig_line(n, line, line_len, n->nsigs + 1)) < 0)
			goto done;
	}
	*out = n;
	n = NULL;
done:
	ct_note_free(n);
	return err;
}

const ct_note_sig *ct_note_find(const ct_note *n, const ct_vkey *k)
{
	long i = sig_index(n, k->name, strlen(k->name), k->key_id);

	return i < 0 ? NULL : &n->sigs[i];
}

int ct_note_verify(const ct_note *n, const ct_vkey *k)
{
	const ct_note_sig *s;

	if (k->type != CT_NOTE_ED25519)
		return ct_error_set(CT_EINVAL, "key %s+%08x is of type 0x%02x, not an Ed25519 note key", k->name,
				 (unsigned)k->key_id, k->type);
	if (!(s = ct_note_find(n, k)))
		return ct_error_set(CT_ENOTFOUND, "note has no signature by key %s+%08x", k->name,
				 (unsigned)k->key_id);
	if (s->sig_len != CT_SIG_BYTES ||
	    ct_sig_verify(k->pk, s->sig, (const uint8_t *)n->text, n->text_len) != 0)
		return ct_error_set(CT_EBADSIG, "note signature by key %s+%08x does not verify", k->name,
				 (unsigned)k->key_id);
	return 0;
}
