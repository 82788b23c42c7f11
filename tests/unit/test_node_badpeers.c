/*
 * Bad peers against a real caltraced (multi-process, 127.0.0.1): the
 * victim is the bureau's node, serving one good lab node. This test speaks
 * the protocol itself to misbehave in each way the issue lists: garbage
 * instead of a handshake, the wrong network id, an unknown key, a frame
 * over the limit, a tampered frame, a forged entry, a non-canonical entry,
 * an equivocating author's second entry. Each time the victim must refuse
 * or disconnect with a log line naming the peer and the rule, and keep
 * serving the good peer; at the end its store passes the integrity check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/ledger/home.h"
#include "caltrace/proto/msg.h"
#include "net_fixture.h"
#include "caltrace/proto/session.h"

#define WAIT_MS (20000 * scale)

static char *work;
static char daemon_path[4096];
static int port_victim, port_good, scale = 1;
static pid_t victim_pid, good_pid;
static uint8_t network[CT_HASH_BYTES], victim_key[CT_KEY_BYTES];
static int item;

/* ---- processes -------------------------------------------------------------- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void home_path(char *out, size_t len, const char *name, const char *file)
{
	snprintf(out, len, "%s/%s%s%s", work, name, file ? "/" : "", file ? file : "");
}

static void read_key(const char *name, uint8_t key[CT_KEY_BYTES])
{
	char path[4200], hex[80] = {0};
	FILE *f;

	home_path(path, sizeof(path), name, "key.pub");
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[64] = '\0';
	CT_OK_OR_FAIL(ct_key_parse(key, hex));
}

static pid_t start_node(const char *name)
{
	char home[4200], log[4200], sock[4200];
	pid_t pid;
	int fd;

	home_path(home, sizeof(home), name, NULL);
	snprintf(log, sizeof(log), "%s/%s.log", work, name);
	CT_OK_OR_FAIL(ct_home_control_path(sock, sizeof(sock), home));
	if ((pid = fork()) == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 2);
		execl(daemon_path, "caltraced", "--home", home, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	for (int i = 0; i < 200 && access(sock, F_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(sock, F_OK), 0);
	return pid;
}

static void stop_node(pid_t pid)
{
	int status = 0;

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The digest of a home's store, read directly. */
static void digest_of(const char *name, uint8_t out[CT_HASH_BYTES])
{
	ct_ledger_opts o = {0};
	char path[4200];
	ct_ledger *l = NULL;
	ct_reader *r = NULL;

	o.read_only = true;
	home_path(path, sizeof(path), name, "data");
	CT_OK_OR_FAIL(ct_ledger_open(&l, path, &o));
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_digest(out, r));
	ct_reader_end(r);
	ct_ledger_close(l);
}

/* The head of author's feed in a home's store (size 0 when absent). */
static ct_feed_head head_of(const char *name, const uint8_t author[CT_KEY_BYTES])
{
	ct_ledger_opts o = {0};
	ct_feed_head h;
	char path[4200];
	ct_ledger *l = NULL;
	ct_reader *r = NULL;

	memset(&h, 0, sizeof(h));
	o.read_only = true;
	home_path(path, sizeof(path), name, "data");
	CT_OK_OR_FAIL(ct_ledger_open(&l, path, &o));
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	if (ct_read_head(&h, r, author) < 0)
		memset(&h, 0, sizeof(h));
	ct_reader_end(r);
	ct_ledger_close(l);
	return h;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether a node's log has a line holding every needle (NULL-terminated), within WAIT_MS. */
static bool logged(const char *name, const char *const *needles)
{
	char path[4200], line[2048];
	uint64_t deadline = now_ms() + WAIT_MS;

	snprintf(path, sizeof(path), "%s/%s.log", work, name);
	do {
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			size_t k;
			for (k = 0; needles[k] && strstr(line, needles[k]); k++)
				;
			if (!needles[k]) {
				fclose(f);
				return true;
			}
		}
		if (f)
			fclose(f);
		usleep(100000);
	} while (now_ms() < deadline);
	return false;
}

#define LOGGED(name, ...) logged(name, (const char *const[]){__VA_ARGS__, NULL})

