/* caltrace serve: the read-only web pages and JSON API of a node home (web/, docs/API.md). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "caltrace/web/server.h"
#include "cli.h"

/* The longest caltrace serve stays aside for a compaction it was asked for. */
#define STEP_ASIDE_MS 600000

static void help(void)
{
	printf("usage: caltrace serve [--listen ADDR:PORT] [--base-url URL] [options]\n\n"
	       "Serves the home's ledger over HTTP, read-only, beside a running caltraced: the\n"
	       "instrument pages the QR labels open (/i/ID), a search page (/), the bureau's\n"
	       "dashboard (/dashboard), each lab's due list (/labs/KEY) and the JSON API\n"
	       "(/api/v1, docs/API.md). Pages are Chinese by default, English with ?lang=en or\n"
	       "the browser's Accept-Language. SIGINT or SIGTERM stops it cleanly.\n\n"
	       "  --listen ADDR:PORT     numeric address and port (default 127.0.0.1:8080, loopback\n"
	       "                         only; [::1]:8080 for IPv6; 0.0.0.0:8080 to serve a network)\n"
	       "  --base-url URL         the address people reach it by, for absolute links in API\n"
	       "                         answers (e.g. https://metrology.example.gov.cn)\n"
	       "  --threads N            threads answering requests (default 2)\n"
	       "  --max-connections N    connections at once (default 256)\n"
	       "  --per-client N         connections at once from one address (default 128)\n"
	       "  --rate N               requests a second per client address, 0 for no limit\n"
	       "                         (default 50); --burst N: at once (default 2 x rate)\n"
	       "  --heavy N              reports (dashboard, coverage, impact, due lists) computed at\n"
	       "                         once (default 1; more get 503 and Retry-After)\n"
	       "  --map-mib N            the store's pages kept mapped before they are given back to\n"
	       "                         the kernel (default 256; they stay in its page cache, and\n"
	       "                         fault back in when read: lower costs throughput)\n"
	       "  --access-log           one line per request on stderr\n");
}

static uint64_t clock_ms(void *ctx)
{
	return cli_now_ms();
}

static void log_line(void *ctx, const char *line)
{
	fprintf(stderr, "caltrace serve: %s\n", line);
}

static int parse_count(const char *opt, const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || *s == '-' || v > max)
		return cli_usage_error("serve", "%s expects a number from 0 to %u, not '%s'", opt, max, s);
	*out = (unsigned)v;
	return 0;
}

struct serve_opts {
	ct_web_server_opts srv;
	const char *base_url;
	unsigned heavy, map_mib;
	bool access_log;
};

static int parse(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
						 {"base-url", required_argument, NULL, 'b'},
						 {"threads", required_argument, NULL, 't'},
						 {"max-connections", required_argument, NULL, 'm'},
						 {"per-client", required_argument, NULL, 'p'},
						 {"rate", required_argument, NULL, 'r'},
						 {"burst", required_argument, NULL, 'B'},
						 {"heavy", required_argument, NULL, 'H'},
						 {"access-log", no_argument, NULL, 'a'},
						 {"map-mib", required_argument, NULL, 'M'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'l':
			o->srv.listen = optarg;
			break;
		case 'b':
			o->base_url = optarg;
			break;
		case 't':
			rc = parse_count("--threads", optarg, 64, &o->srv.threads);
			break;
		case 'm':
			rc = parse_count("--max-connections", optarg, 100000, &o->srv.max_connections);
			break;
		case 'p':
			rc = parse_count("--per-client", optarg, 100000, &o->srv.per_client_connections);
			break;
		case 'r':
			rc = parse_count("--rate", optarg, 1000000, &o->srv.rate);
			break;
		case 'B':
			rc = parse_count("--burst", optarg, 1000000, &o->srv.burst);
			break;
		case 'H':
			rc = parse_count("--heavy", optarg, 64, &o->heavy);
			break;
		case 'a':
			o->access_log = true;
			break;
		case 'M':
			rc = parse_count("--map-mib", optarg, 1u << 20, &o->map_mib);
			break;
		case 'h':
			help();
			return -1;
		default:
			return cli_usage_error("serve", "bad usage");
		}
		if (rc)
			return rc;
	}
	if (optind != argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	ct_web_site_opts so;
	ct_web_site *site = NULL;
	ct_web_server *srv = NULL;
	uint8_t key[CT_KEY_BYTES];
	char path[4200];
	sigset_t stop;
	bool has_key;
	cli_node n;
	int err, sig, rc;

	memset(&o, 0, sizeof(o));
	o.srv.listen = "127.0.0.1:8080";
	o.srv.rate = 50;
	if ((rc = parse(argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	snprintf(path, sizeof(path), "%s/key.pub", n.dir);
	has_key = ct_key_pub_load(key, path) == 0;
	memset(&so, 0, sizeof(so));
	so.ledger = n.ledger;
	so.home = n.dir;
	so.node_key = has_key ? key : NULL;
	so.base_url = o.base_url;
	so.heavy_max = o.heavy;
	so.coverage_threads = 1;
	so.trim_bytes = (size_t)o.map_mib << 20;
	o.srv.now = clock_ms;
	o.srv.log = o.access_log ? log_line : NULL;
	rc = EXIT_ERR;
	if ((err = ct_web_site_new(&site, &so)) < 0) {
		cli_fail("serve", err, "cannot serve %s", n.dir);
		goto done;
	}
	/* The answering threads inherit this mask: only this thread takes the stop signals. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((err = ct_web_server_start(&srv, site, &o.srv)) < 0) {
		cli_fail("serve", err, "cannot start");
		goto done;
	}
	fprintf(stderr, "caltrace serve: %s read-only on %s (port %u); dashboard /dashboard, API /api/v1\n",
		n.dir, o.srv.listen, ct_web_server_port(srv));
	fflush(stderr);
	/*
	 * Between signals, once a second: caltraced asking to compact the store
	 * (docs/OPERATIONS.md, "Compacting a home") finds this process stepping
	 * aside; requests meanwhile wait, then read the compacted store.
	 */
	for (;;) {
		struct timespec second = {1, 0}, t0, t1;

		if ((sig = sigtimedwait(&stop, NULL, &second)) > 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((err = ct_ledger_step_aside(n.ledger, STEP_ASIDE_MS)) < 0) {
			cli_fail("serve", err, "stopping");
			goto done;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (err == 1) {
			fprintf(stderr, "caltrace serve: stepped aside %.1f s for caltraced to compact the store\n",
				(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
			fflush(stderr);
		}
	}
	fprintf(stderr, "caltrace serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = EXIT_OK;
done:
	ct_web_server_stop(srv);
	ct_web_site_free(site);
	cli_close(&n);
	return rc;
}
