/* The node home (core/ledger/home.c): where the control socket lives, sizes, map_max, compaction's settings. */
#include <unistd.h>

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

static void test_size_parse(void **state)
{
	uint64_t v = 7;

	CT_OK_OR_FAIL(ct_size_parse(&v, "map_max", "12M"));
	assert_int_equal(v, 12u << 20);
	CT_OK_OR_FAIL(ct_size_parse(&v, "map_max", "8GiB"));
	assert_int_equal(v, (uint64_t)8 << 30);
	CT_OK_OR_FAIL(ct_size_parse(&v, "map_max", "2T"));
	assert_int_equal(v, (uint64_t)2 << 40);
	CT_OK_OR_FAIL(ct_size_parse(&v, "map_max", "1048576"));
	assert_int_equal(v, 1u << 20);
	v = 7;
	/* each refused, naming the setting and the text, and the value untouched */
	const char *bad[] = {"", "M", "-1M", "12X", "12MB3", " 12M", "1K", "1048575", "99999999999T",
			     "18446744073709551616"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(ct_size_parse(&v, "--map-max", bad[i]), CT_EINVAL);
		assert_non_null(strstr(ct_error_last(), "--map-max"));
		assert_int_equal(v, 7);
	}
}

static void test_config_map_max(void **state)
{
	char dir[] = "/tmp/ct-test-home-XXXXXX", path[64];
	ct_config cfg, again;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("listen = 127.0.0.1:7400\nmap_max = 64M\n", f);
	fclose(f);
	CT_OK_OR_FAIL(ct_config_load(&cfg, path));
	assert_int_equal(cfg.map_max, 64u << 20);
	CT_OK_OR_FAIL(ct_config_save(&cfg, path));
	CT_OK_OR_FAIL(ct_config_load(&again, path));
	assert_int_equal(again.map_max, 64u << 20);
	ct_config_free(&again);
	ct_config_free(&cfg);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("map_max = lots\n", f);
	fclose(f);
	assert_int_equal(ct_config_load(&cfg, path), CT_EINVAL);
	assert_non_null(strstr(ct_error_last(), ":1:"));
	assert_non_null(strstr(ct_error_last(), "lots"));
	unlink(path);
	rmdir(dir);
}

static void write_config(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_compact(void **state)
{
	static const struct {
		const char *line, *named;
	} bad[] = {
	    {"compact = maybe\n", "maybe"},	    {"compact_min = 12\n", "less than 1 MiB"},
	    {"compact_quiet = 0\n", "compact_quiet"}, {"compact_quiet = 5s\n", "5s"},
	    {"compact_growth = -3\n", "-3"},	    {"compact_growth = 1001\n", "1001"},
	    {"compact_quiet =\n", "compact_quiet"},
	};
	char dir[] = "/tmp/ct-test-home-XXXXXX", path[64];
	ct_config cfg, again;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
	/* the defaults: nothing set, compaction on */
	write_config(path, "listen = 127.0.0.1:7400\n");
	CT_OK_OR_FAIL(ct_config_load(&cfg, path));
	assert_false(cfg.compact_off);
	assert_int_equal(cfg.compact_min, 0);
	assert_int_equal(cfg.compact_quiet, 0);
	assert_int_equal(cfg.compact_growth, 0);
	ct_config_free(&cfg);
	write_config(path, "compact = off\ncompact_min = 2G\ncompact_quiet = 300\ncompact_growth = 40\n");
	CT_OK_OR_FAIL(ct_config_load(&cfg, path));
	assert_true(cfg.compact_off);
	assert_int_equal(cfg.compact_min, (uint64_t)2 << 30);
	assert_int_equal(cfg.compact_quiet, 300);
	assert_int_equal(cfg.compact_growth, 40);
	CT_OK_OR_FAIL(ct_config_save(&cfg, path));
	CT_OK_OR_FAIL(ct_config_load(&again, path));
	assert_true(again.compact_off);
	assert_int_equal(again.compact_min, (uint64_t)2 << 30);
	assert_int_equal(again.compact_quiet, 300);
	assert_int_equal(again.compact_growth, 40);
	ct_config_free(&again);
	ct_config_free(&cfg);
	write_config(path, "compact = on\n");
	CT_OK_OR_FAIL(ct_config_load(&cfg, path));
	assert_false(cfg.compact_off);
	ct_config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_config(path, bad[i].line);
		assert_int_equal(ct_config_load(&cfg, path), CT_EINVAL);
		assert_non_null(strstr(ct_error_last(), ":1:"));
		if (!strstr(ct_error_last(), bad[i].named))
			fail_msg("'%s': the error does not name '%s': %s", bad[i].line, bad[i].named, ct_error_last());
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_control_path),
	    cmocka_unit_test(test_size_parse),
	    cmocka_unit_test(test_config_map_max),
	    cmocka_unit_test(test_config_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
