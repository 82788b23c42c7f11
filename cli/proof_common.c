/* Helpers of the checkpoint, witness, audit, prove and verify commands. */
#include <errno.h>
#include <string.h>

#include "proof.h"

int cli_read_file(const char *cmd, const char *path, size_t max, ct_buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	uint8_t chunk[8192];
	size_t got;

	out->len = 0;
	if (!f) {
		fprintf(stderr, "caltrace %s: cannot open %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + got > max) {
			fprintf(stderr, "caltrace %s: %s is larger than %zu bytes\n", cmd, path, max);
			goto fail;
		}
		if (ct_buf_put(out, chunk, got) < 0) {
			fprintf(stderr, "caltrace %s: out of memory reading %s\n", cmd, path);
			goto fail;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "caltrace %s: cannot read %s: %s\n", cmd, path, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	return -1;
}

int cli_parse_cosigner(const char *cmd, const char *s, const uint8_t network[CT_HASH_BYTES], ct_vkey *out)
{
	uint8_t key[CT_KEY_BYTES];

	if (strlen(s) == 2 * CT_KEY_BYTES && ct_unhex(key, CT_KEY_BYTES, s) == 0) {
		ct_witness_key(out, network, key);
		return 0;
	}
	if (ct_vkey_parse(out, s, strlen(s)) < 0) {
		fprintf(stderr, "caltrace %s: '%s' is neither 64 hex digits nor a verifier key: %s\n", cmd, s,
			ct_error_last());
		return -1;
	}
	if (out->type != CT_NOTE_COSIG_V1) {
		fprintf(stderr, "caltrace %s: verifier key '%s' is not a cosignature/v1 (type 0x04) key\n", cmd,
			s);
		return -1;
	}
	return 0;
}
