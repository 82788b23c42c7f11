/* caltrace export: feeds as one stream of encoded entries (docs/FORMAT.md). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void help(void)
{
	printf("usage: caltrace export [--author KEY] -o FILE\n\n"
	       "Writes entries as a stream of canonical msgpack entries, one after another\n"
	       "(docs/FORMAT.md): the bureau's feed first, then every other feed by key, each\n"
	       "from seq 1. With --author, that feed only. `caltrace import FILE` on another\n"
	       "node verifies and ingests it. -o - writes to standard output.\n");
}

static int write_feed(FILE *out, ct_reader *r, const uint8_t author[CT_KEY_BYTES], uint64_t *count)
{
	ct_feed_head head;
	uint64_t seq;
	ct_entry e;
	int err;

	if ((err = ct_read_head(&head, r, author)) < 0)
		return err;
	for (seq = 1; seq <= head.size; seq++) {
		size_t mark = ct_reader_mark(r);
		if ((err = ct_read_entry(&e, r, author, seq)) < 0)
			return err;
		if (fwrite(e.raw, 1, e.raw_len, out) != e.raw_len)
			return CT_EIO;
		(*count)++;
		ct_reader_rewind(r, mark); /* e is written out: its copy can go */
	}
	return 0;
}

struct opts {
	uint8_t author[CT_KEY_BYTES];
	bool one;
	const char *path;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *o = ctx;

	if (code == 'o') {
		o->path = arg;
		return 0;
	}
	if (cli_parse_hex32("export", "--author", arg, o->author) < 0)
		return EXIT_ERR;
	o->one = true;
	return 0;
}

static const struct option longopts[] = {
    {"author", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'}, CLI_OPTION_END};
static const cli_cmd export_cmd = {"export", longopts, "o:", help, opt, 0, 0, "give the output file with -o FILE"};

int cmd_export(int argc, char **argv)
{
	struct opts o = {.one = false, .path = NULL};
	uint8_t bureau[CT_KEY_BYTES];
	const uint8_t *author = o.author;
	const char *path;
	char tmp[4200];
	bool one, have_bureau;
	ct_feed_head *heads = NULL;
	size_t count = 0, i;
	uint64_t written = 0;
	ct_reader *r = NULL;
	FILE *out = NULL;
	cli_args a = {0};
	cli_node n;
	int err = 0, rc;

	if ((rc = cli_parse(&export_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!o.path)
		return cli_usage_error("export", "%s", export_cmd.args_usage);
	path = o.path;
	one = o.one;
	rc = EXIT_ERR;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_read_heads(&heads, &count, r)) < 0) {
		rc = cli_fail("export", err, "cannot read the store");
		goto done;
	}
	/* Write to a temporary file and rename: an interrupted export leaves no half file. */
	snprintf(tmp, sizeof(tmp), "%s.part", path);
	out = strcmp(path, "-") == 0 ? stdout : fopen(tmp, "wb");
	if (!out) {
		fprintf(stderr, "caltrace export: cannot write %s: %s\n", tmp, strerror(errno));
		goto done;
	}
	have_bureau = ct_read_network(NULL, bureau, r) == 0;
	if (one)
		err = write_feed(out, r, author, &written);
	else {
		if (have_bureau)
			err = write_feed(out, r, bureau, &written);
		for (i = 0; i < count && err == 0; i++)
			if (!have_bureau || memcmp(heads[i].author, bureau, CT_KEY_BYTES) != 0)
				err = write_feed(out, r, heads[i].author, &written);
	}
	if (err == 0 && (fflush(out) != 0 || (out != stdout && fsync(fileno(out)) != 0)))
		err = CT_EIO;
	if (err < 0) {
		rc = cli_fail("export", err, "export failed after %llu entries", (unsigned long long)written);
		if (out != stdout)
			unlink(tmp);
		goto done;
	}
	if (out != stdout && rename(tmp, path) != 0) {
		fprintf(stderr, "caltrace export: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
		goto done;
	}
	fprintf(stderr, "exported %llu entries of %zu feeds to %s\n", (unsigned long long)written,
		one ? (size_t)1 : count, path);
	rc = EXIT_OK;
done:
	if (out && out != stdout)
		fclose(out);
	free(heads);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
