/*
 * The handshake and the encrypted transport, with two in-memory endpoints:
 * success both ways, then every refusal: wrong network id, unknown key,
 * a key other than the one dialed, garbage, tampering, oversized frames,
 * replay and reorder.
 */
#include <sodium.h>

#include "ct_test.h"
#include "caltrace/proto/session.h"

#define NET_BYTE 0x42

struct side {
	ct_session *s;
	ct_buf out; /* bytes it wants sent */
	int err;    /* first error from next() */
	char detail[512];
	ct_buf got; /* messages received, each prefixed by one length byte */
	int count;
};

struct pair {
	ct_keypair *ki, *kr;
	uint8_t net_i[32], net_r[32];
	struct side i, r;
	bool refuse_i;	/* the responder's authorize refuses the initiator */
	int authorized; /* calls to authorize */
};

static int authorize(void *ctx, const uint8_t key[CT_KEY_BYTES])
{
	struct pair *p = ctx;

	(void)key;
	p->authorized++;
	if (p->refuse_i) {
		/* what a node writes through ct_error_set */
		ct_error_clear();
		return CT_EAUTH;
	}
	return 0;
}

static void make(struct pair *p, const uint8_t *expect)
{
	ct_session_opts oi = {0}, orr = {0};

	oi.identity = p->ki;
	oi.network = p->net_i;
	oi.initiator = true;
	oi.expect = expect;
	orr.identity = p->kr;
	orr.network = p->net_r;
	orr.authorize = authorize;
	orr.ctx = p;
	CT_OK_OR_FAIL(ct_session_new(&p->i.s, &oi));
	CT_OK_OR_FAIL(ct_session_new(&p->r.s, &orr));
}

static void setup_pair(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->ki = ct_test_keypair(11);
	p->kr = ct_test_keypair(12);
	memset(p->net_i, NET_BYTE, 32);
	memset(p->net_r, NET_BYTE, 32);
}

static void free_pair(struct pair *p)
{
	ct_session_free(p->i.s);
	ct_session_free(p->r.s);
	ct_buf_free(&p->i.out);
	ct_buf_free(&p->r.out);
	ct_buf_free(&p->i.got);
	ct_buf_free(&p->r.got);
	ct_keypair_free(p->ki);
	ct_keypair_free(p->kr);
}

/* Delivers from's pending bytes to to, and lets to process them. */
static void deliver(struct side *from, struct side *to)
{
	const uint8_t *msg;
	size_t len;
	int rc;

	if (from->out.len == 0 || to->err)
		return;
	CT_OK_OR_FAIL(ct_session_push(to->s, from->out.ptr, from->out.len));
	from->out.len = 0;
	while ((rc = ct_session_next(to->s, &to->out, &msg, &len)) == 1) {
		uint8_t n = (uint8_t)len;
		ct_buf_put(&to->got, &n, 1);
		ct_buf_put(&to->got, msg, len);
		to->count++;
	}
	if (rc < 0) {
		to->err = rc;
		snprintf(to->detail, sizeof(to->detail), "%s", ct_error_last());
	}
}

/* Runs the exchange until nothing moves. */
static void pump(struct pair *p)
{
	for (int round = 0; round < 10; round++) {
		deliver(&p->i, &p->r);
		deliver(&p->r, &p->i);
	}
}

static void seal(struct side *s, const char *text)
{
	CT_OK_OR_FAIL(ct_session_seal(s->s, &s->out, (const uint8_t *)text, strlen(text)));
}

static void test_handshake_and_messages(void **state)
{
	struct pair p;
	size_t hs_bytes;

	(void)state;
	setup_pair(&p);
	make(&p, ct_keypair_public(p.kr));
	assert_false(ct_session_can_seal(p.i.s));
	assert_int_equal(ct_session_seal(p.i.s, &p.i.out, (const uint8_t *)"x", 1), CT_ESTATE);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	assert_int_equal(p.i.out.len, 4 + CT_HS_MSG1_BYTES);
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.out.len, 4 + CT_HS_MSG2_BYTES);
	/* Neither identity travels in the clear. */
	assert_null(memmem(p.r.out.ptr, p.r.out.len, ct_keypair_public(p.kr), 32));
	deliver(&p.r, &p.i);
	assert_true(ct_session_ready(p.i.s));
	assert_memory_equal(ct_session_peer(p.i.s), ct_keypair_public(p.kr), 32);
	assert_int_equal(p.i.out.len, 4 + CT_HS_MSG3_BYTES);
	assert_null(memmem(p.i.out.ptr, p.i.out.len, ct_keypair_public(p.ki), 32));
	hs_bytes = p.i.out.len;
	/* The initiator may send right after msg3, in the same write. */
	seal(&p.i, "hello from I");
	assert_true(p.i.out.len > hs_bytes);
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.err, 0);
	assert_true(ct_session_ready(p.r.s));
	assert_int_equal(p.authorized, 1);
	assert_memory_equal(ct_session_peer(p.r.s), ct_keypair_public(p.ki), 32);
	assert_int_equal(p.r.count, 1);
	assert_memory_equal(p.r.got.ptr + 1, "hello from I", 12);
	/* Both directions, several messages, an empty one. */
	seal(&p.r, "one");
	seal(&p.r, "");
	seal(&p.r, "three");
	seal(&p.i, "four");
	pump(&p);
	assert_int_equal(p.i.count, 3);
	assert_int_equal(p.r.count, 2);
	assert_int_equal(p.i.err, 0);
	assert_int_equal(p.r.err, 0);
	free_pair(&p);
}

