/*
 * The handshake and the encrypted transport (proto/session.h,
 * docs/PROTOCOL.md section 2).
 *
 *   h      = SHA-256("caltrace/handshake/v1" 0x00 || network || e_I || e_R)
 *   kx_i2r, kx_r2i = crypto_kx session keys (dialer = client)
 *   box_d  = BLAKE2b-256(key kx_d, "caltrace/hs-box/v1" 0x00 || h)
 *   ss_d   = BLAKE2b-256(key kx_d, "caltrace/stream/v1" 0x00 || h)
 *   sig_R  = Ed25519_R("caltrace/hs/responder/v1" 0x00 || h)
 *   sig_I  = Ed25519_I("caltrace/hs/initiator/v1" 0x00 || h || id_R)
 */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/proto/session.h"

#define CTX_HANDSHAKE "caltrace/handshake/v1"
#define CTX_TAG	      "caltrace/network-tag/v1"
#define CTX_BOX	      "caltrace/hs-box/v1"
#define CTX_STREAM    "caltrace/stream/v1"
#define CTX_SIG_R     "caltrace/hs/responder/v1"
#define CTX_SIG_I     "caltrace/hs/initiator/v1"

#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

enum hs_state {
	HS_INIT,      /* initiator before start */
	HS_WAIT_MSG1, /* responder */
	HS_WAIT_MSG2, /* initiator */
	HS_WAIT_MSG3, /* responder */
	HS_READY,
	HS_REFUSED, /* handshake complete but the peer was refused: may still seal */
	HS_FAILED,
};

/* Everything secret, in sodium_malloc'd memory. */
struct secrets {
	uint8_t e_sk[crypto_kx_SECRETKEYBYTES];
	uint8_t box_tx[32], box_rx[32];
	uint8_t ss_tx[32], ss_rx[32];
	crypto_secretstream_xchacha20poly1305_state push, pull;
};

struct ct_session {
	enum hs_state state;
	bool initiator;
	const ct_keypair *id;
	uint8_t network[CT_HASH_BYTES];
	uint8_t tag[CT_HS_TAG_BYTES];
	bool has_expect;
	uint8_t expect[CT_KEY_BYTES];
	ct_authorize_fn authorize;
	void *ctx;
	uint8_t e_pk[crypto_kx_PUBLICKEYBYTES]; /* ours */
	uint8_t peer_e_pk[crypto_kx_PUBLICKEYBYTES];
	uint8_t h[CT_HASH_BYTES];
	bool has_peer;
	uint8_t peer[CT_KEY_BYTES];
	struct secrets *sec;
	ct_framer in;
	ct_buf plain;
};

void ct_network_tag(uint8_t out[CT_HS_TAG_BYTES], const uint8_t network[CT_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	uint8_t full[CT_HASH_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)CTX_TAG, sizeof(CTX_TAG)); /* with its NUL */
	crypto_hash_sha256_update(&st, network, CT_HASH_BYTES);
	crypto_hash_sha256_final(&st, full);
	memcpy(out, full, CT_HS_TAG_BYTES);
}

int ct_session_new(ct_session **out, const ct_session_opts *o)
{
	ct_session *s;

	*out = NULL;
	if (sodium_init() < 0)
		return ct_error_set(CT_ERROR, "libsodium failed to initialise");
	if (!(s = calloc(1, sizeof(*s))))
		return ct_error_set(CT_ENOMEM, "out of memory for a session");
	if (!(s->sec = sodium_malloc(sizeof(*s->sec)))) {
		free(s);
		return ct_error_set(CT_ENOMEM, "out of memory for session keys");
	}
	s->initiator = o->initiator;
	s->state = o->initiator ? HS_INIT : HS_WAIT_MSG1;
	s->id = o->identity;
	memcpy(s->network, o->network, CT_HASH_BYTES);
	ct_network_tag(s->tag, s->network);
	if (o->expect) {
		s->has_expect = true;
		memcpy(s->expect, o->expect, CT_KEY_BYTES);
	}
	s->authorize = o->authorize;
	s->ctx = o->ctx;
	if (o->ephemeral_seed)
		crypto_kx_seed_keypair(s->e_pk, s->sec->e_sk, o->ephemeral_seed);
	else
		crypto_kx_keypair(s->e_pk, s->sec->e_sk);
	ct_framer_init(&s->in, CT_FRAME_HS_MAX);
	*out = s;
	return 0;
}