/* The victim records a new event; the good peer must get it: it is still served. */
static void good_peer_still_served(void)
{
	char home[4200];
	uint8_t a[CT_HASH_BYTES], b[CT_HASH_BYTES];
	uint64_t deadline;

	home_path(home, sizeof(home), "victim", NULL);
	assert_int_equal(sh("'%s' --home '%s' catalogue-set ITEM-%d --name item --mode V --interval-days 365 "
			    "--domains trade --effective 2024-01-01 >/dev/null 2>&1",
			    CT_CLI_PATH, home, ++item),
			 0);
	digest_of("victim", a);
	deadline = now_ms() + WAIT_MS;
	do {
		digest_of("good", b);
		if (!memcmp(a, b, sizeof(a)))
			return;
		usleep(100000);
	} while (now_ms() < deadline);
	fail_msg("the good peer no longer gets the victim's entries");
}

/* ---- a misbehaving client ---------------------------------------------------- */

struct client {
	int fd;
	ct_session *s;
	ct_buf out;
	int err;
	ct_buf got; /* decrypted messages, each length-prefixed with 4 bytes */
};

static void client_open(struct client *c)
{
	struct sockaddr_in sa;

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port_victim);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void client_close(struct client *c)
{
	close(c->fd);
	ct_session_free(c->s);
	ct_buf_free(&c->out);
	ct_buf_free(&c->got);
}

static void send_bytes(struct client *c, const void *p, size_t len)
{
	const char *b = p;

	while (len > 0) {
		ssize_t n = send(c->fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the victim may have closed already: that is what is tested */
		b += n;
		len -= (size_t)n;
	}
}

static void flush(struct client *c)
{
	send_bytes(c, c->out.ptr, c->out.len);
	c->out.len = 0;
}

/* Reads what arrives for up to ms; returns false once the victim closed the connection. */
static bool pump(struct client *c, int ms)
{
	struct pollfd p = {c->fd, POLLIN, 0};
	uint8_t buf[65536];
	const uint8_t *msg;
	size_t len;
	ssize_t n;
	int rc;

	while (poll(&p, 1, ms) > 0) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return false;
		if (c->s && !c->err) {
			CT_OK_OR_FAIL(ct_session_push(c->s, buf, (size_t)n));
			while ((rc = ct_session_next(c->s, &c->out, &msg, &len)) == 1) {
				uint8_t hdr[4];
				ct_frame_header(hdr, (uint32_t)len);
				ct_buf_put(&c->got, hdr, 4);
				ct_buf_put(&c->got, msg, len);
			}
			if (rc < 0)
				c->err = rc;
			flush(c);
		}
		ms = 100;
	}
	return true;
}

/* Waits until the victim drops the connection. */
static bool dropped(struct client *c)
{
	uint64_t deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline)
		if (!pump(c, 200))
			return true;
	return false;
}

/* Runs the handshake as kp on network net; returns whether this side completed it. */
static bool handshake(struct client *c, const ct_keypair *kp, const uint8_t net[CT_HASH_BYTES])
{
	ct_session_opts o = {0};
	uint64_t deadline = now_ms() + WAIT_MS;

	o.identity = kp;
	o.network = net;
	o.initiator = true;
	o.expect = victim_key;
	CT_OK_OR_FAIL(ct_session_new(&c->s, &o));
	CT_OK_OR_FAIL(ct_session_start(c->s, &c->out));
	flush(c);
	while (!ct_session_ready(c->s) && !c->err && now_ms() < deadline)
		if (!pump(c, 200))
			break;
	return ct_session_ready(c->s);
}

static void send_msg(struct client *c, const ct_buf *msg)
{
	CT_OK_OR_FAIL(ct_session_seal(c->s, &c->out, msg->ptr, msg->len));
	flush(c);
}

static void send_hello(struct client *c)
{
	ct_buf m = CT_BUF_INIT;

	CT_OK_OR_FAIL(ct_msg_hello(&m, NULL, 0));
	send_msg(c, &m);
	ct_buf_free(&m);
}

/* Pushes one encoded entry of author as if it were live. */
static void push_entry(struct client *c, const uint8_t author[CT_KEY_BYTES], uint64_t seq,
		       const ct_buf *entry)
{
	ct_buf m = CT_BUF_INIT;

	CT_OK_OR_FAIL(ct_msg_entries_begin(&m, author, seq, CT_ENTRIES_PUSH, 1));
	CT_OK_OR_FAIL(ct_mp_put_bin(&m, entry->ptr, entry->len));
	send_msg(c, &m);
	ct_buf_free(&m);
}

/* A lab key the victim admitted (seeds 201..) */
static ct_keypair *bad_key(int k)
{
	return ct_test_keypair(200 + k);
}

