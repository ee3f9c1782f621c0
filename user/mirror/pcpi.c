// SPDX-License-Identifier: GPL-2.0
/*
 * PCPIs on LVM; the pure parsing is in pcpi_id.c. Every change is one LVM
 * command run without a shell, every read is lvs's JSON report, and each
 * change is followed by a fresh read so *out is what LVM really did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcpi.h"
#include "../lib/json.h"
#include "../lib/run.h"
#include "../lvm/lvm.h"

#define SL_LVS_FIELDS "vg_name,lv_name,lv_attr,lv_size,pool_lv,thin_id," \
		      "lv_tags,lv_active,lv_kernel_major,lv_kernel_minor," \
		      "segtype,chunk_size,vg_extent_size,vg_uuid,lv_uuid"

/* A byte count or number as lvs prints it with --units b --nosuffix. */
static uint64_t sl_num(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

static const char *sl_str(const struct sl_json_obj *o, const char *key)
{
	const char *v = sl_json_get(o, key);

	return v ? v : "";
}

/* ---- Running LVM ---- */

/*
 * LVM's reason for a failure: the first line of its stderr that is not a
 * WARNING (those come first and rarely say why a command failed).
 */
static const char *sl_reason(char *errs)
{
	char *line = errs, *first = NULL, *nl;

	while (line && *line) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		while (*line == ' ')
			line++;
		if (*line && !first)
			first = line;
		if (*line && strncmp(line, "WARNING:", 8))
			return line;
		line = nl ? nl + 1 : NULL;
	}
	return first ? first : "no message";
}

static void sl_join(const char *const argv[], char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; argv[i] && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? " " : "", argv[i]);
}

/* Run an LVM command; on failure say which, LVM's reason and hint. */
static int sl_lvm_do(const char *const argv[], const char *hint, char *err,
		     size_t errlen)
{
	char *errs = NULL, cmd[768];
	int rc = sl_run(argv, NULL, &errs);

	if (rc < 0)
		snprintf(err, errlen, "cannot run %s: %s (install lvm2)",
			 argv[0], strerror(-rc));
	else if (rc) {
		sl_join(argv, cmd, sizeof(cmd));
		snprintf(err, errlen, "`%s` failed: %s; %s", cmd,
			 sl_reason(errs), hint);
	}
	free(errs);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

/* lvs's JSON report of target (VG, or VG/LV) into *out, to free. */
static int sl_lvs(const char *target, char **out, char *err, size_t errlen)
{
	const char *argv[] = { "lvs", "--reportformat", "json", "--units", "b",
			       "--nosuffix", "-o", SL_LVS_FIELDS, target,
			       NULL };
	char *errs = NULL;
	int rc;

	*out = NULL;
	rc = sl_run(argv, out, &errs);
	if (rc < 0) {
		snprintf(err, errlen, "cannot run lvs: %s (install lvm2)",
			 strerror(-rc));
	} else if (rc) {
		rc = strstr(errs, "not found") ? -ENOENT : -EIO;
		snprintf(err, errlen, "`lvs %s` failed: %s; check `lvs %s`",
			 target, sl_reason(errs), target);
	}
	free(errs);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

struct sl_one {
	struct sl_pcpi *p;
	int found, rc;
};

static int sl_one_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_one *one = arg;
	struct sl_pcpi p;
	int rc = sl_pcpi_from_row(o, NULL, &p);

	if (rc != -ENOENT) {
		one->found++;
		one->rc = rc;
		*one->p = p;
	}
	return 0;
}

/* Read the PCPI or part VG/LV afresh. */
static int sl_pcpi_read(const char *vg, const char *lv, struct sl_pcpi *p,
			char *err, size_t errlen)
{
	struct sl_one one = { .p = p };
	char target[300], *out;
	int rc;

	snprintf(target, sizeof(target), "%s/%s", vg, lv);
	rc = sl_lvs(target, &out, err, errlen);
	if (rc)
		return rc;
	rc = sl_json_each_object(out, sl_one_row, &one);
	free(out);
	if (rc || one.found != 1 || one.rc) {
		snprintf(err, errlen,
			 "%s: unexpected lvs report (not one thin LV named as a PCPI): check `lvs %s`",
			 target, target);
		return -EPROTO;
	}
	return 0;
}

/* ---- Volumes and listing ---- */

struct sl_vscan {
	struct sl_volume *v;
	char seg[64], origin_pool[128], first_pool[128];
	const char *want_pool;	/* second pass: the pool whose chunk and id */
	int pools, pool_id_rc;
};

static int sl_vol_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_vscan *s = arg;
	const char *name = sl_str(o, "lv_name"), *seg = sl_str(o, "segtype");

	if (s->want_pool) {
		if (strcmp(seg, "thin-pool") || strcmp(name, s->want_pool))
			return 0;
		s->v->chunk = sl_num(sl_json_get(o, "chunk_size"));
		s->pool_id_rc = sl_lvm_pool_id(sl_json_get(o, "vg_uuid"),
					       sl_json_get(o, "lv_uuid"),
					       s->v->pool_id,
					       sizeof(s->v->pool_id));
		return 0;
	}
	s->v->extent = sl_num(sl_json_get(o, "vg_extent_size"));
	if (!strcmp(name, s->v->lv)) {
		snprintf(s->seg, sizeof(s->seg), "%s", seg);
		snprintf(s->origin_pool, sizeof(s->origin_pool), "%s",
			 sl_str(o, "pool_lv"));
		s->v->size = sl_num(sl_json_get(o, "lv_size"));
	}
	if (!strcmp(seg, "thin-pool") && !s->pools++)
		snprintf(s->first_pool, sizeof(s->first_pool), "%s", name);
	return 0;
}

