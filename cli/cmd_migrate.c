/* caltrace migrate: brings a store of an older format to this caltrace's, in place. */
#include <string.h>

#include "cli.h"

int cmd_migrate(int argc, char **argv)
{
	char data[4200];
	unsigned before = 0;
	cli_node n;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: caltrace migrate\n\n"
		       "Migrates the home's store from an older format to this caltrace's (format %d),\n"
		       "in place and in one transaction: all of it happens or nothing. caltraced does\n"
		       "the same when it starts. A store of a newer format is refused, never read.\n"
		       "A store without the instrument summary (or with another version of it) gets\n"
		       "it built, with progress, as any opening for writing does.\n"
		       "Take a backup first (`caltrace backup`, with the release that wrote it).\n",
		       CT_LEDGER_FORMAT);
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("migrate", "unexpected argument '%s'", argv[1]);
	snprintf(data, sizeof(data), "%s/data", cli_home);
	if (ct_ledger_read_format(data, &before) < 0) {
		fprintf(stderr, "caltrace migrate: %s\n", ct_error_last());
		return EXIT_ERR;
	}
	if (cli_open(&n, CLI_MIGRATE) != 0)
		return EXIT_ERR;
	if (ct_ledger_migrated_from(n.ledger))
		printf("migrated the store in %s from format %u to %d\n", data,
		       ct_ledger_migrated_from(n.ledger), CT_LEDGER_FORMAT);
	else
		printf("the store in %s is at format %u, this caltrace's: nothing to do\n", data, before);
	cli_close(&n);
	return EXIT_OK;
}
