// SPDX-License-Identifier: GPL-2.0
/*
 * The source end of a mirror update.
 *
 * The destination's lock set arrives first and is installed before the
 * source picks anything, so the base it names cannot be deleted while the
 * update runs. The PCPI offered is, in order: the one the destination
 * holds a checkpoint for (an entry whose SNAPSHOT ends in ".part"), so an
 * interrupted transfer resumes instead of starting over; a new snapshot
 * of the volume when the volume itself exists here; or, on a host that
 * only holds PCPIs (a cascade's middle), its newest PCPI. The base is the
 * newest PCPI older than that which the destination named: any PCPI it
 * named it has published, so any of them would do, and the newest gives
 * the smallest delta.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/softlock.h>

#include "../proto/crc32c.h"
#include "chunkio.h"
#include "../lib/testhook.h"
#include "digest.h"
#include "lockset.h"
#include "mirror.h"
#include "pcpi.h"
#include "progress.h"
#include "ranges.h"
#include "retention.h"

void sl_mirror_retention_report(void *arg, const struct sl_pcpi *p,
				bool removed, const char *why)
{
	struct sl_mirror_env *e = arg;

	if (removed)
		e->removed++;
	else
		e->kept++;
	fprintf(stderr, "softlock: retention on %s: %s %s/%s%s%s\n", e->host,
		removed ? "removed" : "kept", p->vg, p->lv, why ? ": " : "",
		why ? why : "");
}

const char *sl_host_name(char *buf, size_t size)
{
	const char *h = getenv("SOFTLOCK_HOST");

	if (h && *h)
		snprintf(buf, size, "%s", h);
	else if (gethostname(buf, size))
		snprintf(buf, size, "localhost");
	buf[size - 1] = 0;
	return buf;
}

struct sl_src {
	struct sl_session *s;
	struct sl_mirror_env *e;
	struct sl_volume v;
	struct sl_pcpi *p;
	size_t n;
	struct sl_progress pr;
	struct sl_xdigest dg;	/* of what this session streams */
	bool took;		/* this session took the PCPI it offers */
	bool accepted;		/* ... and the destination accepted it */
	char self[600];		/* HOST:VG/LV, this end */
	char err[1024];
};

static int sl_src_refresh(struct sl_src *x)
{
	free(x->p);
	x->p = NULL;
	return sl_pcpi_list(&x->v, &x->p, &x->n, x->err, sizeof(x->err));
}

/*
 * LOCKSET in, installed under the destination's origin (each lock living
 * for the lease, if the relationship has one), LOCKSET_ACK out; out keeps
 * the set.
 */
static int sl_src_lockset(struct sl_src *x, const char *rel,
			  struct sl_lockset *out)
{
	struct sl_lockset ls = { 0 };
	char origin[SOFTLOCK_ORIGIN_MAX + 1], dest[256];
	const char *ds;
	size_t missing;
	int rc;

	/*
	 * Its GENERATION is ignored: this host numbers the sets it installs
	 * (sl_lockset_install()), so that a peer's clock stepping back, or
	 * one sending the largest value, cannot stop its later sets.
	 */
	rc = sl_sess_recv(x->s, SL_MSG_LOCKSET);
	if (rc)
		return rc;
	sl_msg_get_str(&x->s->m, SL_A_DATASET, &ds);
	snprintf(dest, sizeof(dest), "%s", ds);
	/* Another destination's set would replace the locks it depends on. */
	if (x->e->only_dataset && strcmp(dest, x->e->only_dataset))
		return sl_sess_fail(x->s, EACCES,
				    "%s: this peer may install the lock set of %s only, not of %s",
				    x->e->host, x->e->only_dataset, dest);
	sl_mirror_origin(dest, origin, sizeof(origin));
	rc = sl_lockset_read(&x->s->m, &ls);
	if (!rc)
		rc = sl_lockset_check_cycle(&ls, x->self, dest, x->err,
					    sizeof(x->err));
	if (!rc)
		rc = sl_src_refresh(x);
	if (!rc)
		rc = sl_lockset_install(x->e->cat, x->e->k, &x->v, x->p, x->n,
					origin, x->e->lease, &ls, &missing,
					x->err, sizeof(x->err));
	if (rc) {
		sl_lockset_free(&ls);
		return sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
	}
	if (missing)
		fprintf(stderr, "softlock: mirror %s: %zu of the %zu locks in the destination's set are on PCPIs no longer on %s: not installed\n",
			rel, missing, ls.n, x->e->host);
	sl_msg_put_u32(sl_sess_begin(x->s, SL_MSG_LOCKSET_ACK), SL_A_COUNT,
		       x->s->m.entries);
	if (out)
		*out = ls;
	else
		sl_lockset_free(&ls);
	return sl_sess_send(x->s);
}

