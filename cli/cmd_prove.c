/* caltrace prove ID: the offline proof bundle of a verdict (docs/FORMAT.md section 11). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "caltrace/proof/bundle.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace prove ID [--at DATE] [--standard | --instrument] -o FILE\n\n"
	       "Writes everything the verdict of ID at DATE (default now) rests on to FILE: each entry\n"
	       "the evaluator reads (registrations, calibrations, approvals, anchors, admissions and\n"
	       "revocations, catalogue items, the genesis) with a C2SP tlog-proof@v1 inclusion proof\n"
	       "against a checkpoint of its feed cosigned by the bureau. `caltrace verify FILE --bureau\n"
	       "KEY` checks it on any machine, with nothing else.\n\n"
	       "exit status: 0 written, 2 error (e.g. a feed without a bureau-cosigned checkpoint)\n");
}

static void warn(void *ctx, const char *msg)
{
	fprintf(stderr, "caltrace prove: warning: %s\n", msg);
}

static int write_out(const char *path, const ct_buf *b)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");

	if (!f || fwrite(b->ptr, 1, b->len, f) != b->len || (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "caltrace prove: cannot write %s\n", path);
		return -1;
	}
	if (f == stdout)
		fflush(f);
	return 0;
}

static int opt(void *ctx, int code, const char *arg)
{
	*(const char **)ctx = arg; /* -o, --output FILE */
	return 0;
}

static const struct option longopts[] = {CLI_OPTION_AT, {"output", required_argument, NULL, 'o'}, CLI_OPTION_STANDARD,
					 CLI_OPTION_INSTRUMENT, CLI_OPTION_END};
static const cli_cmd prove_cmd = {"prove", longopts, "o:", help, opt, 1, 1, "expects one ID and -o FILE"};

int cmd_prove(int argc, char **argv)
{
	cli_args a = {.at = cli_now_ms()};
	const char *id, *path = NULL;
	ct_trace_node *tree = NULL;
	ct_reader *r = NULL;
	ct_buf out = CT_BUF_INIT;
	int err, rc;
	char ns;
	cli_node n;

	if ((rc = cli_parse(&prove_cmd, argc, argv, &a, &path)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!path)
		return cli_usage_error("prove", "%s", prove_cmd.args_usage);
	id = a.args[0];
	rc = EXIT_ERR;
	if (strchr(id, '\n') || strlen(id) > CT_ID_MAX)
		return cli_usage_error("prove", "bad ID");
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		rc = cli_fail("prove", err, "cannot read");
		goto done;
	}
	ns = cli_chain_ns(r, id, a.ns);
	if ((err = ct_bundle_write(&out, r, ns, id, a.at, &tree, warn, NULL)) < 0) {
		rc = cli_fail("prove", err, "cannot write the bundle of %s", id);
		if (err == CT_ESTATE)
			fprintf(stderr,
				"  Sign a checkpoint on that node (`caltrace checkpoint --sign`, or let caltraced "
				"do it), have the bureau's home witness it (`caltrace witness FILE`, or let the "
				"nodes gossip), and bring the cosigned note here (`caltrace witness FILE`).\n");
		goto done;
	}
	if (write_out(path, &out) < 0)
		goto done;
	fprintf(stderr, "%s: %zu bytes, the chain of %s at its verdict: %s\n", path, out.len, id,
		ct_verdict_name(tree->verdict));
	rc = EXIT_OK;
done:
	ct_buf_free(&out);
	ct_trace_free(tree);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
