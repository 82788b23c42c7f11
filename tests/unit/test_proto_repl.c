/*
 * The replication state machine without sockets: simulated nodes (an
 * in-memory store of signed entries each) exchange messages over
 * simulated links, delivered in a seeded random order, and must converge:
 * catch-up, live pushes, lines and rings of writing nodes, a peer leaving
 * mid-fetch, a fork found by probing, and a node restored from an old
 * backup. The protocol rules, one hand-made message at a time, are in
 * test_proto_repl_msgs.c.
 */
#include "net_fixture.h"
#include "caltrace/proto/repl.h"

#define MAX_NODES 8
#define MAX_FEEDS 16
#define MAX_LINKS 16
#define CHUNK	  40 /* entries per served message */

/* ---- a simulated store ---------------------------------------------------- */

struct sfeed {
	uint8_t author[CT_KEY_BYTES];
	ct_buf *e; /* e[0..n) are entries 1..n */
	size_t n, cap;
	bool forked;
};

struct job {		   /* an INGEST waiting to run */
	struct link *link; /* who sent it (NULL when gone) */
	uint8_t author[CT_KEY_BYTES];
	uint64_t from, gen;
	uint32_t count;
	ct_buf bins;
	struct job *next;
};

struct serve {
	struct link *link;
	uint8_t author[CT_KEY_BYTES];
	uint64_t from, to;
	unsigned flags;
	struct serve *next;
};

struct fwd { /* a fork proof learnt from a peer, to pass on */
	struct link *origin;
	ct_buf a, b;
	struct fwd *next;
};

struct snode {
	int id;
	ct_keypair *kp;
	ct_repl *r;
	struct sfeed feeds[MAX_FEEDS];
	size_t nfeeds;
	struct job *jobs, **jobs_tail;
	struct serve *serves, **serves_tail;
	struct fwd *fwds;
	uint64_t ingested, duplicates, remote_size;
	int forks_recorded;
	int fork_msgs;
};

struct msgq {
	ct_buf *m;
	size_t head, n, cap;
};

struct link {
	struct snode *a, *b;
	ct_rpeer *pa, *pb; /* a's peer record of b, b's of a */
	struct msgq ab, ba;
	bool up, drop; /* drop: a DISCONNECT was asked for */
	int wants_ab, wants_ba;
};

struct sim {
	struct snode nodes[MAX_NODES];
	int nnodes;
	struct link links[MAX_LINKS];
	int nlinks;
	uint64_t rng, now;
};

static struct sfeed *sfeed_get(struct snode *n, const uint8_t author[CT_KEY_BYTES])
{
	size_t i;

	for (i = 0; i < n->nfeeds; i++)
		if (!memcmp(n->feeds[i].author, author, CT_KEY_BYTES))
			return &n->feeds[i];
	assert_true(n->nfeeds < MAX_FEEDS);
	memset(&n->feeds[n->nfeeds], 0, sizeof(struct sfeed));
	memcpy(n->feeds[n->nfeeds].author, author, CT_KEY_BYTES);
	return &n->feeds[n->nfeeds++];
}

static void sfeed_push(struct sfeed *f, const uint8_t *raw, size_t len)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->e = realloc(f->e, f->cap * sizeof(*f->e));
	}
	memset(&f->e[f->n], 0, sizeof(ct_buf));
	ct_buf_put(&f->e[f->n], raw, len);
	f->n++;
}

static void head_hash(const struct sfeed *f, uint8_t out[CT_HASH_BYTES])
{
	if (f->n)
		ct_entry_hash(out, f->e[f->n - 1].ptr, f->e[f->n - 1].len);
	else
		memset(out, 0, CT_HASH_BYTES);
}

static void push_heads(struct snode *n)
{
	ct_feed_head heads[MAX_FEEDS];
	size_t i;

	memset(heads, 0, sizeof(heads));
	for (i = 0; i < n->nfeeds; i++) {
		memcpy(heads[i].author, n->feeds[i].author, CT_KEY_BYTES);
		heads[i].size = n->feeds[i].n;
		head_hash(&n->feeds[i], heads[i].head);
		heads[i].forked = n->feeds[i].forked;
		heads[i].admitted = true;
	}
	CT_OK_OR_FAIL(ct_repl_set_heads(n->r, heads, n->nfeeds));
}

