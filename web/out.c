/* Writing a response body: bytes, printf, HTML escaping, URLs; the first failure sticks. */
#include <stdio.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "web_internal.h"

void ct__w_put(struct ct__out *o, const char *s, size_t n)
{
	if (!o->err && n && ct_buf_put(o->b, s, n) < 0)
		o->err = CT_ENOMEM;
}

void ct__w_str(struct ct__out *o, const char *s)
{
	if (s)
		ct__w_put(o, s, strlen(s));
}

void ct__w_fmt(struct ct__out *o, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->err = CT_EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		ct__w_put(o, small, (size_t)n);
		return;
	}
	if (ct_buf_grow(o->b, (size_t)n + 1) < 0) {
		o->err = CT_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf((char *)o->b->ptr + o->b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->b->len += (size_t)n;
}

void ct__w_escn(struct ct__out *o, const char *s, size_t n)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		ct__w_put(o, s + from, i - from);
		ct__w_str(o, rep);
		from = i + 1;
	}
	ct__w_put(o, s + from, n - from);
}

void ct__w_esc(struct ct__out *o, const char *s)
{
	if (s)
		ct__w_escn(o, s, strlen(s));
}

void ct__w_url(struct ct__out *o, const char *s, size_t n)
{
	/* Percent-encoding leaves only unreserved bytes and '%': nothing HTML would read. */
	if (!o->err && ct__pct_encode(o->b, s, n) < 0)
		o->err = CT_ENOMEM;
}
