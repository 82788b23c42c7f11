/*
 * The network index's keys, the rows an entry gives them, and its hashes
 * (caltrace/ledger/netindex.h, docs/FORMAT.md section 12): what a node and
 * an offline verifier compute alike, without the store. The trie kept in
 * the store is netindex.c.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "caltrace/ledger/index.h"
#include "netindex_internal.h"

/* ---- keys -------------------------------------------------------------- */

size_t ct_netkey_id(uint8_t out[static CT_NETKEY_MAX], char type, const char *id, size_t len)
{
	if (len == 0 || len > CT_ID_MAX || memchr(id, 0, len))
		return 0;
	out[0] = (uint8_t)type;
	memcpy(out + 1, id, len);
	out[1 + len] = 0;
	return len + 2;
}

static size_t author_key(uint8_t out[static CT_NETKEY_MAX], const uint8_t key[static CT_KEY_BYTES], char sfx)
{
	out[0] = CT_NK_AUTHOR;
	memcpy(out + 1, key, CT_KEY_BYTES);
	out[1 + CT_KEY_BYTES] = (uint8_t)sfx;
	return 2 + CT_KEY_BYTES;
}

size_t ct_netkey_org(uint8_t out[static CT_NETKEY_MAX], const uint8_t key[static CT_KEY_BYTES])
{
	return author_key(out, key, CT_NETKEY_ORG_SFX);
}

size_t ct_netkey_fork(uint8_t out[static CT_NETKEY_MAX], const uint8_t key[static CT_KEY_BYTES])
{
	return author_key(out, key, CT_NETKEY_FORK_SFX);
}

size_t ct_netkey_revoked(uint8_t out[static CT_NETKEY_MAX], const uint8_t cal[static CT_HASH_BYTES])
{
	out[0] = CT_NK_REVOKED;
	memcpy(out + 1, cal, CT_HASH_BYTES);
	return 1 + CT_HASH_BYTES;
}

bool ct_netkey_valid(const uint8_t *key, size_t len)
{
	if (len < 2 || len > CT_NETKEY_MAX)
		return false;
	switch (key[0]) {
	case CT_NK_INSTRUMENT:
	case CT_NK_STANDARD:
	case CT_NK_PERSON:
	case CT_NK_CATALOGUE:
		return len >= 3 && key[len - 1] == 0 && !memchr(key + 1, 0, len - 2);
	case CT_NK_AUTHOR:
		return len == 2 + CT_KEY_BYTES && (key[len - 1] == CT_NETKEY_ORG_SFX || key[len - 1] == CT_NETKEY_FORK_SFX);
	case CT_NK_REVOKED:
		return len == 1 + CT_HASH_BYTES;
	default:
		return false;
	}
}

void ct_netkey_name(char *out, size_t size, const uint8_t *key, size_t len)
{
	char hex[2 * CT_HASH_BYTES + 1];

	if (!ct_netkey_valid(key, len)) {
		snprintf(out, size, "(a malformed key of %zu bytes)", len);
		return;
	}
	switch (key[0]) {
	case CT_NK_AUTHOR:
		ct_hex(hex, key + 1, CT_KEY_BYTES);
		snprintf(out, size, "%s %.8s…", key[len - 1] == CT_NETKEY_ORG_SFX ? "org" : "fork", hex);
		return;
	case CT_NK_REVOKED:
		ct_hex(hex, key + 1, CT_HASH_BYTES);
		snprintf(out, size, "revoked %.8s…", hex);
		return;
	default:
		snprintf(out, size, "%s %.*s",
			 key[0] == CT_NK_INSTRUMENT ? "instrument"
			 : key[0] == CT_NK_STANDARD ? "standard"
			 : key[0] == CT_NK_PERSON   ? "person"
						    : "catalogue",
			 (int)(len - 2), (const char *)key + 1);
	}
}

static bool row_id(ct_netrow *r, char type, const ct_event_keys *k, uint8_t kind, uint64_t time)
{
	r->len = ct_netkey_id(r->key, type, k->id, k->id_len);
	r->kind = kind;
	r->time = time;
	return r->len != 0;
}

static void row_org(ct_netrow *r, const uint8_t *key, uint8_t kind, uint64_t time)
{
	r->len = ct_netkey_org(r->key, key);
	r->kind = kind;
	r->time = time;
}

