// SPDX-License-Identifier: GPL-2.0
/*
 * softlock mirror verify, both ends: see verify.h. The responder reads
 * ahead of the initiator by at most a frame plus what the stream buffers,
 * so both copies are read at the same time and neither side holds more
 * than one frame of sums.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/crc32c.h"
#include "verify.h"

struct sl_sum_acc {
	uint32_t chunk;
	uint64_t first;
	uint32_t *out;
};

/* Units never cross a chunk boundary: each continues its chunk's CRC. */
static int sl_sum_unit(void *arg, uint64_t off, const void *data, size_t len)
{
	struct sl_sum_acc *a = arg;
	uint32_t *c = &a->out[off / a->chunk - a->first];

	*c = sl_crc32c(*c, data, len);
	return 0;
}

static uint64_t sl_chunks(uint64_t size, uint32_t chunk)
{
	/* The last chunk may be short; written so that it cannot overflow. */
	return size / chunk + !!(size % chunk);
}

int sl_verify_sums(struct sl_chunk_reader *r, uint64_t size, uint32_t chunk,
		   uint64_t first, uint32_t n, uint32_t *out, char *err,
		   size_t errlen)
{
	struct sl_sum_acc a = { .chunk = chunk, .first = first, .out = out };
	uint64_t count = sl_chunks(size, chunk), start, end;

	if (n)
		memset(out, 0, (size_t)n * sizeof(*out));
	if (!chunk || chunk % r->unit) {
		snprintf(err, errlen, "%s: chunk %u is not a multiple of the read unit %zu",
			 r->dev, chunk, r->unit);
		return -EINVAL;
	}
	if (first >= count || !n)
		return 0;
	if (n > count - first)
		n = count - first;
	start = first * chunk;
	end = start + (uint64_t)n * chunk;
	if (end > size)
		end = size;
	return sl_reader_read(r, start, end - start, sl_sum_unit, &a, err,
			      errlen);
}

/* A reader whose units divide the chunk: see sl_sum_unit(). */
static int sl_verify_open(struct sl_chunk_reader *r, const char *dev,
			  uint64_t size, uint32_t chunk, char *err,
			  size_t errlen)
{
	if (size % SL_CHUNK_ALIGN) {
		snprintf(err, errlen, "%s: its size, %llu bytes, is not a multiple of %u: direct I/O cannot read its end",
			 dev, (unsigned long long)size, SL_CHUNK_ALIGN);
		return -EINVAL;
	}
	/* COUNT in SUMS_DONE is a u32. */
	if (sl_chunks(size, chunk) > UINT32_MAX) {
		snprintf(err, errlen, "%s: %llu bytes are more than %u chunks of %u bytes",
			 dev, (unsigned long long)size, UINT32_MAX, chunk);
		return -EFBIG;
	}
	return sl_reader_open(r, dev, chunk < SL_CHUNK_UNIT ? chunk :
				      SL_CHUNK_UNIT, err, errlen);
}

/*
 * This side failed: tell the peer. ENOENT would tell it "no such PCPI"
 * (see verify.h), which a missing device node is not.
 */
static int sl_vfail(struct sl_session *s, int rc, const char *err)
{
	return sl_sess_fail(s, rc == -ENOENT ? ENODEV : -rc, "%s: %s",
			    s->host, err);
}

/* The BYE exchange that ends a verify session, the initiator's or not. */
static int sl_verify_bye(struct sl_session *s, bool initiator)
{
	int rc = 0;

	if (!initiator)
		rc = sl_sess_recv(s, SL_MSG_BYE);
	if (!rc) {
		sl_sess_begin(s, SL_MSG_BYE);
		rc = sl_sess_send(s);
	}
	if (!rc && initiator)
		rc = sl_sess_recv(s, SL_MSG_BYE);
	return rc;
}

