// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the peer protocol's verify session and the
 * attributes that came with it and with retention (user/proto): PURPOSE
 * in HELLO, VERIFY, SUMS and SUMS_DONE with their exact refusals, both
 * kinds of session refusing each other's messages, and PCPIS in OFFER.
 * Every session test runs twice: the source initiates, or the destination.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../proto/state.h"
#include "proto_build.h"

TEST(numbers_and_names)
{
	/* On the wire: never renumbered. */
	ASSERT_EQ(31, SL_A_PCPIS);
	ASSERT_EQ(32, SL_A_PURPOSE);
	ASSERT_EQ(33, SL_A_SUMS);
	ASSERT_EQ(34, SL_A_LEASE);
	ASSERT_EQ(35, SL_A_DIGEST);
	ASSERT_EQ(36, SL_A_CRC);
	ASSERT_EQ(37, SL_A_READ_BACK);
	ASSERT_EQ(13, SL_MSG_VERIFY);
	ASSERT_EQ(14, SL_MSG_SUMS);
	ASSERT_EQ(15, SL_MSG_SUMS_DONE);
	ASSERT_EQ(1, SL_PURPOSE_UPDATE);
	ASSERT_EQ(2, SL_PURPOSE_VERIFY);
	ASSERT_STREQ("PCPIS", sl_attr_name(SL_A_PCPIS));
	ASSERT_STREQ("PURPOSE", sl_attr_name(SL_A_PURPOSE));
	ASSERT_STREQ("SUMS", sl_attr_name(SL_A_SUMS));
	ASSERT_STREQ("LEASE", sl_attr_name(SL_A_LEASE));
	ASSERT_STREQ("DIGEST", sl_attr_name(SL_A_DIGEST));
	ASSERT_STREQ("CRC", sl_attr_name(SL_A_CRC));
	ASSERT_STREQ("READ_BACK", sl_attr_name(SL_A_MAX));
	ASSERT_NULL(sl_attr_name(SL_A_MAX + 1));
	ASSERT_STREQ("VERIFY", sl_msg_name(SL_MSG_VERIFY));
	ASSERT_STREQ("SUMS", sl_msg_name(SL_MSG_SUMS));
	ASSERT_STREQ("SUMS_DONE", sl_msg_name(SL_MSG_MAX));
	ASSERT_NULL(sl_msg_name(SL_MSG_MAX + 1));
}

