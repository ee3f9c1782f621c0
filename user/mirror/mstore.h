/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mirror's rows in the helper's catalog (same SQLite file as the
 * locks, same durability: every write is committed and synced on return).
 *
 *   relationships: name, src spec, dst spec, created, and the last
 *                  update's result, time, bytes, duration, PCPI.
 *   checkpoints:   on a destination, per relationship: the gid being
 *                  received, its .part LV and the byte offset up to which
 *                  everything is written and flushed.
 */
#ifndef SL_MSTORE_H
#define SL_MSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "../catalog/catalog.h"

#define SL_REL_NAME_MAX 63

struct sl_relationship {
	char name[SL_REL_NAME_MAX + 1];
	char src[1300];
	char dst[1300];
	int64_t created;
	/* PCPIs this host keeps on its side (source or destination); 0: all */
	uint32_t keep;
	/* destination: also remove what the source no longer lists (opt-in) */
	bool follow;
	uint32_t lease;		/* seconds the source's locks live unless renewed; 0: forever */
	/* The last update: 0 / "" before the first. */
	int64_t last_time;
	char last_result[256];	/* "ok", or the error message */
	uint64_t last_bytes;	/* DATA bytes sent */
	uint64_t last_ms;	/* duration */
	char last_snapshot[128];	/* the PCPI it published */
	char last_gid[37];
	/*
	 * The last successful update: when it ended, and when it started (its
	 * snapshot was taken after that, unless it resumed an older one).
	 * 0 before the first success.
	 */
	int64_t ok_time;
	int64_t ok_start;
};

struct sl_checkpoint {
	char relationship[SL_REL_NAME_MAX + 1];
	char gid[37];
	char base_gid[37];	/* "" for a full transfer */
	char part_lv[256];	/* VG/LV */
	uint64_t offset;	/* everything below is written and flushed */
	uint64_t bytes;		/* DATA bytes received below offset */
};

/* Create the tables if needed (idempotent). */
int sl_mstore_init(struct sl_cat *c);
/* -EEXIST when the name is taken. */
int sl_rel_add(struct sl_cat *c, const struct sl_relationship *r);
/* -ENOENT when no relationship has that name. */
int sl_rel_get(struct sl_cat *c, const char *name, struct sl_relationship *r);
/* Find by name, or by src or dst spec; -ENOENT, -EEXIST if ambiguous. */
int sl_rel_find(struct sl_cat *c, const char *key, struct sl_relationship *r);
int sl_rel_del(struct sl_cat *c, const char *name);
/* Record an update's outcome (the last_* fields). */
int sl_rel_set_result(struct sl_cat *c, const struct sl_relationship *r);
/* All, ordered by name; *out malloc'd. */
int sl_rel_list(struct sl_cat *c, struct sl_relationship **out, size_t *n);

/* -ENOENT when there is none. */
int sl_ckpt_get(struct sl_cat *c, const char *relationship,
		struct sl_checkpoint *k);
int sl_ckpt_put(struct sl_cat *c, const struct sl_checkpoint *k);
int sl_ckpt_del(struct sl_cat *c, const char *relationship);

#endif /* SL_MSTORE_H */
