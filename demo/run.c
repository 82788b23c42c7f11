/*
 * Running the demo (docs/DEMO.md): the working folder, one node home per
 * lab, the city generated into it (city.c, phases.c), then phase by phase
 * each lab signing its records through `caltrace import-records` into its
 * own home while the nodes replicate, waiting after each until every node
 * holds the same entries; then what the bureau sees (show.c), and the
 * nodes stopped.
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caltrace/base/time.h"
#include "caltrace/ledger/home.h"
#include "demo_internal.h"

static void end_live_line(struct ct_demo *d)
{
	if (d->line_open)
		fputc('\n', d->o.log);
	d->line_open = false;
}

void ct__demo_progress(struct ct_demo *d, const char *fmt, ...)
{
	va_list ap;

	end_live_line(d);
	fprintf(d->o.log, "[%6.1fs] ", ct__net_now() - d->t0);
	va_start(ap, fmt);
	vfprintf(d->o.log, fmt, ap);
	va_end(ap);
	fputc('\n', d->o.log);
}

void ct_demo_done(ct_demo *d)
{
	ct__demo_progress(d, "done in %.0f s", ct__net_now() - d->t0);
}

/* A line rewritten in place on a terminal, printed now and then elsewhere. */
static void live(struct ct_demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void live(struct ct_demo *d, const char *fmt, ...)
{
	double now = ct__net_now();
	va_list ap;

	if (d->o.interactive ? now - d->last_live < 0.25 : now - d->last_live < 15)
		return;
	d->last_live = now;
	fprintf(d->o.log, d->o.interactive ? "\r\033[K[%6.1fs]   " : "[%6.1fs]   ", now - d->t0);
	va_start(ap, fmt);
	vfprintf(d->o.log, fmt, ap);
	va_end(ap);
	if (d->o.interactive)
		d->line_open = true;
	else
		fputc('\n', d->o.log);
}

/* A failure's detail: what happened, after why (when wrap) the call that failed says it failed. */
static int vfail(struct ct_demo *d, int err, bool wrap, const char *fmt, va_list ap)
{
	char what[512];

	end_live_line(d);
	vsnprintf(what, sizeof(what), fmt, ap); /* before ct_error_*: fmt's arguments may be its detail */
	return wrap ? ct_error_wrap(err, "%s", what) : ct_error_set(err, "%s", what);
}

int ct__demo_fail(struct ct_demo *d, int err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, err, false, fmt, ap);
	va_end(ap);
	return rc;
}

int ct__demo_child_failed(struct ct_demo *d, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(d, rc < 0 ? rc : CT_ERROR, rc < 0, fmt, ap);
	va_end(ap);
	return rc;
}

void ct__demo_tail_log(struct ct_demo *d, const char *path)
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
	end_live_line(d);
	fprintf(d->o.log, "---- last lines of %s\n%s%s----\n", path, buf,
		n && buf[n - 1] != '\n' ? "\n" : "");
}

int ct__demo_run_cli(struct ct_demo *d, const char *log, char **out, const char *home,
		     const char *const args[])
{
	char *argv[24];
	int argc = 0;

	argv[argc++] = "caltrace";
	argv[argc++] = "--home";
	argv[argc++] = (char *)home;
	while (*args && argc < 23)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return ct__net_run(d->caltrace, argv, log, out);
}

