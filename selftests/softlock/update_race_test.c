// SPDX-License-Identifier: GPL-2.0
/*
 * update_race_test - updating a lock never lets a delete through.
 *
 * A LOCK_ADD with a lock's origin, type and text but another dataset
 * replaces the lock. One thread does that in a tight loop, alternating the
 * dataset, while another sends real "delete <id>" messages for the PCPI to
 * a dm-thin pool named like the softlock pool, as "dmsetup message" does:
 * every one must be refused (-EBUSY). The guard runs outside genl_mutex,
 * under RCU, truly in parallel with the update.
 *
 *   only_lock       the PCPI's only lock is updated; SL_UPDATE_RACE_COUNT
 *                   deletes (default 100,000; the VM suite sets fewer)
 *   behind_expired  the updated lock sits behind expired locks of the same
 *                   PCPI, where a guard walking the expired ones would miss
 *                   a lock added at the head and unlinked behind it
 *
 * A let-through delete finds no thin device (-ENODATA): nothing is lost.
 */
#include <errno.h>
#include <fcntl.h>
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

#define ATTEMPTS_DEFAULT 100000ul
#define TEXT		"upd"
#define ORIGIN		"ur"
/* behind_expired: PCPIs, each with this many expired locks before it. */
#define BE_PCPIS	40u
#define BE_EXPIRED	1000u
#define BE_UPDATES	4u

struct race {
	const char *pool;
	atomic_uint pcpi;	/* the PCPI under attack */
	atomic_bool stop;
	atomic_ulong updates;
	atomic_ulong attempts;	/* deletes sent */
	/* written by the deleting thread only, read after the join */
	unsigned long busy, through, bad;
	char why[WHY_LEN];
	/* written by the updating thread only */
	unsigned long ubad;
	char uwhy[WHY_LEN];
};

/* LOCK_ADD of @text on @pcpi with @dataset and @expires (0: never). */
static int add_lock(struct conn *c, const char *pool, uint32_t pcpi,
		    const char *text, const char *dataset, uint64_t expires)
{
	struct nlmsghdr *nlh = sl_nl_req(c->nl, c->buf,
					 SOFTLOCK_CMD_LOCK_ADD, 0);

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, ORIGIN);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, SOFTLOCK_LOCK_TYPE_APP);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, text);
	if (dataset[0])
		mnl_attr_put_strz(nlh, SOFTLOCK_A_DATASET, dataset);
	if (expires)
		mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, expires);
	return sl_nl_talk(c->nl, nlh, NULL, NULL);
}

/* Update the lock of r->pcpi until told to stop, alternating datasets. */
static void *updater(void *arg)
{
	struct race *r = arg;
	struct conn c = { 0 };
	unsigned long n;
	int err = conn_open(&c);

	for (n = 0; !err && !atomic_load(&r->stop); n++) {
		err = add_lock(&c, r->pool, atomic_load(&r->pcpi), TEXT,
			       n % 2 ? "ds-a" : "ds-b", 0);
		atomic_fetch_add(&r->updates, 1);
	}
	if (err)
		fail_why(r->uwhy, &r->ubad, "update: %s (%s)", strerror(-err),
			 c.nl ? sl_nl_extack(c.nl) : "");
	conn_close(&c);
	return NULL;
}

/* One delete of the PCPI under attack: 0, or -errno if it went wrong. */
static int attempt(struct race *r, int ctl)
{
	uint32_t p = atomic_load(&r->pcpi);
	int err = dm_delete(ctl, r->pool, p);

	atomic_fetch_add(&r->attempts, 1);
	if (err == -EBUSY) {
		r->busy++;
		return 0;
	}
	if (err == -ENODATA) {
		fail_why(r->why, &r->bad, "delete %u let through", p);
		r->through++;
		return 0;
	}
	fail_why(r->why, &r->bad, "delete %u: %s", p, strerror(-err));
	return err;
}

/* Delete r->pcpi until told to stop. */
static void *deleter(void *arg)
{
	struct race *r = arg;
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (ctl < 0) {
		fail_why(r->why, &r->bad, "dm control: %s", strerror(errno));
		return NULL;
	}
	while (!atomic_load(&r->stop) && !attempt(r, ctl))
		;
	close(ctl);
	return NULL;
}

/* Let the deleter send @n more deletes (fewer if it has given up). */
static void wait_attempts(struct race *r, unsigned long n)
{
	unsigned long start = atomic_load(&r->attempts), spins = 0;

	while (atomic_load(&r->attempts) - start < n && ++spins < 100000000)
		sched_yield();
}

FIXTURE(ur) {
	char pool[64];
	struct conn c;
	int ctl;
	bool dm;
};

