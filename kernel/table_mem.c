// SPDX-License-Identifier: GPL-2.0
/*
 * The lock table's memory: locks come from size-stepped caches, and what
 * the table unlinks (locks, PCPIs) is freed by one work item after one
 * grace period per batch, pins dropped under sl_table_mutex are closed
 * after it is released (sl_table_unlock()). table.c says what the mutex
 * protects and why nothing slow happens under it.
 */
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/list.h>
#include <linux/string.h>
#include <linux/overflow.h>

#include "softlock.h"
#include "table_internal.h"

/*
 * Locks are the objects there are millions of, and kmalloc's classes
 * (96, 128, 192, 256) leave up to a third of one unused: a lock with a
 * 32-byte text is 110 bytes, in kmalloc-128. So locks of up to
 * SL_LOCK_CACHE_MAX bytes come from caches in steps of SL_LOCK_STEP (a
 * cache of a size kmalloc has is merged into it by SLUB); bigger ones, and
 * all on kernels where kfree() of a cache's object is not supported
 * (compat.h), from kmalloc. Either way a lock is freed with kfree(), by
 * sl_free_unlinked() after a grace period or by sl_table_clear().
 */
#define SL_LOCK_STEP 16
#define SL_LOCK_CACHE_MAX 256
static struct kmem_cache *sl_lock_caches[SL_LOCK_CACHE_MAX / SL_LOCK_STEP + 1];

/*
 * The strings start at offsetof(), not sizeof() (which pads the header to
 * 80): 4 bytes that decide whether a 32-byte text fits 112 bytes.
 * tlen + dlen is at most 2 * (SOFTLOCK_TEXT_MAX + 1): no overflow.
 */
size_t sl_lock_size(size_t strings)
{
	return max(offsetof(struct sl_lock, strings) + strings,
		   sizeof(struct sl_lock));
}

struct sl_lock *sl_lock_alloc(size_t size)
{
	struct kmem_cache *cache = NULL;

	if (size <= SL_LOCK_CACHE_MAX)
		cache = sl_lock_caches[DIV_ROUND_UP(size, SL_LOCK_STEP)];
	if (cache)
		return kmem_cache_zalloc(cache, GFP_KERNEL_ACCOUNT);
	return kzalloc(size, GFP_KERNEL_ACCOUNT);
}

