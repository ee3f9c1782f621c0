/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Retention: removing PCPIs nobody needs, and never one somebody does. A
 * PCPI the kernel would refuse to delete (held by a lock, or the module
 * sealed) is kept and reported with its first holder; LVM's own refusal
 * (a pinned snapshot) is reported the same way. Locks whose lease ran out
 * (expired) hold nothing: retention drops them with the PCPI. Two
 * policies:
 *
 *   source:      keep the newest N published PCPIs (--keep N);
 *   destination: its own policy, set on the destination (struct
 *                sl_dest_policy): by default everything received stays;
 *                with keep N the newest N stay; following the source's
 *                deletions is opt-in. Never the PCPI just received, nor
 *                its base. A source that stops listing a PCPI (its own
 *                --keep 1, a stripped tag, a compromised host) cannot
 *                make the destination lose history it did not choose to.
 */
#ifndef SL_RETENTION_H
#define SL_RETENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "../catalog/catalog.h"
#include "../kmod/kmod.h"
#include "pcpi.h"

/* What happened to one PCPI: removed, or kept and why. */
typedef void (*sl_retention_fn)(void *arg, const struct sl_pcpi *p,
				bool removed, const char *why);

/*
 * Remove every published PCPI of v (p[0..n)) older than the newest keep
 * ones; cat (may be NULL) has the expired locks to drop. k may be NULL (then nothing can be known to be held: nothing is
 * removed, and each is reported as kept).
 */
int sl_retention_keep(struct sl_cat *cat, struct sl_kmod *k,
		      struct sl_volume *v,
		      const struct sl_pcpi *p, size_t n, unsigned int keep,
		      sl_retention_fn fn, void *arg);

/*
 * The destination's retention, as configured on the destination (the
 * relationship's row in its catalog: mirror init/set, softlock.conf):
 *
 *   keep 0, follow off (the default): nothing is removed;
 *   keep N:      published PCPIs older than the newest N go;
 *   follow on:   published PCPIs the source no longer lists go (gids: the
 *                offer's ngids 36-byte global ids, not NUL-terminated;
 *                NULL when the source sent none: then nothing goes for
 *                this reason);
 *   both:        the newest N always stay; an older one goes when the
 *                source no longer lists it.
 */
struct sl_dest_policy {
	unsigned int keep;
	bool follow;
	const char *gids;
	size_t ngids;
};

/*
 * Apply pol to v's PCPIs p[0..n), sparing those whose gid is among
 * spare[0..nspare) (the PCPI just received, its base).
 */
int sl_retention_dest(struct sl_cat *cat, struct sl_kmod *k,
		      struct sl_volume *v, const struct sl_pcpi *p, size_t n,
		      const struct sl_dest_policy *pol,
		      const char *const *spare, size_t nspare,
		      sl_retention_fn fn, void *arg);

#endif /* SL_RETENTION_H */
