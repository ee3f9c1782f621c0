/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What dest.c (the destination's session: lock sets, the offer, retention)
 * and dest_apply.c (one transfer: the .part, the stream, the checks,
 * publish) share. Not for use outside these two files.
 */
#ifndef SL_DEST_INT_H
#define SL_DEST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "blockfit.h"
#include "digest.h"
#include "mirror.h"
#include "mstore.h"
#include "pcpi.h"
#include "readback.h"
#include "retention.h"

struct sl_dst {
	struct sl_session *s;
	struct sl_mirror_env *e;
	const char *rel;
	struct sl_volume v;
	struct sl_pcpi *p;
	size_t n;
	struct sl_checkpoint ck;
	bool have_ck;
	uint64_t gen;		/* sent in LOCKSET: see sl_dst_generation() */
	char *src_gids;		/* the OFFER's PCPIS: what the source still has */
	size_t nsrc_gids;
	struct sl_dest_policy pol;	/* this host's retention for rel */
	char self[600];		/* HOST:VG/LV, the text of our locks */
	bool listed;		/* p is as retention found it, after publish */
	bool verify;		/* read back before publish (--verify) */
	uint32_t src_chunk;	/* the OFFER's CHUNK */
	struct sl_fit fit;
	struct sl_xdigest dg;	/* of what this session applied */
	uint64_t ndata, ndiscard;	/* its DATA and DISCARD records */
	struct sl_readback rb;	/* what it applied, for --verify */
	char err[1024];
};

/*
 * List the volume's PCPIs afresh into x->p. The old list goes only once
 * the new one is made: see dest.c.
 */
int sl_dst_refresh(struct sl_dst *x);
/* The .part PCPI named VG/LV in x->p, or NULL. */
const struct sl_pcpi *sl_dst_part(const struct sl_dst *x, const char *vglv);
/*
 * Receive the offered PCPI gid into LV name.sl.N.part on base (NULL for
 * a full transfer) and publish it: ACCEPT, the stream, DONE, the checks,
 * publish, PUBLISHED. base may point into x->p, which this refreshes: it
 * is copied first.
 */
int sl_dst_receive(struct sl_dst *x, const char *name, const char *gid,
		   const struct sl_pcpi *base, uint64_t size);

#endif /* SL_DEST_INT_H */
