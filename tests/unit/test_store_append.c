/*
 * Own appends: the relations an author checks against its store before
 * signing (docs/DESIGN.md section 5), and the domain indexes the entries feed.
 */
#include <sodium.h>

#include "ct_store_test.h"

/* Bureau (1), lab A (2), lab B (3) admitted; lab C (4) not. */
struct world {
	ct_keypair *bureau, *a, *b, *c;
	ts_store s;
	uint8_t anchor[32], reg_ia[32], cal_a[32], reg_sa[32];
};

static void world_setup(struct world *w)
{
	w->bureau = ct_test_keypair(1);
	w->a = ct_test_keypair(2);
	w->b = ct_test_keypair(3);
	w->c = ct_test_keypair(4);
	ts_open(&w->s, NULL);
	ts_append_ok(w->s.l, w->bureau, ts_day(0), NULL, "network.genesis",
		     "{'name':'C','districts':['n'],'policy':{'min_ratio':3}}");
	ts_append_ok(w->s.l, w->bureau, ts_day(0), NULL, "org.admit",
		     "{'key':'%s','name':'A','tier':'city','scope':['mass'],'valid_from':0,'valid_until':'"
		     "2030-01-01'}",
		     ts_key(w->a));
	ts_append_ok(w->s.l, w->bureau, ts_day(0), NULL, "org.admit",
		     "{'key':'%s','name':'B','tier':'district','scope':['mass'],'valid_from':'2026-01-02',"
		     "'valid_until':'2030-01-01'}",
		     ts_key(w->b));
	ts_append_ok(w->s.l, w->a, ts_day(1), w->reg_sa, "standard.register",
		     "{'id':'S-A','name':'weights','category':'mass','level':'municipal','public':true,"
		     "'u':{'rel_ppm':2}}");
	ts_append_ok(
	    w->s.l, w->bureau, ts_day(2), w->anchor, "standard.anchor",
	    "{'id':'S-A','provider':'P','certificate':'c','performed_at':%llu,'valid_until':'2028-01-01',"
	    "'u':{'rel_ppm':1}}",
	    (unsigned long long)ts_day(2));
	ts_append_ok(w->s.l, w->a, ts_day(3), w->reg_ia, "instrument.register",
		     "{'id':'I-A','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':100}}");
	ts_append_ok(w->s.l, w->a, ts_day(4), w->cal_a, "calibration",
		     "{'subject':'I-A','subject_kind':'instrument','kind':'verification',"
		     "'standards':[{'id':'S-A','cal':'%s'}],'performed_at':%llu,'valid_until':'2027-01-01',"
		     "'result':'pass','certificate':'V-1'}",
		     ts_hex(w->anchor), (unsigned long long)ts_day(4));
	ts_append_ok(w->s.l, w->b, ts_day(5), NULL, "standard.register",
		     "{'id':'S-B','name':'weights','category':'mass','level':'working','public':false,"
		     "'u':{'rel_ppm':20}}");
	ts_append_ok(w->s.l, w->b, ts_day(5), NULL, "instrument.register",
		     "{'id':'I-B','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':100}}");
}

static void world_teardown(struct world *w)
{
	ts_close(&w->s);
	ct_keypair_free(w->bureau);
	ct_keypair_free(w->a);
	ct_keypair_free(w->b);
	ct_keypair_free(w->c);
}

/* A calibration body of I-B by lab B relying on standard std with link cal. */
#define CAL_IB                                                                                               \
	"{'subject':'%s','subject_kind':'%s','kind':'calibration','standards':[{'id':'%s','cal':'%s'}],"     \
	"'performed_at':%llu,'valid_until':'2027-01-01','result':'pass','certificate':'K-1'}"

/* Runs one refused append and checks that the store is unchanged. */
#define REFUSED(want, rule, kp, type, ...)                                                                   \
	do {                                                                                                 \
		ts_state before__, after__;                                                                  \
		ts_state_read(w.s.l, &before__);                                                             \
		assert_int_equal(ts_append(w.s.l, (kp), ts_day(9), NULL, (type), __VA_ARGS__), (want));      \
		TS_DETAIL_HAS(rule);                                                                         \
		ts_state_read(w.s.l, &after__);                                                              \
		ts_state_equal(&before__, &after__);                                                         \
		ts_state_free(&before__);                                                                    \
		ts_state_free(&after__);                                                                     \
	} while (0)

