/*
 * caltrace status: what the store holds (feeds, forks, pending entries,
 * digest) and, when caltraced runs, its peers with their state and lag
 * per feed.
 */
#include <string.h>

#include "caltrace/ledger/status.h"
#include "cli.h"

static void help(void)
{
	printf("usage: caltrace status [--json]\n\n"
	       "Shows this node: its key and network, every feed's size and head, fork proofs\n"
	       "held, entries pending admission, the state digest, and, when caltraced runs,\n"
	       "each peer's address, state and lag per feed (how many entries it is behind\n"
	       "(-) or ahead (+) of this node).\n\n"
	       "  --json   one JSON object instead of text\n");
}

/* The store's side: feeds, forks, pending, digest, network. */
static int store_json(cli_node *n, json_t *o)
{
	ct_reader *r = NULL;
	int err;

	if ((err = ct_reader_begin(&r, n->ledger)) < 0)
		return err;
	err = ct_status_store_json(o, r, ct_keypair_public(n->kp), &n->cfg);
	ct_reader_end(r);
	return err;
}

static void print_peer(json_t *p)
{
	const char *key = json_string_value(json_object_get(p, "key"));
	const char *state = json_string_value(json_object_get(p, "state"));
	const char *err = json_string_value(json_object_get(p, "last_error"));
	json_t *feeds = json_object_get(p, "feeds"), *f;
	size_t i;

	printf("  %.8s…@%s  %s", key ? key : "?", json_string_value(json_object_get(p, "address")), state);
	if (json_object_get(p, "direction"))
		printf(" (%s, in %lld, out %lld)", json_string_value(json_object_get(p, "direction")),
		       (long long)json_integer_value(json_object_get(p, "entries_in")),
		       (long long)json_integer_value(json_object_get(p, "entries_out")));
	if (json_object_get(p, "retry_in_ms"))
		printf(", retry in %.1f s",
		       (double)json_integer_value(json_object_get(p, "retry_in_ms")) / 1000);
	if (err)
		printf(": %s", err);
	printf("\n");
	json_array_foreach(feeds, i, f)
	{
		json_int_t lag = json_integer_value(json_object_get(f, "lag"));
		if (lag)
			printf("      feed %.8s…: %+lld (it holds %lld, this node %lld)\n",
			       json_string_value(json_object_get(f, "author")), (long long)lag,
			       (long long)json_integer_value(json_object_get(f, "remote")),
			       (long long)json_integer_value(json_object_get(f, "local")));
	}
}

static void print_text(const void *status)
{
	json_t *o = (json_t *)status;
	json_t *node = json_object_get(o, "node"), *v;
	size_t i;

	printf("key      %s\n", json_string_value(json_object_get(o, "key")));
	if ((v = json_object_get(o, "network")))
		printf("network  %s\n", json_string_value(v));
	printf("digest   %s\n", json_string_value(json_object_get(o, "digest")));
	if (json_is_true(json_object_get(node, "running")))
		printf("node     running, listening on %s, up %lld s\n",
		       json_string_value(json_object_get(node, "listen")),
		       (long long)json_integer_value(json_object_get(node, "uptime_ms")) / 1000);
	else
		printf("node     not running\n");
	printf("pending  %lld entries wait for their author's admission\n",
	       (long long)json_integer_value(json_object_get(o, "pending")));
	if (json_is_true(json_object_get(o, "restored_unconfirmed")))
		printf("appends  REFUSED: this store was restored from a backup; caltraced must reach a peer "
		       "that reports this node's own feed first\n");
	else if (json_is_true(json_object_get(o, "appends_refused")))
		printf("appends  REFUSED: a peer reported this node's own feed at %lld entries; caltraced "
		       "must fetch "
		       "them first\n",
		       (long long)json_integer_value(json_object_get(o, "own_feed_reported")));
	printf("feeds:\n");
	json_array_foreach(json_object_get(o, "feeds"), i, v)
	{
		const char *head = json_string_value(json_object_get(v, "head"));
		printf("  %.16s…  %8lld entries  head %.16s%s%s%s\n",
		       json_string_value(json_object_get(v, "author")),
		       (long long)json_integer_value(json_object_get(v, "size")), head ? head : "(none)",
		       head ? "…" : "", json_is_true(json_object_get(v, "forked")) ? "  FORKED (frozen)" : "",
		       json_is_true(json_object_get(v, "admitted")) ? "" : "  not admitted");
	}
	if (json_array_size(json_object_get(o, "forks"))) {
		printf("forks:\n");
		json_array_foreach(json_object_get(o, "forks"), i, v)
		    printf("  %.16s… signed two different entries at #%lld\n",
			   json_string_value(json_object_get(v, "author")),
			   (long long)json_integer_value(json_object_get(v, "seq")));
	}
	if (json_is_true(json_object_get(node, "running"))) {
		printf("peers:%s\n", json_array_size(json_object_get(o, "peers")) ? "" : " none");
		json_array_foreach(json_object_get(o, "peers"), i, v) print_peer(v);
	}
}

static const struct option longopts[] = {CLI_OPTION_JSON, CLI_OPTION_END};
static const cli_cmd status_cmd = {"status", longopts, NULL, help, NULL, 0, 0, NULL};

int cmd_status(int argc, char **argv)
{
	json_t *o, *req, *ans = NULL, *node;
	char hex[2 * CT_KEY_BYTES + 1];
	cli_args a = {0};
	cli_node n;
	int err, rc;

	if ((rc = cli_parse(&status_cmd, argc, argv, &a, NULL)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	rc = EXIT_ERR;
	o = json_object();
	if (cli_open(&n, CLI_KEY | CLI_READONLY) != 0) {
		json_decref(o);
		return EXIT_ERR;
	}
	ct_key_hex(hex, ct_keypair_public(n.kp));
	json_object_set_new(o, "key", json_string(hex));
	if ((err = store_json(&n, o)) < 0) {
		rc = cli_fail("status", err, "cannot read the store");
		goto done;
	}
	req = json_pack("{s:s}", "cmd", "status");
	node = json_object();
	if (cli_control(n.dir, req, &ans) == 0 && json_is_true(json_object_get(ans, "ok"))) {
		json_object_set_new(node, "running", json_true());
		json_object_set(node, "listen", json_object_get(ans, "listen"));
		json_object_set(node, "uptime_ms", json_object_get(ans, "uptime_ms"));
		json_object_set(node, "ingest", json_object_get(ans, "ingest"));
		json_object_set(o, "peers", json_object_get(ans, "peers"));
	} else {
		json_object_set_new(node, "running", json_false());
	}
	json_decref(req);
	json_object_set_new(o, "node", node);
	rc = cli_print_as(a.format, &(cli_forms){print_text, cli_json_itself, NULL}, o);
done:
	json_decref(ans);
	json_decref(o);
	cli_close(&n);
	return rc;
}
