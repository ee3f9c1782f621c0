// SPDX-License-Identifier: GPL-2.0
/*
 * A lock-set install in the catalog: replace every lock of one origin on
 * one pool with a new set, and put the old set back when the kernel
 * refuses the new one.
 *
 * A mirror sends its whole set each time, and most of it is the set it
 * sent before. Deleting all the origin's rows and inserting them again
 * wrote every row and its index entry twice (9 s for 16,384 rows in the
 * TCG guest); so a replace writes only the difference. The origin's rows
 * are read in key order, the new set is sorted the same way, and the two
 * are merged: a key in both keeps its row and id (updated in place when
 * its snapshot, dataset, lease or LVM flag changed; its created time stays
 * that of the lock's first install), a key only in the old set is deleted,
 * one only in the new set inserted.
 *
 * For sl_cat_restore_origin(), the same transaction records in this
 * connection's temp tables the old rows it deleted or updated
 * (temp.replaced) and the ids it inserted (temp.added): restoring deletes
 * those ids and puts the old rows back, ids and all. An origin that had
 * no rows (a new one: all of a large set is new) records the one id 0,
 * which no row has, instead: every row of the origin is new, and
 * restoring deletes them all; noting 16,384 ids one by one cost a tenth of
 * such an install under TCG. Temp tables are transactional, so a replace
 * that rolls back leaves the last one's record.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "catalog.h"

/* A row of the origin as the catalog holds it. */
static const char sl_old_sql[] =
	"SELECT id, snap, pcpi, type, text, dataset, expires, lvm FROM locks"
	" WHERE pool = ?1 AND origin = ?2 ORDER BY pcpi, type, text";
static const char sl_temp_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS replaced AS SELECT * FROM locks WHERE 0;"
	"CREATE TEMP TABLE IF NOT EXISTS added(id INTEGER PRIMARY KEY);";
static const char sl_temp_clear_sql[] =
	"DELETE FROM temp.replaced; DELETE FROM temp.added;";
static const char sl_keep_sql[] =
	"INSERT INTO temp.replaced SELECT * FROM locks WHERE id = ?1";
static const char sl_del_sql[] = "DELETE FROM locks WHERE id = ?1";
static const char sl_upd_sql[] =
	"UPDATE locks SET snap = ?2, dataset = ?3, expires = ?4, lvm = ?5"
	" WHERE id = ?1";
static const char sl_ins_sql[] =
	"INSERT INTO locks(snap, pool, pcpi, type, text, dataset, origin,"
	" created, expires, lvm) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sl_added_sql[] = "INSERT INTO temp.added VALUES(?1)";
static const char sl_restore_del_sql[] =
	"DELETE FROM locks WHERE pool = ?1 AND origin = ?2"
	" AND (id IN (SELECT id FROM temp.added)"
	" OR EXISTS (SELECT 1 FROM temp.added WHERE id = 0))";
static const char sl_restore_put_sql[] =
	"INSERT OR REPLACE INTO locks SELECT * FROM temp.replaced"
	" WHERE pool = ?1 AND origin = ?2";

enum { SL_KEEP, SL_DEL, SL_UPD, SL_INS, SL_ADDED, SL_NST };
static const char *const sl_sqls[SL_NST] = {
	sl_keep_sql, sl_del_sql, sl_upd_sql, sl_ins_sql, sl_added_sql,
};

/* The key's order, SQLite's BINARY collation for text: memcmp, as strcmp. */
static int sl_key_cmp(const struct sl_cat_lock *a, const struct sl_cat_lock *b)
{
	if (a->pcpi != b->pcpi)
		return a->pcpi < b->pcpi ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return strcmp(a->text, b->text);
}

/* By key, then by place in the set: the last of equal keys is the later. */
static int sl_ptr_cmp(const void *x, const void *y)
{
	const struct sl_cat_lock *a = *(const struct sl_cat_lock *const *)x;
	const struct sl_cat_lock *b = *(const struct sl_cat_lock *const *)y;
	int d = sl_key_cmp(a, b);

	return d ? d : (a < b ? -1 : a > b);
}

