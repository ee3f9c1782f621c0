// SPDX-License-Identifier: GPL-2.0
/*
 * The LVM and raw device-mapper adapter. LVM is asked through lvs's JSON
 * report; the pool's kernel identity is the DM uuid LVM gives the pool's
 * "-tpool" layer, which receives the delete messages: "LVM-" followed by
 * the VG and pool LV uuids without dashes, then "-tpool".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvm.h"
#include "../lib/json.h"
#include "../lib/run.h"
#include "../mirror/pool.h"

/*
 * pool_lv_uuid gives the pool's identity in the same report: a second
 * lvs for the pool's lv_uuid cost as much again (0.5 s under TCG), for
 * each hold "softlock holds" lists.
 */
#define LVS_FIELDS "vg_name,lv_name,segtype,pool_lv,origin,thin_id,lv_active," \
		   "lv_kernel_major,lv_kernel_minor,vg_uuid,lv_uuid,pool_lv_uuid"

bool sl_lvm_name_ok(const char *vglv)
{
	const char *slash = strchr(vglv, '/'), *p;

	if (!slash || slash == vglv || !slash[1] || strchr(slash + 1, '/'))
		return false;
	if (vglv[0] == '-' || slash[1] == '-' || strlen(vglv) > 255)
		return false;
	for (p = vglv; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789+_.-/", *p))
			return false;
	return true;
}

int sl_lvm_lvs(const char *target, const char *fields, char **out,
	       char **errs)
{
	const char *argv[] = { "lvs", "--reportformat", "json", "--units", "b",
			       "--nosuffix", "-o", fields, target, NULL };

	if (!target)
		argv[8] = NULL;
	return sl_run(argv, out, errs);
}

struct sl_row {
	struct sl_json_obj copy;
	int found;
	char buf[4096];
};

static int sl_take_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_row *r = arg;
	char *w = r->buf;
	size_t left = sizeof(r->buf), n;
	int i;

	if (!sl_json_get(o, "lv_name") && !sl_json_get(o, "lv_uuid"))
		return 0;
	r->found++;
	r->copy.n = 0;
	for (i = 0; i < o->n; i++) {
		n = strlen(o->key[i]) + strlen(o->val[i]) + 2;
		if (n > left)
			break;
		r->copy.key[i] = strcpy(w, o->key[i]);
		w += strlen(w) + 1;
		r->copy.val[i] = strcpy(w, o->val[i]);
		w += strlen(w) + 1;
		left -= n;
		r->copy.n++;
	}
	return 0;
}

/* lvs FIELDS VG/LV into r: exactly one row. */
static int sl_lvs_row(const char *vglv, const char *fields, struct sl_row *r,
		  char *err, size_t errlen)
{
	char *out = NULL, *errs = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = sl_lvm_lvs(vglv, fields, &out, &errs);
	if (rc == -ETIMEDOUT) {
		snprintf(err, errlen, "%s: %s", vglv, sl_run_why(rc, errs));
	} else if (rc < 0) {
		snprintf(err, errlen, "cannot run lvs: %s (install lvm2)",
			 strerror(-rc));
	} else if (rc) {
		snprintf(err, errlen, "%s: no such logical volume (lvs: %s)",
			 vglv, sl_run_why(rc, errs));
		rc = -ENOENT;
	} else if (sl_json_each_object(out, sl_take_row, r) || r->found != 1) {
		snprintf(err, errlen, "%s: unexpected lvs report", vglv);
		rc = -EPROTO;
	}
	free(out);
	free(errs);
	return rc;
}

static void sl_strip_dashes(char *dst, const char *src, size_t size)
{
	size_t n = 0;

	for (; *src && n + 1 < size; src++)
		if (*src != '-')
			dst[n++] = *src;
	dst[n] = '\0';
}

int sl_lvm_pool_id(const char *vg_uuid, const char *pool_uuid, char *buf,
		   size_t size)
{
	char vgu[64], poolu[64];

	sl_strip_dashes(vgu, vg_uuid ? vg_uuid : "", sizeof(vgu));
	sl_strip_dashes(poolu, pool_uuid ? pool_uuid : "", sizeof(poolu));
	snprintf(buf, size, "LVM-%s%s-tpool", vgu, poolu);
	return vgu[0] && poolu[0] ? 0 : -EINVAL;
}

