// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_test: every softlock netlink operation with good and bad input.
 * Each rejection must come with its errno and an extack saying why, and
 * must leave the table unchanged. Every test works on its own pools
 * ("nltest-<test>") and removes what it added. This file has the lock
 * operations; netlink_test_set.h the set operations and events.
 * netlink_limits_test.c has the max_locks parameter, netlink_policy_test.c
 * bad input for every other operation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nltest.h"
#include "kselftest_harness.h"

#define BIT(a)		(1u << (a))
#define OWNER		SOFTLOCK_LOCK_TYPE_OWNER
#define DEST		SOFTLOCK_LOCK_TYPE_DEST_PATH
#define QTREE		SOFTLOCK_LOCK_TYPE_QTREE
#define APP		SOFTLOCK_LOCK_TYPE_APP

FIXTURE(nl) {
	struct sl_nl *nl;
	char *buf;
	char pool[64], pool2[64];
	bool sealed;
};

FIXTURE_SETUP(nl)
{
	self->nl = sl_nl_open();
	if (!self->nl && errno == ENOENT)
		SKIP(return, "no softlock netlink family: load softlock.ko");
	ASSERT_NE(NULL, self->nl) TH_LOG("sl_nl_open: %s", strerror(errno));
	self->buf = malloc(SL_NL_BUF);
	ASSERT_NE(NULL, self->buf);
	snprintf(self->pool, sizeof(self->pool), "nltest-%s", _metadata->name);
	snprintf(self->pool2, sizeof(self->pool2), "nltest-%s-b",
		 _metadata->name);
	/* Leftovers of an earlier, interrupted run would skew the counts. */
	ASSERT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
	ASSERT_LE(0, wipe_pool(self->nl, self->buf, self->pool2));
}

FIXTURE_TEARDOWN(nl)
{
	if (!self->nl)
		return;
	if (self->sealed)
		EXPECT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_UNSEAL));
	EXPECT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
	EXPECT_LE(0, wipe_pool(self->nl, self->buf, self->pool2));
	sl_nl_close(self->nl);
	free(self->buf);
}

#define EXTACK	sl_nl_extack(self->nl)

/* @expr fails with -@err and the kernel said why. */
#define ASSERT_ERR(err, expr) do {					\
	int __ret = (expr);						\
	ASSERT_EQ(-(err), __ret) TH_LOG("extack \"%s\"", EXTACK);	\
	ASSERT_STRNE("", EXTACK);					\
} while (0)

/* As ASSERT_ERR, with the exact extack text. */
#define ASSERT_ERR_MSG(err, msg, expr) do {				\
	ASSERT_ERR(err, expr);						\
	ASSERT_STREQ(msg, EXTACK);					\
} while (0)

/*
 * Rejected by the attribute policy: the core answers EINVAL or ERANGE
 * depending on the check (length, range, type), always with a message.
 */
#define ASSERT_POLICY_ERR(expr) do {					\
	int __ret = (expr);						\
	ASSERT_TRUE(__ret == -EINVAL || __ret == -ERANGE)		\
		TH_LOG("got %d, extack \"%s\"", __ret, EXTACK);		\
	ASSERT_STRNE("", EXTACK);					\
} while (0)

static int talk(FIXTURE_DATA(nl) *self, struct nlmsghdr *nlh)
{
	return sl_nl_talk(self->nl, nlh, NULL, NULL);
}

/* LOCK_ADD of (pool, 1, owner, "t") without the attributes in @skip. */
static struct nlmsghdr *add_base(FIXTURE_DATA(nl) *self, uint32_t skip)
{
	struct nlmsghdr *nlh = sl_nl_req(self->nl, self->buf,
					 SOFTLOCK_CMD_LOCK_ADD, 0);

	if (!(skip & BIT(SOFTLOCK_A_POOL)))
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
	if (!(skip & BIT(SOFTLOCK_A_PCPI)))
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 1);
	if (!(skip & BIT(SOFTLOCK_A_TYPE)))
		mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, OWNER);
	if (!(skip & BIT(SOFTLOCK_A_TEXT)))
		mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, "t");
	return nlh;
}

static int add(FIXTURE_DATA(nl) *self, const char *pool, uint32_t pcpi,
	       uint32_t type, const char *text, const char *origin)
{
	return sl_nl_add(self->nl, pool, pcpi, type, text, origin);
}

