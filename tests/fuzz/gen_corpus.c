/*
 * Writes the seed corpora of fuzz_mp, fuzz_entry and fuzz_note (a few
 * valid and invalid inputs each). Not part of the build; run by hand after a change
 * to the encodings:
 *
 *   cc -std=gnu11 -Iinclude tests/fuzz/gen_corpus.c build/libcaltrace_core.a \
 *      $(pkg-config --libs libsodium msgpack) -lpthread -o /tmp/gen_corpus
 *   /tmp/gen_corpus tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/merkle.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/proof/note.h"

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

#define LIT(target, name, lit) put(target, name, lit, sizeof(lit) - 1)
#define OK(call)                                                                                             \
	do {                                                                                                 \
		if ((call) < 0) {                                                                            \
			fprintf(stderr, "%s: %s\n", #call, ct_error_last());                                 \
			exit(1);                                                                             \
		}                                                                                            \
	} while (0)

/* {"a": [0, 127, 128, 65536, 2^64-1], "b": {"c": nil, "d": true}, "e": bin "xy", "é": "ü€"} */
static void mp_corpus(void)
{
	ct_buf b = CT_BUF_INIT;

	OK(ct_mp_put_map(&b, 4));
	OK(ct_mp_put_cstr(&b, "a"));
	OK(ct_mp_put_array(&b, 5));
	OK(ct_mp_put_uint(&b, 0));
	OK(ct_mp_put_uint(&b, 127));
	OK(ct_mp_put_uint(&b, 128));
	OK(ct_mp_put_uint(&b, 65536));
	OK(ct_mp_put_uint(&b, UINT64_MAX));
	OK(ct_mp_put_cstr(&b, "b"));
	OK(ct_mp_put_map(&b, 2));
	OK(ct_mp_put_cstr(&b, "c"));
	OK(ct_mp_put_nil(&b));
	OK(ct_mp_put_cstr(&b, "d"));
	OK(ct_mp_put_bool(&b, true));
	OK(ct_mp_put_cstr(&b, "e"));
	OK(ct_mp_put_bin(&b, (const uint8_t *)"xy", 2));
	OK(ct_mp_put_cstr(&b, "\xc3\xa9"));
	OK(ct_mp_put_cstr(&b, "\xc3\xbc\xe2\x82\xac"));
	OK(ct_mp_check(b.ptr, b.len));
	put("fuzz_mp", "valid-map", b.ptr, b.len);
	put("fuzz_mp", "trunc-map", b.ptr, b.len - 3);
	b.len = 0;
	OK(ct_mp_put_str(&b, "0123456789012345678901234567890123456789", 40));
	put("fuzz_mp", "valid-str8", b.ptr, b.len);
	ct_buf_free(&b);
	LIT("fuzz_mp", "valid-depth8", "\x91\x91\x91\x91\x91\x91\x91\x91\xc0");
	LIT("fuzz_mp", "bad-depth9", "\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0");
	LIT("fuzz_mp", "bad-uint8-5", "\xcc\x05");
	LIT("fuzz_mp", "bad-unsorted",
	    "\x82\xa1"
	    "b\xc0\xa1"
	    "a\xc0");
	LIT("fuzz_mp", "bad-dup",
	    "\x82\xa1"
	    "a\xc0\xa1"
	    "a\xc0");
	LIT("fuzz_mp", "bad-overlong", "\xa2\xc0\xaf");
	LIT("fuzz_mp", "bad-surrogate", "\xa3\xed\xa0\x80");
	LIT("fuzz_mp", "bad-float", "\x92\x01\xcb\x00\x00\x00\x00\x00\x00\x00\x00");
	LIT("fuzz_mp", "bad-huge-str32",
	    "\xdb\xff\xff\xff\xff"
	    "a");
	LIT("fuzz_mp", "bad-trailing", "\xc0\xc0");
}

static void entry_corpus(void)
{
	uint8_t seed[32], prev[CT_HASH_BYTES];
	ct_buf body = CT_BUF_INIT, e1 = CT_BUF_INIT, e2 = CT_BUF_INIT, both = CT_BUF_INIT;
	ct_keypair *kp = NULL;

	memset(seed, 0x42, sizeof(seed));
	OK(ct_keypair_from_seed(&kp, seed));
	OK(ct_mp_put_map(&body, 2));
	OK(ct_mp_put_cstr(&body, "instrument"));
	OK(ct_mp_put_cstr(&body, "DMM-7"));
	OK(ct_mp_put_cstr(&body, "value"));
	OK(ct_mp_put_uint(&body, 42));
	OK(ct_entry_build(&e1, kp, 1, NULL, 1700000000000ULL, "calibration", body.ptr, body.len));
	put("fuzz_entry", "valid-seq1", e1.ptr, e1.len);
	put("fuzz_entry", "trunc-seq1", e1.ptr, e1.len - 10);
	ct_entry_hash(prev, e1.ptr, e1.len);
	body.len = 0;
	OK(ct_mp_put_map(&body, 1));
	OK(ct_mp_put_cstr(&body, "nested"));
	OK(ct_mp_put_array(&body, 2));
	OK(ct_mp_put_map(&body, 0));
	OK(ct_mp_put_bin(&body, prev, 8));
	OK(ct_entry_build(&e2, kp, 2, prev, 1700000000001ULL, "check", body.ptr, body.len));
	put("fuzz_entry", "valid-seq2", e2.ptr, e2.len);
	OK(ct_buf_put(&both, e1.ptr, e1.len));
	OK(ct_buf_put(&both, e2.ptr, e2.len));
	put("fuzz_entry", "stream-two", both.ptr, both.len);
	e1.ptr[e1.len - 1] ^= 1;
	put("fuzz_entry", "badsig-seq1", e1.ptr, e1.len);
	e2.ptr[1] = 2;
	put("fuzz_entry", "bad-version2", e2.ptr, e2.len);
	LIT("fuzz_entry", "bad-not-array", "\x80");
	ct_buf_free(&body);
	ct_buf_free(&e1);
	ct_buf_free(&e2);
	ct_buf_free(&both);
	ct_keypair_free(kp);
}

