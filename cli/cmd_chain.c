/* caltrace chain ID: is this instrument (or standard) traceable at a time, and why (not). */
#include <string.h>

#include "caltrace/base/time.h"
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

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	ct_hex(hex, b, n);
	return json_string(hex);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static const char *kind_name(ct_trace_kind k)
{
	switch (k) {
	case CT_NODE_INSTRUMENT:
		return "instrument";
	case CT_NODE_STANDARD:
		return "standard";
	case CT_NODE_ANCHOR:
		return "anchor";
	default:
		return "calibration";
	}
}

static json_t *reason_json(const ct_trace_reason *r)
{
	json_t *o = json_object(), *entries = json_array();
	unsigned i;

	json_object_set_new(o, "code", json_string(ct_reason_name(r->code)));
	json_object_set_new(
	    o, "severity",
	    json_string(r->warning ? "warning" : ct_verdict_name(ct_reason_severity(r->code))));
	json_object_set_new(o, "detail", json_string(r->detail));
	for (i = 0; i < r->nentries; i++)
		json_array_append_new(entries, hex_json(r->entries[i], CT_HASH_BYTES));
	json_object_set_new(o, "entries", entries);
	return o;
}

static json_t *node_json(const ct_trace_node *n)
{
	json_t *o = json_object(), *reasons = json_array(), *children = json_array();
	char when[32];
	size_t i;

	json_object_set_new(o, "node", json_string(kind_name(n->kind)));
	json_object_set_new(o, "verdict", json_string(ct_verdict_name(n->verdict)));
	set_str(o, "id", n->id);
	if (n->has_entry)
		json_object_set_new(
		    o,
		    n->kind == CT_NODE_INSTRUMENT || n->kind == CT_NODE_STANDARD ? "registration" : "entry",
		    hex_json(n->entry, CT_HASH_BYTES));
	if (n->kind == CT_NODE_INSTRUMENT || n->kind == CT_NODE_STANDARD) {
		json_object_set_new(o, "at", json_string(day(when, n->at)));
		set_str(o, "category", n->category);
		set_str(o, "level", n->level);
		set_str(o, "district", n->district);
		set_str(o, "owner", n->owner);
		set_str(o, "catalogue", n->catalogue);
		set_str(o, "domain", n->domain);
		set_str(o, "quantity", n->quantity);
		set_str(o, "against", n->against);
		if (n->kind == CT_NODE_STANDARD) {
			json_object_set_new(o, "public", json_boolean(n->is_public));
			json_object_set_new(o, "ratio",
					    n->ratio_ok < 0 ? json_null() : json_boolean(n->ratio_ok));
		} else {
			json_object_set_new(o, "compulsory", json_boolean(n->compulsory));
		}
	} else {
		set_str(o, "kind", n->link_kind);
		set_str(o, "certificate", n->certificate);
		set_str(o, "result", n->result);
		set_str(o, "technician", n->technician);
		set_str(o, "provider", n->provider);
		json_object_set_new(o, "performed_at", json_string(day(when, n->performed_at)));
		json_object_set_new(o, "valid_until", json_string(day(when, n->valid_until)));
		json_object_set_new(o, "author", hex_json(n->author, CT_KEY_BYTES));
		set_str(o, "author_name", n->author_name);
		set_str(o, "author_tier", n->author_tier);
		if (n->repeated)
			json_object_set_new(o, "repeated", json_true());
	}
	if (n->truncated)
		json_object_set_new(o, "truncated", json_true());
	for (i = 0; i < n->nreasons; i++)
		json_array_append_new(reasons, reason_json(&n->reasons[i]));
	json_object_set_new(o, "reasons", reasons);
	for (i = 0; i < n->nchildren; i++)
		json_array_append_new(children, node_json(n->children[i]));
	json_object_set_new(o, "children", children);
	return o;
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
	return node_json(tree);
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
