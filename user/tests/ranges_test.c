// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the mirror's range source: the tag parser, the
 * thin_delta and thin_dump readers on output captured from the real tools
 * (ranges_captures.h), malformed input, and the range list operations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../mirror/pool.h"
#include "../mirror/ranges.h"
#include "../mirror/xml.h"
#include "ranges_captures.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)

/* "start+len start+len ...": failures then show both lists. */
static const char *fmt(const struct sl_ranges *r)
{
	static char buf[4][2048];
	static int k;
	char *b = buf[k++ % 4];
	size_t i, n = 0;

	b[0] = '\0';
	for (i = 0; i < r->n && n < sizeof(buf[0]) - 48; i++)
		n += snprintf(b + n, sizeof(buf[0]) - n, "%s%llu+%llu",
			      i ? " " : "", (unsigned long long)r->v[i].start,
			      (unsigned long long)r->v[i].len);
	return b;
}

struct two {
	struct sl_ranges a, b;
	char err[512];
};

FIXTURE(lists)
{
	struct two t;
};

FIXTURE_SETUP(lists)
{
	sl_ranges_init(&self->t.a);
	sl_ranges_init(&self->t.b);
	self->t.err[0] = '\0';
}

FIXTURE_TEARDOWN(lists)
{
	sl_ranges_free(&self->t.a);
	sl_ranges_free(&self->t.b);
}

TEST_F(lists, delta_real)
{
	struct two *t = &self->t;

	ASSERT_EQ(0, sl_ranges_parse_delta(delta_2_3, 2, 3, &t->a, &t->b,
					   t->err, sizeof(t->err))) TH_LOG("%s", t->err);
	/* Block 3 stayed shared: 2 and 4 are not joined across it. */
	ASSERT_STREQ("2+1 4+1 200+6 300+1", fmt(&t->a));
	ASSERT_STREQ("10+1", fmt(&t->b));
	ASSERT_EQ(64 * KIB, t->a.block_bytes);
	ASSERT_EQ(64 * KIB, t->b.block_bytes);
	ASSERT_FALSE(t->a.bytes);
	ASSERT_EQ(0, sl_ranges_to_bytes(&t->a));
	ASSERT_EQ(0, sl_ranges_to_bytes(&t->b));
	ASSERT_STREQ("131072+65536 262144+65536 13107200+393216 19660800+65536",
		     fmt(&t->a));
	ASSERT_EQ(9 * 64 * KIB, sl_ranges_total(&t->a));
	ASSERT_EQ(64 * KIB, sl_ranges_total(&t->b));
	ASSERT_EQ(-EINVAL, sl_ranges_to_bytes(&t->a));	/* not twice */
}

TEST_F(lists, delta_verbose_is_the_same)
{
	struct two *t = &self->t;

	ASSERT_EQ(0, sl_ranges_parse_delta(delta_2_3_verbose, 2, 3, &t->a,
					   &t->b, t->err, sizeof(t->err))) TH_LOG("%s", t->err);
	ASSERT_STREQ("2+1 4+1 200+6 300+1", fmt(&t->a));
	ASSERT_STREQ("10+1", fmt(&t->b));
}

TEST_F(lists, delta_reversed_and_from_empty)
{
	struct two *t = &self->t;

	ASSERT_EQ(0, sl_ranges_parse_delta(delta_3_2, 3, 2, &t->a, &t->b,
					   t->err, sizeof(t->err)));
	ASSERT_STREQ("2+1 10+1 300+1", fmt(&t->a));
	ASSERT_STREQ("4+1 200+6", fmt(&t->b));
	ASSERT_EQ(0, sl_ranges_parse_delta(delta_4_2, 4, 2, &t->a, &t->b,
					   t->err, sizeof(t->err)));
	ASSERT_STREQ("0+4 10+1 100+2 300+1", fmt(&t->a));
	ASSERT_EQ(0u, t->b.n);
	/* NULL lists: that kind is checked, then dropped. */
	ASSERT_EQ(0, sl_ranges_parse_delta(delta_3_2, 3, 2, NULL, &t->b,
					   t->err, sizeof(t->err)));
	ASSERT_STREQ("4+1 200+6", fmt(&t->b));
}

