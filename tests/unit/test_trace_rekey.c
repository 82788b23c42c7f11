/*
 * A lab's key lifecycle (docs/DESIGN.md section 5, docs/VERDICTS.md): the
 * bureau's org.rekey makes a new key the same lab (admission, scope, tier,
 * revocations, ownership of its standards and instruments carry over, and
 * due lists, coverage by lab and impact count one lab), and closes the old
 * feed at closed_at (closed-feed after it); org.compromised distrusts a key
 * past the seq the bureau cosigned before `since` (compromised-key), whatever
 * times the entries claim.
 */
#include "trace_fixture.h"

#include "caltrace/eval/coverage.h"

/* The length of kp's feed in the fixture's store. */
static uint64_t feed_len(struct fx *f, const ct_keypair *kp)
{
	ct_reader *r = NULL;
	ct_feed_head head;
	uint64_t n = 0;

	fx_commit(f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	if (ct_read_head(&head, r, ct_keypair_public(kp)) == 0)
		n = head.size;
	ct_reader_end(r);
	return n;
}

static void rekey(struct fx *f, const ct_keypair *old_kp, const ct_keypair *new_kp, const char *effective,
		  uint64_t closed_at, uint8_t *out)
{
	fx_event(f, f->bureau, "org.rekey",
		 json_pack("{s:o, s:o, s:s, s:I, s:s}", "old_key", fx_hex(ct_keypair_public(old_kp), 32),
			   "new_key", fx_hex(ct_keypair_public(new_kp), 32), "effective", effective,
			   "closed_at", (json_int_t)closed_at, "reason", "key lost"),
		 out);
}

static void compromised(struct fx *f, const ct_keypair *kp, const char *since, uint64_t cosigned_to,
			uint8_t *out)
{
	fx_event(f, f->bureau, "org.compromised",
		 json_pack("{s:o, s:s, s:I, s:s}", "key", fx_hex(ct_keypair_public(kp), 32), "since", since,
			   "cosigned_to", (json_int_t)cosigned_to, "reason", "stolen"),
		 out);
}

/* The base network with the city institute re-keyed from key 1 to key 2 on 2025-06-01, its feed closed where
 * it stands. */
static ct_keypair *open_rekeyed(struct fx *f, struct fx_base *b, uint8_t *rekey_hash)
{
	ct_keypair *city2;

	fx_base_open(f, b, true);
	city2 = fx_key(f, 2);
	rekey(f, b->city, city2, "2025-06-01", feed_len(f, b->city), rekey_hash);
	return city2;
}

static void test_new_key_is_the_same_lab(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *city2 = open_rekeyed(&f, &b, NULL);

	/* never admitted itself: the city institute's admission (tier city, scope mass) carries over */
	fx_cal1(&f, city2, "SCALE-1", false, "verification", "M1", b.anchor, "2025-07-01", "2026-06-30",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-08-01", CT_VALID, -1);
	/* the scope carried is the admission's, not everything: length is not in it */
	fx_instrument(&f, city2, "RULER-1", "length", "North", "Market", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, city2, "RULER-1", false, "calibration", "M1", b.anchor, "2025-07-01", "2026-06-30", NULL);
	fx_expect(&f, "RULER-1", "2025-08-01", CT_INVALID, CT_R_LAB_OUT_OF_SCOPE);
	/* what the old key registered stays the lab's: the new key retires it and declares its standard OOT
	 */
	fx_retire(&f, city2, "SCALE-1", "2025-09-01");
	fx_expect(&f, "SCALE-1", "2025-09-02", CT_INVALID, CT_R_RETIRED);
	fx_oot(&f, city2, "M1", "2025-06-15");
	fx_expect(&f, "SCALE-1", "2025-08-01", CT_SUSPECT, CT_R_OUT_OF_TOLERANCE);
	fx_close(&f);
}

static void test_lab_identity(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *city2 = open_rekeyed(&f, &b, NULL), *city3 = fx_key(&f, 3), *other = fx_key(&f, 4);
	uint8_t lab[32];
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;

	rekey(&f, city2, city3, "2025-09-01", 0, NULL); /* a second rekey: a chain of three keys */
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_tracer_lab_of(tr, ct_keypair_public(city3), lab));
	assert_memory_equal(lab, ct_keypair_public(b.city), 32);
	CT_OK_OR_FAIL(ct_tracer_lab_of(tr, ct_keypair_public(city2), lab));
	assert_memory_equal(lab, ct_keypair_public(b.city), 32);
	CT_OK_OR_FAIL(ct_tracer_lab_of(tr, ct_keypair_public(other), lab));
	assert_memory_equal(lab, ct_keypair_public(other), 32);
	ct_tracer_free(tr);
	ct_reader_end(r);
	fx_close(&f);
}

static void test_old_feed_closed(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t rk[32], late[32];
	const ct_trace_reason *why;

	fx_base_open(&f, &b, true);
	/* the feed is closed one entry before its end: that last entry, the verification, is no longer the
	 * lab's */
	rekey(&f, b.city, fx_key(&f, 2), "2025-06-01", feed_len(&f, b.city) - 1, rk);
	why = fx_expect(&f, "SCALE-1", "2025-04-01", CT_INVALID, CT_R_CLOSED_FEED);
	assert_memory_equal(why->entries[0], b.ver, 32);
	assert_memory_equal(why->entries[1], rk, 32);
	fx_close(&f);

	/* closed where it stood: what came before stands, what the old key writes after is invalid */
	fx_base_open(&f, &b, true);
	rekey(&f, b.city, fx_key(&f, 2), "2025-06-01", feed_len(&f, b.city), rk);
	fx_expect(&f, "SCALE-1", "2025-04-01", CT_VALID, -1);
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2025-05-01", "2026-04-30",
		late);
	why = fx_expect(&f, "SCALE-1", "2025-06-01", CT_INVALID, CT_R_CLOSED_FEED);
	assert_memory_equal(why->entries[0], late, 32);
	fx_expect(&f, "SCALE-1", "2025-04-01", CT_VALID, -1);
	/* an instrument the old key registers after the closing is not registered by the lab */
	fx_instrument(&f, b.city, "SCALE-9", "mass", "North", "Market", NULL, NULL, FX_REL(1000));
	fx_expect(&f, "SCALE-9", "2025-06-01", CT_INVALID, CT_R_CLOSED_FEED);
	fx_close(&f);
}

