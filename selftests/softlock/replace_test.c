// SPDX-License-Identifier: GPL-2.0
/*
 * replace_test - the staged atomic replace of one origin's lock set.
 *
 * A mirror tool re-sends its whole lock set (one "origin") with a rising
 * generation: REPLACE_BEGIN, REPLACE_ADD in batches, REPLACE_COMMIT. These
 * tests check that the committed result is exact at 100,000 locks, that a
 * PCPI locked in both the old and the new set is never seen unlocked while
 * the swap happens, that stale generations are refused, that a failed batch
 * stages nothing, and that other origins are never touched.
 *
 * Cleanup: the runner unloads the module after each test program, which
 * frees every lock. The teardown still empties the origins it used (an
 * empty replace: BEGIN then COMMIT with nothing staged) so the 100k sets of
 * one test do not stay in memory during the next, best effort, and
 * removes the thin pool and loop devices no_gap creates.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sl_test.h"
#include "kselftest_harness.h"

#include "replace_sets.h"

FIXTURE(rp) {
	struct conn c;
	char pool[64];
	bool dm;		/* a thin pool to remove */
};

/* Shorthands: every request of a test goes to its own pool. */
#define RP(cmd, origin, gen, count) rp_op(&self->c, \
	SOFTLOCK_CMD_REPLACE_##cmd, self->pool, origin, gen, count)
#define STAGE(origin, gen, first, last, fn, arg) stage(&self->c, \
	self->pool, origin, gen, first, last, 0, fn, arg)
#define MB "mirror-b"

/* @call fails with @err and an extack message containing @substr. */
#define ASSERT_ERR_MSG(err, call, substr) do {				\
	ASSERT_EQ(err, call);						\
	ASSERT_NE(NULL, strstr(sl_nl_extack(self->c.nl), substr))	\
		TH_LOG("extack: \"%s\"", sl_nl_extack(self->c.nl));	\
} while (0)

FIXTURE_SETUP(rp)
{
	int err = conn_open(&self->c);

	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	snprintf(self->pool, sizeof(self->pool), "rp-%d", getpid());
}

FIXTURE_TEARDOWN(rp)
{
	static const char *const origins[] = { MB, "mirror-c", "local" };
	unsigned int i;

	if (self->dm && dm_pool_down(self->pool))
		TH_LOG("removing thin pool %s failed", self->pool);
	if (!self->c.nl)
		return;
	/* Best effort: an empty replace drops an origin's whole set. */
	for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++)
		if (!RP(BEGIN, origins[i], UINT64_MAX - 1, NULL))
			RP(COMMIT, origins[i], UINT64_MAX - 1, NULL);
	conn_close(&self->c);
}

/* Commit 100,000 locks and read every one back, exactly. */
TEST_F_TIMEOUT(rp, replace_100k, 600)
{
	struct expect x = { .pool = self->pool, .origin = MB, .gen = 1,
			    .max_pcpi = N100K + B_EXTRA, .want = want_a };
	struct poolv pv;
	uint32_t count;

	double t = now_s();

	ASSERT_EQ(0, RP(BEGIN, MB, 1, NULL));
	ASSERT_EQ(0, STAGE(MB, 1, 0, N100K, gen_a, NULL))
		TH_LOG("%s", sl_nl_extack(self->c.nl));
	TH_LOG("staged in %.1fs", now_s() - t);
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	ASSERT_EQ(1u, pv.found);
	EXPECT_EQ(0u, pv.count);
	EXPECT_EQ(N100K, pv.staged);
	t = now_s();
	ASSERT_EQ(0, RP(COMMIT, MB, 1, &count));
	ASSERT_EQ(N100K, count);
	TH_LOG("committed in %.2fs", now_s() - t);

	t = now_s();
	ASSERT_EQ(0, dump_expect(&self->c, &x));
	EXPECT_EQ(0ul, x.bad) TH_LOG("%s", x.why);
	EXPECT_EQ(N100K, x.n);
	TH_LOG("dumped and compared in %.1fs", now_s() - t);
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	ASSERT_EQ(1u, pv.found);
	EXPECT_EQ(N100K, pv.count);
	EXPECT_EQ(N100K, pv.pcpis);
	EXPECT_EQ(0u, pv.staged);
}

/*
 * no_gap's checker threads are in their own file; they use the sets and
 * MB above.
 */
#include "replace_gap.h"

