/*
 * The control socket, HOME/caltraced.sock: one JSON request per line, one
 * JSON answer, then the connection closes (docs/PROTOCOL.md section 7).
 *
 *   {"cmd":"status"}                          peers, their state and lag per feed
 *   {"cmd":"peers-add","peer":"KEY@host:port"} dial a new peer now
 *   {"cmd":"peers-remove","key":"KEY"}         forget a peer, drop its connection
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_req.h"
#include "node.h"

#define REQUEST_MAX 65536

struct client {
	uv_pipe_t pipe;
	struct node *n;
	ct_buf in;
	bool answered;
};

struct answer {
	uv_write_t req;
	struct client *cl;
	char *text;
};

static json_t *hex_json(const uint8_t *bytes, size_t len)
{
	char hex[2 * 64 + 1];

	ct_hex(hex, bytes, len);
	return json_string(hex);
}

static int feed_json(void *ctx, const uint8_t author[CT_KEY_BYTES], uint64_t local, uint64_t remote,
		     bool known)
{
	json_t *feeds = ctx;

	if (!known)
		return 0;
	json_array_append_new(feeds,
			      json_pack("{s:o, s:I, s:I, s:I}", "author", hex_json(author, CT_KEY_BYTES),
					"local", (json_int_t)local, "remote", (json_int_t)remote, "lag",
					(json_int_t)remote - (json_int_t)local));
	return 0;
}

/* One peer: its slot (configured), its connection, or both. */
static json_t *peer_json(struct node *n, struct slot *s, struct conn *c)
{
	json_t *o = json_object(), *feeds;
	uint64_t now = node_now(n);
	const char *state;

	json_object_set_new(o, "key", hex_json(s ? s->key : c->key, CT_KEY_BYTES));
	json_object_set_new(o, "address", json_string(s ? s->name + strcspn(s->name, "@") + 1 : c->addr));
	json_object_set_new(o, "configured", json_boolean(s != NULL));
	if (c)
		state = conn_state_name(c);
	else
		state = "backoff";
	json_object_set_new(o, "state", json_string(state));
	if (c && c->state == C_UP) {
		ct_rpeer_stats st;
		json_object_set_new(o, "direction", json_string(c->outgoing ? "dialed" : "incoming"));
		json_object_set_new(o, "held", json_boolean(c->held));
		json_object_set_new(o, "queued_bytes", json_integer((json_int_t)c->queued));
		json_object_set_new(o, "up_ms", json_integer((json_int_t)(now - c->opened)));
		if (c->rp) {
			ct_rpeer_stats_get(c->rp, &st);
			json_object_set_new(o, "entries_in", json_integer((json_int_t)st.entries_in));
			json_object_set_new(o, "entries_out", json_integer((json_int_t)st.entries_out));
			json_object_set_new(o, "wants_out", json_integer((json_int_t)st.wants_out));
			json_object_set_new(o, "serving", json_integer((json_int_t)st.serves));
			feeds = json_array();
			ct_rpeer_feeds(c->rp, feed_json, feeds);
			json_object_set_new(o, "feeds", feeds);
		}
	}
	if (s && !c && s->next_dial != UINT64_MAX)
		json_object_set_new(o, "retry_in_ms",
				    json_integer(s->next_dial > now ? (json_int_t)(s->next_dial - now) : 0));
	if (s && s->last_error[0])
		json_object_set_new(o, "last_error", json_string(s->last_error));
	return o;
}

/* The store's compactions (compact.c): how many finished, and what the last did. */
static json_t *compaction_json(struct node *n)
{
	const struct node_compact *c = &n->cmp;
	json_t *o = json_pack("{s:I, s:b, s:b}", "done", (json_int_t)c->done, "running", c->running, "asked",
			      c->asked);

	if (c->done && c->last_err == 0)
		json_object_set_new(o, "last",
				    json_pack("{s:b, s:I, s:I, s:I, s:f, s:f}", "ok", 1, "bytes_before",
					      (json_int_t)c->last.bytes_before, "bytes_after",
					      (json_int_t)c->last.bytes_after, "records", (json_int_t)c->last.records,
					      "seconds", c->last_seconds, "held_ms", c->last.held_ms));
	else if (c->done)
		json_object_set_new(o, "last", json_pack("{s:b, s:s}", "ok", 0, "error", c->last_detail));
	return o;
}