/* How many committed locks a dump of (pool, pcpi) returns; -errno. */
static long n_locks(FIXTURE_DATA(nl) *self, const char *pool, int64_t pcpi)
{
	struct recs out = { 0 };
	long n;
	int err = dump_locks(self->nl, self->buf, pool, pcpi, NULL, &out);

	n = err ? err : (long)out.n;
	recs_free(&out);
	return n;
}

TEST_F(nl, add_dump_exact)
{
	struct lock_args full = {
		.pool = self->pool, .pcpi = 42, .type = DEST,
		.text = "hostC:vg/vol", .dataset = "tank/ds",
		.origin = "hostA", .expires = (uint64_t)time(NULL) + 3600,
	};
	struct recs out = { 0 };
	time_t t0 = time(NULL), t1;
	const struct rec *r;

	ASSERT_EQ(0, add_lock(self->nl, self->buf, &full)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, self->pool, 7, OWNER, "alice", NULL));
	t1 = time(NULL);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, NULL, &out));
	ASSERT_EQ(2, out.n);
	/* Locks are dumped in the order they were added. */
	r = &out.r[0];
	EXPECT_EQ(SOFTLOCK_CMD_LOCK_GET, r->cmd);
	EXPECT_STREQ(self->pool, r->pool);
	EXPECT_EQ(42, r->v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(DEST, r->v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("hostC:vg/vol", r->text);
	EXPECT_TRUE(HAS(r, SOFTLOCK_A_DATASET));
	EXPECT_STREQ("tank/ds", r->dataset);
	EXPECT_STREQ("hostA", r->origin);
	EXPECT_LE(t0, (time_t)r->v[SOFTLOCK_A_CREATED]);
	EXPECT_GE(t1, (time_t)r->v[SOFTLOCK_A_CREATED]);
	EXPECT_EQ(full.expires, r->v[SOFTLOCK_A_EXPIRES]);
	EXPECT_FALSE(HAS(r, SOFTLOCK_A_PINNED));
	EXPECT_TRUE(HAS(r, SOFTLOCK_A_GENERATION));
	EXPECT_EQ(0, r->v[SOFTLOCK_A_GENERATION]);
	r = &out.r[1];
	EXPECT_EQ(7, r->v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(OWNER, r->v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("alice", r->text);
	EXPECT_FALSE(HAS(r, SOFTLOCK_A_DATASET));
	EXPECT_STREQ("local", r->origin);
	EXPECT_TRUE(HAS(r, SOFTLOCK_A_EXPIRES));
	EXPECT_EQ(0, r->v[SOFTLOCK_A_EXPIRES]);
	recs_free(&out);
	EXPECT_EQ(2, wipe_pool(self->nl, self->buf, self->pool));
	EXPECT_EQ(0, n_locks(self, self->pool, -1));
}

TEST_F(nl, add_missing_attrs)
{
	static const int req[] = { SOFTLOCK_A_POOL, SOFTLOCK_A_PCPI,
				   SOFTLOCK_A_TYPE, SOFTLOCK_A_TEXT };
	char want[64];
	struct rec r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(req); i++) {
		snprintf(want, sizeof(want), "missing attribute %d", req[i]);
		ASSERT_ERR_MSG(EINVAL, want, talk(self, add_base(self, BIT(req[i]))));
	}
	/* Nothing was created, not even the pool. */
	EXPECT_EQ(-ENOENT, pool_rec(self->nl, self->buf, self->pool, &r));
	ASSERT_EQ(0, talk(self, add_base(self, 0))) TH_LOG("%s", EXTACK);
	EXPECT_EQ(1, n_locks(self, self->pool, 1));
}

TEST_F(nl, add_lengths)
{
	char text[SOFTLOCK_TEXT_MAX + 2], pool[SOFTLOCK_POOL_MAX + 2];
	char origin[SOFTLOCK_ORIGIN_MAX + 2];
	struct recs out = { 0 };

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';			/* 256 bytes */
	snprintf(pool, sizeof(pool), "%s%0*d", self->pool,
		 (int)(SOFTLOCK_POOL_MAX + 1 - strlen(self->pool)), 0);
	memset(origin, 'o', sizeof(origin) - 1);
	origin[sizeof(origin) - 1] = '\0';		/* 64 bytes */

	ASSERT_POLICY_ERR(add(self, self->pool, 1, OWNER, text, NULL));
	ASSERT_POLICY_ERR(add(self, pool, 1, OWNER, "t", NULL));
	ASSERT_POLICY_ERR(add(self, self->pool, 1, OWNER, "t", origin));
	EXPECT_EQ(0, n_locks(self, self->pool, -1));

	/* One byte less is the longest accepted, and comes back intact. */
	text[SOFTLOCK_TEXT_MAX] = '\0';
	pool[SOFTLOCK_POOL_MAX] = '\0';
	origin[SOFTLOCK_ORIGIN_MAX] = '\0';
	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, text, origin))
		TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, pool, 2, OWNER, "t", NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, 1, NULL, &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ(text, out.r[0].text);
	EXPECT_STREQ(origin, out.r[0].origin);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, pool, -1, NULL, &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ(pool, out.r[0].pool);
	recs_free(&out);
	EXPECT_EQ(1, wipe_pool(self->nl, self->buf, pool));
}

