/*
 * What `caltrace demo` shows once every node holds the city: the bureau's
 * view through the real commands, run as children on the bureau's home
 * (`caltrace coverage`, `chain`, `impact`, `report`), the deliberately
 * broken chains judged by the evaluator beside what truth.json expected,
 * and every node's state digest. Also --keep's note and --stop.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caltrace/eval/trace.h"
#include "coverage_fmt.h"
#include "demo.h"

static json_t *parse_json(struct demo *d, const char *what, char *text)
{
	json_error_t err;
	json_t *j = text ? json_loads(text, 0, &err) : NULL;

	if (!j)
		demo_fail(d, "%s printed no JSON", what);
	free(text);
	return j;
}

/* Runs `caltrace ARGS` on the bureau's home, its stdout as JSON; NULL (printed) on failure. */
static json_t *bureau_json(struct demo *d, const char *what, const char *const args[])
{
	char log[4400], *out = NULL;
	int rc;

	snprintf(log, sizeof(log), "%s/%s.log", d->net.nodes[DEMO_BUREAU].home, what);
	rc = demo_run_cli(d, log, &out, d->net.nodes[DEMO_BUREAU].home, args);
	if (rc < 0 || rc == EXIT_ERR) {
		free(out);
		demo_fail(d, "`caltrace %s` failed; its log: %s", what, log);
		return NULL;
	}
	return parse_json(d, what, out);
}

/* The bureau's coverage by district (for --json; the text shows the report). */
static int show_coverage(struct demo *d)
{
	json_t *cov =
	    bureau_json(d, "coverage",
			(const char *[]){"coverage", "--at", d->at_text, "--by", "district", "--json", NULL});

	if (!cov)
		return EXIT_ERR;
	json_object_set_new(d->out, "coverage", cov);
	return 0;
}

static int show_chain(struct demo *d)
{
	const char *id = d->city.chain_example;
	char log[4400];
	json_t *chain;

	if (!(chain =
		  bureau_json(d, "chain", (const char *[]){"chain", id, "--at", d->at_text, "--json", NULL})))
		return EXIT_ERR;
	json_object_set_new(d->out, "chain", chain);
	if (d->json)
		return 0;
	printf("\n== One instrument's chain, down to the provincial calibration: `caltrace chain %s --at "
	       "%s`\n\n",
	       id, d->at_text);
	fflush(stdout);
	snprintf(log, sizeof(log), "%s/chain.log", d->net.nodes[DEMO_BUREAU].home);
	char *text = NULL;
	demo_run_cli(d, log, &text, d->net.nodes[DEMO_BUREAU].home,
		     (const char *[]){"chain", id, "--at", d->at_text, NULL});
	fputs(text ? text : "", stdout);
	free(text);
	return 0;
}

static int show_impact(struct demo *d)
{
	const char *std = d->city.oot_standard, *prev = "";
	json_t *im = bureau_json(d, "impact",
				 (const char *[]){"impact", std, "--at", d->at_text, "--json", NULL}),
	       *it;
	size_t i, ids = 0, suspect = 0, shown = 0;

	if (!im)
		return EXIT_ERR;
	json_object_set_new(d->out, "impact", im);
	if (d->json)
		return 0;
	json_array_foreach(json_object_get(im, "items"), i, it)
	{
		const char *id = json_string_value(json_object_get(it, "id"));
		if (strcmp(id, prev) != 0) {
			ids++;
			suspect += strcmp(json_string_value(json_object_get(it, "verdict")), "suspect") == 0;
		}
		prev = id;
	}
	printf("\n== Reverse traceability: `caltrace impact %s --at %s`\n\n", std, d->at_text);
	printf("  %s was found out of tolerance at its recalibration; its owner declared it so since\n"
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
		printf("    %-16s %-10s %s\n", id, json_string_value(json_object_get(it, "district")),
		       json_string_value(json_object_get(it, "verdict")));
	}
	if (ids > 6)
		printf("    ... (%zu more)\n", ids - 6);
	return 0;
}

