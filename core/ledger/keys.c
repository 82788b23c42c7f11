/*
 * A node's Ed25519 identity, on libsodium.
 *
 * Secret key file format: exactly CT_SECRET_BYTES raw bytes, libsodium's
 * Ed25519 secret key (32-byte seed followed by the 32-byte public key),
 * mode 0600. Public key file: 64 lowercase hex digits and a newline.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "caltrace/ledger/keys.h"
#include "caltrace/base/error.h"

struct ct_keypair {
	uint8_t pk[CT_KEY_BYTES];
	uint8_t *sk; /* CT_SECRET_BYTES of sodium_malloc'd memory */
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void sodium_start(void)
{
	sodium_status = sodium_init() < 0 ? -1 : 0;
}

/* Initialises libsodium once per process. Errors: CT_ERROR. */
static int sodium_ready(void)
{
	pthread_once(&sodium_once, sodium_start);
	if (sodium_status < 0)
		return ct_error_set(CT_ERROR, "libsodium failed to initialise");
	return 0;
}

/* A key pair with its secret memory allocated but not filled. Errors: CT_ENOMEM. */
static int keypair_alloc(ct_keypair **out)
{
	ct_keypair *kp;
	int err;

	*out = NULL;
	if ((err = sodium_ready()) < 0)
		return err;
	kp = calloc(1, sizeof(*kp));
	if (!kp)
		return ct_error_set(CT_ENOMEM, "out of memory for a key pair");
	kp->sk = sodium_malloc(CT_SECRET_BYTES);
	if (!kp->sk) {
		free(kp);
		return ct_error_set(CT_ENOMEM, "out of secure memory for a secret key");
	}
	*out = kp;
	return 0;
}

int ct_keypair_generate(ct_keypair **out)
{
	int err;

	if ((err = keypair_alloc(out)) < 0)
		return err;
	crypto_sign_keypair((*out)->pk, (*out)->sk);
	return 0;
}

int ct_keypair_from_seed(ct_keypair **out, const uint8_t seed[static 32])
{
	int err;

	if ((err = keypair_alloc(out)) < 0)
		return err;
	crypto_sign_seed_keypair((*out)->pk, (*out)->sk, seed);
	return 0;
}

const uint8_t *ct_keypair_public(const ct_keypair *kp)
{
	return kp->pk;
}

void ct_keypair_sign(const ct_keypair *kp, uint8_t sig[static CT_SIG_BYTES], const uint8_t *msg, size_t len)
{
	crypto_sign_detached(sig, NULL, msg, len, kp->sk);
}

void ct_keypair_free(ct_keypair *kp)
{
	if (!kp)
		return;
	sodium_free(kp->sk); /* wipes before freeing */
	sodium_memzero(kp, sizeof(*kp));
	free(kp);
}

int ct_sig_verify(const uint8_t pk[static CT_KEY_BYTES], const uint8_t sig[static CT_SIG_BYTES],
		  const uint8_t *msg, size_t len)
{
	if (sodium_ready() < 0 || crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		return CT_EBADSIG;
	return 0;
}

void ct_key_hex(char out[static 2 * CT_KEY_BYTES + 1], const uint8_t pk[static CT_KEY_BYTES])
{
	ct_hex(out, pk, CT_KEY_BYTES);
}

int ct_key_parse(uint8_t pk[static CT_KEY_BYTES], const char *hex)
{
	int err;

	if ((err = ct_unhex(pk, CT_KEY_BYTES, hex)) < 0)
		return ct_error_wrap(err, "public key");
	return 0;
}

/*
 * Creates path with the given mode (failing if it exists when excl is set)
 * and writes len bytes, synced. Errors: CT_EEXISTS, CT_EIO.
 */
static int write_file(const char *path, bool excl, mode_t mode, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC), mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return ct_error_set(CT_EEXISTS, "%s already exists; refusing to overwrite a key", path);
		return ct_error_set(CT_EIO, "cannot create %s: %s", path, strerror(errno));
	}
	/* The umask may have narrowed mode, or O_TRUNC kept an old one. */
	if (fchmod(fd, mode) < 0) {
		err = ct_error_set(CT_EIO, "cannot chmod %s: %s", path, strerror(errno));
		goto done;
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = ct_error_set(CT_EIO, "cannot write %s: %s", path, n < 0 ? strerror(errno) : "short write");
			goto done;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		err = ct_error_set(CT_EIO, "cannot sync %s: %s", path, strerror(errno));
done:
	if (close(fd) < 0 && err == 0)
		err = ct_error_set(CT_EIO, "cannot close %s: %s", path, strerror(errno));
	return err;
}

