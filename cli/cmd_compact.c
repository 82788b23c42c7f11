/* caltrace compact: the home's store rewritten with full pages (docs/OPERATIONS.md, "Compacting a home"). */
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

static void help(void)
{
	printf("usage: caltrace compact\n\n"
	       "Rewrites the home's store with every database's pages full and no free page:\n"
	       "a copy is written beside it (each database's records in key order), read back\n"
	       "and compared with the store record by record, then put in the store's place.\n"
	       "The records are the same bytes, so every query and proof reads the same; the\n"
	       "file is smaller (about two thirds of it after a demo city). Pages fill again as\n"
	       "entries arrive; compacting now and then keeps a home small.\n\n"
	       "With caltraced running on this home, asks it to compact the store it has open\n"
	       "(its readers wait only while the copy is put in place; caltrace serve on the\n"
	       "home steps aside) and waits for it. caltraced also does this by itself when it\n"
	       "is quiet (compact, compact_quiet, compact_growth in the config; docs/OPERATIONS.md).\n"
	       "Otherwise the command compacts the store itself, which must then be had alone:\n"
	       "another process with the store open gets it refused and nothing changed.\n"
	       "Needs free disk for the copy; if anything fails, the store is left as it was.\n\n"
	       "exit status: 0 compacted, 2 error\n");
}

static void progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (cli_interactive() && total)
		fprintf(stderr, "\rcaltrace compact: %llu of %llu records (%s)   ", (unsigned long long)done,
			(unsigned long long)total, what);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Asks the caltraced running on the home to compact, and waits for its
 * answer in its status. Returns -1 when no caltraced answers (the command
 * compacts by itself), else the exit status.
 */
static int ask_node(const char *data)
{
	json_t *req = json_pack("{s:s}", "cmd", "compact"), *ans = NULL, *st = NULL, *last;
	struct timespec t0;
	json_int_t before;
	int rc;

	rc = req ? cli_control(cli_home, req, &ans) : -1;
	json_decref(req);
	if (rc != 0)
		return -1;
	if (!json_is_true(json_object_get(ans, "ok"))) {
		/* a caltraced from before this command: it has the store open, so the store cannot be had */
		fprintf(stderr, "caltrace compact: the running caltraced refused: %s (stop it, then compact)\n",
			json_string_value(json_object_get(ans, "error")) ? json_string_value(json_object_get(ans, "error"))
									: "no reason given");
		json_decref(ans);
		return EXIT_ERR;
	}
	before = json_integer_value(json_object_get(ans, "done"));
	json_decref(ans);
	fprintf(stderr, "caltrace compact: caltraced runs on this home: asked it to compact its store\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		json_t *c;

		nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
		req = json_pack("{s:s}", "cmd", "status");
		rc = req ? cli_control(cli_home, req, &st) : -1;
		json_decref(req);
		if (rc != 0) {
			fprintf(stderr, "caltrace compact: caltraced stopped before it said how the compaction went "
					"(its log, caltraced.log, says)\n");
			return EXIT_ERR;
		}
		c = json_object_get(st, "compaction");
		if (json_integer_value(json_object_get(c, "done")) > before)
			break;
		json_decref(st);
		if (cli_interactive())
			fprintf(stderr, "\rcaltrace compact: caltraced compacts (%.0f s)   ", seconds_since(&t0));
	}
	if (cli_interactive())
		fprintf(stderr, "\r%60s\r", "");
	last = json_object_get(json_object_get(st, "compaction"), "last");
	if (!json_is_true(json_object_get(last, "ok"))) {
		fprintf(stderr, "caltrace compact: caltraced did not compact the store in %s: %s\n", data,
			json_string_value(json_object_get(last, "error")) ? json_string_value(json_object_get(last, "error"))
									   : "no reason given");
		json_decref(st);
		return EXIT_ERR;
	}
	{
		double b0 = (double)json_integer_value(json_object_get(last, "bytes_before")),
		       b1 = (double)json_integer_value(json_object_get(last, "bytes_after"));

		printf("compacted the store in %s: %.1f MB -> %.1f MB (%.0f %%), %lld records, %.1f s, by the running "
		       "caltraced (reads held back %.1f ms)\n",
		       data, b0 / 1e6, b1 / 1e6, b0 > 0 ? 100.0 * b1 / b0 : 100.0,
		       (long long)json_integer_value(json_object_get(last, "records")),
		       json_real_value(json_object_get(last, "seconds")),
		       json_real_value(json_object_get(last, "held_ms")));
	}
	json_decref(st);
	return EXIT_OK;
}

int cmd_compact(int argc, char **argv)
{
	ct_compact_opts opts = {.progress = progress};
	ct_compact_info info;
	struct timespec t0, t1;
	char data[4200], config[4200];
	struct stat st;
	int err;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help();
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("compact", "unexpected argument '%s'", argv[1]);
	snprintf(config, sizeof(config), "%s/config", cli_home);
	if (stat(config, &st) != 0) {
		fprintf(stderr, "caltrace: no node home at %s (pass --home DIR)\n", cli_home);
		return EXIT_ERR;
	}
	snprintf(data, sizeof(data), "%s/data", cli_home);
	if ((err = ask_node(data)) >= 0)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ct_ledger_compact(data, &opts, &info);
	if (cli_interactive())
		fprintf(stderr, "\r%60s\r", "");
	if (err < 0)
		return cli_fail("compact", err, "cannot compact the store in %s", data);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf(
	    "compacted the store in %s: %.1f MB -> %.1f MB (%.0f %%), %llu records in %u databases, %.1f s\n",
	    data, (double)info.bytes_before / 1e6, (double)info.bytes_after / 1e6,
	    info.bytes_before ? 100.0 * (double)info.bytes_after / (double)info.bytes_before : 100.0,
	    (unsigned long long)info.records, info.databases,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return EXIT_OK;
}
