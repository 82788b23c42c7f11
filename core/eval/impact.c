/*
 * Reverse traceability (docs/DESIGN.md section 6, last paragraph): the graph of
 * cal links walked from a standard towards everything calibrated with it,
 * breadth first, through the calibrations-by-standard index.
 */
#include <stdlib.h>

#include "trace_internal.h"

/* A standard reached, and the calibration of it whose users depend on the start. */
struct frontier {
	char *id;
	size_t id_len;
	bool any;		    /* the start: every use from since on */
	uint8_t cal[CT_HASH_BYTES]; /* else: only uses citing this calibration */
	uint64_t since;
	unsigned depth;
};

struct walk {
	ct_tracer *tr;
	struct frontier *queue;
	size_t head, count, cap;
	ct_hmap seen; /* calibration hashes listed */
	ct_impact *im;
	size_t capitems;
	const struct frontier *cur;
	int err;
};

static char *dup_str(struct ct__str s)
{
	char *p;

	if (!s.p || !(p = malloc(s.n + 1)))
		return NULL;
	memcpy(p, s.p, s.n);
	p[s.n] = '\0';
	return p;
}

static int enqueue(struct walk *w, const char *id, size_t id_len, const uint8_t *cal, uint64_t since,
		   unsigned depth)
{
	struct frontier *f;

	if (w->count == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		if (!(f = realloc(w->queue, cap * sizeof(*f))))
			return ct_error_set(CT_ENOMEM, "out of memory walking uses");
		w->queue = f;
		w->cap = cap;
	}
	f = &w->queue[w->count];
	memset(f, 0, sizeof(*f));
	if (!(f->id = malloc(id_len + 1)))
		return ct_error_set(CT_ENOMEM, "out of memory walking uses");
	memcpy(f->id, id, id_len);
	f->id[id_len] = '\0';
	f->id_len = id_len;
	f->any = cal == NULL;
	if (cal)
		memcpy(f->cal, cal, CT_HASH_BYTES);
	f->since = since;
	f->depth = depth;
	w->count++;
	return 0;
}

/* Whether calibration e cites standard id with cal link cal (any link when cal is NULL). */
static bool cites(const ct_entry *e, const char *id, size_t id_len, const uint8_t *cal)
{
	ct_mp list, item, v;
	struct ct__str sid;
	const uint8_t *link;
	uint32_t count, i;
	size_t len;

	if (ct__body_cursor(e, "standards", &list) < 0 || ct_mp_read_array(&list, &count) < 0)
		return false;
	for (i = 0; i < count; i++) {
		item = list;
		if (ct__skip(&list) < 0)
			return false;
		item.end = list.p;
		if (ct__map_find(&item, "id", &v) < 0 || ct__read_str(&v, &sid) < 0)
			continue;
		if (sid.n != id_len || memcmp(sid.p, id, id_len) != 0)
			continue;
		if (!cal)
			return true;
		if (ct__map_find(&item, "cal", &v) == 0 && ct_mp_read_bin(&v, &link, &len) == 0 &&
		    len == CT_HASH_BYTES && memcmp(link, cal, CT_HASH_BYTES) == 0)
			return true;
	}
	return false;
}

static int first_row(void *ctx, const ct_index_row *row)
{
	*(ct_index_row *)ctx = *row;
	return 1;
}

/* The district an item belongs to: an instrument's registration, a standard's owner's admission. */
static int district_of(struct walk *w, ct_impact_item *it)
{
	ct_index_row reg = {0};
	struct ct__str district = {NULL, 0};
	const struct ct__admission *a;
	struct ct__org *o = NULL;
	ct_entry e;
	int err;

	err = ct_read_subject_rows(w->tr->r, it->kind, it->id, strlen(it->id), CT_ROW_REGISTER, first_row,
				   &reg);
	if (err < 0)
		return err;
	if (reg.kind != CT_ROW_REGISTER)
		return 0;
	if ((err = ct__read_entry(w->tr, reg.hash, &e)) < 0)
		return err;
	if (it->kind == CT_NS_INSTRUMENT) {
		ct__body_str(&e, "district", &district);
	} else {
		if ((err = ct__org_get(w->tr, e.author, &o)) < 0)
			return err;
		if ((a = ct__admission_at(o, it->performed_at)) || (o->nadm && (a = &o->adm[o->nadm - 1])))
			district = a->district;
	}
	it->district = dup_str(district);
	return 0;
}

