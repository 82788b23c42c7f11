/*
 * What `caltrace demo` shows once every node holds the city: the bureau's
 * view through the real commands, run as children on the bureau's home
 * (`caltrace coverage`, `chain`, `impact`, `report`), the deliberately
 * broken chains judged by the evaluator beside what truth.json expected,
 * and every node's state digest, written to the caller's stream. Also
 * --keep's note and --stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caltrace/base/time.h"
#include "caltrace/eval/trace.h"
#include "demo_internal.h"

/* A child's output as JSON into *out; frees text. Returns 0 or CT_ERROR (detail set). */
static int parse_json(struct ct_demo *d, const char *what, char *text, json_t **out)
{
	json_error_t err;

	*out = text ? json_loads(text, 0, &err) : NULL;
	free(text);
	return *out ? 0 : ct__demo_fail(d, CT_ERROR, "%s printed no JSON", what);
}

/*
 * Runs `caltrace WHAT ARGS` on the bureau's home, its stdout as JSON into
 * the result document under what (and into *json, borrowed, when not NULL).
 * Returns 0 or a CT_E* code.
 */
static int bureau_json(struct ct_demo *d, const char *what, const char *const args[], json_t **json)
{
	char log[4400], *out = NULL;
	json_t *doc;
	int rc;

	snprintf(log, sizeof(log), "%s/%s.log", d->net.nodes[CT_DEMO_BUREAU].home, what);
	rc = ct__demo_run_cli(d, log, &out, d->net.nodes[CT_DEMO_BUREAU].home, args);
	if (rc < 0 || rc == DEMO_CHILD_ERR) {
		free(out);
		return ct__demo_child_failed(d, rc, "`caltrace %s` failed; its log: %s", what, log);
	}
	if ((rc = parse_json(d, what, out, &doc)) < 0)
		return rc;
	json_object_set_new(d->doc, what, doc);
	if (json)
		*json = doc;
	return 0;
}

/* The bureau's coverage by district (for --json; the text shows the report). */
static int show_coverage(struct ct_demo *d)
{
	return bureau_json(
	    d, "coverage",
	    (const char *[]){"coverage", "--at", d->at_text, "--by", "district", "--json", NULL}, NULL);
}

static int show_chain(struct ct_demo *d)
{
	const char *id = d->city.chain_example;
	char log[4400];
	int rc;

	if ((rc = bureau_json(d, "chain", (const char *[]){"chain", id, "--at", d->at_text, "--json", NULL},
			      NULL)) < 0 ||
	    d->o.json)
		return rc;
	fprintf(d->o.out,
		"\n== One instrument's chain, down to the provincial calibration: `caltrace chain %s --at "
		"%s`\n\n",
		id, d->at_text);
	fflush(d->o.out);
	snprintf(log, sizeof(log), "%s/chain.log", d->net.nodes[CT_DEMO_BUREAU].home);
	char *text = NULL;
	ct__demo_run_cli(d, log, &text, d->net.nodes[CT_DEMO_BUREAU].home,
			 (const char *[]){"chain", id, "--at", d->at_text, NULL});
	fputs(text ? text : "", d->o.out);
	free(text);
	return 0;
}

/*
 * The re-keyed lab: one of its instruments filed under its old key and
 * verified under its new one, still traceable; and coverage by lab, where
 * its two keys are one group (named by the first).
 */
