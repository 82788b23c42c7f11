/*
 * The demo city's record files, phase by phase (docs/DEMO.md): each lab's
 * records of a phase in one file, in the order it would have written them
 * (by time), NDJSON or CSV as the lab's "system" exports them; and
 * ct_demo_city_generate, which builds the city and writes it all with its
 * truth.json.
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "gen.h"
#include "truth.h"

static const char *const tier_names[] = {"", "city", "district", "authorized", "enterprise"};
static const char *const level_names[] = {"municipal", "district", "working"};
static const char *const kind_names[] = {"verification", "calibration", "anchor"};
static const char *const found_names[] = {"", "in", "out"};

struct writer {
	const struct gen *g;
	ct_demo_city *city;
	struct record rec;
};

static int year_of(int64_t ms)
{
	char s[40];

	ct_time_format(s, sizeof(s), (uint64_t)ms);
	return atoi(s);
}

/* Opens the file of a lab's phase and lists it in the city. */
static int open_file(struct writer *w, struct rfile *f, int phase, int lab, const char *const *columns)
{
	bool csv = ct_demo_labs[lab].csv && columns;
	char path[4200];
	struct ct_demo_file *files;
	int err;

	snprintf(path, sizeof(path), "%s/p%d-%s.%s", w->g->o->dir, phase, ct_demo_labs[lab].slug,
		 csv ? "csv" : "ndjson");
	if ((err = ct__rfile_open(f, path, csv, columns)) < 0)
		return err;
	if (!(files = realloc(w->city->files, (w->city->nfiles + 1) * sizeof(*files))))
		return ct_error_set(CT_ENOMEM, "out of memory");
	w->city->files = files;
	files[w->city->nfiles].phase = phase;
	files[w->city->nfiles].lab = lab;
	files[w->city->nfiles].records = 0;
	snprintf(files[w->city->nfiles].path, sizeof(files[0].path), "%s", path);
	w->city->nfiles++;
	return 0;
}

static int close_file(struct writer *w, struct rfile *f)
{
	struct ct_demo_file *last = &w->city->files[w->city->nfiles - 1];

	last->records = f->records;
	w->city->records[last->phase] += f->records;
	w->city->records[0] += f->records;
	return ct__rfile_close(f);
}

static int phase1(struct writer *w)
{
	const struct gen *g = w->g;
	int64_t day0 = (int64_t)(g->sd - 30) * DAY_MS;
	struct record *r = &w->rec;
	char districts[256] = "";
	struct rfile f;
	int i, lab, n = 0, err;

	if ((err = open_file(w, &f, 1, LAB_BUREAU, NULL)) < 0)
		return err;
	for (i = 0; i < CT_DEMO_DISTRICTS; i++)
		snprintf(districts + strlen(districts), sizeof(districts) - strlen(districts), "%s%s",
			 i ? ";" : "", ct_demo_districts[i].name);
	ct__rec_start(r, "network.genesis", day0 + 8 * HOUR_MS);
	ct__rec_str(r, "name", "枣庄市计量溯源体系 (Zaozhuang legal metrology)");
	ct__rec_list(r, "districts", districts);
	ct__rec_uint(r, "policy.min_ratio", 3);
	ct__rec_uint(r, "policy.grace_days", 0);
	ct__rfile_write(&f, r);
	for (lab = 1; lab < CT_DEMO_LABS; lab++) {
		const struct ct_demo_lab *l = &ct_demo_labs[lab];
		ct__rec_start(r, "org.admit", day0 + 10 * HOUR_MS + lab * MIN_MS);
		ct__rec_str(r, "key", g->o->keys[lab]);
		ct__rec_str(r, "name", l->name);
		ct__rec_str(r, "tier", tier_names[l->tier]);
		ct__rec_str(r, "district", ct_demo_districts[l->district].name);
		ct__rec_list(r, "scope", l->scope);
		ct__rec_time(r, "valid_from", day0);
		ct__rec_time(r, "valid_until", (int64_t)(g->rd + 1095) * DAY_MS);
		ct__rfile_write(&f, r);
	}
	for (lab = 1; lab < CT_DEMO_LABS; lab++) {
		for (i = 0; i < g->npeople[lab]; i++) {
			const struct person *p = &g->people[lab][i];
			ct__rec_start(r, "person.certify", day0 + 11 * HOUR_MS + n++ * MIN_MS);
			ct__rec_str(r, "person", p->id);
			ct__rec_str(r, "name", p->name);
			ct__rec_list(r, "scope", p->scope);
			ct__rec_time(r, "valid_until", (int64_t)(g->rd + 730) * DAY_MS);
			ct__rfile_write(&f, r);
		}
	}
	for (i = 0; i < ct__demo_ncatalogue; i++) {
		const struct catalogue_item *c = &ct__demo_catalogue[i];
		ct__rec_start(r, "catalogue.set", day0 + 15 * HOUR_MS + i * MIN_MS);
		ct__rec_str(r, "item", c->item);
		ct__rec_str(r, "name", c->name);
		ct__rec_str(r, "mode", c->mode);
		ct__rec_uint(r, "interval_days", c->interval_days);
		ct__rec_list(r, "domains", c->domain);
		ct__rec_time(r, "effective", day0);
		ct__rfile_write(&f, r);
	}
	return close_file(w, &f);
}