/* ---- set-up ------------------------------------------------------------------ */

/* Whether nobody holds 127.0.0.1:port. */
static bool port_free(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/* Two free neighbouring ports (other tests and jobs may run beside this one). */
static int free_port_pair(void)
{
	int port = 20000;

	for (unsigned k = 0; k < 50; k++) {
		port = 20000 + (int)(((unsigned)getpid() * 7 + k * 997) % 12000); /* below the ephemeral ports */
		if (port_free(port) && port_free(port + 1))
			break;
	}
	return port;
}

static int setup(void **state)
{
	char home[4200], good[4200], hex[65], nethex[65];
	const char *slash = strrchr(CT_CLI_PATH, '/');
	ct_ledger_opts o = {0};
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	char path[4200];
	int k;

	(void)state;
	if (getenv("ASAN_OPTIONS") || strstr(CT_CLI_PATH, "asan"))
		scale = 3;
	snprintf(daemon_path, sizeof(daemon_path), "%.*s/caltraced", (int)(slash - CT_CLI_PATH), CT_CLI_PATH);
	work = ct_test_tmpdir();
	port_victim = free_port_pair();
	port_good = port_victim + 1;
	home_path(home, sizeof(home), "victim", NULL);
	home_path(good, sizeof(good), "good", NULL);
	if (sh("'%s' init '%s' --listen 127.0.0.1:%d >/dev/null 2>&1", CT_CLI_PATH, home, port_victim) ||
	    sh("'%s' --home '%s' genesis --network T --district North >/dev/null", CT_CLI_PATH, home))
		return -1;
	read_key("victim", victim_key);
	o.read_only = true;
	home_path(path, sizeof(path), "victim", "data");
	if (ct_ledger_open(&l, path, &o) < 0 || ct_reader_begin(&r, l) < 0 ||
	    ct_read_network(network, NULL, r) < 0)
		return -1;
	ct_reader_end(r);
	ct_ledger_close(l);
	ct_hex(nethex, network, 32);
	if (sh("'%s' init '%s' --listen 127.0.0.1:%d --network %s >/dev/null 2>&1", CT_CLI_PATH, good,
	       port_good, nethex))
		return -1;
	{
		uint8_t gk[32];
		read_key("good", gk);
		ct_key_hex(hex, gk);
	}
	if (sh("'%s' --home '%s' admit %s --name good --tier city --scope mass --until 2035-01-01 >/dev/null",
	       CT_CLI_PATH, home, hex) ||
	    sh("'%s' --home '%s' peers add %s@127.0.0.1:%d 2>/dev/null", CT_CLI_PATH, home, hex, port_good))
		return -1;
	ct_key_hex(hex, victim_key);
	if (sh("'%s' --home '%s' peers add %s@127.0.0.1:%d 2>/dev/null", CT_CLI_PATH, good, hex, port_victim))
		return -1;
	for (k = 1; k <= 8; k++) {
		ct_keypair *kp = bad_key(k);
		ct_key_hex(hex, ct_keypair_public(kp));
		ct_keypair_free(kp);
		if (sh("'%s' --home '%s' admit %s --name bad%d --tier district --scope mass --until "
		       "2035-01-01 "
		       ">/dev/null",
		       CT_CLI_PATH, home, hex, k))
			return -1;
	}
	victim_pid = start_node("victim");
	good_pid = start_node("good");
	good_peer_still_served();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (good_pid > 0)
		kill(good_pid, SIGKILL);
	if (victim_pid > 0)
		kill(victim_pid, SIGKILL);
	while (wait(NULL) > 0)
		;
	if (getenv("CT_KEEP"))
		fprintf(stderr, "kept %s\n", work);
	else
		ct_test_rm_rf(work);
	free(work);
	return 0;
}

/* ---- the cases --------------------------------------------------------------------- */

static void test_garbage_instead_of_handshake(void **state)
{
	static const char garbage[] = "GET / HTTP/1.1\r\nHost: victim\r\n\r\n";
	struct client c;

	(void)state;
	client_open(&c);
	send_bytes(&c, garbage, sizeof(garbage) - 1);
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", "peer ?@127.0.0.1:", "not a caltrace handshake"));
	good_peer_still_served();
}

static void test_wrong_network_id(void **state)
{
	uint8_t other[CT_HASH_BYTES];
	ct_keypair *kp = bad_key(1);
	struct client c;

	(void)state;
	memcpy(other, network, sizeof(other));
	other[0] ^= 0x80;
	client_open(&c);
	assert_false(handshake(&c, kp, other));
	assert_int_equal(c.err, CT_EINVAL); /* the victim's tag told us */
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", "127.0.0.1:", "wrong network id"));
	ct_keypair_free(kp);
	good_peer_still_served();
}

static void test_unknown_key(void **state)
{
	ct_keypair *stranger = ct_test_keypair(250);
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;
	ct_msg m;

	(void)state;
	ct_key_short(name, ct_keypair_public(stranger));
	client_open(&c);
	assert_true(handshake(&c, stranger, network)); /* our side completes; the victim refuses */
	send_hello(&c);
	assert_true(dropped(&c));
	/* the victim said why, encrypted: one error message and nothing else */
	assert_true(c.got.len > 4);
	CT_OK_OR_FAIL(ct_msg_decode(&m, c.got.ptr + 4, c.got.len - 4));
	assert_int_equal(m.type, CT_MSG_ERROR);
	assert_non_null(memmem(m.text, m.text_len, "unknown key", 11));
	client_close(&c);
	assert_true(LOGGED("victim", name, "unknown key"));
	ct_keypair_free(stranger);
	good_peer_still_served();
}

static void test_frame_over_the_limit(void **state)
{
	ct_keypair *kp = bad_key(2);
	uint8_t hdr[4], junk[4096];
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	memset(junk, 0x41, sizeof(junk));
	client_open(&c);
	assert_true(handshake(&c, kp, network));
	send_hello(&c);
	ct_frame_header(hdr, CT_FRAME_MAX + 1);
	send_bytes(&c, hdr, 4);
	send_bytes(&c, junk, sizeof(junk));
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", name, "over the limit", "disconnecting", "backing off"));
	ct_keypair_free(kp);
	good_peer_still_served();
}

static void test_tampered_frame(void **state)
{
	ct_keypair *kp = bad_key(3);
	ct_buf m = CT_BUF_INIT;
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	client_open(&c);
	assert_true(handshake(&c, kp, network));
	CT_OK_OR_FAIL(ct_msg_hello(&m, NULL, 0));
	CT_OK_OR_FAIL(ct_session_seal(c.s, &c.out, m.ptr, m.len));
	c.out.ptr[c.out.len - 1] ^= 1;
	flush(&c);
	assert_true(dropped(&c));
	client_close(&c);
	ct_buf_free(&m);
	assert_true(LOGGED("victim", name, "fails authentication", "disconnecting"));
	ct_keypair_free(kp);
	good_peer_still_served();
}

static void test_forged_entry(void **state)
{
	ct_keypair *kp = bad_key(4);
	ct_buf e = CT_BUF_INIT;
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	fx_entry(&e, kp, 1, NULL, "FORGED-1");
	e.ptr[e.len - 5] ^= 0x10; /* inside the signature */
	client_open(&c);
	assert_true(handshake(&c, kp, network));
	send_hello(&c);
	push_entry(&c, ct_keypair_public(kp), 1, &e);
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", name, "bad signature on entry #1 of", "disconnecting"));
	assert_int_equal(head_of("victim", ct_keypair_public(kp)).size, 0);
	ct_buf_free(&e);
	ct_keypair_free(kp);
	good_peer_still_served();
}

/*
 * A forged entry inside a long message: its signature is checked with the
 * others at once, by the author's table (core/ledger/sigkey.c). The entries
 * before it are stored, it and those after are not.
 */
static void test_forged_entry_in_a_long_run(void **state)
{
	enum { RUN = 100, FORGED = 57 };
	ct_keypair *kp = bad_key(7);
	ct_buf e = CT_BUF_INIT, m = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES];
	char name[CT_KEY_SHORT_LEN + 1], id[32];
	struct client c;
	uint64_t deadline;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	CT_OK_OR_FAIL(ct_msg_entries_begin(&m, ct_keypair_public(kp), 1, CT_ENTRIES_PUSH, RUN));
	for (uint64_t seq = 1; seq <= RUN; seq++) {
		snprintf(id, sizeof(id), "RUN-%llu", (unsigned long long)seq);
		e.len = 0;
		fx_entry(&e, kp, seq, seq > 1 ? prev : NULL, id);
		ct_entry_hash(prev, e.ptr, e.len);
		if (seq == FORGED)
			e.ptr[e.len - 20] ^= 0x01; /* inside the signature */
		CT_OK_OR_FAIL(ct_mp_put_bin(&m, e.ptr, e.len));
	}
	client_open(&c);
	assert_true(handshake(&c, kp, network));
	send_hello(&c);
	send_msg(&c, &m);
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", name, "bad signature on entry #57 of", "disconnecting"));
	deadline = now_ms() + WAIT_MS;
	while (head_of("victim", ct_keypair_public(kp)).size < FORGED - 1 && now_ms() < deadline)
		usleep(50000);
	assert_int_equal(head_of("victim", ct_keypair_public(kp)).size, FORGED - 1);
	ct_buf_free(&e);
	ct_buf_free(&m);
	ct_keypair_free(kp);
	good_peer_still_served();
}

