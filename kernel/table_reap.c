// SPDX-License-Identifier: GPL-2.0
/*
 * Reaping of expired locks. The guard ignores a lock once its expiry has
 * passed (sl_live()); this frees it. A delayed work item runs at the
 * earliest expiry any lock has, walks the table under sl_table_mutex and
 * unlinks every committed lock that has expired, then arms itself for the
 * next expiry. Reaping when a request touches a PCPI would leave the locks
 * of PCPIs nobody touches again (a lease whose host is gone) in memory for
 * good; the work frees them whether or not anything else happens, and
 * costs nothing while no lock has an expiry.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "softlock.h"
#include "table_internal.h"

/* The work re-reads the clock at least daily: it may have been set. */
#define SL_REAP_MAX_DELAY (24 * 60 * 60)

static void sl_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(sl_reap_work, sl_reap);
/* The earliest expiry the work is armed for, 0: not armed; sl_table_mutex. */
static time64_t sl_reap_at;

/**
 * sl_reap_note() - make sure an expiry is reaped when it comes
 * @expires: a committed lock's expiry (seconds since the epoch), 0: none
 *
 * Context: under sl_table_mutex.
 */
void sl_reap_note(time64_t expires)
{
	time64_t delay;

	lockdep_assert_held(&sl_table_mutex);
	if (!expires || (sl_reap_at && sl_reap_at <= expires))
		return;
	sl_reap_at = expires;
	delay = clamp_t(time64_t, expires - ktime_get_real_seconds(), 0,
			SL_REAP_MAX_DELAY);
	mod_delayed_work(system_wq, &sl_reap_work, delay * HZ);
}

/* Unlink @pool's expired committed locks; the next expiry after @now. */
static time64_t sl_reap_pool(struct sl_pool *pool, time64_t now)
{
	struct sl_origin *o, *otmp;
	struct sl_lock *lock;
	time64_t next = 0;
	unsigned long idx;

	lockdep_assert_held(&sl_table_mutex);
	xa_for_each(&pool->locks, idx, lock) {
		time64_t expires = lock->expires;

		if (!expires)
			continue;
		/* A staged lock is noted again when its set is committed. */
		if (expires > now) {
			if (!next || expires < next)
				next = expires;
		} else if (sl_committed(lock)) {
			sl_unlink_lock(pool, lock, true);
		}
		cond_resched();
	}
	list_for_each_entry_safe(o, otmp, &pool->origins, node)
		sl_origin_maybe_free(pool, o);
	return next;
}

static void sl_reap(struct work_struct *work)
{
	time64_t now = ktime_get_real_seconds(), next = 0, t;
	struct sl_pool *pool, *ptmp;

	mutex_lock(&sl_table_mutex);
	list_for_each_entry_safe(pool, ptmp, &sl_pools, node) {
		t = sl_reap_pool(pool, now);
		if (t && (!next || t < next))
			next = t;
		sl_pool_maybe_free(pool);
	}
	sl_reap_at = 0;
	sl_reap_note(next);
	sl_table_unlock();
}

/**
 * sl_reap_stop() - cancel the reaping, for module unload
 *
 * Context: process context, once no request can reach the table.
 */
void sl_reap_stop(void)
{
	cancel_delayed_work_sync(&sl_reap_work);
}
