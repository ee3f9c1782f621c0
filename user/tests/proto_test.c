// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the peer-protocol codec (user/proto): crc32c, frames
 * through real pipes (short reads, EINTR, EPIPE, truncation, every changed
 * byte), and the one-OFFER session in push and in pull mode: every
 * message type's round trip through a pipe with both state machines
 * following, and its steps one by one. Policy and state refusals:
 * proto_msg_test.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../proto/crc32c.h"
#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../proto/state.h"
#include "proto_build.h"

/* Ticks of the interval timer that interrupts reads and writes. */
static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

/* SIGALRM every usec without SA_RESTART: blocking calls see EINTR. */
static void interrupt_every(long usec)
{
	struct sigaction sa = { .sa_handler = tick };
	struct itimerval it = { { 0, usec }, { 0, usec } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_interrupts(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * The definition of CRC-32C, one bit at a time: the model that ISA-L's
 * result is checked against at every length and misalignment.
 */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = ~0u;
	int b;

	while (len--) {
		c ^= *p++;
		for (b = 0; b < 8; b++)
			c = c >> 1 ^ (c & 1 ? 0x82f63b78 : 0);
	}
	return ~c;
}

TEST(crc32c_vectors)
{
	static const struct { uint8_t fill, step; uint32_t crc; } rfc3720[] = {
		{ 0x00, 0, 0x8a9136aa }, { 0xff, 0, 0x62a8ab43 },
		{ 0x00, 1, 0x46dd794e }, { 0x1f, 0xff, 0x113fdb5c },
	};
	uint8_t buf[600];
	size_t i, j, len;

	ASSERT_EQ(0xe3069283, sl_crc32c(0, "123456789", 9));
	ASSERT_EQ(0xe3069283, crc32c_bitwise((const uint8_t *)"123456789", 9));
	ASSERT_EQ(0u, sl_crc32c(0, "", 0));
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 32; j++)
			buf[j] = rfc3720[i].fill + j * rfc3720[i].step;
		ASSERT_EQ(rfc3720[i].crc, sl_crc32c(0, buf, 32));
		ASSERT_EQ(rfc3720[i].crc, crc32c_bitwise(buf, 32));
	}
	/* ISA-L and the definition agree at every length and alignment. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	for (len = 0; len < 520; len++)
		for (j = 0; j < 8; j++)
			ASSERT_EQ(crc32c_bitwise(buf + j, len),
				  sl_crc32c(0, buf + j, len));
	/* Feeding in pieces gives the one-call result. */
	for (i = 0; i <= 100; i++)
		ASSERT_EQ(sl_crc32c(0, buf, 100),
			  sl_crc32c(sl_crc32c(0, buf, i), buf + i, 100 - i));
}

TEST(frame_layout_and_partial_parse)
{
	struct sl_pbuf b;
	struct sl_frame f;
	char err[256];
	size_t i;

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	ASSERT_EQ(0, sl_frame_encode(&b, 7, "abcd", 4, err, sizeof(err)));
	ASSERT_EQ(0, sl_frame_encode(&b, 12, NULL, 0, err, sizeof(err)));
	ASSERT_EQ(20u + 16, b.len);
	ASSERT_EQ(0, memcmp(b.data, "SLKP\x01\x07\x00\x00\x04\x00\x00\x00", 12));
	ASSERT_EQ(sl_crc32c(sl_crc32c(0, b.data, 12), "abcd", 4),
		  sl_le32(b.data + 12));
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, sl_frame_parse(b.data, i, &f, err, sizeof(err)));
	ASSERT_EQ(20, sl_frame_parse(b.data, b.len, &f, err, sizeof(err)));
	ASSERT_EQ(7, f.type);
	ASSERT_EQ(4u, f.len);
	ASSERT_EQ(0, memcmp(f.payload, "abcd", 4));
	ASSERT_EQ(16, sl_frame_parse(b.data + 20, 16, &f, err, sizeof(err)));
	ASSERT_EQ(12, f.type);
	ASSERT_EQ(0u, f.len);
	sl_pbuf_free(&b);
}