TEST_F(lists, delta_of_other_ids_is_refused)
{
	struct two *t = &self->t;

	ASSERT_EQ(-EPROTO, sl_ranges_parse_delta(delta_2_3, 2, 4, &t->a, &t->b,
						 t->err, sizeof(t->err)));
	ASSERT_STREQ("line 2: the diff is between thin ids 2 and 3, not 2 and 4",
		     t->err);
	ASSERT_EQ(0u, t->a.n);
	ASSERT_EQ(0u, t->a.block_bytes);
}

TEST_F(lists, dump_real)
{
	struct two *t = &self->t;

	ASSERT_EQ(0, sl_ranges_parse_dump(dump_2, 2, &t->a, t->err,
					  sizeof(t->err))) TH_LOG("%s", t->err);
	ASSERT_STREQ("0+4 10+1 100+2 300+1", fmt(&t->a));
	ASSERT_EQ(64 * KIB, t->a.block_bytes);
	/* Single mappings next to ranges join into one range. */
	ASSERT_EQ(0, sl_ranges_parse_dump(dump_3, 3, &t->a, t->err,
					  sizeof(t->err)));
	ASSERT_STREQ("0+5 100+2 200+6 300+1", fmt(&t->a));
	ASSERT_EQ(0, sl_ranges_parse_dump(dump_4, 4, &t->a, t->err,
					  sizeof(t->err)));
	ASSERT_EQ(0u, t->a.n);
	ASSERT_EQ(64 * KIB, t->a.block_bytes);
	ASSERT_EQ(-ENOENT, sl_ranges_parse_dump(dump_77, 77, &t->a, t->err,
						sizeof(t->err)));
	ASSERT_STREQ("no thin device 77 in the metadata", t->err);
	ASSERT_EQ(-ENOENT, sl_ranges_parse_dump(dump_2, 3, &t->a, t->err,
						sizeof(t->err)));
}

struct bad {
	const char *xml;
	const char *err;	/* the whole message */
};

#define SB "<superblock uuid=\"\" data_block_size=\"128\">\n"
#define DIFF "<diff left=\"1\" right=\"2\">\n"
#define END "</diff>\n</superblock>\n"

