/* caltrace index: the network index of this home (docs/FORMAT.md section 12): its root, kept up to date. */
#include <string.h>
#include <time.h>

#include "caltrace/ledger/netindex.h"
#include "caltrace/ledger/summary.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace index [--rebuild] [--summary] [--json]\n\n"
	       "Folds the keys written since the last time into the network index and prints its\n"
	       "root: the number of keys, the fork keys among them and their digest, and the root\n"
	       "hash every node holding the same feeds and fork proofs computes.\n\n"
	       "  --rebuild   build the index again from every row, and say how long it took\n"
	       "  --summary   instead, build the instrument summary (what coverage scans) again from\n"
	       "              the entries, with progress, and say how long it took\n"
	       "  --json      as JSON\n\n"
	       "exit status: 0 printed, 2 error\n");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void summary_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "\rcaltrace: %s: %llu of %llu   ", what, (unsigned long long)done, (unsigned long long)total);
}

/* --summary: the instrument summary rebuilt (caltrace/ledger/summary.h). */
static int rebuild_summary(bool json_out)
{
	struct timespec t0;
	cli_node n;
	int err;

	if (cli_open(&n, 0) != 0)
		return EXIT_ERR;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ct_summary_rebuild(n.ledger, summary_progress, NULL);
	fprintf(stderr, "\n");
	cli_close(&n);
	if (err < 0)
		return cli_fail("index", err, "cannot rebuild the instrument summary");
	if (json_out)
		printf("{\"summary_rebuilt_seconds\": %.3f}\n", seconds_since(&t0));
	else
		printf("instrument summary rebuilt in %.3f s\n", seconds_since(&t0));
	return EXIT_OK;
}

int cmd_index(int argc, char **argv)
{
	static const struct option longopts[] = {{"rebuild", no_argument, NULL, 'r'},
						 {"summary", no_argument, NULL, 's'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	char root[2 * CT_HASH_BYTES + 1], forks[2 * CT_HASH_BYTES + 1];
	bool rebuild = false, json_out = false, summary = false;
	uint64_t pending = 0;
	ct_netindex_root nr;
	struct timespec t0;
	ct_reader *r = NULL;
	ct_batch *b = NULL;
	double took;
	int c, err, rc = EXIT_ERR;
	cli_node n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rebuild = true;
			break;
		case 'j':
			json_out = true;
			break;
		case 's':
			summary = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("index", "bad usage");
		}
	}
	if (optind != argc)
		return cli_usage_error("index", "unexpected argument '%s'", argv[optind]);
	if (summary)
		return rebuild_summary(json_out);
	if (cli_open(&n, 0) != 0)
		return EXIT_ERR;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_netindex_pending(&pending, r)) < 0) {
		rc = cli_fail("index", err, "cannot read the store");
		goto done;
	}
	ct_reader_end(r);
	r = NULL;
	if ((err = ct_batch_begin(&b, n.ledger)) < 0 ||
	    (err = rebuild ? ct_netindex_rebuild(b) : ct_netindex_update(b)) < 0 || (err = ct_batch_commit(b)) < 0) {
		b = NULL;
		rc = cli_fail("index", err, "cannot update the network index");
		goto done;
	}
	b = NULL;
	took = seconds_since(&t0);
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_netindex_root_get(&nr, r)) < 0) {
		rc = cli_fail("index", err, "cannot read the network index");
		goto done;
	}
	ct_hex(root, nr.hash, CT_HASH_BYTES);
	ct_hex(forks, nr.forks, CT_HASH_BYTES);
	if (json_out) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:I, s:f}", "root", root, "keys", (json_int_t)nr.keys,
				      "forks", (json_int_t)nr.nforks, "forks_digest", forks, "folded_in",
				      (json_int_t)(rebuild ? nr.keys : pending), "seconds", took);
		rc = cli_print_json(o);
		json_decref(o);
	} else {
		printf("root %s\nkeys %llu\nforks %llu %s\n", root, (unsigned long long)nr.keys,
		       (unsigned long long)nr.nforks, forks);
		fprintf(stderr, "%s %llu keys in %.3f s\n", rebuild ? "rebuilt from" : "folded in",
			(unsigned long long)(rebuild ? nr.keys : pending), took);
		rc = EXIT_OK;
	}
done:
	ct_batch_abort(b);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
