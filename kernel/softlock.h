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

/* A kernel-held read-only open of an active thin device (pin.c). */
struct sl_pin {
	struct list_head node;		/* in sl_dead_pins, once dropped */
	dev_t dev;
	struct sl_bdev_handle handle;
};

struct sl_pin *sl_pin_get(dev_t dev, const char *uuid,
			  struct netlink_ext_ack *extack);
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

int sl_table_add(const char *pool, const char *origin,
		 struct sl_lock_spec *spec, struct netlink_ext_ack *extack);
int sl_table_del(const struct sl_match *m, u32 *count,
		 struct netlink_ext_ack *extack);
void sl_table_check(const char *pool, u32 pcpi, struct sl_verdict *v);
int sl_replace_begin(const char *pool, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack);
int sl_replace_add(const char *pool, const char *origin, u64 gen,
		   struct sl_lock_spec *specs, unsigned int n,
		   struct netlink_ext_ack *extack);
int sl_replace_commit(const char *pool, const char *origin, u64 gen,
		      u32 *count, struct netlink_ext_ack *extack);
int sl_replace_abort(const char *pool, const char *origin, u64 gen,
		     struct netlink_ext_ack *extack);
int sl_table_walk_locks(struct sl_cursor *cur, const struct sl_match *m,
			int (*fn)(void *arg, const struct sl_lock_view *lv),
			void *arg);
int sl_table_walk_pools(struct sl_cursor *cur,
			int (*fn)(void *arg, const struct sl_pool_view *pv),
			void *arg);
void sl_table_clear(void);

/* The deletion guard on dm-thin-pool's pool_message (guard.c). */
int sl_guard_init(void);
void sl_guard_exit(void);
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
int sl_netlink_init(void);
void sl_netlink_exit(void);
void sl_notify_refused(const char *pool, u32 pcpi, const struct sl_verdict *v);

const char *sl_type_name(u8 type);

#endif /* _SOFTLOCK_H */
