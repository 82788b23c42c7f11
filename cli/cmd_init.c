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

struct opts {
	const char *name, *listen, *network;
};

static int opt(void *ctx, int code, const char *arg)
{
	struct opts *o = ctx;

	*(code == 'n' ? &o->name : code == 'l' ? &o->listen : &o->network) = arg;
	return 0;
}

static const struct option longopts[] = {{"name", required_argument, NULL, 'n'},
					 {"listen", required_argument, NULL, 'l'},
					 {"network", required_argument, NULL, 'w'},
					 CLI_OPTION_END};
static const cli_cmd init_cmd = {"init", longopts, NULL, help, opt, 1, 1, "expects one directory"};

int cmd_init(int argc, char **argv)
{
	struct opts o = {NULL, CT_DEFAULT_LISTEN, NULL};
	const char *dir;
	char path[4200], pub_path[4200], hex[2 * CT_KEY_BYTES + 1];
	ct_config cfg;
	ct_keypair *kp = NULL;
	ct_ledger *l = NULL;
	cli_args a = {0};
	int err, rc;

	if ((rc = cli_parse(&init_cmd, argc, argv, &a, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	rc = EXIT_ERR;
	dir = a.args[0];
	memset(&cfg, 0, sizeof(cfg));
	if (o.network) {
		if (cli_parse_hex32("init", "--network", o.network, cfg.network) < 0)
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
	cfg.name = (char *)o.name;
	cfg.listen = (char *)o.listen;
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