void ct_session_free(ct_session *s)
{
	if (!s)
		return;
	sodium_free(s->sec); /* wipes */
	ct_framer_free(&s->in);
	if (s->plain.ptr)
		sodium_memzero(s->plain.ptr, s->plain.cap);
	ct_buf_free(&s->plain);
	free(s);
}

bool ct_session_ready(const ct_session *s)
{
	return s->state == HS_READY;
}

bool ct_session_can_seal(const ct_session *s)
{
	return s->state == HS_READY || s->state == HS_REFUSED;
}

const uint8_t *ct_session_peer(const ct_session *s)
{
	return s->has_peer ? s->peer : NULL;
}

/* Marks the session failed and returns err (the detail is already written). */
static int fail(ct_session *s, int err)
{
	s->state = HS_FAILED;
	return err;
}

/* The transcript hash and every key, once both ephemeral keys are known. */
static int derive(ct_session *s)
{
	const uint8_t *e_i = s->initiator ? s->e_pk : s->peer_e_pk;
	const uint8_t *e_r = s->initiator ? s->peer_e_pk : s->e_pk;
	uint8_t rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
	uint8_t msg[sizeof(CTX_STREAM) + CT_HASH_BYTES];
	crypto_hash_sha256_state st;
	int rc;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)CTX_HANDSHAKE, sizeof(CTX_HANDSHAKE));
	crypto_hash_sha256_update(&st, s->network, CT_HASH_BYTES);
	crypto_hash_sha256_update(&st, e_i, 32);
	crypto_hash_sha256_update(&st, e_r, 32);
	crypto_hash_sha256_final(&st, s->h);
	if (s->initiator)
		rc = crypto_kx_client_session_keys(rx, tx, s->e_pk, s->sec->e_sk, s->peer_e_pk);
	else
		rc = crypto_kx_server_session_keys(rx, tx, s->e_pk, s->sec->e_sk, s->peer_e_pk);
	sodium_memzero(s->sec->e_sk, sizeof(s->sec->e_sk)); /* forward secrecy: the ephemeral key is spent */
	if (rc != 0)
		return ct_error_set(CT_EINVAL, "handshake: the peer's ephemeral key is a weak point");
	memcpy(msg, CTX_BOX, sizeof(CTX_BOX));
	memcpy(msg + sizeof(CTX_BOX), s->h, CT_HASH_BYTES);
	crypto_generichash(s->sec->box_tx, 32, msg, sizeof(CTX_BOX) + CT_HASH_BYTES, tx, sizeof(tx));
	crypto_generichash(s->sec->box_rx, 32, msg, sizeof(CTX_BOX) + CT_HASH_BYTES, rx, sizeof(rx));
	memcpy(msg, CTX_STREAM, sizeof(CTX_STREAM));
	memcpy(msg + sizeof(CTX_STREAM), s->h, CT_HASH_BYTES);
	crypto_generichash(s->sec->ss_tx, 32, msg, sizeof(CTX_STREAM) + CT_HASH_BYTES, tx, sizeof(tx));
	crypto_generichash(s->sec->ss_rx, 32, msg, sizeof(CTX_STREAM) + CT_HASH_BYTES, rx, sizeof(rx));
	sodium_memzero(rx, sizeof(rx));
	sodium_memzero(tx, sizeof(tx));
	return 0;
}

