/*
 * libFuzzer target for the C2SP text formats: every input is parsed as a
 * signed note, a checkpoint body, a tlog-proof and a verifier key.
 *
 * Invariants checked on every input:
 *  - each parser returns only its documented codes and leaves *out NULL
 *    when it fails;
 *  - an accepted note, checkpoint body or tlog-proof re-serialises to
 *    exactly the input bytes (the parsers accept only canonical forms);
 *  - an accepted verifier key formats to text that parses to the same key;
 *  - verification answers only its documented codes: a note against the
 *    C2SP example key, a caltrace checkpoint against the key its origin
 *    names, a tlog-proof against that key and the leaf "leaf <index>"
 *    (the seed corpus, tests/fuzz/gen_corpus.c, uses those leaves, so the
 *    success path is reached), every line as a cosignature of the witness
 *    whose key is made from the seed 0x43 repeated (the corpus's witness).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/proof/note.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static uint8_t witness_pk[CT_KEY_BYTES];

static const char example_vkey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

/* Checks that buf formats back to data. */
static void check_same(const ct_buf *buf, const uint8_t *data, size_t size)
{
	CHECK(buf->len == size && (size == 0 || memcmp(buf->ptr, data, size) == 0));
}

/* Verification of a caltrace checkpoint note against the key its origin names. */
static void check_checkpoint_note(const ct_note *n)
{
	uint8_t network[CT_HASH_BYTES], author[CT_KEY_BYTES];
	ct_checkpoint cp;
	ct_vkey k;
	uint64_t t;
	size_t i;
	int rc;

	if (ct_checkpoint_parse(&cp, n->text, n->text_len) != 0 ||
	    ct_checkpoint_feed(network, author, cp.origin) != 0)
		return;
	ct_checkpoint_feed_key(&k, network, author);
	rc = ct_checkpoint_verify(&cp, n, &k);
	CHECK(rc == 0 || rc == CT_ENOTFOUND || rc == CT_EBADSIG);
	/* Every line taken as a cosignature by the corpus's witness. */
	for (i = 0; i < n->nsigs; i++) {
		if (ct_vkey_make(&k, n->sigs[i].name, CT_NOTE_COSIG_V1, witness_pk) != 0)
			continue;
		rc = ct_cosig_verify(&t, n, &k);
		CHECK(rc == 0 || rc == CT_ENOTFOUND || rc == CT_EBADSIG || rc == CT_EINVAL);
		if (rc == 0)
			CHECK(t <= (uint64_t)CT_COSIG_TIME_MAX);
	}
}

static void fuzz_note(const uint8_t *data, size_t size, const ct_vkey *example)
{
	ct_buf out = CT_BUF_INIT;
	ct_note *n = NULL;
	int rc;

	rc = ct_note_parse(&n, data, size);
	CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ETOOBIG || rc == CT_ENOMEM);
	if (rc != 0) {
		CHECK(n == NULL);
		return;
	}
	CHECK(n->nsigs >= 1 && n->nsigs <= CT_NOTE_MAX_SIGS && n->text_len >= 1 &&
	      n->text[n->text_len - 1] == '\n');
	CHECK(ct_note_format(&out, n) == 0);
	check_same(&out, data, size);
	rc = ct_note_verify(n, example);
	CHECK(rc == 0 || rc == CT_ENOTFOUND || rc == CT_EBADSIG);
	check_checkpoint_note(n);
	ct_buf_free(&out);
	ct_note_free(n);
}

static void fuzz_checkpoint(const uint8_t *data, size_t size)
{
	ct_buf out = CT_BUF_INIT;
	ct_checkpoint cp;
	int rc;

	rc = ct_checkpoint_parse(&cp, (const char *)data, size);
	CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ETOOBIG);
	if (rc != 0)
		return;
	CHECK(ct_checkpoint_body(&out, &cp) == 0);
	check_same(&out, data, size);
	ct_buf_free(&out);
}

static void fuzz_tlog_proof(const uint8_t *data, size_t size)
{
	uint8_t network[CT_HASH_BYTES], author[CT_KEY_BYTES], leaf[CT_HASH_BYTES];
	char leaf_data[32];
	ct_buf out = CT_BUF_INIT;
	ct_tlog_proof *p = NULL;
	ct_vkey k;
	int rc, len;

	rc = ct_tlog_proof_parse(&p, data, size);
	CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ETOOBIG || rc == CT_ENOMEM);
	if (rc != 0) {
		CHECK(p == NULL);
		return;
	}
	CHECK(p->count <= CT_MERKLE_MAX_PROOF && p->extra_len <= CT_TLOG_PROOF_EXTRA_MAX);
	CHECK(ct_tlog_proof_format(&out, p) == 0);
	check_same(&out, data, size);
	if (ct_checkpoint_feed(network, author, p->checkpoint.origin) == 0) {
		ct_checkpoint_feed_key(&k, network, author);
		len = snprintf(leaf_data, sizeof(leaf_data), "leaf %llu", (unsigned long long)p->index);
		ct_merkle_leaf_hash(leaf, (const uint8_t *)leaf_data, (size_t)len);
		rc = ct_tlog_proof_verify(p, leaf, &k);
		CHECK(rc == 0 || rc == CT_ENOTFOUND || rc == CT_EBADSIG || rc == CT_EPROOF);
	}
	ct_buf_free(&out);
	ct_tlog_proof_free(p);
}

static void fuzz_vkey(const uint8_t *data, size_t size)
{
	char text[CT_VKEY_TEXT_MAX];
	ct_vkey k, again;

	if (size > CT_VKEY_TEXT_MAX || ct_vkey_parse(&k, (const char *)data, size) != 0)
		return;
	ct_vkey_format(text, &k);
	CHECK(ct_vkey_parse(&again, text, strlen(text)) == 0);
	CHECK(strcmp(again.name, k.name) == 0 && again.type == k.type && again.key_id == k.key_id &&
	      memcmp(again.pk, k.pk, CT_KEY_BYTES) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ct_vkey example;

	if (!ready) {
		uint8_t seed[32];
		ct_keypair *kp = NULL;

		memset(seed, 0x43, sizeof(seed));
		CHECK(ct_keypair_from_seed(&kp, seed) == 0);
		memcpy(witness_pk, ct_keypair_public(kp), CT_KEY_BYTES);
		ct_keypair_free(kp);
		ready = 1;
	}
	CHECK(ct_vkey_parse(&example, example_vkey, strlen(example_vkey)) == 0);
	fuzz_note(data, size, &example);
	fuzz_checkpoint(data, size);
	fuzz_tlog_proof(data, size);
	fuzz_vkey(data, size);
	return 0;
}
