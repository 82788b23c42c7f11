/*
 * ct_entrytool: signs entries outside the store's rules, for tests and docs.
 *
 *   ct_entrytool sign --key FILE --seq N [--prev HASH] --time TIME --type TYPE
 *                     (--body JSON | --body-hex HEX)
 *       writes one encoded entry to standard output. --body is converted
 *       with the type's JSON form (and so must pass the schema); --body-hex
 *       is taken as it is (any canonical map). Nothing checks who may write
 *       what: that is the point, the integration tests forge entries a real
 *       node refuses to write (a bureau-only event signed by a lab).
 *   ct_entrytool example
 *       prints tests/vectors/entry-example.json, the worked example of
 *       docs/FORMAT.md, from a fixed seed.
 *   ct_entrytool keyfile SEEDHEX DIR
 *       writes DIR/key and DIR/key.pub for the key pair of a 32-byte seed
 *       (replacing a home's random key by a known one, for examples/).
 *   ct_entrytool rebundle HOME IN OUT
 *       what a dishonest prover holding HOME's store can do to a complete
 *       bundle it edited (entries or lookups left out, lists changed):
 *       makes the index proof again from HOME's trie for the lookups IN
 *       has, so that the bundle is refused for what it lacks, not for a
 *       broken proof; writes OUT with a fresh end digest.
 *   ct_entrytool netcp-lie HOME [--keep]
 *       writes a lying network checkpoint of HOME's state to standard
 *       output: the feeds as they are, but an index root with one key
 *       fewer (what a bureau's node hiding an entry would sign), signed and
 *       cosigned with HOME's key (the bureau's). --keep also stores it in
 *       HOME, so that its caltraced hands it to the peers that connect.
 *   ct_entrytool cosign --key FILE --time SECONDS NOTE
 *       adds a cosignature/v1 line of FILE's key, under its caltrace
 *       witness name, at any time the signer claims (a thief backdating
 *       a replaced key's cosignature), to the checkpoint note in the file
 *       NOTE (a feed's or the network's: the network id comes from its
 *       origin), and writes the note to standard output.
 *
 * Exit 0 ok, 2 on any error (with a message).
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/netcheckpoint.h"
#include "caltrace/proof/witness.h"
#include "caltrace/proof/cbundle.h"

static int die(const char *what)
{
	fprintf(stderr, "ct_entrytool: %s%s%s\n", what, *ct_error_last() ? ": " : "", ct_error_last());
	return 2;
}

static int unhex_buf(ct_buf *out, const char *hex)
{
	size_t n = strlen(hex);
	uint8_t byte;
	char two[3] = {0};

	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		two[0] = hex[i];
		two[1] = hex[i + 1];
		if (ct_unhex(&byte, 1, two) < 0 || ct_buf_put(out, &byte, 1) < 0)
			return -1;
	}
	return 0;
}

static int body_of(ct_buf *out, const char *type, const char *json)
{
	json_error_t jerr;
	json_t *j = json_loads(json, 0, &jerr);
	int err;

	if (!j) {
		fprintf(stderr, "ct_entrytool: --body: %s\n", jerr.text);
		return -1;
	}
	err = ct_body_from_json(out, ct_event_type_of(type, strlen(type)), j);
	json_decref(j);
	return err;
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},	{"seq", required_argument, NULL, 's'},
	    {"prev", required_argument, NULL, 'p'},	{"time", required_argument, NULL, 't'},
	    {"type", required_argument, NULL, 'y'},	{"body", required_argument, NULL, 'b'},
	    {"body-hex", required_argument, NULL, 'x'}, {NULL, 0, NULL, 0}};
	const char *key = NULL, *type = NULL, *body_json = NULL, *body_hex = NULL, *prev_hex = NULL;
	uint8_t prev[CT_HASH_BYTES];
	ct_buf body = CT_BUF_INIT, entry = CT_BUF_INIT;
	ct_keypair *kp = NULL;
	uint64_t seq = 0, when = 0;
	int c, rc = 2;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 's':
			seq = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			prev_hex = optarg;
			break;
		case 't':
			if (ct_time_parse(&when, optarg) < 0)
				when = strtoull(optarg, NULL, 10);
			break;
		case 'y':
			type = optarg;
			break;
		case 'b':
			body_json = optarg;
			break;
		case 'x':
			body_hex = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!key || !seq || !type || !(body_json || body_hex)) {
		fprintf(stderr, "ct_entrytool sign: needs --key, --seq, --type and --body or --body-hex\n");
		return 2;
	}
	if (prev_hex && ct_unhex(prev, CT_HASH_BYTES, prev_hex) < 0) {
		fprintf(stderr, "ct_entrytool sign: --prev is not 64 hex digits\n");
		return 2;
	}
	if (ct_keypair_load(&kp, key) < 0) {
		rc = die("cannot load the key");
		goto done;
	}
	if (body_hex ? unhex_buf(&body, body_hex) < 0 : body_of(&body, type, body_json) < 0) {
		rc = die("bad body");
		goto done;
	}
	if (ct_entry_build(&entry, kp, seq, prev_hex ? prev : NULL, when, type, body.ptr, body.len) < 0) {
		rc = die("cannot build the entry");
		goto done;
	}
	if (fwrite(entry.ptr, 1, entry.len, stdout) != entry.len || fflush(stdout) != 0) {
		fprintf(stderr, "ct_entrytool: cannot write: %s\n", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	ct_buf_free(&body);
	ct_buf_free(&entry);
	ct_keypair_free(kp);
	return rc;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	json_t *s;

	ct_hex(hex, p, n);
	s = json_string(hex);
	free(hex);
	return s;
}

/* One example entry as JSON: its parts, signing input, hash, signature. */
static int example_entry(json_t *list, const ct_keypair *kp, uint64_t seq, const uint8_t *prev,
			 const char *when, const char *type, const char *body_json,
			 uint8_t hash_out[CT_HASH_BYTES])
{
	ct_buf body = CT_BUF_INIT, entry = CT_BUF_INIT, signing = CT_BUF_INIT;
	uint64_t ms;
	ct_entry e;
	json_t *o;
	int err;

	if ((err = ct_time_parse(&ms, when)) < 0 || (err = body_of(&body, type, body_json)) < 0 ||
	    (err = ct_entry_build(&entry, kp, seq, prev, ms, type, body.ptr, body.len)) < 0 ||
	    (err = ct_entry_decode(&e, entry.ptr, entry.len)) < 0 ||
	    (err = ct_entry_signing_input(&signing, &e)) < 0)
		goto done;
	ct_entry_hash(hash_out, entry.ptr, entry.len);
	o = json_object();
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "prev", prev ? hex_json(prev, CT_HASH_BYTES) : json_null());
	json_object_set_new(o, "time", json_integer((json_int_t)ms));
	json_object_set_new(o, "time_iso", json_string(when));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "body_json", json_loads(body_json, 0, NULL));
	json_object_set_new(o, "body", hex_json(body.ptr, body.len));
	json_object_set_new(o, "signing_input", hex_json(signing.ptr, signing.len));
	json_object_set_new(o, "sig", hex_json(e.sig, CT_SIG_BYTES));
	json_object_set_new(o, "entry", hex_json(entry.ptr, entry.len));
	json_object_set_new(o, "hash", hex_json(hash_out, CT_HASH_BYTES));
	json_array_append_new(list, o);
