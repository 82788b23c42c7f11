/*
 * Stored entries, compressed (store format 4; docs/FORMAT.md, "Stored
 * entries"). An entry is a few hundred bytes of msgpack, much of it the
 * same field names, event types and keys in every entry: alone it hardly
 * compresses, but against a dictionary of such entries zstd keeps about
 * 55 % of it (docs/PERFORMANCE.md). The dictionary is part of the format:
 * dict/entries-1.zdict, compiled in (CMake makes entry_dict.c from it),
 * named by its ID in every frame.
 *
 * A value in DB_ENTRIES is either the entry itself (it starts with 0x98,
 * msgpack's array of 8: entries stored before format 4, and any entry
 * that would not shrink) or one zstd frame (it starts with zstd's magic
 * number, 28 b5 2f fd) that holds its size and the dictionary's ID.
 *
 * An unpacked entry is a malloc'd copy that its reader keeps until it
 * ends or rewinds (ct_reader_rewind), so that an entry read stays valid
 * for the reader's life as an LMDB pointer did. Each thread keeps its
 * own zstd contexts; the dictionaries are made once and shared.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "store_internal.h"

#define PACK_LEVEL 1 /* zstd's fastest: level 3 saves 2 % more for 25 % more time */

static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
#define FEED_MARK 0xc1 /* msgpack's one unused byte: the feed form */
#define FEED_PREV 0x01 /* the feed form's flag: prev is the leaf of the entry before */

/* The dictionary, from dict/entries-1.zdict (the build's entry_dict.c). */
extern const unsigned char ct__entry_dict[];
extern const size_t ct__entry_dict_len;
#define PACK_DICT_ID 1

static pthread_once_t dict_once = PTHREAD_ONCE_INIT;
static ZSTD_CDict *cdict;
static ZSTD_DDict *ddict;

static void make_dicts(void)
{
	cdict = ZSTD_createCDict(ct__entry_dict, ct__entry_dict_len, PACK_LEVEL);
	ddict = ZSTD_createDDict(ct__entry_dict, ct__entry_dict_len);
}

/* Each thread's contexts, freed when it ends. */
struct zctx {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
};

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;

static void free_zctx(void *p)
{
	struct zctx *z = p;

	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	free(z);
}

static void make_key(void)
{
	if (pthread_key_create(&ctx_key, free_zctx) != 0)
		abort(); /* only when the process is out of keys: nothing can go on */
}

static struct zctx *thread_ctx(void)
{
	struct zctx *z;

	pthread_once(&dict_once, make_dicts);
	pthread_once(&key_once, make_key);
	if (!cdict || !ddict)
		return NULL;
	if ((z = pthread_getspecific(ctx_key)))
		return z;
	if (!(z = calloc(1, sizeof(*z))))
		return NULL;
	z->c = ZSTD_createCCtx();
	z->d = ZSTD_createDCtx();
	if (!z->c || !z->d || ZSTD_isError(ZSTD_CCtx_refCDict(z->c, cdict)) ||
	    ZSTD_isError(ZSTD_DCtx_refDDict(z->d, ddict)) || pthread_setspecific(ctx_key, z) != 0) {
		free_zctx(z);
		return NULL;
	}
	return z;
}

/*
 * Where the author and the previous entry's hash lie in an encoded entry
 * (docs/FORMAT.md, section 2): [version, author, seq, prev, ...], version
 * one byte, author and prev bin 8 of 32 bytes, prev nil on a feed's first
 * entry (*prev_at 0 then). -1 for any other shape (stored whole).
 */
static int entry_layout(const uint8_t *raw, size_t len, size_t *prev_at, uint64_t *seq)
{
	size_t p = 4 + CT_KEY_BYTES, n;

	if (len < p + 2 + CT_HASH_BYTES || raw[0] != 0x98 || raw[1] >= 0x80 || raw[2] != 0xc4 ||
	    raw[3] != CT_KEY_BYTES)
		return -1;
	switch (raw[p]) {
	case 0xcc: n = 1; break;
	case 0xcd: n = 2; break;
	case 0xce: n = 4; break;
	case 0xcf: n = 8; break;
	default:
		if (raw[p] >= 0x80)
			return -1;
		n = 0;
	}
	*seq = n ? 0 : raw[p];
	for (size_t i = 1; i <= n; i++)
		*seq = *seq << 8 | raw[p + i];
	p += 1 + n;
	if (p + 2 + CT_HASH_BYTES > len)
		return -1;
	if (raw[p] == 0xc0) {
		*prev_at = 0;
		return 0;
	}
	if (raw[p] != 0xc4 || raw[p + 1] != CT_HASH_BYTES)
		return -1;
	*prev_at = p + 2;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t any = 0;

	for (size_t i = 0; i < n; i++)
		any |= p[i];
	return any == 0;
}

