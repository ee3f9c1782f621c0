/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink_test_set.h - the second half of netlink_test.c, included by it:
 * pool dumps, seal/unseal, staged replaces, filtered and multi-part lock
 * dumps, and events. Uses the fixture and macros of netlink_test.c.
 */

TEST_F(nl, pools_dump)
{
	struct nlmsghdr *nlh;
	struct rec r;

	ASSERT_EQ(-ENOENT, pool_rec(self->nl, self->buf, self->pool, &r));
	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "a", NULL));
	ASSERT_EQ(0, add(self, self->pool, 1, APP, "b", NULL));
	ASSERT_EQ(0, add(self, self->pool, 2, OWNER, "a", "hostB"));
	ASSERT_EQ(0, add(self, self->pool2, 1, OWNER, "a", NULL));
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(SOFTLOCK_CMD_POOL_GET, r.cmd);
	EXPECT_EQ(3, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(2, r.v[SOFTLOCK_A_PCPI_COUNT]);
	EXPECT_TRUE(HAS(&r, SOFTLOCK_A_STAGED));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_STAGED]);
	EXPECT_TRUE(HAS(&r, SOFTLOCK_A_SEALED));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_SEALED]);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool2, &r));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(1, r.v[SOFTLOCK_A_PCPI_COUNT]);

	/* Staged locks count as staged only, on PCPIs old and new. */
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, "hostB", 1, NULL)) TH_LOG("%s", EXTACK);
	nlh = replace_add_req(self->nl, self->buf, self->pool, "hostB", 1);
	put_entry(nlh, DEST, 2, "s1", NULL);
	put_entry(nlh, DEST, 9, "s2", NULL);
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(3, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(2, r.v[SOFTLOCK_A_PCPI_COUNT]);
	EXPECT_EQ(2, r.v[SOFTLOCK_A_STAGED]);
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_ABORT,
				self->pool, "hostB", 1, NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_STAGED]);
	EXPECT_EQ(3, r.v[SOFTLOCK_A_COUNT]);

	/* A pool goes away with its last lock. */
	EXPECT_EQ(3, wipe_pool(self->nl, self->buf, self->pool));
	EXPECT_EQ(-ENOENT, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(0, pool_rec(self->nl, self->buf, self->pool2, &r));
}

TEST_F(nl, seal_unseal)
{
	struct rec r;

	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "a", NULL));
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 2, &r));
	ASSERT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON])
		TH_LOG("module is sealed before the test");

	self->sealed = true;
	ASSERT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_SEAL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_SEALED]);
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 2, &r));
	EXPECT_EQ(SOFTLOCK_REASON_SEALED, r.v[SOFTLOCK_A_REASON]);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
	/* Locked wins over sealed: the reply names the holder. */
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 1, &r));
	EXPECT_EQ(SOFTLOCK_REASON_LOCKED, r.v[SOFTLOCK_A_REASON]);
	/* Sealing twice is fine; locks can still be added and removed. */
	ASSERT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_SEAL));
	ASSERT_EQ(0, add(self, self->pool, 3, OWNER, "a", NULL)) TH_LOG("%s", EXTACK);

	ASSERT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_UNSEAL)) TH_LOG("%s", EXTACK);
	self->sealed = false;
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_SEALED]);
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 2, &r));
	EXPECT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON]);
	ASSERT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_UNSEAL));
}

