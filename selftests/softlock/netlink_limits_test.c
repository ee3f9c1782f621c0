// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_limits_test: the max_locks module parameter. Filling the table
 * to the limit with lock-add and with staged replaces, each refusal comes
 * with ENOSPC and an extack naming the parameter, leaves the table as it
 * was, and room comes back after a delete. The same for max_pools,
 * max_origins and max_staged; generation U64_MAX refused; expired locks
 * freed. netlink_policy_test.c has bad input for every operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nltest.h"
#include "kselftest_harness.h"

#include "nl_lim.h"

TEST_F(lim, max_locks)
{
	struct lock_args upd = { .pool = self->pool, .pcpi = 1, .type = OWNER,
				 .text = "a", .dataset = "ds2" };
	unsigned int old, limit, v;
	uint64_t g = self->gen;
	char full[128];
	uint32_t n;
	long base;
	int err;

	if (param_read(MAX_LOCKS, &old))
		SKIP(return, "%s is missing", MAX_LOCKS);
	base = total_locks(self);
	ASSERT_LE(0, base);
	limit = base + 4;
	err = param_write(MAX_LOCKS, limit);
	if (err == -EACCES || err == -EPERM)
		SKIP(return, "cannot write %s: %s", MAX_LOCKS, strerror(-err));
	ASSERT_EQ(0, err);
	self->old_max = old;
	self->restore_max = true;
	ASSERT_EQ(0, param_read(MAX_LOCKS, &v));
	ASSERT_EQ(limit, v);
	WHAT("max_locks %u", limit);
	snprintf(full, sizeof(full),
		 "softlock: lock table full: %u locks (parameter max_locks)", limit);

	/* Three added locks and one staged fill the table. */
	ASSERT_EQ(0, add(self, 1, "a")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, 2, "b")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, 3, "c")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, g, NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, stage(self, g, PCPIS(10))) TH_LOG("%s", EXTACK);
	ASSERT_EQ(limit, total_locks(self));

	/* One more fails, added or staged, on a new PCPI or a known one. */
	ASSERT_ERR_MSG(ENOSPC, full, add(self, 4, "d"));
	ASSERT_ERR_MSG(ENOSPC, full, add(self, 1, "a2"));
	ASSERT_ERR_MSG(ENOSPC, full, stage(self, g, PCPIS(11)));
	/* Updating a lock adds none, even when its dataset changes. */
	ASSERT_EQ(0, add(self, 1, "a")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add_lock(self->nl, self->buf, &upd)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(301, pool_counts(self));
	ASSERT_EQ(limit, total_locks(self));

	/* A delete makes room for one: a batch of two is refused whole. */
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 3, &n)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(1, n);
	ASSERT_ERR_MSG(ENOSPC, full, stage(self, g, PCPIS(11, 12)));
	ASSERT_EQ(201, pool_counts(self));
	ASSERT_EQ(0, stage(self, g, PCPIS(11))) TH_LOG("%s", EXTACK);
	ASSERT_ERR_MSG(ENOSPC, full, add(self, 3, "c"));
	/* A commit needs no room: its locks were counted when staged. */
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_COMMIT, g, &n)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(2, n);
	ASSERT_EQ(400, pool_counts(self));

	/*
	 * A lock-set replace stages its set beside the one it replaces, so
	 * it needs room for both, even for a lock the old set has too.
	 */
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, g + 1, NULL));
	ASSERT_ERR_MSG(ENOSPC, full, stage(self, g + 1, PCPIS(10)));
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 2, &n)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, stage(self, g + 1, PCPIS(10))) TH_LOG("%s", EXTACK);
	ASSERT_ERR_MSG(ENOSPC, full, stage(self, g + 1, PCPIS(12)));
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_COMMIT, g + 1, &n));
	ASSERT_EQ(1, n);
	/* The old set (10, 11) went with the commit. */
	ASSERT_EQ(200, pool_counts(self));
	ASSERT_EQ(limit - 2, total_locks(self));

	/* Adding works again, up to the limit. */
	ASSERT_EQ(0, add(self, 2, "b")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, 3, "c")) TH_LOG("%s", EXTACK);
	ASSERT_ERR_MSG(ENOSPC, full, add(self, 4, "d"));
	/* A new limit applies at once. */
	ASSERT_EQ(0, param_write(MAX_LOCKS, limit + 1));
	ASSERT_EQ(0, add(self, 4, "d")) TH_LOG("%s", EXTACK);
	snprintf(full, sizeof(full),
		 "softlock: lock table full: %u locks (parameter max_locks)",
		 limit + 1);
	ASSERT_ERR_MSG(ENOSPC, full, add(self, 5, "e"));
	ASSERT_EQ(500, pool_counts(self));
}

/* Set parameter @path to @v; the teardown puts the old value back. */
static int param_set(FIXTURE_DATA(lim) *self, const char *path, unsigned int v)
{
	unsigned int old, i;
	int err = param_read(path, &old);

	if (err)
		return err;
	/* The value before the test is the one to restore. */
	for (i = 0; i < self->nsaved; i++)
		if (!strcmp(self->saved[i].path, path))
			return param_write(path, v);
	if (self->nsaved == sizeof(self->saved) / sizeof(self->saved[0]))
		return -ENOSPC;
	self->saved[self->nsaved].path = path;
	self->saved[self->nsaved++].old = old;
	return param_write(path, v);
}

/*
 * Pools, origins and open replaces each have a bound: at 0, a request that
 * would make a new one is refused with ENOSPC and a message naming the
 * parameter, one on those already there still works, and raising the
 * bound lets it through.
 */
