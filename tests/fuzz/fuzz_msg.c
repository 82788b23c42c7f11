/*
 * libFuzzer target for the replication message decoder (proto/msg.c).
 *
 * Invariants checked on every input:
 *  - ct_msg_decode returns 0 or one of its documented codes;
 *  - when it accepts: the input is one canonical msgpack value, the
 *    iterators yield exactly `count` items, all inside the input, and
 *    encoding the decoded fields again gives back the input byte for byte
 *    (one message, one encoding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/proto/msg.h"
#include "caltrace/base/error.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static void reencode(ct_msg m, const uint8_t *data, size_t size)
{
	ct_buf out = CT_BUF_INIT;
	ct_wire_head *heads = NULL;
	const uint8_t *raw;
	size_t len, n = 0;

	switch (m.type) {
	case CT_MSG_HELLO:
		CHECK(m.version <= UINT64_MAX);
		heads = calloc(m.count ? m.count : 1, sizeof(*heads));
		while (ct_msg_next_head(&m, &heads[n]))
			n++;
		if (m.version == CT_PROTO_VERSION)
			CHECK(ct_msg_hello(&out, heads, n) == 0);
		break;
	case CT_MSG_WANT:
		CHECK(ct_msg_want(&out, m.author, m.from, m.to) == 0);
		break;
	case CT_MSG_ENTRIES: {
		uint32_t count = m.count;
		CHECK(ct_msg_entries_begin(&out, m.author, m.from, m.flags, count) == 0);
		while (ct_msg_next_entry(&m, &raw, &len)) {
			CHECK(raw >= data && raw + len <= data + size && len <= 65536);
			CHECK(ct_mp_put_bin(&out, raw, len) == 0);
			n++;
		}
		CHECK(n == count);
		break;
	}
	case CT_MSG_HAVE:
		CHECK(ct_msg_have(&out, m.author, m.size, m.head) == 0);
		break;
	case CT_MSG_FORK:
		CHECK(ct_msg_fork(&out, m.a, m.a_len, m.b, m.b_len) == 0);
		break;
	case CT_MSG_PING:
		CHECK(ct_msg_ping(&out, m.nonce) == 0);
		break;
	case CT_MSG_PONG:
		CHECK(ct_msg_pong(&out, m.nonce) == 0);
		break;
	case CT_MSG_ERROR: {
		char *text = malloc(m.text_len + 1);
		memcpy(text, m.text, m.text_len);
		text[m.text_len] = '\0';
		/* a text with a NUL cannot be given back through the C string API */
		if (strlen(text) == m.text_len)
			CHECK(ct_msg_error(&out, m.code, text) == 0);
		free(text);
		break;
	}
	case CT_MSG_CHECKPOINT:
		CHECK(ct_msg_checkpoint(&out, m.author, m.note, m.note_len) == 0);
		break;
	}
	if (out.len)
		CHECK(out.len == size && memcmp(out.ptr, data, size) == 0);
	free(heads);
	ct_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ct_msg m;
	int rc = ct_msg_decode(&m, data, size);

	CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ENONCANON || rc == CT_ETRUNC);
	if (rc == 0) {
		CHECK(ct_mp_check(data, size) == 0);
		CHECK(m.type >= CT_MSG_HELLO && m.type <= CT_MSG_CHECKPOINT);
		reencode(m, data, size);
	}
	return 0;
}
