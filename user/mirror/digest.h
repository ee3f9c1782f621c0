/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The end-to-end digest of one transfer: SHA-256 (OpenSSL's EVP, which
 * the helper links already for TLS, and which uses the CPU's SHA
 * instructions where it has them) over what the transfer carries, in
 * order. The source feeds every DATA it read and every DISCARD it sent,
 * the destination every DATA and DISCARD it applied; DONE carries the
 * source's, and the destination publishes only when its own is the same.
 *
 * The input is a header naming the PCPI pair and where the stream starts
 *   "softlock-transfer-v1" NUL, the offered global id (36 bytes), the
 *   base's (36 bytes, or 36 NULs for a full transfer), le64 size,
 *   le64 resume offset
 * then one record per range, in stream order:
 *   'D' le64 offset le64 length, the data
 *   'Z' le64 offset le64 length          (a DISCARD: reads as zeros)
 * so a digest of one pair's stream never matches another pair's, and a
 * range moved, dropped, reordered or changed changes it.
 */
#ifndef SL_DIGEST_H
#define SL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#ifndef SL_DIGEST_LEN
#define SL_DIGEST_LEN 32
#endif

struct sl_xdigest {
	void *ctx;		/* EVP_MD_CTX */
};

/* 0, or -ENOMEM / -EIO (libcrypto failed) with a message. */
int sl_xdigest_begin(struct sl_xdigest *d, const char *gid,
		     const char *base_gid, uint64_t size, uint64_t resume,
		     char *err, size_t errlen);
void sl_xdigest_data(struct sl_xdigest *d, uint64_t off, const void *data,
		     size_t len);
void sl_xdigest_zero(struct sl_xdigest *d, uint64_t off, uint64_t len);
/* The digest; 0 or -EIO. Frees the context either way. */
int sl_xdigest_end(struct sl_xdigest *d, uint8_t out[SL_DIGEST_LEN]);
void sl_xdigest_free(struct sl_xdigest *d);

#endif /* SL_DIGEST_H */
