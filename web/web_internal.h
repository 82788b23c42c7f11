/* Internals of the web library, shared by its files only. */
#ifndef CT_WEB_INTERNAL_H
#define CT_WEB_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include "caltrace/eval/coverage.h"
#include "caltrace/eval/trace.h"
#include "caltrace/ledger/index.h"
#include "caltrace/web/label.h"
#include "caltrace/web/web.h"

/* ---- url.c: percent-encoding, pure ---------------------------------------- */

/*
 * Decodes a path segment (plus is a plus) or a query component (plus is a
 * space) of n bytes into out (at most cap bytes plus a NUL). Refuses a bad
 * escape, %00, and what does not fit. Returns the decoded length or -1,
 * with what is wrong in why.
 */
long ct__pct_decode(char *out, size_t cap, const char *s, size_t n, bool query, const char **why);

/* Appends s percent-encoded for a path segment or a query value (unreserved bytes and UTF-8 kept). */
int ct__pct_encode(ct_buf *out, const char *s, size_t n);

/* Whether s is valid as an id: 1..CT_ID_MAX bytes of UTF-8 without control characters. why says what is not.
 */
bool ct__id_ok(const char *s, size_t n, const char **why);

/* ---- out.c: a response body written with a sticky error ------------------ */

struct ct__out {
	ct_buf *b;
	int err; /* CT_ENOMEM once anything failed; later writes do nothing */
};

