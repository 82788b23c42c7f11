/* caltrace: the command-line tool. One command per cli/cmd_<name>.c, listed here. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proof.h"

/* Commands whose files came after cli.h's list. */
int cmd_rekey(int argc, char **argv);
int cmd_compromised(int argc, char **argv);
int cmd_impact_any(int argc, char **argv);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"init", cmd_init, "create a node home: key pair, config, empty store"},
	{"key", cmd_key, "print this node's public key"},
	{"genesis", cmd_genesis, "found the network (the bureau's first entry)"},
	{"admit", cmd_admit, "admit a lab or inspector (bureau)"},
	{"revoke-org", cmd_revoke_org, "revoke an organisation's admission (bureau)"},
	{"rekey", cmd_rekey, "replace a lab's lost or stolen key by a new one, same lab (bureau)"},
	{"compromised", cmd_compromised, "declare a lab's key compromised from a date (bureau)"},
	{"certify-person", cmd_certify_person, "certify a registered metrologist (bureau)"},
	{"catalogue-set", cmd_catalogue_set, "set a compulsory-verification catalogue item (bureau)"},
	{"standard", cmd_standard, "register, approve, anchor a standard or declare it out of tolerance"},
	{"instrument", cmd_instrument, "register (file) or retire an instrument"},
	{"calibrate", cmd_calibrate, "record a calibration or verification"},
	{"revoke-cal", cmd_revoke_cal, "revoke one of this lab's calibrations"},
	{"log", cmd_log, "list a feed's entries"},
	{"show", cmd_show, "show one entry by hash"},
	{"export", cmd_export, "write feeds as a stream of encoded entries"},
	{"import", cmd_import, "verify and ingest an exported stream"},
	{"import-records", cmd_import_records, "sign a lab's existing records (NDJSON or CSV) into its feed"},
	{"digest", cmd_digest, "print the state digest"},
	{"check", cmd_check, "check the store's integrity"},
	{"backup", cmd_backup, "a consistent, compacted copy of the home in one file, while caltraced runs"},
	{"restore", cmd_restore, "a backup into a new home, checked before it is usable"},
	{"migrate", cmd_migrate, "bring the store of an older release to this release's format"},
	{"compact", cmd_compact, "rewrite the store with full pages (caltraced stopped): a smaller file, same records"},
	{"chain", cmd_chain, "is an instrument traceable at a date, and why (not): its chain as a tree"},
	{"impact", cmd_impact_any, "what relied on a standard, or on a compromised key, transitively"},
	{"coverage", cmd_coverage, "traceability coverage and inspection rate, at a date or month by month"},
	{"due", cmd_due, "instruments due for recalibration, or overdue"},
	{"report", cmd_report, "the city against the plan's targets (text, JSON, one-page HTML)"},
	{"status", cmd_status, "the node's peers, feeds, forks, pending entries and digest"},
	{"checkpoint", cmd_checkpoint, "print (or sign) a feed's latest checkpoint with its cosignatures"},
	{"witness", cmd_witness, "check and cosign checkpoints: stored ones, or notes from files"},
	{"audit", cmd_audit, "check every stored checkpoint against the next: was any feed rewritten?"},
	{"index", cmd_index, "the network index: fold in what was written, print its root"},
	{"netcheckpoint", cmd_netcheckpoint, "print, sign or witness a network checkpoint (feeds and index root)"},
	{"prove", cmd_prove, "write the offline proof bundle of an instrument's chain at a date"},
	{"verify", cmd_verify, "verify a proof bundle offline with the bureau's key, print its chain"},
	{"peers", cmd_peers, "list, add or remove the peers caltraced replicates with"},
	{"serve", cmd_serve, "serve the ledger read-only on the web: instrument pages, dashboard, JSON API"},
	{"label", cmd_label, "print QR label sheets (SVG or PDF) that open an instrument's page"},
	{"demo", cmd_demo, "run a whole city's network on this machine: generated labs, nodes, reports"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *cli_home;

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: caltrace [--home DIR] <command> [options]\n\n"
		     "A signed, replicated ledger of calibration events: who calibrated what, with\n"
		     "which standard, and whether an instrument is traceable to the city's highest\n"
		     "standard.\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nglobal options:\n"
		     "  --home DIR       the node home (default $CALTRACE_HOME, else ./.caltrace)\n"
		     "  -h, --help       this help; `caltrace <command> --help` for a command's\n"
		     "\nexit status: 0 ok, 1 a negative answer, 2 an error\n");
}

/* Takes --home DIR / --home=DIR out of argv wherever it is; returns the new argc or -1. */
static int take_home(int argc, char **argv)
{
	int i, j = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--home") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "caltrace: --home needs a directory\n");
				return -1;
			}
			cli_home = argv[++i];
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			cli_home = argv[i] + 7;
		} else {
			argv[j++] = argv[i];
		}
	}
	argv[j] = NULL;
	return j;
}

int main(int argc, char **argv)
{
	size_t i;

	cli_home = getenv("CALTRACE_HOME");
	if (!cli_home || !*cli_home)
		cli_home = "./.caltrace";
	if ((argc = take_home(argc, argv)) < 0)
		return EXIT_ERR;
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "caltrace: unknown command '%s' (caltrace --help lists them)\n", argv[1]);
	return EXIT_ERR;
}
