/*
 * Signed notes and verifier keys (c2sp.org/signed-note): the published
 * examples (tests/vectors/c2sp/README.md) verify and fail with any flipped
 * byte; signing reproduces a published line; round trips; every malformed
 * note named and refused.
 */
#include <jansson.h>

#include "caltrace/base/b64.h"
#include "caltrace/proof/note.h"
#include "ct_test.h"

#define EM "\xe2\x80\x94"

/* ---- helpers ---- */

static json_t *load_vector(const char *rel)
{
	json_error_t jerr;
	json_t *v = json_load_file(ct_test_vector_path(rel), 0, &jerr);

	if (!v)
		fail_msg("%s: %s", rel, jerr.text);
	return v;
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	assert_non_null(s);
	return s;
}

/* text + "\n" + each line + "\n", into out (reset). */
static void note_bytes(ct_buf *out, const char *text, const char *line1, const char *line2)
{
	out->len = 0;
	assert_int_equal(ct_buf_put(out, text, strlen(text)), 0);
	assert_int_equal(ct_buf_put(out, "\n", 1), 0);
	assert_int_equal(ct_buf_put(out, line1, strlen(line1)), 0);
	assert_int_equal(ct_buf_put(out, "\n", 1), 0);
	if (line2) {
		assert_int_equal(ct_buf_put(out, line2, strlen(line2)), 0);
		assert_int_equal(ct_buf_put(out, "\n", 1), 0);
	}
}

/* Parses s (a C string) as a note and returns the error, freeing any note. */
static int parse_str(const char *s)
{
	ct_note *n = NULL;
	int rc = ct_note_parse(&n, (const uint8_t *)s, strlen(s));

	if (rc == 0)
		assert_non_null(n);
	else
		assert_null(n);
	ct_note_free(n);
	return rc;
}

/* Parses buf, checks it formats back to the same bytes, returns the note. */
static ct_note *parse_round_trip(const ct_buf *buf)
{
	ct_buf again = CT_BUF_INIT;
	ct_note *n = NULL;

	CT_OK_OR_FAIL(ct_note_parse(&n, buf->ptr, buf->len));
	CT_OK_OR_FAIL(ct_note_format(&again, n));
	assert_int_equal(again.len, buf->len);
	assert_memory_equal(again.ptr, buf->ptr, buf->len);
	ct_buf_free(&again);
	return n;
}

/* ---- the published examples ---- */

/* C2SP signed-note.md's example verifies; every flipped byte breaks it. */
static void test_c2sp_example(void **state)
{
	json_t *v = load_vector("c2sp/signed-note-example.json");
	char vtext[CT_VKEY_TEXT_MAX];
	ct_buf buf = CT_BUF_INIT;
	ct_note *n;
	ct_vkey k;
	size_t i, badsig = 0;

	CT_OK_OR_FAIL(ct_vkey_parse(&k, jstr(v, "verifier_key"), strlen(jstr(v, "verifier_key"))));
	assert_string_equal(k.name, "example.com/foo");
	assert_int_equal(k.type, CT_NOTE_ED25519);
	assert_int_equal(k.key_id, 0x530d903a);
	assert_int_equal(ct_note_key_id("example.com/foo", CT_NOTE_ED25519, k.pk), 0x530d903a);
	ct_vkey_format(vtext, &k);
	assert_string_equal(vtext, jstr(v, "verifier_key"));

	note_bytes(&buf, jstr(v, "note_text"), jstr(v, "signature_line"), NULL);
	n = parse_round_trip(&buf);
	assert_string_equal(n->text, jstr(v, "note_text"));
	assert_int_equal(n->nsigs, 1);
	assert_string_equal(n->sigs[0].name, "example.com/foo");
	assert_int_equal(n->sigs[0].key_id, 0x530d903a);
	assert_int_equal(n->sigs[0].sig_len, CT_SIG_BYTES);
	CT_OK_OR_FAIL(ct_note_verify(n, &k));
	ct_note_free(n);

	/* Every single flipped bit, anywhere in the note, is refused somewhere. */
	for (i = 0; i < buf.len; i++) {
		int rc;

		buf.ptr[i] ^= 0x01;
		rc = ct_note_parse(&n, buf.ptr, buf.len);
		if (rc == 0) {
			rc = ct_note_verify(n, &k);
			badsig += rc == CT_EBADSIG;
			ct_note_free(n);
		}
		if (rc == 0)
			fail_msg("note with byte %zu flipped still verifies", i);
		buf.ptr[i] ^= 0x01;
	}
	/* Flips in the text and most of the signature reach the signature check. */
	assert_true(badsig > strlen(jstr(v, "note_text")));
	ct_buf_free(&buf);
	json_decref(v);
}