static const struct bad bad_delta[] = {
	{ "", "line 1: no XML element in the input" },
	{ " \n\n", "line 3: no XML element in the input" },
	{ "Unable to find mapping tree\n", "line 1: syntax error" },
	{ SB DIFF "<same begin=\"0\" length=\"2\"/>\n<diff",
	  "line 4: the input ends before </diff> (opened on line 2)" },
	{ SB DIFF "<same begin=\"0\" length=\"2\"/>\n",
	  "line 4: the input ends before </diff> (opened on line 2)" },
	{ SB DIFF "</superblock>\n",
	  "line 3: mismatched tag" },
	{ SB DIFF "<same begin length=\"2\"/>\n" END,
	  "line 3: not well-formed (invalid token)" },
	{ SB DIFF "<same begin=\"0\"length=\"2\"/>\n" END,
	  "line 3: not well-formed (invalid token)" },
	{ SB DIFF "<same begin=\"0\" begin=\"2\"/>\n" END,
	  "line 3: duplicate attribute" },
	{ SB DIFF "<same begin=\"0 length=\"2\"/>\n<same begin=\"4\" length=\"1\"/>\n" END,
	  "line 3: not well-formed (invalid token)" },
	{ SB DIFF "<different begin=\"x1\" length=\"2\"/>\n" END,
	  "line 3: <different>: begin=\"x1\" is not a number up to 18446744073709551615" },
	{ SB DIFF "<different begin=\"-1\" length=\"2\"/>\n" END,
	  "line 3: <different>: begin=\"-1\" is not a number up to 18446744073709551615" },
	{ SB DIFF "<left_only begin=\"1\" length=\"18446744073709551616\"/>\n" END,
	  "line 3: <left_only>: length=\"18446744073709551616\" is not a number up to 18446744073709551615" },
	{ SB DIFF "<right_only begin=\"18446744073709551615\" length=\"2\"/>\n" END,
	  "line 3: <right_only> ends past block 2^64" },
	{ SB DIFF "<right_only begin=\"5\" length=\"0\"/>\n" END,
	  "line 3: <right_only> of length 0" },
	{ SB DIFF "<right_only length=\"3\"/>\n" END,
	  "line 3: <right_only> has no begin attribute" },
	{ SB DIFF "\n\n<moved begin=\"1\" length=\"1\"/>\n" END,
	  "line 5: unexpected <moved> in <diff>" },
	{ SB DIFF "<range begin=\"1\" length=\"1\"/>\n" END,
	  "line 3: unexpected <range> in <diff>" },
	{ SB DIFF "<same begin=\"1\" length=\"1\">\n<range begin=\"2\" length=\"1\"/>\n</same>\n" END,
	  "line 4: unexpected <range> in <same>" },
	{ "<superblock uuid=\"\">\n" DIFF END,
	  "line 1: <superblock> has no data_block_size attribute" },
	{ "<superblock data_block_size=\"0\">\n" DIFF END,
	  "line 1: <superblock> has a data_block_size of 0" },
	{ "<superblock data_block_size=\"4294967296\">\n" DIFF END,
	  "line 1: <superblock>: data_block_size=\"4294967296\" is not a number up to 4294967295" },
	{ DIFF "</diff>\n", "line 1: expected <superblock>, found <diff>" },
	{ SB "<diff left=\"1\">\n" END, "line 2: <diff> has no right attribute" },
	{ SB DIFF "</diff>\n" DIFF END, "line 4: a second <diff>" },
	{ SB "</superblock>\n", "line 2: no <diff> in the output" },
	{ SB DIFF END "<superblock/>\n",
	  "line 5: junk after document element" },
	{ "<!-- x -->\n", "line 1: declarations, comments, processing instructions and CDATA are not part of thin-provisioning-tools' output" },
	{ "<?xml version=\"1.0\"?>\n", "line 1: declarations, comments, processing instructions and CDATA are not part of thin-provisioning-tools' output" },
	{ SB "\x01", "line 2: not well-formed (invalid token)" },
	{ SB " > ", "line 2: text outside tags (\">...\")" },
	{ "</superblock>\n", "line 1: not well-formed (invalid token)" },
	{ SB "</ diff>\n", "line 2: not well-formed (invalid token)" },
	{ SB "< diff>\n", "line 2: not well-formed (invalid token)" },
	{ SB "<diff a=\"1\" / >\n", "line 2: not well-formed (invalid token)" },
	{ SB DIFF "<left_only/>\n" END, "line 3: <left_only> has no begin attribute" },
	{ "<!DOCTYPE superblock [<!ENTITY a \"aaaa\">]>\n" SB DIFF END,
	  "line 1: declarations, comments, processing instructions and CDATA are not part of thin-provisioning-tools' output" },
	{ SB DIFF "<same begin=\"0\" length=\"2\"/>\n" END "x",
	  "line 6: junk after document element" },
	{ "<superblock uuid=\"a&b\" data_block_size=\"128\">\n" DIFF END,
	  "line 1: not well-formed (invalid token)" },
	{ "<superblock uuid=\"a&#xg;\" data_block_size=\"128\">\n" DIFF END,
	  "line 1: not well-formed (invalid token)" },
};

TEST_F(lists, malformed_delta)
{
	struct two *t = &self->t;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad_delta) / sizeof(bad_delta[0]); i++) {
		/* Lists left over from a good parse must be emptied. */
		ASSERT_EQ(0, sl_ranges_parse_delta(delta_2_3, 2, 3, &t->a,
						   &t->b, t->err, sizeof(t->err)));
		rc = sl_ranges_parse_delta(bad_delta[i].xml, 1, 2, &t->a, &t->b,
					   t->err, sizeof(t->err));
		EXPECT_EQ(-EPROTO, rc) TH_LOG("case %zu", i);
		EXPECT_STREQ(bad_delta[i].err, t->err) TH_LOG("case %zu", i);
		EXPECT_EQ(0u, t->a.n);
		EXPECT_EQ(0u, t->b.n);
	}
	/* Well-formed entities, unknown attributes and a diff empty. */
	ASSERT_EQ(0, sl_ranges_parse_delta(SB DIFF "<same begin='0' length=\"2\"/>\n" END,
					   1, 2, &t->a, &t->b, t->err, sizeof(t->err))) TH_LOG("%s", t->err);
	ASSERT_EQ(0, sl_ranges_parse_delta("<superblock uuid=\"&amp;&#38;&#x26;\" new=\"x\"\n"
					   "\tdata_block_size = \"8\" >" DIFF END,
					   1, 2, &t->a, &t->b, t->err, sizeof(t->err))) TH_LOG("%s", t->err);
	ASSERT_EQ(4096u, t->a.block_bytes);
	ASSERT_EQ(0u, t->a.n);
}

