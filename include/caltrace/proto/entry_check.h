/*
 * caltrace/proto/entry_check.h - the signature check of an entry received from a
 * peer, straight from its bytes.
 *
 * A canonical entry (docs/DESIGN.md section 3) starts with 0x98 (array of 8),
 * 0x01 (version 1), 0xc4 0x20 and the author's 32 bytes, then its seq as a
 * uint; it ends with 0xc4 0x40 and the 64-byte signature; what is signed
 * is "caltrace/entry/v1" 0x00, 0x97 (array of 7) and every byte between
 * the two. So the signature can be checked without decoding the body: the
 * node does so on the thread pool, and the single writer's full decode
 * (ct_batch_ingest) then refuses anything that is not canonical. An entry
 * is stored only when both agree.
 */
#ifndef CT_PROTO_ENTRY_CHECK_H
#define CT_PROTO_ENTRY_CHECK_H

#include "caltrace/base/types.h"

/*
 * Reads author and seq from the head of raw and checks the signature,
 * using scratch (reset) for the signed bytes. Errors: CT_ENONCANON (not
 * shaped like a canonical entry), CT_EBADSIG. The detail names the rule.
 */
__attribute__((warn_unused_result)) int ct_entry_check_raw(const uint8_t *raw, size_t len,
							   uint8_t author[CT_KEY_BYTES], uint64_t *seq,
							   ct_buf *scratch);

/*
 * The same without the signature check: reads author and seq and appends
 * the signing input to inputs (not reset), for a caller that checks many
 * signatures at once (caltrace/ledger/sigkey.h). The signature is the last
 * CT_SIG_BYTES of raw.
 */
__attribute__((warn_unused_result)) int ct_entry_peek_raw(const uint8_t *raw, size_t len,
							  uint8_t author[CT_KEY_BYTES], uint64_t *seq,
							  ct_buf *inputs);

#endif
