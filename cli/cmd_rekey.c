/*
 * caltrace rekey OLD NEW: the bureau replaces a lab's key (org.rekey). The
 * new key is the same lab: its admissions, scope, tier, district and
 * revocations carry over; the old feed is closed at a seq, entries past it
 * are `closed-feed` (docs/DESIGN.md section 5, docs/VERDICTS.md).
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

static void help(void)
{
	printf("usage: caltrace rekey OLD NEW --effective DATE --reason TEXT [--closed-at SEQ] [--json]\n\n"
	       "The bureau replaces the key OLD of a lab by NEW (64 hex digits each; NEW from\n"
	       "`caltrace key` on the lab's new node home). NEW speaks for the same lab from then\n"
	       "on: its admissions, scope, tier, district and certified staff carry over, and due\n"
	       "lists, coverage by lab and impact count both feeds as one lab. OLD's feed is\n"
	       "closed at a seq: its entries after it are invalid (closed-feed). NEW must be a key\n"
	       "the ledger has never seen; OLD is replaced once.\n"
	       "writes an 'org.rekey' event to this node's feed (the bureau's).\n\n"
	       "options:\n"
	       "  --effective DATE       from when NEW is the lab's key (required)\n"
	       "  --reason TEXT          why: key lost, stolen, hardware replaced... (required)\n"
	       "  --closed-at SEQ        the last valid entry of OLD's feed (default: the length of\n"
	       "                         OLD's feed in this store now; 0 closes all of it)\n"
	       "  --json                 print the new entry as JSON\n"
	       "  -h, --help             this help\n\n"
	       "A stolen key is also declared compromised: `caltrace compromised OLD --since DATE`.\n");
}

static int parse_seq(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out > INT64_MAX ? -1 : 0;
}

/* The length of OLD's feed in this store (0 when it holds none of it). */
static int feed_length(cli_node *n, const uint8_t key[CT_KEY_BYTES], uint64_t *out)
{
	ct_reader *r = NULL;
	ct_feed_head head;
	int err;

	*out = 0;
	if ((err = ct_reader_begin(&r, n->ledger)) < 0)
		return cli_fail("rekey", err, "cannot read the store");
	err = ct_read_head(&head, r, key);
	ct_reader_end(r);
	if (err == CT_ENOTFOUND)
		return 0;
	if (err < 0)
		return cli_fail("rekey", err, "cannot read the old key's feed");
	*out = head.size;
	return 0;
}

int cmd_rekey(int argc, char **argv)
{
	static const struct option longopts[] = {{"effective", required_argument, NULL, 'e'},
						 {"reason", required_argument, NULL, 'r'},
						 {"closed-at", required_argument, NULL, 'c'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *effective = NULL, *reason = NULL;
	uint8_t old_key[CT_KEY_BYTES], new_key[CT_KEY_BYTES];
	char old_hex[2 * CT_KEY_BYTES + 1], new_hex[2 * CT_KEY_BYTES + 1];
	uint64_t closed_at = 0, ms;
	bool closed_given = false, json_out = false;
	json_t *fields;
	cli_node n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (cli_parse_time("rekey", "--effective", optarg, &ms) < 0)
				return EXIT_ERR;
			effective = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 'c':
			if (parse_seq(optarg, &closed_at) < 0)
				return cli_usage_error(
				    "rekey", "--closed-at '%s' is not a seq (a non-negative integer)",
				    optarg);
			closed_given = true;
			break;
		case 'j':
			json_out = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("rekey", "bad usage (caltrace rekey --help)");
		}
	}
	if (optind != argc - 2)
		return cli_usage_error("rekey", "expects OLD and NEW keys");
	if (cli_parse_hex32("rekey", "OLD", argv[optind], old_key) < 0 ||
	    cli_parse_hex32("rekey", "NEW", argv[optind + 1], new_key) < 0)
		return EXIT_ERR;
	if (!effective)
		return cli_usage_error("rekey", "--effective is required");
	if (!reason)
		return cli_usage_error("rekey", "--reason is required");
	if (cli_open(&n, CLI_KEY) != 0)
		return EXIT_ERR;
	if (!closed_given && (rc = feed_length(&n, old_key, &closed_at)) != 0) {
		cli_close(&n);
		return rc;
	}
	if (!closed_given && !json_out)
		fprintf(stderr, "caltrace rekey: closing the old feed at #%llu, its length in this store\n",
			(unsigned long long)closed_at);
	ct_hex(old_hex, old_key, CT_KEY_BYTES);
	ct_hex(new_hex, new_key, CT_KEY_BYTES);
	fields = json_pack("{s:s, s:s, s:s, s:I, s:s}", "old_key", old_hex, "new_key", new_hex, "effective",
			   effective, "closed_at", (json_int_t)closed_at, "reason", reason);
	rc = cli_append_event("rekey", &n, "org.rekey", fields, json_out);
	cli_close(&n);
	return rc;
}