TEST_F(lists, malformed_dump)
{
	struct two *t = &self->t;
	char big[SL_XML_TAG_MAX + 64];

	ASSERT_EQ(-EPROTO, sl_ranges_parse_dump(SB "<device dev_id=\"1\">\n<single_mapping data_block=\"4\"/>\n",
						1, &t->a, t->err, sizeof(t->err)));
	ASSERT_STREQ("line 3: <single_mapping> has no origin_block attribute", t->err);
	ASSERT_EQ(-EPROTO, sl_ranges_parse_dump(SB "<device>\n", 1, &t->a,
						t->err, sizeof(t->err)));
	ASSERT_STREQ("line 2: <device> has no dev_id attribute", t->err);
	ASSERT_EQ(-EPROTO, sl_ranges_parse_dump(SB "<device dev_id=\"1\"/>\n<device dev_id=\"1\"/>\n",
						1, &t->a, t->err, sizeof(t->err)));
	ASSERT_STREQ("line 3: thin id 1 listed twice", t->err);
	ASSERT_EQ(-EPROTO, sl_ranges_parse_dump(SB "<device dev_id=\"1\">\n<def name=\"7\"/>\n",
						1, &t->a, t->err, sizeof(t->err)));
	ASSERT_STREQ("line 3: unexpected <def> in <device>", t->err);
	/* Another device's mappings are checked too, not trusted. */
	ASSERT_EQ(-EPROTO, sl_ranges_parse_dump(SB "<device dev_id=\"2\">\n<range_mapping origin_begin=\"1\"/>\n",
						1, &t->a, t->err, sizeof(t->err)));
	ASSERT_STREQ("line 3: <range_mapping> has no length attribute", t->err);

	snprintf(big, sizeof(big), "<superblock data_block_size=\"%0*d\"/>",
		 SL_XML_TAG_MAX, 128);
	ASSERT_EQ(-EPROTO, sl_ranges_parse_dump(big, 1, &t->a, t->err,
						sizeof(t->err)));
	ASSERT_STREQ("line 1: tag longer than 1024 bytes", t->err);
}

/* Every event, as text: feeding in pieces must not change a byte of it. */
struct log {
	char buf[8192];
	size_t n;
};

static int log_tag(const struct sl_xml_tag *t, void *arg, char *msg,
		   size_t msglen)
{
	struct log *l = arg;
	int i;

	l->n += snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "%lu %d %s%s%s",
			 t->line, t->depth, t->end ? "/" : "", t->name,
			 t->empty ? "/" : "");
	for (i = 0; i < t->nattr; i++)
		l->n += snprintf(l->buf + l->n, sizeof(l->buf) - l->n,
				 " %s=%s", t->attr[i].name, t->attr[i].value);
	l->n += snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "\n");
	return l->n < sizeof(l->buf) - 1 ? 0 : -ENOSPC;
}

static int feed(const char *text, size_t piece, struct log *l, char *err,
		size_t errlen)
{
	struct sl_xml x;
	size_t len = strlen(text), off, n;
	int rc = 0;

	l->n = 0;
	sl_xml_init(&x, log_tag, l, err, errlen);
	for (off = 0; off < len && !rc; off += n) {
		n = piece ? piece : (size_t)(rand() % 7) + 1;
		if (n > len - off)
			n = len - off;
		rc = sl_xml_feed(&x, text + off, n);
	}
	return rc ?: sl_xml_finish(&x);
}

