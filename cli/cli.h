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
#define CLI_MIGRATE 4u  /* migrate a store of an older format (caltrace migrate) */

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

/* ---- options (args.c): getopt_long, --help and the usage errors, once for every command ---- */

/* Options several commands take, handled by cli_parse; a command lists the ones it has. */
enum {
	CLI_OPT_AT = 0x100, /* --at DATE: cli_args.at (a command sets the default, usually now) */
	CLI_OPT_JSON,	    /* --json: cli_args.format = CLI_JSON */
	CLI_OPT_CSV,	    /* --csv: cli_args.format = CLI_CSV */
	CLI_OPT_STANDARD,   /* --standard: cli_args.ns = CT_NS_STANDARD (ID names a standard) */
	CLI_OPT_INSTRUMENT, /* --instrument: cli_args.ns = CT_NS_INSTRUMENT */
};
#define CLI_OPTION_AT	      {"at", required_argument, NULL, CLI_OPT_AT}
#define CLI_OPTION_JSON	      {"json", no_argument, NULL, CLI_OPT_JSON}
#define CLI_OPTION_CSV	      {"csv", no_argument, NULL, CLI_OPT_CSV}
#define CLI_OPTION_STANDARD   {"standard", no_argument, NULL, CLI_OPT_STANDARD}
#define CLI_OPTION_INSTRUMENT {"instrument", no_argument, NULL, CLI_OPT_INSTRUMENT}
#define CLI_OPTION_END	      {NULL, 0, NULL, 0}

/* The forms a command's result is printed in. */
typedef enum cli_format { CLI_TEXT = 0, CLI_JSON, CLI_CSV } cli_format;

/* What cli_parse found. */
typedef struct cli_args {
	uint64_t at;
	cli_format format;
	int ns;	     /* 0, or the CT_NS_* that --standard / --instrument forced */
	char **args; /* the positional arguments */
	int nargs;
} cli_args;

/* A command's options, as data. */
typedef struct cli_cmd {
	const char *name;	   /* "coverage", as in the messages */
	const struct option *opts; /* its long options, CLI_OPTION_END last; --help is added */
	const char *shortopts;	   /* its short options besides -h ("o:"), or NULL */
	void (*help)(void);
	/* Its own options (the codes of opts that are not CLI_OPT_*): 0, or EXIT_ERR once printed. */
	int (*opt)(void *ctx, int code, const char *arg);
	int min_args, max_args; /* how many positional arguments it takes */
	/* The usage error for another number of them; NULL: "unexpected argument 'X'". */
	const char *args_usage;
} cli_cmd;

/*
 * Parses argv for cmd, ctx going to cmd->opt. Returns 0 to go on (a->args
 * holds the positional arguments), -1 when --help was printed (the command
 * then exits 0), or EXIT_ERR once a usage error is printed.
 */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a, void *ctx);

/* How a command prints its result in each form; NULL for a form it does not have. */
typedef struct cli_forms {
	void (*text)(const void *res);
	json_t *(*json)(const void *res); /* a new document: cli_print_as prints and frees it */
	void (*csv)(const void *res);
} cli_forms;

/* Prints res in form f (text when f has no printer); returns 0 or EXIT_ERR. */
int cli_print_as(cli_format f, const cli_forms *forms, const void *res);

/* The JSON form of a result that is a JSON document already (a new reference to it). */
json_t *cli_json_itself(const void *doc);

/* One CSV cell of s (RFC 4180 quoting; NULL empty), then a comma or, when last, a newline. */
void cli_csv(FILE *f, const char *s, bool last);

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
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_compact(int argc, char **argv);

#endif
