/*
 * Backups (core/ledger/backup.c, backup_tar.c): tar headers written and
 * read back at every size form, a backup of a home restored to the same
 * digest with its check passed, and what restore refuses: a damaged
 * member (named), a home that is not empty, a key of another node. A
 * restored store refuses appends until its mark is cleared, unless it was
 * restored trusting the backup.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_internal.h"
#include "caltrace/ledger/backup.h"
#include "caltrace/ledger/home.h"
#include "ct_store_test.h"

static void test_tar_header_sizes(void **state)
{
	static const uint64_t sizes[] = {0, 1, 511, 512, ((uint64_t)1 << 33) - 1, (uint64_t)1 << 33,
					 ((uint64_t)1 << 40) + 12345};
	uint8_t h[CT__TAR_BLOCK], zero[CT__TAR_BLOCK] = {0};
	char name[101];
	unsigned mode;
	uint64_t size;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ct__tar_header(h, "caltrace-backup/data/data.mdb", 0600, sizes[i], 1796500000);
		CT_OK_OR_FAIL(ct__tar_parse(h, name, &mode, &size));
		assert_string_equal(name, "caltrace-backup/data/data.mdb");
		assert_int_equal(mode, 0600);
		assert_int_equal(size, sizes[i]);
		/* octal below 8 GiB, base-256 from there (the first byte's high bit) */
		assert_int_equal(h[124] == 0x80, sizes[i] >= (uint64_t)1 << 33);
	}
	h[0] ^= 1; /* a changed byte: the checksum no longer matches */
	assert_int_equal(ct__tar_parse(h, name, &mode, &size), CT_EINVAL);
	TS_DETAIL_HAS("checksum");
	assert_int_equal(ct__tar_parse(zero, name, &mode, &size), 1);
	(void)state;
}

struct home {
	char *dir;
	char data[4200];
	ct_ledger *l;
	ct_keypair *kp;
};

/* A home with a config, a key pair and a store holding the genesis and n more entries. */
static void home_make(struct home *h, int n)
{
	ct_config cfg = {0};
	char path[4200], pub[4200];

	h->dir = ct_test_tmpdir();
	h->kp = ct_test_keypair(1);
	snprintf(path, sizeof(path), "%s/key", h->dir);
	snprintf(pub, sizeof(pub), "%s/key.pub", h->dir);
	CT_OK_OR_FAIL(ct_keypair_save(h->kp, path, pub));
	cfg.name = "Test bureau";
	cfg.listen = "127.0.0.1:7400";
	snprintf(path, sizeof(path), "%s/config", h->dir);
	CT_OK_OR_FAIL(ct_config_save(&cfg, path));
	snprintf(h->data, sizeof(h->data), "%s/data", h->dir);
	CT_OK_OR_FAIL(ct_ledger_open(&h->l, h->data, NULL));
	ts_append_ok(h->l, h->kp, ts_day(0), NULL, "network.genesis", "{'name':'C','districts':['n'],'policy':{}}");
	for (int i = 0; i < n; i++)
		ts_append_ok(h->l, h->kp, ts_day(1), NULL, "catalogue.set",
			     "{'item':'I-%d','name':'n','mode':'V','interval_days':365,'domains':['trade'],"
			     "'effective':'2024-01-01'}",
			     i);
}

static void home_free(struct home *h)
{
	ct_ledger_close(h->l);
	ct_keypair_free(h->kp);
	ct_test_rm_rf(h->dir);
	free(h->dir);
}

static void digest_of(ct_ledger *l, uint8_t out[32])
{
	ct_reader *r = NULL;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_digest(out, r));
	ct_reader_end(r);
}

static void test_backup_restore(void **state)
{
	ct_backup_opts o = {.with_key = false, .time_ms = ts_day(2)};
	ct_backup_info taken, restored;
	struct home h;
	uint8_t before[32], after[32];
	char file[4300], target[4300], path[4400];
	ct_ledger *l = NULL;
	struct stat st;
	bool mark;
	ct_reader *r = NULL;
	ct_buf body = CT_BUF_INIT;
	ct_batch *b = NULL;

	home_make(&h, 40);
	o.home = h.dir;
	digest_of(h.l, before);
	snprintf(file, sizeof(file), "%s/b.ctb", h.dir);
	CT_OK_OR_FAIL(ct_ledger_backup(h.l, file, &o, &taken));
	assert_memory_equal(taken.digest, before, 32);
	assert_int_equal(taken.entries, 41);
	assert_int_equal(taken.feeds, 1);
	assert_false(taken.has_key);
	assert_true(taken.has_node_key);
	assert_memory_equal(taken.node_key, ct_keypair_public(h.kp), 32);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* never over an existing file */
	assert_int_equal(ct_ledger_backup(h.l, file, &o, NULL), CT_EEXISTS);

	snprintf(target, sizeof(target), "%s/restored", h.dir);
	CT_OK_OR_FAIL(ct_backup_restore(file, target, NULL, &restored));
	assert_memory_equal(restored.digest, before, 32);
	assert_int_equal(restored.entries_checked, 41);
	assert_int_equal(restored.time_ms, ts_day(2));
	assert_int_equal(restored.migrated_from, 0);
	snprintf(path, sizeof(path), "%s/data", target);
	CT_OK_OR_FAIL(ct_ledger_open(&l, path, NULL));
	digest_of(l, after);
	assert_memory_equal(after, before, 32);
	/* marked: the own feed takes nothing until the mark is cleared */
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_restored(&mark, r));
	ct_reader_end(r);
	assert_true(mark);
	ts_body(&body, "catalogue.set",
		"{'item':'X','name':'n','mode':'V','interval_days':365,'domains':['trade'],'effective':'2024-01-01'}");
	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	assert_int_equal(ct_batch_append(b, h.kp, ts_day(3), "catalogue.set", body.ptr, body.len, NULL, NULL),
			 CT_ESTATE);
	TS_DETAIL_HAS("restored from a backup");
	CT_OK_OR_FAIL(ct_batch_set_restored(b, false));
	CT_OK_OR_FAIL(ct_batch_append(b, h.kp, ts_day(3), "catalogue.set", body.ptr, body.len, NULL, NULL));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	ct_ledger_close(l);
	ct_buf_free(&body);
	/* the home is not empty now: refused, and the refusal comes first */
	assert_int_equal(ct_backup_restore(file, target, NULL, NULL), CT_EEXISTS);
	TS_DETAIL_HAS("not empty");
	home_free(&h);
	(void)state;
}