TEST_F(nl, replace_basic)
{
	struct recs out = { 0 };
	struct nlmsghdr *nlh;
	uint32_t count;
	struct rec r;

	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "keep", NULL));
	ASSERT_EQ(0, add(self, self->pool, 2, OWNER, "old", "mirror"));
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, "mirror", 5, NULL)) TH_LOG("%s", EXTACK);
	nlh = replace_add_req(self->nl, self->buf, self->pool, "mirror", 5);
	put_entry(nlh, DEST, 3, "new3", "ds3");
	put_entry(nlh, QTREE, 4, "new4", NULL);
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);

	/* Staged locks are not live and not dumped; the old set still is. */
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 3, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, "mirror", &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ("old", out.r[0].text);

	count = 0;
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_COMMIT,
				self->pool, "mirror", 5, &count)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(2, count);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, "mirror", &out));
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(3, out.r[0].v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(DEST, out.r[0].v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("new3", out.r[0].text);
	EXPECT_STREQ("ds3", out.r[0].dataset);
	EXPECT_EQ(5, out.r[0].v[SOFTLOCK_A_GENERATION]);
	EXPECT_EQ(4, out.r[1].v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(QTREE, out.r[1].v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("new4", out.r[1].text);
	EXPECT_FALSE(HAS(&out.r[1], SOFTLOCK_A_DATASET));
	EXPECT_EQ(5, out.r[1].v[SOFTLOCK_A_GENERATION]);
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 2, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 3, &r));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_STREQ("mirror", r.origin);
	/* Only that origin's set was replaced. */
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, "local", &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ("keep", out.r[0].text);
	EXPECT_EQ(0, out.r[0].v[SOFTLOCK_A_GENERATION]);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(3, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_STAGED]);

	/* The next generation drops what it does not list. */
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, "mirror", 6, NULL));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "mirror", 6);
	put_entry(nlh, DEST, 3, "new3", "ds3");
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_COMMIT,
				self->pool, "mirror", 6, &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(0, n_locks(self, self->pool, 4));
	EXPECT_EQ(1, n_locks(self, self->pool, 3));
	recs_free(&out);
}

TEST_F(nl, replace_errors)
{
	struct nlmsghdr *nlh;
	char want[256];
	uint32_t count;
	struct rec r;

	/* Keeps the pool listed when the origin under test has nothing. */
	ASSERT_EQ(0, add(self, self->pool, 100, OWNER, "anchor", NULL));
#define OP(cmd, gen) replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_##cmd, \
				self->pool, "m", gen, NULL)
	snprintf(want, sizeof(want), "softlock: no replace is open for this origin and pool");
	ASSERT_ERR_MSG(ENOENT, want, OP(COMMIT, 1));
	ASSERT_ERR_MSG(ENOENT, want, OP(ABORT, 1));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 1);
	put_entry(nlh, DEST, 1, "x", NULL);
	ASSERT_ERR_MSG(ENOENT, want, talk(self, nlh));
	snprintf(want, sizeof(want), "softlock: generation 0 is stale: the set is at 0");
	ASSERT_ERR_MSG(ESTALE, want, OP(BEGIN, 0));
	nlh = sl_nl_req(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
	ASSERT_ERR_MSG(EINVAL, "missing attribute 11", talk(self, nlh));

	ASSERT_EQ(0, OP(BEGIN, 3)) TH_LOG("%s", EXTACK);
	ASSERT_ERR_MSG(ESTALE, "softlock: generation 2 is stale: the open replace is 3",
		       OP(COMMIT, 2));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 4);
	put_entry(nlh, DEST, 1, "x", NULL);
	ASSERT_ERR_MSG(ESTALE, "softlock: generation 4 is stale: the open replace is 3",
		       talk(self, nlh));

	/* Bad entries: the message stages nothing at all. */
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	ASSERT_ERR_MSG(EINVAL, "softlock: no entry to stage", talk(self, nlh));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 1, "good", NULL);
	put_entry(nlh, DEST, 2, NULL, NULL);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	EXPECT_EQ(0, strncmp("missing attribute 3 in nest", EXTACK, 27))
		TH_LOG("extack \"%s\"", EXTACK);
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 1, "good", NULL);
	put_entry(nlh, DEST, 2, "bad\x02", NULL);
	ASSERT_ERR(EINVAL, talk(self, nlh));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 1, "good", NULL);
	put_entry(nlh, APP + 1, 2, "badtype", NULL);
	ASSERT_POLICY_ERR(talk(self, nlh));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 1, "good", NULL);
	put_entry(nlh, DEST, SOFTLOCK_PCPI_MAX + 1, "badpcpi", NULL);
	ASSERT_POLICY_ERR(talk(self, nlh));
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_STAGED]);

	/* Abort drops the staging; then nothing is open. */
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 1, "a", NULL);
	put_entry(nlh, DEST, 2, "b", NULL);
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(2, r.v[SOFTLOCK_A_STAGED]);
	ASSERT_EQ(0, OP(ABORT, 3)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(0, r.v[SOFTLOCK_A_STAGED]);
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);
	ASSERT_ERR(ENOENT, OP(COMMIT, 3));

	/*
	 * A lock staged twice is refused with the whole message that carries
	 * it, whether the first copy came in an earlier message or the same.
	 */
	ASSERT_EQ(0, OP(BEGIN, 3));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 1, "a", NULL);
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 2, "b", NULL);
	put_entry(nlh, DEST, 1, "a", "other-dataset");
	ASSERT_ERR_MSG(EEXIST, "softlock: thin id 1: that dest-path lock is already staged",
		       talk(self, nlh));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "m", 3);
	put_entry(nlh, DEST, 3, "c", NULL);
	put_entry(nlh, DEST, 3, "c", NULL);
	ASSERT_ERR(EEXIST, talk(self, nlh));
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_STAGED]);
	ASSERT_EQ(0, OP(ABORT, 3)) TH_LOG("%s", EXTACK);

	/* A committed generation (even an empty one) makes older ones stale. */
	ASSERT_EQ(0, OP(BEGIN, 3));
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_COMMIT,
				self->pool, "m", 3, &count)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(0, count);
	snprintf(want, sizeof(want), "softlock: generation 3 is stale: the set is at 3");
	ASSERT_ERR_MSG(ESTALE, want, OP(BEGIN, 3));
	ASSERT_ERR(ESTALE, OP(BEGIN, 2));
	/* A newer begin replaces an open staging of an older generation. */
	ASSERT_EQ(0, OP(BEGIN, 7));
	ASSERT_EQ(0, OP(BEGIN, 8));
	ASSERT_ERR(ESTALE, OP(ABORT, 7));
	ASSERT_EQ(0, OP(ABORT, 8));
