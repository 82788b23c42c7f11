/*
 * Prometheus text-format metrics (exposition format 0.0.4), served by
 * libmicrohttpd in its own thread. The loop thread owns every value: an
 * HTTP request wakes the loop (uv_async), the loop renders the text, the
 * request thread waits for it (at most METRICS_WAIT_MS) and sends it.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "node.h"

#define METRICS_WAIT_MS 5000
#define MAX_REASONS	24
#define MAX_TRACKED	256 /* configured peers whose silence is tracked (CT_MAX_PEERS) */

/* commit latency histogram buckets, seconds */
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct tracked {
	uint8_t key[CT_KEY_BYTES];
	uint64_t last_up; /* loop ms: last poll that saw it connected (or when tracking began) */
	bool seen;	  /* ever connected since the node started */
};

static struct {
	/* counters (loop thread) */
	uint64_t received, verified, stored, duplicates, pending;
	struct {
		int err;
		uint64_t count;
	} refused[MAX_REASONS];
	uint64_t commits, commit_errors, commit_buckets[NBUCKETS];
	double commit_sum;
	uint64_t cp_signed, cp_witnessed;
	struct tracked peers[MAX_TRACKED];
	size_t npeers;
	/* the server */
	struct MHD_Daemon *daemon;
	uv_async_t async;
	bool async_open;
	struct node *n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t asked, rendered; /* generations */
	char *text;
	bool closing;
} m = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

void metrics_ingest(uint64_t received, uint64_t verified, uint64_t stored, uint64_t duplicates,
		    uint64_t pending, int err)
{
	size_t i;

	m.received += received;
	m.verified += verified;
	m.stored += stored;
	m.duplicates += duplicates;
	m.pending += pending;
	if (!err || received <= stored + duplicates + pending)
		return;
	for (i = 0; i < MAX_REASONS && m.refused[i].count && m.refused[i].err != err; i++)
		;
	if (i == MAX_REASONS)
		i = MAX_REASONS -
		    1; /* more reasons than there are codes: cannot happen; lumped in the last */
	m.refused[i].err = err;
	m.refused[i].count += received - stored - duplicates - pending;
}

void metrics_commit(uint64_t ns, bool failed)
{
	double s = (double)ns / 1e9;

	if (failed) {
		m.commit_errors++;
		return;
	}
	m.commits++;
	m.commit_sum += s;
	for (size_t i = 0; i < NBUCKETS; i++)
		if (s <= buckets[i])
			m.commit_buckets[i]++;
}

void metrics_checkpoint_signed(void)
{
	m.cp_signed++;
}

void metrics_checkpoint_witnessed(void)
{
	m.cp_witnessed++;
}

static struct tracked *track(const uint8_t key[CT_KEY_BYTES], uint64_t now)
{
	for (size_t i = 0; i < m.npeers; i++)
		if (!memcmp(m.peers[i].key, key, CT_KEY_BYTES))
			return &m.peers[i];
	if (m.npeers == MAX_TRACKED)
		return NULL;
	memcpy(m.peers[m.npeers].key, key, CT_KEY_BYTES);
	m.peers[m.npeers].last_up = now;
	m.peers[m.npeers].seen = false;
	return &m.peers[m.npeers++];
}

void metrics_poll(struct node *n)
{
	uint64_t now = node_now(n);
	struct tracked *t;

	for (struct slot *s = n->slots; s; s = s->next)
		if ((t = track(s->key, now)) && s->conn && s->conn->state == C_UP) {
			t->last_up = now;
			t->seen = true;
		}
}

/* ---- rendering ---------------------------------------------------------------------- */

