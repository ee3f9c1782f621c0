/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' catalog: a new directory under /tmp with a catalog in
 * it, and its removal. Each test file keeps its FIXTURE(cat) and calls
 * these from its setup and teardown.
 */
#ifndef SL_TESTS_CAT_FIXTURE_H
#define SL_TESTS_CAT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "../catalog/catalog.h"

/*
 * dir: /tmp/PREFIX-XXXXXX made anew; path: DB inside it (DB may name a
 * subdirectory, which the catalog creates); *c: the catalog opened there.
 * 0, or -1 with err saying why.
 */
static inline int sl_test_cat_open(char *dir, size_t dirlen, char *path,
				   size_t pathlen, const char *prefix,
				   const char *db, struct sl_cat **c,
				   char *err, size_t errlen)
{
	snprintf(dir, dirlen, "/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "mkdtemp %s failed", dir);
		return -1;
	}
	snprintf(path, pathlen, "%s/%s", dir, db);
	return sl_cat_open(path, c, err, errlen) ? -1 : 0;
}

/* Close c and remove dir with everything in it: 0, or -1. */
static inline int sl_test_cat_remove(struct sl_cat *c, const char *dir)
{
	char cmd[160];

	sl_cat_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

#endif
