// SPDX-License-Identifier: GPL-2.0
/*
 * softlock hold / release.
 *
 * Order matters for "nothing lost": a hold is committed to the catalog
 * before the kernel gets it (a crash in between leaves an extra catalog
 * entry, which restore installs); a release removes the kernel's lock
 * before the catalog's (a crash in between again leaves the catalog with
 * more, never less). A kernel refusal undoes the catalog change.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"

static const struct option sl_hold_opts[] = {
	{ "type", required_argument, NULL, 't' },
	{ "text", required_argument, NULL, 'x' },
	{ "dataset", required_argument, NULL, 'd' },
	{ "origin", required_argument, NULL, 'o' },
	{ "expires", required_argument, NULL, 'e' },
	{ "pool", required_argument, NULL, 'P' },
	{ "id", required_argument, NULL, 'i' },
	{ "all", no_argument, NULL, 'a' },
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
		return sl_usage(x, "--text must be 1 to 255 printable bytes");
	if (!sl_text_ok(dataset, true))
		return sl_usage(x, "--dataset must be at most 255 printable bytes");
	if (!sl_text_ok(origin, false) || strlen(origin) > 63)
		return sl_usage(x, "--origin must be 1 to 63 printable bytes");
	if (expires && sl_parse_duration(expires, &secs))
		return sl_usage(x, "--expires %s: use a duration like 90s, 15m, 2h, 7d or 1w",
				expires);
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_catalog(x) ||
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
	uint32_t type;
	const char *text, *origin;
	int64_t expired_by;		/* >0: only holds expired by then */
	int matched, failed;
	char snaps[64][300];		/* LVM snapshots touched */
	int nsnaps;
};

static void sl_note_snap(struct sl_release *r, const char *snap)
{
	int i;

	for (i = 0; i < r->nsnaps; i++)
		if (!strcmp(r->snaps[i], snap))
			return;
	if (r->nsnaps < 64)
		snprintf(r->snaps[r->nsnaps++], sizeof(r->snaps[0]), "%s", snap);
}

static void sl_release_one(struct sl_release *r, const struct sl_cat_lock *l)
{
	int rc;

	if (r->s && (strcmp(l->pool, r->s->pool) || l->pcpi != r->s->thin_id))
		return;
	if ((r->type && l->type != r->type) ||
	    (r->text && strcmp(l->text, r->text)) ||
	    (r->origin && strcmp(l->origin, r->origin)) ||
	    (r->expired_by && (!l->expires || l->expires > r->expired_by)))
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
	printf("%s: %s (%s \"%s\", origin %s)\n", l->snap,
	       r->expired_by ? "expired, released" : "released",
	       sl_type_name(l->type), l->text, l->origin);
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
	for (j = 0; j < n; j++)
		sl_release_one(r, &locks[j]);
	free(locks);
	for (i = 0; i < r->nsnaps; i++)
		sl_maybe_deactivate(r->x, r->snaps[i]);
	return 0;
}

int cmd_release(struct sl_ctx *x, int argc, char **argv)
{
	struct sl_selector sel = { 0 };
	struct sl_release r = { .x = x };
	const char *type = NULL;
	bool all = false, any;
	struct sl_snap s;
	int c;

	while ((c = getopt_long(argc, argv, "t:x:o:P:i:a", sl_hold_opts,
				NULL)) != -1) {
		switch (c) {
		case 't': type = optarg; break;
		case 'x': r.text = optarg; break;
		case 'o': r.origin = optarg; break;
		case 'P': sel.pool = optarg; break;
		case 'i': sel.id = optarg; break;
		case 'a': all = true; break;
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
	if (!any && !all)
		return sl_usage(x, "name a snapshot, or use --all to release every hold");
	if (any && !all && !type && !r.text && !r.origin)
		return sl_usage(x, "say which holds: --type, --text, --origin, or --all for every hold on the snapshot");
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_catalog(x))
		return SL_EXIT_FAIL;
	if (any) {
		if (sl_resolve(x, &sel, &s))
			return SL_EXIT_FAIL;
		r.s = &s;
	}
	if (sl_release_matching(&r))
		return SL_EXIT_FAIL;
	if (!r.matched) {
		sl_err(x, "no hold matches%s%s", any ? " on " : "",
		       any ? s.name : "");
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
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_catalog(x) ||
	    sl_release_matching(&r))
		return SL_EXIT_FAIL;
	if (!r.matched)
		printf("no expired holds\n");
	return r.failed ? SL_EXIT_FAIL : SL_EXIT_OK;
}
