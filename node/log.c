/* Log lines: "2026-01-05T10:00:00.123Z caltraced info: peer 7f3a…@127.0.0.1:7401: up". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

int log_level = LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_line(int level, const char *fmt, ...)
{
	char line[1024], when[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03dZ caltraced %s: ", when, (int)(tv.tv_usec / 1000),
		     names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line: lines of several processes sharing a file do not interleave. */
	fprintf(stderr, "%s\n", line);
}
