/*
 * TCP connections: dialing configured peers (with backoff and jitter),
 * accepting others, the handshake, reading into the session, writing
 * sealed frames, closing with a logged reason.
 */
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/index.h"
#include "node.h"

#define CLOSE_GRACE_MS 2000 /* a closing connection's last writes may take this long */

struct wreq {
	uv_write_t req;
	struct conn *c;
	ct_buf data;
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void conn_process(struct conn *c);

/* ms scaled by a random factor in [0.8, 1.2]: peers that failed together do not retry together. */
static uint64_t jitter(uint64_t ms)
{
	return ms * (80 + randombytes_uniform(41)) / 100;
}

const char *conn_state_name(const struct conn *c)
{
	switch (c->state) {
	case C_RESOLVING:
	case C_CONNECTING:
		return "connecting";
	case C_HANDSHAKE:
		return "handshake";
	case C_UP:
		return "up";
	default:
		return "closing";
	}
}

/* Connections up (past the handshake), against NODE_PEERS_MAX. */
static size_t up_count(struct node *n)
{
	size_t k = 0;

	for (struct conn *c = n->conns; c; c = c->next)
		k += c->state == C_UP;
	return k;
}

static bool incoming_handshake(const struct conn *c)
{
	return !c->outgoing && c->state == C_HANDSHAKE;
}

/*
 * Makes room for one more incoming handshake from ip: past
 * NODE_HANDSHAKES_PER_ADDR from that address, or NODE_HANDSHAKES_MAX in
 * all, the oldest one (of the address, then of all) is dropped. Idle
 * connections thus cannot hold the budget: a newcomer, real peer or not,
 * always gets a slot, and a real peer needs it only for a round trip. A
 * peer that finished its handshake is out of this budget.
 */
static void handshake_room(struct node *n, const char *ip)
{
	struct conn *c, *oldest_here = NULL, *oldest = NULL;
	size_t here = 0, all = 0;
	uint64_t now = node_now(n);
	struct conn *drop;

	for (c = n->conns; c; c = c->next) {
		if (!incoming_handshake(c))
			continue;
		all++;
		if (!oldest || c->opened < oldest->opened)
			oldest = c;
		if (strcmp(c->ip, ip) == 0) {
			here++;
			if (!oldest_here || c->opened < oldest_here->opened)
				oldest_here = c;
		}
	}
	if (here >= NODE_HANDSHAKES_PER_ADDR)
		drop = oldest_here;
	else if (all >= NODE_HANDSHAKES_MAX)
		drop = oldest;
	else
		return;
	if (now - n->budget_warned >= NODE_BUDGET_WARN_MS || !n->budget_warned) {
		n->budget_warned = now ? now : 1;
		LOG(LOG_WARN,
		    "incoming handshakes over budget (%d in all, %d per address; %s): dropping the oldest "
		    "(logged at most every %d s)",
		    NODE_HANDSHAKES_MAX, NODE_HANDSHAKES_PER_ADDR, here >= NODE_HANDSHAKES_PER_ADDR ? ip : "all",
		    NODE_BUDGET_WARN_MS / 1000);
	}
	drop->close_quiet = true;
	conn_close(drop, "dropped unfinished handshake: a newer connection needed its slot", false);
}

static struct conn *conn_new(struct node *n, bool outgoing)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = n;
	c->outgoing = outgoing;
	c->serves_tail = &c->serves;
	c->opened = node_now(n);
	uv_tcp_init(n->loop, &c->tcp);
	c->tcp.data = c;
	c->next = n->conns;
	n->conns = c;
	return c;
}

static void set_name(struct conn *c)
{
	char k[CT_KEY_SHORT_LEN + 1];

	if (c->has_key) {
		ct_key_short(k, c->key);
		snprintf(c->name, sizeof(c->name), "%s…@%s", k, c->addr);
	} else {
		snprintf(c->name, sizeof(c->name), "?@%s", c->addr);
	}
}

static void on_close(uv_handle_t *h)
{
	struct conn *c = container_of(h, struct conn, tcp);
	struct node *n = c->n;
	struct conn **pp;

	for (pp = &n->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ingest_forget(n, c);
	if (c->rp && !n->stopping)
		ct_repl_peer_remove(n->repl, c->rp);
	ct_session_free(c->sess);
	ct_buf_free(&c->out);
	serve_free(c);
	free(c);
	if (!n->stopping)
		ingest_pressure(n);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	(void)status;
	free(req);
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_close);
}

