/* Length-prefixed frames (proto/frame.h). */
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/proto/frame.h"

void ct_framer_init(ct_framer *f, uint32_t limit)
{
	memset(f, 0, sizeof(*f));
	f->limit = limit;
}

void ct_framer_set_limit(ct_framer *f, uint32_t limit)
{
	f->limit = limit;
}

void ct_framer_free(ct_framer *f)
{
	ct_buf_free(&f->in);
	f->off = 0;
}

size_t ct_framer_pending(const ct_framer *f)
{
	return f->in.len - f->off;
}

int ct_framer_push(ct_framer *f, const uint8_t *data, size_t len)
{
	/* Drop what was handed out before growing: the buffer stays near one frame. */
	if (f->off > 0 && (f->off == f->in.len || f->off >= f->in.cap / 2)) {
		memmove(f->in.ptr, f->in.ptr + f->off, f->in.len - f->off);
		f->in.len -= f->off;
		f->off = 0;
	}
	return ct_buf_put(&f->in, data, len);
}

int ct_framer_next(ct_framer *f, const uint8_t **body, size_t *len)
{
	const uint8_t *p = f->in.ptr + f->off;
	size_t avail = f->in.len - f->off;
	uint32_t n;

	if (avail < CT_FRAME_HEADER)
		return 0;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (n > f->limit)
		return ct_error_set(CT_ETOOBIG, "frame of %u bytes over the limit of %u", n, f->limit);
	if (avail - CT_FRAME_HEADER < n)
		return 0;
	*body = p + CT_FRAME_HEADER;
	*len = n;
	f->off += CT_FRAME_HEADER + n;
	return 1;
}

void ct_frame_header(uint8_t out[CT_FRAME_HEADER], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

int ct_frame_put(ct_buf *out, const uint8_t *body, size_t len)
{
	uint8_t hdr[CT_FRAME_HEADER];
	int err;

	if (len > CT_FRAME_MAX)
		return ct_error_set(CT_ETOOBIG, "frame of %zu bytes over the limit of %u", len, CT_FRAME_MAX);
	ct_frame_header(hdr, (uint32_t)len);
	if ((err = ct_buf_grow(out, CT_FRAME_HEADER + len)) < 0)
		return err;
	ct_buf_put(out, hdr, sizeof(hdr));
	return ct_buf_put(out, body, len);
}
