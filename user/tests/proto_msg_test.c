// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the peer-protocol messages and session (user/proto):
 * every policy violation with its exact message, the build and get API,
 * and the state machine's refusals (locks travel upstream, one OFFER per
 * session, the destination's BYE first, ERROR at any step). Frames, round
 * trips through pipes and the steps of a session are in proto_test.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../proto/state.h"
#include "proto_build.h"

#define RAW(s) sl_pbuf_put(&b, s, sizeof(s) - 1)

/* Every text on the wire is printable UTF-8, as the kernel requires. */
TEST(texts_are_printable_utf8)
{
	char err[512];
	struct sl_pbuf b;

	sl_pbuf_init(&b);
	BAD("HELLO: attribute HOST: not UTF-8: byte 0xff at offset 1",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, "h\xff"));
	BAD("HELLO: attribute HOST: not UTF-8: byte 0xc0 at offset 0",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, "\xc0\xaf"));
	BAD("HELLO: attribute HOST: not UTF-8: byte 0xed at offset 2",
	    sl_msg_begin(&b, SL_MSG_HELLO),
	    sl_msg_put_str(&b, SL_A_HOST, "ab\xed\xa0\x80"));
	BAD("HELLO: attribute HOST: not UTF-8: byte 0xe2 at offset 1",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, "a\xe2\x82"));
	BAD("HELLO: attribute HOST: control character U+0085 at offset 3",
	    sl_msg_begin(&b, SL_MSG_HELLO),
	    sl_msg_put_str(&b, SL_A_HOST, "\xc3\xa9x\xc2\x85"));
	BAD("LOCKSET: ENTRY 1: attribute DATASET: not UTF-8: byte 0xf4 at offset 0",
	    lockset(&b, 1, 1, "r", 0), entry(&b, ID1, 1, "\xf4\x90\x80\x80"));
	sl_pbuf_free(&b);
}

