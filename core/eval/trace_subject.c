/*
 * Instruments (rule 1 of docs/DESIGN.md section 6): registration, retirement,
 * the latest unrevoked calibration at or before t, its validity at t, and
 * what a compulsory instrument needs; then the calibration's own chain.
 */
#include <stdlib.h>

#include "trace_internal.h"

void ct__inst_clear(struct ct__inst *in)
{
	ct__link_clear(&in->cal);
}

void ct__inst_at_free(struct ct__inst_at *a)
{
	ct__rs_free(&a->rs);
	ct__rs_free(&a->cal_rs);
}

static int read_registration(struct ct__inst *in, const ct_entry *e)
{
	ct_mp mpe;

	memcpy(in->registrant, e->author, CT_KEY_BYTES);
	if (ct__body_str(e, "category", &in->category) < 0 ||
	    ct__body_str(e, "district", &in->district) < 0 || ct__body_str(e, "owner", &in->owner) < 0 ||
	    ct__body_cursor(e, "mpe", &mpe) < 0 || ct__qty_read(&in->mpe, &mpe) < 0)
		return ct_error_set(CT_ECORRUPT, "stored instrument.register lacks a field");
	ct__body_str(e, "catalogue", &in->catalogue);
	ct__body_str(e, "domain", &in->domain);
	return 0;
}

/* The first trusted registration governs; another trusted one that differs is a conflict. */
static int add_registration(ct_tracer *tr, struct ct__inst *in, const ct_index_row *row, ct_entry *primary,
			    bool *any)
{
	ct_entry e;
	int err, why;

	*any = true;
	if ((err = ct__read_entry(tr, row->hash, &e)) < 0)
		return err;
	if ((why = ct__distrust(tr, &e)) >= 0) {
		if (!in->untrusted || why == CT_R_FORKED_AUTHOR)
			in->untrusted = (uint8_t)why;
		return 0;
	}
	if (in->reg == CT__REG_NONE || in->reg == CT__REG_FORKED) {
		in->reg = CT__REG_OK;
		*primary = e;
		in->registered_at = row->time;
		memcpy(in->reg_hash, row->hash, CT_HASH_BYTES);
		return read_registration(in, &e);
	}
	if (in->reg == CT__REG_OK &&
	    (e.body_len != primary->body_len || memcmp(e.body, primary->body, e.body_len) != 0)) {
		in->reg = CT__REG_CONFLICT;
		memcpy(in->reg_other, row->hash, CT_HASH_BYTES);
	}
	return 0;
}

/* A retirement counts when its registrant's lab wrote it, under any of its keys (others are ignored). */
static int add_retirement(ct_tracer *tr, struct ct__inst *in, const ct_index_row *row)
{
	ct_entry e;
	int err;

	if (in->reg == CT__REG_NONE || row->time >= in->retired_at)
		return 0;
	if ((err = ct__read_entry(tr, row->hash, &e)) < 0)
		return err;
	if (!ct__same_lab(tr, e.author, in->registrant) || !ct__trusted(tr, &e))
		return 0;
	in->retired_at = row->time;
	memcpy(in->retire_hash, row->hash, CT_HASH_BYTES);
	return 0;
}

int ct__inst_load(ct_tracer *tr, struct ct__inst *in, const char *id, size_t id_len, const ct_index_row *rows,
		  size_t count)
{
	struct ct__link keep = in->cal;
	ct_entry primary = {0};
	bool any_reg = false;
	size_t i;
	int err;

	memset(in, 0, sizeof(*in));
	in->cal = keep;
	in->cal.state = CT__LINK_PENDING;
	in->cal_row = SIZE_MAX;
	in->retired_at = UINT64_MAX;
	in->id.p = id;
	in->id.n = id_len;
	/* Rows sort by kind: C (calibrations) < R (registrations) < T (retirements). */
	for (i = 0; i < count; i++) {
		if (rows[i].kind == CT_ROW_CAL) {
			if (!in->cals)
				in->cals = &rows[i];
			in->ncals++;
		} else if (rows[i].kind == CT_ROW_REGISTER) {
			if ((err = add_registration(tr, in, &rows[i], &primary, &any_reg)) < 0)
				return err;
		}
	}
	if (any_reg && in->reg == CT__REG_NONE)
		in->reg = CT__REG_FORKED;
	/* Recorded after the fact (imported records): it was in service from its first calibration on. */
	if (in->ncals && in->cals[0].time < in->registered_at)
		in->registered_at = in->cals[0].time;
	for (i = 0; i < count; i++)
		if (rows[i].kind == CT_ROW_RETIRE && (err = add_retirement(tr, in, &rows[i])) < 0)
			return err;
	return 0;
}

