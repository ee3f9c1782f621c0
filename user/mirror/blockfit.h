/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Applying a transfer to a destination whose blocks differ from the
 * source's. dm-thin provisions, discards and (with zeroing off, -Zn)
 * leaves stale bytes per block of its pool: a discard that covers part
 * of a block is ignored, and a write to part of a new block leaves the
 * rest of that block as the pool's old data. So every destination block
 * that a DATA or DISCARD covers only in part is read, merged with the
 * new bytes (or zeros) and written whole, before anything else is
 * written to it; whole blocks are written or discarded as they come. A
 * block read before any write of this transfer holds exactly the base's
 * bytes (or zeros where the base maps nothing), which are the source's
 * there, so the merged block is the source's too.
 */
#ifndef SL_BLOCKFIT_H
#define SL_BLOCKFIT_H

#include <stddef.h>
#include <stdint.h>

#include "chunkio.h"

/* The largest destination block merged in memory. */
#define SL_FIT_BLOCK_MAX (16u << 20)

struct sl_fit {
	struct sl_chunk_writer *w;
	uint64_t block;		/* the destination's block size; 0: any */
	uint64_t size;		/* the device's size: the last block may end early */
	void *buf;		/* one block, SL_CHUNK_ALIGN-aligned */
	uint64_t merged;	/* blocks read and rewritten, for the log */
};

/*
 * Apply through w onto blocks of block bytes (a power of two, at most
 * SL_FIT_BLOCK_MAX; 0 when the destination has no blocks, as a file).
 */
int sl_fit_init(struct sl_fit *f, struct sl_chunk_writer *w, uint64_t block,
		char *err, size_t errlen);
void sl_fit_free(struct sl_fit *f);
/* Write len bytes of data at off (as sl_writer_write). */
int sl_fit_data(struct sl_fit *f, uint64_t off, const void *data,
		uint64_t len, char *err, size_t errlen);
/* Make [off, off + len) read as zeros (a DISCARD). */
int sl_fit_zero(struct sl_fit *f, uint64_t off, uint64_t len, char *err,
		size_t errlen);

#endif /* SL_BLOCKFIT_H */
