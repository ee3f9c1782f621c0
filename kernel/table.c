// SPDX-License-Identifier: GPL-2.0
/*
 * The lock table: pools -> PCPIs (thin device ids) -> locks.
 *
 * Every lock belongs to a *set*: one generation of one origin's locks on one
 * pool. Each origin has exactly one committed set (origin->active) and at
 * most one set being staged by a replace. A lock is live when its set is its
 * origin's active set and it has not expired. Committing a replace is one
 * pointer store (rcu_assign_pointer of origin->active), so a reader sees the
 * whole old set or the whole new set.
 *
 * Within a PCPI's lock list, locks of committed sets are inserted at the head
 * and staged locks at the tail. A reader walks the list in order, so if it
 * reads an old lock before the flip it counts it, and if it reads it after
 * the flip every staged lock it reaches later is live too: a PCPI locked in
 * both the old and the new set never looks unlocked. That takes two
 * orderings, not x86's alone: the writer links every staged lock before the
 * flip (the flip is a release, rcu_assign_pointer()), and the reader reads
 * origin->active before it reads on along the list (smp_rmb() in
 * sl_table_check()).
 *
 * Updating a committed lock (same origin, type and text; a new dataset)
 * puts the new lock in the old one's place with list_replace_rcu(): a
 * reader at any point of the list meets one of the two. Adding the new one
 * at the head and then unlinking the old one would let a reader already
 * past the head, on a lock that is not live (expired), miss both.
 *
 * This file holds the table core: PCPIs and locks, adding and deleting
 * single locks, the guard's check and unload. Pools, origins and their
 * sets are made and freed in table_pool.c, locks allocated and what was
 * unlinked freed in table_mem.c, the staged replace is in
 * table_replace.c, the dump walks in table_walk.c.
 */
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/overflow.h>

#include "softlock.h"
#include "table_internal.h"

/*
 * sl_table_mutex serialises every change to the table: the pool list, each
 * pool's xarrays and origin list, every set and lock list, pins, the
 * counters and the dead lists below. The guard and check read the pool
 * list, pcpis xarrays, PCPI lock lists and origin->active under RCU; all
 * of those are freed only after a grace period (kfree_rcu, or
 * sl_free_unlinked()).
 *
 * Nothing slow happens under the mutex, so no request waits long on
 * another: pins are opened before it is taken (sl_open_pins()) and closed
 * after it is released (sl_table_unlock()), since a block device open or
 * last close may wait on I/O; unlinked locks and PCPIs are freed by one
 * work item after one grace period per batch (sl_free_unlinked()), not
 * one RCU callback per object, so removing a million locks costs the
 * unlinking alone.
 */
DEFINE_MUTEX(sl_table_mutex);
LIST_HEAD(sl_pools);			/* struct sl_pool, RCU list */
static unsigned int sl_nr_locks;	/* committed + staged, all pools */
unsigned int sl_nr_staged;		/* open replaces, all pools */

/*
 * Whether an earlier spec of the batch opened the pin @i asks for, for the
 * same PCPI: its insertion, before @i's, leaves that PCPI pinned (or fails
 * the batch), so @i needs no open of its own.
 */
static bool sl_pin_opened(const struct sl_lock_spec *specs, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (specs[j].pin && specs[j].pcpi == specs[i].pcpi &&
		    specs[j].pin_dev == specs[i].pin_dev &&
		    !strcmp(specs[j].pin_uuid, specs[i].pin_uuid))
			return true;
	return false;
}

/*
 * Open the pins @specs ask for, without sl_table_mutex (@specs is the
 * caller's own). The table takes each into a PCPI or drops it:
 * sl_drop_spec_pins(). A lock set names few PCPIs for many locks, so a
 * pin is opened once per PCPI of a batch, not once per lock: a device
 * open and close per lock was most of a large replace's time.
 */
int sl_open_pins(struct sl_lock_spec *specs, unsigned int n,
		 struct netlink_ext_ack *extack)
{
	struct sl_pin *pin;
	unsigned int i;

	for (i = 0; i < n; i++)
		specs[i].pin = NULL;
	for (i = 0; i < n; i++) {
		if (!specs[i].pin_dev || sl_pin_opened(specs, i))
			continue;
		pin = sl_pin_get(specs[i].pin_dev, specs[i].pin_uuid, extack);
		if (IS_ERR(pin)) {
			while (i--)
				if (specs[i].pin)
					sl_pin_put(specs[i].pin);
			return PTR_ERR(pin);
		}
		specs[i].pin = pin;
	}
	return 0;
}

/* The pins of @specs that no PCPI took. */
void sl_drop_spec_pins(struct sl_lock_spec *specs, unsigned int n)
{
	unsigned int i;

	lockdep_assert_held(&sl_table_mutex);
	for (i = 0; i < n; i++) {
		if (specs[i].pin)
			sl_pin_drop(specs[i].pin);
		specs[i].pin = NULL;
	}
}

