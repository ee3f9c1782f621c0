/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The catalog: every lock the helper installed, persisted in SQLite (WAL,
 * synchronous=FULL so a commit is on disk when it returns).
 */
#ifndef SL_CATALOG_H
#define SL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_CATALOG_DEFAULT "/var/lib/softlock/softlock.db"

struct sl_cat;

struct sl_cat_lock {
	int64_t id;		/* row id, set by sl_cat_put() */
	char snap[300];		/* VG/LV or /dev/mapper/POOL#ID */
	char pool[130];		/* kernel pool identity */
	uint32_t pcpi;
	uint32_t type;
	char text[256];
	char dataset[256];
	char origin[64];
	int64_t created;
	int64_t expires;	/* 0: never */
	bool lvm;		/* snap names an LVM volume (pinned when held) */
};

/* Open (creating) the catalog at path; err says what failed and what to do. */
int sl_cat_open(const char *path, struct sl_cat **c, char *err, size_t errlen);
void sl_cat_close(struct sl_cat *c);
const char *sl_cat_error(const struct sl_cat *c);
/* The file it was opened from (files beside it are named after it). */
const char *sl_cat_path(const struct sl_cat *c);

/*
 * Insert a lock, or update the one with the same (pool, pcpi, type, text,
 * origin): committed and synced on return. l->id is set.
 */
int sl_cat_put(struct sl_cat *c, struct sl_cat_lock *l);
int sl_cat_del(struct sl_cat *c, int64_t id);
/* Call fn for every lock, ordered by pool, pcpi, id; fn != 0 stops. */
int sl_cat_each(struct sl_cat *c,
		int (*fn)(const struct sl_cat_lock *l, void *arg), void *arg);
/* Every lock in one array (to be freed), for changes while walking. */
int sl_cat_load(struct sl_cat *c, struct sl_cat_lock **locks, size_t *n);

/* Snapshots the helper activated itself, to deactivate on last release. */
int sl_cat_set_activated(struct sl_cat *c, const char *snap, bool on);
int sl_cat_activated(struct sl_cat *c, const char *snap);	/* 1, 0, -err */

/*
 * One writer at a time. A change of the catalog together with the kernel
 * (a hold, a release, an expiry, a lock-set install, a retention drop, a
 * restore) reads the catalog, commits to it (catalog first), then changes
 * the kernel; another process doing the same in between would act on what
 * it read before, and could remove from the kernel a lock just renewed.
 * So that whole sequence runs between sl_cat_writer_begin() and
 * sl_cat_writer_end(): an exclusive flock(2) on the catalog file, waited
 * for, released by _end or when the process dies. Calls nest. Readers
 * that compare the catalog with the kernel (verify) take it too.
 */
int sl_cat_writer_begin(struct sl_cat *c);
void sl_cat_writer_end(struct sl_cat *c);

/*
 * Replace every lock of origin on pool with locks[0..n) in one
 * transaction (n may be 0): the lock-set install of a mirror relationship.
 * Every lock must name that pool and origin (-EINVAL otherwise). Sets each
 * lock's id. Only the difference is written (catalog_lockset.c): a lock
 * whose key the origin has already keeps its row, id and created time
 * (its snapshot, dataset, lease and LVM flag updated when they differ).
 * On failure nothing changed.
 */
int sl_cat_replace_origin(struct sl_cat *c, const char *pool,
			  const char *origin, struct sl_cat_lock *locks,
			  size_t n);
/*
 * Put back the locks of origin on pool that this handle's last
 * sl_cat_replace_origin() of them replaced, with their ids: when the
 * kernel refuses the set the catalog recorded first. On failure nothing
 * changed.
 */
int sl_cat_restore_origin(struct sl_cat *c, const char *pool,
			  const char *origin);

/*
 * The kernel generation for the next set of origin on pool: one above the
 * last this catalog gave it, and at least floor (the kernel's own plus
 * one, when the kernel holds a newer set than the catalog knows of). This
 * host assigns them: a peer's clock has no say in the order of its sets.
 * Recorded at once, so generations only grow, across restarts too.
 * -ERANGE when the set is at the kernel's last generation.
 */
int sl_cat_next_generation(struct sl_cat *c, const char *pool,
			   const char *origin, uint64_t floor, uint64_t *gen);

/*
 * For the mirror's tables in the same file (mirror/mstore.c): the SQLite
 * handle, and the error reporting the catalog's own calls use, so that
 * sl_cat_error() describes their failures too. sl_cat_fail records that
 * what failed with SQLite's message and returns -EIO.
 */
struct sqlite3;
struct sqlite3 *sl_cat_sqlite(struct sl_cat *c);
int sl_cat_fail(struct sl_cat *c, const char *what);
void sl_cat_set_error(struct sl_cat *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Column i of a row of st as text into dst ("" for NULL), cut to size. */
struct sqlite3_stmt;
void sl_cat_col(struct sqlite3_stmt *st, int i, char *dst, size_t size);
/*
 * Bind l as ?1..?10: snap, pool, pcpi, type, text, dataset, origin,
 * created, expires, lvm (the locks table's columns after id). SQLITE_OK
 * or SQLite's error; the strings are l's (SQLITE_STATIC).
 */
int sl_cat_bind_lock(struct sqlite3_stmt *st, const struct sl_cat_lock *l);

#endif /* SL_CATALOG_H */
