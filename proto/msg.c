/* Replication messages: strict decoder and encoders (proto/msg.h). */
#include <string.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/proto/msg.h"

static const char *const names[] = {
    [CT_MSG_HELLO] = "hello", [CT_MSG_WANT] = "want",	[CT_MSG_ENTRIES] = "entries",
    [CT_MSG_HAVE] = "have",   [CT_MSG_FORK] = "fork",	[CT_MSG_PING] = "ping",
    [CT_MSG_PONG] = "pong",   [CT_MSG_ERROR] = "error", [CT_MSG_CHECKPOINT] = "checkpoint",
};

/* Fields after the type, per message type. */
static const uint32_t field_count[] = {
    [CT_MSG_HELLO] = 2, [CT_MSG_WANT] = 3, [CT_MSG_ENTRIES] = 4, [CT_MSG_HAVE] = 3,	  [CT_MSG_FORK] = 2,
    [CT_MSG_PING] = 1,	[CT_MSG_PONG] = 1, [CT_MSG_ERROR] = 2,	 [CT_MSG_CHECKPOINT] = 2,
};

const char *ct_msg_name(unsigned type)
{
	if (type >= CT_MSG_HELLO && type <= CT_MSG_CHECKPOINT)
		return names[type];
	return "unknown";
}

/* The error of field `field` of the message being decoded. */
static int bad(int err, const ct_msg *m, const char *field)
{
	return ct_error_wrap(err == CT_ETRUNC || err == CT_ENONCANON ? err : CT_EINVAL, "%s message: %s",
			      ct_msg_name(m->type), field);
}

static int read_key(ct_mp *r, const uint8_t **out)
{
	size_t len;
	int err;

	if ((err = ct_mp_read_bin(r, out, &len)) < 0)
		return err;
	if (len != CT_KEY_BYTES)
		return ct_error_set(CT_EINVAL, "a bin of %zu bytes, expected %d", len, CT_KEY_BYTES);
	return 0;
}

static int read_uint(ct_mp *r, uint64_t *out)
{
	return ct_mp_read_uint(r, out);
}

/* One hello head: [author, size, head|nil, flags]. */
static int read_head_item(ct_mp *r, ct_wire_head *out)
{
	const uint8_t *author, *head = NULL;
	uint64_t flags;
	uint32_t n;
	size_t len;
	int err;

	if ((err = ct_mp_read_array(r, &n)) < 0)
		return err;
	if (n != 4)
		return ct_error_set(CT_EINVAL, "a head has %u fields, expected 4", n);
	if ((err = read_key(r, &author)) < 0 || (err = read_uint(r, &out->size)) < 0)
		return err;
	if (ct_mp_peek(r) == CT_MP_NIL) {
		if ((err = ct_mp_read_nil(r)) < 0)
			return err;
	} else {
		if ((err = ct_mp_read_bin(r, &head, &len)) < 0)
			return err;
		if (len != CT_HASH_BYTES)
			return ct_error_set(CT_EINVAL, "a head hash of %zu bytes", len);
	}
	if ((err = read_uint(r, &flags)) < 0)
		return err;
	if ((out->size == 0) != (head == NULL))
		return ct_error_set(CT_EINVAL, "a head hash must be nil exactly when the size is 0");
	if (flags > CT_HEAD_FORKED)
		return ct_error_set(CT_EINVAL, "unknown head flags %llu", (unsigned long long)flags);
	memcpy(out->author, author, CT_KEY_BYTES);
	out->has_head = head != NULL;
	if (head)
		memcpy(out->head, head, CT_HASH_BYTES);
	else
		memset(out->head, 0, CT_HASH_BYTES);
	out->flags = (unsigned)flags;
	return 0;
}

static int decode_hello(ct_msg *m, ct_mp *r)
{
	ct_mp scan;
	ct_wire_head h;
	uint32_t i;
	int err;

	if ((err = read_uint(r, &m->version)) < 0)
		return bad(err, m, "version");
	if ((err = ct_mp_read_array(r, &m->count)) < 0)
		return bad(err, m, "heads");
	m->items = *r;
	scan = *r;
	for (i = 0; i < m->count; i++)
		if ((err = read_head_item(&scan, &h)) < 0)
			return bad(err, m, "heads");
	*r = scan;
	return 0;
}