int sl_verify_send(struct sl_session *s, const char *dev, uint64_t size,
		   uint32_t chunk, uint32_t per_frame)
{
	struct sl_chunk_reader r;
	uint64_t count, i;
	uint32_t n, j, *sums = NULL;
	struct sl_pbuf *b;
	uint8_t *p;
	char err[512];
	int rc;

	if (!per_frame) {
		per_frame = SL_VERIFY_FRAME_BYTES / chunk;
		if (!per_frame)
			per_frame = 1;
	}
	if (per_frame > SL_VERIFY_FRAME_SUMS)
		per_frame = SL_VERIFY_FRAME_SUMS;
	rc = sl_verify_open(&r, dev, size, chunk, err, sizeof(err));
	if (rc)
		return sl_vfail(s, rc, err);
	sums = malloc((size_t)per_frame * sizeof(*sums));
	if (!sums) {
		sl_reader_close(&r);
		return sl_sess_fail(s, ENOMEM, "%s: out of memory", s->host);
	}
	count = sl_chunks(size, chunk);
	for (i = 0; !rc && i < count; i += n) {
		n = count - i < per_frame ? count - i : per_frame;
		rc = sl_verify_sums(&r, size, chunk, i, n, sums, err,
				    sizeof(err));
		if (rc) {
			rc = sl_vfail(s, rc, err);
			break;
		}
		b = sl_sess_begin(s, SL_MSG_SUMS);
		sl_msg_put_u64(b, SL_A_OFFSET, i * chunk);
		/* NULL on a failed put, which sl_sess_send() reports. */
		p = sl_msg_put_space(b, SL_A_SUMS, (size_t)n * 4);
		for (j = 0; p && j < n; j++)
			sl_put_le32(p + 4 * j, sums[j]);
		rc = sl_sess_send(s);
	}
	free(sums);
	sl_reader_close(&r);
	if (rc)
		return rc;
	b = sl_sess_begin(s, SL_MSG_SUMS_DONE);
	sl_msg_put_u64(b, SL_A_SIZE, size);
	sl_msg_put_u32(b, SL_A_COUNT, count);
	rc = sl_sess_send(s);
	return rc ? rc : sl_verify_bye(s, false);
}

/* Chunks arrive and are noted in ascending order: the first is the least. */
static void sl_note(struct sl_verify_result *res, uint64_t chunk)
{
	if (!res->differ++)
		res->first = chunk;
}

/* One SUMS frame: this side's sums for the same chunks, compared. */
static int sl_compare_frame(struct sl_session *s, struct sl_chunk_reader *r,
			    struct sl_verify_result *res, uint32_t **buf,
			    uint32_t *cap)
{
	uint64_t off = 0, first, count = sl_chunks(res->size, res->chunk);
	const uint8_t *peer;
	const void *p;
	uint32_t len = 0, n, here = 0, j, *grown;
	char err[512];
	int rc;

	sl_msg_get_u64(&s->m, SL_A_OFFSET, &off);
	sl_msg_get_bytes(&s->m, SL_A_SUMS, &p, &len);
	peer = p;
	n = len / 4;
	/* The session checked that OFFSET is where the last frame ended. */
	first = off / res->chunk;
	if (first < count)
		here = count - first < n ? count - first : n;
	if (here > *cap) {
		grown = realloc(*buf, (size_t)here * sizeof(**buf));
		if (!grown)
			return sl_sess_fail(s, ENOMEM, "%s: out of memory",
					    s->host);
		*buf = grown;
		*cap = here;
	}
	rc = here ? sl_verify_sums(r, res->size, res->chunk, first, here,
				   *buf, err, sizeof(err)) : 0;
	if (rc)
		return sl_vfail(s, rc, err);
	/* A chunk only the peer has differs too. */
	for (j = 0; j < n; j++)
		if (j >= here || (*buf)[j] != sl_le32(peer + 4 * j))
			sl_note(res, first + j);
	return 0;
}

