/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softlock: soft locks on dm-thin snapshots. Internal interfaces between
 * the lock table, the deletion guard, pins and the netlink family.
 */
#ifndef _SOFTLOCK_H
#define _SOFTLOCK_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <linux/netlink.h>
#include <linux/softlock.h>

#include "compat.h"

#define SL_ORIGIN_LOCAL "local"

/* Module parameters (main.c). */
extern bool softlock_sealed;
extern unsigned int softlock_max_locks;
extern unsigned int softlock_max_locks_per_pcpi;
extern unsigned int softlock_max_pools;
extern unsigned int softlock_max_origins;
extern unsigned int softlock_max_staged;

/* A kernel-held read-only open of an active thin device (pin.c). */
struct sl_pin {
	struct list_head node;		/* in sl_dead_pins, once dropped */
	dev_t dev;
	struct sl_bdev_handle handle;
};

/**
 * sl_pin_get() - open a thin device read-only and hold it open
 * @dev: the device to pin
 * @uuid: the DM uuid the device must have
 * @extack: where a refusal or a failure to open it is explained
 *
 * Context: process context, without sl_table_mutex; may sleep (the open).
 * Return: the pin, or an ERR_PTR(): -EINVAL when @dev is not a DM device
 * with the DM uuid @uuid, -ENOMEM, or the open's error.
 */
struct sl_pin *sl_pin_get(dev_t dev, const char *uuid,
			  struct netlink_ext_ack *extack);
/**
 * sl_pin_put() - close a pinned device and free the pin
 * @pin: from sl_pin_get()
 *
 * Context: process context; may sleep.
 */
void sl_pin_put(struct sl_pin *pin);

/* One lock as requested by userspace, validated by netlink.c. */
struct sl_lock_spec {
	u32 pcpi;
	u8 type;
	const char *text;	/* 1..SOFTLOCK_TEXT_MAX printable bytes */
	const char *dataset;	/* may be empty */
	time64_t expires;	/* 0: never */
	dev_t pin_dev;		/* 0: no pin */
	const char *pin_uuid;	/* pin_dev's DM uuid, when pin_dev is set */
	struct sl_pin *pin;	/* pin_dev, opened by the table before it locks */
};

/* Filters of lock-del and lock-get; NULL / 0 match anything. */
struct sl_match {
	const char *pool;
	const char *origin;
	const char *text;
	bool has_pcpi;
	u32 pcpi;
	u8 type;
};

/* Why a delete of (pool, pcpi) would be refused, filled without sleeping. */
struct sl_verdict {
	enum softlock_reason reason;
	u32 count;		/* live locks on the PCPI */
	u8 type;		/* of the first live lock */
	char text[SOFTLOCK_TEXT_MAX + 1];
	char dataset[SOFTLOCK_TEXT_MAX + 1];
	char origin[SOFTLOCK_ORIGIN_MAX + 1];
};

/* A committed lock as the dump sees it. */
struct sl_lock_view {
	const char *pool;
	const char *origin;
	const char *text;
	const char *dataset;
	u32 pcpi;
	u8 type;
	bool pinned;
	time64_t created;
	time64_t expires;
	u64 generation;
};

struct sl_pool_view {
	const char *pool;
	u32 nr_locks;
	u32 nr_pcpis;
	u32 nr_staged;
};

/* Where a multi-part dump resumes: the pool's serial and the next lock. */
struct sl_cursor {
	u64 pool_serial;
	u64 lock_seq;
};

/**
 * sl_table_add() - add a lock to an origin's committed set, or update it
 * @pool: the pool's DM uuid, or its DM name when it has none
 * @origin: who installs the lock (%SL_ORIGIN_LOCAL or a relationship id)
 * @spec: the lock
 * @extack: where a refusal is explained
 *
 * The same (pool, pcpi, origin, type, text) again updates the lock's
 * dataset and expiry in place. Allocations are charged to the caller's
 * memory cgroup.
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0, -ENOSPC over a limit (max_locks, max_locks_per_pcpi,
 * max_pools, max_origins), -ENOMEM, -EBUSY for a PCPI pinned to another
 * device, or the pin's open error.
 */
int sl_table_add(const char *pool, const char *origin,
		 struct sl_lock_spec *spec, struct netlink_ext_ack *extack);
/**
 * sl_table_del() - delete the committed locks of one PCPI that match
 * @m: the pool, the PCPI and optional filters
 * @count: set to the number of locks deleted
 * @extack: where a refusal is explained
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0, or -ENOENT when no lock matched.
 */
int sl_table_del(const struct sl_match *m, u32 *count,
		 struct netlink_ext_ack *extack);
/**
 * sl_table_check() - would a delete of (@pool, @pcpi) be refused, and why
 * @pool: the pool's DM uuid or name
 * @pcpi: the thin device id
 * @v: filled with the reason, the live lock count and the first live lock
 *
 * Context: any context that may use RCU; does not sleep or allocate.
 */
void sl_table_check(const char *pool, u32 pcpi, struct sl_verdict *v);
/**
 * sl_replace_begin() - open a replace of an origin's whole set on a pool
 * @pool: the pool's DM uuid or name
 * @origin: whose set is replaced
 * @gen: the new set's generation: above the committed one, below %U64_MAX
 * @extack: where a refusal is explained
 *
 * Drops any staging of @origin left open. When an origin's committed set
 * at %U64_MAX - 1, the last generation, becomes empty, the origin is
 * forgotten, so its next replace may start again from 1.
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0, -EINVAL for %U64_MAX, -ESTALE for a generation not above the
 * committed one, -ENOSPC over max_pools, max_origins or max_staged, or
 * -ENOMEM.
 */
