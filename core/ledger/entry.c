/*
 * Entries (docs/DESIGN.md section 3): decoding, framing, signing and hashing.
 *
 *   entry = array(8) [version, author, seq, prev, time, type, body, sig]
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/base/error.h"
#include "caltrace/base/sha2.h"
#include "caltrace/base/utf8.h"

#define ENTRY_FIELDS 8

/* Fills name with "entry <author's short name>…#<seq>" for detail messages. */
static const char *entry_name(char name[static 48], const uint8_t author[static CT_KEY_BYTES], uint64_t seq)
{
	char key[CT_KEY_SHORT_LEN + 1];

	ct_key_short(key, author);
	snprintf(name, 48, "entry %s\xe2\x80\xa6#%llu", key, (unsigned long long)seq);
	return name;
}

/* Reads a bin of exactly n bytes into out; field names the field. Errors: CT_EINVAL. */
static int read_fixed_bin(ct_mp *r, uint8_t *out, size_t n, const char *field)
{
	const uint8_t *p;
	size_t len;

	if (ct_mp_peek(r) != CT_MP_BIN || ct_mp_read_bin(r, &p, &len) < 0 || len != n)
		return ct_error_set(CT_EINVAL, "entry: %s must be a bin of %zu bytes", field, n);
	memcpy(out, p, n);
	return 0;
}

/* Reads a uint field. Errors: CT_EINVAL. */
static int read_uint_field(ct_mp *r, uint64_t *out, const char *field)
{
	if (ct_mp_peek(r) != CT_MP_UINT || ct_mp_read_uint(r, out) < 0)
		return ct_error_set(CT_EINVAL, "entry: %s must be a uint", field);
	return 0;
}

/*
 * Decodes fields 0..2 (version, author, seq) of an entry whose array header
 * has been read. Errors: CT_EINVAL.
 */
static int decode_head(ct_mp *r, ct_entry *e)
{
	char name[48];
	int err;

	if ((err = read_uint_field(r, &e->version, "version")) < 0)
		return err;
	if (e->version != CT_ENTRY_VERSION)
		return ct_error_set(CT_EINVAL, "entry: version %llu, only %d is known", (unsigned long long)e->version,
				 CT_ENTRY_VERSION);
	if ((err = read_fixed_bin(r, e->author, CT_KEY_BYTES, "author")) < 0 ||
	    (err = read_uint_field(r, &e->seq, "seq")) < 0)
		return err;
	if (e->seq == 0)
		return ct_error_set(CT_EINVAL, "%s: seq must be at least 1", entry_name(name, e->author, e->seq));
	return 0;
}

/*
 * Decodes fields 3..7 (prev, time, type, body, sig) once author and seq are
 * known, so that messages can name the entry. Errors: CT_EINVAL.
 */
static int decode_tail(ct_mp *r, ct_entry *e)
{
	const uint8_t *body_start;
	char name[48]; /* filled only for a message: most decodes need none */
	int err;

	e->has_prev = ct_mp_peek(r) != CT_MP_NIL;
	if (!e->has_prev)
		(void)ct_mp_read_nil(r);
	else if ((err = read_fixed_bin(r, e->prev, CT_HASH_BYTES, "prev")) < 0)
		return ct_error_wrap(err, "%s", entry_name(name, e->author, e->seq));
	if (e->seq == 1 && e->has_prev)
		return ct_error_set(CT_EINVAL, "%s: prev must be nil at seq 1",
				    entry_name(name, e->author, e->seq));
	if (e->seq != 1 && !e->has_prev)
		return ct_error_set(CT_EINVAL, "%s: prev must be a hash after seq 1",
				    entry_name(name, e->author, e->seq));
	if ((err = read_uint_field(r, &e->time, "time")) < 0)
		return ct_error_wrap(err, "%s", entry_name(name, e->author, e->seq));
	if (ct_mp_peek(r) != CT_MP_STR || ct_mp_read_str(r, &e->type, &e->type_len) < 0)
		return ct_error_set(CT_EINVAL, "%s: type must be a str", entry_name(name, e->author, e->seq));
	if (e->type_len == 0 || e->type_len > CT_TYPE_MAX)
		return ct_error_set(CT_EINVAL, "%s: type of %zu bytes, must be 1 to %d",
				    entry_name(name, e->author, e->seq), e->type_len, CT_TYPE_MAX);
	body_start = r->p;
	if (ct_mp_peek(r) != CT_MP_MAP || ct_mp_skip(r) < 0)
		return ct_error_set(CT_EINVAL, "%s: body must be a map", entry_name(name, e->author, e->seq));
	e->body = body_start;
	e->body_len = (size_t)(r->p - body_start);
	if ((err = read_fixed_bin(r, e->sig, CT_SIG_BYTES, "sig")) < 0)
		return ct_error_wrap(err, "%s", entry_name(name, e->author, e->seq));
	return 0;
}

