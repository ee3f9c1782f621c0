// SPDX-License-Identifier: GPL-2.0
/*
 * softlock holds / check: what holds a snapshot, as the catalog records it
 * and as the kernel enforces it. A lock the kernel holds without a catalog
 * entry is listed too (state "kernel-only"), so nothing is hidden.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "../lib/json.h"
#include "../mirror/lockset.h"

/* One row of the listing, merged from the catalog and the kernel. */
struct sl_row {
	const char *snap;
	char snapbuf[300];
	uint32_t type;
	const char *text, *dataset, *origin;
	int64_t created, expires;
	bool pinned;
	const char *state;
	int64_t excl;		/* bytes only this snapshot maps; -1 unknown */
};

struct sl_list {
	const char *filter;	/* VG, VG/LV or VG/POOL; NULL for all */
	const char *filter_pool;	/* the pool identity, for VG/POOL */
	bool json, stale, usage;
	int shown;
	time_t now;
};

/* Exclusive data per thin id of one pool, read once per listing. */
struct sl_usage {
	char pool[260];
	int rc;
	size_t n, cap;
	struct sl_excl {
		uint32_t id;
		uint64_t bytes;
	} *v;
};

struct sl_usages {
	struct sl_usage *v;
	size_t n;
};

static void sl_usage_add(uint32_t id, uint64_t bytes, void *arg)
{
	struct sl_usage *u = arg;
	struct sl_excl *p;

	if (u->n == u->cap) {
		p = reallocarray(u->v, u->cap * 2 + 16, sizeof(*p));
		if (!p)
			return;
		u->v = p;
		u->cap = u->cap * 2 + 16;
	}
	u->v[u->n++] = (struct sl_excl){ id, bytes };
}

/* Bytes only the snapshot s maps, or -1 when unknown. */
static int64_t sl_exclusive(struct sl_usages *us, const struct sl_snap *s)
{
	struct sl_usage *u = NULL, *p;
	size_t i;

	for (i = 0; i < us->n && !u; i++)
		if (!strcmp(us->v[i].pool, s->pool_name))
			u = &us->v[i];
	if (!u) {
		p = reallocarray(us->v, us->n + 1, sizeof(*p));
		if (!p)
			return -1;
		us->v = p;
		u = memset(&us->v[us->n++], 0, sizeof(*u));
		snprintf(u->pool, sizeof(u->pool), "%s", s->pool_name);
		u->rc = sl_lvm_pool_usage(s->pool_name, sl_usage_add, u);
	}
	for (i = 0; !u->rc && i < u->n; i++)
		if (u->v[i].id == s->thin_id)
			return u->v[i].bytes;
	return -1;
}

static void sl_usages_free(struct sl_usages *us)
{
	size_t i;

	for (i = 0; i < us->n; i++)
		free(us->v[i].v);
	free(us->v);
}