TEST(attribute_and_message_errors)
{
	char err[512], longs[1030];
	struct sl_pbuf b;
	size_t n;

	sl_pbuf_init(&b);
	memset(longs, 'h', sizeof(longs));
	BAD("unknown message type 16", sl_frame_begin(&b, 16));
	BAD("unknown message type 0", sl_frame_begin(&b, 0));
	BAD("HELLO: unknown attribute 99", hello(&b, 1, 1, 1, "r"),
	    RAW("\x63\0\0\0\0\0\0\0"));
	BAD("HELLO: unknown attribute 0", hello(&b, 1, 1, 1, "r"),
	    RAW("\0\0\0\0\0\0\0\0"));
	BAD("HELLO: attribute OFFSET is not part of HELLO",
	    hello(&b, 1, 1, 1, "r"), sl_msg_put_u64(&b, SL_A_OFFSET, 0));
	BAD("BYE: attribute HOST is not part of BYE",
	    sl_msg_begin(&b, SL_MSG_BYE), sl_msg_put_str(&b, SL_A_HOST, "h"));
	BAD("HELLO: duplicate attribute HOST", hello(&b, 1, 1, 1, "r"),
	    sl_msg_put_str(&b, SL_A_HOST, "x"));
	BAD("HELLO: missing required attribute RELATIONSHIP",
	    sl_msg_begin(&b, SL_MSG_HELLO),
	    sl_msg_put_u32(&b, SL_A_VERSION_MIN, 1),
	    sl_msg_put_u32(&b, SL_A_VERSION_MAX, 1),
	    sl_msg_put_u32(&b, SL_A_ROLE, 1), sl_msg_put_str(&b, SL_A_HOST, "h"));
	BAD("HELLO: attribute VERSION_MIN: length 8, a u32 is 4 bytes",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_u64(&b, SL_A_VERSION_MIN, 1));
	BAD("HELLO: attribute HOST: non-printable byte 0x01 at offset 1",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, "a\1b"));
	BAD("HELLO: attribute HOST: non-printable byte 0x7f at offset 0",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, "\x7f"));
	BAD("HELLO: attribute HOST: string not NUL-terminated",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_bytes(&b, SL_A_HOST, "abc", 3));
	BAD("HELLO: attribute HOST: string not NUL-terminated",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_bytes(&b, SL_A_HOST, "", 0));
	BAD("HELLO: attribute HOST: NUL byte inside the string at offset 1",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_bytes(&b, SL_A_HOST, "a\0b", 4));
	BAD("HELLO: attribute HOST: 0 characters, allowed 1..255",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, ""));
	longs[256] = '\0';
	BAD("HELLO: attribute HOST: 256 characters, allowed 1..255",
	    sl_msg_begin(&b, SL_MSG_HELLO), sl_msg_put_str(&b, SL_A_HOST, longs));
	longs[64] = '\0';
	BAD("HELLO: attribute RELATIONSHIP: 64 characters, allowed 1..63",
	    hello(&b, 1, 1, 1, longs));
	BAD("HELLO: attribute HOST: reserved field is 0x0001, must be 0",
	    sl_msg_begin(&b, SL_MSG_HELLO), RAW("\4\0\1\0\2\0\0\0a\0\0\0"));
	BAD("HELLO: attribute HOST: padding is not zero",
	    sl_msg_begin(&b, SL_MSG_HELLO), RAW("\4\0\0\0\2\0\0\0a\0x\0"));
	BAD("HELLO: attribute HOST: length 64 runs past the end (4 bytes left)",
	    sl_msg_begin(&b, SL_MSG_HELLO), RAW("\4\0\0\0\x40\0\0\0ab\0\0"));
	BAD("HELLO: attribute HOST: padding missing at the end",
	    sl_msg_begin(&b, SL_MSG_HELLO), RAW("\4\0\0\0\3\0\0\0ab\0"));
	BAD("HELLO: 4 stray bytes at offset 88, too short for an attribute",
	    hello(&b, 1, 1, 1, "r"), RAW("\0\0\0\0"));
	/* VOLUME: required in HELLO, 1..255 bytes, nowhere else. */
	BAD("HELLO: missing required attribute VOLUME",
	    hello_volume(&b, 1, 1, 1, "r", NULL));
	BAD("HELLO: attribute VOLUME: 0 characters, allowed 1..255",
	    hello_volume(&b, 1, 1, 1, "r", ""));
	memset(longs, 'v', 256);
	longs[256] = '\0';
	BAD("HELLO: attribute VOLUME: 256 characters, allowed 1..255",
	    hello_volume(&b, 1, 1, 1, "r", longs));
	BAD("HELLO: duplicate attribute VOLUME", hello(&b, 1, 1, 1, "r"),
	    sl_msg_put_str(&b, SL_A_VOLUME, "vgC/vol"));
	BAD("HELLO: attribute VOLUME: non-printable byte 0x0a at offset 3",
	    hello_volume(&b, 1, 1, 1, "r", "vgB\n"));
	BAD("HELLO_ACK: attribute VOLUME is not part of HELLO_ACK",
	    u32_msg(&b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1),
	    sl_msg_put_str(&b, SL_A_VOLUME, VOLUME));
	BAD("HELLO: attribute ROLE: 3 is out of range 1..2", hello(&b, 3, 1, 1, "r"));
	BAD("HELLO: attribute VERSION_MIN: 0 is out of range 1..255",
	    hello(&b, 1, 0, 1, "r"));
	BAD("HELLO: VERSION_MIN 2 is above VERSION_MAX 1", hello(&b, 1, 2, 1, "r"));
	BAD("LOCKSET: ENTRY 1: attribute LOCK_TYPE: 5 is out of range 1..4",
	    lockset(&b, 1, 1, "r", 0), entry(&b, ID1, 5, NULL));
	BAD("LOCKSET: ENTRY 2: missing required attribute TEXT",
	    lockset(&b, 1, 1, "r", 1), n = sl_msg_nest_begin(&b, SL_A_ENTRY),
	    sl_msg_put_str(&b, SL_A_GLOBAL_ID, ID1),
	    sl_msg_put_str(&b, SL_A_SNAPSHOT, "vg/s"),
	    sl_msg_put_u32(&b, SL_A_LOCK_TYPE, 1), sl_msg_nest_end(&b, n));
	BAD("LOCKSET: ENTRY 1: attribute ENTRY is not part of ENTRY",
	    lockset(&b, 1, 1, "r", 0), n = sl_msg_nest_begin(&b, SL_A_ENTRY),
	    entry(&b, ID1, 1, NULL), sl_msg_nest_end(&b, n));
	BAD("LOCKSET: ENTRY 1: attribute GLOBAL_ID: \"0F8A3C2E-5B1D-4E6F-9A7B-1C2D3E4F5A6B\" is not a lowercase UUID",
	    lockset(&b, 1, 1, "r", 0),
	    entry(&b, "0F8A3C2E-5B1D-4E6F-9A7B-1C2D3E4F5A6B", 1, NULL));
	BAD("PUBLISHED: attribute GLOBAL_ID: \"0f8a3c2e5-b1d-4e6f-9a7b-1c2d3e4f5a6b\" is not a lowercase UUID",
	    id_msg(&b, "0f8a3c2e5-b1d-4e6f-9a7b-1c2d3e4f5a6b"));
	BAD("PUBLISHED: attribute GLOBAL_ID: 35 characters, allowed 36..36",
	    id_msg(&b, &ID1[1]));
	BAD("OFFER: attribute CHUNK: 98304 is not a power of two",
	    sl_msg_begin(&b, SL_MSG_OFFER), sl_msg_put_u32(&b, SL_A_CHUNK, 98304));
	BAD("OFFER: attribute CHUNK: 32768 is out of range 65536..1073741824",
	    sl_msg_begin(&b, SL_MSG_OFFER), sl_msg_put_u32(&b, SL_A_CHUNK, 32768));
	BAD("OFFER: attribute CHUNK: 2147483648 is out of range 65536..1073741824",
	    sl_msg_begin(&b, SL_MSG_OFFER), sl_msg_put_u32(&b, SL_A_CHUNK, 1u << 31));
	BAD("OFFER: BASE_GLOBAL_ID without BASE_FINGERPRINT",
	    offer(&b, MiB, ID1, NULL), sl_msg_put_str(&b, SL_A_BASE_GLOBAL_ID, ID2));
	BAD("OFFER: BASE_GLOBAL_ID " ID1 " is the offered snapshot itself",
	    offer(&b, MiB, ID1, ID1));
	BAD("OFFER: attribute SIZE: 1000 is not a multiple of 512",
	    offer(&b, 1000, ID1, NULL));
	BAD("OFFER: attribute SIZE: 0 is out of range 512..18446744073709551615",
	    offer(&b, 0, ID1, NULL));
	BAD("DATA: attribute DATA: 1000 bytes, not a multiple of 512",
	    extent(&b, SL_MSG_DATA, 0, 1000));
	BAD("DATA: attribute DATA: 0 bytes, allowed 512..16777216",
	    extent(&b, SL_MSG_DATA, 0, 0));
	BAD("DATA: attribute DATA: 16777728 bytes, allowed 512..16777216",
	    extent(&b, SL_MSG_DATA, 0, SL_DATA_MAX + 512));
	BAD("DATA: attribute OFFSET: 100 is not a multiple of 512",
	    extent(&b, SL_MSG_DATA, 100, 512));
	BAD("DATA: 1024 bytes at OFFSET 18446744073709551104 run past 2^64",
	    extent(&b, SL_MSG_DATA, UINT64_MAX - 511, 1024));
	BAD("DISCARD: attribute LENGTH: 0 is out of range 512..18446744073709551615",
	    extent(&b, SL_MSG_DISCARD, 0, 0));
	BAD("DONE: attribute FINGERPRINT: 31 bytes, allowed 32..32",
	    sl_msg_begin(&b, SL_MSG_DONE),
	    sl_msg_put_bytes(&b, SL_A_FINGERPRINT, longs, 31));
	/* The destination compares SL_DIGEST_LEN bytes: never fewer. */
	BAD("DONE: attribute DIGEST: 31 bytes, allowed 32..32",
	    sl_msg_begin(&b, SL_MSG_DONE),
	    sl_msg_put_u64(&b, SL_A_BYTES_SENT, 0),
	    sl_msg_put_u64(&b, SL_A_CHUNKS, 0),
	    sl_msg_put_bytes(&b, SL_A_FINGERPRINT, longs, 32),
	    sl_msg_put_bytes(&b, SL_A_DIGEST, longs, 31));
	BAD("DONE: attribute DIGEST: 33 bytes, allowed 32..32",
	    sl_msg_begin(&b, SL_MSG_DONE),
	    sl_msg_put_u64(&b, SL_A_BYTES_SENT, 0),
	    sl_msg_put_u64(&b, SL_A_CHUNKS, 0),
	    sl_msg_put_bytes(&b, SL_A_FINGERPRINT, longs, 32),
	    sl_msg_put_bytes(&b, SL_A_DIGEST, longs, 33));
	BAD("DONE: missing required attribute DIGEST",
	    sl_msg_begin(&b, SL_MSG_DONE),
	    sl_msg_put_u64(&b, SL_A_BYTES_SENT, 0),
	    sl_msg_put_u64(&b, SL_A_CHUNKS, 0),
	    sl_msg_put_bytes(&b, SL_A_FINGERPRINT, longs, 32));
	BAD("ERROR: attribute CODE: 0 is out of range 1..4095",
	    u32_msg(&b, SL_MSG_ERROR, SL_A_CODE, 0));
	BAD("ERROR: missing required attribute MESSAGE",
	    u32_msg(&b, SL_MSG_ERROR, SL_A_CODE, EIO));
	memset(longs, 'h', sizeof(longs));
	longs[1024] = '\0';
	BAD("ERROR: attribute MESSAGE: 1024 characters, allowed 1..1023",
	    u32_msg(&b, SL_MSG_ERROR, SL_A_CODE, EIO),
	    sl_msg_put_str(&b, SL_A_MESSAGE, longs));
	sl_pbuf_free(&b);
}

