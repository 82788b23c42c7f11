/* The store's side of `caltrace status` and GET /api/v1/status (caltrace/ledger/status.h). */
#include <stdlib.h>
#include <string.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/status.h"

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	ct_hex(hex, b, n);
	return json_string(hex);
}

/* One feed's line, and its fork when it has one. */
static void feed_json(ct_reader *r, const ct_feed_head *h, json_t *feeds, json_t *forks)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	ct_entry ea;

	json_array_append_new(feeds,
			      json_pack("{s:o, s:I, s:o, s:b, s:b}", "author",
					hex_json(h->author, CT_KEY_BYTES), "size", (json_int_t)h->size,
					"head", h->size ? hex_json(h->head, CT_HASH_BYTES) : json_null(),
					"forked", h->forked, "admitted", h->admitted));
	if (h->forked && ct_read_fork(&a, &alen, &b, &blen, r, h->author) == 0 &&
	    ct_entry_decode(&ea, a, alen) == 0)
		json_array_append_new(forks,
				      json_pack("{s:o, s:I}", "author", hex_json(h->author, CT_KEY_BYTES),
						"seq", (json_int_t)ea.seq));
}

int ct_status_store_json(json_t *o, ct_reader *r, const uint8_t *own_key, const ct_config *cfg)
{
	uint8_t digest[CT_HASH_BYTES], net[CT_HASH_BYTES], bureau[CT_KEY_BYTES];
	ct_feed_head *heads = NULL;
	json_t *feeds = json_array(), *forks = json_array();
	uint64_t pending = 0, remote = 0, own = 0;
	bool restored = false;
	size_t count = 0, i;
	int err;

	if (!feeds || !forks) {
		err = ct_error_set(CT_ENOMEM, "out of memory writing a status");
		goto done;
	}
	if ((err = ct_read_digest(digest, r)) < 0 || (err = ct_read_heads(&heads, &count, r)) < 0 ||
	    (err = ct_read_pending_count(&pending, r)) < 0)
		goto done;
	if (ct_read_network(net, bureau, r) == 0) {
		json_object_set_new(o, "network", hex_json(net, CT_HASH_BYTES));
		json_object_set_new(o, "bureau", hex_json(bureau, CT_KEY_BYTES));
	} else if (cfg && cfg->has_network) {
		json_object_set_new(o, "network", hex_json(cfg->network, CT_HASH_BYTES));
	}
	for (i = 0; i < count; i++) {
		feed_json(r, &heads[i], feeds, forks);
		if (own_key && !memcmp(heads[i].author, own_key, CT_KEY_BYTES))
			own = heads[i].size;
	}
	if ((own_key && (err = ct_read_remote_size(&remote, r, own_key)) < 0) ||
	    (err = ct_read_restored(&restored, r)) < 0)
		goto done;
	json_object_set_new(o, "digest", hex_json(digest, CT_HASH_BYTES));
	json_object_set_new(o, "pending", json_integer((json_int_t)pending));
	json_object_set_new(o, "appends_refused", json_boolean(remote > own || restored));
	/* restored from a backup, and no peer has reported the own feed yet (caltrace restore) */
	json_object_set_new(o, "restored_unconfirmed", json_boolean(restored));
	if (remote > own)
		json_object_set_new(o, "own_feed_reported", json_integer((json_int_t)remote));
	json_object_set_new(o, "feeds", feeds);
	json_object_set_new(o, "forks", forks);
	feeds = forks = NULL;
done:
	json_decref(feeds);
	json_decref(forks);
	free(heads);
	return err;
}