/* Flips one byte of the member named in the file; restore must refuse it, naming it, and leave nothing. */
static void damage_and_restore(const char *file, const char *member, long offset_in_member, const char *dir)
{
	char target[4300], needle[200];
	uint8_t buf[600];
	long at = -1;
	int fd = open(file, O_RDWR);
	ssize_t n;

	assert_true(fd >= 0);
	for (long off = 0; (n = pread(fd, buf, 512, off)) == 512; off += 512)
		if (strncmp((char *)buf, member, 100) == 0) {
			at = off + 512 + offset_in_member;
			break;
		}
	assert_true(at > 0);
	assert_int_equal(pread(fd, buf, 1, at), 1);
	buf[0] ^= 0x20;
	assert_int_equal(pwrite(fd, buf, 1, at), 1);
	close(fd);
	snprintf(target, sizeof(target), "%s/from-damaged", dir);
	assert_int_equal(ct_backup_restore(file, target, NULL, NULL), CT_EINVAL);
	snprintf(needle, sizeof(needle), "%s does not match", member + strlen("caltrace-backup/"));
	TS_DETAIL_HAS(needle);
	assert_int_equal(access(target, F_OK), -1);
}

static void test_restore_refuses(void **state)
{
	ct_backup_opts o = {.with_key = true, .time_ms = ts_day(2)};
	ct_restore_opts ro = {0};
	struct home h;
	char file[4300], copy[4400], target[4300], keyfile[4300];
	ct_keypair *other = ct_test_keypair(2);
	struct stat st;
	bool mark = true;
	ct_ledger *l = NULL;
	ct_reader *r = NULL;

	home_make(&h, 5);
	o.home = h.dir;
	snprintf(file, sizeof(file), "%s/k.ctb", h.dir);
	CT_OK_OR_FAIL(ct_ledger_backup(h.l, file, &o, NULL));
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* it holds the key */
	/* trusting the backup: no mark */
	snprintf(target, sizeof(target), "%s/trusted", h.dir);
	ro.trust_backup = true;
	CT_OK_OR_FAIL(ct_backup_restore(file, target, &ro, NULL));
	snprintf(copy, sizeof(copy), "%s/data", target);
	CT_OK_OR_FAIL(ct_ledger_open(&l, copy, NULL));
	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_restored(&mark, r));
	ct_reader_end(r);
	ct_ledger_close(l);
	assert_false(mark);
	/* a key of another node is refused */
	snprintf(file, sizeof(file), "%s/nokey.ctb", h.dir);
	o.with_key = false;
	CT_OK_OR_FAIL(ct_ledger_backup(h.l, file, &o, NULL));
	snprintf(keyfile, sizeof(keyfile), "%s/other.key", h.dir);
	CT_OK_OR_FAIL(ct_keypair_save(other, keyfile, NULL));
	ro.trust_backup = false;
	ro.key_path = keyfile;
	snprintf(target, sizeof(target), "%s/wrong-key", h.dir);
	assert_int_equal(ct_backup_restore(file, target, &ro, NULL), CT_EINVAL);
	TS_DETAIL_HAS("not this node's");
	assert_int_equal(access(target, F_OK), -1);
	/* damaged members, each named */
	snprintf(copy, sizeof(copy), "%s/damaged-config.ctb", h.dir);
	CT_OK_OR_FAIL(ct_ledger_backup(h.l, copy, &o, NULL));
	damage_and_restore(copy, "caltrace-backup/config", 3, h.dir);
	snprintf(copy, sizeof(copy), "%s/damaged-store.ctb", h.dir);
	CT_OK_OR_FAIL(ct_ledger_backup(h.l, copy, &o, NULL));
	damage_and_restore(copy, "caltrace-backup/data/data.mdb", 9000, h.dir);
	ct_keypair_free(other);
	home_free(&h);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tar_header_sizes),
	    cmocka_unit_test(test_backup_restore),
	    cmocka_unit_test(test_restore_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
