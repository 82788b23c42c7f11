/*
 * Checkpoints (c2sp.org/tlog-checkpoint) and cosignature/v1 witness lines
 * (c2sp.org/tlog-cosignature): the published cosigned checkpoint parses,
 * caltrace's own sign and verify, strict parsing with every fault named.
 */
#include <stdio.h>

#include "caltrace/ledger/merkle.h"
#include "caltrace/proof/note.h"
#include "ct_test.h"

#define EM	  "\xe2\x80\x94"
#define ZERO_ROOT "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" /* 32 zero bytes */

static uint8_t network[CT_HASH_BYTES];

static int setup(void **state)
{
	memset(network, 0x4e, sizeof(network));
	return 0;
}

/* A checkpoint of author's feed over leaves "leaf 0" .. "leaf size-1". */
static void make_checkpoint(ct_checkpoint *cp, const uint8_t author[static CT_KEY_BYTES], uint64_t size)
{
	ct_memtree *t = NULL;
	uint8_t leaf[CT_HASH_BYTES];
	char data[32];
	uint64_t i;

	memset(cp, 0, sizeof(*cp));
	ct_checkpoint_origin(cp->origin, network, author);
	CT_OK_OR_FAIL(ct_memtree_new(&t));
	for (i = 0; i < size; i++) {
		int len = snprintf(data, sizeof(data), "leaf %llu", (unsigned long long)i);
		ct_merkle_leaf_hash(leaf, (const uint8_t *)data, (size_t)len);
		CT_OK_OR_FAIL(ct_memtree_append(t, leaf));
	}
	CT_OK_OR_FAIL(ct_merkle_root(cp->root, size, ct_memtree_get, t));
	cp->size = size;
	ct_memtree_free(t);
}

/* Signs cp with kp and parses the note back. */
static ct_note *signed_note(const ct_checkpoint *cp, const ct_keypair *kp)
{
	ct_buf buf = CT_BUF_INIT;
	ct_note *n = NULL;

	CT_OK_OR_FAIL(ct_checkpoint_sign(&buf, cp, kp));
	CT_OK_OR_FAIL(ct_note_parse(&n, buf.ptr, buf.len));
	ct_buf_free(&buf);
	return n;
}

static int parse_body(const char *text)
{
	ct_checkpoint cp;

	return ct_checkpoint_parse(&cp, text, strlen(text));
}

/* ---- origins and keys ---- */

static void test_origin(void **state)
{
	ct_keypair *kp = ct_test_keypair(1);
	char origin[CT_CHECKPOINT_ORIGIN_MAX + 1], hex[2 * CT_KEY_BYTES + 1], want[300];
	uint8_t net2[CT_HASH_BYTES], author2[CT_KEY_BYTES];
	ct_vkey k;

	ct_checkpoint_origin(origin, network, ct_keypair_public(kp));
	ct_key_hex(hex, ct_keypair_public(kp));
	snprintf(want, sizeof(want),
		 "caltrace/4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e/%s", hex);
	assert_string_equal(origin, want);
	CT_OK_OR_FAIL(ct_checkpoint_feed(net2, author2, origin));
	assert_memory_equal(net2, network, CT_HASH_BYTES);
	assert_memory_equal(author2, ct_keypair_public(kp), CT_KEY_BYTES);

	ct_checkpoint_feed_key(&k, network, ct_keypair_public(kp));
	assert_string_equal(k.name, origin);
	assert_int_equal(k.type, CT_NOTE_ED25519);
	assert_int_equal(k.key_id, ct_note_key_id(origin, CT_NOTE_ED25519, ct_keypair_public(kp)));

	/* Not caltrace origins. */
	origin[9] = 'E'; /* uppercase hex */
	assert_int_equal(ct_checkpoint_feed(net2, author2, origin), CT_EINVAL);
	origin[9] = '4';
	origin[9 + 64] = '-';
	assert_int_equal(ct_checkpoint_feed(net2, author2, origin), CT_EINVAL);
	origin[9 + 64] = '/';
	origin[0] = 'C';
	assert_int_equal(ct_checkpoint_feed(net2, author2, origin), CT_EINVAL);
	origin[0] = 'c';
	strcat(origin, "0");
	assert_int_equal(ct_checkpoint_feed(net2, author2, origin), CT_EINVAL);
	assert_int_equal(ct_checkpoint_feed(net2, author2, "example.com/log"), CT_EINVAL);
	ct_keypair_free(kp);
}

/* ---- signing and verifying ---- */

