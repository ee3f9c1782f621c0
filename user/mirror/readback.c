// SPDX-License-Identifier: GPL-2.0
/*
 * Reading applied ranges back before publish (see readback.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/crc32c.h"
#include "chunkio.h"
#include "readback.h"

int sl_rb_add(struct sl_readback *rb, uint64_t off, uint64_t len,
	      uint32_t crc, bool zero)
{
	struct sl_rb_ext *v;

	if (rb->n == rb->cap) {
		v = realloc(rb->v, (rb->cap ? rb->cap * 2 : 64) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rb->v = v;
		rb->cap = rb->cap ? rb->cap * 2 : 64;
	}
	rb->v[rb->n++] = (struct sl_rb_ext){ off, len, crc, zero };
	return 0;
}

struct sl_rb_walk {
	struct sl_readback *rb;
	uint32_t crc;
	bool nonzero;
};

static int sl_rb_unit(void *arg, uint64_t off, const void *data, size_t len)
{
	struct sl_rb_walk *w = arg;
	const unsigned char *c = data;

	(void)off;
	w->crc = sl_crc32c(w->crc, data, len);
	if (len && (c[0] || memcmp(c, c + 1, len - 1)))
		w->nonzero = true;
	w->rb->bytes += len;
	return 0;
}

int sl_rb_check(struct sl_readback *rb, const char *dev, char *err,
		size_t errlen)
{
	struct sl_chunk_reader r;
	struct sl_rb_walk w = { .rb = rb };
	const struct sl_rb_ext *e;
	size_t i;
	int rc;

	rc = sl_reader_open(&r, dev, 0, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < rb->n && !rc; i++) {
		e = &rb->v[i];
		w.crc = 0;
		w.nonzero = false;
		rc = sl_reader_read(&r, e->off, e->len, sl_rb_unit, &w, err,
				    errlen);
		if (rc)
			break;
		if (e->zero ? w.nonzero : w.crc != e->crc) {
			snprintf(err, errlen,
				 "%s reads back different bytes than the source sent at offset %llu (%llu bytes%s)",
				 dev, (unsigned long long)e->off,
				 (unsigned long long)e->len,
				 e->zero ? ", discarded: not zeros" : ", CRC-32C differs");
			rc = -EILSEQ;
		}
	}
	sl_reader_close(&r);
	return rc;
}

void sl_rb_free(struct sl_readback *rb)
{
	free(rb->v);
	memset(rb, 0, sizeof(*rb));
}
