/*
 * Due and overdue lists for labs (docs/DESIGN.md section 7): each registered
 * instrument's latest unrevoked calibration against the date asked.
 */
#include <stdlib.h>

#include "coverage_internal.h"

struct due_scan {
	ct_tracer *tr;
	const ct_due_query *q;
	ct_due *d;
	size_t cap;
};

static char *dup_str(struct ct__str s)
{
	return s.p ? strndup(s.p, s.n) : NULL;
}

/* Classifies the instrument at q->at; state 0 when it is neither due nor overdue. */
static int classify(struct due_scan *w, const struct ct__inst *in, ct_due_item *it)
{
	const uint64_t at = w->q->at;
	struct ct__str result;
	size_t row;
	ct_entry e;
	uint64_t end, window;
	int err;

	memcpy(it->lab, in->registrant, CT_KEY_BYTES);
	if ((err = ct__inst_latest(w->tr, in, at, &row, NULL, NULL)) < 0)
		return err;
	if (row == SIZE_MAX) {
		it->state = CT_DUE_NEVER;
		return 0;
	}
	if ((err = ct__read_entry(w->tr, in->cals[row].hash, &e)) < 0)
		return err;
	if (ct__body_str(&e, "result", &result) < 0 ||
	    ct__body_uint(&e, "valid_until", &it->valid_until) < 0 ||
	    ct__body_uint(&e, "performed_at", &it->performed_at) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks a field");
	it->has_calibration = true;
	memcpy(it->calibration, in->cals[row].hash, CT_HASH_BYTES);
	memcpy(it->lab, e.author, CT_KEY_BYTES);
	end = it->valid_until > UINT64_MAX - w->tr->grace_ms ? UINT64_MAX : it->valid_until + w->tr->grace_ms;
	window = w->q->within_days > (UINT64_MAX - at) / CT__DAY_MS ? UINT64_MAX
								    : at + w->q->within_days * CT__DAY_MS;
	if (ct__str_eq(result, "fail")) {
		it->state = CT_DUE_FAILED;
	} else if (at > end) {
		it->state = CT_DUE_OVERDUE;
		it->days = -(int64_t)((at - it->valid_until) / CT__DAY_MS);
	} else if (it->valid_until <= window) {
		it->state = CT_DUE_SOON;
		it->days = it->valid_until >= at ? (int64_t)((it->valid_until - at) / CT__DAY_MS) : 0;
	}
	return 0;
}

static int fill(struct due_scan *w, const struct ct__inst *in, ct_due_item *it)
{
	const struct ct__admission *a;
	struct ct__org *o = NULL;
	int err;

	if ((err = ct__inst_compulsory(w->tr, in, w->q->at, &it->compulsory)) < 0 ||
	    (err = ct__org_get(w->tr, it->lab, &o)) < 0)
		return err;
	memcpy(it->lab, o->lab, CT_KEY_BYTES); /* a re-keyed lab is named by its first key */
	if ((a = ct__admission_at(o, w->q->at)) || (o->nadm && (a = &o->adm[o->nadm - 1])))
		it->lab_name = dup_str(a->name);
	it->id = dup_str(in->id);
	it->district = dup_str(in->district);
	it->owner = dup_str(in->owner);
	it->category = dup_str(in->category);
	it->catalogue = dup_str(in->catalogue);
	if (!it->id || !it->district || !it->owner || !it->category)
		return ct_error_set(CT_ENOMEM, "out of memory listing due instruments");
	return 0;
}

static void item_free(ct_due_item *it)
{
	free(it->id);
	free(it->district);
	free(it->owner);
	free(it->category);
	free(it->catalogue);
	free(it->lab_name);
}

static int consider(void *ctx, const char *id, size_t id_len, const ct_index_row *rows, size_t count)
{
	struct due_scan *w = ctx;
	struct ct__inst *in = &w->tr->inst;
	ct_due_item it, *grown;
	int err;

	if ((err = ct__inst_load(w->tr, in, id, id_len, rows, count)) < 0)
		return err;
	if ((in->reg != CT__REG_OK && in->reg != CT__REG_CONFLICT) || in->registered_at > w->q->at ||
	    ct__inst_retired(in, w->q->at) || (w->q->district && !ct__str_eq(in->district, w->q->district)))
		return 0;
	memset(&it, 0, sizeof(it));
	if ((err = classify(w, in, &it)) < 0)
		return err;
	if (it.state == 0 || (w->q->overdue_only && it.state == CT_DUE_SOON) ||
	    (w->q->has_lab && !ct__same_lab(w->tr, it.lab, w->q->lab)))
		return 0;
	if ((err = fill(w, in, &it)) < 0) {
		item_free(&it);
		return err;
	}
	if (w->d->count == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		if (!(grown = realloc(w->d->items, w->cap * sizeof(*grown)))) {
			item_free(&it);
			return ct_error_set(CT_ENOMEM, "out of memory listing due instruments");
		}
		w->d->items = grown;
	}
	w->d->items[w->d->count++] = it;
	return 0;
}

static int due_order(const void *pa, const void *pb)
{
	const ct_due_item *a = pa, *b = pb;

	if (a->state != b->state)
		return a->state < b->state ? -1 : 1;
	if (a->valid_until != b->valid_until)
		return a->valid_until < b->valid_until ? -1 : 1;
	return strcmp(a->id, b->id);
}

int ct_due_list(ct_due **out, ct_reader *r, const ct_due_query *q)
{
	struct due_scan w = {NULL, q, NULL, 0};
	struct ct__chunk_scan s;
	int err;

	*out = NULL;
	if (!(w.d = calloc(1, sizeof(*w.d))))
		return ct_error_set(CT_ENOMEM, "out of memory listing due instruments");
	memset(&s, 0, sizeof(s));
	s.times = &q->at;
	s.ntimes = 1;
	s.parts = 1;
	s.judge = consider;
	s.ctx = &w;
	if ((err = ct_tracer_new(&w.tr, r)) < 0 || ((s.tr = w.tr), (err = ct__chunk_scan(r, &s)) < 0) ||
	    (err = ct__tracer_failed(w.tr, "the due list")) < 0) {
		ct_tracer_free(w.tr);
		ct_due_free(w.d);
		return err;
	}
	ct_tracer_free(w.tr);
	if (w.d->count > 1)
		qsort(w.d->items, w.d->count, sizeof(*w.d->items), due_order);
	*out = w.d;
	return 0;
}

void ct_due_free(ct_due *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->count; i++)
		item_free(&d->items[i]);
	free(d->items);
	free(d);
}
