/* caltrace key: this node's public key. */
#include <string.h>

#include "cli.h"

int cmd_key(int argc, char **argv)
{
	char path[4200], hex[2 * CT_KEY_BYTES + 1];
	ct_keypair *kp = NULL;
	int err;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: caltrace key\n\nPrints this node's public key (64 hex digits).\n");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("key", "takes no arguments");
	snprintf(path, sizeof(path), "%s/key", cli_home);
	if ((err = ct_keypair_load(&kp, path)) < 0)
		return cli_fail("key", err, "cannot load the key of %s", cli_home);
	ct_key_hex(hex, ct_keypair_public(kp));
	printf("%s\n", hex);
	ct_keypair_free(kp);
	return EXIT_OK;
}
