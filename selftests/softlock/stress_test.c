// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test - every kind of request at once, for a fixed number of
 * operations (never a time limit, never a sleep), each thread on its own
 * socket:
 *
 *   replacer  replaces origin "o1" with rising generations, 2,000 locks in
 *             batches, plus aborted and stale attempts
 *   adder     adds and deletes locks of origin "local" on its own pcpis
 *   dumper    dumps with and without filters, checking every lock
 *   checker   CHECKs random pcpis of both
 *   pooler    dumps the pools
 *   guard     sends real "delete <id>" messages for o1 pcpis to an empty
 *             dm-thin pool named like the softlock pool
 *
 * The family runs its requests in parallel (parallel_ops); changes to the
 * table and dumps take the table's mutex, so those interleave request by
 * request, while checks and the guard run under RCU, truly in parallel
 * with all of them.
 *
 * The threads touch disjoint pcpis and origins, so every result is
 * predictable: any unexpected errno or value is a failure. The replacer
 * publishes the generation it is committing and the last one committed;
 * a reader that saw both equal around its request knows the exact o1 set
 * it must see. Finally the whole table is compared with the last
 * committed set plus the adder's own record of its locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sl_test.h"
#include "kselftest_harness.h"

/* Sized so the run takes about a minute under QEMU TCG on 2 vCPUs. */
#define R_ITERS		60	/* o1 replaces (each 4-7 requests) */
#define A_OPS		12000	/* local adds and deletes */
#define D_OPS		240	/* lock dumps */
#define C_OPS		12000	/* checks */
#define P_OPS		3000	/* pool dumps */
#define G_OPS		12000	/* guarded deletes */

#define O1_RANGE	3000u	/* o1 pcpis 1..3000 */
#define SET_N		2000u	/* locks per o1 set */
#define SET_STRIDE	131u	/* set(g) starts at pcpi 1 + g * 131 */
#define L_BASE		100001u	/* local pcpis 100001..100500 */
#define L_N		500u

struct shared {
	char pool[64];
	atomic_uint_fast64_t committing;	/* commit sent for this gen */
	atomic_uint_fast64_t committed;		/* ... and acknowledged */
};

struct worker {
	void *(*fn)(void *arg);
	double secs;
	struct shared *sh;
	struct conn c;
	uint32_t rnd;
	unsigned long ops, bad;
	char why[WHY_LEN];
	uint8_t held[L_N];		/* adder: its live locks */
	/* dumper, per dump */
	long long filter_pcpi;
	const char *filter_origin;
	uint64_t lo, hi, last_gen;
	unsigned long n_o1;
	uint8_t seen[O1_RANGE + 1];
};

static uint32_t rnd(struct worker *w)
{
	/* xorshift32: cheap, reproducible from the logged seed */
	w->rnd ^= w->rnd << 13;
	w->rnd ^= w->rnd >> 17;
	w->rnd ^= w->rnd << 5;
	return w->rnd;
}

/* o1 set of generation @g: SET_N consecutive pcpis (mod 3000). */
static bool in_set(uint64_t g, uint32_t p)
{
	if (p < 1 || p > O1_RANGE)
		return false;
	return (p - 1 + O1_RANGE - (g * SET_STRIDE) % O1_RANGE) % O1_RANGE < SET_N;
}

static void gen_o1(unsigned int i, struct entry *e, const void *arg)
{
	uint64_t g = *(const uint64_t *)arg;

	e->pcpi = 1 + (g * SET_STRIDE + i) % O1_RANGE;
	e->type = SOFTLOCK_LOCK_TYPE_DEST_PATH;
	snprintf(e->text, sizeof(e->text), "g%" PRIu64 "-%u", g, e->pcpi);
}

static void local_text(char *buf, size_t size, uint32_t p)
{
	snprintf(buf, size, "l-%u", p);
}

/* Record an unexpected netlink result; true when it was one. */
static bool bad_err(struct worker *w, int err, int want, const char *op)
{
	if (err == want)
		return false;
	fail_why(w->why, &w->bad, "%s: %s, expected %s (extack \"%s\")", op,
		 strerror(-err), want ? strerror(-want) : "success",
		 sl_nl_extack(w->c.nl));
	return true;
}