TEST(verify_attributes)
{
	struct sl_pbuf b;
	struct sl_msg m;
	char err[512];
	uint32_t u;

	sl_pbuf_init(&b);
	BAD("HELLO: attribute PURPOSE: 4 is out of range 1..3",
	    hello_purpose(&b, SL_ROLE_SOURCE, 4));
	BAD("HELLO: attribute PURPOSE: 0 is out of range 1..3",
	    hello_purpose(&b, SL_ROLE_SOURCE, 0));
	BAD("HELLO: attribute PURPOSE: length 8, a u32 is 4 bytes",
	    hello(&b, 1, 1, 1, "r"), sl_msg_put_u64(&b, SL_A_PURPOSE, 2));
	BAD("HELLO: duplicate attribute PURPOSE",
	    hello_purpose(&b, SL_ROLE_SOURCE, 2),
	    sl_msg_put_u32(&b, SL_A_PURPOSE, 2));
	BAD("HELLO_ACK: attribute PURPOSE is not part of HELLO_ACK",
	    u32_msg(&b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1),
	    sl_msg_put_u32(&b, SL_A_PURPOSE, 2));
	BAD("VERIFY: missing required attribute CHUNK",
	    sl_msg_begin(&b, SL_MSG_VERIFY),
	    sl_msg_put_str(&b, SL_A_GLOBAL_ID, ID1));
	BAD("VERIFY: missing required attribute GLOBAL_ID",
	    sl_msg_begin(&b, SL_MSG_VERIFY),
	    sl_msg_put_u32(&b, SL_A_CHUNK, MiB));
	BAD("VERIFY: attribute CHUNK: 98304 is not a power of two",
	    verify_msg(&b, ID1, 98304));
	BAD("VERIFY: attribute CHUNK: 32768 is out of range 65536..1073741824",
	    verify_msg(&b, ID1, 32768));
	BAD("VERIFY: attribute GLOBAL_ID: \"0F8A3C2E-5B1D-4E6F-9A7B-1C2D3E4F5A6B\" is not a lowercase UUID",
	    verify_msg(&b, "0F8A3C2E-5B1D-4E6F-9A7B-1C2D3E4F5A6B", MiB));
	BAD("VERIFY: attribute SIZE is not part of VERIFY",
	    verify_msg(&b, ID1, MiB), sl_msg_put_u64(&b, SL_A_SIZE, MiB));
	BAD("SUMS: attribute SUMS: 6 bytes, not a multiple of 4",
	    sl_msg_begin(&b, SL_MSG_SUMS), sl_msg_put_u64(&b, SL_A_OFFSET, 0),
	    sl_msg_put_bytes(&b, SL_A_SUMS, "abcdef", 6));
	BAD("SUMS: attribute SUMS: 0 bytes, allowed 4..16777216",
	    sums_msg(&b, 0, 0));
	BAD("SUMS: attribute SUMS: 16777220 bytes, allowed 4..16777216",
	    sums_msg(&b, 0, SL_DATA_MAX / 4 + 1));
	BAD("SUMS: duplicate attribute OFFSET",
	    sums_msg(&b, 0, 1), sl_msg_put_u64(&b, SL_A_OFFSET, 4096));
	BAD("SUMS: attribute OFFSET: 100 is not a multiple of 512",
	    sums_msg(&b, 100, 1));
	BAD("SUMS: missing required attribute SUMS",
	    sl_msg_begin(&b, SL_MSG_SUMS), sl_msg_put_u64(&b, SL_A_OFFSET, 0));
	BAD("SUMS: attribute DATA is not part of SUMS",
	    sums_msg(&b, 0, 1), sl_msg_put_space(&b, SL_A_DATA, 512));
	BAD("SUMS_DONE: missing required attribute COUNT",
	    sl_msg_begin(&b, SL_MSG_SUMS_DONE),
	    sl_msg_put_u64(&b, SL_A_SIZE, MiB));
	BAD("SUMS_DONE: attribute SIZE: 1000 is not a multiple of 512",
	    sums_done(&b, 1000, 1));
	BAD("DATA: attribute SUMS is not part of DATA",
	    extent(&b, SL_MSG_DATA, 0, 512), sl_msg_put_bytes(&b, SL_A_SUMS, "abcd", 4));
	/* The largest SUMS passes and reads back. */
	sl_pbuf_reset(&b);
	sums_msg(&b, 0, SL_DATA_MAX / 4);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	/* PURPOSE is optional: a HELLO without it is read as it was. */
	sl_pbuf_reset(&b);
	hello(&b, SL_ROLE_SOURCE, 1, 1, "r");
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(-ENOENT, sl_msg_get_u32(&m, SL_A_PURPOSE, &u));
	sl_pbuf_reset(&b);
	hello_purpose(&b, SL_ROLE_DESTINATION, SL_PURPOSE_VERIFY);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_u32(&m, SL_A_PURPOSE, &u));
	ASSERT_EQ((uint32_t)SL_PURPOSE_VERIFY, u);
	sl_pbuf_free(&b);
}

/* An OFFER listing n ids from ids (36 bytes each, no NULs) in PCPIS. */
static void offer_pcpis(struct sl_pbuf *b, const char *ids, size_t len)
{
	char *p;

	offer(b, MiB, ID1, NULL);
	p = sl_msg_put_space(b, SL_A_PCPIS, len);
	if (p)
		memcpy(p, ids, len);
}

