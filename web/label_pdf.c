/*
 * Label sheets as a PDF 1.4 file written directly: a catalog, a page tree,
 * the two standard fonts Helvetica and Helvetica-Bold (every PDF reader
 * has them, so nothing is embedded), and per A4 sheet one page whose
 * content stream fills the QR codes' dark modules as rectangles and sets
 * the captions. The cross-reference table gives each object's offset.
 * Text is what WinAnsiEncoding has of ASCII, and the ellipsis: any other
 * character prints as '?' (the QR code carries the id exactly).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "web_internal.h"

#define PT (72.0 / 25.4) /* points a millimetre */

/* A PDF string literal of s: printable ASCII kept, ( ) \ escaped, anything else '?'. */
static void pdf_string(struct ct__out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	ct__w_str(o, "(");
	while (*p) {
		if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xa6) { /* U+2026 is WinAnsi's 0x85 */
			ct__w_str(o, "\\205");
			p += 3;
			continue;
		}
		if (*p >= 0x80) { /* one '?' for the whole UTF-8 sequence */
			ct__w_str(o, "?");
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
			continue;
		}
		if (*p == '(' || *p == ')' || *p == '\\')
			ct__w_put(o, "\\", 1);
		if (*p >= 0x20 && *p < 0x7f)
			ct__w_put(o, (const char *)p, 1);
		else
			ct__w_str(o, "?");
		p++;
	}
	ct__w_str(o, ")");
}

/* Text at (x, y) mm from the sheet's top-left corner. */
static void text(struct ct__out *o, double x, double y, double size_mm, bool bold, const char *s)
{
	ct__w_fmt(o, "BT /%s %.2f Tf %.2f %.2f Td ", bold ? "F2" : "F1", size_mm * PT, x * PT,
		  (CT__PAGE_H - y) * PT);
	pdf_string(o, s);
	ct__w_str(o, " Tj ET\n");
}

static void qr_rects(struct ct__out *o, const struct ct__qr *qr, double x0, double y0)
{
	double m = CT__QR_SIZE / (qr->width + 8);
	int x, y;

	ct__w_str(o, "0 g\n");
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width;) {
			int run = 0;
			while (x + run < qr->width && qr->dark[y * qr->width + x + run])
				run++;
			if (run)
				ct__w_fmt(o, "%.3f %.3f %.3f %.3f re\n", (x0 + (x + 4) * m) * PT,
					  (CT__PAGE_H - (y0 + (y + 5) * m)) * PT, run * m * PT, m * PT);
			x += run ? run : 1;
		}
	ct__w_str(o, "f\n");
}

static int one(struct ct__out *o, const ct_label *lb, double x, double y)
{
	struct ct__qr qr;
	char line[256], day[32];
	double tx = x + CT__TEXT_X;
	size_t n;
	int err;

	if ((err = ct__qr_make(&qr, lb->url)) < 0)
		return err;
	ct__w_fmt(o, "0.75 G 0.3 w [1.5 1.5] 0 d %.2f %.2f %.2f %.2f re S [] 0 d\n", (x + 0.5) * PT,
		  (CT__PAGE_H - (y + CT__LABEL_H - 0.5)) * PT, (CT__LABEL_W - 1) * PT,
		  (CT__LABEL_H - 1) * PT);
	qr_rects(o, &qr, x + CT__QR_X, y + CT__QR_Y);
	ct__qr_free(&qr);
	n = ct__label_cut(line, sizeof(line), lb->id, 16, false);
	text(o, tx, y + 7.5, 3.6, true, line);
	if (lb->id[n]) {
		ct__label_cut(line, sizeof(line), lb->id + n, 16, true);
		text(o, tx, y + 11.5, 3.6, true, line[0] ? line : "");
	}
	if (lb->has_cal) {
		text(o, tx, y + 17.5, 2.4, false,
		     lb->kind && !strcmp(lb->kind, "verification") ? "verification valid until"
								   : "calibration valid until");
		ct_time_format(day, sizeof(day), lb->valid_until);
		text(o, tx, y + 22.5, 4.2, true, day);
		snprintf(line, sizeof(line), "cert. %s", lb->certificate ? lb->certificate : "-");
		ct__label_cut(line, sizeof(line), line, 30, false);
		text(o, tx, y + 27, 2.6, false, line);
		if (lb->lab) {
			ct__label_cut(line, sizeof(line), lb->lab, 30, false);
			text(o, tx, y + 31, 2.2, false, line);
		}
	} else {
		text(o, tx, y + 22, 2.6, true, "no verification on record");
	}
	text(o, tx, y + 34.5, 1.8, false, "scan to check");
	return 0;
}

/* Starts object number id: its offset goes to offsets[id]. */
static void begin_obj(struct ct__out *o, size_t *offsets, size_t id)
{
	offsets[id] = o->b->len;
	ct__w_fmt(o, "%zu 0 obj\n", id);
}

int ct__labels_pdf(ct_buf *out, const ct_labels *l)
{
	struct ct__out o = {out, 0};
	size_t per = CT_LABEL_COLUMNS * CT_LABEL_ROWS, pages = (l->n + per - 1) / per, nobj = 4 + 2 * pages;
	size_t start = out->len, *offsets, i, p, xref;
	ct_buf content = CT_BUF_INIT;
	int err = 0;

	if (!(offsets = calloc(nobj + 1, sizeof(*offsets))))
		return ct_error_set(CT_ENOMEM, "out of memory for a PDF");
	/* Offsets count from the file's first byte: out may hold bytes before it. */
	ct__w_str(&o, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	begin_obj(&o, offsets, 1);
	ct__w_str(&o, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	begin_obj(&o, offsets, 2);
	ct__w_str(&o, "<< /Type /Pages /Kids [");
	for (p = 0; p < pages; p++)
		ct__w_fmt(&o, "%s%zu 0 R", p ? " " : "", 5 + 2 * p);
	ct__w_fmt(&o, "] /Count %zu >>\nendobj\n", pages);
	begin_obj(&o, offsets, 3);
	ct__w_str(
	    &o,
	    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n");
	begin_obj(&o, offsets, 4);
	ct__w_str(&o,
		  "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>\n"
		  "endobj\n");
	for (p = 0; p < pages && !o.err; p++) {
		struct ct__out c = {&content, 0};
		double x, y;
		content.len = 0;
		for (i = p * per; i < l->n && i < (p + 1) * per; i++) {
			ct__label_origin(i, &x, &y);
			if ((err = one(&c, &l->v[i], x, y)) < 0)
				goto done;
		}
		if (c.err) {
			o.err = c.err;
			break;
		}
		begin_obj(&o, offsets, 5 + 2 * p);
		ct__w_fmt(
		    &o,
		    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 3 0 R "
		    "/F2 4 0 R >> >> /Contents %zu 0 R >>\nendobj\n",
		    CT__PAGE_W * PT, CT__PAGE_H * PT, 6 + 2 * p);
		begin_obj(&o, offsets, 6 + 2 * p);
		ct__w_fmt(&o, "<< /Length %zu >>\nstream\n", content.len);
		ct__w_put(&o, (const char *)content.ptr, content.len);
		ct__w_str(&o, "\nendstream\nendobj\n");
	}
	xref = out->len - start;
	ct__w_fmt(&o, "xref\n0 %zu\n0000000000 65535 f \n", nobj + 1);
	for (i = 1; i <= nobj; i++)
		ct__w_fmt(&o, "%010zu 00000 n \n", offsets[i] - start);
	ct__w_fmt(&o, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", nobj + 1, xref);
	err = o.err;
done:
	ct_buf_free(&content);
	free(offsets);
	return err;
}
