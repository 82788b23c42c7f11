/*
 * Backups of a running node's home, and restoring them
 * (caltrace/ledger/backup.h has the file's layout).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_internal.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/backup.h"
#include "store_internal.h"

#define PREFIX	      "caltrace-backup/"
#define BACKUP_FORMAT 1
#define MANIFEST_MAX  (64 * 1024)
#define SMALL_MAX     (64 * 1024) /* config, key, key.pub */

/* The members, in the order they are written. */
enum member { M_CONFIG, M_KEYPUB, M_KEY, M_DATA, M_MANIFEST, M__COUNT };
static const struct {
	const char *name;
	unsigned mode;
} members[M__COUNT] = {
    [M_CONFIG] = {"config", 0644},	[M_KEYPUB] = {"key.pub", 0644},	   [M_KEY] = {"key", 0600},
    [M_DATA] = {"data/data.mdb", 0600}, [M_MANIFEST] = {"MANIFEST", 0644},
};

struct digest_of {
	bool present;
	uint64_t size;
	uint8_t sha[crypto_hash_sha256_BYTES];
};

/* ---- the snapshot ---------------------------------------------------------------- */

/*
 * Copies the store into dir/data.mdb, every page full (compact.c), pinned
 * to the state whose digest, feeds and entries come back: its read
 * transaction begins while a write batch holds the write lock, so it sees
 * the commit that batch started from; then writers go on.
 */
static int snapshot(ct_ledger *l, const char *dir, ct_backup_info *info)
{
	ct_feed_head *heads = NULL;
	ct_batch *b = NULL;
	MDB_txn *txn = NULL;
	size_t nheads = 0;
	uint64_t entry_bytes;
	int err, rc;

	if ((err = ct_batch_begin(&b, l)) < 0)
		return err;
	if ((err = ct_read_digest(info->digest, ct_batch_reader(b))) < 0 ||
	    (err = ct_read_heads(&heads, &nheads, ct_batch_reader(b))) < 0 ||
	    (err = ct_read_stats(&info->entries, &entry_bytes, ct_batch_reader(b))) < 0) {
		ct_batch_abort(b);
		free(heads);
		return err;
	}
	free(heads);
	info->feeds = nheads;
	ct__map_hold(l); /* the copy's transaction counts as this process's */
	rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn);
	ct_batch_abort(b); /* writers go on */
	if (rc) {
		ct__map_release(l);
		return ct__mdb_error(rc, "reading the store");
	}
	err = ct__store_copy_full(l, txn, dir, NULL);
	mdb_txn_abort(txn);
	ct__map_release(l);
	return err;
}

/* The copy in dir must have the digest the snapshot read. */
static int verify_copy(const char *dir, const ct_backup_info *info)
{
	ct_ledger_opts o = {.read_only = true};
	uint8_t digest[CT_HASH_BYTES];
	ct_ledger *c = NULL;
	ct_reader *r = NULL;
	int err;

	if ((err = ct_ledger_open(&c, dir, &o)) < 0)
		return ct_error_wrap(err, "opening the copy");
	if ((err = ct_reader_begin(&r, c)) == 0 && (err = ct_read_digest(digest, r)) == 0 &&
	    sodium_memcmp(digest, info->digest, CT_HASH_BYTES) != 0)
		err = ct_error_set(CT_ESTATE, "the store's copy does not hold the state it was taken in");
	ct_reader_end(r);
	ct_ledger_close(c);
	return err;
}

/* ---- writing the archive ---------------------------------------------------------- */

static int pad(int fd, uint64_t size, const char *what)
{
	static const uint8_t zeros[CT__TAR_BLOCK];
	size_t rest = (size_t)(size % CT__TAR_BLOCK);

	return rest ? ct__write_all(fd, zeros, CT__TAR_BLOCK - rest, what) : 0;
}

static int put_member(int fd, enum member m, const uint8_t *data, size_t len, uint64_t mtime,
		      struct digest_of *d)
{
	uint8_t h[CT__TAR_BLOCK];
	char name[100];
	int err;