static int show_rekey(struct ct_demo *d)
{
	const char *id = d->city.rekey_example, *old = d->gen.keys[CT_DEMO_REKEYED], *new = d->gen.rekey_key;
	json_t *chain = NULL, *bylab = NULL, *g, *group = NULL, *rk;
	char eff[40], log[4400], *text = NULL;
	bool new_group = false;
	size_t i;
	int rc;

	ct_time_format(eff, sizeof(eff), d->city.rekey_at);
	if ((rc = bureau_json(d, "rekey_chain", (const char *[]){"chain", id, "--at", d->at_text, "--json", NULL},
			      &chain)) < 0 ||
	    (rc = bureau_json(d, "coverage_by_lab",
			      (const char *[]){"coverage", "--at", d->at_text, "--by", "lab", "--json", NULL},
			      &bylab)) < 0)
		return rc;
	json_array_foreach(json_object_get(bylab, "groups"), i, g)
	{
		const char *key = json_string_value(json_object_get(g, "key"));
		if (key && strcmp(key, old) == 0)
			group = g;
		if (key && strcmp(key, new) == 0)
			new_group = true;
	}
	rk = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O?, s:O?, s:b}", "lab", ct_demo_labs[CT_DEMO_REKEYED].slug,
		       "old_key", old, "new_key", new, "effective", eff, "closed_at",
		       (json_int_t)d->city.rekey_closed_at, "example", id, "verdict",
		       json_object_get(chain, "verdict"), "lab_group", group, "new_key_group", new_group);
	json_object_set_new(d->doc, "rekey", rk);
	if (d->o.json)
		return 0;
	fprintf(d->o.out,
		"\n== A re-keyed lab: the bureau replaced the key of %s on %.10s (`caltrace rekey`), closing its\n"
		"old feed at %llu entries; the lab went on with its new key %.8s... and a new node.\n"
		"`caltrace chain %s --at %s`: filed under the old key, verified under the new one:\n\n",
		ct_demo_labs[CT_DEMO_REKEYED].name, eff, (unsigned long long)d->city.rekey_closed_at, new, id,
		d->at_text);
	fflush(d->o.out);
	snprintf(log, sizeof(log), "%s/rekey_chain.log", d->net.nodes[CT_DEMO_BUREAU].home);
	ct__demo_run_cli(d, log, &text, d->net.nodes[CT_DEMO_BUREAU].home,
			 (const char *[]){"chain", id, "--at", d->at_text, NULL});
	fputs(text ? text : "", d->o.out);
	free(text);
	if (group)
		fprintf(d->o.out,
			"\n`caltrace coverage --by lab`: its two keys are one lab (the group of its first key "
			"%.8s...%s):\n%lld instruments registered, %lld valid\n",
			old, new_group ? "; but the new key has a group of its own too" : "",
			(long long)json_integer_value(json_object_get(group, "registered")),
			(long long)json_integer_value(json_object_get(group, "valid")));
	else
		fprintf(d->o.out, "\n`caltrace coverage --by lab` shows no group for the lab's first key %.8s...\n",
			old);
	return 0;
}

static int show_impact(struct ct_demo *d)
{
	const char *std = d->city.oot_standard, *prev = "";
	json_t *im, *it;
	size_t i, ids = 0, suspect = 0, shown = 0;
	int rc;

	if ((rc = bureau_json(d, "impact",
			      (const char *[]){"impact", std, "--at", d->at_text, "--json", NULL}, &im)) <
		0 ||
	    d->o.json)
		return rc;
	json_array_foreach(json_object_get(im, "items"), i, it)
	{
		const char *id = json_string_value(json_object_get(it, "id"));
		if (strcmp(id, prev) != 0) {
			ids++;
			suspect += strcmp(json_string_value(json_object_get(it, "verdict")), "suspect") == 0;
		}
		prev = id;
	}
	fprintf(d->o.out, "\n== Reverse traceability: `caltrace impact %s --at %s`\n\n", std, d->at_text);
	fprintf(d->o.out,
		"  %s was found out of tolerance at its recalibration; its owner declared it so since\n"
		"  %s, the day after its last good calibration. Since then it served %lld calibrations of\n"
		"  %zu instruments and %lld standards; %zu of those instruments are suspect at %s (the\n"
		"  others have been verified again with it repaired):\n\n",
		std, json_string_value(json_object_get(im, "since")),
		(long long)json_integer_value(json_object_get(im, "calibrations")), ids,
		(long long)json_integer_value(json_object_get(im, "standards")), suspect, d->at_text);
	prev = "";
	json_array_foreach(json_object_get(im, "items"), i, it)
	{
		const char *id = json_string_value(json_object_get(it, "id"));
		bool same = strcmp(id, prev) == 0;
		prev = id;
		if (same || shown++ >= 6)
			continue;
		fprintf(d->o.out, "    %-16s %-10s %s\n", id,
			json_string_value(json_object_get(it, "district")),
			json_string_value(json_object_get(it, "verdict")));
	}
	if (ids > 6)
		fprintf(d->o.out, "    ... (%zu more)\n", ids - 6);
	return 0;
}

