/*
 * Merkle trees: the published RFC 6962 vectors (tests/vectors/rfc6962),
 * a seeded cross-check against a naive recursive RFC 6962/9162 model, and
 * mutated proofs that must be refused.
 */
#include <dirent.h>
#include <errno.h>

#include <jansson.h>
#include <sodium.h>

#include "caltrace/merkle.h"
#include "ct_test.h"

#define H	      CT_HASH_BYTES
#define PROOF_ROOM    (CT_MERKLE_MAX_PROOF + 8)
#define VECTOR_LEAVES 8
/* Files in the published directories (tests/vectors/rfc6962/README.md). */
#define INCLUSION_PROBES   98
#define CONSISTENCY_PROBES 98

/* ---- a callback store: one array per level, with read checks ---- */

/*
 * Nodes of a tree built through ct_merkle_append. Reads are counted and
 * checked against visible, the size of the tree being asked about: a node
 * that a tree of that size does not have completed is a bad read.
 */
struct store {
	uint8_t *levels[64];
	uint64_t written[64];
	uint64_t capacity;
	uint64_t visible;
	unsigned long gets;
	unsigned long bad_reads;
};

static void store_init(struct store *s, uint64_t capacity)
{
	unsigned level;

	memset(s, 0, sizeof(*s));
	s->capacity = capacity;
	for (level = 0; level < 64 && (capacity >> level) > 0; level++) {
		s->levels[level] = calloc(capacity >> level, H);
		assert_non_null(s->levels[level]);
	}
}

static void store_free(struct store *s)
{
	unsigned level;

	for (level = 0; level < 64; level++)
		free(s->levels[level]);
}

static int store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static H])
{
	struct store *s = ctx;

	s->gets++;
	if (level >= 64 || index >= s->written[level] || ((index + 1) << level) > s->visible) {
		s->bad_reads++;
		return CT_ENOTFOUND;
	}
	memcpy(out, s->levels[level] + index * H, H);
	return 0;
}

static int store_put(void *ctx, unsigned level, uint64_t index, const uint8_t hash[static H])
{
	struct store *s = ctx;

	if (level >= 64 || index != s->written[level] || index >= (s->capacity >> level))
		return CT_EINVAL;
	memcpy(s->levels[level] + index * H, hash, H);
	s->written[level]++;
	return 0;
}

/* ---- the naive model: RFC 6962 §2.1 / RFC 9162 §2.1 recursions over a leaf list ---- */