static int phase2(struct writer *w)
{
	const struct gen *g = w->g;
	struct record *r = &w->rec;
	struct rfile f;
	int lab, i, n, err;

	for (lab = 1; lab < CT_DEMO_LABS; lab++) {
		for (n = 0, i = 0; i < g->nstds; i++) {
			const struct standard *s = &g->stds[i];
			if (s->owner != lab)
				continue;
			if (n == 0 && (err = open_file(w, &f, 2, lab, ct__demo_columns_standards)) < 0)
				return err;
			ct__rec_start(r, "standard.register",
				      (int64_t)(g->sd - 20) * DAY_MS + 9 * HOUR_MS + n++ * MIN_MS);
			ct__rec_str(r, "id", s->id);
			ct__rec_str(r, "name", s->name);
			ct__rec_str(r, "category", ct__demo_categories[s->cat].name);
			ct__rec_str(r, "level", level_names[s->level]);
			ct__rec_bool(r, "public", s->is_public);
			ct__rec_qty(r, "u", s->u);
			ct__rfile_write(&f, r);
		}
		if (n && (err = close_file(w, &f)) < 0)
			return err;
	}
	return 0;
}

/* The bureau's phase-3 records, sorted by time: approvals, anchors, the transport lab's revocation. */
struct p3 {
	int64_t at;
	int what, std, n; /* what: 0 approve, 1 anchor, 2 revoke, 3 re-admit */
};

static int cmp_p3(const void *a, const void *b)
{
	const struct p3 *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->std != y->std ? (x->std < y->std ? -1 : 1) : x->n - y->n;
}

static void p3_record(struct writer *w, const struct p3 *e)
{
	const struct gen *g = w->g;
	const struct standard *s = e->std >= 0 ? &g->stds[e->std] : NULL;
	struct record *r = &w->rec;
	struct qty provincial;

	ct__rec_start(r,
		      e->what == 0   ? "standard.approve"
		      : e->what == 1 ? "standard.anchor"
		      : e->what == 2 ? "org.revoke"
				     : "org.admit",
		      e->at);
	if (e->what == 0) {
		ct__rec_str(r, "id", s->id);
		ct__rec_fmt(r, "certificate", "[%d]鲁量标枣证字第%04d号",
			    year_of(ct__gen_approval_from(g, e->n)), e->std + 1);
		ct__rec_time(r, "valid_from", ct__gen_approval_from(g, e->n));
		ct__rec_time(r, "valid_until", ct__gen_approval_until(g, e->n));
	} else if (e->what == 1) {
		const struct cal *c = &s->cals[e->n];
		provincial = s->u;
		provincial.v = s->u.v / 2 ? s->u.v / 2 : 1;
		ct__rec_str(r, "id", s->id);
		ct__rec_str(r, "provider", "山东省计量科学研究院");
		ct__rec_fmt(r, "certificate", "SDJL-%d-%05d", year_of(c->at), e->std * 8 + e->n + 1);
		ct__rec_time(r, "performed_at", c->at);
		ct__rec_time(r, "valid_until", c->until);
		ct__rec_qty(r, "u", provincial);
	} else if (e->what == 2) {
		ct__rec_str(r, "key", g->o->keys[LAB_TRANSPORT]);
		ct__rec_time(r, "effective", g->revoke_from);
		ct__rec_str(r, "reason",
			    "授权暂停：监督检查发现出租汽车计价器检定记录不全，整改期间暂停授权");
	} else {
		const struct ct_demo_lab *l = &ct_demo_labs[LAB_TRANSPORT];
		ct__rec_str(r, "key", g->o->keys[LAB_TRANSPORT]);
		ct__rec_str(r, "name", l->name);
		ct__rec_str(r, "tier", tier_names[l->tier]);
		ct__rec_str(r, "district", ct_demo_districts[l->district].name);
		ct__rec_list(r, "scope", l->scope);
		ct__rec_time(r, "valid_from", g->revoke_to);
		ct__rec_time(r, "valid_until", (int64_t)(g->rd + 1095) * DAY_MS);
	}
}

