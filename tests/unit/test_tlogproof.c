/*
 * tlog-proof@v1 (c2sp.org/tlog-proof): proofs built over a seeded random
 * tree verify for every leaf and fail for a wrong leaf, a swapped proof,
 * reordered or missing hash lines, truncation and every malformed line.
 */
#include <stdio.h>

#include "caltrace/ledger/merkle.h"
#include "caltrace/proof/note.h"
#include "ct_test.h"

#define H CT_HASH_BYTES

static uint8_t network[H];

/* A feed tree of random leaves, its author and a signed checkpoint of it. */
struct feed {
	ct_keypair *author;
	ct_vkey log_key;
	ct_memtree *tree;
	uint8_t (*leaves)[H]; /* leaf hashes */
	uint64_t size;
	ct_buf checkpoint; /* the signed note */
};

static void feed_init(struct feed *f, uint64_t size, uint64_t *rng)
{
	ct_checkpoint cp;
	uint8_t data[40];
	uint64_t i;
	size_t j;

	memset(f, 0, sizeof(*f));
	memset(network, 0x4e, sizeof(network));
	f->author = ct_test_keypair(1);
	ct_checkpoint_feed_key(&f->log_key, network, ct_keypair_public(f->author));
	CT_OK_OR_FAIL(ct_memtree_new(&f->tree));
	f->leaves = calloc(size ? size : 1, H);
	assert_non_null(f->leaves);
	for (i = 0; i < size; i++) {
		for (j = 0; j < sizeof(data); j++)
			data[j] = (uint8_t)ct_test_rand(rng);
		ct_merkle_leaf_hash(f->leaves[i], data, 1 + ct_test_rand(rng) % sizeof(data));
		CT_OK_OR_FAIL(ct_memtree_append(f->tree, f->leaves[i]));
	}
	f->size = size;
	memset(&cp, 0, sizeof(cp));
	ct_checkpoint_origin(cp.origin, network, ct_keypair_public(f->author));
	cp.size = size;
	CT_OK_OR_FAIL(ct_merkle_root(cp.root, size, ct_memtree_get, f->tree));
	CT_OK_OR_FAIL(ct_checkpoint_sign(&f->checkpoint, &cp, f->author));
}

static void feed_free(struct feed *f)
{
	ct_keypair_free(f->author);
	ct_memtree_free(f->tree);
	free(f->leaves);
	ct_buf_free(&f->checkpoint);
}

/* Builds the text of the proof of leaf index into out. */
static void build_proof(ct_buf *out, const struct feed *f, uint64_t index, const uint8_t *extra,
			size_t extra_len)
{
	uint8_t proof[CT_MERKLE_MAX_PROOF][H];
	size_t count = 0;

	CT_OK_OR_FAIL(ct_merkle_inclusion_proof(proof, &count, index, f->size, ct_memtree_get, f->tree));
	CT_OK_OR_FAIL(ct_tlog_proof_build(out, index, (const uint8_t(*)[H])proof, count, extra, extra_len,
					  f->checkpoint.ptr, f->checkpoint.len));
}

/* Parses text, checks it formats back to itself, returns the proof. */
static ct_tlog_proof *parse_round_trip(const ct_buf *text)
{
	ct_buf again = CT_BUF_INIT;
	ct_tlog_proof *p = NULL;

	CT_OK_OR_FAIL(ct_tlog_proof_parse(&p, text->ptr, text->len));
	CT_OK_OR_FAIL(ct_tlog_proof_format(&again, p));
	assert_int_equal(again.len, text->len);
	assert_memory_equal(again.ptr, text->ptr, text->len);
	ct_buf_free(&again);
	return p;
}

static int parse_str(const char *s)
{
	ct_tlog_proof *p = NULL;
	int rc = ct_tlog_proof_parse(&p, (const uint8_t *)s, strlen(s));

	ct_tlog_proof_free(p);
	return rc;
}

/* ---- the seeded tree ---- */

