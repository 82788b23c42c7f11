/*
 * caltraced --home DIR [--listen HOST:PORT] [--log-level LEVEL]
 *
 * Reads the home's config, listens, dials its peers, replicates every
 * feed, answers the control socket; SIGINT or SIGTERM stops it cleanly.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "node.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: caltraced --home DIR [--listen HOST:PORT] [--metrics HOST:PORT] [--map-max SIZE]\n"
		     "                 [--log-level LEVEL]\n\n"
		     "Runs a caltrace node: replicates every feed with the peers in DIR/config over\n"
		     "authenticated, encrypted TCP (docs/PROTOCOL.md), and answers `caltrace status`\n"
		     "and `caltrace peers` through DIR/caltraced.sock. SIGINT or SIGTERM stops it.\n\n"
		     "  --home DIR          the node home (default $CALTRACE_HOME)\n"
		     "  --listen HOST:PORT  where to listen (default: the config's listen)\n"
		     "  --metrics HOST:PORT serve Prometheus metrics at http://HOST:PORT/metrics\n"
		     "  --map-max SIZE      the largest the store may grow to (512M, 8G...; default:\n"
		     "                      the config's map_max, else 64T): the store is full there\n"
		     "  --log-level LEVEL   error, warn, info (default) or debug\n\n"
		     "Log lines go to stderr as key=value pairs (docs/OPERATIONS.md). A store of an\n"
		     "older format is migrated when the node starts; one of a newer format is refused.\n");
}

/* The idle pass: serve what peers asked for, hand sealed frames to libuv. */
static void on_idle(uv_idle_t *h)
{
	struct node *n = container_of(h, struct node, idle);

	uv_idle_stop(h);
	for (struct conn *c = n->conns; c; c = c->next) {
		if (c->serves && c->state == C_UP)
			serve_pump(c);
		conn_flush(c);
	}
}

void node_kick(struct node *n)
{
	if (!uv_is_active((uv_handle_t *)&n->idle) && !n->stopping)
		uv_idle_start(&n->idle, on_idle);
}

static void on_tick(uv_timer_t *t)
{
	struct node *n = container_of(t, struct node, tick);

	conn_tick(n);
	ct_repl_tick(n->repl, node_now(n));
}

static void on_poll(uv_timer_t *t)
{
	struct node *n = container_of(t, struct node, poll);
	uint64_t now = node_now(n), mark = n->ing.commits + n->served;

	node_refresh_heads(n, false);
	metrics_poll(n);
	restore_gate_poll(n);
	ingest_full_retry(n);
	checkpoints_poll(n);
	netcp_poll(n);
	checkpoints_gossip(n, false);
	compact_poll(n);
	/*
	 * Notes again, to every peer: a peer drops a cosignature line it cannot
	 * count yet (a witness whose admission or re-key it has not stored), and
	 * the gossip of a note ends where it brings nothing new, so the line
	 * would reach it only with the author's next checkpoint (docs/CHECKPOINTS.md).
	 */
	if (now - n->regreeted_at >= NODE_REGREET_MS) {
		n->regreeted_at = now;
		for (struct conn *c = n->conns; c; c = c->next)
			if (c->state == C_UP)
				node_greet(n, c);
	}
	/* The store's pages a busy node touched would stay resident: let them go now and then. */
	if (mark != n->trim_mark && now - n->trimmed_at >= NODE_TRIM_MS) {
		n->trim_mark = mark;
		n->trimmed_at = now;
		node_trim(n);
	}
}

/* Resident file-backed bytes of this process ("shared" in /proc/self/statm); -1 when unknown. */
static long long resident_file_bytes(void)
{
	static int fd = -2; /* opened once (before the writer's thread): asked every NODE_TRIM_ENTRIES entries */
	char buf[128];
	unsigned long long size, resident, shared;
	ssize_t got;

	if (fd == -2)
		fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = pread(fd, buf, sizeof(buf) - 1, 0);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3)
		return -1;
	return (long long)(shared * (unsigned long long)sysconf(_SC_PAGESIZE));
}

void node_trim(struct node *n)
{
	long long file = resident_file_bytes();

	/* where it cannot be measured, always */
	if (file >= 0 && file < (long long)NODE_TRIM_BYTES)
		return;
	if (ct_ledger_trim_memory(n->ledger) < 0)
		LOG(LOG_DEBUG, "%s", ct_error_last());
}