/* Two sessions between the same keys share no ciphertext: fresh ephemeral keys each time. */
static void test_fresh_keys_each_session(void **state)
{
	struct pair p, q;

	(void)state;
	setup_pair(&p);
	setup_pair(&q);
	make(&p, NULL);
	make(&q, NULL);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	CT_OK_OR_FAIL(ct_session_start(q.i.s, &q.i.out));
	pump(&p);
	pump(&q);
	seal(&p.i, "same plaintext");
	seal(&q.i, "same plaintext");
	assert_int_equal(p.i.out.len, q.i.out.len);
	assert_memory_not_equal(p.i.out.ptr, q.i.out.ptr, p.i.out.len);
	pump(&p);
	pump(&q);
	assert_int_equal(p.r.count, 1);
	assert_int_equal(q.r.count, 1);
	free_pair(&p);
	free_pair(&q);
}

static void test_wrong_network(void **state)
{
	struct pair p;

	(void)state;
	setup_pair(&p);
	p.net_r[0] ^= 1;
	make(&p, NULL);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	pump(&p);
	assert_int_equal(p.r.err, CT_EINVAL);
	assert_non_null(strstr(p.r.detail, "wrong network id"));
	/* The responder's tag reached the dialer, who names the problem too. */
	assert_int_equal(p.i.err, CT_EINVAL);
	assert_non_null(strstr(p.i.detail, "wrong network id"));
	assert_int_equal(p.authorized, 0);
	assert_null(ct_session_peer(p.i.s));
	free_pair(&p);
}

/* The responder refuses the key: it may still tell the dialer, encrypted. */
static void test_unknown_key_refused(void **state)
{
	const uint8_t *msg;
	size_t len;
	struct pair p;

	(void)state;
	setup_pair(&p);
	p.refuse_i = true;
	make(&p, NULL);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	deliver(&p.i, &p.r);
	deliver(&p.r, &p.i);
	seal(&p.i, "hello");
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.err, CT_EAUTH);
	assert_int_equal(p.r.count, 0); /* nothing from a refused peer is read */
	assert_false(ct_session_ready(p.r.s));
	assert_true(ct_session_can_seal(p.r.s));
	assert_int_equal(ct_session_next(p.r.s, &p.r.out, &msg, &len), CT_ESTATE);
	seal(&p.r, "refused: unknown key");
	deliver(&p.r, &p.i);
	assert_int_equal(p.i.err, 0);
	assert_int_equal(p.i.count, 1);
	assert_memory_equal(p.i.got.ptr + 1, "refused: unknown key", 20);
	free_pair(&p);
}

/* The dialer pinned another key than the responder proves. */
static void test_pinned_key_mismatch(void **state)
{
	ct_keypair *other = ct_test_keypair(13);
	struct pair p;

	(void)state;
	setup_pair(&p);
	make(&p, ct_keypair_public(other));
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	pump(&p);
	assert_int_equal(p.i.err, CT_EAUTH);
	assert_non_null(strstr(p.i.detail, "was dialed"));
	assert_false(ct_session_ready(p.r.s)); /* no msg3 was sent */
	ct_keypair_free(other);
	free_pair(&p);
}

/* A node that dials itself notices. */
static void test_self_connection(void **state)
{
	struct pair p;

	(void)state;
	setup_pair(&p);
	ct_keypair_free(p.kr);
	p.kr = ct_test_keypair(11);
	make(&p, NULL);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	pump(&p);
	assert_int_equal(p.i.err, CT_EAUTH);
	assert_non_null(strstr(p.i.detail, "own key"));
	free_pair(&p);
}