/* Every node signs a checkpoint of its own feed; the bureau cosigns them all (witness). */
static int checkpoints(struct demo *d, char *dir, size_t dirlen)
{
	const char *witness[DEMO_LABS + 2];
	char notes[DEMO_LABS][4400], log[4400], *note = NULL;
	FILE *f;
	int i, rc;

	if (snprintf(dir, dirlen, "%s/checkpoints", d->dir) >= (int)dirlen ||
	    (mkdir(dir, 0755) != 0 && errno != EEXIST))
		return demo_fail(d, "cannot create %s", dir);
	witness[0] = "witness";
	for (i = 0; i < d->net.n; i++) {
		const char *home = d->net.nodes[i].home;
		if (PATHF(log, "%s/checkpoint.log", home) ||
		    PATHF(notes[i], "%s/%s.note", dir, demo_labs[i].slug))
			return demo_fail(d, "--dir is too long");
		rc = demo_run_cli(d, log, &note, home, (const char *[]){"checkpoint", "--sign", NULL});
		if (rc != 0 || !note || !(f = fopen(notes[i], "w"))) {
			free(note);
			return demo_fail(d, "%s could not sign a checkpoint of its feed; its log: %s",
					 demo_labs[i].slug, log);
		}
		fputs(note, f);
		fclose(f);
		free(note);
		note = NULL;
		witness[i + 1] = notes[i];
	}
	witness[d->net.n + 1] = NULL;
	if (PATHF(log, "%s/witness.log", d->net.nodes[DEMO_BUREAU].home))
		return demo_fail(d, "--dir is too long");
	if (demo_run_cli(d, log, NULL, d->net.nodes[DEMO_BUREAU].home, witness) != 0)
		return demo_fail(d, "the bureau could not cosign the checkpoints; its log: %s", log);
	return 0;
}

