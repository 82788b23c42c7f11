/*
 * caltrace compromised KEY: the bureau declares a lab's key compromised
 * since a time (org.compromised). What the key signed is judged by what the
 * bureau's cosigned checkpoints prove existed before then, not by the
 * times a thief could write: entries past the bound are `compromised-key`
 * (docs/DESIGN.md section 5, docs/DECISIONS.md "A lab's key lifecycle").
 */
#include <errno.h>
#include <stdlib.h>

#include "caltrace/proof/witness.h"
#include "cli.h"

static void help(void)
{
	printf("usage: caltrace compromised KEY --since DATE --reason TEXT [--cosigned-to SEQ] [--json]\n\n"
	       "The bureau declares the lab key KEY compromised (stolen, leaked) from DATE on.\n"
	       "Entries of KEY are judged by the bureau's cosigned checkpoints, not by the\n"
	       "times written in them (a thief writes any time): entries up to the largest\n"
	       "checkpoint of KEY's feed the bureau cosigned before DATE stand as they were;\n"
	       "every later one is invalid (compromised-key). `caltrace impact --key KEY` lists\n"
	       "what relied on them. Give the lab a new key with `caltrace rekey`.\n"
	       "writes an 'org.compromised' event to this node's feed (the bureau's).\n\n"
	       "options:\n"
	       "  --since DATE           when the key may first have been in other hands (required)\n"
	       "  --reason TEXT          why (required)\n"
	       "  --cosigned-to SEQ      the last entry the bureau vouches for (default: the size of\n"
	       "                         the largest checkpoint of KEY's feed this store holds with\n"
	       "                         the bureau's cosignature dated before DATE; 0 when none)\n"
	       "  --json                 print the new entry as JSON\n"
	       "  -h, --help             this help\n");
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

/* The bound the bureau's own cosignatures give: the largest feed size it cosigned before since_ms. */
static int cosigned_bound(cli_node *n, const uint8_t key[CT_KEY_BYTES], uint64_t since_ms, uint64_t *out)
{
	uint8_t network[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	ct_reader *r = NULL;
	ct_vkey cosigner;
	int err;

	*out = 0;
	if ((err = ct_reader_begin(&r, n->ledger)) < 0)
		return cli_fail("compromised", err, "cannot read the store");
	if ((err = ct_read_network(network, bureau, r)) == 0) {
		ct_witness_key(&cosigner, network, bureau);
		/* A cosignature of second s was made at or after s*1000 ms: it counts when s*1000 < since. */
		err = ct_checkpoint_cosigned_before(r, key, &cosigner, (since_ms + 999) / 1000, out);
	}
	ct_reader_end(r);
	if (err == CT_ENOTFOUND)
		return 0;
	return err < 0 ? cli_fail("compromised", err, "cannot read the key's checkpoints") : 0;
}

int cmd_compromised(int argc, char **argv)
{
	static const struct option longopts[] = {{"since", required_argument, NULL, 's'},
						 {"reason", required_argument, NULL, 'r'},
						 {"cosigned-to", required_argument, NULL, 'c'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *since = NULL, *reason = NULL;
	uint8_t key[CT_KEY_BYTES];
	char hex[2 * CT_KEY_BYTES + 1];
	uint64_t cosigned_to = 0, since_ms = 0;
	bool bound_given = false, json_out = false;
	json_t *fields;
	cli_node n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (cli_parse_time("compromised", "--since", optarg, &since_ms) < 0)
				return EXIT_ERR;
			since = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 'c':
			if (parse_seq(optarg, &cosigned_to) < 0)
				return cli_usage_error(
				    "compromised", "--cosigned-to '%s' is not a seq (a non-negative integer)",
				    optarg);
			bound_given = true;
			break;
		case 'j':
			json_out = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("compromised", "bad usage (caltrace compromised --help)");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("compromised", "expects one KEY");
	if (cli_parse_hex32("compromised", "KEY", argv[optind], key) < 0)
		return EXIT_ERR;
	if (!since)
		return cli_usage_error("compromised", "--since is required");
	if (!reason)
		return cli_usage_error("compromised", "--reason is required");
	if (cli_open(&n, CLI_KEY) != 0)
		return EXIT_ERR;
	if (!bound_given && (rc = cosigned_bound(&n, key, since_ms, &cosigned_to)) != 0) {
		cli_close(&n);
		return rc;
	}
	if (!bound_given && !json_out)
		fprintf(stderr,
			"caltrace compromised: the bureau cosigned this feed up to #%llu before %s: entries "
			"after "
			"it become invalid (compromised-key)\n",
			(unsigned long long)cosigned_to, since);
	ct_hex(hex, key, CT_KEY_BYTES);
	fields = json_pack("{s:s, s:s, s:s, s:I}", "key", hex, "since", since, "reason", reason,
			   "cosigned_to", (json_int_t)cosigned_to);
	rc = cli_append_event("compromised", &n, "org.compromised", fields, json_out);
	cli_close(&n);
	return rc;
}