	snprintf(name, sizeof(name), PREFIX "%s", members[m].name);
	ct__tar_header(h, name, members[m].mode, len, mtime);
	if ((err = ct__write_all(fd, h, sizeof(h), "the backup")) < 0 ||
	    (err = ct__write_all(fd, data, len, "the backup")) < 0 || (err = pad(fd, len, "the backup")) < 0)
		return err;
	if (d) {
		d->present = true;
		d->size = len;
		crypto_hash_sha256(d->sha, data, len);
	}
	return 0;
}

/* Streams the file at src into the archive as member m. */
static int put_file(int fd, enum member m, const char *src, uint64_t mtime, struct digest_of *d)
{
	crypto_hash_sha256_state st;
	uint8_t h[CT__TAR_BLOCK], *buf = NULL;
	struct stat sb;
	uint64_t left;
	char name[100];
	int in, err = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return ct_error_set(CT_EIO, "cannot read %s: %s", src, strerror(errno));
	if (fstat(in, &sb) != 0 || !(buf = malloc(1 << 20))) {
		err = ct_error_set(CT_EIO, "cannot read %s", src);
		goto done;
	}
	snprintf(name, sizeof(name), PREFIX "%s", members[m].name);
	ct__tar_header(h, name, members[m].mode, (uint64_t)sb.st_size, mtime);
	if ((err = ct__write_all(fd, h, sizeof(h), "the backup")) < 0)
		goto done;
	crypto_hash_sha256_init(&st);
	for (left = (uint64_t)sb.st_size; left && err == 0;) {
		size_t n = left < (1 << 20) ? (size_t)left : (1 << 20);

		if ((err = ct__read_all(in, buf, n, src)) == 0 &&
		    (err = ct__write_all(fd, buf, n, "the backup")) == 0) {
			crypto_hash_sha256_update(&st, buf, n);
			left -= n;
		}
	}
	if (err == 0 && (err = pad(fd, (uint64_t)sb.st_size, "the backup")) == 0) {
		crypto_hash_sha256_final(&st, d->sha);
		d->present = true;
		d->size = (uint64_t)sb.st_size;
	}
done:
	free(buf);
	close(in);
	return err;
}

