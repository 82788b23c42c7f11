/*
 * Appending to the node's own feed: the ingest rules plus the relations an
 * author can check against its own store before signing (docs/DESIGN.md §5).
 */
#include <stdlib.h>
#include <string.h>

#include "caltrace/ledger/mp.h"
#include "caltrace/ledger/sigkey.h"
#include "store_internal.h"

/* Reads str field key of a body map. */
static int body_str(const uint8_t *body, size_t len, const char *key, const char **s, size_t *n)
{
	ct_mp map = ct_mp_over(body, len), val;
	int err;

	if ((err = ct_mp_find(&map, key, &val)) < 0)
		return err;
	return ct_mp_read_str(&val, s, n);
}

static int body_bin32(const uint8_t *body, size_t len, const char *key, const uint8_t **out)
{
	ct_mp map = ct_mp_over(body, len), val;
	size_t n;
	int err;

	if ((err = ct_mp_find(&map, key, &val)) < 0)
		return err;
	if ((err = ct_mp_read_bin(&val, out, &n)) < 0)
		return err;
	return n == CT_HASH_BYTES ? 0 : CT_EINVAL;
}

/*
 * An admitted key must be a point of the prime-order subgroup (docs/FORMAT.md
 * section 3). Checked when the bureau signs, not at ingest: docs/DECISIONS.md.
 */
static int check_admit_key(const uint8_t *body, size_t len)
{
	const uint8_t *key;
	char hex[2 * CT_KEY_BYTES + 1];
	int err;

	if ((err = body_bin32(body, len, "key", &key)) < 0)
		return err;
	if (ct_sigkey_valid_key(key))
		return 0;
	ct_hex(hex, key, CT_KEY_BYTES);
	return ct_error_set(CT_ESCHEMA,
			    "org.admit: field key: %s is not an Ed25519 public key (a canonical point of the "
			    "prime-order subgroup, not of small order)",
			    hex);
}

struct first_row {
	bool found;
	ct_index_row row;
};

static int take_first(void *ctx, const ct_index_row *row)
{
	struct first_row *f = ctx;

	f->found = true;
	f->row = *row;
	return 1;
}

/* Whether a subject (instrument or standard) is registered; *author_out its registrant. */
static int registrant(ct_reader *r, char ns, const char *id, size_t id_len, uint8_t author_out[CT_KEY_BYTES])
{
	struct first_row f = {false, {0}};
	ct_entry reg;
	int err;

	if ((err = ct_read_subject_rows(r, ns, id, id_len, CT_ROW_REGISTER, take_first, &f)) < 0)
		return err;
	if (!f.found)
		return ct_error_set(CT_ENOTFOUND, "%s '%.*s' is not registered",
				 ns == CT_NS_STANDARD ? "standard" : "instrument", (int)id_len, id);
	if ((err = ct_read_entry_by_hash(&reg, r, f.row.hash)) < 0)
		return err;
	memcpy(author_out, reg.author, CT_KEY_BYTES);
	return 0;
}

/* A calibration's standards: each registered, each cal link a stored calibration or anchor of it. */
static int check_standard_links(ct_reader *r, const uint8_t *body, size_t len)
{
	ct_mp map = ct_mp_over(body, len), list;
	uint8_t owner[CT_KEY_BYTES];
	uint32_t count, i;
	int err;

	if ((err = ct_mp_find(&map, "standards", &list)) < 0 || (err = ct_mp_read_array(&list, &count)) < 0)
		return ct_error_set(CT_ESCHEMA, "calibration without a standards list");
	for (i = 0; i < count; i++) {
		const uint8_t *item = list.p, *cal;
		const char *id, *subj, *kind;
		size_t id_len, subj_len, kind_len;
		ct_entry link;

		if ((err = ct_mp_skip(&list)) < 0)
			return err;
		if ((err = body_str(item, (size_t)(list.p - item), "id", &id, &id_len)) < 0 ||
		    (err = body_bin32(item, (size_t)(list.p - item), "cal", &cal)) < 0)
			return ct_error_set(CT_ESCHEMA, "calibration: standards[%u] lacks id or cal", i);
		if ((err = registrant(r, CT_NS_STANDARD, id, id_len, owner)) < 0)
			return ct_error_wrap(CT_EINVAL, "calibration: standards[%u]", i);
		if ((err = ct_read_entry_by_hash(&link, r, cal)) < 0)
			return ct_error_wrap(CT_EINVAL, "calibration: standards[%u] '%.*s': cal link", i, (int)id_len,
					      id);
		if (link.type_len == 15 && memcmp(link.type, "standard.anchor", 15) == 0) {
			err = body_str(link.body, link.body_len, "id", &subj, &subj_len);
		} else if (link.type_len == 11 && memcmp(link.type, "calibration", 11) == 0) {
			err = body_str(link.body, link.body_len, "subject", &subj, &subj_len);
			if (err == 0)
				err = body_str(link.body, link.body_len, "subject_kind", &kind, &kind_len);
			if (err == 0 && !(kind_len == 8 && memcmp(kind, "standard", 8) == 0))
				err = CT_EINVAL;
		} else {
			err = CT_EINVAL;
		}
		if (err < 0 || subj_len != id_len || memcmp(subj, id, id_len) != 0)
			return ct_error_set(CT_EINVAL,
					 "calibration: standards[%u] '%.*s': cal link is not a calibration or "
					 "anchor of that standard",
					 i, (int)id_len, id);
	}
	return 0;
}

