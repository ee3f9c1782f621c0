/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The helper's client of softlock.ko's generic netlink family, over
 * libnl-genl-3. Every call returns 0 or a negative errno; on failure the
 * kernel's extack message (when it sent one) is in sl_kmod_error().
 */
#ifndef SL_KMOD_H
#define SL_KMOD_H

#include <stdbool.h>
#include <stdint.h>

struct sl_kmod;

/* One lock as the kernel reports it (dump, events). */
struct sl_klock {
	char pool[129];
	uint32_t pcpi;
	uint32_t type;
	char text[256];
	char dataset[256];
	char origin[64];
	uint64_t created;
	uint64_t expires;
	uint64_t generation;
	bool pinned;
};

/* What the kernel would do with a delete of (pool, pcpi). */
struct sl_kverdict {
	uint32_t reason;	/* enum softlock_reason */
	uint32_t count;
	struct sl_klock first;	/* valid when count > 0 */
};

struct sl_kpool {
	char pool[129];
	uint32_t locks, pcpis, staged;
	bool sealed;
};

/* A lock to install: the dev to pin is 0 for none. */
struct sl_kspec {
	uint32_t pcpi;
	uint32_t type;
	const char *text;
	const char *dataset;
	uint64_t expires;
	unsigned int pin_major, pin_minor;
	const char *pin_uuid;	/* the pinned device's DM uuid */
};

/*
 * Open a socket on the family. -ENOENT: the family is not registered (the
 * module is not loaded).
 */
int sl_kmod_open(struct sl_kmod **kp);
void sl_kmod_close(struct sl_kmod *k);
const char *sl_kmod_error(const struct sl_kmod *k);

/*
 * The first line of the module's /sys/module/softlock/NAME ("version",
 * "parameters/sealed"...) into buf, without its newline: false when the
 * module or that file is not there or cannot be read.
 */
bool sl_kmod_sysfs(const char *name, char *buf, size_t size);

int sl_kmod_add(struct sl_kmod *k, const char *pool, const char *origin,
		const struct sl_kspec *spec);
/* type 0 / text NULL / origin NULL match any; *removed may be NULL. */
int sl_kmod_del(struct sl_kmod *k, const char *pool, uint32_t pcpi,
		uint32_t type, const char *text, const char *origin,
		uint32_t *removed);
int sl_kmod_check(struct sl_kmod *k, const char *pool, uint32_t pcpi,
		  struct sl_kverdict *v);
/* Replace origin's whole set on pool with specs[0..n) (n may be 0). */
int sl_kmod_replace(struct sl_kmod *k, const char *pool, const char *origin,
		    uint64_t generation, const struct sl_kspec *specs,
		    size_t n);
int sl_kmod_seal(struct sl_kmod *k, bool seal);
/*
 * Deletes the guard refused since the module loaded, by reason, and
 * whether it is armed: an enum softlock_guard_state, 0 from a module too
 * old to say.
 */
struct sl_kstats {
	uint64_t refused_locked, refused_sealed;
	uint32_t guard_state;
};
/* -EOPNOTSUPP: a module older than the stats-get operation. */
int sl_kmod_stats(struct sl_kmod *k, struct sl_kstats *s);

/* Dumps call fn once per item; a non-zero return from fn stops the walk. */
int sl_kmod_dump(struct sl_kmod *k, const char *pool,
		 int (*fn)(const struct sl_klock *l, void *arg), void *arg);
/* Every lock (of pool, or all) into one array, to be freed by the caller. */
int sl_kmod_dump_all(struct sl_kmod *k, const char *pool,
		     struct sl_klock **locks, size_t *n);
int sl_kmod_pools(struct sl_kmod *k,
		  int (*fn)(const struct sl_kpool *p, void *arg), void *arg);

/* Events: join the group, then receive one event at a time. */
enum sl_kevent_kind { SL_EV_LOCK, SL_EV_UNLOCK, SL_EV_REPLACE,
		      SL_EV_REFUSED, SL_EV_SEAL };
struct sl_kevent {
	enum sl_kevent_kind kind;
	struct sl_klock lock;	/* pool, pcpi, type, text, origin as sent */
	uint32_t count;
	uint32_t reason;
	bool sealed;
};
/* ready (may be NULL) is called once the group is joined. */
int sl_kmod_monitor(struct sl_kmod *k,
		    int (*fn)(const struct sl_kevent *ev, void *arg),
		    void (*ready)(void *arg), void *arg);

const char *sl_type_name(uint32_t type);
/* 0 when s names no lock type. */
uint32_t sl_type_parse(const char *s);

#endif /* SL_KMOD_H */
