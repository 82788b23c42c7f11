/* libFuzzer target: every input is an NDJSON export file (records_common.h lists the invariants). */
#include "records_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_records(data, size, CT_RECORDS_NDJSON);
	return 0;
}