TEST(building_and_getting)
{
	struct sl_pbuf b;
	struct sl_msg m;
	char err[256], vol[SL_NAME_MAX + 1];
	const char *s;
	uint32_t u;
	size_t len;

	sl_pbuf_init(&b);
	ASSERT_STREQ("DATA", sl_msg_name(SL_MSG_DATA));
	ASSERT_NULL(sl_msg_name(0));
	ASSERT_NULL(sl_msg_name(SL_MSG_MAX + 1));
	ASSERT_STREQ("BASE_FINGERPRINT", sl_attr_name(SL_A_BASE_FINGERPRINT));
	ASSERT_EQ(30, SL_A_VOLUME);	/* on the wire */
	ASSERT_STREQ("VOLUME", sl_attr_name(SL_A_VOLUME));
	ASSERT_NULL(sl_attr_name(SL_A_MAX + 1));
	/* A message that fails its policy is dropped and poisons b. */
	sl_msg_begin(&b, SL_MSG_BYE);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err)));
	len = b.len;
	sl_msg_begin(&b, SL_MSG_OFFER);
	sl_msg_put_str(&b, SL_A_SNAPSHOT, "vg/s");
	ASSERT_EQ(-EBADMSG, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_STREQ("OFFER: missing required attribute GLOBAL_ID", err);
	ASSERT_EQ(len, b.len);
	ASSERT_EQ(-EBADMSG, sl_frame_write(1, &b, err, sizeof(err)));
	ASSERT_STREQ("a message in this buffer failed validation", err);
	/* Puts outside a frame, nests out of order, oversize values. */
	sl_pbuf_reset(&b);
	sl_msg_put_u32(&b, SL_A_COUNT, 1);
	ASSERT_EQ(-EINVAL, sl_msg_end(&b, &m, err, sizeof(err)));
	sl_pbuf_reset(&b);
	sl_msg_begin(&b, SL_MSG_LOCKSET);
	sl_msg_nest_end(&b, 999);
	ASSERT_EQ(-EINVAL, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "out of order"));
	sl_pbuf_reset(&b);
	sl_msg_begin(&b, SL_MSG_DATA);
	ASSERT_NULL(sl_msg_put_space(&b, SL_A_DATA, SL_FRAME_MAX + 1));
	ASSERT_EQ(-EMSGSIZE, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_STREQ("frame too large: 16781321 bytes (limit 16781312)", err);
	/* Getters: absent, wrong type, no such attribute. */
	sl_pbuf_reset(&b);
	offer(&b, MiB, ID1, NULL);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_EQ(-ENOENT, sl_msg_get_str(&m, SL_A_BASE_GLOBAL_ID, &s));
	ASSERT_EQ(-EINVAL, sl_msg_get_u32(&m, SL_A_SNAPSHOT, &u));
	ASSERT_EQ(-EINVAL, sl_msg_get_str(&m, 0, &s));
	ASSERT_EQ(-EINVAL, sl_msg_get_str(&m, SL_A_MAX + 1, &s));
	ASSERT_EQ(0, sl_msg_get_u32(&m, SL_A_CHUNK, &u));
	ASSERT_EQ((uint32_t)MiB, u);
	ASSERT_EQ(0, sl_msg_get_str(&m, SL_A_SNAPSHOT, &s));
	ASSERT_STREQ("vg0/snap-2", s);
	/* This side cannot build a HELLO without VOLUME either. */
	sl_pbuf_reset(&b);
	hello_volume(&b, SL_ROLE_SOURCE, 1, 1, "r", NULL);
	ASSERT_EQ(-EBADMSG, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_STREQ("HELLO: missing required attribute VOLUME", err);
	/* The longest and the shortest volume pass and read back. */
	memset(vol, 'v', sizeof(vol));
	vol[SL_NAME_MAX] = '\0';
	sl_pbuf_reset(&b);
	hello_volume(&b, SL_ROLE_SOURCE, 1, 1, "r", vol);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_str(&m, SL_A_VOLUME, &s));
	ASSERT_STREQ(vol, s);
	sl_pbuf_reset(&b);
	hello_volume(&b, SL_ROLE_SOURCE, 1, 1, "r", "v");
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_str(&m, SL_A_VOLUME, &s));
	ASSERT_STREQ("v", s);
	sl_pbuf_free(&b);
}