/* Removes a previous demo's folder (only one carrying the demo's marker). */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int prepare_dir(struct ct_demo *d)
{
	const char *dir = d->o.dir;
	char marker[4300], path[4300];
	struct stat st;
	int i;

	snprintf(marker, sizeof(marker), "%s/" DEMO_MARKER, dir);
	if (stat(dir, &st) == 0) {
		if (access(marker, F_OK) != 0) {
			if (rmdir(dir) != 0)
				return ct__demo_fail(
				    d, CT_EEXISTS,
				    "%s exists and is not a demo's folder: choose another --dir", dir);
		} else {
			for (i = 0; i <= CT_DEMO_LABS; i++) { /* the last: the re-keyed lab's new home */
				snprintf(path, sizeof(path), "%s/labs/%s%s/caltraced.pid", dir,
					 ct_demo_labs[i < CT_DEMO_LABS ? i : CT_DEMO_REKEYED].slug,
					 i < CT_DEMO_LABS ? "" : "-newkey");
				if (ct__demo_pid_running(path) > 0)
					return ct__demo_fail(
					    d, CT_ESTATE,
					    "a demo network still runs in %s: stop it first with "
					    "`caltrace demo --stop --dir %s`",
					    dir, dir);
			}
			if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
				return ct__demo_fail(d, CT_EIO, "cannot remove the previous demo in %s: %s",
						     dir, strerror(errno));
		}
	}
	snprintf(path, sizeof(path), "%s/records", dir);
	snprintf(d->labs_dir, sizeof(d->labs_dir), "%s/labs", dir);
	if (mkdir(dir, 0755) != 0 || mkdir(path, 0755) != 0 || mkdir(d->labs_dir, 0755) != 0)
		return ct__demo_fail(d, CT_EIO, "cannot create %s: %s", dir, strerror(errno));
	if (PATHF(d->records_dir, "%s", path))
		return ct__demo_fail(d, CT_EINVAL, "--dir is too long");
	FILE *f = fopen(marker, "w");
	if (!f)
		return ct__demo_fail(d, CT_EIO, "cannot write %s: %s", marker, strerror(errno));
	fprintf(
	    f,
	    "a caltrace demo folder: `caltrace demo` replaces it, `caltrace demo --stop` stops its nodes\n");
	fclose(f);
	return 0;
}

/* One home per lab (`caltrace init`, a child like any user's), listening on its port. */
static int make_homes(struct ct_demo *d)
{
	char listen[64], log[4400], *out = NULL;
	int i, rc;

	for (i = 0; i < CT_DEMO_LABS; i++) {
		struct net_node *node = &d->net.nodes[i];
		node->lab = i;
		node->port = d->o.base_port + i;
		if (PATHF(node->home, "%s/%s", d->labs_dir, ct_demo_labs[i].slug) ||
		    PATHF(node->log, "%s/%s/caltraced.log", d->labs_dir, ct_demo_labs[i].slug))
			return ct__demo_fail(d, CT_EINVAL, "--dir is too long");
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", node->port);
		snprintf(log, sizeof(log), "%s/%s.init.log", d->labs_dir, ct_demo_labs[i].slug);
		if ((rc =
			 ct__demo_run_cli(d, log, &out, ".",
					  (const char *[]){"init", node->home, "--name", ct_demo_labs[i].name,
							   "--listen", listen, NULL})) != 0) {
			free(out);
			ct__demo_tail_log(d, log);
			return ct__demo_child_failed(d, rc, "cannot create the home of %s",
						     ct_demo_labs[i].slug);
		}
		snprintf(d->gen.keys[i], sizeof(d->gen.keys[i]), "%.64s", out ? out : "");
		free(out);
		out = NULL;
		if (strlen(d->gen.keys[i]) != 64)
			return ct__demo_fail(d, CT_ERROR, "`caltrace init` printed no key for %s",
					     ct_demo_labs[i].slug);
	}
	/* the home the re-keyed lab moves to in phase 6: its new key, on the same port */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->net.nodes[CT_DEMO_REKEYED].port);
	snprintf(log, sizeof(log), "%s/%s-newkey.init.log", d->labs_dir, ct_demo_labs[CT_DEMO_REKEYED].slug);
	if (PATHF(d->rekey_home, "%s/%s-newkey", d->labs_dir, ct_demo_labs[CT_DEMO_REKEYED].slug))
		return ct__demo_fail(d, CT_EINVAL, "--dir is too long");
	snprintf(d->old_home, sizeof(d->old_home), "%s", d->net.nodes[CT_DEMO_REKEYED].home);
	if ((rc = ct__demo_run_cli(d, log, &out, ".",
				   (const char *[]){"init", d->rekey_home, "--name", ct_demo_labs[CT_DEMO_REKEYED].name,
						    "--listen", listen, NULL})) != 0) {
		free(out);
		ct__demo_tail_log(d, log);
		return ct__demo_child_failed(d, rc, "cannot create the new home of %s",
					     ct_demo_labs[CT_DEMO_REKEYED].slug);
	}
	snprintf(d->gen.rekey_key, sizeof(d->gen.rekey_key), "%.64s", out ? out : "");
	free(out);
	if (strlen(d->gen.rekey_key) != 64)
		return ct__demo_fail(d, CT_ERROR, "`caltrace init` printed no key for the new home of %s",
				     ct_demo_labs[CT_DEMO_REKEYED].slug);
	d->net.n = CT_DEMO_LABS;
	return 0;
}