int sl_lvm_dm_uuid(const char *vg_uuid, const char *lv_uuid, char *buf,
		   size_t size)
{
	char vgu[64], lvu[64];

	sl_strip_dashes(vgu, vg_uuid ? vg_uuid : "", sizeof(vgu));
	sl_strip_dashes(lvu, lv_uuid ? lv_uuid : "", sizeof(lvu));
	snprintf(buf, size, "LVM-%s%s", vgu, lvu);
	return vgu[0] && lvu[0] ? 0 : -EINVAL;
}

static const char *sl_get(const struct sl_row *r, const char *key)
{
	const char *v = sl_json_get(&r->copy, key);

	return v ? v : "";
}

int sl_lvm_resolve(const char *vglv, struct sl_snap *s, char *err,
		   size_t errlen)
{
	char poolname[260];
	struct sl_row r;
	const char *vg;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!sl_lvm_name_ok(vglv)) {
		snprintf(err, errlen, "%s: not a VG/LV name", vglv);
		return -EINVAL;
	}
	rc = sl_lvs_row(vglv, LVS_FIELDS, &r, err, errlen);
	if (rc)
		return rc;
	if (strcmp(sl_get(&r, "segtype"), "thin")) {
		snprintf(err, errlen,
			 "%s: not a thin volume or thin snapshot (segment type %s); soft locks guard dm-thin snapshots only",
			 vglv, sl_get(&r, "segtype"));
		return -EINVAL;
	}
	snprintf(s->name, sizeof(s->name), "%s", vglv);
	vg = sl_get(&r, "vg_name");
	snprintf(poolname, sizeof(poolname), "%s/%s", vg, sl_get(&r, "pool_lv"));
	snprintf(s->pool_name, sizeof(s->pool_name), "%s", poolname);
	s->thin_id = strtoul(sl_get(&r, "thin_id"), NULL, 10);
	s->lvm = true;
	s->snapshot = sl_get(&r, "origin")[0] != '\0';
	s->active = !strcmp(sl_get(&r, "lv_active"), "active");
	if (s->active) {
		s->major = strtoul(sl_get(&r, "lv_kernel_major"), NULL, 10);
		s->minor = strtoul(sl_get(&r, "lv_kernel_minor"), NULL, 10);
	}
	if (sl_lvm_pool_id(sl_get(&r, "vg_uuid"), sl_get(&r, "pool_lv_uuid"),
			   s->pool, sizeof(s->pool)) ||
	    sl_lvm_dm_uuid(sl_get(&r, "vg_uuid"), sl_get(&r, "lv_uuid"),
			   s->dm_uuid, sizeof(s->dm_uuid))) {
		snprintf(err, errlen, "%s: lvs reports no uuid for its VG or pool %s",
			 vglv, poolname);
		return -EPROTO;
	}
	return 0;
}

static unsigned long sl_changes;

unsigned long sl_lvm_changes(void)
{
	return sl_changes;
}

void sl_lvm_changed(void)
{
	sl_changes++;
}

int sl_lvm_activate(struct sl_snap *s, bool on, char *err, size_t errlen)
{
	const char *argv[] = { "lvchange", on ? "-ay" : "-an", "-K", s->name,
			       NULL };
	char *errs = NULL;
	char name[sizeof(s->name)];
	int rc;

	sl_lvm_changed();
	rc = sl_run(argv, NULL, &errs);
	if (rc) {
		snprintf(err, errlen, "%s: lvchange %s failed: %s", s->name,
			 argv[1], sl_run_why(rc, errs));
		free(errs);
		return -EIO;
	}
	free(errs);
	snprintf(name, sizeof(name), "%s", s->name);
	return sl_lvm_resolve(name, s, err, errlen);
}

