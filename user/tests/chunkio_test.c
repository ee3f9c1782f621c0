// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the mirror's data path on regular files: range
 * copies through the reader and writer, unit boundaries, discards, the
 * buffered fallback where O_DIRECT is refused (tmpfs), error messages,
 * and the content digest. Files live in /var/tmp, not /tmp: /tmp is often
 * tmpfs, and the direct path should be the one mostly exercised.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../mirror/chunkio.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)
#define SIZE (8 * MIB)

/* A deterministic pattern: xorshift, so a failure can be replayed. */
static void fill(unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = data ? write(fd, data, len) : (ftruncate(fd, len) ? -1 : (ssize_t)len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static unsigned char *read_file(const char *path, size_t len)
{
	unsigned char *p = malloc(len);
	int fd = open(path, O_RDONLY);

	if (!p || fd < 0 || pread(fd, p, len, 0) != (ssize_t)len) {
		free(p);
		p = NULL;
	}
	if (fd >= 0)
		close(fd);
	return p;
}

FIXTURE(files)
{
	char dir[64], src[96], dst[96];
	unsigned char *data;
};

FIXTURE_SETUP(files)
{
	snprintf(self->dir, sizeof(self->dir), "/var/tmp/chunkio.XXXXXX");
	if (!mkdtemp(self->dir)) {
		snprintf(self->dir, sizeof(self->dir), "chunkio.XXXXXX");
		ASSERT_NE(NULL, mkdtemp(self->dir));
	}
	snprintf(self->src, sizeof(self->src), "%s/src", self->dir);
	snprintf(self->dst, sizeof(self->dst), "%s/dst", self->dir);
	self->data = malloc(SIZE);
	ASSERT_NE(NULL, self->data);
	fill(self->data, SIZE, 42);
	ASSERT_EQ(0, write_file(self->src, self->data, SIZE));
	ASSERT_EQ(0, write_file(self->dst, NULL, SIZE));
}

FIXTURE_TEARDOWN(files)
{
	unlink(self->src);
	unlink(self->dst);
	rmdir(self->dir);
	free(self->data);
}

struct sink {
	struct sl_chunk_writer *w;
	struct sl_digest *d;
	size_t unit;
	int units, crossed;
	char err[256];
};

static int to_writer(void *arg, uint64_t off, const void *data, size_t len)
{
	struct sink *s = arg;

	s->units++;
	if (off / s->unit != (off + len - 1) / s->unit)
		s->crossed++;
	if (s->d)
		sl_digest_add(s->d, off, data, len);
	if (!s->w)
		return 0;
	return sl_writer_write(s->w, off, data, len, s->err, sizeof(s->err));
}

/* Copy ranges from src to dst with the given unit; 0 or -errno. */
static int copy(const char *src, const char *dst, size_t unit,
		const uint64_t (*rg)[2], int n, struct sink *s)
{
	struct sl_chunk_reader r;
	struct sl_chunk_writer w;
	char err[256];
	int i, rc;

	rc = sl_reader_open(&r, src, unit, err, sizeof(err));
	if (rc)
		return rc;
	rc = sl_writer_open(&w, dst, err, sizeof(err));
	if (rc) {
		sl_reader_close(&r);
		return rc;
	}
	s->w = &w;
	s->unit = r.unit;
	for (i = 0; i < n && !rc; i++)
		rc = sl_reader_read(&r, rg[i][0], rg[i][1], to_writer, s, err,
				    sizeof(err));
	if (!rc)
		rc = sl_writer_flush(&w, err, sizeof(err));
	if (rc)
		fprintf(stderr, "# %s\n", err);
	sl_reader_close(&r);
	if (sl_writer_close(&w) && !rc)
		rc = -EIO;
	s->w = NULL;
	return rc;
}

TEST_F(files, copy_ranges)
{
	/* Ranges crossing unit boundaries, one shorter than a unit. */
	static const uint64_t rg[][2] = {
		{ 64 * KIB, 5 * MIB },
		{ 7 * MIB, 128 * KIB },
		{ 8 * MIB - 64 * KIB, 64 * KIB },
	};
	struct sink s = { 0 };
	unsigned char *out, *want;
	int i;

	ASSERT_EQ(0, copy(self->src, self->dst, 1 * MIB, rg, 3, &s));
	EXPECT_EQ(0, s.crossed);
	/* 64K..1M, 4 whole MiB, 1M..5M+64K: 6 units; then 1 and 1. */
	EXPECT_EQ(8, s.units);
	want = calloc(1, SIZE);
	ASSERT_NE(NULL, want);
	for (i = 0; i < 3; i++)
		memcpy(want + rg[i][0], self->data + rg[i][0], rg[i][1]);
	out = read_file(self->dst, SIZE);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, memcmp(want, out, SIZE));
	free(out);
	free(want);
}

TEST_F(files, whole_copy_default_unit)
{
	static const uint64_t rg[][2] = { { 0, SIZE } };
	struct sink s = { 0 };
	unsigned char *out;

	ASSERT_EQ(0, copy(self->src, self->dst, 0, rg, 1, &s));
	EXPECT_EQ((int)(SIZE / SL_CHUNK_UNIT), s.units);
	out = read_file(self->dst, SIZE);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, memcmp(self->data, out, SIZE));
	free(out);
}