/* Signs count entries into n's own feed without telling its repl. */
static void sim_sign(struct snode *n, unsigned count)
{
	struct sfeed *f = sfeed_get(n, ct_keypair_public(n->kp));
	ct_buf e = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES];
	char id[32];

	for (unsigned k = 0; k < count; k++) {
		head_hash(f, prev);
		snprintf(id, sizeof(id), "N%d-%zu", n->id, f->n + 1);
		fx_entry(&e, n->kp, f->n + 1, f->n ? prev : NULL, id);
		sfeed_push(f, e.ptr, e.len);
	}
	ct_buf_free(&e);
}

/* Appends count signed entries to n's own feed (as the CLI would), then tells its repl. */
static void sim_append(struct snode *n, unsigned count)
{
	sim_sign(n, count);
	push_heads(n);
}

/* ---- links and actions ---------------------------------------------------- */

static void q_put(struct msgq *q, const uint8_t *m, size_t len)
{
	if (q->head + q->n == q->cap) {
		if (q->head > 0) {
			memmove(q->m, q->m + q->head, q->n * sizeof(*q->m));
			q->head = 0;
		} else {
			q->cap = q->cap ? 2 * q->cap : 16;
			q->m = realloc(q->m, q->cap * sizeof(*q->m));
		}
	}
	memset(&q->m[q->head + q->n], 0, sizeof(ct_buf));
	ct_buf_put(&q->m[q->head + q->n], m, len);
	q->n++;
}

static struct link *link_of(struct sim *s, ct_rpeer *p)
{
	return ct_rpeer_user(p);
}

static struct msgq *outq(struct link *l, struct snode *from)
{
	return from == l->a ? &l->ab : &l->ba;
}

static struct sim *the_sim;

static void on_action(void *ctx, const ct_action *a)
{
	struct snode *n = ctx;
	struct link *l = link_of(the_sim, a->peer);
	ct_msg m;

	switch (a->kind) {
	case CT_ACT_SEND:
		if (getenv("SIMDEBUG") && ct_msg_decode(&m, a->data, a->len) == 0)
			fprintf(stderr, "node %d -> %d: %s from %llu to %llu\n", n->id,
				(n == l->a ? l->b : l->a)->id, ct_msg_name(m.type),
				(unsigned long long)m.from, (unsigned long long)m.to);
		if (ct_msg_decode(&m, a->data, a->len) == 0 && m.type == CT_MSG_WANT)
			(*(n == l->a ? &l->wants_ab : &l->wants_ba))++;
		q_put(outq(l, n), a->data, a->len);
		break;
	case CT_ACT_SERVE: {
		struct serve *sv = calloc(1, sizeof(*sv));
		sv->link = l;
		memcpy(sv->author, a->author, CT_KEY_BYTES);
		sv->from = a->from;
		sv->to = a->to;
		sv->flags = a->flags;
		*n->serves_tail = sv;
		n->serves_tail = &sv->next;
		break;
	}
	case CT_ACT_INGEST: {
		struct job *j = calloc(1, sizeof(*j));
		j->link = l;
		memcpy(j->author, a->author, CT_KEY_BYTES);
		j->from = a->from;
		j->gen = a->gen;
		j->count = a->count;
		ct_buf_put(&j->bins, a->data, a->len);
		*n->jobs_tail = j;
		n->jobs_tail = &j->next;
		break;
	}
	case CT_ACT_FORK: {
		ct_entry e;
		struct sfeed *f;
		assert_int_equal(ct_entry_decode(&e, a->data, a->len), 0);
		f = sfeed_get(n, e.author);
		n->fork_msgs++;
		if (!f->forked) {
			struct fwd *w = calloc(1, sizeof(*w));
			f->forked = true;
			n->forks_recorded++;
			w->origin = l;
			ct_buf_put(&w->a, a->data, a->len);
			ct_buf_put(&w->b, a->data2, a->len2);
			w->next = n->fwds;
			n->fwds = w;
		}
		break;
	}
	case CT_ACT_REMOTE_SIZE:
		n->remote_size = a->to;
		break;
	case CT_ACT_DISCONNECT:
		l->drop = true;
		break;
	case CT_ACT_CHECKPOINT:
		break;
	}
}

static void node_init(struct sim *s, int id)
{
	struct snode *n = &s->nodes[id];
	ct_repl_opts o = {0};

	memset(n, 0, sizeof(*n));
	n->id = id;
	n->kp = ct_test_keypair(100 + id);
	n->jobs_tail = &n->jobs;
	n->serves_tail = &n->serves;
	o.self = ct_keypair_public(n->kp);
	o.window = 100;
	o.max_wants = 3;
	o.push_max = 20;
	o.emit = on_action;
	o.ctx = n;
	CT_OK_OR_FAIL(ct_repl_new(&n->r, &o));
	if (id >= s->nnodes)
		s->nnodes = id + 1;
}