int ct_netindex_rows(ct_netrow rows[static CT_NETROWS_MAX], size_t *n, const ct_entry *e)
{
	ct_event_type t = ct_event_type_of(e->type, e->type_len);
	ct_event_keys k;
	bool ok = true;
	int err;

	*n = 0;
	if (t == CT_EV_UNKNOWN)
		return ct_error_set(CT_EINVAL, "unknown event type '%.*s'", (int)e->type_len, e->type);
	if ((err = ct_event_keys_of(&k, t, e->body, e->body_len)) < 0)
		return err;
	switch (t) {
	case CT_EV_NETWORK_GENESIS:
		return 0;
	case CT_EV_INSTRUMENT_REGISTER:
		ok = row_id(&rows[0], CT_NK_INSTRUMENT, &k, CT_ROW_REGISTER, e->time);
		break;
	case CT_EV_STANDARD_REGISTER:
		ok = row_id(&rows[0], CT_NK_STANDARD, &k, CT_ROW_REGISTER, e->time);
		break;
	case CT_EV_INSTRUMENT_RETIRE:
		ok = row_id(&rows[0], CT_NK_INSTRUMENT, &k, CT_ROW_RETIRE, k.time);
		break;
	case CT_EV_STANDARD_APPROVE:
		ok = row_id(&rows[0], CT_NK_STANDARD, &k, CT_ROW_APPROVE, k.time);
		break;
	case CT_EV_STANDARD_ANCHOR:
		ok = row_id(&rows[0], CT_NK_STANDARD, &k, CT_ROW_ANCHOR, k.time);
		break;
	case CT_EV_STANDARD_OOT:
		ok = row_id(&rows[0], CT_NK_STANDARD, &k, CT_ROW_OOT, k.time);
		break;
	case CT_EV_CALIBRATION:
		ok = row_id(&rows[0], k.subject_is_standard ? CT_NK_STANDARD : CT_NK_INSTRUMENT, &k, CT_ROW_CAL, k.time);
		break;
	case CT_EV_ORG_ADMIT:
		row_org(&rows[0], k.key, CT_ROW_ADMIT, k.time);
		break;
	case CT_EV_ORG_REVOKE:
		row_org(&rows[0], k.key, CT_ROW_REVOKE, k.time);
		break;
	case CT_EV_ORG_REKEY: /* under the key it replaced, and under the key that replaces it */
		row_org(&rows[0], k.key, CT_ROW_REKEY_OUT, k.time);
		row_org(&rows[1], k.key2, CT_ROW_REKEY_IN, k.time);
		*n = 2;
		return 0;
	case CT_EV_ORG_COMPROMISED:
		row_org(&rows[0], k.key, CT_ROW_COMPROMISED, k.time);
		break;
	case CT_EV_PERSON_CERTIFY:
		ok = row_id(&rows[0], CT_NK_PERSON, &k, 0, e->time);
		break;
	case CT_EV_CATALOGUE_SET:
		ok = row_id(&rows[0], CT_NK_CATALOGUE, &k, 0, k.time);
		break;
	case CT_EV_CALIBRATION_REVOKE:
		rows[0].len = ct_netkey_revoked(rows[0].key, k.key);
		rows[0].kind = 0;
		rows[0].time = e->time;
		break;
	default:
		return ct_error_set(CT_EINVAL, "event type '%.*s' has no row in the network index", (int)e->type_len,
				    e->type);
	}
	if (!ok)
		return ct_error_set(CT_EINVAL, "an entry with an id no key can hold");
	*n = 1;
	return 0;
}

/* ---- bits ---------------------------------------------------------------- */

unsigned ct__nk_bit(const uint8_t *k, size_t len, size_t i)
{
	return i < 8 * len ? (k[i >> 3] >> (7 - (i & 7))) & 1u : 0u;
}

size_t ct__nk_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	if (i == n)
		return alen == blen ? CT__NK_SAME : 8 * n;
	return 8 * i + (size_t)__builtin_clz((unsigned)(a[i] ^ b[i]) << 24);
}

int ct__nk_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/* ---- hashes ------------------------------------------------------------ */

void ct_netindex_list_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t (*hashes)[CT_HASH_BYTES], size_t n)
{
	crypto_hash_sha256_state st;
	uint8_t count[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, count, 4);
	if (n)
		crypto_hash_sha256_update(&st, hashes[0], n * CT_HASH_BYTES);
	crypto_hash_sha256_final(&st, out);
}

void ct_netindex_leaf_hash(uint8_t out[static CT_HASH_BYTES], const uint8_t *key, size_t len,
			   const uint8_t vh[static CT_HASH_BYTES])
{
	uint8_t buf[3 + CT_NETKEY_MAX + CT_HASH_BYTES];

	buf[0] = 0x00;
	buf[1] = (uint8_t)(len >> 8);
	buf[2] = (uint8_t)len;
	memcpy(buf + 3, key, len);
	memcpy(buf + 3 + len, vh, CT_HASH_BYTES);
	crypto_hash_sha256(out, buf, 3 + len + CT_HASH_BYTES);
}

void ct_netindex_node_hash(uint8_t out[static CT_HASH_BYTES], unsigned d, const uint8_t left[static CT_HASH_BYTES],
			   const uint8_t right[static CT_HASH_BYTES])
{
	uint8_t buf[3 + 2 * CT_HASH_BYTES];

	buf[0] = 0x01;
	buf[1] = (uint8_t)(d >> 8);
	buf[2] = (uint8_t)d;
	memcpy(buf + 3, left, CT_HASH_BYTES);
	memcpy(buf + 3 + CT_HASH_BYTES, right, CT_HASH_BYTES);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

void ct_netindex_empty_root(uint8_t out[static CT_HASH_BYTES])
{
	crypto_hash_sha256(out, (const uint8_t *)"", 0);
}