int sl_dm_resolve(const char *pooldev, uint32_t id, struct sl_snap *s,
		  char *err, size_t errlen)
{
	const char *name = pooldev;
	const char *info[] = { "dmsetup", "info", "-c", "--noheadings",
			       "--separator", "|", "-o", "uuid", name, NULL };
	const char *table[] = { "dmsetup", "table", name, NULL };
	char *out = NULL, *errs = NULL, *nl;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!strncmp(name, "/dev/mapper/", 12))
		name += 12;
	info[8] = table[2] = name;
	if (!*name || strchr(name, '/')) {
		snprintf(err, errlen, "%s: name the pool as /dev/mapper/NAME",
			 pooldev);
		return -EINVAL;
	}
	rc = sl_run(table, &out, &errs);
	if (rc || !strstr(out, " thin-pool ")) {
		snprintf(err, errlen, "%s: %s", pooldev,
			 rc ? sl_run_why(rc, errs) :
			 "not an active dm-thin pool (no thin-pool target in its table)");
		free(out);
		free(errs);
		return rc ? -ENOENT : -EINVAL;
	}
	free(out);
	free(errs);
	rc = sl_run(info, &out, &errs);
	if (rc) {
		snprintf(err, errlen, "%s: dmsetup info failed: %s", pooldev,
			 sl_run_why(rc, errs));
		free(out);
		free(errs);
		return -EIO;
	}
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	snprintf(s->pool, sizeof(s->pool), "%s", out[0] ? out : name);
	snprintf(s->pool_name, sizeof(s->pool_name), "%s", name);
	snprintf(s->name, sizeof(s->name), "/dev/mapper/%s#%u", name, id);
	s->thin_id = id;
	s->snapshot = true;
	free(out);
	free(errs);
	return 0;
}

int sl_lvm_pool_identity(const char *vgpool, char *pool, size_t size)
{
	char err[600];
	struct sl_row r;
	int rc;

	if (!sl_lvm_name_ok(vgpool))
		return -EINVAL;
	rc = sl_lvs_row(vgpool, "segtype,vg_uuid,lv_uuid", &r, err, sizeof(err));
	if (rc)
		return rc;
	if (strcmp(sl_get(&r, "segtype"), "thin-pool"))
		return -EINVAL;
	return sl_lvm_pool_id(sl_get(&r, "vg_uuid"), sl_get(&r, "lv_uuid"),
			      pool, size);
}

struct sl_pool_find {
	const char *identity;
	char *name;
	size_t size;
	int found;
};

static int sl_pool_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_pool_find *f = arg;
	char id[140];
	const char *vg = sl_json_get(o, "vg_name"), *lv = sl_json_get(o, "lv_name");
	const char *seg = sl_json_get(o, "segtype");

	if (!vg || !lv || !seg || strcmp(seg, "thin-pool") ||
	    sl_lvm_pool_id(sl_json_get(o, "vg_uuid"), sl_json_get(o, "lv_uuid"),
			   id, sizeof(id)) ||
	    strcmp(id, f->identity))
		return 0;
	snprintf(f->name, f->size, "%s/%s", vg, lv);
	f->found = 1;
	return 1;
}

int sl_lvm_pool_name(const char *identity, char *name, size_t size)
{
	struct sl_pool_find f = { identity, name, size, 0 };
	char *out = NULL;
	int rc;

	if (strncmp(identity, "LVM-", 4))
		return -ENOENT;
	rc = sl_lvm_lvs(NULL, "vg_name,lv_name,segtype,vg_uuid,lv_uuid", &out,
			NULL);
	if (!rc)
		sl_json_each_object(out, sl_pool_row, &f);
	free(out);
	return f.found ? 0 : -ENOENT;
}

/* Append s to buf (n used), doubling '-' when dbl: -ENAMETOOLONG if full. */
static int sl_dm_put(char *buf, size_t *n, size_t size, const char *s,
		     bool dbl)
{
	size_t k;

	for (; *s; s++) {
		k = dbl && *s == '-' ? 2 : 1;
		if (*n + k + 1 > size)
			return -ENAMETOOLONG;
		if (k == 2)
			buf[(*n)++] = '-';
		buf[(*n)++] = *s;
	}
	return 0;
}

