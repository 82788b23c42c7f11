/*
 * Coverage from the instrument summary (caltrace/ledger/summary.h): the
 * same verdicts as the entries' path (coverage.c, trace_subject.c), with
 * no entry read and no msgpack decoded for a plain instrument. Its
 * registration, retirements and calibrations come from its record; what
 * they rely on (authors, labs, technicians, catalogue items, standards and
 * their calibrations) from the tracer's memos, as on the other path; the
 * calibration is judged by the same ct__link_eval, given the record's
 * fields instead of the entry's, and checked at t by the same
 * ct__inst_check_at.
 *
 * An instrument whose record alone cannot say what the evaluator would
 * (more than one registration, a registration by an untrusted entry, a
 * calibration whose hash begins like a revoked one's, two calibrations
 * performed at the same time, whose order the index decides by hash) is
 * judged the entries' way: its rows read and ct__coverage_count called.
 */
#include <stdlib.h>

#include "coverage_internal.h"

/* A part's memos, by dictionary number. */
struct ct__sum_part {
	struct ct__inst in;
	uint64_t *revoked; /* hash prefixes of revoked calibrations, sorted */
	size_t nrevoked;
	struct ct__org **org;
	struct ct__qty *qty;
	uint8_t *qty_state; /* 0 unread, 1 read, 2 malformed */
	char (*lab)[2 * CT_KEY_BYTES + 1];
	/* by use word: what ct__link_use_add found for it */
	struct use_memo {
		struct ct__std *std;
		struct ct__basis *basis;
		struct ct__link *link;
		bool set;
	} *use;
	/* the calibrations of the instrument at hand, judged (by index in its record) */
	uint8_t *cal_verdict;
	uint64_t *cal_mask;
	bool *cal_done;
	size_t cal_cap;
	struct ct__item **item; /* by catalogue word */
	const struct ct__catver *last_catver; /* the last (catalogue version, domain word) asked, and its answer */
	uint32_t last_domain;
	bool last_compulsory;
	ct_entry e; /* author and seq set for ct__distrust; nothing else read */
	uint64_t fallbacks;
};

static uint64_t prefix_of(const uint8_t *h)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < CT_SUMMARY_HASH_PREFIX; i++)
		v = v << 8 | h[i];
	return v;
}

static int u64_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ct__coverage_sum_plan(struct ct__sum *sum, ct_reader *r, ct_coverage_path path)
{
	bool ready = false;
	int err;

	memset(sum, 0, sizeof(*sum));
	if (path == CT_COVERAGE_ENTRIES)
		return 0;
	if ((err = ct_summary_ready(r, &ready)) < 0)
		return err;
	if (!ready)
		return path == CT_COVERAGE_SUMMARY
			   ? ct_error_set(CT_ESTATE, "the store has no complete instrument summary (caltrace "
						     "index --summary builds it)")
			   : 0;
	if ((err = ct_summary_dict_load(&sum->dict, r)) < 0)
		return err;
	sum->ready = true;
	return 0;
}

void ct__coverage_sum_free(struct ct__sum *sum)
{
	ct_summary_dict_free(&sum->dict);
	memset(sum, 0, sizeof(*sum));
}

void ct__coverage_sum_part_free(struct part *p)
{
	struct ct__sum_part *sp = p->sp;

	if (!sp)
		return;
	ct__inst_clear(&sp->in);
	free(sp->revoked);
	free(sp->org);
	free(sp->qty);
	free(sp->qty_state);
	free(sp->lab);
	free(sp->use);
	free(sp->item);
	free(sp->cal_verdict);
	free(sp->cal_mask);
	free(sp->cal_done);
	free(sp);
	p->sp = NULL;
}

static int add_prefix(void *ctx, const uint8_t *key, size_t len, void *value)
{
	struct ct__sum_part *sp = ctx;

	(void)value;
	if (len >= CT_SUMMARY_HASH_PREFIX)
		sp->revoked[sp->nrevoked++] = prefix_of(key);
	return 0;
}

