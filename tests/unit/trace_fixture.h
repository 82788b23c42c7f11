/*
 * A small network in a temporary store, written event by event through the
 * C API, for the evaluator's scenario tests. Entries are built and ingested
 * directly (ct_entry_build + ct_batch_ingest), so a test can also write what
 * an honest node's own append would refuse (a wrong cal link, a revoke by
 * another lab): the evaluator must cope with whatever a peer sends.
 *
 * Include once per test file; every function is static.
 */
#ifndef CT_TRACE_FIXTURE_H
#define CT_TRACE_FIXTURE_H

#include <jansson.h>

#include "ct_test.h"

#include "caltrace/base/time.h"
#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/ledger.h"
#include "caltrace/eval/trace.h"

#define FX_MAX_KEYS 16
#define FX_API	    static __attribute__((unused)) /* not every test uses every helper */

struct fx {
	char *dir;
	ct_ledger *l;
	ct_batch *b; /* open batch, committed before any read */
	ct_keypair *bureau;
	ct_keypair *keys[FX_MAX_KEYS];
	uint64_t clock; /* entry time of the next event (ms); each event advances it by 1 ms */
	ct_buf log;	/* every entry written, concatenated, in order */
	size_t nentries;
};

struct fx_ref {
	const char *id;
	const uint8_t *cal;
};

FX_API uint64_t fx_ms(const char *date)
{
	uint64_t ms = 0;

	CT_OK_OR_FAIL(ct_time_parse(&ms, date));
	return ms;
}

/* Key pair n (2..), created on first use. */
FX_API ct_keypair *fx_key(struct fx *f, int n)
{
	assert_true(n >= 0 && n < FX_MAX_KEYS);
	if (!f->keys[n])
		assert_non_null(f->keys[n] = ct_test_keypair(n + 1));
	return f->keys[n];
}

FX_API void fx_commit(struct fx *f)
{
	if (f->b) {
		CT_OK_OR_FAIL(ct_batch_commit(f->b));
		f->b = NULL;
	}
}

/* Writes one event of type by kp, fields consumed; the entry's hash in out (may be NULL). */
FX_API void fx_event(struct fx *f, const ct_keypair *kp, const char *type, json_t *fields, uint8_t *out)
{
	ct_buf body = CT_BUF_INIT, raw = CT_BUF_INIT;
	ct_event_type t = ct_event_type_of(type, strlen(type));
	ct_ingest_result res = CT_INGEST_PENDING;
	ct_feed_head head;
	uint64_t seq = 1;
	int err;

	assert_non_null(fields);
	CT_OK_OR_FAIL(ct_body_from_json(&body, t, fields));
	json_decref(fields);
	if (!f->b)
		CT_OK_OR_FAIL(ct_batch_begin(&f->b, f->l));
	err = ct_read_head(&head, ct_batch_reader(f->b), ct_keypair_public(kp));
	if (err == 0)
		seq = head.size + 1;
	else
		assert_int_equal(err, CT_ENOTFOUND);
	CT_OK_OR_FAIL(
	    ct_entry_build(&raw, kp, seq, seq > 1 ? head.head : NULL, f->clock++, type, body.ptr, body.len));
	CT_OK_OR_FAIL(ct_batch_ingest(f->b, raw.ptr, raw.len, CT_INGEST_SIG_CHECKED, &res));
	assert_int_equal(res, CT_INGEST_APPENDED);
	if (out)
		ct_entry_hash(out, raw.ptr, raw.len);
	CT_OK_OR_FAIL(ct_buf_put(&f->log, raw.ptr, raw.len));
	f->nentries++;
	ct_buf_free(&body);
	ct_buf_free(&raw);
}

FX_API json_t *fx_hex(const uint8_t *b, size_t n)
{
	char hex[129];

	ct_hex(hex, b, n);
	return json_string(hex);
}