static int phase3(struct writer *w)
{
	const struct gen *g = w->g;
	struct p3 *v = calloc((size_t)g->nstds * (APPROVALS + STD_CALS) + 2, sizeof(*v));
	size_t n = 0, i;
	struct rfile f;
	int s, k, rc = -1;

	if (!v)
		return ct_error_set(CT_ENOMEM, "out of memory");
	for (s = 0; s < g->nstds; s++) {
		for (k = 0; k < APPROVALS && g->stds[s].is_public; k++)
			v[n++] = (struct p3){ct__gen_approval_from(g, k) + 9 * HOUR_MS, 0, s, k};
		for (k = 0; k < g->stds[s].ncals; k++)
			if (g->stds[s].cals[k].kind == K_ANCHOR)
				v[n++] = (struct p3){g->stds[s].cals[k].at + HOUR_MS, 1, s, k};
	}
	v[n++] = (struct p3){g->revoke_from + 9 * HOUR_MS, 2, -1, 0};
	v[n++] = (struct p3){g->revoke_to + 9 * HOUR_MS, 3, -1, 0};
	qsort(v, n, sizeof(*v), cmp_p3);
	if ((rc = open_file(w, &f, 3, LAB_BUREAU, NULL)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		p3_record(w, &v[i]);
		ct__rfile_write(&f, &w->rec);
	}
	rc = close_file(w, &f);
done:
	free(v);
	return rc;
}

/* A calibration record: of a standard (phase 4) or an instrument (phase 5). */
static void cal_record(struct writer *w, const char *subject, const struct cal *c, const char *cert)
{
	struct record *r = &w->rec;

	ct__rec_start(r, "calibration", c->at);
	ct__rec_str(r, "subject", subject);
	ct__rec_str(r, "kind", kind_names[c->kind]);
	ct__rec_list(r, "standards", w->g->stds[c->std].id);
	ct__rec_time(r, "performed_at", c->at);
	ct__rec_time(r, "valid_until", c->until);
	ct__rec_str(r, "result", c->pass ? "pass" : "fail");
	if (c->tech >= 0)
		ct__rec_str(r, "technician", w->g->people[c->lab][c->tech].id);
	ct__rec_fmt(r, "certificate", "%s", cert);
	if (c->as_found)
		ct__rec_str(r, "as_found", found_names[c->as_found]);
}

struct p4 {
	int64_t at;
	int std, n;
};

static int cmp_p4(const void *a, const void *b)
{
	const struct p4 *x = a, *y = b;

	return x->at != y->at ? (x->at < y->at ? -1 : 1) : x->std - y->std;
}

static int phase4(struct writer *w)
{
	const struct gen *g = w->g;
	struct p4 *v = calloc((size_t)g->nstds * STD_CALS, sizeof(*v));
	char cert[48];
	size_t n = 0, i;
	struct rfile f;
	int s, k, rc = -1;

	if (!v)
		return ct_error_set(CT_ENOMEM, "out of memory");
	for (s = 0; s < g->nstds; s++)
		for (k = 0; k < g->stds[s].ncals; k++)
			if (g->stds[s].cals[k].kind != K_ANCHOR)
				v[n++] = (struct p4){g->stds[s].cals[k].at, s, k};
	qsort(v, n, sizeof(*v), cmp_p4);
	if ((rc = open_file(w, &f, 4, LAB_CITY, NULL)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		const struct cal *c = &g->stds[v[i].std].cals[v[i].n];
		snprintf(cert, sizeof(cert), "ZZJL-JZ-%d-%05zu", year_of(c->at), i + 1);
		cal_record(w, g->stds[v[i].std].id, c, cert);
		ct__rfile_write(&f, &w->rec);
	}
	rc = close_file(w, &f);
done:
	free(v);
	return rc;
}

/* ---- phase 5: instruments ---- */

static int push(struct events *e, struct event ev)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 1024;
		struct event *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = ev;
	return 0;
}

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->inst != y->inst ? x->inst - y->inst : x->what - y->what;
}

