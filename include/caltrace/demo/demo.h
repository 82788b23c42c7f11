/*
 * caltrace/demo/demo.h - `caltrace demo`: a whole city's network on this
 * machine (docs/DEMO.md).
 *
 * ct_demo_run generates the city (caltrace/demo/city.h), makes one node
 * home per lab (`caltrace init`), has each lab sign its records into its
 * own home (`caltrace import-records`) phase by phase while one caltraced
 * per lab on 127.0.0.1 replicates them, waits after each phase until every
 * node holds the same entries, then shows what the bureau sees (`caltrace
 * report`, `chain`, `impact`, a proof bundle checked by `caltrace verify`,
 * the deliberately broken chains judged by the evaluator beside the
 * generator's truth, every node's digest) and stops the nodes.
 *
 * A process supervisor inside the caltrace program, not a pure library: it
 * starts processes (fork/exec, never a shell), opens sockets to find free
 * ports, and reads the monotonic clock for its timeouts and the times on
 * its progress lines. It prints only through the two streams the caller
 * gives it (o->out: what the bureau sees, o->log: progress), never exits,
 * and reads no environment: where caltraced may be is given in the options.
 * A failure comes back as a CT_E* code with ct_error_last() saying what
 * failed (the caller prints it), after the progress lines that led to it.
 */
#ifndef CALTRACE_DEMO_H
#define CALTRACE_DEMO_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "caltrace/demo/city.h"

#define CT_DEMO_DEFAULT_INSTRUMENTS 100000
#define CT_DEMO_DEFAULT_PORT	    7400
#define CT_DEMO_DEFAULT_TIMEOUT	    900
#define CT_DEMO_DIR_MAX		    1024 /* the working folder's path at most this long */

typedef struct ct_demo_opts {
	uint64_t seed;
	uint64_t instruments; /* CT_DEMO_MIN_INSTRUMENTS .. CT_DEMO_MAX_INSTRUMENTS */
	uint64_t at;	      /* the report date, ms since the epoch, midnight UTC */
	const char *dir;      /* the working folder; a previous demo's there is replaced */
	int base_port;	      /* the nodes listen on 127.0.0.1:base_port .. + CT_DEMO_LABS - 1 */
	double timeout;	      /* seconds a phase may take */
	bool keep;	      /* leave the network running (and say how to query it), and serve the
				 bureau's home on the web (`caltrace serve`) */
	int web_port;	      /* with keep: caltrace serve listens on 127.0.0.1:web_port; 0: base_port +
				 CT_DEMO_LABS */
	bool records_only;    /* make the homes, write the records and truth.json; start nothing */
	bool json;	      /* the caller prints ct_demo_result: nothing goes to out */
	/* Where caltraced is: this path, else beside the running caltrace, else caltraced_env, else on
	 * path_env (the caller's --caltraced, $CALTRACED and $PATH; each may be NULL). */
	const char *caltraced, *caltraced_env, *path_env;
	FILE *out;			    /* what the bureau sees, as text */
	FILE *log;			    /* progress lines */
	bool interactive;		    /* log is a terminal: a live line is rewritten in place */
	volatile sig_atomic_t *interrupted; /* set by the caller's SIGINT/SIGTERM handler; may be NULL */
} ct_demo_opts;

/* One run of the demo. */
typedef struct ct_demo ct_demo;

/*
 * A demo with the options o (copied; the strings and streams must outlive
 * it). Its clock starts now. Errors: CT_EINVAL (a size, port or folder out
 * of range), CT_ENOMEM.
 */
int ct_demo_new(ct_demo **out, const ct_demo_opts *o);

/*
 * Runs the demo: checks, the folder, the homes, the city, the phases, what
 * the bureau sees. On return every node it started has been stopped, unless
 * o->keep and it succeeded (then `caltrace serve` runs on the bureau's home,
 * and the note on how to query the network and open its pages has gone to
 * out). Returns 0, or a negative CT_E* code with the detail (a port
 * taken, a node that stopped, a phase that did not converge within the
 * timeout, a child command that failed, naming its log, an interruption).
 */
int ct_demo_run(ct_demo *d);

/*
 * The result as one JSON document (docs/DEMO.md): the city, the labs,
 * coverage, the chain, the impact, the proof, the broken chains, the
 * digests, the phases. Borrowed: valid until ct_demo_free.
 */
json_t *ct_demo_result(const ct_demo *d);

/* The last progress line on o->log, "[  14.2s] done in 14 s" (after the caller printed the result). */
void ct_demo_done(ct_demo *d);

/* Frees a demo (its nodes are not touched: ct_demo_run stopped them); accepts NULL. */
void ct_demo_free(ct_demo *d);

/*
 * Stops the nodes a kept demo left running in dir (`caltrace demo --stop`):
 * SIGTERM to each caltraced its pid files name, and to the `caltrace serve`
 * of the bureau's home, then waits (at most 30 s) for them to exit.
 * *stopped receives how many nodes were running. Returns 0.
 */
int ct_demo_stop(const char *dir, int *stopped);

#endif