static void test_garbage_instead_of_handshake(void **state)
{
	static const char *const garbage[] = {
	    "GET / HTTP/1.1\r\nHost: x\r\n\r\n", /* huge length */
	    "\0\0\0\x05hello",			 /* a small frame, not msg1 */
	    "\0\0\0\x39"
	    "caltrace\x02" /* right magic, wrong version */
	    "0123456789abcdef0123456789abcdef0123456789abcdef",
	};
	static const size_t lens[] = {26, 9, 4 + 57};
	size_t k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct pair p;
		setup_pair(&p);
		make(&p, NULL);
		ct_buf_put(&p.i.out, garbage[k], lens[k]);
		deliver(&p.i, &p.r);
		assert_int_equal(p.r.err, CT_EINVAL);
		assert_true(strstr(p.r.detail, "not a caltrace handshake") ||
			    strstr(p.r.detail, "version 2"));
		assert_int_equal(p.r.out.len, 0);
		free_pair(&p);
	}
}

/* Flips each byte of msg2 in turn: the dialer never completes. */
static void test_tampered_handshake(void **state)
{
	struct pair p;
	ct_buf msg2 = CT_BUF_INIT;
	size_t k;

	(void)state;
	setup_pair(&p);
	make(&p, NULL);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	deliver(&p.i, &p.r);
	ct_buf_put(&msg2, p.r.out.ptr, p.r.out.len);
	for (k = 4; k < msg2.len; k++) {
		ct_session_opts oi = {0};
		ct_session *i = NULL;
		ct_buf out = CT_BUF_INIT;
		const uint8_t *msg;
		size_t len;
		uint8_t seed[32];

		/* the same dialer again: a fixed ephemeral seed reproduces msg1 */
		memset(seed, 1, sizeof(seed));
		oi.identity = p.ki;
		oi.network = p.net_i;
		oi.initiator = true;
		oi.ephemeral_seed = seed;
		CT_OK_OR_FAIL(ct_session_new(&i, &oi));
		CT_OK_OR_FAIL(ct_session_start(i, &out));
		msg2.ptr[k] ^= 0x20;
		CT_OK_OR_FAIL(ct_session_push(i, msg2.ptr, msg2.len));
		assert_true(ct_session_next(i, &out, &msg, &len) < 0);
		assert_false(ct_session_ready(i));
		msg2.ptr[k] ^= 0x20;
		ct_session_free(i);
		ct_buf_free(&out);
	}
	ct_buf_free(&msg2);
	free_pair(&p);
}

static void ready_pair(struct pair *p)
{
	setup_pair(p);
	make(p, NULL);
	CT_OK_OR_FAIL(ct_session_start(p->i.s, &p->i.out));
	pump(p);
	assert_true(ct_session_ready(p->i.s));
	assert_true(ct_session_ready(p->r.s));
}

static void test_tampered_frame(void **state)
{
	struct pair p;

	(void)state;
	ready_pair(&p);
	seal(&p.i, "first");
	seal(&p.i, "second");
	p.i.out.ptr[p.i.out.len - 3] ^= 1; /* inside the second frame's tag */
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.count, 1);
	assert_int_equal(p.r.err, CT_EINVAL);
	assert_non_null(strstr(p.r.detail, "fails authentication"));
	free_pair(&p);
}

static void test_replayed_and_reordered_frames(void **state)
{
	struct pair p;
	ct_buf one = CT_BUF_INIT, two = CT_BUF_INIT;

	(void)state;
	ready_pair(&p);
	seal(&p.i, "one");
	ct_buf_put(&one, p.i.out.ptr, p.i.out.len);
	p.i.out.len = 0;
	seal(&p.i, "two");
	ct_buf_put(&two, p.i.out.ptr, p.i.out.len);
	/* two before one */
	p.i.out.len = 0;
	ct_buf_put(&p.i.out, two.ptr, two.len);
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.err, CT_EINVAL);
	free_pair(&p);

	ready_pair(&p);
	seal(&p.i, "one");
	ct_buf_put(&p.i.out, p.i.out.ptr, p.i.out.len); /* the same frame twice */
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.count, 1);
	assert_int_equal(p.r.err, CT_EINVAL);
	free_pair(&p);
	ct_buf_free(&one);
	ct_buf_free(&two);
}