/* golang.org/x/mod sumdb/note's example: our signature is the published one. */
static void test_go_example(void **state)
{
	json_t *v = load_vector("c2sp/go-sumdb-note-example.json");
	const char *skey = jstr(v, "signer_key"), *seed_b64 = skey;
	uint8_t material[64], *seed = material + 1;
	char vtext[CT_VKEY_TEXT_MAX];
	ct_buf buf = CT_BUF_INIT, mine = CT_BUF_INIT;
	ct_keypair *kp = NULL;
	ct_note *n = NULL;
	ct_vkey peter, enoch, derived;
	size_t material_len;
	int plus;

	/* PRIVATE+KEY+<name>+<key ID>+<base64>: the base64 itself may hold a '+'. */
	for (plus = 0; plus < 4; plus++)
		seed_b64 = strchr(seed_b64, '+') + 1;
	CT_OK_OR_FAIL(ct_b64_decode(material, sizeof(material), &material_len, seed_b64, strlen(seed_b64)));
	assert_int_equal(material_len, 33);
	assert_int_equal(material[0], CT_NOTE_ED25519);
	CT_OK_OR_FAIL(ct_keypair_from_seed(&kp, seed));
	CT_OK_OR_FAIL(ct_vkey_parse(&peter, jstr(v, "verifier_key"), strlen(jstr(v, "verifier_key"))));
	CT_OK_OR_FAIL(
	    ct_vkey_parse(&enoch, jstr(v, "second_verifier_key"), strlen(jstr(v, "second_verifier_key"))));
	CT_OK_OR_FAIL(ct_vkey_make(&derived, "PeterNeumann", CT_NOTE_ED25519, ct_keypair_public(kp)));
	ct_vkey_format(vtext, &derived);
	assert_string_equal(vtext, jstr(v, "verifier_key"));

	/* Ed25519 is deterministic: signing the text gives the published line. */
	CT_OK_OR_FAIL(ct_note_new(&n, jstr(v, "note_text"), strlen(jstr(v, "note_text"))));
	CT_OK_OR_FAIL(ct_note_sign(n, kp, "PeterNeumann"));
	CT_OK_OR_FAIL(ct_note_format(&mine, n));
	note_bytes(&buf, jstr(v, "note_text"), jstr(v, "signature_line"), NULL);
	assert_int_equal(mine.len, buf.len);
	assert_memory_equal(mine.ptr, buf.ptr, buf.len);
	ct_note_free(n);

	/* Both signatures, in order; each key finds and verifies its own line. */
	note_bytes(&buf, jstr(v, "note_text"), jstr(v, "signature_line"), jstr(v, "second_signature_line"));
	n = parse_round_trip(&buf);
	assert_int_equal(n->nsigs, 2);
	assert_string_equal(n->sigs[1].name, "EnochRoot");
	assert_ptr_equal(ct_note_find(n, &enoch), &n->sigs[1]);
	CT_OK_OR_FAIL(ct_note_verify(n, &peter));
	CT_OK_OR_FAIL(ct_note_verify(n, &enoch));
	ct_note_free(n);

	ct_keypair_free(kp);
	ct_buf_free(&buf);
	ct_buf_free(&mine);
	json_decref(v);
}