/* Reads a small file of the home; CT_ENOTFOUND when it is not there. */
static int read_small(const char *path, ct_buf *out)
{
	uint8_t buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno == ENOENT ? ct_error_set(CT_ENOTFOUND, "no %s", path)
				       : ct_error_set(CT_EIO, "cannot read %s: %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0 && err == 0)
		if (out->len + (size_t)n > SMALL_MAX)
			err = ct_error_set(CT_ETOOBIG, "%s is over %d bytes", path, SMALL_MAX);
		else
			err = ct_buf_put(out, buf, (size_t)n);
	if (n < 0 && err == 0)
		err = ct_error_set(CT_EIO, "cannot read %s: %s", path, strerror(errno));
	close(fd);
	return err;
}

static void manifest_write(ct_buf *out, const ct_backup_info *info, const struct digest_of d[M__COUNT])
{
	char line[400], hex[2 * CT_HASH_BYTES + 1], when[40];

#define LINE(...)                                                                                            \
	do {                                                                                                 \
		snprintf(line, sizeof(line), __VA_ARGS__);                                                   \
		ct_buf_put(out, line, strlen(line));                                                         \
	} while (0)
	LINE(
	    "# a caltrace backup (docs/OPERATIONS.md): restore it with `caltrace restore FILE --home DIR`\n");
	LINE("backup_format = %d\n", BACKUP_FORMAT);
	LINE("store_format = %u\n", info->store_format);
	ct_hex(hex, info->digest, CT_HASH_BYTES);
	LINE("digest = %s\n", hex);
	LINE("feeds = %" PRIu64 "\n", info->feeds);
	LINE("entries = %" PRIu64 "\n", info->entries);
	ct_time_format(when, sizeof(when), info->time_ms);
	LINE("time = %s\n", when);
	LINE("time_ms = %" PRIu64 "\n", info->time_ms);
	if (info->has_node_key) {
		ct_hex(hex, info->node_key, CT_KEY_BYTES);
		LINE("node_key = %s\n", hex);
	}
	for (int m = 0; m < M_MANIFEST; m++) {
		if (!d[m].present)
			continue;
		ct_hex(hex, d[m].sha, sizeof(d[m].sha));
		LINE("member = %s %" PRIu64 " %s\n", members[m].name, d[m].size, hex);
	}
#undef LINE
}

/* The public key of the home's key.pub (64 hex digits). */
static int parse_keypub(const ct_buf *pub, uint8_t out[CT_KEY_BYTES])
{
	char hex[2 * CT_KEY_BYTES + 1];

	if (pub->len < 2 * CT_KEY_BYTES)
		return ct_error_set(CT_EINVAL, "key.pub does not hold a public key");
	memcpy(hex, pub->ptr, 2 * CT_KEY_BYTES);
	hex[2 * CT_KEY_BYTES] = '\0';
	return ct_unhex(out, CT_KEY_BYTES, hex) < 0 ? ct_error_set(CT_EINVAL, "key.pub is not hex") : 0;
}

static int write_archive(int fd, const char *copydir, const ct_backup_opts *opts, ct_backup_info *info)
{
	struct digest_of d[M__COUNT] = {{0}};
	ct_buf config = CT_BUF_INIT, pub = CT_BUF_INIT, key = CT_BUF_INIT, manifest = CT_BUF_INIT;
	uint64_t mtime = info->time_ms / 1000;
	char path[4200];
	int err;

	snprintf(path, sizeof(path), "%s/config", opts->home);
	if ((err = read_small(path, &config)) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s/key.pub", opts->home);
	if ((err = read_small(path, &pub)) < 0 && err != CT_ENOTFOUND)
		goto done;
	if (err == 0 && (err = parse_keypub(&pub, info->node_key)) < 0)
		goto done;
	info->has_node_key = pub.len > 0;
	if (opts->with_key) {
		snprintf(path, sizeof(path), "%s/key", opts->home);
		if ((err = read_small(path, &key)) < 0)
			goto done;
		info->has_key = true;
	}
	if ((err = put_member(fd, M_CONFIG, config.ptr, config.len, mtime, &d[M_CONFIG])) < 0)
		goto done;
	if (pub.len && (err = put_member(fd, M_KEYPUB, pub.ptr, pub.len, mtime, &d[M_KEYPUB])) < 0)
		goto done;
	if (key.len && (err = put_member(fd, M_KEY, key.ptr, key.len, mtime, &d[M_KEY])) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s/data.mdb", copydir);
	if ((err = put_file(fd, M_DATA, path, mtime, &d[M_DATA])) < 0)
		goto done;
	info->store_bytes = d[M_DATA].size;
	manifest_write(&manifest, info, d);
	if ((err = put_member(fd, M_MANIFEST, manifest.ptr, manifest.len, mtime, NULL)) < 0)
		goto done;
	{
		static const uint8_t end[2 * CT__TAR_BLOCK];

		err = ct__write_all(fd, end, sizeof(end), "the backup");
	}
done:
	ct_buf_free(&config);
	ct_buf_free(&pub);
	if (key.ptr)
		sodium_memzero(key.ptr, key.cap);
	ct_buf_free(&key);
	ct_buf_free(&manifest);
	return err;
}

/* Removes what a backup or restore made in dir (the files it knows, then dir). */
static void remove_made(const char *dir)
{
	static const char *const files[] = {"config",	"key",		 "key.pub",	 "data.mdb",
					    "lock.mdb", "data/data.mdb", "data/lock.mdb"};
	char path[4200];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	rmdir(path);
	rmdir(dir);
}

static void sync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int ct_ledger_backup(ct_ledger *l, const char *path, const ct_backup_opts *opts, ct_backup_info *info)
{
	ct_backup_info local;
	char copydir[4200], tmp[4200];
	struct stat st;
	int fd = -1, err;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	info->store_format = CT_STORE_FORMAT;
	info->time_ms = opts->time_ms;
	copydir[0] = tmp[0] = '\0';
	if (lstat(path, &st) == 0)
		return ct_error_set(CT_EEXISTS, "%s exists: a backup never overwrites a file", path);
	snprintf(copydir, sizeof(copydir), "%s.copy-XXXXXX", path);
	if (!mkdtemp(copydir)) {
		err = ct_error_set(CT_EIO, "cannot create a directory beside %s: %s", path, strerror(errno));
		copydir[0] = '\0';
		goto done;
	}
	if ((err = snapshot(l, copydir, info)) < 0 || (err = verify_copy(copydir, info)) < 0)
		goto done;
	snprintf(tmp, sizeof(tmp), "%s.partial-XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) { /* mode 0600 */
		err = ct_error_set(CT_EIO, "cannot create a file beside %s: %s", path, strerror(errno));
		tmp[0] = '\0';
		goto done;
	}
	if (!opts->with_key && fchmod(fd, 0644) != 0) {
		err = ct_error_set(CT_EIO, "cannot set the mode of %s: %s", tmp, strerror(errno));
		goto done;
	}
	if ((err = write_archive(fd, copydir, opts, info)) < 0)
		goto done;
	if (fsync(fd) != 0) {
		err = ct_error_set(CT_EIO, "cannot sync %s: %s", tmp, strerror(errno));
		goto done;
	}
	if (link(tmp, path) != 0) {
		err = errno == EEXIST
			  ? ct_error_set(CT_EEXISTS, "%s exists: a backup never overwrites a file", path)
			  : ct_error_set(CT_EIO, "cannot create %s: %s", path, strerror(errno));
		goto done;
	}
	sync_dir_of(path);
done:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	if (copydir[0])
		remove_made(copydir);
	return err;
}

/* ---- restoring --------------------------------------------------------------------- */

struct restore {
	const char *path; /* the backup */
	char dir[4200];	  /* the home being built */
	struct digest_of got[M__COUNT];
	ct_buf manifest;
};

static int member_of(const char *name, enum member *out)
{
	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
		return ct_error_set(CT_EINVAL, "not a caltrace backup: it holds %s", name);
	for (int m = 0; m < M__COUNT; m++)
		if (strcmp(name + strlen(PREFIX), members[m].name) == 0) {
			*out = (enum member)m;
			return 0;
		}
	return ct_error_set(CT_EINVAL, "not a caltrace backup: it holds an unknown member %s", name);
}

/* Copies one member's bytes from the archive into a file of the new home (or the manifest buffer). */
static int extract(struct restore *rs, int in, enum member m, uint64_t size)
{
	crypto_hash_sha256_state st;
	uint8_t *buf = NULL;
	char path[4300];
	uint64_t left;
	int out = -1, err = 0;

	if (m == M_MANIFEST ? size > MANIFEST_MAX : m != M_DATA && size > SMALL_MAX)
		return ct_error_set(CT_EINVAL, "damaged backup: member %s is too large", members[m].name);
	if (m != M_MANIFEST) {
		snprintf(path, sizeof(path), "%s/%s", rs->dir, members[m].name);
		if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, members[m].mode)) < 0)
			return ct_error_set(CT_EIO, "cannot create %s: %s", path, strerror(errno));
	}
	if (!(buf = malloc(1 << 20))) {
		err = ct_error_set(CT_ENOMEM, "out of memory restoring");
		goto done;
	}
	crypto_hash_sha256_init(&st);
	for (left = size; left && err == 0;) {
		size_t n = left < (1 << 20) ? (size_t)left : (1 << 20);

		if ((err = ct__read_all(in, buf, n, members[m].name)) < 0)
			break;
		crypto_hash_sha256_update(&st, buf, n);
		err = m == M_MANIFEST ? ct_buf_put(&rs->manifest, buf, n) : ct__write_all(out, buf, n, path);
		left -= n;
	}
	if (err == 0 && size % CT__TAR_BLOCK)
		err = ct__read_all(in, buf, CT__TAR_BLOCK - size % CT__TAR_BLOCK, members[m].name);
	if (err == 0 && out >= 0 && fsync(out) != 0)
		err = ct_error_set(CT_EIO, "cannot sync %s: %s", path, strerror(errno));
	if (err == 0) {
		crypto_hash_sha256_final(&st, rs->got[m].sha);
		rs->got[m].present = true;
		rs->got[m].size = size;
	}
done:
	free(buf);
	if (out >= 0)
		close(out);
	return err;
}