static json_t *status_json(struct node *n)
{
	json_t *o = json_object(), *peers = json_array(), *ing;
	struct slot *s;
	struct conn *c;

	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "key", hex_json(n->self, CT_KEY_BYTES));
	json_object_set_new(o, "network", hex_json(n->network, CT_HASH_BYTES));
	json_object_set_new(o, "listen", json_string(n->listen));
	json_object_set_new(o, "uptime_ms", json_integer((json_int_t)(node_now(n) - n->started)));
	for (s = n->slots; s; s = s->next)
		json_array_append_new(peers, peer_json(n, s, s->conn));
	for (c = n->conns; c; c = c->next)
		if (c->state == C_UP && (!c->slot || c->slot->conn != c))
			json_array_append_new(peers, peer_json(n, NULL, c));
	json_object_set_new(o, "peers", peers);
	ing =
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:b, s:b}", "queued_bytes", (json_int_t)n->ing.queued, "stored",
		      (json_int_t)n->ing.appended, "duplicates", (json_int_t)n->ing.duplicates, "pending",
		      (json_int_t)n->ing.pending, "commits", (json_int_t)n->ing.commits, "paused", n->paused,
		      "store_full", n->store_full);
	json_object_set_new(o, "ingest", ing);
	json_object_set_new(o, "compaction", compaction_json(n));
	return o;
}

static json_t *error_json(const char *text)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", text);
}

static json_t *handle(struct node *n, const char *line, size_t len)
{
	struct control_req req;
	const char *why = NULL;
	json_t *ans;

	if (control_req_parse(&req, line, len, &why) < 0)
		return error_json(why);
	switch (req.cmd) {
	case CONTROL_STATUS:
		ans = status_json(n);
		break;
	case CONTROL_PEERS_ADD:
		if (slot_add(n, req.peer) < 0)
			ans = error_json("peers-add needs \"peer\": \"KEY@host:port\"");
		else {
			LOG(LOG_INFO, "peer %.8s…@%s added by the control socket", req.peer,
			    strchr(req.peer, '@') + 1);
			ans = json_pack("{s:b}", "ok", 1);
		}
		break;
	case CONTROL_PEERS_REMOVE:
		if (slot_remove(n, req.key) < 0)
			ans = error_json("no such peer in the config");
		else
			ans = json_pack("{s:b}", "ok", 1);
		break;
	case CONTROL_NETCP_SIGN:
		switch (netcp_ask(n)) {
		case NETCP_ASK_NO_GENESIS:
			ans = error_json("this node holds no genesis yet: it does not know the bureau");
			break;
		case NETCP_ASK_NOT_BUREAU:
			ans = error_json("only the bureau's node signs network checkpoints");
			break;
		case NETCP_ASK_HELD:
			ans = json_pack("{s:b, s:b}", "ok", 1, "signing", 0);
			break;
		default:
			ans = json_pack("{s:b, s:b}", "ok", 1, "signing", 1);
			break;
		}
		break;
	case CONTROL_COMPACT:
		ans = json_pack("{s:b, s:I}", "ok", 1, "done", (json_int_t)compact_ask(n));
		break;
	default:
		ans = error_json("unknown command");
		break;
	}
	control_req_free(&req);
	return ans;
}

static void client_closed(uv_handle_t *h)
{
	struct client *cl = container_of(h, struct client, pipe);

	ct_buf_free(&cl->in);
	free(cl);
}

static void answered(uv_write_t *req, int status)
{
	struct answer *a = container_of(req, struct answer, req);

	(void)status;
	uv_close((uv_handle_t *)&a->cl->pipe, client_closed);
	free(a->text);
	free(a);
}