static void test_oversized_frame(void **state)
{
	struct pair p;
	uint8_t hdr[4];
	uint8_t *big;

	(void)state;
	ready_pair(&p);
	big = calloc(1, CT_MSG_MAX + 1);
	assert_int_equal(ct_session_seal(p.i.s, &p.i.out, big, CT_MSG_MAX + 1), CT_ETOOBIG);
	CT_OK_OR_FAIL(ct_session_seal(p.i.s, &p.i.out, big, CT_MSG_MAX)); /* the largest is fine */
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.err, 0);
	assert_int_equal(p.r.count, 1);
	/* a peer announcing one byte more than a frame may hold */
	ct_frame_header(hdr, CT_FRAME_MAX + 1);
	ct_buf_put(&p.i.out, hdr, 4);
	deliver(&p.i, &p.r);
	assert_int_equal(p.r.err, CT_ETOOBIG);
	assert_non_null(strstr(p.r.detail, "over the limit"));
	free(big);
	free_pair(&p);
}

/* A handshake fed one byte at a time completes the same. */
static void test_byte_by_byte(void **state)
{
	struct pair p;
	const uint8_t *msg;
	size_t len, k;

	(void)state;
	setup_pair(&p);
	make(&p, NULL);
	CT_OK_OR_FAIL(ct_session_start(p.i.s, &p.i.out));
	for (int round = 0; round < 4; round++) {
		struct side *from = round % 2 ? &p.r : &p.i, *to = round % 2 ? &p.i : &p.r;
		ct_buf bytes = CT_BUF_INIT;
		ct_buf_put(&bytes, from->out.ptr, from->out.len);
		from->out.len = 0;
		for (k = 0; k < bytes.len; k++) {
			CT_OK_OR_FAIL(ct_session_push(to->s, bytes.ptr + k, 1));
			assert_true(ct_session_next(to->s, &to->out, &msg, &len) >= 0);
		}
		ct_buf_free(&bytes);
	}
	assert_true(ct_session_ready(p.i.s));
	assert_true(ct_session_ready(p.r.s));
	free_pair(&p);
}

static void test_network_tag(void **state)
{
	uint8_t a[32], b[32], ta[CT_HS_TAG_BYTES], tb[CT_HS_TAG_BYTES], full[32];
	crypto_hash_sha256_state st;

	(void)state;
	memset(a, 1, 32);
	memcpy(b, a, 32);
	b[31] = 2;
	ct_network_tag(ta, a);
	ct_network_tag(tb, b);
	assert_memory_not_equal(ta, tb, sizeof(ta));
	/* SHA-256("caltrace/network-tag/v1" 0x00 || id), first 16 bytes */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"caltrace/network-tag/v1", 24);
	crypto_hash_sha256_update(&st, a, 32);
	crypto_hash_sha256_final(&st, full);
	assert_memory_equal(ta, full, CT_HS_TAG_BYTES);
}

/*
 * A dialer written from docs/PROTOCOL.md section 2 alone, that puts the key
 * claimed in its box and signs the transcript with signer. Runs it against
 * a fresh responder of p; returns what the responder's next() said, and
 * leaves the responder in p->r.s.
 */
