/* caltrace verify FILE --bureau KEY: a proof bundle, offline, with nothing but the bureau's key. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltrace/proof/bundle.h"
#include "caltrace/proof/cbundle.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace verify FILE --bureau KEY [--witnesses K] [--max-age DAYS] [--allow-incomplete]\n"
	       "                       [--json]\n\n"
	       "Verifies a proof bundle (caltrace prove) with nothing but the file and the bureau's key,\n"
	       "then reruns the evaluator over the bundled entries and prints the chain and verdict as\n"
	       "`caltrace chain` does. No node home is used.\n\n"
	       "A complete bundle (caltrace-bundle/v2) is checked against its network checkpoint: the\n"
	       "bureau's signature and the witnesses' cosignatures, each entry's signature and inclusion\n"
	       "proof, and a lookup proof in the network index for every key the verdict reads: the\n"
	       "bundle is refused when it lacks an entry a lookup lists, holds one a lookup leaves out,\n"
	       "or the evaluator reads a key it has no lookup of. Its verdict is the one every node\n"
	       "gives at that network checkpoint. An older bundle (caltrace-bundle/v1) proves each\n"
	       "entry authentic, not that nothing was left out: it is said so, and the exit status is 1\n"
	       "whatever its verdict, unless --allow-incomplete.\n\n"
	       "  --bureau KEY        the bureau's key: 64 hex digits, or its witness verifier key in C2SP\n"
	       "                      form (caltrace checkpoint --vkey on the bureau's home, second line)\n"
	       "  --witnesses K       refuse a complete bundle cosigned by fewer than K admitted labs (default 1)\n"
	       "  --max-age DAYS      refuse one whose network checkpoint is older than DAYS days (default 7):\n"
	       "                      later entries may have changed the verdict\n"
	       "  --allow-incomplete  let a v1 bundle's exit status be its verdict's\n"
	       "  --json              the chain as JSON\n\n"
	       "exit status: 0 valid, 1 not traceable or suspect (or a v1 bundle without\n"
	       "--allow-incomplete), 2 the bundle does not verify\n");
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
	opts.no_sync = true; /* a scratch store, removed after */
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

struct verify_opts {
	const char *key;
	unsigned witnesses;
	uint64_t max_age_ms;
	bool allow_incomplete;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct verify_opts *o = ctx;
	unsigned long k;
	double d;
	char *end;

	switch (code) {
	case 'b':
		o->key = arg;
		return 0;
	case 'w':
		k = strtoul(arg, &end, 10);
		if (!*arg || *end || k > 100)
			return cli_usage_error("verify", "--witnesses takes a number from 0 to 100");
		o->witnesses = (unsigned)k;
		return 0;
	case 'm':
		d = strtod(arg, &end);
		if (!*arg || *end || !(d >= 0) || d > 36500)
			return cli_usage_error("verify", "--max-age takes a number of days");
		o->max_age_ms = (uint64_t)(d * 86400000.0);
		return 0;
	default: /* 'a' */
		o->allow_incomplete = true;
		return 0;
	}
}

static const struct option longopts[] = {{"bureau", required_argument, NULL, 'b'},
					 CLI_OPTION_JSON,
					 {"witnesses", required_argument, NULL, 'w'},
					 {"max-age", required_argument, NULL, 'm'},
					 {"allow-incomplete", no_argument, NULL, 'a'},
					 CLI_OPTION_END};
static const cli_cmd verify_cmd = {"verify", longopts, NULL, help, opt, 1, 1, "expects one FILE and --bureau KEY"};

/* A complete bundle: loaded into a sparse store in dir, judged, checked against its lookups. */
static int evaluate_complete(const ct_cbundle *b, const char *dir, cli_format format)
{
	ct_ledger_opts opts = {0};
	ct_ledger *l = NULL;
	ct_batch *batch = NULL;
	ct_reader *r = NULL;
	ct_trace_node *tree = NULL;
	char path[4200];
	int err, rc = EXIT_ERR;

	snprintf(path, sizeof(path), "%s/data", dir);
	opts.map_size = 256u << 20;
	opts.no_sync = true; /* a scratch store, removed after */
	if ((err = ct_ledger_open(&l, path, &opts)) < 0 || (err = ct_batch_begin(&batch, l)) < 0) {
		rc = cli_fail("verify", err, "cannot make a scratch store in %s", dir);
		goto done;
	}
	if ((err = ct_cbundle_load(b, batch)) < 0) {
		rc = cli_fail("verify", err, "the bundle does not verify");
		goto done;
	}
	err = ct_batch_commit(batch);
	batch = NULL;
	if (err < 0 || (err = ct_reader_begin(&r, l)) < 0) {
		rc = cli_fail("verify", err, "cannot evaluate the bundle");
		goto done;
	}
	if ((err = ct_cbundle_evaluate(b, r, &tree)) < 0) {
		rc = cli_fail("verify", err, err == CT_EPROOF ? "the bundle does not verify" : "cannot evaluate the bundle");
		goto done;
	}
	rc = cli_chain_output(format, tree);
done:
	ct_trace_free(tree);
	ct_reader_end(r);
	ct_batch_abort(batch);
	ct_ledger_close(l);
	return rc;
}