static struct link *connect_nodes(struct sim *s, int a, int b)
{
	struct link *l = &s->links[s->nlinks++];

	memset(l, 0, sizeof(*l));
	l->a = &s->nodes[a];
	l->b = &s->nodes[b];
	l->up = true;
	CT_OK_OR_FAIL(ct_repl_peer_add(&l->pa, l->a->r, ct_keypair_public(l->b->kp), l, s->now));
	CT_OK_OR_FAIL(ct_repl_peer_add(&l->pb, l->b->r, ct_keypair_public(l->a->kp), l, s->now));
	return l;
}

static void q_free(struct msgq *q)
{
	for (size_t i = q->head; i < q->head + q->n; i++)
		ct_buf_free(&q->m[i]);
	free(q->m);
	memset(q, 0, sizeof(*q));
}

static void link_down(struct link *l)
{
	struct snode *ns[2] = {l->a, l->b};

	if (!l->up)
		return;
	l->up = false;
	for (int k = 0; k < 2; k++)
		for (struct job *j = ns[k]->jobs; j; j = j->next)
			if (j->link == l)
				j->link = NULL;
	ct_repl_peer_remove(l->a->r, l->pa);
	ct_repl_peer_remove(l->b->r, l->pb);
	q_free(&l->ab);
	q_free(&l->ba);
}

static void sim_free(struct sim *s)
{
	for (int i = 0; i < s->nlinks; i++)
		link_down(&s->links[i]);
	for (int i = 0; i < s->nnodes; i++) {
		struct snode *n = &s->nodes[i];
		ct_repl_free(n->r);
		ct_keypair_free(n->kp);
		for (size_t k = 0; k < n->nfeeds; k++) {
			for (size_t e = 0; e < n->feeds[k].n; e++)
				ct_buf_free(&n->feeds[k].e[e]);
			free(n->feeds[k].e);
		}
		while (n->jobs) {
			struct job *j = n->jobs;
			n->jobs = j->next;
			ct_buf_free(&j->bins);
			free(j);
		}
		while (n->fwds) {
			struct fwd *w = n->fwds;
			n->fwds = w->next;
			ct_buf_free(&w->a);
			ct_buf_free(&w->b);
			free(w);
		}
		while (n->serves) {
			struct serve *sv = n->serves;
			n->serves = sv->next;
			free(sv);
		}
	}
}

/* ---- running -------------------------------------------------------------- */

/* One served want or push: its entries in messages of CHUNK, the last flagged. */
static void run_serve(struct sim *s, struct snode *n)
{
	struct serve *sv = n->serves;
	struct sfeed *f;
	ct_buf msg = CT_BUF_INIT;
	uint64_t at, end;

	n->serves = sv->next;
	if (!n->serves)
		n->serves_tail = &n->serves;
	if (sv->link->up) {
		ct_rpeer *p = n == sv->link->a ? sv->link->pa : sv->link->pb;
		f = sfeed_get(n, sv->author);
		end = sv->to < f->n ? sv->to : f->n;
		at = sv->from;
		do {
			uint64_t stop = at + CHUNK - 1 < end ? at + CHUNK - 1 : end;
			uint32_t count = at <= end ? (uint32_t)(stop - at + 1) : 0;
			bool last = at + count > end;
			msg.len = 0;
			CT_OK_OR_FAIL(ct_msg_entries_begin(&msg, sv->author, at,
							   (sv->flags & CT_ENTRIES_PUSH) ? CT_ENTRIES_PUSH
							   : last			 ? CT_ENTRIES_LAST
											 : 0,
							   count));
			for (uint64_t k = at; k < at + count; k++)
				CT_OK_OR_FAIL(ct_mp_put_bin(&msg, f->e[k - 1].ptr, f->e[k - 1].len));
			q_put(outq(sv->link, n), msg.ptr, msg.len);
			at += count;
			if (last)
				break;
		} while (1);
		if (!(sv->flags & CT_ENTRIES_PUSH))
			ct_repl_served(n->r, p, sv->author);
	}
	ct_buf_free(&msg);
	free(sv);
	(void)s;
}

