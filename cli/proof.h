/* Shared pieces of the checkpoint, witness, audit, prove and verify commands. */
#ifndef CT_CLI_PROOF_H
#define CT_CLI_PROOF_H

#include "caltrace/proof/note.h"
#include "caltrace/eval/trace.h"
#include "caltrace/proof/witness.h"
#include "cli.h"

/* Reads a whole file (at most max bytes) into out; prints why and returns -1 on failure. */
int cli_read_file(const char *cmd, const char *path, size_t max, ct_buf *out);

/*
 * Parses a cosigner key given as 64 hex digits (a node key: its caltrace
 * witness key on network) or in C2SP verifier-key form; prints why and
 * returns -1 on failure.
 */
int cli_parse_cosigner(const char *cmd, const char *s, const uint8_t network[CT_HASH_BYTES], ct_vkey *out);

/*
 * The chain printer `chain` and `verify` share: the tree in form f (as
 * text, or as JSON). Returns EXIT_OK when the root is valid, EXIT_NO when
 * not, EXIT_ERR when it could not print.
 */
int cli_chain_output(cli_format f, const ct_trace_node *tree);

/* Instrument unless forced or only a standard has that id (for chain and prove). */
char cli_chain_ns(ct_reader *r, const char *id, int forced);

int cmd_checkpoint(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
