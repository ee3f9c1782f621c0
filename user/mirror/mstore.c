// SPDX-License-Identifier: GPL-2.0
/*
 * The mirror's tables in the catalog's SQLite file. Like the catalog's own
 * calls, each is one autocommitted statement (synchronous=FULL: on disk on
 * return) and every failure leaves its description in sl_cat_error().
 * Specs are stored as given: callers store and look up the canonical form
 * (sl_endpoint_format) so that one endpoint has one spelling.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "mstore.h"

static const char sl_mstore_schema[] =
	"CREATE TABLE IF NOT EXISTS relationships("
	" name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 63),"
	" src TEXT NOT NULL CHECK (length(src) > 0),"
	" dst TEXT NOT NULL CHECK (length(dst) > 0),"
	" created INTEGER NOT NULL,"
	" last_time INTEGER NOT NULL DEFAULT 0,"
	" last_result TEXT NOT NULL DEFAULT '',"
	" last_bytes INTEGER NOT NULL DEFAULT 0,"
	" last_ms INTEGER NOT NULL DEFAULT 0,"
	" last_snapshot TEXT NOT NULL DEFAULT '',"
	" last_gid TEXT NOT NULL DEFAULT '',"
	" keep INTEGER NOT NULL DEFAULT 0 CHECK (keep >= 0),"
	" lease INTEGER NOT NULL DEFAULT 0 CHECK (lease >= 0),"
	" ok_time INTEGER NOT NULL DEFAULT 0,"
	" ok_start INTEGER NOT NULL DEFAULT 0,"
	" follow INTEGER NOT NULL DEFAULT 0 CHECK (follow IN (0, 1)));"
	"CREATE TABLE IF NOT EXISTS checkpoints("
	" relationship TEXT PRIMARY KEY,"
	" gid TEXT NOT NULL,"
	" base_gid TEXT NOT NULL DEFAULT '',"
	" part_lv TEXT NOT NULL,"
	" flushed INTEGER NOT NULL CHECK (flushed >= 0),"
	" bytes INTEGER NOT NULL CHECK (bytes >= 0));";

#define SL_REL_COLS "name, src, dst, created, last_time, last_result," \
		    " last_bytes, last_ms, last_snapshot, last_gid, keep, lease," \
		    " ok_time, ok_start, follow"

/* Columns added since the first release, each with what it defaults to. */
static const struct {
	const char *name, *def, *what;
} sl_mstore_added[] = {
	{ "lease", "INTEGER NOT NULL DEFAULT 0 CHECK (lease >= 0)", "lease" },
	{ "ok_time", "INTEGER NOT NULL DEFAULT 0", "last success" },
	{ "ok_start", "INTEGER NOT NULL DEFAULT 0", "last success" },
	{ "follow", "INTEGER NOT NULL DEFAULT 0 CHECK (follow IN (0, 1))",
	  "destination retention" },
};

int sl_mstore_init(struct sl_cat *c)
{
	sqlite3 *db = sl_cat_sqlite(c);
	char sql[256];
	sqlite3_stmt *st;
	size_t i;

	if (sqlite3_exec(db, sl_mstore_schema, NULL, NULL, NULL) != SQLITE_OK)
		return sl_cat_fail(c, "creating the mirror tables");
	/* A catalog from before a column: add it, nothing lost. */
	for (i = 0; i < sizeof(sl_mstore_added) / sizeof(sl_mstore_added[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT %s FROM relationships",
			 sl_mstore_added[i].name);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			sqlite3_finalize(st);
			continue;
		}
		snprintf(sql, sizeof(sql),
			 "ALTER TABLE relationships ADD COLUMN %s %s",
			 sl_mstore_added[i].name, sl_mstore_added[i].def);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(sql, sizeof(sql),
				 "adding the %s column to the mirror tables",
				 sl_mstore_added[i].what);
			return sl_cat_fail(c, sql);
		}
	}
	return 0;
}

static int sl_prepare(struct sl_cat *c, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(sl_cat_sqlite(c), sql, -1, st, NULL) ==
	    SQLITE_OK)
		return 0;
	*st = NULL;
	return sl_cat_fail(c, "preparing a mirror statement");
}

static int sl_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Step st, which changes rows: 0, or -ENOENT when it changed none. */
static int sl_change(struct sl_cat *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sl_cat_fail(c, what);
	return sqlite3_changes(sl_cat_sqlite(c)) ? 0 : -ENOENT;
}

static void sl_rel_row(sqlite3_stmt *st, struct sl_relationship *r)
{
	memset(r, 0, sizeof(*r));
	sl_cat_col(st, 0, r->name, sizeof(r->name));
	sl_cat_col(st, 1, r->src, sizeof(r->src));
	sl_cat_col(st, 2, r->dst, sizeof(r->dst));
	r->created = sqlite3_column_int64(st, 3);
	r->last_time = sqlite3_column_int64(st, 4);
	sl_cat_col(st, 5, r->last_result, sizeof(r->last_result));
	r->last_bytes = sqlite3_column_int64(st, 6);
	r->last_ms = sqlite3_column_int64(st, 7);
	sl_cat_col(st, 8, r->last_snapshot, sizeof(r->last_snapshot));
	sl_cat_col(st, 9, r->last_gid, sizeof(r->last_gid));
	r->keep = sqlite3_column_int64(st, 10);
	r->lease = sqlite3_column_int64(st, 11);
	r->ok_time = sqlite3_column_int64(st, 12);
	r->ok_start = sqlite3_column_int64(st, 13);
	r->follow = sqlite3_column_int64(st, 14);
}

