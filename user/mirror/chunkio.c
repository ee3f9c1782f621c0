// SPDX-License-Identifier: GPL-2.0
/*
 * The mirror's data path: aligned direct reads of a source, writes and
 * discards on a destination, a flush, and a content digest. See chunkio.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/crc32c.h"
#include "chunkio.h"

#define ERR(fmt, ...) snprintf(err, errlen, fmt, ##__VA_ARGS__)

/*
 * Open with O_DIRECT, or without it when the file system refuses it
 * (EINVAL: tmpfs, some FUSE). Any other error is the caller's to report.
 */
static int open_maybe_direct(const char *dev, int flags, bool *direct)
{
	int fd = open(dev, flags | O_DIRECT | O_CLOEXEC);

	*direct = fd >= 0;
	if (fd < 0 && errno == EINVAL)
		fd = open(dev, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool aligned(uint64_t v)
{
	return !(v & (SL_CHUNK_ALIGN - 1));
}

int sl_reader_open(struct sl_chunk_reader *r, const char *dev, size_t unit,
		   char *err, size_t errlen)
{
	int fd, rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	snprintf(r->dev, sizeof(r->dev), "%s", dev);
	if (!unit)
		unit = SL_CHUNK_UNIT;
	if (!aligned(unit)) {
		ERR("%s: unit %zu is not a multiple of %u", dev, unit,
		    SL_CHUNK_ALIGN);
		return -EINVAL;
	}
	rc = posix_memalign(&r->buf, SL_CHUNK_ALIGN, unit);
	if (rc) {
		r->buf = NULL;
		ERR("%s: no memory for a %zu-byte buffer", dev, unit);
		return -rc;
	}
	fd = open_maybe_direct(dev, O_RDONLY, &r->direct);
	if (fd < 0) {
		ERR("cannot open %s for reading: %s", dev, strerror(-fd));
		free(r->buf);
		r->buf = NULL;
		return fd;
	}
	r->fd = fd;
	r->unit = unit;
	return 0;
}

void sl_reader_close(struct sl_chunk_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	r->buf = NULL;
}

/* Fill buf from off; a device ends only where pread returns 0. */
static int read_full(struct sl_chunk_reader *r, uint64_t off, size_t len,
		     char *err, size_t errlen)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(r->fd, (char *)r->buf + got, len - got, off + got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			ERR("read of %s at offset %llu failed: %s", r->dev,
			    (unsigned long long)(off + got), strerror(e));
			return -e;
		}
		if (!n) {
			ERR("read of %s at offset %llu: end of device",
			    r->dev, (unsigned long long)(off + got));
			return -EIO;
		}
		got += n;
	}
	return 0;
}

int sl_reader_read(struct sl_chunk_reader *r, uint64_t off, uint64_t len,
		   sl_chunk_fn fn, void *arg, char *err, size_t errlen)
{
	uint64_t end = off + len, next;
	int rc;

	if (end < off || !aligned(off) || !aligned(len)) {
		ERR("%s: range %llu+%llu is not %u-byte aligned", r->dev,
		    (unsigned long long)off, (unsigned long long)len,
		    SL_CHUNK_ALIGN);
		return -EINVAL;
	}
	while (off < end) {
		/* Stop at the next multiple of the unit: fixed boundaries. */
		next = (off / r->unit + 1) * r->unit;
		if (next > end || next < off)
			next = end;
		rc = read_full(r, off, next - off, err, errlen);
		if (rc)
			return rc;
		rc = fn(arg, off, r->buf, next - off);
		if (rc)
			return rc;
		off = next;
	}
	return 0;
}

int sl_writer_open(struct sl_chunk_writer *w, const char *dev, char *err,
		   size_t errlen)
{
	struct stat st;
	int fd;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	snprintf(w->dev, sizeof(w->dev), "%s", dev);
	/* No O_CREAT: a missing destination is an error, not a new file. */
	/* Read too: a partial destination block is read, merged, rewritten. */
	fd = open_maybe_direct(dev, O_RDWR, &w->direct);
	if (fd < 0) {
		ERR("cannot open %s for writing: %s", dev, strerror(-fd));
		return fd;
	}
	if (fstat(fd, &st)) {
		int e = errno;

		ERR("%s: %s", dev, strerror(e));
		close(fd);
		return -e;
	}
	w->fd = fd;
	w->regular = S_ISREG(st.st_mode);
	return 0;
}

