// SPDX-License-Identifier: GPL-2.0
/*
 * Lock sets between mirror peers (see lockset.h): building, encoding,
 * reading and de-duplicating them. Installing one is lockset_install.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/softlock.h>

#include "../lvm/lvm.h"
#include "lockset.h"

/* A block of a set's strings; each string is NUL-terminated. */
struct sl_strblk {
	struct sl_strblk *next;
	size_t used, size;
	char s[];
};

#define SL_STRBLK_SIZE (256 * 1024)

void sl_lockset_free(struct sl_lockset *ls)
{
	struct sl_strblk *b, *next;

	for (b = ls->strs; b; b = next) {
		next = b->next;
		free(b);
	}
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/* Copy of the n bytes of s and a NUL, kept by ls; NULL without memory. */
static const char *sl_lockset_str(struct sl_lockset *ls, const char *s,
				  size_t n)
{
	struct sl_strblk *b = ls->strs;
	char *d;

	if (!b || b->size - b->used < n + 1) {
		b = malloc(sizeof(*b) + SL_STRBLK_SIZE);
		if (!b)
			return NULL;
		b->next = ls->strs;
		b->used = 0;
		b->size = SL_STRBLK_SIZE;
		ls->strs = b;
	}
	d = b->s + b->used;
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

/* Room for at least want entries in all. */
static int sl_lockset_reserve(struct sl_lockset *ls, size_t want)
{
	struct sl_lock_item *v;
	size_t cap = ls->cap ? ls->cap : 8;

	if (want <= ls->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	v = reallocarray(ls->v, cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ls->v = v;
	ls->cap = cap;
	return 0;
}

/*
 * Append an entry of these strings, each cut to max bytes (its array's in
 * struct sl_lock_entry, as a copy into one would be).
 */
static int sl_lockset_push(struct sl_lockset *ls, const char *gid,
			   const char *snapshot, uint32_t type,
			   const char *text, const char *dataset)
{
	const struct sl_lock_entry *e = NULL;
	struct sl_lock_item *it;

	if (sl_lockset_reserve(ls, ls->n + 1))
		return -ENOMEM;
	it = &ls->v[ls->n];
	it->type = type;
	it->gid = sl_lockset_str(ls, gid, strnlen(gid, sizeof(e->gid) - 1));
	it->snapshot = sl_lockset_str(ls, snapshot,
				      strnlen(snapshot, sizeof(e->snapshot) - 1));
	it->text = sl_lockset_str(ls, text, strnlen(text, sizeof(e->text) - 1));
	it->dataset = sl_lockset_str(ls, dataset,
				     strnlen(dataset, sizeof(e->dataset) - 1));
	if (!it->gid || !it->snapshot || !it->text || !it->dataset)
		return -ENOMEM;
	ls->n++;
	return 0;
}

int sl_lockset_add(struct sl_lockset *ls, const struct sl_lock_entry *e)
{
	return sl_lockset_push(ls, e->gid, e->snapshot, e->type, e->text,
			       e->dataset);
}

/* What makes two entries one lock: the kernel's (PCPI, type, text). */
static bool sl_entry_same(const struct sl_lock_item *a,
			  const struct sl_lock_item *b)
{
	return a->type == b->type && !strcmp(a->gid, b->gid) &&
	       !strcmp(a->text, b->text);
}

static uint64_t sl_fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;	/* ends the string */
}

static uint64_t sl_entry_hash(const struct sl_lock_item *e)
{
	uint64_t h = sl_fnv(0xcbf29ce484222325ull, e->gid);

	h = (h ^ e->type) * 0x100000001b3ull;
	return sl_fnv(h, e->text);
}

struct sl_slot {
	uint32_t h;		/* the hash's top half, to skip most compares */
	uint32_t i;		/* index + 1; 0: empty */
};

int sl_lockset_dedup(struct sl_lockset *ls)
{
	struct sl_slot *t;
	size_t size = 16, i, j, m;
	uint64_t h;

	if (ls->n < 2)
		return 0;
	/*
	 * One pass with a hash table of the entries kept so far, at most
	 * half full: a LOCKSET carries up to ~180,000 entries, and sorting
	 * them by their strings cost more than the rest of reading a set.
	 */
	while (size < 2 * ls->n)
		size *= 2;
	if (ls->n > UINT32_MAX - 1)
		return -ENOMEM;
	t = calloc(size, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = m = 0; i < ls->n; i++) {
		h = sl_entry_hash(&ls->v[i]);
		for (j = h & (size - 1); t[j].i; j = (j + 1) & (size - 1))
			if (t[j].h == (uint32_t)(h >> 32) &&
			    sl_entry_same(&ls->v[t[j].i - 1], &ls->v[i]))
				break;
		if (t[j].i)
			continue;	/* a repeat: the first one stays */
		if (m != i)
			ls->v[m] = ls->v[i];
		t[j].h = h >> 32;
		t[j].i = ++m;
	}
	ls->n = m;
	free(t);
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
	const char *gid, *snapshot, *text, *dataset;
	struct sl_msg em;
	size_t pos = 0;
	uint32_t type;
	int rc;

	/* All at once: the frame says how many entries it carries. */
	if (sl_lockset_reserve(ls, ls->n + m->entries))
		return -ENOMEM;
	while (sl_msg_next_entry(m, &pos, &em) == 1) {
		/* The codec's policy guarantees the required ones. */
		sl_msg_get_str(&em, SL_A_GLOBAL_ID, &gid);
		sl_msg_get_str(&em, SL_A_SNAPSHOT, &snapshot);
		sl_msg_get_u32(&em, SL_A_LOCK_TYPE, &type);
		sl_msg_get_str(&em, SL_A_TEXT, &text);
		if (sl_msg_get_str(&em, SL_A_DATASET, &dataset))
			dataset = "";
		rc = sl_lockset_push(ls, gid, snapshot, type, text, dataset);
		if (rc)
			return rc;
	}
	return sl_lockset_dedup(ls);
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

static int sl_by_thin_id_cmp(const void *x, const void *y, void *arg)
{
	const struct sl_pcpi *p = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	if (p[a].thin_id != p[b].thin_id)
		return p[a].thin_id < p[b].thin_id ? -1 : 1;
	return a < b ? -1 : a > b;
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
	size_t nk = 0, i, j, nby = 0, *by_id, lo, hi, mid;
	int rc;

	rc = sl_add_own(ls, p, n, base, self_name);
	if (!rc)
		rc = sl_add_own(ls, p, n, receiving, self_name);
	if (rc || !k)
		return rc;
	/* The PCPIs that may carry locks upstream, by thin id then index. */
	by_id = calloc(n + 1, sizeof(*by_id));
	if (!by_id)
		return -ENOMEM;
	for (j = 0; j < n; j++)
		if (!p[j].part && *p[j].gid)
			by_id[nby++] = j;
	qsort_r(by_id, nby, sizeof(*by_id), sl_by_thin_id_cmp, (void *)p);
	rc = sl_kmod_dump_all(k, v->pool_id, &locks, &nk);
	if (rc) {
		snprintf(err, errlen, "reading this host's locks on pool %s: %s",
			 v->pool_id, sl_kmod_error(k));
		free(by_id);
		return rc;
	}
	for (i = 0; i < nk && !rc; i++) {
		/* An expired lease protects nothing here, nor upstream. */
		if (locks[i].expires && locks[i].expires <= now)
			continue;
		/* The first such PCPI with the lock's thin id, if any. */
		for (lo = 0, hi = nby; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (p[by_id[mid]].thin_id < locks[i].pcpi)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nby || p[by_id[lo]].thin_id != locks[i].pcpi)
			continue;
		j = by_id[lo];
		memset(&e, 0, sizeof(e));
		snprintf(e.gid, sizeof(e.gid), "%s", p[j].gid);
		snprintf(e.snapshot, sizeof(e.snapshot), "%s", p[j].lv);
		e.type = locks[i].type;
		snprintf(e.text, sizeof(e.text), "%s", locks[i].text);
		snprintf(e.dataset, sizeof(e.dataset), "%s", locks[i].dataset);
		rc = sl_lockset_add(ls, &e);
	}
	free(locks);
	free(by_id);
	return rc ? rc : sl_lockset_dedup(ls);
}
