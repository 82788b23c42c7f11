/* caltrace witness: check checkpoints against the store and cosign them. */
#include <string.h>

#include "proof.h"

static void help(void)
{
	printf("usage: caltrace witness [FILE...]\n\n"
	       "Checks checkpoints and cosigns (cosignature/v1) every one that holds: the author's\n"
	       "signature verifies, its root equals the stored tree's at its size, and no stored\n"
	       "checkpoint of the feed contradicts it. With FILEs, witnesses and keeps the signed\n"
	       "checkpoint notes they hold (one per file, as `caltrace checkpoint` prints them);\n"
	       "without, every stored checkpoint (those kept while this node was behind included).\n"
	       "A checkpoint that contradicts the stored entries or another checkpoint is a fork:\n"
	       "it is recorded and the feed frozen, as for two entries with one seq.\n\n"
	       "exit status: 0 done, 1 a fork was found, 2 error\n");
}

static int witness_file(cli_node *n, ct_batch *b, const char *path, uint64_t now_s, size_t *cosigned,
			size_t *forks)
{
	static const char *what[] = {"cosigned", "kept: this node does not hold that many entries yet",
				     "FORK: contradicts what this node holds; feed frozen",
				     "kept: the feed is frozen (forked)"};
	ct_witness_result res;
	ct_buf note = CT_BUF_INIT;
	int err;

	if (cli_read_file("witness", path, CT_STORED_NOTE_MAX, &note) < 0)
		return EXIT_ERR;
	err = ct_witness_note(b, n->kp, now_s, note.ptr, note.len, NULL, NULL, &res);
	ct_buf_free(&note);
	if (err < 0)
		return cli_fail("witness", err, "%s", path);
	fprintf(stderr, "%s: %s\n", path, what[res]);
	*cosigned += res == CT_WITNESS_COSIGNED;
	*forks += res == CT_WITNESS_FORK;
	return 0;
}

int cmd_witness(int argc, char **argv)
{
	size_t cosigned = 0, forks = 0, nc = 0, nf = 0;
	uint64_t now_s = cli_now_ms() / 1000;
	ct_batch *b = NULL;
	int i, err, rc = EXIT_ERR;
	cli_node n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help();
			return EXIT_OK;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("witness", "unknown option '%s'", argv[i]);
	}
	if (cli_open(&n, CLI_KEY) != 0)
		return EXIT_ERR;
	if ((err = ct_batch_begin(&b, n.ledger)) < 0) {
		rc = cli_fail("witness", err, "cannot write to the store");
		goto done;
	}
	for (i = 1; i < argc; i++)
		if ((rc = witness_file(&n, b, argv[i], now_s, &cosigned, &forks)) != 0)
			goto done;
	if (argc == 1) {
		if ((err = ct_witness_all(b, n.kp, now_s, &nc, &nf)) < 0) {
			rc = cli_fail("witness", err, "cannot witness the stored checkpoints");
			goto done;
		}
		cosigned += nc;
		forks += nf;
	}
	err = ct_batch_commit(b);
	b = NULL;
	if (err < 0) {
		rc = cli_fail("witness", err, "cannot store the cosignatures");
		goto done;
	}
	printf("%zu checkpoint%s cosigned, %zu fork%s found\n", cosigned, cosigned == 1 ? "" : "s", forks,
	       forks == 1 ? "" : "s");
	rc = forks ? EXIT_NO : EXIT_OK;
done:
	ct_batch_abort(b);
	cli_close(&n);
	return rc;
}
