// SPDX-License-Identifier: GPL-2.0
/*
 * Changing PCPIs: take, create a .part, publish, activate, remove. Each
 * change is one LVM command. What it made is then known without asking
 * LVM again: the name and tags are the command's own, and the rest (thin
 * id, size, permission, activation, dev_t) is read from device-mapper,
 * which holds what LVM really did. The outcome goes into the volume's
 * listing, so that listing the VG again after one's own change is not
 * needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcpi_int.h"
#include "../lib/run.h"
#include "../lvm/lvm.h"

static int sl_lvchange_ay(const char *vglv, char *err, size_t errlen)
{
	const char *argv[] = { "lvchange", "-ay", "-K", vglv, NULL };
	char hint[400];

	snprintf(hint, sizeof(hint),
		 "check the pool with `lvs -a %.*s` and activate %s by hand",
		 (int)strcspn(vglv, "/"), vglv, vglv);
	return sl_pcpi_lvm_do(argv, hint, err, errlen);
}

/* Read p from device-mapper after LVM activated it: it must be there. */
static int sl_read_active(struct sl_pcpi *p, char *err, size_t errlen)
{
	char dm[300];
	int rc = sl_pcpi_dm_read(p, err, errlen);

	if (!rc && !p->active) {
		sl_lvm_dm_name(p->vg, p->lv, "", dm, sizeof(dm));
		snprintf(err, errlen,
			 "%s/%s: LVM activated it, but device-mapper has no device %s; check `lvs -a %s` and `dmsetup info %s`",
			 p->vg, p->lv, dm, p->vg, dm);
		rc = -ENXIO;
	}
	return rc;
}

/* What a command that made LV lv of vg says about it: the rest is read. */
static void sl_known(struct sl_pcpi *p, const char *vg, const char *lv,
		     uint32_t seq, bool part, const char *gid,
		     const uint8_t *fp, const char *pool_lv)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->vg, sizeof(p->vg), "%s", vg);
	snprintf(p->lv, sizeof(p->lv), "%s", lv);
	p->seq = seq;
	p->part = part;
	snprintf(p->gid, sizeof(p->gid), "%s", gid);
	if (fp) {
		p->has_fp = true;
		memcpy(p->fp, fp, SL_FP_LEN);
	}
	snprintf(p->pool_lv, sizeof(p->pool_lv), "%s", pool_lv);
}

/*
 * A just-created LV whose next step failed holds nothing yet: remove it
 * so that a retry does not trip over it, and say so in err.
 */
static void sl_undo_create(const char *vglv, char *err, size_t errlen)
{
	const char *argv[] = { "lvremove", "-y", vglv, NULL };
	size_t n = strlen(err);

	sl_lvm_changed();
	if (sl_run(argv, NULL, NULL))
		snprintf(err + n, errlen - n,
			 " (%s was left behind: lvremove -y %s)", vglv, vglv);
	else
		snprintf(err + n, errlen - n, " (%s was removed again)", vglv);
}

