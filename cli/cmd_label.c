/* caltrace label: printable QR label sheets (web/label.c). */
#include "cli.h"

int cmd_label(int argc, char **argv)
{
	return cli_usage_error("label", "not yet");
}
