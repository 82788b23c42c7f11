/*
 * caltrace/web/web.h - the read-only web service of `caltrace serve`:
 * instrument pages for inspectors and households, the bureau's dashboard,
 * a lab's due list, and the JSON API of docs/API.md.
 *
 * The service is pure code over a store: a request description goes in
 * (method, raw path and query, two headers, the time) and a response
 * description comes out (status, headers, body). ct_web_route_parse does
 * the routing and validates every path segment and query parameter
 * without touching the store, so it can be fuzzed and unit-tested alone;
 * ct_web_handle answers a routed request from one read snapshot of the
 * store. Only web/server.c, the libmicrohttpd glue (caltrace/web/server.h),
 * knows of sockets.
 *
 * The service never writes: it opens read transactions only, beside a
 * running caltraced. Every text it puts in a page is HTML-escaped, every
 * error is an RFC 9457 problem (JSON under /api/, a page elsewhere).
 */
#ifndef CALTRACE_WEB_H
#define CALTRACE_WEB_H

#include <stdbool.h>

#include "caltrace/base/types.h"
#include "caltrace/ledger/ledger.h"

#define CT_WEB_PATH_MAX	      2048 /* longest path, and longest query, of a request (414 beyond) */
#define CT_WEB_PARAMS_MAX     16   /* most query parameters of a request */
#define CT_WEB_LIMIT_DEFAULT  100  /* items of a list per response unless ?limit= */
#define CT_WEB_LIMIT_MAX      1000 /* largest ?limit= */
#define CT_WEB_MONTHS_MAX     60   /* longest ?monthly= range */
#define CT_WEB_WITHIN_MAX     3650 /* largest ?within= (days) */
#define CT_WEB_SEARCH_RESULTS 20   /* ids a search page lists */

/* What a request asks for. */
typedef struct ct_web_request {
	const char *method;	     /* "GET", "HEAD", ... */
	const char *path;	     /* raw (percent-encoded), starts with '/', no query */
	const char *query;	     /* raw, what follows '?'; NULL or "" when none */
	const char *accept_language; /* the header, or NULL */
	const char *if_none_match;   /* the header, or NULL */
	uint64_t now;		     /* ms since the epoch: the default of ?at= */
} ct_web_request;

/* What to answer. Strings are static unless said otherwise. */
typedef struct ct_web_response {
	int status;
	const char *content_type;
	ct_buf body;
	char etag[72];	      /* a quoted ETag, or "" */
	char *location;	      /* a redirect's target (malloc'd), or NULL */
	char *disposition;    /* a Content-Disposition value (malloc'd), or NULL */
	const char *cache;    /* a Cache-Control value, or NULL */
	const char *vary;     /* a Vary value, or NULL */
	const char *allow;    /* an Allow value (405), or NULL */
	unsigned retry_after; /* seconds (429, 503), or 0 */
} ct_web_response;

/* Frees what a response holds; it can be filled again. Accepts a zeroed one. */
void ct_web_response_free(ct_web_response *resp);

/* ---- routing: pure ---------------------------------------------------------- */

typedef enum ct_web_kind {
	CT_WEB_SEARCH_PAGE = 1, /* GET /            ?q=ID (search) */
	CT_WEB_INSTRUMENT_PAGE, /* GET /i/ID        ?at= */
	CT_WEB_STANDARD_PAGE,	/* GET /s/ID        ?at= */
	CT_WEB_DASHBOARD,	/* GET /dashboard   ?at= */
	CT_WEB_LAB_PAGE,	/* GET /labs/KEY    ?at= &within= &offset= */
	CT_WEB_ASSET,		/* GET /static/NAME */
	CT_WEB_API_INDEX,	/* GET /api/v1 */
	CT_WEB_API_SUBJECT,	/* GET /api/v1/{instruments,standards}/ID        ?at= */
	CT_WEB_API_CHAIN,	/* GET /api/v1/{instruments,standards}/ID/chain  ?at= */
	CT_WEB_API_PROOF,	/* GET /api/v1/{instruments,standards}/ID/proof  ?at= */
	CT_WEB_API_IMPACT,	/* GET /api/v1/standards/ID/impact ?since= &at= &offset= &limit= */
	CT_WEB_API_COVERAGE,	/* GET /api/v1/coverage ?by= &at= | &monthly= &district= &category= */
	CT_WEB_API_DUE,		/* GET /api/v1/labs/KEY/due ?within= &at= &overdue= &offset= &limit= */
	CT_WEB_API_STATUS,	/* GET /api/v1/status */
	CT_WEB_API_ENTRY,	/* GET /api/v1/entries/HASH */
} ct_web_kind;