FIXTURE(sess) {
	struct duo d;
};

/* Every session test runs twice: the source initiates, or the destination. */
FIXTURE_VARIANT(sess) {
	bool pull;
};

FIXTURE_VARIANT_ADD(sess, push) {
	.pull = false,
};

FIXTURE_VARIANT_ADD(sess, pull) {
	.pull = true,
};

FIXTURE_SETUP(sess)
{
	ASSERT_EQ(SESSION_FRAMES, duo_init(&self->d, variant->pull, 4096));
}

FIXTURE_TEARDOWN(sess)
{
	duo_free(&self->d);
}

/*
 * A source with nothing new offers its newest snapshot again; the
 * destination has it all and accepts at SIZE, and the locks still travel.
 */
TEST_F(sess, nothing_new_accepts_at_size)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	struct sl_msg m;

	ASSERT_EQ(0, replay(d, 5));	/* through the OFFER */
	accept_(b, 20 * MiB, 9);
	ASSERT_EQ(0, pass(d, 0, true)) TH_LOG("%s", d->err);
	/* Nothing may follow but DONE. */
	extent(b, SL_MSG_DATA, 20 * MiB - 512, 512);
	ASSERT_EQ(0, sl_msg_end(b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->src, &m, d->err, 512));
	ASSERT_STREQ("DATA at OFFSET 20971008: extents must ascend without overlap, the next may start at 20971520",
		     d->err);
	sl_pbuf_reset(b);
	done(b, 0, 0);
	ASSERT_EQ(0, pass(d, 1, true)) TH_LOG("%s", d->err);
	id_msg(b, ID2);
	ASSERT_EQ(0, pass(d, 0, true)) TH_LOG("%s", d->err);
	lockset(b, SL_PHASE_AFTER, 42, "rel-7", 1);
	ASSERT_EQ(0, pass(d, 0, true)) TH_LOG("%s", d->err);
	u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 1);
	ASSERT_EQ(0, pass(d, 1, true)) TH_LOG("%s", d->err);
	sl_msg_begin(b, SL_MSG_BYE);
	ASSERT_EQ(0, pass(d, 0, true)) TH_LOG("%s", d->err);
	sl_msg_begin(b, SL_MSG_BYE);
	ASSERT_EQ(0, pass(d, 1, true)) TH_LOG("%s", d->err);
	ASSERT_TRUE(sl_proto_finished(&d->src));
	ASSERT_TRUE(sl_proto_finished(&d->dst));
}

