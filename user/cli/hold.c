// SPDX-License-Identifier: GPL-2.0
/*
 * softlock hold / release.
 *
 * Order matters for "nothing lost": a hold is committed to the catalog
 * before the kernel gets it (a crash in between leaves an extra catalog
 * entry, which restore installs); a release removes the kernel's lock
 * before the catalog's (a crash in between again leaves the catalog with
 * more, never less). A kernel refusal undoes the catalog change. Each
 * command runs as the catalog's one writer (sl_open_writer), so that an
 * expiry never removes from the kernel a hold renewed after it read the
 * catalog.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "../lib/testhook.h"

static const struct option sl_hold_opts[] = {
	{ "type", required_argument, NULL, 't' },
	{ "text", required_argument, NULL, 'x' },
	{ "dataset", required_argument, NULL, 'd' },
	{ "origin", required_argument, NULL, 'o' },
	{ "expires", required_argument, NULL, 'e' },
	{ "pool", required_argument, NULL, 'P' },
	{ "id", required_argument, NULL, 'i' },
	{ "all", no_argument, NULL, 'a' },
	{ "stale", no_argument, NULL, 's' },	/* release */
	{ NULL, 0, NULL, 0 },
};

struct sl_find {
	const struct sl_cat_lock *want;
	struct sl_cat_lock old;		/* the row a hold updates, to undo */
	int64_t id;
};

static int sl_find_same(const struct sl_cat_lock *l, void *arg)
{
	struct sl_find *f = arg;

	if (strcmp(l->pool, f->want->pool) || l->pcpi != f->want->pcpi ||
	    l->type != f->want->type || strcmp(l->text, f->want->text) ||
	    strcmp(l->origin, f->want->origin))
		return 0;
	f->old = *l;
	f->id = l->id;
	return 1;
}

/* Activate an LVM snapshot for pinning; remember that we did. */
static int sl_activate_for_pin(struct sl_ctx *x, struct sl_snap *s)
{
	char err[600];
	int rc;

	if (!s->lvm || s->active)
		return 0;
	rc = sl_cat_set_activated(x->cat, s->name, true);
	if (rc) {
		sl_err(x, "%s", sl_cat_error(x->cat));
		return rc;
	}
	rc = sl_lvm_activate(s, true, err, sizeof(err));
	if (rc || !s->active) {
		sl_err(x, "%s", rc ? err : "the snapshot did not become active");
		sl_cat_set_activated(x->cat, s->name, false);
		return rc ? rc : -EIO;
	}
	return 0;
}

/* After the last lock on an LVM snapshot goes: deactivate if we activated. */
static void sl_maybe_deactivate(struct sl_ctx *x, const char *snap)
{
	struct sl_kverdict v;
	struct sl_snap s;
	char err[600];

	if (sl_cat_activated(x->cat, snap) != 1)
		return;
	if (sl_lvm_resolve(snap, &s, err, sizeof(err)))
		return;
	if (sl_kmod_check(x->k, s.pool, s.thin_id, &v) ||
	    (v.count && v.reason == 1))
		return;
	if (s.active && sl_lvm_activate(&s, false, err, sizeof(err)))
		sl_err(x, "%s (left active)", err);
	else
		sl_cat_set_activated(x->cat, snap, false);
}