int sl_table_init(void)
{
	unsigned int i;
	char name[32];

	if (!SL_LOCK_CACHES)
		return 0;
	/* The smallest lock: a header and two one-byte strings. */
	for (i = DIV_ROUND_UP(sl_lock_size(2), SL_LOCK_STEP);
	     i < ARRAY_SIZE(sl_lock_caches); i++) {
		snprintf(name, sizeof(name), "softlock_lock_%u",
			 i * SL_LOCK_STEP);
		sl_lock_caches[i] = kmem_cache_create(name, i * SL_LOCK_STEP,
						      0, 0, NULL);
		if (!sl_lock_caches[i]) {
			sl_table_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

/* Under sl_table_mutex: what was unlinked and waits to be freed. */
static LIST_HEAD(sl_dead_locks);	/* unlinked, by sl_lock.set_node */
static struct sl_pcpi *sl_dead_pcpis;	/* unlinked, by ->next_dead */
static LIST_HEAD(sl_dead_pins);		/* dropped, closed on unlock */

/* @lock, off every list, is freed after a grace period. */
void sl_dead_lock(struct sl_lock *lock)
{
	lockdep_assert_held(&sl_table_mutex);
	list_add_tail(&lock->set_node, &sl_dead_locks);
}

/* @pcpi, out of its pool's xarray, is freed after a grace period. */
void sl_dead_pcpi(struct sl_pcpi *pcpi)
{
	lockdep_assert_held(&sl_table_mutex);
	/* Readers never follow ->next_dead: it may reuse ->pin's place. */
	pcpi->next_dead = sl_dead_pcpis;
	sl_dead_pcpis = pcpi;
}

/* At most this many locks, and as many PCPIs, per run of sl_free_unlinked(). */
#define SL_FREE_BATCH 16384

static void sl_free_dead(struct list_head *locks, struct sl_pcpi *pcpi)
{
	struct sl_lock *lock, *tmp;
	struct sl_pcpi *next;

	list_for_each_entry_safe(lock, tmp, locks, set_node) {
		kfree(lock);
		cond_resched();
	}
	for (; pcpi; pcpi = next) {
		next = pcpi->next_dead;
		kfree(pcpi);
		cond_resched();
	}
}

/*
 * Take up to @max of the dead locks and PCPIs (all with @max 0) into
 * @locks and the returned chain. True when some are left.
 */
static bool sl_take_dead(struct list_head *locks, struct sl_pcpi **pcpis,
			 unsigned int max)
{
	struct sl_lock *lock, *tmp;
	struct sl_pcpi *p;
	unsigned int n = 0;

	lockdep_assert_held(&sl_table_mutex);
	list_for_each_entry_safe(lock, tmp, &sl_dead_locks, set_node) {
		if (max && n++ == max)
			break;
		list_move_tail(&lock->set_node, locks);
	}
	*pcpis = NULL;
	for (n = 0; sl_dead_pcpis && (!max || n < max); n++) {
		p = sl_dead_pcpis;
		sl_dead_pcpis = p->next_dead;
		p->next_dead = *pcpis;
		*pcpis = p;
	}
	return !list_empty(&sl_dead_locks) || sl_dead_pcpis;
}

static void sl_free_unlinked(struct work_struct *work);
static DECLARE_WORK(sl_free_work, sl_free_unlinked);

/*
 * Free a batch of what was unlinked before this run took it, once every
 * RCU reader that might still be on it is gone; then the next batch. In
 * batches, so that unloading waits for one at most (sl_table_clear()).
 */
static void sl_free_unlinked(struct work_struct *work)
{
	struct sl_pcpi *pcpis;
	LIST_HEAD(locks);
	bool more;

	mutex_lock(&sl_table_mutex);
	more = sl_take_dead(&locks, &pcpis, SL_FREE_BATCH);
	mutex_unlock(&sl_table_mutex);
	synchronize_rcu();
	sl_free_dead(&locks, pcpis);
	if (more)
		queue_work(system_unbound_wq, &sl_free_work);
}

/* A pin the table no longer needs; sl_table_unlock() closes it. */
void sl_pin_drop(struct sl_pin *pin)
{
	lockdep_assert_held(&sl_table_mutex);
	list_add_tail(&pin->node, &sl_dead_pins);
}

/*
 * Release sl_table_mutex, then do what must not be done under it: close
 * the pins dropped meanwhile (before the request returns, so a device
 * unlocked is closed when userspace hears so) and have sl_free_unlinked() free
 * what was unlinked.
 */
void sl_table_unlock(void)
{
	struct sl_pin *pin, *tmp;
	LIST_HEAD(pins);
	bool reap;

	lockdep_assert_held(&sl_table_mutex);
	list_splice_init(&sl_dead_pins, &pins);
	reap = !list_empty(&sl_dead_locks) || sl_dead_pcpis;
	mutex_unlock(&sl_table_mutex);
	list_for_each_entry_safe(pin, tmp, &pins, node)
		sl_pin_put(pin);
	if (reap)
		queue_work(system_unbound_wq, &sl_free_work);
}

void sl_table_exit(void)
{
	unsigned int i;

	/* After sl_table_clear(), which freed every lock. */
	for (i = 0; i < ARRAY_SIZE(sl_lock_caches); i++) {
		kmem_cache_destroy(sl_lock_caches[i]);
		sl_lock_caches[i] = NULL;
	}
}

/*
 * At unload, once the table is empty: nothing but the free work itself
 * queues it now (the family is gone). Wait for its current batch at most,
 * then free the rest here, in a task that runs rather than one that
 * sleeps for the whole time.
 */
void sl_free_all_dead(void)
{
	struct sl_pcpi *pcpis;
	LIST_HEAD(locks);

	cancel_work_sync(&sl_free_work);
	synchronize_rcu();
	mutex_lock(&sl_table_mutex);
	sl_take_dead(&locks, &pcpis, 0);
	mutex_unlock(&sl_table_mutex);
	sl_free_dead(&locks, pcpis);
}
