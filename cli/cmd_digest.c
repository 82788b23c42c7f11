/* caltrace digest: the state digest over every feed head. */
#include <string.h>

#include "cli.h"

int cmd_digest(int argc, char **argv)
{
	uint8_t digest[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1];
	ct_reader *r = NULL;
	ct_feed_head *heads = NULL;
	size_t count = 0;
	bool json_out = argc > 1 && strcmp(argv[1], "--json") == 0;
	cli_node n;
	int err, rc = EXIT_ERR;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: caltrace digest [--json]\n\n"
		       "Prints the state digest: SHA-256 over every feed's author, size and head hash.\n"
		       "Two nodes holding the same entries print the same digest.\n");
		return EXIT_OK;
	}
	if (argc > 2 || (argc == 2 && !json_out))
		return cli_usage_error("digest", "unexpected argument '%s'", argv[1]);
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_read_digest(digest, r)) < 0 ||
	    (err = ct_read_heads(&heads, &count, r)) < 0) {
		rc = cli_fail("digest", err, "cannot compute the digest");
		goto done;
	}
	ct_hex(hex, digest, sizeof(digest));
	if (json_out) {
		uint64_t total = 0;
		for (size_t i = 0; i < count; i++)
			total += heads[i].size;
		json_t *o = json_pack("{s:s, s:I, s:I}", "digest", hex, "feeds", (json_int_t)count, "entries",
				      (json_int_t)total);
		rc = cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s\n", hex);
		rc = EXIT_OK;
	}
done:
	free(heads);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
