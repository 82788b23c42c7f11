/* caltrace prove ID: the offline proof bundle of a verdict (docs/FORMAT.md sections 11 and 13). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/bundle.h"
#include "caltrace/proof/cbundle.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace prove ID [--at DATE] [--standard | --instrument] [--witnesses K] -o FILE\n"
	       "       caltrace prove ID [--at DATE] [--standard | --instrument] --incomplete -o FILE\n\n"
	       "Writes a proof bundle of the verdict of ID at DATE (default now) to FILE.\n\n"
	       "A complete bundle (caltrace-bundle/v2, docs/FORMAT.md section 13) is made against the\n"
	       "network checkpoint of this home's state, signed by the bureau's node and cosigned by\n"
	       "witnesses: every entry the verdict rests on with its inclusion proof in its feed, and for\n"
	       "every key the evaluator reads by (the instrument, each standard, lab, person, catalogue\n"
	       "item, calibration's revocations, author's forks) the proof that the bundle holds all of\n"
	       "that key's entries in the network index, or that it has none. An incomplete one\n"
	       "(caltrace-bundle/v1, section 11) proves each entry against a bureau-cosigned checkpoint\n"
	       "of its feed, and nothing about what it leaves out. `caltrace verify FILE --bureau KEY`\n"
	       "checks either on any machine, with nothing else.\n\n"
	       "  --complete      the complete bundle (the default)\n"
	       "  --witnesses K   carry at least K witness cosignatures of admitted labs (default 1)\n"
	       "  --incomplete    the v1 bundle, which `caltrace verify` accepts only with\n"
	       "                  --allow-incomplete\n\n"
	       "exit status: 0 written, 2 error (e.g. no network checkpoint of this state cosigned yet)\n");
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

struct prove_opts {
	const char *path;
	unsigned witnesses;
	bool incomplete; /* --incomplete: the v1 bundle */
};

static int opt(void *ctx, int code, const char *arg)
{
	struct prove_opts *o = ctx;
	unsigned long k;
	char *end;

	switch (code) {
	case 'o':
		o->path = arg;
		return 0;
	case 'w':
		k = strtoul(arg, &end, 10);
		if (!*arg || *end || k > 100)
			return cli_usage_error("prove", "--witnesses takes a number from 0 to 100");
		o->witnesses = (unsigned)k;
		return 0;
	case 'I':
		o->incomplete = true;
		return 0;
	default: /* 'C' */
		o->incomplete = false;
		return 0;
	}
}

static const struct option longopts[] = {CLI_OPTION_AT,
					 {"output", required_argument, NULL, 'o'},
					 CLI_OPTION_STANDARD,
					 CLI_OPTION_INSTRUMENT,
					 {"witnesses", required_argument, NULL, 'w'},
					 {"incomplete", no_argument, NULL, 'I'},
					 {"complete", no_argument, NULL, 'C'},
					 CLI_OPTION_END};
static const cli_cmd prove_cmd = {"prove", longopts, "o:", help, opt, 1, 1, "expects one ID and -o FILE"};

static const char complete_hint[] =
    "  The bureau's node signs a network checkpoint once the network has been quiet for two seconds, and "
    "every node cosigns it when it holds exactly those entries: wait for it (`caltrace netcheckpoint` "
    "prints it), or, without caltraced, sign one on the bureau's home (`caltrace netcheckpoint --sign`) "
    "and witness it on the others (`caltrace netcheckpoint --witness FILE`). `--incomplete` writes a "
    "bundle that proves no completeness.\n";

int cmd_prove(int argc, char **argv)
{
	cli_args a = {.at = cli_now_ms()};
	struct prove_opts o = {NULL, 1, false};
	const char *id;
	ct_trace_node *tree = NULL;
	ct_reader *r = NULL;
	ct_batch *b = NULL;
	ct_buf out = CT_BUF_INIT;
	int err, rc;
	char ns;
	cli_node n;

	if ((rc = cli_parse(&prove_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!o.path)
		return cli_usage_error("prove", "%s", prove_cmd.args_usage);
	id = a.args[0];
	rc = EXIT_ERR;
	if (strchr(id, '\n') || strlen(id) > CT_ID_MAX)
		return cli_usage_error("prove", "bad ID");
	if (cli_open(&n, o.incomplete ? CLI_READONLY : 0) != 0)
		return EXIT_ERR;
	/* a complete bundle proves the store as it is: the index folded in first */
	if (!o.incomplete && ((err = ct_batch_begin(&b, n.ledger)) < 0 || (err = ct_netindex_update(b)) < 0 ||
			      (err = ct_batch_commit(b)) < 0)) {
		b = NULL;
		rc = cli_fail("prove", err, "cannot update the network index");
		goto done;
	}
	b = NULL;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		rc = cli_fail("prove", err, "cannot read");
		goto done;
	}
	ns = cli_chain_ns(r, id, a.ns);
	if (!o.incomplete)
		err = ct_cbundle_write(&out, r, ns, id, a.at, o.witnesses, &tree);
	else
		err = ct_bundle_write(&out, r, ns, id, a.at, &tree, warn, NULL);
	if (err < 0) {
		rc = cli_fail("prove", err, "cannot write the bundle of %s", id);
		if (err == CT_ESTATE)
			fputs(o.incomplete ? "  Sign a checkpoint on that node (`caltrace checkpoint --sign`, or let "
					     "caltraced do it), have the bureau's home witness it (`caltrace witness "
					     "FILE`, or let the nodes gossip), and bring the cosigned note here "
					     "(`caltrace witness FILE`).\n"
					   : complete_hint,
			      stderr);
		goto done;
	}
	if (write_out(o.path, &out) < 0)
		goto done;
	fprintf(stderr, "%s: %zu bytes, the chain of %s at its verdict: %s\n", o.path, out.len, id,
		ct_verdict_name(tree->verdict));
	rc = EXIT_OK;
done:
	ct_batch_abort(b);
	ct_buf_free(&out);
	ct_trace_free(tree);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
