/*
 * caltrace netcheckpoint: the network checkpoint of this home's state
 * (docs/CHECKPOINTS.md, "Network checkpoints"): print it, sign it (the
 * bureau's home), witness notes from files, list the evidence kept
 * against refused ones. caltraced does all of this on its own.
 */
#include <string.h>

#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/netcheckpoint.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace netcheckpoint [--sign] [--witness FILE...] [--evidence]\n\n"
	       "Prints the network checkpoint of this home's state with every cosignature held: a C2SP\n"
	       "signed note naming each feed's size and root and the root of the network index over\n"
	       "them, signed by the bureau's node and cosigned by the nodes that computed the same\n"
	       "index root from their own replica at exactly those sizes.\n\n"
	       "  --sign            sign one of the current state first (the bureau's home only)\n"
	       "  --witness FILE..  witness the notes in FILEs (one each): cosigned when this home is at\n"
	       "                    exactly their feeds and computes their root; refused, with evidence\n"
	       "                    kept, when it computes another root from the same feeds\n"
	       "  --evidence        print the evidence kept against refused network checkpoints\n\n"
	       "exit status: 0 done, 1 none held (or a note refused), 2 error\n");
}

static int print_evidence(void *ctx, uint64_t order, const uint8_t *rec, size_t len)
{
	size_t *n = ctx;

	fwrite(rec, 1, len, stdout);
	fputs("\n", stdout);
	++*n;
	return 0;
}

static int witness_files(cli_node *n, int first, int argc, char **argv)
{
	uint64_t now_s = cli_now_ms() / 1000;
	ct_buf note = CT_BUF_INIT, detail = CT_BUF_INIT;
	ct_netcp_result res;
	ct_batch *b = NULL;
	size_t refused = 0;
	int i, err, rc = EXIT_ERR;

	if ((err = ct_batch_begin(&b, n->ledger)) < 0)
		return cli_fail("netcheckpoint", err, "cannot write to the store");
	for (i = first; i < argc; i++) {
		if (cli_read_file("netcheckpoint", argv[i], CT_NETNOTE_MAX, &note) < 0)
			goto done;
		if ((err = ct_netcp_witness(b, n->kp, now_s, note.ptr, note.len, NULL, NULL, &detail, &res)) < 0) {
			rc = cli_fail("netcheckpoint", err, "%s", argv[i]);
			goto done;
		}
		fprintf(stderr, "%s: %s%s%.*s\n", argv[i], ct_netcp_result_name(res), detail.len ? ": " : "",
			(int)detail.len, (const char *)detail.ptr);
		refused += res == CT_NETCP_REFUSED;
	}
	err = ct_batch_commit(b);
	b = NULL;
	if (err < 0) {
		rc = cli_fail("netcheckpoint", err, "cannot store what was witnessed");
		goto done;
	}
	rc = refused ? EXIT_NO : EXIT_OK;
done:
	ct_batch_abort(b);
	ct_buf_free(&note);
	ct_buf_free(&detail);
	return rc;
}

int cmd_netcheckpoint(int argc, char **argv)
{
	static const struct option longopts[] = {{"sign", no_argument, NULL, 's'},
						 {"witness", no_argument, NULL, 'w'},
						 {"evidence", no_argument, NULL, 'e'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	bool sign = false, witness = false, evidence = false;
	ct_buf note = CT_BUF_INIT;
	ct_batch *b = NULL;
	ct_reader *r = NULL;
	ct_netcp cp = {0};
	int c, err, rc = EXIT_ERR;
	cli_node n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sign = true;
			break;
		case 'w':
			witness = true;
			break;
		case 'e':
			evidence = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("netcheckpoint", "bad usage");
		}
	}
	if (witness != (optind < argc) || sign + witness + evidence > 1)
		return cli_usage_error("netcheckpoint", "--witness takes files; --sign, --witness and --evidence "
							"go alone");
	if (cli_open(&n, sign || witness ? CLI_KEY : 0) != 0)
		return EXIT_ERR;
	if (witness) {
		rc = witness_files(&n, optind, argc, argv);
		goto done;
	}
	if (evidence) {
		size_t count = 0;
		if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_read_evidence(r, print_evidence, &count)) < 0) {
			rc = cli_fail("netcheckpoint", err, "cannot read the evidence");
			goto done;
		}
		rc = count ? EXIT_OK : EXIT_NO;
		goto done;
	}
	/* the index folded in, and signed first when asked */
	if ((err = ct_batch_begin(&b, n.ledger)) < 0 || (err = ct_netindex_update(b)) < 0 ||
	    (sign && (err = ct_netcp_sign(b, n.kp, cli_now_ms() / 1000, NULL)) < 0) ||
	    (err = ct_batch_commit(b)) < 0) {
		b = NULL;
		rc = cli_fail("netcheckpoint", err, sign ? "cannot sign a network checkpoint" : "cannot update the index");
		goto done;
	}
	b = NULL;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		rc = cli_fail("netcheckpoint", err, "cannot read the store");
		goto done;
	}
	err = ct_netcp_current(r, &note, &cp);
	if (err == CT_ENOTFOUND) {
		fprintf(stderr, "caltrace netcheckpoint: %s (the bureau's home signs one with --sign)\n", ct_error_last());
		rc = EXIT_NO;
		goto done;
	}
	if (err < 0) {
		rc = cli_fail("netcheckpoint", err, "cannot read network checkpoints");
		goto done;
	}
	fwrite(note.ptr, 1, note.len, stdout);
	rc = EXIT_OK;
done:
	ct_batch_abort(b);
	ct_reader_end(r);
	ct_netcp_clear(&cp);
	ct_buf_free(&note);
	cli_close(&n);
	return rc;
}
