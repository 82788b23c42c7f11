/* caltrace import FILE: verify and ingest a stream of encoded entries. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BATCH_ENTRIES 20000

static void help(void)
{
	printf("usage: caltrace import FILE\n\n"
	       "FILE - reads standard input.\n"
	       "Verifies and ingests a stream written by `caltrace export`: every entry's\n"
	       "canonical form, signature, schema, authority and place in its feed. Entries of\n"
	       "authors the bureau has not admitted yet wait in the pending area. The first bad\n"
	       "entry stops the import with its position and the rule it broke; every valid\n"
	       "entry before it is kept. An equivocating author's second entry is recorded as\n"
	       "fork proof. Exit 0 ok, 1 a fork was found, 2 an error.\n");
}

struct tally {
	uint64_t seen, appended, duplicate, pending, forks;
};

static void progress(const struct tally *t, size_t done, size_t total, bool final)
{
	if (!cli_interactive() && !final)
		return;
	fprintf(stderr, "\r%llu entries read (%zu%%): %llu new, %llu already held, %llu pending, %llu forks%s",
		(unsigned long long)t->seen, total ? done * 100 / total : 100, (unsigned long long)t->appended,
		(unsigned long long)t->duplicate, (unsigned long long)t->pending, (unsigned long long)t->forks,
		final ? "\n" : "");
}

/* Ingests the stream; returns 0, or an error after printing where. */
static int ingest_stream(ct_ledger *l, const uint8_t *buf, size_t len, struct tally *t)
{
	ct_batch *b = NULL;
	ct_ingest_result res;
	size_t off = 0, n;
	time_t last = time(NULL);
	int err = 0, cerr;

	while (off < len) {
		if (!b && (err = ct_batch_begin(&b, l)) < 0)
			return cli_fail("import", err, "cannot write");
		if ((err = ct_entry_frame(&n, buf + off, len - off)) < 0) {
			cli_fail("import", err, "entry %llu at byte %zu is malformed (%s)", (unsigned long long)t->seen + 1,
				 off, ct_strerror(err));
			break;
		}
		if ((err = ct_batch_ingest(b, buf + off, n, 0, &res)) < 0) {
			cli_fail("import", err, "entry %llu at byte %zu refused (%s)", (unsigned long long)t->seen + 1, off,
				 ct_strerror(err));
			break;
		}
		t->seen++;
		t->appended += res == CT_INGEST_APPENDED;
		t->duplicate += res == CT_INGEST_DUPLICATE;
		t->pending += res == CT_INGEST_PENDING;
		if (res == CT_INGEST_FORK) {
			ct_entry e;
			char hex[65];
			t->forks++;
			if (ct_entry_decode(&e, buf + off, n) == 0) {
				ct_hex(hex, e.author, CT_KEY_BYTES);
				fprintf(stderr, "caltrace import: fork: author %.16s… signed two different entries "
						"#%llu; proof recorded, feed frozen\n",
					hex, (unsigned long long)e.seq);
			}
		}
		off += n;
		if (t->seen % BATCH_ENTRIES == 0) {
			if ((err = ct_batch_commit(b)) < 0)
				return cli_fail("import", err, "cannot commit");
			b = NULL;
			if (time(NULL) != last) {
				last = time(NULL);
				progress(t, off, len, false);
			}
		}
	}
	/* Whatever was valid before a failure is kept. */
	if (b && (cerr = ct_batch_commit(b)) < 0)
		return cli_fail("import", cerr, "cannot commit");
	return err < 0 ? EXIT_ERR : 0;
}

/*
 * Reads the whole input: a regular file is mapped; a pipe, a FIFO or
 * standard input ("-") is read into buf (their size is not known ahead).
 */
static int load_input(const char *path, ct_buf *buf, void **map, size_t *len)
{
	uint8_t chunk[65536];
	struct stat st;
	ssize_t got;
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);

	*map = MAP_FAILED;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) != 0)
		goto fail;
	if (S_ISREG(st.st_mode)) {
		*len = (size_t)st.st_size;
		if (*len > 0 && (*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
			goto fail;
	} else {
		while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				goto fail;
			if (ct_buf_put(buf, chunk, (size_t)got) < 0) {
				errno = ENOMEM;
				goto fail;
			}
		}
		*len = buf->len;
	}
	if (fd > 0)
		close(fd);
	return 0;
fail:
	fprintf(stderr, "caltrace import: cannot read %s: %s\n", path, strerror(errno));
	if (fd > 0)
		close(fd);
	return -1;
}

int cmd_import(int argc, char **argv)
{
	struct tally t = {0};
	ct_buf buf = CT_BUF_INIT;
	void *map = MAP_FAILED;
	size_t len;
	cli_node n;
	int rc;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help();
		return EXIT_OK;
	}
	if (argc != 2)
		return cli_usage_error("import", "expects one FILE");
	if (load_input(argv[1], &buf, &map, &len) < 0)
		return EXIT_ERR;
	if ((rc = cli_open(&n, 0)) == 0) {
		rc = len ? ingest_stream(n.ledger, map != MAP_FAILED ? map : buf.ptr, len, &t) : 0;
		cli_pin_network(&n);
		progress(&t, 1, 1, true);
		if (rc == 0 && t.forks)
			rc = EXIT_NO;
		cli_close(&n);
	}
	if (map != MAP_FAILED)
		munmap(map, len);
	ct_buf_free(&buf);
	return rc;
}
