// SPDX-License-Identifier: GPL-2.0
/*
 * The lock table's containers: pools (one per dm-thin pool, by name),
 * their origins (one per lock-set owner) and each origin's sets. Made on
 * the first lock that needs them, freed with their last, under
 * sl_table_mutex (table.c says what it protects); readers find pools
 * under RCU, so a pool, origin or set is freed only after a grace period.
 */
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include <linux/overflow.h>

#include "softlock.h"
#include "table_internal.h"

/* Under sl_table_mutex, like everything they count. */
static u64 sl_next_pool_serial = 1;	/* serial of the next new pool */
static unsigned int sl_nr_pools;	/* in sl_pools */
static unsigned int sl_nr_origins;	/* in every pool's origins */

struct sl_pool *sl_find_pool(const char *name)
{
	struct sl_pool *pool;

	list_for_each_entry_rcu(pool, &sl_pools, node,
				lockdep_is_held(&sl_table_mutex))
		if (!strcmp(pool->name, name))
			return pool;
	return NULL;
}

/*
 * The pool named @name, made if it is new: an ERR_PTR() when it cannot be.
 * The table's objects are made on behalf of a netlink request, so they are
 * charged to the caller's memory cgroup (GFP_KERNEL_ACCOUNT), as are the
 * xarray nodes that index them.
 */
struct sl_pool *sl_get_pool(const char *name, struct netlink_ext_ack *extack)
{
	struct sl_pool *pool = sl_find_pool(name);
	size_t len = strlen(name) + 1;

	lockdep_assert_held(&sl_table_mutex);
	if (pool)
		return pool;
	if (sl_nr_pools >= READ_ONCE(softlock_max_pools)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "too many pools: %u (parameter max_pools)",
				       sl_nr_pools);
		return ERR_PTR(-ENOSPC);
	}
	pool = kzalloc(struct_size(pool, name, len), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	xa_init(&pool->pcpis);
	xa_init(&pool->locks);
	INIT_LIST_HEAD(&pool->origins);
	pool->serial = sl_next_pool_serial++;
	memcpy(pool->name, name, len);
	list_add_tail_rcu(&pool->node, &sl_pools);
	sl_nr_pools++;
	return pool;
}

void sl_pool_maybe_free(struct sl_pool *pool)
{
	lockdep_assert_held(&sl_table_mutex);
	if (!list_empty(&pool->origins))
		return;
	list_del_rcu(&pool->node);
	sl_nr_pools--;
	xa_destroy(&pool->pcpis);
	xa_destroy(&pool->locks);
	kfree_rcu(pool, rcu);
}

struct sl_set *sl_new_set(struct sl_origin *origin, u64 gen)
{
	struct sl_set *set;

	lockdep_assert_held(&sl_table_mutex);
	set = kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
	if (!set)
		return NULL;
	set->origin = origin;
	set->generation = gen;
	INIT_LIST_HEAD(&set->locks);
	return set;
}

struct sl_origin *sl_find_origin(struct sl_pool *pool, const char *name)
{
	struct sl_origin *o;

	lockdep_assert_held(&sl_table_mutex);
	list_for_each_entry(o, &pool->origins, node)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* The origin @name of @pool, made if it is new, or an ERR_PTR(). */
struct sl_origin *sl_get_origin(struct sl_pool *pool, const char *name,
				struct netlink_ext_ack *extack)
{
	struct sl_origin *o = sl_find_origin(pool, name);
	struct sl_set *set;

	if (o)
		return o;
	if (sl_nr_origins >= READ_ONCE(softlock_max_origins)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "too many origins: %u (parameter max_origins)",
				       sl_nr_origins);
		return ERR_PTR(-ENOSPC);
	}
	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o)
		return ERR_PTR(-ENOMEM);
	set = sl_new_set(o, 0);
	if (!set) {
		kfree(o);
		return ERR_PTR(-ENOMEM);
	}
	strscpy(o->name, name, sizeof(o->name));
	RCU_INIT_POINTER(o->active, set);
	list_add_tail(&o->node, &pool->origins);
	sl_nr_origins++;
	return o;
}

/*
 * An origin that never committed a replace is forgotten with its last lock;
 * one that did keeps its generation so stale sets stay refused. Except at
 * the last generation, SL_GEN_LAST: no replace could follow it, so an
 * origin whose set there is empty is forgotten too and may start again
 * from 1 (Documentation/softlock.rst, "generation").
 */
void sl_origin_maybe_free(struct sl_pool *pool, struct sl_origin *o)
{
	struct sl_set *set = sl_active(o);

	lockdep_assert_held(&sl_table_mutex);
	if (o->staging || set->nr_locks)
		return;
	if (set->generation && set->generation != SL_GEN_LAST)
		return;
	sl_origin_forget(o);
}

/* Unlink @o, and free it and its active set after a grace period. */
void sl_origin_forget(struct sl_origin *o)
{
	struct sl_set *set = sl_active(o);

	lockdep_assert_held(&sl_table_mutex);
	list_del(&o->node);
	sl_nr_origins--;
	kfree_rcu(set, rcu);
	kfree_rcu(o, rcu);
}
