/* Talking to a running caltraced through HOME/caltraced.sock: core/ledger/control.c. */
#include "caltrace/ledger/status.h"
#include "cli.h"

#define CONTROL_TIMEOUT_MS 5000

int cli_control(const char *home, json_t *request, json_t **answer)
{
	return ct_control_call(home, request, answer, CONTROL_TIMEOUT_MS) == 0 ? 0 : -1;
}
