// SPDX-License-Identifier: GPL-2.0
/*
 * softlock verify, part two: deletes that LVM queued against held thin ids.
 *
 * A hold without a pin (the sealed window after boot, a raw hold on an
 * LVM pool, a snapshot that could not be activated) is guarded only by
 * the kernel. lvremove then commits its metadata first: the LV is gone
 * from LVM, its "delete <id>" is queued in the VG and LVM's transaction
 * id runs one ahead of the pool's, and the kernel refuses the message.
 * Every later change to that pool retries the queued delete and fails
 * until the hold goes. Here such a state is recognised (a held id that
 * no LV of its pool has, while LVM is ahead of the kernel) and the exact
 * way out is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "../lib/json.h"
#include "../lvm/lvm.h"
#include "../mirror/pcpi.h"

struct sl_lvm_pool {
	char identity[130];	/* LVM-<vg uuid><pool uuid>-tpool */
	char vg[128], lv[128];
	unsigned long long tid;	/* LVM's transaction id */
};

struct sl_lvm_view {
	struct sl_lvm_pool *pools;
	size_t npools;
	struct { char vg[128], pool[128]; uint32_t id; } *thins;
	size_t nthins;
	int err;
};

static const char *sl_val(const struct sl_json_obj *o, const char *key)
{
	const char *v = sl_json_get(o, key);

	return v ? v : "";
}

static int sl_lvm_row(const struct sl_json_obj *o, void *arg)
{
	struct sl_lvm_view *w = arg;
	const char *seg = sl_val(o, "segtype"), *id = sl_val(o, "thin_id");
	struct sl_lvm_pool *p;
	void *grown;

	if (!strcmp(seg, "thin-pool")) {
		grown = reallocarray(w->pools, w->npools + 1, sizeof(*w->pools));
		if (!grown)
			return w->err = -ENOMEM;
		w->pools = grown;
		p = &w->pools[w->npools++];

		sl_lvm_pool_id(sl_val(o, "vg_uuid"), sl_val(o, "lv_uuid"),
			       p->identity, sizeof(p->identity));
		snprintf(p->vg, sizeof(p->vg), "%s", sl_val(o, "vg_name"));
		snprintf(p->lv, sizeof(p->lv), "%s", sl_val(o, "lv_name"));
		p->tid = strtoull(sl_val(o, "transaction_id"), NULL, 10);
	} else if (!strcmp(seg, "thin") && *id) {
		grown = reallocarray(w->thins, w->nthins + 1, sizeof(*w->thins));
		if (!grown)
			return w->err = -ENOMEM;
		w->thins = grown;
		snprintf(w->thins[w->nthins].vg, sizeof(w->thins[0].vg), "%s",
			 sl_val(o, "vg_name"));
		snprintf(w->thins[w->nthins].pool, sizeof(w->thins[0].pool),
			 "%s", sl_val(o, "pool_lv"));
		w->thins[w->nthins++].id = strtoul(id, NULL, 10);
	}
	return 0;
}

static bool sl_lvm_has(const struct sl_lvm_view *w,
		       const struct sl_lvm_pool *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < w->nthins; i++)
		if (w->thins[i].id == id && !strcmp(w->thins[i].vg, p->vg) &&
		    !strcmp(w->thins[i].pool, p->lv))
			return true;
	return false;
}

static void sl_explain(const struct sl_lvm_pool *p, const char *tpool,
		       const struct sl_klock *k, unsigned long long ktid,
		       const char *snap)
{
	printf("queued delete: LVM removed %s (thin id %u of %s/%s) from its metadata, but the pool's delete was refused because softlock holds it (LVM transaction %llu, kernel %llu)\n",
	       snap ? snap : "an LV", k->pcpi, p->vg, p->lv, p->tid, ktid);
	printf("  held by %s \"%s\" (origin %s); its data is still in the pool\n",
	       sl_type_name(k->type), k->text, k->origin);
	printf("  until this is resolved every change to %s/%s (lvcreate, lvremove, lvextend) fails\n",
	       p->vg, p->lv);
	printf("  to keep the data, copy it out first (SECTORS: the volume's size in 512-byte sectors):\n");
	printf("    dmsetup create sl-keep-%u --readonly --table \"0 SECTORS thin /dev/mapper/%s %u\"\n",
	       k->pcpi, tpool, k->pcpi);
	printf("    dd if=/dev/mapper/sl-keep-%u of=FILE bs=1M && dmsetup remove sl-keep-%u\n",
	       k->pcpi, k->pcpi);
	printf("  then let LVM finish its delete:\n");
	printf("    softlock release --pool /dev/mapper/%s --id %u --all\n",
	       tpool, k->pcpi);
	printf("    lvchange --refresh %s/%s\n", p->vg, p->lv);
}

int sl_verify_queued_deletes(struct sl_ctx *x, const struct sl_views *v)
{
	struct sl_lvm_view w = { 0 };
	unsigned long long ktid;
	char tpool[600], *out = NULL;
	const char *snap;
	size_t i, j, c;
	int found = 0;

	for (i = 0; i < v->nk && strncmp(v->k[i].pool, "LVM-", 4); i++)
		;
	if (i == v->nk)
		return 0;	/* no hold on an LVM pool */
	if (sl_lvm_lvs(NULL, "vg_name,lv_name,segtype,pool_lv,thin_id,transaction_id,vg_uuid,lv_uuid",
		       &out, NULL) ||
	    sl_json_each_object(out, sl_lvm_row, &w) || w.err) {
		sl_err(x, "cannot list LVM's thin volumes (lvs) to look for queued deletes; check 'lvs'");
		found = -EIO;
		goto out;
	}
	for (i = 0; i < v->nk; i++) {
		const struct sl_klock *k = &v->k[i];
		const struct sl_lvm_pool *p = NULL;

		/* Once per (pool, id): the first of its locks. */
		for (j = 0; j < i; j++)
			if (v->k[j].pcpi == k->pcpi &&
			    !strcmp(v->k[j].pool, k->pool))
				break;
		if (j < i)
			continue;
		for (j = 0; j < w.npools && !p; j++)
			if (!strcmp(w.pools[j].identity, k->pool))
				p = &w.pools[j];
		if (!p || sl_lvm_has(&w, p, k->pcpi))
			continue;
		if (sl_lvm_dm_name(p->vg, p->lv, "-tpool", tpool, sizeof(tpool)) ||
		    sl_pool_kernel_tid(tpool, &ktid) || p->tid <= ktid)
			continue;	/* gone, but nothing queued */
		for (snap = NULL, c = 0; c < v->nc && !snap; c++)
			if (v->c[c].pcpi == k->pcpi &&
			    !strcmp(v->c[c].pool, k->pool))
				snap = v->c[c].snap;
		sl_explain(p, tpool, k, ktid, snap);
		found++;
	}
out:
	free(out);
	free(w.pools);
	free(w.thins);
	return found;
}