int ct_entry_decode(ct_entry *out, const uint8_t *buf, size_t len)
{
	ct_mp r = ct_mp_over(buf, len);
	uint32_t count;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > CT_ENTRY_MAX)
		return ct_error_set(CT_ETOOBIG, "entry of %zu bytes, at most %d allowed", len, CT_ENTRY_MAX);
	/* Canonical throughout, one value, nothing after it: the field
	 * readers below can then only fail on a kind or a value. */
	if ((err = ct_mp_check(buf, len)) < 0)
		return ct_error_wrap(err, "entry");
	if (ct_mp_peek(&r) != CT_MP_ARRAY || ct_mp_read_array(&r, &count) < 0 || count != ENTRY_FIELDS)
		return ct_error_set(CT_EINVAL, "entry: must be an array of %d", ENTRY_FIELDS);
	if ((err = decode_head(&r, out)) < 0 || (err = decode_tail(&r, out)) < 0)
		return err;
	out->raw = buf;
	out->raw_len = len;
	return 0;
}

int ct_entry_frame(size_t *out, const uint8_t *buf, size_t len)
{
	/* The walk never looks past CT_ENTRY_MAX bytes, so running out of the
	 * view with more input behind it means the entry is too large. */
	ct_mp r = ct_mp_over(buf, len < CT_ENTRY_MAX ? len : CT_ENTRY_MAX);
	int err;

	*out = 0;
	if (len == 0)
		return ct_error_set(CT_ETRUNC, "entry frame: no bytes");
	if (buf[0] != 0x90 + ENTRY_FIELDS)
		return ct_error_set(CT_ENONCANON, "entry frame: starts with 0x%02x, not array(%d)", buf[0], ENTRY_FIELDS);
	if ((err = ct_mp_skip(&r)) == 0) {
		*out = (size_t)(r.p - buf);
		return 0;
	}
	if (err == CT_ETRUNC && len > CT_ENTRY_MAX)
		return ct_error_set(CT_ETOOBIG, "entry frame: entry longer than %d bytes", CT_ENTRY_MAX);
	return ct_error_wrap(err, "entry frame");
}

/* Appends array(7)[fields 0..6] of e: the signed part of an entry. */
static int put_fields(ct_buf *out, const ct_entry *e, uint32_t count)
{
	int err;

	if ((err = ct_mp_put_array(out, count)) < 0 || (err = ct_mp_put_uint(out, e->version)) < 0 ||
	    (err = ct_mp_put_bin(out, e->author, CT_KEY_BYTES)) < 0 || (err = ct_mp_put_uint(out, e->seq)) < 0)
		return err;
	if (e->has_prev)
		err = ct_mp_put_bin(out, e->prev, CT_HASH_BYTES);
	else
		err = ct_mp_put_nil(out);
	if (err < 0 || (err = ct_mp_put_uint(out, e->time)) < 0 ||
	    (err = ct_mp_put_str(out, e->type, e->type_len)) < 0 || (err = ct_buf_put(out, e->body, e->body_len)) < 0)
		return err;
	return 0;
}

int ct_entry_signing_input(ct_buf *out, const ct_entry *e)
{
	size_t start = out->len;
	int err;

	/* The context string and its 0x00 terminator. */
	if ((err = ct_buf_put(out, CT_ENTRY_SIG_CONTEXT, sizeof(CT_ENTRY_SIG_CONTEXT))) < 0 ||
	    (err = put_fields(out, e, ENTRY_FIELDS - 1)) < 0)
		out->len = start;
	return err;
}

