// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_policy_test: bad input for every softlock netlink operation
 * (netlink_test covers LOCK_ADD's). Each rejection must come with its
 * errno and an extack, and leave the table as it was. Messages from the
 * netlink core (lib/nlattr.c) are compared exactly too: they are the same
 * on every kernel softlock supports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nltest.h"
#include "kselftest_harness.h"

#include "nl_lim.h"

/*
 * Each operation has its own policy (generated from the spec), checked
 * before any handler runs: an attribute the operation takes is checked
 * against the spec's type, length and range; any other is refused as
 * unknown (see expected()).
 */
struct bad_attr {
	const char *name;
	uint16_t type;		/* put @len bytes of @data as @type, */
	uint16_t len;
	const void *data;
	void (*put)(struct nlmsghdr *nlh);	/* or call @put (of @type) */
	int err;		/* when the operation takes @type */
	const char *msg;
};

#define UNKNOWN		"Unknown attribute type"
#define BAD_LEN		"invalid attribute length"
#define FAILED		"Attribute failed policy validation"
#define RANGE		"integer out of range"
#define UNSUPPORTED	"Unsupported attribute"

static const uint64_t one = 1;
static const uint32_t zero;
static const uint32_t pcpi_over = SOFTLOCK_PCPI_MAX + 1;
static const uint32_t type_over = SOFTLOCK_LOCK_TYPE_APP + 1;
/* One byte over each length limit, then a NUL. */
static const char xs[SOFTLOCK_TEXT_MAX + 2] = { [0 ... SOFTLOCK_TEXT_MAX] = 'x' };
static const char pool_over[SOFTLOCK_POOL_MAX + 2] = { [0 ... SOFTLOCK_POOL_MAX] = 'p' };
static const char origin_over[SOFTLOCK_ORIGIN_MAX + 2] = {
	[0 ... SOFTLOCK_ORIGIN_MAX] = 'o'
};

static void b_entry_flat(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, DEST);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, 5);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "flat");
	mnl_attr_nest_end(nlh, nest);
	nest->nla_type &= ~NLA_F_NESTED;
}

static void b_entry_unknown(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, DEST);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, 5);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "t");
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_MAX + 1, 1);
	mnl_attr_nest_end(nlh, nest);
}

static void b_entry_pcpi_u16(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, DEST);
	mnl_attr_put_u16(nlh, SOFTLOCK_A_ENTRY_PCPI, 5);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "t");
	mnl_attr_nest_end(nlh, nest);
}

/* Two bytes after the last attribute: too short for another. */
static void b_trailing(struct nlmsghdr *nlh)
{
	memset(mnl_nlmsg_get_payload_tail(nlh), 0, 2);
	nlh->nlmsg_len += 2;
}

