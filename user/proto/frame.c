// SPDX-License-Identifier: GPL-2.0
/*
 * Peer-protocol frames: building them into a buffer, reading them from a
 * blocking pipe or socket, parsing them from memory, and checking every
 * header field before the payload is trusted or even allocated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "frame.h"
#include "../lib/testhook.h"

void sl_pbuf_init(struct sl_pbuf *b)
{
	*b = (struct sl_pbuf){ .frame = SIZE_MAX };
}

void sl_pbuf_free(struct sl_pbuf *b)
{
	free(b->data);
	sl_pbuf_init(b);
}

void sl_pbuf_reset(struct sl_pbuf *b)
{
	b->len = 0;
	b->frame = SIZE_MAX;
	b->want = 0;
	b->err = 0;
}

static int sl_pbuf_grow(struct sl_pbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

void *sl_pbuf_put(struct sl_pbuf *b, const void *p, size_t n)
{
	uint8_t *at;

	if (b->err)
		return NULL;
	if (b->frame != SIZE_MAX) {
		/* Refuse here, before growing towards an impossible size. */
		size_t have = b->len - b->frame - SL_FRAME_HDR_LEN;

		if (n > SL_FRAME_MAX - have) {
			b->want = (uint64_t)have + n;
			b->err = -EMSGSIZE;
			return NULL;
		}
	}
	/* Also when empty, so that the result is never NULL + 0. */
	if (!b->data || n > b->cap - b->len) {
		b->err = sl_pbuf_grow(b, n);
		if (b->err)
			return NULL;
	}
	at = b->data + b->len;
	if (p && n)
		memcpy(at, p, n);
	else if (n)
		memset(at, 0, n);
	b->len += n;
	return at;
}

void sl_frame_begin(struct sl_pbuf *b, uint8_t type)
{
	uint8_t *h;

	if (b->err)
		return;
	if (b->frame != SIZE_MAX) {
		b->err = -EINVAL;	/* a frame inside a frame: a caller bug */
		return;
	}
	h = sl_pbuf_put(b, NULL, SL_FRAME_HDR_LEN);
	if (!h)
		return;
	memcpy(h, SL_PROTO_MAGIC, 4);
	h[4] = SL_FRAME_VERSION;
	h[5] = type;
	b->frame = b->len - SL_FRAME_HDR_LEN;
}

/* The message for a buffer that failed while being built. */
static int sl_pbuf_error(const struct sl_pbuf *b, char *err, size_t errlen)
{
	if (b->err == -EMSGSIZE)
		return sl_errf(err, errlen, b->err,
			       "frame too large: %llu bytes (limit %u)",
			       (unsigned long long)b->want, SL_FRAME_MAX);
	if (b->err == -ENOMEM)
		return sl_errf(err, errlen, b->err,
			       "out of memory building a frame");
	if (b->err == -EINVAL)
		return sl_errf(err, errlen, b->err,
			       "frame built out of order (begin, attributes, nests and end do not match)");
	if (b->err == -EBADMSG)
		return sl_errf(err, errlen, b->err,
			       "a message in this buffer failed validation");
	return sl_errf(err, errlen, b->err, "building a frame: %s",
		       strerror(-b->err));
}

int sl_frame_end(struct sl_pbuf *b, char *err, size_t errlen)
{
	uint8_t *h;
	uint32_t len, crc;

	if (b->err)
		return sl_pbuf_error(b, err, errlen);
	if (b->frame == SIZE_MAX)
		return sl_errf(err, errlen, -EINVAL, "no frame to end");
	h = b->data + b->frame;
	len = b->len - b->frame - SL_FRAME_HDR_LEN;
	sl_put_le32(h + 8, len);
	crc = sl_crc32c(0, h, 12);
	crc = sl_crc32c(crc, h + SL_FRAME_HDR_LEN, len);
	sl_put_le32(h + 12, crc);
	b->frame = SIZE_MAX;
	return 0;
}

int sl_frame_encode(struct sl_pbuf *b, uint8_t type, const void *payload,
		    size_t len, char *err, size_t errlen)
{
	sl_frame_begin(b, type);
	sl_pbuf_put(b, payload, len);
	return sl_frame_end(b, err, errlen);
}

