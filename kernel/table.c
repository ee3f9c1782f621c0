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
 * both the old and the new set never looks unlocked.
 */
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/overflow.h>

#include "softlock.h"

/*
 * sl_table_mutex serialises every change to the table: the pool list, each
 * pool's xarrays and origin list, every set and lock list, pins, and the
 * counters. The guard and check read the pool list, pcpis xarrays, PCPI
 * lock lists and origin->active under RCU; all of those are freed only
 * after a grace period (kfree_rcu).
 */
static DEFINE_MUTEX(sl_table_mutex);
static LIST_HEAD(sl_pools);		/* struct sl_pool, RCU list */
static u64 sl_next_pool_serial = 1;	/* serial of the next new pool */
static unsigned int sl_nr_locks;	/* committed + staged, all pools */

struct sl_pool {
	struct list_head node;		/* in sl_pools */
	struct xarray pcpis;		/* thin id -> struct sl_pcpi */
	struct xarray locks;		/* lock seq -> struct sl_lock */
	struct list_head origins;	/* struct sl_origin */
	u64 serial;			/* dump cursor order */
	u64 next_seq;			/* seq of the next lock */
	u32 nr_locks;			/* in committed sets */
	u32 nr_staged;			/* in staged sets */
	struct rcu_head rcu;
	char name[];
};

struct sl_set {
	struct sl_origin *origin;
	struct list_head locks;		/* struct sl_lock.set_node */
	u64 generation;
	u32 nr_locks;
	struct rcu_head rcu;
};

struct sl_origin {
	struct list_head node;		/* in pool->origins */
	struct sl_set __rcu *active;	/* committed set, never NULL */
	struct sl_set *staging;		/* open replace or NULL */
	struct rcu_head rcu;
	char name[SOFTLOCK_ORIGIN_MAX + 1];
};

struct sl_pcpi {
	struct list_head locks;		/* struct sl_lock.pcpi_node, RCU */
	struct sl_pin *pin;		/* NULL when not pinned */
	u32 id;
	u32 nr_locks;			/* committed + staged */
	u32 nr_committed;
	struct rcu_head rcu;
};

struct sl_lock {
	struct list_head pcpi_node;	/* in pcpi->locks */
	struct list_head set_node;	/* in set->locks */
	struct sl_set *set;		/* fixed for the lock's life */
	struct sl_pcpi *pcpi;
	u64 seq;
	time64_t created;
	time64_t expires;
	u16 dataset_off;		/* dataset string in strings[] */
	u8 type;
	bool pinned_here;		/* its insertion opened pcpi->pin */
	struct rcu_head rcu;
	char strings[];			/* text, NUL, dataset, NUL */
};

static struct sl_set *sl_active(const struct sl_origin *o)
{
	return rcu_dereference_check(o->active,
				     lockdep_is_held(&sl_table_mutex));
}

static bool sl_committed(const struct sl_lock *lock)
{
	return lock->set == sl_active(lock->set->origin);
}

static bool sl_live(const struct sl_lock *lock, time64_t now)
{
	return sl_committed(lock) && (!lock->expires || lock->expires > now);
}

static const char *sl_dataset(const struct sl_lock *lock)
{
	return lock->strings + lock->dataset_off;
}

static struct sl_pool *sl_find_pool(const char *name)
{
	struct sl_pool *pool;

	list_for_each_entry_rcu(pool, &sl_pools, node,
				lockdep_is_held(&sl_table_mutex))
		if (!strcmp(pool->name, name))
			return pool;
	return NULL;
}

static struct sl_pool *sl_get_pool(const char *name)
{
	struct sl_pool *pool = sl_find_pool(name);
	size_t len = strlen(name) + 1;

	if (pool)
		return pool;
	pool = kzalloc(struct_size(pool, name, len), GFP_KERNEL);
	if (!pool)
		return NULL;
	xa_init(&pool->pcpis);
	xa_init(&pool->locks);
	INIT_LIST_HEAD(&pool->origins);
	pool->serial = sl_next_pool_serial++;
	memcpy(pool->name, name, len);
	list_add_tail_rcu(&pool->node, &sl_pools);
	return pool;
}

static void sl_pool_maybe_free(struct sl_pool *pool)
{
	if (!list_empty(&pool->origins))
		return;
	list_del_rcu(&pool->node);
	xa_destroy(&pool->pcpis);
	xa_destroy(&pool->locks);
	kfree_rcu(pool, rcu);
}

static struct sl_set *sl_new_set(struct sl_origin *origin, u64 gen)
{
	struct sl_set *set = kzalloc(sizeof(*set), GFP_KERNEL);

	if (!set)
		return NULL;
	set->origin = origin;
	set->generation = gen;
	INIT_LIST_HEAD(&set->locks);
	return set;
}

static struct sl_origin *sl_find_origin(struct sl_pool *pool, const char *name)
{
	struct sl_origin *o;