/* After k happy frames, a message the receiver must refuse with msg. */
#define REFUSE(k, from_src, msg, ...) do {				\
		duo_start(d);				\
		ASSERT_EQ(0, replay(d, k)) TH_LOG("%s", d->err);	\
		__VA_ARGS__;						\
		EXPECT_EQ(-EPROTO, pass(d, from_src, false));		\
		EXPECT_STREQ(msg, d->err);				\
		EXPECT_EQ(SL_ST_FAILED, (from_src ? &d->dst : &d->src)->st); \
	} while (0)

/*
 * GENERATION is the peer's clock and the source ignores it: a set after
 * with a smaller one than the set before (a clock stepped back), the same,
 * 0 or UINT64_MAX goes through, and the session goes on to BYE.
 */
TEST_F(sess, lockset_generation_is_not_checked)
{
	static const uint64_t gens[] = { 40, 41, 0, UINT64_MAX };
	struct duo *d = &self->d;
	size_t i;

	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
		duo_start(d);
		ASSERT_EQ(0, replay(d, 11)) TH_LOG("%s", d->err);
		lockset(&d->b, SL_PHASE_AFTER, gens[i], "rel-7", 0);
		ASSERT_EQ(0, pass(d, 0, true)) TH_LOG("%llu: %s",
						     (unsigned long long)gens[i], d->err);
		ASSERT_EQ(SL_ST_ACK_AFTER, d->src.st);
		ASSERT_EQ(SL_ST_ACK_AFTER, d->dst.st);
	}
}