void sl_frame_init(struct sl_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->payload = f->hdr;
}

void sl_frame_free(struct sl_frame *f)
{
	free(f->buf);
	sl_frame_init(f);
}

/*
 * Check the header in f->hdr and fill in f's fields. Runs before any
 * payload is read, so an absurd length is refused, never allocated.
 */
static int sl_frame_header(struct sl_frame *f, char *err, size_t errlen)
{
	const uint8_t *h = f->hdr;
	char shown[5];
	int i;

	if (memcmp(h, SL_PROTO_MAGIC, 4)) {
		/* Often a login banner or a shell error: show it as text. */
		for (i = 0; i < 4; i++)
			shown[i] = h[i] >= 0x20 && h[i] < 0x7f ? h[i] : '.';
		shown[4] = '\0';
		return sl_errf(err, errlen, -EBADMSG,
			       "bad magic 0x%08x (\"%s\"): the peer does not speak the softlock protocol",
			       (unsigned int)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3],
			       shown);
	}
	f->version = h[4];
	f->type = h[5];
	f->flags = sl_le16(h + 6);
	f->len = sl_le32(h + 8);
	if (f->version != SL_FRAME_VERSION)
		return sl_errf(err, errlen, -EPROTONOSUPPORT,
			       "unsupported frame version %u (this side speaks %u)",
			       f->version, SL_FRAME_VERSION);
	if (f->flags)
		return sl_errf(err, errlen, -EPROTO,
			       "bad frame flags 0x%04x: must be 0 in version %u",
			       f->flags, SL_FRAME_VERSION);
	if (f->len > SL_FRAME_MAX)
		return sl_errf(err, errlen, -EMSGSIZE,
			       "frame too large: %u bytes (limit %u)",
			       f->len, SL_FRAME_MAX);
	return 0;
}

static int sl_frame_crc(const struct sl_frame *f, char *err, size_t errlen)
{
	uint32_t want = sl_le32(f->hdr + 12), crc;

	crc = sl_crc32c(0, f->hdr, 12);
	crc = sl_crc32c(crc, f->payload, f->len);
	if (crc != want)
		return sl_errf(err, errlen, -EILSEQ,
			       "crc mismatch: frame (type %u, %u payload bytes) says 0x%08x, its bytes give 0x%08x",
			       f->type, f->len, want, crc);
	return 0;
}

/*
 * How long a peer may stay silent (or not take what we send) before the
 * session gives up: $SOFTLOCK_PEER_TIMEOUT seconds, default 300, 0 for
 * ever. A host that stops answering must fail an update, not hang it.
 */
int sl_peer_timeout_ms(void)
{
	const char *s = getenv("SOFTLOCK_PEER_TIMEOUT");
	char *end;
	long v;

	if (!s || !*s)
		return 300 * 1000;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 86400)
		return 300 * 1000;
	return v ? (int)v * 1000 : -1;
}

/* Wait until fd is ready for @events: 0, -ETIMEDOUT or -errno. */
static int sl_wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&pfd, 1, sl_peer_timeout_ms());
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

/* Read n bytes unless the stream ends first: bytes read, or -errno. */
static long sl_read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	ssize_t r;
	int rc;

	while (got < n) {
		rc = sl_wait_fd(fd, POLLIN);
		if (rc)
			return rc;
		r = read(fd, p + got, n - got);
		if (r > 0)
			got += r;
		else if (!r)
			break;
		else if (errno != EINTR)
			return -errno;
	}
	return got;
}