/* PCPIS: the source's PCPIs in an OFFER, UUIDs back to back. */
TEST(pcpis)
{
	static const char ids[] = ID1 ID2 ID1;
	char err[512], bad[3 * SL_UUID_LEN + 1];
	struct sl_pbuf b;
	struct sl_msg m;
	const char *p;
	const void *raw;
	uint32_t len;
	size_t n;
	char *big;

	sl_pbuf_init(&b);
	/* Valid: three ids (a repeat is the sender's business), and none. */
	offer_pcpis(&b, ids, 3 * SL_UUID_LEN);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_gids(&m, SL_A_PCPIS, &p, &n));
	ASSERT_EQ(3u, n);
	ASSERT_EQ(0, memcmp(p, ID1, SL_UUID_LEN));
	ASSERT_EQ(0, memcmp(p + SL_UUID_LEN, ID2, SL_UUID_LEN));
	ASSERT_EQ(0, memcmp(p + 2 * SL_UUID_LEN, ID1, SL_UUID_LEN));
	ASSERT_EQ(0, sl_msg_get_bytes(&m, SL_A_PCPIS, &raw, &len));
	ASSERT_EQ(3u * SL_UUID_LEN, len);
	sl_pbuf_reset(&b);
	offer_pcpis(&b, "", 0);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	n = 99;
	ASSERT_EQ(0, sl_msg_get_gids(&m, SL_A_PCPIS, &p, &n));
	ASSERT_EQ(0u, n);
	/* Optional; and the getter takes nothing but a list of ids. */
	sl_pbuf_reset(&b);
	offer(&b, MiB, ID1, NULL);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(-ENOENT, sl_msg_get_gids(&m, SL_A_PCPIS, &p, &n));
	ASSERT_EQ(-EINVAL, sl_msg_get_gids(&m, SL_A_GLOBAL_ID, &p, &n));
	ASSERT_EQ(-EINVAL, sl_msg_get_gids(&m, SL_A_BASE_FINGERPRINT, &p, &n));
	ASSERT_EQ(-EINVAL, sl_msg_get_gids(&m, 0, &p, &n));
	ASSERT_EQ(-EINVAL, sl_msg_get_gids(&m, SL_A_MAX + 1, &p, &n));

	/* Wrong lengths. */
	BAD("OFFER: attribute PCPIS: 35 bytes, not a multiple of 36",
	    offer_pcpis(&b, ids, SL_UUID_LEN - 1));
	BAD("OFFER: attribute PCPIS: 73 bytes, not a multiple of 36",
	    offer_pcpis(&b, ids, 2 * SL_UUID_LEN + 1));
	/* Each id is checked, wherever it is and whatever the bad byte. */
	memcpy(bad, ids, sizeof(bad));
	bad[SL_UUID_LEN + 1] = 'D';
	BAD("OFFER: attribute PCPIS: id 2 is not a lowercase UUID: byte 0x44 at offset 1",
	    offer_pcpis(&b, bad, 3 * SL_UUID_LEN));
	memcpy(bad, ids, sizeof(bad));
	bad[2 * SL_UUID_LEN + 35] = 'g';
	BAD("OFFER: attribute PCPIS: id 3 is not a lowercase UUID: byte 0x67 at offset 35",
	    offer_pcpis(&b, bad, 3 * SL_UUID_LEN));
	memcpy(bad, ids, sizeof(bad));
	bad[8] = '0';		/* a dash missing */
	BAD("OFFER: attribute PCPIS: id 1 is not a lowercase UUID: byte 0x30 at offset 8",
	    offer_pcpis(&b, bad, 3 * SL_UUID_LEN));
	memcpy(bad, ids, sizeof(bad));
	bad[SL_UUID_LEN + 9] = '\0';	/* no NUL, not even one */
	BAD("OFFER: attribute PCPIS: id 2 is not a lowercase UUID: byte 0x00 at offset 9",
	    offer_pcpis(&b, bad, 3 * SL_UUID_LEN));
	/* Only in an OFFER, and only once. */
	BAD("HELLO: attribute PCPIS is not part of HELLO", hello(&b, 1, 1, 1, "r"),
	    sl_msg_put_bytes(&b, SL_A_PCPIS, ids, SL_UUID_LEN));
	BAD("OFFER: duplicate attribute PCPIS", offer_pcpis(&b, ids, SL_UUID_LEN),
	    sl_msg_put_bytes(&b, SL_A_PCPIS, ids, SL_UUID_LEN));
	/* At most 16 MiB: the largest multiple of 36 below passes. */
	big = malloc(SL_DATA_MAX + SL_UUID_LEN);
	ASSERT_NE(NULL, big);
	for (n = 0; n + SL_UUID_LEN <= SL_DATA_MAX + SL_UUID_LEN; n += SL_UUID_LEN)
		memcpy(big + n, ID2, SL_UUID_LEN);
	n = SL_DATA_MAX / SL_UUID_LEN * SL_UUID_LEN;
	sl_pbuf_reset(&b);
	offer_pcpis(&b, big, n);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_gids(&m, SL_A_PCPIS, &p, &n));
	ASSERT_EQ((size_t)SL_DATA_MAX / SL_UUID_LEN, n);
	ASSERT_EQ(0, memcmp(p + (n - 1) * SL_UUID_LEN, ID2, SL_UUID_LEN));
	BAD("OFFER: attribute PCPIS: 16777224 bytes, allowed 0..16777216",
	    offer_pcpis(&b, big, n * SL_UUID_LEN + SL_UUID_LEN));
	free(big);
	sl_pbuf_free(&b);
}


