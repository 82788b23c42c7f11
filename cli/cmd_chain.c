/* caltrace chain ID: is this instrument (or standard) traceable at a time, and why (not). */
#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/json.h"
#include "caltrace/eval/trace.h"
#include "proof.h"

static void help(void)
{
	printf("usage: caltrace chain ID [--at DATE] [--json] [--standard | --instrument]\n\n"
	       "Evaluates whether ID's measurement results at DATE (default now) are traceable to\n"
	       "the city's highest standards, and prints the chain as a tree: who calibrated what\n"
	       "with which standard, when, valid until when, the verdict of every link and why a\n"
	       "link fails (reason codes: docs/VERDICTS.md).\n\n"
	       "  --at DATE       the time judged: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n"
	       "  --json          the whole tree with verdicts, reason codes and entry hashes\n"
	       "  --standard      ID names a standard (default: an instrument if one is registered)\n"
	       "  --instrument    ID names an instrument\n\n"
	       "exit status: 0 valid, 1 suspect or invalid, 2 error\n");
}

static const char *day(char *out, uint64_t ms)
{
	ct_time_format(out, 32, ms);
	return out;
}

/* The one line a node is shown as. */
static void node_line(const ct_trace_node *n)
{
	char a[32], b[32];

	switch (n->kind) {
	case CT_NODE_INSTRUMENT:
		printf("%s  %s at %s", n->id, ct_verdict_name(n->verdict), day(a, n->at));
		if (n->compulsory)
			printf("  (compulsory verification: %s, %s)", n->catalogue ? n->catalogue : "?",
			       n->domain ? n->domain : "?");
		break;
	case CT_NODE_STANDARD:
		printf("%s (", n->id);
		if (n->level)
			printf("%s%s", n->level, n->is_public ? ", public" : "");
		if (n->quantity)
			printf(", %s", n->quantity);
		if (n->against)
			printf(" vs %s", n->against);
		if (n->ratio_ok >= 0)
			printf(", ratio %s", n->ratio_ok ? "ok" : "too low");
		printf(")  %s", ct_verdict_name(n->verdict));
		break;
	case CT_NODE_ANCHOR:
		printf("anchor %s by %s %s → %s", n->certificate, n->provider ? n->provider : "?",
		       day(a, n->performed_at), day(b, n->valid_until));
		if (n->verdict != CT_VALID)
			printf("  %s", ct_verdict_name(n->verdict));
		break;
	default:
		printf("%s %s by %s", n->link_kind, n->certificate,
		       n->author_name ? n->author_name : "an unknown lab");
		if (n->author_tier)
			printf(" (%s)", n->author_tier);
		printf(" %s → %s  %s", day(a, n->performed_at), day(b, n->valid_until),
		       n->result ? n->result : "");
		if (n->technician)
			printf("  by %s", n->technician);
		if (n->verdict != CT_VALID)
			printf("  %s", ct_verdict_name(n->verdict));
		break;
	}
	if (n->repeated)
		printf("  (its chain is shown above)");
	if (n->truncated)
		printf("  (deeper links not shown)");
	printf("\n");
}

static void print_tree(const ct_trace_node *n, const char *prefix, bool last, bool root)
{
	char child_prefix[1024];
	const char *mark;
	size_t i;

	if (!root)
		printf("%s%s", prefix, last ? "└─ " : "├─ ");
	node_line(n);
	snprintf(child_prefix, sizeof(child_prefix), "%s%s", prefix, root ? "" : last ? "   " : "│  ");
	for (i = 0; i < n->nreasons; i++) {
		const ct_trace_reason *r = &n->reasons[i];
		mark = r->warning ? "⚠" : ct_reason_severity(r->code) == CT_SUSPECT ? "!" : "✗";
		printf("%s%s%s %s: %s\n", child_prefix, n->nchildren ? "│  " : "   ", mark,
		       ct_reason_name(r->code), r->detail);
	}
	for (i = 0; i < n->nchildren; i++)
		print_tree(n->children[i], child_prefix, i + 1 == n->nchildren, false);
}

static int found(void *ctx, const ct_index_row *row)
{
	*(bool *)ctx = true;
	return 1;
}

static void chain_text(const void *tree)
{
	print_tree(tree, "", true, true);
}

static json_t *chain_json(const void *tree)
{
	json_t *o = NULL;

	ct_trace_to_json(&o, tree);
	return o;
}

int cli_chain_output(cli_format f, const ct_trace_node *tree)
{
	static const cli_forms forms = {chain_text, chain_json, NULL};
	int rc = cli_print_as(f, &forms, tree);

	return rc != EXIT_OK ? rc : tree->verdict == CT_VALID ? EXIT_OK : EXIT_NO;
}

/* Instrument unless told otherwise or only a standard has that id. */
char cli_chain_ns(ct_reader *r, const char *id, int forced)
{
	bool inst = false, std = false;

	if (forced)
		return (char)forced;
	ct_read_subject_rows(r, CT_NS_INSTRUMENT, id, strlen(id), 0, found, &inst);
	if (inst)
		return CT_NS_INSTRUMENT;
	ct_read_subject_rows(r, CT_NS_STANDARD, id, strlen(id), 0, found, &std);
	return std ? CT_NS_STANDARD : CT_NS_INSTRUMENT;
}

static const struct option longopts[] = {CLI_OPTION_AT, CLI_OPTION_JSON, CLI_OPTION_STANDARD,
					 CLI_OPTION_INSTRUMENT, CLI_OPTION_END};
static const cli_cmd chain_cmd = {"chain", longopts, NULL, help, NULL, 1, 1, "expects one ID"};

int cmd_chain(int argc, char **argv)
{
	cli_args a = {.at = cli_now_ms()};
	int err, rc = EXIT_ERR;
	ct_trace_node *tree = NULL;
	ct_tracer *tr = NULL;
	ct_reader *r = NULL;
	const char *id;
	cli_node n;

	if ((rc = cli_parse(&chain_cmd, argc, argv, &a, NULL)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	id = a.args[0];
	rc = EXIT_ERR;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_tracer_new(&tr, r)) < 0) {
		rc = cli_fail("chain", err, "cannot evaluate");
		goto done;
	}
	if ((err = ct_trace(&tree, tr, cli_chain_ns(r, id, a.ns), id, strlen(id), a.at)) < 0) {
		rc = cli_fail("chain", err, "cannot evaluate %s", id);
		goto done;
	}
	rc = cli_chain_output(a.format, tree);
done:
	ct_trace_free(tree);
	ct_tracer_free(tr);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