/* Under RCU: an update of the lock's expiry may race with the guard. */
static bool sl_live(const struct sl_lock *lock, time64_t now)
{
	time64_t expires = READ_ONCE(lock->expires);

	return sl_committed(lock) && (!expires || expires > now);
}

static struct sl_pcpi *sl_get_pcpi(struct sl_pool *pool, u32 id)
{
	struct sl_pcpi *pcpi = xa_load(&pool->pcpis, id);

	lockdep_assert_held(&sl_table_mutex);
	if (pcpi)
		return pcpi;
	pcpi = kzalloc(sizeof(*pcpi), GFP_KERNEL_ACCOUNT);
	if (!pcpi)
		return NULL;
	pcpi->id = id;
	INIT_LIST_HEAD(&pcpi->locks);
	if (xa_err(xa_store(&pool->pcpis, id, pcpi, GFP_KERNEL_ACCOUNT))) {
		kfree(pcpi);
		return NULL;
	}
	return pcpi;
}

/* A PCPI goes, and its pin is released, with its last lock. */
static void sl_pcpi_maybe_free(struct sl_pool *pool, struct sl_pcpi *pcpi)
{
	lockdep_assert_held(&sl_table_mutex);
	if (pcpi->nr_locks)
		return;
	xa_erase(&pool->pcpis, pcpi->id);
	if (pcpi->pin)
		sl_pin_drop(pcpi->pin);
	sl_dead_pcpi(pcpi);
}

/* The PCPI takes the pin @spec opened, unless it is pinned already. */
static int sl_pin_pcpi(struct sl_pcpi *pcpi, struct sl_lock_spec *spec,
		       struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&sl_table_mutex);
	if (!spec->pin)
		return 0;
	if (pcpi->pin) {
		if (pcpi->pin->dev == spec->pin->dev)
			return 0;
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "thin id %u is already pinned to device %u:%u",
				       pcpi->id, MAJOR(pcpi->pin->dev),
				       MINOR(pcpi->pin->dev));
		return -EBUSY;
	}
	pcpi->pin = spec->pin;
	spec->pin = NULL;
	return 0;
}

static int sl_check_room(struct sl_pcpi *pcpi, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&sl_table_mutex);
	if (sl_nr_locks >= READ_ONCE(softlock_max_locks)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "lock table full: %u locks (parameter max_locks)",
				       sl_nr_locks);
		return -ENOSPC;
	}
	if (pcpi->nr_locks >= min_t(unsigned int, SL_PCPI_LOCKS_MAX,
				    READ_ONCE(softlock_max_locks_per_pcpi))) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "thin id %u already has %u locks (parameter max_locks_per_pcpi)",
				       pcpi->id, pcpi->nr_locks);
		return -ENOSPC;
	}
	return 0;
}

static struct sl_lock *sl_find_lock(struct sl_pcpi *pcpi, struct sl_set *set,
				    u8 type, const char *text)
{
	struct sl_lock *lock;

	lockdep_assert_held(&sl_table_mutex);
	list_for_each_entry(lock, &pcpi->locks, pcpi_node)
		if (lock->set == set && lock->type == type &&
		    !strcmp(lock->strings, text))
			return lock;
	return NULL;
}

void sl_unlink_lock(struct sl_pool *pool, struct sl_lock *lock,
		    bool committed)
{
	struct sl_pcpi *pcpi = lock->pcpi;

	lockdep_assert_held(&sl_table_mutex);
	list_del_rcu(&lock->pcpi_node);
	list_del(&lock->set_node);
	sl_dead_lock(lock);
	xa_erase(&pool->locks, lock->seq);
	lock->set->nr_locks--;
	pcpi->nr_locks--;
	sl_nr_locks--;
	if (committed) {
		pcpi->nr_committed--;
		pool->nr_locks--;
	} else {
		pool->nr_staged--;
	}
	sl_pcpi_maybe_free(pool, pcpi);
}

/*
 * @new takes @old's place in the PCPI's list and in the set's list; the
 * counts stay as they are. list_replace_rcu() publishes @new, fully
 * initialised, with rcu_assign_pointer() and leaves @old's ->next as it
 * was: a reader that has not reached the spot meets @new, one already on
 * @old goes on from it, and each meets exactly one of the two.
 */
static void sl_replace_lock(struct sl_pool *pool, struct sl_lock *old,
			    struct sl_lock *new)
{
	lockdep_assert_held(&sl_table_mutex);
	list_replace_rcu(&old->pcpi_node, &new->pcpi_node);
	list_replace(&old->set_node, &new->set_node);
	sl_dead_lock(old);
	xa_erase(&pool->locks, old->seq);
}

