// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz - a netlink fuzzer for the softlock family.
 *
 * Sends SL_FUZZ_COUNT requests (default 100,000) drawn from a seeded PRNG
 * (SL_FUZZ_SEED; the seed is printed, and every failing request in hex):
 * well-formed requests for every command, mutations of them, raw noise
 * after a valid header (nl_fuzz.h). A few pool and origin names make state
 * pile up. Every reply is checked, a model follows the replaces, and then
 * the table's invariants are checked and the table emptied: it needs the
 * fresh module run_tests.sh loads, and skips a table holding anything.
 *
 * Who answers. af_netlink (netlink_rcv_skb) and the genetlink core
 * (genl_family_rcv_msg) see a request before the family does:
 *  - af_netlink drops, with no reply at all, a datagram shorter than an
 *    nlmsghdr and a message whose nlmsg_len is below NLMSG_HDRLEN or beyond
 *    the datagram ("drop");
 *  - genetlink answers EINVAL to a message too short for a genlmsghdr (no
 *    extack) or with a nonzero reserved field or flags beyond REQUEST, ACK,
 *    ECHO and DUMP (with a message), and EOPNOTSUPP to a command the family
 *    lacks or a do/dump its op lacks (no extack).
 * core_why() tells these from the request bytes alone (the kernels differ
 * in which check comes first, not in whether one fails). Their errors are
 * tallied, never failed for a missing extack: the family cannot add one.
 * All else reaches the family: the policy (checked by genetlink with our
 * policy, always with a message), then our handlers. An error from there
 * must carry an extack: a message, or NLMSGERR_ATTR_MISS_TYPE, which is
 * what GENL_REQ_ATTR_CHECK gives for a missing attribute.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "sl_test.h"
#include "nl_fuzz.h"
#include "kselftest_harness.h"

#define FZ_RX		(128 * 1024)
#define BIT(n)		(1u << (n))
#define A(name)		BIT(SOFTLOCK_A_##name)
#define CMD_OTHER	(SOFTLOCK_CMD_MAX + 1)
#define LOCAL		"local"		/* the origin when a request has none */

enum { CORE, FAMILY };
enum { EXT_NONE, EXT_MISS, EXT_MSG };
enum { ST_OK, ST_FAMILY, ST_CORE, ST_DROP };

static const char *const cmd_names[] = {
	"cmd 0", "LOCK_ADD", "LOCK_DEL", "LOCK_GET", "REPLACE_BEGIN",
	"REPLACE_ADD", "REPLACE_COMMIT", "REPLACE_ABORT", "CHECK", "POOL_GET",
	"SEAL", "UNSEAL", "LOCK_NTF", "UNLOCK_NTF", "REPLACE_NTF",
	"REFUSED_NTF", "SEAL_NTF", "STATS_GET", "cmd > 17",
};

struct tally {
	uint8_t cls, cmd, ext;
	int err;
	unsigned long n;
};

/* The model of one origin on one pool. */
struct org {
	char pool[SOFTLOCK_POOL_MAX + 1], origin[SOFTLOCK_ORIGIN_MAX + 1];
	uint64_t gen, sgen;		/* committed, and of the open replace */
	uint32_t staged;		/* locks the open replace staged */
	bool open;
};

/* A pool of POOL_GET, and what the locks dump says of it. */
struct pool_line {
	char pool[SOFTLOCK_POOL_MAX + 1];
	uint32_t count, pcpis, staged, sealed, dump_n, dump_pcpis;
};

/* A (pool, pcpi) of the locks dump: how many locks, how many unexpired. */
struct key {
	char pool[SOFTLOCK_POOL_MAX + 1];
	uint32_t pcpi, n, live;
};

/* A request as the kernel parsed it: the last of duplicates wins. */
struct req {
	char pool[SOFTLOCK_POOL_MAX + 1], origin[SOFTLOCK_ORIGIN_MAX + 1];
	uint64_t gen;
	uint32_t pcpi;
	unsigned int entries;
};