static void test_sign_verify(void **state)
{
	ct_keypair *author = ct_test_keypair(1), *other = ct_test_keypair(2);
	ct_checkpoint cp, got;
	ct_buf buf = CT_BUF_INIT, again = CT_BUF_INIT;
	ct_note *n;
	ct_vkey k, wrong;
	uint64_t sizes[] = {0, 1, 2, 7, 1000};
	size_t i;

	ct_checkpoint_feed_key(&k, network, ct_keypair_public(author));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_checkpoint(&cp, ct_keypair_public(author), sizes[i]);
		n = signed_note(&cp, author);
		CT_OK_OR_FAIL(ct_checkpoint_verify(&got, n, &k));
		assert_string_equal(got.origin, cp.origin);
		assert_int_equal(got.size, sizes[i]);
		assert_memory_equal(got.root, cp.root, CT_HASH_BYTES);
		assert_null(got.ext);
		/* The body re-serialises as the note text. */
		again.len = 0;
		CT_OK_OR_FAIL(ct_checkpoint_body(&again, &got));
		assert_int_equal(again.len, n->text_len);
		assert_memory_equal(again.ptr, n->text, n->text_len);
		ct_note_free(n);
	}

	/* Another author's key: its name is another origin, so no signature of it. */
	ct_checkpoint_feed_key(&wrong, network, ct_keypair_public(other));
	n = signed_note(&cp, author);
	assert_int_equal(ct_checkpoint_verify(&got, n, &wrong), CT_ENOTFOUND);
	/* The right name with another key ID claimed: the signature fails. */
	wrong = k;
	memcpy(wrong.pk, ct_keypair_public(other), CT_KEY_BYTES);
	assert_int_equal(ct_checkpoint_verify(&got, n, &wrong), CT_EBADSIG);
	/* A changed size or root breaks the signature. */
	n->text[strlen(cp.origin) + 1] = '9';
	assert_int_equal(ct_checkpoint_verify(&got, n, &k), CT_EBADSIG);
	ct_note_free(n);

	/* Signing someone else's feed, or a foreign origin, is refused. */
	assert_int_equal(ct_checkpoint_sign(&buf, &cp, other), CT_EINVAL);
	strcpy(cp.origin, "example.com/log");
	assert_int_equal(ct_checkpoint_sign(&buf, &cp, author), CT_EINVAL);

	ct_buf_free(&buf);
	ct_buf_free(&again);
	ct_keypair_free(author);
	ct_keypair_free(other);
}

/* A note signed by the right key whose body names another origin. */
static void test_origin_must_match_key(void **state)
{
	ct_keypair *author = ct_test_keypair(1), *other = ct_test_keypair(2);
	ct_checkpoint cp, got;
	ct_buf body = CT_BUF_INIT;
	ct_note *n = NULL;
	ct_vkey k;

	make_checkpoint(&cp, ct_keypair_public(other), 3);
	ct_checkpoint_feed_key(&k, network, ct_keypair_public(author));
	CT_OK_OR_FAIL(ct_checkpoint_body(&body, &cp));
	CT_OK_OR_FAIL(ct_note_new(&n, (const char *)body.ptr, body.len));
	CT_OK_OR_FAIL(ct_note_sign(n, author, k.name));
	assert_int_equal(ct_checkpoint_verify(&got, n, &k), CT_EINVAL);
	assert_non_null(strstr(ct_error_last(), "is not the name of its key"));
	ct_note_free(n);
	ct_buf_free(&body);
	ct_keypair_free(author);
	ct_keypair_free(other);
}

/* ---- strict parsing ---- */