int sl_lvm_dm_name(const char *vg, const char *lv, const char *layer,
		   char *buf, size_t size)
{
	size_t n = 0;
	int rc;

	rc = sl_dm_put(buf, &n, size, vg, true);
	if (!rc)
		rc = sl_dm_put(buf, &n, size, "-", false);
	if (!rc)
		rc = sl_dm_put(buf, &n, size, lv, true);
	if (!rc)
		rc = sl_dm_put(buf, &n, size, layer, false);
	if (size)
		buf[rc ? 0 : n] = '\0';
	return rc;
}

int sl_lvm_pool_usage(const char *vgpool,
		      void (*fn)(uint32_t id, uint64_t bytes, void *arg),
		      void *arg)
{
	char vg[260], tpool[300], tmeta[320], err[300], *out = NULL, *line;
	char *lv, *save;
	const char *ls[] = { "thin_ls", "--no-headers", "--metadata-snap",
			     "-o", "DEV,EXCLUSIVE_BYTES", tmeta, NULL };
	unsigned long long bytes;
	unsigned int id;
	int rc;

	if (!sl_lvm_name_ok(vgpool))
		return -EINVAL;
	snprintf(vg, sizeof(vg), "%s", vgpool);
	lv = strchr(vg, '/');
	*lv++ = '\0';
	strcpy(tmeta, "/dev/mapper/");
	if (sl_lvm_dm_name(vg, lv, "-tpool", tpool, sizeof(tpool)) ||
	    sl_lvm_dm_name(vg, lv, "_tmeta", tmeta + 12, sizeof(tmeta) - 12))
		return -ENAMETOOLONG;
	/* Shares the pool's one metadata snapshot with mirror runs. */
	rc = sl_pool_snap_run(tpool, ls, &out, err, sizeof(err));
	if (rc) {
		free(out);
		return rc;
	}
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%u %llu", &id, &bytes) == 2)
			fn(id, bytes, arg);
	free(out);
	return 0;
}

struct sl_thin_list {
	struct sl_lvm_thin *v;
	size_t n, cap;
};

static int sl_thin_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_thin_list *l = arg;
	const char *seg = sl_json_get(o, "segtype");
	const char *id = sl_json_get(o, "thin_id");
	struct sl_lvm_thin t = { 0 }, *p;

	if (!seg || strcmp(seg, "thin") || !id ||
	    sl_lvm_pool_id(sl_json_get(o, "vg_uuid"),
			   sl_json_get(o, "pool_lv_uuid"), t.pool,
			   sizeof(t.pool)))
		return 0;
	t.id = strtoul(id, NULL, 10);
	if (l->n == l->cap) {
		p = reallocarray(l->v, l->cap * 2 + 16, sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = l->cap * 2 + 16;
	}
	l->v[l->n++] = t;
	return 0;
}

int sl_lvm_vg_thins(const char *vg, struct sl_lvm_thin **out, size_t *n,
		    char *err, size_t errlen)
{
	struct sl_thin_list l = { 0 };
	char *o = NULL, *errs = NULL;
	int rc;

	rc = sl_lvm_lvs(vg, "vg_name,lv_name,segtype,thin_id,vg_uuid,pool_lv_uuid",
			&o, &errs);
	if (rc == -ETIMEDOUT)
		snprintf(err, errlen, "cannot list the volume group %s: %s",
			 vg, sl_run_why(rc, errs));
	else if (rc < 0)
		snprintf(err, errlen, "cannot run lvs: %s (install lvm2)",
			 strerror(-rc));
	else if (rc)
		snprintf(err, errlen, "cannot list the volume group %s (lvs: %s)",
			 vg, sl_run_why(rc, errs));
	else if ((rc = sl_json_each_object(o, sl_thin_row, &l)))
		snprintf(err, errlen, "%s: unexpected lvs report", vg);
	free(o);
	free(errs);
	if (rc) {
		free(l.v);
		return rc < 0 ? rc : -EIO;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
