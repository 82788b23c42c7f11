/*
 * caltrace/web/server.h - serving a site (caltrace/web/web.h) over HTTP
 * with libmicrohttpd: a pool of threads, each request answered by
 * ct_web_handle. The glue adds the security headers every answer carries
 * (a Content-Security-Policy allowing only this origin's stylesheet and
 * script, nosniff, no framing, no referrer) and enforces the limits:
 * connections in all and per client address, the size of a request's line
 * and headers, an idle timeout, no request bodies, and a per-client
 * request rate (a token bucket, 429 with Retry-After beyond it).
 */
#ifndef CALTRACE_WEB_SERVER_H
#define CALTRACE_WEB_SERVER_H

#include "caltrace/web/web.h"

#define CT_WEB_CSP                                                                                           \
	"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; media-src 'self'; "  \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

typedef struct ct_web_server_opts {
	const char *listen;		 /* "ADDR:PORT" or "[ADDR6]:PORT", numeric; NULL: 127.0.0.1:8080 */
	unsigned threads;		 /* threads answering; 0: 2 */
	unsigned max_connections;	 /* 0: 256 */
	unsigned per_client_connections; /* 0: 128 */
	unsigned request_max;		 /* bytes of a request line and headers; 0: 16384 */
	unsigned timeout_s;		 /* idle connections are closed after; 0: 15 */
	unsigned rate;			 /* requests per second per client address; 0: no limit */
	unsigned burst;			 /* requests a client may make at once; 0: 2 x rate */
	uint64_t (*now)(void *ctx);	 /* the clock, ms since the epoch (required) */
	void *now_ctx;
	void (*log)(void *ctx, const char *line); /* one line per answer and per server error; may be NULL */
	void *log_ctx;
} ct_web_server_opts;

typedef struct ct_web_server ct_web_server;

/*
 * Starts serving site (which must outlive the server) on opts->listen.
 * Errors: CT_EINVAL (a listen address that is not ADDR:PORT), CT_EIO
 * (cannot listen there: the detail says why), CT_ENOMEM.
 */
int ct_web_server_start(ct_web_server **out, ct_web_site *site, const ct_web_server_opts *opts);

/* The port it listens on (the one chosen when the address gave port 0). */
unsigned ct_web_server_port(const ct_web_server *srv);

/* Stops accepting, lets the requests being answered finish, frees it; accepts NULL. */
void ct_web_server_stop(ct_web_server *srv);

#endif
