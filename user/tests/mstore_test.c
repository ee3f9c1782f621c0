// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the mirror's rows in the catalog: relationships,
 * checkpoints, the lock-set replacement of one relationship's locks, and
 * the locks that make one process at a time a writer or a relationship's
 * runner.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sqlite3.h>

#include "kselftest_harness.h"

#include "../catalog/catalog.h"
#include "cat_fixture.h"
#include "../mirror/mstore.h"
#include "../mirror/runlock.h"

#define GID "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0"
#define BASE "a4b3c2d1-0000-4978-8695-0f1e2d3c4b5a"

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
				      sizeof(self->path), "sl-munit", "softlock.db",
				      &self->c, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, sl_mstore_init(self->c)) TH_LOG("%s",
						     sl_cat_error(self->c));
}

FIXTURE_TEARDOWN(cat)
{
	if (sl_test_cat_remove(self->c, self->dir))
		TH_LOG("could not remove %s", self->dir);
}

static struct sl_relationship rel(const char *name, const char *src,
				  const char *dst)
{
	struct sl_relationship r = { .created = 1000 };

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.src, sizeof(r.src), "%s", src);
	snprintf(r.dst, sizeof(r.dst), "%s", dst);
	return r;
}

TEST_F(cat, relationships)
{
	struct sl_relationship a = rel("r1", "vg/a", "hostB:vg/a");
	struct sl_relationship b = rel("r2", "vg/a", "hostC:vg/a");
	struct sl_relationship c = rel("r3", "vg/b", "exec:'x':vg/b");
	struct sl_relationship got, *all;
	char err[512];
	size_t n;

	ASSERT_EQ(0, sl_mstore_init(self->c));	/* idempotent */
	ASSERT_EQ(0, sl_rel_add(self->c, &b));
	ASSERT_EQ(0, sl_rel_add(self->c, &a));
	ASSERT_EQ(0, sl_rel_add(self->c, &c));
	ASSERT_EQ(-EEXIST, sl_rel_add(self->c, &a));
	ASSERT_NE(NULL, strstr(sl_cat_error(self->c), "exists already"));
	got = rel("", "vg/a", "vg/b");
	ASSERT_EQ(-EINVAL, sl_rel_add(self->c, &got));
	memset(got.name, 'n', SL_REL_NAME_MAX);
	got.name[SL_REL_NAME_MAX] = '\0';
	ASSERT_EQ(0, sl_rel_add(self->c, &got));
	ASSERT_EQ(0, sl_rel_del(self->c, got.name));

	ASSERT_EQ(0, sl_rel_get(self->c, "r1", &got));
	ASSERT_STREQ("vg/a", got.src);
	ASSERT_STREQ("hostB:vg/a", got.dst);
	ASSERT_EQ(1000, got.created);
	ASSERT_EQ(0, got.last_time);
	ASSERT_STREQ("", got.last_result);
	ASSERT_EQ(-ENOENT, sl_rel_get(self->c, "nope", &got));

	ASSERT_EQ(0, sl_rel_find(self->c, "r2", &got));
	ASSERT_STREQ("hostC:vg/a", got.dst);
	ASSERT_EQ(0, sl_rel_find(self->c, "hostC:vg/a", &got));
	ASSERT_STREQ("r2", got.name);
	ASSERT_EQ(0, sl_rel_find(self->c, "vg/b", &got));
	ASSERT_STREQ("r3", got.name);
	ASSERT_EQ(0, sl_rel_find(self->c, "exec:'x':vg/b", &got));
	ASSERT_STREQ("r3", got.name);
	ASSERT_EQ(-EEXIST, sl_rel_find(self->c, "vg/a", &got));
	ASSERT_NE(NULL, strstr(sl_cat_error(self->c), "(r1, r2)"))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_EQ(-ENOENT, sl_rel_find(self->c, "vg/zz", &got));

	a.last_time = 2000;
	snprintf(a.last_result, sizeof(a.last_result), "ok");
	a.last_bytes = 1ull << 40;
	a.last_ms = 1234;
	snprintf(a.last_snapshot, sizeof(a.last_snapshot), "a.sl.3");
	snprintf(a.last_gid, sizeof(a.last_gid), GID);
	a.ok_time = 2000;
	a.ok_start = 1990;
	a.created = 5;		/* not an update's to change */
	ASSERT_EQ(0, sl_rel_set_result(self->c, &a));
	ASSERT_EQ(0, sl_rel_get(self->c, "r1", &got));
	ASSERT_EQ(1000, got.created);
	ASSERT_EQ(2000, got.last_time);
	ASSERT_STREQ("ok", got.last_result);
	ASSERT_EQ(1ull << 40, got.last_bytes);
	ASSERT_EQ(1234u, got.last_ms);
	ASSERT_STREQ("a.sl.3", got.last_snapshot);
	ASSERT_STREQ(GID, got.last_gid);
	ASSERT_EQ(2000, got.ok_time);
	ASSERT_EQ(1990, got.ok_start);
	/* A failure after it: the last success stays as it was. */
	got.last_time = 2100;
	snprintf(got.last_result, sizeof(got.last_result), "peer gone");
	ASSERT_EQ(0, sl_rel_set_result(self->c, &got));
	ASSERT_EQ(0, sl_rel_get(self->c, "r1", &got));
	ASSERT_EQ(2100, got.last_time);
	ASSERT_EQ(2000, got.ok_time);
	ASSERT_EQ(1990, got.ok_start);
	snprintf(got.last_result, sizeof(got.last_result), "ok");
	got.last_time = 2000;
	ASSERT_EQ(0, sl_rel_set_result(self->c, &got));
	got = rel("ghost", "vg/a", "vg/b");
	ASSERT_EQ(-ENOENT, sl_rel_set_result(self->c, &got));

	ASSERT_EQ(0, sl_rel_list(self->c, &all, &n));
	ASSERT_EQ(3u, n);
	ASSERT_STREQ("r1", all[0].name);
	ASSERT_STREQ("r2", all[1].name);
	ASSERT_STREQ("r3", all[2].name);
	ASSERT_STREQ("ok", all[0].last_result);
	free(all);

	ASSERT_EQ(0, sl_rel_del(self->c, "r2"));
	ASSERT_EQ(-ENOENT, sl_rel_del(self->c, "r2"));
	ASSERT_EQ(0, sl_rel_find(self->c, "vg/a", &got));
	ASSERT_STREQ("r1", got.name);

	/* Committed: a fresh open sees the same rows. */
	sl_cat_close(self->c);
	self->c = NULL;
	ASSERT_EQ(0, sl_cat_open(self->path, &self->c, err, sizeof(err)));
	ASSERT_EQ(0, sl_mstore_init(self->c));
	ASSERT_EQ(0, sl_rel_list(self->c, &all, &n));
	ASSERT_EQ(2u, n);
	ASSERT_EQ(2000, all[0].last_time);
	free(all);
}