/* Published verifier keys parse, re-format, and fail when altered. */
static void test_published_vkeys(void **state)
{
	json_t *v = load_vector("c2sp/verifier-keys.json"), *item;
	char vtext[CT_VKEY_TEXT_MAX], altered[CT_VKEY_TEXT_MAX];
	size_t i;
	ct_vkey k;

	json_array_foreach(json_object_get(v, "keys"), i, item)
	{
		const char *text = jstr(item, "vkey");
		char *plus2;
		uint32_t id;

		CT_OK_OR_FAIL(ct_vkey_parse(&k, text, strlen(text)));
		assert_string_equal(k.name, jstr(item, "name"));
		assert_int_equal(k.type, json_integer_value(json_object_get(item, "type")));
		id = (uint32_t)strtoul(jstr(item, "key_id"), NULL, 16);
		assert_int_equal(k.key_id, id);
		assert_int_equal(ct_note_key_id(k.name, k.type, k.pk), id);
		ct_vkey_format(vtext, &k);
		assert_string_equal(vtext, text);

		/* Another key ID. */
		strcpy(altered, text);
		plus2 = strchr(altered, '+') + 8;
		*plus2 = *plus2 == '0' ? '1' : '0';
		assert_int_equal(ct_vkey_parse(&k, altered, strlen(altered)), CT_EINVAL);
		/* The other supported type byte: the key ID no longer matches. */
		CT_OK_OR_FAIL(ct_vkey_parse(&k, text, strlen(text)));
		k.type = k.type == CT_NOTE_ED25519 ? CT_NOTE_COSIG_V1 : CT_NOTE_ED25519;
		ct_vkey_format(altered, &k);
		assert_int_equal(ct_vkey_parse(&k, altered, strlen(altered)), CT_EINVAL);
	}
	json_decref(v);
}

/* ---- verifier keys ---- */

static void test_vkey_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "example.com/foo",							      /* no '+' */
	    "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",		      /* empty name */
	    "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",   /* 7 hex digits */
	    "example.com/foo+530d903g+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  /* not hex */
	    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",   /* bad base64 */
	    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k=", /* bad base64 */
	    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U",    /* 32 bytes */
	    "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  /* type 0x02 */
	    "example.com/foo+530d903a+ AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* space */
	    "example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",      /* space in name */
	};
	size_t i;
	ct_vkey k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ct_vkey_parse(&k, bad[i], strlen(bad[i]));
		if (rc != CT_EINVAL)
			fail_msg("vkey %zu '%s' -> %d, want CT_EINVAL", i, bad[i], rc);
		assert_true(strlen(ct_error_last()) > 0);
	}
	/* Uppercase hex is accepted, as golang.org/x/mod does; formatting writes lowercase. */
	{
		static const char upper[] =
		    "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
		CT_OK_OR_FAIL(ct_vkey_parse(&k, upper, strlen(upper)));
	}
	assert_int_equal(k.key_id, 0x530d903a);
}

/* Key names: no Unicode space, no '+', not empty, not too long. */
static void test_key_names(void **state)
{
	static const char *const bad[] = {
	    "",
	    "a b",
	    "a+b",
	    "a\tb",
	    "a\xc2\xa0"
	    "b" /* U+00A0 */,
	    "a\xe2\x80\x83"
	    "b" /* U+2003 */,
	    "a\xe3\x80\x80"
	    "b" /* U+3000 */,
	    "a\xe2\x80\xa8"
	    "b" /* U+2028 */,
	    "\xff",
	    "\xc0\xaf" /* overlong */,
	    "\xed\xa0\x80" /* surrogate */,
	    "a\x01",
	};
	char longname[CT_NOTE_NAME_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ct_note_name_check(bad[i]) != CT_EINVAL)
			fail_msg("key name %zu accepted", i);
	CT_OK_OR_FAIL(ct_note_name_check("example.com/log42"));
	CT_OK_OR_FAIL(ct_note_name_check("caf\xc3\xa9/\xe2\x80\x94")); /* non-ASCII, not space */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[CT_NOTE_NAME_MAX + 1] = '\0';
	assert_int_equal(ct_note_name_check(longname), CT_ETOOBIG);
	longname[CT_NOTE_NAME_MAX] = '\0';
	CT_OK_OR_FAIL(ct_note_name_check(longname));
}

