/* caltrace log [KEY]: a feed's entries, oldest first. */
#include <string.h>

#include "cli.h"

static void help(void)
{
	printf("usage: caltrace log [KEY] [--json] [--from SEQ] [--limit N]\n\n"
	       "Lists the entries of the feed of KEY (default: this node's own feed), oldest\n"
	       "first: seq, time, type, the body's main id, and the entry hash.\n\n"
	       "  --json        one JSON array of entries, every field\n"
	       "  --from SEQ    start at entry SEQ (default 1)\n"
	       "  --limit N     at most N entries\n");
}

/* The body field a person recognises an entry by. */
static void summary(const ct_entry *e, char *out, size_t size)
{
	ct_event_type t = ct_event_type_of(e->type, e->type_len);
	ct_event_keys k;
	char hex[2 * CT_KEY_BYTES + 1];

	out[0] = '\0';
	if (t == CT_EV_UNKNOWN || ct_event_keys_of(&k, t, e->body, e->body_len) < 0)
		return;
	if (k.id)
		snprintf(out, size, "%.*s", (int)k.id_len, k.id);
	else if (k.key) {
		ct_hex(hex, k.key, CT_KEY_BYTES);
		snprintf(out, size, "%.16s…", hex);
	}
}

static int print_entry(const ct_entry *e, json_t *list)
{
	uint8_t hash[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1], when[40], what[128];

	if (list) {
		json_array_append_new(list, cli_entry_json(e));
		return 0;
	}
	ct_entry_hash(hash, e->raw, e->raw_len);
	ct_hex(hex, hash, CT_HASH_BYTES);
	ct_time_format(when, sizeof(when), e->time);
	summary(e, what, sizeof(what));
	printf("%6llu  %-24s %-26.*s %-24s %.16s…\n", (unsigned long long)e->seq, when, (int)e->type_len, e->type,
	       what, hex);
	return 0;
}

struct opts {
	unsigned long long from, limit;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *o = ctx;

	*(code == 'f' ? &o->from : &o->limit) = strtoull(arg, NULL, 10);
	return 0;
}

static const struct option longopts[] = {CLI_OPTION_JSON,
					 {"from", required_argument, NULL, 'f'},
					 {"limit", required_argument, NULL, 'n'},
					 CLI_OPTION_END};
static const cli_cmd log_cmd = {"log", longopts, NULL, help, opt, 0, 1, "expects at most one KEY"};

int cmd_log(int argc, char **argv)
{
	struct opts o = {1, UINT64_MAX};
	uint8_t author[CT_KEY_BYTES];
	unsigned long long seq;
	json_t *list = NULL;
	ct_reader *r = NULL;
	ct_feed_head head;
	cli_args a = {0};
	ct_entry e;
	cli_node n;
	int err, rc;

	if ((rc = cli_parse(&log_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (a.nargs == 1 && cli_parse_hex32("log", "KEY", a.args[0], author) < 0)
		return EXIT_ERR;
	if (cli_open(&n, a.nargs == 0 ? CLI_KEY | CLI_READONLY : CLI_READONLY) != 0)
		return EXIT_ERR;
	rc = EXIT_ERR;
	if (a.format == CLI_JSON)
		list = json_array();
	if (a.nargs == 0)
		memcpy(author, ct_keypair_public(n.kp), CT_KEY_BYTES);
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		rc = cli_fail("log", err, "cannot read the store");
		goto done;
	}
	if ((err = ct_read_head(&head, r, author)) < 0) {
		rc = cli_fail("log", err, "no such feed");
		goto done;
	}
	for (seq = o.from ? o.from : 1; seq <= head.size && o.limit > 0; seq++, o.limit--) {
		size_t mark = ct_reader_mark(r);
		if ((err = ct_read_entry(&e, r, author, seq)) < 0) {
			rc = cli_fail("log", err, "cannot read entry %llu", seq);
			goto done;
		}
		print_entry(&e, list); /* printed, or copied into list */
		ct_reader_rewind(r, mark);
	}
	rc = list ? cli_print_json(list) : EXIT_OK;
done:
	json_decref(list);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
