// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite catalog. Each call is its own transaction: the helper commits
 * a lock here before it asks the kernel, and removes it again if the
 * kernel refuses, so the catalog is never missing a lock the kernel holds
 * for longer than one command. A change that spans the catalog and the
 * kernel runs as one writer (sl_cat_writer_begin): an exclusive flock(2)
 * on the catalog file, so that no other process reads the catalog, then
 * changes the kernel from what it read, in between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "catalog.h"

#define SL_SCHEMA_VERSION 1

struct sl_cat {
	sqlite3 *db;
	/*
	 * The descriptor the writer lock is taken on, open as long as db is:
	 * closing a descriptor of the file would drop the POSIX locks SQLite
	 * holds on it in this process, so it is closed only after db.
	 * lockpid: the process that opened it (a forked child opens its own:
	 * a shared descriptor shares the flock). writers: nesting depth.
	 */
	int lockfd;
	pid_t lockpid;
	unsigned int writers;
	char path[4096];
	char error[1024];
};

static const char sl_schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS locks("
	" id INTEGER PRIMARY KEY,"
	" snap TEXT NOT NULL,"
	" pool TEXT NOT NULL,"
	" pcpi INTEGER NOT NULL CHECK (pcpi BETWEEN 0 AND 16777215),"
	" type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 4),"
	" text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 255),"
	" dataset TEXT NOT NULL DEFAULT '',"
	" origin TEXT NOT NULL DEFAULT 'local',"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL DEFAULT 0,"
	" lvm INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(pool, pcpi, type, text, origin));"
	"CREATE TABLE IF NOT EXISTS activated(snap TEXT PRIMARY KEY);"
	/* The last kernel generation given to each (pool, origin) set. */
	"CREATE TABLE IF NOT EXISTS generations("
	" pool TEXT NOT NULL, origin TEXT NOT NULL, gen INTEGER NOT NULL,"
	" PRIMARY KEY(pool, origin));";

const char *sl_cat_error(const struct sl_cat *c)
{
	return c->error;
}

static int sl_fail(struct sl_cat *c, const char *what)
{
	snprintf(c->error, sizeof(c->error),
		 "catalog %s: %s failed: %s (check that the file is writable and the disk is not full)",
		 c->path, what, sqlite3_errmsg(c->db));
	return -EIO;
}

static int sl_exec(struct sl_cat *c, const char *sql, const char *what)
{
	return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	       0 : sl_fail(c, what);
}

const char *sl_cat_path(const struct sl_cat *c)
{
	return c->path;
}

struct sqlite3 *sl_cat_sqlite(struct sl_cat *c)
{
	return c->db;
}

int sl_cat_fail(struct sl_cat *c, const char *what)
{
	return sl_fail(c, what);
}

void sl_cat_set_error(struct sl_cat *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
}

static int sl_mkdir_parent(const char *path)
{
	char *dup = strdup(path), *dir;
	int err = 0;

	if (!dup)
		return -ENOMEM;
	dir = dirname(dup);
	if (mkdir(dir, 0700) && errno != EEXIST)
		err = -errno;
	free(dup);
	return err;
}

/* A corrupt or foreign file must be named as such, not silently reused. */
static int sl_check_integrity(struct sl_cat *c)
{
	sqlite3_stmt *st;
	const char *res;
	int rc;

	rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto corrupt;
	rc = sqlite3_step(st);
	res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (!res || strcmp(res, "ok")) {
		sqlite3_finalize(st);
		goto corrupt;
	}
	sqlite3_finalize(st);
	return 0;
corrupt:
	snprintf(c->error, sizeof(c->error),
		 "catalog %s is corrupt or not a softlock catalog (%s): move it aside and restore it from a backup; nothing was changed in the kernel",
		 c->path, sqlite3_errmsg(c->db));
	return -EUCLEAN;
}

int sl_cat_open(const char *path, struct sl_cat **cp, char *err, size_t errlen)
{
	struct sl_cat *c = calloc(1, sizeof(*c));
	int rc, fd;

	*cp = NULL;
	if (!c)
		return -ENOMEM;
	c->lockfd = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	rc = sl_mkdir_parent(path);
	if (rc) {
		snprintf(err, errlen, "catalog %s: cannot create its directory: %s",
			 path, strerror(-rc));
		free(c);
		return rc;
	}
	/*
	 * Holds are root's business: create the file 0600 before SQLite
	 * does (it would honour the umask), and SQLite gives its -wal and
	 * -shm files the same mode.
	 */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "catalog %s: cannot open: %s", path,
			 strerror(-rc));
		free(c);
		return rc;
	}
	c->lockfd = fd;
	c->lockpid = getpid();
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "catalog %s: cannot open: %s", path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sl_cat_close(c);
		return -EIO;
	}
	sqlite3_busy_timeout(c->db, 10000);
	rc = sl_check_integrity(c);
	if (!rc)
		rc = sl_exec(c, "PRAGMA journal_mode=WAL", "enabling WAL");
	if (!rc)
		rc = sl_exec(c, "PRAGMA synchronous=FULL", "setting synchronous");
	/*
	 * The record a lock-set replace keeps for its restore
	 * (catalog_lockset.c) is a temp table: it lives only as long as this
	 * handle, so memory serves it; set before any temp table exists.
	 */
	if (!rc)
		rc = sl_exec(c, "PRAGMA temp_store=MEMORY", "setting temp_store");
	if (!rc)
		rc = sl_exec(c, sl_schema, "creating the schema");
	if (!rc)
		rc = sl_exec(c, "INSERT OR IGNORE INTO meta VALUES('schema', '1')",
			     "writing the schema version");
	if (rc) {
		snprintf(err, errlen, "%s", c->error);
		sl_cat_close(c);
		return rc;
	}
	*cp = c;
	return 0;
}

