/* The engine behind every event-writing command (see event_cmd.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_cmd.h"

#define MAX_OPTS 24

static void print_help(const struct ev_cmd *cmd)
{
	size_t i;

	printf("usage: caltrace %s%s%s [options]\n\n%s\nwrites a '%s' event to this node's feed.\n\noptions:\n",
	       cmd->name, cmd->positional ? " " : "", cmd->positional ? cmd->positional_meta : "", cmd->summary,
	       cmd->type);
	for (i = 0; i < cmd->nopts; i++) {
		const struct ev_opt *o = &cmd->opts[i];
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
		printf("  %-28s %s%s\n", left, o->help,
		       o->flags & EV_REQUIRED ? " (required)" : o->flags & EV_DEFAULT_NOW ? " (default: now)" : "");
	}
	printf("  %-28s %s\n  %-28s %s\n", "--json", "print the new entry as JSON", "-h, --help", "this help");
	printf("\nprints the new entry's type, seq and hash. Dates: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).\n");
}

static int parse_uint(const char *s, json_int_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > (unsigned long long)INT64_MAX)
		return -1;
	*out = (json_int_t)v;
	return 0;
}

/* Quantities are collected by field, then checked and set together. */
struct qty {
	const char *field, *rel, *abs, *unit;
};

int ev_set_quantity(const char *cmd, json_t *fields, const char *field, const char *rel, const char *abs,
		    const char *unit)
{
	json_int_t ppm;

	if (rel && (abs || unit)) {
		fprintf(stderr, "caltrace %s: give %s either relative (ppm) or absolute with a unit, not both\n", cmd,
			field);
		return -1;
	}
	if (rel) {
		if (parse_uint(rel, &ppm) < 0) {
			fprintf(stderr, "caltrace %s: %s: '%s' is not a whole number of ppm\n", cmd, field, rel);
			return -1;
		}
		json_object_set_new(fields, field, json_pack("{s:I}", "rel_ppm", ppm));
	} else if (abs || unit) {
		if (!abs || !unit) {
			fprintf(stderr, "caltrace %s: an absolute %s needs both a value and --unit\n", cmd, field);
			return -1;
		}
		json_object_set_new(fields, field, json_pack("{s:s, s:s}", "abs", abs, "unit", unit));
	}
	return 0;
}

static int set_option(struct ev_ctx *ctx, size_t idx, const char *val, struct qty *q, size_t *nq)
{
	const struct ev_opt *o = &ctx->cmd->opts[idx];
	const char *name = ctx->cmd->name;
	uint8_t hash[32];
	char hex[65];
	json_int_t n;
	uint64_t ms;
	size_t i;

	switch (o->kind) {
	case EV_STR:
		json_object_set_new(ctx->fields, o->field, json_string(val));
		return 0;
	case EV_LIST: {
		json_t *list = json_object_get(ctx->fields, o->field), *more = cli_split_list(val);
		if (list)
			json_array_extend(list, more);
		else
			json_object_set(ctx->fields, o->field, more);
		json_decref(more);
		return 0;
	}
	case EV_TIME:
		if (cli_parse_time(name, o->name, val, &ms) < 0)
			return -1;
		json_object_set_new(ctx->fields, o->field, json_string(val));
		return 0;
	case EV_UINT:
		if (parse_uint(val, &n) < 0) {
			fprintf(stderr, "caltrace %s: --%s '%s' is not a non-negative integer\n", name, o->name, val);
			return -1;
		}
		json_object_set_new(ctx->fields, o->field, json_integer(n));
		return 0;
	case EV_TRUE:
		json_object_set_new(ctx->fields, o->field, json_true());
		return 0;
	case EV_HEX32:
		if (cli_parse_hex32(name, o->name, val, hash) < 0)
			return -1;
		ct_hex(hex, hash, 32);
		json_object_set_new(ctx->fields, o->field, json_string(hex));
		return 0;
	case EV_FILEHASH:
		if (cli_hash_file(name, val, hash) < 0)
			return -1;
		ct_hex(hex, hash, 32);
		json_object_set_new(ctx->fields, o->field, json_string(hex));
		return 0;
	case EV_QTY_REL:
	case EV_QTY_ABS:
	case EV_QTY_UNIT:
		for (i = 0; i < *nq && strcmp(q[i].field, o->field) != 0; i++)
			;
		if (i == *nq) {
			memset(&q[i], 0, sizeof(q[i]));
			q[i].field = o->field;
			(*nq)++;
		}
		if (o->kind == EV_QTY_REL)
			q[i].rel = val;
		else if (o->kind == EV_QTY_ABS)
			q[i].abs = val;
		else
			q[i].unit = val;
		return 0;
	case EV_CUSTOM:
		ctx->raw[idx] = val;
		if (!(o->flags & EV_REPEAT))
			return 0;
		if (ctx->nmulti == sizeof(ctx->multi) / sizeof(ctx->multi[0])) {
			fprintf(stderr, "caltrace %s: too many --%s\n", name, o->name);
			return -1;
		}
		ctx->multi[ctx->nmulti++] = val;
		return 0;
	}
	return -1;
}