TEST_F(nl, add_wrong_payloads)
{
	struct nlmsghdr *nlh;

	/* PCPI as u8, u16 and u64 payloads. */
	nlh = add_base(self, BIT(SOFTLOCK_A_PCPI));
	mnl_attr_put_u8(nlh, SOFTLOCK_A_PCPI, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	nlh = add_base(self, BIT(SOFTLOCK_A_PCPI));
	mnl_attr_put_u16(nlh, SOFTLOCK_A_PCPI, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	nlh = add_base(self, BIT(SOFTLOCK_A_PCPI));
	mnl_attr_put_u64(nlh, SOFTLOCK_A_PCPI, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	/* EXPIRES as u32. */
	nlh = add_base(self, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_EXPIRES, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));

	/* Text must be printable: control bytes and embedded NULs. */
	ASSERT_ERR_MSG(EINVAL, "must be printable (no control bytes or NUL)",
		       add(self, self->pool, 1, OWNER, "a\x01z", NULL));
	ASSERT_ERR(EINVAL, add(self, self->pool, 1, OWNER, "tab\there", NULL));
	ASSERT_ERR(EINVAL, add(self, self->pool, 1, OWNER, "del\x7f", NULL));
	nlh = add_base(self, BIT(SOFTLOCK_A_TEXT));
	mnl_attr_put(nlh, SOFTLOCK_A_TEXT, 5, "ab\0cd");
	ASSERT_ERR(EINVAL, talk(self, nlh));
	ASSERT_ERR_MSG(EINVAL, "must not be empty",
		       add(self, self->pool, 1, OWNER, "", NULL));
	ASSERT_ERR(EINVAL, add(self, "", 1, OWNER, "t", NULL));
	ASSERT_ERR(EINVAL, add(self, self->pool, 1, OWNER, "t", "bad\norigin"));
	nlh = add_base(self, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_DATASET, "d\x1b[0m");
	ASSERT_ERR(EINVAL, talk(self, nlh));
	/* An attribute type the family does not know. */
	nlh = add_base(self, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_MAX + 5, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	EXPECT_EQ(0, n_locks(self, self->pool, -1));

	/* UTF-8 is not a control byte; a text without NUL is fine too. */
	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "Zoë → hostC", NULL))
		TH_LOG("%s", EXTACK);
	nlh = add_base(self, BIT(SOFTLOCK_A_TEXT) | BIT(SOFTLOCK_A_PCPI));
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 2);
	mnl_attr_put(nlh, SOFTLOCK_A_TEXT, 5, "nonul");
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(2, n_locks(self, self->pool, -1));
}