static uint64_t largest_pow2_below(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[n]) over leaf hashes. */
static void naive_mth(uint8_t out[static H], const uint8_t (*leaves)[H], uint64_t n)
{
	uint8_t left[H], right[H];
	uint64_t k;

	if (n == 0) {
		crypto_hash_sha256(out, (const uint8_t *)"", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	k = largest_pow2_below(n);
	naive_mth(left, leaves, k);
	naive_mth(right, leaves + k, n - k);
	ct_merkle_node_hash(out, left, right);
}

/*
 * PATH(m, D[n]) appended at proof[*count]. If sides is not NULL, also
 * records for each hash whether it is a left sibling ('L') or right ('R').
 */
static void naive_path(uint8_t (*proof)[H], size_t *count, char *sides, uint64_t m,
		       const uint8_t (*leaves)[H], uint64_t n)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = largest_pow2_below(n);
	if (m < k) {
		naive_path(proof, count, sides, m, leaves, k);
		naive_mth(proof[*count], leaves + k, n - k);
		if (sides)
			sides[*count] = 'R';
	} else {
		naive_path(proof, count, sides, m - k, leaves + k, n - k);
		naive_mth(proof[*count], leaves, k);
		if (sides)
			sides[*count] = 'L';
	}
	(*count)++;
}

/*
 * SUBPROOF(m, D[n], b) appended at proof[*count]; sides as for naive_path,
 * with 'T' for the old subtree the proof starts from.
 */
static void naive_subproof(uint8_t (*proof)[H], size_t *count, char *sides, uint64_t m,
			   const uint8_t (*leaves)[H], uint64_t n, int b)
{
	uint64_t k;

	if (m == n) {
		if (!b) {
			naive_mth(proof[*count], leaves, n);
			if (sides)
				sides[*count] = 'T';
			(*count)++;
		}
		return;
	}
	k = largest_pow2_below(n);
	if (m <= k) {
		naive_subproof(proof, count, sides, m, leaves, k, b);
		naive_mth(proof[*count], leaves + k, n - k);
		if (sides)
			sides[*count] = 'R';
	} else {
		naive_subproof(proof, count, sides, m - k, leaves + k, n - k, 0);
		naive_mth(proof[*count], leaves, k);
		if (sides)
			sides[*count] = 'L';
	}
	(*count)++;
}

/* PROOF(m, D[n]) for 0 < m < n. */
static void naive_consistency(uint8_t (*proof)[H], size_t *count, char *sides, uint64_t m,
			      const uint8_t (*leaves)[H], uint64_t n)
{
	*count = 0;
	naive_subproof(proof, count, sides, m, leaves, n, 1);
	if (sides)
		sides[*count] = '\0';
}

/*
 * The shape of an inclusion proof: the side of each sibling, bottom-up.
 * Two (index, size) pairs with one shape hash a proof identically, so a
 * proof checks against either; with different shapes it checks against one.
 */
static void inclusion_shape(char *out, uint64_t index, uint64_t size)
{
	char top_down[PROOF_ROOM];
	size_t depth = 0, i;
	uint64_t k;

	/* Only the sides matter: the recursion of naive_path without hashing. */
	while (size > 1) {
		k = largest_pow2_below(size);
		if (index < k) {
			top_down[depth++] = 'R';
			size = k;
		} else {
			top_down[depth++] = 'L';
			index -= k;
			size -= k;
		}
	}
	for (i = 0; i < depth; i++)
		out[i] = top_down[depth - 1 - i];
	out[depth] = '\0';
}

/* The same for a consistency proof, 0 < m < n ('T' where the proof carries the old subtree). */
static void consistency_shape(char *out, uint64_t m, uint64_t n)
{
	char top_down[PROOF_ROOM];
	size_t depth = 0, i, len = 0;
	int b = 1;
	uint64_t k;

	while (m != n) {
		k = largest_pow2_below(n);
		if (m <= k) {
			top_down[depth++] = 'R';
			n = k;
		} else {
			top_down[depth++] = 'L';
			m -= k;
			n -= k;
			b = 0;
		}
	}
	if (!b)
		out[len++] = 'T';
	for (i = 0; i < depth; i++)
		out[len++] = top_down[depth - 1 - i];
	out[len] = '\0';
}

static unsigned ceil_log2(uint64_t n)
{
	unsigned l = 0;

	while ((UINT64_C(1) << l) < n)
		l++;
	return l;
}

/* ---- the published vectors ---- */

/* A decoded probe field: up to 64 bytes of a base64 hash. */
struct bytes {
	uint8_t b[64];
	size_t len;
};

static void b64_field(struct bytes *out, json_t *obj, const char *key)
{
	const char *text = json_string_value(json_object_get(obj, key));

	if (!text)
		fail_msg("field %s is not a string", key);
	if (sodium_base642bin(out->b, sizeof(out->b), text, strlen(text), NULL, &out->len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		fail_msg("field %s is not base64: %s", key, text);
}

/*
 * A probe: its JSON, and its text for the sizes and indexes. jansson stops
 * at INT64_MAX and the vectors have 2^64 - 1 (leafIdx 0 minus 1), so the
 * document is parsed with integers as reals and the integers read from the
 * text.
 */
struct probe {
	json_t *doc;
	ct_buf text;
};

static void probe_load(struct probe *p, const char *path)
{
	json_error_t jerr;

	p->text = (ct_buf)CT_BUF_INIT;
	if (ct_test_read_file(path, &p->text) != 0 || ct_buf_put(&p->text, "", 1) != 0)
		fail_msg("%s: cannot read", path);
	p->doc = json_loadb((const char *)p->text.ptr, p->text.len - 1, JSON_DECODE_INT_AS_REAL, &jerr);
	if (!p->doc)
		fail_msg("%s: %s", path, jerr.text);
}

static void probe_free(struct probe *p)
{
	json_decref(p->doc);
	ct_buf_free(&p->text);
}

static uint64_t u64_field(const struct probe *p, const char *key)
{
	char pattern[64];
	const char *at;
	char *end;
	unsigned long long v;

	assert_true(json_is_number(json_object_get(p->doc, key)));
	snprintf(pattern, sizeof(pattern), "\"%s\":", key);
	at = strstr((const char *)p->text.ptr, pattern);
	assert_non_null(at);
	at += strlen(pattern);
	while (*at == ' ')
		at++;
	errno = 0;
	v = strtoull(at, &end, 10);
	if (end == at || errno != 0 || *at == '-')
		fail_msg("field %s is not a 64-bit unsigned integer", key);
	return (uint64_t)v;
}

/*
 * A root as our fixed-size API takes it. Verifiers only compare roots, so a
 * placeholder of another length (the vectors use "don't care 1") becomes a
 * 32-byte stand-in that keeps equality and never equals a real hash.
 */
static void root_field(uint8_t out[static H], json_t *obj, const char *key)
{
	struct bytes raw;
	crypto_hash_sha256_state st;

	b64_field(&raw, obj, key);
	if (raw.len == H) {
		memcpy(out, raw.b, H);
		return;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"not a hash:", 11);
	crypto_hash_sha256_update(&st, raw.b, raw.len);
	crypto_hash_sha256_final(&st, out);
}

/*
 * Decodes the proof array (null is empty). Returns 0, or -1 if a hash is not
 * 32 bytes: our API cannot express such a proof, so the probe is refused
 * before it reaches the verifier, as a caller decoding a proof would.
 */
static int proof_field(uint8_t (*proof)[H], size_t *count, json_t *obj)
{
	json_t *arr = json_object_get(obj, "proof");
	struct bytes raw;
	size_t i;

	*count = 0;
	if (json_is_null(arr))
		return 0;
	assert_true(json_is_array(arr));
	assert_true(json_array_size(arr) <= PROOF_ROOM);
	for (i = 0; i < json_array_size(arr); i++) {
		const char *text = json_string_value(json_array_get(arr, i));

		assert_non_null(text);
		assert_int_equal(sodium_base642bin(raw.b, sizeof(raw.b), text, strlen(text), NULL, &raw.len,
						   NULL, sodium_base64_VARIANT_ORIGINAL),
				 0);
		if (raw.len != H)
			return -1;
		memcpy(proof[i], raw.b, H);
	}
	*count = i;
	return 0;
}

/* Every *.json under dir (recursively), sorted. */
struct paths {
	char **v;
	size_t n;
};

static void collect_json(struct paths *out, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char *path;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		if (e->d_type == DT_DIR) {
			collect_json(out, path);
			free(path);
		} else if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			out->v = realloc(out->v, (out->n + 1) * sizeof(*out->v));
			assert_non_null(out->v);
			out->v[out->n++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void paths_free(struct paths *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

/* The tree over the eight leaves of roots.json, and its roots by size. */
struct vector_tree {
	ct_memtree *tree;
	uint8_t roots[VECTOR_LEAVES + 1][H];
};

static void load_vector_tree(struct vector_tree *vt)
{
	json_error_t jerr;
	json_t *doc = json_load_file(ct_test_vector_path("rfc6962/roots.json"), 0, &jerr);
	json_t *inputs, *roots;
	size_t i;

	if (!doc)
		fail_msg("roots.json: %s", jerr.text);
	inputs = json_object_get(doc, "leaf_inputs_hex");
	roots = json_object_get(doc, "roots_by_size_hex");
	assert_int_equal(json_array_size(inputs), VECTOR_LEAVES);
	assert_int_equal(json_array_size(roots), VECTOR_LEAVES + 1);
	CT_OK_OR_FAIL(ct_memtree_new(&vt->tree));
	for (i = 0; i <= VECTOR_LEAVES; i++)
		CT_OK_OR_FAIL(ct_unhex(vt->roots[i], H, json_string_value(json_array_get(roots, i))));
	for (i = 0; i < VECTOR_LEAVES; i++) {
		const char *hex = json_string_value(json_array_get(inputs, i));
		uint8_t data[64], leaf[H];
		size_t len = strlen(hex) / 2;

		assert_true(len <= sizeof(data));
		CT_OK_OR_FAIL(ct_unhex(data, len, hex));
		ct_merkle_leaf_hash(leaf, data, len);
		CT_OK_OR_FAIL(ct_memtree_append(vt->tree, leaf));
	}
	json_decref(doc);
}

static void test_vector_roots(void **state)
{
	struct vector_tree vt;
	ct_memtree *growing = NULL;
	uint8_t root[H], leaf[H];
	uint64_t n;

	(void)state;
	load_vector_tree(&vt);
	assert_int_equal(ct_memtree_size(vt.tree), VECTOR_LEAVES);
	CT_OK_OR_FAIL(ct_memtree_new(&growing));
	for (n = 0; n <= VECTOR_LEAVES; n++) {
		/* Roots of the prefixes of the full tree, and of a tree that has only n leaves. */
		CT_OK_OR_FAIL(ct_merkle_root(root, n, ct_memtree_get, vt.tree));
		assert_memory_equal(root, vt.roots[n], H);
		CT_OK_OR_FAIL(ct_merkle_root(root, n, ct_memtree_get, growing));
		assert_memory_equal(root, vt.roots[n], H);
		if (n < VECTOR_LEAVES) {
			CT_OK_OR_FAIL(ct_memtree_get(vt.tree, 0, n, leaf));
			CT_OK_OR_FAIL(ct_memtree_append(growing, leaf));
		}
	}
	ct_memtree_free(growing);
	ct_memtree_free(vt.tree);
}

struct tally {
	size_t accepted, rejected, refused, proofs_compared;
};

/* One inclusion probe: checks the verdict against wantErr, and our proof against a happy path. */
static void inclusion_probe(const char *path, const struct vector_tree *vt, struct tally *t)
{
	static uint8_t proof[PROOF_ROOM][H], ours[CT_MERKLE_MAX_PROOF][H];
	struct probe p;
	uint8_t root[H];
	struct bytes leaf;
	uint64_t index, size;
	size_t count, our_count;
	int want_err, rc;

	probe_load(&p, path);
	want_err = json_is_true(json_object_get(p.doc, "wantErr"));
	index = u64_field(&p, "leafIdx");
	size = u64_field(&p, "treeSize");
	root_field(root, p.doc, "root");
	b64_field(&leaf, p.doc, "leafHash");
	if (leaf.len != H || proof_field(proof, &count, p.doc) != 0) {
		if (!want_err)
			fail_msg("%s: expected to verify but has a hash that is not 32 bytes", path);
		t->refused++;
		goto done;
	}
	ct_error_clear();
	rc = ct_merkle_verify_inclusion(leaf.b, index, size, (const uint8_t(*)[H])proof, count, root);
	if (want_err) {
		if (rc != CT_EPROOF)
			fail_msg("%s: verified (rc %d) but wantErr is true", path, rc);
		assert_true(ct_error_last()[0] != '\0');
		t->rejected++;
	} else {
		if (rc != 0)
			fail_msg("%s: %s", path, ct_error_last());
		t->accepted++;
		if (size <= VECTOR_LEAVES && memcmp(root, vt->roots[size], H) == 0) {
			CT_OK_OR_FAIL(ct_merkle_inclusion_proof(ours, &our_count, index, size, ct_memtree_get,
								vt->tree));
			assert_int_equal(our_count, count);
			assert_memory_equal(ours, proof, count * H);
			t->proofs_compared++;
		}
	}
done:
	probe_free(&p);
}

static void consistency_probe(const char *path, const struct vector_tree *vt, struct tally *t)
{
	static uint8_t proof[PROOF_ROOM][H], ours[CT_MERKLE_MAX_PROOF][H];
	struct probe p;
	uint8_t root1[H], root2[H];
	uint64_t size1, size2;
	size_t count, our_count;
	int want_err, rc;

	probe_load(&p, path);
	want_err = json_is_true(json_object_get(p.doc, "wantErr"));
	size1 = u64_field(&p, "size1");
	size2 = u64_field(&p, "size2");
	root_field(root1, p.doc, "root1");
	root_field(root2, p.doc, "root2");
	if (proof_field(proof, &count, p.doc) != 0) {
		if (!want_err)
			fail_msg("%s: expected to verify but has a hash that is not 32 bytes", path);
		t->refused++;
		goto done;
	}
	ct_error_clear();
	rc = ct_merkle_verify_consistency(size1, size2, root1, root2, (const uint8_t(*)[H])proof, count);
	if (want_err) {
		if (rc != CT_EPROOF)
			fail_msg("%s: verified (rc %d) but wantErr is true", path, rc);
		assert_true(ct_error_last()[0] != '\0');
		t->rejected++;
	} else {
		if (rc != 0)
			fail_msg("%s: %s", path, ct_error_last());
		t->accepted++;
		if (size2 <= VECTOR_LEAVES && size1 <= size2 && memcmp(root1, vt->roots[size1], H) == 0 &&
		    memcmp(root2, vt->roots[size2], H) == 0) {
			CT_OK_OR_FAIL(ct_merkle_consistency_proof(ours, &our_count, size1, size2,
								  ct_memtree_get, vt->tree));
			assert_int_equal(our_count, count);
			assert_memory_equal(ours, proof, count * H);
			t->proofs_compared++;
		}
	}
done:
	probe_free(&p);
}

/*
 * Walks every probe file under dir. Each is counted exactly once as
 * accepted, rejected by the verifier, or refused at decoding (a hash that is
 * not 32 bytes; only ever in probes that want an error).
 */
static void run_probes(const char *dir, size_t expect_files,
		       void (*probe)(const char *, const struct vector_tree *, struct tally *))
{
	struct vector_tree vt;
	struct paths files = {NULL, 0};
	struct tally t = {0, 0, 0, 0};
	size_t i;

	load_vector_tree(&vt);
	collect_json(&files, ct_test_vector_path(dir));
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	assert_true(files.n > 0);
	assert_int_equal(files.n, expect_files);
	for (i = 0; i < files.n; i++)
		probe(files.v[i], &vt, &t);
	assert_int_equal(t.accepted + t.rejected + t.refused, files.n);
	assert_true(t.accepted > 0);
	assert_true(t.rejected > 0);
	/* Every directory 0..4 has a happy path over the roots.json leaves. */
	assert_true(t.proofs_compared >= 5);
	print_message("%s: %zu probes: %zu verified, %zu rejected by the verifier, %zu refused at decoding, "
		      "%zu generated proofs equal to the published ones\n",
		      dir, files.n, t.accepted, t.rejected, t.refused, t.proofs_compared);
	paths_free(&files);
	ct_memtree_free(vt.tree);
}

static void test_vector_inclusion(void **state)
{
	(void)state;
	run_probes("rfc6962/inclusion", INCLUSION_PROBES, inclusion_probe);
}

static void test_vector_consistency(void **state)
{
	(void)state;
	run_probes("rfc6962/consistency", CONSISTENCY_PROBES, consistency_probe);
}

/* ---- seeded cross-check against the naive model ---- */

/* Builds a tree of n random leaves in s (leaves also into leaves[]), checking every root on the way. */
static void build_random(struct store *s, uint8_t (*leaves)[H], uint64_t n, uint64_t *rng,
			 int check_every_root)
{
	uint8_t root[H], want[H], data[8];
	uint64_t i, r;

	store_init(s, n);
	for (i = 0; i <= n; i++) {
		if (check_every_root || i == n || (ct_test_rand(rng) % 64) == 0) {
			s->visible = i;
			CT_OK_OR_FAIL(ct_merkle_root(root, i, store_get, s));
			naive_mth(want, (const uint8_t(*)[H])leaves, i);
			if (memcmp(root, want, H) != 0)
				fail_msg("root of size %llu differs from the naive MTH",
					 (unsigned long long)i);
		}
		if (i == n)
			break;
		r = ct_test_rand(rng);
		memcpy(data, &r, sizeof(data));
		ct_merkle_leaf_hash(leaves[i], data, sizeof(data));
		s->visible = i + 1;
		CT_OK_OR_FAIL(ct_merkle_append(i, leaves[i], store_get, store_put, s));
	}
	assert_int_equal(s->bad_reads, 0);
}

static void check_inclusion(struct store *s, const uint8_t (*leaves)[H], uint64_t index, uint64_t size)
{
	static uint8_t proof[CT_MERKLE_MAX_PROOF][H], want[PROOF_ROOM][H];
	uint8_t root[H];
	size_t count, want_count = 0;
	unsigned long gets;

	s->visible = size;
	gets = s->gets;
	CT_OK_OR_FAIL(ct_merkle_inclusion_proof(proof, &count, index, size, store_get, s));
	gets = s->gets - gets;
	assert_int_equal(s->bad_reads, 0);
	if (gets > 3 * ceil_log2(size) + 3)
		fail_msg("inclusion proof %llu of %llu took %lu reads", (unsigned long long)index,
			 (unsigned long long)size, gets);
	naive_path(want, &want_count, NULL, index, leaves, size);
	assert_int_equal(count, want_count);
	assert_memory_equal(proof, want, count * H);
	naive_mth(root, leaves, size);
	CT_OK_OR_FAIL(
	    ct_merkle_verify_inclusion(leaves[index], index, size, (const uint8_t(*)[H])proof, count, root));
}

static void check_consistency(struct store *s, const uint8_t (*leaves)[H], uint64_t m, uint64_t n)
{
	static uint8_t proof[CT_MERKLE_MAX_PROOF][H], want[PROOF_ROOM][H];
	uint8_t root_m[H], root_n[H];
	size_t count, want_count = 0;
	unsigned long gets;

	s->visible = n;
	gets = s->gets;
	CT_OK_OR_FAIL(ct_merkle_consistency_proof(proof, &count, m, n, store_get, s));
	gets = s->gets - gets;
	assert_int_equal(s->bad_reads, 0);
	if (gets > 3 * ceil_log2(n) + 3)
		fail_msg("consistency proof %llu -> %llu took %lu reads", (unsigned long long)m,
			 (unsigned long long)n, gets);
	if (m == 0 || m == n)
		assert_int_equal(count, 0);
	else
		naive_consistency(want, &want_count, NULL, m, leaves, n);
	assert_int_equal(count, want_count);
	assert_memory_equal(proof, want, count * H);
	naive_mth(root_m, leaves, m);
	naive_mth(root_n, leaves, n);
	if (m == 0)
		assert_int_equal(
		    ct_merkle_verify_consistency(m, n, root_m, root_n, (const uint8_t(*)[H])proof, count),
		    CT_EPROOF);
	else
		CT_OK_OR_FAIL(
		    ct_merkle_verify_consistency(m, n, root_m, root_n, (const uint8_t(*)[H])proof, count));
}

static void cross_check_tree(uint64_t n, uint64_t *rng, int probes)
{
	struct store s;
	uint8_t(*leaves)[H] = calloc(n + 1, H);
	int i;

	assert_non_null(leaves);
	build_random(&s, leaves, n, rng, n <= 300);
	for (i = 0; i < probes; i++) {
		uint64_t size = 1 + ct_test_rand(rng) % n;
		uint64_t new_size = ct_test_rand(rng) % (n + 1);

		check_inclusion(&s, (const uint8_t(*)[H])leaves, ct_test_rand(rng) % size, size);
		check_consistency(&s, (const uint8_t(*)[H])leaves, ct_test_rand(rng) % (new_size + 1),
				  new_size);
	}
	/* The edges: first and last leaf, and the sizes next to the top. */
	check_inclusion(&s, (const uint8_t(*)[H])leaves, 0, n);
	check_inclusion(&s, (const uint8_t(*)[H])leaves, n - 1, n);
	check_consistency(&s, (const uint8_t(*)[H])leaves, 1, n);
	check_consistency(&s, (const uint8_t(*)[H])leaves, n - 1, n);
	check_consistency(&s, (const uint8_t(*)[H])leaves, n, n);
	store_free(&s);
	free(leaves);
}

static void test_random_cross_check(void **state)
{
	uint64_t rng = ct_test_seed("test_random_cross_check");
	uint64_t n;
	int i;

	(void)state;
	/* Every size up to 70 exhaustively small, then random ones. */
	for (n = 1; n <= 70; n++)
		cross_check_tree(n, &rng, 8);
	for (i = 0; i < 20; i++)
		cross_check_tree(1 + ct_test_rand(&rng) % 300, &rng, 100);
	for (i = 0; i < 3; i++)
		cross_check_tree(1000 + ct_test_rand(&rng) % 4001, &rng, 60);
}

/* Every pair (index, size) and (m, n) in a tree of 40 leaves, against the naive model. */
static void test_exhaustive_small(void **state)
{
	struct store s;
	uint8_t leaves[40][H];
	uint64_t rng = 40, a, b;

	(void)state;
	build_random(&s, leaves, 40, &rng, 1);
	for (b = 1; b <= 40; b++) {
		for (a = 0; a < b; a++)
			check_inclusion(&s, (const uint8_t(*)[H])leaves, a, b);
		for (a = 0; a <= b; a++)
			check_consistency(&s, (const uint8_t(*)[H])leaves, a, b);
	}
	store_free(&s);
}

/* ---- mutated proofs ---- */

static void expect_inclusion(int want_ok, const uint8_t leaf[static H], uint64_t index, uint64_t size,
			     const uint8_t (*proof)[H], size_t count, const uint8_t root[static H],
			     const char *what)
{
	int rc;

	ct_error_clear();
	rc = ct_merkle_verify_inclusion(leaf, index, size, proof, count, root);
	if (want_ok && rc != 0)
		fail_msg("%s: rejected: %s", what, ct_error_last());
	if (!want_ok && rc != CT_EPROOF)
		fail_msg("%s: rc %d, expected CT_EPROOF", what, rc);
	if (!want_ok)
		assert_true(ct_error_last()[0] != '\0');
}

static void mutate_inclusion(const uint8_t (*leaves)[H], uint64_t index, uint64_t size)
{
	uint8_t proof[PROOF_ROOM][H], root[H], bad[H];
	char shape[PROOF_ROOM], other[PROOF_ROOM];
	uint64_t sizes[4] = {size - 1, size + 1, size * 2, size / 2};
	size_t count = 0, i;
	unsigned bit;

	naive_path(proof, &count, NULL, index, leaves, size);
	naive_mth(root, leaves, size);
	expect_inclusion(1, leaves[index], index, size, (const uint8_t(*)[H])proof, count, root, "genuine");
	for (i = 0; i < count; i++) {
		for (bit = 0; bit < 8 * H; bit += 37) {
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count,
					 root, "flipped bit");
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	memcpy(bad, root, H);
	bad[H - 1] ^= 1;
	expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count, bad, "wrong root");
	memcpy(bad, leaves[index], H);
	bad[0] ^= 0x80;
	expect_inclusion(0, bad, index, size, (const uint8_t(*)[H])proof, count, root, "wrong leaf");
	if (count > 0) {
		expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count - 1, root,
				 "truncated");
		expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof + 1, count - 1,
				 root, "first hash dropped");
	}
	memcpy(proof[count], root, H);
	expect_inclusion(0, leaves[index], index, size, (const uint8_t(*)[H])proof, count + 1, root,
			 "extended");
	/* Another index in the same tree follows another path: always refused. */
	for (i = 0; i < size + 2; i++)
		if (i != index)
			expect_inclusion(0, leaves[index], i, size, (const uint8_t(*)[H])proof, count, root,
					 "wrong index");
	/*
	 * Another size: the proof hashes the same way exactly when the path
	 * has the same shape, and then it checks (the root pins the size).
	 */
	inclusion_shape(shape, index, size);
	for (i = 0; i < 4; i++) {
		int same = 0;

		if (sizes[i] == size)
			continue;
		if (index < sizes[i]) {
			inclusion_shape(other, index, sizes[i]);
			same = strcmp(shape, other) == 0;
		}
		expect_inclusion(same, leaves[index], index, sizes[i], (const uint8_t(*)[H])proof, count,
				 root, "wrong size");
	}
}

static void test_inclusion_mutations(void **state)
{
	uint8_t leaves[24][H];
	uint64_t index, size;

	(void)state;
	for (index = 0; index < 24; index++)
		ct_merkle_leaf_hash(leaves[index], (const uint8_t *)&index, sizeof(index));
	for (size = 1; size <= 24; size++)
		for (index = 0; index < size; index++)
			mutate_inclusion((const uint8_t(*)[H])leaves, index, size);
}

static void expect_consistency(int want_ok, uint64_t m, uint64_t n, const uint8_t root_m[static H],
			       const uint8_t root_n[static H], const uint8_t (*proof)[H], size_t count,
			       const char *what)
{
	int rc;

	ct_error_clear();
	rc = ct_merkle_verify_consistency(m, n, root_m, root_n, proof, count);
	if (want_ok && rc != 0)
		fail_msg("%s (%llu -> %llu): rejected: %s", what, (unsigned long long)m,
			 (unsigned long long)n, ct_error_last());
	if (!want_ok && rc != CT_EPROOF)
		fail_msg("%s (%llu -> %llu): rc %d, expected CT_EPROOF", what, (unsigned long long)m,
			 (unsigned long long)n, rc);
	if (!want_ok)
		assert_true(ct_error_last()[0] != '\0');
}

/* Would the proof for (m, n) also check as a proof for (m2, n2)? Only if it hashes the same way. */
static int same_consistency_shape(uint64_t m, uint64_t n, uint64_t m2, uint64_t n2)
{
	char a[PROOF_ROOM], b[PROOF_ROOM];

	if (m2 == 0 || m2 >= n2)
		return 0;
	consistency_shape(a, m, n);
	consistency_shape(b, m2, n2);
	return strcmp(a, b) == 0;
}

static void mutate_consistency(const uint8_t (*leaves)[H], uint64_t m, uint64_t n)
{
	uint8_t proof[PROOF_ROOM][H], root_m[H], root_n[H], bad[H];
	char sides[PROOF_ROOM], shape[PROOF_ROOM];
	uint64_t other[4][2] = {{m - 1, n}, {m + 1, n}, {m, n - 1}, {m, n + 1}};
	size_t count, i;
	unsigned bit;

	naive_consistency(proof, &count, sides, m, leaves, n);
	consistency_shape(shape, m, n);
	assert_string_equal(sides, shape);
	naive_mth(root_m, leaves, m);
	naive_mth(root_n, leaves, n);
	expect_consistency(1, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count, "genuine");
	for (i = 0; i < count; i++) {
		for (bit = 0; bit < 8 * H; bit += 29) {
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count,
					   "flipped bit");
			proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	memcpy(bad, root_m, H);
	bad[3] ^= 4;
	expect_consistency(0, m, n, bad, root_n, (const uint8_t(*)[H])proof, count, "wrong old root");
	memcpy(bad, root_n, H);
	bad[3] ^= 4;
	expect_consistency(0, m, n, root_m, bad, (const uint8_t(*)[H])proof, count, "wrong new root");
	expect_consistency(0, m, n, root_n, root_m, (const uint8_t(*)[H])proof, count, "swapped roots");
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count - 1, "truncated");
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof + 1, count - 1,
			   "first hash dropped");
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, 0, "empty proof");
	memcpy(proof[count], root_m, H);
	expect_consistency(0, m, n, root_m, root_n, (const uint8_t(*)[H])proof, count + 1, "extended");
	expect_consistency(0, n, m, root_n, root_m, (const uint8_t(*)[H])proof, count, "sizes reversed");
	expect_consistency(0, 0, n, root_m, root_n, (const uint8_t(*)[H])proof, count, "old size 0");
	expect_consistency(0, n, n, root_m, root_n, (const uint8_t(*)[H])proof, count, "equal sizes");
	for (i = 0; i < 4; i++)
		expect_consistency(same_consistency_shape(m, n, other[i][0], other[i][1]), other[i][0],
				   other[i][1], root_m, root_n, (const uint8_t(*)[H])proof, count,
				   "wrong size");
}

static void test_consistency_mutations(void **state)
{
	uint8_t leaves[24][H];
	uint64_t m, n;

	(void)state;
	for (m = 0; m < 24; m++)
		ct_merkle_leaf_hash(leaves[m], (const uint8_t *)&m, sizeof(m));
	for (n = 2; n <= 24; n++)
		for (m = 1; m < n; m++)
			mutate_consistency((const uint8_t(*)[H])leaves, m, n);
}

/* Equal sizes and the empty tree, as the header promises. */
static void test_consistency_edges(void **state)
{
	uint8_t root[H], other[H], empty[H];
	size_t count = 7;
	uint8_t proof[CT_MERKLE_MAX_PROOF][H];
	ct_memtree *t = NULL;

	(void)state;
	CT_OK_OR_FAIL(ct_memtree_new(&t));
	crypto_hash_sha256(empty, (const uint8_t *)"", 0);
	CT_OK_OR_FAIL(ct_merkle_root(root, 0, ct_memtree_get, t));
	assert_memory_equal(root, empty, H);
	ct_merkle_leaf_hash(root, (const uint8_t *)"x", 1);
	CT_OK_OR_FAIL(ct_memtree_append(t, root));
	CT_OK_OR_FAIL(ct_merkle_consistency_proof(proof, &count, 1, 1, ct_memtree_get, t));
	assert_int_equal(count, 0);
	count = 7;
	CT_OK_OR_FAIL(ct_merkle_consistency_proof(proof, &count, 0, 1, ct_memtree_get, t));
	assert_int_equal(count, 0);
	CT_OK_OR_FAIL(ct_merkle_verify_consistency(1, 1, root, root, NULL, 0));
	memcpy(other, root, H);
	other[0] ^= 1;
	assert_int_equal(ct_merkle_verify_consistency(1, 1, root, other, NULL, 0), CT_EPROOF);
	assert_int_equal(ct_merkle_verify_consistency(0, 0, empty, empty, NULL, 0), CT_EPROOF);
	assert_int_equal(ct_merkle_verify_consistency(0, 1, empty, root, NULL, 0), CT_EPROOF);
	ct_memtree_free(t);
}

/* Bad arguments are CT_EINVAL; a failing store's error passes up unchanged. */
static int failing_get(void *ctx, unsigned level, uint64_t index, uint8_t out[static H])
{
	(void)ctx;
	(void)level;
	(void)index;
	(void)out;
	return CT_EIO;
}

static void test_bad_arguments(void **state)
{
	uint8_t proof[CT_MERKLE_MAX_PROOF][H], root[H], leaf[H] = {0};
	size_t count;
	ct_memtree *t = NULL;

	(void)state;
	CT_OK_OR_FAIL(ct_memtree_new(&t));
	CT_OK_OR_FAIL(ct_memtree_append(t, leaf));
	CT_OK_OR_FAIL(ct_memtree_append(t, leaf));
	assert_int_equal(ct_merkle_inclusion_proof(proof, &count, 2, 2, ct_memtree_get, t), CT_EINVAL);
	assert_int_equal(ct_merkle_inclusion_proof(proof, &count, 0, 0, ct_memtree_get, t), CT_EINVAL);
	assert_int_equal(ct_merkle_consistency_proof(proof, &count, 2, 1, ct_memtree_get, t), CT_EINVAL);
	/* Asking beyond what the store has reaches the store's error. */
	assert_int_equal(ct_merkle_root(root, 3, ct_memtree_get, t), CT_ENOTFOUND);
	assert_int_equal(ct_merkle_root(root, 5, failing_get, NULL), CT_EIO);
	assert_int_equal(ct_merkle_inclusion_proof(proof, &count, 1, 5, failing_get, NULL), CT_EIO);
	assert_int_equal(ct_merkle_consistency_proof(proof, &count, 3, 5, failing_get, NULL), CT_EIO);
	assert_int_equal(ct_merkle_verify_inclusion(leaf, 0, 0, NULL, 0, root), CT_EPROOF);
	assert_int_equal(ct_memtree_size(t), 2);
	ct_memtree_free(t);
	ct_memtree_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_roots),	  cmocka_unit_test(test_vector_inclusion),
	    cmocka_unit_test(test_vector_consistency),	  cmocka_unit_test(test_random_cross_check),
	    cmocka_unit_test(test_exhaustive_small),	  cmocka_unit_test(test_inclusion_mutations),
	    cmocka_unit_test(test_consistency_mutations), cmocka_unit_test(test_consistency_edges),
	    cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