/* Write buf to a pipe (and close it), read one frame back. */
static int read_back(const void *buf, size_t len, struct sl_frame *f,
		     char *err, size_t errlen)
{
	int p[2], rc;

	if (pipe(p))
		return -errno;
	if (write(p[1], buf, len) != (ssize_t)len)
		return -EIO;
	close(p[1]);
	rc = sl_frame_read(p[0], f, err, errlen);
	close(p[0]);
	return rc;
}

TEST(frame_header_errors)
{
	static const struct {
		int at, len; const char *bytes; int rc; const char *msg;
	} bad[] = {
		{ 0, 4, "SLKQ", -EBADMSG, "bad magic 0x534c4b51 (\"SLKQ\")" },
		{ 0, 4, "Welc", -EBADMSG, "does not speak the softlock protocol" },
		{ 4, 1, "\x02", -EPROTONOSUPPORT, "unsupported frame version 2" },
		{ 4, 1, "\x00", -EPROTONOSUPPORT, "unsupported frame version 0" },
		{ 6, 2, "\x01\x00", -EPROTO, "bad frame flags 0x0001" },
		{ 6, 2, "\x00\x80", -EPROTO, "bad frame flags 0x8000" },
		{ 8, 4, "\x01\x10\x00\x01", -EMSGSIZE,
		  "frame too large: 16781313 bytes (limit 16781312)" },
		{ 8, 4, "\xff\xff\xff\xff", -EMSGSIZE,
		  "frame too large: 4294967295 bytes" },
	};
	struct sl_pbuf b;
	struct sl_frame f;
	char err[256];
	size_t i;

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_pbuf_reset(&b);
		ASSERT_EQ(0, sl_frame_encode(&b, 1, "payload!", 8, err, 256));
		memcpy(b.data + bad[i].at, bad[i].bytes, bad[i].len);
		/* Refused from the header alone: no wait for the payload. */
		err[0] = '\0';
		ASSERT_EQ(bad[i].rc, sl_frame_parse(b.data, 16, &f, err, 256));
		ASSERT_NE(NULL, strstr(err, bad[i].msg)) TH_LOG("%s", err);
		err[0] = '\0';
		ASSERT_EQ(bad[i].rc, read_back(b.data, b.len, &f, err, 256));
		ASSERT_NE(NULL, strstr(err, bad[i].msg)) TH_LOG("%s", err);
	}
	sl_frame_free(&f);
	sl_pbuf_free(&b);
}

TEST(frame_any_changed_byte_is_refused)
{
	struct sl_pbuf b;
	struct sl_frame f;
	uint8_t copy[128];
	char err[256];
	size_t i;
	int x, rc;

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	hello(&b, SL_ROLE_SOURCE, 1, 1, "rel-7");
	ASSERT_EQ(0, sl_msg_end(&b, NULL, err, sizeof(err)));
	ASSERT_LT(b.len, sizeof(copy));
	for (i = 0; i < b.len; i++) {
		for (x = 1; x < 256; x++) {
			memcpy(copy, b.data, b.len);
			copy[i] ^= x;
			rc = sl_frame_parse(copy, b.len, &f, err, sizeof(err));
			if (i < 4) {
				ASSERT_EQ(-EBADMSG, rc);
			} else if (i == 4) {
				ASSERT_EQ(-EPROTONOSUPPORT, rc);
			} else if (i == 6 || i == 7) {
				ASSERT_EQ(-EPROTO, rc);
			} else if (i >= 8 && i < 12) {
				/* A longer length waits for more bytes. */
				ASSERT_TRUE(rc == -EILSEQ || rc == -EMSGSIZE ||
					    rc == 0) TH_LOG("byte %zu: %d", i, rc);
			} else {
				ASSERT_EQ(-EILSEQ, rc) TH_LOG("byte %zu", i);
			}
		}
		/* Through a pipe the stream then ends: never a frame. */
		rc = read_back(copy, b.len, &f, err, sizeof(err));
		ASSERT_LT(rc, 0);
		if (i >= 12)
			ASSERT_NE(NULL, strstr(err, "crc mismatch"));
	}
	sl_frame_free(&f);
	sl_pbuf_free(&b);
}