TEST_F(cat, checkpoints)
{
	struct sl_checkpoint k = { 0 }, got;

	ASSERT_EQ(-ENOENT, sl_ckpt_get(self->c, "r1", &got));
	snprintf(k.relationship, sizeof(k.relationship), "r1");
	snprintf(k.gid, sizeof(k.gid), GID);
	snprintf(k.part_lv, sizeof(k.part_lv), "vg/vol.sl.4.part");
	snprintf(k.base_gid, sizeof(k.base_gid), "%s", BASE);
	k.offset = 1ull << 33;
	k.bytes = 4096;
	ASSERT_EQ(0, sl_ckpt_put(self->c, &k));
	ASSERT_EQ(0, sl_ckpt_get(self->c, "r1", &got));
	ASSERT_STREQ("r1", got.relationship);
	ASSERT_STREQ(GID, got.gid);
	ASSERT_STREQ("vg/vol.sl.4.part", got.part_lv);
	ASSERT_STREQ(BASE, got.base_gid);
	ASSERT_EQ(1ull << 33, got.offset);
	ASSERT_EQ(4096u, got.bytes);
	k.offset += 1 << 20;
	k.bytes += 1 << 20;
	k.base_gid[0] = '\0';		/* now a full transfer */
	ASSERT_EQ(0, sl_ckpt_put(self->c, &k));
	ASSERT_EQ(0, sl_ckpt_get(self->c, "r1", &got));
	ASSERT_STREQ("", got.base_gid);
	ASSERT_EQ((1ull << 33) + (1 << 20), got.offset);
	ASSERT_EQ(4096u + (1 << 20), got.bytes);
	ASSERT_EQ(-ENOENT, sl_ckpt_get(self->c, "r2", &got));
	ASSERT_EQ(0, sl_ckpt_del(self->c, "r1"));
	ASSERT_EQ(-ENOENT, sl_ckpt_get(self->c, "r1", &got));
	ASSERT_EQ(0, sl_ckpt_del(self->c, "r1"));
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

/* How many locks of (pool, origin), and whether one has text. */
static size_t count(struct sl_cat *c, const char *pool, const char *origin,
		    const char *text, bool *has)
{
	struct sl_cat_lock *all;
	size_t n, i, k = 0;

	*has = false;
	if (sl_cat_load(c, &all, &n))
		return (size_t)-1;
	for (i = 0; i < n; i++) {
		if (strcmp(all[i].pool, pool) || strcmp(all[i].origin, origin))
			continue;
		k++;
		*has |= text && !strcmp(all[i].text, text);
	}
	free(all);
	return k;
}

TEST_F(cat, replace_origin)
{
	struct sl_cat_lock keep[] = {
		lk("P", "rel1", 1, "hostB:vg/a"), lk("P", "rel1", 2, "hostB:vg/a"),
		lk("P", "rel2", 1, "hostC:vg/a"), lk("Q", "rel1", 1, "hostB:vg/q"),
		lk("P", "local", 1, "mine"),
	};
	struct sl_cat_lock set[] = {
		lk("P", "rel1", 2, "hostB:vg/a"), lk("P", "rel1", 3, "hostB:vg/a"),
		lk("P", "rel1", 3, "hostD:vg/a"),
	};
	struct sl_cat_lock bad[2];
	bool has;
	size_t i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, sl_cat_put(self->c, &keep[i]));
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", set, 3))
		TH_LOG("%s", sl_cat_error(self->c));
	for (i = 0; i < 3; i++)
		ASSERT_LT(0, set[i].id);
	ASSERT_NE(set[1].id, set[2].id);
	ASSERT_EQ(3u, count(self->c, "P", "rel1", "hostD:vg/a", &has));
	ASSERT_TRUE(has);
	ASSERT_EQ(1u, count(self->c, "P", "rel2", "hostC:vg/a", &has));
	ASSERT_TRUE(has);
	ASSERT_EQ(1u, count(self->c, "Q", "rel1", "hostB:vg/q", &has));
	ASSERT_TRUE(has);
	ASSERT_EQ(1u, count(self->c, "P", "local", "mine", &has));
	ASSERT_TRUE(has);

	/* A lock of another origin in the set: refused, nothing changed. */
	bad[0] = lk("P", "rel1", 5, "x");
	bad[1] = lk("P", "rel2", 5, "x");
	ASSERT_EQ(-EINVAL, sl_cat_replace_origin(self->c, "P", "rel1", bad, 2));
	ASSERT_EQ(3u, count(self->c, "P", "rel1", "x", &has));
	ASSERT_FALSE(has);
	/* The database refuses the second: rolled back, ids as they were. */
	bad[1] = lk("P", "rel1", 6, "x");
	bad[1].type = 9;
	bad[0].id = bad[1].id = -7;
	ASSERT_EQ(-EIO, sl_cat_replace_origin(self->c, "P", "rel1", bad, 2));
	ASSERT_NE(NULL, strstr(sl_cat_error(self->c), "failed"));
	ASSERT_EQ(-7, bad[0].id);
	ASSERT_EQ(3u, count(self->c, "P", "rel1", "hostD:vg/a", &has));
	ASSERT_TRUE(has);
	/* The catalog still works after the rollback. */
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", NULL, 0));
	ASSERT_EQ(0u, count(self->c, "P", "rel1", NULL, &has));
	ASSERT_EQ(1u, count(self->c, "P", "rel2", NULL, &has));
	ASSERT_EQ(1u, count(self->c, "Q", "rel1", NULL, &has));
	ASSERT_EQ(1u, count(self->c, "P", "local", NULL, &has));
}

