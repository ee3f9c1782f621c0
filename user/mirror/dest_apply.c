// SPDX-License-Identifier: GPL-2.0
/*
 * One transfer into the destination: the .part it is written to (kept
 * and resumed when a checkpoint names the same PCPI on the same base),
 * DATA and DISCARD applied on this pool's blocks, a checkpoint after
 * every flush, then DONE's checks (byte count, transfer digest, with
 * --verify the read-back) before the .part is published. See dest.c for
 * the session around it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunkio.h"
#include "dest_int.h"
#include "lockset.h"
#include "progress.h"
#include "transport.h"
#include "../lib/testhook.h"

/* Flush and record progress this often (bytes of DATA). */
#define SL_CKPT_DEFAULT (64ull << 20)

static int sl_dst_prepare(struct sl_dst *x, const char *name, const char *gid,
			  const struct sl_pcpi *base, uint64_t size,
			  uint64_t *resume)
{
	const struct sl_pcpi *part;
	struct sl_pcpi made;
	char vglv[300];
	size_t i;
	int rc;

	*resume = 0;
	snprintf(vglv, sizeof(vglv), "%s/%s.part", x->v.vg, name);
	if (x->have_ck && !strcmp(x->ck.gid, gid) &&
	    !strcmp(x->ck.base_gid, base ? base->gid : "") &&
	    !strcmp(x->ck.part_lv, vglv) && sl_dst_part(x, vglv)) {
		*resume = x->ck.offset;
		return 0;
	}
	/* Anything half-received that is not this transfer goes. */
	for (i = 0; i < x->n; i++) {
		if (!x->p[i].part)
			continue;
		rc = sl_pcpi_remove(&x->v, &x->p[i], x->err, sizeof(x->err));
		if (rc)
			return rc;
	}
	if (x->have_ck)
		sl_ckpt_del(x->e->cat, x->rel);
	rc = sl_pcpi_create_part(&x->v, name, gid, base, size, &made, x->err,
				 sizeof(x->err));
	if (rc)
		return rc;
	memset(&x->ck, 0, sizeof(x->ck));
	snprintf(x->ck.relationship, sizeof(x->ck.relationship), "%s", x->rel);
	snprintf(x->ck.gid, sizeof(x->ck.gid), "%s", gid);
	snprintf(x->ck.base_gid, sizeof(x->ck.base_gid), "%s",
		 base ? base->gid : "");
	snprintf(x->ck.part_lv, sizeof(x->ck.part_lv), "%s", vglv);
	x->have_ck = true;
	rc = sl_ckpt_put(x->e->cat, &x->ck);
	if (rc)
		snprintf(x->err, sizeof(x->err), "recording the checkpoint: %s",
			 sl_cat_error(x->e->cat));
	if (!rc)
		rc = sl_dst_refresh(x);
	part = rc ? NULL : sl_dst_part(x, vglv);
	if (!rc && !part) {
		snprintf(x->err, sizeof(x->err), "%s was created but LVM does not list it",
			 vglv);
		rc = -EIO;
	}
	(void)made;
	return rc;
}

static uint64_t sl_ckpt_every(void)
{
	const char *s = getenv("SOFTLOCK_CHECKPOINT_BYTES");
	unsigned long long v;

	if (s && sscanf(s, "%llu", &v) == 1 && v >= 65536)
		return v;
	return SL_CKPT_DEFAULT;
}

/*
 * Apply DATA and DISCARD until DONE; checkpoint after every flush. The
 * test build's faults (lib/testhook.h) sit where a bad disk path or a
 * crash between a write and its flush would strike.
 */