/* The line `caltrace verify` writes of a complete bundle ("complete at the network checkpoint of
 * ..."), from its log, into line (empty when it wrote none); the number of witnesses into *k. */
static void completeness_line(const char *log, char *line, size_t len, long *k)
{
	static const char head[] = "complete at the network checkpoint of ";
	char buf[1024];
	FILE *f = fopen(log, "r");
	const char *w;

	line[0] = '\0';
	*k = -1;
	while (f && fgets(buf, sizeof(buf), f))
		if (strncmp(buf, head, sizeof(head) - 1) == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(line, len, "%s", buf);
			if ((w = strstr(buf, "cosigned by the bureau and ")))
				*k = strtol(w + strlen("cosigned by the bureau and "), NULL, 10);
		}
	if (f)
		fclose(f);
}

/*
 * A complete proof bundle of the example chain, made on the bureau's home. The bureau's node
 * signs a network checkpoint when asked after the last phase (run.c, ask_netcheckpoint), or
 * else once the network has been quiet for two seconds, and every other node cosigns it when it holds exactly those entries (docs/CHECKPOINTS.md): prove is retried
 * until the bureau's home holds one cosigned by every other node (a minute), then by at least
 * one (half a minute more). Then verified with the bureau's key alone.
 */
static int show_proof(struct ct_demo *d)
{
	const char *id = d->city.chain_example;
	char dir[4300], bundle[4400], log[4400], k[16], line[1024], *text = NULL;
	const char *bureau_key = d->gen.keys[CT_DEMO_BUREAU];
	double start = ct__net_now();
	/*
	 * Every other node: a complete proof counts witnesses by lab, the
	 * re-keyed lab's new key from its rekey on (docs/FORMAT.md section 13,
	 * rule 8; core/proof/closure.c, ct__witness_lab).
	 */
	int want = d->net.n - 1;
	long witnesses;
	struct stat st;
	int rc;

	if (snprintf(dir, sizeof(dir), "%s/proof", d->o.dir) >= (int)sizeof(dir) ||
	    (mkdir(dir, 0755) != 0 && errno != EEXIST))
		return ct__demo_fail(d, CT_EIO, "cannot create %s/proof", d->o.dir);
	if (PATHF(bundle, "%s/%s.bundle", d->o.dir, id) || PATHF(log, "%s/prove.log", dir))
		return ct__demo_fail(d, CT_EINVAL, "--dir is too long");
	for (;;) {
		snprintf(k, sizeof(k), "%d", want);
		rc = ct__demo_run_cli(d, log, NULL, d->net.nodes[CT_DEMO_BUREAU].home,
				      (const char *[]){"prove", id, "--at", d->at_text, "--witnesses", k, "-o",
						       bundle, NULL});
		if (rc == 0)
			break;
		if (rc < 0 || ct__net_interrupted(&d->net) || ct__net_now() - start > 90)
			return ct__demo_child_failed(
			    d, rc, "`caltrace prove %s` found no network checkpoint cosigned by %d witnesses; its log: %s",
			    id, want, log);
		if (ct__net_now() - start > 60)
			want = 1;
		ct__net_sleep_ms(200);
	}
	/* verify: nothing but the file and the bureau's key, no node home */
	char *argv[] = {
	    "caltrace", "verify", bundle, "--bureau", (char *)bureau_key, d->o.json ? "--json" : NULL, NULL};
	if (PATHF(log, "%s/verify.log", dir))
		return ct__demo_fail(d, CT_EINVAL, "--dir is too long");
	rc = ct__net_run(d->caltrace, argv, log, &text);
	if (rc < 0 || rc == DEMO_CHILD_ERR) {
		free(text);
		return ct__demo_fail(d, CT_EPROOF, "the proof bundle %s does not verify; see %s", bundle,
				     log);
	}
	completeness_line(log, line, sizeof(line), &witnesses);
	json_t *proof = json_pack("{s:s, s:I, s:s, s:s, s:I}", "bundle", bundle, "bytes",
				  (json_int_t)(stat(bundle, &st) == 0 ? st.st_size : 0), "verdict",
				  rc == 0 ? "valid" : "not valid", "completeness", line, "witnesses",
				  (json_int_t)witnesses);
	if (d->o.json) {
		json_t *chain;
		if ((rc = parse_json(d, "verify", text, &chain)) < 0) {
			json_decref(proof);
			return rc;
		}
		json_object_set_new(proof, "chain", chain);
	} else {
		fprintf(d->o.out,
			"\n== A complete proof bundle, checked offline: `caltrace prove %s -o %s`, then\n"
			"   `caltrace verify %s --bureau %.16s…` (no node home: the file and the bureau's "
			"key)\n\n"
			"  The bureau's node signed a network checkpoint (every feed's size and root, and the "
			"root of the\n"
			"  network index), and the other nodes cosigned it after each recomputed the same index "
			"from its own\n"
			"  replica. The bundle holds the %lld bytes of entries, inclusion proofs and index "
			"lookups the\n"
			"  verdict rests on: it cannot leave out a revocation, an out-of-tolerance declaration "
			"or a\n"
			"  later calibration.\n\n%s  %s\n",
			id, bundle, bundle, bureau_key, (long long)st.st_size, text ? text : "",
			line[0] ? line : "(verify said nothing of completeness)");
		free(text);
	}
	json_object_set_new(d->doc, "proof", proof);
	return 0;
}

