/*
 * caltrace demo: a whole city on this machine (docs/DEMO.md). Generates a
 * seeded city of labs, standards and instruments (demo_city.c), makes one
 * node home per lab, starts one caltraced per lab on 127.0.0.1, has each
 * lab sign its records through `caltrace import-records` into its own home
 * while the nodes replicate, phase by phase, waiting after each until
 * every node holds the same entries; then shows what the bureau sees
 * (demo_show.c) and stops every node.
 */
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"

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
	    "  --keep            leave the network running and print how to query it\n"
	    "  --stop            stop a network left running with --keep in DIR\n"
	    "  --records-only    make the homes and write the records and truth.json; start nothing\n"
	    "  --timeout S       give up on a phase after S seconds (default %d)\n"
	    "  --caltraced PATH  the node binary (default: beside caltrace, $CALTRACED, $PATH)\n"
	    "  --json            print one JSON document (progress still goes to stderr)\n",
	    DEMO_DEFAULT_INSTRUMENTS, DEMO_MIN_INSTRUMENTS, DEMO_MAX_INSTRUMENTS, DEMO_LABS - 1,
	    DEMO_DEFAULT_PORT, DEMO_DEFAULT_TIMEOUT);
}

void demo_progress(struct demo *d, const char *fmt, ...)
{
	va_list ap;

	if (d->line_open)
		fputc('\n', stderr);
	d->line_open = false;
	fprintf(stderr, "[%6.1fs] ", net_now() - d->t0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A line rewritten in place on a terminal, printed now and then elsewhere. */
static void live(struct demo *d, const char *fmt, ...)
{
	double now = net_now();
	va_list ap;

	if (cli_interactive() ? now - d->last_live < 0.25 : now - d->last_live < 15)
		return;
	d->last_live = now;
	fprintf(stderr, cli_interactive() ? "\r\033[K[%6.1fs]   " : "[%6.1fs]   ", now - d->t0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cli_interactive())
		d->line_open = true;
	else
		fputc('\n', stderr);
}

int demo_fail(struct demo *d, const char *fmt, ...)
{
	va_list ap;

	if (d->line_open)
		fputc('\n', stderr);
	d->line_open = false;
	fprintf(stderr, "caltrace demo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERR;
}

/* The last lines of a log, to show with a failure. */
static void tail_log(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	long size;
	size_t n;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "---- last lines of %s\n%s%s----\n", path, buf, n && buf[n - 1] != '\n' ? "\n" : "");
}

int demo_run_cli(struct demo *d, const char *log, char **out, const char *home, const char *const args[])
{
	char *argv[24], why[512];
	int argc = 0, rc;

	argv[argc++] = "caltrace";
	argv[argc++] = "--home";
	argv[argc++] = (char *)home;
	while (*args && argc < 23)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	if ((rc = net_run(d->caltrace, argv, log, out, why, sizeof(why))) < 0)
		demo_fail(d, "%s", why);
	return rc;
}

/* Removes a previous demo's folder (only one carrying the demo's marker). */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int prepare_dir(struct demo *d)
{
	char marker[4300], path[4300];
	struct stat st;
	int i;

	snprintf(marker, sizeof(marker), "%s/" DEMO_MARKER, d->dir);
	if (stat(d->dir, &st) == 0) {
		if (access(marker, F_OK) != 0) {
			if (rmdir(d->dir) != 0)
				return demo_fail(
				    d, "%s exists and is not a demo's folder: choose another --dir", d->dir);
		} else {
			for (i = 0; i < DEMO_LABS; i++) {
				snprintf(path, sizeof(path), "%s/labs/%s/caltraced.pid", d->dir,
					 demo_labs[i].slug);
				if (demo_pid_running(path) > 0)
					return demo_fail(
					    d,
					    "a demo network still runs in %s: stop it first with `caltrace "
					    "demo --stop --dir %s`",
					    d->dir, d->dir);
			}
			if (nftw(d->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
				return demo_fail(d, "cannot remove the previous demo in %s: %s", d->dir,
						 strerror(errno));
		}
	}
	snprintf(path, sizeof(path), "%s/records", d->dir);
	snprintf(d->labs_dir, sizeof(d->labs_dir), "%s/labs", d->dir);
	if (mkdir(d->dir, 0755) != 0 || mkdir(path, 0755) != 0 || mkdir(d->labs_dir, 0755) != 0)
		return demo_fail(d, "cannot create %s: %s", d->dir, strerror(errno));
	if (PATHF(d->records_dir, "%s", path))
		return demo_fail(d, "--dir is too long");
	FILE *f = fopen(marker, "w");
	if (!f)
		return demo_fail(d, "cannot write %s: %s", marker, strerror(errno));
	fprintf(
	    f,
	    "a caltrace demo folder: `caltrace demo` replaces it, `caltrace demo --stop` stops its nodes\n");
	fclose(f);
	return 0;
}

/* One home per lab (`caltrace init`, a child like any user's), listening on its port. */
static int make_homes(struct demo *d)
{
	char listen[64], log[4400], *out = NULL;
	int i;

	for (i = 0; i < DEMO_LABS; i++) {
		struct net_node *node = &d->net.nodes[i];
		node->lab = i;
		node->port = d->base_port + i;
		if (PATHF(node->home, "%s/%s", d->labs_dir, demo_labs[i].slug) ||
		    PATHF(node->log, "%s/%s/caltraced.log", d->labs_dir, demo_labs[i].slug))
			return demo_fail(d, "--dir is too long");
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", node->port);
		snprintf(log, sizeof(log), "%s/%s.init.log", d->labs_dir, demo_labs[i].slug);
		if (demo_run_cli(d, log, &out, ".",
				 (const char *[]){"init", node->home, "--name", demo_labs[i].name, "--listen",
						  listen, NULL}) != 0) {
			free(out);
			tail_log(log);
			return demo_fail(d, "cannot create the home of %s", demo_labs[i].slug);
		}
		snprintf(d->gen.keys[i], sizeof(d->gen.keys[i]), "%.64s", out ? out : "");
		free(out);
		out = NULL;
		if (strlen(d->gen.keys[i]) != 64)
			return demo_fail(d, "`caltrace init` printed no key for %s", demo_labs[i].slug);
	}
	d->net.n = DEMO_LABS;
	return 0;
}

/* Every home learns the network id (the bureau's genesis) and its peers. */
static int configure(struct demo *d)
{
	const int(*links)[2];
	size_t nlinks = demo_links(&links), k;
	struct net_state st;
	uint8_t network[32];
	char path[4300], peer[128];
	ct_ledger_opts opts = {0};
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	ct_config cfg;
	int i, err;

	opts.read_only = true;
	snprintf(path, sizeof(path), "%s/data", d->net.nodes[DEMO_BUREAU].home);
	if ((err = ct_ledger_open(&l, path, &opts)) < 0 || (err = ct_reader_begin(&r, l)) < 0 ||
	    (err = ct_read_network(r, network, NULL)) < 0) {
		ct_reader_end(r);
		ct_ledger_close(l);
		return demo_fail(d, "the bureau's store has no genesis: %s", ct_error_last());
	}
	ct_reader_end(r);
	ct_ledger_close(l);
	(void)st;
	for (i = 0; i < DEMO_LABS; i++) {
		snprintf(path, sizeof(path), "%s/config", d->net.nodes[i].home);
		if (ct_config_load(&cfg, path) < 0)
			return demo_fail(d, "%s: %s", path, ct_error_last());
		memcpy(cfg.network, network, sizeof(network));
		cfg.has_network = 1;
		for (k = 0; k < nlinks; k++) {
			int other = links[k][0] == i ? links[k][1] : links[k][1] == i ? links[k][0] : -1;
			if (other < 0)
				continue;
			snprintf(peer, sizeof(peer), "%s@127.0.0.1:%d", d->gen.keys[other],
				 d->net.nodes[other].port);
			ct_config_add_peer(&cfg, peer);
		}
		err = ct_config_save(&cfg, path);
		ct_config_free(&cfg);
		if (err < 0)
			return demo_fail(d, "%s: %s", path, ct_error_last());
	}
	return 0;
}

/* The node that has stopped, if any: a failure naming its log. */
static int nodes_alive(struct demo *d)
{
	int i, status;

	for (i = 0; i < d->net.n; i++) {
		struct net_node *node = &d->net.nodes[i];
		if (node->pid && net_node_exited(node, &status)) {
			tail_log(node->log);
			return demo_fail(d, "the node of %s stopped (%s %d); its log: %s", demo_labs[i].slug,
					 WIFEXITED(status) ? "exit status" : "signal",
					 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
					 node->log);
		}
	}
	if (net_interrupted)
		return demo_fail(d, "interrupted");
	return 0;
}

/* Each lab with a file in this phase imports it, all at once, through its own home. */
static int run_imports(struct demo *d, int phase)
{
	pid_t pids[DEMO_LABS];
	char logs[DEMO_LABS][4400], why[512];
	int files[DEMO_LABS], n = 0, done = 0, i, status, rc = 0;
	size_t f;

	for (f = 0; f < d->city.nfiles; f++) {
		const struct demo_file *df = &d->city.files[f];
		if (df->phase != phase)
			continue;
		snprintf(logs[n], sizeof(logs[n]), "%s/import-p%d.log", d->net.nodes[df->lab].home, phase);
		char *argv[] = {"caltrace",	  "--home",	    d->net.nodes[df->lab].home,
				"import-records", (char *)df->path, NULL};
		if ((pids[n] = net_spawn(d->caltrace, argv, logs[n], NULL, false, why, sizeof(why))) < 0) {
			rc = demo_fail(d, "%s", why);
			break;
		}
		files[n++] = (int)f;
	}
	while (done < n && rc == 0) {
		for (i = 0; i < n; i++) {
			if (!pids[i] || waitpid(pids[i], &status, WNOHANG) != pids[i])
				continue;
			pids[i] = 0;
			done++;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				tail_log(logs[i]);
				rc = demo_fail(d, "phase %d: %s could not import %s; its log: %s", phase,
					       demo_labs[d->city.files[files[i]].lab].slug,
					       d->city.files[files[i]].path, logs[i]);
			}
		}
		if (rc == 0 && (rc = nodes_alive(d)) == 0 && done < n) {
			live(d, "phase %d: %d of %d labs have signed their records", phase, done, n);
			net_sleep_ms(50);
		}
	}
	for (i = 0; i < n; i++)
		if (pids[i]) {
			kill(pids[i], SIGTERM);
			waitpid(pids[i], &status, 0);
		}
	return rc;
}

/* Waits until every node holds the entries written so far, with one digest. */
static int converge(struct demo *d, int phase)
{
	double deadline = net_now() + d->timeout;
	struct net_state st[DEMO_LABS];
	int i, slowest, have, rc;

	for (;;) {
		if ((rc = nodes_alive(d)) != 0)
			return rc;
		for (have = 0, slowest = 0, i = 0; i < d->net.n; i++) {
			if (net_read_state(d->net.nodes[i].home, &st[i]) < 0)
				st[i].ok = false;
			if (st[i].ok && st[i].entries < st[slowest].entries)
				slowest = i;
			have += st[i].ok && st[i].entries == d->written &&
				!memcmp(st[i].digest, st[0].digest, 32);
		}
		if (have == d->net.n) {
			memcpy(d->digest, st[0].digest, 32);
			return 0;
		}
		if (net_now() > deadline) {
			for (i = 0; i < d->net.n; i++)
				fprintf(stderr, "  %-12s %10llu of %llu entries  (log: %s)\n",
					demo_labs[i].slug, (unsigned long long)st[i].entries,
					(unsigned long long)d->written, d->net.nodes[i].log);
			return demo_fail(d,
					 "phase %d: the nodes did not converge within %.0f s (slowest: %s)",
					 phase, d->timeout, demo_labs[slowest].slug);
		}
		live(d, "phase %d: %d of %d nodes hold all %llu entries; slowest %s at %llu", phase, have,
		     d->net.n, (unsigned long long)d->written, demo_labs[slowest].slug,
		     (unsigned long long)st[slowest].entries);
		net_sleep_ms(200);
	}
}

static int run_phase(struct demo *d, int phase)
{
	double t = net_now(), imported;
	int rc;

	d->written += d->city.records[phase];
	d->last_live = t;
	demo_progress(d, "phase %d/%d: %s (%llu records)", phase, DEMO_PHASES, demo_phase_names[phase - 1],
		      (unsigned long long)d->city.records[phase]);
	if ((rc = run_imports(d, phase)) != 0)
		return rc;
	imported = net_now() - t;
	if (phase == 1) { /* the bureau's genesis names the network the nodes join */
		if ((rc = configure(d)) != 0)
			return rc;
		char why[512];
		d->started = true;
		if (net_start(&d->net, d->timeout, why, sizeof(why)) < 0)
			return demo_fail(d, "%s", why);
		demo_progress(d, "started %d caltraced on 127.0.0.1:%d-%d", d->net.n, d->base_port,
			      d->base_port + d->net.n - 1);
	}
	if ((rc = converge(d, phase)) != 0)
		return rc;
	demo_progress(d, "phase %d: signed in %.1f s; all %d nodes hold the %llu entries (%.1f s)", phase,
		      imported, d->net.n, (unsigned long long)d->written, net_now() - t);
	json_array_append_new(d->phases,
			      json_pack("{s:i, s:s, s:I, s:I, s:f, s:f}", "phase", phase, "what",
					demo_phase_names[phase - 1], "records",
					(json_int_t)d->city.records[phase], "entries", (json_int_t)d->written,
					"import_seconds", imported, "seconds", net_now() - t));
	return 0;
}

static int generate(struct demo *d)
{
	char why[512];
	double t = net_now();

	d->gen.seed = d->seed;
	d->gen.instruments = d->instruments;
	d->gen.at = d->at;
	d->gen.dir = d->records_dir;
	if (demo_city_generate(&d->city, &d->gen, why, sizeof(why)) < 0)
		return demo_fail(d, "%s", why);
	demo_progress(d, "generated %llu instruments and %llu records in %s (%.1f s); truth: %s",
		      (unsigned long long)d->city.instruments, (unsigned long long)d->city.records[0],
		      d->records_dir, net_now() - t, d->city.truth_path);
	return 0;
}

static int parse(struct demo *d, int argc, char **argv)
{
	static const struct option longopts[] = {{"instruments", required_argument, NULL, 'n'},
						 {"seed", required_argument, NULL, 's'},
						 {"at", required_argument, NULL, 'a'},
						 {"dir", required_argument, NULL, 'd'},
						 {"base-port", required_argument, NULL, 'p'},
						 {"keep", no_argument, NULL, 'k'},
						 {"stop", no_argument, NULL, 'S'},
						 {"records-only", no_argument, NULL, 'r'},
						 {"timeout", required_argument, NULL, 't'},
						 {"caltraced", required_argument, NULL, 'c'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			d->instruments = strtoull(optarg, &end, 10);
			if (*end || d->instruments < DEMO_MIN_INSTRUMENTS ||
			    d->instruments > DEMO_MAX_INSTRUMENTS)
				return cli_usage_error("demo", "--instruments takes %d to %d",
						       DEMO_MIN_INSTRUMENTS, DEMO_MAX_INSTRUMENTS);
			break;
		case 's':
			d->seed = strtoull(optarg, &end, 10);
			if (*end)
				return cli_usage_error("demo", "--seed takes a number");
			break;
		case 'a':
			if (cli_parse_time("demo", "--at", optarg, &d->at) < 0)
				return EXIT_ERR;
			d->at -= d->at % 86400000ULL;
			break;
		case 'd':
			d->dir = optarg;
			if (strlen(optarg) > DEMO_DIR_MAX)
				return cli_usage_error("demo", "--dir is longer than %d bytes", DEMO_DIR_MAX);
			break;
		case 'p':
			d->base_port = atoi(optarg);
			if (d->base_port < 1024 || d->base_port > 65535 - DEMO_LABS)
				return cli_usage_error("demo", "--base-port takes 1024 to %d",
						       65535 - DEMO_LABS);
			break;
		case 'k':
			d->keep = true;
			break;
		case 'S':
			d->stop = true;
			break;
		case 'r':
			d->records_only = true;
			break;
		case 't':
			d->timeout = atof(optarg);
			break;
		case 'c':
			d->caltraced_opt = optarg;
			break;
		case 'j':
			d->json = true;
			break;
		case 'h':
			help();
			return -1;
		default:
			return cli_usage_error("demo", "bad usage");
		}
	}
	if (optind != argc)
		return cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int checks(struct demo *d)
{
	char why[512];
	int i;

	if (net_binaries(d->caltrace, d->net.caltraced, d->caltraced_opt, why, sizeof(why)) < 0 &&
	    !d->records_only)
		return demo_fail(d, "%s", why);
	for (i = 0; i < DEMO_LABS && !d->records_only; i++)
		if (!net_port_free(d->base_port + i))
			return demo_fail(d,
					 "port %d on 127.0.0.1 is taken: choose other ports with --base-port",
					 d->base_port + i);
	return 0;
}

static int run(struct demo *d)
{
	int rc, phase;

	demo_progress(d, "a city of about %llu instruments (seed %llu), history to %s, in %s",
		      (unsigned long long)d->instruments, (unsigned long long)d->seed, d->at_text, d->dir);
	if ((rc = checks(d)) != 0 || (rc = prepare_dir(d)) != 0 || (rc = make_homes(d)) != 0 ||
	    (rc = generate(d)) != 0)
		return rc;
	if (d->records_only) {
		demo_progress(
		    d,
		    "records only: import them with `caltrace --home %s/<lab> import-records FILE`, "
		    "phase by phase",
		    d->labs_dir);
		return 0;
	}
	for (phase = 1; phase <= DEMO_PHASES; phase++)
		if ((rc = run_phase(d, phase)) != 0)
			return rc;
	return demo_show(d);
}

int cmd_demo(int argc, char **argv)
{
	struct demo d;
	int rc, bad;

	memset(&d, 0, sizeof(d));
	d.instruments = DEMO_DEFAULT_INSTRUMENTS;
	d.seed = 1;
	d.at = cli_now_ms();
	d.at -= d.at % 86400000ULL;
	d.dir = "demo-city";
	d.base_port = DEMO_DEFAULT_PORT;
	d.timeout = DEMO_DEFAULT_TIMEOUT;
	if ((rc = parse(&d, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (d.stop)
		return demo_stop_dir(d.dir);
	ct_time_format(d.at_text, sizeof(d.at_text), d.at);
	d.t0 = net_now();
	d.out = json_object();
	d.phases = json_array();
	net_catch_signals();
	rc = run(&d);
	if (d.keep && rc == 0) {
		demo_keep_note(&d);
	} else if (d.started) {
		if ((bad = net_stop(&d.net, 120)) != 0 && rc == 0)
			rc = demo_fail(&d, "%d node%s did not stop cleanly (see their caltraced.log)", bad,
				       bad == 1 ? "" : "s");
		else if (rc == 0)
			demo_progress(&d, "stopped the %d nodes cleanly", d.net.n);
		demo_remove_pidfiles(&d);
	}
	json_object_set_new(d.out, "nodes_running", json_boolean(d.keep && rc == 0));
	json_object_set_new(d.out, "elapsed_seconds", json_real(net_now() - d.t0));
	json_object_set_new(d.out, "phases", d.phases);
	if (d.json && rc == 0)
		rc = cli_print_json(d.out);
	if (rc == 0)
		demo_progress(&d, "done in %.0f s", net_now() - d.t0);
	json_decref(d.out);
	demo_city_free(&d.city);
	return rc;
}
