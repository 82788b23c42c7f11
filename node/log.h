/* caltraced's log: one line per event worth knowing, to stderr, gated by level. */
#ifndef CT_NODE_LOG_H
#define CT_NODE_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level;

/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int log_level_parse(const char *s);

void log_line(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one logging macro: cheap when the level is off. */
#define LOG(level, ...)                                                                                      \
	do {                                                                                                 \
		if ((level) <= log_level)                                                                    \
			log_line((level), __VA_ARGS__);                                                      \
	} while (0)

#endif