/* A proof bundle of the example chain, made on the bureau's home and verified with its key alone. */
static int show_proof(struct demo *d)
{
	const char *id = d->city.chain_example;
	char dir[4300], bundle[4400], log[4400], *text = NULL, why[512];
	const char *bureau_key = d->gen.keys[DEMO_BUREAU];
	struct stat st;
	int rc;

	if ((rc = checkpoints(d, dir, sizeof(dir))) != 0)
		return rc;
	if (PATHF(bundle, "%s/%s.bundle", d->dir, id) ||
	    PATHF(log, "%s/prove.log", d->net.nodes[DEMO_BUREAU].home))
		return demo_fail(d, "--dir is too long");
	if (demo_run_cli(d, log, NULL, d->net.nodes[DEMO_BUREAU].home,
			 (const char *[]){"prove", id, "--at", d->at_text, "-o", bundle, NULL}) != 0)
		return demo_fail(d, "`caltrace prove %s` failed; its log: %s", id, log);
	/* verify: nothing but the file and the bureau's key, no node home */
	char *argv[] = {
	    "caltrace", "verify", bundle, "--bureau", (char *)bureau_key, d->json ? "--json" : NULL, NULL};
	if (PATHF(log, "%s/verify.log", dir))
		return demo_fail(d, "--dir is too long");
	rc = net_run(d->caltrace, argv, log, &text, why, sizeof(why));
	if (rc < 0 || rc == EXIT_ERR) {
		free(text);
		return demo_fail(d, "the proof bundle %s does not verify; see %s", bundle, log);
	}
	json_t *proof = json_pack("{s:s, s:I, s:s}", "bundle", bundle, "bytes",
				  (json_int_t)(stat(bundle, &st) == 0 ? st.st_size : 0), "verdict",
				  rc == 0 ? "valid" : "not valid");
	if (d->json) {
		json_t *chain = parse_json(d, "verify", text);
		if (!chain) {
			json_decref(proof);
			return EXIT_ERR;
		}
		json_object_set_new(proof, "chain", chain);
	} else {
		printf("\n== A proof bundle, checked offline: `caltrace prove %s -o %s`, then\n"
		       "   `caltrace verify %s --bureau %.16s…` (no node home: the file and the bureau's "
		       "key)\n\n"
		       "  Every node signed a checkpoint of its feed and the bureau cosigned them; the "
		       "bundle holds\n"
		       "  the %lld bytes of entries, inclusion proofs and cosigned checkpoints the verdict "
		       "rests on:\n\n%s",
		       id, bundle, bundle, bureau_key, (long long)st.st_size, text ? text : "");
		free(text);
	}
	json_object_set_new(d->out, "proof", proof);
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
static int judge_broken(struct demo *d, json_t *truth, json_t *out)
{
	char path[4300];
	ct_ledger_opts opts = {0};
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	ct_tracer *tr = NULL;
	json_t *b;
	size_t i;
	int err;

	opts.read_only = true;
	snprintf(path, sizeof(path), "%s/data", d->net.nodes[DEMO_BUREAU].home);
	if ((err = ct_ledger_open(&l, path, &opts)) < 0 || (err = ct_reader_begin(&r, l)) < 0 ||
	    (err = ct_tracer_new(&tr, r)) < 0)
		goto done;
	json_array_foreach(json_object_get(truth, "broken"), i, b)
	{
		const char *id = json_string_value(json_object_get(b, "id"));
		ct_verdict v;
		uint64_t bits = 0;
		if ((err = ct_trace_verdict(tr, CT_NS_INSTRUMENT, id, strlen(id), d->at, &v, &bits)) < 0)
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
		demo_fail(d, "cannot evaluate on the bureau's store: %s", ct_error_last());
	ct_tracer_free(tr);
	ct_reader_end(r);
	ct_ledger_close(l);
	return err < 0 ? EXIT_ERR : 0;
}

static void print_broken(json_t *judged)
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

	printf("\n== The city's imperfections, as truth.json expects them and as the evaluator reports "
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
		printf("  %-70s %5zu, %zu as expected\n    e.g. %-16s %s %s\n", story[k], n, ok,
		       json_string_value(json_object_get(example, "id")),
		       json_string_value(json_object_get(example, "verdict")), reasons ? reasons : "");
		free(reasons);
	}
}

static int show_broken(struct demo *d)
{
	json_error_t err;
	json_t *truth = json_load_file(d->city.truth_path, 0, &err), *judged = json_array();
	int rc;

	if (!truth) {
		json_decref(judged);
		return demo_fail(d, "%s: %s", d->city.truth_path, err.text);
	}
	rc = judge_broken(d, truth, judged);
	json_decref(truth);
	if (rc == 0 && !d->json)
		print_broken(judged);
	json_object_set_new(d->out, "broken", judged);
	return rc;
}

/* The bureau's report against the plan's targets, overall and by district, and its HTML page. */
static int show_report(struct demo *d)
{
	char html[4300], log[4400], *text = NULL;

	if (PATHF(html, "%s/report.html", d->dir) ||
	    PATHF(log, "%s/report.log", d->net.nodes[DEMO_BUREAU].home))
		return demo_fail(d, "--dir is too long");
	if (demo_run_cli(d, log, &text, d->net.nodes[DEMO_BUREAU].home,
			 (const char *[]){"report", "--at", d->at_text, "--html", html, NULL}) != 0) {
		free(text);
		return demo_fail(d, "`caltrace report` failed; its log: %s", log);
	}
	json_object_set_new(d->out, "report_html", json_string(html));
	if (!d->json)
		printf("\n== The bureau's report against the plan's targets: `caltrace report --at %s --html "
		       "%s`\n\n%s",
		       d->at_text, html, text ? text : "");
	free(text);
	return 0;
}

/* Every node's digest, read from its store: all equal when replication is complete. */
static int show_digests(struct demo *d)
{
	json_t *digests = json_object();
	struct net_state st;
	char hex[65], first[65] = "";
	bool same = true;
	int i;

	for (i = 0; i < d->net.n; i++) {
		if (net_read_state(d->net.nodes[i].home, &st) < 0)
			return demo_fail(d, "cannot read the store of %s: %s", demo_labs[i].slug,
					 ct_error_last());
		ct_hex(hex, st.digest, 32);
		json_object_set_new(digests, demo_labs[i].slug, json_string(hex));
		if (!*first)
			memcpy(first, hex, sizeof(hex));
		same &= strcmp(first, hex) == 0;
	}
	json_object_set_new(d->out, "digests", digests);
	json_object_set_new(d->out, "entries", json_integer((json_int_t)d->written));
	if (!d->json)
		printf("\n== %s %d nodes hold the same %llu entries: state digest %.16s…\n",
		       same ? "All" : "NOT all", d->net.n, (unsigned long long)d->written, first);
	return same ? 0 : demo_fail(d, "the nodes' digests differ");
}

int demo_show(struct demo *d)
{
	json_t *labs = json_array();
	int i, rc;

	for (i = 0; i < d->net.n; i++)
		json_array_append_new(labs, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "lab",
						      demo_labs[i].slug, "name", demo_labs[i].name, "key",
						      d->gen.keys[i], "port", d->net.nodes[i].port, "home",
						      d->net.nodes[i].home, "log", d->net.nodes[i].log));
	json_object_set_new(d->out, "dir", json_string(d->dir));
	json_object_set_new(d->out, "seed", json_integer((json_int_t)d->seed));
	json_object_set_new(d->out, "at", json_string(d->at_text));
	json_object_set_new(d->out, "instruments", json_integer((json_int_t)d->city.instruments));
	json_object_set_new(d->out, "truth", json_string(d->city.truth_path));
	json_object_set_new(d->out, "labs", labs);
	json_object_set_new(d->out, "chain_example", json_string(d->city.chain_example));
	json_object_set_new(d->out, "oot_standard", json_string(d->city.oot_standard));
	if ((rc = show_coverage(d)) != 0 || (rc = show_report(d)) != 0 || (rc = show_chain(d)) != 0 ||
	    (rc = show_impact(d)) != 0 || (rc = show_proof(d)) != 0 || (rc = show_broken(d)) != 0 ||
	    (rc = show_digests(d)) != 0)
		return rc;
	fflush(stdout);
	return 0;
}

