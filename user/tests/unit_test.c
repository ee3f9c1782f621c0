// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the helper's pure logic: argument parsing, selector
 * checks, the JSON reader (on real lvs output), selector resolution
 * against fake lvs and dmsetup, and the SQLite catalog.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/softlock.h>

#include "kselftest_harness.h"

#include "../cli/args.h"
#include "../catalog/catalog.h"
#include "cat_fixture.h"
#include "../kmod/kmod.h"
#include "../lib/json.h"
#include "../lib/run.h"
#include "../lib/utf8.h"
#include "../lvm/lvm.h"

TEST(duration)
{
	int64_t s = 0;

	ASSERT_EQ(0, sl_parse_duration("90", &s));
	ASSERT_EQ(90, s);
	ASSERT_EQ(0, sl_parse_duration("15m", &s));
	ASSERT_EQ(900, s);
	ASSERT_EQ(0, sl_parse_duration("2h", &s));
	ASSERT_EQ(7200, s);
	ASSERT_EQ(0, sl_parse_duration("7d", &s));
	ASSERT_EQ(604800, s);
	ASSERT_EQ(0, sl_parse_duration("1w", &s));
	ASSERT_EQ(604800, s);
	ASSERT_EQ(-EINVAL, sl_parse_duration("", &s));
	ASSERT_EQ(-EINVAL, sl_parse_duration("0", &s));
	ASSERT_EQ(-EINVAL, sl_parse_duration("-5m", &s));
	ASSERT_EQ(-EINVAL, sl_parse_duration("5x", &s));
	ASSERT_EQ(-EINVAL, sl_parse_duration("5mm", &s));
	ASSERT_EQ(-EINVAL, sl_parse_duration("m", &s));
	ASSERT_EQ(-ERANGE, sl_parse_duration("99999999999w", &s));
}

TEST(u32_and_text)
{
	uint32_t v = 0;
	char big[300];

	ASSERT_EQ(0, sl_parse_u32("16777215", 16777215, &v));
	ASSERT_EQ(16777215u, v);
	ASSERT_EQ(-ERANGE, sl_parse_u32("16777216", 16777215, &v));
	ASSERT_EQ(-EINVAL, sl_parse_u32("12a", 100, &v));
	ASSERT_EQ(-EINVAL, sl_parse_u32("-1", 100, &v));
	ASSERT_TRUE(sl_text_ok("hostC:vg/vol", false));
	ASSERT_TRUE(sl_text_ok("h\xc3\xb6st", false));
	ASSERT_FALSE(sl_text_ok("", false));
	ASSERT_TRUE(sl_text_ok("", true));
	ASSERT_FALSE(sl_text_ok("a\tb", false));
	memset(big, 'a', 255);
	big[255] = '\0';
	ASSERT_TRUE(sl_text_ok(big, false));
	big[255] = 'a';
	big[256] = '\0';
	ASSERT_FALSE(sl_text_ok(big, false));
}

/* Texts are printable UTF-8 (lib/utf8.h), as softlock.ko requires. */
TEST(text_is_printable_utf8)
{
	const char *const bad[] = {
		"x\xff", "\x80", "\xc0\xaf", "\xe0\x80\xaf", "x\xe2\x82",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
	};
	size_t i, at;
	uint32_t cp;

	ASSERT_TRUE(sl_text_ok("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", false));
	ASSERT_TRUE(sl_text_ok("\xf4\x8f\xbf\xbf\xc2\xa0", false));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(sl_text_ok(bad[i], false)) TH_LOG("case %zu", i);
		EXPECT_EQ(-EILSEQ, sl_utf8_check(bad[i], strlen(bad[i]), NULL,
						 NULL)) TH_LOG("case %zu", i);
	}
	/* C1 controls are controls too; the offset is the sequence's. */
	ASSERT_FALSE(sl_text_ok("x\xc2\x85", false));
	ASSERT_EQ(-EINVAL, sl_utf8_check("\xc3\xa9x\xc2\x9b", 5, &at, &cp));
	ASSERT_EQ(3u, at);
	ASSERT_EQ(0x9bu, cp);
	ASSERT_EQ(-EILSEQ, sl_utf8_check("ab\xe2\x82", 4, &at, &cp));
	ASSERT_EQ(2u, at);
	ASSERT_EQ(0, sl_utf8_check("", 0, &at, &cp));
}

