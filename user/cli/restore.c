// SPDX-License-Identifier: GPL-2.0
/*
 * softlock restore / verify: make the kernel's lock table equal to the
 * catalog, and report where they differ.
 *
 * Restore replaces each (pool, origin) set atomically, so at no moment is a
 * persisted lock missing from the kernel; LVM snapshots are activated and
 * pinned again first. Only when every set is installed is the module
 * unsealed: a failure leaves every delete refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/softlock.h>

#include "ctx.h"

static bool sl_same_set(const char *pool, const char *origin,
			const char *pool2, const char *origin2)
{
	return !strcmp(pool, pool2) && !strcmp(origin, origin2);
}

/*
 * The lowest generation for re-installing (pool, origin): just above the
 * kernel's (1 after a boot); the catalog's count may put it higher. What
 * restore installs is the catalog's copy of the newest set, not newer
 * news. A mirror source numbers the next set of the origin from its
 * catalog, and goes above the kernel's generation when the kernel refuses
 * that as stale (mirror/lockset_install.c), so a generation set here never holds
 * back a later set.
 */
static uint64_t sl_next_gen(const struct sl_views *v, const char *pool,
			    const char *origin)
{
	uint64_t gen = 1;
	size_t i;

	for (i = 0; i < v->nk; i++)
		if (sl_same_set(v->k[i].pool, v->k[i].origin, pool, origin) &&
		    v->k[i].generation >= gen)
			gen = v->k[i].generation + 1;
	return gen;
}

/* An expiry (seconds since the epoch, 0: none) that has passed at @now. */
static bool sl_lapsed(int64_t expires, time_t now)
{
	return expires && expires <= now;
}

/*
 * Pin device of an LVM lock: activate the snapshot when needed. Its DM
 * uuid goes to @uuid (SL_DM_UUID_MAX bytes), which spec->pin_uuid names.
 */
static int sl_pin_of(struct sl_ctx *x, const struct sl_cat_lock *l,
		     struct sl_kspec *spec, char *uuid, int *orphans)
{
	struct sl_snap s;
	char err[600];

	if (!l->lvm)
		return 0;
	if (sl_lvm_resolve(l->snap, &s, err, sizeof(err)) ||
	    s.thin_id != l->pcpi || strcmp(s.pool, l->pool)) {
		/* Keep guarding the id; nothing is left to pin. */
		sl_err(x, "%s: held, but the snapshot is gone or changed; installed without a pin ('softlock holds --stale' lists it)",
		       l->snap);
		(*orphans)++;
		return 0;
	}
	if (!s.active) {
		if (sl_cat_set_activated(x->cat, s.name, true) ||
		    sl_lvm_activate(&s, true, err, sizeof(err))) {
			sl_err(x, "%s: cannot activate it to pin it: %s", l->snap,
			       err);
			return -EIO;
		}
	}
	spec->pin_major = s.major;
	spec->pin_minor = s.minor;
	memcpy(uuid, s.dm_uuid, SL_DM_UUID_MAX);
	spec->pin_uuid = uuid;
	return 0;
}

/* Install the catalog's set for (pool, origin), locks[from..to). */
static int sl_restore_set(struct sl_ctx *x, const struct sl_views *v,
			  const char *pool, const char *origin,
			  const struct sl_cat_lock **set, size_t n,
			  int *pinned, int *orphans)
{
	struct sl_kspec *specs = calloc(n + 1, sizeof(*specs));
	char (*uuids)[SL_DM_UUID_MAX] = calloc(n + 1, sizeof(*uuids));
	size_t i;
	int rc = 0;

	if (!specs || !uuids) {
		free(specs);
		free(uuids);
		return -ENOMEM;
	}
	for (i = 0; i < n && !rc; i++) {
		specs[i] = (struct sl_kspec){
			.pcpi = set[i]->pcpi, .type = set[i]->type,
			.text = set[i]->text, .dataset = set[i]->dataset,
			.expires = set[i]->expires,
		};
		rc = sl_pin_of(x, set[i], &specs[i], uuids[i], orphans);
		if (specs[i].pin_major)
			(*pinned)++;
	}
	if (!rc) {
		uint64_t gen;

		/*
		 * From the catalog, as a mirror source numbers its sets: the
		 * kernel may remember a generation for an origin it lists no
		 * lock of (its set emptied when its leases lapsed), which
		 * the dump cannot show and a 1 would run into (ESTALE).
		 */
		rc = sl_cat_next_generation(x->cat, pool, origin,
					    sl_next_gen(v, pool, origin), &gen);
		if (rc) {
			sl_err(x, "%s", sl_cat_error(x->cat));
		} else {
			rc = sl_kmod_replace(x->k, pool, origin, gen, specs, n);
			if (rc)
				sl_kerr(x, rc, pool);
		}
	}
	free(specs);
	free(uuids);
	return rc;
}