static void test_parse_strict(void **state)
{
	static const struct {
		const char *what, *body;
		int want;
		const char *message;
	} cases[] = {
	    {"non-canonical size 007", "o\n007\n" ZERO_ROOT "\n", CT_EINVAL,
	     "line 2: size '007' has a leading zero"},
	    {"size 00", "o\n00\n" ZERO_ROOT "\n", CT_EINVAL, "leading zero"},
	    {"empty size", "o\n\n" ZERO_ROOT "\n", CT_EINVAL, "line 2"},
	    {"negative size", "o\n-1\n" ZERO_ROOT "\n", CT_EINVAL, "not a decimal number"},
	    {"signed size", "o\n+1\n" ZERO_ROOT "\n", CT_EINVAL, "not a decimal number"},
	    {"size with a space", "o\n1 \n" ZERO_ROOT "\n", CT_EINVAL, "not a decimal number"},
	    {"size over 64 bits", "o\n18446744073709551616\n" ZERO_ROOT "\n", CT_EINVAL, "64 bits"},
	    {"root of 31 bytes", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", CT_EINVAL,
	     "line 3: root hash is 31 bytes"},
	    {"root of 33 bytes", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", CT_EINVAL, "line 3"},
	    {"root without padding", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", CT_EINVAL,
	     "line 3"},
	    {"root in hex", "o\n1\n0000000000000000000000000000000000000000000000000000000000000000\n",
	     CT_EINVAL, "line 3"},
	    {"root non-zero trailing bits", "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n", CT_EINVAL,
	     "line 3"},
	    {"two lines", "o\n1\n", CT_EINVAL, "has 2 lines"},
	    {"empty origin", "\n1\n" ZERO_ROOT "\n", CT_EINVAL, "line 1: origin is empty"},
	    {"no final newline", "o\n1\n" ZERO_ROOT, CT_EINVAL, "newline"},
	    {"empty extension line", "o\n1\n" ZERO_ROOT "\n\next\n", CT_EINVAL,
	     "line 4: empty extension line"},
	    {"control character", "o\x01\n1\n" ZERO_ROOT "\n", CT_EINVAL, "control character"},
	};
	char longorigin[CT_CHECKPOINT_ORIGIN_MAX + 100];
	ct_checkpoint cp;
	ct_buf again = CT_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse_body(cases[i].body);
		if (rc != cases[i].want || !strstr(ct_error_last(), cases[i].message))
			fail_msg("%s: got %d '%s', want %d '%s'", cases[i].what, rc, ct_error_last(),
				 cases[i].want, cases[i].message);
	}
	CT_OK_OR_FAIL(parse_body("o\n0\n" ZERO_ROOT "\n"));
	CT_OK_OR_FAIL(parse_body("o\n18446744073709551615\n" ZERO_ROOT "\n"));
	snprintf(longorigin, sizeof(longorigin), "%0*d\n1\n" ZERO_ROOT "\n", CT_CHECKPOINT_ORIGIN_MAX + 1, 0);
	assert_int_equal(parse_body(longorigin), CT_ETOOBIG);

	/* Extension lines are kept and written back. */
	{
		static const char body[] = "example.com/log\n5\n" ZERO_ROOT "\nfirst ext\nsecond ext\n";
		CT_OK_OR_FAIL(ct_checkpoint_parse(&cp, body, strlen(body)));
		assert_int_equal(cp.size, 5);
		assert_int_equal(cp.ext_len, strlen("first ext\nsecond ext\n"));
		assert_memory_equal(cp.ext, "first ext\nsecond ext\n", cp.ext_len);
		CT_OK_OR_FAIL(ct_checkpoint_body(&again, &cp));
		assert_int_equal(again.len, strlen(body));
		assert_memory_equal(again.ptr, body, again.len);
	}
	/* The writer refuses what the parser would. */
	cp.ext = "no newline";
	cp.ext_len = strlen(cp.ext);
	assert_int_equal(ct_checkpoint_body(&again, &cp), CT_EINVAL);
	cp.ext = "a\n\nb\n";
	cp.ext_len = strlen(cp.ext);
	assert_int_equal(ct_checkpoint_body(&again, &cp), CT_EINVAL);
	cp.ext = NULL;
	cp.ext_len = 0;
	cp.origin[0] = '\0';
	assert_int_equal(ct_checkpoint_body(&again, &cp), CT_EINVAL);
	strcpy(cp.origin, "a\nb");
	assert_int_equal(ct_checkpoint_body(&again, &cp), CT_EINVAL);
	ct_buf_free(&again);
}

/* ---- the published cosigned checkpoint ---- */