TEST_F(files, discard_reads_zero)
{
	struct sl_chunk_writer w;
	unsigned char *out, *zero;
	char err[256];

	ASSERT_EQ(0, write_file(self->dst, self->data, SIZE));
	ASSERT_EQ(0, sl_writer_open(&w, self->dst, err, sizeof(err)));
	EXPECT_EQ((int)SL_DISCARD_NONE, (int)w.how);
	ASSERT_EQ(0, sl_writer_discard(&w, 1 * MIB, 2 * MIB, err, sizeof(err)));
	EXPECT_EQ((int)SL_DISCARD_PUNCH, (int)w.how);
	EXPECT_STREQ("punch-hole", sl_discard_name(w.how));
	ASSERT_EQ(0, sl_writer_flush(&w, err, sizeof(err)));
	ASSERT_EQ(0, sl_writer_close(&w));
	out = read_file(self->dst, SIZE);
	zero = calloc(1, 2 * MIB);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, zero);
	EXPECT_EQ(0, memcmp(out, self->data, 1 * MIB));
	EXPECT_EQ(0, memcmp(out + 1 * MIB, zero, 2 * MIB));
	EXPECT_EQ(0, memcmp(out + 3 * MIB, self->data + 3 * MIB, SIZE - 3 * MIB));
	free(out);
	free(zero);
}

TEST_F(files, missing_device_messages)
{
	struct sl_chunk_reader r;
	struct sl_chunk_writer w;
	char err[256], path[128];

	snprintf(path, sizeof(path), "%s/nodev", self->dir);
	EXPECT_EQ(-ENOENT, sl_reader_open(&r, path, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, path));
	EXPECT_NE(NULL, strstr(err, "for reading: No such file or directory"));
	EXPECT_EQ(-ENOENT, sl_writer_open(&w, path, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, path));
	EXPECT_NE(NULL, strstr(err, "for writing: No such file or directory"));
	/* The writer never creates its destination. */
	EXPECT_NE(0, access(path, F_OK));
}

