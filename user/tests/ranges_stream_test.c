// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of reading thin_delta/thin_dump output as it arrives:
 * the same lists whatever the pieces the pipe delivers, and memory that
 * does not grow with the size of the output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../lib/run.h"
#include "../mirror/ranges.h"
#include "ranges_captures.h"

#define MIB (1024 * 1024L)

static int equal(const struct sl_ranges *a, const struct sl_ranges *b)
{
	return a->n == b->n && a->block_bytes == b->block_bytes &&
	       (!a->n || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}

/*
 * A thin_delta output of n runs of every kind, separated by gaps so that
 * none merge: n / 4 changed, removed and same runs each. When adjacent,
 * every run touches the last: they all merge into one range.
 */
static void gen_delta(FILE *f, size_t n, int adjacent)
{
	static const char *const kinds[] = { "different", "right_only",
					     "left_only", "same" };
	size_t i;

	fprintf(f, "<superblock uuid=\"\" time=\"2\" transaction=\"4\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
		"  <diff left=\"2\" right=\"3\">\n");
	for (i = 0; i < n; i++)
		fprintf(f, "    <%s begin=\"%zu\" length=\"%zu\"/>\n",
			adjacent ? "different" : kinds[i % 4],
			adjacent ? i * 3 : i * 8, adjacent ? 3 : 1 + i % 5);
	fprintf(f, "  </diff>\n</superblock>\n");
}

/* Feed text in pieces cut at the given offsets (ascending, < len). */
static int feed_cut(const char *text, size_t len, const size_t *cuts,
		    int ncuts, struct sl_ranges *c, struct sl_ranges *r,
		    char *err, size_t errlen)
{
	struct sl_ranges_reader *rd;
	size_t pos = 0, end;
	int i, rc = 0;

	rd = sl_ranges_delta_reader(2, 3, c, r, err, errlen);
	if (!rd)
		return -ENOMEM;
	for (i = 0; i <= ncuts && !rc; i++) {
		end = i < ncuts ? cuts[i] : len;
		rc = sl_ranges_feed(rd, text + pos, end - pos);
		pos = end;
	}
	return sl_ranges_finish(rd, rc);
}

TEST(delta_split_at_every_point)
{
	const char *texts[] = { delta_2_3, delta_2_3_verbose };
	struct sl_ranges wc, wr, c, r;
	size_t len, cut[2];
	char err[512];
	int t;

	sl_ranges_init(&wc);
	sl_ranges_init(&wr);
	sl_ranges_init(&c);
	sl_ranges_init(&r);
	for (t = 0; t < 2; t++) {
		len = strlen(texts[t]);
		ASSERT_EQ(0, sl_ranges_parse_delta(texts[t], 2, 3, &wc, &wr,
						   err, sizeof(err)));
		ASSERT_EQ(4u, wc.n);
		/* Every single cut, then every pair of cuts 7 bytes apart. */
		for (cut[0] = 0; cut[0] < len; cut[0]++) {
			ASSERT_EQ(0, feed_cut(texts[t], len, cut, 1, &c, &r,
					      err, sizeof(err))) TH_LOG("%s", err);
			ASSERT_TRUE(equal(&wc, &c)) TH_LOG("cut at %zu", cut[0]);
			ASSERT_TRUE(equal(&wr, &r)) TH_LOG("cut at %zu", cut[0]);
			cut[1] = cut[0] + 7;
			if (cut[1] >= len)
				continue;
			ASSERT_EQ(0, feed_cut(texts[t], len, cut, 2, &c, &r,
					      err, sizeof(err))) TH_LOG("%s", err);
			ASSERT_TRUE(equal(&wc, &c)) TH_LOG("cuts at %zu", cut[0]);
			ASSERT_TRUE(equal(&wr, &r)) TH_LOG("cuts at %zu", cut[0]);
		}
	}
	sl_ranges_free(&wc);
	sl_ranges_free(&wr);
	sl_ranges_free(&c);
	sl_ranges_free(&r);
}

TEST(large_delta_in_random_pieces)
{
	struct sl_ranges wc, wr, c, r;
	struct sl_ranges_reader *rd;
	size_t len, pos, n;
	char err[512], *text;
	int rc = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	ASSERT_NE(NULL, f);
	gen_delta(f, 100000, 0);
	ASSERT_EQ(0, fclose(f));
	sl_ranges_init(&wc);
	sl_ranges_init(&wr);
	sl_ranges_init(&c);
	sl_ranges_init(&r);
	ASSERT_EQ(0, sl_ranges_parse_delta(text, 2, 3, &wc, &wr, err,
					   sizeof(err))) TH_LOG("%s", err);
	/* 100,000 runs: half of them changed, a quarter removed. */
	ASSERT_EQ(50000u, wc.n);
	ASSERT_EQ(25000u, wr.n);
	srand(17);
	rd = sl_ranges_delta_reader(2, 3, &c, &r, err, sizeof(err));
	ASSERT_NE(NULL, rd);
	for (pos = 0; pos < len && !rc; pos += n) {
		n = 1 + rand() % 4096;
		if (n > len - pos)
			n = len - pos;
		rc = sl_ranges_feed(rd, text + pos, n);
	}
	ASSERT_EQ(0, sl_ranges_finish(rd, rc)) TH_LOG("%s", err);
	ASSERT_TRUE(equal(&wc, &c));
	ASSERT_TRUE(equal(&wr, &r));
	/* A truncated output is an error, wherever the cut falls. */
	rd = sl_ranges_delta_reader(2, 3, &c, &r, err, sizeof(err));
	ASSERT_NE(NULL, rd);
	ASSERT_EQ(-EPROTO, sl_ranges_finish(rd, sl_ranges_feed(rd, text,
							       len / 2)));
	ASSERT_EQ(0u, c.n);
	free(text);
	sl_ranges_free(&wc);
	sl_ranges_free(&wr);
	sl_ranges_free(&c);
	sl_ranges_free(&r);
}

static int sink(const char *data, size_t len, void *arg)
{
	return sl_ranges_feed(arg, data, len);
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * 1,000,000 runs (about 50 MB of XML) that merge into one range, read from
 * a child's pipe: the process's peak RSS must not grow by the output's
 * size, only by a reader's worth of buffers.
 */
TEST(pipe_output_in_bounded_memory)
{
	char path[] = "/tmp/sl_ranges_stream.XXXXXX", err[512];
	const char *argv[] = { "cat", path, NULL };
	struct sl_ranges_reader *rd;
	struct sl_ranges c, r;
	long before, grown;
	int fd, sink_rc;
	FILE *f;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	ASSERT_NE(NULL, f);
	gen_delta(f, 1000000, 1);
	ASSERT_LT(40 * MIB, ftell(f));
	ASSERT_EQ(0, fclose(f));
	sl_ranges_init(&c);
	sl_ranges_init(&r);
	rd = sl_ranges_delta_reader(2, 3, &c, &r, err, sizeof(err));
	ASSERT_NE(NULL, rd);
	before = max_rss_kib();
	ASSERT_EQ(0, sl_run_stream(argv, sink, rd, &sink_rc, NULL));
	ASSERT_EQ(0, sl_ranges_finish(rd, sink_rc)) TH_LOG("%s", err);
	grown = max_rss_kib() - before;
	unlink(path);
	ASSERT_EQ(1u, c.n);
	ASSERT_EQ(3000000u, c.v[0].len);
	ASSERT_GT(8 * 1024, grown) TH_LOG("peak RSS grew by %ld KiB", grown);
	sl_ranges_free(&c);
	sl_ranges_free(&r);
}

TEST_HARNESS_MAIN
