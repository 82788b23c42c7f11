/*
 * One run of `caltrace demo`, shared by run.c (the folder, the homes, the
 * phases) and show.c (what the bureau sees, --keep's note, --stop).
 */
#ifndef CT_DEMO_INTERNAL_H
#define CT_DEMO_INTERNAL_H

#include <stdarg.h>

#include "caltrace/demo/demo.h"
#include "caltrace/ledger/ledger.h"
#include "net.h"

#define DEMO_MARKER ".caltrace-demo"

/* snprintf into an array, true when it did not fit (never, given CT_DEMO_DIR_MAX). */
#define PATHF(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf))

/* caltrace's exit status for an error (docs/STYLE.md): a child that failed rather than said no. */
#define DEMO_CHILD_ERR 2

struct ct_demo {
	ct_demo_opts o;

	char at_text[40];
	char caltrace[4096];
	char labs_dir[4200], records_dir[4200];
	char rekey_home[4200]; /* the re-keyed lab's new home (its new key), its node from phase 6 */
	char old_home[4200];   /* ... and its first one */
	ct_demo_gen_opts gen;
	ct_demo_city city;
	struct net net;
	uint64_t written; /* records signed so far: every node must hold this many entries */
	uint8_t digest[32];
	bool started; /* the nodes were started */
	int web_port;  /* with keep: where caltrace serve listens */
	pid_t web_pid; /* caltrace serve, once started */
	double t0, last_live;
	bool line_open; /* a live line is on o.log without its newline */
	json_t *doc, *phases;
};

/* A progress line on o.log, "[  12.3s] " and the text. */
void ct__demo_progress(struct ct_demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Ends an open live line and records the failure's detail (ct_error_set);
 * returns err. The caller of ct_demo_run prints it.
 */
int ct__demo_fail(struct ct_demo *d, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A child that failed (rc its exit status) or could not run (rc a negative
 * code, detail set): the detail becomes the message, followed in the second
 * case by why it could not run. Returns rc, or CT_ERROR.
 */
int ct__demo_child_failed(struct ct_demo *d, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The last lines of a log on o.log, to show with a failure. */
void ct__demo_tail_log(struct ct_demo *d, const char *path);

/*
 * Runs `caltrace --home HOME ARGS...` (args NULL-terminated) as a child,
 * its stdout into *out when out is not NULL, its stderr into log. Returns
 * its exit status, or a negative CT_E* code (detail set) when it could not
 * run or was killed.
 */
int ct__demo_run_cli(struct ct_demo *d, const char *log, char **out, const char *home,
		     const char *const args[]);

/* Opens a node's store read-only (while its node runs) and a reader on it; closed with ct__demo_store_close.
 */
int ct__demo_store_open(const char *home, ct_ledger **l, ct_reader **r);
void ct__demo_store_close(ct_ledger *l, ct_reader *r);

/* After the phases: coverage, a chain, the impact, the broken chains, the report, the digests. */
int ct__demo_show(struct ct_demo *d);

/* With keep: how to query the running network and stop it. */
void ct__demo_keep_note(struct ct_demo *d);

/* The pid in a caltraced.pid file when that process still runs caltraced, else 0. */
pid_t ct__demo_pid_running(const char *pidfile);

void ct__demo_remove_pidfiles(struct ct_demo *d);

/*
 * With keep: starts `caltrace serve` on the bureau's home on 127.0.0.1:d->web_port (its log
 * serve.log and pid file serve.pid in that home) and waits until it answers. Returns 0, or
 * CT_EIO / CT_ESTATE with the detail.
 */
int ct__demo_web_start(struct ct_demo *d);

/* Stops the `caltrace serve` that the pid file of the bureau's home in dir names; 1 if one ran. */
int ct__demo_web_stop(const char *dir);

#endif
