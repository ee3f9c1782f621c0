// SPDX-License-Identifier: GPL-2.0
/*
 * Range lists, the thin_delta and thin_dump readers, and running them on a
 * live pool's metadata snapshot (reserved and released by pool.c).
 *
 * thin_delta 0.9 prints, inside <superblock ... data_block_size="SECTORS">
 * and <diff left="BASE" right="NEW">, one element per run of blocks in
 * ascending order: <same|different|left_only|right_only begin= length=/>,
 * or with --verbose a <different>... element around <range begin= length=
 * .../> ones. A block is "different" when both snapshots map it to
 * different data blocks (written since the base: sharing was broken),
 * "right_only" when only the new one maps it (first written since),
 * "left_only" when only the base did (discarded since).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "ranges.h"
#include "xml.h"

void sl_ranges_init(struct sl_ranges *r)
{
	memset(r, 0, sizeof(*r));
}

void sl_ranges_free(struct sl_ranges *r)
{
	free(r->v);
	sl_ranges_init(r);
}

/* Append without joining: the split units must stay apart. */
static int sl_ranges_push(struct sl_ranges *r, uint64_t start, uint64_t len)
{
	struct sl_range *v;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 64;
		v = reallocarray(r->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct sl_range){ start, len };
	return 0;
}

int sl_ranges_add(struct sl_ranges *r, uint64_t start, uint64_t len)
{
	struct sl_range *last = r->n ? &r->v[r->n - 1] : NULL;

	if (!len)
		return 0;
	if (start > UINT64_MAX - len)
		return -EOVERFLOW;
	/* The tools print in ascending order: extend in place, stay small. */
	if (last && start >= last->start && start <= last->start + last->len) {
		if (start + len > last->start + last->len)
			last->len = start + len - last->start;
		return 0;
	}
	return sl_ranges_push(r, start, len);
}

static int sl_range_cmp(const void *a, const void *b)
{
	const struct sl_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void sl_ranges_merge(struct sl_ranges *r)
{
	size_t i, n = 0;
	uint64_t end;

	if (r->n < 2)
		return;
	/*
	 * thin_delta and thin_dump print in block order, so the list is
	 * nearly always sorted already; glibc's qsort would allocate a
	 * copy of it (a merge sort) to find that out.
	 */
	for (i = 1; i < r->n && r->v[i - 1].start <= r->v[i].start; i++)
		;
	if (i < r->n)
		qsort(r->v, r->n, sizeof(*r->v), sl_range_cmp);
	for (i = 1; i < r->n; i++) {
		end = r->v[n].start + r->v[n].len;
		if (r->v[i].start <= end) {
			if (r->v[i].start + r->v[i].len > end)
				r->v[n].len = r->v[i].start + r->v[i].len -
					      r->v[n].start;
			continue;
		}
		r->v[++n] = r->v[i];
	}
	r->n = n + 1;
}

int sl_ranges_to_bytes(struct sl_ranges *r)
{
	uint64_t bs = r->block_bytes;
	size_t i;

	if (r->bytes || !bs)
		return -EINVAL;
	for (i = 0; i < r->n; i++)
		if (r->v[i].start + r->v[i].len > UINT64_MAX / bs)
			return -EOVERFLOW;
	for (i = 0; i < r->n; i++) {
		r->v[i].start *= bs;
		r->v[i].len *= bs;
	}
	r->bytes = true;
	return 0;
}

void sl_ranges_clip(struct sl_ranges *r, uint64_t size)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].start >= size)
			continue;
		r->v[n] = r->v[i];
		if (r->v[n].len > size - r->v[n].start)
			r->v[n].len = size - r->v[n].start;
		n++;
	}
	r->n = n;
}

int sl_ranges_split(const struct sl_ranges *in, uint64_t max, uint64_t align,
		    struct sl_ranges *out)
{
	uint64_t pos, end, next;
	size_t i;
	int rc;

	if (!align || (align & (align - 1)) || max < align || max % align)
		return -EINVAL;
	for (i = 0; i < in->n; i++)
		if (in->v[i].start % align || in->v[i].len % align)
			return -EINVAL;
	out->block_bytes = in->block_bytes;
	out->bytes = in->bytes;
	for (i = 0; i < in->n; i++) {
		pos = in->v[i].start;
		end = pos + in->v[i].len;
		while (pos < end) {
			next = pos - pos % max;
			next = next > UINT64_MAX - max ? end : next + max;
			if (next > end)
				next = end;
			rc = sl_ranges_push(out, pos, next - pos);
			if (rc)
				return rc;
			pos = next;
		}
	}
	return 0;
}

uint64_t sl_ranges_total(const struct sl_ranges *r)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		sum += r->v[i].len;
	return sum;
}

/* ------------------------------------------------------------ parsing */

