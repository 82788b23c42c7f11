/*
 * The demo's processes: children started with fork/exec (never a shell),
 * their output to log files, one caltraced per lab, and the stores read
 * read-only while the nodes write them (LMDB allows any number of readers
 * beside the one writer, across processes).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caltrace/ledger/home.h"
#include "caltrace/ledger/ledger.h"
#include "demo_internal.h"
#include "net.h"

bool ct__net_interrupted(const struct net *net)
{
	return net->interrupted && *net->interrupted;
}

double ct__net_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ct__net_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool executable(const char *path)
{
	return access(path, X_OK) == 0;
}

int ct__net_binaries(char caltrace[4096], char caltraced[4096], const char *opt, const char *env,
		     const char *path)
{
	ssize_t n = readlink("/proc/self/exe", caltrace, 4095);
	char *slash;

	if (n <= 0)
		return ct_error_set(CT_ENOTFOUND, "cannot find the caltrace binary (/proc/self/exe): %s",
				    strerror(errno));
	caltrace[n] = '\0';
	if (opt) {
		snprintf(caltraced, 4096, "%s", opt);
		if (executable(caltraced))
			return 0;
		return ct_error_set(CT_EINVAL, "--caltraced %s is not an executable", opt);
	}
	snprintf(caltraced, 4096, "%s", caltrace);
	if ((slash = strrchr(caltraced, '/'))) {
		snprintf(slash + 1, (size_t)(4096 - (slash + 1 - caltraced)), "caltraced");
		if (executable(caltraced))
			return 0;
	}
	if (env && *env && executable(env)) {
		snprintf(caltraced, 4096, "%s", env);
		return 0;
	}
	while (path && *path) {
		const char *colon = strchr(path, ':');
		int len = colon ? (int)(colon - path) : (int)strlen(path);
		snprintf(caltraced, 4096, "%.*s/caltraced", len, path);
		if (len && executable(caltraced))
			return 0;
		path = colon ? colon + 1 : NULL;
	}
	return ct_error_set(
	    CT_ENOTFOUND,
	    "cannot find caltraced (beside %s, $CALTRACED or on $PATH): build it, or pass --caltraced PATH",
	    caltrace);
}

pid_t ct__net_spawn(const char *path, char *const argv[], const char *log, int *out_fd, bool own_session)
{
	int logfd, nullfd, pipefd[2] = {-1, -1};
	pid_t pid;

	if ((logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		ct_error_set(CT_EIO, "cannot write %s: %s", log, strerror(errno));
		return -1;
	}
	if (out_fd && pipe2(pipefd, O_CLOEXEC) < 0) {
		ct_error_set(CT_EIO, "pipe: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		ct_error_set(CT_EIO, "fork: %s", strerror(errno));
		close(logfd);
		if (out_fd) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, own_session ? SIG_IGN : SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (own_session)
			setsid();
		nullfd = open("/dev/null", O_RDONLY);
		dup2(nullfd, 0);
		dup2(out_fd ? pipefd[1] : logfd, 1);
		dup2(logfd, 2);
		execv(path, argv);
		dprintf(logfd, "cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(logfd);
	if (out_fd) {
		close(pipefd[1]);
		*out_fd = pipefd[0];
	}
	return pid;
}

/* Reads fd to its end into a malloc'd string. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *p;
	ssize_t n;

	while (buf) {
		if (len + 1 >= cap) {
			if (!(p = realloc(buf, cap *= 2))) {
				free(buf);
				return NULL;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

int ct__net_run(const char *path, char *const argv[], const char *log, char **out)
{
	int fd = -1, status;
	pid_t pid = ct__net_spawn(path, argv, log, out ? &fd : NULL, false);
	char *text = NULL;

	if (pid < 0)
		return CT_EIO;
	if (out) {
		text = slurp(fd);
		close(fd);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = text;
	else
		free(text);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return ct_error_set(CT_EIO, "%s was killed by signal %d (its log: %s)", argv[0], WTERMSIG(status),
			    log);
}

bool ct__net_port_free(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), yes = 1;
	bool ok;

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

bool ct__net_node_exited(struct net_node *node, int *status)
{
	pid_t r;

	if (!node->pid)
		return true;
	while ((r = waitpid(node->pid, status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == node->pid) {
		node->pid = 0;
		return true;
	}
	return false;
}

int ct__net_start(struct net *net, double timeout_s)
{
	return ct__net_start_nodes(net, 0, net->n, timeout_s);
}

int ct__net_start_nodes(struct net *net, int from, int to, double timeout_s)
{
	char listen[64], sock[4300], pidfile[4300];
	double deadline;
	struct stat st;
	int i, status;
	FILE *f;

	for (i = from; i < to; i++) {
		struct net_node *node = &net->nodes[i];
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", node->port);
		char *argv[] = {"caltraced", "--home", node->home, "--listen", listen, NULL};
		if ((node->pid = ct__net_spawn(net->caltraced, argv, node->log, NULL, true)) < 0) {
			node->pid = 0;
			return CT_EIO;
		}
		snprintf(pidfile, sizeof(pidfile), "%s/caltraced.pid", node->home);
		if ((f = fopen(pidfile, "w"))) {
			fprintf(f, "%d\n", (int)node->pid);
			fclose(f);
		}
	}
	for (i = from; i < to; i++) {
		struct net_node *node = &net->nodes[i];
		ct_home_control_path(sock, sizeof(sock), node->home);
		for (deadline = ct__net_now() + timeout_s; stat(sock, &st) != 0; ct__net_sleep_ms(50)) {
			if (ct__net_node_exited(node, &status) || ct__net_now() > deadline ||
			    ct__net_interrupted(net))
				return ct_error_set(CT_ESTATE, "the node of %s did not start (see %s)",
						    ct_demo_labs[node->lab].slug, node->log);
		}
	}
	return 0;
}

int ct__net_read_state(const char *home, struct net_state *out)
{
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	ct_feed_head *heads = NULL;
	size_t count = 0, i;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = ct__demo_store_open(home, &l, &r)) == 0 && (err = ct_read_digest(out->digest, r)) == 0 &&
	    (err = ct_read_heads(&heads, &count, r)) == 0) {
		for (i = 0; i < count; i++)
			out->entries += heads[i].size;
		out->ok = true;
	}
	free(heads);
	ct__demo_store_close(l, r);
	return err;
}

int ct__demo_store_open(const char *home, ct_ledger **l, ct_reader **r)
{
	ct_ledger_opts opts = {0};
	char path[4300];
	int err;

	*l = NULL;
	*r = NULL;
	opts.read_only = true;
	snprintf(path, sizeof(path), "%s/data", home);
	if ((err = ct_ledger_open(l, path, &opts)) < 0)
		return err;
	return ct_reader_begin(r, *l);
}

void ct__demo_store_close(ct_ledger *l, ct_reader *r)
{
	ct_reader_end(r);
	ct_ledger_close(l);
}

int ct__net_stop(struct net *net, double timeout_s)
{
	return ct__net_stop_nodes(net, 0, net->n, timeout_s);
}

int ct__net_stop_nodes(struct net *net, int from, int to, double timeout_s)
{
	int i, status, bad = 0;
	double deadline = ct__net_now() + timeout_s; /* one for all: they stop in parallel */

	for (i = from; i < to; i++)
		if (net->nodes[i].pid)
			kill(net->nodes[i].pid, SIGTERM);
	for (i = from; i < to; i++) {
		struct net_node *node = &net->nodes[i];
		pid_t pid = node->pid;
		if (!pid)
			continue;
		for (; !ct__net_node_exited(node, &status); ct__net_sleep_ms(20)) {
			if (ct__net_now() > deadline) {
				kill(pid, SIGKILL);
				while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
					;
				node->pid = 0;
				break;
			}
		}
		if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			bad++;
	}
	return bad;
}
