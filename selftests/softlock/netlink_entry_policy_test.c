// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_entry_policy_test: bad entries in LOCK_REPLACE and its staged
 * batches (REPLACE_BEGIN/ADD), and lock texts that are not printable
 * UTF-8 (netlink_policy_test covers every operation's own attributes).
 * Each rejection must come with its errno and an extack naming the
 * entry, and leave the table as it was.
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

#define UNKNOWN		"Unknown attribute type"
#define BAD_LEN		"invalid attribute length"
#define FAILED		"Attribute failed policy validation"
#define RANGE		"integer out of range"
#define UNSUPPORTED	"Unsupported attribute"
#define EMPTY		"must not be empty"
#define UNPRINTABLE	"must be printable (no control bytes or NUL)"
#define NOT_UTF8	"must be valid UTF-8"

/* Texts that are not UTF-8, each with what is wrong with it. */
static const struct {
	const char *name, *text;
} not_utf8[] = {
	{ "a byte 0xff", "x\xff" },
	{ "a lone continuation byte", "\x80x" },
	{ "an overlong '/'", "\xc0\xaf" },
	{ "a sequence cut short", "x\xe2\x82" },
	{ "a surrogate", "\xed\xa0\x80" },
	{ "a code point past U+10FFFF", "\xf4\x90\x80\x80" },
};

static const uint64_t one = 1;
static const uint32_t zero;
static const uint32_t pcpi_over = SOFTLOCK_PCPI_MAX + 1;
/* One byte over each length limit, then a NUL. */
static const char xs[SOFTLOCK_TEXT_MAX + 2] = { [0 ... SOFTLOCK_TEXT_MAX] = 'x' };

/* An entry-level defect for REPLACE_ADD; miss: the attribute left out. */
struct bad_entry {
	const char *name;
	uint16_t type;		/* a good entry plus @len bytes of @data as @type, */
	uint16_t len;
	const void *data;
	void (*put)(struct nlmsghdr *nlh);	/* or one @put makes */
	int err;
	const char *msg;	/* NULL: attribute @miss is missing */
	int miss;
};

static void e_no_type(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, 2);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "t");
	mnl_attr_nest_end(nlh, nest);
}

static void e_no_pcpi(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, DEST);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "t");
	mnl_attr_nest_end(nlh, nest);
}

static void e_empty(struct nlmsghdr *nlh)
{
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY));
}

/* An otherwise good entry (DEST, 2, "t") plus @type: @len bytes of @v. */
static void e_with(struct nlmsghdr *nlh, uint16_t type, size_t len,
		   const void *v)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, DEST);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, 2);
	if (type != SOFTLOCK_A_ENTRY_TEXT)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "t");
	mnl_attr_put(nlh, type, len, v);
	mnl_attr_nest_end(nlh, nest);
}