static int verify_complete(const ct_buf *raw, const struct verify_opts *o, const char *dir, cli_format format)
{
	uint8_t network[CT_HASH_BYTES];
	ct_cbundle_info info;
	ct_cbundle *b = NULL;
	ct_vkey bureau;
	char when[32];
	uint64_t now = cli_now_ms();
	int err, rc = EXIT_ERR;

	memset(&info, 0, sizeof(info));
	if ((err = ct_cbundle_parse(&b, raw->ptr, raw->len)) < 0) {
		rc = cli_fail("verify", err, "the bundle does not verify");
		goto done;
	}
	ct_entry_hash(network, b->blocks[0].entry, b->blocks[0].entry_len);
	if (cli_parse_cosigner("verify", o->key, network, &bureau) < 0)
		goto done;
	if ((err = ct_cbundle_verify(b, &bureau, &info)) < 0) {
		rc = cli_fail("verify", err, "the bundle does not verify");
		goto done;
	}
	ct_time_format(when, sizeof(when), info.time * 1000);
	if (info.witnesses < o->witnesses) {
		fprintf(stderr,
			"caltrace verify: the bundle does not verify: its network checkpoint carries cosignatures "
			"of %zu admitted labs, fewer than %u witnesses\n",
			info.witnesses, o->witnesses);
		goto done;
	}
	if (now > info.time * 1000 && now - info.time * 1000 > o->max_age_ms) {
		fprintf(stderr,
			"caltrace verify: the bundle does not verify: its network checkpoint is of %s, more than %llu "
			"days ago (later entries may have changed the verdict; ask for a new bundle, or --max-age)\n",
			when, (unsigned long long)(o->max_age_ms / 86400000));
		goto done;
	}
	rc = evaluate_complete(b, dir, format);
	if (rc != EXIT_ERR)
		fprintf(stderr,
			"complete at the network checkpoint of %llu entries in %zu feeds (%s), cosigned by the bureau and "
			"%zu witness%s\n",
			(unsigned long long)info.cp.entries, info.cp.nfeeds, when, info.witnesses,
			info.witnesses == 1 ? "" : "es");
done:
	ct_netcp_clear(&info.cp);
	ct_cbundle_free(b);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	uint8_t network[CT_HASH_BYTES];
	struct verify_opts o = {NULL, 1, 7 * 86400000ULL, false};
	char dir[] = "/tmp/caltrace-verify.XXXXXX";
	bool made = false;
	ct_buf raw = CT_BUF_INIT;
	ct_bundle *b = NULL;
	cli_args a = {0};
	ct_vkey bureau;
	int err, rc;

	if ((rc = cli_parse(&verify_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!o.key)
		return cli_usage_error("verify", "%s", verify_cmd.args_usage);
	rc = EXIT_ERR;
	if (cli_read_file("verify", a.args[0], CT_BUNDLE_MAX, &raw) < 0)
		goto done;
	if (ct_cbundle_is(raw.ptr, raw.len)) {
		if (!mkdtemp(dir)) {
			fprintf(stderr, "caltrace verify: cannot make a scratch directory\n");
			goto done;
		}
		made = true;
		rc = verify_complete(&raw, &o, dir, a.format);
		goto done;
	}
	if ((err = ct_bundle_parse(&b, raw.ptr, raw.len)) < 0) {
		rc = cli_fail("verify", err, "the bundle does not verify");
		goto done;
	}
	if (ct_bundle_network(b, network) < 0 || cli_parse_cosigner("verify", o.key, network, &bureau) < 0)
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
	if (rc != EXIT_ERR) {
		fprintf(stderr,
			"authentic, completeness not proven: this bundle (%s) proves each entry it carries "
			"signed and logged, not that no entry the verdict rests on was left out%s\n",
			CT_BUNDLE_HEADER,
			o.allow_incomplete ? "" : "; exit status 1 (--allow-incomplete: the verdict's); ask for a "
						  "complete bundle (caltrace prove without --incomplete)");
		if (!o.allow_incomplete)
			rc = EXIT_NO;
	}
done:
	if (made)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	ct_bundle_free(b);
	ct_buf_free(&raw);
	return rc;
}
