/*
 * Signing and witnessing checkpoints against the store (core/proof/witness.c):
 * own checkpoints, cosigning, merging cosignatures, a checkpoint ahead of
 * the store, and forks found from checkpoints.
 */
#include "caltrace/proof/witness.h"
#include "net_fixture.h"

struct fx {
	char *dir, *dir2;
	ct_ledger *l, *l2; /* l: bureau and lab; l2: the lab's own home */
	ct_keypair *bureau, *lab;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = ct_test_tmpdir();
	f->bureau = ct_test_keypair(1);
	f->lab = ct_test_keypair(2);
	CT_OK_OR_FAIL(ct_ledger_open(&f->l, f->dir, NULL));
	fx_network(f->l, f->bureau, &f->lab, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ct_ledger_close(f->l);
	ct_test_rm_rf(f->dir);
	free(f->dir);
	ct_keypair_free(f->bureau);
	ct_keypair_free(f->lab);
	free(f);
	return 0;
}

static int sign_own(ct_ledger *l, const ct_keypair *kp, ct_buf *out)
{
	ct_batch *b = NULL;
	int err;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	err = ct_witness_sign_own(b, kp, out);
	if (err == 0)
		CT_OK_OR_FAIL(ct_batch_commit(b));
	else
		ct_batch_abort(b);
	return err;
}

static ct_witness_result witness(ct_ledger *l, const ct_keypair *kp, const ct_buf *note, ct_buf *out)
{
	ct_witness_result res;
	ct_batch *b = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_witness_note(b, kp, 1764410400, note->ptr, note->len, out, NULL, &res));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	return res;
}

static void witness_at(ct_ledger *l, const ct_keypair *kp, uint64_t ts, const ct_buf *note, ct_buf *out)
{
	ct_witness_result res;
	ct_batch *b = NULL;

	CT_OK_OR_FAIL(ct_batch_begin(&b, l));
	CT_OK_OR_FAIL(ct_witness_note(b, kp, ts, note->ptr, note->len, out, NULL, &res));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	assert_int_equal(res, CT_WITNESS_COSIGNED);
}

static void network_of(ct_ledger *l, uint8_t net[CT_HASH_BYTES])
{
	uint8_t bureau[CT_KEY_BYTES];
	ct_reader *r = NULL;

	CT_OK_OR_FAIL(ct_reader_begin(&r, l));
	CT_OK_OR_FAIL(ct_read_network(net, bureau, r));
	ct_reader_end(r);
}

/* The bureau signs its feed, cosigns it; the cosignature verifies and the note is kept once. */
static void test_sign_and_cosign(void **state)
{
	struct fx *f = *state;
	uint8_t net[CT_HASH_BYTES];
	ct_buf note = CT_BUF_INIT, cosigned = CT_BUF_INIT, latest = CT_BUF_INIT;
	ct_note *n = NULL;
	ct_checkpoint cp;
	ct_vkey wk;
	ct_reader *r = NULL;
	uint64_t ts;

	network_of(f->l, net);
	CT_OK_OR_FAIL(sign_own(f->l, f->bureau, &note));
	assert_int_equal(witness(f->l, f->bureau, &note, &cosigned), CT_WITNESS_COSIGNED);
	ct_witness_key(&wk, net, ct_keypair_public(f->bureau));
	CT_OK_OR_FAIL(ct_note_parse(&n, cosigned.ptr, cosigned.len));
	CT_OK_OR_FAIL(ct_cosig_verify(&ts, n, &wk));
	assert_int_equal(ts, 1764410400);
	assert_int_equal(n->nsigs, 2);
	/* witnessing again adds nothing; the latest cosigned checkpoint is that note */
	assert_int_equal(witness(f->l, f->bureau, &note, NULL), CT_WITNESS_COSIGNED);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_checkpoint_latest(r, ct_keypair_public(f->bureau), &wk, 2, &latest, &cp));
	assert_int_equal(cp.size, 2);
	assert_int_equal(latest.len, cosigned.len);
	assert_memory_equal(latest.ptr, cosigned.ptr, latest.len);
	assert_int_equal(ct_checkpoint_latest(r, ct_keypair_public(f->bureau), &wk, 3, &latest, NULL),
			 CT_ENOTFOUND);
	ct_reader_end(r);
	ct_note_free(n);
	ct_buf_free(&note);
	ct_buf_free(&cosigned);
	ct_buf_free(&latest);
}

