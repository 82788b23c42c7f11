/* caltrace show HASH: one entry, every field. */
#include <string.h>

#include "cli.h"

static void print_text(const void *entry)
{
	json_t *o = (json_t *)entry;
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		if (strcmp(key, "body") == 0)
			continue;
		if (json_is_string(v))
			printf("%-8s %s\n", key, json_string_value(v));
		else if (json_is_integer(v))
			printf("%-8s %lld\n", key, (long long)json_integer_value(v));
		else if (json_is_null(v))
			printf("%-8s -\n", key);
	}
	printf("body\n");
	json_object_foreach(json_object_get(o, "body"), key, v) {
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("  %-14s %s\n", key, s ? s : json_string_value(v));
		free(s);
	}
}

int cmd_show(int argc, char **argv)
{
	uint8_t hash[CT_HASH_BYTES];
	cli_format format = CLI_TEXT;
	const char *hex = NULL;
	ct_reader *r = NULL;
	json_t *o = NULL;
	ct_entry e;
	cli_node n;
	int i, err, rc = EXIT_ERR;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			format = CLI_JSON;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: caltrace show HASH [--json]\n\nShows the entry with this hash: every "
			       "field, the body decoded, hashes and keys in hex.\n");
			return EXIT_OK;
		} else if (!hex)
			hex = argv[i];
		else
			return cli_usage_error("show", "unexpected argument '%s'", argv[i]);
	}
	if (!hex)
		return cli_usage_error("show", "expects an entry HASH");
	if (cli_parse_hex32("show", "HASH", hex, hash) < 0)
		return EXIT_ERR;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_read_entry_by_hash(&e, r, hash)) < 0) {
		rc = cli_fail("show", err, "cannot show %s", hex);
		goto done;
	}
	o = cli_entry_json(&e);
	rc = cli_print_as(format, &(cli_forms){print_text, cli_json_itself, NULL}, o);
done:
	json_decref(o);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