/* One key twice in a set: one row, as the later says, under one id. */
TEST_F(cat, replace_origin_repeated_key)
{
	struct sl_cat_lock set[] = {
		lk("P", "rel1", 2, "hostB:vg/a"), lk("P", "rel1", 3, "hostB:vg/a"),
		lk("P", "rel1", 2, "hostB:vg/a"),
	};
	struct sl_cat_lock *all;
	size_t n, i, k = 0;

	snprintf(set[2].snap, sizeof(set[2].snap), "vg/later");
	set[2].expires = 500;
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", set, 3))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_LT(0, set[0].id);
	ASSERT_EQ(set[0].id, set[2].id);
	ASSERT_NE(set[0].id, set[1].id);
	ASSERT_EQ(0, sl_cat_load(self->c, &all, &n));
	for (i = 0; i < n; i++) {
		if (all[i].pcpi != 2)
			continue;
		k++;
		EXPECT_EQ(set[0].id, all[i].id);
		EXPECT_STREQ("vg/later", all[i].snap);
		EXPECT_EQ(500, all[i].expires);
	}
	free(all);
	ASSERT_EQ(2u, n);
	ASSERT_EQ(1u, k);
}

/* A set the kernel refused: the one it replaced comes back, ids and all. */
TEST_F(cat, restore_origin)
{
	struct sl_cat_lock a[] = {
		lk("P", "rel1", 1, "hostB:vg/a"), lk("P", "rel1", 2, "hostB:vg/a"),
	};
	struct sl_cat_lock b[] = { lk("P", "rel1", 3, "hostB:vg/b") };
	struct sl_cat_lock other = lk("P", "rel2", 1, "hostC:vg/c");
	struct sl_cat_lock *all;
	size_t n, i;
	bool has;

	ASSERT_EQ(0, sl_cat_put(self->c, &other));
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", a, 2));
	ASSERT_EQ(0, sl_cat_replace_origin(self->c, "P", "rel1", b, 1));
	ASSERT_EQ(1u, count(self->c, "P", "rel1", "hostB:vg/b", &has));
	ASSERT_EQ(0, sl_cat_restore_origin(self->c, "P", "rel1"))
		TH_LOG("%s", sl_cat_error(self->c));
	ASSERT_EQ(2u, count(self->c, "P", "rel1", "hostB:vg/b", &has));
	ASSERT_FALSE(has);
	ASSERT_EQ(1u, count(self->c, "P", "rel2", "hostC:vg/c", &has));
	ASSERT_TRUE(has);
	ASSERT_EQ(0, sl_cat_load(self->c, &all, &n));
	ASSERT_EQ(3u, n);
	for (i = 0; i < n; i++)
		if (!strcmp(all[i].origin, "rel1"))
			EXPECT_EQ(all[i].pcpi == 1 ? a[0].id : a[1].id, all[i].id);
	free(all);
	/* A replace that failed keeps nothing: the last one's rows stay. */
	b[0].type = 9;
	ASSERT_EQ(-EIO, sl_cat_replace_origin(self->c, "P", "rel1", b, 1));
	ASSERT_EQ(0, sl_cat_restore_origin(self->c, "P", "rel1"));
	ASSERT_EQ(2u, count(self->c, "P", "rel1", "hostB:vg/a", &has));
	ASSERT_TRUE(has);
}

