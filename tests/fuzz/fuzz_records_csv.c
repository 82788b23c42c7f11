/* libFuzzer target: every input is a CSV export file (records_common.h lists the invariants). */
#include "records_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_records(data, size, CT_RECORDS_CSV);
	return 0;
}