FIXTURE(vsess) {
	struct duo d;		/* happy: the verify session */
	struct duo u;		/* happy: the update session */
};

FIXTURE_VARIANT(vsess) {
	bool pull;
};

FIXTURE_VARIANT_ADD(vsess, push) {
	.pull = false,
};

FIXTURE_VARIANT_ADD(vsess, pull) {
	.pull = true,
};

FIXTURE_SETUP(vsess)
{
	struct duo *d = &self->d;

	sl_pbuf_init(&d->happy);
	sl_pbuf_init(&d->b);
	d->pull = variant->pull;
	d->n = verify_session(&d->happy, d->pull, d->from_src, d->err,
			      sizeof(d->err));
	ASSERT_EQ(VERIFY_FRAMES, d->n) TH_LOG("%s", d->err);
	duo_start(d);
	ASSERT_EQ(SESSION_FRAMES, duo_init(&self->u, variant->pull, 4096));
}

FIXTURE_TEARDOWN(vsess)
{
	duo_free(&self->d);
	duo_free(&self->u);
}

/* After k happy frames of d, a message the receiver must refuse with msg. */
#define REFUSE(d, k, from_src, msg, ...) do {				\
		duo_start(d);						\
		ASSERT_EQ(0, replay(d, k)) TH_LOG("%s", (d)->err);	\
		__VA_ARGS__;						\
		EXPECT_EQ(-EPROTO, pass(d, from_src, false));		\
		EXPECT_STREQ(msg, (d)->err);				\
		EXPECT_EQ(SL_ST_FAILED,					\
			  (from_src ? &(d)->dst : &(d)->src)->st);	\
	} while (0)

