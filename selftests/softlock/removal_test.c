// SPDX-License-Identifier: GPL-2.0
/*
 * removal_test - other generic netlink requests answer while a commit
 * removes 1,000,000 locks.
 *
 * One thread commits an empty set over a committed set of a million locks,
 * which unlinks them all in one request. While that request is still
 * inside the kernel, the main thread sends a STATS_GET of this family and
 * a CTRL_CMD_GETFAMILY of nlctrl on their own sockets: both must be
 * answered before the commit returns. If the family ran its requests
 * under genl_mutex (no parallel_ops), both would wait for the whole
 * removal and the commit would always return first.
 *
 * "Inside the kernel" is read from the committing thread's own system
 * time in /proc (it does nothing else that costs any): the main thread
 * goes on once the commit has run for SL_REMOVAL_TICKS clock ticks,
 * long after it took any mutex it is going to hold. The assertion is on
 * the order of the replies, never on a time; the times are logged
 * ("# latency ...") for the kernel benchmark, which reports them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/genetlink.h>

#include "sl_test.h"
#include "kselftest_harness.h"

#define ORIGIN		"removal"
#define NR_LOCKS	1000000u
/* Clock ticks of the commit's system time before the others are sent. */
#define SL_REMOVAL_TICKS 3ul

struct remover {
	struct conn c;
	const char *pool;
	atomic_int tid;		/* 0 until the thread runs */
	atomic_bool done;	/* the commit has returned */
	int err;
	uint32_t count;
	double t_start, t_end;
};

static void *remove_all(void *arg)
{
	struct remover *r = arg;

	atomic_store(&r->tid, (int)syscall(SYS_gettid));
	r->t_start = now_s();
	r->err = rp_op(&r->c, SOFTLOCK_CMD_REPLACE_COMMIT, r->pool, ORIGIN, 2,
		       &r->count);
	r->t_end = now_s();
	atomic_store(&r->done, true);
	return NULL;
}

/* The system time of thread @tid, in clock ticks; ~0 on error. */
static unsigned long stime_of(int tid)
{
	unsigned long st = ~0ul;
	char path[64], buf[1024], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return ~0ul;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command's closing parenthesis: state is the 3rd. */
	p = strrchr(buf, ')');
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %lu",
			&st) != 1)
		st = ~0ul;
	return st;
}

/* CTRL_CMD_GETFAMILY "softlock" on a socket of its own: 0 or -errno. */
static int ctrl_getfamily(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	unsigned int seq = 1;
	int ret, err = -EIO;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SOFTLOCK_FAMILY_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			err = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, ret, seq, mnl_socket_get_portid(nl),
				 NULL, NULL);
	} while (ret > 0);
	err = ret < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return err;
}

static void mk_lock(unsigned int i, struct entry *e, const void *arg)
{
	(void)arg;
	e->pcpi = i;
	e->type = SOFTLOCK_LOCK_TYPE_OWNER;
	snprintf(e->text, sizeof(e->text), "removal-%u", i);
}

FIXTURE(removal) {
	struct conn c;
	char pool[64];
};

FIXTURE_SETUP(removal)
{
	int err = conn_open(&self->c);

	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	snprintf(self->pool, sizeof(self->pool), "removal-%d", getpid());
}

FIXTURE_TEARDOWN(removal)
{
	conn_close(&self->c);
}

TEST_F_TIMEOUT(removal, others_answer_during_removal, 600)
{
	struct remover r = { .pool = self->pool };
	uint64_t locked, sealed;
	double t0, t_stats, t_ctrl;
	bool stats_first, ctrl_first;
	uint32_t state, count;
	unsigned long st;
	pthread_t th;

	t0 = now_s();
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   ORIGIN, 1, NULL));
	ASSERT_EQ(0, stage(&self->c, self->pool, ORIGIN, 1, 0, NR_LOCKS, 0,
			   mk_lock, NULL));
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_COMMIT, self->pool,
			   ORIGIN, 1, &count));
	ASSERT_EQ(NR_LOCKS, count);
	TH_LOG("%u locks installed in %.1f s", count, now_s() - t0);
	/* Generation 2 is empty: committing it removes all of them. */
	ASSERT_EQ(0, rp_op(&self->c, SOFTLOCK_CMD_REPLACE_BEGIN, self->pool,
			   ORIGIN, 2, NULL));

	ASSERT_EQ(0, conn_open(&r.c));
	ASSERT_EQ(0, pthread_create(&th, NULL, remove_all, &r));
	while (!atomic_load(&r.tid))
		sched_yield();
	/* Until the commit has surely begun; it ends the wait too. */
	do {
		st = stime_of(atomic_load(&r.tid));
		if (st == ~0ul || st >= SL_REMOVAL_TICKS)
			break;
		sched_yield();
	} while (!atomic_load(&r.done));
	EXPECT_NE(~0ul, st);
	EXPECT_FALSE(atomic_load(&r.done)) {
		TH_LOG("the removal returned before the others were sent: too fast to test");
	}

	t_stats = now_s();
	EXPECT_EQ(0, sl_nl_stats(self->c.nl, &locked, &sealed, &state));
	t_stats = now_s() - t_stats;
	stats_first = !atomic_load(&r.done);
	t_ctrl = now_s();
	EXPECT_EQ(0, ctrl_getfamily());
	t_ctrl = now_s() - t_ctrl;
	ctrl_first = !atomic_load(&r.done);

	ASSERT_EQ(0, pthread_join(th, NULL));
	conn_close(&r.c);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(0u, r.count);
	TH_LOG("latency stats_ms=%.1f ctrl_ms=%.1f removal_s=%.2f",
	       t_stats * 1e3, t_ctrl * 1e3, r.t_end - r.t_start);
	/* The order, not the times, is what passes or fails. */
	EXPECT_TRUE(stats_first) {
		TH_LOG("STATS_GET was answered only after the removal returned");
	}
	EXPECT_TRUE(ctrl_first) {
		TH_LOG("CTRL_CMD_GETFAMILY was answered only after the removal returned");
	}
}

TEST_HARNESS_MAIN
