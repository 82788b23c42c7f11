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

int cmd_import(int argc, char **argv)
{
	struct tally t = {0};
	const char *path;
	struct stat st;
	void *map = MAP_FAILED;
	cli_node n;
	int fd = -1, rc;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help();
		return EXIT_OK;
	}
	if (argc != 2)
		return cli_usage_error("import", "expects one FILE");
	path = argv[1];
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "caltrace import: cannot read %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_ERR;
	}
	if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		fprintf(stderr, "caltrace import: cannot map %s: %s\n", path, strerror(errno));
		close(fd);
		return EXIT_ERR;
	}
	close(fd);
	if (cli_open(&n, 0) != 0) {
		if (map != MAP_FAILED)
			munmap(map, (size_t)st.st_size);
		return EXIT_ERR;
	}
	rc = st.st_size ? ingest_stream(n.ledger, map, (size_t)st.st_size, &t) : 0;
	progress(&t, 1, 1, true);
	if (rc == 0 && t.forks)
		rc = EXIT_NO;
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	cli_close(&n);
	return rc;
}