done:
	ct_buf_free(&body);
	ct_buf_free(&entry);
	ct_buf_free(&signing);
	return err;
}

static int cmd_example(void)
{
	static const char context[] = "caltrace/digest/v1";
	uint8_t seed[32], h1[CT_HASH_BYTES], h2[CT_HASH_BYTES], digest[CT_HASH_BYTES],
	    size_be[8] = {0, 0, 0, 0, 0, 0, 0, 2};
	crypto_hash_sha256_state st;
	ct_keypair *kp = NULL;
	json_t *doc = json_object(), *list = json_array();
	char *text;
	int i;

	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	if (sodium_init() < 0 || ct_keypair_from_seed(&kp, seed) < 0)
		return die("cannot make the key");
	if (example_entry(list, kp, 1, NULL, "2026-01-05T09:30:00Z", "network.genesis",
			  "{\"name\": \"Example City\", \"districts\": [\"north\"], "
			  "\"policy\": {\"min_ratio\": 3, \"grace_days\": 0}}",
			  h1) < 0 ||
	    example_entry(list, kp, 2, h1, "2026-01-05T10:00:00Z", "person.certify",
			  "{\"person\": \"P-0001\", \"name\": \"Li Wei\", \"scope\": [\"mass\"], "
			  "\"valid_until\": \"2027-01-01\"}",
			  h2) < 0) {
		ct_keypair_free(kp);
		return die("cannot build the example");
	}
	/* The state digest of a store holding exactly these two entries. */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)context, sizeof(context));
	crypto_hash_sha256_update(&st, ct_keypair_public(kp), CT_KEY_BYTES);
	crypto_hash_sha256_update(&st, size_be, 8);
	crypto_hash_sha256_update(&st, h2, CT_HASH_BYTES);
	crypto_hash_sha256_final(&st, digest);
	json_object_set_new(
	    doc, "comment",
	    json_string("docs/FORMAT.md worked example; regenerate with `ct_entrytool example`"));
	json_object_set_new(doc, "seed", hex_json(seed, 32));
	json_object_set_new(doc, "public_key", hex_json(ct_keypair_public(kp), CT_KEY_BYTES));
	json_object_set_new(doc, "entries", list);
	json_object_set_new(doc, "digest", hex_json(digest, CT_HASH_BYTES));
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(text);
	free(text);
	json_decref(doc);
	ct_keypair_free(kp);
	return 0;
}