static void *replacer(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const char *pool = sh->pool;
	uint64_t g = atomic_load(&sh->committed);
	uint32_t count;
	int i;

	for (i = 0; i < R_ITERS; i++, w->ops++) {
		if (i % 4 == 1)	/* the committed generation is stale */
			bad_err(w, rp_op(&w->c, SOFTLOCK_CMD_REPLACE_BEGIN,
					 pool, "o1", g, NULL), -ESTALE, "stale");
		g++;
		if (i % 5 == 2) {	/* staged then dropped: never seen */
			bad_err(w, rp_op(&w->c, SOFTLOCK_CMD_REPLACE_BEGIN,
					 pool, "o1", g, NULL), 0, "begin");
			bad_err(w, stage(&w->c, pool, "o1", g, 0, SET_N / 4,
					 0, gen_o1, &g), 0, "stage");
			bad_err(w, rp_op(&w->c, SOFTLOCK_CMD_REPLACE_ABORT,
					 pool, "o1", g, NULL), 0, "abort");
		}
		if (bad_err(w, rp_op(&w->c, SOFTLOCK_CMD_REPLACE_BEGIN, pool,
				     "o1", g, NULL), 0, "begin") ||
		    bad_err(w, stage(&w->c, pool, "o1", g, 0, SET_N, 500,
				     gen_o1, &g), 0, "stage"))
			break;
		atomic_store(&sh->committing, g);
		if (bad_err(w, rp_op(&w->c, SOFTLOCK_CMD_REPLACE_COMMIT, pool,
				     "o1", g, &count), 0, "commit"))
			break;
		if (count != SET_N)
			fail_why(w->why, &w->bad, "commit %" PRIu64 ": %u", g,
				 count);
		atomic_store(&sh->committed, g);
	}
	return NULL;
}

static void *adder(void *arg)
{
	struct worker *w = arg;
	const char *pool = w->sh->pool;
	uint32_t i, p, count;
	char text[32];
	int err;

	for (; w->ops < A_OPS; w->ops++) {
		i = rnd(w) % L_N;
		p = L_BASE + i;
		local_text(text, sizeof(text), p);
		if (!w->held[i] && rnd(w) % 8 == 0) {
			/* Nothing to delete: ENOENT, never another's lock. */
			bad_err(w, del_locks(&w->c, pool, p, "local", &count),
				-ENOENT, "del of a free pcpi");
		} else if (!w->held[i] || rnd(w) % 4 == 0) {
			/* A repeated add refreshes the same lock. */
			err = sl_nl_add(w->c.nl, pool, p,
					SOFTLOCK_LOCK_TYPE_APP, text,
					rnd(w) % 2 ? "local" : NULL);
			if (!bad_err(w, err, 0, "add"))
				w->held[i] = 1;
		} else {
			err = del_locks(&w->c, pool, p,
					rnd(w) % 2 ? "local" : NULL, &count);
			if (!bad_err(w, err, 0, "del") && count != 1)
				fail_why(w->why, &w->bad,
					 "del %u removed %u", p, count);
			w->held[i] = 0;
		}
	}
	return NULL;
}

/* Judge one dumped lock against the filters and the generation window. */
static void dump_lock(const struct lockv *lv, void *arg)
{
	struct worker *w = arg;
	char want[48];

	if (strcmp(lv->pool, w->sh->pool))
		return;		/* not this test's pool */
	if ((w->filter_pcpi >= 0 && lv->pcpi != w->filter_pcpi) ||
	    (w->filter_origin && strcmp(lv->origin, w->filter_origin)) ||
	    lv->expires || !lv->text[0] || lv->dataset[0]) {
		fail_why(w->why, &w->bad, "bad lock %u %s \"%s\"", lv->pcpi,
			 lv->origin, lv->text);
	} else if (!strcmp(lv->origin, "o1")) {
		snprintf(want, sizeof(want), "g%" PRIu64 "-%u", lv->gen,
			 lv->pcpi);
		/* Dumps go by lock age: generations never go back. */
		if (lv->gen < w->lo || lv->gen > w->hi || lv->gen < w->last_gen ||
		    !in_set(lv->gen, lv->pcpi) || strcmp(lv->text, want) ||
		    lv->type != SOFTLOCK_LOCK_TYPE_DEST_PATH)
			fail_why(w->why, &w->bad,
				 "o1 lock %u \"%s\" gen %" PRIu64 " outside %"
				 PRIu64 "..%" PRIu64 " (last %" PRIu64 ")",
				 lv->pcpi, lv->text, lv->gen, w->lo, w->hi,
				 w->last_gen);
		else {
			if (lv->gen != w->last_gen)
				memset(w->seen, 0, sizeof(w->seen));
			w->last_gen = lv->gen;
			if (w->seen[lv->pcpi]++)
				fail_why(w->why, &w->bad, "o1 %u twice",
					 lv->pcpi);
			w->n_o1 += lv->gen == w->lo;
		}
	} else if (!strcmp(lv->origin, "local")) {
		/*
		 * No duplicate check: a lock deleted and added again while
		 * the dump runs is a new lock, met again further on.
		 */
		local_text(want, sizeof(want), lv->pcpi);
		if (lv->pcpi < L_BASE || lv->pcpi >= L_BASE + L_N || lv->gen ||
		    strcmp(lv->text, want) || lv->type != SOFTLOCK_LOCK_TYPE_APP)
			fail_why(w->why, &w->bad, "local lock %u \"%s\" gen %"
				 PRIu64 " type %u", lv->pcpi, lv->text,
				 lv->gen, lv->type);
	} else {
		fail_why(w->why, &w->bad, "origin %s", lv->origin);
	}
}