int sl_volume_open(const char *vglv, struct sl_volume *v, char *err,
		   size_t errlen)
{
	struct sl_vscan s = { .v = v };
	const char *slash = strchr(vglv, '/');
	char vgpool[260], *out;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!sl_lvm_name_ok(vglv) || slash - vglv > SL_LV_NAME_MAX ||
	    strlen(slash + 1) > SL_LV_NAME_MAX) {
		snprintf(err, errlen, "%s: not a VG/LV name", vglv);
		return -EINVAL;
	}
	snprintf(v->vg, sizeof(v->vg), "%.*s", (int)(slash - vglv), vglv);
	snprintf(v->lv, sizeof(v->lv), "%s", slash + 1);
	rc = sl_lvs(v->vg, &out, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "%s: no volume group %s on this host",
			 vglv, v->vg);
	if (rc)
		return rc;
	rc = sl_json_each_object(out, sl_vol_row, &s);
	if (rc)
		goto bad_report;
	if (s.seg[0] && strcmp(s.seg, "thin")) {
		snprintf(err, errlen,
			 "%s is not a thin volume (segment type %s): the mirror copies thin LVs only",
			 vglv, s.seg);
		rc = -EINVAL;
		goto out;
	}
	v->exists = s.seg[0] != '\0';
	if (v->exists) {
		snprintf(v->pool_lv, sizeof(v->pool_lv), "%s", s.origin_pool);
	} else if (s.pools == 1) {
		snprintf(v->pool_lv, sizeof(v->pool_lv), "%s", s.first_pool);
	} else {
		snprintf(err, errlen,
			 "%s does not exist and VG %s has %s thin pool: create %s as a thin LV in the pool to use, or leave the VG one pool",
			 vglv, v->vg, s.pools ? "more than one" : "no", vglv);
		rc = -EINVAL;
		goto out;
	}
	s.want_pool = v->pool_lv;
	s.pool_id_rc = -ENOENT;
	rc = sl_json_each_object(out, sl_vol_row, &s);
	if (rc || !v->chunk || !v->extent || !v->pool_lv[0])
		goto bad_report;
	snprintf(vgpool, sizeof(vgpool), "%s/%s", v->vg, v->pool_lv);
	if (sl_pcpi_dm_name(v->vg, v->pool_lv, "-tpool", v->tpool_dm,
			    sizeof(v->tpool_dm)) ||
	    sl_pcpi_dm_name(v->vg, v->pool_lv, "_tmeta", v->tmeta_dev + 12,
			    sizeof(v->tmeta_dev) - 12)) {
		snprintf(err, errlen, "%s: device-mapper name too long", vgpool);
		rc = -ENAMETOOLONG;
		goto out;
	}
	memcpy(v->tmeta_dev, "/dev/mapper/", 12);
	/* From the same listing: its vg_uuid and the pool's lv_uuid. */
	rc = s.pool_id_rc;
	if (rc)
		snprintf(err, errlen,
			 "%s: cannot read the thin pool's identity: %s; check `lvs %s`",
			 vgpool, strerror(-rc), vgpool);
	goto out;
bad_report:
	snprintf(err, errlen, "VG %s: unexpected lvs report; check `lvs %s`",
		 v->vg, v->vg);
	rc = -EPROTO;
out:
	free(out);
	return rc;
}

struct sl_scan {
	const char *lv;
	struct sl_pcpi *p;
	size_t n, cap;
	uint32_t max;		/* the highest N any LV's name uses */
};

static int sl_scan_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_scan *s = arg;
	struct sl_pcpi p, *grown;
	int rc = sl_pcpi_from_row(o, s->lv, &p);

	if (rc == -ENOENT)
		return 0;
	if (p.seq > s->max)
		s->max = p.seq;
	if (rc)
		return 0;
	if (s->n == s->cap) {
		grown = reallocarray(s->p, s->cap * 2 + 16, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->p = grown;
		s->cap = s->cap * 2 + 16;
	}
	s->p[s->n++] = p;
	return 0;
}