/* The form a stored value is in. */
enum form { FORM_ENTRY, FORM_FRAME, FORM_FEED };

static enum form form_of(const MDB_val *v)
{
	const uint8_t *p = v->mv_data;

	if (v->mv_size >= 1 && p[0] == FEED_MARK)
		return FORM_FEED;
	if (v->mv_size >= sizeof(zstd_magic) && memcmp(p, zstd_magic, sizeof(zstd_magic)) == 0)
		return FORM_FRAME;
	return FORM_ENTRY;
}

bool ct__entry_packed(const MDB_val *v)
{
	return form_of(v) != FORM_ENTRY;
}

/* A value of the feed form: its feed's number, its flags and its frame. */
struct feed_form {
	uint32_t feed;
	uint8_t flags;
	MDB_val frame;
};

static int parse_feed_form(const MDB_val *v, struct feed_form *f)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	unsigned shift = 0;

	f->feed = 0;
	for (p++;; p++, shift += 7) { /* LEB128, at most 5 bytes */
		if (p >= end || shift > 28)
			return ct_error_set(CT_ECORRUPT, "a stored entry's feed number is damaged");
		f->feed |= (uint32_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			break;
	}
	if (++p >= end || (*p & ~FEED_PREV))
		return ct_error_set(CT_ECORRUPT, "a stored entry's flags are damaged");
	f->flags = *p++;
	f->frame.mv_data = (void *)p;
	f->frame.mv_size = (size_t)(end - p);
	return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* The number of author's feed in this store, given it one in b when it has none (DB_META "fk", "fi", "fn"). */
static int feed_number(ct_batch *b, const uint8_t author[CT_KEY_BYTES], uint32_t *out)
{
	uint8_t key[2 + CT_KEY_BYTES] = {'f', 'k'}, ikey[2 + 4] = {'f', 'i'}, n[4];
	void *known = ct_hmap_get(&b->feeds, author, CT_KEY_BYTES);
	MDB_val v;
	int err;

	if (known) {
		*out = (uint32_t)((uintptr_t)known - 1);
		return 0;
	}
	memcpy(key + 2, author, CT_KEY_BYTES);
	if ((err = ct__get(&b->rd, DB_META, key, sizeof(key), &v)) == CT_ENOTFOUND) {
		/* a new feed: the next number ("fn", 0 before the first) */
		if ((err = ct__get(&b->rd, DB_META, "fn", 2, &v)) == CT_ENOTFOUND) {
			v.mv_size = 4;
			v.mv_data = memset(n, 0, 4);
		} else if (err < 0) {
			return ct__batch_poison(b, err);
		}
		if (v.mv_size != 4)
			return ct__batch_poison(b, ct_error_set(CT_ECORRUPT, "the next feed number is damaged"));
		if ((*out = get_u32(v.mv_data)) == UINT32_MAX)
			return ct__batch_poison(b, ct_error_set(CT_ETOOBIG, "too many feeds in one store"));
		put_u32(n, *out);
		put_u32(ikey + 2, *out);
		if ((err = ct__put(b, DB_META, key, sizeof(key), n, 4, 0)) < 0 ||
		    (err = ct__put(b, DB_META, ikey, sizeof(ikey), author, CT_KEY_BYTES, 0)) < 0)
			return err;
		put_u32(n, *out + 1);
		if ((err = ct__put(b, DB_META, "fn", 2, n, 4, 0)) < 0)
			return err;
	} else if (err < 0) {
		return ct__batch_poison(b, err);
	} else if (v.mv_size != 4) {
		return ct__batch_poison(b, ct_error_set(CT_ECORRUPT, "a feed number record has %zu bytes", v.mv_size));
	} else {
		*out = get_u32(v.mv_data);
	}
	if (ct_hmap_put(&b->feeds, author, CT_KEY_BYTES, (void *)((uintptr_t)*out + 1)) < 0)
		return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory storing an entry"));
	return 0;
}

/* The author of feed number feed. */
static int feed_author(ct_reader *r, uint32_t feed, uint8_t author[CT_KEY_BYTES])
{
	uint8_t key[2 + 4] = {'f', 'i'};
	MDB_val v;
	int err;

	put_u32(key + 2, feed);
	if (r->feed_known && r->feed == feed) {
		memcpy(author, r->feed_author, CT_KEY_BYTES);
		return 0;
	}
	if ((err = ct__get(r, DB_META, key, sizeof(key), &v)) < 0 || v.mv_size != CT_KEY_BYTES)
		return ct_error_set(CT_ECORRUPT, "a stored entry names feed number %u, which the store does not know",
				    feed);
	memcpy(author, v.mv_data, CT_KEY_BYTES);
	memcpy(r->feed_author, author, CT_KEY_BYTES);
	r->feed = feed;
	r->feed_known = true;
	return 0;
}

/*
 * The frame of the feed form: raw (at layout prev_at, 0 when it has no
 * prev) with its author and, when zero_prev, its prev zeroed, compressed
 * into out (cap bytes) through scratch (len bytes). 0 when it does not fit
 * in cap, else its size.
 */
static size_t feed_frame(struct zctx *z, const uint8_t *raw, size_t len, size_t prev_at, bool zero_prev,
			 uint8_t *scratch, uint8_t *out, size_t cap)
{
	size_t r;

	memcpy(scratch, raw, len);
	memset(scratch + 4, 0, CT_KEY_BYTES);
	if (prev_at && zero_prev)
		memset(scratch + prev_at, 0, CT_HASH_BYTES);
	r = ZSTD_compress2(z->c, out, cap, scratch, len);
	return ZSTD_isError(r) ? 0 : r;
}

int ct_entry_pack(ct_prepared *p, uint8_t *out, size_t cap, size_t *used)
{
	struct zctx *z = thread_ctx();
	const uint8_t *raw = p->e.raw;
	size_t len = p->e.raw_len, prev_at, n = 0;
	uint64_t seq;
	uint8_t *scratch;

	*used = 0;
	if (entry_layout(raw, len, &prev_at, &seq) < 0)
		return 0; /* the writer stores it as its own frame */
	if (!z || !(scratch = malloc(len)))
		return ct_error_set(CT_ENOMEM, "out of memory compressing an entry");
	/* prev zeroed: the writer uses this only where it may leave prev out; no gain past len bytes */
	n = feed_frame(z, raw, len, prev_at, true, scratch, out, cap < len ? cap : len);
	free(scratch);
	p->pack = n ? out : NULL;
	p->pack_len = n;
	*used = n;
	return 0;
}

int ct__entry_pack(ct_batch *b, const uint8_t *raw, size_t len, const uint8_t *pre, size_t pre_len, MDB_val *out)
{
	struct zctx *z = thread_ctx();
	size_t bound = ZSTD_compressBound(len) + 8, n, at = 0, prev_at = 0;
	uint8_t leaf[CT_HASH_BYTES], flags = 0;
	uint64_t seq = 0, number;
	uint32_t feed = 0;
	int err;

	out->mv_data = (void *)raw;
	out->mv_size = len;
	if (!z)
		return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory compressing an entry"));
	if (b->pack.cap < bound + len) {
		b->pack.len = 0;
		if (ct_buf_grow(&b->pack, bound + len) < 0)
			return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory compressing an entry"));
	}
	if (entry_layout(raw, len, &prev_at, &seq) < 0) {
		/* not the shape the feed form needs: the entry's own frame */
		n = ZSTD_compress2(z->c, b->pack.ptr, bound, raw, len);
		if (ZSTD_isError(n))
			return ct__batch_poison(b, ct_error_set(CT_EINVAL, "compressing an entry: %s", ZSTD_getErrorName(n)));
		if (n < len) {
			out->mv_data = b->pack.ptr;
			out->mv_size = n;
		}
		return 0;
	}
	/*
	 * The feed form: the author's 32 bytes become the feed's number, and
	 * prev, when it is the leaf of the entry before (so not in a sparse
	 * store's gap), is left to that leaf.
	 */
	if ((err = feed_number(b, raw + 4, &feed)) < 0)
		return err;
	if (prev_at && seq > 1 && ct__pos_get(&b->rd, raw + 4, seq - 1, &number, leaf) == 0 &&
	    memcmp(leaf, raw + prev_at, CT_HASH_BYTES) == 0)
		flags |= FEED_PREV;
	b->pack.ptr[at++] = FEED_MARK;
	do {
		b->pack.ptr[at++] = (uint8_t)((feed & 0x7f) | (feed > 0x7f ? 0x80 : 0));
		feed >>= 7;
	} while (feed);
	b->pack.ptr[at++] = flags;
	if (pre_len && (flags & FEED_PREV || !prev_at) && at + pre_len <= bound) {
		/* made ahead on a checking thread (ct_entry_pack): prev zeroed, as it may be here */
		memcpy(b->pack.ptr + at, pre, pre_len);
		n = pre_len;
	} else {
		n = feed_frame(z, raw, len, prev_at, flags & FEED_PREV, b->pack.ptr + bound, b->pack.ptr + at, bound - at);
	}
	if (n && at + n < len) { /* else it stays as it is */
		out->mv_data = b->pack.ptr;
		out->mv_size = at + n;
	}
	return 0;
}

int ct__entry_unpacked_size(const MDB_val *v, size_t *len)
{
	struct feed_form f;
	MDB_val frame = *v;
	unsigned long long n;
	unsigned id;
	int err;

	switch (form_of(v)) {
	case FORM_ENTRY:
		*len = v->mv_size;
		return 0;
	case FORM_FEED:
		if ((err = parse_feed_form(v, &f)) < 0)
			return err;
		frame = f.frame;
		break;
	case FORM_FRAME:
		break;
	}
	n = ZSTD_getFrameContentSize(frame.mv_data, frame.mv_size);
	if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n == 0 || n > CT_ENTRY_MAX)
		return ct_error_set(CT_ECORRUPT, "a stored entry's compressed frame is damaged");
	if ((id = ZSTD_getDictID_fromFrame(frame.mv_data, frame.mv_size)) != PACK_DICT_ID)
		return ct_error_set(CT_ECORRUPT,
				    "a stored entry is compressed with dictionary %u, which this caltrace does not have "
				    "(a newer release wrote it)",
				    id);
	*len = (size_t)n;
	return 0;
}

