/* caltrace backup: a consistent, compacted copy of a running node's home in one file. */
#include <string.h>

#include "caltrace/ledger/backup.h"
#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: caltrace backup --to FILE [--with-key] [--json]\n\n"
		     "Writes one file (a tar archive) holding a compacted copy of the store, taken\n"
		     "in one consistent state while caltraced goes on running, the config and the\n"
		     "public key, with a MANIFEST of the state digest and every member's SHA-256.\n"
		     "FILE must not exist. Restore it with `caltrace restore FILE --home DIR`.\n\n"
		     "  --to FILE     where to write the backup\n"
		     "  --with-key    include the node's secret key; FILE is then created mode 0600\n"
		     "                (keep such a backup as safe as the key itself)\n"
		     "  --json        print what the backup holds as JSON\n");
}

int cmd_backup(int argc, char **argv)
{
	static const struct option longopts[] = {{"to", required_argument, NULL, 't'},
						 {"with-key", no_argument, NULL, 'k'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	ct_backup_opts o = {0};
	ct_backup_info info;
	const char *to = NULL;
	char hex[2 * CT_HASH_BYTES + 1];
	bool json_out = false;
	cli_node n;
	int c, err, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'k':
			o.with_key = true;
			break;
		case 'j':
			json_out = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_ERR;
		}
	}
	if (optind != argc)
		return cli_usage_error("backup", "unexpected argument '%s'", argv[optind]);
	if (!to)
		return cli_usage_error("backup", "--to FILE is required");
	if (cli_open(&n, 0) != 0)
		return EXIT_ERR;
	o.home = n.dir;
	o.time_ms = cli_now_ms();
	if ((err = ct_ledger_backup(n.ledger, to, &o, &info)) < 0) {
		rc = cli_fail("backup", err, "no backup written to %s", to);
		goto done;
	}
	ct_hex(hex, info.digest, CT_HASH_BYTES);
	if (json_out) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:b}", "file", to, "digest", hex,
				      "feeds", (json_int_t)info.feeds, "entries", (json_int_t)info.entries,
				      "store_bytes", (json_int_t)info.store_bytes, "store_format",
				      (int)info.store_format, "with_key", info.has_key);
		rc = cli_print_json(j);
		json_decref(j);
	} else {
		printf("backup %s: %llu entries of %llu feeds, digest %s, store %llu bytes compacted%s\n", to,
		       (unsigned long long)info.entries, (unsigned long long)info.feeds, hex,
		       (unsigned long long)info.store_bytes,
		       info.has_key ? ", with the secret key (mode 0600)" : "");
		rc = EXIT_OK;
	}
done:
	cli_close(&n);
	return rc;
}