int ct_entry_verify(const ct_entry *e)
{
	ct_buf msg = CT_BUF_INIT;
	char name[48];
	int err;

	if ((err = ct_entry_signing_input(&msg, e)) < 0)
		goto done;
	if ((err = ct_sig_verify(e->author, e->sig, msg.ptr, msg.len)) < 0)
		err = ct_error_set(CT_EBADSIG, "%s: bad signature", entry_name(name, e->author, e->seq));
done:
	ct_buf_free(&msg);
	return err;
}

void ct_entry_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t *raw, size_t len)
{
	static const uint8_t leaf = 0x00; /* RFC 6962 leaf prefix */
	const ct_sha2_part parts[] = {{&leaf, 1}, {raw, len}};

	ct_sha256_parts(out, parts, 2);
}

/* Checks the caller's arguments to ct_entry_build. Errors: CT_EINVAL, CT_ENONCANON. */
static int check_build_args(uint64_t seq, const uint8_t *prev, const char *type, const uint8_t *body,
			    size_t body_len)
{
	ct_mp r = ct_mp_over(body, body_len);
	size_t type_len;
	int err;

	if (seq == 0)
		return ct_error_set(CT_EINVAL, "new entry: seq must be at least 1");
	if ((seq == 1) != (prev == NULL))
		return ct_error_set(CT_EINVAL, "new entry #%llu: prev must be %s", (unsigned long long)seq,
				 seq == 1 ? "NULL at seq 1" : "given after seq 1");
	type_len = type ? strlen(type) : 0;
	if (type_len == 0 || type_len > CT_TYPE_MAX || !ct_utf8_valid(type, type_len))
		return ct_error_set(CT_EINVAL, "new entry #%llu: type must be 1 to %d bytes of UTF-8",
				 (unsigned long long)seq, CT_TYPE_MAX);
	if (body_len > CT_ENTRY_MAX)
		return ct_error_set(CT_ETOOBIG, "new entry #%llu: body of %zu bytes", (unsigned long long)seq, body_len);
	if ((err = ct_mp_check(body, body_len)) < 0)
		return ct_error_wrap(err, "new entry #%llu: body", (unsigned long long)seq);
	if (ct_mp_peek(&r) != CT_MP_MAP)
		return ct_error_set(CT_EINVAL, "new entry #%llu: body must be a map", (unsigned long long)seq);
	return 0;
}

int ct_entry_build(ct_buf *out, const ct_keypair *kp, uint64_t seq, const uint8_t *prev, uint64_t time_ms,
		   const char *type, const uint8_t *body, size_t body_len)
{
	ct_buf msg = CT_BUF_INIT;
	ct_entry e;
	char name[48];
	int err;

	out->len = 0;
	if ((err = check_build_args(seq, prev, type, body, body_len)) < 0)
		goto done;
	memset(&e, 0, sizeof(e));
	e.version = CT_ENTRY_VERSION;
	memcpy(e.author, ct_keypair_public(kp), CT_KEY_BYTES);
	e.seq = seq;
	e.has_prev = prev != NULL;
	if (prev)
		memcpy(e.prev, prev, CT_HASH_BYTES);
	e.time = time_ms;
	e.type = type;
	e.type_len = strlen(type);
	e.body = body;
	e.body_len = body_len;
	if ((err = ct_entry_signing_input(&msg, &e)) < 0)
		goto done;
	ct_keypair_sign(kp, e.sig, msg.ptr, msg.len);
	if ((err = put_fields(out, &e, ENTRY_FIELDS)) < 0 || (err = ct_mp_put_bin(out, e.sig, CT_SIG_BYTES)) < 0)
		goto done;
	entry_name(name, e.author, seq);
	if (out->len > CT_ENTRY_MAX) {
		err = ct_error_set(CT_ETOOBIG, "%s: %zu bytes encoded, at most %d allowed", name, out->len, CT_ENTRY_MAX);
		goto done;
	}
	/* The body may nest too deep once inside the entry. */
	if ((err = ct_mp_check(out->ptr, out->len)) < 0)
		err = ct_error_wrap(err, "%s", name);
done:
	if (err < 0)
		out->len = 0;
	ct_buf_free(&msg);
	return err;
}