TEST_F(nl, add_ranges)
{
	struct nlmsghdr *nlh;

	ASSERT_POLICY_ERR(add(self, self->pool, 1, 0, "t", NULL));
	ASSERT_POLICY_ERR(add(self, self->pool, 1, APP + 1, "t", NULL));
	ASSERT_POLICY_ERR(add(self, self->pool, SOFTLOCK_PCPI_MAX + 1, OWNER,
			      "t", NULL));
	ASSERT_POLICY_ERR(add(self, self->pool, UINT32_MAX, OWNER, "t", NULL));
	/* Reply-only attributes are refused in a request. */
	nlh = add_base(self, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_COUNT, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	nlh = add_base(self, 0);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_CREATED, 1);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	nlh = add_base(self, 0);
	mnl_attr_put(nlh, SOFTLOCK_A_PINNED, 0, NULL);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	/* An expiry in the past, and device 0:0 as a pin. */
	nlh = add_base(self, 0);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, 1);
	ASSERT_ERR_MSG(EINVAL, "expiry is in the past", talk(self, nlh));
	nlh = add_base(self, 0);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, (uint64_t)time(NULL) - 10);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	nlh = add_base(self, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, 0);
	ASSERT_ERR_MSG(EINVAL, "device 0:0 cannot be pinned",
		       talk(self, nlh));
	EXPECT_EQ(0, n_locks(self, self->pool, -1));

	/* The edges that are allowed. */
	ASSERT_EQ(0, add(self, self->pool, 0, APP, "t", NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, self->pool, SOFTLOCK_PCPI_MAX, OWNER, "t", NULL))
		TH_LOG("%s", EXTACK);
	EXPECT_EQ(1, n_locks(self, self->pool, SOFTLOCK_PCPI_MAX));
	EXPECT_EQ(2, n_locks(self, self->pool, -1));
}

static unsigned int per_pcpi_limit(void)
{
	FILE *f = fopen("/sys/module/softlock/parameters/max_locks_per_pcpi", "r");
	unsigned int v = 1024;

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

TEST_F_TIMEOUT(nl, per_pcpi_limit, 600)
{
	unsigned int limit = per_pcpi_limit(), i;
	uint32_t reason, count;
	char text[32], want[256];

	ASSERT_GE(65536, limit) TH_LOG("max_locks_per_pcpi %u: too many to test", limit);
	for (i = 0; i < limit; i++) {
		snprintf(text, sizeof(text), "l-%u", i);
		ASSERT_EQ(0, add(self, self->pool, 5, OWNER, text, NULL))
			TH_LOG("lock %u: %s", i, EXTACK);
	}
	snprintf(want, sizeof(want),
		 "softlock: thin id 5 already has %u locks (parameter max_locks_per_pcpi)",
		 limit);
	ASSERT_ERR_MSG(ENOSPC, want, add(self, self->pool, 5, OWNER, "one-more", NULL));
	/* Re-adding an existing lock is an update, not a new lock. */
	ASSERT_EQ(0, add(self, self->pool, 5, OWNER, "l-0", NULL)) TH_LOG("%s", EXTACK);
	/* The limit is per PCPI. */
	ASSERT_EQ(0, add(self, self->pool, 6, OWNER, "other", NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, sl_nl_check(self->nl, self->pool, 5, &reason, &count));
	EXPECT_EQ(SOFTLOCK_REASON_LOCKED, reason);
	EXPECT_EQ(limit, count);
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 5, &count)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(limit, count);
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 6, &count));
	EXPECT_EQ(1, count);
}

/* LOCK_DEL with optional filters; @count gets the reply's COUNT. */
static int del(FIXTURE_DATA(nl) *self, uint32_t pcpi, uint32_t type,
	       const char *text, const char *origin, uint32_t *count)
{
	struct nlmsghdr *nlh = sl_nl_req(self->nl, self->buf,
					 SOFTLOCK_CMD_LOCK_DEL, 0);
	struct recs out = { 0 };
	int err;

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	if (type)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, type);
	if (text)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, text);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	err = talk_recs(self->nl, nlh, &out);
	*count = UINT32_MAX;
	if (!err && out.n == 1 && HAS(&out.r[0], SOFTLOCK_A_COUNT))
		*count = out.r[0].v[SOFTLOCK_A_COUNT];
	recs_free(&out);
	return err;
}

