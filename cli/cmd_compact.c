/* caltrace compact: the home's store rewritten with full pages (docs/OPERATIONS.md, "Compacting a home"). */
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
	       "The store must be had alone: stop caltraced on this home first (a running node,\n"
	       "or any process with the store open, gets the command refused and nothing\n"
	       "changed). Needs free disk for the copy; if anything fails, the store is left\n"
	       "as it was.\n\n"
	       "exit status: 0 compacted, 2 error\n");
}

static void progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (cli_interactive() && total)
		fprintf(stderr, "\rcaltrace compact: %llu of %llu records (%s)   ", (unsigned long long)done,
			(unsigned long long)total, what);
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