static bool sl_is_part_name(const char *name)
{
	size_t l = strlen(name);

	return l > 5 && !strcmp(name + l - 5, ".part");
}

/* Choose what to offer and on which base; may take a snapshot. */
static int sl_src_pick(struct sl_src *x, const struct sl_lockset *ls,
		       struct sl_pcpi *offer, struct sl_pcpi *base,
		       bool *has_base)
{
	const struct sl_pcpi *q, *pick = NULL;
	uint8_t fp[SL_FP_LEN];
	char gid[SL_GID_LEN + 1];
	size_t i;
	int rc;

	for (i = 0; i < ls->n && !pick; i++)
		if (sl_is_part_name(ls->v[i].snapshot))
			pick = sl_pcpi_by_gid(x->p, x->n, ls->v[i].gid);
	if (pick) {
		*offer = *pick;
	} else if (x->v.exists) {
		rc = sl_gid_new(gid);
		if (!rc)
			rc = sl_fp_new(fp);
		if (!rc)
			rc = sl_pcpi_take(&x->v, gid, fp, offer, x->err,
					  sizeof(x->err));
		if (rc)
			return rc;
		x->took = true;
		rc = sl_src_refresh(x);
		if (rc)
			return rc;
	} else if ((q = sl_pcpi_newest(x->p, x->n))) {
		*offer = *q;
	} else {
		snprintf(x->err, sizeof(x->err),
			 "%s/%s does not exist on %s and it holds no PCPIs of it: nothing to send",
			 x->v.vg, x->v.lv, x->e->host);
		return -ENOENT;
	}
	*has_base = false;
	for (i = 0; i < ls->n; i++) {
		if (sl_is_part_name(ls->v[i].snapshot))
			continue;
		q = sl_pcpi_by_gid(x->p, x->n, ls->v[i].gid);
		if (q && q->seq < offer->seq && (!*has_base || q->seq > base->seq)) {
			*base = *q;
			*has_base = true;
		}
	}
	if (!offer->active)
		return sl_pcpi_activate(&x->v, offer, x->err, sizeof(x->err));
	return 0;
}

/*
 * --keep, then the global ids of every published PCPI left, for the OFFER:
 * the destination removes what is not among them. Runs after the
 * before-set is installed and the new PCPI taken, so the destination's
 * base and the offer itself are held and cannot be among the removed.
 */
static int sl_src_retention(struct sl_src *x, char **gids, size_t *n)
{
	size_t i;
	int rc;

	rc = sl_retention_keep(x->e->cat, x->e->k, &x->v, x->p, x->n,
			       x->e->keep, sl_mirror_retention_report, x->e);
	if (rc) {
		/* The report above named the PCPI; say what stopped here. */
		snprintf(x->err, sizeof(x->err), "retention (--keep %u) stopped: %s",
			 x->e->keep, strerror(-rc));
		return rc;
	}
	if (x->e->removed)
		rc = sl_src_refresh(x);
	if (rc)
		return rc;
	*gids = malloc(x->n * SL_GID_LEN + 1);
	if (!*gids) {
		snprintf(x->err, sizeof(x->err), "out of memory for the PCPI list");
		return -ENOMEM;
	}
	*n = 0;
	for (i = 0; i < x->n; i++)
		if (!x->p[i].part && x->p[i].has_fp && *x->p[i].gid)
			memcpy(*gids + (*n)++ * SL_GID_LEN, x->p[i].gid,
			       SL_GID_LEN);
	return 0;
}

static int sl_src_unit(void *arg, uint64_t off, const void *data, size_t len)
{
	struct sl_src *x = arg;
	struct sl_pbuf *b = sl_sess_begin(x->s, SL_MSG_DATA);
	int rc;

	sl_msg_put_u64(b, SL_A_OFFSET, off);
	sl_msg_put_bytes(b, SL_A_DATA, data, len);
	sl_msg_put_u32(b, SL_A_CRC, sl_crc32c(0, data, len));
	sl_xdigest_data(&x->dg, off, data, len);
	rc = sl_sess_send(x->s);
	if (rc)
		return rc;
	x->e->data_bytes += len;
	sl_progress_add(&x->pr, len);
	sl_test_data_done();
	return 0;
}

static int sl_src_discard(struct sl_src *x, uint64_t off, uint64_t len)
{
	struct sl_pbuf *b = sl_sess_begin(x->s, SL_MSG_DISCARD);

	sl_msg_put_u64(b, SL_A_OFFSET, off);
	sl_msg_put_u64(b, SL_A_LENGTH, len);
	sl_xdigest_zero(&x->dg, off, len);
	x->e->discard_bytes += len;
	return sl_sess_send(x->s);
}