enum { CT_WEB_ZH = 0, CT_WEB_EN = 1 };

/* A routed request: what it asks for, every parameter decoded and checked. */
typedef struct ct_web_route {
	ct_web_kind kind;
	bool api;		/* under /api/: errors as application/problem+json */
	bool head;		/* HEAD: the same headers, no body */
	int lang;		/* CT_WEB_ZH (the default) or CT_WEB_EN */
	bool lang_explicit;	/* ?lang= given: links keep it */
	char ns;		/* CT_NS_INSTRUMENT or CT_NS_STANDARD, for subject routes */
	char id[CT_ID_MAX + 1]; /* the subject, or the search's ?q= (NUL-terminated, valid UTF-8) */
	size_t id_len;
	uint8_t key[CT_KEY_BYTES];   /* a lab */
	uint8_t hash[CT_HASH_BYTES]; /* an entry */
	const char *asset;	     /* a static file's name */
	bool has_at, has_since;
	uint64_t at, since;				       /* at: ?at=, else the request's now */
	int by;						       /* ct_group_by; CT_BY_NONE when not asked */
	char monthly[17];				       /* "YYYY-MM..YYYY-MM", or "" */
	char district[CT_ID_MAX + 1], category[CT_ID_MAX + 1]; /* coverage filters, "" when none */
	uint64_t within;				       /* days, default 30 */
	bool overdue;
	size_t offset, limit;
} ct_web_route;

/*
 * Routes req: fills out and returns 0, or fills err with the answer (400
 * naming the parameter and what is wrong with it, 404 naming what is not
 * there, 405 with Allow, 414) and returns CT_EINVAL. Pure: reads nothing
 * but req. err must be zeroed or freed beforehand.
 */
int ct_web_route_parse(ct_web_route *out, const ct_web_request *req, ct_web_response *err);

/* ---- answering --------------------------------------------------------------- */

typedef struct ct_web_site ct_web_site;

typedef struct ct_web_site_opts {
	ct_ledger *ledger;	   /* opened read-only by the caller; outlives the site */
	const char *home;	   /* the node home: its caltraced's control socket, for status */
	const uint8_t *node_key;   /* the home's public key, or NULL */
	const char *base_url;	   /* "http://host:port" of links in labels and API answers; NULL: relative */
	unsigned heavy_max;	   /* coverage, dashboard, impact and due lists at once; 0: 1 */
	unsigned coverage_threads; /* threads of one coverage computation; 0: 1 */
	size_t trim_bytes;	   /* the store's pages this process may keep mapped before it lets the
				      kernel have them back (ct_ledger_trim_memory); 0: 256 MiB */
} ct_web_site_opts;

/* A site over a store. Errors: CT_EINVAL (no ledger, a base URL that is not http(s)://...), CT_ENOMEM. */
int ct_web_site_new(ct_web_site **out, const ct_web_site_opts *opts);

/* Frees a site; accepts NULL. No ct_web_handle may be running. */
void ct_web_site_free(ct_web_site *s);

/*
 * Answers req: routes it and, when it is valid, reads one snapshot of the
 * store. Always fills resp (zeroed or freed beforehand), a 500 problem
 * when the store fails. Any number of threads may call it at once; at
 * most heavy_max of the costly requests (coverage, the dashboard, impact,
 * due lists) run at a time, the others get 503 with Retry-After.
 */
void ct_web_handle(ct_web_site *s, const ct_web_request *req, ct_web_response *resp);

/* The base URL the site was given ("" when none), without a trailing slash. */
const char *ct_web_site_base_url(const ct_web_site *s);

/*
 * Appends the path of an instrument's (ns CT_NS_INSTRUMENT) or standard's
 * page, "/i/" or "/s/" and the id percent-encoded, to out.
 * Errors: CT_ENOMEM.
 */
int ct_web_subject_path(ct_buf *out, char ns, const char *id, size_t id_len);

#endif