static const char *sl_fmt_bytes(int64_t b, char *buf, size_t size)
{
	static const char units[] = "BKMGTP";
	double v = b;
	int u = 0;

	if (b < 0)
		return "-";
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

static bool sl_match(const struct sl_list *ls, const char *snap,
		     const char *pool)
{
	size_t n;

	if (!ls->filter)
		return true;
	if (ls->filter_pool && !strcmp(pool, ls->filter_pool))
		return true;
	if (!strcmp(snap, ls->filter))
		return true;
	n = strlen(ls->filter);
	return !strchr(ls->filter, '/') && !strncmp(snap, ls->filter, n) &&
	       snap[n] == '/';
}

static void sl_print_row(struct sl_list *ls, const struct sl_row *r)
{
	const char *via = sl_mirror_through(r->origin, r->text);
	char age[32], exp[32], bytes[32], text[600];

	if (ls->json) {
		printf("%s{\"snapshot\":", ls->shown ? ",\n " : " ");
		sl_json_str(stdout, r->snap);
		printf(",\"type\":\"%s\",\"text\":", sl_type_name(r->type));
		sl_json_str(stdout, r->text);
		printf(",\"dataset\":");
		sl_json_str(stdout, r->dataset);
		printf(",\"origin\":");
		sl_json_str(stdout, r->origin);
		/* The downstream dataset a cascaded lock came through. */
		if (via) {
			printf(",\"through\":");
			sl_json_str(stdout, via);
		}
		printf(",\"created\":%lld,\"expires\":%lld,\"pinned\":%s,\"state\":\"%s\"",
		       (long long)r->created, (long long)r->expires,
		       r->pinned ? "true" : "false", r->state);
		if (ls->usage && r->excl >= 0)
			printf(",\"exclusive_bytes\":%lld", (long long)r->excl);
		printf("}");
	} else {
		if (!ls->shown)
			printf("%-24s %-9s %-24s %-16s %-8s %-6s %-8s %-6s %-13s%s\n",
			       "SNAPSHOT", "TYPE", "TEXT", "DATASET", "ORIGIN",
			       "AGE", "EXPIRES", "PINNED", "STATE",
			       ls->usage ? " EXCLUSIVE" : "");
		if (r->expires)
			sl_fmt_age(r->expires - ls->now, exp, sizeof(exp));
		snprintf(text, sizeof(text), "%s%s%s%s", r->text,
			 via ? " (through " : "", via ? via : "",
			 via ? ")" : "");
		printf("%-24s %-9s %-24s %-16s %-8s %-6s %-8s %-6s %-13s",
		       r->snap, sl_type_name(r->type), text,
		       r->dataset[0] ? r->dataset : "-", r->origin,
		       sl_fmt_age(ls->now - r->created, age, sizeof(age)),
		       r->expires ? (r->expires > ls->now ? exp : "expired") : "never",
		       r->pinned ? "yes" : "no", r->state);
		if (ls->usage)
			printf(" %s", sl_fmt_bytes(r->excl, bytes, sizeof(bytes)));
		printf("\n");
	}
	ls->shown++;
}

/*
 * sl_lv_now's last answer: the catalog lists a snapshot's locks together
 * (sl_cat_load orders them by pool and PCPI), so asking lvs once per
 * snapshot name, not once per lock, is enough.
 */
struct sl_lv_memo {
	char snap[300];
	int rc;
	struct sl_snap s;
	char err[600];
};

/*
 * Resolve an LVM hold's snapshot as it is now. *gone: it no longer
 * exists, or VG/LV now names another thin device. *known: s describes the
 * held snapshot. -ETIMEDOUT, with the message in err, when lvs hung: a
 * listing that cannot ask LVM fails rather than guess.
 */
static int sl_lv_now(struct sl_lv_memo *m, const struct sl_cat_lock *c,
		     struct sl_snap *s, bool *gone, bool *known, char *err,
		     size_t errlen)
{
	int rc;

	if (strcmp(m->snap, c->snap)) {
		m->rc = sl_lvm_resolve(c->snap, &m->s, m->err, sizeof(m->err));
		snprintf(m->snap, sizeof(m->snap), "%s", c->snap);
	}
	rc = m->rc;
	*s = m->s;
	snprintf(err, errlen, "%s", m->err);
	*gone = rc == -ENOENT ||
		(!rc && (s->thin_id != c->pcpi || strcmp(s->pool, c->pool)));
	*known = !rc && !*gone;
	return rc == -ETIMEDOUT ? rc : 0;
}

/*
 * A catalog row and a kernel lock are the same lock when their PCPI,
 * type, pool, text and origin are. The kernel's locks are sorted by those
 * (then by position, so the first of equal ones is found first): a
 * catalog row finds its lock in O(log n), not by a scan of every lock.
 */
static int sl_klock_key(const struct sl_klock *k, uint32_t pcpi,
			uint32_t type, const char *pool, const char *text,
			const char *origin)
{
	int d;

	if (k->pcpi != pcpi)
		return k->pcpi < pcpi ? -1 : 1;
	if (k->type != type)
		return k->type < type ? -1 : 1;
	d = strcmp(k->pool, pool);
	if (!d)
		d = strcmp(k->text, text);
	return d ? d : strcmp(k->origin, origin);
}

static int sl_klock_order(const void *a, const void *b, void *arg)
{
	const struct sl_klock *kl = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct sl_klock *q = &kl[j];
	int d = sl_klock_key(&kl[i], q->pcpi, q->type, q->pool, q->text,
			     q->origin);

	return d ? d : (i > j) - (i < j);
}

/* The index into kl of c's kernel lock (the first, when equal), or -1. */
static ssize_t sl_klock_find(const struct sl_klock *kl, const size_t *order,
			     size_t nk, const struct sl_cat_lock *c)
{
	size_t lo = 0, hi = nk, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sl_klock_key(&kl[order[mid]], c->pcpi, c->type, c->pool,
				 c->text, c->origin) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nk && !sl_klock_key(&kl[order[lo]], c->pcpi, c->type,
				     c->pool, c->text, c->origin))
		return order[lo];
	return -1;
}