static void answer(struct client *cl, json_t *ans)
{
	struct answer *a = calloc(1, sizeof(*a));
	char *text = json_dumps(ans, JSON_COMPACT);
	size_t len;
	uv_buf_t buf;

	json_decref(ans);
	cl->answered = true;
	uv_read_stop((uv_stream_t *)&cl->pipe);
	if (!a || !text || !(a->text = realloc(text, (len = strlen(text)) + 2))) {
		free(text);
		free(a);
		uv_close((uv_handle_t *)&cl->pipe, client_closed);
		return;
	}
	a->text[len] = '\n';
	a->text[len + 1] = '\0';
	a->cl = cl;
	buf = uv_buf_init(a->text, (unsigned)len + 1);
	if (uv_write(&a->req, (uv_stream_t *)&cl->pipe, &buf, 1, answered) < 0) {
		free(a->text);
		free(a);
		uv_close((uv_handle_t *)&cl->pipe, client_closed);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char chunk[4096];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(chunk, sizeof(chunk));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client *cl = container_of(s, struct client, pipe);
	uint8_t *nl;

	if (cl->answered || nread == 0)
		return;
	if (nread < 0 || ct_buf_put(&cl->in, buf->base, (size_t)nread) < 0 || cl->in.len > REQUEST_MAX) {
		uv_close((uv_handle_t *)&cl->pipe, client_closed);
		return;
	}
	if ((nl = memchr(cl->in.ptr, '\n', cl->in.len)) != NULL)
		answer(cl, handle(cl->n, (const char *)cl->in.ptr, (size_t)(nl - cl->in.ptr)));
}

static void on_connection(uv_stream_t *server, int status)
{
	struct node *n = container_of(server, struct node, control);
	struct client *cl;

	if (status < 0 || !(cl = calloc(1, sizeof(*cl))))
		return;
	cl->n = n;
	uv_pipe_init(n->loop, &cl->pipe, 0);
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
		uv_close((uv_handle_t *)&cl->pipe, client_closed);
		return;
	}
	uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read);
}

/* True when something answers on path: another caltraced runs on this home. */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

int control_open(struct node *n)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t mask;
	int rc;

	if (strlen(n->sock_path) >= sizeof(sa.sun_path)) {
		LOG(LOG_ERROR,
		    "the control socket path %s is too long for a Unix socket; use a shorter home path",
		    n->sock_path);
		return -1;
	}
	if (socket_alive(n->sock_path)) {
		LOG(LOG_ERROR, "another caltraced is running on %s (its control socket %s answers)", n->home,
		    n->sock_path);
		return -1;
	}
	unlink(n->sock_path); /* stale, from a node that did not stop cleanly */
	uv_pipe_init(n->loop, &n->control, 0);
	/*
	 * Created 0600 (umask 0177 around the bind), not made so afterwards: a
	 * local user could connect between a bind under a looser umask and the
	 * chmod, and keep the connection. umask is the process's; a checking
	 * thread creating a file meanwhile would only get a stricter mode.
	 */
	mask = umask(0177);
	rc = uv_pipe_bind(&n->control, n->sock_path);
	umask(mask);
	if (rc < 0 || (rc = uv_listen((uv_stream_t *)&n->control, 16, on_connection)) < 0) {
		LOG(LOG_ERROR, "cannot open the control socket %s: %s", n->sock_path, uv_strerror(rc));
		uv_close((uv_handle_t *)&n->control, NULL);
		return -1;
	}
	errno = 0;
	if (chmod(n->sock_path, 0600) != 0 || stat(n->sock_path, &st) != 0 || (st.st_mode & 0177) != 0) {
		LOG(LOG_ERROR, "cannot make the control socket %s private (mode 0600): %s", n->sock_path,
		    errno ? strerror(errno) : "its mode stays open to others");
		uv_close((uv_handle_t *)&n->control, NULL);
		unlink(n->sock_path);
		return -1;
	}
	n->control_open = true;
	return 0;
}
