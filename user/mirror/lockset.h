/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock sets: what a destination needs its source to keep. The destination
 * builds one from its PCPIs (its base, the PCPI it is receiving, and
 * every PCPI a host further downstream holds on it); the source installs
 * it on its pool as one atomic replace under one origin per destination
 * ("softlock-mirror:HOST:VG/LV"), catalog first, so a newer set makes the
 * older one's locks disappear.
 */
#ifndef SL_LOCKSET_H
#define SL_LOCKSET_H

#include <stddef.h>
#include <stdint.h>

#include "../catalog/catalog.h"
#include "../kmod/kmod.h"
#include "../proto/msg.h"
#include "pcpi.h"

/* One entry, as it is built to be added to a set. */
struct sl_lock_entry {
	char gid[SL_GID_LEN + 1];
	char snapshot[256];	/* the PCPI's name on the sender */
	uint32_t type;		/* enum softlock_lock_type */
	char text[256];
	char dataset[256];
};

/* One entry in a set: its strings are the set's. */
struct sl_lock_item {
	const char *gid;
	const char *snapshot;
	const char *text;
	const char *dataset;
	uint32_t type;
};

/*
 * A set keeps its entries' strings in blocks of its own: a LOCKSET
 * carries up to ~180,000 entries of a few bytes each, and an entry of
 * fixed arrays was 800 bytes, 140 MB for a set to allocate and fill.
 */
struct sl_lockset {
	struct sl_lock_item *v;
	size_t n, cap;
	struct sl_strblk *strs;
};

void sl_lockset_free(struct sl_lockset *ls);
/* Append a copy; sl_lockset_dedup() then drops the duplicates. */
int sl_lockset_add(struct sl_lockset *ls, const struct sl_lock_entry *e);
/*
 * Drop every entry with the gid, type and text of an earlier one (the
 * kernel refuses a lock staged twice), keeping the first of each and the
 * order they came in. O(n).
 */
int sl_lockset_dedup(struct sl_lockset *ls);
/* Put the entries into a LOCKSET being built. */
void sl_lockset_put(const struct sl_lockset *ls, struct sl_pbuf *b);
/* Read a received LOCKSET's entries, without duplicates. */
int sl_lockset_read(const struct sl_msg *m, struct sl_lockset *ls);

#define SL_MIRROR_ORIGIN_PREFIX "softlock-mirror:"

/*
 * The origin under which a source keeps the set of destination dest
 * ("HOST:VG/LV"): SL_MIRROR_ORIGIN_PREFIX dest, or, when that is longer
 * than an origin may be, its start and a hash of the whole.
 */
void sl_mirror_origin(const char *dest, char *origin, size_t size);
/*
 * For a listing: the downstream dataset through which a lock reached this
 * host, when its origin is a mirror's and it holds for someone else than
 * that dataset itself ("hostC:vg/vol, through hostB:vg/vol"); else NULL.
 */
const char *sl_mirror_through(const char *origin, const char *text);
/*
 * A set that names self ("HOST:VG/LV", the volume receiving it) as a
 * dependent came back around a cycle of relationships: installing it
 * would keep its locks alive forever. 0, or -ELOOP with err saying so.
 */
int sl_lockset_check_cycle(const struct sl_lockset *ls, const char *self,
			   const char *from, char *err, size_t errlen);

/*
 * The destination's set on volume v (whose PCPIs are p[0..n)): the PCPI
 * with gid base and the one being received (each may be NULL), locked as
 * "dest-path self_name", plus a copy of every unexpired lock that others
 * hold on v's PCPIs in this host's kernel (the transitive part: a host
 * further downstream needs them). k may be NULL (module not loaded: no
 * downstream locks can exist).
 */
int sl_lockset_build(struct sl_kmod *k, const struct sl_volume *v,
		     const struct sl_pcpi *p, size_t n,
		     const char *self_name, const char *base,
		     const char *receiving, struct sl_lockset *ls,
		     char *err, size_t errlen);

/*
 * Install ls on the source volume v (PCPIs p[0..n)) under origin, each
 * lock expiring lease seconds from now (0: never; the next set renews
 * it): catalog first, then the kernel; a kernel refusal restores the
 * catalog's previous set. The kernel generation is this host's
 * (sl_cat_next_generation()), taken under the catalog's writer lock, so
 * sets replace each other in the order they are installed, whatever the
 * peer's clock says. Entries naming a gid this host does not have are
 * skipped and counted in *missing. Each locked PCPI is activated (if
 * needed) and pinned, as `softlock hold` does.
 */
int sl_lockset_install(struct sl_cat *cat, struct sl_kmod *k,
		       const struct sl_volume *v, const struct sl_pcpi *p,
		       size_t n, const char *origin, uint32_t lease,
		       const struct sl_lockset *ls, size_t *missing,
		       char *err, size_t errlen);

#endif /* SL_LOCKSET_H */