/* Verifies and applies one job like the node's writer; reports the outcome. */
static void run_job(struct sim *s, struct snode *n)
{
	struct job *j = n->jobs;
	ct_mp items = ct_mp_over(j->bins.ptr, j->bins.len);
	struct sfeed *f = sfeed_get(n, j->author);
	uint8_t head[CT_HASH_BYTES];
	int err = 0;

	n->jobs = j->next;
	if (!n->jobs)
		n->jobs_tail = &n->jobs;
	for (uint32_t k = 0; k < j->count && err == 0; k++) {
		const uint8_t *raw;
		size_t len;
		ct_entry e;
		assert_int_equal(ct_mp_read_bin(&items, &raw, &len), 0);
		if ((err = ct_entry_decode(&e, raw, len)) < 0)
			break;
		if (ct_entry_verify(&e) < 0) {
			err = CT_EBADSIG;
			break;
		}
		if (memcmp(e.author, j->author, CT_KEY_BYTES) || e.seq != j->from + k) {
			err = CT_EINVAL;
			break;
		}
		if (f->forked) {
			err = CT_EFROZEN;
			break;
		}
		if (e.seq <= f->n) {
			if (f->e[e.seq - 1].len == len && !memcmp(f->e[e.seq - 1].ptr, raw, len)) {
				n->duplicates++;
				continue;
			}
			f->forked = true; /* keep the first, record the proof */
			n->forks_recorded++;
			ct_repl_fork_recorded(n->r, f->e[e.seq - 1].ptr, f->e[e.seq - 1].len, raw, len, NULL);
			break;
		}
		if (e.seq > f->n + 1) {
			err = CT_ESEQ;
			break;
		}
		head_hash(f, head);
		if (e.seq > 1 && memcmp(e.prev, head, CT_HASH_BYTES)) {
			f->forked = true;
			n->forks_recorded++;
			ct_repl_fork_recorded(n->r, f->e[f->n - 1].ptr, f->e[f->n - 1].len, raw, len, NULL);
			break;
		}
		sfeed_push(f, raw, len);
		n->ingested++;
	}
	if (j->link && j->link->up) {
		ct_rpeer *p = n == j->link->a ? j->link->pa : j->link->pb;
		if (ct_repl_ingested(n->r, p, j->author, j->gen, err, f->n) < 0)
			j->link->drop = true;
	} else {
		ct_repl_ingested(n->r, NULL, j->author, j->gen, err, f->n);
	}
	push_heads(n);
	ct_buf_free(&j->bins);
	free(j);
	(void)s;
}

static bool deliver_one(struct sim *s, struct link *l, bool to_b)
{
	struct msgq *q = to_b ? &l->ab : &l->ba;
	struct snode *n = to_b ? l->b : l->a;
	ct_rpeer *p = to_b ? l->pb : l->pa;
	ct_buf m;

	if (!l->up || q->n == 0)
		return false;
	m = q->m[q->head++];
	q->n--;
	if (ct_repl_receive(n->r, p, m.ptr, m.len, s->now) < 0) {
		fail_msg("node %d refused a message from node %d: %s", n->id, (to_b ? l->a : l->b)->id,
			 ct_error_last());
	}
	ct_buf_free(&m);
	return true;
}

/* Passes a fork proof learnt from a peer on to the others, as the node does once it is stored. */
static void run_fwd(struct snode *n)
{
	struct fwd *w = n->fwds;
	ct_rpeer *origin = NULL;

	n->fwds = w->next;
	if (w->origin && w->origin->up)
		origin = n == w->origin->a ? w->origin->pa : w->origin->pb;
	ct_repl_fork_recorded(n->r, w->a.ptr, w->a.len, w->b.ptr, w->b.len, origin);
	push_heads(n);
	ct_buf_free(&w->a);
	ct_buf_free(&w->b);
	free(w);
}

