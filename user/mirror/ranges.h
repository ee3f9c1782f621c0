/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The range source of the block-level async mirror: which parts of a thin
 * volume a transfer must send. Between a base snapshot and a new one,
 * thin_delta gives the ranges whose mapping changed (written, or newly
 * provisioned) and those unmapped since (discarded); without a base,
 * thin_dump gives every mapped range of the new snapshot. Both read a
 * reserved metadata snapshot of the live pool.
 */
#ifndef SL_RANGES_H
#define SL_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_range {
	uint64_t start;
	uint64_t len;
};

struct sl_ranges {
	struct sl_range *v;
	size_t n, cap;
	uint64_t block_bytes;	/* the pool's data block size; 0 if unknown */
	bool bytes;		/* units: bytes, or data blocks while false */
};

void sl_ranges_init(struct sl_ranges *r);
void sl_ranges_free(struct sl_ranges *r);
/* Append a range; len 0 is ignored. -ENOMEM, or -EOVERFLOW past 2^64. */
int sl_ranges_add(struct sl_ranges *r, uint64_t start, uint64_t len);
/* Sort, and join overlapping and adjacent ranges. */
void sl_ranges_merge(struct sl_ranges *r);
/* Data blocks to bytes (r->block_bytes each); -EOVERFLOW, -EINVAL. */
int sl_ranges_to_bytes(struct sl_ranges *r);
/* Drop what lies at or beyond size, e.g. past a shrunk volume's end. */
void sl_ranges_clip(struct sl_ranges *r, uint64_t size);
/*
 * Cut merged byte ranges into transfer units for direct I/O: every unit
 * is at most max bytes and never crosses a multiple of max, so units
 * start at the same offsets whatever ranges they came from. align (a
 * power of two) must divide max and every range's start and end: an
 * unaligned range is -EINVAL, not silently widened. Appends to out.
 */
int sl_ranges_split(const struct sl_ranges *in, uint64_t max, uint64_t align,
		    struct sl_ranges *out);
/* The sum of the lengths. */
uint64_t sl_ranges_total(const struct sl_ranges *r);

/*
 * Parse `thin_delta --snap1 base --snap2 new` output (plain or --verbose)
 * into merged data-block ranges: changed = different and right_only,
 * removed = left_only; same is ignored. The diff must be between base and
 * new. Sets block_bytes of both lists. 0, or -EPROTO (malformed, with the
 * line in err) or -ENOMEM.
 */
int sl_ranges_parse_delta(const char *xml, uint32_t base_id, uint32_t new_id,
			  struct sl_ranges *changed, struct sl_ranges *removed,
			  char *err, size_t errlen);
/*
 * Parse `thin_dump --dev-id id` output into the merged data-block ranges
 * thin id maps. -ENOENT when the dump has no device id.
 */
int sl_ranges_parse_dump(const char *xml, uint32_t id,
			 struct sl_ranges *mapped, char *err, size_t errlen);

/*
 * The same readers, fed as the output arrives (from a pipe, in pieces of
 * any size): memory holds the merged ranges and one token, never the
 * output. Make one, feed it, finish it: sl_ranges_finish takes the first
 * error met while feeding (0 if none), frees the reader and returns what
 * the parse functions above would have; err (given when it was made)
 * then has the message.
 */
struct sl_ranges_reader;

struct sl_ranges_reader *sl_ranges_delta_reader(uint32_t base_id,
						uint32_t new_id,
						struct sl_ranges *changed,
						struct sl_ranges *removed,
						char *err, size_t errlen);
struct sl_ranges_reader *sl_ranges_dump_reader(uint32_t id,
					       struct sl_ranges *mapped,
					       char *err, size_t errlen);
/* 0, or the first error: -EPROTO when malformed, -ENOMEM. */
int sl_ranges_feed(struct sl_ranges_reader *r, const char *data, size_t len);
int sl_ranges_finish(struct sl_ranges_reader *r, int rc);

/*
 * The byte ranges of thin volume new_id that changed or were removed since
 * snapshot base_id, merged, on the live pool whose thin-pool target is
 * tpool_dm_name and metadata device tmeta_dev (an absolute path). Waits
 * while another softlock user of the pool holds its metadata snapshot (see
 * pool.h). 0, or -errno with a message in err and both lists empty.
 */
int sl_ranges_delta(const char *tpool_dm_name, const char *tmeta_dev,
		    uint32_t base_id, uint32_t new_id,
		    struct sl_ranges *changed, struct sl_ranges *removed,
		    char *err, size_t errlen);
/* The byte ranges thin id maps (a full transfer, no base), merged. */
int sl_ranges_mapped(const char *tpool_dm_name, const char *tmeta_dev,
		     uint32_t id, struct sl_ranges *mapped, char *err,
		     size_t errlen);

#endif /* SL_RANGES_H */