int sl_pcpi_take(struct sl_volume *v, const char *gid,
		 const uint8_t fp[SL_FP_LEN], struct sl_pcpi *out, char *err,
		 size_t errlen)
{
	char name[SL_LV_NAME_MAX + 1], origin[260], snap[260], hint[512];
	char gtag[8 + SL_GID_LEN], ftag[8 + 2 * SL_FP_LEN];
	/*
	 * Read-only from the start: a PCPI is an image, never a volume. It
	 * keeps thin snapshots' activation skip (no autoactivation at boot)
	 * but is active now (-ay -K), as it is about to be read.
	 */
	const char *argv[] = { "lvcreate", "-s", "-pr", "-ay", "-K", "-n",
			       name, "--addtag", gtag, "--addtag", ftag,
			       origin, NULL };
	uint32_t max;
	int rc;

	snprintf(origin, sizeof(origin), "%s/%s", v->vg, v->lv);
	if (!v->exists || !sl_gid_ok(gid)) {
		snprintf(err, errlen, v->exists ? "%s: bad global id %s" :
			 "%s does not exist: only an existing thin LV can be snapshotted",
			 origin, gid);
		return -EINVAL;
	}
	/* The N in use: as listed, unless something changed since. */
	rc = sl_pcpi_listing(v, err, errlen);
	if (rc)
		return rc;
	max = sl_pcpi_listed_max(v);
	if (max == UINT32_MAX ||
	    sl_pcpi_name(v->vg, v->lv, max + 1, false, name, sizeof(name))) {
		snprintf(err, errlen,
			 "%s: PCPI %s.sl.%u would pass LVM's name limits (%d characters, %d as VG-LV with '-' doubled): use a shorter volume or VG name",
			 origin, origin, max + 1, SL_LV_NAME_MAX,
			 SL_DM_NAME_MAX);
		return -ENAMETOOLONG;
	}
	snprintf(gtag, sizeof(gtag), "sl.gid.%s", gid);
	memcpy(ftag, "sl.fp.", 6);
	sl_fp_hex(fp, ftag + 6);
	snprintf(snap, sizeof(snap), "%s/%s", v->vg, name);
	snprintf(hint, sizeof(hint),
		 "check the free space of pool %s/%s (`lvs %s`)", v->vg,
		 v->pool_lv, v->vg);
	rc = sl_pcpi_lvm_do(argv, hint, err, errlen);
	if (rc) {
		sl_pool_queued_hint(v, err, errlen);
		return rc;
	}
	/* Its tags are the command's: one lvcreate, all or nothing. */
	sl_known(out, v->vg, name, max + 1, false, gid, fp, v->pool_lv);
	rc = sl_pcpi_dm_read(out, err, errlen);
	if (!rc && !out->active)
		rc = sl_pcpi_activate(NULL, out, err, errlen);
	if (rc)
		sl_undo_create(snap, err, errlen);
	else
		sl_pcpi_note(v, true, NULL, out);
	return rc;
}