static void test_noncanonical_entry(void **state)
{
	ct_keypair *kp = bad_key(5);
	ct_buf e = CT_BUF_INIT, bad = CT_BUF_INIT;
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	fx_entry(&e, kp, 1, NULL, "LONG-FORM");
	/* array(8), version 1, bin 32 author: seq 1 sits at byte 36; write it as a uint8 */
	assert_int_equal(e.ptr[36], 0x01);
	ct_buf_put(&bad, e.ptr, 36);
	ct_buf_put(&bad, "\xcc\x01", 2);
	ct_buf_put(&bad, e.ptr + 37, e.len - 37);
	client_open(&c);
	assert_true(handshake(&c, kp, network));
	send_hello(&c);
	push_entry(&c, ct_keypair_public(kp), 1, &bad);
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", name, "non-canonical", "disconnecting"));
	assert_int_equal(head_of("victim", ct_keypair_public(kp)).size, 0);
	ct_buf_free(&e);
	ct_buf_free(&bad);
	ct_keypair_free(kp);
	good_peer_still_served();
}

/* An author's second entry that contradicts its first: refused as entry, kept as proof, passed on. */
static void test_equivocating_author(void **state)
{
	ct_keypair *kp = bad_key(6);
	ct_buf e1 = CT_BUF_INIT, e2 = CT_BUF_INIT;
	uint8_t wrong_prev[CT_HASH_BYTES];
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;
	uint64_t deadline;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	fx_entry(&e1, kp, 1, NULL, "EQ-1");
	memset(wrong_prev, 0x77, sizeof(wrong_prev));
	fx_entry(&e2, kp, 2, wrong_prev, "EQ-2");
	client_open(&c);
	assert_true(handshake(&c, kp, network));
	send_hello(&c);
	push_entry(&c, ct_keypair_public(kp), 1, &e1);
	deadline = now_ms() + WAIT_MS;
	while (head_of("victim", ct_keypair_public(kp)).size < 1 && now_ms() < deadline)
		pump(&c, 100);
	assert_int_equal(head_of("victim", ct_keypair_public(kp)).size, 1);
	push_entry(&c, ct_keypair_public(kp), 2, &e2);
	assert_true(LOGGED("victim", "fork:", name, "signed two different entries at #2", "proof recorded"));
	assert_true(head_of("victim", ct_keypair_public(kp)).forked);
	assert_int_equal(head_of("victim", ct_keypair_public(kp)).size, 1); /* the first is kept */
	/* the proof travels: the good peer marks the feed forked too */
	deadline = now_ms() + WAIT_MS;
	while (!head_of("good", ct_keypair_public(kp)).forked && now_ms() < deadline)
		usleep(100000);
	assert_true(head_of("good", ct_keypair_public(kp)).forked);
	client_close(&c);
	ct_buf_free(&e1);
	ct_buf_free(&e2);
	ct_keypair_free(kp);
	good_peer_still_served();
}