/*
 * A caltrace checkpoint of a 5-leaf feed (leaves "leaf 0" .. "leaf 4", as
 * fuzz_note.c expects), cosigned, and tlog-proofs of it; the C2SP example
 * note; broken variants.
 */
static void note_corpus(void)
{
	static const char example[] =
	    "This is an example message.\n\n\xe2\x80\x94 example.com/foo "
	    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
	uint8_t seed[32], network[CT_HASH_BYTES], leaf[CT_HASH_BYTES],
	    proof[CT_MERKLE_MAX_PROOF][CT_HASH_BYTES];
	char data[16], name[CT_NOTE_NAME_MAX + 1];
	ct_buf cp_note = CT_BUF_INIT, body = CT_BUF_INIT, text = CT_BUF_INIT;
	ct_keypair *author = NULL, *witness = NULL;
	ct_memtree *tree = NULL;
	ct_checkpoint cp;
	ct_note *n = NULL;
	size_t count;
	int i;

	memset(seed, 0x42, sizeof(seed));
	OK(ct_keypair_from_seed(&author, seed));
	memset(seed, 0x43, sizeof(seed));
	OK(ct_keypair_from_seed(&witness, seed));
	memset(network, 0x4e, sizeof(network));
	OK(ct_memtree_new(&tree));
	for (i = 0; i < 5; i++) {
		int len = snprintf(data, sizeof(data), "leaf %d", i);
		ct_merkle_leaf_hash(leaf, (const uint8_t *)data, (size_t)len);
		OK(ct_memtree_append(tree, leaf));
	}
	memset(&cp, 0, sizeof(cp));
	ct_checkpoint_origin(cp.origin, network, ct_keypair_public(author));
	cp.size = 5;
	OK(ct_merkle_root(cp.root, 5, ct_memtree_get, tree));
	OK(ct_checkpoint_body(&body, &cp));
	put("fuzz_note", "checkpoint-body", body.ptr, body.len);
	OK(ct_checkpoint_sign(&cp_note, &cp, author));
	put("fuzz_note", "checkpoint-signed", cp_note.ptr, cp_note.len);
	OK(ct_note_parse(&n, cp_note.ptr, cp_note.len));
	ct_cosig_name(name, network, ct_keypair_public(witness));
	OK(ct_cosig_add(n, witness, name, 1764410400));
	cp_note.len = 0;
	OK(ct_note_format(&cp_note, n));
	put("fuzz_note", "checkpoint-cosigned", cp_note.ptr, cp_note.len);

	OK(ct_merkle_inclusion_proof(proof, &count, 2, 5, ct_memtree_get, tree));
	OK(ct_tlog_proof_build(&text, 2, (const uint8_t(*)[CT_HASH_BYTES])proof, count,
			       (const uint8_t *)"ctx", 3, cp_note.ptr, cp_note.len));
	put("fuzz_note", "tlog-proof-leaf2-extra", text.ptr, text.len);
	put("fuzz_note", "bad-tlog-proof-truncated", text.ptr, text.len - 30);
	OK(ct_merkle_inclusion_proof(proof, &count, 4, 5, ct_memtree_get, tree));
	OK(ct_tlog_proof_build(&text, 4, (const uint8_t(*)[CT_HASH_BYTES])proof, count, NULL, 0, cp_note.ptr,
			       cp_note.len));
	put("fuzz_note", "tlog-proof-leaf4", text.ptr, text.len);

	LIT("fuzz_note", "c2sp-example", example);
	LIT("fuzz_note", "vkey-example",
	    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
	LIT("fuzz_note", "bad-no-blank-line", "text\n\xe2\x80\x94 k AAAAAAAAAAAAAAAAAAAA\n");
	LIT("fuzz_note", "bad-size-007", "o\n007\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	ct_note_free(n);
	ct_memtree_free(tree);
	ct_keypair_free(author);
	ct_keypair_free(witness);
	ct_buf_free(&cp_note);
	ct_buf_free(&body);
	ct_buf_free(&text);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR (with fuzz_mp/, fuzz_entry/ and fuzz_note/ inside)\n");
		return 2;
	}
	root = argv[1];
	mp_corpus();
	entry_corpus();
	note_corpus();
	return 0;
}
