/*
 * Labels (caltrace/web/label.h): what each label says, read from the
 * ledger as the instrument's page shows it, and its QR code.
 */
#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/eval/coverage.h"
#include "web_internal.h"

int ct__qr_make(struct ct__qr *out, const char *text)
{
	QRcode *qr;
	int i;

	out->width = 0;
	out->dark = NULL;
	errno = 0;
	if (!(qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M)))
		return errno == ERANGE
			   ? ct_error_set(CT_ETOOBIG, "'%.60s...' is too long for a QR code", text)
			   : ct_error_set(CT_ENOMEM, "cannot make the QR code of '%.60s'", text);
	if (!(out->dark = malloc((size_t)qr->width * (size_t)qr->width))) {
		QRcode_free(qr);
		return ct_error_set(CT_ENOMEM, "out of memory for a QR code");
	}
	out->width = qr->width;
	for (i = 0; i < qr->width * qr->width; i++)
		out->dark[i] = qr->data[i] & 1;
	QRcode_free(qr);
	return 0;
}

void ct__qr_free(struct ct__qr *q)
{
	free(q->dark);
	q->dark = NULL;
	q->width = 0;
}

void ct__label_origin(size_t i, double *x, double *y)
{
	size_t k = i % (CT_LABEL_COLUMNS * CT_LABEL_ROWS);

	*x = (double)(k % CT_LABEL_COLUMNS) * CT__LABEL_W;
	*y = CT__TOP + (double)(k / CT_LABEL_COLUMNS) * CT__LABEL_H;
}

size_t ct__label_cut(char *out, size_t cap, const char *s, size_t max, bool ellipsis)
{
	size_t i = 0, chars = 0, n = strlen(s);

	while (i < n && chars < max) {
		size_t step = 1;
		while (i + step < n && ((unsigned char)s[i + step] & 0xc0) == 0x80)
			step++;
		if (i + step + 4 > cap)
			break;
		i += step;
		chars++;
	}
	memmove(out, s, i);
	if (i < n && ellipsis)
		memcpy(out + i, "…", 4); /* 3 bytes and the NUL */
	else
		out[i] = '\0';
	return i;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One instrument's label from its chain at `at`. */
static int label_of(ct_label *lb, ct_tracer *tr, ct_reader *r, const char *id, uint64_t at, const char *base)
{
	ct_trace_node *tree = NULL;
	ct_buf url = CT_BUF_INIT;
	const char *why;
	bool known;
	int err;

	memset(lb, 0, sizeof(*lb));
	if (!ct__id_ok(id, strlen(id), &why))
		return ct_error_set(CT_EINVAL, "instrument id '%.60s' is not valid: %s", id, why);
	if ((err = ct__subject_known(r, CT_NS_INSTRUMENT, id, strlen(id), &known)) < 0)
		return err;
	if (!known)
		return ct_error_set(CT_ENOTFOUND, "no instrument with id '%s' is in the ledger", id);
	if ((err = ct_trace(&tree, tr, CT_NS_INSTRUMENT, id, strlen(id), at)) < 0)
		return err;
	if ((err = ct_buf_put(&url, base, strlen(base))) < 0 ||
	    (err = ct_web_subject_path(&url, CT_NS_INSTRUMENT, id, strlen(id))) < 0 ||
	    (err = ct_buf_put(&url, "", 1)) < 0)
		goto done;
	lb->url = (char *)url.ptr;
	url.ptr = NULL;
	lb->verdict = tree->verdict;
	if (!(lb->id = strdup(id))) {
		err = ct_error_set(CT_ENOMEM, "out of memory");
		goto done;
	}
	if (tree->nchildren) {
		const ct_trace_node *l = tree->children[0];
		lb->has_cal = true;
		lb->performed_at = l->performed_at;
		lb->valid_until = l->valid_until;
		lb->kind = dup_or_null(l->link_kind);
		lb->certificate = dup_or_null(l->certificate);
		lb->lab = dup_or_null(l->author_name);
	}
done:
	ct_buf_free(&url);
	ct_trace_free(tree);
	return err;
}

static void label_free(ct_label *lb)
{
	free(lb->id);
	free(lb->url);
	free(lb->kind);
	free(lb->certificate);
	free(lb->lab);
}

void ct_labels_free(ct_labels *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		label_free(&l->v[i]);
	free(l->v);
	free(l);
}

static int check_base(const char *base)
{
	if (!base || (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) ||
	    strpbrk(base, " \"'<>\\`\t\r\n?#"))
		return ct_error_set(CT_EINVAL, "base URL '%.80s' is not an http:// or https:// address",
				    base ? base : "");
	return 0;
}

int ct_labels_for_ids(ct_labels **out, ct_reader *r, const char *const *ids, size_t n, uint64_t at,
		      const char *base_url)
{
	ct_labels *l = NULL;
	ct_tracer *tr = NULL;
	char *base = NULL;
	size_t len;
	int err;

	*out = NULL;
	if ((err = check_base(base_url)) < 0)
		return err;
	if (n > CT_LABELS_MAX)
		return ct_error_set(CT_ETOOBIG, "%zu labels: at most %d at a time", n, CT_LABELS_MAX);
	len = strlen(base_url);
	if (!(base = strndup(base_url, len && base_url[len - 1] == '/' ? len - 1 : len)) ||
	    !(l = calloc(1, sizeof(*l))) || (n && !(l->v = calloc(n, sizeof(*l->v))))) {
		err = ct_error_set(CT_ENOMEM, "out of memory for %zu labels", n);
		goto done;
	}
	if ((err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	for (; l->n < n; l->n++)
		if ((err = label_of(&l->v[l->n], tr, r, ids[l->n], at, base)) < 0) {
			label_free(&l->v[l->n]);
			goto done;
		}
	*out = l;
	l = NULL;
done:
	ct_tracer_free(tr);
	ct_labels_free(l);
	free(base);
	return err;
}

int ct_labels_for_lab(ct_labels **out, ct_reader *r, const uint8_t lab[CT_KEY_BYTES], uint64_t within_days,
		      uint64_t at, const char *base_url)
{
	const char **ids = NULL;
	ct_due_query q;
	ct_due *d = NULL;
	size_t i;
	int err;

	*out = NULL;
	memset(&q, 0, sizeof(q));
	q.at = at;
	q.within_days = within_days;
	q.has_lab = true;
	memcpy(q.lab, lab, CT_KEY_BYTES);
	if ((err = check_base(base_url)) < 0 || (err = ct_due_list(&d, r, &q)) < 0)
		goto done;
	if (d->count && !(ids = calloc(d->count, sizeof(*ids)))) {
		err = ct_error_set(CT_ENOMEM, "out of memory for %zu labels", d->count);
		goto done;
	}
	for (i = 0; i < d->count; i++)
		ids[i] = d->items[i].id;
	err = ct_labels_for_ids(out, r, ids, d->count, at, base_url);
done:
	free(ids);
	ct_due_free(d);
	return err;
}

int ct_labels_write(ct_buf *out, const ct_labels *l, ct_label_format f)
{
	if (!l || !l->n)
		return ct_error_set(CT_EINVAL, "no labels to print");
	return f == CT_LABEL_PDF ? ct__labels_pdf(out, l) : ct__labels_svg(out, l);
}