static void put(ct_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(ct_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len > 0)
		ct_buf_put(b, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

static void help(ct_buf *b, const char *name, const char *type, const char *text)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* The reason label of a refusal: the error code's name, in snake case. */
static const char *reason_of(int err)
{
	switch (err) {
	case CT_EBADSIG:
		return "bad_signature";
	case CT_ENONCANON:
		return "not_canonical";
	case CT_ETRUNC:
		return "truncated";
	case CT_ETOOBIG:
		return "too_big";
	case CT_ESCHEMA:
		return "schema";
	case CT_EAUTH:
		return "not_authorized";
	case CT_ESEQ:
		return "sequence";
	case CT_EFROZEN:
		return "feed_frozen";
	case CT_EFULL:
		return "pending_full";
	case CT_ENOSPACE:
		return "store_full";
	case CT_EINVAL:
		return "invalid";
	case CT_ECORRUPT:
		return "store_corrupt";
	case CT_EIO:
		return "io";
	default:
		return "other";
	}
}

struct lag {
	uint64_t behind, ahead;
	bool hello; /* the peer's hello arrived */
};

/*
 * A feed the peer never named after its hello (which lists every feed it
 * holds, docs/PROTOCOL.md) is one it holds none of: this node is ahead by
 * all of it. Before, such a feed counted for nothing, so a peer that hung
 * before a new lab's first entries reached it showed no lag at all.
 */
static int add_lag(void *ctx, const uint8_t author[CT_KEY_BYTES], uint64_t local, uint64_t remote, bool known)
{
	struct lag *l = ctx;

	(void)author;
	if (!known && l->hello) {
		known = true;
		remote = 0;
	}
	if (known && remote > local)
		l->behind += remote - local;
	if (known && local > remote)
		l->ahead += local - remote;
	return 0;
}

static void lag_of(struct lag *lag, const ct_rpeer *rp)
{
	ct_rpeer_stats st;

	memset(lag, 0, sizeof(*lag));
	ct_rpeer_stats_get(rp, &st);
	lag->hello = st.hello;
	ct_rpeer_feeds(rp, add_lag, lag);
}

static void render_peers(ct_buf *b, struct node *n)
{
	uint64_t now = node_now(n), configured = 0, connected = 0;
	char hex[2 * CT_KEY_BYTES + 1];
	struct tracked *t;
	struct lag lag;
	struct slot *s;
	struct conn *c;

	for (s = n->slots; s; s = s->next)
		configured++;
	for (c = n->conns; c; c = c->next)
		connected += c->state == C_UP;
	help(b, "caltrace_peers_configured", "gauge", "peers in the config");
	put(b, "caltrace_peers_configured %llu\n", (unsigned long long)configured);
	help(b, "caltrace_peers_connected", "gauge", "peers with a connection up (configured or not)");
	put(b, "caltrace_peers_connected %llu\n", (unsigned long long)connected);
	help(b, "caltrace_peer_up", "gauge", "1 while the configured peer's connection is up");
	for (s = n->slots; s; s = s->next) {
		ct_key_hex(hex, s->key);
		put(b, "caltrace_peer_up{peer=\"%s\",address=\"%s:%d\"} %d\n", hex, s->host, s->port,
		    s->conn && s->conn->state == C_UP);
	}
	help(b, "caltrace_peer_silent_seconds", "gauge",
	     "seconds since the configured peer was last connected (since the node started, if never)");
	for (s = n->slots; s; s = s->next) {
		ct_key_hex(hex, s->key);
		t = track(s->key, now);
		put(b, "caltrace_peer_silent_seconds{peer=\"%s\",address=\"%s:%d\"} %.3f\n", hex, s->host,
		    s->port,
		    t && !(s->conn && s->conn->state == C_UP) ? (double)(now - t->last_up) / 1000 : 0.0);
	}
	help(b, "caltrace_peer_lag_entries", "gauge",
	     "entries the connected peer holds that this node lacks, over every feed it reported");
	for (c = n->conns; c; c = c->next)
		if (c->state == C_UP && c->rp) {
			lag_of(&lag, c->rp);
			ct_key_hex(hex, c->key);
			put(b, "caltrace_peer_lag_entries{peer=\"%s\"} %llu\n", hex,
			    (unsigned long long)lag.behind);
		}
	help(b, "caltrace_peer_behind_entries", "gauge",
	     "entries this node holds that the connected peer lacks (a feed its hello did not name: all of it)");
	for (c = n->conns; c; c = c->next)
		if (c->state == C_UP && c->rp) {
			lag_of(&lag, c->rp);
			ct_key_hex(hex, c->key);
			put(b, "caltrace_peer_behind_entries{peer=\"%s\"} %llu\n", hex,
			    (unsigned long long)lag.ahead);
		}
}

static void render_store(ct_buf *b, struct node *n)
{
	uint64_t entries = 0, bytes = 0, pending = 0, forked = 0;
	char hex[2 * CT_KEY_BYTES + 1];
	ct_reader *r = NULL;
	ct_map_info mi;

	help(b, "caltrace_feed_entries", "gauge", "entries stored of each feed");
	for (size_t i = 0; i < n->nheads; i++) {
		ct_key_hex(hex, n->heads[i].author);
		put(b, "caltrace_feed_entries{feed=\"%s\"} %llu\n", hex,
		    (unsigned long long)n->heads[i].size);
		forked += n->heads[i].forked;
	}
	help(b, "caltrace_feeds", "gauge", "feeds held");
	put(b, "caltrace_feeds %zu\n", n->nheads);
	help(b, "caltrace_feeds_forked", "gauge", "feeds frozen by a proof that their author equivocated");
	put(b, "caltrace_feeds_forked %llu\n", (unsigned long long)forked);
	if (ct_reader_begin(&r, n->ledger) == 0) {
		ct_read_stats(&entries, &bytes, r);
		ct_read_pending_count(&pending, r);
		ct_reader_end(r);
	}
	help(b, "caltrace_store_entries", "gauge", "entries stored, every feed");
	put(b, "caltrace_store_entries %llu\n", (unsigned long long)entries);
	help(b, "caltrace_store_entry_bytes", "gauge", "bytes of the stored entries as encoded");
	put(b, "caltrace_store_entry_bytes %llu\n", (unsigned long long)bytes);
	help(b, "caltrace_store_pending_entries", "gauge", "entries waiting for their author's admission");
	put(b, "caltrace_store_pending_entries %llu\n", (unsigned long long)pending);
	if (ct_ledger_map_info(n->ledger, &mi) < 0)
		return;
	help(b, "caltrace_store_file_bytes", "gauge", "size of the store's file (data.mdb)");
	put(b, "caltrace_store_file_bytes %llu\n", (unsigned long long)mi.file_bytes);
	help(b, "caltrace_store_map_bytes", "gauge", "the store's map: what it can hold before it grows");
	put(b, "caltrace_store_map_bytes %llu\n", (unsigned long long)mi.map_bytes);
	help(b, "caltrace_store_map_used_bytes", "gauge", "bytes of the map in use");
	put(b, "caltrace_store_map_used_bytes %llu\n", (unsigned long long)mi.used_bytes);
	help(b, "caltrace_store_map_used_ratio", "gauge",
	     "map in use / map size (it grows at 0.8: above that for long, growing fails)");
	put(b, "caltrace_store_map_used_ratio %.4f\n",
	    mi.map_bytes ? (double)mi.used_bytes / (double)mi.map_bytes : 0);
	help(b, "caltrace_store_map_max_bytes", "gauge", "the largest the map may grow to");
	put(b, "caltrace_store_map_max_bytes %llu\n", (unsigned long long)mi.max_bytes);
	help(b, "caltrace_store_map_grown_total", "counter", "times this node grew the map");
	put(b, "caltrace_store_map_grown_total %u\n", mi.grown);
}

static void render_counters(ct_buf *b, struct node *n)
{
	uint64_t cumulative;

	help(b, "caltrace_entries_received_total", "counter", "entries received from peers for ingest");
	put(b, "caltrace_entries_received_total %llu\n", (unsigned long long)m.received);
	help(b, "caltrace_entries_verified_total", "counter",
	     "received entries whose signature and form checked out");
	put(b, "caltrace_entries_verified_total %llu\n", (unsigned long long)m.verified);
	help(b, "caltrace_entries_stored_total", "counter", "received entries stored");
	put(b, "caltrace_entries_stored_total %llu\n", (unsigned long long)m.stored);
	help(b, "caltrace_entries_duplicate_total", "counter", "received entries already held");
	put(b, "caltrace_entries_duplicate_total %llu\n", (unsigned long long)m.duplicates);
	help(b, "caltrace_entries_parked_total", "counter",
	     "received entries parked until their author is admitted");
	put(b, "caltrace_entries_parked_total %llu\n", (unsigned long long)m.pending);
	help(b, "caltrace_entries_refused_total", "counter", "received entries not taken, by reason");
	for (size_t i = 0; i < MAX_REASONS && m.refused[i].count; i++)
		put(b, "caltrace_entries_refused_total{reason=\"%s\"} %llu\n", reason_of(m.refused[i].err),
		    (unsigned long long)m.refused[i].count);
	help(b, "caltrace_forks_detected_total", "counter", "forks (entry or checkpoint) this node recorded");
	put(b, "caltrace_forks_detected_total %llu\n", (unsigned long long)n->ing.forks);
	help(b, "caltrace_checkpoints_signed_total", "counter", "checkpoints of the own feed signed");
	put(b, "caltrace_checkpoints_signed_total %llu\n", (unsigned long long)m.cp_signed);
	help(b, "caltrace_checkpoints_witnessed_total", "counter",
	     "checkpoints of other feeds this node cosigned");
	put(b, "caltrace_checkpoints_witnessed_total %llu\n", (unsigned long long)m.cp_witnessed);
	help(b, "caltrace_commit_errors_total", "counter", "write transactions the store refused");
	put(b, "caltrace_commit_errors_total %llu\n", (unsigned long long)m.commit_errors);
	help(b, "caltrace_commit_seconds", "histogram", "time of a write transaction, first write to commit");
	for (size_t i = 0; i < NBUCKETS; i++) {
		cumulative = m.commit_buckets[i];
		put(b, "caltrace_commit_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
		    (unsigned long long)cumulative);
	}
	put(b, "caltrace_commit_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)m.commits);
	put(b, "caltrace_commit_seconds_sum %.6f\n", m.commit_sum);
	put(b, "caltrace_commit_seconds_count %llu\n", (unsigned long long)m.commits);
}

char *metrics_render(struct node *n)
{
	ct_buf b = CT_BUF_INIT;
	char key[2 * CT_KEY_BYTES + 1], net[2 * CT_HASH_BYTES + 1];

	ct_key_hex(key, n->self);
	ct_hex(net, n->network, CT_HASH_BYTES);
	help(&b, "caltrace_node_info", "gauge", "this node: its key and network");
	put(&b, "caltrace_node_info{key=\"%s\",network=\"%s\"} 1\n", key, net);
	help(&b, "caltrace_uptime_seconds", "gauge", "seconds since caltraced started");
	put(&b, "caltrace_uptime_seconds %.3f\n", (double)(node_now(n) - n->started) / 1000);
	render_peers(&b, n);
	render_store(&b, n);
	render_counters(&b, n);
	ct_buf_put(&b, "", 1);
	return (char *)b.ptr;
}

/* ---- the server ----------------------------------------------------------------------- */

/* On the loop: render for the requests waiting. */
static void on_async(uv_async_t *a)
{
	char *text = metrics_render(m.n);

	pthread_mutex_lock(&m.mu);
	free(m.text);
	m.text = text;
	m.rendered = m.asked;
	pthread_cond_broadcast(&m.cv);
	pthread_mutex_unlock(&m.mu);
}

/* On libmicrohttpd's thread: ask the loop, wait, copy. NULL when the node is stopping or slow. */
static char *fetch_text(void)
{
	struct timespec deadline;
	uint64_t want;
	char *copy = NULL;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += METRICS_WAIT_MS / 1000;
	pthread_mutex_lock(&m.mu);
	want = ++m.asked;
	if (!m.closing)
		uv_async_send(&m.async);
	while (!m.closing && m.rendered < want)
		if (pthread_cond_timedwait(&m.cv, &m.mu, &deadline) != 0)
			break;
	if (!m.closing && m.rendered >= want && m.text)
		copy = strdup(m.text);
	pthread_mutex_unlock(&m.mu);
	return copy;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type, char *body,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *res = MHD_create_response_from_buffer(strlen(body), body, mode);
	enum MHD_Result rc;

	if (!res)
		return MHD_NO;
	MHD_add_response_header(res, "Content-Type", type);
	rc = MHD_queue_response(conn, status, res);
	MHD_destroy_response(res);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **state)
{
	char *text;

	(void)cls, (void)version, (void)upload;
	if (!*state) { /* first call: headers only */
		*state = conn;
		return MHD_YES;
	}
	if (*upload_size)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, 405, "text/plain", "only GET\n", MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, 404, "text/plain", "caltraced serves /metrics only\n",
			     MHD_RESPMEM_PERSISTENT);
	if (!(text = fetch_text()))
		return reply(conn, 503, "text/plain", "the node is stopping or busy\n",
			     MHD_RESPMEM_PERSISTENT);
	return reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", text, MHD_RESPMEM_MUST_FREE);
}

/* "HOST:PORT" or "[V6]:PORT" into a socket address. */
static int parse_addr(const char *addr, struct sockaddr_storage *out, bool *v6)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM},
			*res = NULL;
	size_t len;

	if (!colon || colon == addr)
		return -1;
	len = (size_t)(colon - addr);
	if (addr[0] == '[' && len >= 2 && addr[len - 1] == ']') {
		addr++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return -1;
	memcpy(host, addr, len);
	host[len] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
		return -1;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

int metrics_start(struct node *n, const char *addr)
{
	struct sockaddr_storage sa;
	bool v6 = false;

	if (parse_addr(addr, &sa, &v6) < 0) {
		LOG(LOG_ERROR,
		    "--metrics %s: expected HOST:PORT with a numeric address (127.0.0.1:9464, [::1]:9464)",
		    addr);
		return -1;
	}
	m.n = n;
	if (uv_async_init(n->loop, &m.async, on_async) != 0)
		return -1;
	m.async_open = true;
	m.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
				    on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned)10, MHD_OPTION_END);
	if (!m.daemon) {
		LOG(LOG_ERROR,
		    "--metrics %s: cannot listen there (in use, or not an address of this machine)", addr);
		return -1;
	}
	LOG(LOG_INFO, "metrics on http://%s/metrics", addr);
	return 0;
}

void metrics_stop(struct node *n)
{
	(void)n;
	pthread_mutex_lock(&m.mu);
	m.closing = true;
	pthread_cond_broadcast(&m.cv);
	pthread_mutex_unlock(&m.mu);
	if (m.daemon)
		MHD_stop_daemon(m.daemon);
	m.daemon = NULL;
	if (m.async_open)
		uv_close((uv_handle_t *)&m.async, NULL);
	m.async_open = false;
	free(m.text);
	m.text = NULL;
}
