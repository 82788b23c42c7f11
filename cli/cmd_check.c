/* caltrace check: the store's integrity check. */
#include <string.h>

#include "caltrace/ledger/summary.h"
#include "cli.h"

int cmd_check(int argc, char **argv)
{
	ct_reader *r = NULL;
	uint64_t checked = 0, instruments = 0;
	bool ready = false;
	cli_node n;
	int err, rc;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: caltrace check\n\nRe-reads every stored entry: decodes and verifies it, checks each\n"
		       "feed's links, hash index, head and Merkle tree; then compares the instrument\n"
		       "summary with the entries (or says the store has none). Exit 0 when all is\n"
		       "well, 2 naming the first problem otherwise.\n");
		return EXIT_OK;
	}
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_ledger_check(r, &checked)) < 0) {
		rc = cli_fail("check", err, "store check failed after %llu good entries", (unsigned long long)checked);
	} else if ((err = ct_summary_ready(r, &ready)) < 0 ||
		   (ready && (err = ct_summary_check(r, &instruments, NULL, NULL)) < 0)) {
		rc = cli_fail("check", err, "%llu entries good; instrument summary check failed",
			      (unsigned long long)checked);
	} else {
		printf("ok: %llu entries checked\n", (unsigned long long)checked);
		if (ready)
			printf("ok: the instrument summary agrees with the entries of %llu instruments\n",
			       (unsigned long long)instruments);
		else
			printf("no instrument summary to check (opening the store for writing builds it)\n");
		rc = EXIT_OK;
	}
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