/* Each boundary of RFC 3629's forms, with the offset and byte at fault. */
TEST(utf8_edges)
{
	static const struct {
		const char *s;
		size_t len;
		int rc;
		size_t at;
		uint32_t cp;
	} t[] = {
		{ "\x7e\xc2\xa0", 3, 0, 0, 0 },		/* ~, U+00A0 */
		{ "\xdf\xbf", 2, 0, 0, 0 },		/* U+07FF */
		{ "\xe0\xa0\x80", 3, 0, 0, 0 },		/* U+0800 */
		{ "\xed\x9f\xbf", 3, 0, 0, 0 },		/* U+D7FF */
		{ "\xee\x80\x80", 3, 0, 0, 0 },		/* U+E000 */
		{ "\xef\xbf\xbf", 3, 0, 0, 0 },		/* U+FFFF */
		{ "\xf0\x90\x80\x80", 4, 0, 0, 0 },	/* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 4, 0, 0, 0 },	/* U+10FFFF */
		{ "a\x7f", 2, -EINVAL, 1, 0x7f },	/* DEL */
		{ "a\x00z", 3, -EINVAL, 1, 0 },		/* NUL inside */
		{ "\x1f", 1, -EINVAL, 0, 0x1f },
		{ "\xc2\x80", 2, -EINVAL, 0, 0x80 },	/* C1 */
		{ "ab\xc2\x9f", 4, -EINVAL, 2, 0x9f },
		{ "\xc1\xbf", 2, -EILSEQ, 0, 0xc1 },	/* overlong */
		{ "a\xe0\x9f\xbf", 4, -EILSEQ, 1, 0xe0 },
		{ "\xf0\x8f\xbf\xbf", 4, -EILSEQ, 0, 0xf0 },
		{ "\xed\xa0\x80", 3, -EILSEQ, 0, 0xed },	/* surrogates */
		{ "\xed\xbf\xbf", 3, -EILSEQ, 0, 0xed },
		{ "\xf4\x90\x80\x80", 4, -EILSEQ, 0, 0xf4 },	/* > U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, -EILSEQ, 0, 0xf5 },
		{ "\xfb\xbf\xbf\xbf\xbf", 5, -EILSEQ, 0, 0xfb },
		{ "\xfd\xbf\xbf\xbf\xbf\xbf", 6, -EILSEQ, 0, 0xfd },
		{ "xy\xbf", 3, -EILSEQ, 2, 0xbf },	/* stray */
		{ "\xfe", 1, -EILSEQ, 0, 0xfe },
		{ "\xe2\x28\xa1", 3, -EILSEQ, 0, 0xe2 },	/* not 10xxxxxx */
		{ "\xf0\x9f\x94x", 4, -EILSEQ, 0, 0xf0 },
		{ "a\xf0\x9f\x94", 4, -EILSEQ, 1, 0xf0 },	/* truncated */
		{ "\xc3\xa9", 1, -EILSEQ, 0, 0xc3 },	/* by len */
		{ "\xc3\xa9\xc3", 3, -EILSEQ, 2, 0xc3 },
	};
	size_t i, at;
	uint32_t cp;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		at = 99;
		cp = 99;
		EXPECT_EQ(t[i].rc, sl_utf8_check(t[i].s, t[i].len, &at, &cp))
			TH_LOG("case %zu", i);
		if (t[i].rc) {
			EXPECT_EQ(t[i].at, at) TH_LOG("case %zu", i);
			EXPECT_EQ(t[i].cp, cp) TH_LOG("case %zu", i);
		}
	}
}

/* buf with c in n bytes (n may be more than c needs: an overlong form). */
static size_t utf8_put(unsigned char *buf, uint32_t c, size_t n)
{
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t i;

	if (n == 1) {
		buf[0] = c;
		return 1;
	}
	for (i = n - 1; i > 0; i--, c >>= 6)
		buf[i] = 0x80 | (c & 0x3f);
	buf[0] = lead[n] | c;
	return n;
}