/*
 * Holds are only kept while the kernel's guard is armed. dm-thin-pool
 * loaded and the hook failed: say so, and fail, while any hold exists. A
 * module too old to report the state is not second-guessed.
 */
static bool sl_guard_failed(struct sl_ctx *x, size_t holds)
{
	struct sl_kstats s;
	int rc;

	if (!holds)
		return false;
	rc = sl_kmod_stats(x->k, &s);
	if (rc && rc != -EOPNOTSUPP) {
		sl_kerr(x, rc, "reading the guard's state");
		return true;
	}
	if (rc || s.guard_state != SOFTLOCK_GUARD_STATE_FAILED)
		return false;
	sl_err(x, "the kernel's guard is not armed: dm-thin-pool is loaded but softlock could not hook its pool_message ('dmesg | grep softlock' says why), so the holds are installed but deletes of held snapshots are NOT refused. Remove the other user of pool_message (a livepatch, a kprobe) or set sysctl kernel.ftrace_enabled=1, then reload the module ('rmmod softlock; modprobe softlock') and run 'softlock restore' again");
	return true;
}

/*
 * Make the kernel's lock table equal to the catalog (see the top of this
 * file); unseal when asked and everything is installed. Needs the kernel
 * and the catalog open, as its writer. 0, or -1 when anything failed (it
 * said what).
 */
int sl_restore_all(struct sl_ctx *x, bool unseal)
{
	const struct sl_cat_lock **set = NULL;
	int pinned = 0, orphans = 0, expired = 0, sets = 0, failed = 0, rc;
	time_t now = time(NULL);
	struct sl_cat_lock *cl;
	struct sl_klock *kl;
	struct sl_views v;
	size_t i, j, m;
	bool *done = NULL;

	if (sl_load_views(x, &v))
		return -1;
	cl = v.c;
	kl = v.k;
	/* Expired leases are dropped, as they would have been in the kernel. */
	for (i = 0; i < v.nc; i++) {
		if (!sl_lapsed(cl[i].expires, now))
			continue;
		if (!sl_cat_del(x->cat, cl[i].id))
			expired++;
		cl[i].origin[0] = '\0';
	}
	set = calloc(v.nc + 1, sizeof(*set));
	done = calloc(v.nc + 1, sizeof(*done));
	if (!set || !done) {
		sl_err(x, "out of memory");
		failed = 1;
		goto out;
	}
	for (i = 0; i < v.nc; i++) {
		if (done[i] || !cl[i].origin[0])
			continue;
		for (m = 0, j = i; j < v.nc; j++) {
			if (!done[j] && cl[j].origin[0] &&
			    sl_same_set(cl[i].pool, cl[i].origin, cl[j].pool,
					cl[j].origin)) {
				set[m++] = &cl[j];
				done[j] = true;
			}
		}
		if (sl_restore_set(x, &v, cl[i].pool, cl[i].origin, set, m,
				   &pinned, &orphans))
			failed++;
		sets++;
	}
	/*
	 * Kernel sets the catalog does not know are emptied, on the pools it
	 * knows. A pool it has no hold on is left alone: a lost catalog must
	 * not drop every hold in the kernel with it, and another catalog's
	 * holds (a second helper instance, another host sharing a test
	 * kernel) are not this one's to drop. verify still lists them.
	 */
	for (i = 0; i < v.nk; i++) {
		bool known = false, pool_known = false;

		for (j = 0; j < v.nc && !pool_known; j++)
			pool_known = !strcmp(cl[j].pool, kl[i].pool);
		if (!pool_known)
			continue;
		for (j = 0; j < v.nc && !known; j++)
			known = cl[j].origin[0] &&
				sl_same_set(cl[j].pool, cl[j].origin,
					    kl[i].pool, kl[i].origin);
		for (j = 0; j < i && !known; j++)
			known = sl_same_set(kl[j].pool, kl[j].origin,
					    kl[i].pool, kl[i].origin);
		if (known)
			continue;
		if (sl_restore_set(x, &v, kl[i].pool, kl[i].origin, set, 0,
				   &pinned, &orphans))
			failed++;
	}
	if (failed) {
		sl_err(x, "restore incomplete (%d set(s) failed): the module stays sealed if it was, so deletes remain refused; fix the errors above and run 'softlock restore' again",
		       failed);
		goto out;
	}
	if (sl_guard_failed(x, v.nc - expired + v.nk)) {
		failed = 1;
		goto out;
	}
	rc = unseal ? sl_kmod_seal(x->k, false) : 0;
	if (rc) {
		sl_kerr(x, rc, "unsealing");
		failed = 1;
		goto out;
	}
	printf("restored %zu lock(s) in %d set(s), %d pinned; %d expired dropped; %d orphaned%s\n",
	       v.nc - expired, sets, pinned, expired, orphans,
	       unseal ? "; unsealed" : "");
out:
	free(done);
	free(set);
	sl_views_free(&v);
	return failed ? -1 : 0;
}

