/* Shared by backup.c and backup_tar.c: tar members and whole reads and writes. */
#ifndef CT_BACKUP_INTERNAL_H
#define CT_BACKUP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "caltrace/base/error.h"

#define CT__TAR_BLOCK 512

/* A ustar header of a plain file (owner caltrace, uid and gid 0). */
void ct__tar_header(uint8_t h[CT__TAR_BLOCK], const char *name, unsigned mode, uint64_t size, uint64_t mtime);

/*
 * Parses a header this code writes: 0 and its fields, 1 for a zero block
 * (the end), or CT_EINVAL naming what is wrong.
 */
int ct__tar_parse(const uint8_t h[CT__TAR_BLOCK], char name[101], unsigned *mode, uint64_t *size);

/* Writes / reads exactly n bytes; what names the file in errors. Errors: CT_EIO, CT_ENOSPACE, CT_EINVAL
 * (short read). */
int ct__write_all(int fd, const void *p, size_t n, const char *what);
int ct__read_all(int fd, void *p, size_t n, const char *what);

#endif