int ct__entry_unpack_into(ct_reader *r, uint8_t *dst, size_t len, const MDB_val *v)
{
	struct zctx *z = thread_ctx();
	struct feed_form f = {0, 0, *v};
	bool feed_form = form_of(v) == FORM_FEED;
	uint8_t author[CT_KEY_BYTES];
	size_t n, prev_at;
	uint64_t seq, number;
	int err;

	if (!z)
		return ct_error_set(CT_ENOMEM, "out of memory reading a compressed entry");
	if (feed_form && (err = parse_feed_form(v, &f)) < 0)
		return err;
	n = ZSTD_decompressDCtx(z->d, dst, len, f.frame.mv_data, f.frame.mv_size);
	if (ZSTD_isError(n) || n != len)
		return ct_error_set(CT_ECORRUPT, "a stored entry does not decompress: %s",
				    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
	if (!feed_form)
		return 0;
	if (entry_layout(dst, len, &prev_at, &seq) < 0)
		return ct_error_set(CT_ECORRUPT, "a stored entry of the feed form is not an entry");
	if ((err = feed_author(r, f.feed, author)) < 0)
		return err;
	/* what the feed form leaves out was stored as zeros: anything else is damage */
	if (!all_zero(dst + 4, CT_KEY_BYTES) || ((f.flags & FEED_PREV) && prev_at && !all_zero(dst + prev_at, CT_HASH_BYTES)))
		return ct_error_set(CT_ECORRUPT, "a stored entry of the feed form holds bytes where it leaves some out");
	memcpy(dst + 4, author, CT_KEY_BYTES);
	if (f.flags & FEED_PREV) {
		if (!prev_at || seq < 2)
			return ct_error_set(CT_ECORRUPT, "a stored entry leaves out a previous entry it does not have");
		if ((err = ct__pos_get(r, author, seq - 1, &number, dst + prev_at)) < 0)
			return err == CT_ENOTFOUND ? ct_error_set(CT_ECORRUPT,
								  "a stored entry's previous entry is not stored")
						   : err;
	}
	return 0;
}

int ct__entry_own(ct_reader *r, MDB_val *v)
{
	uint8_t *copy;
	size_t len;
	int err;

	if (!ct__entry_packed(v))
		return 0;
	if ((err = ct__entry_unpacked_size(v, &len)) < 0)
		return err;
	if (r->nkept == r->capkept) {
		size_t cap = r->capkept ? 2 * r->capkept : 16;
		void **grown = realloc(r->kept, cap * sizeof(*grown));
		if (!grown)
			return ct_error_set(CT_ENOMEM, "out of memory reading an entry");
		r->kept = grown;
		r->capkept = cap;
	}
	if (!(copy = malloc(len)))
		return ct_error_set(CT_ENOMEM, "out of memory reading an entry");
	if ((err = ct__entry_unpack_into(r, copy, len, v)) < 0) {
		free(copy);
		return err;
	}
	r->kept[r->nkept++] = copy;
	v->mv_data = copy;
	v->mv_size = len;
	return 0;
}

size_t ct_reader_mark(const ct_reader *r)
{
	return r->nkept;
}

void ct_reader_rewind(ct_reader *r, size_t mark)
{
	while (r->nkept > mark)
		free(r->kept[--r->nkept]);
}

void ct__reader_release(ct_reader *r)
{
	ct_reader_rewind(r, 0);
	free(r->kept);
	r->kept = NULL;
	r->capkept = 0;
}