	list_for_each_entry(o, &pool->origins, node)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static struct sl_origin *sl_get_origin(struct sl_pool *pool, const char *name)
{
	struct sl_origin *o = sl_find_origin(pool, name);
	struct sl_set *set;

	if (o)
		return o;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return NULL;
	set = sl_new_set(o, 0);
	if (!set) {
		kfree(o);
		return NULL;
	}
	strscpy(o->name, name, sizeof(o->name));
	RCU_INIT_POINTER(o->active, set);
	list_add_tail(&o->node, &pool->origins);
	return o;
}

/*
 * An origin that never committed a replace is forgotten with its last lock;
 * one that did keeps its generation so stale sets stay refused.
 */
static void sl_origin_maybe_free(struct sl_pool *pool, struct sl_origin *o)
{
	struct sl_set *set = sl_active(o);

	if (o->staging || set->nr_locks || set->generation)
		return;
	list_del(&o->node);
	kfree_rcu(set, rcu);
	kfree_rcu(o, rcu);
}

static struct sl_pcpi *sl_get_pcpi(struct sl_pool *pool, u32 id)
{
	struct sl_pcpi *pcpi = xa_load(&pool->pcpis, id);

	if (pcpi)
		return pcpi;
	pcpi = kzalloc(sizeof(*pcpi), GFP_KERNEL);
	if (!pcpi)
		return NULL;
	pcpi->id = id;
	INIT_LIST_HEAD(&pcpi->locks);
	if (xa_err(xa_store(&pool->pcpis, id, pcpi, GFP_KERNEL))) {
		kfree(pcpi);
		return NULL;
	}
	return pcpi;
}

/* A PCPI goes, and its pin is released, with its last lock. */
static void sl_pcpi_maybe_free(struct sl_pool *pool, struct sl_pcpi *pcpi)
{
	if (pcpi->nr_locks)
		return;
	xa_erase(&pool->pcpis, pcpi->id);
	if (pcpi->pin)
		sl_pin_put(pcpi->pin);
	kfree_rcu(pcpi, rcu);
}

static int sl_pin_pcpi(struct sl_pcpi *pcpi, dev_t dev,
		       struct netlink_ext_ack *extack)
{
	struct sl_pin *pin;

	if (!dev)
		return 0;
	if (pcpi->pin) {
		if (pcpi->pin->dev == dev)
			return 0;
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "thin id %u is already pinned to device %u:%u",
				       pcpi->id, MAJOR(pcpi->pin->dev),
				       MINOR(pcpi->pin->dev));
		return -EBUSY;
	}
	pin = sl_pin_get(dev, extack);
	if (IS_ERR(pin))
		return PTR_ERR(pin);
	pcpi->pin = pin;
	return 0;
}

static int sl_check_room(struct sl_pcpi *pcpi, struct netlink_ext_ack *extack)
{
	if (sl_nr_locks >= READ_ONCE(softlock_max_locks)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "lock table full: %u locks (parameter max_locks)",
				       sl_nr_locks);
		return -ENOSPC;
	}
	if (pcpi->nr_locks >= READ_ONCE(softlock_max_locks_per_pcpi)) {
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

	list_for_each_entry(lock, &pcpi->locks, pcpi_node)
		if (lock->set == set && lock->type == type &&
		    !strcmp(lock->strings, text))
			return lock;
	return NULL;
}

static void sl_unlink_lock(struct sl_pool *pool, struct sl_lock *lock,
			   bool committed)
{
	struct sl_pcpi *pcpi = lock->pcpi;

	list_del_rcu(&lock->pcpi_node);
	list_del(&lock->set_node);
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
	kfree_rcu(lock, rcu);
	sl_pcpi_maybe_free(pool, pcpi);
}

/*
 * Insert one lock into @set. In a committed set the same (pcpi, type, text)
 * updates the existing lock instead: a new lock replaces it when the dataset
 * changes, inserted before the old one is unlinked so the PCPI never looks
 * free. In a staged set it is refused.
 */
static int sl_insert_lock(struct sl_pool *pool, struct sl_set *set,
			  const struct sl_lock_spec *spec,
			  struct netlink_ext_ack *extack)
{
	bool committed = set == sl_active(set->origin);
	size_t tlen = strlen(spec->text) + 1;
	size_t dlen = strlen(spec->dataset) + 1;
	struct sl_lock *lock, *old = NULL;
	struct sl_pcpi *pcpi;
	bool had_pin;
	int err;

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
				       "thin id %u: %s \"%s\" is already staged",
				       spec->pcpi, sl_type_name(spec->type),
				       spec->text);
		err = -EEXIST;
		goto out_maybe_free;
	}
	if (old && !strcmp(sl_dataset(old), spec->dataset)) {
		old->expires = spec->expires;
		return sl_pin_pcpi(pcpi, spec->pin_dev, extack);
	}
	had_pin = pcpi->pin;
	err = old ? 0 : sl_check_room(pcpi, extack);
	if (!err)
		err = sl_pin_pcpi(pcpi, spec->pin_dev, extack);
	if (err)
		goto out_maybe_free;
	err = -ENOMEM;
	lock = kzalloc(struct_size(lock, strings, tlen + dlen), GFP_KERNEL);
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
	if (xa_err(xa_store(&pool->locks, lock->seq, lock, GFP_KERNEL))) {
		kfree(lock);
		goto out_unpin;
	}
	lock->pinned_here = !had_pin && pcpi->pin;
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
	if (old)
		sl_unlink_lock(pool, old, committed);
	return 0;