static void sl_row(sqlite3_stmt *st, struct sl_cat_lock *l)
{
	l->id = sqlite3_column_int64(st, 0);
	sl_cat_col(st, 1, l->snap, sizeof(l->snap));
	l->pcpi = (uint32_t)sqlite3_column_int64(st, 2);
	l->type = (uint32_t)sqlite3_column_int64(st, 3);
	sl_cat_col(st, 4, l->text, sizeof(l->text));
	sl_cat_col(st, 5, l->dataset, sizeof(l->dataset));
	l->expires = sqlite3_column_int64(st, 6);
	l->lvm = sqlite3_column_int(st, 7) != 0;
}

/* The origin's rows in key order, into *old (to be freed). */
static int sl_load_old(sqlite3 *db, const char *pool, const char *origin,
		       struct sl_cat_lock **old, size_t *n)
{
	struct sl_cat_lock *v = NULL, *nv;
	size_t cap = 0, k = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sl_old_sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		sl_row(st, &v[k++]);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
	}
	*old = v;
	*n = k;
	return 0;
}

/* Run st with id bound, reset for its next use: SQLITE_DONE when done. */
static int sl_step_id(sqlite3_stmt *st, int64_t id)
{
	int rc = sqlite3_bind_int64(st, 1, id);

	rc = rc ?: sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

/* Record the old row id for a restore, then delete it. */
static int sl_remove(sqlite3_stmt **st, int64_t id)
{
	int rc = sl_step_id(st[SL_KEEP], id);

	return rc == SQLITE_DONE ? sl_step_id(st[SL_DEL], id) : rc;
}

/* The row old becomes l: updated in place when it differs. */
static int sl_keep(sqlite3_stmt **st, const struct sl_cat_lock *old,
		   struct sl_cat_lock *l)
{
	sqlite3_stmt *u = st[SL_UPD];
	int rc;

	l->id = old->id;
	if (!strcmp(old->snap, l->snap) && !strcmp(old->dataset, l->dataset) &&
	    old->expires == l->expires && old->lvm == l->lvm)
		return SQLITE_DONE;
	rc = sl_step_id(st[SL_KEEP], old->id);
	if (rc != SQLITE_DONE)
		return rc;
	rc = sqlite3_bind_int64(u, 1, old->id);
	rc = rc ?: sqlite3_bind_text(u, 2, l->snap, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_text(u, 3, l->dataset, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_int64(u, 4, l->expires);
	rc = rc ?: sqlite3_bind_int(u, 5, l->lvm);
	rc = rc ?: sqlite3_step(u);
	sqlite3_reset(u);
	return rc;
}

/* Insert l; note its id for a restore when record is set. */
static int sl_insert(sqlite3_stmt **st, struct sl_cat_lock *l, bool record)
{
	sqlite3_stmt *s = st[SL_INS];
	int rc;

	rc = sl_cat_bind_lock(s, l);
	rc = rc ?: sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return rc;
	l->id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
	return record ? sl_step_id(st[SL_ADDED], l->id) : SQLITE_DONE;
}

/*
 * Merge old (key order) with the new set's pointers (key order, equal
 * keys in set order): of equal keys in the set the last is stored, the
 * way an upsert of each in turn would leave it, and all get its id.
 */
static int sl_merge(sqlite3_stmt **st, struct sl_cat_lock *old, size_t no,
		    struct sl_cat_lock **nw, size_t nn)
{
	size_t i = 0, j = 0, e;
	int rc = SQLITE_DONE, d;

	if (!no && nn)
		rc = sl_step_id(st[SL_ADDED], 0);	/* all of it is new */

	while (rc == SQLITE_DONE && (i < no || j < nn)) {
		if (j == nn) {
			rc = sl_remove(st, old[i++].id);
			continue;
		}
		for (e = j; e + 1 < nn && !sl_key_cmp(nw[e], nw[e + 1]); e++)
			;
		d = i < no ? sl_key_cmp(&old[i], nw[e]) : 1;
		if (d < 0) {
			rc = sl_remove(st, old[i++].id);
			continue;
		}
		rc = d ? sl_insert(st, nw[e], no != 0) : sl_keep(st, &old[i++], nw[e]);
		for (; j < e; j++)
			nw[j]->id = nw[e]->id;
		j = e + 1;
	}
	return rc;
}

int sl_cat_replace_origin(struct sl_cat *c, const char *pool,
			  const char *origin, struct sl_cat_lock *locks,
			  size_t n)
{
	sqlite3 *db = sl_cat_sqlite(c);
	sqlite3_stmt *st[SL_NST] = { NULL };
	struct sl_cat_lock *old = NULL, **nw;
	int64_t *ids;
	size_t no = 0, i;
	int rc;

	for (i = 0; i < n; i++) {
		if (strcmp(locks[i].pool, pool) || strcmp(locks[i].origin, origin)) {
			sl_cat_set_error(c, "catalog %s: lock %zu of the set for origin %s on pool %s names origin %s on pool %s",
					 sl_cat_path(c), i, origin, pool,
					 locks[i].origin, locks[i].pool);
			return -EINVAL;
		}
	}
	/* The ids as they were, for a failure to leave locks unchanged. */
	ids = calloc(n ? n : 1, sizeof(*ids));
	nw = calloc(n ? n : 1, sizeof(*nw));
	if (!ids || !nw) {
		free(ids);
		free(nw);
		sl_cat_set_error(c, "catalog %s: out of memory for a lock set of %zu locks",
				 sl_cat_path(c), n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ids[i] = locks[i].id;
		nw[i] = &locks[i];
	}
	qsort(nw, n, sizeof(*nw), sl_ptr_cmp);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sl_cat_fail(c, "starting a transaction");
		free(ids);
		free(nw);
		return rc;
	}
	if (sqlite3_exec(db, sl_temp_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sl_temp_clear_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = sl_cat_fail(c, "keeping the lock set replaced");
		goto fail;
	}
	rc = sl_load_old(db, pool, origin, &old, &no);
	if (rc) {
		if (rc == -EIO)
			rc = sl_cat_fail(c, "reading a lock set");
		else
			sl_cat_set_error(c, "catalog %s: out of memory reading a lock set",
					 sl_cat_path(c));
		goto fail;
	}
	for (i = 0; i < SL_NST; i++) {
		if (sqlite3_prepare_v2(db, sl_sqls[i], -1, &st[i],
				       NULL) != SQLITE_OK) {
			rc = sl_cat_fail(c, "preparing a lock-set replacement");
			goto fail;
		}
	}
	if (sl_merge(st, old, no, nw, n) != SQLITE_DONE) {
		rc = sl_cat_fail(c, "storing a lock set");
		goto fail;
	}
	for (i = 0; i < SL_NST; i++) {
		sqlite3_finalize(st[i]);
		st[i] = NULL;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sl_cat_fail(c, "committing a lock set");
		goto fail;
	}
	free(old);
	free(ids);
	free(nw);
	return 0;
fail:
	for (i = 0; i < SL_NST; i++)
		sqlite3_finalize(st[i]);
	/* After sl_cat_fail: ROLLBACK would replace SQLite's message. */
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < n; i++)
		locks[i].id = ids[i];
	free(old);
	free(ids);
	free(nw);
	return rc;
}

/* Run sql with (pool, origin) bound: SQLITE_DONE when done. */
static int sl_step_origin(sqlite3 *db, const char *sql, const char *pool,
			  const char *origin)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	rc = sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
	rc = rc ?: sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

int sl_cat_restore_origin(struct sl_cat *c, const char *pool,
			  const char *origin)
{
	sqlite3 *db = sl_cat_sqlite(c);
	int rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sl_cat_fail(c, "starting a transaction");
	/*
	 * Once restored the record is cleared: a second restore must not
	 * delete an id a later insert was given again.
	 */
	if (sqlite3_exec(db, sl_temp_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sl_step_origin(db, sl_restore_del_sql, pool, origin) != SQLITE_DONE ||
	    sl_step_origin(db, sl_restore_put_sql, pool, origin) != SQLITE_DONE ||
	    sqlite3_exec(db, sl_temp_clear_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = sl_cat_fail(c, "restoring a lock set");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sl_cat_fail(c, "committing a restored lock set");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}