static int part_init(struct part *p)
{
	struct ct__sum_part *sp;
	size_t n = p->sum->dict.count ? p->sum->dict.count : 1;
	int err;

	if (!(sp = p->sp = calloc(1, sizeof(*sp))) || !(sp->org = calloc(n, sizeof(*sp->org))) ||
	    !(sp->qty = calloc(n, sizeof(*sp->qty))) || !(sp->qty_state = calloc(n, 1)) ||
	    !(sp->lab = calloc(n, sizeof(*sp->lab))) || !(sp->use = calloc(n, sizeof(*sp->use))) ||
	    !(sp->item = calloc(n, sizeof(*sp->item))))
		return ct_error_set(CT_ENOMEM, "out of memory computing coverage");
	sp->in.cal_row = SIZE_MAX;
	if ((err = ct__revocations_load(p->tr)) < 0)
		return err;
	if (p->tr->revocations.count) {
		if (!(sp->revoked = malloc(p->tr->revocations.count * sizeof(*sp->revoked))))
			return ct_error_set(CT_ENOMEM, "out of memory computing coverage");
		ct_hmap_each(&p->tr->revocations, add_prefix, sp);
		qsort(sp->revoked, sp->nrevoked, sizeof(*sp->revoked), u64_order);
	}
	return 0;
}