TEST(streaming_is_chunk_independent)
{
	static struct log whole, part;
	const char *texts[] = { delta_2_3_verbose, dump_3 };
	const char *want =
		"1 0 superblock uuid= time=2 transaction=4 data_block_size=128 nr_data_blocks=0\n"
		"2 1 diff left=2 right=3\n"
		"3 2 same\n"
		"4 3 range begin=0 data_begin=0 length=2\n"
		"4 3 /range/\n"
		"5 2 /same\n";
	char err[256], deep[20 * 3 + 1];
	size_t i, piece;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, feed(texts[i], strlen(texts[i]), &whole, err,
				  sizeof(err))) TH_LOG("%s", err);
		for (piece = 0; piece < 4; piece++) {
			ASSERT_EQ(0, feed(texts[i], piece, &part, err, sizeof(err)));
			ASSERT_STREQ(whole.buf, part.buf);
		}
	}
	/* The verbose form's first events, as the callbacks see them. */
	ASSERT_EQ(0, feed(delta_2_3_verbose, 1, &part, err, sizeof(err)));
	ASSERT_EQ(0, strncmp(part.buf, want, strlen(want))) TH_LOG("%s", part.buf);
	/* An error in the last piece still names its line. */
	ASSERT_EQ(-EPROTO, feed(SB "\n\n\n<x a=\"1\"/>", 1, &part, err, sizeof(err)));
	ASSERT_STREQ("line 5: the input ends before </superblock> (opened on line 1)",
		     err);
	ASSERT_EQ(0, feed(SB "\n\n\n<x a=\"1\"/></superblock>", 3, &part, err,
			  sizeof(err)));
	ASSERT_EQ(-EPROTO, feed(SB "\n\n\n<x a=\"1\"/></superblock", 3, &part,
				err, sizeof(err)));
	ASSERT_STREQ("line 5: the input ends before </superblock> (opened on line 1)",
		     err);
	for (i = 0; i < 20; i++)
		memcpy(deep + i * 3, "<a>", 3);
	deep[20 * 3] = '\0';
	ASSERT_EQ(-EPROTO, feed(deep, 0, &part, err, sizeof(err)));
	ASSERT_STREQ("line 1: elements nested deeper than 16", err);
}

TEST_F(lists, add_and_merge)
{
	struct sl_ranges *r = &self->t.a;

	ASSERT_EQ(0, sl_ranges_add(r, 10, 5));
	ASSERT_EQ(0, sl_ranges_add(r, 15, 5));	/* adjacent: joined now */
	ASSERT_EQ(0, sl_ranges_add(r, 12, 2));	/* inside */
	ASSERT_EQ(0, sl_ranges_add(r, 30, 0));	/* empty: ignored */
	ASSERT_STREQ("10+10", fmt(r));
	ASSERT_EQ(0, sl_ranges_add(r, 40, 10));
	ASSERT_EQ(0, sl_ranges_add(r, 0, 3));	/* out of order */
	ASSERT_EQ(0, sl_ranges_add(r, 45, 10));	/* overlaps the last */
	ASSERT_EQ(0, sl_ranges_add(r, 3, 7));	/* fills 3..10 */
	ASSERT_EQ(0, sl_ranges_add(r, 100, 1));
	ASSERT_EQ(0, sl_ranges_add(r, 100, 1));	/* duplicate */
	ASSERT_EQ(0, sl_ranges_add(r, 35, 5));
	ASSERT_EQ(0, sl_ranges_add(r, 60, 20));
	ASSERT_EQ(0, sl_ranges_add(r, 59, 30));	/* covers the last one */
	sl_ranges_merge(r);
	ASSERT_STREQ("0+20 35+20 59+30 100+1", fmt(r));
	ASSERT_EQ(0, sl_ranges_add(r, UINT64_MAX - 1, 1));
	ASSERT_EQ(-EOVERFLOW, sl_ranges_add(r, UINT64_MAX - 1, 2));
	ASSERT_EQ(72u, sl_ranges_total(r));
}

