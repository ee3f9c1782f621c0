/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the lock table files (table.c, table_replace.c, table_walk.c):
 * the table's structures, its mutex and pool list, and the helpers they
 * share.
 */
#ifndef _SOFTLOCK_TABLE_INTERNAL_H
#define _SOFTLOCK_TABLE_INTERNAL_H

#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "softlock.h"

/* What sl_table_mutex protects, and what RCU readers see: table.c. */
extern struct mutex sl_table_mutex;
extern struct list_head sl_pools;	/* struct sl_pool, RCU list */
extern unsigned int sl_nr_staged;	/* open replaces, all pools */

/*
 * Generations run from 1 to SL_GEN_LAST; U64_MAX is refused, so that no
 * set can be committed at a generation nothing may follow. An origin at
 * SL_GEN_LAST is forgotten once its set is empty (sl_origin_maybe_free()).
 */
#define SL_GEN_LAST (U64_MAX - 1)

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

/*
 * sl_pcpi and sl_lock are the objects there are millions of: no rcu_head
 * (once unlinked they wait on sl_table's dead lists, chained through
 * fields RCU readers never follow, and one work item frees them in batches
 * after a grace period) and 16-bit per-PCPI counts (max_locks_per_pcpi is
 * capped at SL_PCPI_LOCKS_MAX), so a PCPI fits kmalloc-32. A lock with a
 * 32-byte text and no dataset is 110 bytes: 112 in the lock caches
 * (table.c).
 */
#define SL_PCPI_LOCKS_MAX U16_MAX

struct sl_pcpi {
	struct list_head locks;		/* struct sl_lock.pcpi_node, RCU */
	union {
		struct sl_pin *pin;	/* NULL when not pinned */
		struct sl_pcpi *next_dead; /* once out of pool->pcpis */
	};
	u32 id;
	u16 nr_locks;			/* committed + staged */
	u16 nr_committed;
};

struct sl_lock {
	struct list_head pcpi_node;	/* in pcpi->locks */
	struct list_head set_node;	/* in set->locks, then sl_dead_locks */
	struct sl_set *set;		/* fixed for the lock's life */
	struct sl_pcpi *pcpi;
	u64 seq;
	time64_t created;
	time64_t expires;
	u16 dataset_off;		/* dataset string in strings[] */
	u8 type;
	bool pinned_here;		/* its insertion opened pcpi->pin */
	char strings[];			/* text, NUL, dataset, NUL */
};

static inline struct sl_set *sl_active(const struct sl_origin *o)
{
	return rcu_dereference_check(o->active,
				     lockdep_is_held(&sl_table_mutex));
}

static inline bool sl_committed(const struct sl_lock *lock)
{
	return lock->set == sl_active(lock->set->origin);
}

static inline const char *sl_dataset(const struct sl_lock *lock)
{
	return lock->strings + lock->dataset_off;
}

void sl_table_unlock(void);
void sl_pin_drop(struct sl_pin *pin);
int sl_open_pins(struct sl_lock_spec *specs, unsigned int n,
		 struct netlink_ext_ack *extack);
void sl_drop_spec_pins(struct sl_lock_spec *specs, unsigned int n);
struct sl_pool *sl_find_pool(const char *name);
struct sl_pool *sl_get_pool(const char *name, struct netlink_ext_ack *extack);
void sl_pool_maybe_free(struct sl_pool *pool);
struct sl_set *sl_new_set(struct sl_origin *origin, u64 gen);
struct sl_origin *sl_find_origin(struct sl_pool *pool, const char *name);
struct sl_origin *sl_get_origin(struct sl_pool *pool, const char *name,
				struct netlink_ext_ack *extack);
void sl_origin_maybe_free(struct sl_pool *pool, struct sl_origin *o);
void sl_origin_forget(struct sl_origin *o);

/* table_mem.c */
size_t sl_lock_size(size_t strings);
struct sl_lock *sl_lock_alloc(size_t size);
void sl_dead_lock(struct sl_lock *lock);
void sl_dead_pcpi(struct sl_pcpi *pcpi);
void sl_free_all_dead(void);
void sl_unlink_lock(struct sl_pool *pool, struct sl_lock *lock,
		    bool committed);
int sl_insert_lock(struct sl_pool *pool, struct sl_set *set,
		   struct sl_lock_spec *spec,
		   struct netlink_ext_ack *extack);
bool sl_matches(const struct sl_lock *lock, const struct sl_match *m);
void sl_free_set_locks(struct sl_pool *pool, struct sl_set *set,
		       bool committed);
void sl_drop_staging(struct sl_pool *pool, struct sl_origin *o);

/* Reaping of expired locks (table_reap.c). */
void sl_reap_note(time64_t expires);
void sl_reap_stop(void);

#endif /* _SOFTLOCK_TABLE_INTERNAL_H */