/* Which kinds of org rows a key has (a bit per kind letter 'A'..'Z'). */
static int org_kind_bit(void *ctx, const ct_index_row *row)
{
	uint32_t *kinds = ctx;

	if (row->kind >= 'A' && row->kind <= 'Z')
		*kinds |= 1u << (row->kind - 'A');
	return 0;
}

static int org_kinds(ct_reader *r, const uint8_t key[CT_KEY_BYTES], uint32_t *kinds)
{
	*kinds = 0;
	return ct_read_org_rows(r, key, org_kind_bit, kinds);
}

#define HAS_KIND(kinds, k) (((kinds) >> ((k) - 'A')) & 1u)

/*
 * The bureau's key lifecycle events (docs/DESIGN.md section 5): a rekey
 * replaces a known lab key by a key the ledger has never seen, once; a
 * compromise names a known lab key. Never the bureau's own key.
 */
static int check_key_event(ct_reader *r, const uint8_t bureau[CT_KEY_BYTES], ct_event_type t,
			   const uint8_t *body, size_t len)
{
	const uint8_t *old_key, *new_key;
	uint32_t kinds;
	bool known;
	int err;

	if (t == CT_EV_ORG_COMPROMISED) {
		if ((err = body_bin32(body, len, "key", &old_key)) < 0)
			return err;
		if (memcmp(old_key, bureau, CT_KEY_BYTES) == 0)
			return ct_error_set(CT_EINVAL,
					    "org.compromised: the bureau's own key cannot be declared "
					    "compromised in its own network");
		if ((err = ct__is_admitted(r, old_key, &known)) < 0)
			return err;
		return known
			   ? 0
			   : ct_error_set(CT_ENOTFOUND, "org.compromised: no lab has that key (no org.admit "
							"or org.rekey names it)");
	}
	if ((err = body_bin32(body, len, "old_key", &old_key)) < 0 ||
	    (err = body_bin32(body, len, "new_key", &new_key)) < 0)
		return err;
	if (memcmp(old_key, bureau, CT_KEY_BYTES) == 0 || memcmp(new_key, bureau, CT_KEY_BYTES) == 0)
		return ct_error_set(CT_EINVAL, "org.rekey: the bureau's own key is not a lab's key");
	if ((err = ct__is_admitted(r, old_key, &known)) < 0)
		return err;
	if (!known)
		return ct_error_set(CT_ENOTFOUND,
				    "org.rekey: no lab has the old key (no org.admit or org.rekey "
				    "names it)");
	if ((err = org_kinds(r, old_key, &kinds)) < 0)
		return err;
	if (HAS_KIND(kinds, CT_ROW_REKEY_OUT))
		return ct_error_set(CT_EEXISTS, "org.rekey: the old key was already replaced by an earlier "
						"org.rekey");
	if ((err = org_kinds(r, new_key, &kinds)) < 0)
		return err;
	if (kinds)
		return ct_error_set(CT_EEXISTS,
				    "org.rekey: the new key is already known to the ledger (admitted, "
				    "re-keyed or declared compromised): a lab's new key must be fresh");
	return 0;
}

struct rekey_in {
	bool found;
	uint8_t hash[CT_HASH_BYTES];
};

static int take_rekey_in(void *ctx, const ct_index_row *row)
{
	struct rekey_in *k = ctx;

	if (row->kind != CT_ROW_REKEY_IN)
		return 0;
	k->found = true;
	memcpy(k->hash, row->hash, CT_HASH_BYTES);
	return 1;
}

