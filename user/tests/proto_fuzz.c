// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the peer-protocol codec: sl_frame_parse(), message
 * decoding and the session state machine, under ASan and UBSan.
 *
 *   make -C user fuzz [FUZZ_SECONDS=60]
 *   (clang -fsanitize=fuzzer,address,undefined; apt-get install clang)
 *
 * The first input byte picks how the rest is used (its value modulo 3),
 * and whether the source initiates (push) or the destination (pull; the
 * next bit up):
 *   0  a raw byte stream, parsed frame after frame (CRCs must be right);
 *   1  a message type and a payload, framed here with a valid CRC, so
 *      the attribute parser is reached without guessing checksums;
 *   2  edits to the happy one-OFFER session of proto_build.h, or to its
 *      happy verify session (the next bit up again; drop or repeat a
 *      frame, swap sender and receiver, flip payload bytes, CRCs fixed
 *      up), so that the state machine is driven deep with nearly valid
 *      messages.
 * Besides the sanitizers, it aborts when an invariant breaks: a parse that
 * claims more bytes than it had, a decoded message whose attributes cannot
 * be read back, an unterminated error message, the two ends of a session
 * disagreeing on its state after both accepted a message, a second OFFER
 * accepted, or the unedited happy session not ending cleanly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../proto/state.h"
#include "proto_build.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "%s\n", #x); abort(); } } while (0)

/* Every attribute of a decoded message reads back through its getter. */
static void read_back(const struct sl_msg *m)
{
	const void *p;
	const char *s;
	uint32_t u, len;
	uint64_t v;
	struct sl_msg e;
	size_t pos = 0;
	uint32_t n = 0;
	int a, rc;

	for (a = 1; a <= SL_A_MAX; a++) {
		if (!m->attr[a])
			continue;
		rc = sl_msg_get_u32(m, a, &u);
		if (rc)
			rc = sl_msg_get_u64(m, a, &v);
		if (rc && !sl_msg_get_str(m, a, &s)) {
			CHECK(strlen(s) <= SL_MESSAGE_MAX);
			rc = 0;
		}
		if (rc)
			rc = sl_msg_get_bytes(m, a, &p, &len);
		CHECK(!rc || a == SL_A_ENTRY);
	}
	while ((rc = sl_msg_next_entry(m, &pos, &e)) == 1) {
		CHECK(!sl_msg_get_str(&e, SL_A_GLOBAL_ID, &s));
		CHECK(strlen(s) == SL_UUID_LEN);
		n++;
	}
	CHECK(rc == 0 && n == m->entries);
}

/*
 * Both ends take the message: its usual sender records it, the other one
 * checks it; flip makes the other side the sender, to reach the refusals.
 * After a refusal a real session is over, so the caller stops playing.
 */
static bool play(struct sl_proto_state *src, struct sl_proto_state *dst,
		 const struct sl_msg *m, bool flip)
{
	bool from_src = true;
	uint32_t lo, hi, v;
	char err[512];
	int a, b;

	switch (m->type) {
	case SL_MSG_LOCKSET:
	case SL_MSG_ACCEPT:
	case SL_MSG_PUBLISHED:
		from_src = false;
		break;
	case SL_MSG_HELLO_ACK:
		from_src = !src->initiator;
		break;
	case SL_MSG_VERIFY:
		from_src = src->initiator;
		break;
	case SL_MSG_SUMS:
	case SL_MSG_SUMS_DONE:
		from_src = !src->initiator;
		break;
	case SL_MSG_BYE:
		/*
		 * An update's destination says BYE first, the source replies;
		 * a verify session's initiator first, the responder replies.
		 */
		if (src->purpose == SL_PURPOSE_VERIFY)
			from_src = src->initiator == (src->st == SL_ST_VERIFY_BYE);
		else
			from_src = src->st == SL_ST_BYE_REPLY;
		break;
	case SL_MSG_HELLO:
		from_src = src->initiator;
		CHECK(!sl_msg_get_u32(m, SL_A_VERSION_MIN, &lo) &&
		      !sl_msg_get_u32(m, SL_A_VERSION_MAX, &hi));
		if (!sl_proto_pick_version(lo, hi, &v, err, sizeof(err)))
			CHECK(v >= lo && v <= hi && v <= SL_PROTO_VERSION);
		break;
	}
	from_src ^= flip;
	err[0] = '\0';
	sl_proto_expect(from_src ? dst : src, m->type, err, sizeof(err));
	CHECK(memchr(err, 0, sizeof(err)));
	a = sl_proto_sent(from_src ? src : dst, m, err, sizeof(err));
	CHECK(memchr(err, 0, sizeof(err)));
	b = sl_proto_recv(from_src ? dst : src, m, err, sizeof(err));
	CHECK(memchr(err, 0, sizeof(err)));
	if (!a && !b)
		CHECK(src->st == dst->st);
	return !a && !b;
}

