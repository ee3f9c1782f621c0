// SPDX-License-Identifier: GPL-2.0
/* Retention of a mirrored volume's PCPIs: see retention.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retention.h"

/* The catalog's locks, read once per retention run, when first needed. */
struct sl_cat_view {
	struct sl_cat_lock *v;
	size_t n;
	bool loaded;
};

/*
 * A lock whose lease ran out holds nothing any more, but the pin it took
 * would still make LVM refuse the removal: drop such locks of one PCPI,
 * catalog first (an expired lock needs no rollback), then the kernel.
 */
static int sl_drop_expired(struct sl_cat *cat, struct sl_kmod *k,
			   struct sl_cat_view *cv, const char *pool,
			   uint32_t id, char *why, size_t whylen)
{
	const struct sl_cat_lock *all;
	int64_t now = time(NULL);
	uint32_t removed;
	size_t i;
	int rc;

	if (!cat)
		return 0;
	if (!cv->loaded && sl_cat_load(cat, &cv->v, &cv->n)) {
		snprintf(why, whylen, "reading the catalog: %s",
			 sl_cat_error(cat));
		return -EIO;
	}
	cv->loaded = true;
	all = cv->v;
	for (i = 0, rc = 0; !rc && i < cv->n; i++) {
		if (strcmp(all[i].pool, pool) || all[i].pcpi != id ||
		    !all[i].expires || all[i].expires > now)
			continue;
		rc = sl_cat_del(cat, all[i].id);
		if (rc) {
			snprintf(why, whylen, "dropping its expired lock \"%s\" from the catalog: %s",
				 all[i].text, sl_cat_error(cat));
			break;
		}
		rc = sl_kmod_del(k, pool, id, all[i].type, all[i].text,
				 all[i].origin, &removed);
		if (rc == -ENOENT)
			rc = 0;
		if (rc)
			snprintf(why, whylen, "dropping its expired lock \"%s\" from the kernel: %s",
				 all[i].text, sl_kmod_error(k));
	}
	return rc;
}

/*
 * Ask the kernel first: a held PCPI is kept without even trying, and the
 * report names its holder. A delete that LVM refuses (pinned) or that
 * fails otherwise is reported as kept with LVM's words. The verdict, the
 * drop of expired locks and the removal run as the catalog's one writer
 * (sl_retire), so that a lock renewed meanwhile is seen, not dropped.
 */
static int sl_retire_locked(struct sl_cat *cat, struct sl_kmod *k,
			    struct sl_cat_view *cv, struct sl_volume *v,
			    const struct sl_pcpi *p, sl_retention_fn fn,
			    void *arg)
{
	struct sl_kverdict vd;
	char why[700] = "";
	int rc;

	if (!k) {
		fn(arg, p, false, "the softlock module is not loaded, so nothing is known to be free");
		return 0;
	}
	rc = sl_kmod_check(k, v->pool_id, p->thin_id, &vd);
	if (rc) {
		snprintf(why, sizeof(why), "the kernel's verdict failed: %s",
			 sl_kmod_error(k));
		fn(arg, p, false, why);
		return rc;
	}
	if (vd.reason) {
		if (vd.count)
			snprintf(why, sizeof(why), "held by %u lock(s), first %s \"%s\" (origin %s)",
				 vd.count, sl_type_name(vd.first.type),
				 vd.first.text, vd.first.origin);
		else
			snprintf(why, sizeof(why), "the softlock module is sealed");
		fn(arg, p, false, why);
		return 0;
	}
	if (sl_drop_expired(cat, k, cv, v->pool_id, p->thin_id, why,
			    sizeof(why))) {
		fn(arg, p, false, why);
		return 0;
	}
	rc = sl_pcpi_remove(v, p, why, sizeof(why));
	fn(arg, p, !rc, rc ? why : NULL);
	return 0;
}

static int sl_retire(struct sl_cat *cat, struct sl_kmod *k,
		     struct sl_cat_view *cv, struct sl_volume *v,
		     const struct sl_pcpi *p, sl_retention_fn fn, void *arg)
{
	int rc;

	if (cat && sl_cat_writer_begin(cat)) {
		fn(arg, p, false, sl_cat_error(cat));
		return 0;
	}
	/* What another writer changed since the last PCPI is read again. */
	free(cv->v);
	memset(cv, 0, sizeof(*cv));
	rc = sl_retire_locked(cat, k, cv, v, p, fn, arg);
	if (cat)
		sl_cat_writer_end(cat);
	return rc;
}

static bool sl_published(const struct sl_pcpi *p)
{
	return !p->part && *p->gid && p->has_fp;
}

int sl_retention_keep(struct sl_cat *cat, struct sl_kmod *k,
		      struct sl_volume *v,
		      const struct sl_pcpi *p, size_t n, unsigned int keep,
		      sl_retention_fn fn, void *arg)
{
	struct sl_cat_view cv = { 0 };
	size_t i, published = 0, seen = 0;
	int rc = 0;

	if (!keep)
		return 0;
	for (i = 0; i < n; i++)
		published += sl_published(&p[i]);
	/* p is sorted by N: the oldest come first. */
	for (i = 0; i < n && !rc && published - seen > keep; i++) {
		if (!sl_published(&p[i]))
			continue;
		seen++;
		rc = sl_retire(cat, k, &cv, v, &p[i], fn, arg);
	}
	free(cv.v);
	return rc;
}

static bool sl_listed(const char *gid, const char *gids, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!memcmp(gids + i * SL_GID_LEN, gid, SL_GID_LEN))
			return true;
	return false;
}

int sl_retention_dest(struct sl_cat *cat, struct sl_kmod *k,
		      struct sl_volume *v, const struct sl_pcpi *p, size_t n,
		      const struct sl_dest_policy *pol,
		      const char *const *spare, size_t nspare,
		      sl_retention_fn fn, void *arg)
{
	struct sl_cat_view cv = { 0 };
	size_t i, j, published = 0, seen = 0;
	int rc = 0;

	/* Nothing configured here: everything received stays. */
	if (!pol->keep && !pol->follow)
		return 0;
	for (i = 0; i < n; i++)
		published += sl_published(&p[i]);
	/* p is sorted by N: the oldest come first. */
	for (i = 0; i < n && !rc; i++) {
		if (!sl_published(&p[i]))
			continue;
		/* The newest keep are never removed, whatever the source says. */
		if (pol->keep && published - seen++ <= pol->keep)
			break;
		if (pol->follow && (!pol->gids ||
				    sl_listed(p[i].gid, pol->gids, pol->ngids)))
			continue;
		for (j = 0; j < nspare && strcmp(spare[j], p[i].gid); j++)
			;
		if (j == nspare)
			rc = sl_retire(cat, k, &cv, v, &p[i], fn, arg);
	}
	free(cv.v);
	return rc;
}