static void test_relations(void **state)
{
	struct world w;
	uint8_t random_hash[32];
	unsigned long long t = (unsigned long long)ts_day(9);

	world_setup(&w);
	memset(random_hash, 0x5a, sizeof(random_hash));
	/* out of tolerance of another lab's standard */
	REFUSED(CT_EAUTH, "another lab", w.b, "standard.out_of_tolerance",
		"{'id':'S-A','since':0,'reason':'r'}");
	REFUSED(CT_ENOTFOUND, "not registered", w.b, "standard.out_of_tolerance",
		"{'id':'S-none','since':0,'reason':'r'}");
	/* revoking another lab's calibration, a non-calibration, an unknown entry */
	REFUSED(CT_EAUTH, "only the calibration's author", w.b, "calibration.revoke",
		"{'entry':'%s','reason':'r'}", ts_hex(w.cal_a));
	REFUSED(CT_EINVAL, "not a calibration", w.a, "calibration.revoke", "{'entry':'%s','reason':'r'}",
		ts_hex(w.anchor));
	REFUSED(CT_ENOTFOUND, "no entry with hash", w.a, "calibration.revoke", "{'entry':'%s','reason':'r'}",
		ts_hex(random_hash));
	/* retiring another lab's instrument */
	REFUSED(CT_EAUTH, "another lab", w.b, "instrument.retire", "{'id':'I-A','effective':0}");
	/* calibrations: unregistered standard, bad cal links, unregistered subject */
	REFUSED(CT_EINVAL, "standards[0]", w.b, "calibration", CAL_IB, "I-B", "instrument", "S-none",
		ts_hex(w.anchor), t);
	REFUSED(CT_EINVAL, "cal link", w.b, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		ts_hex(w.reg_ia), t);
	REFUSED(CT_EINVAL, "cal link", w.b, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		ts_hex(w.cal_a), t);
	REFUSED(CT_EINVAL, "cal link", w.b, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		ts_hex(w.reg_sa), t);
	REFUSED(CT_EINVAL, "cal link", w.b, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		ts_hex(random_hash), t);
	REFUSED(CT_EINVAL, "cal link", w.b, "calibration", CAL_IB, "I-B", "instrument", "S-B",
		ts_hex(w.anchor), t);
	REFUSED(CT_ENOTFOUND, "not registered", w.b, "calibration", CAL_IB, "I-Z", "instrument", "S-A",
		ts_hex(w.anchor), t);
	REFUSED(CT_ENOTFOUND, "not registered", w.b, "calibration", CAL_IB, "I-B", "standard", "S-A",
		ts_hex(w.anchor), t);
	/* the bureau approves only registered standards */
	REFUSED(CT_ENOTFOUND, "not registered", w.bureau, "standard.approve",
		"{'id':'S-none','certificate':'c','valid_from':0,'valid_until':1}");
	/* authority on the append path */
	REFUSED(CT_EAUTH, "only the bureau", w.a, "catalogue.set",
		"{'item':'x','name':'x','mode':'V','interval_days':1,'domains':['trade'],'effective':0}");
	REFUSED(CT_EAUTH, "only the bureau", w.a, "org.revoke", "{'key':'%s','effective':0,'reason':'r'}",
		ts_key(w.b));
	REFUSED(CT_EAUTH, "not admitted", w.c, "instrument.register",
		"{'id':'I-C','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':1}}");
	/* a body breaking its schema never reaches the store */
	REFUSED(CT_ESCHEMA, "result", w.b, "calibration",
		"{'subject':'I-B','subject_kind':'instrument','kind':'calibration','standards':[{'id':'S-A','"
		"cal':'%s'}],"
		"'performed_at':0,'valid_until':1,'result':'maybe','certificate':'K'}",
		ts_hex(w.anchor));

	/* what is allowed: another lab's standard with a right link, one's own revoke, OOT, retire */
	ts_append_ok(w.s.l, w.b, ts_day(9), NULL, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		     ts_hex(w.anchor), t);
	ts_append_ok(w.s.l, w.a, ts_day(9), NULL, "calibration.revoke", "{'entry':'%s','reason':'r'}",
		     ts_hex(w.cal_a));
	ts_append_ok(w.s.l, w.a, ts_day(9), NULL, "standard.out_of_tolerance",
		     "{'id':'S-A','since':0,'reason':'r'}");
	ts_append_ok(w.s.l, w.a, ts_day(9), NULL, "instrument.retire", "{'id':'I-A','effective':0}");
	CT_OK_OR_FAIL(ts_check(w.s.l, NULL));
	world_teardown(&w);
}

