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
#include "../lib/json.h"
#include "../lib/run.h"
#include "../lvm/lvm.h"

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

/* lvs's report of one pool: its transaction id, once. */
static int sl_take_tid(const struct sl_json_obj *o, void *arg)
{
	unsigned long long *tid = arg;
	const char *t = sl_json_get(o, "transaction_id");
	char *end;

	if (!t)
		return 0;
	errno = 0;
	*tid = strtoull(t, &end, 10);
	return errno || end == t || *end ? -EPROTO : 1;
}

/* The transaction id of pool vg/pool_lv: LVM's and the kernel's. */
static int sl_pool_tids(const struct sl_volume *v, unsigned long long *lvm,
			unsigned long long *kern)
{
	char vgpool[260], *out = NULL;
	int rc;

	snprintf(vgpool, sizeof(vgpool), "%s/%s", v->vg, v->pool_lv);
	rc = sl_lvm_lvs(vgpool, "transaction_id", &out, NULL);
	if (!rc)
		rc = sl_json_each_object(out, sl_take_tid, lvm) == 1 ? 0 : -1;
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
