/*
 * The demo city's ground truth: what the generator knows it built, judged
 * by the rules of docs/VERDICTS.md at the report date, independently of
 * the evaluator (core/eval/trace_*.c), from the generator's own model. Only the
 * structures the generator makes are covered (no revoked calibrations, no
 * forks, no conflicting registrations), and every one is judged by the
 * documented rule: the latest calibration, its expiry, the lab's admission,
 * revocation, scope and tier, the kind of calibration a compulsory
 * instrument needs, the technician, and down the chain each standard's
 * approval, the calibration it relied on (gap, expired), its own chain,
 * the accuracy ratio and the out-of-tolerance window.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/json.h"
#include "gen.h"
#include "truth.h"

/* The reason codes of docs/VERDICTS.md the demo city can show, in the evaluator's order. */
static const char *const reason_names[R__COUNT] = {
    "expired",
    "failed",
    "no-calibration",
    "lab-not-admitted",
    "lab-revoked",
    "lab-out-of-scope",
    "lab-tier",
    "verification-required",
    "technician-unqualified",
    "standard-not-approved",
    "standard-not-traceable",
    "ratio",
    "incomparable",
    "gap",
    "out-of-tolerance",
};

static const char *const special_names[SP__COUNT] = {
    "none",
    "overdue",
    "unverified",
    "lapsed-standard",
    "out-of-tolerance",
    "revoked-lab",
    "out-of-scope",
    "calibration-not-verification",
};

const char *ct__truth_reason_name(int r)
{
	return r >= 0 && r < R__COUNT ? reason_names[r] : NULL;
}

#define BIT(r)	     (UINT64_C(1) << (r))
#define INVALID_BITS (~(BIT(R_OOT) | BIT(R_INCOMPARABLE)))

static int verdict_of(uint64_t reasons)
{
	return reasons & INVALID_BITS ? V_INVALID : reasons & BIT(R_OOT) ? V_SUSPECT : V_VALID;
}

/* Admissions: every lab from 30 days before the five years; the transport lab revoked, then re-admitted. */
static uint64_t lab_at(const struct gen *g, int lab, int64_t t, int category, bool compulsory, int kind)
{
	int64_t from = (int64_t)(g->sd - 30) * DAY_MS, until = (int64_t)(g->rd + 1095) * DAY_MS;
	int64_t governing_from = from;
	uint64_t reasons = 0;
	enum ct_demo_tier tier = ct_demo_labs[lab].tier;

	if (lab == LAB_BUREAU)
		return 0;
	if (t < from || t > until)
		return BIT(R_LAB_NOT_ADMITTED);
	if (lab == LAB_TRANSPORT && t >= g->revoke_to)
		governing_from = g->revoke_to; /* the re-admission governs from its valid_from */
	if (lab == LAB_TRANSPORT && g->revoke_from <= t && g->revoke_from >= governing_from)
		reasons |= BIT(R_LAB_REVOKED);
	if (!ct__gen_in_scope(lab, ct__demo_categories[category].name))
		reasons |= BIT(R_LAB_SCOPE);
	if (compulsory && tier != CT_DEMO_TIER_CITY && tier != CT_DEMO_TIER_DISTRICT &&
	    tier != CT_DEMO_TIER_AUTHORIZED)
		reasons |= BIT(R_LAB_TIER);
	if (compulsory && kind != K_VERIFICATION)
		reasons |= BIT(R_VREQ);
	return reasons;
}