#define A(name, t, len, data, err, msg)	{ name, t, len, data, NULL, err, msg }
#define F(name, t, fn, err, msg)	{ name, t, 0, NULL, fn, err, msg }
static const struct bad_attr bad_attrs[] = {
	A("unknown type", SOFTLOCK_A_MAX + 1, 4, &one, EINVAL, UNKNOWN),
	A("type 0", 0, 4, &one, EINVAL, UNKNOWN),
	A("PCPI as u16", SOFTLOCK_A_PCPI, 2, &one, EINVAL, BAD_LEN),
	A("PCPI as u64", SOFTLOCK_A_PCPI, 8, &one, EINVAL, BAD_LEN),
	A("TYPE as u8", SOFTLOCK_A_TYPE, 1, &one, EINVAL, BAD_LEN),
	A("GENERATION as u32", SOFTLOCK_A_GENERATION, 4, &one, EINVAL, BAD_LEN),
	A("EXPIRES as u16", SOFTLOCK_A_EXPIRES, 2, &one, EINVAL, BAD_LEN),
	A("PIN_DEV as u64", SOFTLOCK_A_PIN_DEV, 8, &one, EINVAL, BAD_LEN),
	A("POOL too long", SOFTLOCK_A_POOL, sizeof(pool_over), pool_over, ERANGE, FAILED),
	A("POOL too long, no NUL", SOFTLOCK_A_POOL, SOFTLOCK_POOL_MAX + 1, pool_over,
	  ERANGE, FAILED),
	A("POOL of 0 bytes", SOFTLOCK_A_POOL, 0, NULL, ERANGE, FAILED),
	A("TEXT too long", SOFTLOCK_A_TEXT, sizeof(xs), xs, ERANGE, FAILED),
	A("DATASET too long, no NUL", SOFTLOCK_A_DATASET, SOFTLOCK_TEXT_MAX + 1, xs,
	  ERANGE, FAILED),
	A("ORIGIN too long", SOFTLOCK_A_ORIGIN, sizeof(origin_over), origin_over,
	  ERANGE, FAILED),
	A("PCPI out of range", SOFTLOCK_A_PCPI, 4, &pcpi_over, ERANGE, RANGE),
	A("TYPE out of range", SOFTLOCK_A_TYPE, 4, &type_over, ERANGE, RANGE),
	A("reply-only COUNT", SOFTLOCK_A_COUNT, 4, &one, EINVAL, FAILED),
	A("reply-only CREATED", SOFTLOCK_A_CREATED, 8, &one, EINVAL, FAILED),
	A("reply-only PINNED", SOFTLOCK_A_PINNED, 0, NULL, EINVAL, FAILED),
	A("reply-only SEALED", SOFTLOCK_A_SEALED, 1, &one, EINVAL, FAILED),
	A("PAD", SOFTLOCK_A_PAD, 8, &zero, EINVAL, FAILED),
	A("PCPI with NLA_F_NESTED", SOFTLOCK_A_PCPI | NLA_F_NESTED, 4, &one,
	  EINVAL, "NLA_F_NESTED not expected"),
	A("ENTRY of 2 bytes", SOFTLOCK_A_ENTRY | NLA_F_NESTED, 2, &one, ERANGE, FAILED),
	F("ENTRY without NLA_F_NESTED", SOFTLOCK_A_ENTRY, b_entry_flat, EINVAL,
	  "NLA_F_NESTED is missing"),
	F("unknown type in ENTRY", SOFTLOCK_A_ENTRY, b_entry_unknown, EINVAL, UNKNOWN),
	F("ENTRY_PCPI as u16", SOFTLOCK_A_ENTRY, b_entry_pcpi_u16, EINVAL, BAD_LEN),
	F("trailing bytes", 0, b_trailing, EINVAL,
	  "bytes leftover after parsing attributes"),
};
#undef A
#undef F

#define T(a) (1ULL << SOFTLOCK_A_##a)
#define REPLACE (T(POOL) | T(ORIGIN) | T(GENERATION))
/*
 * Each operation, the attributes its request takes (the spec's lists) and
 * the highest of them, its policy's maxattr.
 */
static const struct {
	const char *name;
	uint8_t cmd;
	uint64_t takes;
	unsigned int maxattr;
} all_ops[] = {
	{ "lock-add", SOFTLOCK_CMD_LOCK_ADD, T(POOL) | T(PCPI) | T(TYPE) | T(TEXT) |
	  T(DATASET) | T(ORIGIN) | T(EXPIRES) | T(PIN_DEV) | T(PIN_UUID),
	  SOFTLOCK_A_PIN_UUID },
	{ "lock-del", SOFTLOCK_CMD_LOCK_DEL, T(POOL) | T(PCPI) | T(TYPE) | T(TEXT) |
	  T(ORIGIN), SOFTLOCK_A_ORIGIN },
	{ "lock-get dump", SOFTLOCK_CMD_LOCK_GET, T(POOL) | T(PCPI) | T(ORIGIN),
	  SOFTLOCK_A_ORIGIN },
	{ "replace-begin", SOFTLOCK_CMD_REPLACE_BEGIN, REPLACE, SOFTLOCK_A_GENERATION },
	{ "replace-add", SOFTLOCK_CMD_REPLACE_ADD, REPLACE | T(ENTRY), SOFTLOCK_A_ENTRY },
	{ "replace-commit", SOFTLOCK_CMD_REPLACE_COMMIT, REPLACE, SOFTLOCK_A_GENERATION },
	{ "replace-abort", SOFTLOCK_CMD_REPLACE_ABORT, REPLACE, SOFTLOCK_A_GENERATION },
	{ "check", SOFTLOCK_CMD_CHECK, T(POOL) | T(PCPI), SOFTLOCK_A_PCPI },
	{ "pool-get dump", SOFTLOCK_CMD_POOL_GET, 0, 0 },
	{ "seal", SOFTLOCK_CMD_SEAL, 0, 0 },
	{ "unseal", SOFTLOCK_CMD_UNSEAL, 0, 0 },
	{ "stats-get", SOFTLOCK_CMD_STATS_GET, 0, 0 },
};
#undef REPLACE
#undef T

