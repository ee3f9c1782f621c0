// SPDX-License-Identifier: GPL-2.0
/*
 * The destination end of a mirror update.
 *
 * Nothing visible changes until the end: data goes into "LV.sl.N.part",
 * a writable thin snapshot of the verified base (or a new thin LV), and
 * only after DONE, a flush, the byte count check and the transfer
 * digest's (digest.h; with --verify also a read-back, readback.h) is it
 * tagged, made read-only and renamed to "LV.sl.N". Data is applied on
 * this pool's blocks (blockfit.h), whatever the source's are. A checkpoint (relationship,
 * PCPI, base, .part LV, offset) is recorded after every flush, so an
 * interrupted transfer resumes from there when the same PCPI is offered
 * on the same base; anything else throws the .part away and starts over.
 * Either way the newest published PCPI stays complete and untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "blockfit.h"
#include "chunkio.h"
#include "digest.h"
#include "lockset.h"
#include "mirror.h"
#include "mstore.h"
#include "pcpi.h"
#include "progress.h"
#include "readback.h"
#include "retention.h"
#include "transport.h"
#include "../lib/testhook.h"

/* Flush and record progress this often (bytes of DATA). */
#define SL_CKPT_DEFAULT (64ull << 20)

struct sl_dst {
	struct sl_session *s;
	struct sl_mirror_env *e;
	const char *rel;
	struct sl_volume v;
	struct sl_pcpi *p;
	size_t n;
	struct sl_checkpoint ck;
	bool have_ck;
	uint64_t gen;		/* sent in LOCKSET: see sl_dst_generation() */
	char *src_gids;		/* the OFFER's PCPIS: what the source still has */
	size_t nsrc_gids;
	struct sl_dest_policy pol;	/* this host's retention for rel */
	char self[600];		/* HOST:VG/LV, the text of our locks */
	bool listed;		/* p is as retention found it, after publish */
	bool verify;		/* read back before publish (--verify) */
	uint32_t src_chunk;	/* the OFFER's CHUNK */
	struct sl_fit fit;
	struct sl_xdigest dg;	/* of what this session applied */
	uint64_t ndata, ndiscard;	/* its DATA and DISCARD records */
	struct sl_readback rb;	/* what it applied, for --verify */
	char err[1024];
};

/*
 * The old list goes only once the new one is made, so that the new one
 * never sits where it was: a pointer into it kept past a refresh reads
 * freed memory, which the tests' allocator overwrites when it is freed
 * (mirror_integrity_test.sh), never a new list that looks the same.
 */
static int sl_dst_refresh(struct sl_dst *x)
{
	struct sl_pcpi *old = x->p;
	int rc;

	rc = sl_pcpi_list(&x->v, &x->p, &x->n, x->err, sizeof(x->err));
	free(old);
	return rc;
}

static const struct sl_pcpi *sl_dst_part(const struct sl_dst *x,
					 const char *vglv)
{
	char name[300];
	size_t i;

	for (i = 0; i < x->n; i++) {
		snprintf(name, sizeof(name), "%s/%s", x->p[i].vg, x->p[i].lv);
		if (x->p[i].part && !strcmp(name, vglv))
			return &x->p[i];
	}
	return NULL;
}

static int sl_dst_send_lockset(struct sl_dst *x, enum sl_phase phase,
			       const char *base, const char *receiving)
{
	struct sl_lockset ls = { 0 };
	struct sl_pbuf *b;
	int rc;

	rc = sl_lockset_build(x->e->k, &x->v, x->p, x->n, x->self,
			      base, receiving, &ls, x->err, sizeof(x->err));
	if (rc) {
		sl_lockset_free(&ls);
		return sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
	}
	b = sl_sess_begin(x->s, SL_MSG_LOCKSET);
	sl_msg_put_str(b, SL_A_RELATIONSHIP, x->rel);
	sl_msg_put_u32(b, SL_A_PHASE, phase);
	sl_msg_put_str(b, SL_A_DATASET, x->self);
	sl_msg_put_u64(b, SL_A_GENERATION,
		       phase == SL_PHASE_BEFORE ? x->gen : x->gen + 1);
	sl_lockset_put(&ls, b);
	sl_lockset_free(&ls);
	rc = sl_sess_send(x->s);
	if (!rc)
		rc = sl_sess_recv(x->s, SL_MSG_LOCKSET_ACK);
	return rc;
}

