/*
 * libFuzzer target for proof bundles (docs/FORMAT.md section 11): a bundle
 * is what an inspector carries away and anyone may hand to `caltrace
 * verify`, so its parser and verifier take hostile bytes.
 *
 * Invariants checked on every input:
 *  - ct_bundle_parse returns 0 or one of its documented codes, and leaves
 *    *out NULL when it fails;
 *  - a parsed bundle has as many blocks as its "entries" line says, each
 *    with its whole tlog-proof (the feed's checkpoint joined back);
 *  - ct_bundle_verify, against the bureau key of the worked example
 *    (tests/vectors/bundle-example, the seed corpus's source), returns 0 or
 *    one of its documented codes (the seed reaches the success path).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/proof/bundle.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/keys.h"
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
	ct_bundle *b = (ct_bundle *)&b; /* must be reset to NULL on failure */
	ct_vkey key;
	size_t i;
	int err;

	err = ct_bundle_parse(&b, data, size);
	if (err < 0) {
		CHECK(b == NULL);
		CHECK(err == CT_EINVAL || err == CT_ETOOBIG || err == CT_ENOMEM);
		return 0;
	}
	CHECK(err == 0 && b != NULL && b->count >= 1 && b->ncps >= 1);
	for (i = 0; i < b->count; i++)
		CHECK(b->blocks[i].proof != NULL && b->blocks[i].proof->note != NULL);
	CHECK(ct_bundle_network(b, network) == 0);
	CHECK(ct_unhex(bureau, CT_KEY_BYTES, bureau_hex) == 0);
	ct_witness_key(&key, network, bureau);
	err = ct_bundle_verify(b, &key);
	CHECK(err == 0 || err == CT_EBADSIG || err == CT_EPROOF || err == CT_EINVAL || err == CT_ENOTFOUND ||
	      err == CT_ENOMEM);
	ct_bundle_free(b);
	return 0;
}
