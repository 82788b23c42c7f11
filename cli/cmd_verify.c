/* caltrace verify FILE --bureau KEY: a proof bundle, offline, with nothing but the bureau's key. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltrace/proof/bundle.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace verify FILE --bureau KEY [--json]\n\n"
	       "Verifies a proof bundle (caltrace prove) with nothing but the file and the bureau's key:\n"
	       "every entry's signature, every checkpoint's author signature and the bureau's\n"
	       "cosignature, every inclusion proof, every fork proof; then reruns the evaluator over the\n"
	       "bundled entries and prints the chain and verdict as `caltrace chain` does. No node home\n"
	       "is used.\n\n"
	       "  --bureau KEY    the bureau's key: 64 hex digits, or its witness verifier key in C2SP\n"
	       "                  form (caltrace checkpoint --vkey on the bureau's home, second line)\n"
	       "  --json          the chain as JSON\n\n"
	       "exit status: 0 valid, 1 not traceable or suspect, 2 the bundle does not verify\n");
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Loads the bundle's entries into a sparse store in dir and evaluates its subject. */
static int evaluate(const ct_bundle *b, const char *dir, cli_format format)
{
	ct_ledger_opts opts = {0};
	ct_ledger *l = NULL;
	ct_batch *batch = NULL;
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_trace_node *tree = NULL;
	ct_ingest_result res;
	char path[4200];
	size_t i;
	int err, rc = EXIT_ERR;

	snprintf(path, sizeof(path), "%s/data", dir);
	opts.map_size = 256u << 20;
	if ((err = ct_ledger_open(&l, path, &opts)) < 0 || (err = ct_batch_begin(&batch, l)) < 0) {
		rc = cli_fail("verify", err, "cannot make a scratch store in %s", dir);
		goto done;
	}
	for (i = 0; i < b->count; i++) {
		err = ct_batch_ingest(batch, b->blocks[i].entry, b->blocks[i].entry_len,
				      CT_INGEST_SPARSE | CT_INGEST_SIG_CHECKED, &res);
		if (err < 0) {
			rc = cli_fail("verify", err, "the bundle does not verify: entry %zu is refused", i + 1);
			goto done;
		}
	}
	/* the authors the bundle proves forked: untrusted from the fork on, as on the node */
	for (i = 0; i < b->nforks; i++) {
		err = ct_batch_record_fork(batch, b->forks[i].a, b->forks[i].a_len, b->forks[i].b, b->forks[i].b_len);
		if (err < 0 && err != CT_EEXISTS) {
			rc = cli_fail("verify", err, "the bundle does not verify: fork %zu is refused", i + 1);
			goto done;
		}
	}
	err = ct_batch_commit(batch);
	batch = NULL;
	if (err < 0 || (err = ct_reader_begin(&r, l)) < 0 || (err = ct_tracer_new(&tr, r)) < 0 ||
	    (err = ct_trace(&tree, tr, b->kind, b->id, strlen(b->id), b->at)) < 0) {
		rc = cli_fail("verify", err, "cannot evaluate the bundle");
		goto done;
	}
	rc = cli_chain_output(format, tree);
done:
	ct_trace_free(tree);
	ct_tracer_free(tr);
	ct_reader_end(r);
	ct_batch_abort(batch);
	ct_ledger_close(l);
	return rc;
}

static int opt(void *ctx, int code, const char *arg)
{
	*(const char **)ctx = arg; /* --bureau KEY */
	return 0;
}

static const struct option longopts[] = {{"bureau", required_argument, NULL, 'b'}, CLI_OPTION_JSON, CLI_OPTION_END};
static const cli_cmd verify_cmd = {"verify", longopts, NULL, help, opt, 1, 1, "expects one FILE and --bureau KEY"};

int cmd_verify(int argc, char **argv)
{
	uint8_t network[CT_HASH_BYTES];
	const char *key = NULL;
	char dir[] = "/tmp/caltrace-verify.XXXXXX";
	bool made = false;
	ct_buf raw = CT_BUF_INIT;
	ct_bundle *b = NULL;
	cli_args a = {0};
	ct_vkey bureau;
	int err, rc;

	if ((rc = cli_parse(&verify_cmd, argc, argv, &a, &key)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!key)
		return cli_usage_error("verify", "%s", verify_cmd.args_usage);
	rc = EXIT_ERR;
	if (cli_read_file("verify", a.args[0], CT_BUNDLE_MAX, &raw) < 0)
		goto done;
	if ((err = ct_bundle_parse(&b, raw.ptr, raw.len)) < 0) {
		rc = cli_fail("verify", err, "the bundle does not verify");
		goto done;
	}
	if (ct_bundle_network(b, network) < 0 || cli_parse_cosigner("verify", key, network, &bureau) < 0)
		goto done;
	if ((err = ct_bundle_verify(b, &bureau)) < 0) {
		rc = cli_fail("verify", err, "the bundle does not verify");
		goto done;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "caltrace verify: cannot make a scratch directory\n");
		goto done;
	}
	made = true;
	rc = evaluate(b, dir, a.format);
done:
	if (made)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	ct_bundle_free(b);
	ct_buf_free(&raw);
	return rc;
}