void sl_cat_close(struct sl_cat *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	if (c->lockfd >= 0)
		close(c->lockfd);	/* drops the writer lock, if held */
	free(c);
}

int sl_cat_writer_begin(struct sl_cat *c)
{
	int fd, rc;

	if (c->writers) {
		c->writers++;
		return 0;
	}
	if (c->lockpid != getpid()) {
		fd = open(c->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			rc = -errno;
			goto fail;
		}
		/* The inherited one stays open: see struct sl_cat. */
		c->lockfd = fd;
		c->lockpid = getpid();
	}
	/*
	 * Waited for: the other writer's section is one short change. Say
	 * so first, so that a wait is never a silent hang.
	 */
	if (!flock(c->lockfd, LOCK_EX | LOCK_NB)) {
		c->writers = 1;
		return 0;
	}
	if (errno == EWOULDBLOCK)
		fprintf(stderr, "softlock: waiting for another softlock process to finish its change of catalog %s\n",
			c->path);
	while (flock(c->lockfd, LOCK_EX)) {
		if (errno != EINTR) {
			rc = -errno;
			goto fail;
		}
	}
	c->writers = 1;
	return 0;
fail:
	snprintf(c->error, sizeof(c->error),
		 "catalog %s: cannot take the writer lock: %s", c->path,
		 strerror(-rc));
	return rc;
}

void sl_cat_writer_end(struct sl_cat *c)
{
	if (!c->writers || --c->writers)
		return;
	flock(c->lockfd, LOCK_UN);
}

/* Insert or update a lock; its id is the one row RETURNING gives. */
static const char sl_put_sql[] =
	"INSERT INTO locks(snap, pool, pcpi, type, text, dataset, origin,"
	" created, expires, lvm) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
	" ON CONFLICT(pool, pcpi, type, text, origin) DO UPDATE SET"
	" snap = ?1, dataset = ?6, expires = ?9, lvm = ?10"
	" RETURNING id";

