// SPDX-License-Identifier: GPL-2.0
/*
 * Why a pool refuses snapshots: a change LVM queued that the kernel would
 * not take. LVM commits its metadata before it sends a thin pool's
 * messages, so a delete that softlock refused (a hold without a pin, in
 * the sealed window after boot) stays queued with LVM's transaction id one
 * ahead of the pool's, and every later lvcreate on that pool retries it
 * and fails. The mirror cannot fix that, but it can say so and point at
 * `softlock verify`, which names the thin id and the way out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcpi.h"
#include "../lib/run.h"

int sl_pool_kernel_tid(const char *tpool_dm, unsigned long long *tid)
{
	const char *argv[] = { "dmsetup", "status", tpool_dm, NULL };
	char *out = NULL;
	int rc = sl_run(argv, &out, NULL);

	/* "0 <len> thin-pool <transaction id> ..." */
	if (!rc && sscanf(out, "%*s %*s thin-pool %llu", tid) != 1)
		rc = -EPROTO;
	free(out);
	return rc ? -EIO : 0;
}

/* The transaction id of pool vg/pool_lv: LVM's and the kernel's. */
static int sl_pool_tids(const struct sl_volume *v, unsigned long long *lvm,
			unsigned long long *kern)
{
	char vgpool[260], *out = NULL;
	const char *lvs[] = { "lvs", "--noheadings", "-o", "transaction_id",
			      vgpool, NULL };
	int rc;

	snprintf(vgpool, sizeof(vgpool), "%s/%s", v->vg, v->pool_lv);
	rc = sl_run(lvs, &out, NULL);
	if (!rc && sscanf(out, " %llu", lvm) != 1)
		rc = -1;
	free(out);
	return rc ? rc : sl_pool_kernel_tid(v->tpool_dm, kern);
}

void sl_pool_queued_hint(const struct sl_volume *v, char *err, size_t errlen)
{
	unsigned long long lvm, kern;
	size_t len = strlen(err);

	if (!*v->pool_lv || !*v->tpool_dm || sl_pool_tids(v, &lvm, &kern) ||
	    lvm <= kern)
		return;
	snprintf(err + len, errlen - len,
		 "; LVM has a change to pool %s/%s queued that the kernel refused (LVM transaction %llu, kernel %llu), most likely the delete of a thin id softlock holds: run 'softlock verify' to see which and how to recover",
		 v->vg, v->pool_lv, lvm, kern);
}