static int read_members(struct restore *rs)
{
	uint8_t h[CT__TAR_BLOCK];
	char name[101];
	unsigned mode;
	uint64_t size;
	enum member m = M_MANIFEST; /* set by member_of before use; GCC at -O3 cannot see it */
	int in, err;

	if ((in = open(rs->path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT
			   ? ct_error_set(CT_ENOTFOUND, "no backup %s", rs->path)
			   : ct_error_set(CT_EIO, "cannot read %s: %s", rs->path, strerror(errno));
	for (;;) {
		if ((err = ct__read_all(in, h, sizeof(h), "a tar header")) < 0)
			break;
		if ((err = ct__tar_parse(h, name, &mode, &size)) != 0)
			break; /* 1: the end */
		if ((err = member_of(name, &m)) < 0)
			break;
		if (rs->got[m].present) {
			err = ct_error_set(CT_EINVAL, "damaged backup: it holds %s twice", name);
			break;
		}
		if ((err = extract(rs, in, m, size)) < 0)
			break;
	}
	close(in);
	if (err == 1)
		err = 0;
	if (err == 0 && !rs->got[M_MANIFEST].present)
		err = ct_error_set(CT_EINVAL, "not a caltrace backup (or cut short): it has no MANIFEST");
	return err;
}

/* Checks every member against the manifest and fills info from it. */
static int check_manifest(struct restore *rs, ct_backup_info *info)
{
	bool listed[M__COUNT] = {false};
	char *text = NULL, *line, *save = NULL;
	unsigned long long v;
	int err = 0, backup_format = 0;

	if (ct_buf_put(&rs->manifest, "", 1) < 0)
		return CT_ENOMEM;
	text = (char *)rs->manifest.ptr;
	for (line = strtok_r(text, "\n", &save); line && err == 0; line = strtok_r(NULL, "\n", &save)) {
		char name[32], value[200], mname[40], hex[80];
		enum member m = M_MANIFEST; /* set by member_of before use */
		uint64_t size;
		uint8_t sha[crypto_hash_sha256_BYTES];

		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (sscanf(line, "%31s = %199[^\n]", name, value) != 2) {
			err = ct_error_set(CT_EINVAL, "damaged backup: MANIFEST line '%.60s'", line);
		} else if (strcmp(name, "backup_format") == 0) {
			backup_format = atoi(value);
		} else if (strcmp(name, "store_format") == 0 && sscanf(value, "%llu", &v) == 1) {
			info->store_format = (unsigned)v;
		} else if (strcmp(name, "digest") == 0) {
			if (ct_unhex(info->digest, CT_HASH_BYTES, value) < 0)
				err = ct_error_set(CT_EINVAL, "damaged backup: MANIFEST digest");
		} else if (strcmp(name, "feeds") == 0 && sscanf(value, "%llu", &v) == 1) {
			info->feeds = v;
		} else if (strcmp(name, "entries") == 0 && sscanf(value, "%llu", &v) == 1) {
			info->entries = v;
		} else if (strcmp(name, "time_ms") == 0 && sscanf(value, "%llu", &v) == 1) {
			info->time_ms = v;
		} else if (strcmp(name, "node_key") == 0) {
			if (ct_unhex(info->node_key, CT_KEY_BYTES, value) < 0)
				err = ct_error_set(CT_EINVAL, "damaged backup: MANIFEST node_key");
			info->has_node_key = true;
		} else if (strcmp(name, "member") == 0) {
			if (sscanf(value, "%39s %" SCNu64 " %79s", mname, &size, hex) != 3 ||
			    ct_unhex(sha, sizeof(sha), hex) < 0) {
				err = ct_error_set(CT_EINVAL, "damaged backup: MANIFEST line '%.60s'", line);
				continue;
			}
			snprintf(value, sizeof(value), PREFIX "%s", mname);
			if ((err = member_of(value, &m)) < 0)
				continue;
			listed[m] = true;
			if (!rs->got[m].present)
				err = ct_error_set(CT_EINVAL, "damaged backup: %s is missing", mname);
			else if (rs->got[m].size != size ||
				 sodium_memcmp(rs->got[m].sha, sha, sizeof(sha)) != 0)
				err = ct_error_set(
				    CT_EINVAL, "damaged backup: %s does not match its MANIFEST line", mname);
		}
	}
	if (err)
		return err;
	if (backup_format != BACKUP_FORMAT)
		return ct_error_set(CT_EINVAL, "backup format %d: this caltrace reads format %d",
				    backup_format, BACKUP_FORMAT);
	for (int m = 0; m < M_MANIFEST; m++)
		if (rs->got[m].present && !listed[m])
			return ct_error_set(CT_EINVAL, "damaged backup: %s is not in its MANIFEST",
					    members[m].name);
	if (!listed[M_CONFIG] || !listed[M_DATA])
		return ct_error_set(CT_EINVAL, "damaged backup: it lacks the %s",
				    listed[M_CONFIG] ? "store" : "config");
	info->has_key = rs->got[M_KEY].present;
	return 0;
}

/* The key of the new home: the backup's, or opts->key_path's; either must be the node's. */
static int place_key(struct restore *rs, const ct_restore_opts *opts, const ct_backup_info *info)
{
	ct_keypair *kp = NULL;
	char path[4300], pub[4300];
	int err;

	snprintf(path, sizeof(path), "%s/key", rs->dir);
	snprintf(pub, sizeof(pub), "%s/key.pub", rs->dir);
	if (!rs->got[M_KEY].present && opts && opts->key_path) {
		if ((err = ct_keypair_load(&kp, opts->key_path)) < 0)
			return ct_error_wrap(err, "the key %s", opts->key_path);
		err = ct_keypair_save(kp, path, rs->got[M_KEYPUB].present ? NULL : pub);
	} else if (rs->got[M_KEY].present) {
		err = ct_keypair_load(&kp, path);
	} else {
		return 0; /* no key: the operator puts it in place */
	}
	if (err == 0 && info->has_node_key &&
	    memcmp(ct_keypair_public(kp), info->node_key, CT_KEY_BYTES) != 0)
		err = ct_error_set(CT_EINVAL, "the key is not this node's (its key.pub names another)");
	ct_keypair_free(kp);
	return err;
}

/* Opens the restored store (migrating an older format), checks it whole and compares the digest. */
static int check_store(struct restore *rs, ct_backup_info *info, bool mark)
{
	ct_ledger_opts o = {.migrate = true};
	uint8_t digest[CT_HASH_BYTES];
	char data[4300];
	ct_ledger *l = NULL;
	ct_reader *r = NULL;
	int err;

	snprintf(data, sizeof(data), "%s/data", rs->dir);
	if ((err = ct_ledger_open(&l, data, &o)) < 0)
		return err;
	info->migrated_from = ct_ledger_migrated_from(l);
	if ((err = ct_reader_begin(&r, l)) < 0)
		goto done;
	if ((err = ct_read_digest(digest, r)) < 0)
		goto done;
	if (sodium_memcmp(digest, info->digest, CT_HASH_BYTES) != 0) {
		err = ct_error_set(CT_ECORRUPT,
				   "the restored store's digest is not the one its MANIFEST names");
		goto done;
	}
	if ((err = ct_ledger_check(r, &info->entries_checked)) < 0 || !mark)
		goto done;
	ct_reader_end(r);
	r = NULL;
	{
		ct_batch *b = NULL;

		if ((err = ct_batch_begin(&b, l)) < 0)
			goto done;
		if ((err = ct_batch_set_restored(b, true)) < 0) {
			ct_batch_abort(b);
			goto done;
		}
		err = ct_batch_commit(b);
	}
done:
	ct_reader_end(r);
	ct_ledger_close(l);
	return err;
}

/* Whether home does not exist or is an empty directory. */
static int home_usable(const char *home)
{
	DIR *d = opendir(home);
	struct dirent *e;
	int err = 0;

	if (!d)
		return errno == ENOENT
			   ? 0
			   : ct_error_set(CT_EEXISTS, "%s exists and cannot be read as a directory", home);
	while ((e = readdir(d)) && err == 0)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			err = ct_error_set(CT_EEXISTS, "%s is not empty: restore into a new directory", home);
	closedir(d);
	return err;
}

/* A home that does not exist, or an empty directory (removed, to be replaced). */
static int home_free(const char *home)
{
	struct stat st;
	int err;

	if (lstat(home, &st) != 0)
		return errno == ENOENT ? 0
				       : ct_error_set(CT_EIO, "cannot look at %s: %s", home, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ct_error_set(CT_EEXISTS, "%s exists and is not a directory", home);
	if (rmdir(home) != 0) {
		err = errno;
		return err == ENOTEMPTY || err == EEXIST
			   ? ct_error_set(CT_EEXISTS, "%s is not empty: restore into a new directory", home)
			   : ct_error_set(CT_EIO, "cannot replace %s: %s", home, strerror(err));
	}
	return 0;
}

int ct_backup_restore(const char *path, const char *home, const ct_restore_opts *opts, ct_backup_info *info)
{
	struct restore rs = {.path = path, .manifest = CT_BUF_INIT};
	ct_backup_info local;
	char data[4300];
	struct stat st;
	int err;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (sodium_init() < 0)
		return ct_error_set(CT_ERROR, "libsodium failed to initialise");
	if (lstat(home, &st) == 0 && !S_ISDIR(st.st_mode))
		return ct_error_set(CT_EEXISTS, "%s exists and is not a directory", home);
	if ((err = home_usable(home)) < 0) /* said before the work; checked again at the end */
		return err;
	snprintf(rs.dir, sizeof(rs.dir), "%s.restoring-XXXXXX", home);
	if (!mkdtemp(rs.dir))
		return ct_error_set(CT_EIO, "cannot create a directory beside %s: %s", home, strerror(errno));
	snprintf(data, sizeof(data), "%s/data", rs.dir);
	if (mkdir(data, 0700) != 0) {
		err = ct_error_set(CT_EIO, "cannot create %s: %s", data, strerror(errno));
		goto done;
	}
	if ((err = read_members(&rs)) < 0 || (err = check_manifest(&rs, info)) < 0 ||
	    (err = place_key(&rs, opts, info)) < 0 ||
	    (err = check_store(&rs, info, !(opts && opts->trust_backup))) < 0)
		goto done;
	{
		char file[4400];

		/* a backup holds a full-page copy (ct__store_copy_full): the restored store starts compacted */
		snprintf(file, sizeof(file), "%s/data.mdb", data);
		if (stat(file, &st) == 0)
			ct__record_compacted(data, (uint64_t)st.st_size);
	}
	if ((err = home_free(home)) < 0)
		goto done;
	if (rename(rs.dir, home) != 0) {
		err = ct_error_set(CT_EIO, "cannot move the restored home to %s: %s", home, strerror(errno));
		goto done;
	}
	chmod(home, 0700);
	sync_dir_of(home);
	rs.dir[0] = '\0';
done:
	if (rs.dir[0])
		remove_made(rs.dir);
	ct_buf_free(&rs.manifest);
	return err;
}
