/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message builders for the peer-protocol tests (proto_test.c,
 * proto_msg_test.c) and the fuzzer's session edits (proto_fuzz.c): each
 * appends one valid message to a buffer; the caller ends it with
 * sl_msg_end(). Then the happy session, and the two ends of one to drive
 * with it. Header-only, as every user is one test program.
 */
#ifndef SL_PROTO_BUILD_H
#define SL_PROTO_BUILD_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../proto/msg.h"
#include "../proto/state.h"

#define ID1 "0f8a3c2e-5b1d-4e6f-9a7b-1c2d3e4f5a6b"
#define ID2 "7d9e0f1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"
#define MiB (1024 * 1024)
#define VOLUME "vgB/vol"	/* the responder's volume HELLO asks for */
/* The frames session() writes: HELLO to the BYE reply, with one OFFER. */
#define SESSION_FRAMES 15
/* The frames verify_session() writes, and what its SUMS_DONE says. */
#define VERIFY_FRAMES 8
#define VERIFY_SIZE (4 * MiB + 4096)	/* 5 chunks, the last one short */

/* Close a frame built without the policy check, parse it, decode it. */
static inline int decode_raw(struct sl_pbuf *b, char *err, size_t errlen)
{
	struct sl_frame f;
	struct sl_msg m;
	int rc = sl_frame_end(b, err, errlen);

	sl_frame_init(&f);
	if (!rc && sl_frame_parse(b->data, b->len, &f, err, errlen) != (long)b->len)
		rc = -EIO;
	return rc ? rc : sl_msg_decode(&f, &m, err, errlen);
}

/* The message built by the statements must be refused with msg. */
#define BAD(msg, ...) do {						\
		sl_pbuf_reset(&b);					\
		__VA_ARGS__;						\
		err[0] = '\0';						\
		EXPECT_EQ(-EBADMSG, decode_raw(&b, err, sizeof(err)));	\
		EXPECT_STREQ(msg, err);					\
	} while (0)

static inline uint8_t pattern(uint64_t at)
{
	return (uint8_t)(at * 2654435761u >> 13);
}

/* A HELLO asking for volume, or without VOLUME when it is NULL. */
static inline void hello_volume(struct sl_pbuf *b, uint32_t role, uint32_t lo,
				uint32_t hi, const char *rel,
				const char *volume)
{
	sl_msg_begin(b, SL_MSG_HELLO);
	sl_msg_put_u32(b, SL_A_VERSION_MIN, lo);
	sl_msg_put_u32(b, SL_A_VERSION_MAX, hi);
	sl_msg_put_u32(b, SL_A_ROLE, role);
	sl_msg_put_str(b, SL_A_HOST, "hostA.example");
	sl_msg_put_str(b, SL_A_RELATIONSHIP, rel);
	if (volume)
		sl_msg_put_str(b, SL_A_VOLUME, volume);
}

static inline void hello(struct sl_pbuf *b, uint32_t role, uint32_t lo,
			 uint32_t hi, const char *rel)
{
	hello_volume(b, role, lo, hi, rel, VOLUME);
}

/* A version-1 HELLO for a session of this purpose. */
static inline void hello_purpose(struct sl_pbuf *b, uint32_t role,
				 uint32_t purpose)
{
	hello(b, role, 1, 1, "rel-7");
	sl_msg_put_u32(b, SL_A_PURPOSE, purpose);
}

static inline void verify_msg(struct sl_pbuf *b, const char *id,
			      uint32_t chunk)
{
	sl_msg_begin(b, SL_MSG_VERIFY);
	sl_msg_put_str(b, SL_A_GLOBAL_ID, id);
	sl_msg_put_u32(b, SL_A_CHUNK, chunk);
}

/* SUMS at off with n sums (any values: the codec does not read them). */
static inline void sums_msg(struct sl_pbuf *b, uint64_t off, uint32_t n)
{
	uint8_t *p;

	sl_msg_begin(b, SL_MSG_SUMS);
	sl_msg_put_u64(b, SL_A_OFFSET, off);
	p = sl_msg_put_space(b, SL_A_SUMS, 4 * (size_t)n);
	for (uint32_t i = 0; p && i < 4 * n; i++)
		p[i] = pattern(off + i);
}

static inline void sums_done(struct sl_pbuf *b, uint64_t size, uint32_t count)
{
	sl_msg_begin(b, SL_MSG_SUMS_DONE);
	sl_msg_put_u64(b, SL_A_SIZE, size);
	sl_msg_put_u32(b, SL_A_COUNT, count);
}

static inline void u32_msg(struct sl_pbuf *b, int type, uint16_t attr, uint32_t v)
{
	sl_msg_begin(b, type);
	sl_msg_put_u32(b, attr, v);
	if (type == SL_MSG_HELLO_ACK)
		sl_msg_put_str(b, SL_A_HOST, "hostB");
}

