// SPDX-License-Identifier: GPL-2.0
/*
 * pin_test - how long softlock.ko holds a pinned device open, and which
 * device it agrees to pin. A lock with PIN_DEV opens the device read-only
 * until the PCPI's last lock goes; a request that fails, or a staging that
 * is aborted, leaves no pin behind that it opened itself. The device's
 * open count is read back from device-mapper, so every assertion is on the
 * kernel's real state. A pin names its device by dev_t and DM uuid: a
 * device that is not device-mapper's (/dev/vda), another pool's thin
 * device, or a minor reused by a device created after the named one went,
 * is refused with EINVAL.
 */
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "sl_test.h"

#define MB "mirror-b"

/* A device a pin names: dev_t (new_encode_dev()'d) and DM uuid. */
struct pindev {
	uint32_t dev;
	char name[64];
	char uuid[96];
};

static uint32_t encode(dev_t d)
{
	return (minor(d) & 0xff) | (major(d) << 8) | ((minor(d) & ~0xffu) << 12);
}

/* "MAJ:MIN" of DM device @name, new_encode_dev()'d; 0 when there is none. */
static uint32_t dm_dev(const char *name)
{
	unsigned int maj, min;
	char cmd[160];
	FILE *f;
	int n;

	snprintf(cmd, sizeof(cmd),
		 "dmsetup info -c --noheadings -o major,minor %s", name);
	f = popen(cmd, "r");
	if (!f)
		return 0;
	n = fscanf(f, " %u:%u", &maj, &min);
	pclose(f);
	return n == 2 ? encode(makedev(maj, min)) : 0;
}

/*
 * A thin device of pool @pool for thin id @id, named @name with the DM
 * uuid SLTEST-@name, as LVM gives its LVs theirs.
 */
static int thin_up(struct pindev *p, const char *pool, unsigned int id,
		   const char *name)
{
	char cmd[512];

	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->uuid, sizeof(p->uuid), "SLTEST-%s", name);
	snprintf(cmd, sizeof(cmd),
		 "set -e; dmsetup message %1$s 0 'create_thin %2$u'; "
		 "dmsetup create %3$s -u %4$s --table "
		 "\"0 2048 thin $(dmsetup info -c --noheadings -o major,minor %1$s | tr -d ' ') %2$u\"",
		 pool, id, name, p->uuid);
	if (system(cmd))
		return -1;
	p->dev = dm_dev(name);
	return p->dev ? 0 : -1;
}

static int dm_down(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "dmsetup remove %s", name);
	return system(cmd);
}

FIXTURE(pin) {
	struct conn c;
	char pool[64];		/* softlock pool name and a real dm-thin pool */
	struct pindev t[2];	/* two thin devices of it */
	int nthin;
	bool dm;
};

FIXTURE_SETUP(pin)
{
	char name[80];
	int err = conn_open(&self->c);

	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	snprintf(self->pool, sizeof(self->pool), "pin-%d", getpid());
	ASSERT_EQ(0, dm_pool_up(self->pool));
	self->dm = true;
	for (; self->nthin < 2; self->nthin++) {
		snprintf(name, sizeof(name), "%s-t%d", self->pool, self->nthin);
		ASSERT_EQ(0, thin_up(&self->t[self->nthin], self->pool,
				     self->nthin + 1, name));
	}
}

FIXTURE_TEARDOWN(pin)
{
	/* Unloading the module (the runner does) would drop pins too. */
	if (self->c.nl && !rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN,
				 self->pool, MB, UINT64_MAX - 1, NULL))
		rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool, MB,
		      UINT64_MAX - 1, NULL);
	conn_close(&self->c);
	while (self->nthin > 0)
		if (dm_down(self->t[--self->nthin].name))
			TH_LOG("removing %s failed", self->t[self->nthin].name);
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
		  const struct pindev *pin)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, SOFTLOCK_LOCK_TYPE_DEST_PATH);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, pcpi);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, text);
	if (pin) {
		mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PIN_DEV, pin->dev);
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_PIN_UUID, pin->uuid);
	}
	mnl_attr_nest_end(nlh, nest);
}

static int add(struct conn *c, const char *pool, uint32_t pcpi,
	       const char *text, const struct pindev *pin)
{
	struct nlmsghdr *nlh = rp_msg(c, SOFTLOCK_CMD_LOCK_ADD, pool, NULL, 0);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, SOFTLOCK_LOCK_TYPE_OWNER);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, text);
	if (pin) {
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, pin->dev);
		mnl_attr_put_strz(nlh, SOFTLOCK_A_PIN_UUID, pin->uuid);
	}
	return sl_nl_talk(c->nl, nlh, NULL, NULL);
}