/*
 * The mirror tool's resend must not open a window in which a snapshot
 * that is in both the old and the new set could be deleted.
 *
 * CHECK answers with sl_table_check(), the lookup the guard makes on the
 * dm-thin "delete" path, so it is a valid proxy for the verdict. But the
 * family is not parallel_ops: genetlink runs all its requests under
 * genl_mutex, so a CHECK can never run during a COMMIT and only shows the
 * states before and after. The guard runs outside genl_mutex, under RCU
 * only, so the second checker sends real "delete <id>" messages to an
 * empty thin pool named like the softlock pool: -EBUSY is the guard's
 * refusal, -ENODATA a delete it let through. That one does race the swap.
 */
TEST_F_TIMEOUT(rp, no_gap, 900)
{
	atomic_int phase = 0;
	struct gap_ctx g[2] = {
		{ .pool = self->pool, .phase = &phase },
		{ .pool = self->pool, .phase = &phase, .dm = true },
	};
	struct expect x = { .pool = self->pool, .origin = MB, .gen = 1,
			    .max_pcpi = N100K + B_EXTRA, .want = want_a };
	uint32_t *b_pcpis, *sample, p, count;
	unsigned int nb = 0, ns = 0, i;
	struct poolv pv;
	pthread_t th[2];
	double t;
	int ctl;

	b_pcpis = calloc(N100K, sizeof(*b_pcpis));
	sample = calloc(2000, sizeof(*sample));
	ASSERT_NE(NULL, b_pcpis);
	ASSERT_NE(NULL, sample);
	for (p = 1; p <= N100K + B_EXTRA; p++) {
		if (in_b(p))
			b_pcpis[nb++] = p;
		/* Every 101st shared pcpi, and all that change state. */
		if ((in_a(p) && in_b(p) && p % 101 == 0) || in_a(p) != in_b(p))
			sample[ns++] = p;
	}
	ASSERT_EQ(N100K, nb);
	for (i = 0; i < 2; i++) {
		g[i].sample = sample;
		g[i].nsample = ns;
	}

	self->dm = true;
	ASSERT_EQ(0, dm_pool_up(self->pool));
	ASSERT_EQ(0, RP(BEGIN, MB, 1, NULL));
	ASSERT_EQ(0, STAGE(MB, 1, 0, N100K, gen_a, NULL));
	ASSERT_EQ(0, RP(COMMIT, MB, 1, &count));
	ASSERT_EQ(N100K, count);
	/* The guard is armed and judges this pool. */
	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	EXPECT_EQ(-EBUSY, dm_delete(ctl, self->pool, 1));
	EXPECT_EQ(-ENODATA, dm_delete(ctl, self->pool, N100K + B_EXTRA + 1));
	close(ctl);

	/* From here to the join only EXPECT: an ASSERT would skip it. */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, gap_checker, &g[i]));
	wait_passes(g, 1);
	EXPECT_EQ(0, RP(BEGIN, MB, 2, NULL));
	EXPECT_EQ(0, STAGE(MB, 2, 0, N100K / 2, gen_b, b_pcpis));
	/* Half staged: nothing of B shows in the pool's counts or a dump. */
	EXPECT_EQ(0, pool_get(&self->c, self->pool, &pv));
	EXPECT_EQ(N100K, pv.count);
	EXPECT_EQ(N100K / 2, pv.staged);
	EXPECT_EQ(0, dump_expect(&self->c, &x));
	EXPECT_EQ(0ul, x.bad) TH_LOG("while staging: %s", x.why);
	EXPECT_EQ(0, STAGE(MB, 2, N100K / 2, N100K, gen_b, b_pcpis));
	wait_passes(g, 1);

	t = now_s();
	atomic_store(&phase, 1);
	EXPECT_EQ(0, RP(COMMIT, MB, 2, &count));
	atomic_store(&phase, 2);
	t = now_s() - t;
	EXPECT_EQ(N100K, count);
	wait_passes(g, 2);	/* so one whole pass saw the result */
	atomic_store(&phase, 3);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);

	for (i = 0; i < 2; i++) {
		TH_LOG("%s: %lu verdicts on %u pcpis, %lu during the %.2fs commit",
		       g[i].dm ? "deletes" : "checks", g[i].checks, ns,
		       g[i].during, t);
		EXPECT_EQ(0ul, g[i].bad) TH_LOG("%s", g[i].why);
		EXPECT_LE(4u, atomic_load(&g[i].passes));
	}
	/* Only the deletes can overlap the commit, given a second CPU. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		EXPECT_LT(0ul, g[1].during);

	/* After: exactly B (the checkers' last passes saw the same). */
	x.gen = 2;
	x.want = want_b;
	ASSERT_EQ(0, dump_expect(&self->c, &x));
	EXPECT_EQ(0ul, x.bad) TH_LOG("%s", x.why);
	EXPECT_EQ(N100K, x.n);
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	EXPECT_EQ(N100K, pv.count);
	EXPECT_EQ(N100K, pv.pcpis);
	EXPECT_EQ(0u, pv.staged);
	free(b_pcpis);
	free(sample);
}

