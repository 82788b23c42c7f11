/*
 * caltrace peers [list | add KEY@host:port | remove KEY]: the peers in the
 * config; a running caltraced takes a change at once (control socket).
 */
#include <string.h>

#include "cli.h"

static void help(void)
{
	printf("usage: caltrace peers [list]\n"
	       "       caltrace peers add KEY@HOST:PORT\n"
	       "       caltrace peers remove KEY\n\n"
	       "The peers caltraced dials and replicates with, pinned by their key (64 hex\n"
	       "digits, `caltrace key` on their node). A change is written to the config and,\n"
	       "when caltraced runs, takes effect at once: a new peer is dialed, a removed one\n"
	       "disconnected. A peer not listed may still connect when the bureau admitted its\n"
	       "key.\n");
}

/* Tells the running node, if any. Returns 0 (told or not running) or EXIT_ERR. */
static int tell_node(cli_node *n, json_t *req, bool *running)
{
	json_t *ans = NULL;
	int rc = 0;

	*running = cli_control(n->dir, req, &ans) == 0;
	if (*running && !json_is_true(json_object_get(ans, "ok"))) {
		fprintf(stderr, "caltrace peers: the running node refused: %s\n",
			json_string_value(json_object_get(ans, "error")));
		rc = EXIT_ERR;
	}
	json_decref(ans);
	json_decref(req);
	return rc;
}

static int peers_add(cli_node *n, const char *peer)
{
	char path[4200];
	bool running;
	int err;

	if ((err = ct_config_add_peer(&n->cfg, peer)) < 0)
		return cli_fail("peers", err, "cannot add %s", peer);
	snprintf(path, sizeof(path), "%s/config", n->dir);
	if ((err = ct_config_save(&n->cfg, path)) < 0)
		return cli_fail("peers", err, "cannot write the config");
	if (tell_node(n, json_pack("{s:s, s:s}", "cmd", "peers-add", "peer", peer), &running) != 0)
		return EXIT_ERR;
	fprintf(stderr, "peer %s added%s\n", peer, running ? "; the running node dials it now" : "");
	return EXIT_OK;
}

static int peers_remove(cli_node *n, const char *hex)
{
	uint8_t key[CT_KEY_BYTES], other[CT_KEY_BYTES];
	char host[256], path[4200];
	size_t i, kept = 0;
	bool running, found = false;
	int port, err;

	if (cli_parse_hex32("peers", "KEY", hex, key) < 0)
		return EXIT_ERR;
	for (i = 0; i < n->cfg.peer_count; i++) {
		if (ct_peer_parse(n->cfg.peers[i], other, host, sizeof(host), &port) == 0 &&
		    !memcmp(other, key, CT_KEY_BYTES)) {
			free(n->cfg.peers[i]);
			found = true;
			continue;
		}
		n->cfg.peers[kept++] = n->cfg.peers[i];
	}
	n->cfg.peer_count = kept;
	if (!found)
		return cli_usage_error("peers", "no peer with key %.16s… in the config", hex);
	snprintf(path, sizeof(path), "%s/config", n->dir);
	if ((err = ct_config_save(&n->cfg, path)) < 0)
		return cli_fail("peers", err, "cannot write the config");
	if (tell_node(n, json_pack("{s:s, s:s}", "cmd", "peers-remove", "key", hex), &running) != 0)
		return EXIT_ERR;
	fprintf(stderr, "peer %.16s… removed%s\n", hex, running ? "; the running node dropped it" : "");
	return EXIT_OK;
}

static int peers_list(cli_node *n)
{
	size_t i;

	for (i = 0; i < n->cfg.peer_count; i++)
		printf("%s\n", n->cfg.peers[i]);
	return EXIT_OK;
}

int cmd_peers(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "list";
	cli_node n;
	int rc;

	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		help();
		return EXIT_OK;
	}
	if (strcmp(sub, "list") == 0 ? argc > 2 : argc != 3)
		return cli_usage_error("peers", "expects list, add KEY@HOST:PORT or remove KEY");
	if (strcmp(sub, "list") && strcmp(sub, "add") && strcmp(sub, "remove"))
		return cli_usage_error("peers", "unknown subcommand '%s'", sub);
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if (strcmp(sub, "add") == 0)
		rc = peers_add(&n, argv[2]);
	else if (strcmp(sub, "remove") == 0)
		rc = peers_remove(&n, argv[2]);
	else
		rc = peers_list(&n);
	cli_close(&n);
	return rc;
}
