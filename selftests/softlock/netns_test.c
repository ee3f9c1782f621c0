// SPDX-License-Identifier: GPL-2.0
/*
 * netns_test: the family from other network namespaces. Pools are not per
 * namespace, so root in a new netns (a container, a mirror host in the
 * tests) sees and changes the same lock table. Root of an unprivileged
 * user namespace, with a netns of its own, gets EPERM for every command,
 * and even where it may join "events" it receives none: events go to the
 * initial netns only.
 *
 * Each case forks; the child reports one record per step through a pipe
 * and the assertions run in the parent. Multicast is queued on the
 * listener's socket before the sender's request returns, so "nothing
 * arrived" is read without waiting (a zero timeout) once the parent says
 * the event was sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "nltest.h"
#include "kselftest_harness.h"

#define NOBODY 65534

struct step {
	char what[32];
	int err;
	uint32_t value;
};

FIXTURE(ns) {
	struct sl_nl *nl;
	char *buf;
	char pool[64];
	int to_parent[2], to_child[2];
	pid_t pid;
};

FIXTURE_SETUP(ns)
{
	if (geteuid())
		SKIP(return, "must run as root");
	self->nl = sl_nl_open();
	if (!self->nl && errno == ENOENT)
		SKIP(return, "no softlock netlink family: load softlock.ko");
	ASSERT_NE(NULL, self->nl);
	self->buf = malloc(SL_NL_BUF);
	ASSERT_NE(NULL, self->buf);
	snprintf(self->pool, sizeof(self->pool), "nstest-%s", _metadata->name);
	ASSERT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
	ASSERT_EQ(0, sl_nl_add(self->nl, self->pool, 1, SOFTLOCK_LOCK_TYPE_OWNER,
			       "init-netns", NULL));
	ASSERT_EQ(0, pipe(self->to_parent));
	ASSERT_EQ(0, pipe(self->to_child));
}

FIXTURE_TEARDOWN(ns)
{
	if (!self->nl)
		return;
	EXPECT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
	sl_nl_close(self->nl);
	free(self->buf);
}

static void say(int fd, const char *what, int err, uint32_t value)
{
	struct step s = { .err = err, .value = value };

	snprintf(s.what, sizeof(s.what), "%s", what);
	if (write(fd, &s, sizeof(s)) != sizeof(s))
		_exit(3);
}

static int hear(int fd, struct step *s)
{
	return read(fd, s, sizeof(*s)) == sizeof(*s) ? 0 : -1;
}

/* Become root of a new user namespace, mapped from nobody. */
static int own_userns(void)
{
	char map[32];
	int fd, n;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	/* The uid change made /proc/self root's: take it back to write maps. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) || unshare(CLONE_NEWUSER))
		return -errno;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return -EIO;
	close(fd);
	n = snprintf(map, sizeof(map), "0 %d 1", NOBODY);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, n) != n)
		return -EIO;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, n) != n)
		return -EIO;
	close(fd);
	return 0;
}

/*
 * The child: into a new netns (as real root, or as root of its own user
 * namespace), then check pool 1, add pool 2, join events, tell the parent,
 * and report whether an event is queued once the parent has sent one.
 */
static void child(FIXTURE_DATA(ns) *self, bool userns)
{
	int out = self->to_parent[1], in = self->to_child[0];
	uint32_t reason = 0, count = 0;
	struct sl_nl *nl;
	struct step go;
	int err;

	close(self->to_parent[0]);
	close(self->to_child[1]);
	err = userns ? own_userns() : 0;
	if (!err && unshare(CLONE_NEWNET))
		err = -errno;
	say(out, "unshare", err, 0);
	if (err)
		_exit(1);
	nl = sl_nl_open();
	say(out, "open", nl ? 0 : -errno, 0);
	if (!nl)
		_exit(2);
	err = sl_nl_check(nl, self->pool, 1, &reason, &count);
	say(out, "check", err, count);
	err = sl_nl_add(nl, self->pool, 2, SOFTLOCK_LOCK_TYPE_APP, "other-netns",
			NULL);
	say(out, "add", err, 0);
	say(out, "join-events", sl_nl_join_events(nl), 0);
	if (hear(in, &go))
		_exit(4);
	say(out, "event-queued", sl_nl_next_event(nl, 0, NULL, NULL), 0);
	sl_nl_close(nl);
	_exit(0);
}

/* Run the child; fill @s[0..5) from its reports. */
static void run(struct __test_metadata *_metadata, FIXTURE_DATA(ns) *self,
		bool userns, struct step *s)
{
	struct step go = { .what = "go" };
	int i, status;

	fflush(NULL);
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid)
		child(self, userns);
	close(self->to_parent[1]);
	close(self->to_child[0]);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, hear(self->to_parent[0], &s[i]))
			TH_LOG("the child stopped after step %d", i);
		if (!i && s[0].err && userns) {
			waitpid(self->pid, &status, 0);
			SKIP(return, "no unprivileged user namespaces here: %s",
			     strerror(-s[0].err));
		}
	}
	/* The child listens: an event now goes out from the initial netns. */
	ASSERT_EQ(0, sl_nl_add(self->nl, self->pool, 3, SOFTLOCK_LOCK_TYPE_APP,
			       "event", NULL));
	ASSERT_EQ((ssize_t)sizeof(go), write(self->to_child[1], &go, sizeof(go)));
	ASSERT_EQ(0, hear(self->to_parent[0], &s[5]));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

TEST_F(ns, root_in_another_netns_shares_the_table)
{
	uint32_t reason, count;
	struct step s[6];

	run(_metadata, self, false, s);
	ASSERT_EQ(0, s[0].err);
	ASSERT_EQ(0, s[1].err) TH_LOG("the family is not visible in a new netns");
	ASSERT_EQ(0, s[2].err);
	EXPECT_EQ(1u, s[2].value);	/* the lock added from the initial netns */
	EXPECT_EQ(0, s[3].err);
	EXPECT_EQ(0, s[4].err);
	/* Events stay in the initial netns. */
	EXPECT_EQ(-ETIMEDOUT, s[5].err);
	/* ... while the lock it added is in the one table. */
	ASSERT_EQ(0, sl_nl_check(self->nl, self->pool, 2, &reason, &count));
	EXPECT_EQ(SOFTLOCK_REASON_LOCKED, reason);
	EXPECT_EQ(1u, count);
}

TEST_F(ns, userns_root_gets_eperm_and_no_events)
{
	uint32_t reason, count;
	struct step s[6];

	run(_metadata, self, true, s);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	ASSERT_EQ(0, s[0].err);
	ASSERT_EQ(0, s[1].err);
	EXPECT_EQ(-EPERM, s[2].err);
	EXPECT_EQ(-EPERM, s[3].err);
	/* Whether it may join depends on the kernel; it must hear nothing. */
	TH_LOG("join-events in its own user namespace: %d", s[4].err);
	EXPECT_EQ(-ETIMEDOUT, s[5].err);
	ASSERT_EQ(0, sl_nl_check(self->nl, self->pool, 2, &reason, &count));
	EXPECT_EQ(SOFTLOCK_REASON_NONE, reason);
}

TEST_HARNESS_MAIN
