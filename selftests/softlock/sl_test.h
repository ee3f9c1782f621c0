/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sl_test.h - request helpers shared by replace_test and stress_test, on
 * top of nl.h: staged replaces in batches, CHECK with the first lock's
 * details, parsed lock and pool dumps. Header only, so each test program
 * links just nl.o.
 *
 * Failures found while a dump is being read are counted, never returned
 * from the callback: stopping a dump halfway would leave its remaining
 * parts queued on the socket for the next request to trip over.
 */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <libmnl/libmnl.h>
#include <linux/dm-ioctl.h>

#include "nl.h"

/* Half the request buffer: also below the default socket send buffer. */
#define BATCH_BYTES	(SL_NL_BUF / 2)
/* Worst case size of one ENTRY nest with a maximal text and dataset. */
#define ENTRY_MAX_LEN	(6 * MNL_ATTR_HDRLEN + 3 * MNL_ALIGN(8) + \
			 2 * MNL_ALIGN(SOFTLOCK_TEXT_MAX + 1))
#define WHY_LEN		256

struct conn {
	struct sl_nl *nl;
	char *buf;		/* SL_NL_BUF bytes for requests */
};

static inline int conn_open(struct conn *c)
{
	c->buf = malloc(SL_NL_BUF);
	if (!c->buf)
		return -ENOMEM;
	c->nl = sl_nl_open();
	if (!c->nl) {
		int err = -errno;

		free(c->buf);
		c->buf = NULL;
		return err;
	}
	return 0;
}

static inline void conn_close(struct conn *c)
{
	if (c->nl)
		sl_nl_close(c->nl);
	free(c->buf);
	c->nl = NULL;
	c->buf = NULL;
}

/* Keep the first failure's text in @why (WHY_LEN bytes), count them all. */
static inline void __attribute__((format(printf, 3, 4)))
fail_why(char *why, unsigned long *bad, const char *fmt, ...)
{
	va_list ap;

	if (!(*bad)++) {
		va_start(ap, fmt);
		vsnprintf(why, WHY_LEN, fmt, ap);
		va_end(ap);
	}
}

/* Monotonic seconds, for the run times the tests log. */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One wanted or staged lock. */
struct entry {
	uint32_t pcpi, type;
	uint64_t expires;
	char text[SOFTLOCK_TEXT_MAX + 1];
	char dataset[SOFTLOCK_TEXT_MAX + 1];
};

/* One dumped lock; the strings point into the message being parsed. */
struct lockv {
	const char *pool, *text, *dataset, *origin;
	uint32_t pcpi, type;
	uint64_t gen, expires;
};

struct dump_ctx {
	void (*fn)(const struct lockv *lv, void *arg);
	void *arg;
	unsigned long n, malformed;
};

static inline int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct dump_ctx *d = data;
	struct lockv lv;

	d->n++;
	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_POOL] ||
	    !tb[SOFTLOCK_A_PCPI] || !tb[SOFTLOCK_A_TYPE] ||
	    !tb[SOFTLOCK_A_TEXT] || !tb[SOFTLOCK_A_ORIGIN] ||
	    !tb[SOFTLOCK_A_CREATED] || !tb[SOFTLOCK_A_EXPIRES] ||
	    !tb[SOFTLOCK_A_GENERATION]) {
		d->malformed++;
		return MNL_CB_OK;
	}
	lv.pool = mnl_attr_get_str(tb[SOFTLOCK_A_POOL]);
	lv.pcpi = mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI]);
	lv.type = mnl_attr_get_u32(tb[SOFTLOCK_A_TYPE]);
	lv.text = mnl_attr_get_str(tb[SOFTLOCK_A_TEXT]);
	lv.origin = mnl_attr_get_str(tb[SOFTLOCK_A_ORIGIN]);
	lv.dataset = tb[SOFTLOCK_A_DATASET] ?
		     mnl_attr_get_str(tb[SOFTLOCK_A_DATASET]) : "";
	lv.gen = mnl_attr_get_u64(tb[SOFTLOCK_A_GENERATION]);
	lv.expires = mnl_attr_get_u64(tb[SOFTLOCK_A_EXPIRES]);
	d->fn(&lv, d->arg);
	return MNL_CB_OK;
}