static int sl_dst_stream(struct sl_dst *x, struct sl_chunk_writer *w,
			 void *abuf, uint64_t resume)
{
	uint64_t every = sl_ckpt_every(), since = 0, off, len, end = resume;
	unsigned long long frames = 0;
	const void *data;
	uint32_t dlen, crc;
	int rc;

	for (;;) {
		rc = sl_sess_recv(x->s, 0);
		if (rc)
			return rc;
		if (x->s->m.type == SL_MSG_DONE)
			return 0;
		sl_msg_get_u64(&x->s->m, SL_A_OFFSET, &off);
		if (x->s->m.type == SL_MSG_DATA) {
			sl_msg_get_bytes(&x->s->m, SL_A_DATA, &data, &dlen);
			memcpy(abuf, data, dlen);
			frames++;
			x->ndata++;
			sl_test_corrupt_data(abuf, dlen, frames, SL_TEST_CORRUPT_APPLY);
			sl_xdigest_data(&x->dg, off, abuf, dlen);
			sl_test_corrupt_data(abuf, dlen, frames, SL_TEST_CORRUPT_WRITE);
			rc = sl_fit_data(&x->fit, off, abuf, dlen, x->err,
					 sizeof(x->err));
			if (!rc && x->verify) {
				if (sl_msg_get_u32(&x->s->m, SL_A_CRC, &crc))
					return sl_sess_fail(x->s, EPROTO,
							    "%s: --verify, but the source sent DATA at offset %llu without its CRC",
							    x->e->host,
							    (unsigned long long)off);
				rc = sl_rb_add(&x->rb, off, dlen, crc, false);
			}
			if (rc == -ENOMEM)
				snprintf(x->err, sizeof(x->err), "out of memory for the ranges to verify");
			len = dlen;
			x->e->data_bytes += dlen;
			since += dlen;
			sl_test_data_done();
		} else {
			sl_msg_get_u64(&x->s->m, SL_A_LENGTH, &len);
			sl_xdigest_zero(&x->dg, off, len);
			x->ndiscard++;
			rc = sl_fit_zero(&x->fit, off, len, x->err,
					 sizeof(x->err));
			if (!rc && x->verify &&
			    sl_rb_add(&x->rb, off, len, 0, true)) {
				snprintf(x->err, sizeof(x->err), "out of memory for the ranges to verify");
				rc = -ENOMEM;
			}
			x->e->discard_bytes += len;
		}
		if (rc)
			return sl_sess_fail(x->s, -rc, "%s: %s", x->e->host,
					    x->err);
		end = off + len;
		if (since < every)
			continue;
		since = 0;
		rc = sl_writer_flush(w, x->err, sizeof(x->err));
		x->ck.offset = end;
		x->ck.bytes = x->e->data_bytes;
		if (!rc && sl_ckpt_put(x->e->cat, &x->ck)) {
			snprintf(x->err, sizeof(x->err), "recording the checkpoint: %s",
				 sl_cat_error(x->e->cat));
			rc = -EIO;
		}
		if (rc)
			return sl_sess_fail(x->s, -rc, "%s: %s", x->e->host,
					    x->err);
	}
}

/*
 * Why DONE's digest differs, as far as this end can tell: the source's
 * count of DATA bytes and units against what was applied here, and the
 * header both digests start from.
 */
static void sl_dst_mismatch(struct sl_dst *x, const char *gid,
			    const struct sl_pcpi *base, uint64_t size,
			    uint64_t resume)
{
	uint64_t sent = 0, chunks = 0;

	sl_msg_get_u64(&x->s->m, SL_A_BYTES_SENT, &sent);
	sl_msg_get_u64(&x->s->m, SL_A_CHUNKS, &chunks);
	snprintf(x->err, sizeof(x->err),
		 "the transfer digest (SHA-256) of what was applied to %s differs from the source's: nothing was published (the source sent %llu bytes of DATA, %llu units; applied here: %llu bytes in %llu DATA, %llu DISCARD (%llu bytes); PCPI %s, base %s, size %llu, from offset %llu)",
		 x->ck.part_lv, (unsigned long long)sent,
		 (unsigned long long)chunks,
		 (unsigned long long)x->e->data_bytes,
		 (unsigned long long)x->ndata, (unsigned long long)x->ndiscard,
		 (unsigned long long)x->e->discard_bytes, gid,
		 base ? base->gid : "none", (unsigned long long)size,
		 (unsigned long long)resume);
}

/*
 * What was applied is not the source's: no checkpoint may resume from it,
 * so the .part goes and the next update starts this PCPI over.
 */
static void sl_dst_discard_part(struct sl_dst *x, struct sl_pcpi *part)
{
	char err[512];

	sl_ckpt_del(x->e->cat, x->rel);
	x->have_ck = false;
	if (sl_pcpi_remove(&x->v, part, err, sizeof(err)))
		fprintf(stderr, "softlock: %s: removing %s: %s\n", x->e->host,
			part->lv, err);
}