TEST(frame_truncated_and_clean_eof)
{
	struct sl_pbuf b;
	struct sl_frame f;
	char err[256];
	size_t cut;
	int p[2];

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	ASSERT_EQ(0, sl_frame_encode(&b, 3, "0123456789abcdef", 16, err, 256));
	ASSERT_EQ(SL_FRAME_EOF, read_back(b.data, 0, &f, err, sizeof(err)));
	for (cut = 1; cut < b.len; cut++) {
		ASSERT_EQ(-ECONNRESET, read_back(b.data, cut, &f, err, 256));
		ASSERT_NE(NULL, strstr(err, cut < 16 ? "inside a frame header" :
					    "inside a frame payload"));
	}
	ASSERT_NE(NULL, strstr(err, "(15 of 16 bytes)"));
	/* Two frames then the end: OK, OK, EOF, EOF. */
	ASSERT_EQ(0, sl_frame_encode(&b, 4, NULL, 0, err, sizeof(err)));
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ((ssize_t)b.len, write(p[1], b.data, b.len));
	close(p[1]);
	ASSERT_EQ(SL_FRAME_OK, sl_frame_read(p[0], &f, err, sizeof(err)));
	ASSERT_EQ(3, f.type);
	ASSERT_EQ(0, memcmp(f.payload, "0123456789abcdef", 16));
	ASSERT_EQ(SL_FRAME_OK, sl_frame_read(p[0], &f, err, sizeof(err)));
	ASSERT_EQ(4, f.type);
	ASSERT_EQ(SL_FRAME_EOF, sl_frame_read(p[0], &f, err, sizeof(err)));
	ASSERT_EQ(SL_FRAME_EOF, sl_frame_read(p[0], &f, err, sizeof(err)));
	close(p[0]);
	sl_frame_free(&f);
	sl_pbuf_free(&b);
}