/* Pass 1: every slot's events into its lab's list, and the truth. */
static int collect(struct gen *g, struct truth *t)
{
	const struct standard *oot = &g->stds[g->oot_std];
	struct slot s;
	uint32_t slot;
	int i, c, rc = 0;

	for (slot = 0; slot < g->nslots && rc == 0; slot++) {
		ct__gen_slot(g, slot, &s);
		for (i = 0; i < s.n; i++) {
			const struct inst *in = &s.inst[i];
			struct events *e = &g->events[in->lab];
			rc |= push(e, (struct event){in->reg_at, slot, (uint8_t)i, EV_REGISTER});
			for (c = 0; c < in->ncals; c++)
				rc |= push(e, (struct event){in->cals[c].at, slot, (uint8_t)i,
							     (uint8_t)(EV_CAL + c)});
			if (in->retire_at)
				rc |= push(e, (struct event){in->retire_at, slot, (uint8_t)i, EV_RETIRE});
			rc |= ct__truth_add(t, g, in);
		}
	}
	rc |= push(&g->events[oot->owner], (struct event){oot->oot_declared, SLOT_NONE, 0, EV_OOT});
	return rc;
}

static void inst_record(struct writer *w, const struct inst *in, int what, uint32_t slot)
{
	const struct kind *kd = &ct__demo_kinds[in->kind];
	struct record *r = &w->rec;
	char text[160];

	if (what == EV_RETIRE) {
		ct__rec_start(r, "instrument.retire", in->retire_at);
		ct__rec_str(r, "id", in->id);
		ct__rec_time(r, "effective", in->retire_at);
		return;
	}
	if (what >= EV_CAL) {
		const struct cal *c = &in->cals[what - EV_CAL];
		snprintf(text, sizeof(text), "ZJ%02d-%d-%07u%02d", c->lab, year_of(c->at), slot,
			 what - EV_CAL);
		cal_record(w, in->id, c, text);
		return;
	}
	ct__rec_start(r, "instrument.register", in->reg_at);
	ct__rec_str(r, "id", in->id);
	ct__rec_str(r, "category", ct__demo_categories[kd->cat].name);
	if (kd->item >= 0) {
		ct__rec_str(r, "catalogue", ct__demo_catalogue[kd->item].item);
		ct__rec_str(r, "domain", ct__demo_catalogue[kd->item].domain);
	}
	ct__rec_str(r, "district", ct_demo_districts[in->district].name);
	ct__gen_owner(w->g, in, text, sizeof(text));
	ct__rec_fmt(r, "owner", "%s", text);
	ct__rec_fmt(r, "model", "%s", ct__gen_model(in, text, sizeof(text)));
	ct__rec_fmt(r, "serial", "%02u%08u", in->salt % 97, (in->salt >> 7) % 100000000);
	ct__rec_qty(r, "mpe", kd->mpe);
}

static void oot_record(struct writer *w)
{
	const struct standard *s = &w->g->stds[w->g->oot_std];
	struct record *r = &w->rec;

	ct__rec_start(r, "standard.out_of_tolerance", s->oot_declared);
	ct__rec_str(r, "id", s->id);
	ct__rec_time(r, "since", s->oot_since);
	ct__rec_str(r, "reason", "复校时发现示值超差（as found out），自上次合格校准后所检器具存疑");
}

/*
 * The bureau's rekey of CT_DEMO_REKEYED (phase 5): its old feed closes at
 * the entries it wrote before the effective time (phases 2 and 5).
 */
static int rekey_file(struct writer *w)
{
	const struct gen *g = w->g;
	struct record *r = &w->rec;
	struct rfile f;
	uint64_t closed_at = 0;
	size_t i;
	int err;

	for (i = 0; i < w->city->nfiles; i++)
		if (w->city->files[i].lab == CT_DEMO_REKEYED && w->city->files[i].phase <= 5)
			closed_at += w->city->files[i].records;
	w->city->rekey_closed_at = closed_at;
	if ((err = open_file(w, &f, 5, CT_DEMO_BUREAU, NULL)) < 0)
		return err;
	ct__rec_start(r, "org.rekey", (int64_t)w->city->rekey_at);
	ct__rec_str(r, "old_key", g->o->keys[CT_DEMO_REKEYED]);
	ct__rec_str(r, "new_key", g->o->rekey_key);
	ct__rec_time(r, "effective", (int64_t)w->city->rekey_at);
	ct__rec_uint(r, "closed_at", (int64_t)closed_at);
	ct__rec_str(r, "reason", "安全仪器站节点服务器更换，旧密钥随旧硬盘销毁");
	ct__rfile_write(&f, r);
	return close_file(w, &f);
}

/*
 * Pass 2: each lab's events by time, each record rebuilt from its slot.
 * CT_DEMO_REKEYED's from the rekey's effective time on go to phase 6, which
 * it signs with its new key.
 */