void node_stop(struct node *n, const char *why)
{
	struct conn *c, *next;

	if (n->stopping)
		return;
	LOG(LOG_INFO, "%s: shutting down", why);
	n->stopping = true;
	metrics_stop(n);
	uv_idle_stop(&n->idle);
	uv_close((uv_handle_t *)&n->idle, NULL);
	uv_close((uv_handle_t *)&n->tick, NULL);
	uv_close((uv_handle_t *)&n->poll, NULL);
	uv_close((uv_handle_t *)&n->sigint, NULL);
	uv_close((uv_handle_t *)&n->sigterm, NULL);
	if (n->listening)
		uv_close((uv_handle_t *)&n->listener, NULL);
	if (n->control_open)
		uv_close((uv_handle_t *)&n->control, NULL);
	for (c = n->conns; c; c = next) {
		next = c->next;
		c->close_quiet = true;
		conn_close(c, "node shutting down", false);
		if (!uv_is_closing((uv_handle_t *)&c->tcp))
			uv_close((uv_handle_t *)&c->tcp, NULL);
	}
	ingest_shutdown(n);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct node *n = s->data;

	node_stop(n, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* The network id: the store's genesis, else the config's; both must agree. */
static int find_network(struct node *n)
{
	uint8_t stored[CT_HASH_BYTES];
	ct_reader *r = NULL;
	int err;

	if ((err = ct_reader_begin(&r, n->ledger)) < 0)
		return err;
	err = ct_read_network(stored, NULL, r);
	ct_reader_end(r);
	if (err < 0 && err != CT_ENOTFOUND)
		return err;
	if (err == 0 && n->cfg.has_network && memcmp(stored, n->cfg.network, CT_HASH_BYTES) != 0) {
		LOG(LOG_ERROR, "the config names another network than the store's genesis");
		return CT_EINVAL;
	}
	if (err == 0) {
		memcpy(n->network, stored, CT_HASH_BYTES);
		return 0;
	}
	if (!n->cfg.has_network) {
		LOG(LOG_ERROR,
		    "no network id: the bureau writes its genesis first (`caltrace genesis`), a lab "
		    "joins with `caltrace init DIR --network ID` (or 'network = ID' in the config)");
		return CT_ESTATE;
	}
	memcpy(n->network, n->cfg.network, CT_HASH_BYTES);
	return 0;
}

/* Reads the home: config, key, store. */
/* Long work while the store opens (building the instrument summary), logged. */
static void open_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (total)
		LOG(LOG_INFO, "%s: %llu of %llu", what, (unsigned long long)done, (unsigned long long)total);
}

static int open_home(struct node *n, const char *home, const char *listen, const char *map_max)
{
	ct_ledger_opts opts = {.migrate = true};
	char path[4200];
	int err;

	snprintf(n->home, sizeof(n->home), "%s", home);
	snprintf(n->cfg_path, sizeof(n->cfg_path), "%s/config", home);
	if ((err = ct_home_control_path(n->sock_path, sizeof(n->sock_path), home)) < 0 ||
	    (err = ct_config_load(&n->cfg, n->cfg_path)) < 0) {
		LOG(LOG_ERROR, "%s", ct_error_last());
		return err;
	}
	snprintf(n->listen, sizeof(n->listen), "%s", listen ? listen : n->cfg.listen);
	if (map_max && (err = ct_size_parse(&n->cfg.map_max, "--map-max", map_max)) < 0) {
		LOG(LOG_ERROR, "%s", ct_error_last());
		return err;
	}
	opts.map_max = (size_t)n->cfg.map_max;
	snprintf(path, sizeof(path), "%s/key", home);
	if ((err = ct_keypair_load(&n->kp, path)) < 0) {
		LOG(LOG_ERROR, "cannot load the node's key: %s", ct_error_last());
		return err;
	}
	memcpy(n->self, ct_keypair_public(n->kp), CT_KEY_BYTES);
	snprintf(path, sizeof(path), "%s/data", home);
	/* bench/bench_catchup.c measures what keeping the network index costs by turning it off */
	opts.no_netindex = getenv("CALTRACED_NO_NETINDEX") != NULL;
	opts.progress = open_progress; /* a store with no instrument summary gets one built first */
	if (opts.no_netindex)
		LOG(LOG_WARN, "CALTRACED_NO_NETINDEX is set: this node keeps no network index (a benchmark's "
			      "setting; run `caltrace index --rebuild` before its index is used)");
	if ((err = ct_ledger_open(&n->ledger, path, &opts)) < 0) {
		LOG(LOG_ERROR, "cannot open the store %s: %s", path, ct_error_last());
		return err;
	}
	if (n->cfg.map_max)
		LOG(LOG_INFO, "the store's map grows to at most %llu MiB (map_max)",
		    (unsigned long long)(n->cfg.map_max >> 20));
	if (ct_ledger_migrated_from(n->ledger))
		LOG(LOG_WARN, "migrated the store %s from format %u to %d (an older release's backups restore into it)",
		    path, ct_ledger_migrated_from(n->ledger), CT_LEDGER_FORMAT);
	return find_network(n);
}

static int start(struct node *n, const char *metrics)
{
	ct_repl_opts o = {0};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *why;
	size_t i;

	if (ct_sigcache_new(&n->sigkeys) < 0)
		return -1;
	if (!ct_sigcache_fast(n->sigkeys, &why))
		LOG(LOG_WARN, "fast signature checks off, libsodium checks every signature: %s", why);
	else if ((why = ct_sigkey_build()))
		LOG(LOG_INFO, "signature checks from tables of multiples, the build for %s", why);
	n->ing.max_verifying = cpus > 0 ? (unsigned)cpus + 1 : 2;
	resident_file_bytes(); /* opens /proc/self/statm before the writer's thread may ask */
	if (ingest_start(n) < 0)
		return -1;
	o.self = n->self;
	o.emit = node_on_action;
	o.ctx = n;
	if (ct_repl_new(&n->repl, &o) < 0)
		return -1;
	n->started = node_now(n);
	node_refresh_heads(n, true);
	restore_gate_start(n);
	/* checkpoints kept while this node was behind, before it stopped: their entries may be here now */
	ingest_meta_witness_all(n);
	if (control_open(n) < 0 || conn_listen(n) < 0)
		return -1;
	if (metrics && metrics_start(n, metrics) < 0)
		return -1;
	for (i = 0; i < n->cfg.peer_count; i++)
		if (slot_add(n, n->cfg.peers[i]) < 0)
			LOG(LOG_WARN, "config: %s", ct_error_last());
	uv_timer_start(&n->tick, on_tick, 0, NODE_TICK_MS);
	uv_timer_start(&n->poll, on_poll, NODE_POLL_MS, NODE_POLL_MS);
	return 0;
}

static void cleanup(struct node *n)
{
	struct slot *s;
	struct ban *b;

	ingest_free(n);
	checkpoints_free(n);
	netcp_free(n);
	ct_repl_free(n->repl);
	while ((s = n->slots)) {
		n->slots = s->next;
		free(s);
	}
	while ((b = n->bans)) {
		n->bans = b->next;
		free(b);
	}
	free(n->heads);
	ct_ledger_close(n->ledger);
	ct_sigcache_free(n->sigkeys);
	ct_keypair_free(n->kp);
	ct_config_free(&n->cfg);
	if (n->control_open)
		unlink(n->sock_path);
	if (n->loop)
		uv_loop_close(n->loop);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"home", required_argument, NULL, 'H'},
						 {"listen", required_argument, NULL, 'l'},
						 {"log-level", required_argument, NULL, 'v'},
						 {"metrics", required_argument, NULL, 'm'},
						 {"map-max", required_argument, NULL, 'M'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *home = getenv("CALTRACE_HOME"), *listen = NULL, *metrics = NULL, *map_max = NULL;
	static struct node node;
	struct node *n = &node;
	char key[CT_KEY_SHORT_LEN + 1], net[CT_KEY_SHORT_LEN + 1], threads[24];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c, rc = 2;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'm':
			metrics = optarg;
			break;
		case 'M':
			map_max = optarg;
			break;
		case 'v':
			if ((log_level = log_level_parse(optarg)) < 0) {
				fprintf(stderr,
					"caltraced: --log-level must be error, warn, info or debug\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !home || !*home) {
		usage(stderr);
		return 2;
	}
	/* Signature checks, and the writer beside them: one thread per CPU and one more. */
	snprintf(threads, sizeof(threads), "%ld", cpus > 0 ? cpus + 2 : 4);
	setenv("UV_THREADPOOL_SIZE", threads, 0);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SIGINT and SIGTERM are caught from here on, before the home is read:
	 * one that arrives while the store opens (or migrates) stops the node
	 * cleanly at the loop's first turn instead of killing it. The handles
	 * node_stop() closes are all made here, whatever fails later.
	 */
	n->loop = uv_default_loop();
	uv_idle_init(n->loop, &n->idle);
	uv_timer_init(n->loop, &n->tick);
	uv_timer_init(n->loop, &n->poll);
	uv_signal_init(n->loop, &n->sigint);
	uv_signal_init(n->loop, &n->sigterm);
	n->sigint.data = n->sigterm.data = n;
	uv_signal_start(&n->sigint, on_signal, SIGINT);
	uv_signal_start(&n->sigterm, on_signal, SIGTERM);
	if (open_home(n, home, listen, map_max) == 0 && start(n, metrics) == 0) {
		ct_key_short(key, n->self);
		ct_key_short(net, n->network);
		LOG(LOG_INFO, "node %s… listening on %s (network %s…), %zu peer%s configured", key, n->listen,
		    net, n->cfg.peer_count, n->cfg.peer_count == 1 ? "" : "s");
		uv_run(n->loop, UV_RUN_DEFAULT);
		LOG(LOG_INFO, "stopped");
		rc = 0;
	} else {
		node_stop(n, "cannot start");
		uv_run(n->loop, UV_RUN_DEFAULT);
	}
	cleanup(n);
	return rc;
}
