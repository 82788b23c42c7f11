/* caltrace/keys.h - a node's Ed25519 identity. */
#ifndef CALTRACE_KEYS_H
#define CALTRACE_KEYS_H

#include "caltrace/base/types.h"

/*
 * A key pair. The secret half lives in sodium_malloc'd memory and is wiped
 * by ct_keypair_free.
 */
typedef struct ct_keypair ct_keypair;

/* Generates a fresh key pair from libsodium's CSPRNG. Errors: CT_ENOMEM. */
int ct_keypair_generate(ct_keypair **out);

/*
 * Builds a key pair deterministically from a 32-byte seed (tests and the
 * demo generator only). Errors: CT_ENOMEM.
 */
int ct_keypair_from_seed(ct_keypair **out, const uint8_t seed[static 32]);

/*
 * Writes the secret key to path (created with mode 0600, fails if it
 * exists) and the public key as 64 hex digits plus newline to pub_path
 * (mode 0644), when pub_path is not NULL.
 * Errors: CT_EEXISTS, CT_EIO.
 */
int ct_keypair_save(const ct_keypair *kp, const char *path, const char *pub_path);

/*
 * Loads a secret key file written by ct_keypair_save. Refuses a file that
 * is readable or writable by group or others (CT_EPERM), one of the wrong
 * size or whose public half does not match its seed (CT_ECORRUPT).
 * Errors: CT_ENOTFOUND, CT_EPERM, CT_ECORRUPT, CT_EIO, CT_ENOMEM.
 */
int ct_keypair_load(ct_keypair **out, const char *path);

/* The public key (CT_KEY_BYTES), valid as long as kp. */
const uint8_t *ct_keypair_public(const ct_keypair *kp);

/*
 * Signs msg: sig = Ed25519(secret, msg). Never fails for a valid kp.
 */
void ct_keypair_sign(const ct_keypair *kp, uint8_t sig[static CT_SIG_BYTES],
		     const uint8_t *msg, size_t len);

/* Frees and wipes; accepts NULL. */
void ct_keypair_free(ct_keypair *kp);

/* Returns 0 when sig is pk's Ed25519 signature of msg, CT_EBADSIG otherwise. */
__attribute__((warn_unused_result)) int ct_sig_verify(const uint8_t pk[static CT_KEY_BYTES],
						      const uint8_t sig[static CT_SIG_BYTES],
						      const uint8_t *msg, size_t len);

/* Prints pk as 64 lowercase hex digits into out (65 bytes with the NUL). */
void ct_key_hex(char out[static 2 * CT_KEY_BYTES + 1], const uint8_t pk[static CT_KEY_BYTES]);

/*
 * Reads a public key file written by ct_keypair_save (64 hex digits, a
 * newline): what a process that must not hold the secret key (caltrace
 * serve) knows of its node. Errors: CT_ENOTFOUND, CT_ECORRUPT, CT_EIO.
 */
int ct_key_pub_load(uint8_t pk[static CT_KEY_BYTES], const char *path);

/* Parses 64 hex digits into pk. Errors: CT_EINVAL. */
int ct_key_parse(uint8_t pk[static CT_KEY_BYTES], const char *hex);

#endif
