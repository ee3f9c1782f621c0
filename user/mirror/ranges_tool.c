// SPDX-License-Identifier: GPL-2.0
/*
 * sl_ranges: the mirror's range source on a live pool, for the tests.
 *
 *   sl_ranges delta TPOOL TMETA BASE_ID NEW_ID
 *   sl_ranges mapped TPOOL TMETA ID
 *
 * TPOOL is the thin-pool target's DM name, TMETA its metadata device.
 * Prints "block_size BYTES", then "changed|removed|mapped OFFSET LENGTH"
 * lines in bytes, merged and ascending. Exit status 0, or 1 with a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ranges.h"

static int usage(void)
{
	fprintf(stderr, "usage: sl_ranges delta TPOOL TMETA BASE_ID NEW_ID\n"
			"       sl_ranges mapped TPOOL TMETA ID\n");
	return 2;
}

static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*id = v;
	return 0;
}

static void print(const char *what, const struct sl_ranges *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		printf("%s %llu %llu\n", what,
		       (unsigned long long)r->v[i].start,
		       (unsigned long long)r->v[i].len);
}

int main(int argc, char **argv)
{
	struct sl_ranges a, b;
	uint32_t id1, id2 = 0;
	char err[1024];
	bool delta;
	int rc;

	if (argc < 2)
		return usage();
	delta = !strcmp(argv[1], "delta");
	if (delta ? argc != 6 : (strcmp(argv[1], "mapped") || argc != 5))
		return usage();
	if (parse_id(argv[4], &id1) || (delta && parse_id(argv[5], &id2))) {
		fprintf(stderr, "sl_ranges: thin ids are decimal numbers\n");
		return 2;
	}
	sl_ranges_init(&a);
	sl_ranges_init(&b);
	if (delta)
		rc = sl_ranges_delta(argv[2], argv[3], id1, id2, &a, &b, err,
				     sizeof(err));
	else
		rc = sl_ranges_mapped(argv[2], argv[3], id1, &a, err,
				      sizeof(err));
	if (rc) {
		fprintf(stderr, "sl_ranges: %s\n", err);
	} else {
		printf("block_size %llu\n", (unsigned long long)a.block_bytes);
		print(delta ? "changed" : "mapped", &a);
		print("removed", &b);
	}
	sl_ranges_free(&a);
	sl_ranges_free(&b);
	if (fflush(stdout))
		rc = -EIO;
	return rc ? 1 : 0;
}