static int cmd_keyfile(const char *seed_hex, const char *dir)
{
	uint8_t seed[32];
	char path[4096], pub[4096];
	ct_keypair *kp = NULL;
	int err;

	if (ct_unhex(seed, sizeof(seed), seed_hex) < 0) {
		fprintf(stderr, "ct_entrytool keyfile: the seed must be 64 hex digits\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/key", dir);
	snprintf(pub, sizeof(pub), "%s/key.pub", dir);
	unlink(path);
	unlink(pub);
	if (sodium_init() < 0 || ct_keypair_from_seed(&kp, seed) < 0)
		return die("cannot make the key");
	err = ct_keypair_save(kp, path, pub);
	ct_keypair_free(kp);
	return err < 0 ? die("cannot write the key") : 0;
}

static int cmd_netcp_lie(const char *home, bool keep)
{
	char path[4200], origin[CT_CHECKPOINT_ORIGIN_MAX + 1];
	ct_buf text = CT_BUF_INIT, out = CT_BUF_INIT;
	uint8_t hash[CT_HASH_BYTES];
	ct_keypair *kp = NULL;
	ct_ledger *l = NULL;
	ct_batch *b = NULL;
	ct_note *n = NULL;
	ct_netcp cp = {0};
	ct_vkey bk;
	int rc = 2;

	snprintf(path, sizeof(path), "%s/key", home);
	if (sodium_init() < 0 || ct_keypair_load(&kp, path) < 0)
		return die("cannot load the home's key");
	snprintf(path, sizeof(path), "%s/data", home);
	if (ct_ledger_open(&l, path, NULL) < 0 || ct_batch_begin(&b, l) < 0 || ct_netindex_update(b) < 0 ||
	    ct_netcp_of_store(ct_batch_reader(b), &cp) < 0) {
		rc = die("cannot read the home's state");
		goto done;
	}
	cp.keys--;
	cp.root[0] ^= 0x80;
	ct_netcp_origin(origin, cp.network);
	ct_witness_key(&bk, cp.network, ct_keypair_public(kp));
	if (ct_netcp_format(&text, &cp) < 0 || ct_note_new(&n, (const char *)text.ptr, text.len) < 0 ||
	    ct_note_sign(n, kp, origin) < 0 || ct_cosig_add(n, kp, bk.name, (uint64_t)time(NULL)) < 0 ||
	    ct_note_format(&out, n) < 0) {
		rc = die("cannot sign the note");
		goto done;
	}
	crypto_hash_sha256(hash, text.ptr, text.len);
	if (keep && (ct_batch_put_netnote(b, cp.entries, hash, out.ptr, out.len) < 0 || ct_batch_commit(b) < 0)) {
		b = NULL;
		rc = die("cannot store the note");
		goto done;
	}
	if (keep)
		b = NULL;
	fwrite(out.ptr, 1, out.len, stdout);
	rc = 0;
done:
	ct_batch_abort(b);
	ct_note_free(n);
	ct_netcp_clear(&cp);
	ct_buf_free(&text);
	ct_buf_free(&out);
	ct_ledger_close(l);
	ct_keypair_free(kp);
	return rc;
}

static int b64(FILE *f, const uint8_t *p, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	ct_buf out = CT_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {abc[v >> 18 & 63], abc[v >> 12 & 63], i + 1 < n ? abc[v >> 6 & 63] : '=', i + 2 < n ? abc[v & 63] : '='};
		ct_buf_put(&out, q, 4);
	}
	fwrite(out.ptr, 1, out.len, f);
	ct_buf_free(&out);
	return 0;
}