#undef OP
	EXPECT_EQ(1, n_locks(self, self->pool, -1));
}

TEST_F(nl, dump_filters)
{
	struct recs out = { 0 };
	struct nlmsghdr *nlh;
	size_t i, mine = 0;

	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "a1", NULL));
	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "a2", "hostB"));
	ASSERT_EQ(0, add(self, self->pool, 2, OWNER, "a3", NULL));
	ASSERT_EQ(0, add(self, self->pool2, 1, OWNER, "b1", NULL));

	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, NULL, &out));
	ASSERT_EQ(3, out.n);
	for (i = 0; i < out.n; i++)
		EXPECT_STREQ(self->pool, out.r[i].pool);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, 1, NULL, &out));
	ASSERT_EQ(2, out.n);
	EXPECT_STREQ("a1", out.r[0].text);
	EXPECT_STREQ("a2", out.r[1].text);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, "hostB", &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ("a2", out.r[0].text);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, 2, "hostB", &out));
	EXPECT_EQ(0, out.n);
	/* Without a pool filter: every pool, still filtered by PCPI and origin. */
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, NULL, 1, "local", &out));
	for (i = 0; i < out.n; i++) {
		EXPECT_EQ(1, out.r[i].v[SOFTLOCK_A_PCPI]);
		EXPECT_STREQ("local", out.r[i].origin);
		if (!strcmp(out.r[i].pool, self->pool) ||
		    !strcmp(out.r[i].pool, self->pool2))
			mine++;
	}
	EXPECT_EQ(2, mine);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, "nltest-no-such-pool", -1,
				NULL, &out));
	EXPECT_EQ(0, out.n);
	/* A bad filter fails the dump's start, with an extack. */
	nlh = sl_nl_req(self->nl, self->buf, SOFTLOCK_CMD_LOCK_GET, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, "");
	ASSERT_ERR_MSG(EINVAL, "must not be empty", talk_recs(self->nl, nlh, &out));
	nlh = sl_nl_req(self->nl, self->buf, SOFTLOCK_CMD_LOCK_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_COUNT, 1);
	ASSERT_ERR(EINVAL, talk_recs(self->nl, nlh, &out));	/* by the policy */
	recs_free(&out);
}