int sl_writer_write(struct sl_chunk_writer *w, uint64_t off,
		    const void *data, size_t len, char *err, size_t errlen)
{
	size_t done = 0;
	ssize_t n;

	if (w->direct && (!aligned(off) || !aligned(len) ||
			  !aligned((uintptr_t)data))) {
		ERR("%s: direct write of %zu bytes at offset %llu is not %u-byte aligned",
		    w->dev, len, (unsigned long long)off, SL_CHUNK_ALIGN);
		return -EINVAL;
	}
	while (done < len) {
		n = pwrite(w->fd, (const char *)data + done, len - done,
			   off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			ERR("write to %s at offset %llu failed: %s", w->dev,
			    (unsigned long long)(off + done), strerror(e));
			return -e;
		}
		if (!n) {
			/* No progress and no error: the device is full. */
			ERR("write to %s at offset %llu: no space", w->dev,
			    (unsigned long long)(off + done));
			return -ENOSPC;
		}
		done += n;
	}
	return 0;
}

int sl_writer_discard(struct sl_chunk_writer *w, uint64_t off, uint64_t len,
		      char *err, size_t errlen)
{
	uint64_t range[2] = { off, len };
	int e;

	if (!len)
		return 0;
	if (w->regular) {
		if (!fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       off, len)) {
			w->how = SL_DISCARD_PUNCH;
			return 0;
		}
		e = errno;
		ERR("punching a hole in %s at offset %llu length %llu failed: %s",
		    w->dev, (unsigned long long)off, (unsigned long long)len,
		    strerror(e));
		return -e;
	}
	if (!ioctl(w->fd, BLKDISCARD, range)) {
		w->how = SL_DISCARD_BLK;
		return 0;
	}
	e = errno;
	if (e == EOPNOTSUPP) {
		/* Space stays allocated, but the bytes match the source's. */
		if (!ioctl(w->fd, BLKZEROOUT, range)) {
			w->how = SL_DISCARD_ZEROOUT;
			return 0;
		}
		e = errno;
		ERR("%s cannot discard, and BLKZEROOUT at offset %llu length %llu failed: %s",
		    w->dev, (unsigned long long)off, (unsigned long long)len,
		    strerror(e));
		return -e;
	}
	ERR("BLKDISCARD on %s at offset %llu length %llu failed: %s", w->dev,
	    (unsigned long long)off, (unsigned long long)len, strerror(e));
	return -e;
}

int sl_writer_flush(struct sl_chunk_writer *w, char *err, size_t errlen)
{
	if (fsync(w->fd)) {
		int e = errno;

		ERR("flush of %s failed: %s", w->dev, strerror(e));
		return -e;
	}
	return 0;
}

int sl_writer_close(struct sl_chunk_writer *w)
{
	int rc = 0;

	if (w->fd >= 0 && close(w->fd))
		rc = -errno;
	w->fd = -1;
	return rc;
}

const char *sl_discard_name(enum sl_discard_how how)
{
	switch (how) {
	case SL_DISCARD_BLK:
		return "BLKDISCARD";
	case SL_DISCARD_ZEROOUT:
		return "BLKZEROOUT";
	case SL_DISCARD_PUNCH:
		return "punch-hole";
	default:
		return "none";
	}
}

int sl_chunk_dev_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	*size = st.st_size;
	return 0;
}

void sl_digest_init(struct sl_digest *d)
{
	d->v = 0xcbf29ce484222325ULL;	/* FNV-1a's offset basis */
	d->bytes = 0;
}

void sl_digest_add(struct sl_digest *d, uint64_t off, const void *data,
		   size_t len)
{
	unsigned char le[8];
	uint32_t crc;
	int i;

	/* Little-endian offset: the same digest on every host. */
	for (i = 0; i < 8; i++)
		le[i] = off >> (8 * i);
	crc = sl_crc32c(0, le, sizeof(le));
	crc = sl_crc32c(crc, data, len);
	/*
	 * FNV-1a step over (crc, len): the fold keeps the order of units,
	 * so swapped units change the value, which a XOR would not.
	 */
	d->v ^= (uint64_t)crc << 32 | (uint32_t)len;
	d->v *= 0x100000001b3ULL;
	d->bytes += len;
}