static int decode_entries(ct_msg *m, ct_mp *r)
{
	const uint8_t *raw;
	uint64_t flags;
	size_t len;
	uint32_t i;
	int err;

	if ((err = read_key(r, &m->author)) < 0)
		return bad(err, m, "author");
	if ((err = read_uint(r, &m->from)) < 0)
		return bad(err, m, "from");
	if (m->from == 0)
		return ct_error_set(CT_EINVAL, "entries message: from must be at least 1");
	if ((err = read_uint(r, &flags)) < 0)
		return bad(err, m, "flags");
	if (flags > (CT_ENTRIES_LAST | CT_ENTRIES_PUSH))
		return ct_error_set(CT_EINVAL, "entries message: unknown flags %llu", (unsigned long long)flags);
	m->flags = (unsigned)flags;
	if ((err = ct_mp_read_array(r, &m->count)) < 0)
		return bad(err, m, "entries");
	m->items = *r;
	for (i = 0; i < m->count; i++) {
		if ((err = ct_mp_read_bin(r, &raw, &len)) < 0)
			return bad(err, m, "entries");
		if (len > CT_ENTRY_MAX)
			return ct_error_set(CT_EINVAL, "entries message: entry %u has %zu bytes, over %d", i,
					 len, CT_ENTRY_MAX);
	}
	return 0;
}

static int decode_fields(ct_msg *m, ct_mp *r)
{
	int err = 0;

	switch (m->type) {
	case CT_MSG_HELLO:
		return decode_hello(m, r);
	case CT_MSG_WANT:
		if ((err = read_key(r, &m->author)) < 0)
			return bad(err, m, "author");
		if ((err = read_uint(r, &m->from)) < 0 || (err = read_uint(r, &m->to)) < 0)
			return bad(err, m, "range");
		if (m->from == 0 || m->to < m->from)
			return ct_error_set(CT_EINVAL, "want message: range %llu..%llu is empty or starts at 0",
					 (unsigned long long)m->from, (unsigned long long)m->to);
		return 0;
	case CT_MSG_ENTRIES:
		return decode_entries(m, r);
	case CT_MSG_HAVE:
		if ((err = read_key(r, &m->author)) < 0)
			return bad(err, m, "author");
		if ((err = read_uint(r, &m->size)) < 0)
			return bad(err, m, "size");
		if ((err = read_key(r, &m->head)) < 0)
			return bad(err, m, "head");
		if (m->size == 0)
			return ct_error_set(CT_EINVAL, "have message: size 0");
		return 0;
	case CT_MSG_FORK:
		if ((err = ct_mp_read_bin(r, &m->a, &m->a_len)) < 0 ||
		    (err = ct_mp_read_bin(r, &m->b, &m->b_len)) < 0)
			return bad(err, m, "entries");
		if (m->a_len > CT_ENTRY_MAX || m->b_len > CT_ENTRY_MAX)
			return ct_error_set(CT_EINVAL, "fork message: an entry over %d bytes", CT_ENTRY_MAX);
		return 0;
	case CT_MSG_PING:
	case CT_MSG_PONG:
		if ((err = read_uint(r, &m->nonce)) < 0)
			return bad(err, m, "nonce");
		return 0;
	case CT_MSG_ERROR:
		if ((err = read_uint(r, &m->code)) < 0)
			return bad(err, m, "code");
		if ((err = ct_mp_read_str(r, &m->text, &m->text_len)) < 0)
			return bad(err, m, "text");
		if (m->text_len > CT_MSG_TEXT_MAX)
			return ct_error_set(CT_EINVAL, "error message: text of %zu bytes", m->text_len);
		return 0;
	case CT_MSG_CHECKPOINT:
		if ((err = read_key(r, &m->author)) < 0)
			return bad(err, m, "author");
		if ((err = ct_mp_read_bin(r, &m->note, &m->note_len)) < 0)
			return bad(err, m, "note");
		return 0;
	}
	return CT_EINVAL;
}

int ct_msg_decode(ct_msg *out, const uint8_t *buf, size_t len)
{
	ct_mp r = ct_mp_over(buf, len);
	uint64_t type;
	uint32_t n;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = ct_mp_read_array(&r, &n)) < 0)
		return ct_error_wrap(err == CT_EINVAL ? CT_EINVAL : err, "message");
	if (n == 0 || (err = read_uint(&r, &type)) < 0)
		return ct_error_set(CT_EINVAL, "message: no type");
	if (type < CT_MSG_HELLO || type > CT_MSG_CHECKPOINT)
		return ct_error_set(CT_EINVAL, "message of unknown type %llu", (unsigned long long)type);
	out->type = (ct_msg_type)type;
	if (n - 1 != field_count[type])
		return ct_error_set(CT_EINVAL, "%s message has %u fields, expected %u", names[type], n - 1,
				 field_count[type]);
	if ((err = decode_fields(out, &r)) < 0)
		return err;
	if (r.p != r.end)
		return ct_error_set(CT_EINVAL, "%s message: %zu bytes after its end", names[type],
				 (size_t)(r.end - r.p));
	return 0;
}

int ct_msg_next_head(ct_msg *m, ct_wire_head *out)
{
	if (m->type != CT_MSG_HELLO || m->count == 0)
		return 0;
	if (read_head_item(&m->items, out) < 0)
		return 0; /* cannot happen: checked by ct_msg_decode */
	m->count--;
	return 1;
}