/*
 * Insert one lock into @set. In a committed set the same (pcpi, type, text)
 * updates the existing lock instead: a new lock replaces it in place when
 * the dataset changes, so the PCPI never looks free (table.c's header). In
 * a staged set it is refused.
 */
int sl_insert_lock(struct sl_pool *pool, struct sl_set *set,
		   struct sl_lock_spec *spec,
		   struct netlink_ext_ack *extack)
{
	bool committed = set == sl_active(set->origin);
	size_t tlen = strlen(spec->text) + 1;
	size_t dlen = strlen(spec->dataset) + 1;
	struct sl_lock *lock, *old = NULL;
	struct sl_pcpi *pcpi;
	bool had_pin;
	int err;

	lockdep_assert_held(&sl_table_mutex);
	pcpi = sl_get_pcpi(pool, spec->pcpi);
	if (!pcpi)
		return -ENOMEM;
	old = sl_find_lock(pcpi, set, spec->type, spec->text);
	/*
	 * A staged set takes each lock once: updating a staged lock in place
	 * could not be undone if a later entry of the same batch fails.
	 */
	if (old && !committed) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "thin id %u: that %s lock is already staged",
				       spec->pcpi, sl_type_name(spec->type));
		err = -EEXIST;
		goto out_maybe_free;
	}
	if (old && !strcmp(sl_dataset(old), spec->dataset)) {
		/* A refused update leaves the lock as it was. */
		err = sl_pin_pcpi(pcpi, spec, extack);
		if (err)
			return err;
		WRITE_ONCE(old->expires, spec->expires);
		sl_reap_note(spec->expires);
		return 0;
	}
	had_pin = pcpi->pin;
	if (!old) {
		err = sl_check_room(pcpi, extack);
		if (err)
			goto out_maybe_free;
	}
	err = sl_pin_pcpi(pcpi, spec, extack);
	if (err)
		goto out_maybe_free;
	err = -ENOMEM;
	lock = sl_lock_alloc(sl_lock_size(tlen + dlen));
	if (!lock)
		goto out_unpin;
	lock->set = set;
	lock->pcpi = pcpi;
	lock->type = spec->type;
	lock->created = ktime_get_real_seconds();
	lock->expires = spec->expires;
	lock->dataset_off = tlen;
	memcpy(lock->strings, spec->text, tlen);
	memcpy(lock->strings + tlen, spec->dataset, dlen);
	lock->seq = pool->next_seq++;
	if (xa_err(xa_store(&pool->locks, lock->seq, lock, GFP_KERNEL_ACCOUNT))) {
		kfree(lock);
		goto out_unpin;
	}
	lock->pinned_here = !had_pin && pcpi->pin;
	/* A staged lock's expiry is noted again when its set is committed. */
	if (committed)
		sl_reap_note(lock->expires);
	if (old) {
		sl_replace_lock(pool, old, lock);
		return 0;
	}
	if (committed)
		list_add_rcu(&lock->pcpi_node, &pcpi->locks);
	else
		list_add_tail_rcu(&lock->pcpi_node, &pcpi->locks);
	list_add_tail(&lock->set_node, &set->locks);
	set->nr_locks++;
	pcpi->nr_locks++;
	sl_nr_locks++;
	if (committed) {
		pcpi->nr_committed++;
		pool->nr_locks++;
	} else {
		pool->nr_staged++;
	}
	return 0;

out_unpin:
	/* A failed insertion leaves no pin behind that it opened itself. */
	if (!had_pin && pcpi->pin) {
		sl_pin_drop(pcpi->pin);
		pcpi->pin = NULL;
	}
out_maybe_free:
	sl_pcpi_maybe_free(pool, pcpi);
	return err;
}

int sl_table_add(const char *pool_name, const char *origin,
		 struct sl_lock_spec *spec, struct netlink_ext_ack *extack)
{
	struct sl_origin *o;
	struct sl_pool *pool;
	int err;

	err = sl_open_pins(spec, 1, extack);
	if (err)
		return err;
	err = -ENOMEM;
	mutex_lock(&sl_table_mutex);
	pool = sl_get_pool(pool_name, extack);
	if (IS_ERR(pool)) {
		err = PTR_ERR(pool);
		goto out;
	}
	o = sl_get_origin(pool, origin, extack);
	if (IS_ERR(o)) {
		err = PTR_ERR(o);
	} else {
		err = sl_insert_lock(pool, sl_active(o), spec, extack);
		sl_origin_maybe_free(pool, o);
	}
	sl_pool_maybe_free(pool);
out:
	sl_drop_spec_pins(spec, 1);
	sl_table_unlock();
	return err;
}

