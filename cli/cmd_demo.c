/*
 * caltrace demo: a whole city on this machine (docs/DEMO.md). The options
 * here; the city, the nodes, the phases and what the bureau sees are the
 * demo library's (demo/, caltrace/demo/demo.h), which writes its text to
 * stdout and its progress to stderr through the streams given it.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/demo/demo.h"
#include "cli.h"

static void help(void)
{
	printf(
	    "usage: caltrace demo [--instruments N] [--seed N] [--at DATE] [--dir DIR] [--keep] [--json]\n\n"
	    "Builds a city's legal-metrology network on this machine and runs it: the bureau, the\n"
	    "municipal institute, seven district institutes, eight authorised and two enterprise\n"
	    "labs, each with its own node home and its own caltraced on 127.0.0.1. Each lab signs\n"
	    "its five years of records (generated from the seed, written as the CSV or NDJSON\n"
	    "files `caltrace import-records` reads) into its own feed while the nodes replicate.\n"
	    "Then prints the coverage by district against the plan's targets, one instrument's\n"
	    "chain, the impact of the standard found out of tolerance, the deliberately broken\n"
	    "chains as the evaluator reports them, every node's state digest, and writes the\n"
	    "bureau's HTML report. See docs/DEMO.md.\n\n"
	    "  --instruments N   the city's size (default %d; %d to %d)\n"
	    "  --seed N          the city (default 1): the same seed gives the same city\n"
	    "  --at DATE         the report date; the history is the five years before it\n"
	    "                    (default today, UTC)\n"
	    "  --dir DIR         the working folder (default ./demo-city; a previous demo\n"
	    "                    there is replaced)\n"
	    "  --base-port P     the nodes listen on 127.0.0.1:P.. P+%d (default %d)\n"
	    "  --keep            leave the network running and print how to query it, with\n"
	    "                    `caltrace serve` on the bureau's home: its dashboard's and an\n"
	    "                    instrument's web addresses\n"
	    "  --web-port P      with --keep, caltrace serve's port (default: base port + 19)\n"
	    "  --stop            stop a network left running with --keep in DIR\n"
	    "  --records-only    make the homes and write the records and truth.json; start nothing\n"
	    "  --timeout S       give up on a phase after S seconds (default %d)\n"
	    "  --caltraced PATH  the node binary (default: beside caltrace, $CALTRACED, $PATH)\n"
	    "  --json            print one JSON document (progress still goes to stderr)\n",
	    CT_DEMO_DEFAULT_INSTRUMENTS, CT_DEMO_MIN_INSTRUMENTS, CT_DEMO_MAX_INSTRUMENTS, CT_DEMO_LABS - 1,
	    CT_DEMO_DEFAULT_PORT, CT_DEMO_DEFAULT_TIMEOUT);
}

struct opts {
	ct_demo_opts o;
	bool stop;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *p = ctx;
	char *end;

	switch (code) {
	case 'n': /* out of range, or not a number: ct_demo_new says which range */
		p->o.instruments = strtoull(arg, &end, 10);
		if (*end)
			p->o.instruments = 0;
		break;
	case 's':
		p->o.seed = strtoull(arg, &end, 10);
		if (*end)
			return cli_usage_error("demo", "--seed takes a number");
		break;
	case 'd':
		p->o.dir = arg;
		break;
	case 'p':
		p->o.base_port = atoi(arg);
		break;
	case 'k':
		p->o.keep = true;
		break;
	case 'w':
		p->o.web_port = atoi(arg);
		if (p->o.web_port <= 0)
			return cli_usage_error("demo", "--web-port takes a port number, not '%s'", arg);
		break;
	case 'S':
		p->stop = true;
		break;
	case 'r':
		p->o.records_only = true;
		break;
	case 't':
		p->o.timeout = atof(arg);
		break;
	case 'c':
		p->o.caltraced = arg;
		break;
	}
	return 0;
}

static const struct option longopts[] = {{"instruments", required_argument, NULL, 'n'},
					 {"seed", required_argument, NULL, 's'},
					 CLI_OPTION_AT,
					 {"dir", required_argument, NULL, 'd'},
					 {"base-port", required_argument, NULL, 'p'},
					 {"keep", no_argument, NULL, 'k'},
					 {"web-port", required_argument, NULL, 'w'},
					 {"stop", no_argument, NULL, 'S'},
					 {"records-only", no_argument, NULL, 'r'},
					 {"timeout", required_argument, NULL, 't'},
					 {"caltraced", required_argument, NULL, 'c'},
					 CLI_OPTION_JSON,
					 CLI_OPTION_END};
static const cli_cmd demo_cmd = {"demo", longopts, NULL, help, opt, 0, 0, NULL};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ^C and SIGTERM let the demo stop its nodes before it exits; a node gone away is not fatal. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_demo(int argc, char **argv)
{
	static const cli_forms forms = {NULL, cli_json_itself, NULL};
	struct opts p = {{.instruments = CT_DEMO_DEFAULT_INSTRUMENTS,
			  .seed = 1,
			  .dir = "demo-city",
			  .base_port = CT_DEMO_DEFAULT_PORT,
			  .timeout = CT_DEMO_DEFAULT_TIMEOUT},
			 false};
	cli_args a = {.at = cli_now_ms()};
	ct_demo *d = NULL;
	int rc, stopped;

	if ((rc = cli_parse(&demo_cmd, argc, argv, &a, &p)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	p.o.at = a.at - a.at % 86400000ULL;
	p.o.json = a.format == CLI_JSON;
	p.o.caltraced_env = getenv("CALTRACED");
	p.o.path_env = getenv("PATH");
	p.o.out = stdout;
	p.o.log = stderr;
	p.o.interactive = cli_interactive();
	p.o.interrupted = &interrupted;
	if (ct_demo_new(&d, &p.o) < 0)
		return cli_usage_error("demo", "%s", ct_error_last());
	if (p.stop) {
		ct_demo_stop(p.o.dir, &stopped);
		fprintf(stderr, "caltrace demo: stopped %d node%s in %s\n", stopped, stopped == 1 ? "" : "s",
			p.o.dir);
		ct_demo_free(d);
		return EXIT_OK;
	}
	catch_signals();
	if ((rc = ct_demo_run(d)) < 0)
		fprintf(stderr, "caltrace demo: %s\n", ct_error_last());
	rc = rc < 0 ? EXIT_ERR : cli_print_as(p.o.json ? CLI_JSON : CLI_TEXT, &forms, ct_demo_result(d));
	if (rc == EXIT_OK)
		ct_demo_done(d);
	ct_demo_free(d);
	return rc;
}