/* Every home learns the network id (the bureau's genesis) and its peers. */
static int configure(struct ct_demo *d)
{
	const int(*links)[2];
	size_t nlinks = ct_demo_links(&links), k;
	uint8_t network[32];
	char path[4300], peer[128];
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	ct_config cfg;
	int i, err;

	err = ct__demo_store_open(d->net.nodes[CT_DEMO_BUREAU].home, &l, &r);
	if (err == 0)
		err = ct_read_network(network, NULL, r);
	ct__demo_store_close(l, r);
	if (err < 0)
		return ct__demo_fail(d, err, "the bureau's store has no genesis: %s", ct_error_last());
	for (i = 0; i <= CT_DEMO_LABS; i++) { /* the last: the re-keyed lab's new home, its peers */
		snprintf(path, sizeof(path), "%s/config", i < CT_DEMO_LABS ? d->net.nodes[i].home : d->rekey_home);
		if ((err = ct_config_load(&cfg, path)) < 0)
			return ct__demo_fail(d, err, "%s: %s", path, ct_error_last());
		memcpy(cfg.network, network, sizeof(network));
		cfg.has_network = 1;
		for (k = 0; k < nlinks; k++) {
			int me = i < CT_DEMO_LABS ? i : CT_DEMO_REKEYED;
			int other = links[k][0] == me ? links[k][1] : links[k][1] == me ? links[k][0] : -1;
			if (other < 0)
				continue;
			snprintf(peer, sizeof(peer), "%s@127.0.0.1:%d", d->gen.keys[other],
				 d->net.nodes[other].port);
			ct_config_add_peer(&cfg, peer);
		}
		err = ct_config_save(&cfg, path);
		ct_config_free(&cfg);
		if (err < 0)
			return ct__demo_fail(d, err, "%s: %s", path, ct_error_last());
	}
	return 0;
}

/* The node that has stopped, if any: a failure naming its log. */
static int nodes_alive(struct ct_demo *d)
{
	int i, status;

	for (i = 0; i < d->net.n; i++) {
		struct net_node *node = &d->net.nodes[i];
		if (node->pid && ct__net_node_exited(node, &status)) {
			ct__demo_tail_log(d, node->log);
			return ct__demo_fail(
			    d, CT_ESTATE, "the node of %s stopped (%s %d); its log: %s", ct_demo_labs[i].slug,
			    WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), node->log);
		}
	}
	if (ct__net_interrupted(&d->net))
		return ct__demo_fail(d, CT_ESTATE, "interrupted");
	return 0;
}