/*
 * Every code point in its shortest form and in each longer one, against
 * the rule written out: the shortest form of a scalar value that is not
 * a control character, and nothing else.
 */
TEST(utf8_every_code_point)
{
	unsigned char buf[4];
	size_t n, least, bad = 0;
	uint32_t c;
	int want;

	for (c = 0; c <= 0x10ffff; c++) {
		least = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		for (n = least; n <= 4; n++) {
			utf8_put(buf, c, n);
			if (n > least || (c >= 0xd800 && c <= 0xdfff))
				want = -EILSEQ;
			else if (c < 0x20 || (c >= 0x7f && c < 0xa0))
				want = -EINVAL;
			else
				want = 0;
			if (sl_utf8_check((const char *)buf, n, NULL, NULL) != want &&
			    bad++ < 5)
				TH_LOG("U+%04X in %zu bytes", c, n);
			/* Each proper prefix ends inside the sequence. */
			if (n > 1 && sl_utf8_check((const char *)buf, n - 1,
						   NULL, NULL) != -EILSEQ &&
			    bad++ < 5)
				TH_LOG("U+%04X cut to %zu bytes", c, n - 1);
		}
	}
	ASSERT_EQ(0u, bad);
}

TEST(types)
{
	ASSERT_EQ((uint32_t)SOFTLOCK_LOCK_TYPE_DEST_PATH, sl_type_parse("dest-path"));
	ASSERT_EQ((uint32_t)SOFTLOCK_LOCK_TYPE_APP, sl_type_parse("app"));
	ASSERT_EQ(0u, sl_type_parse("dest"));
	ASSERT_STREQ("qtree", sl_type_name(SOFTLOCK_LOCK_TYPE_QTREE));
	ASSERT_STREQ("?", sl_type_name(9));
}

TEST(selectors)
{
	struct sl_selector sel = { 0 };
	uint32_t id = 0;
	char err[256];

	ASSERT_EQ(-EINVAL, sl_selector_check(&sel, &id, err, sizeof(err)));
	sel.vglv = "vg/snap";
	ASSERT_EQ(0, sl_selector_check(&sel, &id, err, sizeof(err)));
	sel.pool = "/dev/mapper/pool";
	ASSERT_EQ(-EINVAL, sl_selector_check(&sel, &id, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "not both"));
	sel.vglv = NULL;
	ASSERT_EQ(-EINVAL, sl_selector_check(&sel, &id, err, sizeof(err)));
	sel.id = "7";
	ASSERT_EQ(0, sl_selector_check(&sel, &id, err, sizeof(err)));
	ASSERT_EQ(7u, id);
	sel.id = "x";
	ASSERT_EQ(-EINVAL, sl_selector_check(&sel, &id, err, sizeof(err)));

	ASSERT_TRUE(sl_lvm_name_ok("vg0/snap-1.2_x+y"));
	ASSERT_FALSE(sl_lvm_name_ok("vg0"));
	ASSERT_FALSE(sl_lvm_name_ok("/snap"));
	ASSERT_FALSE(sl_lvm_name_ok("vg/"));
	ASSERT_FALSE(sl_lvm_name_ok("vg/a/b"));
	ASSERT_FALSE(sl_lvm_name_ok("vg/-rf"));
	ASSERT_FALSE(sl_lvm_name_ok("vg/a;b"));
}

struct rows {
	int n;
	char name[4][64];
	char thin_id[4][16];
};

static int take(const struct sl_json_obj *o, void *arg)
{
	struct rows *r = arg;
	const char *v = sl_json_get(o, "lv_name");

	if (!v || r->n == 4)
		return 0;
	snprintf(r->name[r->n], sizeof(r->name[0]), "%s", v);
	snprintf(r->thin_id[r->n], sizeof(r->thin_id[0]), "%s",
		 sl_json_get(o, "thin_id") ?: "");
	r->n++;
	return 0;
}