static void *dumper(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	unsigned long want;
	const char *pool;
	int kind, err;

	for (; w->ops < D_OPS; w->ops++) {
		kind = w->ops % 6;
		/* 0: none, 1: pool, 2/3: pool+origin, 4: pool+pcpi, 5: origin */
		pool = kind && kind < 5 ? sh->pool : NULL;
		w->filter_origin = kind == 2 || kind == 5 ? "o1" :
				   kind == 3 ? "local" : NULL;
		w->filter_pcpi = -1;
		if (kind == 4)
			w->filter_pcpi = rnd(w) % 2 ? 1 + rnd(w) % O1_RANGE :
					 L_BASE + rnd(w) % L_N;
		w->last_gen = 0;
		w->n_o1 = 0;
		memset(w->seen, 0, sizeof(w->seen));
		w->lo = atomic_load(&sh->committed);
		w->hi = ~0ull;	/* judged after the dump: see below */
		err = dump_locks(&w->c, pool, w->filter_origin, w->filter_pcpi,
				 dump_lock, w, NULL);
		if (bad_err(w, err, 0, "dump"))
			continue;
		/* No commit around the dump: it saw the whole set, exactly. */
		want = kind == 3 ? 0 : kind != 4 ? SET_N :
		       in_set(w->lo, w->filter_pcpi);
		if (w->lo == atomic_load(&sh->committing) && w->n_o1 != want)
			fail_why(w->why, &w->bad, "dump %d: %lu locks of gen %"
				 PRIu64 ", want %lu", kind, w->n_o1, w->lo, want);
		if (w->last_gen > atomic_load(&sh->committing))
			fail_why(w->why, &w->bad, "dump saw uncommitted gen %"
				 PRIu64, w->last_gen);
	}
	return NULL;
}

static void *checker(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	char want[48];
	struct verdict v;
	uint64_t lo, hi, g;
	uint32_t p;

	for (; w->ops < C_OPS; w->ops++) {
		bool o1 = rnd(w) % 2;

		p = o1 ? 1 + rnd(w) % O1_RANGE : L_BASE + rnd(w) % L_N;
		lo = atomic_load(&sh->committed);
		if (bad_err(w, check(&w->c, sh->pool, p, &v), 0, "check"))
			continue;
		hi = atomic_load(&sh->committing);
		if (v.reason != (v.count ? SOFTLOCK_REASON_LOCKED :
			       SOFTLOCK_REASON_NONE) || v.count > 2 ||
		    (v.count && strcmp(v.origin, o1 ? "o1" : "local"))) {
			fail_why(w->why, &w->bad, "check %u: reason %u count %u origin %s",
				 p, v.reason, v.count, v.origin);
			continue;
		}
		if (!o1) {
			local_text(want, sizeof(want), p);
			if (v.count > 1 || (v.count && strcmp(v.text, want)))
				fail_why(w->why, &w->bad, "check %u: %u \"%s\"",
					 p, v.count, v.text);
			continue;
		}
		/* Unlocked only if some set active meanwhile lacks p. */
		for (g = lo; !v.count && g <= hi && in_set(g, p); g++)
			;
		if (!v.count && g > hi)
			fail_why(w->why, &w->bad, "o1 %u free in gens %" PRIu64
				 "..%" PRIu64, p, lo, hi);
		if (v.count && (sscanf(v.text, "g%" SCNu64, &g) != 1 ||
				g < lo || g > hi || !in_set(g, p)))
			fail_why(w->why, &w->bad, "o1 %u \"%s\" in gens %" PRIu64
				 "..%" PRIu64, p, v.text, lo, hi);
		if (lo == hi && v.count != in_set(lo, p))
			fail_why(w->why, &w->bad, "o1 %u count %u at gen %" PRIu64,
				 p, v.count, lo);
	}
	return NULL;
}

