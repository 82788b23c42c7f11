/*
 * The demo's processes (net.c): child `caltrace` commands, one
 * `caltraced` per lab on 127.0.0.1, waiting until every node holds the
 * same entries, and stopping them cleanly. Failures set the detail
 * (ct_error_set).
 */
#ifndef CT_DEMO_NET_H
#define CT_DEMO_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "caltrace/base/error.h"
#include "caltrace/demo/city.h"

/*
 * The caltrace binary running now (/proc/self/exe) into caltrace, and
 * caltraced: opt, else beside caltrace, else env (the caller's
 * $CALTRACED), else on path (the caller's $PATH). Returns 0 or
 * CT_ENOTFOUND / CT_EINVAL with the detail.
 */
int ct__net_binaries(char caltrace[4096], char caltraced[4096], const char *opt, const char *env,
		     const char *path);

/*
 * Starts path with argv (argv[0] included, NULL-terminated): stdin from
 * /dev/null, stdout into *out_fd's pipe when out_fd is not NULL (else into
 * log), stderr appended to log. own_session: in a session of its own, so
 * that the terminal's ^C does not reach it (the demo stops it itself).
 * Returns the pid, or -1 (CT_EIO's detail set).
 */
pid_t ct__net_spawn(const char *path, char *const argv[], const char *log, int *out_fd, bool own_session);

/*
 * Runs a child to its end, collecting its stdout into *out (malloc'd,
 * NUL-terminated; may be NULL to send it to log). Returns its exit status,
 * or a negative CT_E* code with the detail (could not start, killed by a
 * signal).
 */
int ct__net_run(const char *path, char *const argv[], const char *log, char **out);

/* Whether 127.0.0.1:port can be listened on now. */
bool ct__net_port_free(int port);

/* The nodes. */
struct net_node {
	int lab;
	char home[4200];
	char log[4300];
	int port;
	pid_t pid; /* 0: not running */
};

struct net {
	struct net_node nodes[CT_DEMO_LABS];
	int n;
	char caltraced[4096];
	volatile sig_atomic_t *interrupted; /* the caller's flag, or NULL */
};

/*
 * Starts every node's caltraced and waits (at most timeout_s) for its
 * control socket. Returns 0, or CT_EIO / CT_ESTATE with the detail.
 */
int ct__net_start(struct net *net, double timeout_s);
/* The same for the nodes from .. to - 1. */
int ct__net_start_nodes(struct net *net, int from, int to, double timeout_s);

/* The state of one node's store. */
struct net_state {
	uint64_t entries;
	uint8_t digest[32];
	bool ok;
};

/* Reads a node's store (read-only, while its node runs): entries held and state digest. */
int ct__net_read_state(const char *home, struct net_state *out);

/* Whether a node's process has exited (reaped); its status in *status. */
bool ct__net_node_exited(struct net_node *node, int *status);

/* Whether the caller's flag says SIGINT or SIGTERM came. */
bool ct__net_interrupted(const struct net *net);

/*
 * Stops every running node: SIGTERM to all, then waits up to timeout_s in
 * all for their clean exits (SIGKILL after). Returns the number that did
 * not exit 0.
 */
int ct__net_stop(struct net *net, double timeout_s);
/* The same for the nodes from .. to - 1. */
int ct__net_stop_nodes(struct net *net, int from, int to, double timeout_s);

/* Seconds on a monotonic clock. */
double ct__net_now(void);

/* Sleeps ms milliseconds (returns early on a signal). */
void ct__net_sleep_ms(int ms);

#endif