/* The happy verify session, frame by frame, as both sides see it. */
TEST_F(vsess, steps)
{
	static const struct {
		uint8_t st;
		const char *name;
	} step[VERIFY_FRAMES + 1] = {
		{ SL_ST_HELLO, "hello" }, { SL_ST_HELLO_ACK, "hello-ack" },
		{ SL_ST_VERIFY, "verify" }, { SL_ST_SUMS, "sums" },
		{ SL_ST_SUMS, "sums" }, { SL_ST_SUMS, "sums" },
		{ SL_ST_VERIFY_BYE, "verify-bye" },
		{ SL_ST_VERIFY_BYE_REPLY, "verify-bye-reply" },
		{ SL_ST_CLOSED, "closed" },
	};
	struct duo *d = &self->d;
	int k;

	ASSERT_EQ(SL_ST_CLOSED, step[VERIFY_FRAMES].st);	/* all filled in */
	for (k = 0; k <= d->n; k++) {
		duo_start(d);
		ASSERT_EQ(0, replay(d, k)) TH_LOG("frame %d: %s", k, d->err);
		EXPECT_EQ(step[k].st, d->src.st) TH_LOG("after %d frames", k);
		EXPECT_EQ(step[k].st, d->dst.st) TH_LOG("after %d frames", k);
		EXPECT_STREQ(step[k].name, sl_proto_step_name(&d->src));
		EXPECT_STREQ(step[k].name, sl_proto_step_name(&d->dst));
		EXPECT_EQ(k == d->n, sl_proto_finished(&d->src));
		EXPECT_EQ(k == d->n, sl_proto_finished(&d->dst));
		EXPECT_EQ(k == d->n ? 0 : -ECONNRESET,
			  sl_proto_eof(&d->dst, d->err, sizeof(d->err)));
	}
	/* What both sides know at the end. */
	ASSERT_EQ((uint8_t)SL_PURPOSE_VERIFY, d->src.purpose);
	ASSERT_EQ((uint8_t)SL_PURPOSE_VERIFY, d->dst.purpose);
	ASSERT_EQ((uint8_t)SL_ROLE_SOURCE, d->src.self);
	ASSERT_EQ((uint8_t)SL_ROLE_DESTINATION, d->dst.self);
	ASSERT_STREQ(ID1, d->dst.global_id);
	ASSERT_EQ((uint64_t)MiB, d->src.chunk);
	ASSERT_EQ(5u, d->src.sums);
	ASSERT_EQ(5u, d->dst.sums);
	ASSERT_EQ((uint64_t)VERIFY_SIZE, d->src.size);
	ASSERT_EQ((uint64_t)VERIFY_SIZE, d->dst.size);
	/* Where an interrupted verify stopped, by name. */
	duo_start(d);
	ASSERT_EQ(0, replay(d, 4));
	ASSERT_EQ(-ECONNRESET, sl_proto_eof(&d->src, d->err, sizeof(d->err)));
	ASSERT_STREQ("the peer closed the connection before SUMS_DONE", d->err);
	/* An update session is what a HELLO with PURPOSE update starts. */
	duo_start(d);
	hello_purpose(&d->b, d->pull ? SL_ROLE_DESTINATION : SL_ROLE_SOURCE,
		      SL_PURPOSE_UPDATE);
	ASSERT_EQ(0, pass(d, !d->pull, true)) TH_LOG("%s", d->err);
	u32_msg(&d->b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1);
	ASSERT_EQ(0, pass(d, d->pull, true)) TH_LOG("%s", d->err);
	ASSERT_EQ(SL_ST_LOCKSET_BEFORE, d->src.st);
	ASSERT_EQ((uint8_t)SL_PURPOSE_UPDATE, d->dst.purpose);
	/* ... and one without PURPOSE (the update session's happy one). */
	ASSERT_EQ(0, replay(&self->u, 2));
	ASSERT_EQ((uint8_t)SL_PURPOSE_UPDATE, self->u.src.purpose);
	ASSERT_EQ(SL_ST_LOCKSET_BEFORE, self->u.dst.st);
}

