/*
 * Event-writing commands are described as data: which option fills which
 * body field, how it is parsed. One engine turns a description into
 * getopt parsing, --help text, a JSON body and an append.
 */
#ifndef CT_EVENT_CMD_H
#define CT_EVENT_CMD_H

#include "cli.h"

enum ev_kind {
	EV_STR,      /* a string field */
	EV_LIST,     /* comma-separated, repeatable: array of strings */
	EV_TIME,     /* ISO-8601 date/time */
	EV_UINT,     /* a non-negative integer */
	EV_TRUE,     /* a flag: the field is true when given, false when not */
	EV_HEX32,    /* 64 hex digits (key or hash) */
	EV_FILEHASH, /* a file: the field is the SHA-256 of its bytes */
	EV_QTY_REL,  /* quantity {rel_ppm: N} in field */
	EV_QTY_ABS,  /* quantity {abs: X, ...} in field */
	EV_QTY_UNIT, /* quantity {..., unit: U} in field */
	EV_CUSTOM,   /* handled by the command's finish hook (value stored in raw[]) */
};

#define EV_REQUIRED 1u
#define EV_DEFAULT_NOW 2u /* an EV_TIME that defaults to now */
#define EV_REPEAT 4u      /* an EV_CUSTOM option that may be repeated: values in multi[] */

struct ev_opt {
	const char *name;  /* long option, without "--" */
	const char *field; /* body field it fills */
	enum ev_kind kind;
	unsigned flags;
	const char *meta; /* placeholder in --help, e.g. "DATE" */
	const char *help;
};

struct ev_cmd;

/* What a finish hook sees: the parsed options, the open node. */
struct ev_ctx {
	const struct ev_cmd *cmd;
	cli_node *node;
	json_t *fields;
	const char *raw[24]; /* last value of each EV_CUSTOM option, by index in opts */
	const char *multi[64]; /* every value of the EV_REPEAT option, in order */
	size_t nmulti;
};

struct ev_cmd {
	const char *name;       /* as typed: "admit", "standard register" */
	const char *type;       /* event type written */
	const char *positional; /* field of the one positional argument, NULL if none */
	enum ev_kind positional_kind;
	const char *positional_meta;
	const char *summary;
	const struct ev_opt *opts;
	size_t nopts;
	/* Optional: completes fields from EV_CUSTOM options; returns 0 or prints and returns EXIT_ERR. */
	int (*finish)(struct ev_ctx *ctx);
};

/* Runs an event command: parse, build, append, print. */
int ev_cmd_run(const struct ev_cmd *cmd, int argc, char **argv);

/* Sets a quantity field {rel_ppm} / {abs, unit} from option strings; prints and returns -1 on error. */
int ev_set_quantity(const char *cmd, json_t *fields, const char *field, const char *rel, const char *abs,
		    const char *unit);

#endif