/* Collects rows. */
struct rows {
	size_t n;
	ct_index_row row[32];
	size_t stop_after; /* 0: never stop */
};

static int collect(void *ctx, const ct_index_row *row)
{
	struct rows *r = ctx;

	assert_true(r->n < 32);
	r->row[r->n++] = *row;
	return r->stop_after && r->n >= r->stop_after ? 1 : 0;
}

static int fail_cb(void *ctx, const ct_index_row *row)
{
	return CT_ECORRUPT;
}

struct ids {
	size_t n;
	char id[16][32];
};

static int collect_id(void *ctx, const char *id, size_t len)
{
	struct ids *s = ctx;

	assert_true(s->n < 16 && len < 32);
	memcpy(s->id[s->n], id, len);
	s->id[s->n++][len] = '\0';
	return 0;
}

static void assert_row(const ct_index_row *row, char kind, uint64_t time, const uint8_t hash[32])
{
	assert_int_equal(row->kind, kind);
	assert_int_equal(row->time, time);
	assert_memory_equal(row->hash, hash, 32);
}

/*
 * The bureau admits only keys that are points of the prime-order subgroup
 * (docs/FORMAT.md section 3): a key plus the point of order 2, the
 * identity, 32 bytes that are no point, are refused at append naming the
 * field. A replica still ingests such an admission signed elsewhere
 * (docs/DECISIONS.md: refusing it there would freeze the bureau's feed).
 */
static void test_admit_key(void **state)
{
	static const char admit[] = "{'key':'%s','name':'X','tier':'city','scope':['mass'],'valid_from':0,"
				    "'valid_until':'2030-01-01'}";
	uint8_t T[32], mixed[32], identity[32] = {1}, junk[32], head[32];
	ct_keypair *d = ct_test_keypair(5);
	ct_ingest_result res;
	struct world w;
	ct_buf raw = CT_BUF_INIT;
	uint64_t size;

	(void)state;
	world_setup(&w);
	memset(T, 0xff, 32); /* (0, -1), of order 2 */
	T[0] = 0xec;
	T[31] = 0x7f;
	assert_int_equal(crypto_core_ed25519_add(mixed, ct_keypair_public(d), T), 0);
	REFUSED(CT_ESCHEMA, "org.admit: field key", w.bureau, "org.admit", admit, ts_hex(mixed));
	TS_DETAIL_HAS("prime-order");
	REFUSED(CT_ESCHEMA, "org.admit: field key", w.bureau, "org.admit", admit, ts_hex(identity));
	memset(junk, 0, 32); /* the first y = 2, 3, ... that gives no point of the curve */
	for (junk[0] = 2; crypto_core_ed25519_add(head, junk, identity) == 0; junk[0]++)
		;
	REFUSED(CT_ESCHEMA, "org.admit: field key", w.bureau, "org.admit", admit, ts_hex(junk));
	ts_append_ok(w.s.l, w.bureau, ts_day(9), NULL, "org.admit", admit, ts_key(d));

	/* the same refused admission, signed by the bureau's key elsewhere, is ingested */
	ts_head(w.s.l, ct_keypair_public(w.bureau), &size, head);
	ts_sign(&raw, w.bureau, size + 1, head, ts_day(10), "org.admit", admit, ts_hex(mixed));
	assert_int_equal(ts_ingest(w.s.l, raw.ptr, raw.len, &res), 0);
	assert_int_equal(res, CT_INGEST_APPENDED);
	ct_buf_free(&raw);
	ct_keypair_free(d);
	world_teardown(&w);
}