static inline void entry(struct sl_pbuf *b, const char *id, uint32_t type,
		  const char *dataset)
{
	size_t n = sl_msg_nest_begin(b, SL_A_ENTRY);

	sl_msg_put_str(b, SL_A_GLOBAL_ID, id);
	sl_msg_put_str(b, SL_A_SNAPSHOT, "vg0/snap-1");
	sl_msg_put_u32(b, SL_A_LOCK_TYPE, type);
	sl_msg_put_str(b, SL_A_TEXT, "hostB:vg1/copy");
	if (dataset)
		sl_msg_put_str(b, SL_A_DATASET, dataset);
	sl_msg_nest_end(b, n);
}

static inline void lockset(struct sl_pbuf *b, uint32_t phase, uint64_t gen,
		    const char *rel, int entries)
{
	sl_msg_begin(b, SL_MSG_LOCKSET);
	sl_msg_put_str(b, SL_A_RELATIONSHIP, rel);
	sl_msg_put_u32(b, SL_A_PHASE, phase);
	sl_msg_put_u64(b, SL_A_GENERATION, gen);
	sl_msg_put_str(b, SL_A_DATASET, "hostB:vg1/copy");
	for (int i = 0; i < entries; i++)
		entry(b, i % 2 ? ID2 : ID1, 1 + i % 4, i % 2 ? NULL : "ds");
}

static inline void offer(struct sl_pbuf *b, uint64_t size, const char *id,
		  const char *base)
{
	uint8_t fp[SL_FINGERPRINT_LEN];

	memset(fp, 0xab, sizeof(fp));
	sl_msg_begin(b, SL_MSG_OFFER);
	sl_msg_put_str(b, SL_A_SNAPSHOT, "vg0/snap-2");
	sl_msg_put_str(b, SL_A_GLOBAL_ID, id);
	sl_msg_put_u64(b, SL_A_SIZE, size);
	sl_msg_put_u32(b, SL_A_CHUNK, 1 * MiB);
	if (base) {
		sl_msg_put_str(b, SL_A_BASE_GLOBAL_ID, base);
		sl_msg_put_bytes(b, SL_A_BASE_FINGERPRINT, fp, sizeof(fp));
	}
}

static inline void accept_(struct sl_pbuf *b, uint64_t resume, uint64_t checkpoint)
{
	sl_msg_begin(b, SL_MSG_ACCEPT);
	sl_msg_put_u64(b, SL_A_RESUME_OFFSET, resume);
	sl_msg_put_u64(b, SL_A_CHECKPOINT, checkpoint);
}

static inline void extent(struct sl_pbuf *b, int type, uint64_t off, uint64_t len)
{
	uint8_t *p;

	sl_msg_begin(b, type);
	sl_msg_put_u64(b, SL_A_OFFSET, off);
	if (type == SL_MSG_DISCARD) {
		sl_msg_put_u64(b, SL_A_LENGTH, len);
		return;
	}
	p = sl_msg_put_space(b, SL_A_DATA, len);
	for (uint64_t i = 0; p && i < len; i++)
		p[i] = pattern(off + i);
}

static inline void done(struct sl_pbuf *b, uint64_t bytes, uint64_t chunks)
{
	uint8_t fp[SL_FINGERPRINT_LEN];

	memset(fp, 0x5a, sizeof(fp));
	sl_msg_begin(b, SL_MSG_DONE);
	sl_msg_put_u64(b, SL_A_BYTES_SENT, bytes);
	sl_msg_put_u64(b, SL_A_CHUNKS, chunks);
	sl_msg_put_bytes(b, SL_A_FINGERPRINT, fp, sizeof(fp));
	/* Version 2: the transfer digest (mirror/digest.h). */
	sl_msg_put_bytes(b, SL_A_DIGEST, fp, sizeof(fp));
}

static inline void id_msg(struct sl_pbuf *b, const char *id)
{
	sl_msg_begin(b, SL_MSG_PUBLISHED);
	sl_msg_put_str(b, SL_A_GLOBAL_ID, id);
}

/*
 * The whole happy session written into b as the two sides would send it
 * (frame i came from the source when from_src[i]): push when the source
 * initiates, pull when the destination does; only HELLO and HELLO_ACK
 * change sides. The destination's lock set has 3 entries before and 2
 * after; the first DATA carries big bytes. Returns the frame count.
 */
static inline int session(struct sl_pbuf *b, uint32_t big, bool pull,
			  bool *from_src, char *err, size_t n)
{
	int i = 0, rc = 0;

#define SEND(src, build) do {					\
		build;						\
		from_src[i++] = src;				\
		if (!rc)					\
			rc = sl_msg_end(b, NULL, err, n);	\
	} while (0)
	SEND(!pull, hello(b, pull ? SL_ROLE_DESTINATION : SL_ROLE_SOURCE,
			  1, 1, "rel-7"));
	SEND(pull, u32_msg(b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1));
	SEND(0, lockset(b, SL_PHASE_BEFORE, 41, "rel-7", 3));
	SEND(1, u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 3));
	SEND(1, offer(b, 20 * MiB, ID2, ID1));
	SEND(0, accept_(b, 0, 7));
	SEND(1, extent(b, SL_MSG_DATA, 0, big));
	SEND(1, extent(b, SL_MSG_DISCARD, 16 * MiB, 1 * MiB));
	SEND(1, extent(b, SL_MSG_DATA, 17 * MiB, 4096));
	SEND(1, done(b, big + 4096, 3));
	SEND(0, id_msg(b, ID2));
	SEND(0, lockset(b, SL_PHASE_AFTER, 42, "rel-7", 2));
	SEND(1, u32_msg(b, SL_MSG_LOCKSET_ACK, SL_A_COUNT, 2));
	SEND(0, sl_msg_begin(b, SL_MSG_BYE));
	SEND(1, sl_msg_begin(b, SL_MSG_BYE));
