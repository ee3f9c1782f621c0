// SPDX-License-Identifier: GPL-2.0
/*
 * The staged replace of the lock table: begin, add to, commit and abort
 * the staging set of one origin on one pool. The sets and the ordering
 * that makes the commit atomic for readers are described in table.c.
 */
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "softlock.h"
#include "table_internal.h"

int sl_replace_begin(const char *pool_name, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack)
{
	struct sl_origin *o;
	struct sl_pool *pool;
	struct sl_set *set;
	int err;

	/* Nothing could replace a set committed at U64_MAX. */
	if (gen > SL_GEN_LAST) {
		NL_SET_ERR_MSG_MOD(extack,
				   "generation U64_MAX is reserved: nothing could replace it");
		return -EINVAL;
	}
	mutex_lock(&sl_table_mutex);
	pool = sl_get_pool(pool_name, extack);
	if (IS_ERR(pool)) {
		err = PTR_ERR(pool);
		goto out;
	}
	o = sl_get_origin(pool, origin, extack);
	if (IS_ERR(o)) {
		err = PTR_ERR(o);
		goto out_free_pool;
	}
	if (gen <= sl_active(o)->generation) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "generation %llu is stale: the set is at %llu",
				       gen, sl_active(o)->generation);
		err = -ESTALE;
		goto out_free;
	}
	/* A begin that replaces an open staging opens no more. */
	if (!o->staging && sl_nr_staged >= READ_ONCE(softlock_max_staged)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "too many open replaces: %u (parameter max_staged)",
				       sl_nr_staged);
		err = -ENOSPC;
		goto out_free;
	}
	err = -ENOMEM;
	set = sl_new_set(o, gen);
	if (!set)
		goto out_free;
	sl_drop_staging(pool, o);
	o->staging = set;
	sl_nr_staged++;
	err = 0;
out_free:
	sl_origin_maybe_free(pool, o);
out_free_pool:
	sl_pool_maybe_free(pool);
out:
	sl_table_unlock();
	return err;
}

/* The origin's open staging for @gen, or an error naming what is wrong. */
static struct sl_origin *sl_staging_origin(struct sl_pool **poolp,
					   const char *pool_name,
					   const char *origin, u64 gen,
					   struct netlink_ext_ack *extack)
{
	struct sl_pool *pool = sl_find_pool(pool_name);
	struct sl_origin *o = pool ? sl_find_origin(pool, origin) : NULL;

	lockdep_assert_held(&sl_table_mutex);
	*poolp = pool;
	if (!o || !o->staging) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "no replace is open for this origin and pool");
		return ERR_PTR(-ENOENT);
	}
	if (o->staging->generation != gen) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "generation %llu is stale: the open replace is %llu",
				       gen, o->staging->generation);
		return ERR_PTR(-ESTALE);
	}
	return o;
}

int sl_replace_add(const char *pool_name, const char *origin, u64 gen,
		   struct sl_lock_spec *specs, unsigned int n,
		   struct netlink_ext_ack *extack)
{
	struct sl_lock *lock, *tmp;
	struct sl_origin *o;
	struct sl_pool *pool;
	unsigned int i;
	u64 first_seq;
	int err;

	err = sl_open_pins(specs, n, extack);
	if (err)
		return err;
	mutex_lock(&sl_table_mutex);
	o = sl_staging_origin(&pool, pool_name, origin, gen, extack);
	if (IS_ERR(o)) {
		err = PTR_ERR(o);
		goto out;
	}
	first_seq = pool->next_seq;
	for (i = 0; i < n && !err; i++)
		err = sl_insert_lock(pool, o->staging, &specs[i], extack);
	if (err) {
		/* Nothing this batch inserted stays staged: undo from the tail. */
		list_for_each_entry_safe_reverse(lock, tmp, &o->staging->locks,
						 set_node) {
			if (lock->seq < first_seq)
				break;
			/* Nor a pin it opened, though other locks keep the PCPI. */
			if (lock->pinned_here && lock->pcpi->pin) {
				sl_pin_drop(lock->pcpi->pin);
				lock->pcpi->pin = NULL;
			}
			sl_unlink_lock(pool, lock, false);
		}
	}
out:
	sl_drop_spec_pins(specs, n);
	sl_table_unlock();
	return err;
}

int sl_replace_commit(const char *pool_name, const char *origin, u64 gen,
		      u32 *count, struct netlink_ext_ack *extack)
{
	struct sl_set *old, *new;
	struct sl_lock *lock;
	struct sl_origin *o;
	struct sl_pool *pool;
	int err = 0;

	mutex_lock(&sl_table_mutex);
	o = sl_staging_origin(&pool, pool_name, origin, gen, extack);
	if (IS_ERR(o)) {
		err = PTR_ERR(o);
		goto out;
	}
	old = sl_active(o);
	new = o->staging;
	list_for_each_entry(lock, &new->locks, set_node) {
		lock->pcpi->nr_committed++;
		sl_reap_note(lock->expires);
	}
	pool->nr_locks += new->nr_locks;
	pool->nr_staged -= new->nr_locks;
	o->staging = NULL;
	sl_nr_staged--;
	/*
	 * The atomic step. A release: a reader that sees @new here also sees
	 * every staged lock linked into the PCPI lists before it (the
	 * reader's half is the smp_rmb() in sl_table_check()).
	 */
	rcu_assign_pointer(o->active, new);
	sl_free_set_locks(pool, old, true);
	kfree_rcu(old, rcu);
	*count = new->nr_locks;
	/* An empty set at the last generation: the origin starts over. */
	sl_origin_maybe_free(pool, o);
	sl_pool_maybe_free(pool);
out:
	sl_table_unlock();
	return err;
}

int sl_replace_abort(const char *pool_name, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack)
{
	struct sl_origin *o;
	struct sl_pool *pool;
	int err = 0;

	mutex_lock(&sl_table_mutex);
	o = sl_staging_origin(&pool, pool_name, origin, gen, extack);
	if (IS_ERR(o)) {
		err = PTR_ERR(o);
		goto out;
	}
	sl_drop_staging(pool, o);
	sl_origin_maybe_free(pool, o);
	sl_pool_maybe_free(pool);
out:
	sl_table_unlock();
	return err;
}
