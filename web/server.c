/*
 * The libmicrohttpd glue: parses nothing itself. libmicrohttpd reads the
 * requests; the raw request target comes from its URI log callback and
 * goes, with two headers and the clock, to ct_web_handle; its answer goes
 * back with the security headers. Limits are libmicrohttpd's options plus
 * the rate limiter (ratelimit.c).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "caltrace/base/error.h"
#include "caltrace/web/server.h"
#include "web_internal.h"

struct ct_web_server {
	struct MHD_Daemon *mhd;
	ct_web_site *site;
	ct_web_server_opts o;
	struct ct__limiter *limiter;
	unsigned port;
};

/* One request: its raw target, from the URI log callback, until it completes. */
struct call {
	char *uri;
	bool headers_seen, answered;
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct call *call = calloc(1, sizeof(*call));

	if (call)
		call->uri = strdup(uri ? uri : "");
	return call;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode t)
{
	struct call *call = *con_cls;

	if (call) {
		free(call->uri);
		free(call);
	}
	*con_cls = NULL;
}

/* libmicrohttpd leaves every byte of the URL as it came: route.c decodes. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	struct ct_web_server *srv = cls;
	char line[512];

	if (!srv->o.log)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	srv->o.log(srv->o.log_ctx, line);
}

static void header(struct MHD_Response *r, const char *name, const char *value)
{
	if (value && *value)
		MHD_add_response_header(r, name, value);
}

static enum MHD_Result answer(struct ct_web_server *srv, struct MHD_Connection *c, const char *method,
			      const char *uri, ct_web_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	char retry[16], line[600];
	size_t len = resp->body.len;

	if (len)
		r = MHD_create_response_from_buffer(len, resp->body.ptr, MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		ct_web_response_free(resp);
		return MHD_NO;
	}
	if (len) { /* the buffer is libmicrohttpd's now */
		resp->body.ptr = NULL;
		resp->body.len = resp->body.cap = 0;
	}
	header(r, "Content-Type", resp->content_type);
	header(r, "Cache-Control", resp->cache);
	header(r, "ETag", resp->etag);
	header(r, "Location", resp->location);
	header(r, "Content-Disposition", resp->disposition);
	header(r, "Vary", resp->vary);
	header(r, "Allow", resp->allow);
	if (resp->retry_after) {
		snprintf(retry, sizeof(retry), "%u", resp->retry_after);
		header(r, "Retry-After", retry);
	}
	header(r, "Content-Security-Policy", CT_WEB_CSP);
	header(r, "X-Content-Type-Options", "nosniff");
	header(r, "X-Frame-Options", "DENY");
	header(r, "Referrer-Policy", "no-referrer");
	header(r, "Cross-Origin-Opener-Policy", "same-origin");
	rc = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	if (srv->o.log) {
		snprintf(line, sizeof(line), "%s %.500s %d %zu", method, uri, resp->status, len);
		srv->o.log(srv->o.log_ctx, line);
	}
	ct_web_response_free(resp);
	return rc;
}

/* A client's address as bytes, for the rate limiter. */
static size_t client_addr(struct MHD_Connection *c, uint8_t out[16])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (sa && sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct ct_web_server *srv = cls;
	struct call *call = *con_cls;
	ct_web_response resp;
	ct_web_request req;
	const char *length, *chunked;
	char *query;
	uint8_t addr[16];
	size_t alen;
	unsigned wait;

	if (!call || !call->uri)
		return MHD_NO;
	memset(&resp, 0, sizeof(resp));
	if (call->answered) { /* a body arrives after the answer: drop it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!call->headers_seen) {
		/*
		 * The first call has the headers: refuse a body or a client over its rate now (the
		 * connection then closes); otherwise answer on the next call, once the request is
		 * complete, so that the connection is kept alive.
		 */
		call->headers_seen = true;
		length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		chunked = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
		if (srv->limiter && (alen = client_addr(c, addr)) &&
		    (wait = ct__limiter_take(srv->limiter, addr, alen, srv->o.now(srv->o.now_ctx)))) {
			call->answered = true;
			ct__problem(&resp, strncmp(call->uri, "/api/", 5) == 0, CT_WEB_ZH, 429, "",
				    "more than %u requests a second from this address; wait %u s",
				    srv->o.rate, wait);
			resp.retry_after = wait;
			return answer(srv, c, method, call->uri, &resp);
		}
		if ((length && strcmp(length, "0") != 0) || chunked) {
			call->answered = true;
			ct__problem(&resp, strncmp(call->uri, "/api/", 5) == 0, CT_WEB_ZH, 413, "",
				    "this service only reads: a request carries no body");
			return answer(srv, c, method, call->uri, &resp);
		}
		return MHD_YES;
	}
	call->answered = true;
	/* The target as sent: a path, then maybe '?' and a query (the log line shows the path only). */
	if ((query = strchr(call->uri, '?')))
		*query++ = '\0';
	req.method = method;
	req.path = call->uri;
	req.query = query;
	req.accept_language =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	req.if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	req.now = srv->o.now(srv->o.now_ctx);
	ct_web_handle(srv->site, &req, &resp);
	return answer(srv, c, method, call->uri, &resp);
}