static void test_published_cosigned_checkpoint(void **state)
{
	static const char spec_message[] =
	    "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
	ct_buf file = CT_BUF_INIT, again = CT_BUF_INIT, msg = CT_BUF_INIT;
	const ct_note_sig *w;
	ct_checkpoint cp;
	ct_note *n = NULL;
	uint64_t t = 0;
	int i;

	assert_int_equal(
	    ct_test_read_file(ct_test_vector_path("c2sp/cosigned-checkpoint-example.txt"), &file), 0);
	CT_OK_OR_FAIL(ct_note_parse(&n, file.ptr, file.len));
	CT_OK_OR_FAIL(ct_note_format(&again, n));
	assert_int_equal(again.len, file.len);
	assert_memory_equal(again.ptr, file.ptr, file.len);
	CT_OK_OR_FAIL(ct_checkpoint_parse(&cp, n->text, n->text_len));
	assert_string_equal(cp.origin, "example.com/behind-the-sofa");
	assert_int_equal(cp.size, 20852163);
	assert_int_equal(n->nsigs, 2);
	assert_string_equal(n->sigs[0].name, "example.com/behind-the-sofa");
	assert_int_equal(n->sigs[0].sig_len, CT_SIG_BYTES);
	w = &n->sigs[1];
	assert_string_equal(w->name, "witness.example.com/w1");
	assert_int_equal(w->key_id, 0x8d66cf3f);
	assert_int_equal(w->sig_len, CT_COSIG_BLOB);
	for (i = 0; i < 8; i++)
		t = t << 8 | w->sig[i];
	assert_int_equal(t, 1679315147);
	/* The spec's example of the signed message, for that time and body. */
	CT_OK_OR_FAIL(ct_cosig_message(&msg, t, n->text, n->text_len));
	assert_int_equal(msg.len, strlen(spec_message));
	assert_memory_equal(msg.ptr, spec_message, msg.len);
	ct_note_free(n);
	ct_buf_free(&file);
	ct_buf_free(&again);
	ct_buf_free(&msg);
}

/* ---- cosignatures ---- */

struct cosig_fixture {
	ct_keypair *author, *w1, *w2;
	char name1[CT_NOTE_NAME_MAX + 1], name2[CT_NOTE_NAME_MAX + 1];
	ct_vkey log_key, k1, k2;
	ct_note *n;
};

static void fixture_init(struct cosig_fixture *f)
{
	ct_checkpoint cp;

	f->author = ct_test_keypair(1);
	f->w1 = ct_test_keypair(11);
	f->w2 = ct_test_keypair(12);
	ct_cosig_name(f->name1, network, ct_keypair_public(f->w1));
	ct_cosig_name(f->name2, network, ct_keypair_public(f->w2));
	ct_checkpoint_feed_key(&f->log_key, network, ct_keypair_public(f->author));
	CT_OK_OR_FAIL(ct_vkey_make(&f->k1, f->name1, CT_NOTE_COSIG_V1, ct_keypair_public(f->w1)));
	CT_OK_OR_FAIL(ct_vkey_make(&f->k2, f->name2, CT_NOTE_COSIG_V1, ct_keypair_public(f->w2)));
	make_checkpoint(&cp, ct_keypair_public(f->author), 12);
	f->n = signed_note(&cp, f->author);
}

static void fixture_free(struct cosig_fixture *f)
{
	ct_note_free(f->n);
	ct_keypair_free(f->author);
	ct_keypair_free(f->w1);
	ct_keypair_free(f->w2);
}

static void test_cosign_round_trip(void **state)
{
	struct cosig_fixture f;
	ct_buf buf = CT_BUF_INIT, again = CT_BUF_INIT;
	ct_checkpoint cp;
	ct_note *back = NULL;
	uint64_t t = 0;
	char want[CT_NOTE_NAME_MAX + 1];

	fixture_init(&f);
	snprintf(want, sizeof(want), "caltrace/%.64s/witness/", f.log_key.name + 9);
	assert_memory_equal(f.name1, want, strlen(want));
	CT_OK_OR_FAIL(ct_cosig_add(f.n, f.w1, f.name1, 1764410400));
	CT_OK_OR_FAIL(ct_cosig_add(f.n, f.w2, f.name2, 0));
	assert_int_equal(ct_cosig_add(f.n, f.w1, f.name1, 1764410401), CT_EEXISTS);
	CT_OK_OR_FAIL(ct_note_format(&buf, f.n));
	CT_OK_OR_FAIL(ct_note_parse(&back, buf.ptr, buf.len));
	CT_OK_OR_FAIL(ct_note_format(&again, back));
	assert_int_equal(again.len, buf.len);
	assert_memory_equal(again.ptr, buf.ptr, buf.len);

	CT_OK_OR_FAIL(ct_checkpoint_verify(&cp, back, &f.log_key));
	CT_OK_OR_FAIL(ct_cosig_verify(&t, back, &f.k1));
	assert_int_equal(t, 1764410400);
	CT_OK_OR_FAIL(ct_cosig_verify(&t, back, &f.k2));
	assert_int_equal(t, 0);
	assert_int_equal(back->sigs[1].key_id,
			 ct_note_key_id(f.name1, CT_NOTE_COSIG_V1, ct_keypair_public(f.w1)));
	assert_int_equal(back->sigs[1].sig_len, CT_COSIG_BLOB);
	/* A cosigner key is not found among note keys, nor a note key among cosigners. */
	assert_int_equal(ct_note_verify(back, &f.k1), CT_EINVAL);
	assert_int_equal(ct_cosig_verify(&t, back, &f.log_key), CT_EINVAL);
	ct_note_free(back);
	ct_buf_free(&buf);
	ct_buf_free(&again);
	fixture_free(&f);
}

