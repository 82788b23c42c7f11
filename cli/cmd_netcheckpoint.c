/*
 * caltrace netcheckpoint: the network checkpoint of this home's state
 * (docs/CHECKPOINTS.md, "Network checkpoints"): print it, sign it (the
 * bureau's home), witness notes from files, list the evidence kept
 * against refused ones. caltraced does all of this on its own; --sign beside
 * a running node asks the node (control socket), which signs at once and
 * sends the note to its peers to cosign.
 */
#include <sodium.h>
#include <string.h>
#include <time.h>

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
	       "  --sign            sign one of the current state first (the bureau's home only); when\n"
	       "                    caltraced runs on this home, it is asked to sign one now and send it\n"
	       "                    to its peers to cosign, without waiting for the network to be quiet\n"
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

#define ASK_WAIT_MS 60000 /* how long --sign waits for a running node's note */

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The newest held note: its order, the SHA-256 of its text (the body, not the cosignatures). */
struct newest {
	ct_buf note;
	uint64_t order;
	uint8_t hash[CT_HASH_BYTES];
	bool found;
};

static int take_newest(void *ctx, uint64_t order, const uint8_t *note, size_t len)
{
	struct newest *w = ctx;
	ct_note *nt = NULL;
	int err;

	if ((err = ct_note_parse(&nt, note, len)) < 0)
		return 0; /* the store keeps checked notes only; pass over one that does not parse */
	crypto_hash_sha256(w->hash, (const uint8_t *)nt->text, nt->text_len);
	ct_note_free(nt);
	w->note.len = 0;
	if ((err = ct_buf_put(&w->note, note, len)) < 0)
		return err;
	w->order = order;
	w->found = true;
	return 1;
}

static int read_newest(cli_node *n, struct newest *w)
{
	ct_reader *r = NULL;
	int err;

	w->found = false;
	if ((err = ct_reader_begin(&r, n->ledger)) < 0)
		return err;
	err = ct_read_netnotes(r, take_newest, w);
	ct_reader_end(r);
	return err < 0 ? err : 0;
}

/*
 * --sign beside a running caltraced: asks it (control socket) and waits for
 * the note it signs. Returns EXIT_OK (printed), EXIT_ERR, or -1 when no
 * node answers (the caller signs in the store itself).
 */
static int ask_node(cli_node *n)
{
	struct newest before = {.note = CT_BUF_INIT}, now = {.note = CT_BUF_INIT};
	json_t *req, *ans = NULL;
	uint64_t deadline;
	bool running, signing;
	int err, rc = EXIT_ERR;

	if ((err = read_newest(n, &before)) < 0)
		return cli_fail("netcheckpoint", err, "cannot read network checkpoints");
	req = json_pack("{s:s}", "cmd", "netcheckpoint-sign");
	running = req && cli_control(n->dir, req, &ans) == 0;
	json_decref(req);
	if (!running) {
		ct_buf_free(&before.note);
		return -1;
	}
	if (!json_is_true(json_object_get(ans, "ok"))) {
		fprintf(stderr, "caltrace netcheckpoint: the running caltraced refused: %s\n",
			json_string_value(json_object_get(ans, "error")));
		goto done;
	}
	signing = json_is_true(json_object_get(ans, "signing"));
	if (signing)
		fprintf(stderr, "caltrace netcheckpoint: asked the running caltraced to sign one now\n");
	deadline = monotonic_ms() + ASK_WAIT_MS;
	for (;;) {
		if ((err = read_newest(n, &now)) < 0) {
			rc = cli_fail("netcheckpoint", err, "cannot read network checkpoints");
			goto done;
		}
		if (now.found && (!signing || !before.found ||
				  now.order != before.order || memcmp(now.hash, before.hash, CT_HASH_BYTES)))
			break;
		if (monotonic_ms() > deadline) {
			fprintf(stderr,
				"caltrace netcheckpoint: the running caltraced signed no network checkpoint within "
				"%d s (its log, caltraced.log, says why)\n",
				ASK_WAIT_MS / 1000);
			goto done;
		}
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	fwrite(now.note.ptr, 1, now.note.len, stdout);
	rc = EXIT_OK;
done:
	json_decref(ans);
	ct_buf_free(&before.note);
	ct_buf_free(&now.note);
	return rc;
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
	if (sign && (rc = ask_node(&n)) >= 0)
		goto done;
	rc = EXIT_ERR;
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
