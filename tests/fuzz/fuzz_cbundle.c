/*
 * libFuzzer target for complete proof bundles (docs/FORMAT.md section 13):
 * what an inspector carries away and anyone may hand to `caltrace verify`,
 * so its parser and verifier take hostile bytes.
 *
 * Invariants checked on every input:
 *  - ct_cbundle_parse returns 0 or one of its documented codes, and leaves
 *    *out NULL when it fails;
 *  - a parsed bundle has at least one entry, its lookups' keys are well
 *    formed and strictly increasing, each present lookup's hashes as many
 *    as it says;
 *  - ct_cbundle_verify, against the bureau of the worked example
 *    (tests/vectors/bundle-example/scale-s-complete.bundle, the seed),
 *    returns 0 or one of its documented codes (the seed reaches the
 *    success path), and on success names a network checkpoint.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/proof/cbundle.h"
#include "caltrace/proof/witness.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

/* The worked example's bureau (tests/vectors/bundle-example/bureau.key). */
static const char bureau_hex[] = "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t bureau[CT_KEY_BYTES], network[CT_HASH_BYTES];
	ct_cbundle *b = (ct_cbundle *)&b; /* must be reset to NULL on failure */
	ct_cbundle_info info;
	ct_vkey key;
	size_t i;
	int err;

	err = ct_cbundle_parse(&b, data, size);
	if (err < 0) {
		CHECK(b == NULL);
		CHECK(err == CT_EINVAL || err == CT_ETOOBIG || err == CT_ENOMEM);
		return 0;
	}
	CHECK(err == 0 && b != NULL && b->count >= 1 && b->id != NULL);
	for (i = 0; i < b->nlookups; i++) {
		CHECK(ct_netkey_valid(b->lookups[i].key, b->lookups[i].len));
		CHECK(b->lookups[i].present || b->lookups[i].n == 0);
		if (i) {
			size_t n = b->lookups[i - 1].len < b->lookups[i].len ? b->lookups[i - 1].len : b->lookups[i].len;
			int c = memcmp(b->lookups[i - 1].key, b->lookups[i].key, n);
			CHECK(c < 0 || (c == 0 && b->lookups[i - 1].len < b->lookups[i].len));
		}
	}
	ct_entry_hash(network, b->blocks[0].entry, b->blocks[0].entry_len);
	CHECK(ct_unhex(bureau, CT_KEY_BYTES, bureau_hex) == 0);
	ct_witness_key(&key, network, bureau);
	err = ct_cbundle_verify(b, &key, &info);
	CHECK(err == 0 || err == CT_EBADSIG || err == CT_EPROOF || err == CT_EINVAL || err == CT_ENOTFOUND ||
	      err == CT_EAUTH || err == CT_ENOMEM);
	if (err == 0) {
		CHECK(info.cp.nfeeds >= 1 && info.lines >= info.witnesses);
		ct_netcp_clear(&info.cp);
	}
	ct_cbundle_free(b);
	return 0;
}