static void test_every_leaf(void **state)
{
	uint64_t seed = ct_test_seed("test_every_leaf"), rng = seed, i, size = 1 + ct_test_rand(&rng) % 200;
	ct_buf text = CT_BUF_INIT, other = CT_BUF_INIT;
	uint8_t extra[50], wrong[H];
	struct feed f;
	size_t e;

	feed_init(&f, size, &rng);
	for (e = 0; e < sizeof(extra); e++)
		extra[e] = (uint8_t)ct_test_rand(&rng);
	for (i = 0; i < size; i++) {
		size_t extra_len =
		    (size_t)(ct_test_rand(&rng) % 3 == 0 ? 1 + ct_test_rand(&rng) % sizeof(extra) : 0);
		ct_tlog_proof *p, *q;

		build_proof(&text, &f, i, extra, extra_len);
		p = parse_round_trip(&text);
		assert_int_equal(p->index, i);
		assert_int_equal(p->checkpoint.size, size);
		assert_int_equal(p->extra_len, extra_len);
		if (extra_len)
			assert_memory_equal(p->extra, extra, extra_len);
		if (ct_tlog_proof_verify(p, f.leaves[i], &f.log_key) != 0)
			fail_msg("seed %llu, size %llu: leaf %llu does not verify: %s",
				 (unsigned long long)seed, (unsigned long long)size, (unsigned long long)i,
				 ct_error_last());

		/* A wrong leaf: another leaf's hash, or one flipped bit. */
		if (size > 1)
			assert_int_equal(ct_tlog_proof_verify(p, f.leaves[(i + 1) % size], &f.log_key),
					 CT_EPROOF);
		memcpy(wrong, f.leaves[i], H);
		wrong[ct_test_rand(&rng) % H] ^= 0x10;
		assert_int_equal(ct_tlog_proof_verify(p, wrong, &f.log_key), CT_EPROOF);

		/* Swapped proofs: leaf i's hash with the proof of another leaf. */
		if (size > 1) {
			uint64_t j = (i + 1 + ct_test_rand(&rng) % (size - 1)) % size;
			build_proof(&other, &f, j, NULL, 0);
			CT_OK_OR_FAIL(ct_tlog_proof_parse(&q, other.ptr, other.len));
			CT_OK_OR_FAIL(ct_tlog_proof_verify(q, f.leaves[j], &f.log_key));
			assert_int_equal(ct_tlog_proof_verify(q, f.leaves[i], &f.log_key), CT_EPROOF);
			/* Leaf j's hashes under leaf i's index. */
			q->index = i;
			assert_int_equal(ct_tlog_proof_verify(q, f.leaves[i], &f.log_key), CT_EPROOF);
			ct_tlog_proof_free(q);
		}
		/* Two hash lines swapped, or the last one dropped. */
		if (p->count >= 2) {
			uint8_t tmp[H];
			memcpy(tmp, p->proof[0], H);
			memcpy(p->proof[0], p->proof[1], H);
			memcpy(p->proof[1], tmp, H);
			if (memcmp(p->proof[0], p->proof[1], H) != 0)
				assert_int_equal(ct_tlog_proof_verify(p, f.leaves[i], &f.log_key), CT_EPROOF);
		}
		if (p->count >= 1) {
			p->count--;
			assert_int_equal(ct_tlog_proof_verify(p, f.leaves[i], &f.log_key), CT_EPROOF);
		}
		ct_tlog_proof_free(p);
	}
	feed_free(&f);
	ct_buf_free(&text);
	ct_buf_free(&other);
}

/* The checkpoint must be the log's: another key, or another tree, fails. */
static void test_wrong_checkpoint(void **state)
{
	uint64_t rng = 7;
	struct feed f, g;
	ct_buf text = CT_BUF_INIT;
	ct_tlog_proof *p = NULL;
	ct_vkey other_key;
	ct_keypair *other = ct_test_keypair(2);

	feed_init(&f, 9, &rng);
	feed_init(&g, 9, &rng); /* same author, other leaves: another root */
	build_proof(&text, &f, 4, NULL, 0);
	CT_OK_OR_FAIL(ct_tlog_proof_parse(&p, text.ptr, text.len));
	CT_OK_OR_FAIL(ct_tlog_proof_verify(p, f.leaves[4], &f.log_key));
	ct_checkpoint_feed_key(&other_key, network, ct_keypair_public(other));
	assert_int_equal(ct_tlog_proof_verify(p, f.leaves[4], &other_key), CT_ENOTFOUND);
	ct_tlog_proof_free(p);

	/* f's proof hashes with g's checkpoint: the root does not match. */
	{
		uint8_t proof[CT_MERKLE_MAX_PROOF][H];
		size_t count = 0;
		CT_OK_OR_FAIL(ct_merkle_inclusion_proof(proof, &count, 4, f.size, ct_memtree_get, f.tree));
		CT_OK_OR_FAIL(ct_tlog_proof_build(&text, 4, (const uint8_t(*)[H])proof, count, NULL, 0,
						  g.checkpoint.ptr, g.checkpoint.len));
	}
	CT_OK_OR_FAIL(ct_tlog_proof_parse(&p, text.ptr, text.len));
	assert_int_equal(ct_tlog_proof_verify(p, f.leaves[4], &g.log_key), CT_EPROOF);
	ct_tlog_proof_free(p);

	ct_keypair_free(other);
	feed_free(&f);
	feed_free(&g);
	ct_buf_free(&text);
}