TEST_F(nl, del_filters)
{
	char want[256];
	uint32_t n;

	ASSERT_EQ(0, add(self, self->pool, 7, OWNER, "a", NULL));
	ASSERT_EQ(0, add(self, self->pool, 7, OWNER, "b", NULL));
	ASSERT_EQ(0, add(self, self->pool, 7, APP, "a", NULL));
	ASSERT_EQ(0, add(self, self->pool, 7, OWNER, "a", "hostB"));
	ASSERT_EQ(0, add(self, self->pool, 8, OWNER, "a", NULL));

	snprintf(want, sizeof(want), "softlock: no lock on thin id 7 matches");
	ASSERT_ERR_MSG(ENOENT, want, del(self, 7, QTREE, NULL, NULL, &n));
	ASSERT_ERR(ENOENT, del(self, 7, 0, "zzz", NULL, &n));
	ASSERT_ERR(ENOENT, del(self, 7, APP, "a", "hostB", &n));
	ASSERT_ERR(ENOENT, del(self, 9, 0, NULL, NULL, &n));
	EXPECT_EQ(5, n_locks(self, self->pool, -1));

	/* Type + text match both origins' (owner, "a"), not app or "b". */
	ASSERT_EQ(0, del(self, 7, OWNER, "a", NULL, &n)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(2, n);
	EXPECT_EQ(2, n_locks(self, self->pool, 7));
	ASSERT_EQ(0, del(self, 7, 0, NULL, "local", &n)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, n_locks(self, self->pool, 7));
	/* PCPI 8 was never touched. */
	EXPECT_EQ(1, n_locks(self, self->pool, 8));
	ASSERT_EQ(0, del(self, 8, OWNER, "a", "local", &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, n_locks(self, self->pool, -1));
}

TEST_F(nl, del_bad_requests)
{
	struct nlmsghdr *nlh;
	char want[256];
	uint32_t n;

	snprintf(want, sizeof(want), "softlock: no lock on thin id 3 matches");
	ASSERT_ERR_MSG(ENOENT, want, sl_nl_del(self->nl, self->pool, 3, &n));
	nlh = sl_nl_req(self->nl, self->buf, SOFTLOCK_CMD_LOCK_DEL, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
	ASSERT_ERR_MSG(EINVAL, "missing attribute 2", talk(self, nlh));
	nlh = sl_nl_req(self->nl, self->buf, SOFTLOCK_CMD_LOCK_DEL, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 3);
	ASSERT_ERR_MSG(EINVAL, "missing attribute 1", talk(self, nlh));
	ASSERT_EQ(0, add(self, self->pool, 3, OWNER, "t", NULL));
	ASSERT_ERR(EINVAL, del(self, 3, 0, "bad\x01", NULL, &n));
	ASSERT_POLICY_ERR(del(self, 3, 9, NULL, NULL, &n));
	EXPECT_EQ(1, n_locks(self, self->pool, 3));
}

TEST_F(nl, check)
{
	struct lock_args l = { .pool = self->pool, .pcpi = 11, .type = QTREE,
			       .text = "q1", .dataset = "ds1", .origin = "hostB" };
	struct rec r;

	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 11, &r));
	EXPECT_EQ(SOFTLOCK_CMD_CHECK, r.cmd);
	EXPECT_STREQ(self->pool, r.pool);
	EXPECT_EQ(11, r.v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON]);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_FALSE(HAS(&r, SOFTLOCK_A_TYPE) || HAS(&r, SOFTLOCK_A_TEXT) ||
		     HAS(&r, SOFTLOCK_A_ORIGIN) || HAS(&r, SOFTLOCK_A_DATASET));

	ASSERT_EQ(0, add_lock(self->nl, self->buf, &l)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 11, &r));
	EXPECT_EQ(SOFTLOCK_REASON_LOCKED, r.v[SOFTLOCK_A_REASON]);
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(QTREE, r.v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("q1", r.text);
	EXPECT_STREQ("ds1", r.dataset);
	EXPECT_STREQ("hostB", r.origin);
	/* Another PCPI of the same pool is not locked by it. */
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 12, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON]);

	ASSERT_EQ(0, add(self, self->pool, 11, APP, "app2", NULL));
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 11, &r));
	EXPECT_EQ(2, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_TRUE(HAS(&r, SOFTLOCK_A_TEXT));

	/* Same (pool, pcpi, origin, type, text): an update, not a second lock. */
	l.dataset = "ds2";
	ASSERT_EQ(0, add_lock(self->nl, self->buf, &l)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(2, n_locks(self, self->pool, 11));

	EXPECT_EQ(2, wipe_pool(self->nl, self->buf, self->pool));
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 11, &r));
	EXPECT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON]);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
	ASSERT_POLICY_ERR(check_rec(self->nl, self->buf, self->pool,
				    SOFTLOCK_PCPI_MAX + 1, &r));
}

/*
 * The set operations (pools, seal, replace, dumps, events) are in their
 * own file; the harness registers tests per translation unit, so it is
 * included rather than linked.
 */
#include "netlink_test_set.h"

TEST_HARNESS_MAIN