/*
 * The rejection of @b in a request of operation @o. An attribute the
 * operation does not take is unknown to its policy: above its maxattr
 * "Unknown attribute type", below it NLA_UNSPEC, "Unsupported attribute".
 * An operation without a policy gets the core's reject-all policy, whose
 * only entry, type 1, is NLA_REJECT.
 */
static void expected(const struct bad_attr *b, size_t o, int *err,
		     const char **msg)
{
	unsigned int type = b->type & NLA_TYPE_MASK;
	uint64_t takes = all_ops[o].takes;

	*err = b->err;
	*msg = b->msg;
	if (!type || type > SOFTLOCK_A_MAX || (takes & (1ULL << type)))
		return;
	*err = EINVAL;
	*msg = UNKNOWN;
	if (!takes && type == 1)
		*msg = FAILED;
	else if (type <= all_ops[o].maxattr)
		*msg = UNSUPPORTED;
}

/*
 * A request for @cmd that would succeed (and change something) in the
 * state policy_every_op sets up: pool with a lock on PCPI 1, a replace of
 * ORIGIN open at self->gen.
 */
static struct nlmsghdr *op_req(FIXTURE_DATA(lim) *self, uint8_t cmd)
{
	bool dump = cmd == SOFTLOCK_CMD_LOCK_GET || cmd == SOFTLOCK_CMD_POOL_GET;
	struct nlmsghdr *nlh = sl_nl_req(self->nl, self->buf, cmd,
					 dump ? NLM_F_DUMP : 0);

	switch (cmd) {
	case SOFTLOCK_CMD_LOCK_ADD:
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 2);
		mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, OWNER);
		mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, "new");
		break;
	case SOFTLOCK_CMD_LOCK_DEL:
	case SOFTLOCK_CMD_CHECK:
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, 1);
		break;
	case SOFTLOCK_CMD_LOCK_GET:
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
		break;
	case SOFTLOCK_CMD_REPLACE_BEGIN:
	case SOFTLOCK_CMD_REPLACE_ADD:
	case SOFTLOCK_CMD_REPLACE_COMMIT:
	case SOFTLOCK_CMD_REPLACE_ABORT:
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, self->pool);
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, ORIGIN);
		mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION,
				 self->gen + (cmd == SOFTLOCK_CMD_REPLACE_BEGIN));
		if (cmd == SOFTLOCK_CMD_REPLACE_ADD)
			put_entry(nlh, DEST, 5, "staged", NULL);
		break;
	}
	return nlh;
}

