/* Talking to a running caltraced through HOME/caltraced.sock (one JSON line each way). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/status.h"

/* Writes all of buf; -1 on error. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to the first newline into out. */
static int read_line(int fd, ct_buf *out, int timeout_ms)
{
	char chunk[4096];
	struct pollfd p = {fd, POLLIN, 0};

	for (;;) {
		ssize_t n;
		if (poll(&p, 1, timeout_ms) <= 0)
			return ct_error_set(CT_EIO, "caltraced did not answer within %d ms", timeout_ms);
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ct_error_set(CT_EIO, "caltraced closed the control socket before answering");
		if (ct_buf_put(out, chunk, (size_t)n) < 0)
			return ct_error_set(CT_ENOMEM, "out of memory reading caltraced's answer");
		if (out->len > CT_CONTROL_ANSWER_MAX)
			return ct_error_set(CT_ETOOBIG, "caltraced's answer is over %u bytes",
					    CT_CONTROL_ANSWER_MAX);
		if (memchr(chunk, '\n', (size_t)n))
			return 0;
	}
}

int ct_control_call(const char *home, const json_t *request, json_t **answer, int timeout_ms)
{
	struct sockaddr_un sa;
	ct_buf in = CT_BUF_INIT;
	char *text = NULL;
	json_error_t jerr;
	int fd = -1, err;

	*answer = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (ct_home_control_path(sa.sun_path, sizeof(sa.sun_path), home) < 0)
		return ct_error_set(CT_EINVAL, "%s/caltraced.sock: path too long for a socket", home);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ct_error_set(CT_EIO, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = ct_error_set(CT_ENOTFOUND, "no caltraced answers on %s", sa.sun_path);
		goto done;
	}
	if (!(text = json_dumps(request, JSON_COMPACT))) {
		err = ct_error_set(CT_ENOMEM, "out of memory writing a control request");
		goto done;
	}
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0) {
		err = ct_error_set(CT_EIO, "cannot write to %s: %s", sa.sun_path, strerror(errno));
		goto done;
	}
	if ((err = read_line(fd, &in, timeout_ms)) < 0)
		goto done;
	if (!(*answer = json_loadb((const char *)in.ptr, in.len, JSON_DISABLE_EOF_CHECK, &jerr)))
		err = ct_error_set(CT_EIO, "caltraced answered what is not JSON: %s", jerr.text);
done:
	free(text);
	ct_buf_free(&in);
	close(fd);
	return err;
}
