// SPDX-License-Identifier: GPL-2.0
/* Retention of a mirrored volume's PCPIs: see retention.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retention.h"

/*
 * Ask the kernel first: a held PCPI is kept without even trying, and the
 * report names its holder. A delete that LVM refuses (pinned) or that
 * fails otherwise is reported as kept with LVM's words.
 */
static int sl_retire(struct sl_kmod *k, const struct sl_volume *v,
		     const struct sl_pcpi *p, sl_retention_fn fn, void *arg)
{
	struct sl_kverdict vd;
	char why[700];
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
	rc = sl_pcpi_remove(p, why, sizeof(why));
	fn(arg, p, !rc, rc ? why : NULL);
	return 0;
}

static bool sl_published(const struct sl_pcpi *p)
{
	return !p->part && *p->gid && p->has_fp;
}

int sl_retention_keep(struct sl_kmod *k, const struct sl_volume *v,
		      const struct sl_pcpi *p, size_t n, unsigned int keep,
		      sl_retention_fn fn, void *arg)
{
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
		rc = sl_retire(k, v, &p[i], fn, arg);
	}
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

int sl_retention_mirror(struct sl_kmod *k, const struct sl_volume *v,
			const struct sl_pcpi *p, size_t n, const char *gids,
			size_t count, const char *const *spare, size_t nspare,
			sl_retention_fn fn, void *arg)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		if (!sl_published(&p[i]) || sl_listed(p[i].gid, gids, count))
			continue;
		for (j = 0; j < nspare && strcmp(spare[j], p[i].gid); j++)
			;
		if (j == nspare)
			rc = sl_retire(k, v, &p[i], fn, arg);
	}
	return rc;
}
