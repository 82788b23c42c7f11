/*
 * caltrace/ledger/home.h - a node home (docs/DESIGN.md section 10):
 *   key       secret key, mode 0600
 *   key.pub   public key, 64 hex digits
 *   config    "name = value" lines: name, listen, network, peer (repeated), map_max,
 *             compact, compact_min, compact_quiet, compact_growth
 *   data/     the LMDB store
 *   caltraced.sock  the running node's control socket (ct_home_control_path)
 */
#ifndef CALTRACE_HOME_H
#define CALTRACE_HOME_H

#include "caltrace/base/types.h"

#define CT_DEFAULT_LISTEN "127.0.0.1:7400"
#define CT_MAX_PEERS 256

typedef struct ct_config {
	char *name;    /* the organisation's name, may be NULL */
	char *listen;  /* host:port */
	int has_network;
	uint8_t network[CT_HASH_BYTES];
	size_t peer_count;
	char *peers[CT_MAX_PEERS]; /* "KEYHEX@host:port" */
	uint64_t map_max;	   /* 'map_max = SIZE': the largest the store's map may grow to, in
				      bytes; 0: the store's default (ct_ledger_opts.map_max) */
	/* caltraced compacting its store when quiet (docs/OPERATIONS.md, "Compacting a home") */
	int compact_off;	 /* 'compact = off' (or 'on', the default) */
	uint64_t compact_min;	 /* 'compact_min = SIZE': not below this; 0: CT_COMPACT_MIN */
	unsigned compact_quiet;	 /* 'compact_quiet = SECONDS' without new entries first; 0: CT_COMPACT_QUIET */
	unsigned compact_growth; /* 'compact_growth = PERCENT' larger than after the last; 0: CT_COMPACT_GROWTH */
} ct_config;

#define CT_COMPACT_MIN	  ((uint64_t)64 << 20)
#define CT_COMPACT_QUIET  60
#define CT_COMPACT_GROWTH 15

/*
 * Reads DIR/config. Unknown names and malformed lines are errors naming
 * the line. Errors: CT_ENOTFOUND, CT_EINVAL, CT_EIO, CT_ENOMEM.
 */
int ct_config_load(ct_config *out, const char *path);

/* Writes the config atomically (temp file + rename). Errors: CT_EIO. */
int ct_config_save(const ct_config *cfg, const char *path);

/*
 * Parses a size: a whole number of bytes, or of KiB, MiB, GiB or TiB with
 * the suffix K, M, G or T (an optional iB or B after it: 512M, 8GiB), at
 * least 1 MiB. Errors: CT_EINVAL, the detail naming what (for the message)
 * and the text.
 */
int ct_size_parse(uint64_t *out, const char *what, const char *text);

/* Adds a peer "KEYHEX@host:port" after checking its form. Errors: CT_EINVAL, CT_EEXISTS. */
int ct_config_add_peer(ct_config *cfg, const char *peer);

/* Frees the config's strings; the struct is reusable. */
void ct_config_free(ct_config *cfg);

/*
 * Writes into out (size bytes, the NUL included) the path of the control
 * socket of the node home at home: the Unix socket on which a running
 * caltraced answers one JSON request a line (`caltrace status`, `caltrace
 * peers`). The node creates it and the CLI connects to it: both take its
 * name from here. Errors: CT_ETOOBIG when the path needs more than size
 * bytes (out then holds a truncated path); a caller about to bind or
 * connect passes sizeof(sockaddr_un.sun_path), about 108 bytes.
 */
int ct_home_control_path(char *out, size_t size, const char *home);

/*
 * Parses "KEYHEX@host:port" into its parts (host into a buffer of hostlen).
 * Errors: CT_EINVAL.
 */
int ct_peer_parse(const char *peer, uint8_t key[CT_KEY_BYTES], char *host, size_t hostlen, int *port);

#endif
