/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nltest.h - helpers for netlink_test and privilege_test: requests built
 * on nl.h and replies decoded into flat records the tests compare field by
 * field. Header only; each test program links just nl.o.
 *
 * The helpers return 0 or -errno and never assert: the harness macros need
 * the test's _metadata, so the tests assert on what the helpers return.
 */
#ifndef NLTEST_H
#define NLTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl.h"

/* One reply, dump entry or event, decoded. */
struct rec {
	uint8_t cmd;
	uint32_t has;				/* bit (1 << attr) per attribute */
	uint64_t v[SOFTLOCK_A_MAX + 1];		/* integer attributes */
	char pool[SOFTLOCK_POOL_MAX + 1];
	char text[SOFTLOCK_TEXT_MAX + 1];
	char dataset[SOFTLOCK_TEXT_MAX + 1];
	char origin[SOFTLOCK_ORIGIN_MAX + 1];
};

#define HAS(r, attr)	(!!((r)->has & (1u << (attr))))

struct recs {
	struct rec *r;
	size_t n, cap;
	int bad;		/* messages that did not decode */
};

static inline void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	snprintf(dst, size, "%s", mnl_attr_get_str(a));
}

static inline int rec_fill(const struct nlmsghdr *nlh, struct rec *r)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	int a;

	memset(r, 0, sizeof(*r));
	if (sl_nl_parse(nlh, tb))
		return -EINVAL;
	r->cmd = genl->cmd;
	for (a = 1; a <= SOFTLOCK_A_MAX; a++) {
		if (!tb[a])
			continue;
		r->has |= 1u << a;
		switch (a) {
		case SOFTLOCK_A_POOL:
			copy_str(r->pool, sizeof(r->pool), tb[a]);
			break;
		case SOFTLOCK_A_TEXT:
			copy_str(r->text, sizeof(r->text), tb[a]);
			break;
		case SOFTLOCK_A_DATASET:
			copy_str(r->dataset, sizeof(r->dataset), tb[a]);
			break;
		case SOFTLOCK_A_ORIGIN:
			copy_str(r->origin, sizeof(r->origin), tb[a]);
			break;
		case SOFTLOCK_A_CREATED:
		case SOFTLOCK_A_EXPIRES:
		case SOFTLOCK_A_GENERATION:
			r->v[a] = mnl_attr_get_u64(tb[a]);
			break;
		case SOFTLOCK_A_SEALED:
			r->v[a] = mnl_attr_get_u8(tb[a]);
			break;
		case SOFTLOCK_A_PINNED:
		case SOFTLOCK_A_ENTRY:
			r->v[a] = 1;
			break;
		default:
			r->v[a] = mnl_attr_get_u32(tb[a]);
			break;
		}
	}
	return 0;
}

/*
 * Append every reply to a struct recs. A message that does not decode is
 * counted, not returned as an error: stopping would not stop the dump.
 */
static inline int recs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct recs *out = data;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 64;
		struct rec *r = realloc(out->r, cap * sizeof(*r));

		if (!r) {
			out->bad++;
			return MNL_CB_OK;
		}
		out->r = r;
		out->cap = cap;
	}
	if (rec_fill(nlh, &out->r[out->n]))
		out->bad++;
	else
		out->n++;
	return MNL_CB_OK;
}

static inline void recs_free(struct recs *out)
{
	free(out->r);
	memset(out, 0, sizeof(*out));
}

/* Send @req and collect its replies into @out (emptied first). */
static inline int talk_recs(struct sl_nl *nl, struct nlmsghdr *req,
			    struct recs *out)
{
	int err;

	out->n = 0;
	out->bad = 0;
	err = sl_nl_talk(nl, req, recs_cb, out);
	if (!err && out->bad)
		err = -EPROTO;
	return err;
}

/* Filters: NULL pool/origin and a negative pcpi match anything. */
static inline int dump_locks(struct sl_nl *nl, void *buf, const char *pool,
			     int64_t pcpi, const char *origin, struct recs *out)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, buf, SOFTLOCK_CMD_LOCK_GET,
					 NLM_F_DUMP);

	if (pool)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	if (pcpi >= 0)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, (uint32_t)pcpi);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	return talk_recs(nl, nlh, out);
}

/* The pool dump's record for @pool: 0, -ENOENT when not listed, -errno. */
static inline int pool_rec(struct sl_nl *nl, void *buf, const char *pool,
			   struct rec *r)
{
	struct recs out = { 0 };
	size_t i;
	int err;