void ct__w_put(struct ct__out *o, const char *s, size_t n);
void ct__w_str(struct ct__out *o, const char *s);
void ct__w_fmt(struct ct__out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text with &, <, >, " and ' escaped: safe in element content and quoted attributes. */
void ct__w_esc(struct ct__out *o, const char *s);
void ct__w_escn(struct ct__out *o, const char *s, size_t n);
/* A path segment or query value, percent-encoded, then escaped for an attribute. */
void ct__w_url(struct ct__out *o, const char *s, size_t n);

/* ---- problem.c: errors ------------------------------------------------------ */

/*
 * Fills resp with an error: an RFC 9457 problem (application/problem+json)
 * when api, else an HTML page in lang. status 400, 404, 405, 406, 410,
 * 413, 414, 429, 500, 503. detail is printf-formatted.
 */
void ct__problem(ct_web_response *resp, bool api, int lang, int status, const char *instance, const char *fmt,
		 ...) __attribute__((format(printf, 6, 7)));

/* The reason phrase of a status. */
const char *ct__status_title(int status);

/* ---- lang.c: the two languages ---------------------------------------------- */

/* The language an Accept-Language header prefers among zh and en; CT_WEB_ZH when neither. */
int ct__lang_from_header(const char *accept_language);

/* A message in lang; the keys are the WEB_T_* of lang.c. */
enum ct__msg {
	T_SITE = 0,
	T_SEARCH_TITLE,
	T_SEARCH_HINT,
	T_SEARCH_BUTTON,
	T_SCAN_BUTTON,
	T_SCAN_STOP,
	T_SCAN_UNSUPPORTED,
	T_NOT_FOUND_ID,
	T_MATCHES,
	T_INSTRUMENT,
	T_STANDARD,
	T_VERDICT_VALID,
	T_VERDICT_SUSPECT,
	T_VERDICT_INVALID,
	T_VERDICT_AT,
	T_OWNER,
	T_DISTRICT,
	T_CATEGORY,
	T_CATALOGUE,
	T_DOMAIN,
	T_COMPULSORY,
	T_YES,
	T_NO,
	T_LEVEL,
	T_PUBLIC,
	T_REGISTRATION,
	T_LATEST_CAL,
	T_CERTIFICATE,
	T_LAB,
	T_PERFORMED,
	T_VALID_UNTIL,
	T_VALIDITY,
	T_RESULT,
	T_TECHNICIAN,
	T_CHAIN,
	T_CHAIN_NOTE,
	T_REASONS,
	T_DOWNLOAD_PROOF,
	T_PROOF_NOTE,
	T_JSON,
	T_NO_CALIBRATION,
	T_SHOWN_ABOVE,
	T_TRUNCATED,
	T_ANCHOR,
	T_PROVIDER,
	T_KIND_VERIFICATION,
	T_KIND_CALIBRATION,
	T_KIND_COMPARISON,
	T_DASHBOARD,
	T_DASH_SUB,
	T_INDICATORS,
	T_INDICATOR,
	T_CITY,
	T_TARGET_2016,
	T_TARGET_2020,
	T_STATUS,
	T_DISTRICTS,
	T_INSTRUMENTS,
	T_COVERAGE,
	T_INSPECTION,
	T_SUSPECT,
	T_DISTRICT_STANDARDS,
	T_TARGET,
	T_MEETS,
	T_BELOW,
	T_NO_DATA,
	T_TREND,
	T_TREND_NOTE,
	T_OOT_TITLE,
	T_OOT_NONE,
	T_STANDARD_ID,
	T_SINCE,
	T_IMPACT,
	T_IMPACT_COUNTS,
	T_OVERDUE_TITLE,
	T_NEVER,
	T_FAILED,
	T_OVERDUE,
	T_DUE,
	T_TOTAL,
	T_LAB_TITLE,
	T_LAB_SUB,
	T_STATE,
	T_DAYS,
	T_ID,
	T_NONE_DUE,
	T_PREV,
	T_NEXT,
	T_SHOWING,
	T_UNKNOWN_LAB,
	T_DIGEST,
	T_ERROR,
	T_BACK,
	T_LANG_OTHER,
	T_STATUS_2020,
	T_STATUS_2016,
	T_AT_DATE,
	T_SHOW,
	T_ADMITTED,
	T_NOT_ADMITTED,
	T_IND_0,
	T_IND_1,
	T_IND_2,
	T_IND_3,
	T_IND_4,
	T_IND_5,
	T__COUNT
};
const char *ct__t(int lang, enum ct__msg m);

/* A reason code explained in lang (one sentence), or NULL. */
const char *ct__reason_text(int lang, ct_reason code);

/* ---- pages and API (page_*.c, api.c) ----------------------------------------- */

/* What a handler reads through: one snapshot and a tracer on it. */
struct ct__req {
	ct_web_site *site;
	const ct_web_request *req;
	const ct_web_route *rt;
	ct_reader *r;
	ct_tracer *tr; /* NULL until ct__tracer() */
};

int ct__tracer(struct ct__req *q, ct_tracer **out);

/* Whether the store holds rows of subject id in namespace ns. Errors: CT_ECORRUPT. */
int ct__subject_known(ct_reader *r, char ns, const char *id, size_t id_len, bool *known);

int ct__api(struct ct__req *q, ct_web_response *resp);
int ct__page_subject(struct ct__req *q, ct_web_response *resp);
int ct__page_search(struct ct__req *q, ct_web_response *resp);
int ct__page_dashboard(struct ct__req *q, ct_web_response *resp);
int ct__page_lab(struct ct__req *q, ct_web_response *resp);
/* A static asset; 404 problem when it has no such file. */
void ct__asset(const ct_web_route *rt, ct_web_response *resp);

/* page.c: the frame every page shares. */
void ct__page_begin(struct ct__out *o, const struct ct__req *q, const char *title);
void ct__page_end(struct ct__out *o, const struct ct__req *q);
/* "?lang=en" (or "&lang=en" when first is false) when the language was chosen explicitly, else "". */
const char *ct__lang_param(const struct ct__req *q, bool first);
/* Fills resp as a 200 HTML page from o's body. */
void ct__html_ok(ct_web_response *resp);
/* A verdict as a badge (inline SVG icon and word). */
void ct__badge(struct ct__out *o, int lang, ct_verdict v, bool big);
/* ISO date of ms. */
const char *ct__w_day(char out[32], uint64_t ms);

/* site.c */
const char *ct__site_base(const ct_web_site *s);
const char *ct__site_home(const ct_web_site *s);
const uint8_t *ct__site_key(const ct_web_site *s);
unsigned ct__site_threads(const ct_web_site *s);
/* The genesis's network name (caller frees), or NULL. */
char *ct__network_name(ct_reader *r);

/* ---- ratelimit.c: a token bucket per client address -------------------------- */

struct ct__limiter;

/* A limiter of rate requests per second, burst at once. Errors: CT_ENOMEM. */
int ct__limiter_new(struct ct__limiter **out, unsigned rate, unsigned burst);
void ct__limiter_free(struct ct__limiter *l);

/*
 * Takes one request of the client with address addr (len bytes) at time
 * now (ms): 0 when allowed, else the seconds to wait. Thread-safe.
 */
unsigned ct__limiter_take(struct ct__limiter *l, const void *addr, size_t len, uint64_t now);

/* ---- labels (label*.c) ------------------------------------------------------- */

/* A QR code's modules, row by row, 1 for dark; width x width, quiet zone not included. */
struct ct__qr {
	int width;
	unsigned char *dark;
};

/* The QR code of text (byte mode, error correction M). Errors: CT_ETOOBIG, CT_ENOMEM. */
int ct__qr_make(struct ct__qr *out, const char *text);
void ct__qr_free(struct ct__qr *q);

/* Label geometry, in millimetres (label.h: A4, 3 x 8 labels of 70 x 37). */
#define CT__PAGE_W  210.0
#define CT__PAGE_H  297.0
#define CT__LABEL_W 70.0
#define CT__LABEL_H 37.0
#define CT__TOP	    0.5 /* the rows' top margin */
#define CT__QR_X    3.0 /* the QR code's box, its quiet zone inside */
#define CT__QR_Y    3.0
#define CT__QR_SIZE 31.0
#define CT__TEXT_X  35.0 /* the text column */

/* The top-left corner of label i of its sheet. */
void ct__label_origin(size_t i, double *x, double *y);

/*
 * At most max code points of s into out (cap bytes, NUL-terminated), and
 * "…" when cut and ellipsis is set. Returns the bytes of s taken.
 */
size_t ct__label_cut(char *out, size_t cap, const char *s, size_t max, bool ellipsis);

int ct__labels_svg(ct_buf *out, const ct_labels *l);
int ct__labels_pdf(ct_buf *out, const ct_labels *l);

#endif