/* Bind the fifteen columns of r in SL_REL_COLS order. */
static int sl_rel_bind(sqlite3_stmt *st, const struct sl_relationship *r)
{
	int rc;

	rc = sl_text(st, 1, r->name);
	rc = rc ?: sl_text(st, 2, r->src);
	rc = rc ?: sl_text(st, 3, r->dst);
	rc = rc ?: sqlite3_bind_int64(st, 4, r->created);
	rc = rc ?: sqlite3_bind_int64(st, 5, r->last_time);
	rc = rc ?: sl_text(st, 6, r->last_result);
	rc = rc ?: sqlite3_bind_int64(st, 7, (int64_t)r->last_bytes);
	rc = rc ?: sqlite3_bind_int64(st, 8, (int64_t)r->last_ms);
	rc = rc ?: sl_text(st, 9, r->last_snapshot);
	rc = rc ?: sl_text(st, 10, r->last_gid);
	rc = rc ?: sqlite3_bind_int64(st, 11, r->keep);
	rc = rc ?: sqlite3_bind_int64(st, 12, r->lease);
	rc = rc ?: sqlite3_bind_int64(st, 13, r->ok_time);
	rc = rc ?: sqlite3_bind_int64(st, 14, r->ok_start);
	rc = rc ?: sqlite3_bind_int64(st, 15, r->follow);
	return rc;
}

int sl_rel_add(struct sl_cat *c, const struct sl_relationship *r)
{
	static const char sql[] = "INSERT INTO relationships(" SL_REL_COLS
		") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?15)";
	sqlite3_stmt *st;
	int rc;

	if (!r->name[0] || strlen(r->name) > SL_REL_NAME_MAX || !r->src[0] ||
	    !r->dst[0]) {
		sl_cat_set_error(c,
				 "mirror relationship '%s': a name of 1 to %d bytes, a source and a destination are needed",
				 r->name, SL_REL_NAME_MAX);
		return -EINVAL;
	}
	rc = sl_prepare(c, sql, &st);
	if (rc)
		return rc;
	if (sl_rel_bind(st, r) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a relationship");
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT &&
	    sqlite3_extended_errcode(sl_cat_sqlite(c)) ==
	    SQLITE_CONSTRAINT_PRIMARYKEY) {
		sl_cat_set_error(c,
				 "a mirror relationship named '%s' exists already: choose another name or delete it first",
				 r->name);
		return -EEXIST;
	}
	return rc == SQLITE_DONE ? 0 : sl_cat_fail(c, "adding a relationship");
}

/*
 * Run a SELECT of SL_REL_COLS with key bound to ?1: the first row into r,
 * *rows counted; names of the first few rows into names for messages.
 */