/* Fills defaults and checks required options. */
static int complete(struct ev_ctx *ctx)
{
	char now[40];
	size_t i;

	for (i = 0; i < ctx->cmd->nopts; i++) {
		const struct ev_opt *o = &ctx->cmd->opts[i];
		bool present = o->kind == EV_CUSTOM ? ctx->raw[i] != NULL
						    : json_object_get(ctx->fields, o->field) != NULL;

		if (o->kind == EV_TRUE && !present)
			json_object_set_new(ctx->fields, o->field, json_false());
		if (!present && (o->flags & EV_DEFAULT_NOW)) {
			ct_time_format(now, sizeof(now), cli_now_ms());
			json_object_set_new(ctx->fields, o->field, json_string(now));
		} else if (!present && (o->flags & EV_REQUIRED)) {
			return cli_usage_error(ctx->cmd->name, "--%s is required", o->name);
		}
	}
	return 0;
}

int ev_cmd_run(const struct ev_cmd *cmd, int argc, char **argv)
{
	struct option longopts[MAX_OPTS + 3];
	struct ev_ctx ctx = {cmd, NULL, json_object(), {0}, {0}, 0};
	struct qty q[4];
	size_t nq = 0, i;
	bool json_out = false;
	cli_node node;
	int c, rc;

	for (i = 0; i < cmd->nopts && i < MAX_OPTS; i++) {
		longopts[i].name = cmd->opts[i].name;
		longopts[i].has_arg = cmd->opts[i].kind == EV_TRUE ? no_argument : required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 1000 + (int)i;
	}
	longopts[i++] = (struct option){"json", no_argument, NULL, 'j'};
	longopts[i++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[i] = (struct option){NULL, 0, NULL, 0};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			print_help(cmd);
			json_decref(ctx.fields);
			return EXIT_OK;
		} else if (c == 'j') {
			json_out = true;
		} else if (c >= 1000 && c < 1000 + (int)cmd->nopts) {
			if (set_option(&ctx, (size_t)(c - 1000), optarg, q, &nq) < 0)
				goto usage;
		} else {
			goto usage;
		}
	}
	if (cmd->positional) {
		if (optind != argc - 1) {
			cli_usage_error(cmd->name, "expects one %s", cmd->positional_meta);
			goto usage_quiet;
		}
		struct ev_opt pos = {"", cmd->positional, cmd->positional_kind, 0, NULL, ""};
		struct ev_cmd one = *cmd;
		one.opts = &pos;
		one.nopts = 1;
		ctx.cmd = &one;
		rc = set_option(&ctx, 0, argv[optind], q, &nq);
		ctx.cmd = cmd;
		if (rc < 0)
			goto usage_quiet;
	} else if (optind != argc) {
		cli_usage_error(cmd->name, "unexpected argument '%s'", argv[optind]);
		goto usage_quiet;
	}
	for (i = 0; i < nq; i++)
		if (ev_set_quantity(cmd->name, ctx.fields, q[i].field, q[i].rel, q[i].abs, q[i].unit) < 0)
			goto usage_quiet;
	if ((rc = complete(&ctx)) != 0)
		goto fail;
	if ((rc = cli_open(&node, CLI_KEY)) != 0)
		goto fail;
	ctx.node = &node;
	if (cmd->finish && (rc = cmd->finish(&ctx)) != 0) {
		cli_close(&node);
		goto fail;
	}
	rc = cli_append_event(cmd->name, &node, cmd->type, ctx.fields, json_out);
	cli_close(&node);
	return rc;
usage:
	fprintf(stderr, "caltrace %s: bad usage (caltrace %s --help)\n", cmd->name, cmd->name);
usage_quiet:
	rc = EXIT_ERR;
fail:
	json_decref(ctx.fields);
	return rc;
}
