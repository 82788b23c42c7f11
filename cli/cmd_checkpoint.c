/* caltrace checkpoint: print (or sign) a feed's latest checkpoint, or the node's verifier keys. */
#include <string.h>

#include "proof.h"

static void help(void)
{
	printf("usage: caltrace checkpoint [--author KEY] [--sign] [--vkey]\n\n"
	       "Prints the latest stored checkpoint of a feed (default: this node's own) with every\n"
	       "cosignature held for it: a C2SP signed note (tlog-checkpoint, cosignature/v1), byte\n"
	       "for byte as a C2SP tool expects it.\n\n"
	       "  --author KEY    the feed (64 hex digits)\n"
	       "  --sign          first sign a checkpoint of this node's feed at its current size\n"
	       "  --vkey          print this node's verifier keys instead (C2SP form): the key of its\n"
	       "                  feed's checkpoints, then its witness (cosignature/v1) key\n\n"
	       "exit status: 0 printed, 1 no checkpoint held, 2 error\n");
}

static int print_vkeys(cli_node *n)
{
	uint8_t network[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	char text[CT_VKEY_TEXT_MAX];
	ct_reader *r = NULL;
	ct_vkey k;
	int err;

	if ((err = ct_reader_begin(&r, n->ledger)) < 0 || (err = ct_read_network(r, network, bureau)) < 0) {
		ct_reader_end(r);
		return cli_fail("checkpoint", err, "no network yet");
	}
	ct_reader_end(r);
	ct_checkpoint_feed_key(&k, network, ct_keypair_public(n->kp));
	ct_vkey_format(text, &k);
	printf("%s\n", text);
	ct_witness_key(&k, network, ct_keypair_public(n->kp));
	ct_vkey_format(text, &k);
	printf("%s\n", text);
	return EXIT_OK;
}

static int sign_own(cli_node *n)
{
	ct_batch *b = NULL;
	int err;

	if ((err = ct_batch_begin(&b, n->ledger)) < 0 || (err = ct_witness_sign_own(b, n->kp, NULL)) < 0 ||
	    (err = ct_batch_commit(b)) < 0) {
		if (err != CT_EIO && err != CT_ENOSPACE)
			ct_batch_abort(b);
		return cli_fail("checkpoint", err, "cannot sign a checkpoint");
	}
	return 0;
}

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option longopts[] = {{"author", required_argument, NULL, 'a'},
						 {"sign", no_argument, NULL, 's'},
						 {"vkey", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	uint8_t author[CT_KEY_BYTES];
	bool have_author = false, sign = false, vkey = false;
	ct_buf note = CT_BUF_INIT;
	ct_reader *r = NULL;
	int c, err, rc = EXIT_ERR;
	cli_node n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_hex32("checkpoint", "--author", optarg, author) < 0)
				return EXIT_ERR;
			have_author = true;
			break;
		case 's':
			sign = true;
			break;
		case 'v':
			vkey = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("checkpoint", "bad usage");
		}
	}
	if (optind != argc)
		return cli_usage_error("checkpoint", "unexpected argument '%s'", argv[optind]);
	if (cli_open(&n, CLI_KEY) != 0)
		return EXIT_ERR;
	if (vkey) {
		rc = print_vkeys(&n);
		goto done;
	}
	if (sign && (rc = sign_own(&n)) != 0)
		goto done;
	if (!have_author)
		memcpy(author, ct_keypair_public(n.kp), CT_KEY_BYTES);
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		rc = cli_fail("checkpoint", err, "cannot read the store");
		goto done;
	}
	err = ct_checkpoint_latest(r, author, NULL, 0, &note, NULL);
	if (err == CT_ENOTFOUND) {
		char hex[2 * CT_KEY_BYTES + 1];
		ct_hex(hex, author, CT_KEY_BYTES);
		fprintf(stderr, "caltrace checkpoint: no checkpoint of feed %s is held%s\n", hex,
			have_author ? "" : " (sign one with --sign)");
		rc = EXIT_NO;
		goto done;
	}
	if (err < 0) {
		rc = cli_fail("checkpoint", err, "cannot read checkpoints");
		goto done;
	}
	fwrite(note.ptr, 1, note.len, stdout);
	rc = EXIT_OK;
done:
	ct_buf_free(&note);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
