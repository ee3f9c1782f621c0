// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the JSON reader and writer (lib/json.c on json-c):
 * \u escapes decode to the right UTF-8, a report of 100,000 rows is read
 * whole, and what the writer prints is always valid JSON that reads back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../lib/json.h"
#include "../lib/utf8.h"

struct one {
	int n;
	char v[256];
};

static int take_v(const struct sl_json_obj *o, void *arg)
{
	struct one *r = arg;
	const char *v = sl_json_get(o, "v");

	if (v) {
		snprintf(r->v, sizeof(r->v), "%s", v);
		r->n++;
	}
	return 0;
}

/* The value of "v" in {"v": json}, or NULL when the reader refuses it. */
static const char *read_v(const char *json, struct one *r)
{
	char doc[512];

	snprintf(doc, sizeof(doc), "{\"v\": %s}", json);
	memset(r, 0, sizeof(*r));
	if (sl_json_each_object(doc, take_v, r) || r->n != 1)
		return NULL;
	return r->v;
}

TEST(unicode_escapes)
{
	struct one r;

	ASSERT_STREQ("A\xc3\xa9\xe2\x82\xac", read_v("\"\\u0041\\u00e9\\u20AC\"", &r));
	/* A surrogate pair is one code point, four bytes of UTF-8. */
	ASSERT_STREQ("\xf0\x9f\x94\x92", read_v("\"\\ud83d\\udd12\"", &r));
	ASSERT_STREQ("x\xf4\x8f\xbf\xbf", read_v("\"x\\udbff\\udfff\"", &r));
	ASSERT_STREQ("\"\\/\b\f\n\r\t", read_v("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", &r));
	/* Raw UTF-8 passes as it is. */
	ASSERT_STREQ("h\xc3\xb6st", read_v("\"h\xc3\xb6st\"", &r));
	/* Malformed escapes and bytes are errors, never guesses. */
	ASSERT_EQ(NULL, read_v("\"\\u12\"", &r));
	ASSERT_EQ(NULL, read_v("\"\\u+123\"", &r));
	ASSERT_EQ(NULL, read_v("\"\\u12g4\"", &r));
	ASSERT_EQ(NULL, read_v("\"\\q\"", &r));
	ASSERT_EQ(NULL, read_v("\"\xff\"", &r));
	ASSERT_EQ(NULL, read_v("\"\xc0\xaf\"", &r));
	/* A NUL cannot be carried by a C string: refused, not truncated. */
	ASSERT_EQ(NULL, read_v("\"a\\u0000b\"", &r));
}

TEST(lone_surrogates_never_give_bad_utf8)
{
	const char *const in[] = { "\"\\ud800\"", "\"\\udc00x\"",
				   "\"\\ud83dx\"", "\"\\ud83d\\u0041\"" };
	const char *v;
	struct one r;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		v = read_v(in[i], &r);
		if (v)
			EXPECT_EQ(0, sl_utf8_check(v, strlen(v), NULL, NULL))
				TH_LOG("%s", in[i]);
	}
}

struct count {
	long n;
	char last[64];
};

static int take_lv(const struct sl_json_obj *o, void *arg)
{
	struct count *c = arg;
	const char *v = sl_json_get(o, "lv_name");

	if (v) {
		c->n++;
		snprintf(c->last, sizeof(c->last), "%s", v);
	}
	return 0;
}

FIXTURE(report) {
	char unused;
};

FIXTURE_SETUP(report)
{
}

FIXTURE_TEARDOWN(report)
{
}

/*
 * An lvs report of 100,000 snapshots, as lvm2 2.03.16 lays it out. It
 * takes under a second of CPU; the timeout leaves room for ASan on a busy
 * machine.
 */
TEST_F_TIMEOUT(report, large_report, 300)
{
	struct count c = { 0 };
	size_t len;
	char *text;
	FILE *f;
	long i;

	f = open_memstream(&text, &len);
	ASSERT_NE(NULL, f);
	fputs("  {\n      \"report\": [\n          {\n              \"lv\": [\n", f);
	for (i = 0; i < 100000; i++)
		fprintf(f, "%s                  {\"vg_name\":\"vg\", \"lv_name\":\"snap-%ld\", \"segtype\":\"thin\", \"pool_lv\":\"pool\", \"origin\":\"vol\", \"thin_id\":\"%ld\", \"lv_tags\":\"softlock.gid.%08lx\"}",
			i ? ",\n" : "", i, i + 1, i);
	fputs("\n              ]\n          }\n      ]\n      ,\n      \"log\": [\n      ]\n  }\n", f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, sl_json_each_object(text, take_lv, &c));
	ASSERT_EQ(100000, c.n);
	ASSERT_STREQ("snap-99999", c.last);
	free(text);
}

/* What sl_json_str prints for s, read back through the reader. */
static const char *round_trip(const char *s, char *out, size_t outlen,
			      struct one *r)
{
	size_t len;
	char *w;
	FILE *f = open_memstream(&w, &len);

	if (!f)
		return NULL;
	sl_json_str(f, s);
	fclose(f);
	snprintf(out, outlen, "%s", w);
	free(w);
	return read_v(out, r);
}

TEST(writer_always_valid)
{
	char out[512];
	struct one r;

	ASSERT_STREQ("a\"b\\c\x01 \xc3\xa9/",
		     round_trip("a\"b\\c\x01 \xc3\xa9/", out, sizeof(out), &r));
	ASSERT_STREQ("\"a\\\"b\\\\c\\u0001 \xc3\xa9/\"", out);
	/* Bytes that are not UTF-8 become U+FFFD, the rest is kept. */
	ASSERT_STREQ("x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xc2\x85z",
		     round_trip("x\xffy\xc0\xaf\xc2\x85z", out, sizeof(out), &r));
	ASSERT_EQ(0, sl_utf8_check(out, strlen(out), NULL, NULL) == -EILSEQ);
	ASSERT_STREQ("", round_trip("", out, sizeof(out), &r));
}

TEST_HARNESS_MAIN