TEST_F(sess, refusals)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	bool pull = variant->pull;

	REFUSE(0, 1, "unexpected DATA before HELLO (expected HELLO from the initiator)",
	       extent(b, SL_MSG_DATA, 0, 512));
	REFUSE(4, 1, "unexpected DATA before OFFER (expected OFFER from the source)",
	       extent(b, SL_MSG_DATA, 0, 512));
	REFUSE(5, 1, "unexpected DATA before ACCEPT (expected ACCEPT from the destination)",
	       extent(b, SL_MSG_DATA, 0, 512));
	REFUSE(4, 1, "unexpected ACCEPT from the source: only the destination sends ACCEPT",
	       accept_(b, 0, 0));
	/* Frame 1 comes from the responder: the source when pulling. */
	REFUSE(1, pull, pull ?
	       "unexpected HELLO from the source: only the initiator sends HELLO" :
	       "unexpected HELLO from the destination: only the initiator sends HELLO",
	       hello(b, pull ? SL_ROLE_SOURCE : SL_ROLE_DESTINATION, 1, 1, "rel-7"));
	REFUSE(1, pull, "HELLO_ACK: VERSION 2, but HELLO offered 1..1 and this side speaks up to 2",
	       u32_msg(b, SL_MSG_HELLO_ACK, SL_A_VERSION, 2));
	REFUSE(2, 0, "LOCKSET: PHASE after, but this one must be before (the first)",
	       lockset(b, SL_PHASE_AFTER, 41, "rel-7", 1));
	REFUSE(2, 0, "LOCKSET: RELATIONSHIP \"rel-8\", but the session is for \"rel-7\"",
	       lockset(b, SL_PHASE_BEFORE, 41, "rel-8", 1));
	REFUSE(3, 1, "LOCKSET_ACK: COUNT 2, but the LOCKSET had 3 entries",
	       u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 2));
	REFUSE(11, 0, "LOCKSET: PHASE before, but this one must be after",
	       lockset(b, SL_PHASE_BEFORE, 43, "rel-7", 0));
	REFUSE(11, 0, "LOCKSET: RELATIONSHIP \"rel-8\", but the session is for \"rel-7\"",
	       lockset(b, SL_PHASE_AFTER, 42, "rel-8", 0));
	REFUSE(12, 1, "LOCKSET_ACK: COUNT 3, but the LOCKSET had 2 entries",
	       u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 3));
	REFUSE(5, 0, "ACCEPT: RESUME_OFFSET 22020096 is beyond the offered SIZE 20971520",
	       accept_(b, 21 * MiB, 1));
	REFUSE(5, 0, "ACCEPT: RESUME_OFFSET 4096 is not a multiple of CHUNK 1048576",
	       accept_(b, 4096, 1));
	REFUSE(7, 1, "DATA at OFFSET 0: extents must ascend without overlap, the next may start at 4096",
	       extent(b, SL_MSG_DATA, 0, 512));
	REFUSE(8, 1, "DISCARD at OFFSET 16777216: extents must ascend without overlap, the next may start at 17825792",
	       extent(b, SL_MSG_DISCARD, 16 * MiB, 512));
	REFUSE(6, 1, "DATA: 1024 bytes at OFFSET 20971008 end beyond the offered SIZE 20971520",
	       extent(b, SL_MSG_DATA, 20 * MiB - 512, 1024));
	REFUSE(9, 1, "DONE: BYTES_SENT 4096, but DATA carried 8192 bytes",
	       done(b, 4096, 2));
	REFUSE(10, 0, "PUBLISHED: GLOBAL_ID " ID1 ", but the OFFER was " ID2,
	       id_msg(b, ID1));
	REFUSE(11, 1, "unexpected DATA after PUBLISHED (expected LOCKSET from the destination)",
	       extent(b, SL_MSG_DATA, 20 * MiB - 512, 512));
	REFUSE(14, 1, "unexpected DATA before the BYE reply (expected BYE from the source)",
	       extent(b, SL_MSG_DATA, 0, 512));
	REFUSE(15, 0, "unexpected BYE after BYE: the session is over",
	       sl_msg_begin(b, SL_MSG_BYE));

	/* A resumed transfer starts at the resume offset. */
	REFUSE(5, 1, "DATA at OFFSET 0: extents must ascend without overlap, the next may start at 1048576",
	       accept_(b, MiB, 3), pass(d, 0, true),
	       extent(b, SL_MSG_DATA, 0, 512));
}