TEST_F(lists, merge_matches_a_bitmap)
{
	struct sl_ranges *r = &self->t.a;
	unsigned char want[4096] = { 0 }, got[4096] = { 0 };
	uint64_t s, l, j;
	size_t i;
	int round;

	srand(7);
	for (round = 0; round < 50; round++) {
		r->n = 0;
		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
		for (i = 0; i < 200; i++) {
			s = rand() % 4000;
			l = rand() % 40;
			ASSERT_EQ(0, sl_ranges_add(r, s, l));
			memset(want + s, 1, l);
		}
		sl_ranges_merge(r);
		for (i = 0; i < r->n; i++) {
			ASSERT_GT(r->v[i].len, 0u);
			/* Sorted, apart: a gap of at least one unit. */
			if (i)
				ASSERT_GT(r->v[i].start,
					  r->v[i - 1].start + r->v[i - 1].len);
			for (j = 0; j < r->v[i].len; j++)
				got[r->v[i].start + j] = 1;
		}
		ASSERT_EQ(0, memcmp(want, got, sizeof(want)));
	}
}

/* In order already, as the thin tools print: merged without a sort. */
TEST_F(lists, merge_sorted_input)
{
	struct sl_ranges *r = &self->t.a;

	r->n = 0;
	ASSERT_EQ(0, sl_ranges_add(r, 0, 4));
	ASSERT_EQ(0, sl_ranges_add(r, 8, 4));
	ASSERT_EQ(0, sl_ranges_add(r, 8, 6));	/* same start, longer */
	ASSERT_EQ(0, sl_ranges_add(r, 20, 2));
	ASSERT_EQ(0, sl_ranges_add(r, 30, 2));
	ASSERT_EQ(0, sl_ranges_add(r, 31, 1));	/* inside the last */
	sl_ranges_merge(r);
	ASSERT_STREQ("0+4 8+6 20+2 30+2", fmt(r));
	/* One out of order at the very end still sorts the whole list. */
	ASSERT_EQ(0, sl_ranges_add(r, 5, 1));
	sl_ranges_merge(r);
	ASSERT_STREQ("0+4 5+1 8+6 20+2 30+2", fmt(r));
}

TEST_F(lists, bytes_and_clip)
{
	struct sl_ranges *r = &self->t.a;

	ASSERT_EQ(-EINVAL, sl_ranges_to_bytes(r));	/* no block size */
	r->block_bytes = 64 * KIB;
	ASSERT_EQ(0, sl_ranges_add(r, 0, 2));
	ASSERT_EQ(0, sl_ranges_add(r, 10, 6));
	ASSERT_EQ(0, sl_ranges_add(r, 20, 1));
	ASSERT_EQ(0, sl_ranges_to_bytes(r));
	ASSERT_STREQ("0+131072 655360+393216 1310720+65536", fmt(r));
	/* A size inside a range cuts it; ranges past the size go. */
	sl_ranges_clip(r, 700 * KIB);
	ASSERT_STREQ("0+131072 655360+61440", fmt(r));
	sl_ranges_clip(r, 655360);
	ASSERT_STREQ("0+131072", fmt(r));
	sl_ranges_clip(r, 0);
	ASSERT_EQ(0u, r->n);

	sl_ranges_free(r);
	r->block_bytes = 1ULL << 21;
	ASSERT_EQ(0, sl_ranges_add(r, 1, 1ULL << 42));
	ASSERT_EQ(0, sl_ranges_add(r, (1ULL << 43) - 1, 1));
	ASSERT_EQ(-EOVERFLOW, sl_ranges_to_bytes(r));
	ASSERT_STREQ("1+4398046511104 8796093022207+1", fmt(r));	/* unchanged */
	ASSERT_FALSE(r->bytes);
}