/* A cosigned checkpoint travels in the proof; the caller checks the cosignature. */
static void test_cosigned(void **state)
{
	uint64_t rng = 11, t = 0;
	struct feed f;
	ct_buf text = CT_BUF_INIT;
	ct_keypair *w = ct_test_keypair(21);
	char name[CT_NOTE_NAME_MAX + 1];
	ct_tlog_proof *p = NULL;
	ct_note *n = NULL;
	ct_vkey wk;
	size_t cut;

	feed_init(&f, 5, &rng);
	ct_cosig_name(name, network, ct_keypair_public(w));
	CT_OK_OR_FAIL(ct_vkey_make(&wk, name, CT_NOTE_COSIG_V1, ct_keypair_public(w)));
	CT_OK_OR_FAIL(ct_note_parse(&n, f.checkpoint.ptr, f.checkpoint.len));
	CT_OK_OR_FAIL(ct_cosig_add(n, w, name, 1764410400));
	f.checkpoint.len = 0;
	CT_OK_OR_FAIL(ct_note_format(&f.checkpoint, n));
	ct_note_free(n);

	build_proof(&text, &f, 3, (const uint8_t *)"x", 1);
	p = parse_round_trip(&text);
	CT_OK_OR_FAIL(ct_tlog_proof_verify(p, f.leaves[3], &f.log_key));
	CT_OK_OR_FAIL(ct_cosig_verify(&t, p->note, &wk));
	assert_int_equal(t, 1764410400);
	ct_tlog_proof_free(p);

	/* Every truncation: refused, or (cut after the log's line) without the cosignature. */
	for (cut = 0; cut < text.len; cut++) {
		if (ct_tlog_proof_parse(&p, text.ptr, cut) == 0) {
			assert_int_equal(p->note->nsigs, 1);
			assert_int_equal(ct_cosig_verify(&t, p->note, &wk), CT_ENOTFOUND);
			ct_tlog_proof_free(p);
		}
	}
	ct_keypair_free(w);
	feed_free(&f);
	ct_buf_free(&text);
}

/* ---- malformed proofs, each named ---- */