static int fake_dialer(struct pair *p, const uint8_t claimed[CT_KEY_BYTES], const ct_keypair *signer)
{
	static const char ctx_tag[] = "caltrace/network-tag/v1", ctx_hs[] = "caltrace/handshake/v1",
			  ctx_box[] = "caltrace/hs-box/v1", ctx_sig[] = "caltrace/hs/initiator/v1";
	uint8_t e_pk[32], e_sk[32], seed[32], tag[32], h[32], rx[32], tx[32], box_key[32];
	uint8_t msg1[CT_HS_MSG1_BYTES], plain[CT_KEY_BYTES + CT_SIG_BYTES + 24], box[CT_HS_BOX_BYTES];
	uint8_t kdf_in[sizeof(ctx_box) + 32], signed_msg[sizeof(ctx_sig) + 64], nonce[24] = {0};
	crypto_hash_sha256_state st;
	ct_session_opts o = {0};
	ct_buf frames = CT_BUF_INIT;
	const uint8_t *body, *e_r, *msg;
	ct_framer f;
	size_t len;
	int rc;

	o.identity = p->kr;
	o.network = p->net_r;
	CT_OK_OR_FAIL(ct_session_new(&p->r.s, &o));
	memset(seed, 7, sizeof(seed));
	crypto_kx_seed_keypair(e_pk, e_sk, seed);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)ctx_tag, sizeof(ctx_tag));
	crypto_hash_sha256_update(&st, p->net_i, 32);
	crypto_hash_sha256_final(&st, tag);
	memcpy(msg1, "caltrace\x01", 9);
	memcpy(msg1 + 9, tag, CT_HS_TAG_BYTES);
	memcpy(msg1 + 9 + CT_HS_TAG_BYTES, e_pk, 32);
	CT_OK_OR_FAIL(ct_frame_put(&frames, msg1, sizeof(msg1)));
	CT_OK_OR_FAIL(ct_session_push(p->r.s, frames.ptr, frames.len));
	assert_int_equal(ct_session_next(p->r.s, &p->r.out, &msg, &len), 0);

	/* msg2: tag_R || e_R || box_R */
	ct_framer_init(&f, 4096);
	CT_OK_OR_FAIL(ct_framer_push(&f, p->r.out.ptr, p->r.out.len));
	p->r.out.len = 0;
	assert_int_equal(ct_framer_next(&f, &body, &len), 1);
	assert_int_equal(len, CT_HS_MSG2_BYTES);
	e_r = body + CT_HS_TAG_BYTES;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)ctx_hs, sizeof(ctx_hs));
	crypto_hash_sha256_update(&st, p->net_i, 32);
	crypto_hash_sha256_update(&st, e_pk, 32);
	crypto_hash_sha256_update(&st, e_r, 32);
	crypto_hash_sha256_final(&st, h);
	assert_int_equal(crypto_kx_client_session_keys(rx, tx, e_pk, e_sk, e_r), 0);
	ct_framer_free(&f);

	/* msg3: box_I(claimed || sig || a stream header) under box_i2r */
	memcpy(kdf_in, ctx_box, sizeof(ctx_box));
	memcpy(kdf_in + sizeof(ctx_box), h, 32);
	crypto_generichash(box_key, 32, kdf_in, sizeof(kdf_in), tx, sizeof(tx));
	memcpy(signed_msg, ctx_sig, sizeof(ctx_sig));
	memcpy(signed_msg + sizeof(ctx_sig), h, 32);
	memcpy(signed_msg + sizeof(ctx_sig) + 32, ct_keypair_public(p->kr), 32);
	memcpy(plain, claimed, CT_KEY_BYTES);
	ct_keypair_sign(signer, plain + CT_KEY_BYTES, signed_msg, sizeof(signed_msg));
	memset(plain + CT_KEY_BYTES + CT_SIG_BYTES, 0x5a, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box, NULL, plain, sizeof(plain), h, 32, NULL, nonce, box_key);
	frames.len = 0;
	CT_OK_OR_FAIL(ct_frame_put(&frames, box, sizeof(box)));
	CT_OK_OR_FAIL(ct_session_push(p->r.s, frames.ptr, frames.len));
	rc = ct_session_next(p->r.s, &p->r.out, &msg, &len);
	if (rc < 0)
		snprintf(p->r.detail, sizeof(p->r.detail), "%s", ct_error_last());
	ct_buf_free(&frames);
	return rc;
}

/*
 * A dialer that claims another node's key (ki) but signs with its own
 * (mallory): the responder refuses it, and names no peer, so that a node
 * never logs the failed handshake as ki's. The same dialer claiming its own
 * key gets in (the fake dialer is a correct one).
 */
static void test_claimed_key_not_named(void **state)
{
	ct_keypair *mallory = ct_test_keypair(13);
	struct pair p;

	(void)state;
	setup_pair(&p);
	assert_int_equal(fake_dialer(&p, ct_keypair_public(mallory), mallory), 0);
	assert_true(ct_session_ready(p.r.s));
	assert_memory_equal(ct_session_peer(p.r.s), ct_keypair_public(mallory), 32);
	ct_session_free(p.r.s);
	p.r.s = NULL;

	assert_int_equal(fake_dialer(&p, ct_keypair_public(p.ki), mallory), CT_EBADSIG);
	assert_non_null(strstr(p.r.detail, "transcript signature does not verify"));
	assert_false(ct_session_ready(p.r.s));
	assert_null(ct_session_peer(p.r.s));
	assert_int_equal(p.authorized, 0);
	ct_keypair_free(mallory);
	free_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake_and_messages),
	    cmocka_unit_test(test_fresh_keys_each_session),
	    cmocka_unit_test(test_wrong_network),
	    cmocka_unit_test(test_unknown_key_refused),
	    cmocka_unit_test(test_pinned_key_mismatch),
	    cmocka_unit_test(test_self_connection),
	    cmocka_unit_test(test_garbage_instead_of_handshake),
	    cmocka_unit_test(test_tampered_handshake),
	    cmocka_unit_test(test_tampered_frame),
	    cmocka_unit_test(test_replayed_and_reordered_frames),
	    cmocka_unit_test(test_oversized_frame),
	    cmocka_unit_test(test_byte_by_byte),
	    cmocka_unit_test(test_network_tag),
	    cmocka_unit_test(test_claimed_key_not_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
