/*
 * Offline inclusion proofs (c2sp.org/tlog-proof, version v1):
 *
 *   c2sp.org/tlog-proof@v1\n
 *   [extra <base64 opaque data>\n]     omitted when there is none
 *   index <decimal leaf index>\n        0-based, no leading zeros
 *   <base64 hash>\n ...                 the RFC 6962 inclusion proof, leaf side first
 *   \n
 *   <signed checkpoint note, verbatim>
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/proof/note.h"
#include "caltrace/base/b64.h"
#include "caltrace/base/error.h"
#include "note_internal.h"

#define HEADER_LEN (sizeof(CT_TLOG_PROOF_HEADER) - 1)

void ct_tlog_proof_free(ct_tlog_proof *p)
{
	if (!p)
		return;
	ct_note_free(p->note);
	free(p->extra);
	free(p);
}

/* Parses the checkpoint part (len bytes) into p->note and p->checkpoint. */
static int parse_checkpoint(ct_tlog_proof *p, const uint8_t *buf, size_t len)
{
	int err;

	if ((err = ct_note_parse(&p->note, buf, len)) < 0 ||
	    (err = ct_checkpoint_parse(&p->checkpoint, p->note->text, p->note->text_len)) < 0)
		return ct_error_wrap(err, "tlog-proof checkpoint");
	return 0;
}

/* Parses the optional "extra" line; *used says whether line was it. */
static int parse_extra(ct_tlog_proof *p, bool *used, const char *line, size_t len)
{
	size_t b64_len;

	*used = len >= 6 && memcmp(line, "extra ", 6) == 0;
	if (!*used)
		return 0;
	b64_len = len - 6;
	if (b64_len == 0)
		return ct_error_set(CT_EINVAL, "tlog-proof line 2: extra data is empty");
	if (b64_len > CT_B64_LEN(CT_TLOG_PROOF_EXTRA_MAX))
		return ct_error_set(CT_ETOOBIG, "tlog-proof line 2: extra data is longer than %d bytes",
				 CT_TLOG_PROOF_EXTRA_MAX);
	if (!(p->extra = malloc(CT_B64_DECODED_MAX(b64_len) + 1)))
		return ct_error_set(CT_ENOMEM, "out of memory for %zu bytes of extra data",
				    CT_B64_DECODED_MAX(b64_len));
	if (ct_b64_decode(p->extra, CT_B64_DECODED_MAX(b64_len), &p->extra_len, line + 6, b64_len) < 0)
		return ct_error_set(CT_EINVAL, "tlog-proof line 2: extra data is not canonical base64");
	return 0;
}

/* Parses "index <n>" on line lineno. */
static int parse_index(ct_tlog_proof *p, const char *line, size_t len, size_t lineno)
{
	if (len < 6 || memcmp(line, "index ", 6) != 0)
		return ct_error_set(CT_EINVAL, "tlog-proof line %zu: not 'index <leaf index>'", lineno);
	if (!ct__decimal_parse(&p->index, line + 6, len - 6))
		return ct_error_set(
		    CT_EINVAL,
		    "tlog-proof line %zu: index '%.*s' is not a decimal number without leading zeros", lineno,
		    (int)(len - 6 < 40 ? len - 6 : 40), line + 6);
	return 0;
}

/* Parses the hash lines from *pos up to and including the empty line. */
static int parse_hashes(ct_tlog_proof *p, const char *buf, size_t len, size_t *pos, size_t lineno)
{
	const char *line;
	size_t line_len, hash_len;

	for (;; lineno++) {
		if (!ct__next_line(&line, &line_len, buf, len, pos))
			return ct_error_set(
			    CT_EINVAL,
			    "tlog-proof line %zu: input ends before the empty line and the checkpoint",
			    lineno);
		if (line_len == 0)
			return 0;
		if (p->count == CT_MERKLE_MAX_PROOF)
			return ct_error_set(CT_ETOOBIG, "tlog-proof line %zu: more than %d proof hashes", lineno,
					 CT_MERKLE_MAX_PROOF);
		if (ct_b64_decode(p->proof[p->count], CT_HASH_BYTES, &hash_len, line, line_len) < 0 ||
		    hash_len != CT_HASH_BYTES)
			return ct_error_set(
			    CT_EINVAL, "tlog-proof line %zu: proof hash is not canonical base64 of 32 bytes",
			    lineno);
		p->count++;
	}
}