static int sl_rel_query(struct sl_cat *c, const char *sql, const char *key,
			struct sl_relationship *r, int *rows, char *names,
			size_t size)
{
	struct sl_relationship row;
	sqlite3_stmt *st;
	size_t used = 0;
	int rc;

	*rows = 0;
	if (names)
		names[0] = '\0';
	rc = sl_prepare(c, sql, &st);
	if (rc)
		return rc;
	if (sl_text(st, 1, key) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a relationship key");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sl_rel_row(st, &row);
		if (!(*rows)++)
			*r = row;
		if (names && used < size)
			used += snprintf(names + used, size - used, "%s%s",
					 used ? ", " : "", row.name);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sl_cat_fail(c, "reading relationships");
}

int sl_rel_get(struct sl_cat *c, const char *name, struct sl_relationship *r)
{
	static const char sql[] = "SELECT " SL_REL_COLS
		" FROM relationships WHERE name = ?1";
	int rc, rows;

	rc = sl_rel_query(c, sql, name, r, &rows, NULL, 0);
	if (rc)
		return rc;
	if (!rows) {
		sl_cat_set_error(c,
				 "no mirror relationship named '%s' (softlock mirror list shows them)",
				 name);
		return -ENOENT;
	}
	return 0;
}

int sl_rel_find(struct sl_cat *c, const char *key, struct sl_relationship *r)
{
	static const char sql[] = "SELECT " SL_REL_COLS
		" FROM relationships WHERE src = ?1 OR dst = ?1 ORDER BY name";
	char names[512];
	int rc, rows;

	/* A name wins: it is unique, a spec may not be. */
	rc = sl_rel_get(c, key, r);
	if (rc != -ENOENT)
		return rc;
	rc = sl_rel_query(c, sql, key, r, &rows, names, sizeof(names));
	if (rc)
		return rc;
	if (!rows) {
		sl_cat_set_error(c,
				 "no mirror relationship is named '%s' or has it as source or destination",
				 key);
		return -ENOENT;
	}
	if (rows > 1) {
		sl_cat_set_error(c,
				 "%d mirror relationships have '%s' as source or destination (%s): name one",
				 rows, key, names);
		return -EEXIST;
	}
	return 0;
}

int sl_rel_del(struct sl_cat *c, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	rc = sl_prepare(c, "DELETE FROM relationships WHERE name = ?1", &st);
	if (rc)
		return rc;
	if (sl_text(st, 1, name) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a relationship name");
	}
	rc = sl_change(c, st, "deleting a relationship");
	if (rc == -ENOENT)
		sl_cat_set_error(c, "no mirror relationship named '%s'", name);
	return rc;
}

int sl_rel_set_result(struct sl_cat *c, const struct sl_relationship *r)
{
	static const char sql[] =
		"UPDATE relationships SET last_time = ?5, last_result = ?6,"
		" last_bytes = ?7, last_ms = ?8, last_snapshot = ?9,"
		" last_gid = ?10, keep = ?11, lease = ?12, ok_time = ?13,"
		" ok_start = ?14, follow = ?15 WHERE name = ?1";
	sqlite3_stmt *st;
	int rc;

	rc = sl_prepare(c, sql, &st);
	if (rc)
		return rc;
	/* ?2..?4 are unused here: bound anyway, one binder for both. */
	if (sl_rel_bind(st, r) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a relationship");
	}
	rc = sl_change(c, st, "recording an update's result");
	if (rc == -ENOENT)
		sl_cat_set_error(c, "no mirror relationship named '%s'",
				 r->name);
	return rc;
}

int sl_rel_list(struct sl_cat *c, struct sl_relationship **out, size_t *n)
{
	static const char sql[] = "SELECT " SL_REL_COLS
		" FROM relationships ORDER BY name";
	struct sl_relationship *v = NULL, *grown;
	size_t len = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	rc = sl_prepare(c, sql, &st);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			grown = reallocarray(v, cap * 2 + 8, sizeof(*v));
			if (!grown) {
				sqlite3_finalize(st);
				free(v);
				sl_cat_set_error(c, "out of memory");
				return -ENOMEM;
			}
			v = grown;
			cap = cap * 2 + 8;
		}
		sl_rel_row(st, &v[len++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return sl_cat_fail(c, "listing relationships");
	}
	*out = v;
	*n = len;
	return 0;
}

int sl_ckpt_get(struct sl_cat *c, const char *relationship,
		struct sl_checkpoint *k)
{
	static const char sql[] =
		"SELECT relationship, gid, base_gid, part_lv, flushed, bytes"
		" FROM checkpoints WHERE relationship = ?1";
	sqlite3_stmt *st;
	int rc;

	rc = sl_prepare(c, sql, &st);
	if (rc)
		return rc;
	if (sl_text(st, 1, relationship) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a checkpoint key");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(k, 0, sizeof(*k));
		sl_cat_col(st, 0, k->relationship, sizeof(k->relationship));
		sl_cat_col(st, 1, k->gid, sizeof(k->gid));
		sl_cat_col(st, 2, k->base_gid, sizeof(k->base_gid));
		sl_cat_col(st, 3, k->part_lv, sizeof(k->part_lv));
		k->offset = sqlite3_column_int64(st, 4);
		k->bytes = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		sl_cat_set_error(c, "no checkpoint for relationship '%s'",
				 relationship);
		return -ENOENT;
	}
	return rc == SQLITE_ROW ? 0 : sl_cat_fail(c, "reading a checkpoint");
}

int sl_ckpt_put(struct sl_cat *c, const struct sl_checkpoint *k)
{
	static const char sql[] =
		"INSERT INTO checkpoints(relationship, gid, base_gid, part_lv,"
		" flushed, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT(relationship) DO UPDATE SET gid = ?2,"
		" base_gid = ?3, part_lv = ?4, flushed = ?5, bytes = ?6";
	sqlite3_stmt *st;
	int rc;

	rc = sl_prepare(c, sql, &st);
	if (rc)
		return rc;
	rc = sl_text(st, 1, k->relationship);
	rc = rc ?: sl_text(st, 2, k->gid);
	rc = rc ?: sl_text(st, 3, k->base_gid);
	rc = rc ?: sl_text(st, 4, k->part_lv);
	rc = rc ?: sqlite3_bind_int64(st, 5, (int64_t)k->offset);
	rc = rc ?: sqlite3_bind_int64(st, 6, (int64_t)k->bytes);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a checkpoint");
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sl_cat_fail(c, "saving a checkpoint");
}

int sl_ckpt_del(struct sl_cat *c, const char *relationship)
{
	sqlite3_stmt *st;
	int rc;

	rc = sl_prepare(c, "DELETE FROM checkpoints WHERE relationship = ?1",
			&st);
	if (rc)
		return rc;
	if (sl_text(st, 1, relationship) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sl_cat_fail(c, "binding a checkpoint key");
	}
	/* Idempotent: no checkpoint is what the caller wants either way. */
	rc = sl_change(c, st, "deleting a checkpoint");
	return rc == -ENOENT ? 0 : rc;
}