FX_API json_t *fx_list(const char *csv)
{
	json_t *a = json_array();
	const char *p = csv, *comma;

	while (p && *p) {
		comma = strchr(p, ',');
		json_array_append_new(a, json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
		p = comma ? comma + 1 : NULL;
	}
	return a;
}

#define FX_REL(ppm)	json_pack("{s:I}", "rel_ppm", (json_int_t)(ppm))
#define FX_ABS(v, unit) json_pack("{s:s, s:s}", "abs", (v), "unit", (unit))

/* A fresh store with the bureau's genesis (districts North, South, East). */
FX_API void fx_open_policy(struct fx *f, unsigned min_ratio, unsigned grace_days)
{
	memset(f, 0, sizeof(*f));
	assert_non_null(f->dir = ct_test_tmpdir());
	CT_OK_OR_FAIL(ct_ledger_open(&f->l, f->dir, NULL));
	f->bureau = fx_key(f, 0);
	f->clock = fx_ms("2020-01-01");
	fx_event(f, f->bureau, "network.genesis",
		 json_pack("{s:s, s:o, s:{s:I, s:I}}", "name", "Testcity", "districts",
			   fx_list("North,South,East"), "policy", "min_ratio", (json_int_t)min_ratio,
			   "grace_days", (json_int_t)grace_days),
		 NULL);
}

FX_API void fx_open(struct fx *f)
{
	fx_open_policy(f, 3, 0);
}

FX_API void fx_close(struct fx *f)
{
	int i;

	if (f->b)
		ct_batch_abort(f->b);
	ct_ledger_close(f->l);
	ct_test_rm_rf(f->dir);
	free(f->dir);
	for (i = 0; i < FX_MAX_KEYS; i++)
		ct_keypair_free(f->keys[i]);
	ct_buf_free(&f->log);
	memset(f, 0, sizeof(*f));
}

/* ---- the bureau ---- */

FX_API void fx_admit(struct fx *f, const ct_keypair *lab, const char *name, const char *tier,
		     const char *district, const char *scope, const char *from, const char *until)
{
	json_t *o = json_pack("{s:o, s:s, s:s, s:o, s:s, s:s}", "key",
			      fx_hex(ct_keypair_public(lab), CT_KEY_BYTES), "name", name, "tier", tier,
			      "scope", fx_list(scope), "valid_from", from, "valid_until", until);
	if (district)
		json_object_set_new(o, "district", json_string(district));
	fx_event(f, f->bureau, "org.admit", o, NULL);
}

FX_API void fx_revoke_org(struct fx *f, const ct_keypair *lab, const char *effective)
{
	fx_event(f, f->bureau, "org.revoke",
		 json_pack("{s:o, s:s, s:s}", "key", fx_hex(ct_keypair_public(lab), CT_KEY_BYTES),
			   "effective", effective, "reason", "test"),
		 NULL);
}

FX_API void fx_certify(struct fx *f, const char *person, const char *scope, const char *until)
{
	fx_event(f, f->bureau, "person.certify",
		 json_pack("{s:s, s:s, s:o, s:s}", "person", person, "name", "A. Metrologist", "scope",
			   fx_list(scope), "valid_until", until),
		 NULL);
}

FX_API void fx_catalogue(struct fx *f, const char *item, const char *mode, const char *domains,
			 const char *effective)
{
	fx_event(f, f->bureau, "catalogue.set",
		 json_pack("{s:s, s:s, s:s, s:I, s:o, s:s}", "item", item, "name", item, "mode", mode,
			   "interval_days", (json_int_t)365, "domains", fx_list(domains), "effective",
			   effective),
		 NULL);
}

FX_API void fx_approve(struct fx *f, const char *id, const char *from, const char *until)
{
	fx_event(f, f->bureau, "standard.approve",
		 json_pack("{s:s, s:s, s:s, s:s}", "id", id, "certificate", "EXAM-1", "valid_from", from,
			   "valid_until", until),
		 NULL);
}

FX_API void fx_anchor(struct fx *f, const char *id, const char *performed, const char *until, uint8_t *out)
{
	fx_event(f, f->bureau, "standard.anchor",
		 json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", id, "provider", "Provincial institute",
			   "certificate", "PROV-1", "performed_at", performed, "valid_until", until, "u",
			   FX_REL(1)),
		 out);
}

/* ---- labs ---- */

/* A standard of category with uncertainty u (consumed). */
FX_API void fx_standard(struct fx *f, const ct_keypair *lab, const char *id, const char *category,
			const char *level, bool is_public, json_t *u, uint8_t *out)
{
	fx_event(f, lab, "standard.register",
		 json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "id", id, "name", id, "category", category,
			   "level", level, "public", is_public, "u", u),
		 out);
}