int ct_tlog_proof_parse(ct_tlog_proof **out, const uint8_t *buf, size_t len)
{
	const char *text = (const char *)buf, *line;
	size_t pos = 0, line_len, lineno = 2;
	ct_tlog_proof *p = NULL;
	bool has_extra;
	int err;

	*out = NULL;
	if (len > CT_TLOG_PROOF_MAX)
		return ct_error_set(CT_ETOOBIG, "tlog-proof is %zu bytes, more than %d", len, CT_TLOG_PROOF_MAX);
	if (!ct__next_line(&line, &line_len, text, len, &pos) || line_len != HEADER_LEN ||
	    memcmp(line, CT_TLOG_PROOF_HEADER, HEADER_LEN) != 0)
		return ct_error_set(CT_EINVAL, "tlog-proof line 1: not '%s'", CT_TLOG_PROOF_HEADER);
	if (!(p = calloc(1, sizeof(*p))))
		return ct_error_set(CT_ENOMEM, "out of memory for a tlog-proof");
	if (!ct__next_line(&line, &line_len, text, len, &pos)) {
		err = ct_error_set(CT_EINVAL, "tlog-proof line 2: input ends before the index");
		goto done;
	}
	if ((err = parse_extra(p, &has_extra, line, line_len)) < 0)
		goto done;
	if (has_extra && !ct__next_line(&line, &line_len, text, len, &pos)) {
		err = ct_error_set(CT_EINVAL, "tlog-proof line 3: input ends before the index");
		goto done;
	}
	lineno += has_extra;
	if ((err = parse_index(p, line, line_len, lineno)) < 0 ||
	    (err = parse_hashes(p, text, len, &pos, lineno + 1)) < 0 ||
	    (err = parse_checkpoint(p, buf + pos, len - pos)) < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	ct_tlog_proof_free(p);
	return err;
}

/* Appends everything before the checkpoint: header, extra, index, hashes, empty line. */
static int put_head(ct_buf *out, uint64_t index, const uint8_t proof[][CT_HASH_BYTES], size_t count,
		    const uint8_t *extra, size_t extra_len)
{
	size_t i;
	int err;

	if ((err = ct_buf_put(out, CT_TLOG_PROOF_HEADER "\n", HEADER_LEN + 1)) < 0)
		return err;
	if (extra_len > 0 &&
	    ((err = ct_buf_put(out, "extra ", 6)) < 0 || (err = ct_b64_put(out, extra, extra_len)) < 0 ||
	     (err = ct_buf_put(out, "\n", 1)) < 0))
		return err;
	if ((err = ct_buf_put(out, "index ", 6)) < 0 || (err = ct__decimal_put(out, index)) < 0 ||
	    (err = ct_buf_put(out, "\n", 1)) < 0)
		return err;
	for (i = 0; i < count; i++)
		if ((err = ct_b64_put(out, proof[i], CT_HASH_BYTES)) < 0 ||
		    (err = ct_buf_put(out, "\n", 1)) < 0)
			return err;
	return ct_buf_put(out, "\n", 1);
}

int ct_tlog_proof_format(ct_buf *out, const ct_tlog_proof *p)
{
	int err;

	if ((err = put_head(out, p->index, (const uint8_t(*)[CT_HASH_BYTES])p->proof, p->count, p->extra,
			    p->extra_len)) < 0)
		return err;
	return ct_note_format(out, p->note);
}

int ct_tlog_proof_build(ct_buf *out, uint64_t index, const uint8_t proof[][CT_HASH_BYTES], size_t count,
			const uint8_t *extra, size_t extra_len, const uint8_t *checkpoint,
			size_t checkpoint_len)
{
	ct_checkpoint cp;
	ct_note *n = NULL;
	int err;

	if (count > CT_MERKLE_MAX_PROOF || extra_len > CT_TLOG_PROOF_EXTRA_MAX) {
		err = ct_error_set(CT_ETOOBIG,
				"tlog-proof: %zu proof hashes (at most %d), %zu bytes of extra (at most %d)",
				count, CT_MERKLE_MAX_PROOF, extra_len, CT_TLOG_PROOF_EXTRA_MAX);
		goto done;
	}
	if ((err = ct_note_parse(&n, checkpoint, checkpoint_len)) < 0 ||
	    (err = ct_checkpoint_parse(&cp, n->text, n->text_len)) < 0) {
		err = ct_error_wrap(err, "tlog-proof checkpoint");
		goto done;
	}
	if (index >= cp.size) {
		err =
		    ct_error_set(CT_EINVAL, "tlog-proof: leaf %llu is not in the checkpoint's tree of size %llu",
			      (unsigned long long)index, (unsigned long long)cp.size);
		goto done;
	}
	out->len = 0;
	/* The note parsed, so it is canonical: its bytes go in verbatim. */
	if ((err = put_head(out, index, proof, count, extra, extra_len)) < 0 ||
	    (err = ct_buf_put(out, checkpoint, checkpoint_len)) < 0)
		goto done;
done:
	ct_note_free(n);
	return err;
}

int ct_tlog_proof_verify(const ct_tlog_proof *p, const uint8_t leaf_hash[static CT_HASH_BYTES],
			 const ct_vkey *log_key)
{
	ct_checkpoint cp;
	int err;

	if ((err = ct_checkpoint_verify(&cp, p->note, log_key)) < 0)
		return ct_error_wrap(err, "tlog-proof");
	if ((err = ct_merkle_verify_inclusion(leaf_hash, p->index, cp.size,
					      (const uint8_t(*)[CT_HASH_BYTES])p->proof, p->count, cp.root)) <
	    0)
		return ct_error_wrap(err, "tlog-proof of leaf %llu in %.80s at size %llu",
				      (unsigned long long)p->index, cp.origin, (unsigned long long)cp.size);
	return 0;
}