TEST_F(lim, max_pools_origins_staged)
{
	struct lock_args other = { .pool = self->pool, .pcpi = 1, .type = OWNER,
				   .text = "o", .origin = "other" };
	char pool2[80];
	uint64_t g = self->gen;

	snprintf(pool2, sizeof(pool2), "%s-2", self->pool);
	ASSERT_LE(0, wipe_pool(self->nl, self->buf, pool2));
	ASSERT_EQ(0, add(self, 1, "a")) TH_LOG("%s", EXTACK);

	WHAT("max_pools 0");
	ASSERT_EQ(0, param_set(self, MAX_POOLS, 0));
	ASSERT_ERR_AFFIX(ENOSPC, "softlock: too many pools: ",
			 " (parameter max_pools)",
			 sl_nl_add(self->nl, pool2, 1, OWNER, "a", NULL));
	ASSERT_ERR_AFFIX(ENOSPC, "softlock: too many pools: ",
			 " (parameter max_pools)",
			 replace_op(self->nl, self->buf,
				    SOFTLOCK_CMD_REPLACE_BEGIN, pool2, ORIGIN,
				    g, NULL));
	ASSERT_EQ(-ENOENT, pool_rec(self->nl, self->buf, pool2, &(struct rec){ 0 }));
	ASSERT_EQ(0, add(self, 2, "b")) TH_LOG("%s", EXTACK);

	WHAT("max_origins 0");
	ASSERT_EQ(0, param_set(self, MAX_ORIGINS, 0));
	ASSERT_ERR_AFFIX(ENOSPC, "softlock: too many origins: ",
			 " (parameter max_origins)",
			 add_lock(self->nl, self->buf, &other));
	ASSERT_ERR_AFFIX(ENOSPC, "softlock: too many origins: ",
			 " (parameter max_origins)", rp(self,
			 SOFTLOCK_CMD_REPLACE_BEGIN, g, NULL));
	/* The local origin is there already. */
	ASSERT_EQ(0, add(self, 3, "c")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(300, pool_counts(self));

	WHAT("max_staged 0");
	ASSERT_EQ(0, param_set(self, MAX_ORIGINS, 1000000));
	ASSERT_EQ(0, param_set(self, MAX_STAGED, 0));
	ASSERT_ERR_AFFIX(ENOSPC, "softlock: too many open replaces: ",
			 " (parameter max_staged)",
			 rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, g, NULL));
	ASSERT_EQ(0, param_set(self, MAX_STAGED, 1000000));
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, g, NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, stage(self, g, PCPIS(10))) TH_LOG("%s", EXTACK);
	/* Reopening the same origin's replace opens none more. */
	ASSERT_EQ(0, param_set(self, MAX_STAGED, 0));
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, g + 1, NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_ABORT, g + 1, NULL)) TH_LOG("%s", EXTACK);
	ASSERT_ERR_AFFIX(ENOSPC, "softlock: too many open replaces: ",
			 " (parameter max_staged)",
			 rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, g + 2, NULL));
	ASSERT_EQ(300, pool_counts(self));
}

/*
 * U64_MAX is not a generation: a set committed there could never be
 * replaced. The last one, U64_MAX - 1, can be committed; once its set is
 * empty the origin is forgotten and starts again from a low generation.
 */
TEST_F(lim, generation_u64_max)
{
	const char *msg =
		"softlock: generation U64_MAX is reserved: nothing could replace it";
	uint32_t n;

	ASSERT_ERR_MSG(EINVAL, msg, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN,
				       UINT64_MAX, NULL));
	ASSERT_EQ(-ENOENT, pool_rec(self->nl, self->buf, self->pool, &(struct rec){ 0 }));
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, UINT64_MAX - 1, NULL))
		TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, stage(self, UINT64_MAX - 1, PCPIS(7))) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_COMMIT, UINT64_MAX - 1, &n));
	ASSERT_EQ(1, n);
	ASSERT_ERR_MSG(EINVAL, msg, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN,
				       UINT64_MAX, NULL));
	ASSERT_EQ(-ESTALE, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, self->gen, NULL));
	/* Its last lock deleted, the origin starts over. */
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 7, &n)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, self->gen, NULL))
		TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, stage(self, self->gen, PCPIS(8))) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_COMMIT, self->gen, &n));
	ASSERT_EQ(100, pool_counts(self));
}

/*
 * Expired locks are freed, not only ignored by the guard: two leases run
 * out, on PCPIs nothing touches again, and the pool's count (what
 * max_locks counts too) drops to the one lock without an expiry. The
 * expiry is in seconds, so this waits for the clock: it polls for up to
 * 30 s, well past the 2 s lease.
 */
TEST_F(lim, expired_reaped)
{
	struct lock_args lease = { .pool = self->pool, .type = OWNER,
				   .text = "lease" };
	long base = total_locks(self), counts = 0;
	int i;

	ASSERT_LE(0, base);
	lease.expires = (uint64_t)time(NULL) + 2;
	lease.pcpi = 1;
	ASSERT_EQ(0, add_lock(self->nl, self->buf, &lease)) TH_LOG("%s", EXTACK);
	lease.pcpi = 2;
	ASSERT_EQ(0, add_lock(self->nl, self->buf, &lease)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, 3, "kept")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(300, pool_counts(self));
	for (i = 0; i < 300; i++) {
		counts = pool_counts(self);
		if (counts == 100)
			break;
		usleep(100 * 1000);
	}
	ASSERT_EQ(100, counts) TH_LOG("expired locks still counted after 30 s");
	ASSERT_EQ(base + 1, total_locks(self));
}

TEST_HARNESS_MAIN