/* What lvm2 2.03.16 prints for `lvs --reportformat json -o ...`. */
static const char lvs_sample[] =
	"  {\n      \"report\": [\n          {\n              \"lv\": [\n"
	"                  {\"vg_name\":\"vg\", \"lv_name\":\"snap\", \"segtype\":\"thin\", \"pool_lv\":\"pool\", \"origin\":\"vol\", \"thin_id\":\"2\", \"lv_active\":\"active\"},\n"
	"                  {\"vg_name\":\"vg\", \"lv_name\":\"we\\\"ird\\u00e9\", \"segtype\":\"thin\", \"pool_lv\":\"pool\", \"origin\":\"\", \"thin_id\":\"1\", \"lv_active\":\"\"}\n"
	"              ]\n          }\n      ]\n      ,\n      \"log\": [\n      ]\n  }\n";

TEST(json_lvs_report)
{
	struct rows r = { 0 };

	ASSERT_EQ(0, sl_json_each_object(lvs_sample, take, &r));
	ASSERT_EQ(2, r.n);
	ASSERT_STREQ("snap", r.name[0]);
	ASSERT_STREQ("2", r.thin_id[0]);
	ASSERT_STREQ("we\"ird\xc3\xa9", r.name[1]);
}

TEST(json_malformed)
{
	struct rows r = { 0 };
	char deep[64];

	ASSERT_EQ(-EINVAL, sl_json_each_object("{\"a\":\"b\"", take, &r));
	ASSERT_EQ(-EINVAL, sl_json_each_object("{\"a\" \"b\"}", take, &r));
	ASSERT_EQ(-EINVAL, sl_json_each_object("[1,2", take, &r));
	ASSERT_EQ(-EINVAL, sl_json_each_object("{\"a\":\"\\q\"}", take, &r));
	ASSERT_EQ(-EINVAL, sl_json_each_object("{} x", take, &r));
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	ASSERT_EQ(-EINVAL, sl_json_each_object(deep, take, &r));
	ASSERT_EQ(0, r.n);
}

/*
 * Selector resolution against fake lvs and dmsetup on PATH: the fields
 * lvs reports become the pool identity the kernel keys holds by, and
 * each kind of wrong volume gets its own error.
 */
static const char fake_lvs[] =
	"#!/bin/sh\n"
	"for a; do last=$a; done\n"
	"row() { printf '{\"report\":[{\"lv\":[{%s}]}]}\\n' \"$1\"; }\n"
	"case $last in\n"
	"vg/snap) row '\"vg_name\":\"vg\",\"lv_name\":\"snap\",\"segtype\":\"thin\",\"pool_lv\":\"pool\",\"origin\":\"vol\",\"thin_id\":\"5\",\"lv_active\":\"active\",\"lv_kernel_major\":\"253\",\"lv_kernel_minor\":\"7\",\"vg_uuid\":\"abc-def\",\"lv_uuid\":\"x\",\"pool_lv_uuid\":\"PPP-QQQ\"' ;;\n"
	"vg/vol) row '\"vg_name\":\"vg\",\"lv_name\":\"vol\",\"segtype\":\"thin\",\"pool_lv\":\"pool\",\"origin\":\"\",\"thin_id\":\"1\",\"lv_active\":\"\",\"lv_kernel_major\":\"-1\",\"lv_kernel_minor\":\"-1\",\"vg_uuid\":\"abc-def\",\"lv_uuid\":\"y\",\"pool_lv_uuid\":\"PPP-QQQ\"' ;;\n"
	"vg/pool) row '\"lv_name\":\"pool\",\"segtype\":\"thin-pool\",\"vg_uuid\":\"abc-def\",\"lv_uuid\":\"PPP-QQQ\"' ;;\n"
	"vg/linear) row '\"vg_name\":\"vg\",\"lv_name\":\"linear\",\"segtype\":\"linear\"' ;;\n"
	"*) echo '  Failed to find logical volume \"'$last'\"' >&2; exit 5 ;;\n"
	"esac\n";

static const char fake_dmsetup[] =
	"#!/bin/sh\n"
	"for a; do last=$a; done\n"
	"case $1:$last in\n"
	"table:tp) echo '0 2048 thin-pool 7:0 7:1 128 0 0' ;;\n"
	"table:lin) echo '0 2048 linear 7:0 0' ;;\n"
	"info:tp) echo 'TP-UUID' ;;\n"
	"*) echo 'Device does not exist.' >&2; exit 1 ;;\n"
	"esac\n";