TEST_F(lim, policy_every_op)
{
	char stale[128];
	size_t o, b;
	struct rec r;

	snprintf(stale, sizeof(stale),
		 "softlock: generation %llu is stale: the open replace is %llu",
		 (unsigned long long)self->gen,
		 (unsigned long long)self->gen + 1);

	ASSERT_EQ(0, add(self, 1, "anchor")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, self->gen, NULL))
		TH_LOG("%s", EXTACK);
	self->sealed = true;	/* in case a bad SEAL got through */
	for (o = 0; o < ARRAY_SIZE(all_ops); o++) {
		for (b = 0; b < ARRAY_SIZE(bad_attrs); b++) {
			struct nlmsghdr *nlh = op_req(self, all_ops[o].cmd);
			const char *msg;
			int err;

			WHAT("%s with %s", all_ops[o].name, bad_attrs[b].name);
			expected(&bad_attrs[b], o, &err, &msg);
			if (bad_attrs[b].put)
				bad_attrs[b].put(nlh);
			else
				mnl_attr_put(nlh, bad_attrs[b].type, bad_attrs[b].len,
					     bad_attrs[b].data);
			ASSERT_ERR_MSG(err, msg, talk(self, nlh));
		}
	}

	/* Nothing changed: not sealed, the lock and the open replace stay. */
	ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 9, &r));
	EXPECT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON]);
	ASSERT_EQ(100, pool_counts(self));

	/* Each request is good without the bad attribute, and does its job. */
	for (o = 0; o < ARRAY_SIZE(all_ops); o++) {
		WHAT("%s", all_ops[o].name);
		ASSERT_EQ(0, talk(self, op_req(self, all_ops[o].cmd)))
			TH_LOG("%s: %s", self->what, EXTACK);
		switch (all_ops[o].cmd) {
		case SOFTLOCK_CMD_LOCK_ADD:		/* PCPI 2 */
			ASSERT_EQ(200, pool_counts(self));
			break;
		case SOFTLOCK_CMD_LOCK_DEL:		/* PCPI 1 */
			ASSERT_EQ(100, pool_counts(self));
			ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 1, &r));
			EXPECT_EQ(0, r.v[SOFTLOCK_A_COUNT]);
			break;
		case SOFTLOCK_CMD_REPLACE_BEGIN:	/* gen + 1 */
			ASSERT_ERR_MSG(ESTALE, stale, rp(self, SOFTLOCK_CMD_REPLACE_ABORT,
							 self->gen, NULL));
			self->gen++;
			break;
		case SOFTLOCK_CMD_REPLACE_ADD:		/* PCPI 5 */
			ASSERT_EQ(101, pool_counts(self));
			break;
		case SOFTLOCK_CMD_REPLACE_COMMIT:
			ASSERT_EQ(200, pool_counts(self));
			/* Something for the abort to drop. */
			ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN,
					++self->gen, NULL)) TH_LOG("%s", EXTACK);
			ASSERT_EQ(0, stage(self, self->gen, PCPIS(6)));
			ASSERT_EQ(201, pool_counts(self));
			break;
		case SOFTLOCK_CMD_REPLACE_ABORT:
			ASSERT_EQ(200, pool_counts(self));
			break;
		case SOFTLOCK_CMD_SEAL:
			ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 9, &r));
			EXPECT_EQ(SOFTLOCK_REASON_SEALED, r.v[SOFTLOCK_A_REASON]);
			break;
		case SOFTLOCK_CMD_UNSEAL:
			ASSERT_EQ(0, check_rec(self->nl, self->buf, self->pool, 9, &r));
			EXPECT_EQ(SOFTLOCK_REASON_NONE, r.v[SOFTLOCK_A_REASON]);
			self->sealed = false;
			break;
		}
	}
}

/* A request for @cmd with POOL (unless NULL) and PCPI (unless negative). */
#define EMPTY		"must not be empty"
#define UNPRINTABLE	"must be printable (no control bytes or NUL)"
#define NOT_UTF8	"must be valid UTF-8"

/* The single reply's COUNT, or -errno. */
static long reply_count(FIXTURE_DATA(lim) *self, struct nlmsghdr *nlh)
{
	struct recs out = { 0 };
	long n;
	int err = talk_recs(self->nl, nlh, &out);

	if (!err && (out.n != 1 || !HAS(&out.r[0], SOFTLOCK_A_COUNT)))
		err = -EPROTO;
	n = err ? err : (long)out.r[0].v[SOFTLOCK_A_COUNT];
	recs_free(&out);
	return n;
}

TEST_F(lim, check_bad_input)
{
	const uint8_t ck = SOFTLOCK_CMD_CHECK;
	struct nlmsghdr *nlh;
	char pool[SOFTLOCK_POOL_MAX];

	WHAT("check");
	ASSERT_EQ(0, add(self, 1, "t")) TH_LOG("%s", EXTACK);
	ASSERT_ERR_MSG(EINVAL, "missing attribute 1", talk(self, pool_req(self, ck, NULL, 1)));
	ASSERT_ERR_MSG(EINVAL, "missing attribute 2",
		       talk(self, pool_req(self, ck, self->pool, -1)));
	ASSERT_ERR_MSG(EINVAL, "missing attribute 1", talk(self, pool_req(self, ck, NULL, -1)));
	ASSERT_ERR_MSG(EINVAL, EMPTY, talk(self, pool_req(self, ck, "", 1)));
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk(self, pool_req(self, ck, "p\x01", 1)));
	nlh = pool_req(self, ck, NULL, 1);
	mnl_attr_put(nlh, SOFTLOCK_A_POOL, 5, "ab\0cd");
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk(self, nlh));

	/* Without its NUL a pool name means the same pool. */
	nlh = pool_req(self, ck, NULL, 1);
	put_nonul(nlh, SOFTLOCK_A_POOL, self->pool);
	ASSERT_EQ(1, reply_count(self, nlh)) TH_LOG("%s", EXTACK);
	/* The longest name, without NUL: accepted, and no such pool. */
	memset(pool, 'p', sizeof(pool));
	nlh = pool_req(self, ck, NULL, 1);
	mnl_attr_put(nlh, SOFTLOCK_A_POOL, sizeof(pool), pool);
	ASSERT_EQ(0, reply_count(self, nlh)) TH_LOG("%s", EXTACK);
}