/* A misbehaving key is backed off: its next connection is refused. */
static void test_backed_off(void **state)
{
	ct_keypair *kp = bad_key(4); /* sent a forged entry above */
	char name[CT_KEY_SHORT_LEN + 1];
	struct client c;

	(void)state;
	ct_key_short(name, ct_keypair_public(kp));
	client_open(&c);
	handshake(&c, kp, network);
	assert_true(dropped(&c));
	client_close(&c);
	assert_true(LOGGED("victim", name, "backed off for"));
	ct_keypair_free(kp);
}

/* ---- idle connections ---------------------------------------------------------- */

struct idle {
	int fd[1000];
	bool open[1000];
	int n;
};

/* Opens count TCP connections to the victim from 127.0.0.<first>.. (per_addr from each), sending nothing. */
static void idle_open(struct idle *h, int count, int first, int per_addr)
{
	for (int i = 0; i < count; i++) {
		struct sockaddr_in sa, src;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		assert_true(fd >= 0 && h->n < 1000);
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (uint32_t)(first + i / per_addr));
		assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port_victim);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_true(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
		h->fd[h->n] = fd;
		h->open[h->n++] = true;
	}
}

/* How many of h the victim has not closed, after looking for up to ms for it to get there (at most want). */
static int idle_still_open(struct idle *h, int want, int ms)
{
	uint64_t deadline = now_ms() + (uint64_t)ms;
	int open;

	for (;;) {
		open = 0;
		for (int i = 0; i < h->n; i++) {
			struct pollfd p = {h->fd[i], POLLIN, 0};
			char b;

			if (h->open[i] && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) &&
			    recv(h->fd[i], &b, 1, MSG_DONTWAIT) <= 0)
				h->open[i] = false;
			open += h->open[i];
		}
		if (open <= want || now_ms() >= deadline)
			return open;
		usleep(20000);
	}
}