/* Backs a key off: refused (incoming) and not dialed for a while, longer each time. */
static uint64_t ban_key(struct node *n, const uint8_t key[CT_KEY_BYTES], const char *reason)
{
	struct ban *b;

	for (b = n->bans; b; b = b->next)
		if (!memcmp(b->key, key, CT_KEY_BYTES))
			break;
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return NODE_BAN_MIN_MS;
		memcpy(b->key, key, CT_KEY_BYTES);
		b->next = n->bans;
		n->bans = b;
	}
	b->length = b->length ? b->length * 2 : NODE_BAN_MIN_MS;
	if (b->length > NODE_BAN_MAX_MS)
		b->length = NODE_BAN_MAX_MS;
	b->until = node_now(n) + b->length;
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
	return b->length;
}

/* After c went away: when to dial its slot again, and what to log. */
static void schedule_redial(struct conn *c, const char *reason, bool ban, char *note, size_t notelen)
{
	struct node *n = c->n;
	struct slot *s = c->slot;
	uint64_t wait = 0;

	note[0] = '\0';
	if (ban && c->has_key) {
		wait = ban_key(n, c->key, reason);
		snprintf(note, notelen, "; backing off %llu s", (unsigned long long)wait / 1000);
	}
	if (!s || s->conn != c)
		return;
	s->conn = NULL;
	s->dialing = false;
	if (c->close_quiet)
		return;
	snprintf(s->last_error, sizeof(s->last_error), "%s", reason);
	if (ban && c->has_key) {
		s->backoff = wait;
	} else if (!s->backoff || (c->state == C_UP && node_now(n) - c->opened >= NODE_STABLE_MS)) {
		s->backoff = NODE_BACKOFF_MIN_MS;
	} else {
		s->backoff *= 2;
		if (s->backoff > NODE_BACKOFF_MAX_MS)
			s->backoff = NODE_BACKOFF_MAX_MS;
	}
	wait = jitter(s->backoff);
	s->next_dial = node_now(n) + wait;
	if (!n->stopping)
		snprintf(note, notelen, "; retrying in %.1f s", (double)wait / 1000);
}

void conn_close(struct conn *c, const char *reason, bool ban)
{
	struct node *n = c->n;
	char note[64];
	bool was_up = c->state == C_UP;

	if (c->state == C_CLOSING)
		return;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	c->close_ban = ban;
	schedule_redial(c, reason, ban, note, sizeof(note));
	if (c->close_quiet || n->stopping)
		LOG(LOG_DEBUG, "peer %s: %s", c->name, reason);
	else if (ban || c->close_warn)
		LOG(LOG_WARN, "peer %s: %s, disconnecting%s", c->name, reason, note);
	else
		LOG(LOG_INFO, "peer %s: %s%s%s", c->name, was_up ? "down: " : "", reason, note);
	c->state = C_CLOSING;
	c->deadline = node_now(n) + CLOSE_GRACE_MS;
	if (c->reading)
		uv_read_stop((uv_stream_t *)&c->tcp);
	c->reading = false;
	conn_flush(c);
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > 0) {
		uv_shutdown_t *req = malloc(sizeof(*req));
		if (req) {
			req->data = c;
			if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) == 0)
				return;
			free(req);
		}
	}
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_write(uv_write_t *req, int status)
{
	struct wreq *w = container_of(req, struct wreq, req);
	struct conn *c = w->c;

	ct_buf_free(&w->data);
	free(w);
	if (status < 0 && status != UV_ECANCELED && c->state != C_CLOSING)
		conn_close(c, uv_strerror(status), false);
	else if (c->serves && c->state == C_UP)
		node_kick(c->n);
}

void conn_flush(struct conn *c)
{
	struct wreq *w;
	uv_buf_t buf;
	int rc;

	if (c->out.len == 0 || uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	if (!(w = calloc(1, sizeof(*w)))) {
		c->out.len = 0;
		return;
	}
	w->c = c;
	w->data = c->out;
	memset(&c->out, 0, sizeof(c->out));
	buf = uv_buf_init((char *)w->data.ptr, (unsigned)w->data.len);
	if ((rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write)) < 0) {
		ct_buf_free(&w->data);
		free(w);
		if (c->state != C_CLOSING)
			conn_close(c, uv_strerror(rc), false);
	}
}

