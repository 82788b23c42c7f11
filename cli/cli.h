/* Shared pieces of the caltrace command-line tool. Only the CLI prints and exits. */
#ifndef CT_CLI_H
#define CT_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "caltrace/ledger/entry.h"
#include "caltrace/base/error.h"
#include "caltrace/ledger/event.h"
#include "caltrace/ledger/home.h"
#include "caltrace/ledger/index.h"
#include "caltrace/base/time.h"
#include "caltrace/ledger/json.h"
#include "caltrace/ledger/keys.h"
#include "caltrace/ledger/ledger.h"

/* Exit codes (docs/STYLE.md): 0 ok, 1 a negative answer, 2 an error. */
#define EXIT_OK 0
#define EXIT_NO 1
#define EXIT_ERR 2

/* The home chosen by --home, $CALTRACE_HOME or ./.caltrace. */
extern const char *cli_home;

/* An opened home: the store and, when asked for, the key. */
typedef struct cli_node {
	char dir[4096];
	ct_ledger *ledger;
	ct_keypair *kp; /* NULL unless opened with CLI_KEY */
	ct_config cfg;
} cli_node;

#define CLI_KEY 1u      /* load the secret key */
#define CLI_READONLY 2u /* open the store read-only */

/* Opens the home; on failure prints why and returns EXIT_ERR. */
int cli_open(cli_node *n, unsigned flags);
void cli_close(cli_node *n);

/* Prints "caltrace <cmd>: <what>: <library detail>" to stderr; returns EXIT_ERR. */
int cli_fail(const char *cmd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints "caltrace <cmd>: <message>" to stderr; returns EXIT_ERR. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Current time in ms since the epoch (the CLI's clock seam: $CALTRACE_NOW, ISO-8601, overrides it). */
uint64_t cli_now_ms(void);

/* Parses an ISO-8601 date or time option; prints an error naming opt and returns -1 on failure. */
int cli_parse_time(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Parses a 64-hex-digit key or hash; prints an error and returns -1 on failure. */
int cli_parse_hex32(const char *cmd, const char *what, const char *s, uint8_t out[32]);

/* Prints a JSON value to stdout with a newline; returns 0 or EXIT_ERR. */
int cli_print_json(json_t *v);

/* An entry as JSON: every field, hashes in hex, body decoded. */
json_t *cli_entry_json(const ct_entry *e);

/*
 * Appends one event to the node's own feed, with body built from fields
 * (consumed). On success prints the new entry's "type #seq hash" (or JSON)
 * and returns 0; on failure prints why and returns EXIT_ERR.
 */
int cli_append_event(const char *cmd, cli_node *n, const char *type, json_t *fields, bool json_out);

/* Splits "a,b,c" into a JSON array of non-empty strings. */
json_t *cli_split_list(const char *s);

/* SHA-256 of a file's bytes; prints an error and returns -1 on failure. */
int cli_hash_file(const char *cmd, const char *path, uint8_t out[32]);

/*
 * Completes a calibration's JSON fields from the store: subject_kind from
 * the subject's registration when absent; each standard given as an id (or
 * an object without "cal") linked to the entry it relies on, its latest
 * passing calibration or anchor performed on or before performed_at.
 * Returns 0, or -1 with the reason in why.
 */
int cli_resolve_calibration(ct_reader *r, json_t *fields, char *why, size_t whylen);

/*
 * Once the store knows its network (after genesis or the first import),
 * records the network id in the home's config so the node and later opens
 * are pinned to it. Prints a note when it does; errors are printed.
 */
void cli_pin_network(cli_node *n);

/*
 * Sends request (one JSON object) to the caltraced running on home and
 * reads its answer. Returns 0, or -1 when no node answers (not running).
 */
int cli_control(const char *home, json_t *request, json_t **answer);

/* Whether stderr is a terminal (for progress lines). */
bool cli_interactive(void);

/* The commands, one per file cli/cmd_<name>.c. */
int cmd_init(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_genesis(int argc, char **argv);
int cmd_admit(int argc, char **argv);
int cmd_revoke_org(int argc, char **argv);
int cmd_certify_person(int argc, char **argv);
int cmd_catalogue_set(int argc, char **argv);
int cmd_standard(int argc, char **argv);
int cmd_instrument(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_revoke_cal(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_import_records(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_chain(int argc, char **argv);
int cmd_impact(int argc, char **argv);
int cmd_coverage(int argc, char **argv);
int cmd_due(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_peers(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_label(int argc, char **argv);

#endif
