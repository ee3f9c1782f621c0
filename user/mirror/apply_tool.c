// SPDX-License-Identifier: GPL-2.0
/*
 * sl_apply: the mirror's data path on real devices, for the tests.
 *
 *   sl_ranges ... | sl_apply SRC_DEV DST_DEV
 *
 * Reads sl_ranges' output on stdin, copies every changed or mapped range
 * from SRC_DEV to the same offsets of DST_DEV, discards every removed
 * range on DST_DEV, flushes DST_DEV, then prints
 * "copied BYTES discarded BYTES". Exit status 0, 1 with a message, or 2
 * for bad usage or input. Nothing is written before all input is read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunkio.h"
#include "ranges.h"

struct copy {
	struct sl_chunk_writer *w;
	char *err;
	size_t errlen;
};

static int copy_unit(void *arg, uint64_t off, const void *data, size_t len)
{
	struct copy *c = arg;

	return sl_writer_write(c->w, off, data, len, c->err, c->errlen);
}

/* One line of sl_ranges' output into the lists; 0, or -EINVAL. */
static int parse_line(const char *line, struct sl_ranges *copy,
		      struct sl_ranges *removed)
{
	char kind[16];
	unsigned long long a, b;
	int n, end = 0;

	n = sscanf(line, "%15s %llu %llu %n", kind, &a, &b, &end);
	if (n == 2 && !strcmp(kind, "block_size"))
		return 0;	/* informational: ranges are already in bytes */
	if (n != 3 || line[end])
		return -EINVAL;
	if (!strcmp(kind, "changed") || !strcmp(kind, "mapped"))
		return sl_ranges_add(copy, a, b);
	if (!strcmp(kind, "removed"))
		return sl_ranges_add(removed, a, b);
	return -EINVAL;
}

static int read_input(struct sl_ranges *copy, struct sl_ranges *removed)
{
	char line[256];
	unsigned int lineno = 0;
	size_t len;

	while (fgets(line, sizeof(line), stdin)) {
		lineno++;
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		if (parse_line(line, copy, removed)) {
			fprintf(stderr, "sl_apply: stdin line %u: not a range: %s\n",
				lineno, line);
			return -EINVAL;
		}
	}
	if (ferror(stdin)) {
		fprintf(stderr, "sl_apply: reading stdin: %s\n", strerror(errno));
		return -EIO;
	}
	sl_ranges_merge(copy);
	sl_ranges_merge(removed);
	return 0;
}

/* Every range must lie inside the device: fail before writing anything. */
static int check_fits(const char *dev, int fd, const struct sl_ranges *r)
{
	uint64_t size;
	int rc;

	if (!r->n)
		return 0;
	rc = sl_chunk_dev_size(fd, &size);
	if (rc) {
		fprintf(stderr, "sl_apply: size of %s: %s\n", dev, strerror(-rc));
		return rc;
	}
	if (r->v[r->n - 1].start + r->v[r->n - 1].len > size) {
		fprintf(stderr, "sl_apply: range %" PRIu64 "+%" PRIu64
			" ends past %s (%" PRIu64 " bytes)\n",
			r->v[r->n - 1].start, r->v[r->n - 1].len, dev, size);
		return -ERANGE;
	}
	return 0;
}

static int apply(const char *src, const char *dst,
		 const struct sl_ranges *copy, const struct sl_ranges *removed)
{
	struct sl_chunk_reader r;
	struct sl_chunk_writer w;
	char err[512];
	struct copy c = { .w = &w, .err = err, .errlen = sizeof(err) };
	size_t i;
	int rc;

	rc = sl_reader_open(&r, src, 0, err, sizeof(err));
	if (rc)
		goto out_msg;
	rc = sl_writer_open(&w, dst, err, sizeof(err));
	if (rc) {
		sl_reader_close(&r);
		goto out_msg;
	}
	rc = check_fits(src, r.fd, copy);
	if (!rc)
		rc = check_fits(dst, w.fd, copy);
	if (!rc)
		rc = check_fits(dst, w.fd, removed);
	if (rc)
		goto out;
	for (i = 0; i < copy->n && !rc; i++)
		rc = sl_reader_read(&r, copy->v[i].start, copy->v[i].len,
				    copy_unit, &c, err, sizeof(err));
	for (i = 0; i < removed->n && !rc; i++)
		rc = sl_writer_discard(&w, removed->v[i].start,
				       removed->v[i].len, err, sizeof(err));
	if (!rc)
		rc = sl_writer_flush(&w, err, sizeof(err));
	if (rc)
		fprintf(stderr, "sl_apply: %s\n", err);
	else if (w.how == SL_DISCARD_ZEROOUT)
		fprintf(stderr, "sl_apply: %s does not support discard: removed ranges were zeroed with BLKZEROOUT\n",
			dst);
out:
	sl_reader_close(&r);
	if (sl_writer_close(&w) && !rc) {
		fprintf(stderr, "sl_apply: closing %s failed\n", dst);
		rc = -EIO;
	}
	return rc;
out_msg:
	fprintf(stderr, "sl_apply: %s\n", err);
	return rc;
}

int main(int argc, char **argv)
{
	struct sl_ranges copy, removed;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: sl_ranges ... | sl_apply SRC_DEV DST_DEV\n");
		return 2;
	}
	sl_ranges_init(&copy);
	sl_ranges_init(&removed);
	copy.bytes = removed.bytes = true;
	rc = read_input(&copy, &removed);
	if (rc) {
		rc = 2;
		goto out;
	}
	rc = apply(argv[1], argv[2], &copy, &removed) ? 1 : 0;
	if (!rc) {
		printf("copied %" PRIu64 " discarded %" PRIu64 "\n",
		       sl_ranges_total(&copy), sl_ranges_total(&removed));
		if (fflush(stdout))
			rc = 1;
	}
out:
	sl_ranges_free(&copy);
	sl_ranges_free(&removed);
	return rc;
}
