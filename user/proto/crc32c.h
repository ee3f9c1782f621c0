/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, as iSCSI): the
 * checksum of every peer-protocol frame, of every chunk that `--verify`
 * reads back, and of chunk-store records. Chosen over zlib's CRC-32
 * because x86 (SSE4.2) and arm64 compute it in hardware and it detects
 * more error patterns. Computed by ISA-L (crc32_iscsi), which picks the
 * CPU's CRC32 instruction when it has one.
 */
#ifndef SL_CRC32C_H
#define SL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue a CRC-32C over len bytes: start with crc = 0; feeding a buffer
 * in pieces gives the same result as in one call, so a frame's header and
 * payload need not be contiguous. sl_crc32c(0, "123456789", 9) = 0xE3069283.
 */
uint32_t sl_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* SL_CRC32C_H */