/*
 * Whether key speaks for the lab owner is a key of: owner itself, or a key
 * that replaced it through the bureau's org.rekey entries (walking back
 * from key through each rekey into it). A re-keyed lab retires the
 * instruments and declares out of tolerance the standards it registered
 * under its old key (docs/DESIGN.md section 5: the new key is the same lab).
 */
static int same_lab(ct_reader *r, const uint8_t owner[CT_KEY_BYTES], const uint8_t key[CT_KEY_BYTES], bool *out)
{
	uint8_t cur[CT_KEY_BYTES];
	const uint8_t *old;
	ct_entry e;
	int err, step;

	*out = false;
	memcpy(cur, key, CT_KEY_BYTES);
	for (step = 0; step < 256; step++) { /* a chain is short; a cycle cannot be, but stop anyway */
		struct rekey_in k = {false, {0}};
		if (memcmp(cur, owner, CT_KEY_BYTES) == 0) {
			*out = true;
			return 0;
		}
		if ((err = ct_read_org_rows(r, cur, take_rekey_in, &k)) < 0)
			return err;
		if (!k.found)
			return 0;
		if ((err = ct_read_entry_by_hash(&e, r, k.hash)) < 0 ||
		    (err = body_bin32(e.body, e.body_len, "old_key", &old)) < 0)
			return err;
		memcpy(cur, old, CT_KEY_BYTES);
	}
	return 0;
}

/* Relations an own append checks against the store. */
static int check_relations(ct_reader *r, const uint8_t author[CT_KEY_BYTES], ct_event_type t,
			   const uint8_t *body, size_t len)
{
	uint8_t owner[CT_KEY_BYTES];
	const char *id, *kind;
	size_t id_len, kind_len;
	const uint8_t *target;
	ct_entry cal;
	bool same;
	int err = 0;

	switch (t) {
	case CT_EV_STANDARD_OOT:
		if ((err = body_str(body, len, "id", &id, &id_len)) < 0 ||
		    (err = registrant(r, CT_NS_STANDARD, id, id_len, owner)) < 0 ||
		    (err = same_lab(r, owner, author, &same)) < 0)
			return err;
		if (!same)
			return ct_error_set(CT_EAUTH, "standard '%.*s' belongs to another lab: only its owner declares "
						   "it out of tolerance",
					 (int)id_len, id);
		return 0;
	case CT_EV_STANDARD_APPROVE:
	case CT_EV_STANDARD_ANCHOR:
		if ((err = body_str(body, len, "id", &id, &id_len)) < 0)
			return err;
		return registrant(r, CT_NS_STANDARD, id, id_len, owner);
	case CT_EV_INSTRUMENT_RETIRE:
		if ((err = body_str(body, len, "id", &id, &id_len)) < 0 ||
		    (err = registrant(r, CT_NS_INSTRUMENT, id, id_len, owner)) < 0 ||
		    (err = same_lab(r, owner, author, &same)) < 0)
			return err;
		if (!same)
			return ct_error_set(CT_EAUTH, "instrument '%.*s' was registered by another lab", (int)id_len, id);
		return 0;
	case CT_EV_CALIBRATION:
		if ((err = body_str(body, len, "subject", &id, &id_len)) < 0 ||
		    (err = body_str(body, len, "subject_kind", &kind, &kind_len)) < 0)
			return err;
		err = registrant(r, kind_len == 8 && memcmp(kind, "standard", 8) == 0 ? CT_NS_STANDARD
										   : CT_NS_INSTRUMENT,
				 id, id_len, owner);
		if (err < 0)
			return err;
		return check_standard_links(r, body, len);
	case CT_EV_CALIBRATION_REVOKE:
		if ((err = body_bin32(body, len, "entry", &target)) < 0)
			return err;
		if ((err = ct_read_entry_by_hash(&cal, r, target)) < 0)
			return err;
		if (!(cal.type_len == 11 && memcmp(cal.type, "calibration", 11) == 0))
			return ct_error_set(CT_EINVAL, "calibration.revoke: that entry is a %.*s, not a calibration",
					 (int)cal.type_len, cal.type);
		if (memcmp(cal.author, author, CT_KEY_BYTES) != 0)
			return ct_error_set(CT_EAUTH, "calibration.revoke: only the calibration's author may revoke it");
		return 0;
	default:
		return 0;
	}
}

