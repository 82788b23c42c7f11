/*
 * libFuzzer target for the home config file parser (core/ledger/home.c):
 * every input is the whole text of HOME/config, read with ct_config_load
 * from a memory file (memfd, through /proc/self/fd).
 *
 * Invariants checked on every input:
 *  - ct_config_load returns only its documented codes (0, CT_EINVAL,
 *    CT_ENOMEM, and CT_EEXISTS for a repeated peer, which
 *    ct_config_add_peer documents) and leaves nothing allocated on failure;
 *  - an accepted config has a listen address, at most CT_MAX_PEERS peers,
 *    each of the form ct_peer_parse accepts;
 *  - an accepted config saved with ct_config_save loads back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "caltrace/base/error.h"
#include "caltrace/ledger/home.h"

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_roundtrip(const ct_config *cfg)
{
	static char dir[] = "/dev/shm/ct-fuzz-config-XXXXXX"; /* tmpfs: the save's fsync is cheap */
	static int ready;
	char path[sizeof(dir) + 16];
	ct_config again;
	size_t i;

	if (!ready) {
		if (!mkdtemp(dir)) {
			memcpy(dir, "/tmp/ct-", 8); /* no /dev/shm: same length, under /tmp */
			strcpy(dir + 8, "fuzz-config-XXXXXX");
			CHECK(mkdtemp(dir) != NULL);
		}
		ready = 1;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	CHECK(ct_config_save(cfg, path) == 0);
	CHECK(ct_config_load(&again, path) == 0);
	CHECK(same_str(again.name, cfg->name) && same_str(again.listen, cfg->listen));
	CHECK(again.has_network == cfg->has_network);
	CHECK(!cfg->has_network || memcmp(again.network, cfg->network, CT_HASH_BYTES) == 0);
	CHECK(again.peer_count == cfg->peer_count && again.map_max == cfg->map_max);
	for (i = 0; i < cfg->peer_count; i++)
		CHECK(strcmp(again.peers[i], cfg->peers[i]) == 0);
	ct_config_free(&again);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[CT_KEY_BYTES];
	char path[64], host[256];
	ct_config cfg;
	size_t i;
	int fd, rc, port;

	fd = memfd_create("config", 0);
	CHECK(fd >= 0);
	CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = ct_config_load(&cfg, path);
	close(fd);
	CHECK(rc == 0 || rc == CT_EINVAL || rc == CT_ENOMEM || rc == CT_EEXISTS);
	if (rc != 0) {
		CHECK(cfg.name == NULL && cfg.listen == NULL && cfg.peer_count == 0);
		return 0;
	}
	CHECK(cfg.listen != NULL && cfg.peer_count <= CT_MAX_PEERS);
	for (i = 0; i < cfg.peer_count; i++)
		CHECK(ct_peer_parse(cfg.peers[i], key, host, sizeof(host), &port) == 0);
	check_roundtrip(&cfg);
	ct_config_free(&cfg);
	return 0;
}
