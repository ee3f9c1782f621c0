// SPDX-License-Identifier: GPL-2.0
/*
 * Installing a destination's lock set on the source (see lockset.h): each
 * entry's PCPI looked up and made ready once, the set checked against
 * what the kernel takes, recorded in the catalog, then one replace in the
 * kernel, with the catalog put back when the kernel refuses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/softlock.h>

#include "../lib/testhook.h"
#include "../lvm/lvm.h"
#include "lockset.h"

/*
 * Resolve and pin-ready one PCPI: active, with its dev_t. An active PCPI
 * of v's pool is known from the listing p came from; asking LVM again
 * would cost two commands per lock per set.
 */
static int sl_ready(struct sl_cat *cat, const struct sl_volume *v,
		    const struct sl_pcpi *p, struct sl_snap *s, char *err,
		    size_t errlen)
{
	char name[300];
	int rc;

	snprintf(name, sizeof(name), "%s/%s", p->vg, p->lv);
	if (p->active && p->major && p->dm_uuid[0] &&
	    !strcmp(p->pool_lv, v->pool_lv)) {
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
		snprintf(s->pool, sizeof(s->pool), "%s", v->pool_id);
		snprintf(s->pool_name, sizeof(s->pool_name), "%s/%s", v->vg,
			 v->pool_lv);
		s->thin_id = p->thin_id;
		s->lvm = s->active = s->snapshot = true;
		s->major = p->major;
		s->minor = p->minor;
		snprintf(s->dm_uuid, sizeof(s->dm_uuid), "%s", p->dm_uuid);
		return 0;
	}
	rc = sl_lvm_resolve(name, s, err, errlen);
	if (rc || s->active)
		return rc;
	rc = sl_cat_set_activated(cat, s->name, true);
	if (!rc)
		rc = sl_lvm_activate(s, true, err, errlen);
	return rc;
}

/*
 * The PCPIs of a set, each looked up and made ready once: a set of many
 * locks names few PCPIs, and looking each up among all of them per lock
 * (or asking LVM per lock) made a large set cost entries times PCPIs.
 */
struct sl_ready_cache {
	const struct sl_pcpi *p;
	size_t n;
	size_t *by_gid;		/* published PCPIs' indices, by gid then index */
	size_t nby;
	struct sl_snap *snap;	/* per PCPI index, once done[] says so */
	bool *done;
};

static int sl_by_gid_cmp(const void *x, const void *y, void *arg)
{
	const struct sl_pcpi *p = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = strcmp(p[a].gid, p[b].gid);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

static int sl_cache_init(struct sl_ready_cache *c, const struct sl_pcpi *p,
			 size_t n)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->n = n;
	c->by_gid = calloc(n + 1, sizeof(*c->by_gid));
	c->snap = calloc(n + 1, sizeof(*c->snap));
	c->done = calloc(n + 1, sizeof(*c->done));
	if (!c->by_gid || !c->snap || !c->done)
		return -ENOMEM;
	/* Exactly the PCPIs sl_pcpi_by_gid() may answer with. */
	for (i = 0; i < n; i++)
		if (sl_pcpi_by_gid(&p[i], 1, p[i].gid))
			c->by_gid[c->nby++] = i;
	qsort_r(c->by_gid, c->nby, sizeof(*c->by_gid), sl_by_gid_cmp,
		(void *)p);
	return 0;
}

static void sl_cache_free(struct sl_ready_cache *c)
{
	free(c->by_gid);
	free(c->snap);
	free(c->done);
}

/* As sl_pcpi_by_gid(): the first published PCPI with gid, or NULL. */
static const struct sl_pcpi *sl_cache_find(const struct sl_ready_cache *c,
					   const char *gid)
{
	size_t lo = 0, hi = c->nby, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(c->p[c->by_gid[mid]].gid, gid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nby && !strcmp(c->p[c->by_gid[lo]].gid, gid))
		return &c->p[c->by_gid[lo]];
	return NULL;
}

struct sl_gen_find {
	const char *origin;
	uint64_t gen;
};

static int sl_gen_of(const struct sl_klock *l, void *arg)
{
	struct sl_gen_find *f = arg;

	if (!strcmp(l->origin, f->origin) && l->generation > f->gen)
		f->gen = l->generation;
	return 0;
}

/*
 * Replace in the kernel under the catalog's next generation. The kernel
 * may hold a newer one than the catalog knows (a set from before the
 * source assigned generations, or a restore's): then once more above it.
 */
static int sl_kernel_replace(struct sl_cat *cat, struct sl_kmod *k,
			     const char *pool, const char *origin,
			     const struct sl_kspec *specs, size_t m,
			     char *err, size_t errlen)
{
	struct sl_gen_find f = { .origin = origin };
	uint64_t gen;
	int rc;

	rc = sl_cat_next_generation(cat, pool, origin, 0, &gen);
	if (rc)
		goto cat_failed;
	rc = sl_kmod_replace(k, pool, origin, gen, specs, m);
	if (rc == -ESTALE && !sl_kmod_dump(k, pool, sl_gen_of, &f)) {
		rc = sl_cat_next_generation(cat, pool, origin, f.gen + 1, &gen);
		if (rc)
			goto cat_failed;
		rc = sl_kmod_replace(k, pool, origin, gen, specs, m);
	}
	if (rc)
		snprintf(err, errlen, "installing the lock set of %s (%zu locks) on pool %s: %s (%s)",
			 origin, m, pool, sl_kmod_error(k), strerror(-rc));
	return rc;
cat_failed:
	snprintf(err, errlen, "%s", sl_cat_error(cat));
	return rc;
}

