/*
 * caltrace/web/label.h - printable label sheets for instruments: each
 * label a QR code (libqrencode) that opens the instrument's page under the
 * site's base URL (BASE/i/ID, caltrace/web/web.h), beside the id, the
 * validity of the verification (or calibration) the instrument's verdict
 * rests on, its certificate number and lab. Sheets are A4, 3 x 8 labels of
 * 70 x 37 mm, as SVG (bilingual captions; all sheets one below the other)
 * or PDF (one page a sheet; English captions, as the PDF carries only the
 * standard Helvetica font: any other character of an id prints as '?', the
 * QR code keeps it exactly).
 */
#ifndef CALTRACE_WEB_LABEL_H
#define CALTRACE_WEB_LABEL_H

#include "caltrace/eval/trace.h"
#include "caltrace/ledger/ledger.h"

#define CT_LABEL_COLUMNS 3
#define CT_LABEL_ROWS	 8
#define CT_LABELS_MAX	 10000 /* labels in one run */

typedef struct ct_label {
	char *id;
	char *url;	    /* what the QR code opens */
	ct_verdict verdict; /* at the time asked */
	bool has_cal;	    /* a verification or calibration is on record */
	char *kind;	    /* "verification", "calibration", ... (NULL without) */
	char *certificate;  /* NULL without */
	char *lab;	    /* its lab's name, NULL when unknown */
	uint64_t performed_at, valid_until;
} ct_label;

typedef struct ct_labels {
	ct_label *v;
	size_t n;
} ct_labels;

/*
 * The labels of the instruments ids (n of them) as the ledger has them at
 * time at, with QR codes opening base_url's pages (base_url: "http://..."
 * or "https://...", no trailing slash needed).
 * Errors: CT_ENOTFOUND (an id no instrument has: the detail names it),
 * CT_EINVAL (a bad base URL or id), CT_ETOOBIG (over CT_LABELS_MAX),
 * CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_labels_for_ids(ct_labels **out, ct_reader *r, const char *const *ids, size_t n, uint64_t at,
		      const char *base_url);

/*
 * The labels of the instruments lab is responsible for that are overdue or
 * due within within_days at time at (ct_due_list's order).
 * Errors: those of ct_labels_for_ids and ct_due_list.
 */
int ct_labels_for_lab(ct_labels **out, ct_reader *r, const uint8_t lab[CT_KEY_BYTES], uint64_t within_days,
		      uint64_t at, const char *base_url);

/* Frees labels; accepts NULL. */
void ct_labels_free(ct_labels *l);

typedef enum ct_label_format { CT_LABEL_SVG = 1, CT_LABEL_PDF } ct_label_format;

/*
 * Appends the sheets of labels to out, in format f. Pure: the same labels
 * give the same bytes. Errors: CT_ETOOBIG (a URL too long for a QR code),
 * CT_EINVAL (no labels), CT_ENOMEM.
 */
int ct_labels_write(ct_buf *out, const ct_labels *l, ct_label_format f);

#endif
