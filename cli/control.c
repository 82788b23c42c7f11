/* Talking to a running caltraced through HOME/caltraced.sock (one JSON line each way). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define ANSWER_MAX	   (16u << 20)
#define CONTROL_TIMEOUT_MS 5000

/* Writes all of buf; -1 on error. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to the first newline into out; -1 on error, EOF first, or timeout. */
static int read_line(int fd, ct_buf *out)
{
	char chunk[4096];
	struct pollfd p = {fd, POLLIN, 0};

	for (;;) {
		ssize_t n;
		if (poll(&p, 1, CONTROL_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ct_buf_put(out, chunk, (size_t)n) < 0 || out->len > ANSWER_MAX)
			return -1;
		if (memchr(chunk, '\n', (size_t)n))
			return 0;
	}
}

int cli_control(const char *home, json_t *request, json_t **answer)
{
	struct sockaddr_un sa;
	ct_buf in = CT_BUF_INIT;
	char *text = NULL;
	json_error_t jerr;
	int fd = -1, rc = -1;

	*answer = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (ct_home_control_path(sa.sun_path, sizeof(sa.sun_path), home) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto done;
	if (!(text = json_dumps(request, JSON_COMPACT)) || write_all(fd, text, strlen(text)) < 0 ||
	    write_all(fd, "\n", 1) < 0 || read_line(fd, &in) < 0)
		goto done;
	*answer = json_loadb((const char *)in.ptr, in.len, 0, &jerr);
	rc = *answer ? 0 : -1;
done:
	free(text);
	ct_buf_free(&in);
	close(fd);
	return rc;
}
