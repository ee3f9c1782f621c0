// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer digest (see digest.h) on OpenSSL's EVP interface.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "../proto/frame.h"
#include "../proto/msg.h"

int sl_xdigest_begin(struct sl_xdigest *d, const char *gid,
		     const char *base_gid, uint64_t size, uint64_t resume,
		     char *err, size_t errlen)
{
	static const char tag[] = "softlock-transfer-v1";
	uint8_t ids[2 * SL_UUID_LEN] = { 0 }, le[16];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	d->ctx = ctx;
	if (!ctx) {
		snprintf(err, errlen, "out of memory for the transfer digest");
		return -ENOMEM;
	}
	memcpy(ids, gid, strnlen(gid, SL_UUID_LEN));
	if (base_gid)
		memcpy(ids + SL_UUID_LEN, base_gid,
		       strnlen(base_gid, SL_UUID_LEN));
	sl_put_le64(le, size);
	sl_put_le64(le + 8, resume);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, tag, sizeof(tag)) != 1 ||
	    EVP_DigestUpdate(ctx, ids, sizeof(ids)) != 1 ||
	    EVP_DigestUpdate(ctx, le, sizeof(le)) != 1) {
		sl_xdigest_free(d);
		snprintf(err, errlen, "libcrypto cannot compute SHA-256");
		return -EIO;
	}
	return 0;
}

static void sl_xdigest_rec(struct sl_xdigest *d, uint8_t kind, uint64_t off,
			   uint64_t len)
{
	uint8_t r[17];

	r[0] = kind;
	sl_put_le64(r + 1, off);
	sl_put_le64(r + 9, len);
	/* A failure here makes the final digest fail: see sl_xdigest_end. */
	if (d->ctx && EVP_DigestUpdate(d->ctx, r, sizeof(r)) != 1)
		sl_xdigest_free(d);
}

void sl_xdigest_data(struct sl_xdigest *d, uint64_t off, const void *data,
		     size_t len)
{
	sl_xdigest_rec(d, 'D', off, len);
	if (d->ctx && EVP_DigestUpdate(d->ctx, data, len) != 1)
		sl_xdigest_free(d);
}

void sl_xdigest_zero(struct sl_xdigest *d, uint64_t off, uint64_t len)
{
	sl_xdigest_rec(d, 'Z', off, len);
}

int sl_xdigest_end(struct sl_xdigest *d, uint8_t out[SL_DIGEST_LEN])
{
	unsigned int n = 0;
	int ok = d->ctx && EVP_DigestFinal_ex(d->ctx, out, &n) == 1 &&
		 n == SL_DIGEST_LEN;

	sl_xdigest_free(d);
	return ok ? 0 : -EIO;
}

void sl_xdigest_free(struct sl_xdigest *d)
{
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
}