static int sl_pcpi_cmp(const void *a, const void *b)
{
	const struct sl_pcpi *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (int)x->part - (int)y->part;
}

static int sl_scan(const struct sl_volume *v, struct sl_scan *s, char *err,
		   size_t errlen)
{
	char *out;
	int rc;

	memset(s, 0, sizeof(*s));
	s->lv = v->lv;
	rc = sl_lvs(v->vg, &out, err, errlen);
	if (rc)
		return rc;
	rc = sl_json_each_object(out, sl_scan_row, s);
	free(out);
	if (rc) {
		free(s->p);
		s->p = NULL;
		snprintf(err, errlen, "VG %s: %s", v->vg, rc == -ENOMEM ?
			 "out of memory" : "unexpected lvs report");
		return rc == -ENOMEM ? rc : -EPROTO;
	}
	if (s->n)
		qsort(s->p, s->n, sizeof(*s->p), sl_pcpi_cmp);
	return 0;
}

int sl_pcpi_list(const struct sl_volume *v, struct sl_pcpi **out, size_t *n,
		 char *err, size_t errlen)
{
	struct sl_scan s;
	int rc = sl_scan(v, &s, err, errlen);

	if (rc)
		return rc;
	*out = s.p;
	*n = s.n;
	return 0;
}

/* ---- Changes ---- */

static int sl_lvchange_ay(const char *vglv, char *err, size_t errlen)
{
	const char *argv[] = { "lvchange", "-ay", "-K", vglv, NULL };
	char hint[400];

	snprintf(hint, sizeof(hint),
		 "check the pool with `lvs -a %.*s` and activate %s by hand",
		 (int)strcspn(vglv, "/"), vglv, vglv);
	return sl_lvm_do(argv, hint, err, errlen);
}

/*
 * A just-created LV whose next step failed holds nothing yet: remove it
 * so that a retry does not trip over it, and say so in err.
 */
static void sl_undo_create(const char *vglv, char *err, size_t errlen)
{
	const char *argv[] = { "lvremove", "-y", vglv, NULL };
	size_t n = strlen(err);

	if (sl_run(argv, NULL, NULL))
		snprintf(err + n, errlen - n,
			 " (%s was left behind: lvremove -y %s)", vglv, vglv);
	else
		snprintf(err + n, errlen - n, " (%s was removed again)", vglv);
}

