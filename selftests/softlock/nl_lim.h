/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture and helpers shared by netlink_limits_test.c and
 * netlink_policy_test.c: a socket, a request buffer and a pool of the
 * test's own, the max_locks parameter saved and restored, and small
 * request builders. Include after kselftest_harness.h.
 */
#ifndef SL_NL_LIM_H
#define SL_NL_LIM_H

#define OWNER		SOFTLOCK_LOCK_TYPE_OWNER
#define DEST		SOFTLOCK_LOCK_TYPE_DEST_PATH
#define MAX_LOCKS	"/sys/module/softlock/parameters/max_locks"
#define MAX_POOLS	"/sys/module/softlock/parameters/max_pools"
#define MAX_ORIGINS	"/sys/module/softlock/parameters/max_origins"
#define MAX_STAGED	"/sys/module/softlock/parameters/max_staged"
#define ORIGIN		"m"

FIXTURE(lim) {
	struct sl_nl *nl;
	char *buf;
	char pool[64];
	char what[96];		/* the case a loop is at, for the failure log */
	uint64_t gen;		/* origin ORIGIN's replaces use gen, gen + 1.. */
	unsigned int old_max;
	bool restore_max, sealed;
	/* Other parameters a test changed, restored by the teardown. */
	struct { const char *path; unsigned int old; } saved[4];
	unsigned int nsaved;
};

FIXTURE_SETUP(lim)
{
	self->nl = sl_nl_open();
	if (!self->nl && errno == ENOENT)
		SKIP(return, "no softlock netlink family: load softlock.ko");
	ASSERT_NE(NULL, self->nl) TH_LOG("sl_nl_open: %s", strerror(errno));
	self->buf = malloc(SL_NL_BUF);
	ASSERT_NE(NULL, self->buf);
	snprintf(self->pool, sizeof(self->pool), "nllim-%s", _metadata->name);
	/* Newer than any generation an earlier run of this test left behind. */
	self->gen = (uint64_t)time(NULL) << 8;
	ASSERT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
}

static inline int param_read(const char *path, unsigned int *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%u", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static inline int param_write(const char *path, unsigned int v)
{
	char s[16];
	int fd = open(path, O_WRONLY), len, err = 0;

	if (fd < 0)
		return -errno;
	len = snprintf(s, sizeof(s), "%u\n", v);
	if (write(fd, s, len) != len)
		err = -errno;
	close(fd);
	return err;
}

/*
 * In the parent: the harness skips a plain FIXTURE_TEARDOWN after a failed
 * ASSERT, and a max_locks left small would fail every later test. *self is
 * shared memory here but self->nl is the child's, so use a new socket.
 */
FIXTURE_TEARDOWN_PARENT(lim)
{
	struct sl_nl *nl;
	unsigned int i;
	char *buf;
	uint64_t g;

	if (self->restore_max)
		EXPECT_EQ(0, param_write(MAX_LOCKS, self->old_max));
	for (i = 0; i < self->nsaved; i++)
		EXPECT_EQ(0, param_write(self->saved[i].path, self->saved[i].old));
	if (!self->nl)
		return;
	nl = sl_nl_open();
	buf = malloc(SL_NL_BUF);
	/* No ASSERT here: its longjmp would land in the harness again. */
	EXPECT_TRUE(nl && buf);
	if (!nl || !buf)
		goto out;
	if (self->sealed)
		EXPECT_EQ(0, sl_nl_simple(nl, SOFTLOCK_CMD_UNSEAL));
	/* A failed test may leave a replace open: staged locks count too. */
	for (g = self->gen; g < self->gen + 4; g++)
		replace_op(nl, buf, SOFTLOCK_CMD_REPLACE_ABORT, self->pool,
			   ORIGIN, g, NULL);
	EXPECT_LE(0, wipe_pool(nl, buf, self->pool));
out:
	sl_nl_close(nl);
	free(buf);
}

#define EXTACK	sl_nl_extack(self->nl)

/* @expr fails with -@err and the extack text @msg. */
#define ASSERT_ERR_MSG(err, msg, expr) do {				\
	int __ret = (expr);						\
	ASSERT_EQ(-(err), __ret)					\
		TH_LOG("%s: extack \"%s\"", self->what, EXTACK);	\
	ASSERT_STREQ(msg, EXTACK) TH_LOG("%s", self->what);		\
} while (0)

