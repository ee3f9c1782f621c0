// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C through ISA-L (see crc32c.h).
 */
#include <isa-l/crc.h>

#include "crc32c.h"

uint32_t sl_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/*
	 * crc32_iscsi takes and returns the CRC register, without the
	 * standard CRC's inversion before and after: invert both ways so
	 * that a chained call continues a finished CRC. Its length is an
	 * int, so very large buffers go in pieces of 1 GiB.
	 */
	while (len) {
		int n = len > (1u << 30) ? 1 << 30 : (int)len;

		crc = ~crc32_iscsi((unsigned char *)p, n, ~crc);
		p += n;
		len -= n;
	}
	return crc;
}