int sl_pcpi_create_part(struct sl_volume *v, const char *name,
			const char *gid, const struct sl_pcpi *base,
			uint64_t size, struct sl_pcpi *out, char *err,
			size_t errlen)
{
	char part[SL_LV_NAME_MAX + 1], from[260], dst[260], pool[260];
	char gtag[8 + SL_GID_LEN], sz[32], hint[512];
	/* Active at once (-ay -K): it is about to be written. */
	const char *snap[] = { "lvcreate", "-s", "-ay", "-K", "-n", part,
			       "--addtag", gtag, from, NULL };
	const char *thin[] = { "lvcreate", "-T", pool, "-V", sz, "-ay", "-K",
			       "-n", part, "--addtag", gtag, NULL };
	const char *rw[] = { "lvchange", "-prw", dst, NULL };
	const char *resize[] = { "lvresize", "-f", "-L", sz, dst, NULL };
	bool listed = sl_pcpi_listed_ok(v);
	uint32_t seq;
	bool is_part;
	int rc;

	if (!sl_gid_ok(gid) || sl_pcpi_parse_name(NULL, name, &seq, &is_part) ||
	    is_part || !size || size > INT64_MAX ||
	    (base && (strcmp(base->vg, v->vg) || base->part))) {
		snprintf(err, errlen,
			 "%s/%s: cannot receive %s (gid %s, %llu bytes%s%s): not a PCPI name, a gid, a size, or a base of this VG",
			 v->vg, v->lv, name, gid, (unsigned long long)size,
			 base ? ", base " : "", base ? base->lv : "");
		return -EINVAL;
	}
	/* The destination's own volume name, whatever the source's is. */
	if (sl_pcpi_name(v->vg, v->lv, seq, true, part, sizeof(part))) {
		snprintf(err, errlen,
			 "%s/%s: %s/%s.sl.%u.part would pass LVM's name limits (%d characters, %d as VG-LV with '-' doubled): use a shorter volume or VG name",
			 v->vg, v->lv, v->vg, v->lv, seq, SL_LV_NAME_MAX,
			 SL_DM_NAME_MAX);
		return -ENAMETOOLONG;
	}
	snprintf(gtag, sizeof(gtag), "sl.gid.%s", gid);
	snprintf(dst, sizeof(dst), "%s/%s", v->vg, part);
	snprintf(pool, sizeof(pool), "%s/%s", v->vg, v->pool_lv);
	/* What LVM makes of size: asking for less would fail to resize. */
	if (v->extent && size % v->extent)
		size += v->extent - size % v->extent;
	snprintf(sz, sizeof(sz), "%llub", (unsigned long long)size);
	snprintf(hint, sizeof(hint),
		 "check the free space of pool %s and that no stale %s is left (lvremove -y %s)",
		 pool, dst, dst);
	if (base) {
		snprintf(from, sizeof(from), "%s/%s", base->vg, base->lv);
		rc = sl_pcpi_lvm_do(snap, hint, err, errlen);
	} else {
		rc = sl_pcpi_lvm_do(thin, hint, err, errlen);
	}
	if (rc) {
		sl_pool_queued_hint(v, err, errlen);
		return rc;
	}
	/* A thin snapshot lives in its base's pool. */
	sl_known(out, v->vg, part, seq, true, gid, NULL,
		 base ? base->pool_lv : v->pool_lv);
	rc = sl_pcpi_dm_read(out, err, errlen);
	if (!rc && !out->active) {
		rc = sl_lvchange_ay(dst, err, errlen);
		if (!rc)
			rc = sl_read_active(out, err, errlen);
	}
	/* A snapshot of a published, read-only PCPI inherits read-only. */
	if (!rc && out->readonly) {
		snprintf(hint, sizeof(hint), "check `lvs %s`", dst);
		rc = sl_pcpi_lvm_do(rw, hint, err, errlen);
		if (!rc)
			rc = sl_read_active(out, err, errlen);
	}
	if (!rc && out->size != size) {
		snprintf(hint, sizeof(hint), "check the free space of pool %s",
			 pool);
		rc = sl_pcpi_lvm_do(resize, hint, err, errlen);
		if (!rc)
			rc = sl_read_active(out, err, errlen);
	}
	if (rc)
		sl_undo_create(dst, err, errlen);
	else
		sl_pcpi_note(v, listed, NULL, out);
	return rc;
}

int sl_pcpi_publish(struct sl_volume *v, const struct sl_pcpi *part,
		    const uint8_t fp[SL_FP_LEN], struct sl_pcpi *out,
		    char *err, size_t errlen)
{
	char name[sizeof(part->lv)], src[260], hint[400];
	char oldtag[8 + 2 * SL_FP_LEN], ftag[8 + 2 * SL_FP_LEN];
	/* Tags and permission in one lvchange: LVM takes them together. */
	const char *tag[8] = { "lvchange" };
	int nt = 1;
	const char *mv[] = { "lvrename", part->vg, part->lv, name, NULL };
	bool listed = sl_pcpi_listed_ok(v);
	int rc;

	snprintf(src, sizeof(src), "%s/%s", part->vg, part->lv);
	snprintf(name, sizeof(name), "%s", part->lv);
	if (!part->part || strlen(name) < 5) {
		snprintf(err, errlen, "%s is not a .part LV", src);
		return -EINVAL;
	}
	name[strlen(name) - 5] = '\0';
	if (!part->gid[0]) {
		snprintf(err, errlen,
			 "%s has no valid sl.gid tag: it cannot be published; remove it (lvremove -y %s)",
			 src, src);
		return -EINVAL;
	}
	snprintf(hint, sizeof(hint), "check `lvs -o+lv_tags %s`", src);
	memcpy(ftag, "sl.fp.", 6);
	sl_fp_hex(fp, ftag + 6);
	if (part->has_fp && memcmp(part->fp, fp, SL_FP_LEN)) {
		/* --deltag first: one lvchange swaps the two. */
		memcpy(oldtag, "sl.fp.", 6);
		sl_fp_hex(part->fp, oldtag + 6);
		tag[nt++] = "--deltag";
		tag[nt++] = oldtag;
	}
	if (!part->has_fp || memcmp(part->fp, fp, SL_FP_LEN)) {
		tag[nt++] = "--addtag";
		tag[nt++] = ftag;
	}
	/* lvchange -pr refuses an LV that is read-only already. */
	if (!part->readonly)
		tag[nt++] = "-pr";
	if (nt > 1) {
		tag[nt] = src;
		rc = sl_pcpi_lvm_do(tag, hint, err, errlen);
		if (rc)
			return rc;
	}
	snprintf(hint, sizeof(hint),
		 "check that no LV %s/%s exists already (`lvs %s`)", part->vg,
		 name, part->vg);
	rc = sl_pcpi_lvm_do(mv, hint, err, errlen);
	if (rc)
		return rc;
	/* Renaming keeps the thin device: its id, size and dev_t. */
	*out = *part;
	snprintf(out->lv, sizeof(out->lv), "%s", name);
	out->part = false;
	out->has_fp = true;
	memcpy(out->fp, fp, SL_FP_LEN);
	out->readonly = true;
	rc = sl_pcpi_dm_read(out, err, errlen);
	if (!rc)
		sl_pcpi_note(v, listed, part->lv, out);
	return rc;
}

