// SPDX-License-Identifier: GPL-2.0
/*
 * Iteration over the lock table for the netlink dumps: committed locks
 * and per-pool counts, resumable from a cursor.
 */
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "softlock.h"
#include "table_internal.h"

/*
 * Walk committed locks in (pool serial, lock seq) order from @cur. When @fn
 * fails (a full dump skb), @cur points at the lock to resume with.
 */
int sl_table_walk_locks(struct sl_cursor *cur, const struct sl_match *m,
			int (*fn)(void *arg, const struct sl_lock_view *lv),
			void *arg)
{
	struct sl_lock_view lv;
	struct sl_lock *lock;
	struct sl_pool *pool;
	unsigned long idx;
	int err = 0;

	mutex_lock(&sl_table_mutex);
	list_for_each_entry(pool, &sl_pools, node) {
		if (pool->serial < cur->pool_serial)
			continue;
		if (pool->serial > cur->pool_serial) {
			cur->pool_serial = pool->serial;
			cur->lock_seq = 0;
		}
		if (m->pool && strcmp(pool->name, m->pool))
			continue;
		lv.pool = pool->name;
		xa_for_each_start(&pool->locks, idx, lock, cur->lock_seq) {
			if (!sl_committed(lock) || !sl_matches(lock, m))
				continue;
			lv.origin = lock->set->origin->name;
			lv.text = lock->strings;
			lv.dataset = sl_dataset(lock);
			lv.pcpi = lock->pcpi->id;
			lv.type = lock->type;
			lv.pinned = lock->pcpi->pin;
			lv.created = lock->created;
			lv.expires = READ_ONCE(lock->expires);
			lv.generation = lock->set->generation;
			err = fn(arg, &lv);
			if (err) {
				cur->lock_seq = idx;
				goto out;
			}
		}
		cur->pool_serial = pool->serial + 1;
		cur->lock_seq = 0;
	}
out:
	mutex_unlock(&sl_table_mutex);
	return err;
}

int sl_table_walk_pools(struct sl_cursor *cur,
			int (*fn)(void *arg, const struct sl_pool_view *pv),
			void *arg)
{
	struct sl_pool_view pv;
	struct sl_pcpi *pcpi;
	struct sl_pool *pool;
	unsigned long idx;
	int err = 0;

	mutex_lock(&sl_table_mutex);
	list_for_each_entry(pool, &sl_pools, node) {
		if (pool->serial < cur->pool_serial)
			continue;
		pv.pool = pool->name;
		pv.nr_locks = pool->nr_locks;
		pv.nr_staged = pool->nr_staged;
		pv.nr_pcpis = 0;
		xa_for_each(&pool->pcpis, idx, pcpi)
			pv.nr_pcpis += !!pcpi->nr_committed;
		err = fn(arg, &pv);
		if (err)
			break;
		cur->pool_serial = pool->serial + 1;
	}
	mutex_unlock(&sl_table_mutex);
	return err;
}
