// SPDX-License-Identifier: GPL-2.0
/*
 * Applying DATA and DISCARD on destination blocks (see blockfit.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockfit.h"

#define ERR(...) (err && errlen ? snprintf(err, errlen, __VA_ARGS__) : 0)

int sl_fit_init(struct sl_fit *f, struct sl_chunk_writer *w, uint64_t block,
		char *err, size_t errlen)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->w = w;
	if (block && (block & (block - 1) || block % SL_CHUNK_ALIGN ||
		      block > SL_FIT_BLOCK_MAX)) {
		ERR("%s: blocks of %llu bytes cannot be merged in memory (a power of two, %u bytes to %u MiB)",
		    w->dev, (unsigned long long)block, SL_CHUNK_ALIGN,
		    SL_FIT_BLOCK_MAX >> 20);
		return -EINVAL;
	}
	rc = sl_chunk_dev_size(w->fd, &f->size);
	if (rc) {
		ERR("%s: cannot tell its size: %s", w->dev, strerror(-rc));
		return rc;
	}
	f->block = block;
	if (block && posix_memalign(&f->buf, SL_CHUNK_ALIGN, block)) {
		f->buf = NULL;
		ERR("out of memory for a block of %s", w->dev);
		return -ENOMEM;
	}
	return 0;
}

void sl_fit_free(struct sl_fit *f)
{
	free(f->buf);
	f->buf = NULL;
}

static int sl_fit_read(struct sl_fit *f, uint64_t off, size_t len, char *err,
		       size_t errlen)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(f->w->fd, (char *)f->buf + done, len - done,
			  off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n ? errno : EIO;

			ERR("reading back %s at offset %llu: %s", f->w->dev,
			    (unsigned long long)(off + done), strerror(e));
			return -e;
		}
		done += n;
	}
	return 0;
}

static bool sl_all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	return !len || (!c[0] && !memcmp(c, c + 1, len - 1));
}

/*
 * The block holding off, which [off, end) covers only in part: read it,
 * put data (zeros when NULL) over its part, write it whole, or discard it
 * when it is a whole block of zeros. Returns where the part ends.
 */
static int sl_fit_merge(struct sl_fit *f, uint64_t off, uint64_t end,
			const void *data, uint64_t *next, char *err,
			size_t errlen)
{
	uint64_t bs = off - off % f->block, be = bs + f->block, pe;
	size_t blen;
	int rc;

	if (be > f->size)
		be = f->size;
	pe = end < be ? end : be;
	blen = be - bs;
	rc = sl_fit_read(f, bs, blen, err, errlen);
	if (rc)
		return rc;
	if (data)
		memcpy((char *)f->buf + (off - bs), data, pe - off);
	else
		memset((char *)f->buf + (off - bs), 0, pe - off);
	f->merged++;
	*next = pe;
	if (blen == f->block && sl_all_zero(f->buf, blen))
		return sl_writer_discard(f->w, bs, blen, err, errlen);
	return sl_writer_write(f->w, bs, f->buf, blen, err, errlen);
}

/* Apply [off, off + len): merged partial blocks, whole ones as they are. */
static int sl_fit_apply(struct sl_fit *f, uint64_t off, const void *data,
			uint64_t len, bool zero, char *err, size_t errlen)
{
	uint64_t end = off + len, mid, next;
	const char *d = data;
	int rc;

	if (end > f->size || end < off) {
		ERR("%s: %llu bytes at offset %llu end past its size %llu",
		    f->w->dev, (unsigned long long)len,
		    (unsigned long long)off, (unsigned long long)f->size);
		return -ENOSPC;
	}
	while (off < end) {
		if (f->block && (off % f->block ||
				 end - off < f->block)) {
			rc = sl_fit_merge(f, off, end,
					  zero ? NULL : d + (off - (end - len)),
					  &next, err, errlen);
			if (rc)
				return rc;
			off = next;
			continue;
		}
		mid = f->block ? end - end % f->block : end;
		rc = zero ? sl_writer_discard(f->w, off, mid - off, err, errlen) :
			    sl_writer_write(f->w, off, d + (off - (end - len)),
					    mid - off, err, errlen);
		if (rc)
			return rc;
		off = mid;
	}
	return 0;
}

int sl_fit_data(struct sl_fit *f, uint64_t off, const void *data,
		uint64_t len, char *err, size_t errlen)
{
	return sl_fit_apply(f, off, data, len, false, err, errlen);
}

int sl_fit_zero(struct sl_fit *f, uint64_t off, uint64_t len, char *err,
		size_t errlen)
{
	return sl_fit_apply(f, off, NULL, len, true, err, errlen);
}