void conn_send(struct conn *c, const uint8_t *msg, size_t len)
{
	int err;

	if (c->state != C_UP || !c->sess)
		return;
	if ((err = ct_session_seal(c->sess, &c->out, msg, len)) < 0) {
		LOG(LOG_ERROR, "peer %s: cannot send a message: %s", c->name, ct_error_last());
		return;
	}
	node_kick(c->n);
}

void conn_hold(struct conn *c, bool hold)
{
	struct node *n = c->n;

	if (c->held == hold || c->state == C_CLOSING)
		return;
	c->held = hold;
	if (c->rp)
		ct_repl_hold(n->repl, c->rp, hold, node_now(n));
	if (hold) {
		if (c->reading)
			uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
		return;
	}
	/* Frames that arrived before the hold are still in the session. */
	conn_process(c);
	if (!c->held && c->state != C_CLOSING && !c->reading) {
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
		c->reading = true;
	}
}

/* The dialer of a connection: us when outgoing, the peer otherwise. */
static const uint8_t *dialer(const struct conn *c)
{
	return c->outgoing ? c->n->self : c->key;
}

/*
 * Two sessions with one peer: both ends keep the one dialed by the smaller
 * key (the newer when one side dialed both), so they agree without talking.
 */
static bool keep_first(const struct conn *a, const struct conn *b)
{
	int cmp = memcmp(dialer(a), dialer(b), CT_KEY_BYTES);

	return cmp == 0 ? a->opened >= b->opened : cmp < 0;
}

static void on_ready(struct conn *c)
{
	struct node *n = c->n;
	struct conn *d;
	int err;

	memcpy(c->key, ct_session_peer(c->sess), CT_KEY_BYTES);
	c->has_key = true;
	set_name(c);
	if (up_count(n) >= NODE_PEERS_MAX) {
		conn_close(c, "too many peers connected", false);
		return;
	}
	for (d = n->conns; d; d = d->next) {
		if (d == c || d->state != C_UP || !d->has_key || memcmp(d->key, c->key, CT_KEY_BYTES))
			continue;
		if (keep_first(c, d)) {
			if (d->slot && d->slot->conn == d)
				d->slot->conn = c;
			if (!c->slot)
				c->slot = d->slot;
			d->close_quiet = true;
			conn_close(d, "duplicate connection, keeping the newer one", false);
		} else {
			c->close_quiet = true;
			conn_close(c, "duplicate connection, keeping the existing one", false);
			return;
		}
		break;
	}
	if (!c->slot)
		for (struct slot *s = n->slots; s; s = s->next)
			if (!memcmp(s->key, c->key, CT_KEY_BYTES))
				c->slot = s;
	if (c->slot) {
		if (c->slot->conn && c->slot->conn != c && c->slot->conn->state != C_UP) {
			c->slot->conn->close_quiet = true;
			conn_close(c->slot->conn, "connected the other way", false);
		}
		c->slot->conn = c;
		c->slot->backoff = 0;
		c->slot->last_error[0] = '\0';
	}
	c->state = C_UP;
	LOG(LOG_INFO, "peer %s: up (%s)", c->name, c->outgoing ? "dialed" : "incoming");
	if ((err = ct_repl_peer_add(&c->rp, n->repl, c->key, c, node_now(n))) < 0) {
		conn_close(c, ct_error_last(), false);
		return;
	}
	node_greet(n, c);
}

/* A session error: say why to the peer when we still can, then close. */
static void session_failed(struct conn *c, int err)
{
	char why[512];
	ct_buf msg = CT_BUF_INIT;
	const char *detail = c->close_reason[0] ? c->close_reason : ct_error_last();
	const uint8_t *peer = ct_session_peer(c->sess);
	bool ban = false;

	snprintf(why, sizeof(why), "%s", detail[0] ? detail : ct_strerror(err));
	if (peer && !c->has_key) {
		memcpy(c->key, peer, CT_KEY_BYTES);
		c->has_key = true;
		set_name(c);
	}
	/* A refused peer learns why, encrypted; nothing it sent is read. */
	if (err == CT_EAUTH && ct_session_can_seal(c->sess) && ct_msg_error(&msg, (uint64_t)-err, why) == 0)
		ct_session_seal(c->sess, &c->out, msg.ptr, msg.len);
	ct_buf_free(&msg);
	/*
	 * After the handshake a broken frame is the proven peer's doing. Before
	 * it, a key is only claimed: backing it off would let anyone shut out
	 * a peer by naming its key.
	 */
	ban = c->state == C_UP;
	c->close_warn = true;
	c->close_reason[0] = '\0';
	conn_close(c, why, ban);
}

