/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `mirror update --verify`: the destination remembers every range it
 * applied, with the source's CRC-32C of each DATA (CRC in DATA) or
 * "zeros" for a DISCARD, and before publishing reads each one back from
 * the device, after the flush, and compares. The transfer digest proves
 * that what the destination applied is what the source read; this proves
 * that the device returns it, with the frames' CRC-32C (proto/crc32c.h).
 */
#ifndef SL_READBACK_H
#define SL_READBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_rb_ext {
	uint64_t off, len;
	uint32_t crc;
	bool zero;		/* a DISCARD: must read as zeros */
};

struct sl_readback {
	struct sl_rb_ext *v;
	size_t n, cap;
	uint64_t bytes;		/* read back by sl_rb_check */
};

int sl_rb_add(struct sl_readback *rb, uint64_t off, uint64_t len,
	      uint32_t crc, bool zero);
/*
 * Read every range back from dev and compare: 0, -EILSEQ with the first
 * range that differs in err, or another -errno when dev cannot be read.
 */
int sl_rb_check(struct sl_readback *rb, const char *dev, char *err,
		size_t errlen);
void sl_rb_free(struct sl_readback *rb);

#endif /* SL_READBACK_H */