static void *pooler(void *arg)
{
	struct worker *w = arg;
	struct poolv pv;

	for (; w->ops < P_OPS; w->ops++) {
		if (bad_err(w, pool_get(&w->c, w->sh->pool, &pv), 0, "pools"))
			continue;
		/* o1 always has one whole committed set; staging is o1's. */
		if (pv.found != 1 || pv.count < SET_N || pv.count > SET_N + L_N ||
		    pv.pcpis < SET_N || pv.pcpis > pv.count || pv.staged > SET_N)
			fail_why(w->why, &w->bad,
				 "pool x%u: %u locks, %u pcpis, %u staged",
				 pv.found, pv.count, pv.pcpis, pv.staged);
	}
	return NULL;
}

/*
 * The guard's verdict on a random o1 pcpi, by a real delete: refused
 * (-EBUSY) or let through to dm-thin, which finds no such thin device
 * (-ENODATA). Either must match some o1 set active meanwhile.
 */
static void *guard(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	uint64_t lo, hi, g;
	bool locked;
	uint32_t p;
	int ctl, err;

	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		fail_why(w->why, &w->bad, "dm control: %s", strerror(errno));
		return NULL;
	}
	for (; w->ops < G_OPS; w->ops++) {
		p = 1 + rnd(w) % O1_RANGE;
		lo = atomic_load(&sh->committed);
		err = dm_delete(ctl, sh->pool, p);
		hi = atomic_load(&sh->committing);
		if (err != -EBUSY && err != -ENODATA) {
			fail_why(w->why, &w->bad, "delete %u: %s", p,
				 strerror(-err));
			continue;
		}
		locked = err == -EBUSY;
		for (g = lo; g <= hi && in_set(g, p) != locked; g++)
			;
		if (g > hi)
			fail_why(w->why, &w->bad, "delete %u %s in gens %"
				 PRIu64 "..%" PRIu64, p,
				 locked ? "refused" : "let through", lo, hi);
	}
	close(ctl);
	return NULL;
}

/* The final table: the last o1 set and the adder's locks, exactly. */
static bool want_o1(uint32_t p, struct entry *e, const void *arg)
{
	uint64_t g = *(const uint64_t *)arg;

	memset(e, 0, sizeof(*e));
	e->pcpi = p;
	e->type = SOFTLOCK_LOCK_TYPE_DEST_PATH;
	snprintf(e->text, sizeof(e->text), "g%" PRIu64 "-%u", g, p);
	return in_set(g, p);
}

static bool want_held(uint32_t p, struct entry *e, const void *arg)
{
	const uint8_t *held = arg;

	memset(e, 0, sizeof(*e));
	e->pcpi = p;
	e->type = SOFTLOCK_LOCK_TYPE_APP;
	local_text(e->text, sizeof(e->text), p);
	return p >= L_BASE && p < L_BASE + L_N && held[p - L_BASE];
}

enum { REPLACER, ADDER, DUMPER, CHECKER, POOLER, GUARD, NR_WORKERS };

static void *(*const work[NR_WORKERS])(void *) = {
	replacer, adder, dumper, checker, pooler, guard,
};

static const char *const names[NR_WORKERS] = {
	"replacer", "adder", "dumper", "checker", "pooler", "guard",
};

static const unsigned long quota[NR_WORKERS] = {
	R_ITERS, A_OPS, D_OPS, C_OPS, P_OPS, G_OPS,
};

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	double t = now_s();

	w->fn(w);
	w->secs = now_s() - t;
	return NULL;
}

FIXTURE(st) {
	struct shared sh;
	struct worker *w;
	bool dm;		/* a thin pool to remove */
};

FIXTURE_SETUP(st)
{
	struct conn c;
	int err = conn_open(&c);

	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	conn_close(&c);
	snprintf(self->sh.pool, sizeof(self->sh.pool), "st-%d", getpid());
	self->w = calloc(NR_WORKERS, sizeof(*self->w));
	ASSERT_NE(NULL, self->w);
}

