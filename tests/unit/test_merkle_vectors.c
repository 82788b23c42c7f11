/*
 * Merkle trees against the published RFC 6962 vectors
 * (tests/vectors/rfc6962): the roots over the eight leaves of roots.json,
 * and every inclusion and consistency probe file, which must verify or be
 * refused exactly as its wantErr says; where a probe's tree is the
 * roots.json tree, our generated proof must equal the published one.
 */
#include <dirent.h>
#include <errno.h>

#include <jansson.h>
#include <sodium.h>

#include "caltrace/base/b64.h"
#include "merkle_model.h"

#define VECTOR_LEAVES 8
/* Files in the published directories (tests/vectors/rfc6962/README.md). */
#define INCLUSION_PROBES   98
#define CONSISTENCY_PROBES 98

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
	if (ct_b64_decode(out->b, sizeof(out->b), &out->len, text, strlen(text)) != 0)
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
		CT_OK_OR_FAIL(ct_b64_decode(raw.b, sizeof(raw.b), &raw.len, text, strlen(text)));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_roots),
	    cmocka_unit_test(test_vector_inclusion),
	    cmocka_unit_test(test_vector_consistency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