int cmd_hold(struct sl_ctx *x, int argc, char **argv)
{
	struct sl_selector sel = { 0 };
	struct sl_cat_lock l = { 0 };
	struct sl_find f = { .want = &l };
	const char *type = NULL, *text = NULL, *dataset = "", *origin = "local";
	const char *expires = NULL;
	struct sl_kspec spec;
	struct sl_snap s;
	int64_t secs = 0;
	bool activated;
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:x:d:o:e:P:i:", sl_hold_opts,
				NULL)) != -1) {
		switch (c) {
		case 't': type = optarg; break;
		case 'x': text = optarg; break;
		case 'd': dataset = optarg; break;
		case 'o': origin = optarg; break;
		case 'e': expires = optarg; break;
		case 'P': sel.pool = optarg; break;
		case 'i': sel.id = optarg; break;
		default: return sl_usage(x, "unknown option");
		}
	}
	if (optind < argc)
		sel.vglv = argv[optind++];
	if (optind < argc)
		return sl_usage(x, "unexpected argument '%s'", argv[optind]);
	if (!type || !sl_type_parse(type))
		return sl_usage(x, "--type must be owner, dest-path, qtree or app");
	if (!text || !sl_text_ok(text, false))
		return sl_usage(x, "--text must be 1 to 255 bytes of printable UTF-8");
	if (!sl_text_ok(dataset, true))
		return sl_usage(x, "--dataset must be at most 255 bytes of printable UTF-8");
	if (!sl_text_ok(origin, false) || strlen(origin) > 63)
		return sl_usage(x, "--origin must be 1 to 63 bytes of printable UTF-8");
	if (expires && sl_parse_duration(expires, &secs))
		return sl_usage(x, "--expires %s: use a duration like 90s, 15m, 2h, 7d or 1w",
				expires);
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_writer(x) ||
	    sl_resolve(x, &sel, &s))
		return SL_EXIT_FAIL;

	snprintf(l.snap, sizeof(l.snap), "%s", s.name);
	snprintf(l.pool, sizeof(l.pool), "%s", s.pool);
	l.pcpi = s.thin_id;
	l.type = sl_type_parse(type);
	snprintf(l.text, sizeof(l.text), "%s", text);
	snprintf(l.dataset, sizeof(l.dataset), "%s", dataset);
	snprintf(l.origin, sizeof(l.origin), "%s", origin);
	l.created = time(NULL);
	l.expires = secs ? l.created + secs : 0;
	l.lvm = s.lvm;
	f.id = 0;
	if (sl_cat_each(x->cat, sl_find_same, &f) < 0 || sl_cat_put(x->cat, &l)) {
		sl_err(x, "%s", sl_cat_error(x->cat));
		return SL_EXIT_FAIL;
	}
	sl_test_point("hold-catalog");
	activated = s.lvm && !s.active;
	rc = sl_activate_for_pin(x, &s);
	if (!rc) {
		spec = (struct sl_kspec){
			.pcpi = l.pcpi, .type = l.type, .text = l.text,
			.dataset = l.dataset, .expires = l.expires,
			.pin_major = s.lvm ? s.major : 0,
			.pin_minor = s.lvm ? s.minor : 0,
			.pin_uuid = s.dm_uuid,
		};
		rc = sl_kmod_add(x->k, l.pool, l.origin, &spec);
		if (rc)
			sl_kerr(x, rc, s.name);
	}
	if (rc) {
		/*
		 * Undo: the catalog must not keep a hold the kernel refused,
		 * nor the new dataset or expiry of one it already had.
		 */
		if (f.id ? sl_cat_put(x->cat, &f.old) : sl_cat_del(x->cat, l.id))
			sl_err(x, "%s; run 'softlock verify'", sl_cat_error(x->cat));
		if (activated)
			sl_maybe_deactivate(x, s.name);
		return SL_EXIT_FAIL;
	}
	printf("%s: held (%s \"%s\"%s%s)\n", s.name, type, text,
	       s.lvm ? ", pinned" : "", f.id ? ", updated" : "");
	return SL_EXIT_OK;
}

struct sl_release {
	struct sl_ctx *x;
	const struct sl_snap *s;	/* NULL with --all and no snapshot */
	const char *name;		/* or the catalog's name of the snapshot */
	uint32_t type;
	const char *text, *origin;
	int64_t expired_by;		/* >0: only holds expired by then */
	bool stale;			/* only expired or orphaned holds */
	int matched, failed;
	char snaps[64][300];		/* LVM snapshots touched */
	int nsnaps;
	/* The thin volumes of each VG met, one lvs per VG: see sl_present(). */
	struct sl_vg_view {
		char vg[128];
		struct sl_lvm_thin *v;
		size_t n;
		int rc;
	} vgs[8];
	int nvgs;
};

/*
 * Does the LVM snapshot of hold l still exist (its pool and thin id)? 1,
 * 0 (gone), or -errno when its VG cannot be listed. One lvs of the whole
 * VG, never of the snapshot: one that is gone must not make it fail.
 */