/* "ADDR:PORT" or "[ADDR6]:PORT" into a socket address, numerically. */
static int parse_listen(const char *listen, struct sockaddr_storage *out, socklen_t *len)
{
	char host[128], *colon;
	const char *port;
	struct addrinfo hints, *ai = NULL;
	int rc;

	if (strlen(listen) >= sizeof(host))
		return ct_error_set(CT_EINVAL, "listen address '%.60s...' is too long", listen);
	snprintf(host, sizeof(host), "%s", listen[0] == '[' ? listen + 1 : listen);
	if (listen[0] == '[') {
		if (!(colon = strstr(host, "]:")))
			return ct_error_set(CT_EINVAL, "listen address '%s': expected [ADDR]:PORT", listen);
		*colon = '\0';
		port = colon + 2;
	} else {
		if (!(colon = strrchr(host, ':')))
			return ct_error_set(CT_EINVAL, "listen address '%s': expected ADDR:PORT", listen);
		*colon = '\0';
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535)
		return ct_error_set(CT_EINVAL, "listen address '%s': the port is not a number up to 65535",
				    listen);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return ct_error_set(CT_EINVAL,
				    "listen address '%s': '%s' is not a numeric IPv4 or IPv6 address", listen,
				    host);
	memcpy(out, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int ct_web_server_start(ct_web_server **out, ct_web_site *site, const ct_web_server_opts *opts)
{
	struct ct_web_server *srv;
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
	int err;

	*out = NULL;
	if (!opts->now)
		return ct_error_set(CT_EINVAL, "a web server needs a clock");
	if ((err = parse_listen(opts->listen ? opts->listen : "127.0.0.1:8080", &sa, &salen)) < 0)
		return err;
	if (!(srv = calloc(1, sizeof(*srv))))
		return ct_error_set(CT_ENOMEM, "out of memory for a web server");
	srv->site = site;
	srv->o = *opts;
	if (!srv->o.threads)
		srv->o.threads = 2;
	if (!srv->o.max_connections)
		srv->o.max_connections = 256;
	if (!srv->o.per_client_connections)
		srv->o.per_client_connections = 128;
	if (!srv->o.request_max)
		srv->o.request_max = 16384;
	if (!srv->o.timeout_s)
		srv->o.timeout_s = 15;
	if (srv->o.rate && (err = ct__limiter_new(&srv->limiter, srv->o.rate, srv->o.burst)) < 0) {
		free(srv);
		return err;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->mhd = MHD_start_daemon(
	    flags | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, srv->o.threads, MHD_OPTION_CONNECTION_LIMIT,
	    srv->o.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->o.per_client_connections,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)srv->o.request_max, MHD_OPTION_CONNECTION_TIMEOUT,
	    srv->o.timeout_s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, srv, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, srv, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_error, srv, MHD_OPTION_END);
	if (!srv->mhd) {
		ct__limiter_free(srv->limiter);
		free(srv);
		return ct_error_set(CT_EIO,
				    "cannot listen on %s (in use, or not an address of this machine?)",
				    opts->listen ? opts->listen : "127.0.0.1:8080");
	}
	di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : 0;
	*out = srv;
	return 0;
}

unsigned ct_web_server_port(const ct_web_server *srv)
{
	return srv->port;
}

void ct_web_server_stop(ct_web_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	ct__limiter_free(srv->limiter);
	free(srv);
}