static void conn_process(struct conn *c)
{
	struct node *n = c->n;
	const uint8_t *msg;
	size_t len;
	int rc, err;

	while (c->state != C_CLOSING && !c->held) {
		rc = ct_session_next(c->sess, &c->out, &msg, &len);
		if (c->out.len)
			node_kick(n);
		if (rc < 0) {
			session_failed(c, rc);
			return;
		}
		if (c->state == C_HANDSHAKE && ct_session_ready(c->sess)) {
			on_ready(c);
			if (c->state != C_UP)
				return;
		}
		if (rc == 0)
			break;
		if ((err = ct_repl_receive(n->repl, c->rp, msg, len, node_now(n))) < 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", ct_error_last());
			conn_close(c, why, err != CT_ERROR); /* CT_ERROR: the peer's own error message */
			return;
		}
		if (c->queued > NODE_PEER_QUEUE_MAX) {
			conn_hold(c, true);
			break;
		}
	}
	ingest_pressure(n);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = container_of(h, struct conn, tcp);

	(void)suggested;
	*buf = uv_buf_init(c->readbuf, sizeof(c->readbuf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = container_of(s, struct conn, tcp);

	if (nread == 0 || c->state == C_CLOSING)
		return;
	if (nread < 0) {
		conn_close(c, nread == UV_EOF ? "connection closed by the peer" : uv_strerror((int)nread),
			   false);
		return;
	}
	if (ct_session_push(c->sess, (const uint8_t *)buf->base, (size_t)nread) < 0) {
		conn_close(c, "out of memory", false);
		return;
	}
	conn_process(c);
}

/* Creates the session and starts reading. */
static int start_session(struct conn *c)
{
	struct node *n = c->n;
	ct_session_opts o = {0};
	int err;

	o.identity = n->kp;
	o.network = n->network;
	o.initiator = c->outgoing;
	o.expect = c->outgoing && c->slot ? c->slot->key : NULL;
	o.authorize = node_authorize;
	o.ctx = c;
	if ((err = ct_session_new(&c->sess, &o)) < 0)
		return err;
	if (c->outgoing && (err = ct_session_start(c->sess, &c->out)) < 0)
		return err;
	c->state = C_HANDSHAKE;
	c->deadline = node_now(n) + NODE_HANDSHAKE_MS;
	uv_tcp_nodelay(&c->tcp, 1);
	if ((err = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read)) < 0)
		return CT_EIO;
	c->reading = true;
	node_kick(n);
	return 0;
}

static void on_connect(uv_connect_t *req, int status)
{
	struct conn *c = container_of(req, struct conn, creq);
	char why[200];

	if (c->state == C_CLOSING)
		return;
	if (status < 0) {
		snprintf(why, sizeof(why), "cannot connect: %s", uv_strerror(status));
		conn_close(c, why, false);
		return;
	}
	if (start_session(c) < 0)
		conn_close(c, "cannot start a session", false);
}

/* host:port to an address: numeric hosts directly, names through the resolver (blocking, brief). */
static int resolve(const char *host, int port, struct sockaddr_storage *out)
{
	struct addrinfo hints, *res = NULL;
	char portstr[16];
	int rc;

	if (uv_ip4_addr(host, port, (struct sockaddr_in *)out) == 0 ||
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)out) == 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0 || !res)
		return -1;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