/* The names of the reason bits, as a JSON array. */
static json_t *reason_list(uint64_t bits)
{
	json_t *a = json_array();

	for (int r = 0; r < CT_R__COUNT; r++)
		if (bits & (UINT64_C(1) << r))
			json_array_append_new(a, json_string(ct_reason_name((ct_reason)r)));
	return a;
}

/* Every expected reason is among those reported, and the verdicts agree. */
static bool agrees(json_t *expected, const char *expected_verdict, json_t *reported, const char *verdict)
{
	json_t *e, *r;
	size_t i, j;

	if (strcmp(expected_verdict, verdict) != 0)
		return false;
	json_array_foreach(expected, i, e)
	{
		bool found = false;
		json_array_foreach(reported, j, r) found |= json_equal(e, r);
		if (!found)
			return false;
	}
	return true;
}

/* The instruments truth.json lists as not valid, judged by the evaluator on the bureau's store. */
static int judge_broken(struct ct_demo *d, json_t *truth, json_t *out)
{
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	json_t *b;
	size_t i;
	int err;

	if ((err = ct__demo_store_open(d->net.nodes[CT_DEMO_BUREAU].home, &l, &r)) < 0 ||
	    (err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	json_array_foreach(json_object_get(truth, "broken"), i, b)
	{
		const char *id = json_string_value(json_object_get(b, "id"));
		ct_verdict v;
		uint64_t bits = 0;
		if ((err = ct_trace_verdict(tr, CT_NS_INSTRUMENT, id, strlen(id), d->o.at, &v, &bits)) < 0)
			goto done;
		json_t *reasons = reason_list(bits);
		json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:O, s:s, s:o, s:b}", "id", id,
						     "imperfection", json_object_get(b, "imperfection"),
						     "expected_verdict", json_object_get(b, "verdict"),
						     "expected", json_object_get(b, "reasons"), "verdict",
						     ct_verdict_name(v), "reasons", reasons, "agrees",
						     agrees(json_object_get(b, "reasons"),
							    json_string_value(json_object_get(b, "verdict")),
							    reasons, ct_verdict_name(v))));
	}
done:
	if (err < 0)
		err = ct__demo_fail(d, err, "cannot evaluate on the bureau's store: %s", ct_error_last());
	ct_tracer_free(tr);
	ct__demo_store_close(l, r);
	return err;
}