#undef SEND
	return rc ? rc : i;
}

/*
 * The happy verify session in b, as session() does it: the source
 * initiates, or the destination when pull. The PCPI is ID1, VERIFY_SIZE
 * bytes in 1 MiB chunks: 3 sums, then 2 (the last chunk short).
 */
static inline int verify_session(struct sl_pbuf *b, bool pull,
				 bool *from_src, char *err, size_t n)
{
	int i = 0, rc = 0;

#define SEND(src, build) do {					\
		build;						\
		from_src[i++] = src;				\
		if (!rc)					\
			rc = sl_msg_end(b, NULL, err, n);	\
	} while (0)
	SEND(!pull, hello_purpose(b, pull ? SL_ROLE_DESTINATION :
				  SL_ROLE_SOURCE, SL_PURPOSE_VERIFY));
	SEND(pull, u32_msg(b, SL_MSG_HELLO_ACK, SL_A_VERSION, 1));
	SEND(!pull, verify_msg(b, ID1, MiB));
	SEND(pull, sums_msg(b, 0, 3));
	SEND(pull, sums_msg(b, 3 * MiB, 2));
	SEND(pull, sums_done(b, VERIFY_SIZE, 5));
	SEND(!pull, sl_msg_begin(b, SL_MSG_BYE));
	SEND(pull, sl_msg_begin(b, SL_MSG_BYE));
#undef SEND
	return rc ? rc : i;
}

/* Both ends of a session and the happy frames to replay into them. */
struct duo {
	struct sl_proto_state src, dst;
	struct sl_pbuf happy, b;
	bool pull;			/* the destination initiates */
	bool from_src[32];
	int n;
	char err[512];
};

/*
 * Both ends at the start of a session. A pushed-to destination takes the
 * role HELLO leaves it, a pulled-from source insists on its own: both
 * ways a responder can be started.
 */
static inline void duo_start(struct duo *d)
{
	sl_proto_init(&d->src, !d->pull, SL_ROLE_SOURCE);
	sl_proto_init(&d->dst, d->pull, d->pull ? SL_ROLE_DESTINATION : 0);
	sl_pbuf_reset(&d->b);
}

/* The happy session (first DATA of big bytes); its frame count. */
static inline int duo_init(struct duo *d, bool pull, uint32_t big)
{
	sl_pbuf_init(&d->happy);
	sl_pbuf_init(&d->b);
	d->pull = pull;
	d->n = session(&d->happy, big, pull, d->from_src, d->err,
		       sizeof(d->err));
	duo_start(d);
	return d->n;
}

static inline void duo_free(struct duo *d)
{
	sl_pbuf_free(&d->happy);
	sl_pbuf_free(&d->b);
}

/* Replay the first k happy frames into both sides. */
static inline int replay(struct duo *d, int k)
{
	struct sl_frame f;
	struct sl_msg m;
	long off = 0, r;
	int i, rc;

	sl_frame_init(&f);
	for (i = 0; i < k; i++, off += r) {
		r = sl_frame_parse(d->happy.data + off, d->happy.len - off, &f,
				   d->err, sizeof(d->err));
		if (r <= 0)
			return -EIO;
		rc = sl_msg_decode(&f, &m, d->err, sizeof(d->err));
		if (!rc)
			rc = sl_proto_sent(d->from_src[i] ? &d->src : &d->dst,
					   &m, d->err, sizeof(d->err));
		if (!rc)
			rc = sl_proto_recv(d->from_src[i] ? &d->dst : &d->src,
					   &m, d->err, sizeof(d->err));
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * End the message in d->b and hand it to the other side; when sent, the
 * sending side records it first, as a real sender would.
 */
static inline int pass(struct duo *d, bool from_src, bool sent)
{
	struct sl_proto_state *from = from_src ? &d->src : &d->dst;
	struct sl_proto_state *to = from_src ? &d->dst : &d->src;
	struct sl_msg m;
	int rc = sl_msg_end(&d->b, &m, d->err, sizeof(d->err));

	if (!rc && sent)
		rc = sl_proto_sent(from, &m, d->err, sizeof(d->err));
	if (!rc)
		rc = sl_proto_recv(to, &m, d->err, sizeof(d->err));
	sl_pbuf_reset(&d->b);
	return rc;
}

#endif /* SL_PROTO_BUILD_H */