/* Replaces the first occurrence of from in text (a C string) by to; returns a malloc'd string. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	return out;
}

static void test_malformed(void **state)
{
	uint64_t rng = 3;
	struct feed f;
	ct_buf text = CT_BUF_INIT;
	char *good, *bad, hash_line[64];
	ct_tlog_proof *p = NULL;
	size_t cut, i;

	feed_init(&f, 6, &rng);
	build_proof(&text, &f, 5, NULL, 0);
	good = strndup((const char *)text.ptr, text.len);
	assert_int_equal(parse_str(good), 0);
	/* The proof of leaf 5 of 6: two hashes, the first of them leaf 4. */
	CT_OK_OR_FAIL(ct_tlog_proof_parse(&p, text.ptr, text.len));
	assert_int_equal(p->count, 2);
	ct_tlog_proof_free(p);
	assert_true(strncmp(good, "c2sp.org/tlog-proof@v1\nindex 5\n", 31) == 0);
	{
		const char *h1 = good + 31, *nl = strchr(h1, '\n');
		snprintf(hash_line, sizeof(hash_line), "%.*s", (int)(nl - h1), h1);
	}
	{
		static const struct {
			const char *what, *from, *to;
			int want;
			const char *message;
		} cases[] = {
		    {"header without c2sp.org", "c2sp.org/tlog-proof@v1\n", "tlog-proof@v1\n", CT_EINVAL,
		     "line 1"},
		    {"header v2", "tlog-proof@v1\n", "tlog-proof@v2\n", CT_EINVAL, "line 1"},
		    {"CRLF header", "tlog-proof@v1\n", "tlog-proof@v1\r\n", CT_EINVAL, "line 1"},
		    {"index with leading zero", "index 5\n", "index 05\n", CT_EINVAL, "line 2: index '05'"},
		    {"negative index", "index 5\n", "index -5\n", CT_EINVAL, "line 2"},
		    {"index without space", "index 5\n", "index5\n", CT_EINVAL, "line 2"},
		    {"index in hex", "index 5\n", "index 0x5\n", CT_EINVAL, "line 2"},
		    {"missing index", "index 5\n", "", CT_EINVAL, "line 2"},
		    {"empty extra", "index 5\n", "extra \nindex 5\n", CT_EINVAL,
		     "line 2: extra data is empty"},
		    {"extra not base64", "index 5\n", "extra a*b=\nindex 5\n", CT_EINVAL, "line 2: extra"},
		    {"extra after index", "index 5\n", "index 5\nextra eA==\n", CT_EINVAL, "line 3"},
		    {"hash of 31 bytes", "=\n", "=\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
		     CT_EINVAL, "line 4"},
		    {"hash with trailing space", "=\n", "= \n", CT_EINVAL, "line 3"},
		    {"hash in hex", "=\n",
		     "=\n0000000000000000000000000000000000000000000000000000000000000000\n", CT_EINVAL,
		     "line 4"},
		    {"no empty line before the checkpoint", "=\n\n", "=\n", CT_EINVAL, "proof hash"},
		    {"two empty lines", "=\n\n", "=\n\n\n", CT_EINVAL, "checkpoint"},
		    {"checkpoint size with leading zero", "\n6\n", "\n06\n", CT_EINVAL, "leading zero"},
		};
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int rc;
			bad = replace(good, cases[i].from, cases[i].to);
			rc = parse_str(bad);
			if (rc != cases[i].want || !strstr(ct_error_last(), cases[i].message))
				fail_msg("%s: got %d '%s', want %d '%s'", cases[i].what, rc, ct_error_last(),
					 cases[i].want, cases[i].message);
			free(bad);
		}
	}
	/* A hash line missing: parses (an empty proof is a valid form) but does not verify. */
	{
		char line[80];
		snprintf(line, sizeof(line), "%s\n", hash_line);
		bad = replace(good, line, "");
		CT_OK_OR_FAIL(ct_tlog_proof_parse(&p, (const uint8_t *)bad, strlen(bad)));
		assert_int_equal(p->count, 1);
		assert_int_equal(ct_tlog_proof_verify(p, f.leaves[5], &f.log_key), CT_EPROOF);
		ct_tlog_proof_free(p);
		free(bad);
	}
	/* More hashes than any tree needs. */
	{
		ct_buf many = CT_BUF_INIT;
		assert_int_equal(ct_buf_put(&many, "c2sp.org/tlog-proof@v1\nindex 5\n", 31), 0);
		for (i = 0; i <= CT_MERKLE_MAX_PROOF; i++) {
			assert_int_equal(ct_buf_put(&many, hash_line, strlen(hash_line)), 0);
			assert_int_equal(ct_buf_put(&many, "\n", 1), 0);
		}
		assert_int_equal(ct_buf_put(&many, "\n", 1), 0);
		assert_int_equal(ct_buf_put(&many, f.checkpoint.ptr, f.checkpoint.len), 0);
		assert_int_equal(ct_tlog_proof_parse(&p, many.ptr, many.len), CT_ETOOBIG);
		assert_null(p);
		ct_buf_free(&many);
	}
	/* Truncated anywhere: refused (the checkpoint has one signature line). */
	for (cut = 0; cut < text.len; cut++)
		if (ct_tlog_proof_parse(&p, text.ptr, cut) == 0)
			fail_msg("proof truncated to %zu of %zu bytes parses", cut, text.len);
	free(good);
	feed_free(&f);
	ct_buf_free(&text);
}