int sl_frame_read(int fd, struct sl_frame *f, char *err, size_t errlen)
{
	long r;
	int rc;

	f->len = 0;
	f->payload = f->hdr;
	r = sl_read_full(fd, f->hdr, SL_FRAME_HDR_LEN);
	if (r == -ETIMEDOUT)
		return sl_errf(err, errlen, r,
			       "the peer sent nothing for %d s: it is stuck or gone (SOFTLOCK_PEER_TIMEOUT sets how long to wait)",
			       sl_peer_timeout_ms() / 1000);
	if (r < 0)
		return sl_errf(err, errlen, r, "reading from the peer: %s",
			       strerror(-r));
	if (!r)
		return SL_FRAME_EOF;
	if (r < SL_FRAME_HDR_LEN)
		return sl_errf(err, errlen, -ECONNRESET,
			       "the stream ended inside a frame header (%ld of %d bytes)",
			       r, SL_FRAME_HDR_LEN);
	rc = sl_frame_header(f, err, errlen);
	if (rc)
		return rc;
	if (f->len > f->cap) {
		uint8_t *p = realloc(f->buf, f->len);

		if (!p)
			return sl_errf(err, errlen, -ENOMEM,
				       "out of memory for a %u-byte frame",
				       f->len);
		f->buf = p;
		f->cap = f->len;
	}
	if (f->len) {
		r = sl_read_full(fd, f->buf, f->len);
		if (r == -ETIMEDOUT)
			return sl_errf(err, errlen, r,
				       "the peer stopped for %d s inside a frame: it is stuck or gone (SOFTLOCK_PEER_TIMEOUT sets how long to wait)",
				       sl_peer_timeout_ms() / 1000);
		if (r < 0)
			return sl_errf(err, errlen, r,
				       "reading from the peer: %s",
				       strerror(-r));
		if (r < f->len)
			return sl_errf(err, errlen, -ECONNRESET,
				       "the stream ended inside a frame payload (%ld of %u bytes)",
				       r, f->len);
		f->payload = f->buf;
	}
	rc = sl_frame_crc(f, err, errlen);
	if (rc)
		return rc;
	sl_test_capture(f->hdr, SL_FRAME_HDR_LEN, f->payload, f->len);
	sl_test_poweroff("frame");
	return SL_FRAME_OK;
}

long sl_frame_parse(const void *buf, size_t len, struct sl_frame *f,
		    char *err, size_t errlen)
{
	const uint8_t *p = buf;
	int rc;

	if (len < SL_FRAME_HDR_LEN)
		return 0;
	memcpy(f->hdr, p, SL_FRAME_HDR_LEN);
	rc = sl_frame_header(f, err, errlen);
	if (rc)
		return rc;
	if (len - SL_FRAME_HDR_LEN < f->len)
		return 0;
	f->payload = p + SL_FRAME_HDR_LEN;
	rc = sl_frame_crc(f, err, errlen);
	return rc ? rc : (long)SL_FRAME_HDR_LEN + f->len;
}

int sl_frame_write(int fd, const struct sl_pbuf *b, char *err, size_t errlen)
{
	size_t off = 0;
	ssize_t w;
	int rc;

	if (b->err)
		return sl_pbuf_error(b, err, errlen);
	if (b->frame != SIZE_MAX)
		return sl_errf(err, errlen, -EINVAL,
			       "writing an unfinished frame");
	while (off < b->len) {
		/*
		 * A pipe that polls writable takes PIPE_BUF bytes without
		 * blocking: writing no more than that at a time, a peer that
		 * stops reading times out here instead of hanging us.
		 */
		rc = sl_wait_fd(fd, POLLOUT);
		if (rc == -ETIMEDOUT)
			return sl_errf(err, errlen, rc,
				       "the peer took nothing for %d s: it is stuck or gone (SOFTLOCK_PEER_TIMEOUT sets how long to wait)",
				       sl_peer_timeout_ms() / 1000);
		if (rc)
			return sl_errf(err, errlen, rc,
				       "writing to the peer: %s",
				       strerror(-rc));
		w = write(fd, b->data + off, b->len - off < PIPE_BUF ?
			  b->len - off : PIPE_BUF);
		if (w > 0) {
			off += w;
		} else if (!w) {
			return sl_errf(err, errlen, -EIO,
				       "writing to the peer: nothing written");
		} else if (errno == EPIPE) {
			return sl_errf(err, errlen, -EPIPE,
				       "the peer closed the connection (%zu of %zu bytes written)",
				       off, b->len);
		} else if (errno != EINTR) {
			return sl_errf(err, errlen, -errno,
				       "writing to the peer: %s",
				       strerror(errno));
		}
	}
	sl_test_capture(b->data, b->len, NULL, 0);
	return 0;
}