/* ---- round trips and signing ---- */

static void test_sign_round_trip(void **state)
{
	static const char text[] = "first line\n\nsecond paragraph, caf\xc3\xa9\n";
	ct_keypair *a = ct_test_keypair(1), *b = ct_test_keypair(2);
	ct_buf buf = CT_BUF_INIT;
	ct_note *n = NULL, *back;
	ct_vkey ka, kb, kc;

	CT_OK_OR_FAIL(ct_vkey_make(&ka, "a.example/log", CT_NOTE_ED25519, ct_keypair_public(a)));
	CT_OK_OR_FAIL(ct_vkey_make(&kb, "b.example/log", CT_NOTE_ED25519, ct_keypair_public(b)));
	CT_OK_OR_FAIL(ct_note_new(&n, text, strlen(text)));
	assert_int_equal(ct_note_format(&buf, n), CT_EINVAL); /* no signature yet */
	CT_OK_OR_FAIL(ct_note_sign(n, a, "a.example/log"));
	CT_OK_OR_FAIL(ct_note_sign(n, b, "b.example/log"));
	assert_int_equal(ct_note_sign(n, a, "a.example/log"), CT_EEXISTS);
	assert_int_equal(ct_note_sign(n, a, "bad name"), CT_EINVAL);
	buf.len = 0;
	CT_OK_OR_FAIL(ct_note_format(&buf, n));
	back = parse_round_trip(&buf);
	/* The text may hold blank lines: it ends at the last one. */
	assert_string_equal(back->text, text);
	CT_OK_OR_FAIL(ct_note_verify(back, &ka));
	CT_OK_OR_FAIL(ct_note_verify(back, &kb));

	/* A key with the right name and another public key: another key ID, not found. */
	CT_OK_OR_FAIL(ct_vkey_make(&kc, "a.example/log", CT_NOTE_ED25519, ct_keypair_public(b)));
	assert_int_equal(ct_note_verify(back, &kc), CT_ENOTFOUND);
	/* Right name and key ID, other public key (a forged ID): the signature fails. */
	kc.key_id = ka.key_id;
	assert_int_equal(ct_note_verify(back, &kc), CT_EBADSIG);
	/* A cosignature key is not a note key. */
	CT_OK_OR_FAIL(ct_vkey_make(&kc, "a.example/log", CT_NOTE_COSIG_V1, ct_keypair_public(a)));
	assert_int_equal(ct_note_verify(back, &kc), CT_EINVAL);
	ct_note_free(back);

	/* A signature by another key under this key's name and ID. */
	ct_note_free(n);
	CT_OK_OR_FAIL(ct_note_new(&n, text, strlen(text)));
	{
		uint8_t sig[CT_SIG_BYTES];
		ct_keypair_sign(b, sig, (const uint8_t *)text, strlen(text));
		CT_OK_OR_FAIL(ct_note_add_sig(n, "a.example/log", ka.key_id, sig, sizeof(sig)));
	}
	assert_int_equal(ct_note_verify(n, &ka), CT_EBADSIG);
	ct_note_free(n);

	ct_buf_free(&buf);
	ct_keypair_free(a);
	ct_keypair_free(b);
}

/* Unknown signature types and lengths are kept and re-serialised, not judged. */
static void test_unknown_signatures_kept(void **state)
{
	static const char note[] =
	    "hello\n\n" EM " other.example/key AQIDBAU=\n" EM " x AAAAAAAAAAAAAAAAAAAA\n";
	ct_buf buf = CT_BUF_INIT;
	ct_note *n;
	ct_vkey k;
	ct_keypair *kp = ct_test_keypair(3);

	assert_int_equal(ct_buf_put(&buf, note, strlen(note)), 0);
	n = parse_round_trip(&buf);
	assert_int_equal(n->nsigs, 2);
	assert_int_equal(n->sigs[0].key_id, 0x01020304);
	assert_int_equal(n->sigs[0].sig_len, 1);
	assert_int_equal(n->sigs[1].sig_len, 11);
	CT_OK_OR_FAIL(ct_vkey_make(&k, "hello.example", CT_NOTE_ED25519, ct_keypair_public(kp)));
	assert_int_equal(ct_note_verify(n, &k), CT_ENOTFOUND);
	/* A known key added later verifies next to the unknown lines. */
	CT_OK_OR_FAIL(ct_note_sign(n, kp, "hello.example"));
	CT_OK_OR_FAIL(ct_note_verify(n, &k));
	ct_note_free(n);
	ct_keypair_free(kp);
	ct_buf_free(&buf);
}