static void test_build_checks(void **state)
{
	uint64_t rng = 5;
	struct feed f;
	ct_buf text = CT_BUF_INIT;
	uint8_t proof[CT_MERKLE_MAX_PROOF + 1][H], big[CT_TLOG_PROOF_EXTRA_MAX + 1];

	memset(proof, 0, sizeof(proof));
	memset(big, 0, sizeof(big));
	feed_init(&f, 4, &rng);
	assert_int_equal(ct_tlog_proof_build(&text, 4, (const uint8_t(*)[H])proof, 2, NULL, 0,
					     f.checkpoint.ptr, f.checkpoint.len),
			 CT_EINVAL);
	assert_int_equal(ct_tlog_proof_build(&text, 0, (const uint8_t(*)[H])proof, CT_MERKLE_MAX_PROOF + 1,
					     NULL, 0, f.checkpoint.ptr, f.checkpoint.len),
			 CT_ETOOBIG);
	assert_int_equal(ct_tlog_proof_build(&text, 0, (const uint8_t(*)[H])proof, 2, big, sizeof(big),
					     f.checkpoint.ptr, f.checkpoint.len),
			 CT_ETOOBIG);
	assert_int_equal(ct_tlog_proof_build(&text, 0, (const uint8_t(*)[H])proof, 2, NULL, 0,
					     (const uint8_t *)"not a note\n", 11),
			 CT_EINVAL);
	/* The largest extra data round-trips. */
	CT_OK_OR_FAIL(ct_tlog_proof_build(&text, 0, (const uint8_t(*)[H])proof, 2, big,
					  CT_TLOG_PROOF_EXTRA_MAX, f.checkpoint.ptr, f.checkpoint.len));
	ct_tlog_proof_free(parse_round_trip(&text));
	feed_free(&f);
	ct_buf_free(&text);
}

/*
 * The worked example of docs/CHECKPOINTS.md: rebuilt from its seeds, the
 * bytes are those below, and the page still shows them.
 */
#define DOC_ORIGIN                                                                                           \
	"caltrace/4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e/"                         \
	"2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12"
#define DOC_WITNESS                                                                                          \
	"caltrace/4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e/witness/"                 \
	"22fc297792f0b6ffc0bfcfdb7edb0c0aa14e025a365ec0e342e86e3829cb74b6"
static const char doc_proof[] =
    "c2sp.org/tlog-proof@v1\n"
    "index 1\n"
    "G7l9zCFjXUfiZj79/QoXRobZjdcBNS3SzQbotD/T0wU=\n"
    "qze6NNHf4pAV3nF6bVdkqPsCnDp6D1tkuTtUNRiFv3w=\n"
    "\n" DOC_ORIGIN "\n"
    "3\n"
    "1Pksj7uJcg6ztVZ3x9fvrd/rENEaGoSguo8aIzN/qpU=\n"
    "\n"
    "\xe2\x80\x94 " DOC_ORIGIN
    " N1tzr6tdX+WGedUW2zLgS1wjcFLgdyzFAw/ip0vZwnqMXuZaMrdWn9FUVCU2CQ0idYEyS81EEE3IA3PZPvFVH4MKtAI=\n"
    "\xe2\x80\x94 " DOC_WITNESS " ZYpSmAAAAABpKsQglbQQQvHBwDhFB+GPKnnIdvCWoLe4PoWR1YMLI8niFzLJMYKMaHV+"
				"7k4ViqP7pfYoM6VObXeRGUZVtlMzo95xBw==\n";
static const char doc_log_vkey[] = DOC_ORIGIN "+375b73af+ASFS+NGbeR0kRTJC4V8uq2y3z/p7al7TAJeWDgaYgdsS";
static const char doc_witness_vkey[] = DOC_WITNESS "+658a5298+BCL8KXeS8Lb/wL/P237bDAqhTgJaNl7A40Lobjgpy3S2";