FX_API void fx_oot(struct fx *f, const ct_keypair *lab, const char *id, const char *since)
{
	fx_event(
	    f, lab, "standard.out_of_tolerance",
	    json_pack("{s:s, s:s, s:s}", "id", id, "since", since, "reason", "found out at recalibration"),
	    NULL);
}

/* An instrument; catalogue and domain may be NULL; mpe consumed. */
FX_API void fx_instrument(struct fx *f, const ct_keypair *lab, const char *id, const char *category,
			  const char *district, const char *owner, const char *catalogue, const char *domain,
			  json_t *mpe)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "category", category, "district",
			      district, "owner", owner, "mpe", mpe);

	if (catalogue)
		json_object_set_new(o, "catalogue", json_string(catalogue));
	if (domain)
		json_object_set_new(o, "domain", json_string(domain));
	fx_event(f, lab, "instrument.register", o, NULL);
}

FX_API void fx_retire(struct fx *f, const ct_keypair *lab, const char *id, const char *effective)
{
	fx_event(f, lab, "instrument.retire", json_pack("{s:s, s:s}", "id", id, "effective", effective),
		 NULL);
}

/* A calibration of subject (a standard when std_subject) relying on refs; technician may be NULL. */
FX_API void fx_cal(struct fx *f, const ct_keypair *lab, const char *subject, bool std_subject,
		   const char *kind, const struct fx_ref *refs, size_t nrefs, const char *performed,
		   const char *until, const char *result, const char *technician, uint8_t *out)
{
	json_t *list = json_array(), *o;
	size_t i;

	for (i = 0; i < nrefs; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:o}", "id", refs[i].id, "cal", fx_hex(refs[i].cal, 32)));
	o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "subject", subject, "subject_kind",
		      std_subject ? "standard" : "instrument", "kind", kind, "standards", list,
		      "performed_at", performed, "valid_until", until, "result", result, "certificate",
		      "CERT");
	if (technician)
		json_object_set_new(o, "technician", json_string(technician));
	fx_event(f, lab, "calibration", o, out);
}

/* The common case: one standard, result pass, no technician. */
FX_API void fx_cal1(struct fx *f, const ct_keypair *lab, const char *subject, bool std_subject,
		    const char *kind, const char *std, const uint8_t *cal, const char *performed,
		    const char *until, uint8_t *out)
{
	struct fx_ref ref = {std, cal};

	fx_cal(f, lab, subject, std_subject, kind, &ref, 1, performed, until, "pass", NULL, out);
}

FX_API void fx_revoke_cal(struct fx *f, const ct_keypair *lab, const uint8_t *cal)
{
	fx_event(f, lab, "calibration.revoke",
		 json_pack("{s:o, s:s}", "entry", fx_hex(cal, 32), "reason", "typo"), NULL);
}

/* ---- questions ---- */

/* The verdict of id at date through the fast path; its reason mask in *mask (may be NULL). */
FX_API ct_verdict fx_verdict(struct fx *f, char ns, const char *id, const char *date, uint64_t *mask)
{
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_verdict v = CT_INVALID;
	uint64_t m = 0;

	fx_commit(f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_trace_verdict(tr, ns, id, strlen(id), fx_ms(date), &v, &m));
	ct_tracer_free(tr);
	ct_reader_end(r);
	if (mask)
		*mask = m;
	return v;
}

FX_API ct_trace_node *fx_trace(struct fx *f, char ns, const char *id, const char *date)
{
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_trace_node *tree = NULL;

	fx_commit(f);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_tracer_new(&tr, r));
	CT_OK_OR_FAIL(ct_trace(&tree, tr, ns, id, strlen(id), fx_ms(date)));
	ct_tracer_free(tr);
	ct_reader_end(r);
	return tree;
}

/* The first reason with code anywhere in the tree (depth first), or NULL. */
FX_API const ct_trace_reason *fx_find(const ct_trace_node *n, ct_reason code)
{
	const ct_trace_reason *r;
	size_t i;

	for (i = 0; i < n->nreasons; i++)
		if (n->reasons[i].code == code)
			return &n->reasons[i];
	for (i = 0; i < n->nchildren; i++)
		if ((r = fx_find(n->children[i], code)))
			return r;
	return NULL;
}

