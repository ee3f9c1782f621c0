// SPDX-License-Identifier: GPL-2.0
/*
 * The destination end of a mirror update: the session (lock sets before
 * and after, the offer, this host's retention); the transfer itself is
 * dest_apply.c's.
 *
 * Nothing visible changes until the end: data goes into "LV.sl.N.part",
 * a writable thin snapshot of the verified base (or a new thin LV), and
 * only after DONE, a flush, the byte count check and the transfer
 * digest's (digest.h; with --verify also a read-back, readback.h) is it
 * tagged, made read-only and renamed to "LV.sl.N". Data is applied on
 * this pool's blocks (blockfit.h), whatever the source's are. A
 * checkpoint (relationship, PCPI, base, .part LV, offset) is recorded
 * after every flush, so an interrupted transfer resumes from there when
 * the same PCPI is offered on the same base; anything else throws the
 * .part away and starts over.
 * Either way the newest published PCPI stays complete and untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "dest_int.h"
#include "lockset.h"
#include "transport.h"
#include "../lib/testhook.h"


/*
 * The old list goes only once the new one is made, so that the new one
 * never sits where it was: a pointer into it kept past a refresh reads
 * freed memory, which the tests' allocator overwrites when it is freed
 * (mirror_integrity_test.sh), never a new list that looks the same.
 */
int sl_dst_refresh(struct sl_dst *x)
{
	struct sl_pcpi *old = x->p;
	int rc;

	rc = sl_pcpi_list(&x->v, &x->p, &x->n, x->err, sizeof(x->err));
	free(old);
	return rc;
}

const struct sl_pcpi *sl_dst_part(const struct sl_dst *x, const char *vglv)
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
