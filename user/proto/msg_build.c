// SPDX-License-Identifier: GPL-2.0
/*
 * Peer-protocol messages, building: a frame, attributes appended one by
 * one (nests for LOCKSET entries), and sl_msg_end() checking the result
 * against the same policy a receiver applies (msg.c), so that this side
 * never sends what the peer would refuse.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"

void sl_msg_begin(struct sl_pbuf *b, enum sl_msg_type type)
{
	sl_frame_begin(b, type);
}

/* Append an attribute header for a len-byte value; the value follows. */
static int sl_attr_head(struct sl_pbuf *b, uint16_t attr, size_t len)
{
	uint8_t *h;

	if (b->err)
		return b->err;
	if (b->frame == SIZE_MAX) {
		b->err = -EINVAL;	/* an attribute outside a frame */
		return b->err;
	}
	if (len > SL_FRAME_MAX) {
		/* Refused before the u32 length could truncate it. */
		b->want = b->len - b->frame - SL_FRAME_HDR_LEN +
			  SL_ATTR_HDR_LEN + len;
		b->err = -EMSGSIZE;
		return b->err;
	}
	h = sl_pbuf_put(b, NULL, SL_ATTR_HDR_LEN);
	if (!h)
		return b->err;
	sl_put_le16(h, attr);
	sl_put_le32(h + 4, len);
	return 0;
}

void sl_msg_put_bytes(struct sl_pbuf *b, uint16_t attr, const void *p,
		      size_t len)
{
	if (sl_attr_head(b, attr, len))
		return;
	sl_pbuf_put(b, p, len);
	sl_pbuf_put(b, NULL, -len & 3);
}

void *sl_msg_put_space(struct sl_pbuf *b, uint16_t attr, size_t len)
{
	size_t at;

	if (sl_attr_head(b, attr, len))
		return NULL;
	at = b->len;
	/* Zeroed, so a caller that fills less leaks no old heap bytes. */
	if (!sl_pbuf_put(b, NULL, len + (-len & 3)))
		return NULL;
	return b->data + at;
}

void sl_msg_put_u32(struct sl_pbuf *b, uint16_t attr, uint32_t v)
{
	uint8_t le[4];

	sl_put_le32(le, v);
	sl_msg_put_bytes(b, attr, le, sizeof(le));
}

void sl_msg_put_u64(struct sl_pbuf *b, uint16_t attr, uint64_t v)
{
	uint8_t le[8];

	sl_put_le64(le, v);
	sl_msg_put_bytes(b, attr, le, sizeof(le));
}

void sl_msg_put_str(struct sl_pbuf *b, uint16_t attr, const char *s)
{
	sl_msg_put_bytes(b, attr, s, strlen(s) + 1);
}

size_t sl_msg_nest_begin(struct sl_pbuf *b, uint16_t attr)
{
	size_t at = b->len;

	return sl_attr_head(b, attr, 0) ? SIZE_MAX : at;
}

void sl_msg_nest_end(struct sl_pbuf *b, size_t nest)
{
	if (b->err)
		return;
	if (nest == SIZE_MAX || b->frame == SIZE_MAX || nest < b->frame ||
	    nest + SL_ATTR_HDR_LEN > b->len) {
		b->err = -EINVAL;
		return;
	}
	sl_put_le32(b->data + nest + 4, b->len - nest - SL_ATTR_HDR_LEN);
}

int sl_msg_end(struct sl_pbuf *b, struct sl_msg *m, char *err, size_t errlen)
{
	size_t at = b->frame;
	struct sl_msg own;
	uint8_t *h;
	int rc;

	rc = sl_frame_end(b, err, errlen);
	if (rc)
		return rc;
	h = b->data + at;
	rc = sl_msg_parse(h[5], h + SL_FRAME_HDR_LEN, sl_le32(h + 8),
			  m ? m : &own, err, errlen);
	if (rc) {
		/* Drop the frame, and poison the buffer so it is not sent. */
		b->len = at;
		b->err = rc;
	}
	return rc;
}
