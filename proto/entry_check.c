/* The signature check of a received entry from its bytes (proto/entry_check.h). */
#include <string.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/proto/entry_check.h"
#include "caltrace/base/error.h"

#define HEAD_BYTES (1 + 1 + 2 + CT_KEY_BYTES) /* 0x98 0x01 0xc4 0x20 author */
#define SIG_FIELD  (2 + CT_SIG_BYTES)	      /* 0xc4 0x40 sig */

int ct_entry_peek_raw(const uint8_t *raw, size_t len, uint8_t author[CT_KEY_BYTES], uint64_t *seq,
		      ct_buf *inputs)
{
	static const uint8_t array7 = 0x97;
	ct_mp r;
	int err;

	if (len < HEAD_BYTES + 1 + SIG_FIELD || len > CT_ENTRY_MAX || raw[0] != 0x98 ||
	    raw[1] != CT_ENTRY_VERSION || raw[2] != 0xc4 || raw[3] != CT_KEY_BYTES ||
	    raw[len - SIG_FIELD] != 0xc4 || raw[len - SIG_FIELD + 1] != CT_SIG_BYTES)
		return ct_error_set(CT_ENONCANON, "not shaped like a canonical entry of version %d",
				 CT_ENTRY_VERSION);
	r = ct_mp_over(raw + HEAD_BYTES, len - HEAD_BYTES - SIG_FIELD);
	if ((err = ct_mp_read_uint(&r, seq)) < 0)
		return ct_error_wrap(CT_ENONCANON, "entry seq");
	memcpy(author, raw + 4, CT_KEY_BYTES);
	if ((err = ct_buf_put(inputs, CT_ENTRY_SIG_CONTEXT, sizeof(CT_ENTRY_SIG_CONTEXT))) < 0 ||
	    (err = ct_buf_put(inputs, &array7, 1)) < 0 ||
	    (err = ct_buf_put(inputs, raw + 1, len - 1 - SIG_FIELD)) < 0)
		return err;
	return 0;
}

int ct_entry_check_raw(const uint8_t *raw, size_t len, uint8_t author[CT_KEY_BYTES], uint64_t *seq,
		       ct_buf *scratch)
{
	int err;

	scratch->len = 0;
	if ((err = ct_entry_peek_raw(raw, len, author, seq, scratch)) < 0)
		return err;
	if (ct_sig_verify(author, raw + len - CT_SIG_BYTES, scratch->ptr, scratch->len) != 0)
		return ct_error_set(CT_EBADSIG, "bad signature");
	return 0;
}