static void put_tool(const char *dir, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || chmod(path, 0755))
		abort();
}

TEST(resolve_with_fake_tools)
{
	char dir[] = "/tmp/sl-lvs-XXXXXX", env[128], err[600], cmd[64];
	const char *old = getenv("PATH");
	char *saved = strdup(old ? old : "/usr/bin:/bin");
	struct sl_snap s;

	ASSERT_NE(NULL, mkdtemp(dir));
	put_tool(dir, "lvs", fake_lvs);
	put_tool(dir, "dmsetup", fake_dmsetup);
	snprintf(env, sizeof(env), "%s:/usr/bin:/bin", dir);
	setenv("PATH", env, 1);

	ASSERT_EQ(0, sl_lvm_resolve("vg/snap", &s, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("LVM-abcdefPPPQQQ-tpool", s.pool);
	EXPECT_STREQ("vg/pool", s.pool_name);
	EXPECT_EQ(5u, s.thin_id);
	EXPECT_TRUE(s.lvm);
	EXPECT_TRUE(s.snapshot);
	EXPECT_TRUE(s.active);
	EXPECT_EQ(253u, s.major);
	EXPECT_EQ(7u, s.minor);
	ASSERT_EQ(0, sl_lvm_resolve("vg/vol", &s, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_FALSE(s.snapshot);
	EXPECT_FALSE(s.active);
	EXPECT_EQ(0u, s.major);

	EXPECT_EQ(-EINVAL, sl_lvm_resolve("vg/linear", &s, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a thin volume")) TH_LOG("%s", err);
	EXPECT_EQ(-ENOENT, sl_lvm_resolve("vg/nosuch", &s, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "vg/nosuch: no such logical volume (lvs: Failed to find"))
		TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, sl_lvm_resolve("vg", &s, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a VG/LV name")) TH_LOG("%s", err);

	ASSERT_EQ(0, sl_dm_resolve("/dev/mapper/tp", 9, &s, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("TP-UUID", s.pool);
	EXPECT_STREQ("/dev/mapper/tp#9", s.name);
	EXPECT_FALSE(s.lvm);
	EXPECT_EQ(-EINVAL, sl_dm_resolve("/dev/mapper/lin", 1, &s, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not an active dm-thin pool")) TH_LOG("%s", err);
	EXPECT_EQ(-ENOENT, sl_dm_resolve("/dev/mapper/gone", 1, &s, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "Device does not exist")) TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, sl_dm_resolve("/dev/vg/x", 1, &s, err, sizeof(err)));

	setenv("PATH", saved, 1);
	free(saved);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
}

/* What the mirror computes from its one VG listing, without asking again. */
TEST(pool_id_from_uuids)
{
	char id[140];

	ASSERT_EQ(0, sl_lvm_pool_id("abc-def", "PPP-QQQ", id, sizeof(id)));
	EXPECT_STREQ("LVM-abcdefPPPQQQ-tpool", id);
	EXPECT_EQ(-EINVAL, sl_lvm_pool_id("abc-def", "", id, sizeof(id)));
	EXPECT_EQ(-EINVAL, sl_lvm_pool_id(NULL, "PPP", id, sizeof(id)));
}

TEST(run_captures)
{
	const char *ok[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	const char *missing[] = { "/nonexistent/softlock-test", NULL };
	char *out = NULL, *err = NULL;

	ASSERT_EQ(3, sl_run(ok, &out, &err));
	ASSERT_STREQ("out\n", out);
	ASSERT_STREQ("err\n", err);
	free(out);
	free(err);
	ASSERT_EQ(127, sl_run(missing, NULL, NULL));
}

FIXTURE(cat)
{
	char dir[64];
	char path[128];
	struct sl_cat *c;
};

FIXTURE_SETUP(cat)
{
	char err[512];

	ASSERT_EQ(0, sl_test_cat_open(self->dir, sizeof(self->dir), self->path,
				      sizeof(self->path), "sl-unit", "sub/softlock.db",
				      &self->c, err, sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(cat)
{
	if (sl_test_cat_remove(self->c, self->dir))
		TH_LOG("could not remove %s", self->dir);
}

static struct sl_cat_lock mk(uint32_t pcpi, const char *text)
{
	struct sl_cat_lock l = { .pcpi = pcpi, .type = 2, .created = 100 };

	snprintf(l.snap, sizeof(l.snap), "vg/s%u", pcpi);
	snprintf(l.pool, sizeof(l.pool), "LVM-abc-tpool");
	snprintf(l.text, sizeof(l.text), "%s", text);
	snprintf(l.origin, sizeof(l.origin), "local");
	return l;
}

TEST_F(cat, put_upsert_delete)
{
	struct sl_cat_lock a = mk(1, "hostC:vg/vol"), b = mk(2, "x");
	struct sl_cat_lock again = mk(1, "hostC:vg/vol"), *all;
	size_t n;

	ASSERT_EQ(0, sl_cat_put(self->c, &a));
	ASSERT_EQ(0, sl_cat_put(self->c, &b));
	snprintf(again.dataset, sizeof(again.dataset), "ds2");
	ASSERT_EQ(0, sl_cat_put(self->c, &again));
	ASSERT_EQ(a.id, again.id);
	ASSERT_EQ(0, sl_cat_load(self->c, &all, &n));
	ASSERT_EQ(2u, n);
	ASSERT_STREQ("ds2", all[0].dataset);
	ASSERT_EQ(1u, all[0].pcpi);
	free(all);
	ASSERT_EQ(0, sl_cat_del(self->c, a.id));
	ASSERT_EQ(0, sl_cat_load(self->c, &all, &n));
	ASSERT_EQ(1u, n);
	ASSERT_EQ(2u, all[0].pcpi);
	free(all);
}

TEST_F(cat, rejects_bad_rows)
{
	struct sl_cat_lock bad = mk(1, "");

	ASSERT_EQ(-EIO, sl_cat_put(self->c, &bad));
	bad = mk(16777216, "x");
	ASSERT_EQ(-EIO, sl_cat_put(self->c, &bad));
	ASSERT_NE(NULL, strstr(sl_cat_error(self->c), "failed"));
}

TEST_F(cat, persists_and_activations)
{
	struct sl_cat_lock a = mk(5, "keep");
	struct sl_cat_lock *all;
	char err[512];
	size_t n;

	ASSERT_EQ(0, sl_cat_put(self->c, &a));
	ASSERT_EQ(0, sl_cat_set_activated(self->c, "vg/s5", true));
	sl_cat_close(self->c);
	self->c = NULL;
	ASSERT_EQ(0, sl_cat_open(self->path, &self->c, err, sizeof(err)));
	ASSERT_EQ(0, sl_cat_load(self->c, &all, &n));
	ASSERT_EQ(1u, n);
	ASSERT_STREQ("keep", all[0].text);
	free(all);
	ASSERT_EQ(1, sl_cat_activated(self->c, "vg/s5"));
	ASSERT_EQ(0, sl_cat_set_activated(self->c, "vg/s5", false));
	ASSERT_EQ(0, sl_cat_activated(self->c, "vg/s5"));
}

TEST_F(cat, corrupt_file_is_named)
{
	struct sl_cat *c2 = NULL;
	static char junk[4096];
	char path[160], err[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/garbage.db", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	memset(junk, 'Z', sizeof(junk));
	ASSERT_EQ(4096, write(fd, junk, sizeof(junk)));
	close(fd);
	ASSERT_NE(0, sl_cat_open(path, &c2, err, sizeof(err)));
	ASSERT_EQ(NULL, c2);
	ASSERT_NE(NULL, strstr(err, "corrupt")) TH_LOG("%s", err);
}

TEST_F(cat, unwritable_place_is_named)
{
	struct sl_cat *c2 = NULL;
	char path[200], err[1024];

	/* A regular file as the directory: fails even for root. */
	snprintf(path, sizeof(path), "%s/sub/softlock.db/x/y.db", self->dir);
	ASSERT_NE(0, sl_cat_open(path, &c2, err, sizeof(err)));
	ASSERT_EQ(NULL, c2);
	ASSERT_NE(NULL, strstr(err, "softlock.db/x")) TH_LOG("%s", err);
}

TEST_HARNESS_MAIN