static bool is_revoked(const struct ct__sum_part *sp, const uint8_t hash[CT_SUMMARY_HASH_PREFIX])
{
	uint64_t v = prefix_of(hash);
	size_t lo = 0, hi = sp->nrevoked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sp->revoked[mid] == v)
			return true;
		if (sp->revoked[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- words ------------------------------------------------------------------------------------ */

static int word(const struct part *p, uint32_t n, char tag, const ct_summary_word **out)
{
	const ct_summary_dict *d = &p->sum->dict;

	if (n == 0 || n >= d->count || d->words[n].tag != tag)
		return ct_error_set(CT_ECORRUPT, "instrument summary: word %u is not a '%c'", n, tag);
	*out = &d->words[n];
	return 0;
}

/* A string word (0: absent, p NULL). */
static int str_word(const struct part *p, uint32_t n, struct ct__str *out)
{
	const ct_summary_word *w = NULL;
	int err;

	out->p = NULL;
	out->n = 0;
	if (n == 0)
		return 0;
	if ((err = word(p, n, CT_WORD_STR, &w)) < 0)
		return err;
	out->p = (const char *)w->p;
	out->n = w->len;
	return 0;
}

static int key_word(const struct part *p, uint32_t n, const uint8_t **out)
{
	const ct_summary_word *w = NULL;
	int err;

	*out = NULL;
	if ((err = word(p, n, CT_WORD_KEY, &w)) < 0)
		return err;
	if (w->len != CT_KEY_BYTES)
		return ct_error_set(CT_ECORRUPT, "instrument summary: key word %u of %zu bytes", n, w->len);
	*out = w->p;
	return 0;
}

static int qty_word(struct part *p, uint32_t n, const struct ct__qty **out)
{
	struct ct__sum_part *sp = p->sp;
	const ct_summary_word *w = NULL;
	ct_mp v;
	int err;

	if (n == 0 || n >= p->sum->dict.count || !sp->qty_state[n]) {
		if ((err = word(p, n, CT_WORD_QTY, &w)) < 0)
			return err;
		v = ct_mp_over(w->p, w->len);
		sp->qty_state[n] = ct__qty_read(&sp->qty[n], &v) < 0 ? 2 : 1;
	}
	if (sp->qty_state[n] == 2)
		return ct_error_set(CT_ECORRUPT, "stored instrument.register lacks a field");
	*out = &sp->qty[n];
	return 0;
}

/* The entry facts distrust reads (author, seq) of a record's entry (e otherwise zeroed once, untouched). */
static int author_entry(const struct part *p, uint32_t author, uint64_t seq, ct_entry *e)
{
	const uint8_t *key;
	int err;

	if ((err = key_word(p, author, &key)) < 0)
		return err;
	memcpy(e->author, key, CT_KEY_BYTES);
	e->seq = seq;
	return 0;
}

/* ---- one instrument --------------------------------------------------------------------------- */

/* Whether the record alone cannot say what the entries would; then the entries decide. */
static int needs_entries(struct part *p, const ct_summary_inst *s, bool *out)
{
	ct_entry *e = &p->sp->e;
	size_t i;
	int err;

	*out = true;
	if (s->nregs != 1)
		return 0;
	if ((err = author_entry(p, s->regs[0].author, s->regs[0].seq, e)) < 0)
		return err;
	if (ct__distrust(p->tr, e) >= 0)
		return 0;
	for (i = 0; i < s->ncals; i++) {
		if (i > 0 && s->cals[i].performed_at == s->cals[i - 1].performed_at)
			return 0;
		if (p->sp->nrevoked && is_revoked(p->sp, s->cals[i].hash))
			return 0;
	}
	*out = false;
	return 0;
}

/* in from the record: what ct__inst_load makes of the rows, for an instrument needs_entries let through. */
static int load(struct part *p, const ct_summary_inst *s, struct ct__inst *in)
{
	const ct_summary_reg *g = &s->regs[0];
	const uint8_t *key;
	ct_entry *e = &p->sp->e;
	size_t i;
	int err;

	in->id.p = s->id;
	in->id.n = s->id_len;
	in->reg = CT__REG_OK;
	in->untrusted = 0;
	in->registered_at = g->time;
	if (s->ncals && s->cals[0].performed_at < in->registered_at)
		in->registered_at = s->cals[0].performed_at;
	if ((err = key_word(p, g->author, &key)) < 0)
		return err;
	memcpy(in->registrant, key, CT_KEY_BYTES);
	if ((err = str_word(p, g->category, &in->category)) < 0 ||
	    (err = str_word(p, g->district, &in->district)) < 0 || (err = str_word(p, g->owner, &in->owner)) < 0 ||
	    (err = str_word(p, g->catalogue, &in->catalogue)) < 0 ||
	    (err = str_word(p, g->domain, &in->domain)) < 0)
		return err;
	if (!in->category.p || !in->district.p || !in->owner.p)
		return ct_error_set(CT_ECORRUPT, "stored instrument.register lacks a field");
	{
		const struct ct__qty *q = NULL;
		if ((err = qty_word(p, g->mpe, &q)) < 0)
			return err;
		in->mpe = *q;
	}
	/* A retirement counts when its registrant's lab wrote it, under any of its keys, in a trusted entry. */
	in->retired_at = UINT64_MAX;
	for (i = 0; i < s->nrets; i++) {
		const ct_summary_ret *t = &s->rets[i];
		if (t->time >= in->retired_at)
			continue;
		if ((err = author_entry(p, t->author, t->seq, e)) < 0)
			return err;
		if (ct__same_lab(p->tr, e->author, in->registrant) && ct__trusted(p->tr, e))
			in->retired_at = t->time;
	}
	in->cals = NULL;
	in->ncals = s->ncals;
	return 0;
}

/* Fills in->cal with calibration i's fields (what ct__inst_check_at reads, and ct__link_eval). */
static int cal_fields(struct part *p, const ct_summary_inst *s, size_t i, struct ct__inst *in)
{
	const ct_summary_cal *c = &s->cals[i];
	struct ct__link *l = &in->cal;
	const uint8_t *key;
	int err;

	memset(l->hash, 0, CT_HASH_BYTES);
	memcpy(l->hash, c->hash, CT_SUMMARY_HASH_PREFIX); /* named only in reasons' details, kept off here */
	if ((err = key_word(p, c->author, &key)) < 0)
		return err;
	memcpy(l->e.author, key, CT_KEY_BYTES);
	l->e.seq = c->seq;
	l->p = c->performed_at;
	l->until = c->valid_until;
	l->anchor = false;
	l->subject_std = NULL;
	l->category = in->category;
	l->qty = &in->mpe;
	l->certificate.p = l->provider.p = NULL;
	l->certificate.n = l->provider.n = 0;
	if ((err = str_word(p, c->kind, &l->kind)) < 0 || (err = str_word(p, c->result, &l->result)) < 0 ||
	    (err = str_word(p, c->technician, &l->technician)) < 0)
		return err;
	if (!l->kind.p || !l->result.p)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks kind or result");
	in->cal_row = i;
	return 0;
}

/* Judges calibration i (its fields already in in->cal), as judge_calibration does from the entry. */
static int cal_judge(struct part *p, const ct_summary_inst *s, size_t i, struct ct__inst *in)
{
	const ct_summary_cal *c = &s->cals[i];
	struct ct__link *l = &in->cal;
	const ct_summary_word *w = NULL;
	uint32_t k;
	int err;

	ct__link_reset(l);
	l->rs.detail = p->tr->detail;
	for (k = 0; k < c->nuses; k++) {
		uint32_t n = s->uses[c->first_use + k];
		struct use_memo *m;
		if ((err = word(p, n, CT_WORD_USE, &w)) < 0)
			return err;
		if (w->len <= CT_HASH_BYTES)
			return ct_error_set(CT_ECORRUPT, "instrument summary: a use word of %zu bytes", w->len);
		m = &p->sp->use[n];
		if (m->set) {
			err = ct__link_use_known(l, (const char *)w->p + CT_HASH_BYTES, w->len - CT_HASH_BYTES, w->p,
						 m->std, m->basis, m->link);
		} else if ((err = ct__link_use_add(p->tr, l, (const char *)w->p + CT_HASH_BYTES,
						   w->len - CT_HASH_BYTES, w->p)) == 0) {
			m->std = l->uses[l->nuses - 1].std;
			m->basis = l->uses[l->nuses - 1].basis;
			m->link = l->uses[l->nuses - 1].link;
			m->set = true;
		}
		if (err < 0)
			return err;
	}
	l->state = CT__LINK_BUSY; /* prepared: ct__link_eval goes on to its standards */
	if ((err = ct__link_eval(p->tr, l)) < 0)
		return err;
	p->sp->cal_verdict[i] = l->verdict;
	p->sp->cal_mask[i] = l->mask;
	p->sp->cal_done[i] = true;
	return 0;
}

/*
 * ct__inst_compulsory, with the catalogue item memoised by word and the
 * last (version, domain) answer kept: a catalogue item in V or P+V mode
 * at t, and the instrument's domain among the item's.
 */
static int compulsory_at(struct part *p, const ct_summary_inst *s, const struct ct__inst *in, uint64_t t,
			 bool *out)
{
	struct ct__sum_part *sp = p->sp;
	const ct_summary_reg *g = &s->regs[0];
	const struct ct__catver *v;
	int err;

	*out = false;
	if (!in->catalogue.p || !in->domain.p)
		return 0;
	if (!sp->item[g->catalogue] && (err = ct__item_get(p->tr, in->catalogue, &sp->item[g->catalogue])) < 0)
		return err;
	if (!(v = ct__item_at(sp->item[g->catalogue], t)))
		return 0;
	if (v != sp->last_catver || g->domain != sp->last_domain) {
		sp->last_catver = v;
		sp->last_domain = g->domain;
		sp->last_compulsory = (ct__str_eq(v->mode, "V") || ct__str_eq(v->mode, "P+V")) &&
				      ct__list_has(&v->domains, in->domain);
	}
	*out = sp->last_compulsory;
	return 0;
}

/* ct__inst_at for a registered, trusted instrument in service at t; *cal: the calibration judged or SIZE_MAX. */
static int inst_at(struct part *p, const ct_summary_inst *s, struct ct__inst *in, uint64_t t,
		   struct ct__inst_at *a, size_t *cal)
{
	struct ct__sum_part *sp = p->sp;
	char at[32];
	size_t i;
	int err;

	ct__rs_reset(&a->rs);
	ct__rs_reset(&a->cal_rs);
	a->compulsory = a->verification = false;
	a->row = NULL;
	*cal = SIZE_MAX;
	if ((err = compulsory_at(p, s, in, t, &a->compulsory)) < 0)
		return err;
	for (i = s->ncals; i > 0 && s->cals[i - 1].performed_at > t; i--)
		;
	if (i == 0) {
		ct__day_for(&a->rs, at, t);
		ct__rs_add(&a->rs, CT_R_NO_CALIBRATION, NULL, NULL, "no calibration performed at or before %s", at);
		goto done;
	}
	*cal = --i;
	if (in->cal_row != i && (err = cal_fields(p, s, i, in)) < 0)
		return err;
	if (!sp->cal_done[i] && (err = cal_judge(p, s, i, in)) < 0)
		return err;
	if ((err = ct__inst_check_at(p->tr, in, t, a)) < 0)
		return err;
done:
	a->verdict = a->rs.worst > a->cal_rs.worst ? a->rs.worst : a->cal_rs.worst;
	a->mask = a->rs.mask | a->cal_rs.mask;
	if (*cal != SIZE_MAX) {
		if (sp->cal_verdict[*cal] > a->verdict)
			a->verdict = sp->cal_verdict[*cal];
		a->mask |= sp->cal_mask[*cal];
	}
	return 0;
}

/* The lab responsible at t, as lab_at of coverage.c: the judged calibration's author, else the registrant. */
static int lab_of(struct part *p, const ct_summary_inst *s, size_t cal, struct ct__str *out)
{
	struct ct__sum_part *sp = p->sp;
	uint32_t author = cal == SIZE_MAX ? s->regs[0].author : s->cals[cal].author;
	const uint8_t *key = NULL;
	struct ct__org *o = NULL;
	int err;

	if (!sp->lab[author][0]) {
		if ((err = key_word(p, author, &key)) < 0 || (err = ct__org_get(p->tr, key, &o)) < 0)
			return err;
		ct_hex(sp->lab[author], o->lab, CT_KEY_BYTES);
	}
	out->p = sp->lab[author];
	out->n = 2 * CT_KEY_BYTES;
	return 0;
}

static int grow_cals(struct ct__sum_part *sp, size_t n)
{
	size_t cap = sp->cal_cap ? sp->cal_cap : 16;
	uint8_t *v;
	uint64_t *m;
	bool *d;

	if (n <= sp->cal_cap) {
		if (n)
			memset(sp->cal_done, 0, n * sizeof(*sp->cal_done));
		return 0;
	}
	while (cap < n)
		cap *= 2;
	if (!(v = realloc(sp->cal_verdict, cap)))
		return ct_error_set(CT_ENOMEM, "out of memory computing coverage");
	sp->cal_verdict = v;
	if (!(m = realloc(sp->cal_mask, cap * sizeof(*m))))
		return ct_error_set(CT_ENOMEM, "out of memory computing coverage");
	sp->cal_mask = m;
	if (!(d = realloc(sp->cal_done, cap * sizeof(*d))))
		return ct_error_set(CT_ENOMEM, "out of memory computing coverage");
	sp->cal_done = d;
	sp->cal_cap = cap;
	memset(sp->cal_done, 0, n * sizeof(*sp->cal_done));
	return 0;
}

/* The entries' way, for one instrument. */
static int by_entries(struct part *p, const ct_summary_inst *s)
{
	int err;

	p->sp->fallbacks++;
	if ((err = ct__load_rows(p->tr, &p->tr->rows, CT_NS_INSTRUMENT, s->id, s->id_len)) < 0)
		return err;
	return ct__coverage_count(p, s->id, s->id_len, p->tr->rows.v, p->tr->rows.n);
}

/* One instrument's record, judged at every time (ct__coverage_count's twin). */
static int count_record(void *ctx, const ct_summary_inst *s)
{
	struct part *p = ctx;
	struct ct__sum_part *sp = p->sp;
	const ct_coverage_filter *f = &p->q->filter;
	struct ct__inst *in = &sp->in;
	struct ct__str tier = {"", 0}, lab = {"", 0};
	bool entries;
	size_t j, cal;
	int err;

	if (s->nregs == 0)
		return 0; /* the index scan skips an instrument with no registration row */
	if ((err = needs_entries(p, s, &entries)) < 0)
		return err;
	if (entries)
		return by_entries(p, s);
	if ((err = load(p, s, in)) < 0)
		return err;
	if (!ct__coverage_str_is(in->district, f->district) || !ct__coverage_str_is(in->category, f->category) ||
	    !ct__coverage_str_is(in->catalogue, f->catalogue) || !ct__coverage_str_is(in->owner, f->owner))
		return 0;
	if ((err = grow_cals(sp, s->ncals)) < 0)
		return err;
	in->cal_row = SIZE_MAX;
	for (j = 0; j < p->ntimes; j++) {
		uint64_t t = p->times[j];
		if (in->registered_at > t || ct__inst_retired(in, t))
			continue;
		if ((f->tier || p->q->by == CT_BY_TIER) &&
		    (err = ct__coverage_tier_at(p->tr, in->registrant, t, &tier)) < 0)
			return err;
		if (f->tier && !ct__str_eq(tier, f->tier) && !(tier.n == 0 && !*f->tier))
			continue;
		if ((err = inst_at(p, s, in, t, &p->at, &cal)) < 0)
			return err;
		ct__counts_add(&p->totals[j], (ct_verdict)p->at.verdict, p->at.compulsory, p->at.mask);
		if (p->q->each)
			p->q->each(p->q->each_ctx, s->id, s->id_len, t, (ct_verdict)p->at.verdict, p->at.mask,
				   p->at.compulsory);
		if (p->q->by == CT_BY_LAB && (err = lab_of(p, s, cal, &lab)) < 0)
			return err;
		if (p->q->by != CT_BY_NONE &&
		    (err = ct__coverage_add_to_group(&p->groups[j], ct__coverage_group_key(in, p->q->by, tier, lab),
						     &p->at)) < 0)
			return err;
	}
	return 0;
}

int ct__coverage_sum_part(struct part *p)
{
	int err;

	if ((err = part_init(p)) < 0)
		return err;
	return ct_summary_scan(p->r, p->index, p->count, count_record, p);
}