enum { SL_SAME, SL_CHANGED, SL_REMOVED, SL_KINDS };

static const char *const sl_kind_names[] = {
	"same", "different", "right_only", "left_only",
};
static const int sl_kind_of[] = { SL_SAME, SL_CHANGED, SL_CHANGED, SL_REMOVED };

struct sl_parse {
	bool dump;
	uint32_t id1, id2;	/* delta: left and right; dump: id1 */
	struct sl_ranges *out[SL_KINDS];	/* dump: out[SL_CHANGED] */
	uint64_t block_bytes;
	int container;		/* the open --verbose <different>..., or -1 */
	bool found;		/* the <diff>, or the wanted <device> */
	bool in_dev;
};

static int sl_kind(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sl_kind_of) / sizeof(sl_kind_of[0]); i++)
		if (!strcmp(name, sl_kind_names[i]))
			return sl_kind_of[i];
	return -1;
}

/* Attribute name of t as a decimal number up to max. */
static int sl_num(const struct sl_xml_tag *t, const char *name, uint64_t max,
		  uint64_t *v, char *msg, size_t msglen)
{
	const char *s = sl_xml_get(t, name), *p;
	uint64_t n = 0;

	if (!s) {
		snprintf(msg, msglen, "<%s> has no %s attribute", t->name, name);
		return -EPROTO;
	}
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (n > (max - (uint64_t)(*p - '0')) / 10)
			break;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || *p) {
		snprintf(msg, msglen, "<%s>: %s=\"%.40s\" is not a number up to %llu",
			 t->name, name, s, (unsigned long long)max);
		return -EPROTO;
	}
	*v = n;
	return 0;
}

static int sl_take(struct sl_parse *p, const struct sl_xml_tag *t, int kind,
		   const char *begin, const char *length, char *msg,
		   size_t msglen)
{
	uint64_t b, len = 1;
	int rc;

	rc = sl_num(t, begin, UINT64_MAX, &b, msg, msglen);
	if (!rc && length)
		rc = sl_num(t, length, UINT64_MAX, &len, msg, msglen);
	if (rc)
		return rc;
	if (!len) {
		snprintf(msg, msglen, "<%s> of length 0", t->name);
		return -EPROTO;
	}
	if (!p->out[kind])
		return 0;
	rc = sl_ranges_add(p->out[kind], b, len);
	if (rc == -EOVERFLOW) {
		snprintf(msg, msglen, "<%s> ends past block 2^64", t->name);
		return -EPROTO;
	}
	if (rc)
		snprintf(msg, msglen, "%s", strerror(-rc));
	return rc;
}

static int sl_superblock(struct sl_parse *p, const struct sl_xml_tag *t,
			 char *msg, size_t msglen)
{
	uint64_t sectors;
	int rc;

	if (strcmp(t->name, "superblock")) {
		snprintf(msg, msglen, "expected <superblock>, found <%s>", t->name);
		return -EPROTO;
	}
	rc = sl_num(t, "data_block_size", UINT32_MAX, &sectors, msg, msglen);
	if (rc)
		return rc;
	if (!sectors) {
		snprintf(msg, msglen, "<superblock> has a data_block_size of 0");
		return -EPROTO;
	}
	/* In 512-byte sectors, as in dm-thin's table line. */
	p->block_bytes = sectors * 512;
	return 0;
}

static int sl_diff(struct sl_parse *p, const struct sl_xml_tag *t, char *msg,
		   size_t msglen)
{
	uint64_t l, r;
	int rc;

	if (p->found) {
		snprintf(msg, msglen, "a second <diff>");
		return -EPROTO;
	}
	rc = sl_num(t, "left", UINT32_MAX, &l, msg, msglen);
	if (!rc)
		rc = sl_num(t, "right", UINT32_MAX, &r, msg, msglen);
	if (rc)
		return rc;
	if (l != p->id1 || r != p->id2) {
		snprintf(msg, msglen,
			 "the diff is between thin ids %llu and %llu, not %u and %u",
			 (unsigned long long)l, (unsigned long long)r, p->id1,
			 p->id2);
		return -EPROTO;
	}
	p->found = true;
	return 0;
}