static void test_subject_rows(void **state)
{
	struct world w;
	struct rows rows;
	struct ids ids;
	uint8_t retire[32], approve[32], oot[32], reg_x[32], reg_xs[32], cal_s[32];
	ct_reader *r = NULL;

	world_setup(&w);
	ts_append_ok(w.s.l, w.a, ts_day(20), retire, "instrument.retire", "{'id':'I-A','effective':%llu}",
		     (unsigned long long)ts_day(25));
	ts_append_ok(w.s.l, w.bureau, ts_day(21), approve, "standard.approve",
		     "{'id':'S-A','certificate':'c','valid_from':%llu,'valid_until':'2030-01-01'}",
		     (unsigned long long)ts_day(1));
	ts_append_ok(w.s.l, w.a, ts_day(22), oot, "standard.out_of_tolerance",
		     "{'id':'S-A','since':%llu,'reason':'r'}", (unsigned long long)ts_day(15));
	ts_append_ok(w.s.l, w.b, ts_day(23), cal_s, "calibration",
		     "{'subject':'S-A','subject_kind':'standard','kind':'comparison','standards':[{'id':'S-A'"
		     ",'cal':'%s'}],"
		     "'performed_at':%llu,'valid_until':'2027-01-01','result':'limited','certificate':'K-2'}",
		     ts_hex(w.anchor), (unsigned long long)ts_day(23));
	/* one id string in both namespaces */
	ts_append_ok(w.s.l, w.b, ts_day(24), reg_x, "instrument.register",
		     "{'id':'X-1','category':'mass','district':'n','owner':'o','mpe':{'rel_ppm':100}}");
	ts_append_ok(
	    w.s.l, w.b, ts_day(24), reg_xs, "standard.register",
	    "{'id':'X-1','name':'w','category':'mass','level':'working','public':false,'u':{'rel_ppm':9}}");
	CT_OK_OR_FAIL(ct_reader_begin(&r, w.s.l));

	/* instrument I-A: cal (performed_at), register (entry time), retire (effective), by kind */
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_INSTRUMENT, "I-A", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 3);
	assert_row(&rows.row[0], CT_ROW_CAL, ts_day(4), w.cal_a);
	assert_row(&rows.row[1], CT_ROW_REGISTER, ts_day(3), w.reg_ia);
	assert_row(&rows.row[2], CT_ROW_RETIRE, ts_day(25), retire);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_INSTRUMENT, "I-A", 3, CT_ROW_RETIRE, collect, &rows));
	assert_int_equal(rows.n, 1);
	assert_row(&rows.row[0], CT_ROW_RETIRE, ts_day(25), retire);
	/* standard S-A: cal as subject, anchor, oot, approve, register */
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_STANDARD, "S-A", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 5);
	assert_row(&rows.row[0], CT_ROW_CAL, ts_day(23), cal_s);
	assert_row(&rows.row[1], CT_ROW_ANCHOR, ts_day(2), w.anchor);
	assert_row(&rows.row[2], CT_ROW_OOT, ts_day(15), oot);
	assert_row(&rows.row[3], CT_ROW_APPROVE, ts_day(1), approve);
	assert_row(&rows.row[4], CT_ROW_REGISTER, ts_day(1), w.reg_sa);
	/* an early stop, and a callback's error passed up */
	memset(&rows, 0, sizeof(rows));
	rows.stop_after = 2;
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_STANDARD, "S-A", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 2);
	assert_int_equal(ct_read_subject_rows(r, CT_NS_STANDARD, "S-A", 3, 0, fail_cb, NULL), CT_ECORRUPT);
	/* namespaces are apart; unknown ids have no rows */
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_INSTRUMENT, "X-1", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 1);
	assert_row(&rows.row[0], CT_ROW_REGISTER, ts_day(24), reg_x);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_STANDARD, "X-1", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 1);
	assert_row(&rows.row[0], CT_ROW_REGISTER, ts_day(24), reg_xs);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_subject_rows(r, CT_NS_INSTRUMENT, "I-", 2, 0, collect, &rows));
	assert_int_equal(rows.n, 0);
	/* ids, sorted bytewise, per namespace */
	memset(&ids, 0, sizeof(ids));
	CT_OK_OR_FAIL(ct_read_ids(r, CT_NS_INSTRUMENT, collect_id, &ids));
	assert_int_equal(ids.n, 3);
	assert_string_equal(ids.id[0], "I-A");
	assert_string_equal(ids.id[1], "I-B");
	assert_string_equal(ids.id[2], "X-1");
	memset(&ids, 0, sizeof(ids));
	CT_OK_OR_FAIL(ct_read_ids(r, CT_NS_STANDARD, collect_id, &ids));
	assert_int_equal(ids.n, 3);
	assert_string_equal(ids.id[0], "S-A");
	assert_string_equal(ids.id[1], "S-B");
	assert_string_equal(ids.id[2], "X-1");
	ct_reader_end(r);
	world_teardown(&w);
}