/* ---- malformed notes, each named ---- */

#define SIG_A "AAAAAAAAAAAAAAAAAAAA" /* 15 zero bytes: key ID 0, 11 signature bytes */

static void test_malformed_notes(void **state)
{
	static const struct {
		const char *what, *note;
		int want;
	} cases[] = {
	    {"empty", "", CT_EINVAL},
	    {"missing blank line", "text\n" EM " k " SIG_A "\n", CT_EINVAL},
	    {"no signature line", "text\n\n", CT_EINVAL},
	    {"no trailing newline", "text\n\n" EM " k " SIG_A, CT_EINVAL},
	    {"blank line after the signatures", "text\n\n" EM " k " SIG_A "\n\n", CT_EINVAL},
	    {"bad base64", "text\n\n" EM " k AAAA*AAAAAAAAAAAAAAA\n", CT_EINVAL},
	    {"base64 without padding", "text\n\n" EM " k AAAAAAAAAAAAAAAAAAAAAA\n", CT_EINVAL},
	    {"base64 with non-zero trailing bits", "text\n\n" EM " k AAAAAAAAAAAAAAAAAAAAAB==\n", CT_EINVAL},
	    {"signature shorter than 5 bytes", "text\n\n" EM " k AAAAAA==\n", CT_EINVAL},
	    {"hyphen instead of em dash", "text\n\n- k " SIG_A "\n", CT_EINVAL},
	    {"em dash without space", "text\n\n" EM "k " SIG_A "\n", CT_EINVAL},
	    {"no space before signature", "text\n\n" EM " k" SIG_A "\n", CT_EINVAL},
	    {"two spaces", "text\n\n" EM " k  " SIG_A "\n", CT_EINVAL},
	    {"empty key name", "text\n\n" EM "  " SIG_A "\n", CT_EINVAL},
	    {"'+' in key name", "text\n\n" EM " k+1 " SIG_A "\n", CT_EINVAL},
	    {"NBSP in key name",
	     "text\n\n" EM " k\xc2\xa0"
	     "1 " SIG_A "\n",
	     CT_EINVAL},
	    {"duplicate lines", "text\n\n" EM " k " SIG_A "\n" EM " k " SIG_A "\n", CT_EINVAL},
	    {"same key, two signatures", "text\n\n" EM " k " SIG_A "\n" EM " k AAAAAAAAAAAAAAAAAAAB\n",
	     CT_EINVAL},
	    {"control character in text", "te\x01xt\n\n" EM " k " SIG_A "\n", CT_EINVAL},
	    {"carriage return", "text\r\n\n" EM " k " SIG_A "\n", CT_EINVAL},
	    {"tab in text", "te\txt\n\n" EM " k " SIG_A "\n", CT_EINVAL},
	    {"invalid UTF-8", "te\xffxt\n\n" EM " k " SIG_A "\n", CT_EINVAL},
	    {"truncated UTF-8", "text\xe2\x80\n\n" EM " k " SIG_A "\n", CT_EINVAL},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse_str(cases[i].note);
		if (rc != cases[i].want)
			fail_msg("%s: got %d (%s), want %d", cases[i].what, rc, ct_error_last(),
				 cases[i].want);
		assert_true(strlen(ct_error_last()) > 0);
	}
	/* Same name with another key ID is another key: both kept. */
	assert_int_equal(parse_str("text\n\n" EM " k " SIG_A "\n" EM " k AAAAAQAAAAAAAAAAAAAA\n"), 0);
	/* The error names the line. */
	assert_int_equal(parse_str("text\n\n" EM " k " SIG_A "\n" EM " k+ " SIG_A "\n"), CT_EINVAL);
	assert_non_null(strstr(ct_error_last(), "signature line 2"));
}

