/*
 * libFuzzer target for entry framing and decoding.
 *
 * Invariants checked on every input:
 *  - ct_entry_frame and ct_entry_decode return only their documented codes;
 *  - a frame never exceeds the input nor CT_ENTRY_MAX;
 *  - when decode accepts: the frame is the whole input, the input is one
 *    canonical value, body lies inside it and is a canonical map, the
 *    signing input is the context, 0x00, 0x97 and the field bytes of the
 *    input, and verification answers 0 or CT_EBADSIG.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/mp.h"

#define CHECK(cond)                                                                                           \
	do {                                                                                                  \
		if (!(cond))                                                                                  \
			abort();                                                                              \
	} while (0)

static void check_decoded(const ct_entry *e, const uint8_t *data, size_t size)
{
	static const char ctx[] = CT_ENTRY_SIG_CONTEXT;
	uint8_t hash[CT_HASH_BYTES];
	ct_buf msg = CT_BUF_INIT;
	size_t frame = 0;
	int rc;

	CHECK(ct_entry_frame(&frame, data, size) == 0 && frame == size);
	CHECK(ct_mp_check(data, size) == 0);
	CHECK(e->raw == data && e->raw_len == size && size <= CT_ENTRY_MAX);
	CHECK(e->version == CT_ENTRY_VERSION && e->seq >= 1 && e->has_prev == (e->seq != 1));
	CHECK(e->type_len >= 1 && e->type_len <= CT_TYPE_MAX);
	CHECK(e->body > data && e->body + e->body_len <= data + size);
	CHECK(ct_mp_check(e->body, e->body_len) == 0);
	CHECK(ct_entry_signing_input(&msg, e) == 0);
	CHECK(msg.len == sizeof(ctx) + 1 + size - 67);
	CHECK(memcmp(msg.ptr, ctx, sizeof(ctx)) == 0 && msg.ptr[sizeof(ctx)] == 0x97);
	CHECK(memcmp(msg.ptr + sizeof(ctx) + 1, data + 1, size - 67) == 0);
	rc = ct_entry_verify(e);
	CHECK(rc == 0 || rc == CT_EBADSIG);
	ct_entry_hash(hash, data, size);
	ct_buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t frame = 0;
	ct_entry e;
	int rc;

	rc = ct_entry_frame(&frame, data, size);
	CHECK(rc == 0 || rc == CT_ETRUNC || rc == CT_ENONCANON || rc == CT_ETOOBIG);
	if (rc == 0)
		CHECK(frame > 0 && frame <= size && frame <= CT_ENTRY_MAX);
	rc = ct_entry_decode(&e, data, size);
	CHECK(rc == 0 || rc == CT_ETRUNC || rc == CT_ENONCANON || rc == CT_ETOOBIG || rc == CT_EINVAL);
	if (rc == 0)
		check_decoded(&e, data, size);
	/* A stream: the first framed entry must decode the same way alone. */
	if (ct_entry_frame(&frame, data, size) == 0 && frame < size &&
	    ct_entry_decode(&e, data, frame) == 0)
		check_decoded(&e, data, frame);
	return 0;
}