static int sl_present(struct sl_release *r, const struct sl_cat_lock *l)
{
	struct sl_vg_view *g = NULL;
	const char *slash = strchr(l->snap, '/');
	char vg[128], err[400];
	size_t i;
	int j;

	snprintf(vg, sizeof(vg), "%.*s", slash ? (int)(slash - l->snap) : 0,
		 l->snap);
	for (j = 0; j < r->nvgs && !g; j++)
		if (!strcmp(r->vgs[j].vg, vg))
			g = &r->vgs[j];
	if (!g) {
		if (r->nvgs == (int)(sizeof(r->vgs) / sizeof(r->vgs[0])))
			return -E2BIG;
		g = &r->vgs[r->nvgs++];
		snprintf(g->vg, sizeof(g->vg), "%s", vg);
		g->rc = sl_lvm_vg_thins(vg, &g->v, &g->n, err, sizeof(err));
		if (g->rc)
			sl_err(r->x, "%s", err);
	}
	if (g->rc)
		return g->rc;
	for (i = 0; i < g->n; i++)
		if (g->v[i].id == l->pcpi && !strcmp(g->v[i].pool, l->pool))
			return 1;
	return 0;
}

static void sl_note_snap(struct sl_release *r, const char *snap)
{
	int i;

	for (i = 0; i < r->nsnaps; i++)
		if (!strcmp(r->snaps[i], snap))
			return;
	if (r->nsnaps < 64)
		snprintf(r->snaps[r->nsnaps++], sizeof(r->snaps[0]), "%s", snap);
}

/* --stale: expired, or an LVM hold whose snapshot is gone. */
static bool sl_is_stale(struct sl_release *r, const struct sl_cat_lock *l,
			const char **why)
{
	if (l->expires && l->expires <= time(NULL)) {
		*why = "expired, released";
		return true;
	}
	*why = "orphaned (the snapshot is gone), released";
	return l->lvm && sl_present(r, l) == 0;
}

static void sl_release_one(struct sl_release *r, const struct sl_cat_lock *l)
{
	const char *what = r->expired_by ? "expired, released" : "released";
	int rc;

	if (r->s && (strcmp(l->pool, r->s->pool) || l->pcpi != r->s->thin_id))
		return;
	if (r->name && strcmp(l->snap, r->name))
		return;
	if ((r->type && l->type != r->type) ||
	    (r->text && strcmp(l->text, r->text)) ||
	    (r->origin && strcmp(l->origin, r->origin)) ||
	    (r->expired_by && (!l->expires || l->expires > r->expired_by)))
		return;
	if (r->stale && !sl_is_stale(r, l, &what))
		return;
	r->matched++;
	rc = sl_kmod_del(r->x->k, l->pool, l->pcpi, l->type, l->text,
			 l->origin, NULL);
	if (rc && rc != -ENOENT) {
		sl_kerr(r->x, rc, l->snap);
		r->failed++;
		return;
	}
	if (sl_cat_del(r->x->cat, l->id)) {
		sl_err(r->x, "%s: released in the kernel but still in the catalog: %s; run 'softlock verify'",
		       l->snap, sl_cat_error(r->x->cat));
		r->failed++;
		return;
	}
	if (l->lvm)
		sl_note_snap(r, l->snap);
	printf("%s: %s (%s \"%s\", origin %s)\n", l->snap, what,
	       sl_type_name(l->type), l->text, l->origin);
}

/* Is LVM snapshot snap (a catalog name) still there, as far as r knows? */
static bool sl_gone(struct sl_release *r, const struct sl_cat_lock *locks,
		    size_t n, const char *snap)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (!strcmp(locks[j].snap, snap))
			return sl_present(r, &locks[j]) == 0;
	return false;
}

