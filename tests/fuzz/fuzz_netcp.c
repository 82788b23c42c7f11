/*
 * libFuzzer target for the texts of the network index (docs/FORMAT.md
 * section 12, docs/CHECKPOINTS.md "Network checkpoints"): the network
 * checkpoint body and the lookup proof stream, both taken from peers and
 * bundles.
 *
 * The first byte chooses:
 *  - even: the rest is a network checkpoint body. ct_netcp_parse returns 0
 *    or CT_EINVAL / CT_ENOMEM; what it accepts, ct_netcp_format writes back
 *    byte for byte, its feeds strictly ordered and none empty.
 *  - odd: the rest is a root (32 bytes), revealed leaves (each: a 0xff
 *    marker, a length byte, that many key bytes, 32 bytes of list hash)
 *    and a lookup proof; ct_netindex_verify returns 0 or CT_EPROOF /
 *    CT_EINVAL / CT_ENOMEM whatever the leaves and bytes (the seed, the
 *    worked example's lookups, succeeds), and against the empty root
 *    succeeds only for no leaf and no proof.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/netindex.h"
#include "caltrace/proof/netcheckpoint.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static void body(const uint8_t *data, size_t size)
{
	ct_buf out = CT_BUF_INIT;
	ct_netcp cp;
	size_t i;
	int err = ct_netcp_parse(&cp, (const char *)data, size);

	if (err < 0) {
		CHECK(err == CT_EINVAL || err == CT_ENOMEM);
		return;
	}
	for (i = 0; i < cp.nfeeds; i++) {
		CHECK(cp.feeds[i].size > 0);
		CHECK(i == 0 || memcmp(cp.feeds[i - 1].author, cp.feeds[i].author, CT_KEY_BYTES) < 0);
	}
	CHECK(ct_netcp_format(&out, &cp) == 0);
	CHECK(out.len == size && memcmp(out.ptr, data, size) == 0);
	ct_buf_free(&out);
	ct_netcp_clear(&cp);
}

static void proof(const uint8_t *data, size_t size)
{
	ct_netleaf leaves[16], absent[2];
	uint8_t root[CT_HASH_BYTES];
	size_t n = 0, pos = 0;
	int err;

	if (size < CT_HASH_BYTES)
		return;
	memcpy(root, data, CT_HASH_BYTES);
	pos = CT_HASH_BYTES;
	while (n < 16 && pos + 1 < size && data[pos] == 0xff) {
		size_t len = data[pos + 1];
		pos += 2;
		if (len == 0 || len > CT_NETKEY_MAX || pos + len + CT_HASH_BYTES > size)
			break;
		memcpy(leaves[n].key, data + pos, len);
		leaves[n].len = len;
		memcpy(leaves[n].vh, data + pos + len, CT_HASH_BYTES);
		pos += len + CT_HASH_BYTES;
		n++;
	}
	err = ct_netindex_verify(root, leaves, n, data + pos, size - pos, NULL, 0);
	CHECK(err == 0 || err == CT_EPROOF || err == CT_EINVAL || err == CT_ENOMEM);
	/* and a key said absent */
	absent[0].len = ct_netkey_id(absent[0].key, CT_NK_INSTRUMENT, "X", 1);
	err = ct_netindex_verify(root, leaves, n, data + pos, size - pos, absent, 1);
	CHECK(err == 0 || err == CT_EPROOF || err == CT_EINVAL || err == CT_ENOMEM);
	/* against the empty root: only nothing proves it */
	ct_netindex_empty_root(root);
	err = ct_netindex_verify(root, leaves, n, data + pos, size - pos, absent, 1);
	CHECK(err == 0 || err == CT_EPROOF || err == CT_EINVAL || err == CT_ENOMEM);
	CHECK(err != 0 || (n == 0 && pos == size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		body(data + 1, size - 1);
	else
		proof(data + 1, size - 1);
	return 0;
}