static bool want_small(uint32_t p, struct entry *e, const void *arg)
{
	fill(e, p, arg, "");
	return p >= 1 && p <= 10;
}

static void gen_small(unsigned int i, struct entry *e, const void *arg)
{
	want_small(i + 1, e, arg);
}

/*
 * Generations only rise: BEGIN must name one above the committed set's,
 * and a newer BEGIN replaces an open staging (table.c sl_replace_begin
 * drops it), after which the older generation is refused everywhere.
 */
TEST_F_TIMEOUT(rp, stale, 120)
{
	struct expect x = { .pool = self->pool, .origin = MB, .gen = 5,
			    .max_pcpi = 20, .want = want_small, .arg = "g5-%u" };
	struct verdict v;
	struct poolv pv;
	uint32_t count;

	ASSERT_EQ(0, RP(BEGIN, MB, 5, NULL));
	ASSERT_EQ(0, STAGE(MB, 5, 0, 10, gen_small, "g5-%u"));
	ASSERT_EQ(0, RP(COMMIT, MB, 5, &count));
	ASSERT_EQ(10u, count);

	ASSERT_ERR_MSG(-ESTALE, RP(BEGIN, MB, 5, NULL), "stale");
	ASSERT_ERR_MSG(-ESTALE, RP(BEGIN, MB, 3, NULL), "stale");
	ASSERT_ERR_MSG(-ENOENT, RP(COMMIT, MB, 5, NULL), "no replace is open");

	ASSERT_EQ(0, RP(BEGIN, MB, 6, NULL));
	ASSERT_EQ(0, STAGE(MB, 6, 0, 10, gen_small, "g6-%u"));
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	ASSERT_EQ(10u, pv.staged);
	ASSERT_EQ(0, RP(BEGIN, MB, 7, NULL));
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	ASSERT_EQ(0u, pv.staged);
	ASSERT_EQ(10u, pv.count);
	ASSERT_ERR_MSG(-ESTALE, STAGE(MB, 6, 0, 1, gen_small, "g6-%u"),
		       "the open replace is 7");
	ASSERT_ERR_MSG(-ESTALE, RP(COMMIT, MB, 6, NULL), "stale");
	ASSERT_ERR_MSG(-ESTALE, RP(ABORT, MB, 6, NULL), "stale");

	/* Staged gen 7 is invisible, and abort leaves gen 5 as it was. */
	ASSERT_EQ(0, STAGE(MB, 7, 0, 10, gen_small, "g7-%u"));
	ASSERT_EQ(0, check(&self->c, self->pool, 3, &v));
	ASSERT_EQ(1u, v.count);
	ASSERT_STREQ("g5-3", v.text);
	ASSERT_EQ(0, RP(ABORT, MB, 7, NULL));
	ASSERT_ERR_MSG(-ENOENT, RP(COMMIT, MB, 7, NULL), "no replace is open");
	ASSERT_ERR_MSG(-ENOENT, STAGE(MB, 7, 0, 1, gen_small, "g7-%u"),
		       "no replace is open");
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	EXPECT_EQ(10u, pv.count);
	EXPECT_EQ(0u, pv.staged);
	ASSERT_EQ(0, dump_expect(&self->c, &x));
	EXPECT_EQ(0ul, x.bad) TH_LOG("%s", x.why);
	EXPECT_EQ(10ul, x.n);

	/* An aborted generation was never committed, so it is not stale. */
	ASSERT_EQ(0, RP(BEGIN, MB, 6, NULL));
	ASSERT_EQ(0, RP(ABORT, MB, 6, NULL));
}

/* *@arg, then locks "app-<i>" on pcpi 51 (the 1025th there fails). */
static void gen_overflow(unsigned int i, struct entry *e, const void *arg)
{
	if (!i) {
		*e = *(const struct entry *)arg;
		return;
	}
	e->pcpi = 51;
	e->type = SOFTLOCK_LOCK_TYPE_APP;
	snprintf(e->text, sizeof(e->text), "app-%u", i);
}

/* Ten fresh locks on pcpis 100..109, then *@arg. */
static void gen_tail(unsigned int i, struct entry *e, const void *arg)
{
	if (i == 10) {
		*e = *(const struct entry *)arg;
		return;
	}
	e->pcpi = 100 + i;
	e->type = SOFTLOCK_LOCK_TYPE_APP;
	snprintf(e->text, sizeof(e->text), "fresh-%u", i);
}

