/*
 * A small network in a store for the replication tests: the bureau's
 * genesis, admissions of labs, instrument registrations appended to a
 * lab's feed, and entries signed outside any store (for forks).
 */
#ifndef CT_NET_FIXTURE_H
#define CT_NET_FIXTURE_H

#include <jansson.h>

#include "ct_test.h"
#include "event_samples.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/ledger.h"

#define FX_TIME 1767225600000ULL /* 2026-01-01T00:00:00Z */

/* The encoded body of the sample of type t with one str field replaced (when name is not NULL). */
static inline void fx_body(ct_buf *out, ct_event_type t, const char *name, const char *value)
{
	json_t *j = event_sample(t);

	if (name)
		json_object_set_new(j, name, json_string(value));
	out->len = 0;
	CT_OK_OR_FAIL(ct_body_from_json(out, t, j));
	json_decref(j);
}

/* Appends one event of type t (sample body, one field replaced) to kp's feed. */
static inline void fx_append(ct_ledger *l, const ct_keypair *kp, ct_event_type t, const char *name,
			     const char *value)
{
	ct_buf body = CT_BUF_INIT;
	ct_batch *b = NULL;

	fx_body(&body, t, name, value);
	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_batch_append(b, kp, FX_TIME, ct_event_type_name(t), body.ptr, body.len, NULL, NULL));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	ct_buf_free(&body);
}

/* The bureau's genesis and an admission for each lab. */
static inline void fx_network(ct_ledger *l, const ct_keypair *bureau, ct_keypair *const *labs, size_t n)
{
	char hex[2 * CT_KEY_BYTES + 1];
	size_t i;

	fx_append(l, bureau, CT_EV_NETWORK_GENESIS, NULL, NULL);
	for (i = 0; i < n; i++) {
		ct_key_hex(hex, ct_keypair_public(labs[i]));
		fx_append(l, bureau, CT_EV_ORG_ADMIT, "key", hex);
	}
}

/* Appends count instrument registrations INS-<first>.. to kp's feed in one batch. */
static inline void fx_instruments(ct_ledger *l, const ct_keypair *kp, unsigned first, unsigned count)
{
	ct_buf body = CT_BUF_INIT;
	ct_batch *b = NULL;
	char id[32];
	unsigned i;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	for (i = 0; i < count; i++) {
		snprintf(id, sizeof(id), "INS-%u", first + i);
		fx_body(&body, CT_EV_INSTRUMENT_REGISTER, "id", id);
		CT_OK_OR_FAIL(ct_batch_append(b, kp, FX_TIME + i, "instrument.register", body.ptr, body.len,
					      NULL, NULL));
	}
	CT_OK_OR_FAIL(ct_batch_commit(b));
	ct_buf_free(&body);
}

/* Signs an instrument registration (id) at seq after prev (NULL for seq 1) outside any store. */
static inline void fx_entry(ct_buf *out, const ct_keypair *kp, uint64_t seq, const uint8_t *prev,
			    const char *id)
{
	ct_buf body = CT_BUF_INIT;

	fx_body(&body, CT_EV_INSTRUMENT_REGISTER, "id", id);
	CT_OK_OR_FAIL(
	    ct_entry_build(out, kp, seq, prev, FX_TIME + seq, "instrument.register", body.ptr, body.len));
	ct_buf_free(&body);
}

#endif