/* A checkpoint beyond what the store holds is kept, not cosigned; a bad signature is refused. */
static void test_ahead_and_bad_signature(void **state)
{
	struct fx *f = *state;
	uint8_t net[CT_HASH_BYTES];
	ct_checkpoint cp = {0};
	ct_buf note = CT_BUF_INIT;
	ct_witness_result res;
	ct_batch *b = NULL;

	network_of(f->l, net);
	ct_checkpoint_origin(cp.origin, net, ct_keypair_public(f->lab));
	cp.size = 5;
	memset(cp.root, 7, CT_HASH_BYTES);
	CT_OK_OR_FAIL(ct_checkpoint_sign(&note, &cp, f->lab));
	assert_int_equal(witness(f->l, f->bureau, &note, NULL), CT_WITNESS_AHEAD);
	note.ptr[note.len - 10] ^= 1; /* inside the signature's base64 */
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	assert_true(ct_witness_note(b, f->bureau, 1, note.ptr, note.len, NULL, NULL, &res) < 0);
	ct_batch_abort(b);
	ct_buf_free(&note);
}

/* Two checkpoints of one size with different roots: a fork; the feed freezes; the author is untrusted. */
static void test_fork_from_checkpoints(void **state)
{
	struct fx *f = *state;
	uint8_t net[CT_HASH_BYTES];
	ct_checkpoint cp = {0};
	ct_buf a = CT_BUF_INIT, b = CT_BUF_INIT;
	const uint8_t *pa, *pb;
	size_t la, lb;
	ct_reader *r = NULL;
	ct_feed_head head;

	network_of(f->l, net);
	ct_checkpoint_origin(cp.origin, net, ct_keypair_public(f->lab));
	cp.size = 9;
	memset(cp.root, 1, CT_HASH_BYTES);
	CT_OK_OR_FAIL(ct_checkpoint_sign(&a, &cp, f->lab));
	memset(cp.root, 2, CT_HASH_BYTES);
	CT_OK_OR_FAIL(ct_checkpoint_sign(&b, &cp, f->lab));
	assert_int_equal(witness(f->l, f->bureau, &a, NULL), CT_WITNESS_AHEAD);
	assert_int_equal(witness(f->l, f->bureau, &b, NULL), CT_WITNESS_FORK);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_read_head(&head, r, ct_keypair_public(f->lab)));
	assert_true(head.forked);
	CT_OK_OR_FAIL(ct_read_checkpoint_fork(&pa, &la, &pb, &lb, r, ct_keypair_public(f->lab)));
	assert_int_equal(la, a.len);
	assert_memory_equal(pa, a.ptr, la);
	ct_reader_end(r);
	/* once frozen, further checkpoints of the feed are kept but not cosigned */
	assert_int_equal(witness(f->l, f->bureau, &a, NULL), CT_WITNESS_FROZEN);
	ct_buf_free(&a);
	ct_buf_free(&b);
}

/* A checkpoint whose root contradicts the stored entries is a fork; a store that holds such an own
 * checkpoint refuses to sign. */
static void test_contradicts_entries(void **state)
{
	struct fx *f = *state;
	uint8_t net[CT_HASH_BYTES];
	ct_checkpoint cp = {0};
	ct_buf a = CT_BUF_INIT;
	ct_batch *b = NULL;

	network_of(f->l, net);
	ct_checkpoint_origin(cp.origin, net, ct_keypair_public(f->bureau));
	cp.size = 1;
	memset(cp.root, 3, CT_HASH_BYTES);
	CT_OK_OR_FAIL(ct_checkpoint_sign(&a, &cp, f->bureau));
	/* stored without witnessing (as a node behind would keep it), then signing refuses */
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	CT_OK_OR_FAIL(ct_batch_put_note(b, ct_keypair_public(f->bureau), a.ptr, a.len));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	assert_int_equal(sign_own(f->l, f->bureau, NULL), CT_EFORK);
	assert_int_equal(witness(f->l, f->lab, &a, NULL), CT_WITNESS_FORK);
	ct_buf_free(&a);
}

