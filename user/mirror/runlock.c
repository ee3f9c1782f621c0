// SPDX-License-Identifier: GPL-2.0
/* The per-relationship run lock: see runlock.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runlock.h"

/* CATALOG.run.ROLE.NAME, NAME's bytes outside [A-Za-z0-9_-] as %XX. */
static int sl_runlock_path(struct sl_cat *c, const char *rel,
			   const char *role, char *path, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n;
	int len;

	len = snprintf(path, size, "%s.run.%s.", sl_cat_path(c), role);
	if (len < 0 || (size_t)len >= size)
		return -ENAMETOOLONG;
	for (n = len; *rel; rel++) {
		unsigned char b = *rel;

		if (n + 4 > size)
			return -ENAMETOOLONG;
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
		    (b >= '0' && b <= '9') || b == '_' || b == '-') {
			path[n++] = b;
		} else {
			path[n++] = '%';
			path[n++] = hex[b >> 4];
			path[n++] = hex[b & 15];
		}
	}
	path[n] = '\0';
	return 0;
}

int sl_runlock_take(struct sl_cat *c, const char *rel, const char *role,
		    int *fd, pid_t *holder, char *err, size_t errlen)
{
	struct flock fl;
	char path[4400];
	int rc, tries;

	*fd = -1;
	*holder = 0;
	rc = sl_runlock_path(c, rel, role, path, sizeof(path));
	if (rc) {
		snprintf(err, errlen, "relationship %s: the path of its run lock beside catalog %s is too long",
			 rel, sl_cat_path(c));
		return rc;
	}
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "relationship %s: cannot open its run lock %s: %s",
			 rel, path, strerror(-rc));
		return rc;
	}
	/*
	 * A holder that lets go between our F_SETLK and F_GETLK leaves the
	 * lock free: take it then. Three rounds bound a run of such luck.
	 */
	for (tries = 0; tries < 3; tries++) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (!fcntl(*fd, F_SETLK, &fl))
			return 0;
		if (errno != EAGAIN && errno != EACCES)
			break;
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(*fd, F_GETLK, &fl))
			break;
		if (fl.l_type != F_UNLCK) {
			close(*fd);
			*fd = -1;
			*holder = fl.l_pid;
			return -EBUSY;
		}
	}
	rc = errno ? -errno : -EAGAIN;
	snprintf(err, errlen, "relationship %s: cannot lock %s: %s", rel,
		 path, strerror(-rc));
	close(*fd);
	*fd = -1;
	return rc;
}