int sl_replace_begin(const char *pool, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack);
/**
 * sl_replace_add() - stage a batch of locks into an open replace
 * @pool: the pool's DM uuid or name
 * @origin: whose replace
 * @gen: the open replace's generation
 * @specs: the locks
 * @n: how many
 * @extack: where a refusal is explained
 *
 * The whole batch is staged, or none of it.
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0, -ENOENT when no replace is open, -ESTALE for another
 * generation, -EEXIST for a lock staged twice, or sl_table_add()'s errors.
 */
int sl_replace_add(const char *pool, const char *origin, u64 gen,
		   struct sl_lock_spec *specs, unsigned int n,
		   struct netlink_ext_ack *extack);
/**
 * sl_replace_commit() - make the staged set the origin's set, atomically
 * @pool: the pool's DM uuid or name
 * @origin: whose replace
 * @gen: the open replace's generation
 * @count: set to the number of locks in the new set
 * @extack: where a refusal is explained
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0, -ENOENT when no replace is open, or -ESTALE for another
 * generation.
 */
int sl_replace_commit(const char *pool, const char *origin, u64 gen,
		      u32 *count, struct netlink_ext_ack *extack);
/**
 * sl_replace_abort() - drop an open replace and what it staged
 * @pool: the pool's DM uuid or name
 * @origin: whose replace
 * @gen: the open replace's generation
 * @extack: where a refusal is explained
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0, -ENOENT when no replace is open, or -ESTALE for another
 * generation.
 */
int sl_replace_abort(const char *pool, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack);
/**
 * sl_table_walk_locks() - call @fn for each committed lock, from a cursor
 * @cur: where to start; on an error from @fn, the lock to resume with
 * @m: filters (pool, pcpi, type, text, origin); NULL members match all
 * @fn: called under sl_table_mutex; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0 at the end of the table, else what @fn returned.
 */
int sl_table_walk_locks(struct sl_cursor *cur, const struct sl_match *m,
			int (*fn)(void *arg, const struct sl_lock_view *lv),
			void *arg);
/**
 * sl_table_walk_pools() - call @fn for each pool, from a cursor
 * @cur: where to start (@cur->pool_serial); advanced past each pool done
 * @fn: called under sl_table_mutex; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Context: process context; takes sl_table_mutex.
 * Return: 0 at the end of the table, else what @fn returned.
 */
int sl_table_walk_pools(struct sl_cursor *cur,
			int (*fn)(void *arg, const struct sl_pool_view *pv),
			void *arg);
/**
 * sl_table_init() - make the caches locks are allocated from
 *
 * Context: module init, before any request can reach the table.
 * Return: 0 or -ENOMEM.
 */
int sl_table_init(void);
/**
 * sl_table_exit() - destroy the lock caches, for module unload
 *
 * Waits for locks still queued by kfree_rcu_mightsleep().
 *
 * Context: module exit, after sl_table_clear().
 */
void sl_table_exit(void);
/**
 * sl_table_clear() - drop every lock, staging and pin, for module unload
 *
 * Also stops the reaping of expired locks.
 *
 * Context: process context, once no request or guard can reach the table.
 */
void sl_table_clear(void);

/* The deletion guard on dm-thin-pool's pool_message (guard.c). */
/**
 * sl_guard_init() - arm the guard now or when dm-thin-pool loads
 *
 * Context: module init.
 * Return: 0, or the error of registering the module notifier.
 */
int sl_guard_init(void);
/**
 * sl_guard_exit() - disarm the guard and wait for redirected calls
 *
 * Context: module exit; may sleep.
 */
void sl_guard_exit(void);
/**
 * sl_guard_stats() - the deletes refused since load, by reason
 * @refused_locked: set to those refused because the PCPI was locked
 * @refused_sealed: set to those refused because the module was sealed
 *
 * Context: any; reads two atomic counters.
 */
void sl_guard_stats(u64 *refused_locked, u64 *refused_sealed);
/**
 * sl_guard_state() - whether the guard can refuse deletes now
 *
 * Read without sl_guard_mutex: the state may change right after, when
 * dm-thin-pool loads or unloads.
 *
 * Return: %SOFTLOCK_GUARD_STATE_NOT_LOADED while dm-thin-pool is not
 * loaded (nothing to guard), %SOFTLOCK_GUARD_STATE_ARMED while the hook on
 * pool_message is registered, %SOFTLOCK_GUARD_STATE_FAILED when
 * dm-thin-pool is loaded but registering the hook failed: deletes are not
 * guarded.
 */
enum softlock_guard_state sl_guard_state(void);

/* Netlink family (netlink.c). */
/**
 * sl_netlink_init() - register the generic netlink family
 *
 * Context: module init.
 * Return: 0, or genl_register_family()'s error.
 */
int sl_netlink_init(void);
/**
 * sl_netlink_exit() - unregister the family; no request runs after it
 *
 * Context: module exit; may sleep.
 */
void sl_netlink_exit(void);
/**
 * sl_notify_refused() - send the refused-ntf event for a refused delete
 * @pool: the pool's DM uuid or name
 * @pcpi: the thin device id whose delete was refused
 * @v: the verdict that refused it
 *
 * Context: process context; allocates (the caller sets the GFP scope).
 */
void sl_notify_refused(const char *pool, u32 pcpi, const struct sl_verdict *v);

/**
 * sl_type_name() - a lock type's name, as the uAPI enum spells it
 * @type: an &enum softlock_lock_type value
 *
 * Return: the name, or "unknown" for a value outside the enum.
 */
const char *sl_type_name(u8 type);

#endif /* _SOFTLOCK_H */