int sl_pcpi_activate(struct sl_volume *v, struct sl_pcpi *p, char *err,
		     size_t errlen)
{
	bool listed = v && sl_pcpi_listed_ok(v);
	char vglv[260];
	int rc;

	if (p->active)
		return 0;
	snprintf(vglv, sizeof(vglv), "%s/%s", p->vg, p->lv);
	rc = sl_lvchange_ay(vglv, err, errlen);
	if (!rc)
		rc = sl_read_active(p, err, errlen);
	if (!rc && v)
		sl_pcpi_note(v, listed, p->lv, p);
	return rc;
}

int sl_pcpi_writable(struct sl_volume *v, struct sl_pcpi *p, char *err,
		     size_t errlen)
{
	bool listed = v && sl_pcpi_listed_ok(v);
	char vglv[260], hint[400];
	const char *rw[] = { "lvchange", "-prw", vglv, NULL };
	int rc;

	if (!p->readonly)
		return 0;
	snprintf(vglv, sizeof(vglv), "%s/%s", p->vg, p->lv);
	snprintf(hint, sizeof(hint), "check `lvs -o+lv_attr %s`", vglv);
	rc = sl_pcpi_lvm_do(rw, hint, err, errlen);
	if (rc)
		return rc;
	p->readonly = false;
	if (v)
		sl_pcpi_note(v, listed, p->lv, p);
	return 0;
}

int sl_pcpi_remove(struct sl_volume *v, const struct sl_pcpi *p, char *err,
		   size_t errlen)
{
	bool listed = sl_pcpi_listed_ok(v);
	char vglv[260], hint[400];
	const char *argv[] = { "lvremove", "-y", vglv, NULL };
	uint32_t seq;
	bool part;
	int rc;

	snprintf(vglv, sizeof(vglv), "%s/%s", p->vg, p->lv);
	/* Never anything but a PCPI or a part: not the origin by mistake. */
	if (!p->vg[0] || sl_pcpi_parse_name(NULL, p->lv, &seq, &part)) {
		snprintf(err, errlen, "%s is not a PCPI: not removed", vglv);
		return -EINVAL;
	}
	snprintf(hint, sizeof(hint),
		 "check whether it is open or soft-locked (`softlock holds`, `lvs %s`)",
		 vglv);
	rc = sl_pcpi_lvm_do(argv, hint, err, errlen);
	if (!rc)
		sl_pcpi_note(v, listed, p->lv, NULL);
	return rc;
}