/* Compulsory at t: a catalogue item in V or P+V mode then, and the instrument's domain among the item's. */
int ct__inst_compulsory(ct_tracer *tr, const struct ct__inst *in, uint64_t t, bool *out)
{
	const struct ct__catver *v;
	struct ct__item *it;
	int err;

	*out = false;
	if (!in->catalogue.p || !in->domain.p)
		return 0;
	if ((err = ct__item_get(tr, in->catalogue, &it)) < 0)
		return err;
	if (!(v = ct__item_at(it, t)))
		return 0;
	*out =
	    (ct__str_eq(v->mode, "V") || ct__str_eq(v->mode, "P+V")) && ct__list_has(&v->domains, in->domain);
	return 0;
}

/* Index of the first calibration row performed after t. */
static size_t cal_upper(const struct ct__inst *in, uint64_t t)
{
	size_t lo = 0, hi = in->ncals;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (in->cals[mid].time <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ct__inst_latest(ct_tracer *tr, const struct ct__inst *in, uint64_t t, size_t *out, size_t *first_revoked,
		    uint8_t revocation[CT_HASH_BYTES])
{
	uint8_t rev[CT_HASH_BYTES];
	bool revoked;
	size_t i;
	int err;

	*out = SIZE_MAX;
	if (first_revoked)
		*first_revoked = SIZE_MAX;
	for (i = cal_upper(in, t); i-- > 0;) {
		if ((err = ct__revoked(tr, in->cals[i].hash, NULL, rev, &revoked)) < 0)
			return err;
		if (!revoked) {
			*out = i;
			return 0;
		}
		if (first_revoked && *first_revoked == SIZE_MAX) {
			*first_revoked = i;
			memcpy(revocation, rev, CT_HASH_BYTES);
		}
	}
	return 0;
}

/* The latest unrevoked calibration at or before t: its row index, or SIZE_MAX (reasons added). */
static int choose_calibration(ct_tracer *tr, struct ct__inst *in, uint64_t t, struct ct__inst_at *a,
			      size_t *out)
{
	uint8_t rev[CT_HASH_BYTES];
	size_t first_revoked;
	char at[32];
	int err;

	if ((err = ct__inst_latest(tr, in, t, out, &first_revoked, rev)) < 0 || *out != SIZE_MAX)
		return err;
	ct__day_for(&a->rs, at, t);
	if (first_revoked != SIZE_MAX)
		ct__rs_add(&a->rs, CT_R_REVOKED_CALIBRATION, in->cals[first_revoked].hash, rev,
			   "every calibration at or before %s was revoked by its author", at);
	else
		ct__rs_add(&a->rs, CT_R_NO_CALIBRATION, NULL, NULL,
			   "no calibration performed at or before %s", at);
	return 0;
}

static int judge_calibration(ct_tracer *tr, struct ct__inst *in, size_t row)
{
	struct ct__link *l = &in->cal;
	uint32_t i;

	if (in->cal_row == row && l->state == CT__LINK_DONE && l->rs.detail == tr->detail)
		return 0;
	for (i = 0; i < l->nuses; i++)
		ct__rs_reset(&l->uses[i].rs);
	l->nuses = l->next_use = 0;
	l->state = CT__LINK_PENDING;
	ct__rs_reset(&l->rs);
	l->rs.detail = tr->detail;
	memcpy(l->hash, in->cals[row].hash, CT_HASH_BYTES);
	l->anchor = false;
	l->subject_std = NULL;
	l->category = in->category;
	l->qty = &in->mpe;
	in->cal_row = row;
	return ct__link_eval(tr, l);
}

int ct__inst_check_at(ct_tracer *tr, struct ct__inst *in, uint64_t t, struct ct__inst_at *a)
{
	const struct ct__link *l = &in->cal;
	const struct ct__admission *adm;
	struct ct__org *o = NULL;
	uint64_t end = l->until > UINT64_MAX - tr->grace_ms ? UINT64_MAX : l->until + tr->grace_ms;
	char at[32], until[32];
	int err;

	a->verification = ct__str_eq(l->kind, "verification");
	if (t > end) {
		ct__day_for(&a->cal_rs, at, t);
		ct__day_for(&a->cal_rs, until, l->until);
		ct__rs_add(&a->cal_rs, CT_R_EXPIRED, l->hash, NULL, "valid_until %s < %s", until, at);
	}
	if (!a->compulsory)
		return 0;
	if (!a->verification)
		ct__rs_add(&a->cal_rs, CT_R_VERIFICATION_REQUIRED, l->hash, NULL,
			   "a compulsory instrument needs a verification, this is a %.*s", (int)l->kind.n,
			   l->kind.p);
	if ((err = ct__org_get(tr, l->e.author, &o)) < 0)
		return err;
	adm = ct__admission_at(o, l->p);
	if (adm && !ct__str_eq(adm->tier, "city") && !ct__str_eq(adm->tier, "district") &&
	    !ct__str_eq(adm->tier, "authorized"))
		ct__rs_add(
		    &a->cal_rs, CT_R_LAB_TIER, l->hash, adm->hash,
		    "a compulsory verification by a lab of tier '%.*s' (city, district or authorized needed)",
		    (int)adm->tier.n, adm->tier.p);
	return 0;
}

static void registration_reasons(const struct ct__inst *in, struct ct__inst_at *a)
{
	if (in->reg == CT__REG_NONE)
		ct__rs_add(&a->rs, CT_R_UNREGISTERED, NULL, NULL, "instrument %.*s is not registered",
			   (int)in->id.n, in->id.p);
	else if (in->reg == CT__REG_CONFLICT)
		ct__rs_add(&a->rs, CT_R_CONFLICT, in->reg_hash, in->reg_other,
			   "two registrations of %.*s disagree", (int)in->id.n, in->id.p);
	else if (in->reg == CT__REG_FORKED)
		ct__rs_add(&a->rs, (ct_reason)in->untrusted, NULL, NULL,
			   "instrument %.*s is registered only by untrusted entries (%s)", (int)in->id.n,
			   in->id.p, ct_reason_name((ct_reason)in->untrusted));
}

int ct__inst_at(ct_tracer *tr, struct ct__inst *in, uint64_t t, struct ct__inst_at *a)
{
	char at[32];
	size_t row;
	int err;

	ct__rs_reset(&a->rs);
	ct__rs_reset(&a->cal_rs);
	a->compulsory = a->verification = false;
	a->row = NULL;
	registration_reasons(in, a);
	if (in->reg == CT__REG_OK && (err = ct__inst_compulsory(tr, in, t, &a->compulsory)) < 0)
		return err;
	if (in->reg == CT__REG_OK && ct__inst_retired(in, t)) {
		ct__day_for(&a->rs, at, in->retired_at);
		ct__rs_add(&a->rs, CT_R_RETIRED, in->retire_hash, NULL, "retired from %s", at);
	}
	if (in->reg != CT__REG_OK || ct__inst_retired(in, t))
		goto done;
	if ((err = choose_calibration(tr, in, t, a, &row)) < 0)
		return err;
	if (row == SIZE_MAX)
		goto done;
	a->row = &in->cals[row];
	if ((err = judge_calibration(tr, in, row)) < 0 || (err = ct__inst_check_at(tr, in, t, a)) < 0)
		return err;
done:
	a->verdict = a->rs.worst > a->cal_rs.worst ? a->rs.worst : a->cal_rs.worst;
	a->mask = a->rs.mask | a->cal_rs.mask;
	if (a->row) {
		if (in->cal.verdict > a->verdict)
			a->verdict = in->cal.verdict;
		a->mask |= in->cal.mask;
	}
	return 0;
}

int ct_trace_verdict(ct_tracer *tr, char ns, const char *id, size_t id_len, uint64_t t, ct_verdict *verdict,
		     uint64_t *reasons)
{
	struct ct__inst_at a;
	struct ct__std *s;
	struct ct__use u;
	int err;

	tr->detail = false;
	if (tr->err)
		return ct_error_set(tr->err, "an earlier error left this tracer incomplete");
	if (ns == CT_NS_STANDARD) {
		if ((err = ct__std_get(tr, id, id_len, &s)) < 0 || (err = ct__std_at(tr, s, t, &u)) < 0)
			return err;
		if (tr->err) {
			ct__rs_free(&u.rs);
			return ct_error_set(tr->err, "cannot judge %.*s: %s", (int)id_len, id, ct_strerror(tr->err));
		}
		*verdict = (ct_verdict)u.verdict;
		if (reasons)
			*reasons = u.mask;
		ct__rs_free(&u.rs);
		return 0;
	}
	ct__rs_init(&a.rs, false);
	ct__rs_init(&a.cal_rs, false);
	if ((err = ct__load_rows(tr, &tr->rows, CT_NS_INSTRUMENT, id, id_len)) < 0 ||
	    (err = ct__inst_load(tr, &tr->inst, id, id_len, tr->rows.v, tr->rows.n)) < 0 ||
	    (err = ct__inst_at(tr, &tr->inst, t, &a)) < 0)
		return err;
	if (tr->err) {
		ct__inst_at_free(&a);
		return ct_error_set(tr->err, "cannot judge %.*s: %s", (int)id_len, id, ct_strerror(tr->err));
	}
	*verdict = (ct_verdict)a.verdict;
	if (reasons)
		*reasons = a.mask;
	ct__inst_at_free(&a);
	return 0;
}