/* A catalog written before leases and last-success times: columns added. */
/* In a child (the locks are per process): what taking rel as role gives. */
static int runlock_in_child(struct sl_cat *c, const char *rel,
			    const char *role, pid_t want_holder)
{
	char err[512];
	pid_t pid, holder;
	int st, fd, rc;

	pid = fork();
	if (!pid) {
		rc = sl_runlock_take(c, rel, role, &fd, &holder, err,
				     sizeof(err));
		if (rc == -EBUSY)
			_exit(holder == want_holder ? 1 : 3);
		_exit(rc ? 2 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST_F(cat, one_runner_per_relationship)
{
	char err[512];
	pid_t holder;
	int fd;

	ASSERT_EQ(0, sl_runlock_take(self->c, "a/b:c", "source", &fd, &holder,
				     err, sizeof(err))) TH_LOG("%s", err);
	/* Busy for another process, naming this one. */
	EXPECT_EQ(1, runlock_in_child(self->c, "a/b:c", "source", getpid()));
	/* The other role and another relationship are free. */
	EXPECT_EQ(0, runlock_in_child(self->c, "a/b:c", "destination", 0));
	EXPECT_EQ(0, runlock_in_child(self->c, "a/b", "source", 0));
	close(fd);
	EXPECT_EQ(0, runlock_in_child(self->c, "a/b:c", "source", 0));
}

TEST_F(cat, one_writer)
{
	int fd, st;
	pid_t pid;

	ASSERT_EQ(0, sl_cat_writer_begin(self->c));
	ASSERT_EQ(0, sl_cat_writer_begin(self->c));	/* nests */
	sl_cat_writer_end(self->c);
	/* Still held after the inner end: another process cannot take it. */
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	pid = fork();
	if (!pid)
		_exit(flock(fd, LOCK_EX | LOCK_NB) ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	sl_cat_writer_end(self->c);
	pid = fork();
	if (!pid)
		_exit(flock(fd, LOCK_EX | LOCK_NB) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(fd);
}

TEST(old_catalog_migrates)
{
	char dir[] = "/tmp/sl-munit-XXXXXX", path[128], err[512];
	struct sl_relationship got;
	struct sl_cat *c;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/softlock.db", dir);
	ASSERT_EQ(0, sl_cat_open(path, &c, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(sl_cat_sqlite(c),
		"CREATE TABLE relationships(name TEXT PRIMARY KEY, src TEXT NOT NULL,"
		" dst TEXT NOT NULL, created INTEGER NOT NULL,"
		" last_time INTEGER NOT NULL DEFAULT 0,"
		" last_result TEXT NOT NULL DEFAULT '',"
		" last_bytes INTEGER NOT NULL DEFAULT 0,"
		" last_ms INTEGER NOT NULL DEFAULT 0,"
		" last_snapshot TEXT NOT NULL DEFAULT '',"
		" last_gid TEXT NOT NULL DEFAULT '', keep INTEGER NOT NULL DEFAULT 0);"
		"INSERT INTO relationships(name, src, dst, created, last_time, last_result)"
		" VALUES('old', 'vg/a', 'h:vg/a', 7, 9, 'ok');", NULL, NULL, NULL));
	ASSERT_EQ(0, sl_mstore_init(c)) TH_LOG("%s", sl_cat_error(c));
	ASSERT_EQ(0, sl_rel_get(c, "old", &got));
	EXPECT_EQ(9, got.last_time);
	EXPECT_EQ(0u, got.lease);
	EXPECT_EQ(0, got.ok_time);
	EXPECT_EQ(0, got.ok_start);
	got.ok_time = 11;
	ASSERT_EQ(0, sl_rel_set_result(c, &got));
	ASSERT_EQ(0, sl_mstore_init(c));
	ASSERT_EQ(0, sl_rel_get(c, "old", &got));
	EXPECT_EQ(11, got.ok_time);
	sl_cat_close(c);
	unlink(path);
	rmdir(dir);
}

TEST_HARNESS_MAIN