/* @expr fails with -@err and an extack that starts with @pre, ends with @suf. */
#define ASSERT_ERR_AFFIX(err, pre, suf, expr) do {			\
	int __ret = (expr);						\
	const char *__m = EXTACK;					\
	size_t __l = strlen(__m);					\
	ASSERT_EQ(-(err), __ret)					\
		TH_LOG("%s: extack \"%s\"", self->what, __m);		\
	ASSERT_EQ(0, strncmp(__m, pre, strlen(pre))) TH_LOG("%s", __m);	\
	ASSERT_LE(strlen(suf), __l) TH_LOG("%s", __m);			\
	ASSERT_STREQ(suf, __m + __l - strlen(suf)) TH_LOG("%s", __m);	\
} while (0)

#define WHAT(...) snprintf(self->what, sizeof(self->what), __VA_ARGS__)

static inline int talk(FIXTURE_DATA(lim) *self, struct nlmsghdr *nlh)
{
	return sl_nl_talk(self->nl, nlh, NULL, NULL);
}

static inline int add(FIXTURE_DATA(lim) *self, uint32_t pcpi, const char *text)
{
	return sl_nl_add(self->nl, self->pool, pcpi, OWNER, text, NULL);
}

/* A string attribute without its terminating NUL. */
static inline void put_nonul(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	mnl_attr_put(nlh, type, strlen(s), s);
}

/* Locks in the whole table, committed and staged: what max_locks counts. */
static inline long total_locks(FIXTURE_DATA(lim) *self)
{
	struct recs out = { 0 };
	long n = 0;
	size_t i;
	int err;

	err = talk_recs(self->nl, sl_nl_req(self->nl, self->buf,
					    SOFTLOCK_CMD_POOL_GET, NLM_F_DUMP),
			&out);
	for (i = 0; i < out.n; i++)
		n += out.r[i].v[SOFTLOCK_A_COUNT] + out.r[i].v[SOFTLOCK_A_STAGED];
	recs_free(&out);
	return err ? err : n;
}

/* Our pool's committed and staged counts, as one number: 100 * c + s. */
static inline long pool_counts(FIXTURE_DATA(lim) *self)
{
	struct rec r;
	int err = pool_rec(self->nl, self->buf, self->pool, &r);

	if (err)
		return err;
	return 100 * r.v[SOFTLOCK_A_COUNT] + r.v[SOFTLOCK_A_STAGED];
}

static inline int rp(FIXTURE_DATA(lim) *self, uint8_t cmd, uint64_t gen,
	      uint32_t *count)
{
	return replace_op(self->nl, self->buf, cmd, self->pool, ORIGIN, gen,
			  count);
}

/* REPLACE_ADD of one DEST lock per pcpi in @pcpis (0-terminated). */
static inline int stage(FIXTURE_DATA(lim) *self, uint64_t gen, const uint32_t *pcpis)
{
	struct nlmsghdr *nlh = replace_add_req(self->nl, self->buf, self->pool,
					       ORIGIN, gen);
	char text[16];

	for (; *pcpis; pcpis++) {
		snprintf(text, sizeof(text), "s%u", *pcpis);
		put_entry(nlh, DEST, *pcpis, text, NULL);
	}
	return talk(self, nlh);
}

/* A request of @cmd naming @pool (unless NULL) and @pcpi (unless < 0). */
static inline struct nlmsghdr *pool_req(FIXTURE_DATA(lim) *self, uint8_t cmd,
					const char *pool, int64_t pcpi)
{
	struct nlmsghdr *nlh = sl_nl_req(self->nl, self->buf, cmd, 0);

	if (pool)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	if (pcpi >= 0)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	return nlh;
}

#define PCPIS(...)	((const uint32_t[]){ __VA_ARGS__, 0 })


#endif /* SL_NL_LIM_H */