int ct_keypair_save(const ct_keypair *kp, const char *path, const char *pub_path)
{
	char hex[2 * CT_KEY_BYTES + 2];
	int err;

	if ((err = write_file(path, true, 0600, kp->sk, CT_SECRET_BYTES)) < 0)
		return err;
	if (!pub_path)
		return 0;
	ct_key_hex(hex, kp->pk);
	hex[2 * CT_KEY_BYTES] = '\n';
	if ((err = write_file(pub_path, false, 0644, hex, sizeof(hex) - 1)) < 0)
		unlink(path); /* all or nothing: no secret key without its public file */
	return err;
}

/* Refuses a key file that is not a private regular file of the right size. */
static int check_key_file(int fd, const char *path)
{
	struct stat st;
	unsigned mode;

	if (fstat(fd, &st) < 0)
		return ct_error_set(CT_EIO, "cannot stat %s: %s", path, strerror(errno));
	mode = (unsigned)(st.st_mode & 0777);
	if (!S_ISREG(st.st_mode))
		return ct_error_set(CT_ECORRUPT, "key file %s is not a regular file", path);
	if (mode & 077)
		return ct_error_set(CT_EPERM, "key file %s is %s by others (mode %04o); chmod 600 %s", path,
				 (mode & 044) ? "readable" : "writable", mode, path);
	if (st.st_size != CT_SECRET_BYTES)
		return ct_error_set(CT_ECORRUPT, "key file %s has %lld bytes, expected %d", path,
				 (long long)st.st_size, CT_SECRET_BYTES);
	return 0;
}

/* Reads exactly len bytes from fd. Errors: CT_EIO, CT_ECORRUPT (short). */
static int read_exact(int fd, const char *path, uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ct_error_set(CT_EIO, "cannot read %s: %s", path, strerror(errno));
		if (n == 0)
			return ct_error_set(CT_ECORRUPT, "key file %s is shorter than %d bytes", path, CT_SECRET_BYTES);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ct_keypair_load(ct_keypair **out, const char *path)
{
	uint8_t pk[CT_KEY_BYTES], derived_sk[CT_SECRET_BYTES];
	ct_keypair *kp = NULL;
	int fd = -1, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ct_error_set(CT_ENOTFOUND, "key file %s does not exist", path);
		if (errno == EACCES)
			return ct_error_set(CT_EPERM, "key file %s: permission denied", path);
		return ct_error_set(CT_EIO, "cannot open key file %s: %s", path, strerror(errno));
	}
	if ((err = check_key_file(fd, path)) < 0 || (err = keypair_alloc(&kp)) < 0 ||
	    (err = read_exact(fd, path, kp->sk, CT_SECRET_BYTES)) < 0)
		goto done;
	/* The stored public half must be the one the seed derives. */
	crypto_sign_ed25519_sk_to_pk(kp->pk, kp->sk);
	crypto_sign_seed_keypair(pk, derived_sk, kp->sk);
	sodium_memzero(derived_sk, sizeof(derived_sk));
	if (sodium_memcmp(pk, kp->pk, CT_KEY_BYTES) != 0) {
		err = ct_error_set(CT_ECORRUPT, "key file %s: public key does not match the seed", path);
		goto done;
	}
	*out = kp;
	kp = NULL;
done:
	close(fd);
	ct_keypair_free(kp);
	return err;
}

int ct_key_pub_load(uint8_t pk[static CT_KEY_BYTES], const char *path)
{
	char text[2 * CT_KEY_BYTES + 2];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "cannot open %s: %s", path,
				    strerror(errno));
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 2 * CT_KEY_BYTES || n > 2 * CT_KEY_BYTES + 1 || (n > 2 * CT_KEY_BYTES && text[2 * CT_KEY_BYTES] != '\n'))
		return ct_error_set(CT_ECORRUPT, "%s does not hold 64 hex digits and a newline", path);
	text[2 * CT_KEY_BYTES] = '\0';
	if (ct_unhex(pk, CT_KEY_BYTES, text) < 0)
		return ct_error_set(CT_ECORRUPT, "%s does not hold 64 hex digits", path);
	return 0;
}