/* Every code in the tree as a mask. */
FX_API uint64_t fx_tree_mask(const ct_trace_node *n)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < n->nreasons; i++)
		m |= 1ULL << n->reasons[i].code;
	for (i = 0; i < n->nchildren; i++)
		m |= fx_tree_mask(n->children[i]);
	return m;
}

/*
 * Asserts that id (an instrument, or a standard when ns says so) is judged
 * want at date, by the fast path and the tree alike, and that the reason
 * code (unless -1) appears in the chain. Returns the tree's reason for it
 * (valid until the next call) for further checks, or NULL.
 */
FX_API const ct_trace_reason *fx_expect_ns(struct fx *f, char ns, const char *id, const char *date,
					   ct_verdict want, int code)
{
	static ct_trace_reason found;
	const ct_trace_reason *r = NULL;
	ct_trace_node *tree;
	uint64_t mask = 0;
	ct_verdict fast = fx_verdict(f, ns, id, date, &mask);

	tree = fx_trace(f, ns, id, date);
	if (fast != want || tree->verdict != want)
		fail_msg("%s at %s: expected %s, fast path says %s, tree says %s", id, date,
			 ct_verdict_name(want), ct_verdict_name(fast), ct_verdict_name(tree->verdict));
	if (mask != fx_tree_mask(tree))
		fail_msg("%s at %s: fast path reasons %llx differ from the tree's %llx", id, date,
			 (unsigned long long)mask, (unsigned long long)fx_tree_mask(tree));
	if (code >= 0) {
		if (!(r = fx_find(tree, (ct_reason)code)))
			fail_msg("%s at %s: no reason %s in the chain", id, date,
				 ct_reason_name((ct_reason)code));
		found = *r;
		r = &found;
	}
	ct_trace_free(tree);
	return r;
}

FX_API const ct_trace_reason *fx_expect(struct fx *f, const char *id, const char *date, ct_verdict want,
					int code)
{
	return fx_expect_ns(f, CT_NS_INSTRUMENT, id, date, want, code);
}

/* ---- the base network of the scenario tests ---- */

struct fx_base {
	ct_keypair *city;   /* key 1: the city institute */
	uint8_t anchor[32]; /* M1's anchor, 2025-01-10 .. 2026-01-09 */
	uint8_t ver[32];    /* SCALE-1's verification, 2025-03-01 .. 2026-02-28 */
};

/*
 * The city institute (tier city, district North, scope mass, pressure,
 * temperature, admitted 2020..2030); its municipal public mass standard M1
 * (u 2 ppm, approved 2024..2028, anchored by the province 2025-01-10 ..
 * 2026-01-09); the trade-scale catalogue item (mode V, domain trade); the
 * compulsory scale SCALE-1 (mass, North, MPE 1000 ppm) and its verification
 * with M1, performed 2025-03-01, valid until 2026-02-28, pass.
 * Without the verification when with_ver is false.
 */
FX_API void fx_base_init(struct fx *f, struct fx_base *b, bool with_ver)
{
	memset(b, 0, sizeof(*b));
	b->city = fx_key(f, 1);
	fx_admit(f, b->city, "City institute", "city", "North", "mass,pressure,temperature", "2020-01-01",
		 "2030-12-31");
	fx_catalogue(f, "scale-trade", "V", "trade", "2020-01-01");
	fx_standard(f, b->city, "M1", "mass", "municipal", true, FX_REL(2), NULL);
	fx_approve(f, "M1", "2024-01-01", "2028-12-31");
	fx_anchor(f, "M1", "2025-01-10", "2026-01-09", b->anchor);
	fx_instrument(f, b->city, "SCALE-1", "mass", "North", "Market", "scale-trade", "trade", FX_REL(1000));
	if (with_ver)
		fx_cal1(f, b->city, "SCALE-1", false, "verification", "M1", b->anchor, "2025-03-01",
			"2026-02-28", b->ver);
}

/* A fresh store with the default policy and the base network. */
FX_API void fx_base_open(struct fx *f, struct fx_base *b, bool with_ver)
{
	fx_open(f);
	fx_base_init(f, b, with_ver);
}

#endif