int sl_cat_bind_lock(sqlite3_stmt *st, const struct sl_cat_lock *l)
{
	int rc;

	rc = sqlite3_bind_text(st, 1, l->snap, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_text(st, 2, l->pool, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_int64(st, 3, l->pcpi);
	rc = rc ?: sqlite3_bind_int64(st, 4, l->type);
	rc = rc ?: sqlite3_bind_text(st, 5, l->text, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_text(st, 6, l->dataset, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_text(st, 7, l->origin, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_int64(st, 8, l->created);
	rc = rc ?: sqlite3_bind_int64(st, 9, l->expires);
	return rc ?: sqlite3_bind_int(st, 10, l->lvm);
}

/* Bind l to sl_put_sql's statement and run it: SQLITE_DONE when stored. */
static int sl_put_step(sqlite3_stmt *st, struct sl_cat_lock *l)
{
	int rc;

	rc = sl_cat_bind_lock(st, l);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		l->id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	return rc;
}

int sl_cat_put(struct sl_cat *c, struct sl_cat_lock *l)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, sl_put_sql, -1, &st, NULL) != SQLITE_OK)
		return sl_fail(c, "preparing an insert");
	rc = sl_put_step(st, l);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sl_fail(c, "storing a lock");
}

static const char sl_gen_get_sql[] =
	"SELECT gen FROM generations WHERE pool = ?1 AND origin = ?2";
static const char sl_gen_put_sql[] =
	"INSERT OR REPLACE INTO generations(pool, origin, gen) VALUES(?1, ?2, ?3)";

int sl_cat_next_generation(struct sl_cat *c, const char *pool,
			   const char *origin, uint64_t floor, uint64_t *gen)
{
	sqlite3_stmt *st = NULL;
	uint64_t last = 0;
	int rc;

	if (sqlite3_prepare_v2(c->db, sl_gen_get_sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		/* Stored as SQLite's signed integer, bit for bit. */
		last = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	/* The kernel takes no generation above U64_MAX - 1. */
	if (last >= UINT64_MAX - 1 || floor == UINT64_MAX) {
		snprintf(c->error, sizeof(c->error),
			 "catalog %s: the lock set of %s on pool %s is at the last generation; 'softlock mirror destroy' of its relationship lets it start over",
			 c->path, origin, pool);
		return -ERANGE;
	}
	*gen = last + 1 > floor ? last + 1 : floor;
	if (sqlite3_prepare_v2(c->db, sl_gen_put_sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)*gen) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	rc = sl_fail(c, "recording a lock set's generation");
	sqlite3_finalize(st);
	return rc;
}

int sl_cat_del(struct sl_cat *c, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, "DELETE FROM locks WHERE id = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return sl_fail(c, "preparing a delete");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sl_fail(c, "removing a lock");
}

void sl_cat_col(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

int sl_cat_each(struct sl_cat *c,
		int (*fn)(const struct sl_cat_lock *l, void *arg), void *arg)
{
	static const char sql[] =
		"SELECT id, snap, pool, pcpi, type, text, dataset, origin,"
		" created, expires, lvm FROM locks ORDER BY pool, pcpi, id";
	struct sl_cat_lock l;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sl_fail(c, "reading the locks");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&l, 0, sizeof(l));
		l.id = sqlite3_column_int64(st, 0);
		sl_cat_col(st, 1, l.snap, sizeof(l.snap));
		sl_cat_col(st, 2, l.pool, sizeof(l.pool));
		l.pcpi = sqlite3_column_int64(st, 3);
		l.type = sqlite3_column_int64(st, 4);
		sl_cat_col(st, 5, l.text, sizeof(l.text));
		sl_cat_col(st, 6, l.dataset, sizeof(l.dataset));
		sl_cat_col(st, 7, l.origin, sizeof(l.origin));
		l.created = sqlite3_column_int64(st, 8);
		l.expires = sqlite3_column_int64(st, 9);
		l.lvm = sqlite3_column_int(st, 10);
		ret = fn(&l, arg);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sl_fail(c, "reading the locks");
	sqlite3_finalize(st);
	return ret;
}

int sl_cat_set_activated(struct sl_cat *c, const char *snap, bool on)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(c->db, on ?
				"INSERT OR IGNORE INTO activated VALUES(?1)" :
				"DELETE FROM activated WHERE snap = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sl_fail(c, "preparing an activation record");
	sqlite3_bind_text(st, 1, snap, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sl_fail(c, "recording an activation");
}

int sl_cat_activated(struct sl_cat *c, const char *snap)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM activated WHERE snap = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return sl_fail(c, "reading activations");
	sqlite3_bind_text(st, 1, snap, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sl_fail(c, "reading activations");
}

struct sl_load {
	struct sl_cat_lock *v;
	size_t n, cap;
};

static int sl_load_one(const struct sl_cat_lock *l, void *arg)
{
	struct sl_load *ld = arg;
	struct sl_cat_lock *p;

	if (ld->n == ld->cap) {
		p = reallocarray(ld->v, ld->cap * 2 + 64, sizeof(*p));
		if (!p)
			return -ENOMEM;
		ld->v = p;
		ld->cap = ld->cap * 2 + 64;
	}
	ld->v[ld->n++] = *l;
	return 0;
}

int sl_cat_load(struct sl_cat *c, struct sl_cat_lock **locks, size_t *n)
{
	struct sl_load ld = { 0 };
	int rc = sl_cat_each(c, sl_load_one, &ld);

	if (rc == -ENOMEM)
		snprintf(c->error, sizeof(c->error), "catalog %s: out of memory",
			 c->path);
	if (rc) {
		free(ld.v);
		return rc;
	}
	*locks = ld.v;
	*n = ld.n;
	return 0;
}
