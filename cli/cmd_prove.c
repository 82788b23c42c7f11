/* caltrace prove ID: the offline proof bundle of a verdict (docs/FORMAT.md section 11). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/bundle.h"
#include "caltrace/proof/cbundle.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace prove ID [--at DATE] [--standard | --instrument] --complete [--witnesses K] -o FILE\n"
	       "       caltrace prove ID [--at DATE] [--standard | --instrument] [--incomplete] -o FILE\n\n"
	       "Writes a complete proof bundle of the verdict of ID at DATE (default now) to FILE: against\n"
	       "the network checkpoint of this home's state, signed by the bureau's node and cosigned by\n"
	       "witnesses, every entry the verdict rests on with its inclusion proof in its feed, and for\n"
	       "every key the evaluator reads by (the instrument, each standard, each lab, person,\n"
	       "catalogue item, calibration's revocations, author's forks) the proof that the bundle holds\n"
	       "all of that key's entries in the network index, or that it has none. `caltrace verify FILE\n"
	       "--bureau KEY` checks it on any machine, with nothing else, and refuses a bundle that left\n"
	       "anything out (docs/FORMAT.md section 13).\n\n"
	       "  --complete      the complete bundle (caltrace-bundle/v2)\n"
	       "  --witnesses K   carry at least K witness cosignatures of admitted labs (default 1)\n"
	       "  --incomplete    (for now the default) the older bundle (caltrace-bundle/v1, section 11):\n"
	       "                  each entry proven against a bureau-cosigned checkpoint of its feed,\n"
	       "                  nothing proven about what is not in it\n\n"
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

int cmd_prove(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"at", required_argument, NULL, 'a'},	   {"output", required_argument, NULL, 'o'},
	    {"standard", no_argument, NULL, 's'},	   {"instrument", no_argument, NULL, 'i'},
	    {"witnesses", required_argument, NULL, 'w'}, {"incomplete", no_argument, NULL, 'I'},
	    {"complete", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},		   {NULL, 0, NULL, 0}};
	unsigned witnesses = 1;
	/* v1 stays the default until the demo asks for complete bundles (it runs `prove` as it is) */
	bool incomplete = true;
	ct_batch *b = NULL;
	uint64_t at = cli_now_ms();
	const char *id, *path = NULL;
	ct_trace_node *tree = NULL;
	ct_reader *r = NULL;
	ct_buf out = CT_BUF_INIT;
	int forced = 0, c, err, rc = EXIT_ERR;
	char ns;
	cli_node n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cli_parse_time("prove", "--at", optarg, &at) < 0)
				return EXIT_ERR;
			break;
		case 'o':
			path = optarg;
			break;
		case 's':
			forced = CT_NS_STANDARD;
			break;
		case 'i':
			forced = CT_NS_INSTRUMENT;
			break;
		case 'w': {
			char *end;
			unsigned long k = strtoul(optarg, &end, 10);
			if (!*optarg || *end || k > 100)
				return cli_usage_error("prove", "--witnesses takes a number from 0 to 100");
			witnesses = (unsigned)k;
			break;
		}
		case 'I':
			incomplete = true;
			break;
		case 'C':
			incomplete = false;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("prove", "bad usage");
		}
	}
	if (optind != argc - 1 || !path)
		return cli_usage_error("prove", "expects one ID and -o FILE");
	id = argv[optind];
	if (strchr(id, '\n') || strlen(id) > CT_ID_MAX)
		return cli_usage_error("prove", "bad ID");
	if (cli_open(&n, incomplete ? CLI_READONLY : 0) != 0)
		return EXIT_ERR;
	/* the index folded in: the proofs are of the store as it is */
	if (!incomplete && ((err = ct_batch_begin(&b, n.ledger)) < 0 || (err = ct_netindex_update(b)) < 0 ||
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
	ns = cli_chain_ns(r, id, forced);
	if (!incomplete) {
		if ((err = ct_cbundle_write(&out, r, ns, id, at, witnesses, &tree)) < 0) {
			rc = cli_fail("prove", err, "cannot write the bundle of %s", id);
			if (err == CT_ESTATE)
				fprintf(stderr,
					"  The bureau's node signs a network checkpoint once the network has been quiet for "
					"two seconds and every node cosigns it when it holds exactly those entries: wait for "
					"it (`caltrace netcheckpoint` prints it), or, without caltraced, sign one on the "
					"bureau's home (`caltrace netcheckpoint --sign`) and witness it on the others "
					"(`caltrace netcheckpoint --witness FILE`). `--incomplete` writes a bundle that "
					"proves no completeness.\n");
			goto done;
		}
		if (write_out(path, &out) < 0)
			goto done;
		fprintf(stderr, "%s: %zu bytes, the chain of %s at its verdict: %s\n", path, out.len, id,
			ct_verdict_name(tree->verdict));
		rc = EXIT_OK;
		goto done;
	}
	if ((err = ct_bundle_write(&out, r, ns, id, at, &tree, warn, NULL)) < 0) {
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
	ct_batch_abort(b);
	ct_buf_free(&out);
	ct_trace_free(tree);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
