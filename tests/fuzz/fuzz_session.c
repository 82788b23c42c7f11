/*
 * libFuzzer target for the handshake and transport (proto/session.c): the
 * input is what a peer sends, split at the first byte's value, fed to a
 * responder and to an initiator.
 *
 * Invariants: no crash, only documented error codes, and no input ever
 * completes a handshake: that takes the private key of an authorised peer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/proto/session.h"
#include "caltrace/base/error.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static ct_keypair *me;

static int refuse_all(void *ctx, const uint8_t key[CT_KEY_BYTES])
{
	(void)ctx;
	(void)key;
	return CT_EAUTH;
}

static void run(bool initiator, const uint8_t *data, size_t size, size_t cut)
{
	static const uint8_t network[CT_HASH_BYTES] = {7};
	static const uint8_t seed[32] = {9};
	ct_session_opts o = {0};
	ct_session *s = NULL;
	ct_buf out = CT_BUF_INIT;
	const uint8_t *msg;
	size_t len, off = 0;
	int rc = 0;

	o.identity = me;
	o.network = network;
	o.initiator = initiator;
	o.authorize = refuse_all;
	o.ephemeral_seed = seed;
	CHECK(ct_session_new(&s, &o) == 0);
	if (initiator)
		CHECK(ct_session_start(s, &out) == 0);
	while (off < size && rc >= 0) {
		size_t n = size - off < cut ? size - off : cut;
		CHECK(ct_session_push(s, data + off, n) == 0);
		off += n;
		while ((rc = ct_session_next(s, &out, &msg, &len)) == 1)
			;
		CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ETOOBIG || rc == CT_EBADSIG || rc == CT_EAUTH ||
		      rc == CT_ESTATE || rc == CT_ENOMEM);
	}
	CHECK(!ct_session_ready(s));
	ct_session_free(s);
	ct_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key_seed[32] = {1, 2, 3};

	if (!me && ct_keypair_from_seed(&me, key_seed) < 0)
		abort();
	if (size == 0)
		return 0;
	run(false, data + 1, size - 1, (size_t)data[0] + 1);
	run(true, data + 1, size - 1, (size_t)data[0] + 1);
	return 0;
}
