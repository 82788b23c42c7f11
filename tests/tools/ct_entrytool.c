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
 *
 * Exit 0 ok, 2 on any error (with a message).
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/ledger/mp.h"

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

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "keyfile") == 0)
		return cmd_keyfile(argv[2], argv[3]);
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "example") == 0)
		return cmd_example();
	fprintf(stderr, "usage: ct_entrytool sign --key FILE --seq N [--prev HASH] --time TIME --type TYPE "
			"(--body JSON | --body-hex HEX)\n       ct_entrytool example\n       ct_entrytool "
			"keyfile SEEDHEX DIR\n");
	return 2;
}