static const char *sl_state(const struct sl_klock *k, bool expired, bool gone)
{
	if (expired)
		return "expired";
	if (gone)
		return "orphaned";
	return k ? "held" : "not-in-kernel";
}

int cmd_holds(struct sl_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stale", no_argument, NULL, 's' },
		{ "usage", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_list ls = { .now = time(NULL) };
	struct sl_usages us = { 0 };
	struct sl_cat_lock *cl;
	struct sl_klock *kl;
	struct sl_views v;
	struct sl_snap s;
	char err[600], pool[130];
	bool *seen = NULL, expired, gone, known;
	struct sl_lv_memo *memo = NULL;
	size_t i, j, *order = NULL;
	struct sl_row r;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "jsu", opts, NULL)) != -1) {
		if (c == 'j')
			ls.json = true;
		else if (c == 's')
			ls.stale = true;
		else if (c == 'u')
			ls.usage = true;
		else
			return sl_usage(x, "unknown option");
	}
	if (optind < argc)
		ls.filter = argv[optind++];
	if (optind < argc)
		return sl_usage(x, "unexpected argument '%s'", argv[optind]);
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_catalog(x))
		return SL_EXIT_FAIL;
	if (ls.filter && !strncmp(ls.filter, "/dev/mapper/", 12)) {
		/* A raw pool: its holds, under the pool's DM identity. */
		if (sl_dm_resolve(ls.filter, 0, &s, err, sizeof(err))) {
			sl_err(x, "%s", err);
			return SL_EXIT_FAIL;
		}
		snprintf(pool, sizeof(pool), "%s", s.pool);
		ls.filter_pool = pool;
	} else if (ls.filter && strchr(ls.filter, '/') &&
		   (rc = sl_lvm_resolve(ls.filter, &s, err, sizeof(err)))) {
		if (rc == -ETIMEDOUT) {
			sl_err(x, "%s", err);
			return SL_EXIT_FAIL;
		}
		if (!sl_lvm_pool_identity(ls.filter, pool, sizeof(pool)))
			ls.filter_pool = pool;
	}
	if (sl_load_views(x, &v))
		return SL_EXIT_FAIL;
	cl = v.c;
	kl = v.k;
	seen = calloc(v.nk + 1, sizeof(*seen));
	order = calloc(v.nk + 1, sizeof(*order));
	memo = calloc(1, sizeof(*memo));
	if (!seen || !order || !memo) {
		sl_err(x, "out of memory");
		rc = SL_EXIT_FAIL;
		goto out;
	}
	for (j = 0; j < v.nk; j++)
		order[j] = j;
	qsort_r(order, v.nk, sizeof(*order), sl_klock_order, kl);
	if (ls.json)
		printf("{\"holds\":[\n");
	for (i = 0; i < v.nc; i++) {
		const struct sl_klock *k = NULL;
		ssize_t at = sl_klock_find(kl, order, v.nk, &cl[i]);

		if (at >= 0) {
			k = &kl[at];
			seen[at] = true;
		}
		if (!sl_match(&ls, cl[i].snap, cl[i].pool))
			continue;
		expired = cl[i].expires && cl[i].expires <= ls.now;
		gone = known = false;
		if (cl[i].lvm && (!expired || ls.usage) &&
		    sl_lv_now(memo, &cl[i], &s, &gone, &known, err,
			      sizeof(err))) {
			sl_err(x, "%s", err);
			rc = SL_EXIT_FAIL;
			break;
		}
		r = (struct sl_row){
			.snap = cl[i].snap, .type = cl[i].type,
			.text = cl[i].text, .dataset = cl[i].dataset,
			.origin = cl[i].origin, .created = cl[i].created,
			.expires = cl[i].expires, .pinned = k && k->pinned,
			.state = sl_state(k, expired, gone), .excl = -1,
		};
		if (ls.usage && known)
			r.excl = sl_exclusive(&us, &s);
		if (ls.stale && strcmp(r.state, "expired") &&
		    strcmp(r.state, "orphaned"))
			continue;
		sl_print_row(&ls, &r);
	}
	for (j = 0; j < v.nk && !ls.stale && !rc; j++) {
		if (seen[j])
			continue;
		r = (struct sl_row){
			.snap = r.snapbuf, .type = kl[j].type,
			.text = kl[j].text, .dataset = kl[j].dataset,
			.origin = kl[j].origin, .created = kl[j].created,
			.expires = kl[j].expires, .pinned = kl[j].pinned,
			.state = "kernel-only", .excl = -1,
		};
		snprintf(r.snapbuf, sizeof(r.snapbuf), "%s#%u", kl[j].pool,
			 kl[j].pcpi);
		if (sl_match(&ls, r.snap, kl[j].pool))
			sl_print_row(&ls, &r);
	}
	if (ls.json)
		printf("\n]}\n");
	else if (!ls.shown && !rc)
		printf("no holds\n");