bool sl_matches(const struct sl_lock *lock, const struct sl_match *m)
{
	lockdep_assert_held(&sl_table_mutex);
	if (m->has_pcpi && lock->pcpi->id != m->pcpi)
		return false;
	if (m->type && lock->type != m->type)
		return false;
	if (m->text && strcmp(lock->strings, m->text))
		return false;
	if (m->origin && strcmp(lock->set->origin->name, m->origin))
		return false;
	return true;
}

int sl_table_del(const struct sl_match *m, u32 *count,
		 struct netlink_ext_ack *extack)
{
	struct sl_origin *o, *otmp;
	struct sl_lock *lock, *tmp;
	struct sl_pcpi *pcpi;
	struct sl_pool *pool;

	*count = 0;
	mutex_lock(&sl_table_mutex);
	pool = sl_find_pool(m->pool);
	pcpi = pool ? xa_load(&pool->pcpis, m->pcpi) : NULL;
	if (pcpi) {
		/* The last unlink may free the PCPI: count its locks first. */
		u32 left = pcpi->nr_locks;

		list_for_each_entry_safe(lock, tmp, &pcpi->locks, pcpi_node) {
			left--;
			if (sl_committed(lock) && sl_matches(lock, m)) {
				sl_unlink_lock(pool, lock, true);
				(*count)++;
			}
			if (!left)
				break;
		}
		list_for_each_entry_safe(o, otmp, &pool->origins, node)
			sl_origin_maybe_free(pool, o);
		sl_pool_maybe_free(pool);
	}
	sl_table_unlock();
	if (!*count) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "no lock on thin id %u matches", m->pcpi);
		return -ENOENT;
	}
	return 0;
}

/*
 * The guard's question. Runs under RCU only: no allocation, no sleeping,
 * bounded by the PCPI's lock count (max_locks_per_pcpi).
 */
void sl_table_check(const char *pool_name, u32 id, struct sl_verdict *v)
{
	time64_t now = ktime_get_real_seconds();
	struct sl_lock *lock;
	struct sl_pcpi *pcpi;
	struct sl_pool *pool;

	v->count = 0;
	v->type = 0;
	v->text[0] = '\0';
	v->dataset[0] = '\0';
	v->origin[0] = '\0';
	rcu_read_lock();
	pool = sl_find_pool(pool_name);
	pcpi = pool ? xa_load(&pool->pcpis, id) : NULL;
	if (pcpi) {
		list_for_each_entry_rcu(lock, &pcpi->locks, pcpi_node) {
			if (!sl_live(lock, now)) {
				/*
				 * Dead because a commit flipped its set: the
				 * staged locks behind it were linked before
				 * the flip, and the reads of ->next that
				 * follow must see them (table.c's header).
				 */
				smp_rmb();
				continue;
			}
			if (!v->count++) {
				v->type = lock->type;
				strscpy(v->text, lock->strings, sizeof(v->text));
				strscpy(v->dataset, sl_dataset(lock),
					sizeof(v->dataset));
				strscpy(v->origin, lock->set->origin->name,
					sizeof(v->origin));
			}
		}
	}
	rcu_read_unlock();
	if (v->count)
		v->reason = SOFTLOCK_REASON_LOCKED;
	else if (READ_ONCE(softlock_sealed))
		v->reason = SOFTLOCK_REASON_SEALED;
	else
		v->reason = SOFTLOCK_REASON_NONE;
}

void sl_free_set_locks(struct sl_pool *pool, struct sl_set *set,
		       bool committed)
{
	struct sl_lock *lock, *tmp;

	lockdep_assert_held(&sl_table_mutex);
	list_for_each_entry_safe(lock, tmp, &set->locks, set_node) {
		sl_unlink_lock(pool, lock, committed);
		/* A set may hold millions; this runs in process context. */
		cond_resched();
	}
}

void sl_drop_staging(struct sl_pool *pool, struct sl_origin *o)
{
	struct sl_set *set = o->staging;

	lockdep_assert_held(&sl_table_mutex);
	if (!set)
		return;
	sl_free_set_locks(pool, set, false);
	o->staging = NULL;
	sl_nr_staged--;
	kfree_rcu(set, rcu);
}

/* Drop every lock, staging and pin; for module unload. */
void sl_table_clear(void)
{
	struct sl_pool *pool, *ptmp;
	struct sl_origin *o, *otmp;

	sl_reap_stop();
	mutex_lock(&sl_table_mutex);
	list_for_each_entry_safe(pool, ptmp, &sl_pools, node) {
		list_for_each_entry_safe(o, otmp, &pool->origins, node) {
			struct sl_set *set = sl_active(o);

			sl_drop_staging(pool, o);
			sl_free_set_locks(pool, set, true);
			sl_origin_forget(o);
		}
		sl_pool_maybe_free(pool);
	}
	sl_table_unlock();
	sl_free_all_dead();
}
