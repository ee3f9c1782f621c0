// SPDX-License-Identifier: GPL-2.0
/*
 * The catalog's lock-set replace (catalog/catalog_lockset.c): it writes
 * only the difference from the origin's last set, and a restore gives the
 * old rows back exactly.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "kselftest_harness.h"

#include "../catalog/catalog.h"
#include "cat_fixture.h"

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
				      sizeof(self->path), "sl-lsunit", "softlock.db",
				      &self->c, err, sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(cat)
{
	if (sl_test_cat_remove(self->c, self->dir))
		TH_LOG("could not remove %s", self->dir);
}

static struct sl_cat_lock lk(const char *pool, const char *origin,
			     uint32_t pcpi, const char *text)
{
	struct sl_cat_lock l = { .pcpi = pcpi, .type = 2, .created = 100 };

	snprintf(l.snap, sizeof(l.snap), "vg/s%u", pcpi);
	snprintf(l.pool, sizeof(l.pool), "%s", pool);
	snprintf(l.origin, sizeof(l.origin), "%s", origin);
	snprintf(l.text, sizeof(l.text), "%s", text);
	return l;
}

/* How many locks of (pool, origin). */
static size_t count(struct sl_cat *c, const char *pool, const char *origin)
{
	struct sl_cat_lock *all;
	size_t n, i, k = 0;

	if (sl_cat_load(c, &all, &n))
		return (size_t)-1;
	for (i = 0; i < n; i++)
		k += !strcmp(all[i].pool, pool) && !strcmp(all[i].origin, origin);
	free(all);
	return k;
}

/* The rows of (P, rel1) in id order, as sl_cat_load() gives them. */
static size_t rel1_rows(struct sl_cat *c, struct sl_cat_lock *out, size_t max)
{
	struct sl_cat_lock *all, t;
	size_t n, i, j, k = 0;

	if (sl_cat_load(c, &all, &n))
		return (size_t)-1;
	for (i = 0; i < n; i++)
		if (!strcmp(all[i].pool, "P") && !strcmp(all[i].origin, "rel1") &&
		    k < max)
			out[k++] = all[i];
	free(all);
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && out[j - 1].id > out[j].id; j--) {
			t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return k;
}

static bool same_row(const struct sl_cat_lock *a, const struct sl_cat_lock *b)
{
	return a->id == b->id && !strcmp(a->snap, b->snap) &&
	       a->pcpi == b->pcpi && a->type == b->type &&
	       !strcmp(a->text, b->text) && !strcmp(a->dataset, b->dataset) &&
	       a->created == b->created && a->expires == b->expires &&
	       a->lvm == b->lvm;
}

/* The same set again: every row kept as it was, nothing written. */
TEST_F(cat, replace_same_set)
{
	struct sl_cat_lock a[] = {
		lk("P", "rel1", 3, "t"), lk("P", "rel1", 1, "t"),
		lk("P", "rel1", 2, "t"),
	};
	struct sl_cat_lock before[4], after[4];
	sqlite3 *db = sl_cat_sqlite(self->c);
	int changes;
	size_t i;

	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3));
	ASSERT_EQ(3u, rel1_rows(self->c, before, 4));
	/* A replace clears the last one's record: counted from the next. */
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3));
	for (i = 0; i < 3; i++) {
		a[i].id = 0;
		a[i].created = 200;	/* a later install's time */
	}
	changes = sqlite3_total_changes(db);
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_EQ(changes, sqlite3_total_changes(db));
	ASSERT_EQ(3u, rel1_rows(self->c, after, 4));
	for (i = 0; i < 3; i++) {
		EXPECT_TRUE(same_row(&before[i], &after[i]));
		EXPECT_EQ(100, after[i].created);
	}
	/* before is in id order, that is pcpi 1, 2, 3. */
	ASSERT_EQ(before[2].id, a[0].id);
	ASSERT_EQ(before[0].id, a[1].id);
	ASSERT_EQ(before[1].id, a[2].id);
}

/* One lock added, one removed, one with a new lease: the rest untouched. */
TEST_F(cat, replace_difference)
{
	struct sl_cat_lock a[] = {
		lk("P", "rel1", 1, "t"), lk("P", "rel1", 2, "t"),
		lk("P", "rel1", 3, "t"),
	};
	struct sl_cat_lock b[] = {
		lk("P", "rel1", 4, "t"), lk("P", "rel1", 3, "t"),
		lk("P", "rel1", 2, "t"),
	};
	struct sl_cat_lock rows[4];
	sqlite3 *db = sl_cat_sqlite(self->c);
	int changes;

	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3));
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3));
	b[1].expires = 900;
	changes = sqlite3_total_changes(db);
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", b, 3))
		TH_LOG("%s", sl_cat_error(self->c));
	/* pcpi 1: kept aside and deleted; 3: kept aside and updated; 4: added. */
	ASSERT_EQ(changes + 6, sqlite3_total_changes(db));
	ASSERT_EQ(a[1].id, b[2].id);
	ASSERT_EQ(a[2].id, b[1].id);
	ASSERT_NE(a[0].id, b[0].id);
	ASSERT_EQ(3u, rel1_rows(self->c, rows, 4));
	EXPECT_EQ(a[1].id, rows[0].id);
	EXPECT_EQ(0, rows[0].expires);
	EXPECT_EQ(a[2].id, rows[1].id);
	EXPECT_EQ(900, rows[1].expires);
	EXPECT_EQ(b[0].id, rows[2].id);
	EXPECT_EQ(4u, rows[2].pcpi);
}

