/*
 * caltrace impact --key KEY: what relied on the entries of a compromised
 * (or re-keyed) lab key that are no longer trusted. `caltrace impact`
 * without --key is cli/cmd_impact.c's; this file takes the command first
 * and hands every other use on unchanged.
 */
#include <string.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/trace.h"
#include "cli.h"

int cmd_impact_any(int argc, char **argv);

static void help_key(void)
{
	printf("\nusage: caltrace impact --key KEY [--at DATE] [--json]\n\n"
	       "Lists the calibrations of lab key KEY that are no longer trusted (past the seq the\n"
	       "bureau's org.compromised bounds, or past the seq an org.rekey closed its feed at),\n"
	       "and, transitively, every standard and instrument that relied on them, each with\n"
	       "its verdict at DATE (default now).\n");
}

static const char *day(char *out, uint64_t ms)
{
	ct_time_format(out, 32, ms);
	return out;
}

static void print_text(const char *key_hex, const ct_impact *im, const ct_verdict *v, uint64_t at)
{
	char a[32], b[32], lab[65], hash[65];
	size_t i;

	printf("impact of key %.16s…: %zu calibration%s no longer trusted or relying on one, %zu standard%s "
	       "and %zu instrument%s; verdicts at %s\n",
	       key_hex, im->count, im->count == 1 ? "" : "s", im->standards, im->standards == 1 ? "" : "s",
	       im->instruments, im->instruments == 1 ? "" : "s", day(a, at));
	for (i = 0; i < im->count; i++) {
		const ct_impact_item *it = &im->items[i];
		ct_hex(lab, it->lab, CT_KEY_BYTES);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		printf("  %-10s %-20s %s → %s  depth %u  by %s (%.8s…)  %-8s %.12s…\n",
		       it->kind == CT_NS_STANDARD ? "standard" : "instrument", it->id,
		       day(a, it->performed_at), day(b, it->valid_until), it->depth,
		       it->lab_name ? it->lab_name : "(unknown lab)", lab, ct_verdict_name(v[i]), hash);
	}
}

static json_t *to_json(const char *key_hex, const ct_impact *im, const ct_verdict *v, uint64_t at)
{
	json_t *items = json_array();
	char a[32], b[32], lab[65], hash[65];
	size_t i;

	for (i = 0; i < im->count; i++) {
		const ct_impact_item *it = &im->items[i];
		ct_hex(lab, it->lab, CT_KEY_BYTES);
		ct_hex(hash, it->calibration, CT_HASH_BYTES);
		json_array_append_new(
		    items, json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "district",
				     it->district, "lab", it->lab_name, "lab_key", lab, "kind",
				     it->kind == CT_NS_STANDARD ? "standard" : "instrument", "id", it->id,
				     "via", it->via, "depth", (int)it->depth, "performed_at",
				     day(a, it->performed_at), "valid_until", day(b, it->valid_until),
				     "calibration", hash, "verdict", ct_verdict_name(v[i])));
	}
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "key", key_hex, "at", day(a, at), "standards",
			 (json_int_t)im->standards, "instruments", (json_int_t)im->instruments,
			 "calibrations", (json_int_t)im->count, "items", items);
}

static int run(cli_node *n, const uint8_t key[CT_KEY_BYTES], uint64_t at, bool json_out)
{
	char key_hex[2 * CT_KEY_BYTES + 1];
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	ct_impact *im = NULL;
	ct_verdict *verdicts = NULL;
	size_t i;
	int err, rc = EXIT_ERR;

	ct_hex(key_hex, key, CT_KEY_BYTES);
	if ((err = ct_reader_begin(&r, n->ledger)) < 0 || (err = ct_tracer_new(&tr, r)) < 0) {
		rc = cli_fail("impact", err, "cannot evaluate");
		goto done;
	}
	if ((err = ct_impact_of_key(&im, tr, key)) < 0) {
		rc = cli_fail("impact", err, "cannot walk what relied on key %.16s…", key_hex);
		goto done;
	}
	if (im->count && !(verdicts = calloc(im->count, sizeof(*verdicts)))) {
		fprintf(stderr, "caltrace impact: out of memory\n");
		goto done;
	}
	for (i = 0; i < im->count; i++) {
		const ct_impact_item *it = &im->items[i];
		if ((err = ct_trace_verdict(tr, it->kind, it->id, strlen(it->id), at, &verdicts[i], NULL)) <
		    0) {
			rc = cli_fail("impact", err, "cannot evaluate %s", it->id);
			goto done;
		}
	}
	if (json_out) {
		json_t *j = to_json(key_hex, im, verdicts, at);
		rc = cli_print_json(j);
		json_decref(j);
	} else {
		print_text(key_hex, im, verdicts, at);
		rc = EXIT_OK;
	}
done:
	free(verdicts);
	ct_impact_free(im);
	ct_tracer_free(tr);
	ct_reader_end(r);
	return rc;
}

static int cmd_impact_key(int argc, char **argv)
{
	static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
						 {"at", required_argument, NULL, 'a'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	uint8_t key[CT_KEY_BYTES];
	uint64_t at = cli_now_ms();
	bool json_out = false;
	cli_node n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (cli_parse_hex32("impact", "--key", optarg, key) < 0)
				return EXIT_ERR;
			break;
		case 'a':
			if (cli_parse_time("impact", "--at", optarg, &at) < 0)
				return EXIT_ERR;
			break;
		case 'j':
			json_out = true;
			break;
		case 'h':
			help_key();
			return EXIT_OK;
		default:
			return cli_usage_error("impact", "bad usage with --key (caltrace impact --help)");
		}
	}
	if (optind != argc)
		return cli_usage_error("impact", "--key KEY takes no STANDARD");
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	rc = run(&n, key, at, json_out);
	cli_close(&n);
	return rc;
}

int cmd_impact_any(int argc, char **argv)
{
	bool help = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 || strncmp(argv[i], "--key=", 6) == 0)
			return cmd_impact_key(argc, argv);
		help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
	}
	rc = cmd_impact(argc, argv);
	if (help)
		help_key();
	return rc;
}