static bool scope_has(const char *scope, const char *category)
{
	size_t n = strlen(category);

	for (const char *p = scope; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
		if (strncmp(p, category, n) == 0 && (p[n] == ';' || p[n] == '\0'))
			return true;
	return false;
}

/* Certifications count from their entry (30 days before the five years) to two years after the report. */
static uint64_t technician_at(const struct gen *g, const struct cal *c, int category)
{
	int64_t from = (int64_t)(g->sd - 30) * DAY_MS + 11 * HOUR_MS, until = (int64_t)(g->rd + 730) * DAY_MS;
	const struct person *p;

	if (c->tech < 0 || c->lab == LAB_BUREAU)
		return 0;
	p = &g->people[c->lab][c->tech];
	if (c->at < from || c->at > until || !scope_has(p->scope, ct__demo_categories[category].name))
		return BIT(R_TECH);
	return 0;
}

/* u(S) x min_ratio (3) against what it calibrated, in integers. */
static uint64_t ratio(struct qty u, struct qty against)
{
	if ((u.unit == NULL) != (against.unit == NULL) || (u.unit && strcmp(u.unit, against.unit) != 0))
		return BIT(R_INCOMPARABLE);
	return u.v * 3 > against.v ? BIT(R_RATIO) : 0;
}

/* The link import-records resolves: the latest passing calibration or anchor performed at or before t. */
static const struct cal *link_at(const struct standard *s, int64_t t)
{
	const struct cal *best = NULL;

	for (int i = 0; i < s->ncals; i++)
		if (s->cals[i].pass && s->cals[i].at <= t && (!best || s->cals[i].at >= best->at))
			best = &s->cals[i];
	return best;
}

/* The standard used at u to calibrate something of quantity against: the reasons its node and chain show. */
static uint64_t standard_at(const struct gen *g, int std, int64_t u, struct qty against)
{
	const struct standard *s = &g->stds[std];
	const struct cal *link = link_at(s, u);
	uint64_t reasons = 0, below;
	bool approved = false, other_valid = false;
	int i;

	for (i = 0; i < APPROVALS && s->is_public; i++)
		approved |= ct__gen_approval_from(g, i) <= u && u <= ct__gen_approval_until(g, i);
	if (s->is_public && !approved)
		reasons |= BIT(R_NOT_APPROVED);
	if (!link)
		return reasons | BIT(R_NO_CAL);
	if (link->kind != K_ANCHOR) {
		below = lab_at(g, link->lab, link->at, s->cat, false, link->kind) |
			technician_at(g, link, s->cat) | standard_at(g, link->std, link->at, s->u);
		if (below & INVALID_BITS)
			below |= BIT(R_NOT_TRACEABLE);
		reasons |= below;
	}
	if (u > link->until) {
		for (i = 0; i < s->ncals; i++)
			other_valid |= s->cals[i].pass && s->cals[i].at <= u && u <= s->cals[i].until;
		reasons |= other_valid ? BIT(R_EXPIRED) : BIT(R_GAP);
	}
	reasons |= ratio(s->u, against);
	if (s->oot_since && u >= s->oot_since) {
		int64_t close = INT64_MAX;
		for (i = 0; i < s->ncals; i++)
			if (s->cals[i].pass && s->cals[i].at > s->oot_since && s->cals[i].at < close)
				close = s->cals[i].at;
		if (u < close)
			reasons |= BIT(R_OOT);
	}
	return reasons;
}

bool ct__truth_compulsory(const struct inst *in)
{
	return ct__demo_kinds[in->kind].item >=
	       0; /* every item of the demo catalogue is mode V for its domain */
}

bool ct__truth_counted(const struct gen *g, const struct inst *in)
{
	int64_t from = in->reg_at;

	if (in->ncals && in->cals[0].at < from)
		from = in->cals[0].at;
	return from <= g->R && !(in->retire_at && in->retire_at <= g->R);
}

int ct__truth_instrument(const struct gen *g, const struct inst *in, uint64_t *reasons)
{
	const struct kind *kd = &ct__demo_kinds[in->kind];
	const struct cal *c = NULL;
	int i;

	*reasons = 0;
	for (i = 0; i < in->ncals; i++)
		if (in->cals[i].at <= g->R && (!c || in->cals[i].at >= c->at))
			c = &in->cals[i];
	if (!c) {
		*reasons = BIT(R_NO_CAL);
		return V_INVALID;
	}
	if (!c->pass)
		*reasons |= BIT(R_FAILED);
	if (g->R > c->until)
		*reasons |= BIT(R_EXPIRED);
	*reasons |= lab_at(g, c->lab, c->at, kd->cat, ct__truth_compulsory(in), c->kind);
	*reasons |= technician_at(g, c, kd->cat);
	*reasons |= standard_at(g, c->std, c->at, kd->mpe);
	return verdict_of(*reasons);
}

/* ---- the aggregate and truth.json ---- */

static void count(struct truth_counts *t, bool compulsory, int verdict, uint64_t reasons)
{
	t->registered++;
	t->verdicts[verdict]++;
	if (compulsory) {
		t->compulsory++;
		t->compulsory_verdicts[verdict]++;
	}
	for (int r = 0; r < R__COUNT; r++)
		if (reasons & BIT(r))
			t->reasons[r]++;
}

int ct__truth_add(struct truth *t, const struct gen *g, const struct inst *in)
{
	uint64_t reasons;
	int verdict;
	struct truth_broken *b;

	if (!ct__truth_counted(g, in))
		return 0;
	verdict = ct__truth_instrument(g, in, &reasons);
	count(&t->total, ct__truth_compulsory(in), verdict, reasons);
	count(&t->district[in->district], ct__truth_compulsory(in), verdict, reasons);
	if (verdict == V_VALID) {
		if (!t->chain_example[0] && in->kind == 4 /* trade scale */ && in->district == D_SHIZHONG)
			snprintf(t->chain_example, sizeof(t->chain_example), "%s", in->id);
		return 0;
	}
	if (t->nbroken == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		void *p = realloc(t->broken, cap * sizeof(*t->broken));
		if (!p)
			return -1;
		t->broken = p;
		t->cap = cap;
	}
	b = &t->broken[t->nbroken++];
	snprintf(b->id, sizeof(b->id), "%s", in->id);
	b->kind = in->kind;
	b->district = in->district;
	b->special = in->special;
	if (b->special == SP_NONE && (reasons & BIT(R_OOT)))
		b->special = SP_OOT; /* used while out of tolerance, like the ones chosen for it */
	b->verdict = verdict;
	b->reasons = reasons;
	return 0;
}

void ct__truth_free(struct truth *t)
{
	free(t->broken);
	memset(t, 0, sizeof(*t));
}

static const char *const verdict_names[] = {"valid", "suspect", "invalid"};

static json_t *counts_json(const struct truth_counts *c)
{
	json_t *reasons = json_object();

	for (int r = 0; r < R__COUNT; r++)
		if (c->reasons[r])
			json_object_set_new(reasons, reason_names[r],
					    json_integer((json_int_t)c->reasons[r]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "registered", (json_int_t)c->registered,
			 "valid", (json_int_t)c->verdicts[V_VALID], "suspect",
			 (json_int_t)c->verdicts[V_SUSPECT], "invalid", (json_int_t)c->verdicts[V_INVALID],
			 "compulsory", (json_int_t)c->compulsory, "compulsory_valid",
			 (json_int_t)c->compulsory_verdicts[V_VALID], "compulsory_suspect",
			 (json_int_t)c->compulsory_verdicts[V_SUSPECT], "reasons", reasons);
}

static json_t *reasons_json(uint64_t reasons)
{
	json_t *a = json_array();

	for (int r = 0; r < R__COUNT; r++)
		if (reasons & BIT(r))
			json_array_append_new(a, json_string(reason_names[r]));
	return a;
}

static json_t *when(int64_t ms)
{
	char s[40];

	ct_time_format(s, sizeof(s), (uint64_t)ms);
	return json_string(s);
}

/* What was broken on purpose, and where. */
static json_t *imperfections_json(const struct gen *g)
{
	const struct standard *gap = &g->stds[g->gap_std], *oot = &g->stds[g->oot_std];

	return json_pack(
	    "{s:{s:s, s:o, s:o}, s:{s:s, s:o, s:o}, s:{s:s, s:o, s:o}, s:{s:s, s:s}, s:{s:s, s:s}}",
	    "lapsed-standard", "standard", gap->id, "from", when(g->gap_from), "to", when(g->gap_to),
	    "out-of-tolerance", "standard", oot->id, "since", when(oot->oot_since), "recalibrated",
	    when(oot->cals[oot->ncals - 1].at), "revoked-lab", "lab", ct_demo_labs[LAB_TRANSPORT].name,
	    "from", when(g->revoke_from), "to", when(g->revoke_to), "out-of-scope", "lab",
	    ct_demo_labs[LAB_HOSPITAL].name, "category", "ionizing-radiation", "calibration-not-verification",
	    "lab", ct_demo_labs[LAB_DISTRICT0 + D_GAOXIN].name, "catalogue", "scale-trade");
}

int ct__truth_write(const struct truth *t, const struct gen *g, const ct_demo_city *city, const char *path)
{
	json_t *root = json_object(), *districts = json_object(), *broken = json_array(),
	       *records = json_object();
	char phase[8];
	size_t i;
	int d, rc;

	for (d = 0; d < CT_DEMO_DISTRICTS; d++)
		json_object_set_new(districts, ct_demo_districts[d].name, counts_json(&t->district[d]));
	for (i = 0; i < t->nbroken; i++) {
		const struct truth_broken *b = &t->broken[i];
		json_array_append_new(broken, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", b->id, "kind",
							ct__demo_kinds[b->kind].what, "district",
							ct_demo_districts[b->district].name, "imperfection",
							special_names[b->special], "verdict",
							verdict_names[b->verdict], "reasons",
							reasons_json(b->reasons)));
	}
	for (d = 1; d <= CT_DEMO_PHASES; d++) {
		snprintf(phase, sizeof(phase), "%d", d);
		json_object_set_new(records, phase, json_integer((json_int_t)city->records[d]));
	}
	json_object_set_new(root, "seed", json_integer((json_int_t)g->o->seed));
	json_object_set_new(root, "instruments_asked", json_integer((json_int_t)g->o->instruments));
	json_object_set_new(root, "at", when(g->R));
	json_object_set_new(root, "history_from", when((int64_t)g->sd * DAY_MS));
	json_object_set_new(root, "entries", json_integer((json_int_t)city->records[0]));
	json_object_set_new(root, "records_by_phase", records);
	json_object_set_new(root, "total", counts_json(&t->total));
	json_object_set_new(root, "districts", districts);
	json_object_set_new(root, "chain_example", json_string(t->chain_example));
	json_object_set_new(root, "imperfections", imperfections_json(g));
	json_object_set_new(root, "broken", broken);
	rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return rc != 0 ? ct_error_set(CT_EIO, "cannot write %s", path) : 0;
}
