#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "caltrace/base/error.h"

#define CT_ERRMSG_MAX 512

static _Thread_local char last_error[CT_ERRMSG_MAX];

const char *ct_strerror(int err)
{
	switch (err) {
	case CT_OK: return "ok";
	case CT_ERROR: return "error";
	case CT_ENOTFOUND: return "not found";
	case CT_EEXISTS: return "already exists";
	case CT_EINVAL: return "invalid argument";
	case CT_EBADSIG: return "bad signature";
	case CT_ENONCANON: return "non-canonical encoding";
	case CT_EFORK: return "fork";
	case CT_ECORRUPT: return "corrupt store";
	case CT_ENOSPACE: return "no space";
	case CT_ENOMEM: return "out of memory";
	case CT_EIO: return "i/o error";
	case CT_ESCHEMA: return "schema violation";
	case CT_EAUTH: return "not authorised";
	case CT_ESEQ: return "broken feed sequence";
	case CT_ETOOBIG: return "too large";
	case CT_EPENDING: return "pending admission";
	case CT_EFULL: return "pending area full";
	case CT_EPERM: return "unsafe permissions";
	case CT_EPROOF: return "proof does not verify";
	case CT_EFROZEN: return "feed frozen";
	case CT_ETRUNC: return "truncated";
	case CT_ESTATE: return "wrong state";
	default: return "unknown error";
	}
}

const char *ct_error_last(void)
{
	return last_error;
}

void ct_error_clear(void)
{
	last_error[0] = '\0';
}

int ct_error_set(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

int ct_error_wrap(int err, const char *fmt, ...)
{
	char prefix[CT_ERRMSG_MAX];
	char old[CT_ERRMSG_MAX];
	va_list ap;

	memcpy(old, last_error, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Truncation is fine: the detail is one line for a person. */
	if (old[0]) {
		size_t n = strnlen(prefix, sizeof(prefix) - 1);
		memcpy(last_error, prefix, n);
		if (n + 2 < sizeof(last_error)) {
			memcpy(last_error + n, ": ", 2);
			n += 2;
		}
		size_t rest = strnlen(old, sizeof(old));
		if (rest > sizeof(last_error) - 1 - n)
			rest = sizeof(last_error) - 1 - n;
		memcpy(last_error + n, old, rest);
		last_error[n + rest] = '\0';
	} else {
		memcpy(last_error, prefix, sizeof(prefix));
	}
	return err;
}