static void print_broken(FILE *out, json_t *judged)
{
	static const char *const order[] = {"lapsed-standard",
					    "out-of-tolerance",
					    "revoked-lab",
					    "out-of-scope",
					    "calibration-not-verification",
					    "overdue",
					    "unverified"};
	static const char *const story[] = {
	    "verified with a standard whose certificate had lapsed for a month",
	    "verified with a standard later found out of tolerance",
	    "verified by a lab while the bureau had revoked its authorisation",
	    "verified by a lab outside its admitted scope",
	    "compulsory scale given a calibration where a verification is required",
	    "overdue: the last verification has run out",
	    "filed but never verified",
	};
	size_t i, k, n, ok;
	json_t *b, *example;

	fprintf(out, "\n== The city's imperfections, as truth.json expects them and as the evaluator reports "
		     "them\n\n");
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		n = ok = 0;
		example = NULL;
		json_array_foreach(judged, i, b)
		{
			if (strcmp(json_string_value(json_object_get(b, "imperfection")), order[k]) != 0)
				continue;
			n++;
			ok += json_is_true(json_object_get(b, "agrees"));
			if (!example)
				example = b;
		}
		if (!example)
			continue;
		char *reasons = json_dumps(json_object_get(example, "reasons"), JSON_COMPACT);
		fprintf(out, "  %-70s %5zu, %zu as expected\n    e.g. %-16s %s %s\n", story[k], n, ok,
			json_string_value(json_object_get(example, "id")),
			json_string_value(json_object_get(example, "verdict")), reasons ? reasons : "");
		free(reasons);
	}
}

static int show_broken(struct ct_demo *d)
{
	json_error_t err;
	json_t *truth = json_load_file(d->city.truth_path, 0, &err), *judged = json_array();
	int rc;

	if (!truth) {
		json_decref(judged);
		return ct__demo_fail(d, CT_EIO, "%s: %s", d->city.truth_path, err.text);
	}
	rc = judge_broken(d, truth, judged);
	json_decref(truth);
	if (rc == 0 && !d->o.json)
		print_broken(d->o.out, judged);
	json_object_set_new(d->doc, "broken", judged);
	return rc;
}

/* The bureau's report against the plan's targets, overall and by district, and its HTML page. */
static int show_report(struct ct_demo *d)
{
	char html[4300], log[4400], *text = NULL;
	int rc;

	if (PATHF(html, "%s/report.html", d->o.dir) ||
	    PATHF(log, "%s/report.log", d->net.nodes[CT_DEMO_BUREAU].home))
		return ct__demo_fail(d, CT_EINVAL, "--dir is too long");
	if ((rc = ct__demo_run_cli(d, log, &text, d->net.nodes[CT_DEMO_BUREAU].home,
				   (const char *[]){"report", "--at", d->at_text, "--html", html, NULL})) !=
	    0) {
		free(text);
		return ct__demo_child_failed(d, rc, "`caltrace report` failed; its log: %s", log);
	}
	json_object_set_new(d->doc, "report_html", json_string(html));
	if (!d->o.json)
		fprintf(
		    d->o.out,
		    "\n== The bureau's report against the plan's targets: `caltrace report --at %s --html "
		    "%s`\n\n%s",
		    d->at_text, html, text ? text : "");
	free(text);
	return 0;
}

/* Every node's digest, read from its store: all equal when replication is complete. */
static int show_digests(struct ct_demo *d)
{
	json_t *digests = json_object();
	struct net_state st;
	char hex[65], first[65] = "";
	bool same = true;
	int i, err;

	for (i = 0; i < d->net.n; i++) {
		if ((err = ct__net_read_state(d->net.nodes[i].home, &st)) < 0) {
			json_decref(digests);
			return ct__demo_fail(d, err, "cannot read the store of %s: %s", ct_demo_labs[i].slug,
					     ct_error_last());
		}
		ct_hex(hex, st.digest, 32);
		json_object_set_new(digests, ct_demo_labs[i].slug, json_string(hex));
		if (!*first)
			memcpy(first, hex, sizeof(hex));
		same &= strcmp(first, hex) == 0;
	}
	json_object_set_new(d->doc, "digests", digests);
	json_object_set_new(d->doc, "entries", json_integer((json_int_t)d->written));
	if (!d->o.json)
		fprintf(d->o.out, "\n== %s %d nodes hold the same %llu entries: state digest %.16s…\n",
			same ? "All" : "NOT all", d->net.n, (unsigned long long)d->written, first);
	return same ? 0 : ct__demo_fail(d, CT_ECORRUPT, "the nodes' digests differ");
}

