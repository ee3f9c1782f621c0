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
 *   destination: keep what the source still has: a PCPI whose global id
 *                the source no longer lists goes, except the one just
 *                received and its base.
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
 * Remove every published PCPI of v whose gid is not among the count
 * 36-byte gids at gids (not NUL-terminated), except those named by
 * spare[0..nspare) (gid strings).
 */
int sl_retention_mirror(struct sl_cat *cat, struct sl_kmod *k,
			struct sl_volume *v,
			const struct sl_pcpi *p, size_t n, const char *gids,
			size_t count, const char *const *spare, size_t nspare,
			sl_retention_fn fn, void *arg);

#endif /* SL_RETENTION_H */