/* What a role signs: context || h (|| the responder's key, for the initiator). */
static size_t sig_input(uint8_t *out, bool initiator, const uint8_t h[CT_HASH_BYTES], const uint8_t *id_r)
{
	size_t n;

	if (initiator) {
		memcpy(out, CTX_SIG_I, sizeof(CTX_SIG_I));
		n = sizeof(CTX_SIG_I);
	} else {
		memcpy(out, CTX_SIG_R, sizeof(CTX_SIG_R));
		n = sizeof(CTX_SIG_R);
	}
	memcpy(out + n, h, CT_HASH_BYTES);
	n += CT_HASH_BYTES;
	if (initiator) {
		memcpy(out + n, id_r, CT_KEY_BYTES);
		n += CT_KEY_BYTES;
	}
	return n;
}

/* Appends a frame holding our box: AEAD(box_tx, 0, ad h)(id || sig || stream header). */
static int put_box(ct_session *s, ct_buf *out, const uint8_t *prefix, size_t prefix_len)
{
	uint8_t plain[CT_KEY_BYTES + CT_SIG_BYTES + SS_HEADER];
	uint8_t body[CT_HS_TAG_BYTES + 32 + CT_HS_BOX_BYTES];
	uint8_t signed_msg[64 + 2 * CT_HASH_BYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {0};
	unsigned long long clen;
	size_t n;

	memcpy(plain, ct_keypair_public(s->id), CT_KEY_BYTES);
	n = sig_input(signed_msg, s->initiator, s->h, s->peer);
	ct_keypair_sign(s->id, plain + CT_KEY_BYTES, signed_msg, n);
	crypto_secretstream_xchacha20poly1305_init_push(&s->sec->push, plain + CT_KEY_BYTES + CT_SIG_BYTES,
							s->sec->ss_tx);
	if (prefix_len)
		memcpy(body, prefix, prefix_len);
	/* Each box key is used once, so a zero nonce is safe. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(body + prefix_len, &clen, plain, sizeof(plain), s->h,
						   CT_HASH_BYTES, NULL, nonce, s->sec->box_tx);
	sodium_memzero(plain, sizeof(plain));
	return ct_frame_put(out, body, prefix_len + (size_t)clen);
}

/* Opens the peer's box, checks its signature, sets up the pull stream. */
static int open_box(ct_session *s, const uint8_t *box, size_t len)
{
	uint8_t plain[CT_KEY_BYTES + CT_SIG_BYTES + SS_HEADER];
	uint8_t signed_msg[64 + 2 * CT_HASH_BYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {0};
	unsigned long long plen;
	const uint8_t *id_r;
	size_t n;

	if (len != CT_HS_BOX_BYTES ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, box, len, s->h, CT_HASH_BYTES,
						       nonce, s->sec->box_rx) != 0)
		return ct_error_set(CT_EINVAL,
				 "handshake: the peer's identity box does not open (tampered, or not "
				 "a caltrace peer)");
	/* plain holds the key the peer claims: it is the peer's only once the signature proves it,
	 * so that a failed handshake is never logged as that key's */
	id_r = s->initiator ? plain : ct_keypair_public(s->id);
	n = sig_input(signed_msg, !s->initiator, s->h, id_r);
	if (ct_sig_verify(plain, plain + CT_KEY_BYTES, signed_msg, n) != 0)
		return ct_error_set(CT_EBADSIG, "handshake: the peer's transcript signature does not verify");
	memcpy(s->peer, plain, CT_KEY_BYTES);
	s->has_peer = true;
	if (crypto_secretstream_xchacha20poly1305_init_pull(
		&s->sec->pull, plain + CT_KEY_BYTES + CT_SIG_BYTES, s->sec->ss_rx) != 0)
		return ct_error_set(CT_EINVAL, "handshake: bad stream header");
	return 0;
}

/* Who the peer is may be refused: ourselves, another key than dialed, or not authorised. */
static int check_peer(ct_session *s)
{
	char got[CT_KEY_SHORT_LEN + 1], want[CT_KEY_SHORT_LEN + 1];

	if (memcmp(s->peer, ct_keypair_public(s->id), CT_KEY_BYTES) == 0)
		return ct_error_set(CT_EAUTH, "the peer has this node's own key (connected to itself?)");
	if (s->has_expect && memcmp(s->peer, s->expect, CT_KEY_BYTES) != 0) {
		ct_key_short(got, s->peer);
		ct_key_short(want, s->expect);
		return ct_error_set(CT_EAUTH, "the peer proved key %s…, but %s… was dialed", got, want);
	}
	if (s->authorize)
		return s->authorize(s->ctx, s->peer);
	return 0;
}

int ct_session_start(ct_session *s, ct_buf *out)
{
	uint8_t msg1[CT_HS_MSG1_BYTES];

	assert(s->initiator && s->state == HS_INIT);
	memcpy(msg1, CT_HS_MAGIC, 8);
	msg1[8] = CT_HS_VERSION;
	memcpy(msg1 + 9, s->tag, CT_HS_TAG_BYTES);
	memcpy(msg1 + 9 + CT_HS_TAG_BYTES, s->e_pk, 32);
	s->state = HS_WAIT_MSG2;
	return ct_frame_put(out, msg1, sizeof(msg1));
}

/* Responder: msg1 in, msg2 out. */
static int on_msg1(ct_session *s, const uint8_t *body, size_t len, ct_buf *out)
{
	uint8_t prefix[CT_HS_TAG_BYTES + 32];
	int err;

	if (len != CT_HS_MSG1_BYTES || memcmp(body, CT_HS_MAGIC, 8) != 0)
		return ct_error_set(CT_EINVAL, "not a caltrace handshake");
	if (body[8] != CT_HS_VERSION)
		return ct_error_set(CT_EINVAL, "handshake version %u, this node speaks %d", body[8],
				 CT_HS_VERSION);
	if (sodium_memcmp(body + 9, s->tag, CT_HS_TAG_BYTES) != 0) {
		/* Tell the dialer our tag, so that it can name the problem too. */
		ct_frame_put(out, s->tag, CT_HS_TAG_BYTES);
		return ct_error_set(CT_EINVAL, "wrong network id: the peer belongs to another network");
	}
	memcpy(s->peer_e_pk, body + 9 + CT_HS_TAG_BYTES, 32);
	if ((err = derive(s)) < 0)
		return err;
	memcpy(prefix, s->tag, CT_HS_TAG_BYTES);
	memcpy(prefix + CT_HS_TAG_BYTES, s->e_pk, 32);
	if ((err = put_box(s, out, prefix, sizeof(prefix))) < 0)
		return err;
	s->state = HS_WAIT_MSG3;
	return 0;
}

/* Initiator: msg2 in, msg3 out. */
static int on_msg2(ct_session *s, const uint8_t *body, size_t len, ct_buf *out)
{
	int err;

	if (len < CT_HS_TAG_BYTES)
		return ct_error_set(CT_EINVAL, "handshake: malformed reply of %zu bytes", len);
	if (sodium_memcmp(body, s->tag, CT_HS_TAG_BYTES) != 0)
		return ct_error_set(CT_EINVAL, "wrong network id: the peer belongs to another network");
	if (len != CT_HS_MSG2_BYTES)
		return ct_error_set(CT_EINVAL, "handshake: malformed reply of %zu bytes", len);
	memcpy(s->peer_e_pk, body + CT_HS_TAG_BYTES, 32);
	if ((err = derive(s)) < 0 || (err = open_box(s, body + CT_HS_TAG_BYTES + 32, CT_HS_BOX_BYTES)) < 0)
		return err;
	if ((err = check_peer(s)) < 0)
		return err;
	if ((err = put_box(s, out, NULL, 0)) < 0)
		return err;
	s->state = HS_READY;
	ct_framer_set_limit(&s->in, CT_FRAME_MAX);
	return 0;
}

/* Responder: msg3 in. */
static int on_msg3(ct_session *s, const uint8_t *body, size_t len)
{
	int err;

	if ((err = open_box(s, body, len)) < 0)
		return err;
	if ((err = check_peer(s)) < 0) {
		s->state = HS_REFUSED;
		return err;
	}
	s->state = HS_READY;
	ct_framer_set_limit(&s->in, CT_FRAME_MAX);
	return 0;
}

/* Decrypts one transport frame into s->plain. */
static int open_frame(ct_session *s, const uint8_t *body, size_t len, const uint8_t **msg, size_t *mlen)
{
	unsigned long long plen;
	unsigned char tag;
	int err;

	if (len < SS_ABYTES)
		return ct_error_set(CT_EINVAL, "a frame of %zu bytes is too short to be a sealed message", len);
	s->plain.len = 0;
	if ((err = ct_buf_grow(&s->plain, len)) < 0)
		return err;
	if (crypto_secretstream_xchacha20poly1305_pull(&s->sec->pull, s->plain.ptr, &plen, &tag, body, len,
						       NULL, 0) != 0)
		return ct_error_set(CT_EINVAL, "a frame fails authentication (tampered, replayed or reordered)");
	if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		return ct_error_set(CT_EINVAL, "a frame carries an unexpected stream tag %u", tag);
	*msg = s->plain.ptr;
	*mlen = (size_t)plen;
	return 1;
}

int ct_session_next(ct_session *s, ct_buf *out, const uint8_t **msg, size_t *len)
{
	const uint8_t *body;
	size_t blen;
	int got, err;

	for (;;) {
		if (s->state == HS_FAILED || s->state == HS_REFUSED)
			return ct_error_set(CT_ESTATE, "session is closed");
		if (s->state == HS_INIT)
			return 0;
		if ((got = ct_framer_next(&s->in, &body, &blen)) <= 0) {
			if (got < 0 && s->state != HS_READY)
				ct_error_wrap(CT_EINVAL, "not a caltrace handshake");
			return got < 0 ? fail(s, s->state != HS_READY ? CT_EINVAL : got) : 0;
		}
		switch (s->state) {
		case HS_WAIT_MSG1:
			err = on_msg1(s, body, blen, out);
			break;
		case HS_WAIT_MSG2:
			err = on_msg2(s, body, blen, out);
			break;
		case HS_WAIT_MSG3:
			if ((err = on_msg3(s, body, blen)) < 0 && s->state == HS_REFUSED)
				return err;
			break;
		default:
			if ((err = open_frame(s, body, blen, msg, len)) < 0)
				return fail(s, err);
			return 1;
		}
		if (err < 0)
			return fail(s, err);
	}
}

int ct_session_push(ct_session *s, const uint8_t *data, size_t len)
{
	return ct_framer_push(&s->in, data, len);
}

int ct_session_seal(ct_session *s, ct_buf *out, const uint8_t *msg, size_t len)
{
	unsigned long long clen;
	size_t start = out->len;
	int err;

	if (!ct_session_can_seal(s))
		return ct_error_set(CT_ESTATE, "cannot send before the handshake completed");
	if (len > CT_MSG_MAX)
		return ct_error_set(CT_ETOOBIG, "message of %zu bytes over the limit of %d", len, CT_MSG_MAX);
	if ((err = ct_buf_grow(out, CT_FRAME_HEADER + len + SS_ABYTES)) < 0)
		return err;
	ct_frame_header(out->ptr + start, (uint32_t)(len + SS_ABYTES));
	crypto_secretstream_xchacha20poly1305_push(&s->sec->push, out->ptr + start + CT_FRAME_HEADER, &clen,
						   msg, len, NULL, 0,
						   crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	out->len = start + CT_FRAME_HEADER + (size_t)clen;
	return 0;
}