int ct__demo_show(struct ct_demo *d)
{
	json_t *labs = json_array();
	int i, rc;

	for (i = 0; i < d->net.n; i++)
		json_array_append_new(
		    labs, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "lab", ct_demo_labs[i].slug, "name",
				    ct_demo_labs[i].name, "key",
				    i == CT_DEMO_REKEYED ? d->gen.rekey_key : d->gen.keys[i], "port", d->net.nodes[i].port,
				    "home", d->net.nodes[i].home, "log", d->net.nodes[i].log));
	json_object_set_new(d->doc, "dir", json_string(d->o.dir));
	json_object_set_new(d->doc, "seed", json_integer((json_int_t)d->o.seed));
	json_object_set_new(d->doc, "at", json_string(d->at_text));
	json_object_set_new(d->doc, "instruments", json_integer((json_int_t)d->city.instruments));
	json_object_set_new(d->doc, "truth", json_string(d->city.truth_path));
	json_object_set_new(d->doc, "labs", labs);
	json_object_set_new(d->doc, "chain_example", json_string(d->city.chain_example));
	json_object_set_new(d->doc, "oot_standard", json_string(d->city.oot_standard));
	if ((rc = show_coverage(d)) != 0 || (rc = show_report(d)) != 0 || (rc = show_chain(d)) != 0 ||
	    (rc = show_rekey(d)) != 0 || (rc = show_impact(d)) != 0 || (rc = show_proof(d)) != 0 ||
	    (rc = show_broken(d)) != 0 ||
	    (rc = show_digests(d)) != 0)
		return rc;
	fflush(d->o.out);
	return 0;
}

void ct__demo_keep_note(struct ct_demo *d)
{
	const char *home = d->net.nodes[CT_DEMO_BUREAU].home;

	fprintf(d->o.out,
		"\nThe network keeps running: %d caltraced on 127.0.0.1:%d-%d, logs in %s/*/caltraced.log.\n"
		"Ask it, for instance:\n"
		"  caltrace --home %s/city status\n"
		"  caltrace --home %s chain %s --at %s\n"
		"  caltrace --home %s coverage --by district --at %s\n"
		"  caltrace --home %s impact %s --at %s\n"
		"  caltrace --home %s due --at %s\n",
		d->net.n, d->o.base_port, d->o.base_port + d->net.n - 1, d->labs_dir, d->labs_dir, home,
		d->city.chain_example, d->at_text, home, d->at_text, home, d->city.oot_standard, d->at_text,
		home, d->at_text);
	if (d->web_pid > 0)
		fprintf(d->o.out,
			"On the web (caltrace serve on the bureau's home, read-only; log %s/serve.log):\n"
			"  the bureau's dashboard   http://127.0.0.1:%d/dashboard?at=%s\n"
			"  an instrument's page     http://127.0.0.1:%d/i/%s?at=%s\n"
			"  the JSON API             http://127.0.0.1:%d/api/v1\n",
			home, d->web_port, d->at_text, d->web_port, d->city.chain_example, d->at_text, d->web_port);
	fprintf(d->o.out, "Stop it with: caltrace demo --stop --dir %s\n", d->o.dir);
}