static void test_org_person_catalogue_uses_revocations(void **state)
{
	struct world w;
	struct rows rows;
	uint8_t adm_b[32], rev_b[32], p1[32], p2[32], c1[32], c2[32], u1[32], u2[32], rv[32];
	ct_reader *r = NULL;
	ct_entry e;

	world_setup(&w);
	CT_OK_OR_FAIL(ct_reader_begin(&r, w.s.l));
	CT_OK_OR_FAIL(ct_read_entry(&e, r, ct_keypair_public(w.bureau), 3));
	ct_entry_hash(adm_b, e.raw, e.raw_len);
	ct_reader_end(r);
	ts_append_ok(w.s.l, w.bureau, ts_day(30), rev_b, "org.revoke",
		     "{'key':'%s','effective':%llu,'reason':'r'}", ts_key(w.b),
		     (unsigned long long)ts_day(40));
	ts_append_ok(w.s.l, w.bureau, ts_day(31), p1, "person.certify",
		     "{'person':'P-1','name':'Li','scope':['mass'],'valid_until':'2029-01-01'}");
	ts_append_ok(w.s.l, w.bureau, ts_day(32), p2, "person.certify",
		     "{'person':'P-1','name':'Li','scope':['mass','pressure'],'valid_until':'2030-01-01'}");
	ts_append_ok(w.s.l, w.bureau, ts_day(33), c2, "catalogue.set",
		     "{'item':'scale','name':'s','mode':'P+V','interval_days':180,'domains':['trade'],'"
		     "effective':%llu}",
		     (unsigned long long)ts_day(60));
	ts_append_ok(
	    w.s.l, w.bureau, ts_day(34), c1, "catalogue.set",
	    "{'item':'scale','name':'s','mode':'V','interval_days':365,'domains':['trade'],'effective':%llu}",
	    (unsigned long long)ts_day(50));
	/* two more uses of S-A: performed on days 36 and 12 */
	ts_append_ok(w.s.l, w.b, ts_day(36), u2, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		     ts_hex(w.anchor), (unsigned long long)ts_day(36));
	ts_append_ok(w.s.l, w.b, ts_day(37), u1, "calibration", CAL_IB, "I-B", "instrument", "S-A",
		     ts_hex(w.anchor), (unsigned long long)ts_day(12));
	ts_append_ok(w.s.l, w.a, ts_day(38), rv, "calibration.revoke", "{'entry':'%s','reason':'typo'}",
		     ts_hex(w.cal_a));
	CT_OK_OR_FAIL(ct_reader_begin(&r, w.s.l));
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_org_rows(r, ct_keypair_public(w.b), collect, &rows));
	assert_int_equal(rows.n, 2);
	assert_row(&rows.row[0], CT_ROW_ADMIT, ts_day(1), adm_b);   /* valid_from */
	assert_row(&rows.row[1], CT_ROW_REVOKE, ts_day(40), rev_b); /* effective */
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_org_rows(r, ct_keypair_public(w.c), collect, &rows));
	assert_int_equal(rows.n, 0);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_person_rows(r, "P-1", 3, collect, &rows));
	assert_int_equal(rows.n, 2);
	assert_row(&rows.row[0], 0, ts_day(31), p1);
	assert_row(&rows.row[1], 0, ts_day(32), p2);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_catalogue_rows(r, "scale", 5, collect, &rows));
	assert_int_equal(rows.n, 2);
	assert_row(&rows.row[0], 0, ts_day(50), c1); /* by effective, not by entry order */
	assert_row(&rows.row[1], 0, ts_day(60), c2);
	/* uses of S-A by performed_at: the setup's (day 4), day 12, day 36; since filters */
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_standard_uses(r, "S-A", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 3);
	assert_row(&rows.row[0], 0, ts_day(4), w.cal_a);
	assert_row(&rows.row[1], 0, ts_day(12), u1);
	assert_row(&rows.row[2], 0, ts_day(36), u2);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_standard_uses(r, "S-A", 3, ts_day(12), collect, &rows));
	assert_int_equal(rows.n, 2);
	assert_row(&rows.row[0], 0, ts_day(12), u1);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_standard_uses(r, "S-B", 3, 0, collect, &rows));
	assert_int_equal(rows.n, 0);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_revocations(r, w.cal_a, collect, &rows));
	assert_int_equal(rows.n, 1);
	assert_row(&rows.row[0], 0, ts_day(38), rv);
	memset(&rows, 0, sizeof(rows));
	CT_OK_OR_FAIL(ct_read_revocations(r, u1, collect, &rows));
	assert_int_equal(rows.n, 0);
	ct_reader_end(r);
	world_teardown(&w);
}