/* LOCK_DEL of (self->pool, 1) with TEXT and ORIGIN as given. */
static struct nlmsghdr *del_req(FIXTURE_DATA(lim) *self, const char *text,
				const char *origin)
{
	struct nlmsghdr *nlh = pool_req(self, SOFTLOCK_CMD_LOCK_DEL, self->pool, 1);

	if (text)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, text);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	return nlh;
}

TEST_F(lim, del_bad_input)
{
	const uint8_t del = SOFTLOCK_CMD_LOCK_DEL;
	struct nlmsghdr *nlh;

	WHAT("lock-del");
	ASSERT_EQ(0, add(self, 1, "t")) TH_LOG("%s", EXTACK);
	ASSERT_ERR_MSG(EINVAL, "missing attribute 1", talk(self, pool_req(self, del, NULL, -1)));
	ASSERT_ERR_MSG(EINVAL, EMPTY, talk(self, pool_req(self, del, "", 1)));
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk(self, pool_req(self, del, "p\x7f", 1)));
	ASSERT_ERR_MSG(EINVAL, EMPTY, talk(self, del_req(self, NULL, "")));
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk(self, del_req(self, NULL, "o\x1f")));
	ASSERT_ERR_MSG(EINVAL, EMPTY, talk(self, del_req(self, "", NULL)));
	nlh = del_req(self, NULL, NULL);
	mnl_attr_put(nlh, SOFTLOCK_A_TEXT, 3, "t\0t");
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk(self, nlh));
	ASSERT_EQ(100, pool_counts(self));

	/* Strings without their NUL match like the NUL-terminated ones. */
	nlh = pool_req(self, del, NULL, 1);
	put_nonul(nlh, SOFTLOCK_A_POOL, self->pool);
	put_nonul(nlh, SOFTLOCK_A_TEXT, "t");
	put_nonul(nlh, SOFTLOCK_A_ORIGIN, "local");
	ASSERT_EQ(1, reply_count(self, nlh)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(-ENOENT, pool_counts(self));
}

TEST_F(lim, dump_bad_filters)
{
	struct recs out = { 0 };
	struct nlmsghdr *nlh;

	WHAT("lock-get dump");
	ASSERT_EQ(0, add(self, 1, "a")) TH_LOG("%s", EXTACK);
	ASSERT_EQ(0, sl_nl_add(self->nl, self->pool, 1, OWNER, "b", "hostB"));
#define DUMP_REQ() sl_nl_req(self->nl, self->buf, SOFTLOCK_CMD_LOCK_GET, NLM_F_DUMP)
	nlh = DUMP_REQ();
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, "");
	ASSERT_ERR_MSG(EINVAL, EMPTY, talk_recs(self->nl, nlh, &out));
	nlh = DUMP_REQ();
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, "host\aB");
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk_recs(self->nl, nlh, &out));
	nlh = DUMP_REQ();
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, "p\x1b");
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, "hostB");
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk_recs(self->nl, nlh, &out));
	nlh = DUMP_REQ();
	mnl_attr_put(nlh, SOFTLOCK_A_POOL, 3, "p\0q");
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, talk_recs(self->nl, nlh, &out));
	EXPECT_EQ(0, out.n);

	/* Filters without their NUL select the same locks. */
	nlh = DUMP_REQ();
	put_nonul(nlh, SOFTLOCK_A_POOL, self->pool);
	put_nonul(nlh, SOFTLOCK_A_ORIGIN, "hostB");
	ASSERT_EQ(0, talk_recs(self->nl, nlh, &out)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ("b", out.r[0].text);
	EXPECT_STREQ("hostB", out.r[0].origin);
#undef DUMP_REQ
	recs_free(&out);
}

TEST_HARNESS_MAIN
