/*
 * The demo's processes (demo_net.c): child `caltrace` commands, one
 * `caltraced` per lab on 127.0.0.1, waiting until every node holds the
 * same entries, and stopping them cleanly.
 */
#ifndef CT_DEMO_NET_H
#define CT_DEMO_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "demo_city.h"

/* Set by SIGINT/SIGTERM while the demo runs (net_catch_signals). */
extern volatile sig_atomic_t net_interrupted;
void net_catch_signals(void);

/* The caltrace binary running now, and caltraced: opt, else beside it, else $CALTRACED, else on $PATH. */
int net_binaries(char caltrace[4096], char caltraced[4096], const char *opt, char *why, size_t whylen);

/*
 * Starts path with argv (argv[0] included, NULL-terminated): stdin from
 * /dev/null, stdout into *out_fd's pipe when out_fd is not NULL (else into
 * log), stderr appended to log. own_session: in a session of its own, so
 * that the terminal's ^C does not reach it (the demo stops it itself).
 * Returns the pid, or -1 with why.
 */
pid_t net_spawn(const char *path, char *const argv[], const char *log, int *out_fd, bool own_session,
		char *why, size_t whylen);

/*
 * Runs a child to its end, collecting its stdout into *out (malloc'd,
 * NUL-terminated; may be NULL to send it to log). Returns its exit status,
 * or -1 with why (could not start, killed by a signal, interrupted).
 */
int net_run(const char *path, char *const argv[], const char *log, char **out, char *why, size_t whylen);

/* Whether 127.0.0.1:port can be listened on now. */
bool net_port_free(int port);

/* The nodes. */
struct net_node {
	int lab;
	char home[4200];
	char log[4300];
	int port;
	pid_t pid; /* 0: not running */
};

struct net {
	struct net_node nodes[DEMO_LABS];
	int n;
	char caltraced[4096];
};

/* Starts every node's caltraced and waits (at most timeout_s) for its control socket. */
int net_start(struct net *net, double timeout_s, char *why, size_t whylen);

/* The state of one node's store. */
struct net_state {
	uint64_t entries;
	uint8_t digest[32];
	bool ok;
};

/* Reads a node's store (read-only, while its node runs): entries held and state digest. */
int net_read_state(const char *home, struct net_state *out);

/* Whether a node's process has exited (reaped); its status in *status. */
bool net_node_exited(struct net_node *node, int *status);

/*
 * Stops every running node: SIGTERM to all, then waits up to timeout_s in
 * all for their clean exits (SIGKILL after). Returns the number that did
 * not exit 0.
 */
int net_stop(struct net *net, double timeout_s);

/* Seconds on a monotonic clock. */
double net_now(void);

/* Sleeps ms milliseconds (returns early on a signal). */
void net_sleep_ms(int ms);

#endif