int ct__demo_web_start(struct ct_demo *d)
{
	const char *home = d->net.nodes[CT_DEMO_BUREAU].home;
	char listen[64], log[4300], pidfile[4300], url[128];
	double deadline;
	int status;
	FILE *f;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->web_port);
	snprintf(log, sizeof(log), "%s/serve.log", home);
	snprintf(pidfile, sizeof(pidfile), "%s/serve.pid", home);
	char *argv[] = {"caltrace", "--home", (char *)home, "serve", "--listen", listen, NULL};
	if ((d->web_pid = ct__net_spawn(d->caltrace, argv, log, NULL, true)) < 0) {
		d->web_pid = 0;
		return ct__demo_fail(d, CT_EIO, "cannot start caltrace serve: %s", ct_error_last());
	}
	if ((f = fopen(pidfile, "w"))) {
		fprintf(f, "%d\n", (int)d->web_pid);
		fclose(f);
	}
	for (deadline = ct__net_now() + 20; ct__net_port_free(d->web_port); ct__net_sleep_ms(50))
		if (waitpid(d->web_pid, &status, WNOHANG) == d->web_pid || ct__net_now() > deadline) {
			d->web_pid = 0;
			unlink(pidfile);
			return ct__demo_fail(d, CT_ESTATE, "caltrace serve did not start on %s (see %s)", listen,
					     log);
		}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", d->web_port);
	json_object_set_new(d->doc, "web",
			    json_pack("{s:s, s:s++, s:s++++}", "url", url, "dashboard", url, "/dashboard?at=",
				      d->at_text, "instrument", url, "/i/", d->city.chain_example, "?at=", d->at_text));
	ct__demo_progress(d, "caltrace serve answers on %s", url);
	return 0;
}

/* The pid in pidfile when that process still runs `caltrace ... serve`, else 0. */
static pid_t serve_running(const char *pidfile)
{
	char path[64], cmd[512];
	FILE *f = fopen(pidfile, "r");
	int pid = 0;
	size_t n, i;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = '\0';
	for (i = 0; i < n; i++) /* the arguments, NUL-separated: look at all of them */
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	return strstr(cmd, "caltrace") && strstr(cmd, " serve ") ? (pid_t)pid : 0;
}

int ct__demo_web_stop(const char *dir)
{
	char pidfile[4300];
	pid_t pid;
	int waited;

	snprintf(pidfile, sizeof(pidfile), "%s/labs/%s/serve.pid", dir, ct_demo_labs[CT_DEMO_BUREAU].slug);
	pid = serve_running(pidfile);
	unlink(pidfile);
	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	for (waited = 0; waited < 200 && kill(pid, 0) == 0; waited++) {
		waitpid(pid, NULL, WNOHANG); /* reaps it when it is this process's child */
		ct__net_sleep_ms(50);
	}
	return 1;
}

pid_t ct__demo_pid_running(const char *pidfile)
{
	char path[64], cmd[256] = "";
	FILE *f = fopen(pidfile, "r");
	int pid = 0;
	size_t n;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = '\0';
	return strstr(cmd, "caltraced") ? (pid_t)pid : 0; /* argv[0], NUL-terminated */
}

int ct_demo_stop(const char *dir, int *stopped)
{
	char path[4300];
	pid_t pids[CT_DEMO_LABS + 1];
	int i, running = 0, waited;

	/* the last: the re-keyed lab's new home, where its node runs after phase 6 */
	for (i = 0; i <= CT_DEMO_LABS; i++) {
		if (i < CT_DEMO_LABS)
			snprintf(path, sizeof(path), "%s/labs/%s/caltraced.pid", dir, ct_demo_labs[i].slug);
		else
			snprintf(path, sizeof(path), "%s/labs/%s-newkey/caltraced.pid", dir,
				 ct_demo_labs[CT_DEMO_REKEYED].slug);
		if ((pids[i] = ct__demo_pid_running(path)) > 0) {
			kill(pids[i], SIGTERM);
			running++;
		}
		unlink(path);
	}
	ct__demo_web_stop(dir);
	for (waited = 0; waited < 600; waited++) {
		int left = 0;
		for (i = 0; i <= CT_DEMO_LABS; i++)
			left += pids[i] > 0 && kill(pids[i], 0) == 0;
		if (!left)
			break;
		ct__net_sleep_ms(50);
	}
	*stopped = running;
	return 0;
}

void ct__demo_remove_pidfiles(struct ct_demo *d)
{
	char path[4300];

	for (int i = 0; i < d->net.n; i++) {
		snprintf(path, sizeof(path), "%s/caltraced.pid", d->net.nodes[i].home);
		unlink(path);
	}
}