int sl_verify_compare(struct sl_session *s, const char *dev, uint64_t size,
		      const char *gid, uint32_t chunk,
		      struct sl_verify_result *res)
{
	struct sl_chunk_reader r;
	uint64_t count = sl_chunks(size, chunk), k;
	uint32_t *buf = NULL, cap = 0, peer_count = 0;
	struct sl_pbuf *b;
	bool any = false;
	char err[512];
	int rc;

	memset(res, 0, sizeof(*res));
	res->chunk = chunk;
	res->size = size;
	rc = sl_verify_open(&r, dev, size, chunk, err, sizeof(err));
	if (rc)
		return sl_vfail(s, rc, err);
	b = sl_sess_begin(s, SL_MSG_VERIFY);
	sl_msg_put_str(b, SL_A_GLOBAL_ID, gid);
	sl_msg_put_u32(b, SL_A_CHUNK, chunk);
	rc = sl_sess_send(s);
	while (!rc) {
		rc = sl_sess_recv(s, 0);
		/* The answer to VERIFY itself: the peer has no such PCPI. */
		if (rc == -ENOENT && !any && s->m.type == SL_MSG_ERROR)
			res->peer_missing = true;
		if (rc || s->m.type == SL_MSG_SUMS_DONE)
			break;
		any = true;
		rc = sl_compare_frame(s, &r, res, &buf, &cap);
	}
	free(buf);
	sl_reader_close(&r);
	if (rc)
		return rc;
	sl_msg_get_u64(&s->m, SL_A_SIZE, &res->peer_size);
	sl_msg_get_u32(&s->m, SL_A_COUNT, &peer_count);
	/* And one only this side has. */
	for (k = peer_count; k < count; k++)
		sl_note(res, k);
	res->chunks = count > peer_count ? count : peer_count;
	return sl_verify_bye(s, true);
}

int sl_verify_serve(struct sl_session *s, const char *volume)
{
	char gid[SL_GID_LEN + 1], err[1024], dev[300];
	const struct sl_pcpi *q;
	struct sl_pcpi *list = NULL, p;
	struct sl_volume v;
	const char *g = "";
	uint32_t chunk = 0;
	size_t n = 0;
	int rc;

	rc = sl_sess_recv(s, SL_MSG_VERIFY);
	if (rc)
		return rc;
	sl_msg_get_str(&s->m, SL_A_GLOBAL_ID, &g);
	sl_msg_get_u32(&s->m, SL_A_CHUNK, &chunk);
	snprintf(gid, sizeof(gid), "%s", g);
	rc = sl_volume_open(volume, &v, err, sizeof(err));
	if (!rc)
		rc = sl_pcpi_list(&v, &list, &n, err, sizeof(err));
	if (rc) {
		free(list);
		sl_volume_close(&v);
		return sl_vfail(s, rc, err);
	}
	q = sl_pcpi_by_gid(list, n, gid);
	if (q)
		p = *q;
	free(list);
	sl_volume_close(&v);
	/*
	 * An answer, not a failure of this side: the initiator asks again
	 * for an older PCPI, and the user should not see an error for it.
	 */
	if (!q) {
		sl_sess_fail(s, ENOENT, "%s: no PCPI with global id %s on %s",
			     s->host, gid, volume);
		return 0;
	}
	rc = sl_pcpi_activate(NULL, &p, err, sizeof(err));
	if (rc)
		return sl_vfail(s, rc, err);
	sl_pcpi_dev(&p, dev, sizeof(dev));
	return sl_verify_send(s, dev, p.size, chunk, 0);
}

int sl_verify_run(struct sl_session *s, struct sl_pcpi *p, uint32_t chunk,
		  struct sl_verify_result *res)
{
	char err[1024], dev[300];
	int rc;

	memset(res, 0, sizeof(*res));
	rc = sl_pcpi_activate(NULL, p, err, sizeof(err));
	if (rc)
		return sl_vfail(s, rc, err);
	sl_pcpi_dev(p, dev, sizeof(dev));
	return sl_verify_compare(s, dev, p->size, p->gid, chunk, res);
}
