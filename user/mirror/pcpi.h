/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCPIs of a mirrored volume on LVM: the thin snapshots the mirror takes,
 * sends and publishes. A PCPI of volume VG/LV is the thin LV named
 * "LV.sl.N" (N = 1, 2, ... in the order taken) that carries the tags
 * "sl.gid.<uuid>" (its global id, the same on every host) and
 * "sl.fp.<64 hex>" (its fingerprint: 32 random bytes drawn when the PCPI
 * is taken, so a base is recognised as the same PCPI instance, not just
 * the same name). Identity lives in LVM's own metadata, so it survives a
 * lost catalog and travels with the VG.
 *
 * A transfer in progress on a destination writes into "LV.sl.N.part",
 * which carries the gid tag but is not a PCPI; publishing tags it with
 * the fingerprint, makes it read-only and renames it to "LV.sl.N": the
 * rename is the one atomic step that makes it visible.
 */
#ifndef SL_PCPI_H
#define SL_PCPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_GID_LEN 36		/* lowercase 8-4-4-4-12 hex */
#define SL_FP_LEN 32

struct sl_pcpi {
	char vg[128];
	char lv[128];		/* LV.sl.N, or LV.sl.N.part */
	uint32_t seq;		/* N */
	bool part;		/* a transfer in progress, not a PCPI */
	bool has_fp;
	char gid[SL_GID_LEN + 1];	/* "" when untagged */
	uint8_t fp[SL_FP_LEN];
	uint32_t thin_id;
	uint64_t size;		/* bytes */
	bool active;
	bool readonly;
	unsigned int major, minor;	/* when active */
	char dm_uuid[72];	/* its device's DM uuid, when active */
	char pool_lv[128];	/* the thin pool's LV name in vg */
};

/*
 * A mirrored volume and its pool, as LVM reports them, and its PCPIs as
 * last listed. Close it with sl_volume_close().
 */
struct sl_volume {
	char vg[128];
	char lv[128];
	bool exists;		/* VG/LV itself is a thin LV (an origin) */
	uint64_t size;		/* of VG/LV when it exists */
	char pool_lv[128];	/* its pool, or the VG's only thin pool */
	uint64_t chunk;		/* the pool's data block size in bytes */
	uint64_t extent;	/* the VG's extent size: LV sizes are multiples */
	char tpool_dm[300];	/* the thin-pool target's DM name, VG-POOL-tpool */
	char tmeta_dev[320];	/* /dev/mapper/VG-POOL_tmeta */
	char pool_id[130];	/* the kernel's pool identity (see lvm.h) */
	/*
	 * Private to pcpi*.c: the PCPIs and parts of the last listing,
	 * sorted as sl_pcpi_list sorts them, and the highest N of an LV
	 * named like one that is not a thin LV. The changes below that are
	 * given v keep it current; it is good while sl_lvm_changes() is
	 * still listed_at (no other LVM change since).
	 */
	struct sl_pcpi *listed;
	size_t nlisted;
	uint32_t other_max;
	unsigned long listed_at;
	bool have_list;
};

/*
 * Split "VG/LV" and look both up. A VG/LV that does not exist is fine
 * (a destination, or a cascade's middle host that holds only PCPIs):
 * exists is false and the pool is the VG's only thin pool (-EINVAL with
 * a message when the VG has none or several). -ENOENT: no such VG.
 */
int sl_volume_open(const char *vglv, struct sl_volume *v, char *err,
		   size_t errlen);
/* Free what sl_volume_open kept; v may be closed twice. */
void sl_volume_close(struct sl_volume *v);

/*
 * Every LV of v named LV.sl.N or LV.sl.N.part, sorted by N then
 * part-last; *out is malloc'd (free it), *n may be 0. The listing
 * sl_volume_open read, or the last one, serves while this process has
 * changed nothing in LVM since but through v; else `lvs VG` again.
 */
int sl_pcpi_list(struct sl_volume *v, struct sl_pcpi **out, size_t *n,
		 char *err, size_t errlen);
/* The newest published PCPI (no .part, gid and fp tagged), or NULL. */
const struct sl_pcpi *sl_pcpi_newest(const struct sl_pcpi *p, size_t n);
/* The published PCPI with this gid, or NULL. */
const struct sl_pcpi *sl_pcpi_by_gid(const struct sl_pcpi *p, size_t n,
				     const char *gid);

/* A fresh random gid (UUID v4 text) and fingerprint (getrandom). */
int sl_gid_new(char gid[SL_GID_LEN + 1]);
int sl_fp_new(uint8_t fp[SL_FP_LEN]);
void sl_fp_hex(const uint8_t fp[SL_FP_LEN], char hex[2 * SL_FP_LEN + 1]);

/*
 * The changes. Each reads what LVM made of it from device-mapper (thin
 * id, size, permission, dev_t: see sl_pcpi_dm_read) and the rest (name,
 * tags) from the command it ran, and puts the result into v's listing.
 *
 * Take PCPI N = 1 + the highest N in use of the existing origin VG/LV:
 * `lvcreate -s -n LV.sl.N --addtag sl.gid.G --addtag sl.fp.F VG/LV`, one
 * LVM command so the PCPI never exists untagged; then activate it
 * (lvchange -ay -K). Fills *out.
 */
int sl_pcpi_take(struct sl_volume *v, const char *gid,
		 const uint8_t fp[SL_FP_LEN], struct sl_pcpi *out, char *err,
		 size_t errlen);

/*
 * Create the .part LV that receives PCPI name (LV.sl.N, from the source)
 * with gid tag: a thin snapshot of base (activated, writable), or without
 * a base a new thin LV of size bytes in v's pool. Its size is then made
 * size (lvresize) if the base's differs; LVM rounds every LV size up to
 * v->extent, so out->size can exceed size by less than an extent. Fills
 * *out (active).
 */
