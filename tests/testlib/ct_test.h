/* Helpers shared by the unit tests (cmocka). */
#ifndef CT_TEST_H
#define CT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/base/types.h"

/* Asserts that a CT call returned 0, printing the detail message if not. */
#define CT_OK_OR_FAIL(call)                                                              \
	do {                                                                             \
		int ct_rc__ = (call);                                                    \
		if (ct_rc__ != 0)                                                        \
			fail_msg("%s -> %d (%s): %s", #call, ct_rc__, ct_strerror(ct_rc__), \
				 ct_error_last());                                       \
	} while (0)

/*
 * The seed of a randomised test: $CT_TEST_SEED if set, else drawn from the
 * clock. Printed either way, so a failure can be replayed.
 */
uint64_t ct_test_seed(const char *test_name);

/* A small deterministic PRNG (splitmix64) for seeded tests. */
uint64_t ct_test_rand(uint64_t *state);

/* A fresh empty directory under $TMPDIR (or /tmp); free() the result. */
char *ct_test_tmpdir(void);

/* Removes a directory tree; ignores errors. */
void ct_test_rm_rf(const char *path);

/* Reads a whole file into out (reset first). Returns 0 or -1. */
int ct_test_read_file(const char *path, ct_buf *out);

/* Path of a file under tests/vectors; static buffer. */
const char *ct_test_vector_path(const char *rel);

/* A deterministic key pair numbered n (seed = n repeated). */
ct_keypair *ct_test_keypair(int n);

#endif