struct fz {
	struct gen g;
	struct conn c;			/* for the checks, through nl.c */
	struct mnl_socket *sk;		/* the fuzzing socket */
	int fd;
	uint32_t seq;
	char *rx;
	uint64_t seed;
	unsigned long idx, fails;
	size_t norgs;
	bool sealed;
	struct {			/* the replies to the current request */
		int err;
		bool final, done;
		uint8_t ext;
		unsigned int parts, replies;
		uint32_t count, reason, pcpi;
	} r;
	unsigned long st[CMD_OTHER + 1][4], kinds[3], dumps, records;
	unsigned long long_msgs;
	char long_msg[96];
	struct tally t[1024];
	unsigned int nt;
	struct org orgs[4096];
	struct pool_line pl[4096];
	size_t npl;
	unsigned long bad_lines, locks;
	struct key k[16384];
	size_t nk;
	time_t now;
};

static const char *ename(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

/* Count a failure; print the first ones, with the request when @req. */
static void __attribute__((format(printf, 3, 4)))
fz_fail(struct fz *f, bool req, const char *fmt, ...)
{
	char why[512], line[3 * 32 + 1];
	size_t i, j;
	va_list ap;

	if (f->fails++ >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ksft_print_msg("FAIL at request %lu (seed 0x%016" PRIx64 "): %s\n",
		       f->idx, f->seed, why);
	for (i = 0; req && i < f->g.len && i < 1024; i += 32) {
		for (j = 0; j < 32 && i + j < f->g.len; j++)
			sprintf(line + 3 * j, " %02x", (unsigned char)f->g.b[i + j]);
		ksft_print_msg("  %04zx:%s\n", i, line);
	}
}

static void no_lock(const struct lockv *lv, void *arg)
{
	(void)lv;
	(void)arg;
}

static uint8_t req_cmd(const struct fz *f)
{
	uint8_t cmd = f->g.b[NLMSG_HDRLEN];

	if (f->g.len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    ((const struct nlmsghdr *)f->g.b)->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return CMD_OTHER;
	return cmd > SOFTLOCK_CMD_MAX ? CMD_OTHER : cmd;
}

/* Why af_netlink or genetlink refuse the request; NULL: it reaches us. */
static const char *core_why(const struct fz *f)
{
	const struct nlmsghdr *nlh = (const void *)f->g.b;
	const struct genlmsghdr *gh = (const void *)(f->g.b + NLMSG_HDRLEN);
	uint16_t fl = nlh->nlmsg_flags;
	bool dump = (fl & NLM_F_DUMP) == NLM_F_DUMP;

	if (f->g.len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    nlh->nlmsg_len > f->g.len)
		return "drop";
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return "short genlmsghdr";
	if (gh->reserved)
		return "reserved";
	if ((dump ? fl & ~NLM_F_DUMP : fl) & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))
		return "flags";
	if (gh->cmd < 1 || (gh->cmd > SOFTLOCK_CMD_UNSEAL &&
			    gh->cmd != SOFTLOCK_CMD_STATS_GET))
		return "command";
	if (dump != (gh->cmd == SOFTLOCK_CMD_LOCK_GET || gh->cmd == SOFTLOCK_CMD_POOL_GET))
		return "do/dump";
	return NULL;
}

/* A string as sl_get_str() takes it: one trailing NUL dropped. */
static void kstr(const struct nlattr *a, char *out, size_t size)
{
	size_t len = mnl_attr_get_payload_len(a);
	const char *p = mnl_attr_get_payload(a);

	len -= len && !p[len - 1];
	len = len < size ? len : size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static void req_parse(struct fz *f, struct req *q)
{
	const struct nlattr *a, *tb[SOFTLOCK_A_MAX + 1] = { NULL };

	memset(q, 0, sizeof(*q));
	strcpy(q->origin, LOCAL);
	mnl_attr_for_each(a, hdr(&f->g), GENL_HDRLEN) {
		uint16_t t = mnl_attr_get_type(a);

		if (t <= SOFTLOCK_A_MAX)
			tb[t] = a;
		q->entries += t == SOFTLOCK_A_ENTRY;
	}
	if (tb[SOFTLOCK_A_POOL])
		kstr(tb[SOFTLOCK_A_POOL], q->pool, sizeof(q->pool));
	if (tb[SOFTLOCK_A_ORIGIN])
		kstr(tb[SOFTLOCK_A_ORIGIN], q->origin, sizeof(q->origin));
	if (tb[SOFTLOCK_A_GENERATION])
		q->gen = mnl_attr_get_u64(tb[SOFTLOCK_A_GENERATION]);
	if (tb[SOFTLOCK_A_PCPI])
		q->pcpi = mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI]);
}

static struct org *org_find(struct fz *f, const char *pool, const char *origin,
			    bool create)
{
	struct org *o;

	for (o = f->orgs; o < f->orgs + f->norgs; o++)
		if (!strcmp(o->pool, pool) && !strcmp(o->origin, origin))
			return o;
	if (!create || f->norgs == ARRAY_SIZE(f->orgs))
		return create ? abort(), NULL : NULL;
	f->norgs++;
	snprintf(o->pool, sizeof(o->pool), "%s", pool);
	snprintf(o->origin, sizeof(o->origin), "%s", origin);
	return o;
}

/* Mostly generations that can work, sometimes stale or boundary ones. */
static uint64_t pick_gen(void *arg, uint8_t cmd, const char *pool, const char *origin)
{
	struct fz *f = arg;
	struct org *o = org_find(f, pool, origin ?: LOCAL, false);
	uint64_t base = o ? o->gen : 0;
	unsigned int r = below(&f->g, 1000);

	if (cmd == SOFTLOCK_CMD_REPLACE_BEGIN)
		return r < 2 ? UINT64_MAX : r < 800 ? base + 1 + below(&f->g, 3) :
		       r < 900 ? base : r < 950 ? 0 : rnd(&f->g);
	if (o && o->open && r < 850)
		return o->sgen;
	return r < 950 ? base + 1 : rnd(&f->g);
}

#include "nl_fuzz_rx.h"

static void tally(struct fz *f, uint8_t cls, uint8_t cmd, int err, uint8_t ext)
{
	struct tally *t;

	for (t = f->t; t < f->t + f->nt; t++)
		if (t->cls == cls && t->cmd == cmd && t->err == err && t->ext == ext)
			break;
	if (t == f->t + f->nt) {
		if (f->nt++ == ARRAY_SIZE(f->t))
			abort();
		*t = (struct tally){ cls, cmd, ext, err, 0 };
	}
	t->n++;
}

/* The family accepted a request: follow it in the model and check it. */
static void accepted(struct fz *f, uint8_t cmd)
{
	struct org *o = NULL;
	struct req q;

	req_parse(f, &q);
	if (cmd >= SOFTLOCK_CMD_REPLACE_BEGIN && cmd <= SOFTLOCK_CMD_REPLACE_ABORT) {
		o = org_find(f, q.pool, q.origin, true);
		if (cmd == SOFTLOCK_CMD_REPLACE_BEGIN ? q.gen <= o->gen :
		    !o->open || o->sgen != q.gen)
			fz_fail(f, true, "%s accepted for %s/%s gen %" PRIu64 ", but the model has gen %"
				PRIu64 ", %s %" PRIu64, cmd_names[cmd], q.pool, q.origin, q.gen,
				o->gen, o->open ? "open" : "closed", o->sgen);
	}
	switch (cmd) {
	case SOFTLOCK_CMD_LOCK_DEL:
		if (!f->r.replies || !f->r.count)
			fz_fail(f, true, "LOCK_DEL succeeded with count %u", f->r.count);
		break;
	case SOFTLOCK_CMD_REPLACE_BEGIN:
		o->open = true;
		o->sgen = q.gen;
		o->staged = 0;
		break;
	case SOFTLOCK_CMD_REPLACE_ADD:
		o->staged += q.entries;
		break;
	case SOFTLOCK_CMD_REPLACE_COMMIT:
		if (f->r.count != o->staged)
			fz_fail(f, true, "COMMIT says %u locks, %u were staged",
				f->r.count, o->staged);
		o->gen = q.gen;
		/* fall through */
	case SOFTLOCK_CMD_REPLACE_ABORT:
		o->open = false;
		o->staged = 0;
		break;
	case SOFTLOCK_CMD_CHECK:
		if (f->r.replies != 1 || f->r.pcpi != q.pcpi ||
		    (f->r.count > 0) != (f->r.reason == SOFTLOCK_REASON_LOCKED) ||
		    (!f->r.count && f->r.reason != (f->sealed ? SOFTLOCK_REASON_SEALED :
						    SOFTLOCK_REASON_NONE)))
			fz_fail(f, true, "CHECK pcpi %u: reason %u count %u, sealed %d",
				f->r.pcpi, f->r.reason, f->r.count, f->sealed);
		break;
	case SOFTLOCK_CMD_SEAL:
	case SOFTLOCK_CMD_UNSEAL:
		f->sealed = cmd == SOFTLOCK_CMD_SEAL;
		break;
	case SOFTLOCK_CMD_STATS_GET:
		if (f->r.replies != 1)
			fz_fail(f, true, "STATS_GET succeeded with %u replies", f->r.replies);
		break;
	}
}

/* Judge the replies to one request. */
static void judge(struct fz *f)
{
	const char *why = core_why(f);
	uint8_t cmd = req_cmd(f);
	int err = -f->r.err;
	struct org *o;
	struct req q;

	if (why && !strcmp(why, "drop")) {
		if (f->r.final || f->r.parts || f->r.replies)
			fz_fail(f, true, "a reply to a request af_netlink drops");
		f->st[cmd][ST_DROP]++;
		return;
	}
	if (!f->r.final) {
		fz_fail(f, true, "no ack, error or DONE");
		return;
	}
	f->records += f->r.parts;
	if (!err) {
		if (why)
			fz_fail(f, true, "accepted, though genetlink refuses it (%s)", why);
		else
			accepted(f, cmd);
		f->dumps += f->r.done;
		f->st[cmd][ST_OK]++;
		return;
	}
	if (err < 0 || err > 4095) {
		fz_fail(f, true, "bad error %d", -err);
		return;
	}
	tally(f, why ? CORE : FAMILY, cmd, err, f->r.ext);
	f->st[cmd][why ? ST_CORE : ST_FAMILY]++;
	if (why)
		return;
	if (f->r.ext == EXT_NONE)
		fz_fail(f, true, "%s: error %s from the family without an extack",
			cmd_names[cmd], ename(err));
	/* A replace refused as stale or not open: does the model agree? */
	if (cmd < SOFTLOCK_CMD_REPLACE_BEGIN || cmd > SOFTLOCK_CMD_REPLACE_ABORT ||
	    (err != ENOENT && err != ESTALE))
		return;
	req_parse(f, &q);
	o = org_find(f, q.pool, q.origin, false);
	if (cmd == SOFTLOCK_CMD_REPLACE_BEGIN ? q.gen > (o ? o->gen : 0) :
	    o && o->open && (err == ENOENT || o->sgen == q.gen))
		fz_fail(f, true, "%s refused (%s) for %s/%s gen %" PRIu64 ", but the model has it",
			cmd_names[cmd], ename(err), q.pool, q.origin, q.gen);
}

#include "nl_fuzz_end.h"

TEST_F_TIMEOUT(fz, fuzz, 900)
{
	struct fz *f = self->f;
	struct gen *g = &f->g;
	const char *s = getenv("SL_FUZZ_SEED");
	unsigned long count = 100000, locks = 0, deleted = 0;
	struct pool_line *l;
	struct verdict v;
	struct key *k;
	struct org *o;
	double t0;
	uint32_t n;

	f->seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) << 20 ^ getpid();
	if ((s = getenv("SL_FUZZ_COUNT")))
		count = strtoul(s, NULL, 0);
	ksft_print_msg("seed 0x%016" PRIx64 ", %lu requests (replay: SL_FUZZ_SEED=0x%" PRIx64
		       " SL_FUZZ_COUNT=%lu ./nl_fuzz)\n", f->seed, count, f->seed, count);
	ASSERT_EQ(0, dump_locks(&f->c, NULL, NULL, -1, no_lock, NULL, &locks));
	ASSERT_EQ(0, pools_get(f, "start"));
	if (locks || f->npl)
		SKIP(return, "the table is not empty: load softlock.ko afresh");
	ASSERT_EQ(0, sl_nl_simple(f->c.nl, SOFTLOCK_CMD_UNSEAL));

	g->rng = f->seed;
	g->pick_gen = pick_gen;
	g->arg = f;
	gen_init(g);
	t0 = now_s();
	for (f->idx = 0; f->idx < count && f->fails < 1000; f->idx++) {
		unsigned int kind = below(g, 100);

		kind = kind < 45 ? 0 : kind < 90 ? 1 : 2;
		f->kinds[kind]++;
		g->now = time(NULL);
		if (kind == 2)
			gen_raw(g);
		else
			gen_valid(g, pick_cmd(g));
		if (kind == 1)
			mutate(g);
		exchange(f);
		judge(f);
		if (f->idx % 5000 == 4999)
			pools_get(f, "mid-run");
		if (f->idx % 20000 == 19999)
			ksft_print_msg("%lu requests, %.1f s\n", f->idx + 1, now_s() - t0);
	}
	print_stats(f, now_s() - t0);

	/* Invariants, unsealed and once every near expiry has passed. */
	EXPECT_EQ(0, sl_nl_simple(f->c.nl, SOFTLOCK_CMD_UNSEAL));
	if (g->short_exp >= time(NULL))
		sleep(g->short_exp - time(NULL) + 1);
	f->now = time(NULL);
	ASSERT_EQ(0, dump_locks(&f->c, NULL, NULL, -1, key_cb, f, NULL))
		TH_LOG("the full LOCK_GET dump: %s", sl_nl_extack(f->c.nl));
	ASSERT_EQ(0, pools_get(f, "end"));
	for (k = f->k; k < f->k + f->nk; k++) {
		l = pool_find(f, k->pool);
		if (!l) {
			fz_fail(f, false, "pool %s is in the dump, not in POOL_GET", k->pool);
			continue;
		}
		l->dump_n += k->n;
		l->dump_pcpis++;
		EXPECT_EQ(0, check(&f->c, k->pool, k->pcpi, &v));
		if (v.count != k->live ||
		    v.reason != (k->live ? SOFTLOCK_REASON_LOCKED : SOFTLOCK_REASON_NONE))
			fz_fail(f, false, "CHECK %s/%u: reason %u count %u, dump %u (%u live)",
				k->pool, k->pcpi, v.reason, v.count, k->n, k->live);
	}
	for (l = f->pl; l < f->pl + f->npl; l++)
		if (l->count != l->dump_n || l->pcpis != l->dump_pcpis || l->sealed)
			fz_fail(f, false, "POOL_GET %s: %u locks on %u pcpis, sealed %u; dump %u on %u",
				l->pool, l->count, l->pcpis, l->sealed, l->dump_n, l->dump_pcpis);
	ksft_print_msg("end: %lu locks on %zu (pool, pcpi) in %zu pools, %zu origins modelled\n",
		       f->locks, f->nk, f->npl, f->norgs);

	/* Abort every open replace, then delete all, one LOCK_DEL per (pool, pcpi). */
	for (o = f->orgs; o < f->orgs + f->norgs; o++) {
		if (o->open && rp_op(&f->c, SOFTLOCK_CMD_REPLACE_ABORT, o->pool, o->origin,
				     o->sgen, NULL))
			fz_fail(f, false, "ABORT %s/%s gen %" PRIu64 ": %s", o->pool,
				o->origin, o->sgen, sl_nl_extack(f->c.nl));
		o->open = false;
	}
	for (k = f->k; k < f->k + f->nk; k++) {
		if (del_locks(&f->c, k->pool, k->pcpi, NULL, &n) || n != k->n)
			fz_fail(f, false, "LOCK_DEL %s/%u: %u of %u (%s)", k->pool, k->pcpi,
				n, k->n, sl_nl_extack(f->c.nl));
		deleted += n;
	}
	EXPECT_EQ(0, dump_locks(&f->c, NULL, NULL, -1, no_lock, NULL, &locks));
	EXPECT_EQ(0ul, locks) TH_LOG("locks left after deleting them all");
	EXPECT_EQ(0, pools_get(f, "after the cleanup"));
	for (l = f->pl; l < f->pl + f->npl; l++)
		if (l->count || l->pcpis || l->staged)
			fz_fail(f, false, "pool %s after the cleanup: %u locks, %u pcpis, %u staged",
				l->pool, l->count, l->pcpis, l->staged);
	ksft_print_msg("deleted %lu locks; %lu failures\n", deleted, f->fails);
	EXPECT_EQ(0ul, f->fails);
}

TEST_HARNESS_MAIN
