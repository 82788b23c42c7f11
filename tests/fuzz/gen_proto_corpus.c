/*
 * Writes the seed corpora of fuzz_msg and fuzz_session: one valid message
 * of each type, a few invalid ones, and handshake openings. Not part of the
 * build; run by hand after a change to the protocol:
 *
 *   cc -std=gnu11 -Iinclude -Iproto tests/fuzz/gen_proto_corpus.c build/libcaltrace_core.a \
 *      $(pkg-config --libs libsodium msgpack lmdb) -lpthread -o /tmp/gen_proto_corpus
 *   /tmp/gen_proto_corpus tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/proto/msg.h"
#include "caltrace/proto/session.h"

static const char *root;

static void put(const char *target, const char *name, const void *bytes, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#define OK(call)                                                                                             \
	do {                                                                                                 \
		if ((call) < 0) {                                                                            \
			fprintf(stderr, "%s: %s\n", #call, ct_error_last());                                 \
			exit(1);                                                                             \
		}                                                                                            \
	} while (0)

static void msg_corpus(void)
{
	static const uint8_t a[32] = {1, 2, 3}, h[32] = {4, 5, 6};
	ct_wire_head heads[2];
	ct_buf b = CT_BUF_INIT;

	memset(heads, 0, sizeof(heads));
	memcpy(heads[0].author, a, 32);
	heads[0].size = 300;
	heads[0].has_head = 1;
	memcpy(heads[0].head, h, 32);
	heads[1].author[0] = 9;
	heads[1].flags = CT_HEAD_FORKED;
	OK(ct_msg_hello(&b, heads, 2));
	put("fuzz_msg", "hello", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_want(&b, a, 1, 2048));
	put("fuzz_msg", "want", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_entries_begin(&b, a, 7, CT_ENTRIES_LAST, 2));
	OK(ct_mp_put_bin(&b, (const uint8_t *)"\x98\x01", 2));
	OK(ct_mp_put_bin(&b, (const uint8_t *)"", 0));
	put("fuzz_msg", "entries", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_have(&b, a, 42, h));
	put("fuzz_msg", "have", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_fork(&b, (const uint8_t *)"x", 1, (const uint8_t *)"y", 1));
	put("fuzz_msg", "fork", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_ping(&b, 300));
	put("fuzz_msg", "ping", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_error(&b, 13, "unknown key"));
	put("fuzz_msg", "error", b.ptr, b.len);
	b.len = 0;
	OK(ct_msg_checkpoint(&b, a, (const uint8_t *)"note\n", 5));
	put("fuzz_msg", "checkpoint", b.ptr, b.len);
	put("fuzz_msg", "bad-type", "\x91\x0a", 2);
	put("fuzz_msg", "bad-wide-nonce", "\x92\x06\xcc\x05", 4);
	ct_buf_free(&b);
}

/* A dialer's msg1 on the fuzz target's network, after the chunk-size byte. */
static void session_corpus(void)
{
	static const uint8_t network[CT_HASH_BYTES] = {7};
	static const uint8_t seed[32] = {5};
	ct_keypair *kp = NULL;
	ct_session_opts o = {0};
	ct_session *s = NULL;
	ct_buf out = CT_BUF_INIT, in = CT_BUF_INIT;
	uint8_t chunk = 200;

	OK(ct_keypair_from_seed(&kp, seed));
	o.identity = kp;
	o.network = network;
	o.initiator = 1;
	o.ephemeral_seed = seed;
	OK(ct_session_new(&s, &o));
	OK(ct_session_start(s, &out));
	ct_buf_put(&in, &chunk, 1);
	ct_buf_put(&in, out.ptr, out.len);
	put("fuzz_session", "msg1", in.ptr, in.len);
	chunk = 0;
	in.ptr[0] = chunk;
	put("fuzz_session", "msg1-bytewise", in.ptr, in.len);
	put("fuzz_session", "garbage", "\x10GET / HTTP/1.1\r\n\r\n", 20);
	ct_session_free(s);
	ct_keypair_free(kp);
	ct_buf_free(&out);
	ct_buf_free(&in);
}

int main(int argc, char **argv)
{
	root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
	msg_corpus();
	session_corpus();
	return 0;
}