/* The order and the content of VERIFY, SUMS and SUMS_DONE. */
TEST_F(vsess, verify_refusals)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	bool pull = variant->pull;
	/* Who sends what, as from_src: the initiator, the responder. */
	bool init = !pull, resp = pull;
	const char *init_role = pull ? "destination" : "source";
	const char *resp_role = pull ? "source" : "destination";
	char msg[256];

	REFUSE(d, 0, init, "unexpected VERIFY before HELLO (expected HELLO from the initiator)",
	       verify_msg(b, ID1, MiB));
	REFUSE(d, 1, init, "unexpected VERIFY before HELLO_ACK (expected HELLO_ACK from the responder)",
	       verify_msg(b, ID1, MiB));
	REFUSE(d, 2, resp, "unexpected SUMS before VERIFY (expected VERIFY from the initiator)",
	       sums_msg(b, 0, 1));
	REFUSE(d, 2, resp, "unexpected SUMS_DONE before VERIFY (expected VERIFY from the initiator)",
	       sums_done(b, MiB, 1));
	snprintf(msg, sizeof(msg), "unexpected VERIFY from the %s: only the initiator sends VERIFY",
		 resp_role);
	REFUSE(d, 2, resp, msg, verify_msg(b, ID1, MiB));
	snprintf(msg, sizeof(msg), "unexpected SUMS from the %s: only the responder sends SUMS",
		 init_role);
	REFUSE(d, 3, init, msg, sums_msg(b, 0, 1));
	snprintf(msg, sizeof(msg), "unexpected SUMS_DONE from the %s: only the responder sends SUMS_DONE",
		 init_role);
	REFUSE(d, 5, init, msg, sums_done(b, VERIFY_SIZE, 5));
	/* One VERIFY per session. */
	REFUSE(d, 3, init, "unexpected VERIFY before SUMS_DONE (expected SUMS or SUMS_DONE from the responder)",
	       verify_msg(b, ID2, MiB));
	REFUSE(d, 6, init, "unexpected VERIFY after SUMS_DONE (expected BYE from the initiator)",
	       verify_msg(b, ID2, MiB));
	/* Sums ascend contiguously from 0. */
	REFUSE(d, 3, resp, "SUMS at OFFSET 1048576: sums must ascend contiguously from 0, the next starts at 0",
	       sums_msg(b, MiB, 1));
	REFUSE(d, 4, resp, "SUMS at OFFSET 2097152: sums must ascend contiguously from 0, the next starts at 3145728",
	       sums_msg(b, 2 * MiB, 1));
	REFUSE(d, 4, resp, "SUMS at OFFSET 4194304: sums must ascend contiguously from 0, the next starts at 3145728",
	       sums_msg(b, 4 * MiB, 1));
	REFUSE(d, 5, resp, "SUMS at OFFSET 0: sums must ascend contiguously from 0, the next starts at 5242880",
	       sums_msg(b, 0, 1));
	/* COUNT is what came, and what SIZE needs in chunks of CHUNK. */
	REFUSE(d, 5, resp, "SUMS_DONE: COUNT 4, but SUMS carried 5 sums",
	       sums_done(b, 4 * MiB, 4));
	REFUSE(d, 5, resp, "SUMS_DONE: COUNT 6, but SUMS carried 5 sums",
	       sums_done(b, 6 * MiB, 6));
	REFUSE(d, 5, resp, "SUMS_DONE: SIZE 4194304 is 4 chunks of 1048576, but COUNT is 5",
	       sums_done(b, 4 * MiB, 5));
	REFUSE(d, 5, resp, "SUMS_DONE: SIZE 5243392 is 6 chunks of 1048576, but COUNT is 5",
	       sums_done(b, 5 * MiB + 512, 5));
	REFUSE(d, 3, resp, "SUMS_DONE: COUNT 5, but SUMS carried 0 sums",
	       sums_done(b, VERIFY_SIZE, 5));
	/* A PCPI of exactly 5 chunks passes as well as a short last one. */
	duo_start(d);
	ASSERT_EQ(0, replay(d, 5));
	sums_done(b, 5 * MiB, 5);
	ASSERT_EQ(0, pass(d, resp, true)) TH_LOG("%s", d->err);
	ASSERT_EQ(5u * MiB, d->src.size);
	/* The initiator says BYE first, after SUMS_DONE only. */
	REFUSE(d, 6, resp, "unexpected BYE after SUMS_DONE (expected BYE from the initiator)",
	       sl_msg_begin(b, SL_MSG_BYE));
	REFUSE(d, 4, init, "unexpected BYE before SUMS_DONE (expected SUMS or SUMS_DONE from the responder)",
	       sl_msg_begin(b, SL_MSG_BYE));
	REFUSE(d, 7, init, "unexpected BYE before the BYE reply (expected BYE from the responder)",
	       sl_msg_begin(b, SL_MSG_BYE));
	REFUSE(d, 8, resp, "unexpected BYE after BYE: the session is over",
	       sl_msg_begin(b, SL_MSG_BYE));
	REFUSE(d, 7, resp, "unexpected SUMS before the BYE reply (expected BYE from the responder)",
	       sums_msg(b, 5 * MiB, 1));
	/* COUNT is a u32: more sums than it can count are refused. */
	duo_start(d);
	ASSERT_EQ(0, replay(d, 3));
	d->dst.sums = d->src.sums = UINT32_MAX - 1;
	d->dst.next = d->src.next = 0;
	sums_msg(b, 0, 1);
	ASSERT_EQ(0, pass(d, resp, true)) TH_LOG("%s", d->err);
	sums_msg(b, MiB, 1);
	ASSERT_EQ(-EPROTO, pass(d, resp, true));
	ASSERT_STREQ("SUMS: more than 4294967295 sums in one session", d->err);
}