TEST_F(files, read_errors_name_offset)
{
	struct sl_chunk_reader r;
	struct sink s = { 0 };
	char err[256], want[256];

	ASSERT_EQ(0, sl_reader_open(&r, self->src, 1 * MIB, err, sizeof(err)));
	s.unit = r.unit;
	EXPECT_EQ(-EINVAL, sl_reader_read(&r, 512, 64 * KIB, to_writer, &s,
					  err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not 4096-byte aligned"));
	/* Past the end: the message names the device and the offset. */
	EXPECT_EQ(-EIO, sl_reader_read(&r, SIZE - 64 * KIB, 128 * KIB,
				       to_writer, &s, err, sizeof(err)));
	snprintf(want, sizeof(want), "read of %s at offset %llu: end of device",
		 self->src, SIZE);
	EXPECT_STREQ(want, err);
	EXPECT_EQ(-EINVAL, sl_reader_open(&r, self->src, 1000, err, sizeof(err)));
	sl_reader_close(&r);
}

/* tmpfs refused O_DIRECT before 6.6: then the buffered path must work. */
TEST(tmpfs_fallback)
{
	static const uint64_t rg[][2] = { { 0, 2 * MIB } };
	char dir[] = "/dev/shm/chunkio.XXXXXX", src[64], dst[64];
	struct sl_chunk_reader r;
	struct sl_chunk_writer w;
	struct sink s = { 0 };
	unsigned char *data, *out;
	char err[256];

	if (!mkdtemp(dir))
		SKIP(return, "no /dev/shm");
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	data = malloc(2 * MIB);
	ASSERT_NE(NULL, data);
	fill(data, 2 * MIB, 7);
	ASSERT_EQ(0, write_file(src, data, 2 * MIB));
	ASSERT_EQ(0, write_file(dst, NULL, 2 * MIB));
	ASSERT_EQ(0, sl_reader_open(&r, src, 0, err, sizeof(err)));
	ASSERT_EQ(0, sl_writer_open(&w, dst, err, sizeof(err)));
	TH_LOG("tmpfs: O_DIRECT %s", r.direct ? "accepted" : "refused, buffered");
	EXPECT_EQ(r.direct, w.direct);
	sl_reader_close(&r);
	sl_writer_close(&w);
	EXPECT_EQ(0, copy(src, dst, 0, rg, 1, &s));
	out = read_file(dst, 2 * MIB);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, memcmp(data, out, 2 * MIB));
	free(out);
	free(data);
	unlink(src);
	unlink(dst);
	rmdir(dir);
}

/*
 * The digest depends on content and offsets, not on whether ranges were
 * joined at a unit boundary (where reads are cut anyway).
 */
TEST_F(files, digest)
{
	static const uint64_t whole[][2] = { { 0, 4 * MIB } };
	static const uint64_t split[][2] = { { 0, 1 * MIB }, { 1 * MIB, 3 * MIB } };
	struct sl_digest a, b, c;
	struct sink s = { 0 };
	unsigned char buf[8192];

	sl_digest_init(&a);
	sl_digest_init(&b);
	s.d = &a;
	ASSERT_EQ(0, copy(self->src, self->dst, 1 * MIB, whole, 1, &s));
	s.d = &b;
	ASSERT_EQ(0, copy(self->src, self->dst, 1 * MIB, split, 2, &s));
	EXPECT_EQ(a.v, b.v);
	EXPECT_EQ(4 * MIB, a.bytes);

	/* A flipped bit, a moved unit, swapped units: all differ. */
	memset(buf, 0x5a, sizeof(buf));
	sl_digest_init(&a);
	sl_digest_add(&a, 0, buf, 4096);
	sl_digest_add(&a, 4096, buf + 4096, 4096);
	sl_digest_init(&b);
	sl_digest_add(&b, 4096, buf + 4096, 4096);
	sl_digest_add(&b, 0, buf, 4096);
	EXPECT_NE(a.v, b.v);
	sl_digest_init(&b);
	sl_digest_add(&b, 8192, buf, 4096);
	sl_digest_add(&b, 4096, buf + 4096, 4096);
	EXPECT_NE(a.v, b.v);
	buf[100] ^= 1;
	sl_digest_init(&c);
	sl_digest_add(&c, 0, buf, 4096);
	sl_digest_add(&c, 4096, buf + 4096, 4096);
	EXPECT_NE(a.v, c.v);
}

TEST_HARNESS_MAIN
