// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the peer protocol's release session (softlock mirror
 * destroy): HELLO with PURPOSE release, then only the destination's last
 * lock set (phase after, empty) and its ACK, then BYE both ways. Both
 * ways round: the source initiates (push), or the destination (pull).
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"

#include "proto_build.h"

/* The release session in d->happy: 6 frames. */
static int release_session(struct duo *d, int entries)
{
	struct sl_pbuf *b = &d->happy;
	bool *from_src = d->from_src, pull = d->pull;
	char *err = d->err;
	size_t n = sizeof(d->err);
	int i = 0, rc = 0;

#define SEND(src, build) do {					\
		build;						\
		from_src[i++] = src;				\
		if (!rc)					\
			rc = sl_msg_end(b, NULL, err, n);	\
	} while (0)
	SEND(!pull, hello_purpose(b, pull ? SL_ROLE_DESTINATION :
				  SL_ROLE_SOURCE, SL_PURPOSE_RELEASE));
	SEND(pull, u32_msg(b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1));
	SEND(0, lockset(b, SL_PHASE_AFTER, 43, "rel-7", entries));
	SEND(1, u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, entries));
	SEND(0, sl_msg_begin(b, SL_MSG_BYE));
	SEND(1, sl_msg_begin(b, SL_MSG_BYE));
#undef SEND
	return rc ? rc : i;
}

FIXTURE(rsess) {
	struct duo d;
};

FIXTURE_VARIANT(rsess) {
	bool pull;
};

FIXTURE_VARIANT_ADD(rsess, push) { .pull = false };
FIXTURE_VARIANT_ADD(rsess, pull) { .pull = true };

FIXTURE_SETUP(rsess)
{
	sl_pbuf_init(&self->d.happy);
	sl_pbuf_init(&self->d.b);
	self->d.pull = variant->pull;
	duo_start(&self->d);
}

FIXTURE_TEARDOWN(rsess)
{
	duo_free(&self->d);
}

/* The whole session passes both sides and ends cleanly. */
TEST_F(rsess, happy)
{
	struct duo *d = &self->d;

	ASSERT_EQ(6, release_session(d, 0)) TH_LOG("%s", d->err);
	ASSERT_EQ(0, replay(d, 6)) TH_LOG("%s", d->err);
	EXPECT_TRUE(sl_proto_finished(&d->src));
	EXPECT_TRUE(sl_proto_finished(&d->dst));
	EXPECT_STREQ("closed", sl_proto_step_name(&d->src));
}

/* Nothing of a transfer: no LOCKSET before, no OFFER, no DATA. */
TEST_F(rsess, no_transfer)
{
	struct duo *d = &self->d;

	ASSERT_EQ(6, release_session(d, 0)) TH_LOG("%s", d->err);
	ASSERT_EQ(0, replay(d, 2)) TH_LOG("%s", d->err);
	EXPECT_STREQ("lockset-after", sl_proto_step_name(&d->dst));
	lockset(&d->b, SL_PHASE_BEFORE, 43, "rel-7", 0);
	EXPECT_EQ(-EPROTO, pass(d, false, false));
	EXPECT_STREQ("LOCKSET: PHASE before, but this one must be after", d->err);
	duo_start(d);
	ASSERT_EQ(0, replay(d, 2)) TH_LOG("%s", d->err);
	offer(&d->b, MiB, ID1, NULL);
	EXPECT_EQ(-EPROTO, pass(d, true, false));
	EXPECT_STREQ("unexpected OFFER in a release session: only an update session carries OFFER",
		     d->err);
	duo_start(d);
	ASSERT_EQ(0, replay(d, 4)) TH_LOG("%s", d->err);
	extent(&d->b, SL_MSG_DATA, 0, 4096);
	EXPECT_EQ(-EPROTO, pass(d, true, false));
	EXPECT_STREQ("unexpected DATA in a release session: only an update session carries DATA",
		     d->err);
}

/* A verify message has no place in it either. */
TEST_F(rsess, no_verify)
{
	struct duo *d = &self->d;

	ASSERT_EQ(6, release_session(d, 0)) TH_LOG("%s", d->err);
	ASSERT_EQ(0, replay(d, 2)) TH_LOG("%s", d->err);
	verify_msg(&d->b, ID1, MiB);
	EXPECT_EQ(-EPROTO, pass(d, !d->pull, false));
	EXPECT_STREQ("unexpected VERIFY in a release session: only a verify session carries VERIFY",
		     d->err);
}

TEST_HARNESS_MAIN
