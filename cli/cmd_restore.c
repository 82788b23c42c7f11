/* caltrace restore: a backup into a new node home, checked before it is usable. */
#include <string.h>

#include "caltrace/ledger/backup.h"
#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: caltrace restore FILE --home DIR [--key KEYFILE] [--json]\n\n"
		     "Makes DIR (which must not exist, or be empty) a node home from the backup FILE:\n"
		     "every member is checked against the backup's MANIFEST, a store of an older\n"
		     "format is migrated, the store is checked whole (as `caltrace check` does) and\n"
		     "its digest compared with the one the backup recorded. DIR appears only when\n"
		     "all of that passed.\n\n"
		     "Then start caltraced on DIR: it fetches what its peers signed since the backup.\n"
		     "Its own feed may be behind what it already sent: nothing is appended to it\n"
		     "until a peer has said how long the feed is, and, if longer, until its entries\n"
		     "have come back (see `caltrace status`). A second entry at a seq already used\n"
		     "would be a fork.\n\n"
		     "  --home DIR       the home to create (the global option)\n"
		     "  --key KEYFILE    the node's secret key, when the backup was taken without it\n"
		     "  --trust-backup   the backup holds every entry this node ever signed (no peer\n"
		     "                   ever held its feed): allow appends at once\n"
		     "  --json           print what was restored as JSON\n");
}

int cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
						 {"trust-backup", no_argument, NULL, 't'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	ct_restore_opts o = {0};
	ct_backup_info info;
	char hex[2 * CT_HASH_BYTES + 1], when[40];
	bool json_out = false;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key_path = optarg;
			break;
		case 't':
			o.trust_backup = true;
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
	if (optind + 1 != argc)
		return cli_usage_error(
		    "restore", optind == argc ? "which backup? FILE is required" : "unexpected argument '%s'",
		    argv[argc - 1]);
	if ((err = ct_backup_restore(argv[optind], cli_home, &o, &info)) < 0)
		return cli_fail("restore", err, "%s not restored into %s", argv[optind], cli_home);
	ct_hex(hex, info.digest, CT_HASH_BYTES);
	ct_time_format(when, sizeof(when), info.time_ms);
	if (json_out) {
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:i, s:b}", "home", cli_home, "digest", hex,
			      "taken", when, "feeds", (json_int_t)info.feeds, "entries",
			      (json_int_t)info.entries, "entries_checked", (json_int_t)info.entries_checked,
			      "migrated_from", (int)info.migrated_from, "key", info.has_key || o.key_path);
		err = cli_print_json(j);
		json_decref(j);
		return err ? EXIT_ERR : EXIT_OK;
	}
	printf("restored %s into %s: the state of %s, %llu entries of %llu feeds, digest %s\n", argv[optind],
	       cli_home, when, (unsigned long long)info.entries, (unsigned long long)info.feeds, hex);
	printf("check: ok, %llu entries verified\n", (unsigned long long)info.entries_checked);
	if (info.migrated_from)
		printf("the store was migrated from format %u to %d\n", info.migrated_from, CT_LEDGER_FORMAT);
	if (!info.has_key && !o.key_path)
		printf("the backup holds no secret key: put the node's key at %s/key (mode 0600), or restore "
		       "with --key KEYFILE, before starting caltraced\n",
		       cli_home);
	if (o.trust_backup)
		printf("start caltraced --home %s: it catches up from its peers\n", cli_home);
	else
		printf("start caltraced --home %s: it catches up from its peers; appends to this node's feed "
		       "wait "
		       "until a peer has reported it\n",
		       cli_home);
	return EXIT_OK;
}