/*
 * LOCK_GET dump with the given filters (NULL / negative pcpi: none), @fn
 * called per lock. Returns -errno, or -EBADMSG for a malformed message;
 * *@n (if set) gets the number of locks.
 */
static inline int dump_locks(struct conn *c, const char *pool,
			     const char *origin, long long pcpi,
			     void (*fn)(const struct lockv *lv, void *arg),
			     void *arg, unsigned long *n)
{
	struct dump_ctx d = { .fn = fn, .arg = arg };
	struct nlmsghdr *nlh;
	int err;

	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_LOCK_GET, NLM_F_DUMP);
	if (pool)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	if (pcpi >= 0)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	err = sl_nl_talk(c->nl, nlh, dump_cb, &d);
	if (n)
		*n = d.n;
	return err ?: d.malformed ? -EBADMSG : 0;
}

/*
 * Compares a dump with the exact set it must be: @want fills @e and says
 * whether @pcpi is in the set. Every lock must match it and every wanted
 * PCPI must appear exactly once.
 */
struct expect {
	const char *pool, *origin;
	uint64_t gen;
	uint32_t max_pcpi;
	bool (*want)(uint32_t pcpi, struct entry *e, const void *arg);
	const void *arg;
	uint8_t *seen;
	unsigned long n, bad;
	char why[WHY_LEN];
};

static inline void expect_lock(const struct lockv *lv, void *arg)
{
	struct expect *x = arg;
	struct entry e;

	if (strcmp(lv->pool, x->pool) || strcmp(lv->origin, x->origin))
		fail_why(x->why, &x->bad, "lock %s/%s/%u outside the filter",
			 lv->pool, lv->origin, lv->pcpi);
	else if (lv->pcpi > x->max_pcpi || !x->want(lv->pcpi, &e, x->arg))
		fail_why(x->why, &x->bad, "unwanted lock on pcpi %u \"%s\"",
			 lv->pcpi, lv->text);
	else if (x->seen[lv->pcpi]++)
		fail_why(x->why, &x->bad, "pcpi %u dumped twice", lv->pcpi);
	else if (lv->type != e.type || strcmp(lv->text, e.text) ||
		 strcmp(lv->dataset, e.dataset) || lv->gen != x->gen ||
		 lv->expires != e.expires)
		fail_why(x->why, &x->bad,
			 "pcpi %u: got %u \"%s\" \"%s\" gen %" PRIu64 " exp %"
			 PRIu64 ", want %u \"%s\" \"%s\" gen %" PRIu64 " exp %"
			 PRIu64, lv->pcpi, lv->type, lv->text, lv->dataset,
			 lv->gen, lv->expires, e.type, e.text, e.dataset,
			 x->gen, e.expires);
}

/* Dump x->origin's locks on x->pool (both filters) and compare. */
static inline int dump_expect(struct conn *c, struct expect *x)
{
	struct entry e;
	uint32_t p;
	int err;

	x->bad = 0;
	x->why[0] = '\0';
	x->seen = calloc(x->max_pcpi + 1, 1);
	if (!x->seen)
		return -ENOMEM;
	err = dump_locks(c, x->pool, x->origin, -1, expect_lock, x, &x->n);
	for (p = 0; !err && p <= x->max_pcpi; p++)
		if (x->want(p, &e, x->arg) && !x->seen[p])
			fail_why(x->why, &x->bad, "pcpi %u missing", p);
	free(x->seen);
	x->seen = NULL;
	return err;
}

struct poolv {
	const char *name;
	uint32_t count, pcpis, staged;
	unsigned int found;	/* lines naming the pool: must be 1 */
};