#define BULK		3000
#define BULK_FIRST	1000
#define BULK_BATCH	500

TEST_F_TIMEOUT(nl, dump_multipart, 300)
{
	static unsigned char seen[BULK];
	struct recs out = { 0 };
	struct nlmsghdr *nlh;
	char text[32];
	uint32_t count;
	size_t i, n, mine = 0;
	struct rec r;

	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, "bulk", 1, NULL)) TH_LOG("%s", EXTACK);
	for (i = 0; i < BULK; i += BULK_BATCH) {
		nlh = replace_add_req(self->nl, self->buf, self->pool, "bulk", 1);
		for (n = i; n < i + BULK_BATCH; n++) {
			snprintf(text, sizeof(text), "bulk-%zu", BULK_FIRST + n);
			put_entry(nlh, DEST, BULK_FIRST + n, text, NULL);
		}
		ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	}
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_COMMIT,
				self->pool, "bulk", 1, &count)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(BULK, count);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(BULK, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(BULK, r.v[SOFTLOCK_A_PCPI_COUNT]);

	/* ~300 KB of entries: many dump parts, each lock exactly once. */
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, -1, NULL, &out));
	ASSERT_EQ(BULK, out.n);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < out.n; i++) {
		const struct rec *l = &out.r[i];
		uint64_t pcpi = l->v[SOFTLOCK_A_PCPI];

		ASSERT_TRUE(pcpi >= BULK_FIRST && pcpi < BULK_FIRST + BULK);
		ASSERT_EQ(0, seen[pcpi - BULK_FIRST]) TH_LOG("pcpi %lu twice",
							     (unsigned long)pcpi);
		seen[pcpi - BULK_FIRST] = 1;
		snprintf(text, sizeof(text), "bulk-%lu", (unsigned long)pcpi);
		ASSERT_STREQ(text, l->text);
		ASSERT_STREQ("bulk", l->origin);
		ASSERT_EQ(1, l->v[SOFTLOCK_A_GENERATION]);
		ASSERT_EQ(DEST, l->v[SOFTLOCK_A_TYPE]);
	}
	/* The unfiltered dump holds them all too. */
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, NULL, -1, NULL, &out));
	for (i = 0; i < out.n; i++)
		mine += !strcmp(out.r[i].pool, self->pool);
	EXPECT_EQ(BULK, mine);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, BULK_FIRST + 17,
				NULL, &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ("bulk-1017", out.r[0].text);
	recs_free(&out);

	/* An empty generation clears the origin in one step. */
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, "bulk", 2, NULL));
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_COMMIT,
				self->pool, "bulk", 2, &count));
	EXPECT_EQ(0, count);
	EXPECT_EQ(0, n_locks(self, self->pool, -1));
}

/* The next event about our pool must be @cmd. */
#define ASSERT_EVENT(ev, want, r) do {					\
	ASSERT_EQ(0, wait_event(ev, self->pool, r, 5000));		\
	ASSERT_EQ(want, (r)->cmd);					\
} while (0)

