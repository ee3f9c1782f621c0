// SPDX-License-Identifier: GPL-2.0
/*
 * PCPIs on LVM: running LVM, volumes and their listing. The changes are
 * in pcpi_lv.c, the device-mapper reads in pcpi_dm.c, the pure parsing in
 * pcpi_id.c. Every LVM command runs without a shell, and every listing is
 * lvs's JSON report of the whole VG.
 *
 * LVM commands dominate a small mirror update (each costs a process and
 * LVM's metadata scan), so a volume keeps its listing: sl_volume_open
 * reads it, sl_pcpi_list hands it out again, and each change the helper
 * makes through the volume puts its own outcome into it. Any other
 * change this process makes to LVM (sl_lvm_changes) makes it stale, and
 * the next sl_pcpi_list lists the VG again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcpi_int.h"
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

int sl_pcpi_lvm_do(const char *const argv[], const char *hint, char *err,
		   size_t errlen)
{
	char *errs = NULL, cmd[768];
	int rc;

	sl_lvm_changed();
	rc = sl_run(argv, NULL, &errs);

	if (rc == -ETIMEDOUT)
		snprintf(err, errlen, "%s", sl_run_why(rc, errs));
	else if (rc < 0)
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
static int sl_lvs_report(const char *target, char **out, char *err,
			 size_t errlen)
{
	char *errs = NULL;
	int rc;

	*out = NULL;
	rc = sl_lvm_lvs(target, SL_LVS_FIELDS, out, &errs);
	if (rc == -ETIMEDOUT) {
		snprintf(err, errlen, "%s", sl_run_why(rc, errs));
	} else if (rc < 0) {
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

/* ---- The listing ---- */

struct sl_scan {
	const char *lv;
	struct sl_pcpi *p;
	size_t n, cap;
	uint32_t other_max;	/* of the LVs named like one, not thin */
};

static int sl_scan_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_scan *s = arg;
	struct sl_pcpi p, *grown;
	int rc = sl_pcpi_from_row(o, s->lv, &p);

	if (rc == -ENOENT)
		return 0;
	if (rc) {
		if (p.seq > s->other_max)
			s->other_max = p.seq;
		return 0;
	}
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

/* v's listing from out, lvs's report of its VG just read. */
static int sl_list_parse(struct sl_volume *v, const char *out, char *err,
			 size_t errlen)
{
	struct sl_scan s = { .lv = v->lv };
	int rc;

	v->have_list = false;
	rc = sl_json_each_object(out, sl_scan_row, &s);
	if (rc) {
		free(s.p);
		snprintf(err, errlen, "VG %s: %s", v->vg, rc == -ENOMEM ?
			 "out of memory" : "unexpected lvs report");
		return rc == -ENOMEM ? rc : -EPROTO;
	}
	if (s.n)
		qsort(s.p, s.n, sizeof(*s.p), sl_pcpi_cmp);
	free(v->listed);
	v->listed = s.p;
	v->nlisted = s.n;
	v->other_max = s.other_max;
	v->listed_at = sl_lvm_changes();
	v->have_list = true;
	return 0;
}

bool sl_pcpi_listed_ok(const struct sl_volume *v)
{
	return v->have_list && v->listed_at == sl_lvm_changes();
}

int sl_pcpi_listing(struct sl_volume *v, char *err, size_t errlen)
{
	char *out;
	int rc;

	if (sl_pcpi_listed_ok(v))
		return 0;
	rc = sl_lvs_report(v->vg, &out, err, errlen);
	if (rc)
		return rc;
	rc = sl_list_parse(v, out, err, errlen);
	free(out);
	return rc;
}

uint32_t sl_pcpi_listed_max(const struct sl_volume *v)
{
	uint32_t max = v->other_max;
	size_t i;

	for (i = 0; i < v->nlisted; i++)
		if (v->listed[i].seq > max)
			max = v->listed[i].seq;
	return max;
}

static ssize_t sl_listed_at(const struct sl_volume *v, const char *lv)
{
	size_t i;

	for (i = 0; i < v->nlisted; i++)
		if (!strcmp(v->listed[i].lv, lv))
			return i;
	return -1;
}

void sl_pcpi_note(struct sl_volume *v, bool was_ok, const char *old,
		  const struct sl_pcpi *p)
{
	ssize_t i = old ? sl_listed_at(v, old) : -1, dup;
	struct sl_pcpi *grown;
	uint32_t seq;
	bool part;

	/*
	 * What this cannot place exactly (an entry that is not where it
	 * should be, a name not of v) makes the listing stale instead.
	 */
	v->have_list = false;
	if (!was_ok || (old && i < 0) || (!old && !p))
		return;
	if (p) {
		dup = sl_listed_at(v, p->lv);
		if (strcmp(p->vg, v->vg) ||
		    sl_pcpi_parse_name(v->lv, p->lv, &seq, &part) ||
		    seq != p->seq || part != p->part || (dup >= 0 && dup != i))
			return;
		if (i < 0) {
			grown = reallocarray(v->listed, v->nlisted + 1,
					     sizeof(*grown));
			if (!grown)
				return;
			v->listed = grown;
			i = v->nlisted++;
		}
		v->listed[i] = *p;
		qsort(v->listed, v->nlisted, sizeof(*v->listed), sl_pcpi_cmp);
	} else {
		memmove(&v->listed[i], &v->listed[i + 1],
			(v->nlisted - i - 1) * sizeof(*v->listed));
		v->nlisted--;
	}
	v->listed_at = sl_lvm_changes();
	v->have_list = true;
}

int sl_pcpi_list(struct sl_volume *v, struct sl_pcpi **out, size_t *n,
		 char *err, size_t errlen)
{
	int rc = sl_pcpi_listing(v, err, errlen);

	*out = NULL;
	*n = 0;
	if (rc || !v->nlisted)
		return rc;
	*out = malloc(v->nlisted * sizeof(**out));
	if (!*out) {
		snprintf(err, errlen, "VG %s: out of memory", v->vg);
		return -ENOMEM;
	}
	memcpy(*out, v->listed, v->nlisted * sizeof(**out));
	*n = v->nlisted;
	return 0;
}

/* ---- Volumes ---- */

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
	rc = sl_lvs_report(v->vg, &out, err, errlen);
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
	if (sl_lvm_dm_name(v->vg, v->pool_lv, "-tpool", v->tpool_dm,
			    sizeof(v->tpool_dm)) ||
	    sl_lvm_dm_name(v->vg, v->pool_lv, "_tmeta", v->tmeta_dev + 12,
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
	/* ... and the volume's PCPIs, for the first sl_pcpi_list. */
	if (!rc)
		rc = sl_list_parse(v, out, err, errlen);
	goto out;
bad_report:
	snprintf(err, errlen, "VG %s: unexpected lvs report; check `lvs %s`",
		 v->vg, v->vg);
	rc = -EPROTO;
out:
	free(out);
	if (rc)
		sl_volume_close(v);
	return rc;
}

void sl_volume_close(struct sl_volume *v)
{
	free(v->listed);
	v->listed = NULL;
	v->nlisted = 0;
	v->have_list = false;
}
