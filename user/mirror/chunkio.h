/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data path of the block-level async mirror: read byte ranges of a
 * source device in large aligned units, write them at the same offsets
 * on a destination, discard what the source unmapped, flush. Ranges come
 * from ranges.h, block-aligned (thin-pool blocks are >= 64 KiB), so
 * direct I/O needs no bounce buffers and bypasses the page cache that a
 * bulk copy would only pollute.
 */
#ifndef SL_CHUNKIO_H
#define SL_CHUNKIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default transfer unit, and the alignment direct I/O needs. */
#define SL_CHUNK_UNIT (4u << 20)
#define SL_CHUNK_ALIGN 4096u

struct sl_chunk_reader {
	int fd;
	bool direct;		/* O_DIRECT accepted (tmpfs refuses it) */
	size_t unit;
	void *buf;		/* unit bytes, SL_CHUNK_ALIGN-aligned */
	char dev[256];
};

/*
 * Called with each unit read, in ascending order; data is valid only
 * during the call. A non-zero return stops the read and is returned.
 */
typedef int (*sl_chunk_fn)(void *arg, uint64_t off, const void *data,
			   size_t len);

/*
 * Open dev O_RDONLY|O_DIRECT (buffered if O_DIRECT is refused) with units
 * of unit bytes (0: SL_CHUNK_UNIT; else a multiple of SL_CHUNK_ALIGN).
 * 0, or -errno with a message naming dev in err.
 */
int sl_reader_open(struct sl_chunk_reader *r, const char *dev, size_t unit,
		   char *err, size_t errlen);
/*
 * Read [off, off + len) in units that never cross a multiple of the unit
 * size (as sl_ranges_split cuts them) and pass each to fn. off and len
 * must be SL_CHUNK_ALIGN-aligned. Reading past the end is -EIO.
 */
int sl_reader_read(struct sl_chunk_reader *r, uint64_t off, uint64_t len,
		   sl_chunk_fn fn, void *arg, char *err, size_t errlen);
void sl_reader_close(struct sl_chunk_reader *r);

enum sl_discard_how {
	SL_DISCARD_NONE,	/* nothing discarded yet */
	SL_DISCARD_BLK,		/* BLKDISCARD */
	SL_DISCARD_ZEROOUT,	/* BLKZEROOUT: the device cannot discard */
	SL_DISCARD_PUNCH,	/* a regular file: hole punched */
};

struct sl_chunk_writer {
	int fd;
	bool direct;
	bool regular;		/* a regular file (the host tests), not a device */
	enum sl_discard_how how;	/* what the last discard used */
	char dev[256];
};

/* Open dev O_RDWR|O_DIRECT, buffered if O_DIRECT is refused. */
int sl_writer_open(struct sl_chunk_writer *w, const char *dev, char *err,
		   size_t errlen);
/*
 * Write len bytes at off; with direct I/O, data, off and len must be
 * SL_CHUNK_ALIGN-aligned (the reader's units are).
 */
int sl_writer_write(struct sl_chunk_writer *w, uint64_t off,
		    const void *data, size_t len, char *err, size_t errlen);
/*
 * Make [off, off + len) read as zeroes and, where the device can, free
 * its space: BLKDISCARD; on a device without discard (EOPNOTSUPP)
 * BLKZEROOUT; on a regular file a punched hole. w->how says which. A
 * discard reads back as zeroes only on devices that guarantee it, as a
 * thin volume does for unmapped blocks: the mirror's destination.
 */
int sl_writer_discard(struct sl_chunk_writer *w, uint64_t off, uint64_t len,
		      char *err, size_t errlen);
/* fsync: nothing is reported done before the device says it is stable. */
int sl_writer_flush(struct sl_chunk_writer *w, char *err, size_t errlen);
/* Close; 0 or -errno (a failed close may have lost buffered writes). */
int sl_writer_close(struct sl_chunk_writer *w);
const char *sl_discard_name(enum sl_discard_how how);

/* The size of a block device or regular file in bytes. */
int sl_chunk_dev_size(int fd, uint64_t *size);

/*
 * A content digest of (offset, data) pairs: CRC-32C of each pair folded
 * into a running 64-bit value, order-dependent. It detects accidental
 * corruption (a bad copy, a missed or misplaced unit) only: anyone can
 * forge a matching content. The mirror's end-to-end check of a transfer
 * is digest.h (SHA-256). Both sides must feed the same units in the same
 * order: the same merged ranges read with the same unit size.
 */
struct sl_digest {
	uint64_t v;
	uint64_t bytes;
};

void sl_digest_init(struct sl_digest *d);
void sl_digest_add(struct sl_digest *d, uint64_t off, const void *data,
		   size_t len);

#endif /* SL_CHUNKIO_H */