static bool want_ks(uint32_t p, struct entry *e, const void *arg)
{
	(void)arg;
	fill(e, p, p == 50 ? "keep" : "same", p == 50 ? "d1" : "");
	return p == 50 || p == 60;
}

/*
 * REPLACE_ADD is all or nothing per message: a batch that fails stages
 * nothing and leaves what is staged as it was. Here batches fail late,
 * after entries the module has to take back: on ENOSPC (the 1025th lock on
 * pcpi 51; the default max_locks_per_pcpi is 1024) and on EEXIST, a lock
 * (pcpi, type, text) staged already, by an earlier batch with another
 * dataset or expiry, or earlier in the same batch.
 */
TEST_F_TIMEOUT(rp, failed_add_is_atomic, 120)
{
	struct expect x = { .pool = self->pool, .origin = MB, .gen = 1,
			    .max_pcpi = 120, .want = want_ks };
	struct entry keep, same, e = { .pcpi = 51, .type = DEST_PATH,
				       .text = "x" };
	struct verdict v;
	struct poolv pv;
	uint32_t count, p;

	want_ks(50, &keep, NULL);
	want_ks(60, &same, NULL);
	ASSERT_EQ(0, RP(BEGIN, MB, 1, NULL));
	ASSERT_EQ(0, STAGE(MB, 1, 0, 1, gen_overflow, &keep));
	ASSERT_EQ(0, STAGE(MB, 1, 0, 1, gen_overflow, &same));

	ASSERT_ERR_MSG(-ENOSPC, STAGE(MB, 1, 0, 1026, gen_overflow, &e),
		       "max_locks_per_pcpi");
	snprintf(keep.dataset, sizeof(keep.dataset), "d2");
	ASSERT_ERR_MSG(-EEXIST, STAGE(MB, 1, 0, 11, gen_tail, &keep),
		       "already staged");
	same.expires = time(NULL) + 3600;
	ASSERT_ERR_MSG(-EEXIST, STAGE(MB, 1, 0, 11, gen_tail, &same),
		       "already staged");
	gen_tail(0, &e, NULL);
	ASSERT_ERR_MSG(-EEXIST, STAGE(MB, 1, 0, 11, gen_tail, &e),
		       "already staged");
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	EXPECT_EQ(2u, pv.staged) TH_LOG("a failed batch changed the staging");

	ASSERT_EQ(0, RP(COMMIT, MB, 1, &count));
	EXPECT_EQ(2u, count);
	ASSERT_EQ(0, check(&self->c, self->pool, 50, &v));
	EXPECT_EQ(1u, v.count) TH_LOG("pcpi 50 lost its lock");
	EXPECT_STREQ("d1", v.dataset);
	/* Nothing of the failed batches: pcpi 51, the fresh 100..109. */
	for (p = 51; p <= 109; p = p == 51 ? 100 : p + 1) {
		ASSERT_EQ(0, check(&self->c, self->pool, p, &v));
		EXPECT_EQ(0u, v.count) TH_LOG("pcpi %u", p);
	}
	/* "keep" with d1 and "same" without an expiry, nothing else. */
	ASSERT_EQ(0, dump_expect(&self->c, &x));
	EXPECT_EQ(0ul, x.bad) TH_LOG("%s", x.why);
}

/* Locks fill() makes from @fmt on pcpis @lo..@hi. */
struct span {
	uint32_t lo, hi, type;
	const char *fmt;
};

static bool want_span(uint32_t p, struct entry *e, const void *arg)
{
	const struct span *s = arg;

	fill(e, p, s->fmt, "");
	e->type = s->type;
	return p >= s->lo && p <= s->hi;
}

static void gen_span(unsigned int i, struct entry *e, const void *arg)
{
	want_span(((const struct span *)arg)->lo + i, e, arg);
}

/* The lock-add locks: origin "local", generation 0. */
static bool want_local(uint32_t p, struct entry *e, const void *arg)
{
	(void)arg;
	fill(e, p, "local-%u", "");
	e->type = SOFTLOCK_LOCK_TYPE_OWNER;
	return p == 1 || p == 45 || p == 500;
}

/* Replace @origin's set with @s (in batches of 7) at generation @gen. */
#define REPLACE_SPAN(origin, gen, s, n) do {				\
	uint32_t count;							\
	ASSERT_EQ(0, RP(BEGIN, origin, gen, NULL));			\
	ASSERT_EQ(0, stage(&self->c, self->pool, origin, gen, 0,	\
			   (s)->hi - (s)->lo + 1, 7, gen_span, s));	\
	ASSERT_EQ(0, RP(COMMIT, origin, gen, &count));			\
	ASSERT_EQ(n, count);						\
} while (0)

