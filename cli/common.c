/* Helpers every command shares: opening the home, errors, time, JSON output. */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const char *cmd, int err, const char *fmt, ...)
{
	const char *detail = ct_error_last();
	va_list ap;

	fprintf(stderr, "caltrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (detail && *detail)
		fprintf(stderr, ": %s\n", detail);
	else
		fprintf(stderr, ": %s\n", ct_strerror(err));
	return EXIT_ERR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "caltrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (caltrace %s --help)\n", cmd);
	return EXIT_ERR;
}

/* Long work on opening (the instrument summary of a store that has none): a line on stderr, rewritten. */
static void open_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (total == 0)
		return; /* an empty store: nothing to say */
	fprintf(stderr, "\rcaltrace: %s: %llu of %llu%s", what, (unsigned long long)done, (unsigned long long)total,
		done >= total ? "\n" : "");
}

int cli_open(cli_node *n, unsigned flags)
{
	ct_ledger_opts opts = {0};
	char path[4200];
	int err;

	memset(n, 0, sizeof(*n));
	snprintf(n->dir, sizeof(n->dir), "%s", cli_home);
	snprintf(path, sizeof(path), "%s/config", n->dir);
	if ((err = ct_config_load(&n->cfg, path)) < 0) {
		if (err == CT_ENOTFOUND)
			fprintf(stderr, "caltrace: no node home at %s (create one with `caltrace init %s`, or "
					"pass --home DIR)\n",
				n->dir, n->dir);
		else
			fprintf(stderr, "caltrace: %s\n", ct_error_last());
		return EXIT_ERR;
	}
	if (flags & CLI_KEY) {
		snprintf(path, sizeof(path), "%s/key", n->dir);
		if ((err = ct_keypair_load(&n->kp, path)) < 0) {
			fprintf(stderr, "caltrace: cannot load the node's key: %s\n", ct_error_last());
			cli_close(n);
			return EXIT_ERR;
		}
	}
	snprintf(path, sizeof(path), "%s/data", n->dir);
	opts.read_only = (flags & CLI_READONLY) != 0;
	opts.migrate = (flags & CLI_MIGRATE) != 0;
	if (n->cfg.has_network)
		opts.network = n->cfg.network;
	opts.map_max = (size_t)n->cfg.map_max; /* a write here grows the map no further than the node's */
	opts.progress = open_progress;
	if ((err = ct_ledger_open(&n->ledger, path, &opts)) < 0) {
		fprintf(stderr, "caltrace: cannot open the store in %s: %s\n", path, ct_error_last());
		cli_close(n);
		return EXIT_ERR;
	}
	return 0;
}

void cli_close(cli_node *n)
{
	ct_ledger_close(n->ledger);
	ct_keypair_free(n->kp);
	ct_config_free(&n->cfg);
	n->ledger = NULL;
	n->kp = NULL;
}

uint64_t cli_now_ms(void)
{
	const char *fixed = getenv("CALTRACE_NOW");
	struct timeval tv;
	uint64_t ms;

	if (fixed && *fixed && ct_time_parse(&ms, fixed) == 0)
		return ms;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

int cli_parse_time(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
	if (ct_time_parse(out, s) < 0) {
		fprintf(stderr, "caltrace %s: %s '%s' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n", cmd,
			opt, s);
		return -1;
	}
	return 0;
}

int cli_parse_hex32(const char *cmd, const char *what, const char *s, uint8_t out[32])
{
	if (ct_unhex(out, 32, s) < 0) {
		fprintf(stderr, "caltrace %s: %s '%s' is not 64 hex digits\n", cmd, what, s);
		return -1;
	}
	return 0;
}

int cli_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0 | JSON_PRESERVE_ORDER);

	if (!s) {
		fprintf(stderr, "caltrace: cannot format JSON output\n");
		return EXIT_ERR;
	}
	puts(s);
	free(s);
	return 0;
}

json_t *cli_entry_json(const ct_entry *e)
{
	json_t *o = NULL;

	ct_entry_to_json(&o, e);
	return o;
}

int cli_append_event(const char *cmd, cli_node *n, const char *type, json_t *fields, bool json_out)
{
	ct_buf body = CT_BUF_INIT;
	uint8_t hash[CT_HASH_BYTES];
	char hex[2 * CT_HASH_BYTES + 1];
	ct_event_type t = ct_event_type_of(type, strlen(type));
	ct_batch *b = NULL;
	uint64_t seq = 0;
	int err, rc = EXIT_ERR;

	if ((err = ct_body_from_json(&body, t, fields)) < 0) {
		rc = cli_fail(cmd, err, "invalid %s", type);
		goto done;
	}
	if ((err = ct_batch_begin(&b, n->ledger)) < 0) {
		rc = cli_fail(cmd, err, "cannot write");
		goto done;
	}
	err = ct_batch_append(b, n->kp, cli_now_ms(), type, body.ptr, body.len, hash, &seq);
	if (err < 0) {
		ct_batch_abort(b);
		rc = cli_fail(cmd, err, "refused %s", type);
		goto done;
	}
	if ((err = ct_batch_commit(b)) < 0) {
		rc = cli_fail(cmd, err, "cannot commit %s", type);
		goto done;
	}
	if (t == CT_EV_NETWORK_GENESIS)
		cli_pin_network(n);
	ct_hex(hex, hash, CT_HASH_BYTES);
	if (json_out) {
		json_t *o = json_pack("{s:s, s:I, s:s}", "type", type, "seq", (json_int_t)seq, "hash", hex);
		rc = cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s #%llu %s\n", type, (unsigned long long)seq, hex);
		rc = EXIT_OK;
	}
done:
	json_decref(fields);
	ct_buf_free(&body);
	return rc;
}

json_t *cli_split_list(const char *s)
{
	json_t *list = json_array();
	const char *p = s, *comma;

	while (*p) {
		comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && (*p == ' ')) {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		if (n)
			json_array_append_new(list, json_stringn(p, n));
		if (!comma)
			break;
		p = comma + 1;
	}
	return list;
}

int cli_hash_file(const char *cmd, const char *path, uint8_t out[32])
{
	crypto_hash_sha256_state st;
	unsigned char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "caltrace %s: cannot read %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	crypto_hash_sha256_init(&st);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		crypto_hash_sha256_update(&st, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "caltrace %s: error reading %s\n", cmd, path);
		fclose(f);
		return -1;
	}
	fclose(f);
	crypto_hash_sha256_final(&st, out);
	return 0;
}

bool cli_interactive(void)
{
	return isatty(fileno(stderr));
}

void cli_pin_network(cli_node *n)
{
	char path[4200], hex[2 * CT_HASH_BYTES + 1];
	ct_reader *r = NULL;
	uint8_t id[CT_HASH_BYTES];
	int err;

	if (n->cfg.has_network || ct_reader_begin(&r, n->ledger) < 0)
		return;
	err = ct_read_network(id, NULL, r);
	ct_reader_end(r);
	if (err < 0)
		return;
	memcpy(n->cfg.network, id, CT_HASH_BYTES);
	n->cfg.has_network = 1;
	snprintf(path, sizeof(path), "%s/config", n->dir);
	if (ct_config_save(&n->cfg, path) < 0) {
		fprintf(stderr, "caltrace: cannot record the network id in %s: %s\n", path, ct_error_last());
		return;
	}
	ct_hex(hex, id, CT_HASH_BYTES);
	fprintf(stderr, "this node now belongs to network %s (recorded in %s)\n", hex, path);
}