void demo_keep_note(struct demo *d)
{
	const char *home = d->net.nodes[DEMO_BUREAU].home;

	printf("\nThe network keeps running: %d caltraced on 127.0.0.1:%d-%d, logs in %s/*/caltraced.log.\n"
	       "Ask it, for instance:\n"
	       "  caltrace --home %s/city status\n"
	       "  caltrace --home %s chain %s --at %s\n"
	       "  caltrace --home %s coverage --by district --at %s\n"
	       "  caltrace --home %s impact %s --at %s\n"
	       "  caltrace --home %s due --at %s\n"
	       "Stop it with: caltrace demo --stop --dir %s\n",
	       d->net.n, d->base_port, d->base_port + d->net.n - 1, d->labs_dir, d->labs_dir, home,
	       d->city.chain_example, d->at_text, home, d->at_text, home, d->city.oot_standard, d->at_text,
	       home, d->at_text, d->dir);
}

pid_t demo_pid_running(const char *pidfile)
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

int demo_stop_dir(const char *dir)
{
	char path[4300];
	pid_t pids[DEMO_LABS];
	int i, running = 0, waited;

	for (i = 0; i < DEMO_LABS; i++) {
		snprintf(path, sizeof(path), "%s/labs/%s/caltraced.pid", dir, demo_labs[i].slug);
		if ((pids[i] = demo_pid_running(path)) > 0) {
			kill(pids[i], SIGTERM);
			running++;
		}
		unlink(path);
	}
	for (waited = 0; waited < 600; waited++) {
		int left = 0;
		for (i = 0; i < DEMO_LABS; i++)
			left += pids[i] > 0 && kill(pids[i], 0) == 0;
		if (!left)
			break;
		net_sleep_ms(50);
	}
	fprintf(stderr, "caltrace demo: stopped %d node%s in %s\n", running, running == 1 ? "" : "s", dir);
	return EXIT_OK;
}

void demo_remove_pidfiles(struct demo *d)
{
	char path[4300];

	for (int i = 0; i < d->net.n; i++) {
		snprintf(path, sizeof(path), "%s/caltraced.pid", d->net.nodes[i].home);
		unlink(path);
	}
}