static void idle_close(struct idle *h)
{
	for (int i = 0; i < h->n; i++)
		close(h->fd[i]);
	h->n = 0;
}

/* An admitted peer connects while the idle connections are held: its handshake completes and it is served. */
static void real_peer_gets_in(void)
{
	ct_keypair *kp = bad_key(8);
	uint64_t deadline;
	struct client c;

	client_open(&c);
	assert_true(handshake(&c, kp, network));
	send_hello(&c);
	deadline = now_ms() + WAIT_MS;
	while (c.got.len == 0 && now_ms() < deadline)
		if (!pump(&c, 100))
			break;
	if (c.got.len == 0)
		fail_msg("the victim did not let an admitted peer in beside the idle connections");
	client_close(&c);
	ct_keypair_free(kp);
}

/*
 * Half-open connections do not exhaust the victim (docs/PROTOCOL.md
 * section 6): 600 idle TCP connections from 127.0.0.1, opened in batches,
 * leave at most NODE_HANDSHAKES_PER_ADDR (8) of them held, and an admitted
 * peer from the same address still gets in; then 300 from 60 other
 * addresses (5 each) leave at most NODE_HANDSHAKES_MAX (64) held.
 */
static void test_idle_connections(void **state)
{
	static struct idle h;
	int open;

	(void)state;
	for (int batch = 0; batch < 10; batch++) {
		idle_open(&h, 60, 1, 1000);
		idle_still_open(&h, 8, 500 * scale);
	}
	open = idle_still_open(&h, 8, 2000 * scale);
	if (open > 8)
		fail_msg("the victim holds %d of 600 idle connections from 127.0.0.1 (budget: 8)", open);
	real_peer_gets_in();
	idle_close(&h);

	for (int batch = 0; batch < 5; batch++) {
		idle_open(&h, 60, 2 + batch * 12, 5);
		idle_still_open(&h, 64, 500 * scale);
	}
	open = idle_still_open(&h, 64, 2000 * scale);
	if (open > 64)
		fail_msg("the victim holds %d of 300 idle connections from 60 addresses (budget: 64)", open);
	real_peer_gets_in();
	idle_close(&h);
	assert_true(LOGGED("victim", "incoming handshakes over budget"));
	good_peer_still_served();
}

/* Nothing stored was lost: the victim stops cleanly and its store checks out. */
static void test_store_intact(void **state)
{
	char home[4200];

	(void)state;
	stop_node(victim_pid);
	victim_pid = 0;
	home_path(home, sizeof(home), "victim", NULL);
	assert_int_equal(sh("'%s' --home '%s' check >/dev/null", CT_CLI_PATH, home), 0);
	stop_node(good_pid);
	good_pid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_garbage_instead_of_handshake),
	    cmocka_unit_test(test_wrong_network_id),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_frame_over_the_limit),
	    cmocka_unit_test(test_tampered_frame),
	    cmocka_unit_test(test_forged_entry),
	    cmocka_unit_test(test_forged_entry_in_a_long_run),
	    cmocka_unit_test(test_noncanonical_entry),
	    cmocka_unit_test(test_equivocating_author),
	    cmocka_unit_test(test_backed_off),
	    cmocka_unit_test(test_idle_connections),
	    cmocka_unit_test(test_store_intact),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
