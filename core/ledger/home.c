/* The node home's config file, and where its control socket lives. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltrace/ledger/home.h"
#include "caltrace/base/error.h"

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int ct_peer_parse(const char *peer, uint8_t key[CT_KEY_BYTES], char *host, size_t hostlen, int *port)
{
	const char *at = strchr(peer, '@'), *colon;
	char hex[2 * CT_KEY_BYTES + 1];
	char *end;
	long p;
	size_t n;

	if (!at || at - peer != 2 * CT_KEY_BYTES)
		return ct_error_set(CT_EINVAL, "peer '%s': expected KEY@host:port with a 64-hex-digit key", peer);
	memcpy(hex, peer, 2 * CT_KEY_BYTES);
	hex[2 * CT_KEY_BYTES] = '\0';
	if (ct_unhex(key, CT_KEY_BYTES, hex) < 0)
		return ct_error_set(CT_EINVAL, "peer '%s': the key is not hex", peer);
	colon = strrchr(at, ':');
	if (!colon || colon == at + 1)
		return ct_error_set(CT_EINVAL, "peer '%s': expected host:port after '@'", peer);
	n = (size_t)(colon - at - 1);
	if (n + 1 > hostlen)
		return ct_error_set(CT_EINVAL, "peer '%s': host name too long", peer);
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 1 || p > 65535)
		return ct_error_set(CT_EINVAL, "peer '%s': port must be 1..65535", peer);
	memcpy(host, at + 1, n);
	host[n] = '\0';
	*port = (int)p;
	return 0;
}

int ct_config_add_peer(ct_config *cfg, const char *peer)
{
	uint8_t key[CT_KEY_BYTES];
	char host[256];
	int port, err;
	size_t i;

	if ((err = ct_peer_parse(peer, key, host, sizeof(host), &port)) < 0)
		return err;
	for (i = 0; i < cfg->peer_count; i++)
		if (strcmp(cfg->peers[i], peer) == 0)
			return ct_error_set(CT_EEXISTS, "peer %s is already configured", peer);
	if (cfg->peer_count == CT_MAX_PEERS)
		return ct_error_set(CT_EINVAL, "too many peers (at most %d)", CT_MAX_PEERS);
	if (!(cfg->peers[cfg->peer_count] = strdup(peer)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	cfg->peer_count++;
	return 0;
}

int ct_size_parse(uint64_t *out, const char *what, const char *text)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	errno = 0;
	if (*text < '0' || *text > '9' || ((v = strtoull(text, &end, 10)), errno))
		goto bad;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		goto bad;
	}
	if (shift) {
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
			end += strlen(end);
	}
	if (*end || v > (UINT64_MAX >> shift))
		goto bad;
	v <<= shift;
	if (v < (1u << 20))
		return ct_error_set(CT_EINVAL, "%s '%s' is less than 1 MiB", what, text);
	*out = v;
	return 0;
bad:
	return ct_error_set(CT_EINVAL, "%s '%s' is not a size (bytes, or a number with K, M, G or T: 512M, 8G)",
			    what, text);
}

static int set_line(ct_config *cfg, const char *path, int lineno, const char *name, const char *value)
{
	char **slot = NULL;
	int err;

	if (strcmp(name, "name") == 0)
		slot = &cfg->name;
	else if (strcmp(name, "listen") == 0)
		slot = &cfg->listen;
	else if (strcmp(name, "network") == 0) {
		if (ct_unhex(cfg->network, CT_HASH_BYTES, value) < 0)
			return ct_error_set(CT_EINVAL, "%s:%d: network must be 64 hex digits", path, lineno);
		cfg->has_network = 1;
		return 0;
	} else if (strcmp(name, "map_max") == 0) {
		if ((err = ct_size_parse(&cfg->map_max, "map_max", value)) < 0)
			return ct_error_wrap(err, "%s:%d", path, lineno);
		return 0;
	} else if (strcmp(name, "compact") == 0) {
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
			return ct_error_set(CT_EINVAL, "%s:%d: compact takes 'on' or 'off', not '%s'", path, lineno,
					    value);
		cfg->compact_off = strcmp(value, "off") == 0;
		return 0;
	} else if (strcmp(name, "compact_min") == 0) {
		if ((err = ct_size_parse(&cfg->compact_min, "compact_min", value)) < 0)
			return ct_error_wrap(err, "%s:%d", path, lineno);
		return 0;
	} else if (strcmp(name, "compact_quiet") == 0 || strcmp(name, "compact_growth") == 0) {
		bool quiet = name[8] == 'q';
		char *end;
		unsigned long v = strtoul(value, &end, 10);

		if (!*value || *end || v < 1 || v > (quiet ? 86400ul * 30 : 1000ul))
			return ct_error_set(CT_EINVAL, "%s:%d: %s takes a whole number of %s, 1 to %lu, not '%s'", path,
					    lineno, name, quiet ? "seconds" : "percent", quiet ? 86400ul * 30 : 1000ul,
					    value);
		*(quiet ? &cfg->compact_quiet : &cfg->compact_growth) = (unsigned)v;
		return 0;
	} else if (strcmp(name, "peer") == 0) {
		if ((err = ct_config_add_peer(cfg, value)) < 0)
			return ct_error_wrap(err, "%s:%d", path, lineno);
		return 0;
	} else {
		return ct_error_set(CT_EINVAL, "%s:%d: unknown setting '%s'", path, lineno, name);
	}
	free(*slot);
	if (!(*slot = strdup(value)))
		return ct_error_set(CT_ENOMEM, "out of memory");
	return 0;
}

int ct_config_load(ct_config *out, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *s, *eq;
	size_t cap = 0;
	int lineno = 0, err = 0;

	memset(out, 0, sizeof(*out));
	if (!f)
		return ct_error_set(errno == ENOENT ? CT_ENOTFOUND : CT_EIO, "cannot read %s: %s", path,
				 strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (!(eq = strchr(s, '='))) {
			err = ct_error_set(CT_EINVAL, "%s:%d: expected 'name = value'", path, lineno);
			break;
		}
		*eq = '\0';
		if ((err = set_line(out, path, lineno, trim(s), trim(eq + 1))) < 0)
			break;
	}
	free(line);
	fclose(f);
	if (err == 0 && !out->listen && !(out->listen = strdup(CT_DEFAULT_LISTEN)))
		err = ct_error_set(CT_ENOMEM, "out of memory");
	if (err < 0)
		ct_config_free(out);
	return err;
}

int ct_config_save(const ct_config *cfg, const char *path)
{
	char tmp[4096], hex[2 * CT_HASH_BYTES + 1];
	FILE *f;
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")))
		return ct_error_set(CT_EIO, "cannot write %s: %s", tmp, strerror(errno));
	fprintf(f, "# caltrace node configuration (caltrace init writes it; peers: caltrace peers add)\n");
	if (cfg->name)
		fprintf(f, "name = %s\n", cfg->name);
	fprintf(f, "listen = %s\n", cfg->listen ? cfg->listen : CT_DEFAULT_LISTEN);
	if (cfg->has_network) {
		ct_hex(hex, cfg->network, CT_HASH_BYTES);
		fprintf(f, "network = %s\n", hex);
	}
	if (cfg->map_max)
		fprintf(f, "map_max = %llu\n", (unsigned long long)cfg->map_max);
	if (cfg->compact_off)
		fprintf(f, "compact = off\n");
	if (cfg->compact_min)
		fprintf(f, "compact_min = %llu\n", (unsigned long long)cfg->compact_min);
	if (cfg->compact_quiet)
		fprintf(f, "compact_quiet = %u\n", cfg->compact_quiet);
	if (cfg->compact_growth)
		fprintf(f, "compact_growth = %u\n", cfg->compact_growth);
	for (i = 0; i < cfg->peer_count; i++)
		fprintf(f, "peer = %s\n", cfg->peers[i]);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		return ct_error_set(CT_EIO, "cannot write %s: %s", tmp, strerror(errno));
	}
	fclose(f);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return ct_error_set(CT_EIO, "cannot replace %s: %s", path, strerror(errno));
	}
	return 0;
}

int ct_home_control_path(char *out, size_t size, const char *home)
{
	int n = snprintf(out, size, "%s/caltraced.sock", home);

	if (n < 0 || (size_t)n >= size)
		return ct_error_set(CT_ETOOBIG, "the control socket path of home %s is longer than %zu bytes",
				    home, size - 1);
	return 0;
}

void ct_config_free(ct_config *cfg)
{
	size_t i;

	free(cfg->name);
	free(cfg->listen);
	for (i = 0; i < cfg->peer_count; i++)
		free(cfg->peers[i]);
	memset(cfg, 0, sizeof(*cfg));
}
