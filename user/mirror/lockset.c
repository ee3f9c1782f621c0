// SPDX-License-Identifier: GPL-2.0
/* Lock sets between mirror peers: see lockset.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/softlock.h>

#include "../lib/testhook.h"
#include "../lvm/lvm.h"
#include "lockset.h"

void sl_lockset_free(struct sl_lockset *ls)
{
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

int sl_lockset_add(struct sl_lockset *ls, const struct sl_lock_entry *e)
{
	struct sl_lock_entry *v;
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (!strcmp(ls->v[i].gid, e->gid) && ls->v[i].type == e->type &&
		    !strcmp(ls->v[i].text, e->text))
			return 0;
	if (ls->n == ls->cap) {
		v = reallocarray(ls->v, ls->cap ? 2 * ls->cap : 8, sizeof(*v));
		if (!v)
			return -ENOMEM;
		ls->v = v;
		ls->cap = ls->cap ? 2 * ls->cap : 8;
	}
	ls->v[ls->n++] = *e;
	return 0;
}

void sl_lockset_put(const struct sl_lockset *ls, struct sl_pbuf *b)
{
	size_t i, nest;

	for (i = 0; i < ls->n; i++) {
		nest = sl_msg_nest_begin(b, SL_A_ENTRY);
		sl_msg_put_str(b, SL_A_GLOBAL_ID, ls->v[i].gid);
		sl_msg_put_str(b, SL_A_SNAPSHOT, ls->v[i].snapshot);
		sl_msg_put_u32(b, SL_A_LOCK_TYPE, ls->v[i].type);
		sl_msg_put_str(b, SL_A_TEXT, ls->v[i].text);
		if (*ls->v[i].dataset)
			sl_msg_put_str(b, SL_A_DATASET, ls->v[i].dataset);
		sl_msg_nest_end(b, nest);
	}
}

int sl_lockset_read(const struct sl_msg *m, struct sl_lockset *ls)
{
	struct sl_lock_entry e;
	struct sl_msg em;
	const char *s;
	size_t pos = 0;
	int rc;

	while (sl_msg_next_entry(m, &pos, &em) == 1) {
		/* The codec's policy guarantees the required ones. */
		memset(&e, 0, sizeof(e));
		sl_msg_get_str(&em, SL_A_GLOBAL_ID, &s);
		snprintf(e.gid, sizeof(e.gid), "%s", s);
		sl_msg_get_str(&em, SL_A_SNAPSHOT, &s);
		snprintf(e.snapshot, sizeof(e.snapshot), "%s", s);
		sl_msg_get_u32(&em, SL_A_LOCK_TYPE, &e.type);
		sl_msg_get_str(&em, SL_A_TEXT, &s);
		snprintf(e.text, sizeof(e.text), "%s", s);
		if (!sl_msg_get_str(&em, SL_A_DATASET, &s))
			snprintf(e.dataset, sizeof(e.dataset), "%s", s);
		rc = sl_lockset_add(ls, &e);
		if (rc)
			return rc;
	}
	return 0;
}

void sl_mirror_origin(const char *dest, char *origin, size_t size)
{
	size_t plen = strlen(SL_MIRROR_ORIGIN_PREFIX), keep;
	uint32_t h = 2166136261u;	/* FNV-1a */
	const char *c;

	if (plen + strlen(dest) < size) {
		snprintf(origin, size, "%s%s", SL_MIRROR_ORIGIN_PREFIX, dest);
		return;
	}
	for (c = dest; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	/* prefix, start of dest, "~", 8 hex digits, NUL */
	keep = size > plen + 10 ? size - plen - 10 : 0;
	snprintf(origin, size, "%s%.*s~%08x", SL_MIRROR_ORIGIN_PREFIX,
		 (int)keep, dest, h);
}

const char *sl_mirror_through(const char *origin, const char *text)
{
	size_t plen = strlen(SL_MIRROR_ORIGIN_PREFIX);

	if (strncmp(origin, SL_MIRROR_ORIGIN_PREFIX, plen) ||
	    !strcmp(origin + plen, text))
		return NULL;
	return origin + plen;
}

int sl_lockset_check_cycle(const struct sl_lockset *ls, const char *self,
			   const char *from, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ls->n; i++) {
		if (ls->v[i].type != SOFTLOCK_LOCK_TYPE_DEST_PATH ||
		    strcmp(ls->v[i].text, self))
			continue;
		snprintf(err, errlen,
			 "the lock set from %s says %s itself needs %s: the mirror relationships form a cycle, and a lock set that loops back is refused (it would keep its locks alive forever); stop one relationship of the cycle",
			 from, self, ls->v[i].snapshot);
		return -ELOOP;
	}
	return 0;
}

static int sl_add_own(struct sl_lockset *ls, const struct sl_pcpi *p,
		      size_t n, const char *gid, const char *self_name)
{
	struct sl_lock_entry e = { .type = SOFTLOCK_LOCK_TYPE_DEST_PATH };
	size_t i;

	if (!gid || !*gid)
		return 0;
	for (i = 0; i < n && strcmp(p[i].gid, gid); i++)
		;
	snprintf(e.gid, sizeof(e.gid), "%s", gid);
	/* A name ending in ".part" tells the source this one is resumable. */
	snprintf(e.snapshot, sizeof(e.snapshot), "%s",
		 i < n ? p[i].lv : "receiving.part");
	snprintf(e.text, sizeof(e.text), "%s", self_name);
	snprintf(e.dataset, sizeof(e.dataset), "%s", self_name);
	return sl_lockset_add(ls, &e);
}