static int append(ct_batch *b, const ct_keypair *kp, uint64_t time_ms, const char *type, const uint8_t *body,
		  size_t body_len, uint8_t hash_out[CT_HASH_BYTES], uint64_t *seq_out)
{
	const uint8_t *author = ct_keypair_public(kp);
	ct_buf raw = CT_BUF_INIT;
	uint8_t head[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	ct_ingest_result res = CT_INGEST_PENDING;
	ct_event_type t = ct_event_type_of(type, strlen(type));
	uint64_t size, remote;
	unsigned flags;
	bool admitted, restored;
	int err;

	if (b->poisoned)
		return b->poisoned;
	if (t == CT_EV_UNKNOWN)
		return ct_error_set(CT_ESCHEMA, "unknown event type '%s'", type);
	if ((err = ct_event_check(t, body, body_len)) < 0)
		return err;
	if (t == CT_EV_ORG_ADMIT && (err = check_admit_key(body, body_len)) < 0)
		return err;
	err = ct_read_network(NULL, bureau, &b->rd);
	if (err == CT_ENOTFOUND && t != CT_EV_NETWORK_GENESIS)
		return ct_error_set(CT_ESTATE, "no genesis in this store: the bureau writes one with `caltrace "
					    "genesis`, a lab imports the bureau's feed first");
	if (err < 0 && err != CT_ENOTFOUND)
		return err;
	if (err == 0 && t == CT_EV_NETWORK_GENESIS)
		return ct_error_set(CT_EEXISTS, "this store already belongs to a network");
	if (err == 0) {
		if ((err = ct__is_admitted(&b->rd, author, &admitted)) < 0)
			return err;
		if (!admitted)
			return ct_error_set(CT_EAUTH, "this node's key is not admitted by the bureau (no org.admit for "
						   "it in the store)");
		if (ct_event_bureau_only(t) && memcmp(author, bureau, CT_KEY_BYTES) != 0)
			return ct_error_set(CT_EAUTH, "only the bureau may write %s", type);
		if ((err = check_relations(&b->rd, author, t, body, body_len)) < 0)
			return err;
		if ((t == CT_EV_ORG_REKEY || t == CT_EV_ORG_COMPROMISED) &&
		    (err = check_key_event(&b->rd, bureau, t, body, body_len)) < 0)
			return err;
	}
	if ((err = ct__head_get(&b->rd, author, &size, head, &flags)) < 0)
		return err;
	if (flags & HEAD_FORKED)
		return ct_error_set(CT_EFROZEN, "this node's own feed is recorded as forked: refusing to append");
	if ((err = ct_read_remote_size(&remote, &b->rd, author)) < 0)
		return err;
	if (remote > size)
		return ct_error_set(CT_ESTATE,
				 "a peer reported this node's own feed at %llu entries but this store holds %llu: "
				 "refusing to append, it would fork the feed (let caltraced fetch the missing "
				 "entries first)",
				 (unsigned long long)remote, (unsigned long long)size);
	if ((err = ct_read_restored(&restored, &b->rd)) < 0)
		return err;
	if (restored)
		return ct_error_set(CT_ESTATE,
				    "this store was restored from a backup and no peer has said yet how long this "
				    "node's own feed is: refusing to append, it could fork the feed (start caltraced "
				    "and let it reach a peer; if no peer ever held this feed: caltrace restore "
				    "--trust-backup)");
	if ((err = ct_entry_build(&raw, kp, size + 1, size ? head : NULL, time_ms, type, body, body_len)) < 0)
		goto done;
	if ((err = ct_batch_ingest(b, raw.ptr, raw.len, CT_INGEST_SIG_CHECKED, &res)) < 0)
		goto done;
	if (res != CT_INGEST_APPENDED) {
		err = ct_error_set(CT_ECORRUPT, "own entry was not appended (result %d)", (int)res);
		goto done;
	}
	if (hash_out)
		ct_entry_hash(hash_out, raw.ptr, raw.len);
	if (seq_out)
		*seq_out = size + 1;
done:
	ct_buf_free(&raw);
	return err;
}

int ct_batch_append(ct_batch *b, const ct_keypair *kp, uint64_t time_ms, const char *type, const uint8_t *body,
		    size_t body_len, uint8_t hash_out[CT_HASH_BYTES], uint64_t *seq_out)
{
	/* the entries read to check this one are not kept: a batch of an import appends thousands */
	size_t mark = ct_reader_mark(&b->rd);
	int err = append(b, kp, time_ms, type, body, body_len, hash_out, seq_out);

	ct_reader_rewind(&b->rd, mark);
	return err;
}
