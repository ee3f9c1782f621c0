/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One process at a time runs a relationship on a host, in one role: the
 * `mirror update` run by hand, the daemon's, and a `serve` that a peer
 * started for it would otherwise share its .part LV and its checkpoint
 * row. The lock is a POSIX record lock on a file beside the catalog
 * (CATALOG.run.ROLE.NAME, NAME with every byte but [A-Za-z0-9_-]
 * written %XX), so the kernel releases it when its holder dies however
 * it dies, and tells a second taker the holder's pid.
 */
#ifndef SL_RUNLOCK_H
#define SL_RUNLOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "../catalog/catalog.h"

/*
 * Take the lock of relationship rel in role ("source" or "destination"),
 * without waiting. 0 and *fd (kept open while it runs; closing it, or
 * exiting, releases it); -EBUSY and *holder, the pid that has it; or
 * -errno with err saying what failed.
 */
int sl_runlock_take(struct sl_cat *c, const char *rel, const char *role,
		    int *fd, pid_t *holder, char *err, size_t errlen);

#endif /* SL_RUNLOCK_H */
