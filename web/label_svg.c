/*
 * Label sheets as one SVG document (millimetre units): each A4 sheet below
 * the previous, each label a QR code drawn as one path of dark modules and
 * its captions in Chinese and English. Every text is XML-escaped.
 */
#include <stdio.h>
#include <string.h>

#include "caltrace/base/time.h"
#include "web_internal.h"

/* The QR code as one path: a rectangle per horizontal run of dark modules. */
static void qr_path(struct ct__out *o, const struct ct__qr *qr, double x0, double y0)
{
	double m = CT__QR_SIZE / (qr->width + 8); /* a quiet zone of four modules on each side */
	int x, y;

	ct__w_fmt(o, "<rect x='%.2f' y='%.2f' width='%.2f' height='%.2f' fill='#fff'/>", x0, y0, CT__QR_SIZE,
		  CT__QR_SIZE);
	ct__w_str(o, "<path fill='#000' d='");
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width;) {
			int run = 0;
			while (x + run < qr->width && qr->dark[y * qr->width + x + run])
				run++;
			if (run)
				ct__w_fmt(o, "M%.3f %.3fh%.3fv%.3fh-%.3fz", x0 + (x + 4) * m,
					  y0 + (y + 4) * m, run * m, m, run * m);
			x += run ? run : 1;
		}
	ct__w_str(o, "'/>");
}

static void text(struct ct__out *o, double x, double y, double size, bool bold, const char *s)
{
	ct__w_fmt(o, "<text x='%.2f' y='%.2f' font-size='%.2f'%s>", x, y, size,
		  bold ? " font-weight='700'" : "");
	ct__w_esc(o, s);
	ct__w_str(o, "</text>");
}

static int one(struct ct__out *o, const ct_label *lb, double x, double y)
{
	struct ct__qr qr;
	char line[256], day[32];
	double tx = x + CT__TEXT_X;
	size_t n = 0;
	int err;

	if ((err = ct__qr_make(&qr, lb->url)) < 0)
		return err;
	ct__w_fmt(
	    o,
	    "<g class='label'><rect x='%.2f' y='%.2f' width='%.2f' height='%.2f' fill='none' stroke='#bbb' "
	    "stroke-width='0.2' stroke-dasharray='1 1'/>",
	    x + 0.5, y + 0.5, CT__LABEL_W - 1, CT__LABEL_H - 1);
	qr_path(o, &qr, x + CT__QR_X, y + CT__QR_Y);
	ct__qr_free(&qr);
	/* The id on up to two lines of 16 characters. */
	n = ct__label_cut(line, sizeof(line), lb->id, 16, false);
	text(o, tx, y + 7.5, 3.6, true, line);
	if (lb->id[n]) {
		ct__label_cut(line, sizeof(line), lb->id + n, 16, true);
		text(o, tx, y + 11.5, 3.6, true, line);
	}
	if (lb->has_cal) {
		text(o, tx, y + 17.5, 2.4, false,
		     lb->kind && !strcmp(lb->kind, "verification") ? "检定有效期至 · valid until"
								   : "校准有效期至 · valid until");
		ct_time_format(day, sizeof(day), lb->valid_until);
		text(o, tx, y + 22.5, 4.2, true, day);
		snprintf(line, sizeof(line), "证书 cert. %s", lb->certificate ? lb->certificate : "-");
		ct__label_cut(line, sizeof(line), line, 30, true);
		text(o, tx, y + 27, 2.6, false, line);
		if (lb->lab) {
			ct__label_cut(line, sizeof(line), lb->lab, 24, true);
			text(o, tx, y + 31, 2.2, false, line);
		}
	} else {
		text(o, tx, y + 20, 2.6, true, "无检定记录");
		text(o, tx, y + 24, 2.6, true, "no verification on record");
	}
	text(o, tx, y + 34.5, 1.8, false, "扫码查验 · scan to check");
	ct__w_str(o, "</g>\n");
	return 0;
}

int ct__labels_svg(ct_buf *out, const ct_labels *l)
{
	struct ct__out o = {out, 0};
	size_t per = CT_LABEL_COLUMNS * CT_LABEL_ROWS, pages = (l->n + per - 1) / per, i;
	double x, y;
	int err;

	ct__w_fmt(
	    &o,
	    "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='210mm' "
	    "height='%.0fmm' viewBox='0 0 210 %.0f' font-family='Helvetica, Arial, \"Noto Sans CJK SC\", "
	    "\"WenQuanYi Micro Hei\", sans-serif'>\n",
	    CT__PAGE_H * (double)pages, CT__PAGE_H * (double)pages);
	for (i = 0; i < l->n; i++) {
		ct__label_origin(i, &x, &y);
		if (i % per == 0)
			ct__w_fmt(&o, "<rect x='0' y='%.0f' width='210' height='297' fill='#fff'/>\n",
				  CT__PAGE_H * (double)(i / per));
		if ((err = one(&o, &l->v[i], x, y + CT__PAGE_H * (double)(i / per))) < 0)
			return err;
	}
	ct__w_str(&o, "</svg>\n");
	return o.err;
}