int sl_pcpi_create_part(struct sl_volume *v, const char *name,
			const char *gid, const struct sl_pcpi *base,
			uint64_t size, struct sl_pcpi *out, char *err,
			size_t errlen);

/*
 * Publish a .part of v: add the fp tag, make it read-only, rename it to
 * its PCPI name. part is as v's listing or sl_pcpi_create_part has it:
 * its tags and permission say what is left to do, so that a publish
 * interrupted half-way can be repeated. Fills *out with the published
 * PCPI.
 */
int sl_pcpi_publish(struct sl_volume *v, const struct sl_pcpi *part,
		    const uint8_t fp[SL_FP_LEN], struct sl_pcpi *out,
		    char *err, size_t errlen);

/*
 * Make a .part writable again: a publish that was cut after its lvchange
 * (tagged, read-only) but before the rename leaves one, and the transfer
 * it belongs to resumes into it. The publish sets it read-only again.
 */
int sl_pcpi_writable(struct sl_volume *v, struct sl_pcpi *p, char *err,
		     size_t errlen);

/*
 * Activate (lvchange -ay -K) when not active; refreshes major/minor. v
 * (may be NULL) is the volume whose listing p is from.
 */
int sl_pcpi_activate(struct sl_volume *v, struct sl_pcpi *p, char *err,
		     size_t errlen);
/* lvremove -y VG/LV (a .part being thrown away, or retention) of v. */
int sl_pcpi_remove(struct sl_volume *v, const struct sl_pcpi *p, char *err,
		   size_t errlen);
/* /dev/VG/LV into buf. */
void sl_pcpi_dev(const struct sl_pcpi *p, char *buf, size_t size);

/*
 * What the kernel has of p->vg/p->lv, through device-mapper ioctls (no
 * LVM command): when its DM device has a table, the one thin target of
 * pool p->pool_lv, whose thin id, length, read-only flag and dev_t fill
 * p (active); without a device, p is inactive and the rest is left as
 * it was. -errno with a message otherwise.
 */
int sl_pcpi_dm_read(struct sl_pcpi *p, char *err, size_t errlen);

/*
 * The pure parts, exposed for the host tests: they run no LVM command.
 * They live in pcpi_id.c with sl_pcpi_newest, sl_pcpi_by_gid, sl_gid_new,
 * sl_fp_* and sl_pcpi_dev; pcpi.c has the functions that run LVM.
 */
#define SL_LV_NAME_MAX 127	/* LVM's limit on an LV name */
/*
 * LVM 2.03.16 also refuses an LV whose device-mapper name ("VG-LV", each
 * '-' in a name doubled) is longer than this, with an internal error.
 */
#define SL_DM_NAME_MAX 126

struct sl_json_obj;

/*
 * "LV.sl.N", or "LV.sl.N.part" when part, into buf: -EINVAL for N = 0,
 * -ENAMETOOLONG when the name is longer than SL_LV_NAME_MAX or, with vg,
 * its DM name longer than SL_DM_NAME_MAX.
 */
int sl_pcpi_name(const char *vg, const char *lv, uint32_t seq, bool part,
		 char *buf, size_t size);
/*
 * Whether name is a PCPI ("LV.sl.N") or a part ("LV.sl.N.part") of the
 * volume LV lv (NULL: of any volume, split at the last ".sl."). N is
 * decimal 1..4294967295 without sign or leading zero, so that every N has
 * exactly one name: "vol.sl.012" would alias "vol.sl.12" and is not a
 * PCPI. 0 with *seq and *part set, or -EINVAL.
 */
int sl_pcpi_parse_name(const char *lv, const char *name, uint32_t *seq,
		       bool *part);
/* gid: lowercase 8-4-4-4-12 hex (any UUID version). */
bool sl_gid_ok(const char *gid);
/* 64 lowercase hex digits into fp; -EINVAL otherwise. */
int sl_fp_parse(const char *hex, uint8_t fp[SL_FP_LEN]);
/*
 * LVM's comma-separated lv_tags. Tags other than sl.gid.* and sl.fp.* are
 * ignored (other tools' and future ones); one of those two that is
 * malformed or repeated leaves the LV untagged (gid "", has_fp false) and
 * returns -EINVAL: an identity is either whole or absent, never a guess.
 */
int sl_pcpi_parse_tags(const char *tags, char gid[SL_GID_LEN + 1],
		       bool *has_fp, uint8_t fp[SL_FP_LEN]);
/*
 * One row of `lvs --reportformat json --units b --nosuffix` into p, for
 * the PCPIs and parts of volume LV lv (NULL: any). -ENOENT: not named as
 * one; -EINVAL: named as one but not a thin LV (p->seq still set).
 */
int sl_pcpi_from_row(const struct sl_json_obj *o, const char *lv,
		     struct sl_pcpi *p);
/*
 * A thin target's table parameters, "<pool major>:<pool minor> <thin id>"
 * and perhaps an external origin after them: -EINVAL when malformed.
 */
int sl_pcpi_thin_params(const char *params, unsigned int *pool_major,
			unsigned int *pool_minor, uint32_t *thin_id);

/*
 * After an lvcreate on v's pool failed: when LVM has a change queued that
 * the kernel refused (a held thin id's delete), append that to err with a
 * pointer to `softlock verify` (pool_queued.c).
 */
void sl_pool_queued_hint(const struct sl_volume *v, char *err, size_t errlen);
/* The transaction id the kernel's thin-pool target tpool_dm has (dmsetup status). */
int sl_pool_kernel_tid(const char *tpool_dm, unsigned long long *tid);

#endif /* SL_PCPI_H */