TEST_F(pin, held_until_last_lock)
{
	const struct pindev *t = &self->t[0];
	uint32_t count;

	ASSERT_EQ(0, open_count(t->name));
	ASSERT_EQ(0, add(&self->c, self->pool, 5, "a", t));
	EXPECT_EQ(1, open_count(t->name));
	/* A second lock on the PCPI, and the same pin again: one open. */
	ASSERT_EQ(0, add(&self->c, self->pool, 5, "b", t));
	EXPECT_EQ(1, open_count(t->name));
	/* Another device for the same PCPI is refused. */
	EXPECT_EQ(-EBUSY, add(&self->c, self->pool, 5, "c", &self->t[1]));
	EXPECT_NE(NULL, strstr(sl_nl_extack(self->c.nl), "already pinned"));
	EXPECT_EQ(0, open_count(self->t[1].name));
	ASSERT_EQ(0, del_locks(&self->c, self->pool, 5, NULL, &count));
	EXPECT_EQ(2u, count);
	EXPECT_EQ(0, open_count(t->name));
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

	ASSERT_EQ(0, add(&self->c, self->pool, 6, "a", &self->t[0]));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_LOCK_ADD, self->pool, NULL, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 6);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, SOFTLOCK_LOCK_TYPE_OWNER);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, "a");
	mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, (uint64_t)time(NULL) + 3600);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, self->t[1].dev);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_PIN_UUID, self->t[1].uuid);
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
	const struct pindev *t = &self->t[0];
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 1, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 7, "keep", NULL);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(0, open_count(t->name));

	/* PCPI 7 lives on ("keep"): only the batch's own pin must go. */
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 7, "pinner", t);
	entry(nlh, 7, "keep", NULL);
	EXPECT_EQ(-EEXIST, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(0, open_count(t->name));

	/* A good batch pins; aborting the staging releases it. */
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 8, "pinner", t);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(1, open_count(t->name));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_ABORT, self->pool,
			   MB, 1, NULL));
	EXPECT_EQ(0, open_count(t->name));
}

/*
 * Many locks of one PCPI in one batch share the pin the first opens: one
 * open while any of them stays, none once a failed batch is undone or
 * the last of them goes.
 */
TEST_F(pin, batch_shares_a_pcpis_pin)
{
	const struct pindev *t = &self->t[0];
	struct nlmsghdr *nlh;
	uint32_t count;

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 1, NULL));
	/* The third is staged twice: the batch fails, undone from its tail. */
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 12, "a", t);
	entry(nlh, 12, "b", t);
	entry(nlh, 12, "a", t);
	EXPECT_EQ(-EEXIST, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(0, open_count(t->name));

	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 12, "a", t);
	entry(nlh, 12, "b", t);
	entry(nlh, 12, "c", t);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_EQ(1, open_count(t->name));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 1, &count));
	EXPECT_EQ(3u, count);
	EXPECT_EQ(1, open_count(t->name));

	/* Without the lock whose open it was, the PCPI's others keep it. */
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 2, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 2);
	entry(nlh, 12, "b", t);
	entry(nlh, 12, "c", t);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 2, &count));
	EXPECT_EQ(1, open_count(t->name));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 3, NULL));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 3, &count));
	EXPECT_EQ(0, open_count(t->name));
}

/* A committed set's pins stay; replacing it by a set without them drops them. */
TEST_F(pin, replace_moves_pins)
{
	const struct pindev *t = &self->t[0];
	struct nlmsghdr *nlh;
	uint32_t count;

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 1, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 1);
	entry(nlh, 9, "base", t);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 1, &count));
	EXPECT_EQ(1u, count);
	EXPECT_EQ(1, open_count(t->name));

	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   MB, 2, NULL));
	nlh = rp_msg(&self->c, SOFTLOCK_CMD_REPLACE_ADD, self->pool, MB, 2);
	entry(nlh, 10, "newbase", NULL);
	ASSERT_EQ(0, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	/* Until the commit, the old set and its pin are in force. */
	EXPECT_EQ(1, open_count(t->name));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   MB, 2, &count));
	EXPECT_EQ(0, open_count(t->name));
}

/* No lock is left on @pcpi (a refused pin adds nothing). */
static int locks_on(struct conn *c, const char *pool, uint32_t pcpi)
{
	uint32_t count = 0;
	int err = del_locks(c, pool, pcpi, NULL, &count);

	return err == -ENOENT ? 0 : err ? err : (int)count;
}

/* A device that is not device-mapper's, like the guest's disk. */
TEST_F(pin, refuses_a_device_not_dm)
{
	struct pindev vda = { .uuid = "SLTEST-vda" };
	struct stat st;

	ASSERT_EQ(0, stat("/dev/vda", &st));
	vda.dev = encode(st.st_rdev);
	EXPECT_EQ(-EINVAL, add(&self->c, self->pool, 11, "vda", &vda));
	EXPECT_NE(NULL, strstr(sl_nl_extack(self->c.nl),
			       "not a device-mapper device")) {
		TH_LOG("extack: %s", sl_nl_extack(self->c.nl));
	}
	EXPECT_EQ(0, locks_on(&self->c, self->pool, 11));
}