static void assert_same(const ct_buf *a, const ct_buf *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->ptr, b->ptr, a->len);
}

/*
 * Gossip settles: the witness cosigns a checkpoint once, however many bare
 * copies reach it later (a later timestamp must not replace the held line),
 * and two copies cosigned at different times merge to the same note in
 * either order, so that no node has anything new to pass on.
 */
static void test_copies_settle(void **state)
{
	struct fx *f = *state;
	ct_buf bare = CT_BUF_INIT, bare2 = CT_BUF_INIT, c1 = CT_BUF_INIT, c2 = CT_BUF_INIT,
	       again = CT_BUF_INIT, m1 = CT_BUF_INIT, m2 = CT_BUF_INIT;

	CT_OK_OR_FAIL(sign_own(f->l, f->bureau, &bare));
	witness_at(f->l, f->bureau, 1000, &bare, &c1);
	witness_at(f->l, f->bureau, 2000, &bare, &again);
	assert_same(&again, &c1);

	/* a second store of the same entries, where the bureau cosigned later */
	f->dir2 = ct_test_tmpdir();
	CT_OK_OR_FAIL(ct_ledger_open(&f->l2, f->dir2, NULL));
	fx_network(f->l2, f->bureau, &f->lab, 1);
	CT_OK_OR_FAIL(sign_own(f->l2, f->bureau, &bare2));
	assert_same(&bare2, &bare);
	witness_at(f->l2, f->bureau, 2000, &bare2, &c2);
	assert_false(c2.len == c1.len && memcmp(c2.ptr, c1.ptr, c1.len) == 0);

	/* each store takes the other's copy (as a node that does not cosign): both end equal */
	witness_at(f->l, NULL, 3000, &c2, &m1);
	witness_at(f->l2, NULL, 3000, &c1, &m2);
	assert_same(&m1, &m2);
	/* and passing the result on changes nothing more */
	witness_at(f->l, f->bureau, 4000, &m2, &again);
	assert_same(&again, &m1);
	witness_at(f->l2, NULL, 4000, &c2, &again);
	assert_same(&again, &m2);

	ct_ledger_close(f->l2);
	f->l2 = NULL;
	ct_test_rm_rf(f->dir2);
	free(f->dir2);
	f->dir2 = NULL;
	ct_buf_free(&bare);
	ct_buf_free(&bare2);
	ct_buf_free(&c1);
	ct_buf_free(&c2);
	ct_buf_free(&again);
	ct_buf_free(&m1);
	ct_buf_free(&m2);
}

struct note_sizes {
	size_t count;
	uint64_t min;
};

static int count_note(void *ctx, const uint8_t author[CT_KEY_BYTES], const uint8_t *note, size_t len)
{
	struct note_sizes *ns = ctx;
	ct_checkpoint cp;
	ct_note *n = NULL;

	(void)author;
	CT_OK_OR_FAIL(ct_note_parse(&n, note, len));
	CT_OK_OR_FAIL(ct_checkpoint_parse(&cp, n->text, n->text_len));
	ct_note_free(n);
	ns->count++;
	if (!ns->min || cp.size < ns->min)
		ns->min = cp.size;
	return 0;
}

/* A feed signing more checkpoints than a store keeps: the smallest make room, the newest stay. */
static void test_notes_thinned(void **state)
{
	struct fx *f = *state;
	ct_buf note = CT_BUF_INIT, latest = CT_BUF_INIT, first = CT_BUF_INIT;
	ct_checkpoint cp;
	ct_reader *r = NULL;
	struct note_sizes held = {0};
	unsigned i;

	for (i = 0; i < CT_NOTES_PER_FEED + 3; i++) {
		fx_instruments(f->l, f->lab, i, 1);
		CT_OK_OR_FAIL(sign_own(f->l, f->lab, &note));
		if (i == 0)
			CT_OK_OR_FAIL(ct_buf_put(&first, note.ptr, note.len));
	}
	/* the first checkpoint, arriving again late, is older than all held: it is left out */
	witness_at(f->l, NULL, 1000, &first, NULL);
	CT_OK_OR_FAIL(ct_reader_begin(&r, f->l));
	CT_OK_OR_FAIL(ct_read_notes_of(r, ct_keypair_public(f->lab), count_note, &held));
	assert_int_equal(held.count, CT_NOTES_PER_FEED);
	assert_int_equal(held.min, 4); /* sizes 1, 2 and 3 made room */
	CT_OK_OR_FAIL(ct_checkpoint_latest(r, ct_keypair_public(f->lab), NULL, 0, &latest, &cp));
	assert_int_equal(cp.size, CT_NOTES_PER_FEED + 3);
	ct_reader_end(r);
	ct_buf_free(&note);
	ct_buf_free(&latest);
	ct_buf_free(&first);
}