#define E(name, t, len, data, err, msg)	{ name, t, len, data, NULL, err, msg, 0 }
#define M(name, fn, miss)		{ name, 0, 0, NULL, fn, EINVAL, NULL, miss }
static const struct bad_entry bad_entries[] = {
	M("no ENTRY_TYPE", e_no_type, SOFTLOCK_A_ENTRY_TYPE),
	M("no ENTRY_PCPI", e_no_pcpi, SOFTLOCK_A_ENTRY_PCPI),
	M("empty ENTRY", e_empty, SOFTLOCK_A_ENTRY_TYPE),
	E("empty text", SOFTLOCK_A_ENTRY_TEXT, 1, "", EINVAL, EMPTY),
	E("text with a control byte", SOFTLOCK_A_ENTRY_TEXT, 3, "x\x02",
	  EINVAL, UNPRINTABLE),
	E("text too long, no NUL", SOFTLOCK_A_ENTRY_TEXT, SOFTLOCK_TEXT_MAX + 1, xs,
	  ERANGE, FAILED),
	E("dataset with ESC", SOFTLOCK_A_ENTRY_DATASET, 3, "d\x1b", EINVAL, UNPRINTABLE),
	E("text not UTF-8", SOFTLOCK_A_ENTRY_TEXT, 3, "x\xff", EINVAL, NOT_UTF8),
	E("text with a C1 control", SOFTLOCK_A_ENTRY_TEXT, 4, "x\xc2\x85", EINVAL,
	  UNPRINTABLE),
	E("dataset not UTF-8", SOFTLOCK_A_ENTRY_DATASET, 3, "\xc0\xaf", EINVAL, NOT_UTF8),
	E("dataset too long", SOFTLOCK_A_ENTRY_DATASET, sizeof(xs), xs, ERANGE, FAILED),
	E("expiry in the past", SOFTLOCK_A_ENTRY_EXPIRES, 8, &one, EINVAL,
	  "expiry is in the past"),
	E("ENTRY_EXPIRES as u32", SOFTLOCK_A_ENTRY_EXPIRES, 4, &one, EINVAL, BAD_LEN),
	E("pin 0:0", SOFTLOCK_A_ENTRY_PIN_DEV, 4, &zero, EINVAL,
	  "device 0:0 cannot be pinned"),
	E("ENTRY_PIN_DEV as u64", SOFTLOCK_A_ENTRY_PIN_DEV, 8, &one, EINVAL, BAD_LEN),
	E("ENTRY_TYPE as u64", SOFTLOCK_A_ENTRY_TYPE, 8, &one, EINVAL, BAD_LEN),
	E("ENTRY_TYPE 0", SOFTLOCK_A_ENTRY_TYPE, 4, &zero, ERANGE, RANGE),
	E("ENTRY_PCPI out of range", SOFTLOCK_A_ENTRY_PCPI, 4, &pcpi_over, ERANGE, RANGE),
	E("unknown type in ENTRY", SOFTLOCK_A_ENTRY_MAX + 1, 4, &zero, EINVAL, UNKNOWN),
	E("ENTRY_PIN_DEV with NLA_F_NESTED", SOFTLOCK_A_ENTRY_PIN_DEV | NLA_F_NESTED, 4,
	  &one, EINVAL, "NLA_F_NESTED not expected"),
};
#undef E
#undef M

static const struct {
	const char *name;
	uint8_t cmd;
} replace_ops[] = {
	{ "replace-begin", SOFTLOCK_CMD_REPLACE_BEGIN },
	{ "replace-add", SOFTLOCK_CMD_REPLACE_ADD },
	{ "replace-commit", SOFTLOCK_CMD_REPLACE_COMMIT },
	{ "replace-abort", SOFTLOCK_CMD_REPLACE_ABORT },
};

/* A replace request with POOL, ORIGIN and GENERATION as given. */
static struct nlmsghdr *rp_req(FIXTURE_DATA(lim) *self, uint8_t cmd,
			       const char *pool, const char *origin, bool gen)
{
	struct nlmsghdr *nlh = pool_req(self, cmd, pool, -1);

	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	if (gen)
		mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION, self->gen);
	if (cmd == SOFTLOCK_CMD_REPLACE_ADD)
		put_entry(nlh, DEST, 1, "good", NULL);
	return nlh;
}