TEST_F(lists, split)
{
	struct sl_ranges *in = &self->t.a, *out = &self->t.b;
	uint64_t j;
	size_t i;

	in->bytes = true;
	ASSERT_EQ(0, sl_ranges_add(in, 0, 3 * MIB + 64 * KIB));
	ASSERT_EQ(0, sl_ranges_add(in, 4 * MIB - 64 * KIB, 128 * KIB));
	ASSERT_EQ(0, sl_ranges_add(in, 9 * MIB, 4 * KIB));
	ASSERT_EQ(0, sl_ranges_split(in, MIB, 4 * KIB, out));
	/* Units end at multiples of 1 MiB: 4 MiB - 64K is cut at 4 MiB. */
	ASSERT_STREQ("0+1048576 1048576+1048576 2097152+1048576 3145728+65536 "
		     "4128768+65536 4194304+65536 9437184+4096", fmt(out));
	ASSERT_EQ(sl_ranges_total(in), sl_ranges_total(out));
	ASSERT_TRUE(out->bytes);
	for (i = 0; i < out->n; i++) {
		ASSERT_LE(out->v[i].len, MIB);
		j = out->v[i].start;
		ASSERT_EQ(j / MIB, (j + out->v[i].len - 1) / MIB);
	}

	out->n = 0;
	ASSERT_EQ(-EINVAL, sl_ranges_split(in, MIB, 3 * KIB, out));	/* not 2^n */
	ASSERT_EQ(-EINVAL, sl_ranges_split(in, MIB + 512, 4 * KIB, out));
	ASSERT_EQ(-EINVAL, sl_ranges_split(in, 2 * KIB, 4 * KIB, out));
	ASSERT_EQ(-EINVAL, sl_ranges_split(in, MIB, 0, out));
	ASSERT_EQ(0, sl_ranges_add(in, 10 * MIB, 512));	/* unaligned end */
	ASSERT_EQ(-EINVAL, sl_ranges_split(in, MIB, 4 * KIB, out));
	ASSERT_EQ(0u, out->n);
	ASSERT_EQ(0, sl_ranges_split(in, MIB, 512, out));
	ASSERT_STREQ("10485760+512", fmt(&(struct sl_ranges){
		.v = out->v + out->n - 1, .n = 1 }));

	/* Near the top of the address space the last unit stops at the end. */
	in->n = 0;
	out->n = 0;
	ASSERT_EQ(0, sl_ranges_add(in, UINT64_MAX - 12287, 8192));
	ASSERT_EQ(0, sl_ranges_split(in, 8192, 4096, out));
	ASSERT_STREQ("18446744073709539328+4096 18446744073709543424+4096",
		     fmt(out));
}

TEST(lock_path_and_names)
{
	char p[64], err[256];
	struct sl_ranges a, b;

	ASSERT_EQ(0, sl_pool_lock_path("vg-pool-tpool", p, sizeof(p)));
	ASSERT_STREQ("/run/softlock/pool-vg-pool-tpool.lock", p);
	ASSERT_EQ(0, sl_pool_lock_path("/dev/mapper/pool", p, sizeof(p)));
	ASSERT_STREQ("/run/softlock/pool-pool.lock", p);
	ASSERT_EQ(-EINVAL, sl_pool_lock_path("", p, sizeof(p)));
	ASSERT_EQ(-EINVAL, sl_pool_lock_path("/dev/mapper/", p, sizeof(p)));
	ASSERT_EQ(-EINVAL, sl_pool_lock_path("-rf", p, sizeof(p)));
	ASSERT_EQ(-EINVAL, sl_pool_lock_path("a/b", p, sizeof(p)));
	ASSERT_EQ(-EINVAL, sl_pool_lock_path("..", p, sizeof(p)));
	ASSERT_EQ(-EINVAL, sl_pool_lock_path("a\nb", p, sizeof(p)));
	ASSERT_EQ(-ENAMETOOLONG, sl_pool_lock_path("a-rather-long-pool-name-tpool",
						   p, 40));
	/* Refused before any lock is taken or program run. */
	sl_ranges_init(&a);
	sl_ranges_init(&b);
	ASSERT_EQ(-EINVAL, sl_ranges_delta("pool", "dev/mapper/meta", 1, 2, &a,
					   &b, err, sizeof(err)));
	ASSERT_STREQ("dev/mapper/meta: the pool's metadata device must be an absolute path",
		     err);
	ASSERT_EQ(-EINVAL, sl_ranges_mapped("a/b", "/dev/meta", 1, &a, err,
					    sizeof(err)));
	ASSERT_STREQ("a/b: not a device-mapper name", err);
}

TEST_HARNESS_MAIN
