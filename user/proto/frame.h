/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer-protocol framing: every message travels as one frame on a byte
 * stream (an ssh or exec pipe), a 16-byte header and a payload.
 *
 *   0  magic "SLKP"       8  payload length, u32 LE
 *   4  version, u8 (1)       12 crc32c of bytes 0..11 then the payload, u32 LE
 *   5  type, u8
 *   6  flags, u16 LE (0 in v1)
 *
 * Documentation/protocol.rst describes the protocol; this is its codec.
 */
#ifndef SL_PROTO_FRAME_H
#define SL_PROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/err.h"

#define SL_PROTO_MAGIC		"SLKP"
/*
 * The header's version byte is the framing's, which has not changed
 * since 1. What the messages mean is the session's version, agreed in
 * HELLO: 2 added the transfer digest in DONE (a v1 peer cannot prove
 * what it sent, so this side speaks 2 only).
 */
#define SL_FRAME_VERSION	1
#define SL_PROTO_VERSION	2
#define SL_PROTO_VERSION_MIN	2
#define SL_FRAME_HDR_LEN	16
/* The largest DATA (16 MiB) plus room for its other attributes. */
#define SL_FRAME_MAX		(16u * 1024 * 1024 + 4096)

/*
 * Frame errors, as negative errno values (each also comes with a message):
 *   -EBADMSG          bad magic
 *   -EPROTONOSUPPORT  version byte other than SL_FRAME_VERSION
 *   -EPROTO           flags not 0
 *   -EMSGSIZE         payload longer than SL_FRAME_MAX
 *   -EILSEQ           crc mismatch (bytes changed in transit)
 *   -ECONNRESET       the stream ended inside a frame
 * and whatever read() or write() failed with (-EPIPE: the peer is gone).
 */

/*
 * An output buffer that frames and attributes are appended to. Appends
 * never fail one by one: the first failure (-ENOMEM, or -EMSGSIZE when a
 * frame would outgrow SL_FRAME_MAX) is kept in err, later appends do
 * nothing, and sl_frame_end() reports it. So building a message needs one
 * check, at its end.
 */
struct sl_pbuf {
	uint8_t *data;
	size_t len, cap;
	size_t frame;		/* header offset of the open frame, or SIZE_MAX */
	uint64_t want;		/* payload size that hit -EMSGSIZE, for the message */
	int err;
};

void sl_pbuf_init(struct sl_pbuf *b);
void sl_pbuf_free(struct sl_pbuf *b);
/* Empty the buffer (keeping its memory) and clear the error. */
void sl_pbuf_reset(struct sl_pbuf *b);
/*
 * Append n bytes (zeros when p is NULL); returns where they went, valid
 * until the next append, or NULL once the buffer has failed.
 */
void *sl_pbuf_put(struct sl_pbuf *b, const void *p, size_t n);

/*
 * Open a frame of the given type at the end of the buffer: frames can be
 * batched into one buffer and written with one sl_frame_write().
 */
void sl_frame_begin(struct sl_pbuf *b, uint8_t type);
/* Close the open frame: fill in its length and crc. 0 or -errno + err. */
int sl_frame_end(struct sl_pbuf *b, char *err, size_t errlen);
/* Append a whole frame: begin, payload, end. */
int sl_frame_encode(struct sl_pbuf *b, uint8_t type, const void *payload,
		    size_t len, char *err, size_t errlen);

/* One frame read or parsed; the payload is already checked by its crc. */
struct sl_frame {
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t len;			/* payload bytes */
	const uint8_t *payload;		/* never NULL, even when len is 0 */
	uint8_t hdr[SL_FRAME_HDR_LEN];	/* the header as received */
	uint8_t *buf;			/* sl_frame_read()'s storage, reused */
	size_t cap;
};

#define SL_FRAME_EOF	0	/* sl_frame_read(): clean end of stream */
#define SL_FRAME_OK	1	/* sl_frame_read(): one frame in *f */

void sl_frame_init(struct sl_frame *f);
void sl_frame_free(struct sl_frame *f);

/*
 * Read exactly one frame from a blocking fd. Returns SL_FRAME_OK,
 * SL_FRAME_EOF when the stream ended before the first byte of a frame, or
 * -errno with a message in err. f->payload points into f's own buffer and
 * stays valid until the next read into f.
 */
int sl_frame_read(int fd, struct sl_frame *f, char *err, size_t errlen);

/*
 * Parse one frame at the start of buf: returns the bytes it took (> 0),
 * 0 when buf holds only part of a frame (a header error is reported as soon
 * as the 16 header bytes are there, never after waiting for the payload),
 * or -errno with a message. f->payload then points into buf.
 */
long sl_frame_parse(const void *buf, size_t len, struct sl_frame *f,
		    char *err, size_t errlen);

/*
 * Write everything in b (one or more finished frames) to a blocking fd,
 * through short writes and EINTR. The caller ignores SIGPIPE, so a closed
 * peer shows up as -EPIPE. 0 or -errno with a message.
 */
int sl_frame_write(int fd, const struct sl_pbuf *b, char *err, size_t errlen);

/*
 * How long a peer may stay silent before a session gives up, in ms:
 * $SOFTLOCK_PEER_TIMEOUT seconds (default 300); -1 when it is 0 (for ever).
 */
int sl_peer_timeout_ms(void);

/* Little-endian loads and stores, for the codec and its tests. */
static inline uint16_t sl_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t sl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t sl_le64(const uint8_t *p)
{
	return (uint64_t)sl_le32(p) | (uint64_t)sl_le32(p + 4) << 32;
}

static inline void sl_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void sl_put_le32(uint8_t *p, uint32_t v)
{
	sl_put_le16(p, v);
	sl_put_le16(p + 2, v >> 16);
}

static inline void sl_put_le64(uint8_t *p, uint64_t v)
{
	sl_put_le32(p, v);
	sl_put_le32(p + 4, v >> 32);
}

#endif /* SL_PROTO_FRAME_H */
