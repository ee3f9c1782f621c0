// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the destination's apply on its own blocks
 * (mirror/blockfit.h), the transfer digest (mirror/digest.h) and the
 * CRC-32C (proto/crc32c.h, ISA-L), on regular files: every DATA and
 * DISCARD lands exactly where a plain copy would put it, with blocks
 * covered in part merged and whole blocks of zeros discarded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../mirror/blockfit.h"
#include "../mirror/digest.h"
#include "../proto/crc32c.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)
#define SIZE (8 * MIB)
#define BLOCK (256 * KIB)

static void fill(unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

/* One DATA (seed != 0) or DISCARD (seed 0), in KiB. */
struct op {
	uint64_t off, len, seed;
};

TEST(applies_like_a_plain_copy)
{
	static const struct op ops[] = {
		{ 64, 64, 1 },		/* inside block 0 */
		{ 192, 64, 0 },		/* the same block, zeros */
		{ 960, 192, 2 },	/* across blocks 3 and 4 */
		{ 2112, 1024, 0 },	/* part, 2 whole blocks, part */
		{ 4096, 512, 3 },	/* whole blocks */
		{ 5120, 256, 0 },	/* one whole block */
		{ 5376, 64, 4 },	/* then part of the next */
		{ 5376, 64, 0 },	/* ... zeroed again: a block of zeros */
		{ 8188, 4, 5 },		/* the device's last 4 KiB */
	};
	char path[] = "/var/tmp/blockfit.XXXXXX", err[256];
	unsigned char *model = malloc(SIZE), *got = malloc(SIZE), *buf = NULL;
	struct sl_chunk_writer w;
	struct sl_fit f;
	size_t i;
	int fd;

	ASSERT_NE(NULL, model);
	ASSERT_NE(NULL, got);
	ASSERT_EQ(0, posix_memalign((void **)&buf, 4096, 2 * MIB));
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	/* The old bytes that a block covered in part must keep. */
	fill(model, SIZE, 99);
	ASSERT_EQ((ssize_t)SIZE, pwrite(fd, model, SIZE, 0));
	close(fd);
	ASSERT_EQ(0, sl_writer_open(&w, path, err, sizeof(err)));
	ASSERT_EQ(0, sl_fit_init(&f, &w, BLOCK, err, sizeof(err))) TH_LOG("%s", err);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint64_t off = ops[i].off * KIB, len = ops[i].len * KIB;

		if (ops[i].seed) {
			fill(buf, len, ops[i].seed);
			memcpy(model + off, buf, len);
			ASSERT_EQ(0, sl_fit_data(&f, off, buf, len, err,
						 sizeof(err))) TH_LOG("%s", err);
		} else {
			memset(model + off, 0, len);
			ASSERT_EQ(0, sl_fit_zero(&f, off, len, err,
						 sizeof(err))) TH_LOG("%s", err);
		}
	}
	/* Blocks 0 and 21 (twice each), 3, 4, 8, 12 and 31 were covered in part. */
	EXPECT_EQ(9u, f.merged);
	EXPECT_EQ(-ENOSPC, sl_fit_data(&f, SIZE - 4 * KIB, buf, 8 * KIB, err,
				       sizeof(err)));
	EXPECT_EQ(0, sl_writer_flush(&w, err, sizeof(err)));
	sl_fit_free(&f);
	EXPECT_EQ(0, sl_writer_close(&w));
	fd = open(path, O_RDONLY);
	ASSERT_EQ((ssize_t)SIZE, pread(fd, got, SIZE, 0));
	close(fd);
	for (i = 0; i < SIZE && got[i] == model[i]; i++)
		;
	EXPECT_EQ((size_t)SIZE, i) TH_LOG("first difference at byte %zu", i);
	unlink(path);
	free(model);
	free(got);
	free(buf);
}

TEST(block_sizes_refused)
{
	struct sl_chunk_writer w = { .fd = -1, .dev = "dev" };
	struct sl_fit f;
	char err[256];

	EXPECT_EQ(-EINVAL, sl_fit_init(&f, &w, 96 * KIB, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, sl_fit_init(&f, &w, 32 * MIB, err, sizeof(err)));
	EXPECT_STREQ("dev: blocks of 33554432 bytes cannot be merged in memory (a power of two, 4096 bytes to 16 MiB)",
		     err);
}

static void digest_of(const char *gid, const char *base, int order, int zero,
		      uint8_t out[SL_DIGEST_LEN])
{
	static unsigned char data[8192];
	struct sl_xdigest d;
	char err[128];

	if (sl_xdigest_begin(&d, gid, base, 1 << 20, 0, err, sizeof(err)))
		abort();
	if (order) {
		sl_xdigest_data(&d, 8192, data, 4096);
		sl_xdigest_data(&d, 0, data, 4096);
	} else {
		sl_xdigest_data(&d, 0, data, 4096);
		sl_xdigest_data(&d, 8192, data, 4096);
	}
	if (zero)
		sl_xdigest_zero(&d, 65536, 8192);
	else
		sl_xdigest_data(&d, 65536, data, 8192);
	if (sl_xdigest_end(&d, out))
		abort();
}

TEST(digest_keyed_and_ordered)
{
	const char *g1 = "0b7a2a57-6a55-4bb6-9f53-5a8d1bd0b2a1";
	const char *g2 = "0b7a2a57-6a55-4bb6-9f53-5a8d1bd0b2a2";
	uint8_t a[SL_DIGEST_LEN], b[SL_DIGEST_LEN];

	digest_of(g1, g2, 0, 1, a);
	digest_of(g1, g2, 0, 1, b);
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	digest_of(g1, NULL, 0, 1, b);
	EXPECT_NE(0, memcmp(a, b, sizeof(a)));
	digest_of(g2, g1, 0, 1, b);
	EXPECT_NE(0, memcmp(a, b, sizeof(a)));
	digest_of(g1, g2, 1, 1, b);
	EXPECT_NE(0, memcmp(a, b, sizeof(a)));
	/* A DISCARD is not DATA of zeros, though both read as zeros. */
	digest_of(g1, g2, 0, 0, b);
	EXPECT_NE(0, memcmp(a, b, sizeof(a)));
}

TEST(crc32c_library)
{
	/* The CRC-32C check value, whole and chained. */
	EXPECT_EQ(0xe3069283u, sl_crc32c(0, "123456789", 9));
	EXPECT_EQ(0xe3069283u, sl_crc32c(sl_crc32c(0, "1234", 4),
					 "56789", 5));
}

TEST_HARNESS_MAIN