/*
 * DATA for the changed units and DISCARD for the removed ranges, merged in
 * ascending order from resume on. Both lists are merged and sorted; a
 * range that straddles resume (it cannot, resume being a unit's end, but
 * a different thin_delta could) is cut there.
 */
static int sl_src_stream(struct sl_src *x, const struct sl_pcpi *offer,
			 const struct sl_ranges *units,
			 const struct sl_ranges *removed, uint64_t resume)
{
	struct sl_chunk_reader r;
	size_t i = 0, j = 0;
	uint64_t start, end;
	bool data;
	char dev[300];
	int rc;

	sl_pcpi_dev(offer, dev, sizeof(dev));
	rc = sl_reader_open(&r, dev, 0, x->err, sizeof(x->err));
	if (rc)
		return sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
	while (!rc && (i < units->n || j < removed->n)) {
		data = j == removed->n ||
		       (i < units->n && units->v[i].start < removed->v[j].start);
		start = data ? units->v[i].start : removed->v[j].start;
		end = start + (data ? units->v[i].len : removed->v[j].len);
		data ? i++ : j++;
		if (end <= resume)
			continue;
		if (start < resume)
			start = resume;
		if (data) {
			x->e->changed_bytes += end - start;
			rc = sl_reader_read(&r, start, end - start, sl_src_unit,
					    x, x->err, sizeof(x->err));
			if (rc && !x->s->failed && !*x->s->err)
				rc = sl_sess_fail(x->s, -rc, "%s: %s",
						  x->e->host, x->err);
		} else {
			rc = sl_src_discard(x, start, end - start);
		}
	}
	sl_reader_close(&r);
	return rc;
}

/* OFFER, ACCEPT, the stream, DONE, PUBLISHED. */
static int sl_src_transfer(struct sl_src *x, const struct sl_pcpi *offer,
			   const struct sl_pcpi *base, bool has_base)
{
	struct sl_ranges changed, removed, units;
	uint8_t digest[SL_DIGEST_LEN];
	char *gids = NULL;
	size_t ngids = 0;
	struct sl_pbuf *b;
	uint64_t resume;
	int rc;

	sl_ranges_init(&changed);
	sl_ranges_init(&removed);
	sl_ranges_init(&units);
	if (has_base)
		rc = sl_ranges_delta(x->v.tpool_dm, x->v.tmeta_dev,
				     base->thin_id, offer->thin_id, &changed,
				     &removed, x->err, sizeof(x->err));
	else
		rc = sl_ranges_mapped(x->v.tpool_dm, x->v.tmeta_dev,
				      offer->thin_id, &changed, x->err,
				      sizeof(x->err));
	if (!rc) {
		sl_ranges_clip(&changed, offer->size);
		sl_ranges_clip(&removed, offer->size);
		rc = sl_ranges_split(&changed, SL_CHUNK_UNIT, SL_CHUNK_ALIGN,
				     &units);
		if (rc)
			snprintf(x->err, sizeof(x->err),
				 "the changed ranges of %s are not %u-byte aligned",
				 offer->lv, SL_CHUNK_ALIGN);
	}
	if (rc) {
		rc = sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
		goto out;
	}
	rc = sl_src_retention(x, &gids, &ngids);
	if (rc) {
		rc = sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
		goto out;
	}
	b = sl_sess_begin(x->s, SL_MSG_OFFER);
	if (ngids)
		sl_msg_put_bytes(b, SL_A_PCPIS, gids, ngids * SL_GID_LEN);
	sl_msg_put_str(b, SL_A_SNAPSHOT, offer->lv);
	sl_msg_put_str(b, SL_A_GLOBAL_ID, offer->gid);
	sl_msg_put_u64(b, SL_A_SIZE, offer->size);
	sl_msg_put_u32(b, SL_A_CHUNK, x->v.chunk);
	if (has_base) {
		sl_msg_put_str(b, SL_A_BASE_GLOBAL_ID, base->gid);
		sl_msg_put_bytes(b, SL_A_BASE_FINGERPRINT, base->fp, SL_FP_LEN);
	}
	if (x->e->verify)
		sl_msg_put_u32(b, SL_A_READ_BACK, 1);
	rc = sl_sess_send(x->s);
	if (!rc)
		rc = sl_sess_recv(x->s, SL_MSG_ACCEPT);
	if (rc)
		goto out;
	x->accepted = true;
	sl_msg_get_u64(&x->s->m, SL_A_RESUME_OFFSET, &resume);
	x->e->resume = resume;
	x->e->up_to_date = resume == offer->size;
	rc = sl_xdigest_begin(&x->dg, offer->gid, has_base ? base->gid : NULL,
			      offer->size, resume, x->err, sizeof(x->err));
	if (rc) {
		rc = sl_sess_fail(x->s, -rc, "%s: %s", x->e->host, x->err);
		goto out;
	}
	sl_progress_start(&x->pr, offer->lv, sl_ranges_total(&units),
			  x->e->bar, x->e->json);
	rc = sl_src_stream(x, offer, &units, &removed, resume);
	sl_progress_end(&x->pr, !rc);
	if (rc)
		goto out;
	if (sl_xdigest_end(&x->dg, digest)) {
		rc = sl_sess_fail(x->s, EIO, "%s: libcrypto failed computing the transfer digest",
				  x->e->host);
		goto out;
	}
	b = sl_sess_begin(x->s, SL_MSG_DONE);
	sl_msg_put_u64(b, SL_A_BYTES_SENT, x->e->data_bytes);
	sl_msg_put_u64(b, SL_A_CHUNKS, units.n);
	sl_msg_put_bytes(b, SL_A_FINGERPRINT, offer->fp, SL_FP_LEN);
	sl_msg_put_bytes(b, SL_A_DIGEST, digest, SL_DIGEST_LEN);
	rc = sl_sess_send(x->s);
	if (!rc)
		rc = sl_sess_recv(x->s, SL_MSG_PUBLISHED);
out:
	sl_xdigest_free(&x->dg);
	free(gids);
	sl_ranges_free(&changed);
	sl_ranges_free(&removed);
	sl_ranges_free(&units);
	return rc;
}

