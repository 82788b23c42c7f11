/*
 * caltrace/base/error.h - error codes and the per-thread detail message.
 *
 * Every library function that can fail returns 0 on success or one of the
 * negative CT_E* codes below. The place where an error is born also writes a
 * one-line human detail (what failed, on what) retrievable with
 * ct_error_last() on the same thread until the next error overwrites it.
 */
#ifndef CALTRACE_ERROR_H
#define CALTRACE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
	CT_OK = 0,
	CT_ERROR = -1,       /* generic failure, see ct_error_last() */
	CT_ENOTFOUND = -2,   /* no such entry, key, feed or file */
	CT_EEXISTS = -3,     /* already present (duplicate entry, existing home) */
	CT_EINVAL = -4,      /* an argument or a field is invalid */
	CT_EBADSIG = -5,     /* a signature does not verify */
	CT_ENONCANON = -6,   /* bytes are not canonical msgpack */
	CT_EFORK = -7,       /* the author equivocated; feed frozen */
	CT_ECORRUPT = -8,    /* stored data is inconsistent */
	CT_ENOSPACE = -9,    /* LMDB map or disk full */
	CT_ENOMEM = -10,     /* allocation failed */
	CT_EIO = -11,        /* a read or write failed */
	CT_ESCHEMA = -12,    /* an event body breaks its type's schema */
	CT_EAUTH = -13,      /* the author may not write this event */
	CT_ESEQ = -14,       /* seq gap or wrong prev link */
	CT_ETOOBIG = -15,    /* input over a size limit */
	CT_EPENDING = -16,   /* author not admitted yet: entry parked */
	CT_EFULL = -17,      /* the pending area is full */
	CT_EPERM = -18,      /* a file has unsafe permissions */
	CT_EPROOF = -19,     /* a Merkle proof does not verify */
	CT_EFROZEN = -20,    /* feed is forked or refuses appends */
	CT_ETRUNC = -21,     /* input ends in the middle of an item */
	CT_ESTATE = -22,     /* the store is not in a state for this (no genesis, ...) */
};

/* Name of an error code, e.g. "bad signature". Never NULL. */
const char *ct_strerror(int err);

/*
 * The detail message of the last error set on this thread, e.g.
 * "entry 9c1d..#12: prev does not match entry 11". Never NULL; "" if none.
 * Valid until the next library call on this thread.
 */
const char *ct_error_last(void);

/* Clears the detail message of this thread. */
void ct_error_clear(void);

/*
 * Records a detail message for this thread and returns err, so that a
 * failure site reads: return ct_error_set(CT_EINVAL, "seq %llu: ...", seq);
 * For the libraries built on this one (ledger, eval, proof, proto, ...):
 * the place where an error is born calls it once.
 */
int ct_error_set(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prefixes the current detail message of this thread with more context
 * ("entry 3: " + the detail), and returns err unchanged.
 */
int ct_error_wrap(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