TEST(frame_read_short_reads_and_eintr)
{
	struct sl_pbuf b;
	struct sl_frame f;
	char err[256];
	int p[2], st;
	size_t i;
	pid_t pid;

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	ASSERT_EQ(0, sl_frame_encode(&b, 9, "drip, drip, drip", 16, err, 256));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	if (!pid) {
		/* One byte at a time, slowly: every read is short. */
		for (i = 0; i < b.len; i++) {
			usleep(2000);
			if (write(p[1], b.data + i, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	interrupt_every(300);
	ASSERT_EQ(SL_FRAME_OK, sl_frame_read(p[0], &f, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, memcmp(f.payload, "drip, drip, drip", 16));
	stop_interrupts();
	ASSERT_GT(ticks, 10);
	ASSERT_EQ(SL_FRAME_EOF, sl_frame_read(p[0], &f, err, sizeof(err)));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, st);
	sl_frame_free(&f);
	sl_pbuf_free(&b);
}

TEST(frame_write_partial_eintr_and_epipe)
{
	struct sl_pbuf b;
	struct sl_frame f;
	char err[256];
	int p[2], st;
	pid_t pid;
	uint8_t *d;
	uint32_t i;

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	sl_frame_begin(&b, 7);
	d = sl_pbuf_put(&b, NULL, 8 * MiB);
	ASSERT_NE(NULL, d);
	for (i = 0; i < 8 * MiB; i++)
		d[i] = pattern(i);
	ASSERT_EQ(0, sl_frame_end(&b, err, sizeof(err)));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	if (!pid) {
		/* A slow reader keeps the writer blocked, to be interrupted. */
		close(p[1]);
		usleep(50000);
		if (sl_frame_read(p[0], &f, err, sizeof(err)) != SL_FRAME_OK)
			_exit(1);
		for (i = 0; i < f.len; i++)
			if (f.payload[i] != pattern(i))
				_exit(2);
		_exit(f.len == 8 * MiB ? 0 : 3);
	}
	close(p[0]);
	interrupt_every(200);
	ASSERT_EQ(0, sl_frame_write(p[1], &b, err, sizeof(err))) TH_LOG("%s", err);
	stop_interrupts();
	ASSERT_GT(ticks, 0);
	close(p[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, st);

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe(p));
	close(p[0]);
	ASSERT_EQ(-EPIPE, sl_frame_write(p[1], &b, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "the peer closed the connection"));
	close(p[1]);
	sl_frame_free(&f);
	sl_pbuf_free(&b);
}

TEST(frame_size_limit)
{
	struct sl_pbuf b;
	struct sl_frame f;
	char err[256];

	sl_pbuf_init(&b);
	sl_frame_init(&f);
	sl_frame_begin(&b, 7);
	ASSERT_NE(NULL, sl_pbuf_put(&b, NULL, SL_FRAME_MAX));
	ASSERT_EQ(0, sl_frame_end(&b, err, sizeof(err)));
	ASSERT_EQ((long)b.len, sl_frame_parse(b.data, b.len, &f, err, 256));
	ASSERT_EQ(SL_FRAME_MAX, f.len);
	sl_frame_begin(&b, 7);
	ASSERT_NE(NULL, sl_pbuf_put(&b, NULL, SL_FRAME_MAX - 1));
	ASSERT_EQ(NULL, sl_pbuf_put(&b, "xy", 2));
	ASSERT_EQ(NULL, sl_pbuf_put(&b, "x", 1));	/* sticky */
	ASSERT_EQ(-EMSGSIZE, sl_frame_end(&b, err, sizeof(err)));
	ASSERT_STREQ("frame too large: 16781313 bytes (limit 16781312)", err);
	ASSERT_EQ(-EMSGSIZE, sl_frame_write(1, &b, err, sizeof(err)));
	sl_pbuf_reset(&b);
	sl_frame_begin(&b, 1);
	ASSERT_EQ(-EINVAL, sl_frame_write(1, &b, err, sizeof(err)));
	sl_frame_begin(&b, 1);	/* a frame in a frame */
	ASSERT_EQ(-EINVAL, sl_frame_end(&b, err, sizeof(err)));
	sl_pbuf_free(&b);
}

/* The whole session both ways round: push and pull differ in HELLO only. */
FIXTURE(mode) {
	struct duo d;
};

FIXTURE_VARIANT(mode) {
	bool pull;		/* the destination initiates */
};

FIXTURE_VARIANT_ADD(mode, push) {
	.pull = false,
};

FIXTURE_VARIANT_ADD(mode, pull) {
	.pull = true,
};

FIXTURE_SETUP(mode)
{
	/* The first DATA as big as a frame allows. */
	ASSERT_EQ(SESSION_FRAMES, duo_init(&self->d, variant->pull, SL_DATA_MAX))
		TH_LOG("%s", self->d.err);
}

FIXTURE_TEARDOWN(mode)
{
	duo_free(&self->d);
}

TEST_F(mode, every_message_round_trips_through_a_pipe)
{
	struct sl_proto_state *src = &self->d.src, *dst = &self->d.dst;
	struct sl_pbuf *b = &self->d.happy;
	bool *from_src = self->d.from_src;
	int n = self->d.n, i, fd[2], st;
	struct sl_frame f;
	struct sl_msg m, e;
	char err[512];
	const char *s;
	const void *p;
	uint32_t u, len, seen = 0, locksets = 0;
	uint64_t v;
	size_t off = 0, pos;
	pid_t pid;

	sl_frame_init(&f);
	/* ERROR ends a session, so it travels apart: it is checked here. */
	sl_msg_begin(b, SL_MSG_ERROR);
	sl_msg_put_u32(b, SL_A_CODE, ENOSPC);
	sl_msg_put_str(b, SL_A_MESSAGE, "vg1: 3 GiB free, 20 MiB needed");
	ASSERT_EQ(0, sl_msg_end(b, NULL, err, sizeof(err)));
	ASSERT_EQ(0, pipe(fd));
	pid = fork();
	if (!pid) {
		close(fd[0]);
		_exit(sl_frame_write(fd[1], b, err, sizeof(err)) ? 1 : 0);
	}
	close(fd[1]);
	for (i = 0; i <= n; i++) {
		ASSERT_EQ(SL_FRAME_OK, sl_frame_read(fd[0], &f, err, 512))
			TH_LOG("%s", err);
		/* Byte for byte what was encoded. */
		ASSERT_EQ(0, memcmp(b->data + off, f.hdr, 16));
		ASSERT_EQ(0, memcmp(b->data + off + 16, f.payload, f.len));
		off += 16 + f.len;
		ASSERT_EQ(0, sl_msg_decode(&f, &m, err, sizeof(err)))
			TH_LOG("%s", err);
		seen |= 1u << m.type;
		if (i == n)
			break;
		ASSERT_EQ(0, sl_proto_sent(from_src[i] ? src : dst, &m, err, 512))
			TH_LOG("frame %d: %s", i, err);
		ASSERT_EQ(0, sl_proto_recv(from_src[i] ? dst : src, &m, err, 512))
			TH_LOG("frame %d: %s", i, err);
		ASSERT_EQ(src->st, dst->st);
		switch (m.type) {
		case SL_MSG_HELLO:
			ASSERT_EQ(variant->pull, !from_src[i]);
			ASSERT_EQ(0, sl_msg_get_str(&m, SL_A_HOST, &s));
			ASSERT_STREQ("hostA.example", s);
			ASSERT_EQ(0, sl_msg_get_str(&m, SL_A_VOLUME, &s));
			ASSERT_STREQ(VOLUME, s);
			ASSERT_EQ(0, sl_msg_get_u32(&m, SL_A_ROLE, &u));
			ASSERT_EQ((uint32_t)(variant->pull ? SL_ROLE_DESTINATION :
							     SL_ROLE_SOURCE), u);
			break;
		case SL_MSG_LOCKSET:
			/* Upstream: the destination's set, 3 before, 2 after. */
			ASSERT_FALSE(from_src[i]);
			ASSERT_EQ(0, sl_msg_get_u32(&m, SL_A_PHASE, &u));
			ASSERT_EQ((uint32_t)(locksets ? SL_PHASE_AFTER : SL_PHASE_BEFORE), u);
			ASSERT_EQ(locksets ? 2u : 3u, m.entries);
			locksets++;
			for (pos = 0, u = 0; sl_msg_next_entry(&m, &pos, &e) == 1; u++) {
				ASSERT_EQ(0, sl_msg_get_str(&e, SL_A_GLOBAL_ID, &s));
				ASSERT_STREQ(u % 2 ? ID2 : ID1, s);
				ASSERT_EQ(u % 2 ? -ENOENT : 0,
					  sl_msg_get_str(&e, SL_A_DATASET, &s));
			}
			ASSERT_EQ(m.entries, u);
			break;
		case SL_MSG_OFFER:
			ASSERT_EQ(4, i);
			ASSERT_EQ(0, sl_msg_get_bytes(&m, SL_A_BASE_FINGERPRINT, &p, &len));
			ASSERT_EQ(0, sl_msg_get_u64(&m, SL_A_SIZE, &v));
			ASSERT_EQ(20u * MiB, v);
			break;
		case SL_MSG_DATA:
			ASSERT_EQ(0, sl_msg_get_u64(&m, SL_A_OFFSET, &v));
			ASSERT_EQ(0, sl_msg_get_bytes(&m, SL_A_DATA, &p, &len));
			for (u = 0; u < len; u++)
				ASSERT_EQ(pattern(v + u), ((const uint8_t *)p)[u]);
			break;
		}
	}
	ASSERT_EQ(2u, locksets);
	ASSERT_EQ(0, sl_msg_get_u32(&m, SL_A_CODE, &u));
	ASSERT_EQ((uint32_t)ENOSPC, u);
	/* Every type an update session has: VERIFY and SUMS* are not. */
	ASSERT_EQ((1u << (SL_MSG_BYE + 1)) - 2, seen);
	ASSERT_EQ(SL_FRAME_EOF, sl_frame_read(fd[0], &f, err, sizeof(err)));
	ASSERT_TRUE(sl_proto_finished(src));
	ASSERT_TRUE(sl_proto_finished(dst));
	ASSERT_EQ(0, sl_proto_eof(dst, err, sizeof(err)));
	ASSERT_EQ(0, sl_proto_eof(src, err, sizeof(err)));
	ASSERT_EQ((uint8_t)SL_ROLE_DESTINATION, dst->self);
	ASSERT_EQ((uint8_t)SL_ROLE_SOURCE, src->self);
	ASSERT_EQ(variant->pull, dst->initiator);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, st);
	close(fd[0]);
	sl_frame_free(&f);
}

/*
 * The happy session, frame by frame: both sides in the same step, named
 * as the engine logs it, and end of stream clean only at the end.
 */
TEST_F(mode, steps_of_the_one_offer_session)
{
	static const struct {
		uint8_t st;
		const char *name;
	} step[SESSION_FRAMES + 1] = {
		{ SL_ST_HELLO, "hello" }, { SL_ST_HELLO_ACK, "hello-ack" },
		{ SL_ST_LOCKSET_BEFORE, "lockset-before" },
		{ SL_ST_ACK_BEFORE, "ack-before" }, { SL_ST_OFFER, "offer" },
		{ SL_ST_ACCEPT, "accept" }, { SL_ST_STREAM, "stream" },
		{ SL_ST_STREAM, "stream" }, { SL_ST_STREAM, "stream" },
		{ SL_ST_STREAM, "stream" }, { SL_ST_PUBLISHED, "published" },
		{ SL_ST_LOCKSET_AFTER, "lockset-after" },
		{ SL_ST_ACK_AFTER, "ack-after" }, { SL_ST_BYE, "bye" },
		{ SL_ST_BYE_REPLY, "bye-reply" }, { SL_ST_CLOSED, "closed" },
	};
	struct duo *d = &self->d;
	int k;

	ASSERT_EQ(SL_ST_CLOSED, step[SESSION_FRAMES].st);	/* all filled in */
	for (k = 0; k <= d->n; k++) {
		duo_start(d);
		ASSERT_EQ(0, replay(d, k)) TH_LOG("frame %d: %s", k, d->err);
		EXPECT_EQ(step[k].st, d->src.st) TH_LOG("after %d frames", k);
		EXPECT_EQ(step[k].st, d->dst.st) TH_LOG("after %d frames", k);
		EXPECT_STREQ(step[k].name, sl_proto_step_name(&d->src));
		EXPECT_STREQ(step[k].name, sl_proto_step_name(&d->dst));
		EXPECT_EQ(k == d->n, sl_proto_finished(&d->dst));
		EXPECT_EQ(k == d->n ? 0 : -ECONNRESET,
			  sl_proto_eof(&d->src, d->err, sizeof(d->err)));
	}
	ASSERT_EQ((uint8_t)SL_ROLE_SOURCE, d->src.self);
	ASSERT_EQ((uint8_t)SL_ROLE_DESTINATION, d->dst.self);
	/* The offer outlives PUBLISHED, for the engine's checkpoints. */
	ASSERT_STREQ(ID2, d->src.global_id);
	ASSERT_EQ(20u * MiB, d->dst.size);
	d->src.st = SL_ST_FAILED;
	ASSERT_STREQ("failed", sl_proto_step_name(&d->src));
	d->src.st = SL_ST_FAILED + 1;
	ASSERT_STREQ("invalid", sl_proto_step_name(&d->src));
	d->src.st = 255;
	ASSERT_STREQ("invalid", sl_proto_step_name(&d->src));
}

TEST_HARNESS_MAIN
