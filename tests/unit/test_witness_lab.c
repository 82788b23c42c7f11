/*
 * Which witness cosignatures a complete bundle counts (docs/FORMAT.md
 * section 13, rule 8; core/proof/closure.c, ct__witness_lab), read here
 * from a store's organisation rows as a prover reads them: a key the state
 * shows replaced or compromised never counts whatever time it claims; a
 * lab's new key counts from its rekey's effective time, for the lab named
 * by the chain's first key, so that two keys of one lab name one lab; the
 * lab's admissions and revocations under any of its keys decide; a loop
 * of rekeys names its smallest key.
 */
#include "trace_fixture.h"

#include "caltrace/ledger/index.h"
#include "caltrace/ledger/netindex.h"
#include "cbundle_internal.h"

/* A source over a store's org rows (the only keys ct__witness_lab reads). */
struct store_src {
	ct_reader *r;
	ct_buf *hashes;
};

static int add_row(void *ctx, const ct_index_row *row)
{
	return ct_buf_put(ctx, row->hash, CT_HASH_BYTES);
}

static int src_list(void *ctx, const uint8_t *key, size_t len, bool *present, ct_buf *hashes)
{
	struct store_src *s = ctx;
	size_t before = hashes->len;
	int err;

	*present = false;
	if (len != 2 + CT_KEY_BYTES || key[0] != CT_NK_AUTHOR || key[len - 1] != CT_NETKEY_ORG_SFX)
		return 0;
	if ((err = ct_read_org_rows(s->r, key + 1, add_row, hashes)) < 0)
		return err;
	*present = hashes->len > before;
	return 0;
}

static int src_entry(void *ctx, const uint8_t hash[CT_HASH_BYTES], ct_entry *out)
{
	struct store_src *s = ctx;

	return ct_read_entry_by_hash(out, s->r, hash);
}

/* Whether kp's cosignature at date counts; its lab in lab. */
static bool counts(struct fx *f, const ct_keypair *kp, const char *date, uint8_t lab[CT_KEY_BYTES])
{
	struct store_src s = {NULL, NULL};
	struct ct__src src = {&s, src_list, src_entry};
	bool ok = false;

	fx_commit(f);
	CT_OK_OR_FAIL(ct_reader_begin(&s.r, f->l));
	CT_OK_OR_FAIL(ct__witness_lab(&src, ct_keypair_public(f->bureau), ct_keypair_public(kp), fx_ms(date), lab,
				      &ok));
	ct_reader_end(s.r);
	return ok;
}

static void rekey(struct fx *f, const ct_keypair *old_kp, const ct_keypair *new_kp, const char *effective)
{
	fx_event(f, f->bureau, "org.rekey",
		 json_pack("{s:o, s:o, s:s, s:I, s:s}", "old_key", fx_hex(ct_keypair_public(old_kp), 32),
			   "new_key", fx_hex(ct_keypair_public(new_kp), 32), "effective", effective, "closed_at",
			   (json_int_t)0, "reason", "key lost"),
		 NULL);
}

static void assert_lab(const uint8_t lab[CT_KEY_BYTES], const ct_keypair *kp)
{
	assert_memory_equal(lab, ct_keypair_public(kp), CT_KEY_BYTES);
}

static void test_rekey_and_compromise(void **state)
{
	struct fx f;
	uint8_t lab[CT_KEY_BYTES], lab2[CT_KEY_BYTES];
	ct_keypair *city, *city2, *city3, *stranger;

	(void)state;
	fx_open(&f);
	city = fx_key(&f, 1);
	city2 = fx_key(&f, 2);
	city3 = fx_key(&f, 3);
	stranger = fx_key(&f, 4);
	fx_admit(&f, city, "City institute", "city", "North", "mass", "2020-01-01", "2030-12-31");
	assert_true(counts(&f, city, "2025-01-01", lab));
	assert_lab(lab, city);
	assert_false(counts(&f, city, "2019-06-01", lab)); /* before its admission */
	assert_false(counts(&f, stranger, "2025-01-01", lab));

	rekey(&f, city, city2, "2025-06-01");
	/* the state holds the rekey: the old key's line was made after it, whatever it claims */
	assert_false(counts(&f, city, "2025-01-01", lab));
	assert_false(counts(&f, city, "2025-07-01", lab));
	/* the new key is the lab's witness from the effective time on */
	assert_false(counts(&f, city2, "2025-05-31", lab));
	assert_true(counts(&f, city2, "2025-07-01", lab));
	assert_lab(lab, city);

	/* a second successor of the same old key (the bureau's own append refuses it; a peer may send it):
	 * both count, for one lab */
	rekey(&f, city, city3, "2025-08-01");
	assert_true(counts(&f, city3, "2025-09-01", lab));
	assert_true(counts(&f, city2, "2025-09-01", lab2));
	assert_memory_equal(lab, lab2, CT_KEY_BYTES);

	/* a compromise of the new key ends it too, at any time */
	fx_event(&f, f.bureau, "org.compromised",
		 json_pack("{s:o, s:s, s:I, s:s}", "key", fx_hex(ct_keypair_public(city2), 32), "since",
			   "2025-10-01", "cosigned_to", (json_int_t)0, "reason", "stolen"),
		 NULL);
	assert_false(counts(&f, city2, "2025-09-01", lab));
	assert_true(counts(&f, city3, "2025-11-01", lab));

	/* revoking the lab's first key revokes the lab for every key of it */
	fx_revoke_org(&f, city, "2025-12-01");
	assert_true(counts(&f, city3, "2025-11-30", lab));
	assert_false(counts(&f, city3, "2026-01-01", lab));
	fx_close(&f);
}

/* W's walk back meets a loop (X -> W, Y -> X, X -> Y): the lab is the loop's smallest key. */
static void test_loop(void **state)
{
	struct fx f;
	uint8_t lab[CT_KEY_BYTES];
	ct_keypair *x, *y, *w;

	(void)state;
	fx_open(&f);
	x = fx_key(&f, 5);
	y = fx_key(&f, 6);
	w = fx_key(&f, 7);
	fx_admit(&f, x, "Lab X", "city", "North", "mass", "2020-01-01", "2030-12-31");
	rekey(&f, y, x, "2024-01-01");
	rekey(&f, x, y, "2024-02-01");
	rekey(&f, x, w, "2024-03-01");
	assert_true(counts(&f, w, "2024-04-01", lab));
	assert_lab(lab, memcmp(ct_keypair_public(x), ct_keypair_public(y), CT_KEY_BYTES) < 0 ? x : y);
	assert_false(counts(&f, x, "2024-04-01", lab));
	assert_false(counts(&f, y, "2024-04-01", lab));
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rekey_and_compromise),
	    cmocka_unit_test(test_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