int ct_msg_next_entry(ct_msg *m, const uint8_t **raw, size_t *len)
{
	if (m->type != CT_MSG_ENTRIES || m->count == 0)
		return 0;
	if (ct_mp_read_bin(&m->items, raw, len) < 0)
		return 0; /* cannot happen: checked by ct_msg_decode */
	m->count--;
	return 1;
}

/* [type, ...] with n fields after the type. */
static int begin(ct_buf *out, ct_msg_type type)
{
	int err;

	if ((err = ct_mp_put_array(out, field_count[type] + 1)) < 0)
		return err;
	return ct_mp_put_uint(out, type);
}

int ct_msg_hello(ct_buf *out, const ct_wire_head *heads, size_t count)
{
	size_t i;
	int err;

	if ((err = begin(out, CT_MSG_HELLO)) < 0 || (err = ct_mp_put_uint(out, CT_PROTO_VERSION)) < 0 ||
	    (err = ct_mp_put_array(out, (uint32_t)count)) < 0)
		return err;
	for (i = 0; i < count; i++) {
		const ct_wire_head *h = &heads[i];
		if ((err = ct_mp_put_array(out, 4)) < 0 ||
		    (err = ct_mp_put_bin(out, h->author, CT_KEY_BYTES)) < 0 ||
		    (err = ct_mp_put_uint(out, h->size)) < 0)
			return err;
		err = h->size ? ct_mp_put_bin(out, h->head, CT_HASH_BYTES) : ct_mp_put_nil(out);
		if (err < 0 || (err = ct_mp_put_uint(out, h->flags)) < 0)
			return err;
	}
	return 0;
}

int ct_msg_want(ct_buf *out, const uint8_t author[CT_KEY_BYTES], uint64_t from, uint64_t to)
{
	int err;

	if ((err = begin(out, CT_MSG_WANT)) < 0 || (err = ct_mp_put_bin(out, author, CT_KEY_BYTES)) < 0 ||
	    (err = ct_mp_put_uint(out, from)) < 0)
		return err;
	return ct_mp_put_uint(out, to);
}

int ct_msg_entries_begin(ct_buf *out, const uint8_t author[CT_KEY_BYTES], uint64_t from, unsigned flags,
			 uint32_t count)
{
	int err;

	if ((err = begin(out, CT_MSG_ENTRIES)) < 0 || (err = ct_mp_put_bin(out, author, CT_KEY_BYTES)) < 0 ||
	    (err = ct_mp_put_uint(out, from)) < 0 || (err = ct_mp_put_uint(out, flags)) < 0)
		return err;
	return ct_mp_put_array(out, count);
}

int ct_msg_have(ct_buf *out, const uint8_t author[CT_KEY_BYTES], uint64_t size,
		const uint8_t head[CT_HASH_BYTES])
{
	int err;

	if ((err = begin(out, CT_MSG_HAVE)) < 0 || (err = ct_mp_put_bin(out, author, CT_KEY_BYTES)) < 0 ||
	    (err = ct_mp_put_uint(out, size)) < 0)
		return err;
	return ct_mp_put_bin(out, head, CT_HASH_BYTES);
}

int ct_msg_fork(ct_buf *out, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	int err;

	if ((err = begin(out, CT_MSG_FORK)) < 0 || (err = ct_mp_put_bin(out, a, a_len)) < 0)
		return err;
	return ct_mp_put_bin(out, b, b_len);
}

int ct_msg_ping(ct_buf *out, uint64_t nonce)
{
	int err;

	if ((err = begin(out, CT_MSG_PING)) < 0)
		return err;
	return ct_mp_put_uint(out, nonce);
}

int ct_msg_pong(ct_buf *out, uint64_t nonce)
{
	int err;

	if ((err = begin(out, CT_MSG_PONG)) < 0)
		return err;
	return ct_mp_put_uint(out, nonce);
}

int ct_msg_error(ct_buf *out, uint64_t code, const char *text)
{
	size_t len = strlen(text);
	int err;

	/* Cut at a UTF-8 boundary: the text must stay a valid str. */
	if (len > CT_MSG_TEXT_MAX) {
		len = CT_MSG_TEXT_MAX;
		while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80)
			len--;
	}
	if ((err = begin(out, CT_MSG_ERROR)) < 0 || (err = ct_mp_put_uint(out, code)) < 0)
		return err;
	return ct_mp_put_str(out, text, len);
}

int ct_msg_checkpoint(ct_buf *out, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len)
{
	int err;

	if ((err = begin(out, CT_MSG_CHECKPOINT)) < 0 || (err = ct_mp_put_bin(out, author, CT_KEY_BYTES)) < 0)
		return err;
	return ct_mp_put_bin(out, note, len);
}