static int sl_delta_tag(const struct sl_xml_tag *t, void *arg, char *msg,
			size_t msglen)
{
	struct sl_parse *p = arg;
	int kind = sl_kind(t->name);

	if (t->end) {
		/* <different/> with no begin: neither a run nor a container. */
		if (t->depth == 2 && p->container >= 0 && t->empty) {
			snprintf(msg, msglen, "<%s> has no begin attribute",
				 t->name);
			return -EPROTO;
		}
		if (t->depth == 2)
			p->container = -1;
		if (t->depth == 0 && !p->found) {
			snprintf(msg, msglen, "no <diff> in the output");
			return -EPROTO;
		}
		return 0;
	}
	if (t->depth == 0)
		return sl_superblock(p, t, msg, msglen);
	if (t->depth == 1 && !strcmp(t->name, "diff"))
		return sl_diff(p, t, msg, msglen);
	if (t->depth == 2 && kind >= 0) {
		/* --verbose: a container of <range> elements. */
		if (!sl_xml_get(t, "begin")) {
			p->container = kind;
			return 0;
		}
		return sl_take(p, t, kind, "begin", "length", msg, msglen);
	}
	if (t->depth == 3 && p->container >= 0 && !strcmp(t->name, "range"))
		return sl_take(p, t, p->container, "begin", "length", msg,
			       msglen);
	snprintf(msg, msglen, "unexpected <%s> in <%s>", t->name, t->parent);
	return -EPROTO;
}

static int sl_dump_tag(const struct sl_xml_tag *t, void *arg, char *msg,
		       size_t msglen)
{
	struct sl_parse *p = arg;
	uint64_t id;
	int rc;

	if (t->end) {
		if (t->depth == 1)
			p->in_dev = false;
		return 0;
	}
	if (t->depth == 0)
		return sl_superblock(p, t, msg, msglen);
	if (t->depth == 1 && !strcmp(t->name, "device")) {
		rc = sl_num(t, "dev_id", UINT32_MAX, &id, msg, msglen);
		if (rc)
			return rc;
		p->in_dev = id == p->id1;
		if (p->in_dev && p->found) {
			snprintf(msg, msglen, "thin id %u listed twice", p->id1);
			return -EPROTO;
		}
		p->found |= p->in_dev;
		return 0;
	}
	/* Another device's mappings: checked, then dropped (no SL_SAME list). */
	if (t->depth == 2 && !strcmp(t->name, "range_mapping"))
		return sl_take(p, t, p->in_dev ? SL_CHANGED : SL_SAME,
			       "origin_begin", "length", msg, msglen);
	if (t->depth == 2 && !strcmp(t->name, "single_mapping"))
		return sl_take(p, t, p->in_dev ? SL_CHANGED : SL_SAME,
			       "origin_block", NULL, msg, msglen);
	snprintf(msg, msglen, "unexpected <%s> in <%s>", t->name, t->parent);
	return -EPROTO;
}

/* Empty the lists before a parse: a list is only ever what one run gave. */
static int sl_parse_begin(struct sl_parse *p, struct sl_xml *x, char *err,
			  size_t errlen)
{
	int i;

	p->container = -1;
	for (i = 0; i < SL_KINDS; i++)
		if (p->out[i])
			p->out[i]->n = 0;
	return sl_xml_init(x, p->dump ? sl_dump_tag : sl_delta_tag, p, err,
			   errlen);
}

/* Take the reader's rc; the lists are complete and merged, or empty. */
static int sl_parse_end(struct sl_parse *p, struct sl_xml *x, int rc,
			char *err, size_t errlen)
{
	int i, fin;

	fin = sl_xml_finish(x);
	rc = rc ?: fin;
	if (!rc && p->dump && !p->found) {
		snprintf(err, errlen, "no thin device %u in the metadata",
			 p->id1);
		rc = -ENOENT;
	}
	for (i = 0; i < SL_KINDS; i++) {
		if (!p->out[i])
			continue;
		/* A half-read list must not pass for a complete one. */
		if (rc)
			p->out[i]->n = 0;
		sl_ranges_merge(p->out[i]);
		p->out[i]->block_bytes = rc ? 0 : p->block_bytes;
		p->out[i]->bytes = false;
	}
	return rc;
}

struct sl_ranges_reader {
	struct sl_parse p;
	struct sl_xml x;
	char *err;
	size_t errlen;
};