/* Runs random steps until nothing is left to do; returns the number of steps. */
static int run(struct sim *s, int max_steps)
{
	int steps = 0;

	while (steps < max_steps) {
		int choices[3 * MAX_LINKS + 2 * MAX_NODES], nc = 0, c;
		bool forwarded = false;
		for (int i = 0; i < s->nlinks; i++) {
			struct link *l = &s->links[i];
			if (l->drop)
				fail_msg("link %d-%d asked to disconnect: %s", l->a->id, l->b->id,
					 ct_error_last());
			if (l->up && l->ab.n)
				choices[nc++] = i;
			if (l->up && l->ba.n)
				choices[nc++] = MAX_LINKS + i;
		}
		for (int i = 0; i < s->nnodes; i++) {
			if (s->nodes[i].fwds) {
				run_fwd(&s->nodes[i]);
				forwarded = true;
			}
			if (s->nodes[i].jobs)
				choices[nc++] = 2 * MAX_LINKS + i;
			if (s->nodes[i].serves)
				choices[nc++] = 2 * MAX_LINKS + MAX_NODES + i;
		}
		if (forwarded)
			continue;
		if (nc == 0)
			break;
		c = choices[ct_test_rand(&s->rng) % (uint64_t)nc];
		if (c < MAX_LINKS)
			deliver_one(s, &s->links[c], true);
		else if (c < 2 * MAX_LINKS)
			deliver_one(s, &s->links[c - MAX_LINKS], false);
		else if (c < 2 * MAX_LINKS + MAX_NODES)
			run_job(s, &s->nodes[c - 2 * MAX_LINKS]);
		else
			run_serve(s, &s->nodes[c - 2 * MAX_LINKS - MAX_NODES]);
		s->now += 1;
		steps++;
	}
	return steps;
}

/* Every node holds every feed completely. */
static void assert_converged(struct sim *s, size_t feeds, const uint64_t *sizes)
{
	for (int i = 0; i < s->nnodes; i++) {
		struct snode *n = &s->nodes[i];
		for (size_t k = 0; k < feeds; k++) {
			struct sfeed *f = sfeed_get(n, ct_keypair_public(s->nodes[k].kp));
			if (f->n != sizes[k])
				fail_msg("node %d holds %zu entries of node %zu's feed, not %llu", i, f->n, k,
					 (unsigned long long)sizes[k]);
		}
	}
}

static void sim_start(struct sim *s, int nodes, const char *name)
{
	memset(s, 0, sizeof(*s));
	the_sim = s;
	s->rng = ct_test_seed(name);
	for (int i = 0; i < nodes; i++)
		node_init(s, i);
	s->now = 1000;
}

/* ---- convergence ---------------------------------------------------------- */

static void test_catch_up(void **state)
{
	struct sim s;
	uint64_t sizes[2] = {1050, 0};

	(void)state;
	sim_start(&s, 2, "test_catch_up");
	sim_append(&s.nodes[0], 1050);
	connect_nodes(&s, 0, 1);
	run(&s, 100000);
	assert_converged(&s, 2, sizes);
	/* windows of 100: 11 wants, and nothing fetched twice */
	assert_int_equal(s.links[0].wants_ba, 11);
	assert_int_equal(s.nodes[1].ingested, 1050);
	assert_int_equal(s.nodes[1].duplicates, 0);
	sim_free(&s);
}

/* Connected and caught up: new entries are pushed, no want needed; a long gap is announced. */
static void test_live_push_and_have(void **state)
{
	struct sim s;
	uint64_t sizes[2] = {5, 0};
	int wants;

	(void)state;
	sim_start(&s, 2, "test_live_push_and_have");
	sim_append(&s.nodes[0], 5);
	connect_nodes(&s, 0, 1);
	run(&s, 100000);
	assert_converged(&s, 2, sizes);
	wants = s.links[0].wants_ba;
	sim_append(&s.nodes[0], 3);
	sizes[0] = 8;
	run(&s, 100000);
	assert_converged(&s, 2, sizes);
	assert_int_equal(s.links[0].wants_ba, wants); /* pushed */
	sim_append(&s.nodes[0], 150);		      /* over push_max: a have, then wants */
	sizes[0] = 158;
	run(&s, 100000);
	assert_converged(&s, 2, sizes);
	assert_true(s.links[0].wants_ba >= wants + 2);
	assert_int_equal(s.nodes[1].duplicates, 0);
	sim_free(&s);
}

/* Seven nodes in a line, then a ring, writing while they replicate: all converge, relaying. */
static void run_topology(bool ring, const char *name)
{
	struct sim s;
	uint64_t sizes[7];
	uint64_t dup = 0, ing = 0;

	sim_start(&s, 7, name);
	for (int i = 0; i < 7; i++) {
		sizes[i] = 30 + 17 * (uint64_t)i;
		sim_append(&s.nodes[i], (unsigned)(sizes[i] - 10));
	}
	for (int i = 0; i + 1 < 7; i++)
		connect_nodes(&s, i, i + 1);
	if (ring)
		connect_nodes(&s, 6, 0);
	for (int round = 0; round < 10; round++) {
		run(&s, 40 + (int)(ct_test_rand(&s.rng) % 200));
		sim_append(&s.nodes[ct_test_rand(&s.rng) % 7], 1); /* live writes meanwhile */
	}
	for (int i = 0; i < 7; i++)
		sizes[i] = sfeed_get(&s.nodes[i], ct_keypair_public(s.nodes[i].kp))->n;
	run(&s, 1000000);
	assert_converged(&s, 7, sizes);
	for (int i = 0; i < 7; i++) {
		dup += s.nodes[i].duplicates;
		ing += s.nodes[i].ingested;
	}
	/* every node took every foreign entry once; duplicates only from racing pushes */
	assert_true(dup * 10 < ing);
	sim_free(&s);
}

