/* Internal error helpers shared between core files. */
#ifndef CT_ERROR_INTERNAL_H
#define CT_ERROR_INTERNAL_H

#include "caltrace/error.h"

/*
 * Records a detail message for this thread and returns err, so that a
 * failure site reads: return ct__error(CT_EINVAL, "seq %llu: ...", seq);
 */
int ct__error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current detail message with more context, returns err. */
int ct__error_wrap(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