/* Play a byte stream of frames; whether the session ended cleanly. */
static bool stream(const uint8_t *p, size_t n, bool pull, uint32_t flips)
{
	struct sl_proto_state src, dst;
	struct sl_frame f;
	struct sl_msg m;
	char err[512];
	bool live = true;
	int i = 0, offers = 0;
	long r;

	sl_proto_init(&src, !pull, SL_ROLE_SOURCE);
	sl_proto_init(&dst, pull, pull ? SL_ROLE_DESTINATION : 0);
	sl_frame_init(&f);
	for (;;) {
		err[0] = '\0';
		r = sl_frame_parse(p, n, &f, err, sizeof(err));
		CHECK(memchr(err, 0, sizeof(err)));
		if (r <= 0)
			break;
		CHECK((size_t)r <= n && (size_t)r == SL_FRAME_HDR_LEN + f.len);
		if (!sl_msg_decode(&f, &m, err, sizeof(err))) {
			read_back(&m);
			if (live)
				live = play(&src, &dst, &m,
					    flips >> (i++ & 31) & 1);
			/* Exactly one OFFER per session, never a second. */
			if (live && m.type == SL_MSG_OFFER)
				CHECK(++offers == 1);
		}
		CHECK(memchr(err, 0, sizeof(err)));
		p += r;
		n -= r;
	}
	CHECK(!sl_proto_eof(&src, err, sizeof(err)) == (src.st >= SL_ST_CLOSED));
	CHECK(!sl_proto_eof(&dst, err, sizeof(err)) == (dst.st >= SL_ST_CLOSED));
	CHECK(!live || src.st == dst.st);
	CHECK(sl_proto_finished(&src) == (src.st == SL_ST_CLOSED));
	CHECK(strcmp(sl_proto_step_name(&src), "invalid"));
	CHECK(strcmp(sl_proto_step_name(&dst), "invalid"));
	return live && sl_proto_finished(&src);
}

static void payload(const uint8_t *p, size_t n, bool pull)
{
	struct sl_pbuf b;
	char err[512];

	sl_pbuf_init(&b);
	if (!sl_frame_encode(&b, p[0], p + 1, n - 1, err, sizeof(err)))
		CHECK(!stream(b.data, b.len, pull, 0));	/* one frame */
	sl_pbuf_free(&b);
}

/* Frame boundaries of a well-formed buffer. */
static int frames(const struct sl_pbuf *b, size_t *at, int max)
{
	size_t off = 0;
	int i = 0;

	while (off < b->len && i < max) {
		at[i++] = off;
		off += SL_FRAME_HDR_LEN + sl_le32(b->data + off + 8);
	}
	return i;
}

static void session_edit(const uint8_t *p, size_t n, bool pull, bool verify)
{
	struct sl_pbuf b, out;
	size_t at[32], len, k;
	bool from_src[32];
	char err[512];
	int i, count;
	uint32_t flips;
	bool edited, finished;
	uint8_t *h;

	sl_pbuf_init(&b);
	sl_pbuf_init(&out);
	if (n < 6)
		goto out;
	if (verify ? verify_session(&b, pull, from_src, err, sizeof(err)) < 0 :
		     session(&b, 4096, pull, from_src, err, sizeof(err)) < 0)
		goto out;
	count = frames(&b, at, 32);
	flips = p[2] | p[3] << 8 | p[4] << 16 | (uint32_t)p[5] << 24;
	edited = p[0] % 32 < count || p[1] % 32 < count || flips || n >= 9;
	/* p[0]: frame to drop, p[1]: frame to send twice. */
	for (i = 0; i < count; i++) {
		len = (i + 1 < count ? at[i + 1] : b.len) - at[i];
		if (i == p[0] % 32)
			continue;
		sl_pbuf_put(&out, b.data + at[i], len);
		if (i == p[1] % 32)
			sl_pbuf_put(&out, b.data + at[i], len);
	}
	if (out.err)
		goto out;
	count = frames(&out, at, 32);
	/*
	 * p[2..5] (flips): whose message each one is taken to be (bit set:
	 * flipped). Then (u16 position, u8 xor) edits to payload bytes.
	 */
	for (k = 6; count && k + 3 <= n; k += 3) {
		size_t pos = (p[k] | p[k + 1] << 8) % out.len;

		for (i = 0; i < count; i++)
			if (pos >= at[i] && pos < at[i] + SL_FRAME_HDR_LEN)
				pos = -1;
		if (pos != (size_t)-1)
			out.data[pos] ^= p[k + 2];
	}
	for (i = 0; i < count; i++) {
		h = out.data + at[i];
		sl_put_le32(h + 12, 0);
		out.frame = at[i];	/* reopen and close it: a fresh crc */
		len = (i + 1 < count ? at[i + 1] : out.len) - at[i];
		k = out.len;
		out.len = at[i] + len;
		sl_frame_end(&out, err, sizeof(err));
		out.len = k;
	}
	finished = stream(out.data, out.len, pull, flips);
	/* Nothing dropped, repeated, flipped or changed: BYE both ways. */
	CHECK(finished || edited);
out:
	sl_pbuf_free(&b);
	sl_pbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool pull;

	if (!size)
		return 0;
	pull = data[0] / 3 & 1;
	switch (data[0] % 3) {
	case 0:
		stream(data + 1, size - 1, pull, 0);
		break;
	case 1:
		if (size >= 2)
			payload(data + 1, size - 1, pull);
		break;
	case 2:
		session_edit(data + 1, size - 1, pull, data[0] / 6 & 1);
		break;
	}
	return 0;
}
