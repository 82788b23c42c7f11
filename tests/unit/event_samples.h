/*
 * One valid JSON body per event type, with every optional field present,
 * in the form ct_body_to_json prints (so they round-trip unchanged).
 */
#ifndef CT_EVENT_SAMPLES_H
#define CT_EVENT_SAMPLES_H

#include <jansson.h>

#include "caltrace/ledger/event.h"

#define SAMPLE_HEX_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SAMPLE_HEX_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

/* clang-format off */
static const char *const event_samples[CT_EV__COUNT] = {
	[CT_EV_NETWORK_GENESIS] =
		"{\"name\": \"Metro City Bureau of Metrology\", \"districts\": [\"north\", \"south\"],"
		" \"policy\": {\"min_ratio\": 3, \"grace_days\": 0}}",
	[CT_EV_ORG_ADMIT] =
		"{\"key\": \"" SAMPLE_HEX_A "\", \"name\": \"North District Lab\", \"tier\": \"district\","
		" \"district\": \"north\", \"scope\": [\"pressure\", \"mass\"], \"valid_from\": \"2026-01-01\","
		" \"valid_until\": \"2027-01-01\"}",
	[CT_EV_ORG_REVOKE] =
		"{\"key\": \"" SAMPLE_HEX_A "\", \"effective\": \"2026-06-01T12:00:00Z\", \"reason\": \"licence withdrawn\"}",
	[CT_EV_PERSON_CERTIFY] =
		"{\"person\": \"CERT-001\", \"name\": \"Li Wei\", \"scope\": [\"pressure\"], \"valid_until\": \"2028-01-01\"}",
	[CT_EV_CATALOGUE_SET] =
		"{\"item\": \"0101\", \"name\": \"fuel dispenser\", \"mode\": \"P+V\", \"interval_days\": 365,"
		" \"domains\": [\"trade\"], \"effective\": \"2026-01-01\"}",
	[CT_EV_STANDARD_REGISTER] =
		"{\"id\": \"STD-P-01\", \"name\": \"piston gauge\", \"category\": \"pressure\", \"level\": \"municipal\","
		" \"public\": true, \"range\": \"0-10 MPa\", \"u\": {\"rel_ppm\": 50}}",
	[CT_EV_STANDARD_APPROVE] =
		"{\"id\": \"STD-P-01\", \"certificate\": \"[2026]A-17\", \"valid_from\": \"2026-01-01\","
		" \"valid_until\": \"2030-01-01\"}",
	[CT_EV_STANDARD_ANCHOR] =
		"{\"id\": \"STD-P-01\", \"provider\": \"Provincial Institute\", \"certificate\": \"PI-2026-88\","
		" \"document\": \"" SAMPLE_HEX_B "\", \"performed_at\": \"2026-02-03T09:30:00Z\","
		" \"valid_until\": \"2027-02-03\", \"u\": {\"abs\": \"0.05\", \"unit\": \"kPa\"}}",
	[CT_EV_STANDARD_OOT] =
		"{\"id\": \"STD-P-01\", \"since\": \"2026-05-01\", \"reason\": \"drift found at check\"}",
	[CT_EV_INSTRUMENT_REGISTER] =
		"{\"id\": \"INS-1\", \"category\": \"temperature\", \"catalogue\": \"0101\", \"domain\": \"trade\","
		" \"district\": \"north\", \"owner\": \"Gas Co\", \"model\": \"X1\", \"serial\": \"123\","
		" \"mpe\": {\"abs\": \"0.5\", \"unit\": \"\u00b0C\"}}",
	[CT_EV_INSTRUMENT_RETIRE] = "{\"id\": \"INS-1\", \"effective\": \"2027-01-01T00:00:00.001Z\"}",
	[CT_EV_CALIBRATION] =
		"{\"subject\": \"INS-1\", \"subject_kind\": \"instrument\", \"kind\": \"verification\","
		" \"standards\": [{\"id\": \"STD-P-01\", \"cal\": \"" SAMPLE_HEX_A "\"}],"
		" \"performed_at\": \"2026-11-29T10:00:00Z\", \"valid_until\": \"2027-11-29\", \"result\": \"pass\","
		" \"technician\": \"CERT-001\", \"certificate\": \"V-2026-1\", \"document\": \"" SAMPLE_HEX_B "\","
		" \"as_found\": \"in\"}",
	[CT_EV_CALIBRATION_REVOKE] = "{\"entry\": \"" SAMPLE_HEX_B "\", \"reason\": \"wrong subject\"}",
	[CT_EV_ORG_REKEY] =
		"{\"old_key\": \"" SAMPLE_HEX_A "\", \"new_key\": \"" SAMPLE_HEX_B "\","
		" \"effective\": \"2026-03-01\", \"closed_at\": 812, \"reason\": \"key lost\"}",
	[CT_EV_ORG_COMPROMISED] =
		"{\"key\": \"" SAMPLE_HEX_A "\", \"since\": \"2026-02-20T08:00:00Z\", \"cosigned_to\": 790,"
		" \"reason\": \"laptop stolen\"}",
};
/* clang-format on */

/* The sample of type t as a new JSON object (aborts on a typo in the samples). */
static inline json_t *event_sample(ct_event_type t)
{
	json_error_t jerr;
	json_t *j = json_loads(event_samples[t], 0, &jerr);

	if (!j) {
		fprintf(stderr, "sample %d: %s\n", (int)t, jerr.text);
		abort();
	}
	return j;
}

#endif