static void assert_link(ct_ledger *l, int day, int want, const uint8_t *hash)
{
	uint8_t got[32];
	ct_reader *r = NULL;
	int err;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	err = ct_read_standard_link(got, r, "S-L", 3, ts_day(day));
	ct_reader_end(r);
	if (err != want)
		fail_msg("link at day %d: %d (%s), wanted %d", day, err, ct_error_last(), want);
	if (want == 0 && memcmp(got, hash, 32) != 0)
		fail_msg("link at day %d: %s, wanted %s", day, ts_hex(got), ts_hex(hash));
}

/* A calibration of S-L as subject by lab A, relying on S-A's anchor. */
static void cal_of_sl(struct world *w, const ct_keypair *kp, int day, const char *result, uint8_t hash[32])
{
	ts_append_ok(w->s.l, kp, ts_day(day), hash, "calibration",
		     "{'subject':'S-L','subject_kind':'standard','kind':'calibration','standards':[{'id':'S-"
		     "A','cal':'%s'}],"
		     "'performed_at':%llu,'valid_until':'2029-01-01','result':'%s','certificate':'L-%d'}",
		     ts_hex(w->anchor), (unsigned long long)ts_day(day), result, day);
}

static void test_standard_link(void **state)
{
	struct world w;
	uint8_t anchor10[32], c20[32], c30[32], c40[32], anchor50[32], c60[32], c70[32], b_head[32];
	ct_buf foreign = CT_BUF_INIT;
	ct_ingest_result res;
	uint64_t b_size;

	world_setup(&w);
	ts_append_ok(
	    w.s.l, w.a, ts_day(5), NULL, "standard.register",
	    "{'id':'S-L','name':'w','category':'mass','level':'district','public':false,'u':{'rel_ppm':5}}");
	ts_append_ok(
	    w.s.l, w.bureau, ts_day(6), anchor10, "standard.anchor",
	    "{'id':'S-L','provider':'P','certificate':'c','performed_at':%llu,'valid_until':'2029-01-01',"
	    "'u':{'rel_ppm':1}}",
	    (unsigned long long)ts_day(10));
	cal_of_sl(&w, w.a, 20, "pass", c20);
	cal_of_sl(&w, w.a, 30, "fail", c30);
	cal_of_sl(&w, w.a, 40, "limited", c40);
	ts_append_ok(
	    w.s.l, w.bureau, ts_day(50), anchor50, "standard.anchor",
	    "{'id':'S-L','provider':'P','certificate':'c2','performed_at':%llu,'valid_until':'2029-01-01',"
	    "'u':{'rel_ppm':1}}",
	    (unsigned long long)ts_day(50));
	cal_of_sl(&w, w.a, 60, "pass", c60);
	cal_of_sl(&w, w.a, 70, "pass", c70);
	/* its author revokes the day-70 calibration; lab B's revoke of day 60 counts for nothing */
	ts_append_ok(w.s.l, w.a, ts_day(71), NULL, "calibration.revoke", "{'entry':'%s','reason':'r'}",
		     ts_hex(c70));
	/* (the append path refuses lab B's revoke; a peer may still send one, signed by B) */
	ts_head(w.s.l, ct_keypair_public(w.b), &b_size, b_head);
	ts_sign(&foreign, w.b, b_size + 1, b_head, ts_day(72), "calibration.revoke",
		"{'entry':'%s','reason':'r'}", ts_hex(c60));
	CT_OK_OR_FAIL(ts_ingest(w.s.l, foreign.ptr, foreign.len, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	ct_buf_free(&foreign);
	assert_link(w.s.l, 9, CT_ENOTFOUND, NULL);
	TS_DETAIL_HAS("S-L");
	assert_link(w.s.l, 10, 0, anchor10); /* at the very time */
	assert_link(w.s.l, 19, 0, anchor10);
	assert_link(w.s.l, 20, 0, c20);
	assert_link(w.s.l, 35, 0, c20);	     /* the failed day-30 calibration is skipped */
	assert_link(w.s.l, 45, 0, c40);	     /* limited counts */
	assert_link(w.s.l, 55, 0, anchor50); /* an anchor after a calibration */
	assert_link(w.s.l, 65, 0, c60);
	assert_link(w.s.l, 80, 0, c60); /* the revoked day-70 calibration is skipped */
	(void)c30;
	world_teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_relations),
	    cmocka_unit_test(test_admit_key),
	    cmocka_unit_test(test_subject_rows),
	    cmocka_unit_test(test_org_person_catalogue_uses_revocations),
	    cmocka_unit_test(test_standard_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