/* Limits: CT_NOTE_MAX_SIGS lines, CT_NOTE_MAX bytes. */
static void test_limits(void **state)
{
	ct_buf buf = CT_BUF_INIT;
	ct_note *n = NULL;
	char line[64];
	int i;

	assert_int_equal(ct_buf_put(&buf, "text\n\n", 6), 0);
	for (i = 0; i < CT_NOTE_MAX_SIGS; i++) {
		int len = snprintf(line, sizeof(line), EM " k%d " SIG_A "\n", i);
		assert_int_equal(ct_buf_put(&buf, line, (size_t)len), 0);
	}
	CT_OK_OR_FAIL(ct_note_parse(&n, buf.ptr, buf.len));
	assert_int_equal(n->nsigs, CT_NOTE_MAX_SIGS);
	/* One more line is too many, parsed or added. */
	{
		uint8_t sig[11] = {0};
		assert_int_equal(ct_note_add_sig(n, "another", 0, sig, sizeof(sig)), CT_ETOOBIG);
	}
	ct_note_free(n);
	assert_int_equal(ct_buf_put(&buf, EM " too-many " SIG_A "\n", strlen(EM " too-many " SIG_A "\n")), 0);
	assert_int_equal(ct_note_parse(&n, buf.ptr, buf.len), CT_ETOOBIG);
	assert_null(n);

	/* A text as large as a note may be. */
	buf.len = 0;
	assert_int_equal(ct_buf_grow(&buf, CT_NOTE_MAX + 1), 0);
	memset(buf.ptr, 'x', CT_NOTE_MAX + 1);
	buf.ptr[CT_NOTE_MAX - 1] = '\n';
	assert_int_equal(ct_note_new(&n, (const char *)buf.ptr, CT_NOTE_MAX), CT_ETOOBIG);
	assert_int_equal(ct_note_parse(&n, buf.ptr, CT_NOTE_MAX + 1), CT_ETOOBIG);
	/* A signature line that would push a note over the limit is refused when added. */
	buf.ptr[CT_NOTE_MAX - 200] = '\n';
	CT_OK_OR_FAIL(ct_note_new(&n, (const char *)buf.ptr, CT_NOTE_MAX - 199));
	{
		uint8_t sig[CT_SIG_BYTES] = {0};
		assert_int_equal(ct_note_add_sig(n, "k", 0, sig, sizeof(sig)), 0);
		assert_int_equal(ct_note_add_sig(n, "k2", 0, sig, sizeof(sig)), CT_ETOOBIG);
	}
	ct_note_free(n);
	ct_buf_free(&buf);
}

static void test_note_new_checks(void **state)
{
	ct_note *n = NULL;

	assert_int_equal(ct_note_new(&n, "", 0), CT_EINVAL);
	assert_int_equal(ct_note_new(&n, "no newline", 10), CT_EINVAL);
	assert_int_equal(ct_note_new(&n, "a\x7f\x01\n", 4), CT_EINVAL);
	assert_int_equal(ct_note_new(&n, "a\0b\n", 4), CT_EINVAL);
	assert_null(n);
	CT_OK_OR_FAIL(ct_note_new(&n, "\n", 1));
	assert_int_equal(n->text_len, 1);
	ct_note_free(n);
	ct_note_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c2sp_example),
	    cmocka_unit_test(test_go_example),
	    cmocka_unit_test(test_published_vkeys),
	    cmocka_unit_test(test_vkey_malformed),
	    cmocka_unit_test(test_key_names),
	    cmocka_unit_test(test_sign_round_trip),
	    cmocka_unit_test(test_unknown_signatures_kept),
	    cmocka_unit_test(test_malformed_notes),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_note_new_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