static struct sl_ranges_reader *sl_reader_new(const struct sl_parse *p,
					      char *err, size_t errlen)
{
	struct sl_ranges_reader *r = malloc(sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->p = *p;
	r->err = err;
	r->errlen = errlen;
	if (sl_parse_begin(&r->p, &r->x, err, errlen)) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	return r;
}

struct sl_ranges_reader *sl_ranges_delta_reader(uint32_t base_id,
						uint32_t new_id,
						struct sl_ranges *changed,
						struct sl_ranges *removed,
						char *err, size_t errlen)
{
	struct sl_parse p = {
		.id1 = base_id, .id2 = new_id,
		.out = { [SL_CHANGED] = changed, [SL_REMOVED] = removed },
	};

	return sl_reader_new(&p, err, errlen);
}

struct sl_ranges_reader *sl_ranges_dump_reader(uint32_t id,
					       struct sl_ranges *mapped,
					       char *err, size_t errlen)
{
	struct sl_parse p = {
		.dump = true, .id1 = id, .out = { [SL_CHANGED] = mapped },
	};

	return sl_reader_new(&p, err, errlen);
}

int sl_ranges_feed(struct sl_ranges_reader *r, const char *data, size_t len)
{
	return sl_xml_feed(&r->x, data, len);
}

int sl_ranges_finish(struct sl_ranges_reader *r, int rc)
{
	rc = sl_parse_end(&r->p, &r->x, rc, r->err, r->errlen);
	free(r);
	return rc;
}

int sl_ranges_parse_delta(const char *xml, uint32_t base_id, uint32_t new_id,
			  struct sl_ranges *changed, struct sl_ranges *removed,
			  char *err, size_t errlen)
{
	struct sl_ranges_reader *r;

	r = sl_ranges_delta_reader(base_id, new_id, changed, removed, err,
				   errlen);
	if (!r)
		return -ENOMEM;
	return sl_ranges_finish(r, sl_ranges_feed(r, xml, strlen(xml)));
}

int sl_ranges_parse_dump(const char *xml, uint32_t id,
			 struct sl_ranges *mapped, char *err, size_t errlen)
{
	struct sl_ranges_reader *r;

	r = sl_ranges_dump_reader(id, mapped, err, errlen);
	if (!r)
		return -ENOMEM;
	return sl_ranges_finish(r, sl_ranges_feed(r, xml, strlen(xml)));
}

/* ------------------------------------------------------------ live pools */

/* The tool's stdout, straight into the reader. */
static int sl_ranges_sink(const char *data, size_t len, void *arg)
{
	return sl_ranges_feed(arg, data, len);
}

/*
 * Run a tool on the pool's metadata snapshot, parsing what it prints as it
 * arrives: memory grows with the merged ranges, never with the output.
 */
static int sl_ranges_live(const char *tpool, const char *tmeta,
			  const char *const argv[], struct sl_parse *p,
			  char *err, size_t errlen)
{
	struct sl_ranges_reader *r;
	char msg[600];
	int rc, i;

	for (i = 0; i < SL_KINDS; i++)
		if (p->out[i])
			p->out[i]->n = 0;
	/* An absolute path can never be read as one of the tool's options. */
	if (!tmeta || tmeta[0] != '/') {
		snprintf(err, errlen,
			 "%s: the pool's metadata device must be an absolute path",
			 tmeta ? tmeta : "(none)");
		return -EINVAL;
	}
	r = sl_reader_new(p, msg, sizeof(msg));
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", argv[0]);
		return -ENOMEM;
	}
	rc = sl_pool_snap_stream(tpool, argv, sl_ranges_sink, r, err, errlen);
	/* The tool failed: its own message says more than the parse's. */
	if (rc && err[0]) {
		sl_ranges_finish(r, rc);
		return rc;
	}
	rc = sl_ranges_finish(r, rc);
	if (rc) {
		snprintf(err, errlen, "%s on %s: %s", argv[0], tmeta, msg);
		return rc;
	}
	for (i = 0; i < SL_KINDS; i++) {
		if (p->out[i] && sl_ranges_to_bytes(p->out[i])) {
			snprintf(err, errlen, "%s on %s: ranges end past 2^64 bytes",
				 argv[0], tmeta);
			p->out[i]->n = 0;
			return -EOVERFLOW;
		}
	}
	return 0;
}

int sl_ranges_delta(const char *tpool_dm_name, const char *tmeta_dev,
		    uint32_t base_id, uint32_t new_id,
		    struct sl_ranges *changed, struct sl_ranges *removed,
		    char *err, size_t errlen)
{
	char a[16], b[16];
	const char *argv[] = { "thin_delta", "--metadata-snap", "--snap1", a,
			       "--snap2", b, tmeta_dev, NULL };
	struct sl_parse p = {
		.id1 = base_id, .id2 = new_id,
		.out = { [SL_CHANGED] = changed, [SL_REMOVED] = removed },
	};

	snprintf(a, sizeof(a), "%u", base_id);
	snprintf(b, sizeof(b), "%u", new_id);
	return sl_ranges_live(tpool_dm_name, tmeta_dev, argv, &p, err, errlen);
}

int sl_ranges_mapped(const char *tpool_dm_name, const char *tmeta_dev,
		     uint32_t id, struct sl_ranges *mapped, char *err,
		     size_t errlen)
{
	char a[16];
	const char *argv[] = { "thin_dump", "--metadata-snap", "--dev-id", a,
			       tmeta_dev, NULL };
	struct sl_parse p = {
		.dump = true, .id1 = id, .out = { [SL_CHANGED] = mapped },
	};

	snprintf(a, sizeof(a), "%u", id);
	return sl_ranges_live(tpool_dm_name, tmeta_dev, argv, &p, err, errlen);
}
