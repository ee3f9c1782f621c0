// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the Prometheus text formatter (lib/prom.c): names,
 * label-value and HELP escaping, values, and whole families as the
 * textfile collector reads them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../lib/prom.h"

TEST(metric_names)
{
	EXPECT_TRUE(sl_prom_metric_name_ok("softlock_locks"));
	EXPECT_TRUE(sl_prom_metric_name_ok("_x:y_1"));
	EXPECT_TRUE(sl_prom_metric_name_ok("a"));
	EXPECT_FALSE(sl_prom_metric_name_ok(""));
	EXPECT_FALSE(sl_prom_metric_name_ok("1abc"));
	EXPECT_FALSE(sl_prom_metric_name_ok("soft-lock"));
	EXPECT_FALSE(sl_prom_metric_name_ok("soft lock"));
	EXPECT_FALSE(sl_prom_metric_name_ok("caf\xc3\xa9"));
	EXPECT_FALSE(sl_prom_metric_name_ok(NULL));
}

TEST(label_names)
{
	EXPECT_TRUE(sl_prom_label_name_ok("pool"));
	EXPECT_TRUE(sl_prom_label_name_ok("_pool2"));
	EXPECT_FALSE(sl_prom_label_name_ok("__name__"));
	EXPECT_FALSE(sl_prom_label_name_ok("a:b"));
	EXPECT_FALSE(sl_prom_label_name_ok("9a"));
	EXPECT_FALSE(sl_prom_label_name_ok(""));
}

TEST(escape_label_values)
{
	char out[64];

	EXPECT_EQ(5U, sl_prom_escape("vg/lv", false, out, sizeof(out)));
	EXPECT_STREQ("vg/lv", out);
	sl_prom_escape("a\"b\\c\nd", false, out, sizeof(out));
	EXPECT_STREQ("a\\\"b\\\\c\\nd", out);
	/* HELP text keeps its quotes: only \ and newline are escaped. */
	sl_prom_escape("say \"hi\"\\\n", true, out, sizeof(out));
	EXPECT_STREQ("say \"hi\"\\\\\\n", out);
	/* Too small: the needed length, a terminated prefix. */
	EXPECT_EQ(8U, sl_prom_escape("\"\"\"\"", false, out, 4));
	EXPECT_EQ(3U, strlen(out));
	EXPECT_EQ(2U, sl_prom_escape("\n", false, NULL, 0));
}

TEST(values)
{
	char out[64];

	sl_prom_value(0, out, sizeof(out));
	EXPECT_STREQ("0", out);
	sl_prom_value(1700000000, out, sizeof(out));
	EXPECT_STREQ("1700000000", out);
	sl_prom_value(-3, out, sizeof(out));
	EXPECT_STREQ("-3", out);
	sl_prom_value(1.5, out, sizeof(out));
	EXPECT_STREQ("1.5", out);
	sl_prom_value(18446744073709551615.0, out, sizeof(out));
	EXPECT_EQ(18446744073709551615.0, strtod(out, NULL));
	sl_prom_value(NAN, out, sizeof(out));
	EXPECT_STREQ("NaN", out);
	sl_prom_value(INFINITY, out, sizeof(out));
	EXPECT_STREQ("+Inf", out);
	sl_prom_value(-INFINITY, out, sizeof(out));
	EXPECT_STREQ("-Inf", out);
}

/* Run fn on a memory stream; return what it wrote (to be freed). */
static char *sl_render(void (*fn)(struct sl_prom *p), int *err)
{
	struct sl_prom p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	sl_prom_init(&p, f);
	fn(&p);
	fclose(f);
	*err = p.err;
	return buf;
}

static void sl_two_families(struct sl_prom *p)
{
	sl_prom_family(p, "softlock_locks", "gauge", "Locks held.\nPer pool.");
	sl_prom_sample(p, (const char *const[]){ "pool", "vg/\"p\"",
						 "type", "owner", NULL }, 3);
	sl_prom_sample(p, (const char *const[]){ "pool", "a\\b", "type",
						 "app", NULL }, 0);
	sl_prom_family(p, "softlock_module_loaded", "gauge", "1 if loaded.");
	sl_prom_sample(p, NULL, 1);
}

TEST(families)
{
	int err = -1;
	char *out = sl_render(sl_two_families, &err);

	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, err);
	EXPECT_STREQ("# HELP softlock_locks Locks held.\\nPer pool.\n"
		     "# TYPE softlock_locks gauge\n"
		     "softlock_locks{pool=\"vg/\\\"p\\\"\",type=\"owner\"} 3\n"
		     "softlock_locks{pool=\"a\\\\b\",type=\"app\"} 0\n"
		     "# HELP softlock_module_loaded 1 if loaded.\n"
		     "# TYPE softlock_module_loaded gauge\n"
		     "softlock_module_loaded 1\n", out);
	free(out);
}

static void sl_bad_metric(struct sl_prom *p)
{
	sl_prom_family(p, "soft-lock", "gauge", "x");
	sl_prom_sample(p, NULL, 1);
}

static void sl_bad_type(struct sl_prom *p)
{
	sl_prom_family(p, "softlock_x", "histogram", "x");
}

static void sl_bad_label(struct sl_prom *p)
{
	sl_prom_family(p, "softlock_x", "gauge", "x");
	sl_prom_sample(p, (const char *const[]){ "__name__", "y", NULL }, 1);
	sl_prom_sample(p, (const char *const[]){ "pool", NULL, NULL }, 1);
}

static void sl_no_family(struct sl_prom *p)
{
	sl_prom_sample(p, NULL, 1);
}

TEST(rejects)
{
	void (*fns[])(struct sl_prom *p) = { sl_bad_metric, sl_bad_type,
					     sl_bad_label, sl_no_family };
	size_t i;
	int err;
	char *out;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		err = 0;
		out = sl_render(fns[i], &err);
		ASSERT_NE(NULL, out);
		EXPECT_EQ(-EINVAL, err) TH_LOG("case %zu", i);
		/* Nothing half-written: no sample line of a rejected metric. */
		EXPECT_EQ(NULL, strstr(out, "soft-lock"));
		EXPECT_EQ(NULL, strstr(out, "__name__"));
		EXPECT_EQ(NULL, strstr(out, "} 1"));
		free(out);
	}
}

static void sl_long_value(struct sl_prom *p)
{
	char v[3000];

	memset(v, '"', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	sl_prom_family(p, "softlock_x", "gauge", "x");
	sl_prom_sample(p, (const char *const[]){ "l", v, NULL }, 1);
}

TEST(long_label_value)
{
	int err = -1;
	char *out = sl_render(sl_long_value, &err), *q;
	size_t n = 0;

	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, err);
	q = strstr(out, "softlock_x{l=\"");
	ASSERT_NE(NULL, q);
	for (q += strlen("softlock_x{l=\""); q[0] == '\\' && q[1] == '"'; q += 2)
		n++;
	EXPECT_EQ(2999U, n);
	EXPECT_STREQ("\"} 1\n", q);
	free(out);
}

TEST_HARNESS_MAIN