static void test_revocation_follows_the_lab(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *city2 = open_rekeyed(&f, &b, NULL);

	fx_revoke_org(&f, b.city, "2025-09-01"); /* the bureau names the old key: the lab is revoked */
	fx_cal1(&f, city2, "SCALE-1", false, "verification", "M1", b.anchor, "2025-10-01", "2026-09-30",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-10-02", CT_INVALID, CT_R_LAB_REVOKED);
	fx_close(&f);
}

static void test_compromised_bound_not_times(void **state)
{
	struct fx f;
	struct fx_base b;
	uint8_t forged[32], decl[32];
	uint64_t n;
	const ct_trace_reason *why;

	fx_base_open(&f, &b, true);
	n = feed_len(&f, b.city); /* M1, SCALE-1, its verification: all cosigned before the theft */
	compromised(&f, b.city, "2025-04-01", n, decl);
	fx_expect(&f, "SCALE-1", "2025-03-10", CT_VALID, -1);
	/* the thief backdates everything: entry time and performed_at before `since` */
	f.clock = fx_ms("2025-03-14");
	fx_cal1(&f, b.city, "SCALE-1", false, "verification", "M1", b.anchor, "2025-03-15", "2027-03-14",
		forged);
	why = fx_expect(&f, "SCALE-1", "2025-03-20", CT_INVALID, CT_R_COMPROMISED_KEY);
	assert_memory_equal(why->entries[0], forged, 32);
	assert_memory_equal(why->entries[1], decl, 32);
	fx_expect(&f, "SCALE-1", "2025-03-10", CT_VALID, -1); /* before the forged one: as it was */
	/* and its out-of-tolerance declaration does not count */
	fx_oot(&f, b.city, "M1", "2025-01-01");
	fx_expect(&f, "SCALE-1", "2025-03-10", CT_VALID, -1);
	fx_close(&f);

	/* a bound below an entry: the verification was signed before `since` by its own claim, yet never
	 * cosigned */
	fx_base_open(&f, &b, true);
	compromised(&f, b.city, "2025-04-01", feed_len(&f, b.city) - 1, NULL);
	fx_expect(&f, "SCALE-1", "2025-03-10", CT_INVALID, CT_R_COMPROMISED_KEY);
	fx_close(&f);
}

static void test_compromised_new_key_unaffected(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *city2 = open_rekeyed(&f, &b, NULL);

	compromised(&f, b.city, "2025-05-01", feed_len(&f, b.city), NULL);
	fx_cal1(&f, city2, "SCALE-1", false, "verification", "M1", b.anchor, "2025-07-01", "2026-06-30",
		NULL);
	fx_expect(&f, "SCALE-1", "2025-08-01", CT_VALID, -1);
	fx_expect(&f, "SCALE-1", "2025-04-01", CT_VALID, -1);
	fx_close(&f);
}

static const ct_coverage_counts *group_of(const ct_coverage *c, const uint8_t key[32])
{
	char hex[65];
	size_t i;

	ct_hex(hex, key, 32);
	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].key, hex) == 0)
			return &c->groups[i].counts;
	return NULL;
}