FIXTURE_SETUP(ur)
{
	int err = conn_open(&self->c);

	self->ctl = -1;
	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	snprintf(self->pool, sizeof(self->pool), "ur-%d", getpid());
	self->dm = true;
	ASSERT_EQ(0, dm_pool_up(self->pool));
	self->ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(ur)
{
	uint32_t p, n;

	/* ENOENT for the PCPIs a test did not lock. */
	for (p = 0; self->c.nl && p <= BE_PCPIS; p++)
		del_locks(&self->c, self->pool, p, NULL, &n);
	conn_close(&self->c);
	if (self->ctl >= 0)
		close(self->ctl);
	if (self->dm && dm_pool_down(self->pool))
		TH_LOG("removing thin pool %s failed", self->pool);
}

TEST_F_TIMEOUT(ur, only_lock, 1200)
{
	const char *env = getenv("SL_UPDATE_RACE_COUNT");
	unsigned long want = env ? strtoul(env, NULL, 10) : ATTEMPTS_DEFAULT;
	struct race r = { .pool = self->pool };
	struct verdict v;
	pthread_t th;
	double t;

	ASSERT_LT(0ul, want);
	atomic_store(&r.pcpi, 0);
	ASSERT_EQ(0, add_lock(&self->c, self->pool, 0, TEXT, "ds-b", 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, updater, &r));
	/* Start once the updater runs. */
	while (!atomic_load(&r.updates) && !r.ubad)
		sched_yield();
	t = now_s();
	while (atomic_load(&r.attempts) < want && !attempt(&r, self->ctl))
		;
	t = now_s() - t;
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	TH_LOG("%lu deletes in %.1fs during %lu updates: %lu refused, %lu let through",
	       atomic_load(&r.attempts), t, atomic_load(&r.updates), r.busy, r.through);
	EXPECT_EQ(0ul, r.ubad) TH_LOG("%s", r.uwhy);
	EXPECT_EQ(0ul, r.bad) TH_LOG("%s", r.why);
	EXPECT_EQ(want, r.busy);
	/* The updates leave exactly one lock, with one of the datasets. */
	ASSERT_EQ(0, check(&self->c, self->pool, 0, &v));
	EXPECT_EQ(1u, v.count);
	EXPECT_EQ(0, strncmp(v.dataset, "ds-", 3)) TH_LOG("%s", v.dataset);
}

TEST_F_TIMEOUT(ur, behind_expired, 600)
{
	struct race r = { .pool = self->pool };
	uint64_t expires = 0;
	struct verdict v;
	char text[32];
	uint32_t p, i;
	pthread_t th;
	double t;

	/*
	 * Each PCPI: the lock to update, then expiring locks added after it,
	 * so ahead of it in the list (committed locks go in at the head).
	 */
	for (p = 1; p <= BE_PCPIS; p++) {
		ASSERT_EQ(0, add_lock(&self->c, self->pool, p, TEXT, "ds-b", 0));
		expires = time(NULL) + 5;
		for (i = 0; i < BE_EXPIRED; i++) {
			snprintf(text, sizeof(text), "exp-%u", i);
			ASSERT_EQ(0, add_lock(&self->c, self->pool, p, text, "",
					      expires));
		}
	}
	while ((uint64_t)time(NULL) <= expires)
		usleep(100000);
	ASSERT_EQ(0, check(&self->c, self->pool, BE_PCPIS, &v));
	ASSERT_EQ(1u, v.count);

	/*
	 * The deleter hammers one PCPI while this thread updates its lock
	 * BE_UPDATES times, a few deletes before and after each update.
	 */
	t = now_s();
	atomic_store(&r.pcpi, 1);
	ASSERT_EQ(0, pthread_create(&th, NULL, deleter, &r));
	for (p = 1; p <= BE_PCPIS; p++) {
		atomic_store(&r.pcpi, p);
		for (i = 0; i < BE_UPDATES; i++) {
			wait_attempts(&r, 4);
			if (add_lock(&self->c, self->pool, p, TEXT,
				     i % 2 ? "ds-b" : "ds-a", 0))
				fail_why(r.uwhy, &r.ubad, "update %u: %s", p,
					 sl_nl_extack(self->c.nl));
			atomic_fetch_add(&r.updates, 1);
		}
		wait_attempts(&r, 4);
	}
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	TH_LOG("%lu deletes in %.1fs during %lu updates behind %u expired locks: %lu refused, %lu let through",
	       atomic_load(&r.attempts), now_s() - t, atomic_load(&r.updates),
	       BE_EXPIRED, r.busy, r.through);
	EXPECT_EQ(0ul, r.ubad) TH_LOG("%s", r.uwhy);
	EXPECT_EQ(0ul, r.bad) TH_LOG("%s", r.why);
	EXPECT_EQ(0ul, r.through);
}

TEST_HARNESS_MAIN