void conn_dial(struct node *n, struct slot *s)
{
	struct sockaddr_storage addr;
	struct conn *c;
	int rc;

	s->next_dial = UINT64_MAX;
	if (resolve(s->host, s->port, &addr) < 0) {
		snprintf(s->last_error, sizeof(s->last_error), "cannot resolve %.200s", s->host);
		LOG(LOG_WARN, "peer %s: cannot resolve %s", s->name, s->host);
		s->next_dial = node_now(n) + jitter(NODE_BACKOFF_MAX_MS);
		return;
	}
	if (!(c = conn_new(n, true)))
		return;
	c->slot = s;
	s->conn = c;
	s->dialing = true;
	memcpy(c->key, s->key, CT_KEY_BYTES);
	c->has_key = true;
	snprintf(c->addr, sizeof(c->addr), "%s:%d", s->host, s->port);
	set_name(c);
	c->state = C_CONNECTING;
	c->deadline = node_now(n) + NODE_HANDSHAKE_MS;
	LOG(LOG_DEBUG, "peer %s: dialing", c->name);
	if ((rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&addr, on_connect)) < 0) {
		char why[200];
		snprintf(why, sizeof(why), "cannot connect: %s", uv_strerror(rc));
		conn_close(c, why, false);
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct node *n = container_of(server, struct node, listener);
	struct sockaddr_storage addr;
	int len = sizeof(addr);
	char ip[64] = "?";
	struct conn *c;

	if (status < 0 || n->stopping)
		return;
	if (!(c = conn_new(n, false)))
		return;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		uv_close((uv_handle_t *)&c->tcp, on_close);
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&addr, &len) == 0) {
		if (addr.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&addr, ip, sizeof(ip));
			snprintf(c->ip, sizeof(c->ip), "%s", ip);
			snprintf(c->addr, sizeof(c->addr), "[%s]:%d", ip,
				 ntohs(((struct sockaddr_in6 *)&addr)->sin6_port));
		} else {
			uv_ip4_name((struct sockaddr_in *)&addr, ip, sizeof(ip));
			snprintf(c->ip, sizeof(c->ip), "%s", ip);
			snprintf(c->addr, sizeof(c->addr), "%s:%d", ip,
				 ntohs(((struct sockaddr_in *)&addr)->sin_port));
		}
	}
	set_name(c);
	handshake_room(n, c->ip);
	LOG(LOG_DEBUG, "peer %s: incoming connection", c->name);
	if (start_session(c) < 0)
		conn_close(c, "cannot start a session", false);
}

int conn_listen(struct node *n)
{
	struct sockaddr_storage addr;
	char host[256];
	const char *colon = strrchr(n->listen, ':');
	int port, rc;

	if (!colon || colon == n->listen || (size_t)(colon - n->listen) >= sizeof(host) ||
	    (port = atoi(colon + 1)) < 1 || port > 65535) {
		LOG(LOG_ERROR, "listen address '%s' is not HOST:PORT", n->listen);
		return -1;
	}
	memcpy(host, n->listen, (size_t)(colon - n->listen));
	host[colon - n->listen] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (resolve(host, port, &addr) < 0) {
		LOG(LOG_ERROR, "cannot resolve the listen address %s", n->listen);
		return -1;
	}
	uv_tcp_init(n->loop, &n->listener);
	if ((rc = uv_tcp_bind(&n->listener, (const struct sockaddr *)&addr, 0)) < 0 ||
	    (rc = uv_listen((uv_stream_t *)&n->listener, 128, on_connection)) < 0) {
		LOG(LOG_ERROR, "cannot listen on %s: %s", n->listen, uv_strerror(rc));
		uv_close((uv_handle_t *)&n->listener, NULL);
		return -1;
	}
	n->listening = true;
	return 0;
}

void conn_tick(struct node *n)
{
	uint64_t now = node_now(n);
	struct conn *c, *next;
	struct slot *s;

	for (c = n->conns; c; c = next) {
		next = c->next;
		if (c->state == C_CLOSING) {
			if (now > c->deadline && !uv_is_closing((uv_handle_t *)&c->tcp))
				uv_close((uv_handle_t *)&c->tcp, on_close);
		} else if (c->state != C_UP && now > c->deadline) {
			conn_close(c, c->state == C_HANDSHAKE ? "handshake timed out" : "connect timed out",
				   false);
		}
	}
	if (n->stopping)
		return;
	for (s = n->slots; s; s = s->next)
		if (!s->conn && now >= s->next_dial)
			conn_dial(n, s);
}

