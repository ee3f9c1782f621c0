// SPDX-License-Identifier: GPL-2.0
/*
 * privilege_test: without CAP_SYS_ADMIN every softlock command fails with
 * EPERM and says why, joining the events group fails, and nothing in the
 * table changes.
 *
 * A forked child drops to nobody (no groups, uid/gid 65534, hence no
 * capabilities) and tries each command; it sends one record per attempt
 * through a pipe, and the harness assertions run on them in the parent.
 * Both orders are tried: a socket opened after the drop, and one opened as
 * root before it (the kernel checks the sender too, not only the opener).
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "nltest.h"
#include "kselftest_harness.h"

#define NOBODY		65534
#define EPERM_MSG	"softlock: CAP_SYS_ADMIN in the initial user namespace is required"

/* One attempt of the child, as it travels through the pipe. */
struct attempt {
	char what[32];
	int err;
	char extack[256];
};

FIXTURE(priv) {
	struct sl_nl *nl;
	char *buf;
	char pool[64];
};

FIXTURE_SETUP(priv)
{
	if (geteuid())
		SKIP(return, "must run as root to drop privileges");
	self->nl = sl_nl_open();
	if (!self->nl && errno == ENOENT)
		SKIP(return, "no softlock netlink family: load softlock.ko");
	ASSERT_NE(NULL, self->nl) TH_LOG("sl_nl_open: %s", strerror(errno));
	self->buf = malloc(SL_NL_BUF);
	ASSERT_NE(NULL, self->buf);
	snprintf(self->pool, sizeof(self->pool), "privtest-%s", _metadata->name);
	ASSERT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
	/* Something for the child's del, check and replace to aim at. */
	ASSERT_EQ(0, sl_nl_add(self->nl, self->pool, 1, SOFTLOCK_LOCK_TYPE_OWNER,
			       "root-lock", NULL)) TH_LOG("%s", sl_nl_extack(self->nl));
}

FIXTURE_TEARDOWN(priv)
{
	if (!self->nl)
		return;
	EXPECT_LE(0, wipe_pool(self->nl, self->buf, self->pool));
	sl_nl_close(self->nl);
	free(self->buf);
}

static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	/* Make sure the drop is for real: root could switch back. */
	if (!setuid(0))
		return -EPERM;
	return 0;
}

static void report(int fd, const char *what, int err, struct sl_nl *nl)
{
	struct attempt a = { .err = err };

	snprintf(a.what, sizeof(a.what), "%s", what);
	snprintf(a.extack, sizeof(a.extack), "%s", nl ? sl_nl_extack(nl) : "");
	if (write(fd, &a, sizeof(a)) != sizeof(a))
		_exit(3);
}

/* Every command once, each reported; runs in the unprivileged child. */
static void try_everything(int fd, struct sl_nl *nl, char *buf,
			   const char *pool)
{
	struct recs out = { 0 };
	struct nlmsghdr *nlh;
	uint64_t s1, s2;
	uint32_t s3;
	uint32_t a, b;
	int err;

	err = sl_nl_add(nl, pool, 2, SOFTLOCK_LOCK_TYPE_OWNER, "nobody", NULL);
	report(fd, "add", err, nl);
	report(fd, "del", sl_nl_del(nl, pool, 1, &a), nl);
	report(fd, "lock-get", dump_locks(nl, buf, NULL, -1, NULL, &out), nl);
	report(fd, "lock-get-filtered",
	       dump_locks(nl, buf, pool, 1, NULL, &out), nl);
	err = replace_op(nl, buf, SOFTLOCK_CMD_REPLACE_BEGIN, pool, NULL, 9,
			 NULL);
	report(fd, "replace-begin", err, nl);
	nlh = replace_add_req(nl, buf, pool, NULL, 9);
	put_entry(nlh, SOFTLOCK_LOCK_TYPE_APP, 3, "x", NULL);
	report(fd, "replace-add", sl_nl_talk(nl, nlh, NULL, NULL), nl);
	err = replace_op(nl, buf, SOFTLOCK_CMD_REPLACE_COMMIT, pool, NULL, 9,
			 &a);
	report(fd, "replace-commit", err, nl);
	err = replace_op(nl, buf, SOFTLOCK_CMD_REPLACE_ABORT, pool, NULL, 9,
			 NULL);
	report(fd, "replace-abort", err, nl);
	report(fd, "check", sl_nl_check(nl, pool, 1, &a, &b), nl);
	err = talk_recs(nl, sl_nl_req(nl, buf, SOFTLOCK_CMD_POOL_GET,
				      NLM_F_DUMP), &out);
	report(fd, "pool-get", err, nl);
	report(fd, "seal", sl_nl_simple(nl, SOFTLOCK_CMD_SEAL), nl);
	report(fd, "unseal", sl_nl_simple(nl, SOFTLOCK_CMD_UNSEAL), nl);
	report(fd, "stats-get", sl_nl_stats(nl, &s1, &s2, &s3), nl);
	report(fd, "join-events", sl_nl_join_events(nl), NULL);
	recs_free(&out);
}