static int cmd_rebundle(const char *home, const char *in, const char *outpath)
{
	char path[4200];
	ct_buf raw = CT_BUF_INIT, stream = CT_BUF_INIT;
	const uint8_t **keys = NULL;
	size_t *lens = NULL, nleaves = 0, i, extra = 0, cut;
	ct_netleaf *leaves = NULL;
	ct_cbundle *b = NULL;
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	ct_ledger_opts opts = {0};
	uint8_t buf[65536], digest[32];
	char hex[65];
	const char *at;
	FILE *f = fopen(in, "rb"), *o = NULL;
	size_t got;
	int rc = 2;

	while (f && (got = fread(buf, 1, sizeof(buf), f)) > 0)
		ct_buf_put(&raw, buf, got);
	if (f)
		fclose(f);
	if (sodium_init() < 0 || ct_cbundle_parse(&b, raw.ptr, raw.len) < 0)
		return die("cannot parse the bundle");
	snprintf(path, sizeof(path), "%s/data", home);
	opts.read_only = true;
	keys = calloc(b->nlookups + 1, sizeof(*keys));
	lens = calloc(b->nlookups + 1, sizeof(*lens));
	for (i = 0; i < b->nlookups; i++) {
		keys[i] = b->lookups[i].key;
		lens[i] = b->lookups[i].len;
	}
	if (ct_ledger_open(&l, path, &opts) < 0 || ct_reader_begin(&r, l) < 0 ||
	    ct_netindex_prove(&leaves, &nleaves, &stream, r, keys, lens, b->nlookups) < 0) {
		rc = die("cannot prove the lookups");
		goto done;
	}
	/* everything up to the first leaf or index line stays */
	raw.len -= 1;
	for (cut = 0, at = (const char *)raw.ptr;;) {
		const char *nl = memchr(at, '\n', raw.len - (size_t)(at - (const char *)raw.ptr));
		if (!nl)
			break;
		if (!strncmp(at, "leaves ", 7) || !strncmp(at, "index", 5))
			break;
		at = nl + 1;
		cut = (size_t)(at - (const char *)raw.ptr);
	}
	if (!(o = fopen(outpath, "wb"))) {
		rc = die("cannot write OUT");
		goto done;
	}
	{
		ct_buf text = CT_BUF_INIT;
		FILE *mem;
		char *mp = NULL;
		size_t ml = 0;
		ct_buf_put(&text, raw.ptr, cut);
		for (i = 0; i < nleaves; i++) {
			bool lookup = false;
			for (size_t j = 0; j < b->nlookups; j++)
				lookup |= b->lookups[j].len == leaves[i].len && !memcmp(b->lookups[j].key, leaves[i].key, leaves[i].len);
			if (!lookup)
				leaves[extra++] = leaves[i];
		}
		mem = open_memstream(&mp, &ml);
		if (extra)
			fprintf(mem, "leaves %zu\n", extra);
		for (i = 0; i < extra; i++) {
			fputs("leaf ", mem);
			b64(mem, leaves[i].key, leaves[i].len);
			fputs(" ", mem);
			b64(mem, leaves[i].vh, 32);
			fputs("\n", mem);
		}
		fputs("index", mem);
		if (stream.len) {
			fputs(" ", mem);
			b64(mem, stream.ptr, stream.len);
		}
		fputs("\n", mem);
		fclose(mem);
		ct_buf_put(&text, mp, ml);
		free(mp);
		crypto_hash_sha256(digest, text.ptr, text.len);
		ct_hex(hex, digest, 32);
		fwrite(text.ptr, 1, text.len, o);
		fprintf(o, "end %s\n", hex);
		ct_buf_free(&text);
	}
	rc = fclose(o) == 0 ? 0 : die("cannot write OUT");
done:
	free(keys);
	free(lens);
	free(leaves);
	ct_buf_free(&stream);
	ct_buf_free(&raw);
	ct_cbundle_free(b);
	ct_reader_end(r);
	ct_ledger_close(l);
	return rc;
}