/*
 * A checkpoint cosigned by more admitted witnesses than a note keeps: the
 * bureau's line and the first names stay.
 */
static void test_witnesses_capped(void **state)
{
	struct fx *f = *state;
	enum { EXTRA = CT_WITNESS_COSIGS_MAX + 6 };
	char names[EXTRA][CT_NOTE_NAME_MAX + 1];
	uint8_t net[CT_HASH_BYTES];
	ct_buf bare = CT_BUF_INIT, big = CT_BUF_INIT, out = CT_BUF_INIT;
	ct_note *n = NULL, *kept = NULL;
	ct_vkey wk, bk;
	size_t i;

	network_of(f->l, net);
	fx_instruments(f->l, f->lab, 1, 1);
	CT_OK_OR_FAIL(sign_own(f->l, f->lab, &bare));
	CT_OK_OR_FAIL(ct_note_parse(&n, bare.ptr, bare.len));
	for (i = 0; i < EXTRA; i++) {
		ct_keypair *kp = ct_test_keypair((unsigned)(100 + i));
		char hex[2 * CT_KEY_BYTES + 1];

		ct_key_hex(hex, ct_keypair_public(kp)); /* only admitted nodes count as witnesses */
		fx_append(f->l, f->bureau, CT_EV_ORG_ADMIT, "key", hex);
		ct_witness_key(&wk, net, ct_keypair_public(kp));
		strcpy(names[i], wk.name);
		CT_OK_OR_FAIL(ct_cosig_add(n, kp, wk.name, 1000 + i));
		ct_keypair_free(kp);
	}
	CT_OK_OR_FAIL(ct_note_format(&big, n));
	witness_at(f->l, f->bureau, 5000, &big, &out);
	CT_OK_OR_FAIL(ct_note_parse(&kept, out.ptr, out.len));
	assert_int_equal(kept->nsigs, 2 + CT_WITNESS_COSIGS_MAX);
	ct_witness_key(&bk, net, ct_keypair_public(f->bureau));
	assert_non_null(ct_note_find(kept, &bk));
	qsort(names, EXTRA, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (i = 0; i < EXTRA; i++) {
		bool held = false;
		size_t j;

		for (j = 1; j < kept->nsigs; j++)
			held |= strcmp(kept->sigs[j].name, names[i]) == 0;
		/* the bureau's name may sort among them: the first CT_WITNESS_COSIGS_MAX others stay */
		assert_int_equal(held, i < CT_WITNESS_COSIGS_MAX);
	}
	ct_note_free(n);
	ct_note_free(kept);
	ct_buf_free(&bare);
	ct_buf_free(&big);
	ct_buf_free(&out);
}

/* A key pair numbered from *next on whose public key's first byte is below (low) or at least (!low) 0x10. */
static ct_keypair *keypair_sorting(int *next, bool low)
{
	for (;;) {
		ct_keypair *kp = ct_test_keypair((*next)++);

		if ((ct_keypair_public(kp)[0] < 0x10) == low)
			return kp;
		ct_keypair_free(kp);
	}
}

static bool has_line(const ct_note *n, const char *name)
{
	for (size_t i = 0; i < n->nsigs; i++)
		if (strcmp(n->sigs[i].name, name) == 0)
			return true;
	return false;
}

/*
 * Fake witnesses do not crowd out real ones: 30 keys nobody admitted, whose
 * names sort before every real witness's, cosign a checkpoint beside three
 * admitted labs. The note keeps the three and the bureau and none of the 30,
 * whether the lines come in a copy or sit in a note stored before.
 */
static void test_unadmitted_witnesses(void **state)
{
	struct fx *f = *state;
	enum { FAKES = 30, REAL = 3 };
	char fake[FAKES][CT_NOTE_NAME_MAX + 1], real[REAL][CT_NOTE_NAME_MAX + 1], hex[2 * CT_KEY_BYTES + 1];
	uint8_t net[CT_HASH_BYTES];
	ct_buf bare = CT_BUF_INIT, big = CT_BUF_INIT, out = CT_BUF_INIT;
	ct_note *n = NULL, *kept = NULL;
	ct_batch *b = NULL;
	ct_vkey wk, bk;
	int next = 1000;
	size_t i;

	network_of(f->l, net);
	fx_instruments(f->l, f->lab, 1, 1);
	CT_OK_OR_FAIL(sign_own(f->l, f->lab, &bare));
	CT_OK_OR_FAIL(ct_note_parse(&n, bare.ptr, bare.len));
	for (i = 0; i < REAL; i++) {
		ct_keypair *kp = keypair_sorting(&next, false);

		ct_key_hex(hex, ct_keypair_public(kp));
		fx_append(f->l, f->bureau, CT_EV_ORG_ADMIT, "key", hex);
		ct_witness_key(&wk, net, ct_keypair_public(kp));
		strcpy(real[i], wk.name);
		CT_OK_OR_FAIL(ct_cosig_add(n, kp, wk.name, 1000 + i));
		ct_keypair_free(kp);
	}
	for (i = 0; i < FAKES; i++) {
		ct_keypair *kp = keypair_sorting(&next, true);

		ct_witness_key(&wk, net, ct_keypair_public(kp));
		strcpy(fake[i], wk.name);
		CT_OK_OR_FAIL(ct_cosig_add(n, kp, wk.name, 2000 + i));
		ct_keypair_free(kp);
	}
	CT_OK_OR_FAIL(ct_note_format(&big, n));
	ct_witness_key(&bk, net, ct_keypair_public(f->bureau));

	/* in a copy that arrives */
	witness_at(f->l, f->bureau, 5000, &big, &out);
	CT_OK_OR_FAIL(ct_note_parse(&kept, out.ptr, out.len));
	assert_non_null(ct_note_find(kept, &bk));
	for (i = 0; i < REAL; i++)
		assert_true(has_line(kept, real[i]));
	for (i = 0; i < FAKES; i++)
		assert_false(has_line(kept, fake[i]));
	assert_int_equal(kept->nsigs, 1 + 1 + REAL);
	ct_note_free(kept);
	kept = NULL;

	/* in a note the store held already (as the code before kept it: 24 lines besides the
	 * author's, the real ones among them here): the next merge drops the fakes */
	while (n->nsigs > 1 + REAL + CT_WITNESS_COSIGS_MAX)
		ct_note_remove_sig(n, n->nsigs - 1);
	big.len = 0;
	CT_OK_OR_FAIL(ct_note_format(&big, n));
	CT_OK_OR_FAIL(ct_batch_begin(&b, f->l));
	CT_OK_OR_FAIL(ct_batch_del_note(b, ct_keypair_public(f->lab), out.ptr, out.len));
	CT_OK_OR_FAIL(ct_batch_put_note(b, ct_keypair_public(f->lab), big.ptr, big.len));
	CT_OK_OR_FAIL(ct_batch_commit(b));
	witness_at(f->l, NULL, 6000, &bare, &out);
	CT_OK_OR_FAIL(ct_note_parse(&kept, out.ptr, out.len));
	for (i = 0; i < REAL; i++)
		assert_true(has_line(kept, real[i]));
	for (i = 0; i < FAKES; i++)
		assert_false(has_line(kept, fake[i]));
	assert_int_equal(kept->nsigs, 1 + REAL);
	ct_note_free(n);
	ct_note_free(kept);
	ct_buf_free(&bare);
	ct_buf_free(&big);
	ct_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sign_and_cosign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ahead_and_bad_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fork_from_checkpoints, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_contradicts_entries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copies_settle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notes_thinned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_witnesses_capped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unadmitted_witnesses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