int sl_lockset_build(struct sl_kmod *k, const struct sl_volume *v,
		     const struct sl_pcpi *p, size_t n, const char *self_name,
		     const char *base, const char *receiving,
		     struct sl_lockset *ls,
		     char *err, size_t errlen)
{
	struct sl_klock *locks = NULL;
	uint64_t now = time(NULL);
	struct sl_lock_entry e;
	size_t nk = 0, i, j;
	int rc;

	rc = sl_add_own(ls, p, n, base, self_name);
	if (!rc)
		rc = sl_add_own(ls, p, n, receiving, self_name);
	if (rc || !k)
		return rc;
	rc = sl_kmod_dump_all(k, v->pool_id, &locks, &nk);
	if (rc) {
		snprintf(err, errlen, "reading this host's locks on pool %s: %s",
			 v->pool_id, sl_kmod_error(k));
		return rc;
	}
	for (i = 0; i < nk && !rc; i++) {
		/* An expired lease protects nothing here, nor upstream. */
		if (locks[i].expires && locks[i].expires <= now)
			continue;
		for (j = 0; j < n; j++)
			if (!p[j].part && *p[j].gid &&
			    p[j].thin_id == locks[i].pcpi)
				break;
		if (j == n)
			continue;
		memset(&e, 0, sizeof(e));
		snprintf(e.gid, sizeof(e.gid), "%s", p[j].gid);
		snprintf(e.snapshot, sizeof(e.snapshot), "%s", p[j].lv);
		e.type = locks[i].type;
		snprintf(e.text, sizeof(e.text), "%s", locks[i].text);
		snprintf(e.dataset, sizeof(e.dataset), "%s", locks[i].dataset);
		rc = sl_lockset_add(ls, &e);
	}
	free(locks);
	return rc;
}

/* The catalog's current locks of (pool, origin), to restore on failure. */
static int sl_cat_current(struct sl_cat *cat, const char *pool,
			  const char *origin, struct sl_cat_lock **out,
			  size_t *nout)
{
	struct sl_cat_lock *all;
	size_t n, i, m = 0;
	int rc;

	rc = sl_cat_load(cat, &all, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		if (!strcmp(all[i].pool, pool) && !strcmp(all[i].origin, origin))
			all[m++] = all[i];
	*out = all;
	*nout = m;
	return 0;
}

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

int sl_lockset_install(struct sl_cat *cat, struct sl_kmod *k,
		       const struct sl_volume *v, const struct sl_pcpi *p,
		       size_t n, const char *origin, uint64_t gen,
		       uint32_t lease, const struct sl_lockset *ls,
		       size_t *missing, char *err, size_t errlen)
{
	struct sl_cat_lock *old = NULL, *nl;
	struct sl_kspec *specs;
	char (*uuids)[SL_DM_UUID_MAX];
	int64_t expires;
	size_t nold = 0, m = 0, i;
	struct sl_snap s;
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
	nl = calloc(ls->n + 1, sizeof(*nl));
	specs = calloc(ls->n + 1, sizeof(*specs));
	uuids = calloc(ls->n + 1, sizeof(*uuids));
	if (!nl || !specs || !uuids) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory for a lock set of %zu entries",
			 ls->n);
		goto out;
	}
	for (i = 0; i < ls->n; i++) {
		const struct sl_pcpi *q = sl_pcpi_by_gid(p, n, ls->v[i].gid);

		if (!q) {
			(*missing)++;
			continue;
		}
		rc = sl_ready(cat, v, q, &s, err, errlen);
		if (rc)
			goto out;
		snprintf(nl[m].snap, sizeof(nl[m].snap), "%s", s.name);
		snprintf(nl[m].pool, sizeof(nl[m].pool), "%s", s.pool);
		nl[m].pcpi = s.thin_id;
		nl[m].type = ls->v[i].type;
		snprintf(nl[m].text, sizeof(nl[m].text), "%s", ls->v[i].text);
		snprintf(nl[m].dataset, sizeof(nl[m].dataset), "%s",
			 ls->v[i].dataset);
		snprintf(nl[m].origin, sizeof(nl[m].origin), "%s", origin);
		nl[m].created = time(NULL);
		nl[m].lvm = true;
		specs[m] = (struct sl_kspec){
			.pcpi = s.thin_id, .type = ls->v[i].type,
			.text = nl[m].text, .dataset = nl[m].dataset,
			.pin_major = s.major, .pin_minor = s.minor,
			.pin_uuid = memcpy(uuids[m], s.dm_uuid, SL_DM_UUID_MAX),
		};
		m++;
	}
	/* The lease counts from now: activating PCPIs above can take long. */
	expires = lease ? time(NULL) + lease : 0;
	for (i = 0; i < m; i++)
		nl[i].expires = specs[i].expires = expires;
	rc = sl_cat_current(cat, v->pool_id, origin, &old, &nold);
	if (!rc)
		rc = sl_cat_replace_origin(cat, v->pool_id, origin, nl, m);
	if (rc) {
		snprintf(err, errlen, "recording the lock set of %s in the catalog: %s",
			 origin, sl_cat_error(cat));
		goto out;
	}
	sl_test_point("lockset-catalog");
	rc = sl_kmod_replace(k, v->pool_id, origin, gen, specs, m);
	if (!rc)
		sl_test_point("lockset-kernel");
	if (rc) {
		snprintf(err, errlen, "installing the lock set of %s (%zu locks) on pool %s: %s (%s)",
			 origin, m, v->pool_id, sl_kmod_error(k), strerror(-rc));
		if (sl_cat_replace_origin(cat, v->pool_id, origin, old, nold))
			snprintf(err + strlen(err), errlen - strlen(err),
				 "; restoring the catalog failed too: run 'softlock verify'");
	}
out:
	sl_cat_writer_end(cat);
	free(old);
	free(nl);
	free(specs);
	free(uuids);
	return rc;
}