static void test_docs_example(void **state)
{
	uint8_t seed[32], net[H], leaf[H], proof[CT_MERKLE_MAX_PROOF][H];
	char name[CT_NOTE_NAME_MAX + 1], vtext[CT_VKEY_TEXT_MAX], data[16];
	ct_buf cp_text = CT_BUF_INIT, text = CT_BUF_INIT, doc = CT_BUF_INIT;
	ct_keypair *author = NULL, *witness = NULL;
	ct_memtree *tree = NULL;
	ct_tlog_proof *p = NULL;
	ct_checkpoint cp;
	ct_note *n = NULL;
	ct_vkey log_key, wkey;
	uint64_t t = 0;
	size_t count = 0;
	int i;

	memset(seed, 0x42, sizeof(seed));
	CT_OK_OR_FAIL(ct_keypair_from_seed(&author, seed));
	memset(seed, 0x43, sizeof(seed));
	CT_OK_OR_FAIL(ct_keypair_from_seed(&witness, seed));
	memset(net, 0x4e, sizeof(net));
	CT_OK_OR_FAIL(ct_memtree_new(&tree));
	for (i = 0; i < 3; i++) {
		int len = snprintf(data, sizeof(data), "leaf %d", i);
		ct_merkle_leaf_hash(leaf, (const uint8_t *)data, (size_t)len);
		CT_OK_OR_FAIL(ct_memtree_append(tree, leaf));
	}
	memset(&cp, 0, sizeof(cp));
	ct_checkpoint_origin(cp.origin, net, ct_keypair_public(author));
	cp.size = 3;
	CT_OK_OR_FAIL(ct_merkle_root(cp.root, 3, ct_memtree_get, tree));
	CT_OK_OR_FAIL(ct_checkpoint_sign(&cp_text, &cp, author));
	CT_OK_OR_FAIL(ct_note_parse(&n, cp_text.ptr, cp_text.len));
	ct_cosig_name(name, net, ct_keypair_public(witness));
	CT_OK_OR_FAIL(ct_cosig_add(n, witness, name, 1764410400));
	cp_text.len = 0;
	CT_OK_OR_FAIL(ct_note_format(&cp_text, n));
	CT_OK_OR_FAIL(ct_merkle_inclusion_proof(proof, &count, 1, 3, ct_memtree_get, tree));
	CT_OK_OR_FAIL(ct_tlog_proof_build(&text, 1, (const uint8_t(*)[H])proof, count, NULL, 0, cp_text.ptr,
					  cp_text.len));
	assert_int_equal(text.len, strlen(doc_proof));
	assert_memory_equal(text.ptr, doc_proof, text.len);

	ct_checkpoint_feed_key(&log_key, net, ct_keypair_public(author));
	ct_vkey_format(vtext, &log_key);
	assert_string_equal(vtext, doc_log_vkey);
	CT_OK_OR_FAIL(ct_vkey_parse(&wkey, doc_witness_vkey, strlen(doc_witness_vkey)));
	ct_vkey_format(vtext, &wkey);
	assert_string_equal(vtext, doc_witness_vkey);

	/* The proof verifies from the text and the two published keys alone. */
	CT_OK_OR_FAIL(ct_vkey_parse(&log_key, doc_log_vkey, strlen(doc_log_vkey)));
	CT_OK_OR_FAIL(ct_tlog_proof_parse(&p, (const uint8_t *)doc_proof, strlen(doc_proof)));
	ct_merkle_leaf_hash(leaf, (const uint8_t *)"leaf 1", 6);
	CT_OK_OR_FAIL(ct_tlog_proof_verify(p, leaf, &log_key));
	CT_OK_OR_FAIL(ct_cosig_verify(&t, p->note, &wkey));
	assert_int_equal(t, 1764410400);

	/* docs/CHECKPOINTS.md shows exactly these bytes. */
	assert_int_equal(ct_test_read_file(CT_VECTORS_DIR "/../../docs/CHECKPOINTS.md", &doc), 0);
	assert_int_equal(ct_buf_put(&doc, "", 1), 0);
	if (!strstr((const char *)doc.ptr, doc_proof) || !strstr((const char *)doc.ptr, doc_log_vkey) ||
	    !strstr((const char *)doc.ptr, doc_witness_vkey))
		fail_msg("docs/CHECKPOINTS.md no longer shows the worked example's bytes");

	ct_tlog_proof_free(p);
	ct_note_free(n);
	ct_memtree_free(tree);
	ct_keypair_free(author);
	ct_keypair_free(witness);
	ct_buf_free(&cp_text);
	ct_buf_free(&text);
	ct_buf_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_leaf),	 cmocka_unit_test(test_wrong_checkpoint),
	    cmocka_unit_test(test_cosigned),	 cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_build_checks), cmocka_unit_test(test_docs_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