static void test_cosign_failures(void **state)
{
	struct cosig_fixture f;
	uint8_t blob[CT_COSIG_BLOB];
	ct_buf msg = CT_BUF_INIT;
	ct_note *plain = NULL;
	ct_vkey as_note_key;
	uint64_t t = 0;
	int i;

	fixture_init(&f);
	/* No line by this witness yet. */
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k1), CT_ENOTFOUND);
	/* Timestamps the spec forbids are refused both ways. */
	assert_int_equal(ct_cosig_add(f.n, f.w1, f.name1, (uint64_t)INT64_MAX + 1), CT_EINVAL);
	CT_OK_OR_FAIL(ct_cosig_add(f.n, f.w1, f.name1, (uint64_t)INT64_MAX));
	CT_OK_OR_FAIL(ct_cosig_verify(&t, f.n, &f.k1));
	assert_int_equal(t, (uint64_t)INT64_MAX);
	f.n->sigs[1].sig[0] |= 0x80;
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k1), CT_EINVAL);
	f.n->sigs[1].sig[0] &= 0x7f;

	/* Tampered timestamp: the signature covers the time line. */
	f.n->sigs[1].sig[7] ^= 0x01;
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k1), CT_EBADSIG);
	f.n->sigs[1].sig[7] ^= 0x01;
	/* Tampered signature byte. */
	f.n->sigs[1].sig[40] ^= 0x01;
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k1), CT_EBADSIG);
	f.n->sigs[1].sig[40] ^= 0x01;
	CT_OK_OR_FAIL(ct_cosig_verify(&t, f.n, &f.k1));

	/* Wrong type byte: the same key taken as an Ed25519 note key has another key ID. */
	CT_OK_OR_FAIL(ct_vkey_make(&as_note_key, f.name1, CT_NOTE_ED25519, ct_keypair_public(f.w1)));
	assert_int_not_equal(as_note_key.key_id, f.k1.key_id);
	assert_int_equal(ct_note_verify(f.n, &as_note_key), CT_ENOTFOUND);
	assert_int_equal(ct_cosig_verify(&t, f.n, &as_note_key), CT_EINVAL);
	/* A cosignature line whose key ID was made with type 0x01 is not the witness's. */
	for (i = 0; i < 8; i++)
		blob[i] = (uint8_t)((uint64_t)1000 >> (56 - 8 * i));
	CT_OK_OR_FAIL(ct_cosig_message(&msg, 1000, f.n->text, f.n->text_len));
	ct_keypair_sign(f.w2, blob + 8, msg.ptr, msg.len);
	CT_OK_OR_FAIL(ct_note_add_sig(f.n, f.name2,
				      ct_note_key_id(f.name2, CT_NOTE_ED25519, ct_keypair_public(f.w2)), blob,
				      sizeof(blob)));
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k2), CT_ENOTFOUND);
	/* A line of the witness's key ID with a blob of the wrong length. */
	CT_OK_OR_FAIL(ct_note_add_sig(f.n, f.name2, f.k2.key_id, blob, sizeof(blob) - 1));
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k2), CT_EINVAL);

	/* Only checkpoints are cosigned, under valid names. */
	CT_OK_OR_FAIL(ct_note_new(&plain, "not a checkpoint\n", 17));
	assert_int_equal(ct_cosig_add(plain, f.w1, f.name1, 1), CT_EINVAL);
	assert_int_equal(ct_cosig_add(f.n, f.w1, "bad name", 1), CT_EINVAL);

	/* A changed checkpoint (size 12 -> 02) breaks the cosignature and the log's signature. */
	f.n->text[strlen(f.log_key.name) + 1] ^= 0x01;
	assert_int_equal(ct_cosig_verify(&t, f.n, &f.k1), CT_EBADSIG);
	assert_int_equal(ct_note_verify(f.n, &f.log_key), CT_EBADSIG);
	ct_note_free(plain);
	ct_buf_free(&msg);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_origin),
	    cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_origin_must_match_key),
	    cmocka_unit_test(test_parse_strict),
	    cmocka_unit_test(test_published_cosigned_checkpoint),
	    cmocka_unit_test(test_cosign_round_trip),
	    cmocka_unit_test(test_cosign_failures),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
