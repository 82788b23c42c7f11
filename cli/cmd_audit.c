/* caltrace audit: every stored checkpoint of every feed against the next, by consistency proof. */
#include <stdlib.h>
#include <string.h>

#include "proof.h"

static void help(void)
{
	printf("usage: caltrace audit\n\n"
	       "For every feed, sorts its stored checkpoints by size and checks each against the\n"
	       "next with a consistency proof from the stored tree (RFC 9162), and each root against\n"
	       "the stored entries. Reports any feed whose history was rewritten: two checkpoints\n"
	       "that cannot both be true, or one that contradicts the entries.\n\n"
	       "exit status: 0 every feed consistent, 1 a feed was rewritten, 2 error\n");
}

struct cp_item {
	uint8_t author[CT_KEY_BYTES];
	ct_checkpoint cp;
	bool signed_ok;
};

struct cp_list {
	uint8_t network[CT_HASH_BYTES];
	struct cp_item *v;
	size_t n;
};

static int add_note(void *ctx, const uint8_t author[CT_KEY_BYTES], const uint8_t *raw, size_t len)
{
	struct cp_list *l = ctx;
	struct cp_item *grown, *it;
	ct_note *note = NULL;
	ct_vkey key;

	if (ct_note_parse(&note, raw, len) < 0)
		return 0;
	if (!(grown = realloc(l->v, (l->n + 1) * sizeof(*l->v)))) {
		ct_note_free(note);
		return CT_ENOMEM;
	}
	l->v = grown;
	it = &l->v[l->n];
	memcpy(it->author, author, CT_KEY_BYTES);
	ct_checkpoint_feed_key(&key, l->network, author);
	it->signed_ok = ct_checkpoint_verify(&it->cp, note, &key) == 0;
	it->cp.ext = NULL;
	ct_note_free(note);
	if (it->signed_ok)
		l->n++;
	return 0;
}

static int by_feed_size(const void *a, const void *b)
{
	const struct cp_item *x = a, *y = b;
	int c = memcmp(x->author, y->author, CT_KEY_BYTES);

	if (c)
		return c;
	return x->cp.size < y->cp.size ? -1 : x->cp.size > y->cp.size;
}

/* Checks items [i, j) of one feed; prints and returns 1 when rewritten, 0 when not, <0 on error. */
static int audit_feed(ct_reader *r, const struct cp_item *v, size_t i, size_t j)
{
	uint8_t proof[CT_MERKLE_MAX_PROOF][CT_HASH_BYTES], root[CT_HASH_BYTES];
	char hex[2 * CT_KEY_BYTES + 1];
	ct_feed_head head;
	size_t k, count;
	int err;

	ct_hex(hex, v[i].author, CT_KEY_BYTES);
	if (ct_read_head(&head, r, v[i].author) < 0)
		memset(&head, 0, sizeof(head));
	for (k = i; k < j; k++) {
		const ct_checkpoint *a = &v[k].cp, *b = k + 1 < j ? &v[k + 1].cp : NULL;
		if (a->size <= head.size) {
			if ((err = ct_read_root(root, r, v[k].author, a->size)) < 0)
				return err;
			if (memcmp(root, a->root, CT_HASH_BYTES) != 0) {
				printf("feed %s: REWRITTEN: its checkpoint at size %llu contradicts the stored "
				       "entries\n",
				       hex, (unsigned long long)a->size);
				return 1;
			}
		}
		if (!b)
			break;
		if (a->size == b->size && memcmp(a->root, b->root, CT_HASH_BYTES) != 0) {
			printf("feed %s: REWRITTEN: two checkpoints at size %llu with different roots\n", hex,
			       (unsigned long long)a->size);
			return 1;
		}
		if (b->size > head.size)
			continue; /* no proof without the entries; same-size checks only */
		if ((err = ct_read_consistency_proof(proof, &count, r, v[k].author, a->size, b->size)) < 0)
			return err;
		if (ct_merkle_verify_consistency(a->size, b->size, a->root, b->root, proof, count) != 0) {
			printf("feed %s: REWRITTEN: checkpoint at size %llu is not a prefix of the one at %llu "
			       "(%s)\n",
			       hex, (unsigned long long)a->size, (unsigned long long)b->size, ct_error_last());
			return 1;
		}
	}
	printf("feed %s: %zu checkpoint%s, consistent%s\n", hex, j - i, j - i == 1 ? "" : "s",
	       head.forked ? " (the feed is marked forked)" : "");
	return head.forked ? 1 : 0;
}

int cmd_audit(int argc, char **argv)
{
	uint8_t bureau[CT_KEY_BYTES];
	struct cp_list l = {0};
	ct_reader *r = NULL;
	size_t i, j, rewritten = 0;
	int err, rc = EXIT_ERR;
	cli_node n;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help();
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("audit", "unexpected argument '%s'", argv[1]);
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0 || (err = ct_read_network(l.network, bureau, r)) < 0 ||
	    (err = ct_read_notes(r, add_note, &l)) < 0) {
		rc = cli_fail("audit", err, "cannot read the checkpoints");
		goto done;
	}
	qsort(l.v, l.n, sizeof(*l.v), by_feed_size);
	for (i = 0; i < l.n; i = j) {
		for (j = i + 1; j < l.n && memcmp(l.v[j].author, l.v[i].author, CT_KEY_BYTES) == 0; j++)
			;
		if ((err = audit_feed(r, l.v, i, j)) < 0) {
			rc = cli_fail("audit", err, "cannot check a feed");
			goto done;
		}
		rewritten += (size_t)err;
	}
	printf("%zu checkpoint%s audited, %zu feed%s rewritten\n", l.n, l.n == 1 ? "" : "s", rewritten,
	       rewritten == 1 ? "" : "s");
	rc = rewritten ? EXIT_NO : EXIT_OK;
done:
	free(l.v);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