/* Each lab with a file in this phase imports it, all at once, through its own home. */
static int run_imports(struct ct_demo *d, int phase)
{
	pid_t pids[CT_DEMO_LABS];
	char logs[CT_DEMO_LABS][4400];
	int files[CT_DEMO_LABS], n = 0, done = 0, i, status, rc = 0;
	size_t f;

	for (f = 0; f < d->city.nfiles; f++) {
		const struct ct_demo_file *df = &d->city.files[f];
		if (df->phase != phase)
			continue;
		snprintf(logs[n], sizeof(logs[n]), "%s/import-p%d.log", d->net.nodes[df->lab].home, phase);
		char *argv[] = {"caltrace",	  "--home",	    d->net.nodes[df->lab].home,
				"import-records", (char *)df->path, NULL};
		if ((pids[n] = ct__net_spawn(d->caltrace, argv, logs[n], NULL, false)) < 0) {
			rc = ct__demo_fail(d, CT_EIO, "%s", ct_error_last());
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
				ct__demo_tail_log(d, logs[i]);
				rc = ct__demo_fail(d, CT_ERROR,
						   "phase %d: %s could not import %s; its log: %s", phase,
						   ct_demo_labs[d->city.files[files[i]].lab].slug,
						   d->city.files[files[i]].path, logs[i]);
			}
		}
		if (rc == 0 && (rc = nodes_alive(d)) == 0 && done < n) {
			live(d, "phase %d: %d of %d labs have signed their records", phase, done, n);
			ct__net_sleep_ms(50);
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
static int converge(struct ct_demo *d, int phase)
{
	double deadline = ct__net_now() + d->o.timeout;
	struct net_state st[CT_DEMO_LABS];
	int i, slowest, have, rc;

	for (;;) {
		if ((rc = nodes_alive(d)) != 0)
			return rc;
		for (have = 0, slowest = 0, i = 0; i < d->net.n; i++) {
			if (ct__net_read_state(d->net.nodes[i].home, &st[i]) < 0)
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
		if (ct__net_now() > deadline) {
			end_live_line(d);
			for (i = 0; i < d->net.n; i++)
				fprintf(d->o.log, "  %-12s %10llu of %llu entries  (log: %s)\n",
					ct_demo_labs[i].slug, (unsigned long long)st[i].entries,
					(unsigned long long)d->written, d->net.nodes[i].log);
			return ct__demo_fail(
			    d, CT_ESTATE, "phase %d: the nodes did not converge within %.0f s (slowest: %s)",
			    phase, d->o.timeout, ct_demo_labs[slowest].slug);
		}
		live(d, "phase %d: %d of %d nodes hold all %llu entries; slowest %s at %llu", phase, have,
		     d->net.n, (unsigned long long)d->written, ct_demo_labs[slowest].slug,
		     (unsigned long long)st[slowest].entries);
		ct__net_sleep_ms(200);
	}
}

/* Copies a file whole (the store of a stopped node). */
static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	size_t got;
	int err = 0;

	if (!in || !out)
		err = ct_error_set(CT_EIO, "cannot copy %s to %s: %s", from, to, strerror(errno));
	while (!err && (got = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, got, out) != got)
			err = ct_error_set(CT_EIO, "cannot write %s: %s", to, strerror(errno));
	if (in)
		fclose(in);
	if (out && fclose(out) != 0 && !err)
		err = ct_error_set(CT_EIO, "cannot write %s: %s", to, strerror(errno));
	return err;
}

/*
 * Phase 6's start: the re-keyed lab's node stops (it holds everything,
 * the bureau's rekey included), its store goes to the new home (what a
 * lab does when it replaces a lost key: the entries are the network's,
 * only the key is new), and the new home's node starts on the same port.
 * Its neighbours replace the old key by the new one in their peers.
 */
static int rekey_swap(struct ct_demo *d)
{
	struct net_node *node = &d->net.nodes[CT_DEMO_REKEYED];
	const int(*links)[2];
	size_t nlinks = ct_demo_links(&links), k;
	char from[4300], to[4300], peer[128], log[4400], eff[40];
	int rc;

	if (ct__net_stop_nodes(&d->net, CT_DEMO_REKEYED, CT_DEMO_REKEYED + 1, 30) != 0)
		return ct__demo_fail(d, CT_ESTATE, "the old node of %s did not stop cleanly; its log: %s",
				     ct_demo_labs[CT_DEMO_REKEYED].slug, node->log);
	snprintf(from, sizeof(from), "%s/caltraced.pid", node->home);
	unlink(from);
	snprintf(from, sizeof(from), "%s/data/data.mdb", d->old_home);
	snprintf(to, sizeof(to), "%s/data/data.mdb", d->rekey_home);
	if ((rc = copy_file(from, to)) < 0)
		return ct__demo_fail(d, rc, "%s", ct_error_last());
	snprintf(to, sizeof(to), "%s/data/lock.mdb", d->rekey_home);
	unlink(to);
	snprintf(node->home, sizeof(node->home), "%s", d->rekey_home);
	snprintf(node->log, sizeof(node->log), "%s/caltraced.log", d->rekey_home);
	if ((rc = ct__net_start_nodes(&d->net, CT_DEMO_REKEYED, CT_DEMO_REKEYED + 1, d->o.timeout)) < 0)
		return ct__demo_fail(d, rc, "%s", ct_error_last());
	snprintf(peer, sizeof(peer), "%s@127.0.0.1:%d", d->gen.rekey_key, node->port);
	for (k = 0; k < nlinks; k++) {
		int other = links[k][0] == CT_DEMO_REKEYED	? links[k][1]
			    : links[k][1] == CT_DEMO_REKEYED ? links[k][0]
							      : -1;
		if (other < 0)
			continue;
		snprintf(log, sizeof(log), "%s/peers-rekey.log", d->net.nodes[other].home);
		if ((rc = ct__demo_run_cli(d, log, NULL, d->net.nodes[other].home,
					   (const char *[]){"peers", "remove", d->gen.keys[CT_DEMO_REKEYED], NULL})) !=
			0 ||
		    (rc = ct__demo_run_cli(d, log, NULL, d->net.nodes[other].home,
					   (const char *[]){"peers", "add", peer, NULL})) != 0) {
			ct__demo_tail_log(d, log);
			return ct__demo_child_failed(d, rc, "%s cannot take the new key of %s as a peer",
						     ct_demo_labs[other].slug, ct_demo_labs[CT_DEMO_REKEYED].slug);
		}
	}
	ct_time_format(eff, sizeof(eff), d->city.rekey_at);
	ct__demo_progress(d,
			  "%s: re-keyed by the bureau (effective %.10s, its old feed closed at %llu entries); its "
			  "node now runs on its new key %.8s… from %s",
			  ct_demo_labs[CT_DEMO_REKEYED].slug, eff, (unsigned long long)d->city.rekey_closed_at,
			  d->gen.rekey_key, d->rekey_home);
	return 0;
}

/*
 * After the last phase the network is still: the bureau's node is asked for a network checkpoint
 * now (`caltrace netcheckpoint --sign` beside it), not after its quiet time and its minimum
 * interval, so that the proof the demo shows waits only for the cosignatures. Not fatal: prove
 * waits for the node's own checkpoint otherwise.
 */
static void ask_netcheckpoint(struct ct_demo *d)
{
	const char *home = d->net.nodes[CT_DEMO_BUREAU].home;
	char log[4400];

	if (PATHF(log, "%s/netcheckpoint.log", home))
		return;
	(void)ct__demo_run_cli(d, log, NULL, home, (const char *[]){"netcheckpoint", "--sign", NULL});
}

static int run_phase(struct ct_demo *d, int phase)
{
	double t = ct__net_now(), imported;
	int rc;

	d->written += d->city.records[phase];
	d->last_live = t;
	ct__demo_progress(d, "phase %d/%d: %s (%llu records)", phase, CT_DEMO_PHASES,
			 ct_demo_phase_names[phase - 1], (unsigned long long)d->city.records[phase]);
	if (phase == 6 && (rc = rekey_swap(d)) != 0)
		return rc;
	if ((rc = run_imports(d, phase)) != 0)
		return rc;
	imported = ct__net_now() - t;
	if (phase == 1) { /* the bureau's genesis names the network the nodes join */
		if ((rc = configure(d)) != 0)
			return rc;
		d->started = true;
		if ((rc = ct__net_start(&d->net, d->o.timeout)) < 0)
			return ct__demo_fail(d, rc, "%s", ct_error_last());
		ct__demo_progress(d, "started %d caltraced on 127.0.0.1:%d-%d", d->net.n, d->o.base_port,
				 d->o.base_port + d->net.n - 1);
	}
	if ((rc = converge(d, phase)) != 0)
		return rc;
	if (phase == CT_DEMO_PHASES)
		ask_netcheckpoint(d);
	ct__demo_progress(d, "phase %d: signed in %.1f s; all %d nodes hold the %llu entries (%.1f s)", phase,
			 imported, d->net.n, (unsigned long long)d->written, ct__net_now() - t);
	json_array_append_new(d->phases,
			      json_pack("{s:i, s:s, s:I, s:I, s:f, s:f}", "phase", phase, "what",
					ct_demo_phase_names[phase - 1], "records",
					(json_int_t)d->city.records[phase], "entries", (json_int_t)d->written,
					"import_seconds", imported, "seconds", ct__net_now() - t));
	return 0;
}

static int generate(struct ct_demo *d)
{
	double t = ct__net_now();
	int err;

	d->gen.seed = d->o.seed;
	d->gen.instruments = d->o.instruments;
	d->gen.at = d->o.at;
	d->gen.dir = d->records_dir;
	if ((err = ct_demo_city_generate(&d->city, &d->gen)) < 0)
		return ct__demo_fail(d, err, "%s", ct_error_last());
	ct__demo_progress(d, "generated %llu instruments and %llu records in %s (%.1f s); truth: %s",
			 (unsigned long long)d->city.instruments, (unsigned long long)d->city.records[0],
			 d->records_dir, ct__net_now() - t, d->city.truth_path);
	return 0;
}

static int checks(struct ct_demo *d)
{
	int i, err;

	err = ct__net_binaries(d->caltrace, d->net.caltraced, d->o.caltraced, d->o.caltraced_env,
			       d->o.path_env);
	if (err < 0 && !d->o.records_only)
		return ct__demo_fail(d, err, "%s", ct_error_last());
	for (i = 0; i < CT_DEMO_LABS && !d->o.records_only; i++)
		if (!ct__net_port_free(d->o.base_port + i))
			return ct__demo_fail(
			    d, CT_EEXISTS,
			    "port %d on 127.0.0.1 is taken: choose other ports with --base-port",
			    d->o.base_port + i);
	if (d->o.keep && !d->o.records_only && !ct__net_port_free(d->web_port))
		return ct__demo_fail(d, CT_EEXISTS,
				     "port %d on 127.0.0.1 (for caltrace serve) is taken: choose another with "
				     "--web-port",
				     d->web_port);
	return 0;
}

static int run(struct ct_demo *d)
{
	int rc, phase;

	ct__demo_progress(d, "a city of about %llu instruments (seed %llu), history to %s, in %s",
			 (unsigned long long)d->o.instruments, (unsigned long long)d->o.seed, d->at_text,
			 d->o.dir);
	if ((rc = checks(d)) != 0 || (rc = prepare_dir(d)) != 0 || (rc = make_homes(d)) != 0 ||
	    (rc = generate(d)) != 0)
		return rc;
	if (d->o.records_only) {
		ct__demo_progress(
		    d,
		    "records only: import them with `caltrace --home %s/<lab> import-records FILE`, "
		    "phase by phase",
		    d->labs_dir);
		return 0;
	}
	for (phase = 1; phase <= CT_DEMO_PHASES; phase++)
		if ((rc = run_phase(d, phase)) != 0)
			return rc;
	return ct__demo_show(d);
}

int ct_demo_new(ct_demo **out, const ct_demo_opts *o)
{
	ct_demo *d;

	*out = NULL;
	if (o->instruments < CT_DEMO_MIN_INSTRUMENTS || o->instruments > CT_DEMO_MAX_INSTRUMENTS)
		return ct_error_set(CT_EINVAL, "--instruments takes %d to %d", CT_DEMO_MIN_INSTRUMENTS,
				    CT_DEMO_MAX_INSTRUMENTS);
	if (strlen(o->dir) > CT_DEMO_DIR_MAX)
		return ct_error_set(CT_EINVAL, "--dir is longer than %d bytes", CT_DEMO_DIR_MAX);
	if (o->base_port < 1024 || o->base_port > 65535 - CT_DEMO_LABS - 1)
		return ct_error_set(CT_EINVAL, "--base-port takes 1024 to %d", 65535 - CT_DEMO_LABS - 1);
	if (o->web_port && (o->web_port < 1024 || o->web_port > 65535 ||
			    (o->web_port >= o->base_port && o->web_port < o->base_port + CT_DEMO_LABS)))
		return ct_error_set(CT_EINVAL, "--web-port takes 1024 to 65535, outside the nodes' %d to %d",
				    o->base_port, o->base_port + CT_DEMO_LABS - 1);
	if (!(d = calloc(1, sizeof(*d))) || !(d->doc = json_object()) || !(d->phases = json_array())) {
		ct_demo_free(d);
		return ct_error_set(CT_ENOMEM, "out of memory");
	}
	d->o = *o;
	d->web_port = o->web_port ? o->web_port : o->base_port + CT_DEMO_LABS;
	d->net.interrupted = o->interrupted;
	ct_time_format(d->at_text, sizeof(d->at_text), o->at);
	d->t0 = ct__net_now();
	*out = d;
	return 0;
}

int ct_demo_run(ct_demo *d)
{
	int rc = run(d), bad;

	if (d->o.keep && rc == 0 && !d->o.records_only)
		rc = ct__demo_web_start(d);
	if (d->o.keep && rc == 0) {
		ct__demo_keep_note(d);
	} else if (d->started) {
		if ((bad = ct__net_stop(&d->net, 120)) != 0 && rc == 0)
			rc = ct__demo_fail(d, CT_ESTATE,
					   "%d node%s did not stop cleanly (see their caltraced.log)", bad,
					   bad == 1 ? "" : "s");
		else if (rc == 0)
			ct__demo_progress(d, "stopped the %d nodes cleanly", d->net.n);
		ct__demo_remove_pidfiles(d);
		if (d->web_pid > 0)
			ct__demo_web_stop(d->o.dir);
	}
	json_object_set_new(d->doc, "nodes_running", json_boolean(d->o.keep && rc == 0));
	json_object_set_new(d->doc, "elapsed_seconds", json_real(ct__net_now() - d->t0));
	json_object_set(d->doc, "phases", d->phases);
	return rc;
}

json_t *ct_demo_result(const ct_demo *d)
{
	return d->doc;
}

void ct_demo_free(ct_demo *d)
{
	if (!d)
		return;
	json_decref(d->doc);
	json_decref(d->phases);
	ct_demo_city_free(&d->city);
	free(d);
}