static inline int pool_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct poolv *pv = data;

	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_POOL] ||
	    strcmp(mnl_attr_get_str(tb[SOFTLOCK_A_POOL]), pv->name))
		return MNL_CB_OK;
	pv->found++;
	pv->count = tb[SOFTLOCK_A_COUNT] ?
		    mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]) : ~0u;
	pv->pcpis = tb[SOFTLOCK_A_PCPI_COUNT] ?
		    mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI_COUNT]) : ~0u;
	pv->staged = tb[SOFTLOCK_A_STAGED] ?
		     mnl_attr_get_u32(tb[SOFTLOCK_A_STAGED]) : ~0u;
	return MNL_CB_OK;
}

/* @pool's line of the pools dump (POOL_GET has no filter). */
static inline int pool_get(struct conn *c, const char *pool, struct poolv *pv)
{
	struct nlmsghdr *nlh;

	memset(pv, 0, sizeof(*pv));
	pv->name = pool;
	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_POOL_GET, NLM_F_DUMP);
	return sl_nl_talk(c->nl, nlh, pool_cb, pv);
}

struct verdict {
	uint32_t pcpi, reason, count, type;
	char origin[SOFTLOCK_ORIGIN_MAX + 1];
	char text[SOFTLOCK_TEXT_MAX + 1];
	char dataset[SOFTLOCK_TEXT_MAX + 1];
	unsigned int replies;
};

static inline void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	snprintf(dst, size, "%s", a ? mnl_attr_get_str(a) : "");
}

static inline int check_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct verdict *v = data;

	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_PCPI] ||
	    !tb[SOFTLOCK_A_REASON] || !tb[SOFTLOCK_A_COUNT])
		return MNL_CB_OK;
	v->replies++;
	v->pcpi = mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI]);
	v->reason = mnl_attr_get_u32(tb[SOFTLOCK_A_REASON]);
	v->count = mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]);
	v->type = tb[SOFTLOCK_A_TYPE] ? mnl_attr_get_u32(tb[SOFTLOCK_A_TYPE]) : 0;
	copy_str(v->origin, sizeof(v->origin), tb[SOFTLOCK_A_ORIGIN]);
	copy_str(v->text, sizeof(v->text), tb[SOFTLOCK_A_TEXT]);
	copy_str(v->dataset, sizeof(v->dataset), tb[SOFTLOCK_A_DATASET]);
	return MNL_CB_OK;
}

/*
 * CHECK: runs sl_table_check(), the very lookup the dm-thin "delete"
 * message hook runs, so its verdict is the guard's. -EBADMSG unless exactly
 * one well-formed reply for @pcpi came back.
 */
static inline int check(struct conn *c, const char *pool, uint32_t pcpi,
			struct verdict *v)
{
	struct nlmsghdr *nlh;
	int err;

	memset(v, 0, sizeof(*v));
	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_CHECK, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	err = sl_nl_talk(c->nl, nlh, check_cb, v);
	if (!err && (v->replies != 1 || v->pcpi != pcpi))
		err = -EBADMSG;
	return err;
}

static inline struct nlmsghdr *rp_msg(struct conn *c, uint8_t cmd,
				      const char *pool, const char *origin,
				      uint64_t gen)
{
	struct nlmsghdr *nlh = sl_nl_req(c->nl, c->buf, cmd, 0);

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	if (gen)
		mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION, gen);
	return nlh;
}

static inline int count_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];

	if (!sl_nl_parse(nlh, tb) && tb[SOFTLOCK_A_COUNT])
		*(uint32_t *)data = mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]);
	return MNL_CB_OK;
}

/* REPLACE_BEGIN, _COMMIT or _ABORT; *@count gets a COUNT reply, else ~0. */
static inline int rp_op(struct conn *c, uint8_t cmd, const char *pool,
			const char *origin, uint64_t gen, uint32_t *count)
{
	uint32_t dummy;

	if (!count)
		count = &dummy;
	*count = ~0u;
	return sl_nl_talk(c->nl, rp_msg(c, cmd, pool, origin, gen),
			  count_cb, count);
}