int sl_mirror_source_release(struct sl_session *s, struct sl_mirror_env *e,
			     const char *rel, const char *volume)
{
	struct sl_src x = { .s = s, .e = e };
	int rc;

	snprintf(x.self, sizeof(x.self), "%s:%s", e->host, volume);
	if (!e->k)
		return sl_sess_fail(s, ENOENT,
				    "%s: the softlock module is not loaded: no lock to release",
				    e->host);
	rc = sl_volume_open(volume, &x.v, x.err, sizeof(x.err));
	if (rc)
		return sl_sess_fail(s, -rc, "%s: %s", e->host, x.err);
	rc = sl_src_lockset(&x, rel, NULL);
	if (!rc)
		rc = sl_sess_recv(s, SL_MSG_BYE);
	if (!rc) {
		sl_sess_begin(s, SL_MSG_BYE);
		rc = sl_sess_send(s);
	}
	free(x.p);
	sl_volume_close(&x.v);
	return rc;
}

int sl_mirror_source(struct sl_session *s, struct sl_mirror_env *e,
		     const char *rel, const char *volume)
{
	struct sl_src x = { .s = s, .e = e };
	struct sl_lockset ls = { 0 };
	struct sl_pcpi offer, base;
	bool has_base;
	int rc;

	snprintf(x.self, sizeof(x.self), "%s:%s", e->host, volume);
	if (!e->k)
		return sl_sess_fail(s, ENOENT,
				    "%s: the softlock module is not loaded, so the destination's PCPIs cannot be protected: run 'modprobe softlock' there",
				    e->host);
	rc = sl_volume_open(volume, &x.v, x.err, sizeof(x.err));
	if (rc)
		return sl_sess_fail(s, -rc, "%s: %s", e->host, x.err);
	/* The set just installed is also what says what to offer. */
	rc = sl_src_lockset(&x, rel, &ls);
	if (rc)
		goto out;
	rc = sl_src_pick(&x, &ls, &offer, &base, &has_base);
	if (rc) {
		rc = sl_sess_fail(s, -rc, "%s: %s", e->host, x.err);
		goto out;
	}
	snprintf(e->snapshot, sizeof(e->snapshot), "%s", offer.lv);
	snprintf(e->gid, sizeof(e->gid), "%s", offer.gid);
	snprintf(e->base, sizeof(e->base), "%s", has_base ? base.lv : "");
	e->size = offer.size;
	rc = sl_src_transfer(&x, &offer, &base, has_base);
	if (!rc)
		rc = sl_src_lockset(&x, rel, NULL);
	if (!rc)
		rc = sl_sess_recv(s, SL_MSG_BYE);
	if (!rc) {
		sl_sess_begin(s, SL_MSG_BYE);
		rc = sl_sess_send(s);
	}
out:
	/*
	 * A snapshot taken for an offer the destination refused serves
	 * nobody; once accepted, it stays for the transfer to resume.
	 */
	if (rc && x.took && !x.accepted &&
	    sl_pcpi_remove(&x.v, &offer, x.err, sizeof(x.err)))
		fprintf(stderr, "softlock: %s: %s\n", e->host, x.err);
	sl_lockset_free(&ls);
	free(x.p);
	sl_volume_close(&x.v);
	return rc;
}