/* The destination sends the lock sets, the source acknowledges them. */
TEST_F(sess, locks_travel_upstream)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	struct sl_msg m;

	REFUSE(2, 1, "unexpected LOCKSET from the source: only the destination sends LOCKSET",
	       lockset(b, SL_PHASE_BEFORE, 41, "rel-7", 1));
	REFUSE(11, 1, "unexpected LOCKSET from the source: only the destination sends LOCKSET",
	       lockset(b, SL_PHASE_AFTER, 42, "rel-7", 1));
	REFUSE(3, 0, "unexpected LOCKSET_ACK from the destination: only the source sends LOCKSET_ACK",
	       u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 3));
	REFUSE(12, 0, "unexpected LOCKSET_ACK from the destination: only the source sends LOCKSET_ACK",
	       u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 2));
	/* A source's own LOCKSET is caught before it leaves. */
	duo_start(d);
	ASSERT_EQ(0, replay(d, 2));
	lockset(b, SL_PHASE_BEFORE, 41, "rel-7", 0);
	ASSERT_EQ(0, sl_msg_end(b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->src, &m, d->err, 512));
	ASSERT_STREQ("the source may not send LOCKSET: only the destination sends LOCKSET",
		     d->err);
	ASSERT_EQ(SL_ST_LOCKSET_BEFORE, d->src.st);
	ASSERT_EQ(0, sl_proto_sent(&d->dst, &m, d->err, 512));
	ASSERT_EQ(0, sl_proto_recv(&d->src, &m, d->err, 512));
	ASSERT_EQ(SL_ST_ACK_BEFORE, d->src.st);

	/* The set after only once the snapshot is published. */
	REFUSE(4, 0, "unexpected LOCKSET before OFFER (expected OFFER from the source)",
	       lockset(b, SL_PHASE_AFTER, 42, "rel-7", 0));
	REFUSE(5, 0, "unexpected LOCKSET before ACCEPT (expected ACCEPT from the destination)",
	       lockset(b, SL_PHASE_AFTER, 42, "rel-7", 0));
	REFUSE(8, 0, "unexpected LOCKSET before DONE (expected DATA, DISCARD or DONE from the source)",
	       lockset(b, SL_PHASE_AFTER, 42, "rel-7", 0));
	REFUSE(10, 0, "unexpected LOCKSET before PUBLISHED (expected PUBLISHED from the destination)",
	       lockset(b, SL_PHASE_AFTER, 42, "rel-7", 0));
	REFUSE(13, 0, "unexpected LOCKSET after the last LOCKSET_ACK (expected BYE from the destination)",
	       lockset(b, SL_PHASE_AFTER, 43, "rel-7", 0));
}

TEST_F(sess, one_offer_and_bye_order)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	struct sl_msg m;

	REFUSE(5, 1, "unexpected OFFER before ACCEPT: a session carries exactly one OFFER",
	       offer(b, MiB, ID1, NULL));
	REFUSE(7, 1, "unexpected OFFER before DONE: a session carries exactly one OFFER",
	       offer(b, MiB, ID1, NULL));
	REFUSE(11, 1, "unexpected OFFER after PUBLISHED: a session carries exactly one OFFER",
	       offer(b, MiB, ID1, NULL));
	REFUSE(13, 1, "unexpected OFFER after the last LOCKSET_ACK: a session carries exactly one OFFER",
	       offer(b, MiB, ID1, NULL));
	/* The source cannot send a second one either. */
	duo_start(d);
	ASSERT_EQ(0, replay(d, 11));
	offer(b, 4 * MiB, ID1, ID2);
	ASSERT_EQ(0, sl_msg_end(b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->src, &m, d->err, 512));
	ASSERT_STREQ("this side may not send OFFER after PUBLISHED: a session carries exactly one OFFER",
		     d->err);
	ASSERT_EQ(SL_ST_LOCKSET_AFTER, d->src.st);

	/* The destination says BYE first, and only after the set after. */
	REFUSE(13, 1, "unexpected BYE after the last LOCKSET_ACK (expected BYE from the destination)",
	       sl_msg_begin(b, SL_MSG_BYE));
	REFUSE(11, 0, "unexpected BYE after PUBLISHED (expected LOCKSET from the destination)",
	       sl_msg_begin(b, SL_MSG_BYE));
	REFUSE(4, 1, "unexpected BYE before OFFER (expected OFFER from the source)",
	       sl_msg_begin(b, SL_MSG_BYE));
	duo_start(d);
	ASSERT_EQ(0, replay(d, 13));
	sl_msg_begin(b, SL_MSG_BYE);
	ASSERT_EQ(0, sl_msg_end(b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->src, &m, d->err, 512));
	ASSERT_STREQ("this side may not send BYE after the last LOCKSET_ACK (expected BYE from the destination)",
		     d->err);
	ASSERT_EQ(SL_ST_BYE, d->src.st);
}

/* ERROR from either side ends the session at every step but the last. */
TEST_F(sess, error_at_every_step)
{
	struct duo *d = &self->d;
	struct sl_pbuf *b = &d->b;
	int k, from_src;

	for (k = 0; k <= d->n; k++) {
		for (from_src = 0; from_src < 2; from_src++) {
			duo_start(d);
			ASSERT_EQ(0, replay(d, k)) TH_LOG("%s", d->err);
			u32_msg(b, SL_MSG_ERROR, SL_A_CODE, EIO);
			sl_msg_put_str(b, SL_A_MESSAGE, "vg1: write error");
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
			ASSERT_FALSE(sl_proto_finished(&d->dst));
			/* Nothing comes after it, not even an ERROR. */
			u32_msg(b, SL_MSG_ERROR, SL_A_CODE, EIO);
			sl_msg_put_str(b, SL_A_MESSAGE, "again");
			ASSERT_EQ(-EPROTO, pass(d, !from_src, false));
			ASSERT_STREQ("unexpected ERROR after an ERROR or a bad frame: the session is over",
				     d->err);
		}
	}
}