static void test_line(void **state)
{
	(void)state;
	run_topology(false, "test_line");
}

static void test_ring(void **state)
{
	(void)state;
	run_topology(true, "test_ring");
}

/* A peer that goes away mid-fetch: the rest comes from another. */
static void test_claim_moves_when_peer_leaves(void **state)
{
	struct sim s;
	uint64_t sizes[3] = {600, 0, 0};

	(void)state;
	sim_start(&s, 3, "test_claim_moves_when_peer_leaves");
	sim_append(&s.nodes[0], 600);
	connect_nodes(&s, 0, 1);
	run(&s, 100000);
	connect_nodes(&s, 1, 2); /* 2 fetches from 1 */
	run(&s, 30);
	connect_nodes(&s, 0, 2); /* hello from 0 arrives while 1 is being asked */
	run(&s, 20);
	link_down(&s.links[1]);
	run(&s, 100000);
	assert_converged(&s, 3, sizes);
	sim_free(&s);
}

/* Two versions of entry 3 of one feed: a probe finds it, every node learns of the fork. */
static void test_probe_finds_fork(void **state)
{
	struct sim s;
	ct_keypair *lab = ct_test_keypair(150);
	ct_buf e = CT_BUF_INIT;
	uint8_t prev[CT_HASH_BYTES];
	struct sfeed *fa, *fb;

	(void)state;
	sim_start(&s, 3, "test_probe_finds_fork");
	fa = sfeed_get(&s.nodes[0], ct_keypair_public(lab));
	fb = sfeed_get(&s.nodes[1], ct_keypair_public(lab));
	for (uint64_t seq = 1; seq <= 3; seq++) {
		head_hash(fa, prev);
		fx_entry(&e, lab, seq, seq > 1 ? prev : NULL, seq == 3 ? "A-3" : "SAME");
		sfeed_push(fa, e.ptr, e.len);
		if (seq == 3)
			fx_entry(&e, lab, seq, prev, "B-3");
		sfeed_push(fb, e.ptr, e.len);
	}
	push_heads(&s.nodes[0]);
	push_heads(&s.nodes[1]);
	connect_nodes(&s, 0, 1);
	connect_nodes(&s, 1, 2);
	run(&s, 100000);
	assert_true(fa->forked || fb->forked);
	assert_true(sfeed_get(&s.nodes[2], ct_keypair_public(lab))->forked);
	assert_int_equal(fa->n, 3);
	assert_int_equal(fb->n, 3);
	ct_buf_free(&e);
	ct_keypair_free(lab);
	sim_free(&s);
}

/* A peer reports our own feed longer than we hold it: persisted once, and fetched back. */
static void test_remote_size_of_own_feed(void **state)
{
	struct sim s;
	struct sfeed *own, *copy;

	(void)state;
	sim_start(&s, 2, "test_remote_size_of_own_feed");
	sim_sign(&s.nodes[0], 30);
	own = sfeed_get(&s.nodes[0], ct_keypair_public(s.nodes[0].kp));
	copy = sfeed_get(&s.nodes[1], ct_keypair_public(s.nodes[0].kp));
	for (size_t k = 0; k < own->n; k++)
		sfeed_push(copy, own->e[k].ptr, own->e[k].len);
	push_heads(&s.nodes[1]);
	/* node 0 restored from a backup holding 10 of its 30 entries */
	for (size_t k = 10; k < own->n; k++)
		ct_buf_free(&own->e[k]);
	own->n = 10;
	push_heads(&s.nodes[0]);
	connect_nodes(&s, 0, 1);
	run(&s, 100000);
	assert_int_equal(s.nodes[0].remote_size, 30);
	assert_int_equal(own->n, 30);
	sim_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_catch_up),
	    cmocka_unit_test(test_live_push_and_have),
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_ring),
	    cmocka_unit_test(test_claim_moves_when_peer_leaves),
	    cmocka_unit_test(test_probe_finds_fork),
	    cmocka_unit_test(test_remote_size_of_own_feed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