	err = talk_recs(nl, sl_nl_req(nl, buf, SOFTLOCK_CMD_POOL_GET,
				      NLM_F_DUMP), &out);
	if (!err)
		err = -ENOENT;
	for (i = 0; err == -ENOENT && i < out.n; i++) {
		if (!strcmp(out.r[i].pool, pool)) {
			*r = out.r[i];
			err = 0;
		}
	}
	recs_free(&out);
	return err;
}

/* The CHECK reply for (@pool, @pcpi), decoded. */
static inline int check_rec(struct sl_nl *nl, void *buf, const char *pool,
			    uint32_t pcpi, struct rec *r)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, buf, SOFTLOCK_CMD_CHECK, 0);
	struct recs out = { 0 };
	int err;

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	err = talk_recs(nl, nlh, &out);
	if (!err && out.n != 1)
		err = -EPROTO;
	if (!err)
		*r = out.r[0];
	recs_free(&out);
	return err;
}

/* A LOCK_ADD with every optional attribute; NULL/0 leaves one out. */
struct lock_args {
	const char *pool;
	uint32_t pcpi, type;
	const char *text, *dataset, *origin;
	uint64_t expires;
	uint32_t pin_dev;
};

static inline int add_lock(struct sl_nl *nl, void *buf,
			   const struct lock_args *l)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, buf, SOFTLOCK_CMD_LOCK_ADD, 0);

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, l->pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, l->pcpi);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, l->type);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, l->text);
	if (l->dataset)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_DATASET, l->dataset);
	if (l->origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, l->origin);
	if (l->expires)
		mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, l->expires);
	if (l->pin_dev)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, l->pin_dev);
	return sl_nl_talk(nl, nlh, NULL, NULL);
}

/* REPLACE_BEGIN/COMMIT/ABORT; @count (may be NULL) gets COMMIT's COUNT. */
static inline int replace_op(struct sl_nl *nl, void *buf, uint8_t cmd,
			     const char *pool, const char *origin,
			     uint64_t gen, uint32_t *count)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, buf, cmd, 0);
	struct recs out = { 0 };
	int err;

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION, gen);
	err = talk_recs(nl, nlh, &out);
	if (!err && count) {
		if (out.n == 1 && HAS(&out.r[0], SOFTLOCK_A_COUNT))
			*count = out.r[0].v[SOFTLOCK_A_COUNT];
		else
			err = -EPROTO;
	}
	recs_free(&out);
	return err;
}

/* Start a REPLACE_ADD; the caller appends entries with put_entry(). */
static inline struct nlmsghdr *replace_add_req(struct sl_nl *nl, void *buf,
					       const char *pool,
					       const char *origin, uint64_t gen)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, buf, SOFTLOCK_CMD_REPLACE_ADD, 0);

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION, gen);
	return nlh;
}

/* One ENTRY nest; a NULL @text leaves ENTRY_TEXT out (a bad entry). */
static inline void put_entry(struct nlmsghdr *nlh, uint32_t type,
			     uint32_t pcpi, const char *text,
			     const char *dataset)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, type);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, pcpi);
	if (text)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, text);
	if (dataset)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_DATASET, dataset);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * Remove every committed lock of @pool, one LOCK_DEL per PCPI, and return
 * how many went. For teardown: a test leaves nothing behind.
 */
static inline long wipe_pool(struct sl_nl *nl, void *buf, const char *pool)
{
	struct recs out = { 0 };
	long removed = 0;
	uint32_t count;
	size_t i;
	int err;

	err = dump_locks(nl, buf, pool, -1, NULL, &out);
	for (i = 0; !err && i < out.n; i++) {
		/* A PCPI already emptied by an earlier del: ENOENT is fine. */
		err = sl_nl_del(nl, pool, out.r[i].v[SOFTLOCK_A_PCPI], &count);
		if (!err)
			removed += count;
		else if (err == -ENOENT)
			err = 0;
	}
	recs_free(&out);
	return err ? err : removed;
}

/*
 * The next event about @pool (or any SEAL_NTF, which names no pool),
 * skipping events about other pools.
 */
static inline int rec_event_cb(const struct nlmsghdr *nlh, void *data)
{
	return rec_fill(nlh, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

static inline int wait_event(struct sl_nl *nl, const char *pool,
			     struct rec *r, int timeout_ms)
{
	int err;

	do {
		err = sl_nl_next_event(nl, timeout_ms, rec_event_cb, r);
	} while (!err && r->cmd != SOFTLOCK_CMD_SEAL_NTF &&
		 strcmp(r->pool, pool));
	return err;
}

/* new_encode_dev(), as PIN_DEV carries a device number. */
static inline uint32_t encode_dev(unsigned int major, unsigned int minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

#endif /* NLTEST_H */