/* Dump origin @o alone and compare with @w(@a) at generation @g. */
#define EXPECT_ORIGIN(o, g, w, a) do {					\
	struct expect x = { .pool = self->pool, .origin = o, .gen = g,	\
			    .max_pcpi = 600, .want = w, .arg = a };	\
	ASSERT_EQ(0, dump_expect(&self->c, &x));			\
	EXPECT_EQ(0ul, x.bad) TH_LOG("origin %s: %s", o, x.why);	\
} while (0)

#define ADD_LOCAL(p, origin) ASSERT_EQ(0, sl_nl_add(self->c.nl,	\
	self->pool, p, SOFTLOCK_LOCK_TYPE_OWNER, "local-" #p, origin))

/*
 * A replace swaps one origin's set on one pool: other origins' sets and
 * the lock-add locks (origin "local") are never touched, even on the same
 * pcpis, and generations are per origin.
 */
TEST_F_TIMEOUT(rp, origins_isolated, 120)
{
	static const struct span b1 = { 1, 50, DEST_PATH, "b1-%u" };
	static const struct span b2 = { 40, 60, DEST_PATH, "b2-%u" };
	static const struct span c1 = { 25, 75, SOFTLOCK_LOCK_TYPE_QTREE,
					"c1-%u" };
	struct verdict v;
	struct poolv pv;
	uint32_t count;

	ADD_LOCAL(1, NULL);
	REPLACE_SPAN(MB, 1, &b1, 50u);
	ADD_LOCAL(45, NULL);
	REPLACE_SPAN("mirror-c", 1, &c1, 51u);
	ADD_LOCAL(500, "local");

	/* Staged b2 changes nothing anyone can see. */
	ASSERT_EQ(0, RP(BEGIN, MB, 2, NULL));
	ASSERT_EQ(0, STAGE(MB, 2, 0, 21, gen_span, &b2));
	EXPECT_ORIGIN(MB, 1, want_span, &b1);
	EXPECT_ORIGIN("mirror-c", 1, want_span, &c1);
	EXPECT_ORIGIN("local", 0, want_local, NULL);
	ASSERT_EQ(0, RP(COMMIT, MB, 2, &count));
	ASSERT_EQ(21u, count);

	EXPECT_ORIGIN(MB, 2, want_span, &b2);
	EXPECT_ORIGIN("mirror-c", 1, want_span, &c1);
	EXPECT_ORIGIN("local", 0, want_local, NULL);
	ASSERT_EQ(0, pool_get(&self->c, self->pool, &pv));
	EXPECT_EQ(21u + 51u + 3u, pv.count);
	EXPECT_EQ(53u, pv.pcpis);	/* 1, 25..75, 500 */
	EXPECT_EQ(0u, pv.staged);

	/* What the guard sees: b1's locks gone, all others there. */
	ASSERT_EQ(0, check(&self->c, self->pool, 1, &v));
	EXPECT_EQ(1u, v.count);
	EXPECT_STREQ("local-1", v.text);
	ASSERT_EQ(0, check(&self->c, self->pool, 10, &v));
	EXPECT_EQ((uint32_t)SOFTLOCK_REASON_NONE, v.reason);
	EXPECT_EQ(0u, v.count);
	ASSERT_EQ(0, check(&self->c, self->pool, 45, &v));
	EXPECT_EQ(3u, v.count);
	ASSERT_EQ(0, check(&self->c, self->pool, 70, &v));
	EXPECT_EQ(1u, v.count);
	EXPECT_STREQ("mirror-c", v.origin);
	EXPECT_EQ((uint32_t)SOFTLOCK_LOCK_TYPE_QTREE, v.type);
	EXPECT_STREQ("c1-70", v.text);

	/* Generations are per origin. */
	ASSERT_EQ(-ESTALE, RP(BEGIN, MB, 2, NULL));
	ASSERT_EQ(0, RP(BEGIN, "mirror-c", 2, NULL));
	ASSERT_EQ(0, RP(ABORT, "mirror-c", 2, NULL));

	/* LOCK_DEL with ORIGIN takes only that origin's lock. */
	ASSERT_EQ(0, del_locks(&self->c, self->pool, 45, "local", &count));
	EXPECT_EQ(1u, count);
	ASSERT_EQ(0, check(&self->c, self->pool, 45, &v));
	EXPECT_EQ(2u, v.count);
	EXPECT_ORIGIN(MB, 2, want_span, &b2);
	EXPECT_ORIGIN("mirror-c", 1, want_span, &c1);
}

TEST_HARNESS_MAIN