FIXTURE_TEARDOWN(st)
{
	unsigned int i;

	for (i = 0; self->w && i < NR_WORKERS; i++)
		conn_close(&self->w[i].c);
	free(self->w);
	if (self->dm && dm_pool_down(self->sh.pool))
		TH_LOG("removing thin pool %s failed", self->sh.pool);
}

TEST_F_TIMEOUT(st, parallel, 600)
{
	struct worker *w = self->w, *a = &w[ADDER];
	uint32_t seed = time(NULL) ^ getpid(), count, i, p;
	pthread_t th[NR_WORKERS];
	struct expect xo = { .pool = self->sh.pool, .origin = "o1",
			     .max_pcpi = O1_RANGE, .want = want_o1 };
	struct expect xl = { .pool = self->sh.pool, .origin = "local",
			     .max_pcpi = L_BASE + L_N, .want = want_held,
			     .arg = a->held };
	struct verdict v;
	struct poolv pv;
	uint64_t g = 1;

	TH_LOG("seed %u", seed);
	for (i = 0; i < NR_WORKERS; i++) {
		w[i].fn = work[i];
		w[i].sh = &self->sh;
		w[i].rnd = (seed + i * 0x9e3779b9u) | 1;
		ASSERT_EQ(0, conn_open(&w[i].c));
	}
	self->dm = true;
	ASSERT_EQ(0, dm_pool_up(self->sh.pool));
	/* Generation 1 first, so o1 always has a whole committed set. */
	ASSERT_EQ(0, rp_op(&w[0].c, SOFTLOCK_CMD_REPLACE_BEGIN, self->sh.pool,
			   "o1", g, NULL));
	ASSERT_EQ(0, stage(&w[0].c, self->sh.pool, "o1", g, 0, SET_N, 0,
			   gen_o1, &g));
	ASSERT_EQ(0, rp_op(&w[0].c, SOFTLOCK_CMD_REPLACE_COMMIT, self->sh.pool,
			   "o1", g, &count));
	ASSERT_EQ(SET_N, count);
	atomic_store(&self->sh.committing, g);
	atomic_store(&self->sh.committed, g);

	for (i = 0; i < NR_WORKERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, run_worker, &w[i]));
	for (i = 0; i < NR_WORKERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NR_WORKERS; i++) {
		EXPECT_EQ(0ul, w[i].bad)
			TH_LOG("%s: %lu failures, first: %s", names[i],
			       w[i].bad, w[i].why);
		EXPECT_EQ(quota[i], w[i].ops) TH_LOG("%s", names[i]);
		TH_LOG("%s: %lu ops in %.1fs", names[i], w[i].ops, w[i].secs);
	}
	g = atomic_load(&self->sh.committed);
	ASSERT_EQ((uint64_t)(1 + R_ITERS), g);
	xo.gen = g;
	xo.arg = &g;

	/* Each origin's dump against the last set and the adder's record. */
	ASSERT_EQ(0, dump_expect(&a->c, &xo));
	EXPECT_EQ(0ul, xo.bad) TH_LOG("o1: %s", xo.why);
	EXPECT_EQ(SET_N, xo.n);
	ASSERT_EQ(0, dump_expect(&a->c, &xl));
	EXPECT_EQ(0ul, xl.bad) TH_LOG("local: %s", xl.why);
	for (count = 0, i = 0; i < L_N; i++)
		count += a->held[i];
	EXPECT_EQ(count, xl.n);
	ASSERT_EQ(0, pool_get(&a->c, self->sh.pool, &pv));
	EXPECT_EQ(1u, pv.found);
	EXPECT_EQ(SET_N + count, pv.count);
	EXPECT_EQ(SET_N + count, pv.pcpis);
	EXPECT_EQ(0u, pv.staged);

	/* And what the guard would answer for every pcpi. */
	for (p = 1; p <= O1_RANGE; p++) {
		ASSERT_EQ(0, check(&a->c, self->sh.pool, p, &v));
		ASSERT_EQ((uint32_t)in_set(g, p), v.count) TH_LOG("o1 %u", p);
	}
	for (i = 0; i < L_N; i++) {
		ASSERT_EQ(0, check(&a->c, self->sh.pool, L_BASE + i, &v));
		ASSERT_EQ((uint32_t)a->held[i], v.count) TH_LOG("local %u", i);
	}
	TH_LOG("%u local locks left, o1 at generation %" PRIu64, count, g);
}

TEST_HARNESS_MAIN
