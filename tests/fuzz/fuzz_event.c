/*
 * libFuzzer target: ct_event_check, ct_event_keys_of and ct_body_to_json on
 * arbitrary bytes, as the body of every event type. Must never crash or read
 * out of bounds; a body the checker accepts must convert to JSON and back
 * to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "caltrace/ledger/event.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ct_event_keys keys;
	ct_buf again = CT_BUF_INIT;
	json_t *json;
	int t;

	for (t = CT_EV_UNKNOWN; t <= CT_EV__COUNT; t++) {
		if (ct_event_check((ct_event_type)t, data, size) != 0)
			continue;
		if (ct_event_keys_of(&keys, (ct_event_type)t, data, size) != 0)
			abort();
		if (keys.id &&
		    (keys.id < (const char *)data || keys.id + keys.id_len > (const char *)data + size))
			abort();
		/* a canonical body round-trips through JSON byte for byte */
		if (ct_mp_check(data, size) != 0 || ct_body_to_json(&json, (ct_event_type)t, data, size) != 0)
			continue;
		again.len = 0;
		if (ct_body_from_json(&again, (ct_event_type)t, json) != 0 || again.len != size ||
		    memcmp(again.ptr, data, size) != 0)
			abort();
		json_decref(json);
	}
	ct_buf_free(&again);
	return 0;
}