static int phase5(struct writer *w, struct gen *g)
{
	struct rfile f;
	struct slot s;
	uint32_t built = SLOT_NONE;
	size_t i;
	int lab, err;

	/* half-way through the history, at 09:00 */
	w->city->rekey_at = (uint64_t)(((int64_t)g->rd - 913) * DAY_MS + 9 * HOUR_MS);
	for (lab = 1; lab < CT_DEMO_LABS; lab++) {
		struct events *e = &g->events[lab];
		if (!e->n)
			continue;
		qsort(e->v, e->n, sizeof(*e->v), cmp_event);
		if ((err = open_file(w, &f, 5, lab, ct__demo_columns_history)) < 0)
			return err;
		for (i = 0; i < e->n; i++) {
			const struct event *ev = &e->v[i];
			if (lab == CT_DEMO_REKEYED && ev->at >= (int64_t)w->city->rekey_at &&
			    w->city->files[w->city->nfiles - 1].phase == 5) {
				if ((err = close_file(w, &f)) < 0 ||
				    (err = open_file(w, &f, 6, lab, ct__demo_columns_history)) < 0)
					return err;
			}
			if (ev->what == EV_OOT) {
				oot_record(w);
			} else {
				if (ev->slot != built)
					ct__gen_slot(g, ev->slot, &s);
				built = ev->slot;
				inst_record(w, &s.inst[ev->inst], ev->what, ev->slot);
				/* the last verification under the new key of one filed under the old */
				if (lab == CT_DEMO_REKEYED && ev->what >= EV_CAL &&
				    ev->at >= (int64_t)w->city->rekey_at &&
				    s.inst[ev->inst].reg_at < (int64_t)w->city->rekey_at)
					snprintf(w->city->rekey_example, sizeof(w->city->rekey_example), "%s",
						 s.inst[ev->inst].id);
			}
			ct__rfile_write(&f, &w->rec);
		}
		free(e->v);
		memset(e, 0, sizeof(*e));
		if ((err = close_file(w, &f)) < 0)
			return err;
	}
	return rekey_file(w);
}

_Static_assert(CT_DEMO_REKEYED == LAB_MINING, "the demo re-keys the mining lab");

static void gen_free(struct gen *g)
{
	int i;

	for (i = 0; i < CT_DEMO_LABS; i++) {
		free(g->people[i]);
		free(g->events[i].v);
	}
	for (i = 0; i < SP__COUNT; i++)
		free(g->chosen[i].v);
	free(g);
}

int ct_demo_city_generate(ct_demo_city *out, const ct_demo_gen_opts *o)
{
	struct writer w = {NULL, out, {0}};
	struct truth t;
	struct gen *g;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if (o->instruments < CT_DEMO_MIN_INSTRUMENTS || o->instruments > CT_DEMO_MAX_INSTRUMENTS)
		return ct_error_set(CT_EINVAL, "the city holds %d to %d instruments", CT_DEMO_MIN_INSTRUMENTS,
				    CT_DEMO_MAX_INSTRUMENTS);
	if (!(g = calloc(1, sizeof(*g))))
		return ct_error_set(CT_ENOMEM, "out of memory");
	g->o = o;
	g->R = (int64_t)o->at;
	g->rd = (int32_t)(g->R / DAY_MS);
	g->sd = g->rd - 1826;
	w.g = g;
	if (ct__gen_people(g) < 0 || ct__gen_standards(g) < 0 || ct__gen_allocate(g) < 0) {
		rc = ct_error_set(CT_ENOMEM, "cannot build the city (out of memory?)");
		goto done;
	}
	if ((rc = phase1(&w)) < 0 || (rc = phase2(&w)) < 0 || (rc = phase3(&w)) < 0 || (rc = phase4(&w)) < 0)
		goto done;
	if (collect(g, &t) < 0) {
		rc = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = phase5(&w, g)) < 0)
		goto done;
	out->instruments = t.total.registered;
	snprintf(out->chain_example, sizeof(out->chain_example), "%s", t.chain_example);
	snprintf(out->oot_standard, sizeof(out->oot_standard), "%s", g->stds[g->oot_std].id);
	snprintf(out->lapsed_standard, sizeof(out->lapsed_standard), "%s", g->stds[g->gap_std].id);
	snprintf(out->truth_path, sizeof(out->truth_path), "%s/truth.json", o->dir);
	rc = ct__truth_write(&t, g, out, out->truth_path);
done:
	ct__truth_free(&t);
	gen_free(g);
	return rc;
}

void ct_demo_city_free(ct_demo_city *c)
{
	free(c->files);
	memset(c, 0, sizeof(*c));
}
