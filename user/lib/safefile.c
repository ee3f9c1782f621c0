// SPDX-License-Identifier: GPL-2.0
/*
 * Files the helper trusts or writes as root: see safefile.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"

int sl_file_trusted(const struct stat *st, const char *what, const char *path,
		    bool secret, char *err, size_t errlen)
{
	bool owner_ok = st->st_uid == 0 || st->st_uid == geteuid();

	/* ssh's rule: a key others can read is not a secret any more. */
	if (secret && owner_ok && (st->st_mode & 077)) {
		snprintf(err, errlen, "%s %s can be read by others than its owner: run 'chmod 600 %s'",
			 what, path, path);
		return -EPERM;
	}
	if (secret && !owner_ok) {
		snprintf(err, errlen, "%s %s belongs to uid %u, not root: its owner can read and replace it: run 'chown root %s'",
			 what, path, (unsigned int)st->st_uid, path);
		return -EPERM;
	}
	/* Group-writable too: a group is others than the owner. */
	if (!secret && (!owner_ok || (st->st_mode & 022))) {
		snprintf(err, errlen, "%s %s can be changed by others than its owner (root): run 'chown root %s; chmod go-w %s'",
			 what, path, path, path);
		return -EPERM;
	}
	return 0;
}

int sl_file_open_trusted(const char *path, const char *what, size_t max,
			 const char *hint, struct stat *stp, char *err,
			 size_t errlen)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s %s: %s%s", what, path,
			 strerror(errno), rc == -ENOENT && hint ? hint : "");
		return rc;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > max) {
		close(fd);
		snprintf(err, errlen, "%s %s is not a regular file of at most %zu KiB",
			 what, path, max >> 10);
		return -EINVAL;
	}
	rc = sl_file_trusted(&st, what, path, false, err, errlen);
	if (rc) {
		close(fd);
		return rc;
	}
	if (stp)
		*stp = st;
	return fd;
}

int sl_file_replace(const char *path, const void *buf, size_t len,
		    mode_t mode, char *err, size_t errlen)
{
	const char *p = buf;
	char tmp[4200], name[4200];
	size_t off = 0;
	ssize_t n;
	int fd, rc;

	/* FILE.tmp.XXXXXX: not *.prom, which a textfile collector reads. */
	if (snprintf(name, sizeof(name), "%s.tmp.XXXXXX", path) >= (int)sizeof(name)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(tmp, name, sizeof(tmp));
	/* O_CREAT | O_EXCL: a name that exists, a link too, is not opened. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s (does its directory exist and can root write it?)",
			 name, strerror(errno));
		return rc;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += n;
	}
	/* Not mkstemp's 0600: the reader may run as another user. */
	if (off < len || fchmod(fd, mode) || fsync(fd)) {
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -EIO;
	}
	if (close(fd) || rename(tmp, path)) {
		snprintf(err, errlen, "replacing %s with %s: %s", path, tmp,
			 strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}