static int cmd_cosign(const char *keyfile, const char *time_s, const char *notefile)
{
	uint8_t network[CT_HASH_BYTES], buf[65536];
	char *end, hex[2 * CT_HASH_BYTES + 1] = {0};
	const char *nl;
	unsigned long long t;
	ct_buf out = CT_BUF_INIT;
	ct_keypair *kp = NULL;
	ct_note *n = NULL;
	ct_vkey wk;
	size_t len;
	FILE *f;
	int rc = 2;

	errno = 0;
	t = strtoull(time_s, &end, 10);
	if (errno || *end || end == time_s)
		return die("--time takes POSIX seconds");
	if (!(f = fopen(notefile, "rb")))
		return die("cannot open the note");
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* "caltrace/<network hex>/...": the origin is the note's first line */
	if (sodium_init() < 0 || ct_keypair_load(&kp, keyfile) < 0)
		return die("cannot load the key");
	if (ct_note_parse(&n, buf, len) < 0 || n->text_len < 9 + 2 * CT_HASH_BYTES ||
	    memcmp(n->text, "caltrace/", 9) != 0 || !memcpy(hex, n->text + 9, 2 * CT_HASH_BYTES) ||
	    ct_unhex(network, CT_HASH_BYTES, hex) < 0) {
		rc = die("not a caltrace checkpoint note");
		goto done;
	}
	ct_witness_key(&wk, network, ct_keypair_public(kp));
	if (ct_cosig_add(n, kp, wk.name, (uint64_t)t) < 0) {
		rc = die("cannot cosign the note");
		goto done;
	}
	/* witnesses by name after the fixed lines: the author's (and, on a network checkpoint, the bureau's
	 * cosignature) */
	nl = memchr(n->text, '\n', n->text_len);
	ct_note_sort_sigs(n, nl && nl - n->text >= 6 && !memcmp(nl - 6, CT_NETCP_SUFFIX, 6) ? 2 : 1);
	if (ct_note_format(&out, n) < 0) {
		rc = die("cannot cosign the note");
		goto done;
	}
	fwrite(out.ptr, 1, out.len, stdout);
	rc = 0;
done:
	ct_note_free(n);
	ct_buf_free(&out);
	ct_keypair_free(kp);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "rebundle") == 0)
		return cmd_rebundle(argv[2], argv[3], argv[4]);
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--keep") == 0)) && strcmp(argv[1], "netcp-lie") == 0)
		return cmd_netcp_lie(argv[2], argc == 4);
	if (argc == 7 && strcmp(argv[1], "cosign") == 0 && strcmp(argv[2], "--key") == 0 &&
	    strcmp(argv[4], "--time") == 0)
		return cmd_cosign(argv[3], argv[5], argv[6]);
	if (argc == 4 && strcmp(argv[1], "keyfile") == 0)
		return cmd_keyfile(argv[2], argv[3]);
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "example") == 0)
		return cmd_example();
	fprintf(stderr, "usage: ct_entrytool sign --key FILE --seq N [--prev HASH] --time TIME --type TYPE "
			"(--body JSON | --body-hex HEX)\n       ct_entrytool example\n       ct_entrytool "
			"keyfile SEEDHEX DIR\n       ct_entrytool netcp-lie HOME [--keep]\n       ct_entrytool rebundle HOME IN OUT\n"
			"       ct_entrytool cosign --key FILE --time SECONDS NOTE\n");
	return 2;
}