TEST_F(lim, replace_bad_input)
{
	struct recs out = { 0 };
	struct nlmsghdr *nlh;
	char want[96];
	uint32_t off, n;
	size_t i;

	ASSERT_EQ(0, add(self, 100, "anchor")) TH_LOG("%s", EXTACK);
	for (i = 0; i < ARRAY_SIZE(replace_ops); i++) {
		uint8_t cmd = replace_ops[i].cmd;

		WHAT("%s", replace_ops[i].name);
		ASSERT_ERR_MSG(EINVAL, "missing attribute 1",
			       talk(self, rp_req(self, cmd, NULL, ORIGIN, true)));
		ASSERT_ERR_MSG(EINVAL, "missing attribute 11",
			       talk(self, rp_req(self, cmd, self->pool, ORIGIN, false)));
		ASSERT_ERR_MSG(EINVAL, EMPTY, talk(self, rp_req(self, cmd, "", ORIGIN, true)));
		ASSERT_ERR_MSG(EINVAL, UNPRINTABLE,
			       talk(self, rp_req(self, cmd, "p\x01", ORIGIN, true)));
		ASSERT_ERR_MSG(EINVAL, EMPTY, talk(self, rp_req(self, cmd, self->pool, "", true)));
		ASSERT_ERR_MSG(EINVAL, UNPRINTABLE,
			       talk(self, rp_req(self, cmd, self->pool, "m\n", true)));
	}
	/* None of that opened a replace. */
	WHAT("replace-abort");
	ASSERT_EQ(-ENOENT, rp(self, SOFTLOCK_CMD_REPLACE_ABORT, self->gen, NULL));

	/* A bad entry refuses the whole message, the good one before it too. */
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_BEGIN, self->gen, NULL))
		TH_LOG("%s", EXTACK);
	for (i = 0; i < ARRAY_SIZE(bad_entries); i++) {
		const struct bad_entry *e = &bad_entries[i];

		WHAT("replace-add with %s", e->name);
		nlh = rp_req(self, SOFTLOCK_CMD_REPLACE_ADD, self->pool, ORIGIN, true);
		off = nlh->nlmsg_len;
		if (e->put)
			e->put(nlh);
		else
			e_with(nlh, e->type, e->len, e->data);
		if (e->miss)
			snprintf(want, sizeof(want),
				 "missing attribute %d in nest at offset %u",
				 e->miss, off);
		ASSERT_ERR_MSG(e->err, e->miss ? want : e->msg, talk(self, nlh));
	}
	ASSERT_EQ(100, pool_counts(self));

	/*
	 * Strings without their NUL, and an empty dataset, are fine; the
	 * empty dataset is stored as none.
	 */
	nlh = pool_req(self, SOFTLOCK_CMD_REPLACE_ADD, NULL, -1);
	put_nonul(nlh, SOFTLOCK_A_POOL, self->pool);
	put_nonul(nlh, SOFTLOCK_A_ORIGIN, ORIGIN);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION, self->gen);
	e_with(nlh, SOFTLOCK_A_ENTRY_DATASET, 1, "");
	ASSERT_EQ(0, talk(self, nlh)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(101, pool_counts(self));
	ASSERT_EQ(0, rp(self, SOFTLOCK_CMD_REPLACE_COMMIT, self->gen, &n));
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, 2, ORIGIN, &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ("t", out.r[0].text);
	EXPECT_FALSE(HAS(&out.r[0], SOFTLOCK_A_DATASET));
	EXPECT_EQ(self->gen, out.r[0].v[SOFTLOCK_A_GENERATION]);
	recs_free(&out);
}

/*
 * Lock texts are printable UTF-8: every malformed sequence is refused with
 * its own message, a C1 control like any other, and well-formed text of
 * every sequence length is kept byte for byte.
 */
TEST_F(lim, text_must_be_utf8)
{
	const char *good = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92";
	struct recs out = { 0 };
	size_t i;

	ASSERT_EQ(0, add(self, 100, "anchor")) TH_LOG("%s", EXTACK);
	for (i = 0; i < ARRAY_SIZE(not_utf8); i++) {
		WHAT("add with %s", not_utf8[i].name);
		ASSERT_ERR_MSG(EINVAL, NOT_UTF8, add(self, 3, not_utf8[i].text));
	}
	WHAT("add with a C1 control");
	ASSERT_ERR_MSG(EINVAL, UNPRINTABLE, add(self, 3, "x\xc2\x85"));
	ASSERT_EQ(100, pool_counts(self));
	ASSERT_EQ(0, add(self, 3, good)) TH_LOG("%s", EXTACK);
	ASSERT_EQ(200, pool_counts(self));
	ASSERT_EQ(0, dump_locks(self->nl, self->buf, self->pool, 3, NULL, &out));
	ASSERT_EQ(1, out.n);
	EXPECT_STREQ(good, out.r[0].text);
	recs_free(&out);
}

TEST_HARNESS_MAIN
