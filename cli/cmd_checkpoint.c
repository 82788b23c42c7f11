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

	if ((err = ct_reader_begin(&r, n->ledger)) < 0 || (err = ct_read_network(network, bureau, r)) < 0) {
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

struct opts {
	uint8_t author[CT_KEY_BYTES];
	bool have_author, sign, vkey;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *o = ctx;

	if (code == 's')
		o->sign = true;
	else if (code == 'v')
		o->vkey = true;
	else if (cli_parse_hex32("checkpoint", "--author", arg, o->author) < 0)
		return EXIT_ERR;
	else
		o->have_author = true;
	return 0;
}

static const struct option longopts[] = {{"author", required_argument, NULL, 'a'},
					 {"sign", no_argument, NULL, 's'},
					 {"vkey", no_argument, NULL, 'v'},
					 CLI_OPTION_END};
static const cli_cmd checkpoint_cmd = {"checkpoint", longopts, NULL, help, opt, 0, 0, NULL};

int cmd_checkpoint(int argc, char **argv)
{
	struct opts o = {.have_author = false};
	ct_buf note = CT_BUF_INIT;
	ct_reader *r = NULL;
	cli_args a = {0};
	int err, rc;
	cli_node n;

	if ((rc = cli_parse(&checkpoint_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	rc = EXIT_ERR;
	if (cli_open(&n, CLI_KEY) != 0)
		return EXIT_ERR;
	if (o.vkey) {
		rc = print_vkeys(&n);
		goto done;
	}
	if (o.sign && (rc = sign_own(&n)) != 0)
		goto done;
	if (!o.have_author)
		memcpy(o.author, ct_keypair_public(n.kp), CT_KEY_BYTES);
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		rc = cli_fail("checkpoint", err, "cannot read the store");
		goto done;
	}
	err = ct_checkpoint_latest(r, o.author, NULL, 0, &note, NULL);
	if (err == CT_ENOTFOUND) {
		char hex[2 * CT_KEY_BYTES + 1];
		ct_hex(hex, o.author, CT_KEY_BYTES);
		fprintf(stderr, "caltrace checkpoint: no checkpoint of feed %s is held%s\n", hex,
			o.have_author ? "" : " (sign one with --sign)");
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
