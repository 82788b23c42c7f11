/* Internals of the network index shared by netindex.c (the trie) and netproof.c (its proofs). */
#ifndef CT_NETINDEX_INTERNAL_H
#define CT_NETINDEX_INTERNAL_H

#include "caltrace/ledger/netindex.h"
#include "store_internal.h"

#define CT__NK_LEAF 0xffffu		     /* a child that is a leaf; also "no bit" */
#define CT__NK_SAME ((size_t)-1)	     /* ct__nk_diff of equal keys */
#define CT__NK_NODEKEY_MAX (3 + CT_NETKEY_MAX) /* 'N' prefix d(2) */

enum { CT__NK_EMPTY = 0, CT__NK_LEAFROOT = 1, CT__NK_NODE = 2 };

struct ct__nk_root {
	uint8_t kind;
	unsigned d; /* CT__NK_NODE: the root's bit */
	uint8_t hash[CT_HASH_BYTES];
	uint64_t keys;
};

struct ct__nk_node {
	unsigned dc[2]; /* each child's bit, CT__NK_LEAF for a leaf */
	uint8_t h[2][CT_HASH_BYTES];
};

/* Bit i of a key (0: the first byte's most significant bit); 0 past its end. */
unsigned ct__nk_bit(const uint8_t *k, size_t len, size_t i);
/* The first bit where a and b differ; CT__NK_SAME when equal; 8 * the shorter length for a prefix. */
size_t ct__nk_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Bytewise order, a proper prefix first. */
int ct__nk_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* The root record. Errors: CT_ESTATE (never built, or no index in this store), CT_ECORRUPT. */
int ct__nk_root_get(ct_reader *r, struct ct__nk_root *out);
/* The record key of the node at bit d whose keys start like rep. */
size_t ct__nk_node_key(uint8_t out[CT__NK_NODEKEY_MAX], const uint8_t *rep, size_t rlen, unsigned d);
/* The node at bit d whose keys start like rep. Errors: CT_ECORRUPT (none), CT_EIO. */
int ct__nk_node_get(ct_reader *r, const uint8_t *rep, size_t rlen, unsigned d, struct ct__nk_node *out);
/*
 * The first stored leaf whose key shares rep's first bits bits (cur: a
 * cursor on DB_NINDEX); out may be rep. Errors: CT_ECORRUPT (none).
 */
int ct__nk_first_leaf(MDB_cursor *cur, const uint8_t *rep, size_t rlen, size_t bits, uint8_t out[CT_NETKEY_MAX],
		      size_t *out_len);
/* The list hash of a key from the store's rows; *present false when it has none. */
int ct__netindex_vh(ct_reader *r, const uint8_t *key, size_t len, uint8_t vh[CT_HASH_BYTES], bool *present);

#endif
