/* The node home (core/ledger/home.c): where the control socket lives. */
#include "ct_test.h"

#include "caltrace/ledger/home.h"

static void test_control_path(void **state)
{
	char path[32];

	CT_OK_OR_FAIL(ct_home_control_path(path, sizeof(path), "/tmp/lab"));
	assert_string_equal(path, "/tmp/lab/caltraced.sock");
	/* 16 + 1 + 14 characters and the NUL: exactly 32 bytes fit */
	CT_OK_OR_FAIL(ct_home_control_path(path, sizeof(path), "/tmp/0123456789a"));
	assert_string_equal(path, "/tmp/0123456789a/caltraced.sock");
	assert_int_equal(ct_home_control_path(path, sizeof(path), "/tmp/0123456789ab"), CT_ETOOBIG);
	assert_non_null(strstr(ct_error_last(), "/tmp/0123456789ab"));
	assert_int_equal(ct_home_control_path(path, 1, "."), CT_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_control_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