/* Neither kind of session takes the other kind's messages. */
TEST_F(vsess, kinds_do_not_mix)
{
	struct duo *d = &self->d, *u = &self->u;
	struct sl_pbuf *b = &d->b;
	bool init = !variant->pull, resp = variant->pull;
	struct sl_msg m;

	/* Update messages in a verify session, at any step. */
	REFUSE(d, 2, 0, "unexpected LOCKSET in a verify session: only an update session carries LOCKSET",
	       lockset(b, SL_PHASE_BEFORE, 41, "rel-7", 1));
	REFUSE(d, 2, 1, "unexpected OFFER in a verify session: only an update session carries OFFER",
	       offer(b, MiB, ID1, NULL));
	REFUSE(d, 3, 1, "unexpected DATA in a verify session: only an update session carries DATA",
	       extent(b, SL_MSG_DATA, 0, 512));
	REFUSE(d, 4, 1, "unexpected LOCKSET_ACK in a verify session: only an update session carries LOCKSET_ACK",
	       u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 0));
	REFUSE(d, 6, 0, "unexpected PUBLISHED in a verify session: only an update session carries PUBLISHED",
	       id_msg(b, ID1));
	REFUSE(d, 7, 1, "unexpected DONE in a verify session: only an update session carries DONE",
	       done(b, 0, 0));
	/* Verify messages in an update session. */
	REFUSE(u, 2, init, "unexpected VERIFY in an update session: only a verify session carries VERIFY",
	       verify_msg(&u->b, ID1, MiB));
	REFUSE(u, 4, resp, "unexpected SUMS in an update session: only a verify session carries SUMS",
	       sums_msg(&u->b, 0, 1));
	REFUSE(u, 7, 1, "unexpected SUMS_DONE in an update session: only a verify session carries SUMS_DONE",
	       sums_done(&u->b, MiB, 1));
	/* This side cannot send them either, and nothing changes. */
	duo_start(d);
	ASSERT_EQ(0, replay(d, 2));
	lockset(b, SL_PHASE_BEFORE, 41, "rel-7", 0);
	ASSERT_EQ(0, sl_msg_end(b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->dst, &m, d->err, 512));
	ASSERT_STREQ("this side may not send LOCKSET in a verify session: only an update session carries LOCKSET",
		     d->err);
	ASSERT_EQ(SL_ST_VERIFY, d->dst.st);
	duo_start(u);
	ASSERT_EQ(0, replay(u, 2));
	verify_msg(&u->b, ID1, MiB);
	ASSERT_EQ(0, sl_msg_end(&u->b, &m, u->err, sizeof(u->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(init ? &u->src : &u->dst, &m, u->err, 512));
	ASSERT_STREQ("this side may not send VERIFY in an update session: only a verify session carries VERIFY",
		     u->err);
	ASSERT_EQ(SL_ST_LOCKSET_BEFORE, u->src.st);
	/* Cheap checks before decoding say the same. */
	ASSERT_EQ(-EPROTO, sl_proto_expect(&u->dst, SL_MSG_SUMS, u->err, 512));
	ASSERT_STREQ("unexpected SUMS in an update session: only a verify session carries SUMS",
		     u->err);
	duo_start(d);
	ASSERT_EQ(0, replay(d, 2));
	ASSERT_EQ(0, sl_proto_expect(init ? &d->dst : &d->src, SL_MSG_VERIFY,
				     d->err, 512));
}

/* ERROR from either side ends a verify session at every step but the last. */
TEST_F(vsess, error_at_every_step)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	int k, from_src;

	for (k = 0; k <= d->n; k++) {
		for (from_src = 0; from_src < 2; from_src++) {
			duo_start(d);
			ASSERT_EQ(0, replay(d, k)) TH_LOG("%s", d->err);
			u32_msg(b, SL_MSG_ERROR, SL_A_CODE, ENOENT);
			sl_msg_put_str(b, SL_A_MESSAGE, "hostB: no PCPI with global id " ID1 " on vgB/vol");
			if (k == d->n) {
				ASSERT_EQ(-EPROTO, pass(d, from_src, true));
				ASSERT_STREQ("this side may not send ERROR after BYE: the session is over",
					     d->err);
				continue;
			}
			ASSERT_EQ(0, pass(d, from_src, true))
				TH_LOG("after %d frames: %s", k, d->err);
			ASSERT_EQ(SL_ST_FAILED, d->src.st);
			ASSERT_EQ(SL_ST_FAILED, d->dst.st);
			ASSERT_EQ(0, sl_proto_eof(&d->src, d->err, 512));
		}
	}
}

TEST_HARNESS_MAIN