int slot_add(struct node *n, const char *peer)
{
	struct slot *s = calloc(1, sizeof(*s)), *t;
	char k[CT_KEY_SHORT_LEN + 1];
	int err;

	if (!s)
		return CT_ENOMEM;
	if ((err = ct_peer_parse(peer, s->key, s->host, sizeof(s->host), &s->port)) < 0) {
		free(s);
		return err;
	}
	for (t = n->slots; t; t = t->next) {
		if (!memcmp(t->key, s->key, CT_KEY_BYTES)) {
			/* the same key at a new address: redial there */
			snprintf(t->host, sizeof(t->host), "%s", s->host);
			t->port = s->port;
			ct_key_short(k, t->key);
			snprintf(t->name, sizeof(t->name), "%s…@%s:%d", k, t->host, t->port);
			t->next_dial = node_now(n);
			free(s);
			return 0;
		}
	}
	ct_key_short(k, s->key);
	snprintf(s->name, sizeof(s->name), "%s…@%s:%d", k, s->host, s->port);
	s->next_dial = node_now(n);
	s->next = n->slots;
	n->slots = s;
	/* an incoming connection from it may be up already */
	for (struct conn *c = n->conns; c; c = c->next)
		if (c->state == C_UP && c->has_key && !memcmp(c->key, s->key, CT_KEY_BYTES)) {
			c->slot = s;
			s->conn = c;
		}
	return 0;
}

int slot_remove(struct node *n, const uint8_t key[CT_KEY_BYTES])
{
	struct slot **pp, *s;

	for (pp = &n->slots; (s = *pp); pp = &s->next) {
		if (memcmp(s->key, key, CT_KEY_BYTES))
			continue;
		*pp = s->next;
		for (struct conn *c = n->conns; c; c = c->next) {
			if (c->slot != s)
				continue;
			c->slot = NULL;
			if (c->state != C_CLOSING) {
				c->close_quiet = true;
				LOG(LOG_INFO, "peer %s: removed from the config, disconnecting", c->name);
				conn_close(c, "removed from the config", false);
			}
		}
		free(s);
		return 0;
	}
	return CT_ENOTFOUND;
}

/*
 * Whether an org key is admitted in the replica (or is a lab's new key
 * after a rekey) and not revoked, replaced by a rekey, or declared
 * compromised: a replaced or stolen key no longer speaks for its lab.
 */
struct org_seen {
	bool admitted, revoked;
	const char *why;
};

static int org_row(void *ctx, const ct_index_row *row)
{
	struct org_seen *o = ctx;

	if (row->kind == CT_ROW_ADMIT || row->kind == CT_ROW_REKEY_IN)
		o->admitted = true;
	if (row->kind == CT_ROW_REVOKE || row->kind == CT_ROW_REKEY_OUT || row->kind == CT_ROW_COMPROMISED) {
		o->revoked = true;
		o->why = row->kind == CT_ROW_REVOKE	 ? "key revoked by the bureau"
			 : row->kind == CT_ROW_REKEY_OUT ? "key replaced by the bureau (org.rekey)"
							 : "key declared compromised by the bureau";
	}
	return 0;
}

int node_authorize(void *ctx, const uint8_t key[CT_KEY_BYTES])
{
	struct conn *c = ctx;
	struct node *n = c->n;
	uint8_t bureau[CT_KEY_BYTES];
	struct org_seen o = {false, false, NULL};
	ct_reader *r = NULL;
	struct ban *b;

	for (b = n->bans; b; b = b->next) {
		if (!memcmp(b->key, key, CT_KEY_BYTES) && b->until > node_now(n)) {
			snprintf(c->close_reason, sizeof(c->close_reason),
				 "backed off for %llu s more after: %.200s",
				 (unsigned long long)(b->until - node_now(n)) / 1000 + 1, b->reason);
			return CT_EAUTH;
		}
	}
	for (struct slot *s = n->slots; s; s = s->next)
		if (!memcmp(s->key, key, CT_KEY_BYTES))
			return 0;
	if (ct_reader_begin(&r, n->ledger) == 0) {
		if (ct_read_network(NULL, bureau, r) == 0 && !memcmp(bureau, key, CT_KEY_BYTES))
			o.admitted = true;
		else
			ct_read_org_rows(r, key, org_row, &o);
		ct_reader_end(r);
	}
	if (o.admitted && !o.revoked)
		return 0;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s",
		 o.revoked ? o.why
			   : "unknown key: neither admitted in this replica nor listed in the config");
	return CT_EAUTH;
}