out_unpin:
	/* A failed insertion leaves no pin behind that it opened itself. */
	if (!had_pin && pcpi->pin) {
		sl_pin_put(pcpi->pin);
		pcpi->pin = NULL;
	}
out_maybe_free:
	sl_pcpi_maybe_free(pool, pcpi);
	return err;
}

int sl_table_add(const char *pool_name, const char *origin,
		 const struct sl_lock_spec *spec, struct netlink_ext_ack *extack)
{
	struct sl_origin *o;
	struct sl_pool *pool;
	int err = -ENOMEM;

	mutex_lock(&sl_table_mutex);
	pool = sl_get_pool(pool_name);
	if (!pool)
		goto out;
	o = sl_get_origin(pool, origin);
	if (o) {
		err = sl_insert_lock(pool, sl_active(o), spec, extack);
		sl_origin_maybe_free(pool, o);
	}
	sl_pool_maybe_free(pool);
out:
	mutex_unlock(&sl_table_mutex);
	return err;
}

static bool sl_matches(const struct sl_lock *lock, const struct sl_match *m)
{
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
	mutex_unlock(&sl_table_mutex);
	if (!*count) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "no lock on pool %s thin id %u matches",
				       m->pool, m->pcpi);
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
			if (!sl_live(lock, now))
				continue;
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

static void sl_free_set_locks(struct sl_pool *pool, struct sl_set *set,
			      bool committed)
{
	struct sl_lock *lock, *tmp;

	list_for_each_entry_safe(lock, tmp, &set->locks, set_node)
		sl_unlink_lock(pool, lock, committed);
}

static void sl_drop_staging(struct sl_pool *pool, struct sl_origin *o)
{
	struct sl_set *set = o->staging;

	if (!set)
		return;
	sl_free_set_locks(pool, set, false);
	o->staging = NULL;
	kfree_rcu(set, rcu);
}

int sl_replace_begin(const char *pool_name, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack)
{
	struct sl_origin *o;
	struct sl_pool *pool;
	struct sl_set *set;
	int err = -ENOMEM;

	mutex_lock(&sl_table_mutex);
	pool = sl_get_pool(pool_name);
	if (!pool)
		goto out;
	o = sl_get_origin(pool, origin);
	if (!o)
		goto out_free;
	if (gen <= sl_active(o)->generation) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "generation %llu is stale: origin %s on pool %s is at %llu",
				       gen, origin, pool_name,
				       sl_active(o)->generation);
		err = -ESTALE;
		goto out_free;
	}
	set = sl_new_set(o, gen);
	if (!set)
		goto out_free;
	sl_drop_staging(pool, o);
	o->staging = set;
	err = 0;
out_free:
	if (o)
		sl_origin_maybe_free(pool, o);
	sl_pool_maybe_free(pool);
out:
	mutex_unlock(&sl_table_mutex);
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

	*poolp = pool;
	if (!o || !o->staging) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "no replace is open for origin %s on pool %s",
				       origin, pool_name);
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
		   const struct sl_lock_spec *specs, unsigned int n,
		   struct netlink_ext_ack *extack)
{
	struct sl_lock *lock, *tmp;
	struct sl_origin *o;
	struct sl_pool *pool;
	unsigned int i;
	u64 first_seq;
	int err = 0;

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
				sl_pin_put(lock->pcpi->pin);
				lock->pcpi->pin = NULL;
			}
			sl_unlink_lock(pool, lock, false);
		}
	}
out:
	mutex_unlock(&sl_table_mutex);
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
	list_for_each_entry(lock, &new->locks, set_node)
		lock->pcpi->nr_committed++;
	pool->nr_locks += new->nr_locks;
	pool->nr_staged -= new->nr_locks;
	o->staging = NULL;
	rcu_assign_pointer(o->active, new);	/* the atomic step */
	sl_free_set_locks(pool, old, true);
	kfree_rcu(old, rcu);
	*count = new->nr_locks;
out:
	mutex_unlock(&sl_table_mutex);
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
	mutex_unlock(&sl_table_mutex);
	return err;
}

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
			lv.expires = lock->expires;
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

/* Drop every lock, staging and pin; for module unload. */
void sl_table_clear(void)
{
	struct sl_pool *pool, *ptmp;
	struct sl_origin *o, *otmp;

	mutex_lock(&sl_table_mutex);
	list_for_each_entry_safe(pool, ptmp, &sl_pools, node) {
		list_for_each_entry_safe(o, otmp, &pool->origins, node) {
			struct sl_set *set = sl_active(o);

			sl_drop_staging(pool, o);
			sl_free_set_locks(pool, set, true);
			list_del(&o->node);
			kfree_rcu(set, rcu);
			kfree_rcu(o, rcu);
		}
		sl_pool_maybe_free(pool);
	}
	mutex_unlock(&sl_table_mutex);
}