TEST_F(nl, events)
{
	struct lock_args l = { .pool = self->pool, .pcpi = 3, .type = APP,
			       .text = "e1", .dataset = "d", .origin = "hostE" };
	struct sl_nl *ev = sl_nl_open();
	struct nlmsghdr *nlh;
	uint32_t n;
	struct rec r;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, sl_nl_join_events(ev));

	ASSERT_EQ(0, add_lock(self->nl, self->buf, &l)) TH_LOG("%s", EXTACK);
	ASSERT_EVENT(ev, SOFTLOCK_CMD_LOCK_NTF, &r);
	EXPECT_EQ(3, r.v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(APP, r.v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("e1", r.text);
	EXPECT_STREQ("d", r.dataset);
	EXPECT_STREQ("hostE", r.origin);
	EXPECT_NE(0, r.v[SOFTLOCK_A_CREATED]);
	EXPECT_TRUE(HAS(&r, SOFTLOCK_A_EXPIRES));
	EXPECT_TRUE(HAS(&r, SOFTLOCK_A_GENERATION));
	EXPECT_FALSE(HAS(&r, SOFTLOCK_A_PINNED));

	/* A refused request sends nothing. */
	ASSERT_POLICY_ERR(add(self, self->pool, 4, 0, "bad", NULL));
	ASSERT_EQ(0, add(self, self->pool, 4, OWNER, "e2", NULL));
	ASSERT_EVENT(ev, SOFTLOCK_CMD_LOCK_NTF, &r);
	EXPECT_EQ(4, r.v[SOFTLOCK_A_PCPI]);
	EXPECT_FALSE(HAS(&r, SOFTLOCK_A_DATASET));
	EXPECT_STREQ("local", r.origin);

	ASSERT_EQ(0, del(self, 3, APP, "e1", NULL, &n)) TH_LOG("%s", EXTACK);
	ASSERT_EVENT(ev, SOFTLOCK_CMD_UNLOCK_NTF, &r);
	EXPECT_EQ(3, r.v[SOFTLOCK_A_PCPI]);
	EXPECT_EQ(APP, r.v[SOFTLOCK_A_TYPE]);
	EXPECT_STREQ("e1", r.text);
	EXPECT_FALSE(HAS(&r, SOFTLOCK_A_ORIGIN));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 4, &n));
	ASSERT_EVENT(ev, SOFTLOCK_CMD_UNLOCK_NTF, &r);
	EXPECT_EQ(4, r.v[SOFTLOCK_A_PCPI]);
	EXPECT_FALSE(HAS(&r, SOFTLOCK_A_TYPE) || HAS(&r, SOFTLOCK_A_TEXT) ||
		     HAS(&r, SOFTLOCK_A_ORIGIN));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);

	/* Begin and add are silent; the commit tells. */
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, "hostR", 2, NULL));
	nlh = replace_add_req(self->nl, self->buf, self->pool, "hostR", 2);
	put_entry(nlh, DEST, 5, "r5", NULL);
	put_entry(nlh, DEST, 6, "r6", NULL);
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_COMMIT,
				self->pool, "hostR", 2, &n));
	ASSERT_EVENT(ev, SOFTLOCK_CMD_REPLACE_NTF, &r);
	EXPECT_STREQ("hostR", r.origin);
	EXPECT_EQ(2, r.v[SOFTLOCK_A_GENERATION]);
	EXPECT_EQ(2, r.v[SOFTLOCK_A_COUNT]);

	self->sealed = true;
	ASSERT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_SEAL));
	ASSERT_EVENT(ev, SOFTLOCK_CMD_SEAL_NTF, &r);
	EXPECT_TRUE(HAS(&r, SOFTLOCK_A_SEALED));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_SEALED]);
	ASSERT_EQ(0, sl_nl_simple(self->nl, SOFTLOCK_CMD_UNSEAL));
	self->sealed = false;
	ASSERT_EVENT(ev, SOFTLOCK_CMD_SEAL_NTF, &r);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_SEALED]);

	/* Checks and dumps are silent, and nothing else was sent. */
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 5, &r));
	EXPECT_EQ(2, n_locks(self, self->pool, -1));
	EXPECT_EQ(-ETIMEDOUT, wait_event(ev, self->pool, &r, 300))
		TH_LOG("unexpected event %u", r.cmd);
	sl_nl_close(ev);
}

/* Events that arrive during a request on the same socket are not lost. */
TEST_F(nl, events_same_socket)
{
	struct rec r;

	ASSERT_EQ(0, sl_nl_join_events(self->nl));
	ASSERT_EQ(0, add(self, self->pool, 1, OWNER, "s1", NULL)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, add(self, self->pool, 2, OWNER, "s2", NULL)) TH_LOG("%s", EXTACK);
	EXPECT_EQ(2, n_locks(self, self->pool, -1));
	ASSERT_EVENT(self->nl, SOFTLOCK_CMD_LOCK_NTF, &r);
	EXPECT_STREQ("s1", r.text);
	ASSERT_EVENT(self->nl, SOFTLOCK_CMD_LOCK_NTF, &r);
	EXPECT_STREQ("s2", r.text);
}
