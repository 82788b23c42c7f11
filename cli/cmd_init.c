/* caltrace init DIR: a new node home with a fresh key pair. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void help(void)
{
	printf("usage: caltrace init DIR [--name NAME] [--listen HOST:PORT] [--network ID]\n\n"
	       "Creates a node home: DIR/key (secret, mode 0600), DIR/key.pub, DIR/config and an\n"
	       "empty store in DIR/data. Prints the new public key: give it to the bureau to be\n"
	       "admitted.\n\n"
	       "  --name NAME          the organisation's name (for logs and status)\n"
	       "  --listen HOST:PORT   where caltraced listens (default %s)\n"
	       "  --network ID         the network id (hash of the bureau's genesis) to join\n",
	       CT_DEFAULT_LISTEN);
}

int cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {{"name", required_argument, NULL, 'n'},
						 {"listen", required_argument, NULL, 'l'},
						 {"network", required_argument, NULL, 'w'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *dir, *name = NULL, *listen = CT_DEFAULT_LISTEN, *network = NULL;
	char path[4200], pub_path[4200], hex[2 * CT_KEY_BYTES + 1];
	ct_config cfg;
	ct_keypair *kp = NULL;
	ct_ledger *l = NULL;
	int c, err, rc = EXIT_ERR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'l': listen = optarg; break;
		case 'w': network = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("init", "bad usage");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("init", "expects one directory");
	dir = argv[optind];
	memset(&cfg, 0, sizeof(cfg));
	if (network) {
		if (cli_parse_hex32("init", "--network", network, cfg.network) < 0)
			return EXIT_ERR;
		cfg.has_network = 1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return fprintf(stderr, "caltrace init: cannot create %s: %s\n", dir, strerror(errno)), EXIT_ERR;
	snprintf(path, sizeof(path), "%s/config", dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "caltrace init: %s is already a node home (it has a config); nothing changed\n", dir);
		return EXIT_ERR;
	}
	snprintf(path, sizeof(path), "%s/key", dir);
	snprintf(pub_path, sizeof(pub_path), "%s/key.pub", dir);
	if ((err = ct_keypair_generate(&kp)) < 0 || (err = ct_keypair_save(kp, path, pub_path)) < 0) {
		rc = cli_fail("init", err, "cannot create the key");
		goto done;
	}
	cfg.name = (char *)name;
	cfg.listen = (char *)listen;
	snprintf(path, sizeof(path), "%s/config", dir);
	err = ct_config_save(&cfg, path);
	cfg.name = cfg.listen = NULL;
	if (err < 0) {
		rc = cli_fail("init", err, "cannot write the config");
		goto done;
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	if ((err = ct_ledger_open(&l, path, NULL)) < 0) {
		rc = cli_fail("init", err, "cannot create the store");
		goto done;
	}
	ct_key_hex(hex, ct_keypair_public(kp));
	printf("%s\n", hex);
	fprintf(stderr, "created node home %s (key %s)\n", dir, hex);
	rc = EXIT_OK;
done:
	ct_ledger_close(l);
	ct_keypair_free(kp);
	return rc;
}