/* "SRC.sl.N" from the source becomes "LV.sl.N" here. */
static int sl_dst_name(struct sl_dst *x, const char *offered, char *name,
		       size_t size)
{
	const char *seq = strstr(offered, ".sl.");
	const char *q;

	while (seq && strstr(seq + 1, ".sl."))
		seq = strstr(seq + 1, ".sl.");
	if (!seq || !seq[4])
		return -EINVAL;
	for (q = seq + 4; *q; q++)
		if (*q < '0' || *q > '9')
			return -EINVAL;
	if ((size_t)snprintf(name, size, "%s%s", x->v.lv, seq) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Check the offer's base against our copy before anything is written. */
static int sl_dst_check_base(struct sl_dst *x, const char *bgid,
			     const void *bfp, const struct sl_pcpi **base)
{
	*base = NULL;
	if (!bgid)
		return 0;
	*base = sl_pcpi_by_gid(x->p, x->n, bgid);
	if (!*base)
		return sl_sess_fail(x->s, ENOENT,
				    "%s: %s/%s has no PCPI with global id %s, the base of this offer: the source's view is stale; run the update again, and if it repeats, restart the relationship from a full transfer",
				    x->e->host, x->v.vg, x->v.lv, bgid);
	if (!(*base)->has_fp || memcmp((*base)->fp, bfp, SL_FP_LEN))
		return sl_sess_fail(x->s, ESTALE,
				    "%s: the base %s/%s (global id %s) has a different fingerprint than the source's: it is not the same PCPI; nothing was written",
				    x->e->host, (*base)->vg, (*base)->lv, bgid);
	return 0;
}

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
 * The GENERATION this destination puts in its LOCKSETs: its clock in
 * microseconds. A source of this version ignores it and numbers the sets
 * itself; older sources used it as the kernel generation and need the
 * set after above the set before, hence the +1 there. The test build may
 * send another value (lib/testhook.h), to show that a source does not
 * stop when a peer's clock steps back or sends UINT64_MAX.
 */
static uint64_t sl_dst_generation(void)
{
	struct timeval tv;
	uint64_t gen;

	if (sl_test_generation(&gen))
		return gen;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
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

/* ACCEPT, the stream, DONE, publish, PUBLISHED. */
static int sl_dst_receive(struct sl_dst *x, const char *name, const char *gid,
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

/* The offered PCPI is already here: ACCEPT at SIZE, DONE, PUBLISHED. */
static int sl_dst_have(struct sl_dst *x, const char *gid, uint64_t size)
{
	int rc;

	x->e->up_to_date = true;
	x->e->resume = size;
	sl_msg_put_u64(sl_sess_begin(x->s, SL_MSG_ACCEPT), SL_A_RESUME_OFFSET,
		       size);
	sl_msg_put_u64(&x->s->out, SL_A_CHECKPOINT, 0);
	rc = sl_sess_send(x->s);
	if (!rc)
		rc = sl_sess_recv(x->s, SL_MSG_DONE);
	if (rc)
		return rc;
	sl_msg_put_str(sl_sess_begin(x->s, SL_MSG_PUBLISHED), SL_A_GLOBAL_ID,
		       gid);
	return sl_sess_send(x->s);
}

/*
 * This host's retention for the relationship: the keep and follow of its
 * row in our catalog (mirror init on this side, softlock.conf), when that
 * row has this volume as its local destination. Without one, the default:
 * keep everything. The name comes from the peer's HELLO, so a row for
 * another volume is not ours to apply.
 */
static void sl_dst_policy(struct sl_dst *x, const char *volume)
{
	struct sl_relationship r;
	struct sl_endpoint dst;
	char err[256];

	if (sl_rel_get(x->e->cat, x->rel, &r) ||
	    sl_endpoint_parse(r.dst, &dst, err, sizeof(err)) ||
	    dst.kind != SL_EP_LOCAL || strcmp(dst.volume, volume))
		return;
	x->pol.keep = r.keep;
	x->pol.follow = r.follow;
}

/*
 * Once the new PCPI is safe here, apply this host's policy; never to the
 * PCPI just received, its base, or anything held here (a host further
 * downstream needs it).
 */
static int sl_dst_retention(struct sl_dst *x, const char *gid,
			    const char *base_gid)
{
	const char *spare[] = { gid, base_gid };
	int rc;

	rc = sl_dst_refresh(x);
	x->listed = !rc;
	x->pol.gids = x->src_gids;
	x->pol.ngids = x->nsrc_gids;
	if (!rc)
		rc = sl_retention_dest(x->e->cat, x->e->k, &x->v, x->p, x->n,
				       &x->pol, spare, 2,
				       sl_mirror_retention_report, x->e);
	if (rc)
		return sl_sess_fail(x->s, -rc, "%s: retention: %s", x->e->host,
				    *x->err ? x->err : strerror(-rc));
	return 0;
}

static int sl_dst_offer(struct sl_dst *x)
{
	const char *offered, *gid, *bgid = NULL;
	const void *bfp = NULL, *pcpis;
	char bgidc[SL_GID_LEN + 1];
	const struct sl_pcpi *base;
	char name[256], gidc[SL_GID_LEN + 1];
	uint32_t len;
	uint64_t size;
	int rc;

	rc = sl_sess_recv(x->s, SL_MSG_OFFER);
	if (rc)
		return rc;
	sl_msg_get_str(&x->s->m, SL_A_SNAPSHOT, &offered);
	sl_msg_get_str(&x->s->m, SL_A_GLOBAL_ID, &gid);
	sl_msg_get_u64(&x->s->m, SL_A_SIZE, &size);
	sl_msg_get_str(&x->s->m, SL_A_BASE_GLOBAL_ID, &bgid);
	sl_msg_get_bytes(&x->s->m, SL_A_BASE_FINGERPRINT, &bfp, &len);
	sl_msg_get_u32(&x->s->m, SL_A_CHUNK, &x->src_chunk);
	x->verify = x->e->verify || x->s->m.attr[SL_A_READ_BACK];
	snprintf(gidc, sizeof(gidc), "%s", gid);
	if (x->v.chunk > SL_FIT_BLOCK_MAX && x->v.chunk > x->src_chunk)
		return sl_sess_fail(x->s, EOPNOTSUPP,
				    "%s: the pool of %s/%s has %llu KiB blocks, larger than the source's %u KiB and than the %u MiB this version can merge: it cannot hold an exact copy; mirror into a pool with blocks of at most %u MiB",
				    x->e->host, x->v.vg, x->v.lv,
				    (unsigned long long)x->v.chunk >> 10,
				    x->src_chunk >> 10, SL_FIT_BLOCK_MAX >> 20,
				    SL_FIT_BLOCK_MAX >> 20);
	if (sl_dst_name(x, offered, name, sizeof(name)))
		return sl_sess_fail(x->s, EINVAL,
				    "%s: the offered snapshot \"%s\" is not named VOLUME.sl.N",
				    x->e->host, offered);
	snprintf(x->e->snapshot, sizeof(x->e->snapshot), "%s", name);
	snprintf(x->e->gid, sizeof(x->e->gid), "%s", gidc);
	x->e->size = size;
	if (!sl_msg_get_bytes(&x->s->m, SL_A_PCPIS, &pcpis, &len)) {
		/* The codec checked: a multiple of 36 bytes, each a UUID. */
		x->src_gids = malloc(len + 1);
		if (!x->src_gids)
			return sl_sess_fail(x->s, ENOMEM, "%s: out of memory",
					    x->e->host);
		memcpy(x->src_gids, pcpis, len);
		x->nsrc_gids = len / SL_GID_LEN;
	}
	if (sl_pcpi_by_gid(x->p, x->n, gidc)) {
		rc = sl_dst_have(x, gidc, size);
		if (!rc)
			rc = sl_dst_retention(x, gidc, "");
		return rc;
	}
	rc = sl_dst_check_base(x, bgid, bfp, &base);
	if (rc)
		return rc;
	snprintf(x->e->base, sizeof(x->e->base), "%s", base ? base->lv : "");
	snprintf(bgidc, sizeof(bgidc), "%s", base ? base->gid : "");
	rc = sl_dst_receive(x, name, gidc, base, size);
	if (!rc)
		rc = sl_dst_retention(x, gidc, bgidc);
	return rc;
}

int sl_mirror_dest_forget(struct sl_mirror_env *e, const char *rel,
			  const char *volume, char *err, size_t errlen)
{
	struct sl_dst x = { .e = e, .rel = rel };
	const struct sl_pcpi *part;
	int rc;

	if (sl_mstore_init(e->cat) || sl_ckpt_get(e->cat, rel, &x.ck))
		return 0;
	rc = sl_volume_open(volume, &x.v, x.err, sizeof(x.err));
	if (!rc)
		rc = sl_dst_refresh(&x);
	part = rc ? NULL : sl_dst_part(&x, x.ck.part_lv);
	if (part)
		rc = sl_pcpi_remove(&x.v, part, x.err, sizeof(x.err));
	if (!rc && part)
		fprintf(stderr, "softlock: mirror %s: %s: removed %s, a transfer that will not resume\n",
			rel, e->host, x.ck.part_lv);
	if (!rc && sl_ckpt_del(e->cat, rel)) {
		snprintf(x.err, sizeof(x.err), "%s", sl_cat_error(e->cat));
		rc = -EIO;
	}
	if (!rc)
		fprintf(stderr, "softlock: mirror %s: %s: removed its checkpoint\n",
			rel, e->host);
	if (rc)
		snprintf(err, errlen, "%s: %s", e->host, x.err);
	free(x.p);
	sl_volume_close(&x.v);
	return rc;
}

int sl_mirror_dest_release(struct sl_session *s, struct sl_mirror_env *e,
			   const char *rel, const char *volume)
{
	struct sl_lockset none = { 0 };
	struct sl_pbuf *b;
	char self[600], err[1200];
	int rc;

	/* Nothing this relationship wrote stays half-done here. */
	if (sl_mirror_dest_forget(e, rel, volume, err, sizeof(err)))
		return sl_sess_fail(s, EIO, "%s", err);
	snprintf(self, sizeof(self), "%s:%s", e->host, volume);
	b = sl_sess_begin(s, SL_MSG_LOCKSET);
	sl_msg_put_str(b, SL_A_RELATIONSHIP, rel);
	sl_msg_put_u32(b, SL_A_PHASE, SL_PHASE_AFTER);
	sl_msg_put_str(b, SL_A_DATASET, self);
	/* Ignored by a source of this version: see sl_dst_generation(). */
	sl_msg_put_u64(b, SL_A_GENERATION, sl_dst_generation() + 1);
	sl_lockset_put(&none, b);
	rc = sl_sess_send(s);
	if (!rc)
		rc = sl_sess_recv(s, SL_MSG_LOCKSET_ACK);
	if (!rc) {
		sl_sess_begin(s, SL_MSG_BYE);
		rc = sl_sess_send(s);
	}
	if (!rc)
		rc = sl_sess_recv(s, SL_MSG_BYE);
	return rc;
}

int sl_mirror_dest(struct sl_session *s, struct sl_mirror_env *e,
		   const char *rel, const char *volume)
{
	struct sl_dst x = { .s = s, .e = e, .rel = rel };
	const struct sl_pcpi *base;
	int rc;

	snprintf(x.self, sizeof(x.self), "%s:%s", e->host, volume);
	x.gen = sl_dst_generation();
	rc = sl_volume_open(volume, &x.v, x.err, sizeof(x.err));
	if (!rc)
		rc = sl_mstore_init(e->cat);
	if (!rc)
		rc = sl_dst_refresh(&x);
	if (rc) {
		sl_volume_close(&x.v);
		return sl_sess_fail(s, -rc, "%s: %s", e->host, x.err);
	}
	sl_dst_policy(&x, volume);
	x.have_ck = !sl_ckpt_get(e->cat, rel, &x.ck) &&
		    sl_dst_part(&x, x.ck.part_lv);
	base = sl_pcpi_newest(x.p, x.n);
	rc = sl_dst_send_lockset(&x, SL_PHASE_BEFORE, base ? base->gid : NULL,
				 x.have_ck ? x.ck.gid : NULL);
	if (!rc)
		rc = sl_dst_offer(&x);
	/* Retention listed the PCPIs last; list again only if it removed any. */
	if (!rc && (!x.listed || e->removed))
		rc = sl_dst_refresh(&x);
	if (rc && !s->failed)
		rc = sl_sess_fail(s, -rc, "%s: %s", e->host, x.err);
	if (!rc)
		rc = sl_dst_send_lockset(&x, SL_PHASE_AFTER, e->gid, NULL);
	if (!rc) {
		sl_sess_begin(s, SL_MSG_BYE);
		rc = sl_sess_send(s);
	}
	if (!rc)
		rc = sl_sess_recv(s, SL_MSG_BYE);
	free(x.p);
	free(x.src_gids);
	sl_volume_close(&x.v);
	return rc;
}