/* Release every hold of r that the catalog has; deactivate what we may. */
static int sl_release_matching(struct sl_release *r)
{
	struct sl_cat_lock *locks;
	size_t n, j;
	int i;

	if (sl_cat_load(r->x->cat, &locks, &n)) {
		sl_err(r->x, "%s", sl_cat_error(r->x->cat));
		return -EIO;
	}
	sl_test_point("release-loaded");
	for (j = 0; j < n; j++)
		sl_release_one(r, &locks[j]);
	/*
	 * A snapshot that is gone has nothing to deactivate: forget that we
	 * activated it rather than ask LVM about it.
	 */
	for (i = 0; i < r->nsnaps; i++) {
		if (sl_gone(r, locks, n, r->snaps[i]))
			sl_cat_set_activated(r->x->cat, r->snaps[i], false);
		else
			sl_maybe_deactivate(r->x, r->snaps[i]);
	}
	free(locks);
	for (i = 0; i < r->nvgs; i++)
		free(r->vgs[i].v);
	return 0;
}

/* Does the catalog hold anything under the snapshot name vglv? */
static int sl_named_in_catalog(const struct sl_cat_lock *l, void *arg)
{
	return !strcmp(l->snap, arg);
}

int cmd_release(struct sl_ctx *x, int argc, char **argv)
{
	struct sl_selector sel = { 0 };
	struct sl_release r = { .x = x };
	const char *type = NULL;
	bool all = false, any;
	struct sl_snap s;
	int c, named;

	while ((c = getopt_long(argc, argv, "t:x:o:P:i:as", sl_hold_opts,
				NULL)) != -1) {
		switch (c) {
		case 't': type = optarg; break;
		case 'x': r.text = optarg; break;
		case 'o': r.origin = optarg; break;
		case 'P': sel.pool = optarg; break;
		case 'i': sel.id = optarg; break;
		case 'a': all = true; break;
		case 's': r.stale = true; break;
		default: return sl_usage(x, "unknown option");
		}
	}
	if (optind < argc)
		sel.vglv = argv[optind++];
	if (optind < argc)
		return sl_usage(x, "unexpected argument '%s'", argv[optind]);
	if (type && !(r.type = sl_type_parse(type)))
		return sl_usage(x, "--type must be owner, dest-path, qtree or app");
	any = sel.vglv || sel.pool || sel.id;
	if (!any && !all && !r.stale)
		return sl_usage(x, "name a snapshot, or use --all to release every hold, or --stale for the expired and orphaned ones");
	if (any && !all && !type && !r.text && !r.origin && !r.stale)
		return sl_usage(x, "say which holds: --type, --text, --origin, --stale, or --all for every hold on the snapshot");
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_writer(x))
		return SL_EXIT_FAIL;
	/*
	 * A snapshot the catalog holds under this name is released by the
	 * catalog's (pool, thin id), without asking LVM: it may be gone. Only
	 * a name the catalog does not know (a renamed snapshot) is resolved.
	 */
	named = sel.vglv ? sl_cat_each(x->cat, sl_named_in_catalog,
				       (void *)sel.vglv) : 0;
	if (named < 0) {
		sl_err(x, "%s", sl_cat_error(x->cat));
		return SL_EXIT_FAIL;
	}
	if (named) {
		r.name = sel.vglv;
	} else if (any) {
		if (sl_resolve(x, &sel, &s))
			return SL_EXIT_FAIL;
		r.s = &s;
	}
	if (sl_release_matching(&r))
		return SL_EXIT_FAIL;
	if (!r.matched && r.stale) {
		printf("no stale holds\n");
		return r.failed ? SL_EXIT_FAIL : SL_EXIT_OK;
	}
	if (!r.matched) {
		sl_err(x, "no hold matches%s%s", any ? " on " : "",
		       any ? (r.name ? r.name : s.name) : "");
		return SL_EXIT_FAIL;
	}
	return r.failed ? SL_EXIT_FAIL : SL_EXIT_OK;
}

/*
 * softlock expire: release every hold whose expiry has passed. The kernel
 * already ignores such a lock when it decides, but its pin would still
 * make LVM refuse the removal; a timer runs this every minute.
 */
int cmd_expire(struct sl_ctx *x, int argc, char **argv)
{
	struct sl_release r = { .x = x, .expired_by = time(NULL) };

	if (argc > 1)
		return sl_usage(x, "unexpected argument '%s'", argv[1]);
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_writer(x) ||
	    sl_release_matching(&r))
		return SL_EXIT_FAIL;
	if (!r.matched)
		printf("no expired holds\n");
	return r.failed ? SL_EXIT_FAIL : SL_EXIT_OK;
}
