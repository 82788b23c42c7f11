/*
 * The tar (POSIX ustar) members of a backup file: writing a header, and
 * reading back the headers this code writes. Sizes of 8 GiB and more use
 * the base-256 size field GNU tar and bsdtar read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup_internal.h"

/* ustar header field offsets and lengths */
#define F_NAME	  0
#define F_MODE	  100
#define F_UID	  108
#define F_GID	  116
#define F_SIZE	  124
#define F_MTIME	  136
#define F_CHKSUM  148
#define F_TYPE	  156
#define F_MAGIC	  257
#define F_VERSION 263
#define F_UNAME	  265
#define F_GNAME	  297

static void octal(uint8_t *field, size_t len, uint64_t v)
{
	/* len - 1 digits and a NUL */
	field[len - 1] = '\0';
	for (size_t i = len - 1; i-- > 0;) {
		field[i] = (uint8_t)('0' + (v & 7));
		v >>= 3;
	}
}

static uint64_t header_sum(const uint8_t h[CT__TAR_BLOCK])
{
	uint64_t sum = 0;

	for (size_t i = 0; i < CT__TAR_BLOCK; i++)
		sum += i >= F_CHKSUM && i < F_CHKSUM + 8 ? ' ' : h[i];
	return sum;
}

void ct__tar_header(uint8_t h[CT__TAR_BLOCK], const char *name, unsigned mode, uint64_t size, uint64_t mtime)
{
	memset(h, 0, CT__TAR_BLOCK);
	snprintf((char *)h + F_NAME, 100, "%s", name);
	octal(h + F_MODE, 8, mode);
	octal(h + F_UID, 8, 0);
	octal(h + F_GID, 8, 0);
	if (size < (uint64_t)1 << 33) {
		octal(h + F_SIZE, 12, size);
	} else {
		/* base-256: the high bit of the first byte set, the value big-endian in the rest */
		h[F_SIZE] = 0x80;
		for (int i = 11; i >= 4; i--) {
			h[F_SIZE + i] = (uint8_t)(size & 0xff);
			size >>= 8;
		}
	}
	octal(h + F_MTIME, 12, mtime);
	h[F_TYPE] = '0';
	memcpy(h + F_MAGIC, "ustar", 6);
	memcpy(h + F_VERSION, "00", 2);
	snprintf((char *)h + F_UNAME, 32, "caltrace");
	snprintf((char *)h + F_GNAME, 32, "caltrace");
	octal(h + F_CHKSUM, 7, header_sum(h));
	h[F_CHKSUM + 7] = ' ';
}

static int parse_octal(const uint8_t *field, size_t len, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < len && field[i] == ' ')
		i++;
	if (i == len || field[i] < '0' || field[i] > '7')
		return -1;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (uint64_t)(field[i] - '0');
	}
	for (; i < len; i++)
		if (field[i] != ' ' && field[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

int ct__tar_parse(const uint8_t h[CT__TAR_BLOCK], char name[101], unsigned *mode, uint64_t *size)
{
	uint64_t sum, v;
	size_t i;

	for (i = 0; i < CT__TAR_BLOCK && h[i] == 0; i++)
		;
	if (i == CT__TAR_BLOCK)
		return 1; /* a zero block: the end */
	if (memcmp(h + F_MAGIC, "ustar", 6) != 0 || h[F_TYPE] != '0')
		return ct_error_set(CT_EINVAL,
				    "not a caltrace backup: a tar member that is not a plain ustar file");
	if (parse_octal(h + F_CHKSUM, 8, &sum) < 0 || sum != header_sum(h))
		return ct_error_set(CT_EINVAL, "damaged backup: a tar header's checksum does not match");
	memcpy(name, h + F_NAME, 100);
	name[100] = '\0';
	if (parse_octal(h + F_MODE, 8, &v) < 0)
		return ct_error_set(CT_EINVAL, "damaged backup: member %s has no mode", name);
	*mode = (unsigned)(v & 07777);
	if (h[F_SIZE] == 0x80) {
		v = 0;
		for (i = 1; i < 12; i++) {
			if (v >> 56)
				return ct_error_set(CT_EINVAL, "damaged backup: member %s is too large",
						    name);
			v = v << 8 | h[F_SIZE + i];
		}
	} else if (parse_octal(h + F_SIZE, 12, &v) < 0) {
		return ct_error_set(CT_EINVAL, "damaged backup: member %s has no size", name);
	}
	*size = v;
	return 0;
}

int ct__write_all(int fd, const void *p, size_t n, const char *what)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return ct_error_set(errno == ENOSPC ? CT_ENOSPACE : CT_EIO, "writing %s: %s", what,
					    strerror(errno));
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int ct__read_all(int fd, void *p, size_t n, const char *what)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ct_error_set(CT_EIO, "reading %s: %s", what, strerror(errno));
		if (r == 0)
			return ct_error_set(CT_EINVAL, "damaged backup: it ends in the middle of %s", what);
		b += r;
		n -= (size_t)r;
	}
	return 0;
}