#define N_ATTEMPTS	14

/*
 * Fork, drop privileges in the child (opening the socket before or after),
 * try everything; read the attempts into @a. Returns how many arrived, or
 * -1 with the child's status in @status.
 */
static int run_child(FIXTURE_DATA(priv) *self, bool open_as_root,
		     struct attempt *a, int max, int *status)
{
	int pfd[2], n = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct sl_nl *nl = open_as_root ? sl_nl_open() : NULL;
		int err;

		close(pfd[0]);
		err = drop_privileges();
		if (err) {
			report(pfd[1], "drop-privileges", err, NULL);
			_exit(1);
		}
		if (!open_as_root)
			nl = sl_nl_open();
		if (!nl) {
			report(pfd[1], "open", -errno, NULL);
			_exit(2);
		}
		try_everything(pfd[1], nl, self->buf, self->pool);
		sl_nl_close(nl);
		_exit(0);
	}
	close(pfd[1]);
	while (n < max && read(pfd[0], &a[n], sizeof(*a)) == sizeof(*a))
		n++;
	close(pfd[0]);
	if (waitpid(pid, status, 0) != pid)
		return -1;
	return n;
}

static void check_attempts(struct __test_metadata *_metadata,
			   FIXTURE_DATA(priv) *self, bool open_as_root)
{
	struct attempt a[N_ATTEMPTS + 1];
	uint32_t reason, count;
	int i, n, status = -1;
	struct rec r;

	n = run_child(self, open_as_root, a, N_ATTEMPTS + 1, &status);
	ASSERT_LE(0, n);
	if (n > 0 && n < N_ATTEMPTS)
		TH_LOG("child stopped after %s: %d (%s)", a[n - 1].what,
		       a[n - 1].err, strerror(-a[n - 1].err));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status 0x%x", status);
	ASSERT_EQ(N_ATTEMPTS, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(-EPERM, a[i].err)
			TH_LOG("%s: %d (%s), extack \"%s\"", a[i].what, a[i].err,
			       strerror(-a[i].err), a[i].extack);
		/* setsockopt has no extack. */
		if (!strcmp(a[i].what, "join-events"))
			continue;
		EXPECT_STREQ(EPERM_MSG, a[i].extack) TH_LOG("%s", a[i].what);
	}

	/* Nothing changed: the root lock is there, no staging, not sealed. */
	ASSERT_EQ(0, sl_nl_check(self->nl, self->pool, 1, &reason, &count));
	EXPECT_EQ(SOFTLOCK_REASON_LOCKED, reason);
	EXPECT_EQ(1, count);
	ASSERT_EQ(0, sl_nl_check(self->nl, self->pool, 2, &reason, &count));
	EXPECT_EQ(SOFTLOCK_REASON_NONE, reason);
	EXPECT_EQ(0, count);
	ASSERT_EQ(0, pool_rec(self->nl, self->buf, self->pool, &r));
	EXPECT_EQ(1, r.v[SOFTLOCK_A_COUNT]);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_STAGED]);
	EXPECT_EQ(0, r.v[SOFTLOCK_A_SEALED]);
}

TEST_F(priv, socket_opened_unprivileged)
{
	check_attempts(_metadata, self, false);
}

TEST_F(priv, socket_opened_as_root)
{
	check_attempts(_metadata, self, true);
}

/* The control: the same requests as root succeed, so EPERM meant caps. */
TEST_F(priv, root_allowed)
{
	struct sl_nl *ev = sl_nl_open();
	uint32_t reason, count;

	ASSERT_NE(NULL, ev);
	EXPECT_EQ(0, sl_nl_join_events(ev));
	sl_nl_close(ev);
	ASSERT_EQ(0, sl_nl_check(self->nl, self->pool, 1, &reason, &count))
		TH_LOG("%s", sl_nl_extack(self->nl));
	EXPECT_EQ(1, count);
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_BEGIN,
				self->pool, NULL, 9, NULL))
		TH_LOG("%s", sl_nl_extack(self->nl));
	ASSERT_EQ(0, replace_op(self->nl, self->buf, SOFTLOCK_CMD_REPLACE_ABORT,
				self->pool, NULL, 9, NULL));
	ASSERT_EQ(0, sl_nl_del(self->nl, self->pool, 1, &count));
	EXPECT_EQ(1, count);
}

TEST_HARNESS_MAIN