/*
 * The most locks the kernel takes on one PCPI (its max_locks_per_pcpi,
 * staged ones included), or 0 when the module does not say.
 */
static unsigned long sl_max_per_pcpi(void)
{
	char buf[32];

	if (!sl_kmod_sysfs("parameters/max_locks_per_pcpi", buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10);
}

/*
 * Each of ls's entries' PCPI here, or NULL (found[i]); how many name one
 * (*m); and whether one PCPI has more than the kernel takes. A set the
 * kernel is bound to refuse is refused here, before a row is recorded or
 * an entry copied: a peer's 16 MiB set naming one PCPI 175,000 times
 * would otherwise cost as many catalog rows and a kilobyte each in
 * memory, then be undone.
 */
static int sl_count_named(const struct sl_ready_cache *c,
			  const struct sl_lockset *ls,
			  const struct sl_pcpi **found, size_t *m,
			  char *err, size_t errlen)
{
	unsigned long max = sl_max_per_pcpi();
	const struct sl_pcpi *q;
	uint32_t *per;
	size_t i;

	*m = 0;
	per = calloc(c->n + 1, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (i = 0; i < ls->n; i++) {
		q = found[i] = sl_cache_find(c, ls->v[i].gid);
		if (!q)
			continue;
		(*m)++;
		if (max && ++per[q - c->p] > max) {
			snprintf(err, errlen, "the lock set names more than %lu locks on %s/%s, the most the kernel takes on one PCPI (max_locks_per_pcpi): nothing recorded or installed",
				 max, q->vg, q->lv);
			free(per);
			return -ENOSPC;
		}
	}
	free(per);
	return 0;
}

int sl_lockset_install(struct sl_cat *cat, struct sl_kmod *k,
		       const struct sl_volume *v, const struct sl_pcpi *p,
		       size_t n, const char *origin, uint32_t lease,
		       const struct sl_lockset *ls, size_t *missing,
		       char *err, size_t errlen)
{
	struct sl_cat_lock *nl = NULL;
	struct sl_ready_cache cache = { 0 };
	struct sl_kspec *specs = NULL;
	int64_t expires, now = time(NULL);
	const struct sl_pcpi **found;
	size_t m = 0, named, i;
	const struct sl_snap *s;
	int rc;

	*missing = 0;
	/*
	 * One writer from the first activation to the kernel's commit (or
	 * the catalog's rollback): an expiry or a release in between would
	 * act on the catalog as it read it, and undo this set's pins or
	 * locks in the kernel.
	 */
	rc = sl_cat_writer_begin(cat);
	if (rc) {
		snprintf(err, errlen, "%s", sl_cat_error(cat));
		return rc;
	}
	found = calloc(ls->n + 1, sizeof(*found));
	rc = found ? sl_cache_init(&cache, p, n) : -ENOMEM;
	if (!rc) {
		rc = sl_count_named(&cache, ls, found, &named, err, errlen);
		if (rc == -ENOSPC)
			goto out;
		*missing = ls->n - named;
	}
	if (!rc) {
		nl = calloc(named + 1, sizeof(*nl));
		specs = calloc(named + 1, sizeof(*specs));
		if (!nl || !specs)
			rc = -ENOMEM;
	}
	if (rc) {
		snprintf(err, errlen, "out of memory for a lock set of %zu entries",
			 ls->n);
		goto out;
	}
	for (i = 0; i < ls->n; i++) {
		const struct sl_pcpi *q = found[i];
		size_t qi;

		if (!q)
			continue;
		qi = q - p;
		if (!cache.done[qi]) {
			rc = sl_ready(cat, v, q, &cache.snap[qi], err, errlen);
			if (rc)
				goto out;
			cache.done[qi] = true;
		}
		s = &cache.snap[qi];
		snprintf(nl[m].snap, sizeof(nl[m].snap), "%s", s->name);
		snprintf(nl[m].pool, sizeof(nl[m].pool), "%s", s->pool);
		nl[m].pcpi = s->thin_id;
		nl[m].type = ls->v[i].type;
		snprintf(nl[m].text, sizeof(nl[m].text), "%s", ls->v[i].text);
		snprintf(nl[m].dataset, sizeof(nl[m].dataset), "%s",
			 ls->v[i].dataset);
		snprintf(nl[m].origin, sizeof(nl[m].origin), "%s", origin);
		nl[m].created = now;
		nl[m].lvm = true;
		specs[m] = (struct sl_kspec){
			.pcpi = s->thin_id, .type = ls->v[i].type,
			.text = nl[m].text, .dataset = nl[m].dataset,
			.pin_major = s->major, .pin_minor = s->minor,
			.pin_uuid = s->dm_uuid,
		};
		m++;
	}
	/* The lease counts from now: activating PCPIs above can take long. */
	expires = lease ? time(NULL) + lease : 0;
	for (i = 0; i < m; i++)
		nl[i].expires = specs[i].expires = expires;
	rc = sl_cat_replace_origin(cat, v->pool_id, origin, nl, m);
	if (rc) {
		snprintf(err, errlen, "recording the lock set of %s in the catalog: %s",
			 origin, sl_cat_error(cat));
		goto out;
	}
	sl_test_point("lockset-catalog");
	rc = sl_kernel_replace(cat, k, v->pool_id, origin, specs, m, err,
			       errlen);
	if (!rc)
		sl_test_point("lockset-kernel");
	if (rc) {
		if (sl_cat_restore_origin(cat, v->pool_id, origin))
			snprintf(err + strlen(err), errlen - strlen(err),
				 "; restoring the catalog failed too: run 'softlock verify'");
	}
out:
	sl_cat_writer_end(cat);
	free(nl);
	free(specs);
	free(found);
	sl_cache_free(&cache);
	return rc;
}