/* The dev_t of another pool's thin device, with the uuid of ours. */
TEST_F(pin, refuses_another_pools_thin_device)
{
	struct pindev other, wrong;
	char pool2[32], name[48];

	snprintf(pool2, sizeof(pool2), "pin-%d-b", getpid());
	snprintf(name, sizeof(name), "%s-t1", pool2);
	ASSERT_EQ(0, dm_pool_up(pool2));
	ASSERT_EQ(0, thin_up(&other, pool2, 1, name)) {
		dm_pool_down(pool2);
	}
	wrong = self->t[0];
	wrong.dev = other.dev;
	EXPECT_EQ(-EINVAL, add(&self->c, self->pool, 12, "other", &wrong));
	EXPECT_NE(NULL, strstr(sl_nl_extack(self->c.nl), "with that uuid")) {
		TH_LOG("extack: %s", sl_nl_extack(self->c.nl));
	}
	EXPECT_EQ(0, open_count(other.name));
	EXPECT_EQ(0, locks_on(&self->c, self->pool, 12));
	EXPECT_EQ(0, dm_down(other.name));
	EXPECT_EQ(0, dm_pool_down(pool2));
}

/*
 * A DM device goes and another is created with its minor: the dev_t a
 * request kept from the first now names the second. Pinning it under the
 * first one's uuid is refused; under its own, it works.
 */
TEST_F(pin, refuses_a_reused_minor)
{
	struct pindev gone = { 0 }, now = { 0 };
	unsigned int maj, min;
	char cmd[512];

	snprintf(gone.name, sizeof(gone.name), "pin-%d-gone", getpid());
	snprintf(gone.uuid, sizeof(gone.uuid), "SLTEST-%s", gone.name);
	snprintf(now.name, sizeof(now.name), "pin-%d-now", getpid());
	snprintf(now.uuid, sizeof(now.uuid), "SLTEST-%s", now.name);
	snprintf(cmd, sizeof(cmd), "dmsetup create %s -u %s --table '0 8 error'",
		 gone.name, gone.uuid);
	ASSERT_EQ(0, system(cmd));
	gone.dev = dm_dev(gone.name);
	ASSERT_NE(0u, gone.dev);
	ASSERT_EQ(0, dm_down(gone.name));
	maj = (gone.dev & 0xfff00) >> 8;
	min = (gone.dev & 0xff) | ((gone.dev >> 12) & 0xfff00);
	snprintf(cmd, sizeof(cmd),
		 "dmsetup create %s -u %s -j %u -m %u --table '0 8 error'",
		 now.name, now.uuid, maj, min);
	ASSERT_EQ(0, system(cmd));
	now.dev = dm_dev(now.name);
	ASSERT_EQ(gone.dev, now.dev);

	EXPECT_EQ(-EINVAL, add(&self->c, self->pool, 13, "gone", &gone));
	EXPECT_NE(NULL, strstr(sl_nl_extack(self->c.nl), "with that uuid")) {
		TH_LOG("extack: %s", sl_nl_extack(self->c.nl));
	}
	EXPECT_EQ(0, open_count(now.name));
	EXPECT_EQ(0, locks_on(&self->c, self->pool, 13));
	/* The device's own uuid: a correct pin still works. */
	EXPECT_EQ(0, add(&self->c, self->pool, 13, "now", &now));
	EXPECT_EQ(1, open_count(now.name));
	EXPECT_EQ(1, locks_on(&self->c, self->pool, 13));
	EXPECT_EQ(0, open_count(now.name));
	EXPECT_EQ(0, dm_down(now.name));
}

/* PIN_DEV alone names no uuid to check: refused, nothing opened. */
TEST_F(pin, needs_the_uuid)
{
	struct nlmsghdr *nlh;

	nlh = rp_msg(&self->c, SOFTLOCK_CMD_LOCK_ADD, self->pool, NULL, 0);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 14);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, SOFTLOCK_LOCK_TYPE_OWNER);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, "nouuid");
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, self->t[0].dev);
	EXPECT_EQ(-EINVAL, sl_nl_talk(self->c.nl, nlh, NULL, NULL));
	EXPECT_NE(NULL, strstr(sl_nl_extack(self->c.nl), "pin-uuid")) {
		TH_LOG("extack: %s", sl_nl_extack(self->c.nl));
	}
	EXPECT_EQ(0, open_count(self->t[0].name));
	EXPECT_EQ(0, locks_on(&self->c, self->pool, 14));
}

TEST_HARNESS_MAIN
