/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Naming snapshots: LVM thin volumes as VG/LV (through lvs's JSON report)
 * and raw dm-thin devices as a pool device plus a thin id.
 */
#ifndef SL_LVM_H
#define SL_LVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An LVM LV's DM uuid: "LVM-", the VG's and the LV's uuids, no dashes. */
#define SL_DM_UUID_MAX 72

struct sl_snap {
	char name[300];		/* VG/LV, or POOLDEV#ID for raw dm-thin */
	char pool[130];		/* the kernel's pool identity: DM uuid or name */
	char pool_name[260];	/* VG/POOL, or the pool's DM name */
	uint32_t thin_id;
	bool lvm;
	bool active;
	bool snapshot;		/* has an origin (else a thin volume) */
	unsigned int major, minor;	/* when active */
	char dm_uuid[SL_DM_UUID_MAX];	/* LVM: its device's DM uuid */
};

/*
 * The one way to ask lvs: its JSON report of fields (sizes in bytes) for
 * target (VG, VG/LV, or NULL for all) into *out, its stderr into *errs
 * (each may be NULL; free both). sl_run's result: the exit status or
 * -errno (-ETIMEDOUT: it hung).
 */
int sl_lvm_lvs(const char *target, const char *fields, char **out,
	       char **errs);

/* Fill s for VG/LV. 0, or -errno with a message for the user in err. */
int sl_lvm_resolve(const char *vglv, struct sl_snap *s, char *err,
		   size_t errlen);
/* Fill s for thin id on the raw pool device /dev/mapper/NAME (or NAME). */
int sl_dm_resolve(const char *pooldev, uint32_t id, struct sl_snap *s,
		  char *err, size_t errlen);
/* Activate (lvchange -ay -K) or deactivate an LVM snapshot. */
int sl_lvm_activate(struct sl_snap *s, bool on, char *err, size_t errlen);

/*
 * How many LVM changes (lvcreate, lvchange, lvrename, lvremove, ...) this
 * process has started: a listing read at an older count may be stale.
 * Whoever runs such a command calls sl_lvm_changed() first.
 */
unsigned long sl_lvm_changes(void);
void sl_lvm_changed(void);

/*
 * The device-mapper name LVM gives VG/LV's layer ("-tpool", "_tmeta",
 * "" for the LV): "VG-LV" + layer with each '-' inside a name doubled.
 * -ENAMETOOLONG (and buf "") when it does not fit.
 */
int sl_lvm_dm_name(const char *vg, const char *lv, const char *layer,
		   char *buf, size_t size);
/* The kernel pool identity of the thin pool VG/POOL; -errno if not one. */
int sl_lvm_pool_identity(const char *vgpool, char *pool, size_t size);
/*
 * The same from lvs's vg_uuid and the pool's lv_uuid, for a caller that
 * listed them already: -EINVAL when either is missing.
 */
int sl_lvm_pool_id(const char *vg_uuid, const char *pool_uuid, char *buf,
		   size_t size);
/*
 * The DM uuid of an LVM LV from lvs's vg_uuid and lv_uuid, which the
 * kernel checks a pin's device against: -EINVAL when either is missing.
 */
int sl_lvm_dm_uuid(const char *vg_uuid, const char *lv_uuid, char *buf,
		   size_t size);
/* The VG/POOL name of a kernel pool identity, when LVM knows it. */
int sl_lvm_pool_name(const char *identity, char *name, size_t size);

/*
 * Data only each thin device of the LVM pool VG/POOL maps (what deleting it
 * would free): fn(thin id, bytes) per device, from thin_ls on a metadata
 * snapshot, taken in turn with softlock's other users of the pool. -EBUSY
 * when another program holds the pool's metadata snapshot.
 */
int sl_lvm_pool_usage(const char *vgpool,
		      void (*fn)(uint32_t id, uint64_t bytes, void *arg),
		      void *arg);

/* A thin volume as a VG lists it: its pool's identity and thin id. */
struct sl_lvm_thin {
	char pool[130];
	uint32_t id;
};

/*
 * Every thin volume of the volume group vg, from one lvs of the VG (no
 * LV named: one that is gone does not make it fail). *out malloc'd.
 */
int sl_lvm_vg_thins(const char *vg, struct sl_lvm_thin **out, size_t *n,
		    char *err, size_t errlen);

/* Parse VG/LV: both parts non-empty, LVM's name characters only. */
bool sl_lvm_name_ok(const char *vglv);

#endif /* SL_LVM_H */