static int add_item(struct walk *w, const ct_entry *e, const uint8_t hash[CT_HASH_BYTES])
{
	struct ct__str subject, kind;
	const struct ct__admission *a;
	struct ct__org *o = NULL;
	ct_impact_item *it;
	int err;

	if (w->im->count == w->capitems) {
		size_t cap = w->capitems ? 2 * w->capitems : 32;
		if (!(it = realloc(w->im->items, cap * sizeof(*it))))
			return ct_error_set(CT_ENOMEM, "out of memory listing the impact");
		w->im->items = it;
		w->capitems = cap;
	}
	it = &w->im->items[w->im->count++];
	memset(it, 0, sizeof(*it));
	if (ct__body_str(e, "subject", &subject) < 0 || ct__body_str(e, "subject_kind", &kind) < 0 ||
	    ct__body_uint(e, "performed_at", &it->performed_at) < 0 ||
	    ct__body_uint(e, "valid_until", &it->valid_until) < 0)
		return ct_error_set(CT_ECORRUPT, "stored calibration lacks a field");
	it->kind = ct__str_eq(kind, "standard") ? CT_NS_STANDARD : CT_NS_INSTRUMENT;
	it->id = dup_str(subject);
	it->via = strdup(w->cur->id);
	it->depth = w->cur->depth;
	memcpy(it->calibration, hash, CT_HASH_BYTES);
	if ((err = ct__org_get(w->tr, e->author, &o)) < 0)
		return err;
	memcpy(it->lab, o->lab, CT_KEY_BYTES); /* a re-keyed lab is one lab, named by its first key */
	if ((a = ct__admission_at(o, it->performed_at)) || (o->nadm && (a = &o->adm[o->nadm - 1])))
		it->lab_name = dup_str(a->name);
	if (!it->id || !it->via)
		return ct_error_set(CT_ENOMEM, "out of memory listing the impact");
	if ((err = district_of(w, it)) < 0)
		return err;
	if (it->kind == CT_NS_STANDARD)
		return enqueue(w, subject.p, subject.n, hash, it->performed_at, w->cur->depth + 1);
	return 0;
}

static int consider_use(void *ctx, const ct_index_row *row)
{
	struct walk *w = ctx;
	const struct frontier *f = w->cur;
	ct_entry e;
	int err;

	if (ct_hmap_get(&w->seen, row->hash, CT_HASH_BYTES))
		return 0;
	if ((err = ct__read_entry(w->tr, row->hash, &e)) < 0)
		return err;
	if (!cites(&e, f->id, f->id_len, f->any ? NULL : f->cal))
		return 0;
	if ((err = ct_hmap_put(&w->seen, row->hash, CT_HASH_BYTES, (void *)1)) < 0)
		return err;
	return add_item(w, &e, row->hash);
}

static int str_order(const char *a, const char *b)
{
	if (!a || !b)
		return a ? -1 : b ? 1 : 0; /* the unknown last */
	return strcmp(a, b);
}

static int item_order(const void *pa, const void *pb)
{
	const ct_impact_item *a = pa, *b = pb;
	int c;

	if ((c = str_order(a->district, b->district)) || (c = str_order(a->lab_name, b->lab_name)) ||
	    (c = memcmp(a->lab, b->lab, CT_KEY_BYTES)))
		return c;
	if (a->kind != b->kind)
		return a->kind == CT_NS_STANDARD ? -1 : 1;
	if ((c = strcmp(a->id, b->id)))
		return c;
	if (a->performed_at != b->performed_at)
		return a->performed_at < b->performed_at ? -1 : 1;
	return memcmp(a->calibration, b->calibration, CT_HASH_BYTES);
}

static int count_distinct(ct_impact *im)
{
	ct_hmap ids = {0};
	char key[CT_ID_MAX + 2];
	size_t i, n;
	int err = 0;

	for (i = 0; i < im->count && err == 0; i++) {
		n = strlen(im->items[i].id);
		key[0] = im->items[i].kind;
		memcpy(key + 1, im->items[i].id, n);
		if (ct_hmap_get(&ids, key, n + 1))
			continue;
		if ((err = ct_hmap_put(&ids, key, n + 1, (void *)1)) == 0) {
			if (im->items[i].kind == CT_NS_STANDARD)
				im->standards++;
			else
				im->instruments++;
		}
	}
	ct_hmap_free(&ids, NULL);
	return err;
}

/*
 * The calibrations of key's feed that are no longer trusted (past its
 * compromise bound or past the seq a rekey closed it at): each is an item
 * of depth 1, and a calibration of a standard puts that standard, as
 * calibrated by it, in the queue.
 */