out:
	sl_usages_free(&us);
	free(memo);
	free(order);
	free(seen);
	sl_views_free(&v);
	return rc ? rc : SL_EXIT_OK;
}

int cmd_check(struct sl_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pool", required_argument, NULL, 'P' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_selector sel = { 0 };
	struct sl_kverdict v;
	const char *via;
	struct sl_snap s;
	int c, rc;

	while ((c = getopt_long(argc, argv, "P:i:", opts, NULL)) != -1) {
		if (c == 'P')
			sel.pool = optarg;
		else if (c == 'i')
			sel.id = optarg;
		else
			return sl_usage(x, "unknown option");
	}
	if (optind < argc)
		sel.vglv = argv[optind++];
	if (optind < argc)
		return sl_usage(x, "unexpected argument '%s'", argv[optind]);
	/* Exit 1 means "held": a check that could not decide exits 2. */
	if (sl_need_root(x) || sl_open_kernel(x) || sl_resolve(x, &sel, &s))
		return SL_EXIT_USAGE;
	rc = sl_kmod_check(x->k, s.pool, s.thin_id, &v);
	if (rc) {
		sl_kerr(x, rc, s.name);
		return SL_EXIT_USAGE;
	}
	if (v.reason == 2) {
		printf("%s: may not be deleted: the softlock module is sealed (every delete is refused until 'softlock restore' or 'softlock unseal')\n",
		       s.name);
		return SL_EXIT_FAIL;
	}
	if (!v.count) {
		printf("%s: may be deleted (no holds)\n", s.name);
		return SL_EXIT_OK;
	}
	via = sl_mirror_through(v.first.origin, v.first.text);
	printf("%s: held by %u lock(s); first: %s \"%s\"%s%s%s%s%s, origin %s\n",
	       s.name, v.count, sl_type_name(v.first.type), v.first.text,
	       via ? " (through " : "", via ? via : "", via ? ")" : "",
	       v.first.dataset[0] ? ", dataset " : "", v.first.dataset,
	       v.first.origin);
	return SL_EXIT_FAIL;
}
