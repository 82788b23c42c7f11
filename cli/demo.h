/* `caltrace demo` (cmd_demo.c runs it, demo_show.c shows what the bureau sees). */
#ifndef CT_DEMO_H
#define CT_DEMO_H

#include <stdarg.h>

#include "cli.h"
#include "demo_city.h"
#include "demo_net.h"

#define DEMO_DEFAULT_INSTRUMENTS 100000
#define DEMO_DEFAULT_PORT	 7400
#define DEMO_DEFAULT_TIMEOUT	 900
#define DEMO_MARKER		 ".caltrace-demo"
#define DEMO_DIR_MAX		 1024 /* --dir at most this long, so that every path under it fits */

/* snprintf into an array, true when it did not fit (never, given DEMO_DIR_MAX). */
#define PATHF(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf))

struct demo {
	/* options */
	uint64_t seed, instruments, at;
	const char *dir, *caltraced_opt;
	int base_port;
	double timeout;
	bool keep, stop, json, records_only;

	/* state */
	char at_text[40];
	char caltrace[4096];
	char labs_dir[4200], records_dir[4200];
	demo_opts gen;
	demo_city city;
	struct net net;
	uint64_t written; /* records signed so far: every node must hold this many entries */
	uint8_t digest[32];
	bool started; /* the nodes were started */
	double t0, last_live;
	bool line_open;
	json_t *out, *phases;
};

/* A progress line on stderr, with the time since the start. */
void demo_progress(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "caltrace demo: ..." on stderr; returns EXIT_ERR. */
int demo_fail(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Runs `caltrace --home HOME ARGS...` (args NULL-terminated) as a child,
 * its stdout into *out when out is not NULL, its stderr into log. Returns
 * its exit status, or -1 (printed) when it could not run.
 */
int demo_run_cli(struct demo *d, const char *log, char **out, const char *home, const char *const args[]);

/* After the phases: coverage, a chain, the impact, the broken chains, the report, the digests. */
int demo_show(struct demo *d);

/* With --keep: how to query the running network and stop it. */
void demo_keep_note(struct demo *d);

/* The pid in a caltraced.pid file when that process still runs caltraced, else 0. */
pid_t demo_pid_running(const char *pidfile);

/* `caltrace demo --stop`: stops the nodes a --keep run left in dir. */
int demo_stop_dir(const char *dir);

void demo_remove_pidfiles(struct demo *d);

#endif
