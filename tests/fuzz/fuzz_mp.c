/*
 * libFuzzer target for the canonical msgpack reader.
 *
 * Invariants checked on every input:
 *  - ct_mp_check returns 0, CT_ENONCANON or CT_ETRUNC, nothing else;
 *  - when it accepts, ct_mp_skip consumes exactly the input, the input
 *    less its last byte is CT_ETRUNC, and decoding with the readers and
 *    re-encoding with the writers reproduces the input byte for byte
 *    (canonical means one encoding per value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/mp.h"

#define CHECK(cond)                                                                                           \
	do {                                                                                                  \
		if (!(cond))                                                                                  \
			abort();                                                                              \
	} while (0)

/* Copies one value from r to out through the typed readers and writers. */
static int recode(ct_mp *r, ct_buf *out)
{
	const uint8_t *bin;
	const char *s;
	uint32_t count, i;
	uint64_t v;
	size_t len;
	bool flag;
	int err = 0;

	switch (ct_mp_peek(r)) {
	case CT_MP_NIL:
		if ((err = ct_mp_read_nil(r)) == 0)
			err = ct_mp_put_nil(out);
		return err;
	case CT_MP_BOOL:
		if ((err = ct_mp_read_bool(r, &flag)) == 0)
			err = ct_mp_put_bool(out, flag);
		return err;
	case CT_MP_UINT:
		if ((err = ct_mp_read_uint(r, &v)) == 0)
			err = ct_mp_put_uint(out, v);
		return err;
	case CT_MP_STR:
		if ((err = ct_mp_read_str(r, &s, &len)) == 0)
			err = ct_mp_put_str(out, s, len);
		return err;
	case CT_MP_BIN:
		if ((err = ct_mp_read_bin(r, &bin, &len)) == 0)
			err = ct_mp_put_bin(out, bin, len);
		return err;
	case CT_MP_ARRAY:
	case CT_MP_MAP:
		if (ct_mp_peek(r) == CT_MP_ARRAY) {
			if ((err = ct_mp_read_array(r, &count)) < 0 || (err = ct_mp_put_array(out, count)) < 0)
				return err;
		} else {
			if ((err = ct_mp_read_map(r, &count)) < 0 || (err = ct_mp_put_map(out, count)) < 0)
				return err;
			count *= 2;
		}
		for (i = 0; i < count && err == 0; i++)
			err = recode(r, out);
		return err;
	default:
		return CT_ENONCANON;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ct_buf out = CT_BUF_INIT;
	ct_mp r = ct_mp_over(data, size);
	int rc = ct_mp_check(data, size);

	CHECK(rc == 0 || rc == CT_ENONCANON || rc == CT_ETRUNC);
	if (rc != 0) {
		/* The tolerant walk must stay inside the input too. */
		if (ct_mp_skip(&r) == 0)
			CHECK(r.p > data && r.p <= data + size);
		return 0;
	}
	CHECK(ct_mp_skip(&r) == 0 && r.p == data + size);
	CHECK(ct_mp_check(data, size - 1) == CT_ETRUNC);
	r = ct_mp_over(data, size);
	CHECK(recode(&r, &out) == 0);
	CHECK(r.p == r.end);
	CHECK(out.len == size && memcmp(out.ptr, data, size) == 0);
	ct_buf_free(&out);
	return 0;
}
