/*
 * Log lines in logfmt, one per event, to stderr:
 *
 *   ts=2026-01-05T10:00:00.123Z level=info msg="peer 7f3a…@127.0.0.1:7401: up (dialed)"
 *
 * ts, then level (error, warn, info, debug), then msg, always in that
 * order; msg is quoted, with \" \\ \n escaped. Under systemd (stderr is
 * the journal: $JOURNAL_STREAM names it) the line starts with the syslog
 * priority instead of ts ("<6>level=info msg=..."), which journald takes
 * as the entry's priority and strips; it stamps the time itself.
 * docs/OPERATIONS.md, "Logs".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

int log_level = LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};
static const int priorities[] = {3, 4, 6, 7}; /* syslog: err, warning, info, debug */

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Whether stderr is the journal: $JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected. */
static int to_journal(void)
{
	static int known = -1;
	const char *js;
	unsigned long long dev, ino;
	struct stat st;

	if (known >= 0)
		return known;
	known = 0;
	js = getenv("JOURNAL_STREAM");
	if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		known = 1;
	return known;
}

void log_line(int level, const char *fmt, ...)
{
	char msg[1024], line[2200], when[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_journal()) {
		n = (size_t)snprintf(line, sizeof(line), "<%d>level=%s msg=\"", priorities[level],
				     names[level]);
	} else {
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		n = (size_t)snprintf(line, sizeof(line), "ts=%s.%03dZ level=%s msg=\"", when,
				     (int)(tv.tv_usec / 1000), names[level]);
	}
	for (const char *p = msg; *p && n + 4 < sizeof(line); p++) {
		if (*p == '"' || *p == '\\') {
			line[n++] = '\\';
			line[n++] = *p;
		} else if (*p == '\n') {
			line[n++] = '\\';
			line[n++] = 'n';
		} else {
			line[n++] = *p;
		}
	}
	line[n++] = '"';
	line[n++] = '\n';
	/* One write per line: lines of several processes sharing a file do not interleave. */
	fwrite(line, 1, n, stderr);
	fflush(stderr);
}