static void test_one_lab_in_coverage_and_due(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *city2 = open_rekeyed(&f, &b, NULL), *other = fx_key(&f, 4);
	ct_coverage_query q;
	ct_coverage *cov = NULL;
	ct_due_query dq;
	ct_due *due = NULL;
	ct_reader *r = NULL;
	uint64_t at = fx_ms("2025-08-01");
	size_t i;

	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	fx_instrument(&f, city2, "SCALE-2", "mass", "North", "Shop", NULL, NULL, FX_REL(1000));
	fx_instrument(&f, other, "SCALE-3", "mass", "South", "Shop", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, city2, "SCALE-2", false, "calibration", "M1", b.anchor, "2025-07-01", "2025-08-20", NULL);
	fx_cal1(&f, other, "SCALE-3", false, "calibration", "M1", b.anchor, "2025-07-01", "2026-06-30", NULL);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	memset(&q, 0, sizeof(q));
	q.by = CT_BY_LAB;
	q.threads = 1;
	CT_OK_OR_FAIL(ct_coverage_compute(&cov, r, &at, 1, &q));
	assert_int_equal(cov->ngroups, 2);
	assert_non_null(group_of(cov, ct_keypair_public(b.city)));
	assert_int_equal(group_of(cov, ct_keypair_public(b.city))->registered, 2); /* SCALE-1 and SCALE-2 */
	assert_int_equal(group_of(cov, ct_keypair_public(other))->registered, 1);
	assert_null(group_of(cov, ct_keypair_public(city2)));
	ct_coverage_free(cov, 1);
	/* due --lab with the new key lists the old key's instruments too, named by the lab's first key */
	memset(&dq, 0, sizeof(dq));
	dq.at = at;
	dq.within_days = 365;
	dq.has_lab = true;
	memcpy(dq.lab, ct_keypair_public(city2), 32);
	CT_OK_OR_FAIL(ct_due_list(&due, r, &dq));
	assert_int_equal(due->count, 2); /* by valid_until: SCALE-2 (2025-08-20), SCALE-1 (2026-02-28) */
	assert_string_equal(due->items[0].id, "SCALE-2");
	assert_string_equal(due->items[1].id, "SCALE-1");
	for (i = 0; i < due->count; i++) {
		assert_memory_equal(due->items[i].lab, ct_keypair_public(b.city), 32);
		assert_string_equal(due->items[i].lab_name, "City institute");
	}
	ct_due_free(due);
	ct_reader_end(r);
	fx_close(&f);
}

