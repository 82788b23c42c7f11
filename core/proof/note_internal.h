/* Helpers shared by the C2SP text formats: note.c, checkpoint.c, cosig.c, tlogproof.c. */
#ifndef CT_NOTE_INTERNAL_H
#define CT_NOTE_INTERNAL_H

#include <stdbool.h>

#include "caltrace/proof/note.h"

/*
 * Parses len characters as an ASCII decimal without leading zeros (except
 * "0") that fits in 64 bits. Returns true and the value, or false.
 */
bool ct__decimal_parse(uint64_t *out, const char *s, size_t len);

/* Appends the decimal form of v to out. Errors: CT_ENOMEM. */
int ct__decimal_put(ct_buf *out, uint64_t v);

/*
 * Checks that s (len bytes) is valid UTF-8 without control characters
 * other than newline. Errors: CT_EINVAL, naming what and the byte offset.
 */
int ct__note_text_check(const char *what, const uint8_t *s, size_t len);

/*
 * Reads the line at *pos in buf[0..len): sets *line and *line_len (without
 * its '\n') and moves *pos past the '\n'. Returns false when the rest has
 * no '\n' (or is empty).
 */
bool ct__next_line(const char **line, size_t *line_len, const char *buf, size_t len, size_t *pos);

#endif
