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

bool ct__entry_packed(const MDB_val *v)
{
	return v->mv_size >= sizeof(zstd_magic) && memcmp(v->mv_data, zstd_magic, sizeof(zstd_magic)) == 0;
}

int ct__entry_pack(ct_batch *b, const uint8_t *raw, size_t len, MDB_val *out)
{
	struct zctx *z = thread_ctx();
	size_t bound = ZSTD_compressBound(len), n;

	out->mv_data = (void *)raw;
	out->mv_size = len;
	if (!z)
		return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory compressing an entry"));
	if (b->pack.cap < bound) {
		b->pack.len = 0;
		if (ct_buf_grow(&b->pack, bound) < 0)
			return ct__batch_poison(b, ct_error_set(CT_ENOMEM, "out of memory compressing an entry"));
	}
	n = ZSTD_compress2(z->c, b->pack.ptr, b->pack.cap, raw, len);
	if (ZSTD_isError(n))
		return ct__batch_poison(b, ct_error_set(CT_EINVAL, "compressing an entry: %s", ZSTD_getErrorName(n)));
	if (n < len) { /* else it stays as it is */
		out->mv_data = b->pack.ptr;
		out->mv_size = n;
	}
	return 0;
}

int ct__entry_unpacked_size(const MDB_val *v, size_t *len)
{
	unsigned long long n;
	unsigned id;

	if (!ct__entry_packed(v)) {
		*len = v->mv_size;
		return 0;
	}
	n = ZSTD_getFrameContentSize(v->mv_data, v->mv_size);
	if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n == 0 || n > CT_ENTRY_MAX)
		return ct_error_set(CT_ECORRUPT, "a stored entry's compressed frame is damaged");
	if ((id = ZSTD_getDictID_fromFrame(v->mv_data, v->mv_size)) != PACK_DICT_ID)
		return ct_error_set(CT_ECORRUPT,
				    "a stored entry is compressed with dictionary %u, which this caltrace does not have "
				    "(a newer release wrote it)",
				    id);
	*len = (size_t)n;
	return 0;
}

int ct__entry_unpack_into(uint8_t *dst, size_t len, const MDB_val *v)
{
	struct zctx *z = thread_ctx();
	size_t n;

	if (!z)
		return ct_error_set(CT_ENOMEM, "out of memory reading a compressed entry");
	n = ZSTD_decompressDCtx(z->d, dst, len, v->mv_data, v->mv_size);
	if (ZSTD_isError(n) || n != len)
		return ct_error_set(CT_ECORRUPT, "a stored entry does not decompress: %s",
				    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
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
	if ((err = ct__entry_unpack_into(copy, len, v)) < 0) {
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