static void test_impact_of_key(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *other;
	uint8_t forged[32];
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_impact *im = NULL;
	size_t i;

	fx_base_open(&f, &b, true);
	other = fx_key(&f, 4); /* after the open, which clears the fixture */
	fx_admit(&f, other, "Other lab", "district", "South", "mass", "2020-01-01", "2030-12-31");
	compromised(&f, b.city, "2025-04-01", feed_len(&f, b.city), NULL);
	/* the thief registers a working standard, calibrates it with M1; another lab relies on it */
	fx_standard(&f, b.city, "W1", "mass", "working", false, FX_REL(20), NULL);
	fx_cal1(&f, b.city, "W1", true, "calibration", "M1", b.anchor, "2025-05-01", "2026-04-30", forged);
	fx_instrument(&f, other, "SCALE-3", "mass", "South", "Shop", NULL, NULL, FX_REL(1000));
	fx_cal1(&f, other, "SCALE-3", false, "calibration", "W1", forged, "2025-06-01", "2026-05-31", NULL);
	fx_expect(&f, "SCALE-3", "2025-07-01", CT_INVALID, CT_R_COMPROMISED_KEY);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_impact_of_key(&im, tr, ct_keypair_public(b.city)));
	assert_int_equal(im->count, 2);
	assert_int_equal(im->standards, 1);
	assert_int_equal(im->instruments, 1);
	for (i = 0; i < im->count; i++) {
		if (im->items[i].kind == CT_NS_STANDARD) {
			assert_string_equal(im->items[i].id, "W1");
			assert_int_equal(im->items[i].depth, 1);
			assert_memory_equal(im->items[i].calibration, forged, 32);
		} else {
			assert_string_equal(im->items[i].id, "SCALE-3");
			assert_int_equal(im->items[i].depth, 2);
			assert_string_equal(im->items[i].via, "W1");
		}
	}
	ct_impact_free(im);
	/* a key neither compromised nor closed: nothing */
	CT_OK_OR_FAIL(ct_impact_of_key(&im, tr, ct_keypair_public(other)));
	assert_int_equal(im->count, 0);
	ct_impact_free(im);
	ct_tracer_free(tr);
	ct_reader_end(r);
	fx_close(&f);
}

/* A rekey the bureau's own append would refuse still judges deterministically: a loop names one lab. */
static void test_rekey_loop(void **state)
{
	struct fx f;
	struct fx_base b;
	ct_keypair *city2 = open_rekeyed(&f, &b, NULL);
	uint8_t lab1[32], lab2[32];
	const uint8_t *k1 = ct_keypair_public(b.city), *k2 = ct_keypair_public(city2);
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;

	rekey(&f, city2, b.city, "2025-07-01", 100, NULL);
	fx_commit(&f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f.l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_tracer_lab_of(tr, k1, lab1));
	CT_OK_OR_FAIL(ct_tracer_lab_of(tr, k2, lab2));
	assert_memory_equal(lab1, lab2, 32);
	assert_memory_equal(lab1, memcmp(k1, k2, 32) < 0 ? k1 : k2, 32);
	ct_tracer_free(tr);
	ct_reader_end(r);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_key_is_the_same_lab),
	    cmocka_unit_test(test_lab_identity),
	    cmocka_unit_test(test_old_feed_closed),
	    cmocka_unit_test(test_revocation_follows_the_lab),
	    cmocka_unit_test(test_compromised_bound_not_times),
	    cmocka_unit_test(test_compromised_new_key_unaffected),
	    cmocka_unit_test(test_one_lab_in_coverage_and_due),
	    cmocka_unit_test(test_impact_of_key),
	    cmocka_unit_test(test_rekey_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