/* LOCK_DEL of @pcpi's locks of @origin (NULL: every origin). */
static inline int del_locks(struct conn *c, const char *pool, uint32_t pcpi,
			    const char *origin, uint32_t *count)
{
	struct nlmsghdr *nlh = rp_msg(c, SOFTLOCK_CMD_LOCK_DEL, pool, origin, 0);

	*count = ~0u;
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	return sl_nl_talk(c->nl, nlh, count_cb, count);
}

static inline void put_entry(struct nlmsghdr *nlh, const struct entry *e)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, e->type);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, e->pcpi);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, e->text);
	if (e->dataset[0])
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_DATASET, e->dataset);
	if (e->expires)
		mnl_attr_put_u64(nlh, SOFTLOCK_A_ENTRY_EXPIRES, e->expires);
	mnl_attr_nest_end(nlh, nest);
}

typedef void (*entry_fn)(unsigned int i, struct entry *e, const void *arg);

/*
 * REPLACE_ADD entries @first..@last-1 made by @fn, at most @per_msg (0: as
 * many as fit in BATCH_BYTES) per message. 0 or the first failure's -errno.
 */
static inline int stage(struct conn *c, const char *pool, const char *origin,
			uint64_t gen, unsigned int first, unsigned int last,
			unsigned int per_msg, entry_fn fn, const void *arg)
{
	unsigned int i = first, k;
	struct nlmsghdr *nlh;
	struct entry e;
	int err;

	while (i < last) {
		nlh = rp_msg(c, SOFTLOCK_CMD_REPLACE_ADD, pool, origin, gen);
		for (k = 0; i < last && (!per_msg || k < per_msg) &&
		     nlh->nlmsg_len + ENTRY_MAX_LEN <= BATCH_BYTES; k++) {
			memset(&e, 0, sizeof(e));
			fn(i++, &e, arg);
			put_entry(nlh, &e);
		}
		err = sl_nl_talk(c->nl, nlh, NULL, NULL);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A real, empty dm-thin pool named @name on two loop devices. The guard
 * names a pool by its DM uuid, or by its name when it has none, so deletes
 * sent to this one are judged against the softlock pool @name. The loop
 * devices are recorded in /tmp/@name.loops for dm_pool_down().
 */
static inline int dm_pool_up(const char *name)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "set -e; cd /tmp; modprobe dm-thin-pool; "
		 "truncate -s 8M %1$s.meta; truncate -s 64M %1$s.data; "
		 "m=$(losetup -f --show %1$s.meta); echo $m > %1$s.loops; "
		 "d=$(losetup -f --show %1$s.data); echo $d >> %1$s.loops; "
		 "dmsetup create %1$s --table "
		 "\"0 131072 thin-pool $m $d 128 0 1 skip_block_zeroing\"",
		 name);
	return system(cmd);
}

/* Remove whatever dm_pool_up() got to create. */
static inline int dm_pool_down(const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "cd /tmp; dmsetup remove %1$s 2>/dev/null; "
		 "[ ! -f %1$s.loops ] || xargs -r losetup -d < %1$s.loops; "
		 "rm -f %1$s.meta %1$s.data %1$s.loops", name);
	return system(cmd);
}

/*
 * Send "delete <id>" to thin pool @name through /dev/mapper/control @ctl,
 * as "dmsetup message" does. No thin device exists, so a delete the guard
 * lets through fails in dm-thin with -ENODATA; the guard's refusal is
 * -EBUSY.
 */
static inline int dm_delete(int ctl, const char *name, uint32_t id)
{
	union {
		struct dm_ioctl io;
		char buf[sizeof(struct dm_ioctl) +
			 sizeof(struct dm_target_msg) + 32];
	} m;
	struct dm_target_msg *tm = (void *)(m.buf + sizeof(m.io));

	memset(&m, 0, sizeof(m));
	m.io.version[0] = DM_VERSION_MAJOR;
	m.io.data_size = sizeof(m);
	m.io.data_start = sizeof(m.io);
	snprintf(m.io.name, sizeof(m.io.name), "%s", name);
	snprintf(tm->message, 32, "delete %u", id);
	return ioctl(ctl, DM_TARGET_MSG, &m) ? -errno : 0;
}

#endif /* SL_TEST_H */