/* A set with no key of the last: every row replaced. */
TEST_F(cat, replace_all_rows)
{
	struct sl_cat_lock a[] = { lk("P", "rel1", 1, "t"), lk("P", "rel1", 2, "t") };
	struct sl_cat_lock b[] = { lk("P", "rel1", 1, "u"), lk("P", "rel1", 3, "t") };
	struct sl_cat_lock rows[4];
	size_t i;

	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 2));
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", b, 2));
	ASSERT_EQ(2u, rel1_rows(self->c, rows, 4));
	for (i = 0; i < 2; i++) {
		EXPECT_NE(a[0].id, rows[i].id);
		EXPECT_NE(a[1].id, rows[i].id);
		EXPECT_TRUE(rows[i].id == b[0].id || rows[i].id == b[1].id);
	}
	EXPECT_STREQ("u", rows[0].text);
	EXPECT_EQ(3u, rows[1].pcpi);
}

/* A refused difference: the old rows back exactly, updated ones too. */
TEST_F(cat, restore_after_difference)
{
	struct sl_cat_lock a[] = {
		lk("P", "rel1", 1, "t"), lk("P", "rel1", 2, "t"),
		lk("P", "rel1", 3, "t"),
	};
	struct sl_cat_lock b[] = {
		lk("P", "rel1", 2, "t"), lk("P", "rel1", 3, "t"),
		lk("P", "rel1", 4, "t"),
	};
	struct sl_cat_lock other = lk("P", "rel2", 1, "t");
	struct sl_cat_lock before[4], after[4];
	size_t i;

	ASSERT_EQ(0, sl_cat_put(self->c, &other));
	a[1].expires = 50;
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3));
	ASSERT_EQ(3u, rel1_rows(self->c, before, 4));
	b[0].expires = 60;
	snprintf(b[1].snap, sizeof(b[1].snap), "vg/moved");
	b[1].created = 300;
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", b, 3));
	ASSERT_EQ(0, sl_cat_restore_origin(self->c, "P", "rel1"))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_EQ(3u, rel1_rows(self->c, after, 4));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(same_row(&before[i], &after[i]));
	ASSERT_EQ(1u, count(self->c, "P", "rel2"));
	/* Restoring again changes nothing. */
	ASSERT_EQ(0, sl_cat_restore_origin(self->c, "P", "rel1"));
	ASSERT_EQ(3u, rel1_rows(self->c, after, 4));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(same_row(&before[i], &after[i]));
}

/*
 * A new origin's set refused: restoring removes every row of it, and only
 * of it (rel2 on P and rel1 on another pool stay), with one record row
 * for the whole set rather than one per row.
 */
TEST_F(cat, restore_after_new_origin)
{
	struct sl_cat_lock a[] = {
		lk("P", "rel1", 1, "t"), lk("P", "rel1", 2, "t"),
		lk("P", "rel1", 3, "t"),
	};
	struct sl_cat_lock other = lk("P", "rel2", 1, "t");
	struct sl_cat_lock elsewhere = lk("Q", "rel1", 1, "t");
	sqlite3 *db = sl_cat_sqlite(self->c);
	sqlite3_stmt *st;

	ASSERT_EQ(0, sl_cat_put(self->c, &other));
	ASSERT_EQ(0, sl_cat_put(self->c, &elsewhere));
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 3))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_EQ(3u, count(self->c, "P", "rel1"));
	ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, "SELECT count(*) FROM temp.added",
						-1, &st, NULL));
	ASSERT_EQ(SQLITE_ROW, sqlite3_step(st));
	EXPECT_EQ(1, sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	ASSERT_EQ(0, sl_cat_restore_origin(self->c, "P", "rel1"))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_EQ(0u, count(self->c, "P", "rel1"));
	ASSERT_EQ(1u, count(self->c, "P", "rel2"));
	ASSERT_EQ(1u, count(self->c, "Q", "rel1"));
	/* The next install of the origin is a new one again, and restorable. */
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 2));
	ASSERT_EQ(2u, count(self->c, "P", "rel1"));
	ASSERT_EQ(0, sl_cat_restore_origin(self->c, "P", "rel1"));
	ASSERT_EQ(0u, count(self->c, "P", "rel1"));
	ASSERT_EQ(1u, count(self->c, "P", "rel2"));
}

TEST_HARNESS_MAIN