int cmd_restore(struct sl_ctx *x, int argc, char **argv)
{
	if (argc > 1)
		return sl_usage(x, "unexpected argument '%s'", argv[1]);
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_writer(x) ||
	    sl_restore_all(x, true))
		return SL_EXIT_FAIL;
	return SL_EXIT_OK;
}

/*
 * Print where the catalog and the kernel differ, and LVM's queued deletes
 * of held ids: how many findings, or -1 when they could not be read.
 */
static int sl_verify_once(struct sl_ctx *x, bool fixing)
{
	const struct sl_cat_lock *c;
	const struct sl_klock *k;
	bool *seen = NULL, found;
	struct sl_views v;
	int diffs = 0, queued;
	size_t i, j;
	time_t now;

	if (sl_load_views(x, &v))
		return -1;
	/*
	 * Read after both views: a lock whose expiry has passed by now may
	 * be gone from the kernel (its reaper) and not yet from the catalog
	 * (the next 'softlock expire'), or the other way round. Either is
	 * the expiry working, not a difference.
	 */
	now = time(NULL);
	seen = calloc(v.nk + 1, sizeof(*seen));
	if (!seen) {
		sl_err(x, "out of memory");
		sl_views_free(&v);
		return -1;
	}
	for (i = 0; i < v.nc; i++) {
		c = &v.c[i];
		if (sl_lapsed(c->expires, now))
			continue;
		for (found = false, j = 0; j < v.nk && !found; j++) {
			k = &v.k[j];
			found = c->pcpi == k->pcpi && c->type == k->type &&
				!strcmp(c->pool, k->pool) &&
				!strcmp(c->text, k->text) &&
				!strcmp(c->origin, k->origin);
			if (!found)
				continue;
			seen[j] = true;
			if (c->lvm && !k->pinned) {
				printf("not pinned: %s (id %u) %s \"%s\": the kernel guards it but LVM may commit an lvremove first\n",
				       c->snap, c->pcpi, sl_type_name(c->type),
				       c->text);
				diffs++;
			}
		}
		if (!found) {
			printf("missing in kernel: %s (pool %s, id %u) %s \"%s\" origin %s\n",
			       c->snap, c->pool, c->pcpi, sl_type_name(c->type),
			       c->text, c->origin);
			diffs++;
		}
	}
	for (j = 0; j < v.nk; j++) {
		k = &v.k[j];
		if (seen[j] || sl_lapsed((int64_t)k->expires, now))
			continue;
		printf("not in catalog: pool %s, id %u %s \"%s\" origin %s\n",
		       k->pool, k->pcpi, sl_type_name(k->type), k->text,
		       k->origin);
		diffs++;
	}
	if (diffs)
		printf("%d difference(s): %s\n", diffs, fixing ?
		       "making the kernel match the catalog" :
		       "'softlock verify --fix' (or 'softlock restore') makes the kernel match the catalog");
	else
		printf("catalog and kernel agree: %zu lock(s)\n", v.nc);
	queued = sl_verify_queued_deletes(x, &v);
	if (queued > 0)
		printf("%d delete(s) queued by LVM against held thin ids: follow the steps above\n",
		       queued);
	free(seen);
	sl_views_free(&v);
	if (queued < 0)
		return diffs ? diffs : -1;
	return diffs + queued;
}

static const struct option sl_verify_opts[] = {
	{ "fix", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

/*
 * softlock verify [--fix]. --fix is for after a crash between the catalog
 * and the kernel: the catalog is ahead, so the kernel is made to match it
 * (restore's work, without unsealing), and the check runs again.
 */
int cmd_verify(struct sl_ctx *x, int argc, char **argv)
{
	bool fix = false;
	int c, found;

	while ((c = getopt_long(argc, argv, "", sl_verify_opts, NULL)) != -1) {
		if (c != 'f')
			return sl_usage(x, "verify takes only --fix");
		fix = true;
	}
	if (optind < argc)
		return sl_usage(x, "unexpected argument '%s'", argv[optind]);
	/* 1 means "they differ": what could not be compared exits 2. */
	if (sl_need_root(x) || sl_open_kernel(x) || sl_open_writer(x))
		return SL_EXIT_UNKNOWN;
	found = sl_verify_once(x, fix);
	if (found > 0 && fix) {
		if (sl_restore_all(x, false))
			return SL_EXIT_UNKNOWN;
		found = sl_verify_once(x, false);
	}
	if (found < 0)
		return SL_EXIT_UNKNOWN;
	return found ? SL_EXIT_FAIL : SL_EXIT_OK;
}