int sl_pcpi_take(const struct sl_volume *v, const char *gid,
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
	struct sl_scan s;
	int rc;

	snprintf(origin, sizeof(origin), "%s/%s", v->vg, v->lv);
	if (!v->exists || !sl_gid_ok(gid)) {
		snprintf(err, errlen, v->exists ? "%s: bad global id %s" :
			 "%s does not exist: only an existing thin LV can be snapshotted",
			 origin, gid);
		return -EINVAL;
	}
	rc = sl_scan(v, &s, err, errlen);
	if (rc)
		return rc;
	free(s.p);
	if (s.max == UINT32_MAX ||
	    sl_pcpi_name(v->vg, v->lv, s.max + 1, false, name, sizeof(name))) {
		snprintf(err, errlen,
			 "%s: PCPI %s.sl.%u would pass LVM's name limits (%d characters, %d as VG-LV with '-' doubled): use a shorter volume or VG name",
			 origin, origin, s.max + 1, SL_LV_NAME_MAX,
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
	rc = sl_lvm_do(argv, hint, err, errlen);
	if (rc)
		return rc;
	rc = sl_pcpi_read(v->vg, name, out, err, errlen);
	if (!rc && !out->active)
		rc = sl_pcpi_activate(out, err, errlen);
	if (!rc && (strcmp(out->gid, gid) || !out->has_fp ||
		    memcmp(out->fp, fp, SL_FP_LEN))) {
		snprintf(err, errlen, "%s: LVM did not keep its tags", snap);
		rc = -EPROTO;
	}
	if (rc)
		sl_undo_create(snap, err, errlen);
	return rc;
}

int sl_pcpi_create_part(const struct sl_volume *v, const char *name,
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
		rc = sl_lvm_do(snap, hint, err, errlen);
	} else {
		rc = sl_lvm_do(thin, hint, err, errlen);
	}
	if (rc)
		return rc;
	rc = sl_pcpi_read(v->vg, part, out, err, errlen);
	if (!rc && !out->active) {
		rc = sl_lvchange_ay(dst, err, errlen);
		if (!rc)
			rc = sl_pcpi_read(v->vg, part, out, err, errlen);
	}
	/* A snapshot of a published, read-only PCPI inherits read-only. */
	if (!rc && out->readonly) {
		snprintf(hint, sizeof(hint), "check `lvs %s`", dst);
		rc = sl_lvm_do(rw, hint, err, errlen);
		if (!rc)
			rc = sl_pcpi_read(v->vg, part, out, err, errlen);
	}
	if (!rc && out->size != size) {
		snprintf(hint, sizeof(hint), "check the free space of pool %s",
			 pool);
		rc = sl_lvm_do(resize, hint, err, errlen);
		if (!rc)
			rc = sl_pcpi_read(v->vg, part, out, err, errlen);
	}
	if (rc)
		sl_undo_create(dst, err, errlen);
	return rc;
}

int sl_pcpi_publish(const struct sl_pcpi *part, const uint8_t fp[SL_FP_LEN],
		    struct sl_pcpi *out, char *err, size_t errlen)
{
	char name[sizeof(part->lv)], src[260], hint[400];
	char oldtag[8 + 2 * SL_FP_LEN], ftag[8 + 2 * SL_FP_LEN];
	/* Tags and permission in one lvchange: LVM takes them together. */
	const char *tag[8] = { "lvchange" };
	int nt = 1;
	const char *mv[] = { "lvrename", part->vg, part->lv, name, NULL };
	struct sl_pcpi cur;
	int rc;

	snprintf(src, sizeof(src), "%s/%s", part->vg, part->lv);
	snprintf(name, sizeof(name), "%s", part->lv);
	if (!part->part || strlen(name) < 5) {
		snprintf(err, errlen, "%s is not a .part LV", src);
		return -EINVAL;
	}
	name[strlen(name) - 5] = '\0';
	/* Afresh, so that a publish interrupted half-way can be repeated. */
	rc = sl_pcpi_read(part->vg, part->lv, &cur, err, errlen);
	if (rc)
		return rc;
	if (!cur.gid[0]) {
		snprintf(err, errlen,
			 "%s has no valid sl.gid tag: it cannot be published; remove it (lvremove -y %s)",
			 src, src);
		return -EINVAL;
	}
	snprintf(hint, sizeof(hint), "check `lvs -o+lv_tags %s`", src);
	memcpy(ftag, "sl.fp.", 6);
	sl_fp_hex(fp, ftag + 6);
	if (cur.has_fp && memcmp(cur.fp, fp, SL_FP_LEN)) {
		/* --deltag first: one lvchange swaps the two. */
		memcpy(oldtag, "sl.fp.", 6);
		sl_fp_hex(cur.fp, oldtag + 6);
		tag[nt++] = "--deltag";
		tag[nt++] = oldtag;
	}
	if (!cur.has_fp || memcmp(cur.fp, fp, SL_FP_LEN)) {
		tag[nt++] = "--addtag";
		tag[nt++] = ftag;
	}
	/* lvchange -pr refuses an LV that is read-only already. */
	if (!cur.readonly)
		tag[nt++] = "-pr";
	if (nt > 1) {
		tag[nt] = src;
		rc = sl_lvm_do(tag, hint, err, errlen);
		if (rc)
			return rc;
	}
	snprintf(hint, sizeof(hint),
		 "check that no LV %s/%s exists already (`lvs %s`)", part->vg,
		 name, part->vg);
	rc = sl_lvm_do(mv, hint, err, errlen);
	if (rc)
		return rc;
	return sl_pcpi_read(part->vg, name, out, err, errlen);
}

int sl_pcpi_activate(struct sl_pcpi *p, char *err, size_t errlen)
{
	char vglv[260];
	int rc;

	if (p->active)
		return 0;
	snprintf(vglv, sizeof(vglv), "%s/%s", p->vg, p->lv);
	rc = sl_lvchange_ay(vglv, err, errlen);
	return rc ? rc : sl_pcpi_read(p->vg, p->lv, p, err, errlen);
}

int sl_pcpi_remove(const struct sl_pcpi *p, char *err, size_t errlen)
{
	char vglv[260], hint[400];
	const char *argv[] = { "lvremove", "-y", vglv, NULL };
	uint32_t seq;
	bool part;

	snprintf(vglv, sizeof(vglv), "%s/%s", p->vg, p->lv);
	/* Never anything but a PCPI or a part: not the origin by mistake. */
	if (!p->vg[0] || sl_pcpi_parse_name(NULL, p->lv, &seq, &part)) {
		snprintf(err, errlen, "%s is not a PCPI: not removed", vglv);
		return -EINVAL;
	}
	snprintf(hint, sizeof(hint),
		 "check whether it is open or soft-locked (`softlock holds`, `lvs %s`)",
		 vglv);
	return sl_lvm_do(argv, hint, err, errlen);
}