static int seed_key(struct walk *w, const uint8_t key[CT_KEY_BYTES])
{
	struct frontier start;
	char hex[2 * CT_KEY_BYTES + 1];
	struct ct__org *o = NULL;
	ct_feed_head head;
	uint64_t from, seq;
	uint8_t hash[CT_HASH_BYTES];
	ct_entry e;
	int err;

	if ((err = ct__org_get(w->tr, key, &o)) < 0)
		return err;
	from = o->cosigned_to < o->closed_at ? o->cosigned_to : o->closed_at;
	err = ct_read_head(&head, w->tr->r, key);
	if (err == CT_ENOTFOUND || from == CT__NO_FORK)
		return 0;
	if (err < 0)
		return err;
	ct_hex(hex, key, CT_KEY_BYTES);
	memset(&start, 0, sizeof(start));
	start.id = hex;
	start.id_len = 2 * CT_KEY_BYTES;
	start.depth = 1;
	for (seq = from + 1; seq <= head.size; seq++) {
		if ((err = ct_read_entry(&e, w->tr->r, key, seq)) < 0)
			return err;
		if (!(e.type_len == 11 && memcmp(e.type, "calibration", 11) == 0))
			continue;
		ct_entry_hash(hash, e.raw, e.raw_len);
		if (w->tr->record)
			w->tr->record(w->tr->record_ctx, hash);
		if ((err = ct_hmap_put(&w->seen, hash, CT_HASH_BYTES, (void *)1)) < 0)
			return err;
		w->cur = &start;
		err = add_item(w, &e, hash);
		w->cur = NULL;
		if (err < 0)
			return err;
	}
	return 0;
}

/* Walks the queue from w->head on, then sorts and counts what was found. */
static int walk_queue(struct walk *w)
{
	int err;

	for (; w->head < w->count; w->head++) {
		struct frontier cur = w->queue[w->head]; /* the queue may move while it grows */
		w->cur = &cur;
		err = ct_read_standard_uses(w->tr->r, w->cur->id, w->cur->id_len, w->cur->since, consider_use,
					    w);
		w->cur = NULL;
		if (err < 0)
			return err;
	}
	if (w->im->count > 1)
		qsort(w->im->items, w->im->count, sizeof(*w->im->items), item_order);
	return count_distinct(w->im);
}

static int walk_done(struct walk *w, int err, ct_impact **out)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		free(w->queue[i].id);
	free(w->queue);
	ct_hmap_free(&w->seen, NULL);
	if (err < 0) {
		ct_impact_free(w->im);
		return err;
	}
	*out = w->im;
	return 0;
}

int ct_impact_of_key(ct_impact **out, ct_tracer *tr, const uint8_t key[CT_KEY_BYTES])
{
	struct walk w;
	int err;

	*out = NULL;
	if ((err = ct__tracer_failed(tr, "the impact")) < 0)
		return err;
	memset(&w, 0, sizeof(w));
	w.tr = tr;
	if (!(w.im = calloc(1, sizeof(*w.im))))
		return ct_error_set(CT_ENOMEM, "out of memory listing the impact");
	if ((err = seed_key(&w, key)) == 0)
		err = walk_queue(&w);
	if (err == 0)
		err = ct__tracer_failed(tr, "the impact");
	return walk_done(&w, err, out);
}

int ct_impact_of(ct_impact **out, ct_tracer *tr, const char *id, size_t id_len, uint64_t since)
{
	struct walk w;
	int err;

	*out = NULL;
	if ((err = ct__tracer_failed(tr, "the impact")) < 0)
		return err;
	memset(&w, 0, sizeof(w));
	w.tr = tr;
	if (!(w.im = calloc(1, sizeof(*w.im))))
		return ct_error_set(CT_ENOMEM, "out of memory listing the impact");
	if ((err = enqueue(&w, id, id_len, NULL, since, 1)) == 0)
		err = walk_queue(&w);
	if (err == 0)
		err = ct__tracer_failed(tr, "the impact");
	return walk_done(&w, err, out);
}

void ct_impact_free(ct_impact *im)
{
	size_t i;

	if (!im)
		return;
	for (i = 0; i < im->count; i++) {
		free(im->items[i].id);
		free(im->items[i].via);
		free(im->items[i].lab_name);
		free(im->items[i].district);
	}
	free(im->items);
	free(im);
}

static int first_oot(void *ctx, const ct_index_row *row)
{
	*(ct_index_row *)ctx = *row;
	return 1;
}

int ct_impact_default_since(ct_reader *r, const char *id, size_t id_len, uint64_t *since)
{
	ct_index_row oot = {0};
	int err;

	*since = 0;
	if ((err = ct_read_subject_rows(r, CT_NS_STANDARD, id, id_len, CT_ROW_OOT, first_oot, &oot)) < 0)
		return err;
	if (oot.kind != CT_ROW_OOT)
		return 0;
	*since = oot.time;
	return 1;
}

int ct_impact_verdicts(ct_verdict **out, ct_tracer *tr, const ct_impact *im, uint64_t at)
{
	ct_verdict *v = NULL;
	size_t i;
	int err;

	*out = NULL;
	if (!im->count)
		return 0;
	if (!(v = calloc(im->count, sizeof(*v))))
		return ct_error_set(CT_ENOMEM, "out of memory judging %zu items", im->count);
	for (i = 0; i < im->count; i++) {
		const ct_impact_item *it = &im->items[i];
		if ((err = ct_trace_verdict(tr, it->kind, it->id, strlen(it->id), at, &v[i], NULL)) < 0) {
			free(v);
			return err;
		}
	}
	*out = v;
	return 0;
}