TEST_F(sess, roles_sending_and_eof)
{
	struct duo *d = &self->d;
	struct sl_msg m;
	uint32_t v;

	ASSERT_EQ(0, replay(d, 4));
	ASSERT_EQ(-ECONNRESET, sl_proto_eof(&d->dst, d->err, sizeof(d->err)));
	ASSERT_STREQ("the peer closed the connection before OFFER", d->err);
	ASSERT_EQ(-EPROTO, sl_proto_expect(&d->dst, 16, d->err, 512));
	ASSERT_STREQ("unexpected message type 16", d->err);
	ASSERT_EQ(0, sl_proto_expect(&d->dst, SL_MSG_OFFER, d->err, 512));
	ASSERT_EQ(-EPROTO, sl_proto_expect(&d->dst, SL_MSG_LOCKSET, d->err, 512));
	/* This side's own mistakes are caught and change nothing. */
	offer(&d->b, MiB, ID1, NULL);
	ASSERT_EQ(0, sl_msg_end(&d->b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->dst, &m, d->err, 512));
	ASSERT_STREQ("the destination may not send OFFER: only the source sends OFFER",
		     d->err);
	ASSERT_EQ(SL_ST_OFFER, d->dst.st);
	sl_pbuf_reset(&d->b);
	extent(&d->b, SL_MSG_DATA, 0, 512);
	ASSERT_EQ(0, sl_msg_end(&d->b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->src, &m, d->err, 512));
	ASSERT_STREQ("this side may not send DATA before OFFER (expected OFFER from the source)",
		     d->err);
	sl_pbuf_reset(&d->b);
	sl_proto_init(&d->src, true, SL_ROLE_SOURCE);
	hello(&d->b, SL_ROLE_DESTINATION, 1, 1, "r");
	ASSERT_EQ(0, sl_msg_end(&d->b, &m, d->err, sizeof(d->err)));
	ASSERT_EQ(-EPROTO, sl_proto_sent(&d->src, &m, d->err, 512));
	ASSERT_STREQ("HELLO: ROLE destination, but this side is the source", d->err);
	ASSERT_EQ(SL_ST_HELLO, d->src.st);
	/* A responder that serves only as destination. */
	sl_proto_init(&d->dst, false, SL_ROLE_DESTINATION);
	ASSERT_EQ(-EPROTO, sl_proto_recv(&d->dst, &m, d->err, 512));
	ASSERT_STREQ("HELLO: the peer is the destination, and so is this side",
		     d->err);
	/* Pull: the destination connects, the responder is the source. */
	sl_proto_init(&d->dst, true, SL_ROLE_DESTINATION);
	sl_proto_init(&d->src, false, SL_ROLE_SOURCE);
	ASSERT_EQ(0, sl_proto_sent(&d->dst, &m, d->err, 512));
	ASSERT_EQ(0, sl_proto_recv(&d->src, &m, d->err, 512));
	ASSERT_EQ((uint8_t)SL_ROLE_SOURCE, d->src.self);
	sl_pbuf_reset(&d->b);
	u32_msg(&d->b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1);
	ASSERT_EQ(0, pass(d, 1, true));
	/* The initiator's LOCKSET follows: it is the destination. */
	lockset(&d->b, SL_PHASE_BEFORE, 1, "r", 0);
	ASSERT_EQ(0, pass(d, 0, true)) TH_LOG("%s", d->err);
	ASSERT_EQ(-ECONNRESET, sl_proto_eof(&d->src, d->err, sizeof(d->err)));
	ASSERT_STREQ("the peer closed the connection before LOCKSET_ACK", d->err);
	/*
	 * Version choice: 2 only, since a version 1 peer sends no transfer
	 * digest and its replica could not be checked.
	 */
	ASSERT_EQ(0, sl_proto_pick_version(2, 2, &v, d->err, 512));
	ASSERT_EQ(2u, v);
	ASSERT_EQ(0, sl_proto_pick_version(1, 9, &v, d->err, 512));
	ASSERT_EQ(2u, v);
	ASSERT_EQ(-EPROTONOSUPPORT, sl_proto_pick_version(1, 1, &v, d->err, 512));
	ASSERT_STREQ("no common protocol version: the peer speaks 1..1, this side 2..2",
		     d->err);
	ASSERT_EQ(-EPROTONOSUPPORT, sl_proto_pick_version(3, 4, &v, d->err, 512));
	ASSERT_STREQ("no common protocol version: the peer speaks 3..4, this side 2..2",
		     d->err);
}

TEST_HARNESS_MAIN