int sl_dst_receive(struct sl_dst *x, const char *name, const char *gid,
			  const struct sl_pcpi *base, uint64_t size)
{
	struct sl_chunk_writer w = { .fd = -1 };
	struct sl_pcpi part, pub, basec;
	const void *fp, *sdg;
	uint8_t digest[SL_DIGEST_LEN];
	uint32_t fplen, dglen;
	void *abuf = NULL;
	uint64_t resume;
	char dev[300];
	int rc;

	/*
	 * A copy: base points into x->p, which sl_dst_prepare() frees when
	 * it lists the new .part. Read after that, its global id was
	 * whatever the allocator had put there since, and the digest's
	 * header then differed from the source's.
	 */
	if (base) {
		basec = *base;
		base = &basec;
	}
	rc = sl_dst_prepare(x, name, gid, base, size, &resume);
	if (rc)
		return sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
	/* A copy: refreshing the list must not move it under us. */
	part = *sl_dst_part(x, x->ck.part_lv);
	/*
	 * A .part left by a crash may be inactive after a reboot, or
	 * read-only when the crash cut its publish between the lvchange and
	 * the rename.
	 */
	rc = sl_pcpi_activate(&x->v, &part, x->err, sizeof(x->err));
	if (!rc)
		rc = sl_pcpi_writable(&x->v, &part, x->err, sizeof(x->err));
	sl_pcpi_dev(&part, dev, sizeof(dev));
	if (!rc)
		rc = sl_writer_open(&w, dev, x->err, sizeof(x->err));
	/*
	 * Blocks no larger than the source's are never covered in part
	 * (the ranges are the source's blocks), except at the volume's end.
	 */
	if (!rc)
		rc = sl_fit_init(&x->fit, &w,
				 x->v.chunk <= SL_FIT_BLOCK_MAX ? x->v.chunk : 0,
				 x->err, sizeof(x->err));
	if (!rc)
		rc = sl_xdigest_begin(&x->dg, gid, base ? base->gid : NULL,
				      size, resume, x->err, sizeof(x->err));
	if (!rc && posix_memalign(&abuf, SL_CHUNK_ALIGN, SL_DATA_MAX))
		rc = -ENOMEM;
	if (rc) {
		rc = sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
		goto out;
	}
	x->e->resume = resume;
	sl_msg_put_u64(sl_sess_begin(x->s, SL_MSG_ACCEPT), SL_A_RESUME_OFFSET,
		       resume);
	sl_msg_put_u64(&x->s->out, SL_A_CHECKPOINT, resume);
	rc = sl_sess_send(x->s);
	if (!rc)
		rc = sl_dst_stream(x, &w, abuf, resume);
	if (rc)
		goto out;
	/* The codec refuses a DONE without them; this end relies on it. */
	if (sl_msg_get_bytes(&x->s->m, SL_A_FINGERPRINT, &fp, &fplen) ||
	    fplen != SL_FP_LEN ||
	    sl_msg_get_bytes(&x->s->m, SL_A_DIGEST, &sdg, &dglen) ||
	    dglen != SL_DIGEST_LEN) {
		rc = sl_sess_fail(x->s, EPROTO,
				  "%s: DONE without a %u-byte FINGERPRINT and a %u-byte DIGEST: nothing was published",
				  x->e->host, SL_FP_LEN, SL_DIGEST_LEN);
		goto out;
	}
	rc = sl_writer_flush(&w, x->err, sizeof(x->err));
	if (!rc && sl_xdigest_end(&x->dg, digest)) {
		snprintf(x->err, sizeof(x->err), "libcrypto failed computing the transfer digest");
		rc = -EIO;
	}
	if (!rc && memcmp(digest, sdg, SL_DIGEST_LEN)) {
		sl_dst_mismatch(x, gid, base, size, resume);
		rc = -EILSEQ;
	}
	if (!rc && x->verify) {
		rc = sl_rb_check(&x->rb, dev, x->err, sizeof(x->err));
		x->e->verified_bytes = x->rb.bytes;
		if (!rc)
			fprintf(stderr, "softlock: %s: --verify: %zu ranges (%llu bytes) of %s read back as the source sent them\n",
				x->e->host, x->rb.n,
				(unsigned long long)x->rb.bytes, x->ck.part_lv);
		if (rc == -EILSEQ)
			snprintf(x->err + strlen(x->err),
				 sizeof(x->err) - strlen(x->err),
				 ": nothing was published");
	}
	if (rc == -EILSEQ) {
		sl_writer_close(&w);
		sl_dst_discard_part(x, &part);
	}
	if (!rc)
		rc = sl_writer_close(&w);
	if (!rc)
		rc = sl_pcpi_publish(&x->v, &part, fp, &pub, x->err,
				     sizeof(x->err));
	if (rc) {
		rc = sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
		goto out;
	}
	sl_ckpt_del(x->e->cat, x->rel);
	x->have_ck = false;
	sl_msg_put_str(sl_sess_begin(x->s, SL_MSG_PUBLISHED), SL_A_GLOBAL_ID,
		       gid);
	rc = sl_sess_send(x->s);
out:
	if (w.fd >= 0)
		sl_writer_close(&w);
	sl_fit_free(&x->fit);
	sl_xdigest_free(&x->dg);
	sl_rb_free(&x->rb);
	free(abuf);
	return rc;
}
