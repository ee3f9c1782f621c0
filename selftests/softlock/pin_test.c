// SPDX-License-Identifier: GPL-2.0
/*
 * pin_test - how long softlock.ko holds a pinned device open. A lock with
 * PIN_DEV opens the device read-only until the PCPI's last lock goes;
 * a request that fails, or a staging that is aborted, leaves no pin behind
 * that it opened itself. The device's open count is read back from
 * device-mapper, so every assertion is on the kernel's real state.
 */
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "sl_test.h"

#define MB "mirror-b"

FIXTURE(pin) {
	struct conn c;
	char pool[64];		/* softlock pool name and a real dm device */
	uint32_t dev;		/* the dm device, new_encode_dev()'d */
	bool dm;
};

FIXTURE_SETUP(pin)
{
	struct stat st;
	char path[96];
	int err = conn_open(&self->c);

	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	snprintf(self->pool, sizeof(self->pool), "pin-%d", getpid());
	ASSERT_EQ(0, dm_pool_up(self->pool));
	self->dm = true;
	snprintf(path, sizeof(path), "/dev/mapper/%s", self->pool);
	ASSERT_EQ(0, stat(path, &st));
	self->dev = (minor(st.st_rdev) & 0xff) | (major(st.st_rdev) << 8) |
		    ((minor(st.st_rdev) & ~0xffu) << 12);
}

FIXTURE_TEARDOWN(pin)
{
	/* Unloading the module (the runner does) would drop pins too. */
	if (self->c.nl && !rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN,
				 self->pool, MB, UINT64_MAX - 1, NULL))
		rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool, MB,
		      UINT64_MAX - 1, NULL);
	conn_close(&self->c);
	if (self->dm && dm_pool_down(self->pool))
		TH_LOG("removing %s failed", self->pool);
}

/* Device-mapper's open count of @name: what a pin adds to. */
static int open_count(const char *name)
{
	char cmd[160];
	int n = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "dmsetup info -c --noheadings -o open %s",
		 name);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

static void entry(struct nlmsghdr *nlh, uint32_t pcpi, const char *text,
		  uint32_t pin)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, SOFTLOCK_LOCK_TYPE_DEST_PATH);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, pcpi);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, text);
	if (pin)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PIN_DEV, pin);
	mnl_attr_nest_end(nlh, nest);
}

static int add(struct conn *c, const char *pool, uint32_t pcpi,
	       const char *text, uint32_t pin)
{
	struct nlmsghdr *nlh = rp_msg(c, SOFTLOCK_CMD_LOCK_ADD, pool, NULL, 0);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, SOFTLOCK_LOCK_TYPE_OWNER);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, text);
	if (pin)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, pin);
	return sl_nl_talk(c->nl, nlh, NULL, NULL);
}

TEST_F(pin, held_until_last_lock)
{
	uint32_t count;

	ASSERT_EQ(0, open_count(self->pool));
	ASSERT_EQ(0, add(&self->c, self->pool, 5, "a", self->dev));
	EXPECT_EQ(1, open_count(self->pool));
	/* A second lock on the PCPI, and the same pin again: one open. */
	ASSERT_EQ(0, add(&self->c, self->pool, 5, "b", self->dev));
	EXPECT_EQ(1, open_count(self->pool));
	/* Another device for the same PCPI is refused. */
	EXPECT_EQ(-EBUSY, add(&self->c, self->pool, 5, "c", self->dev + 1));
	EXPECT_NE(NULL, strstr(sl_nl_extack(self->c.nl), "already pinned"));
	ASSERT_EQ(0, del_locks(&self->c, self->pool, 5, NULL, &count));
	EXPECT_EQ(2u, count);
	EXPECT_EQ(0, open_count(self->pool));
}

static void take_expires(const struct lockv *lv, void *arg)
{
	*(uint64_t *)arg = lv->expires;
}

/* An update of a lock that is refused (another pin) leaves it as it was. */
TEST_F(pin, refused_update_changes_nothing)
{
	struct nlmsghdr *nlh;
	uint64_t expires = 1;
	uint32_t count;

	ASSERT_EQ(0, add(&self->c, self->pool, 6, "a", self->dev));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_LOCK_ADD, self->pool, NULL, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 6);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, SOFTLOCK_LOCK_TYPE_OWNER);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, "a");
	mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, (uint64_t)time(NULL) + 3600);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, self->dev + 1);
	EXPECT_EQ(-EBUSY, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	ASSERT_EQ(0, dump_locks(&self->c, self->pool, NULL, 6, take_expires,
				&expires, NULL));
	EXPECT_EQ(0u, expires);
	ASSERT_EQ(0, del_locks(&self->c, self->pool, 6, NULL, &count));
	EXPECT_EQ(1u, count);
}

/* A batch that fails after a pinning entry leaves the device closed. */
TEST_F(pin, failed_batch_drops_its_pin)
{
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 1, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 7, "keep", 0);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(0, open_count(self->pool));

	/* PCPI 7 lives on ("keep"): only the batch's own pin must go. */
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 7, "pinner", self->dev);
	entry(nlh, 7, "keep", 0);
	EXPECT_EQ(-EEXIST, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(0, open_count(self->pool));

	/* A good batch pins; aborting the staging releases it. */
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 8, "pinner", self->dev);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(1, open_count(self->pool));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_ABORT, self->pool,
			   MB, 1, NULL));
	EXPECT_EQ(0, open_count(self->pool));
}

/* A committed set's pins stay; replacing it by a set without them drops them. */
TEST_F(pin, replace_moves_pins)
{
	struct nlmsghdr *nlh;
	uint32_t count;

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 1, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 9, "base", self->dev);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 1, &count));
	EXPECT_EQ(1u, count);
	EXPECT_EQ(1, open_count(self->pool));

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 2, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 2);
	entry(nlh, 10, "newbase", 0);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	/* Until the commit, the old set and its pin are in force. */
	EXPECT_EQ(1, open_count(self->pool));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 2, &count));
	EXPECT_EQ(0, open_count(self->pool));
}

TEST_HARNESS_MAIN
