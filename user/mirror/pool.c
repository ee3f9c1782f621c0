// SPDX-License-Identifier: GPL-2.0
/*
 * Reserving a pool's metadata snapshot under the pool's lock file.
 *
 * The flock waits, so relationships sharing a pool take turns. It also
 * makes one crash recoverable: before reserving, the holder writes
 * "reserved" into the lock file, and clears it once the snapshot is
 * released. Whoever next gets the lock and still finds the word knows a
 * softlock process died holding the snapshot (no live one can be inside),
 * and releases it. A reservation without the word belongs to someone else
 * (an administrator's thin_dump, another tool) and is never released here.
 * The lock file lives on /run, so after a reboot a leftover reservation
 * is reported instead of released.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"
#include "../lib/run.h"

#define SL_MARK "reserved"

/* The DM name in tpool, or NULL when device-mapper would refuse it. */
static const char *sl_pool_name(const char *tpool)
{
	const char *name = tpool, *p;

	if (!strncmp(name, "/dev/mapper/", 12))
		name += 12;
	/* 127: DM_NAME_LEN less the NUL. '-' would read as an option. */
	if (!*name || strlen(name) > 127 || name[0] == '-' ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return NULL;
	for (p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return name;
}

int sl_pool_lock_path(const char *tpool, char *path, size_t size)
{
	const char *name = sl_pool_name(tpool);

	if (!name)
		return -EINVAL;
	if ((size_t)snprintf(path, size, "%s/pool-%s.lock", SL_POOL_LOCK_DIR,
			     name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* dmsetup message NAME 0 MSG: 0, -EBUSY or -EIO with dmsetup's reason. */
static int sl_pool_msg(const char *name, const char *msg, char *why,
		       size_t whylen)
{
	const char *argv[] = { "dmsetup", "message", name, "0", msg, NULL };
	char *errs = NULL;
	int rc;

	rc = sl_run(argv, NULL, &errs);
	if (rc) {
		if (rc < 0 && rc != -ETIMEDOUT)
			snprintf(why, whylen, "cannot run dmsetup: %s",
				 strerror(-rc));
		else if (rc == 127)
			snprintf(why, whylen, "dmsetup not found (install dmsetup)");
		else
			snprintf(why, whylen, "%s", sl_run_why(rc, errs));
		rc = errs && strstr(errs, "busy") ? -EBUSY : -EIO;
	}
	free(errs);
	return rc;
}

static bool sl_marked(int fd)
{
	char buf[sizeof(SL_MARK)];

	return pread(fd, buf, sizeof(SL_MARK) - 1, 0) ==
		       (ssize_t)sizeof(SL_MARK) - 1 &&
	       !memcmp(buf, SL_MARK, sizeof(SL_MARK) - 1);
}

/*
 * Callers ignore failures here: a mark that cannot be written only loses
 * the crash recovery, which must not stop a transfer.
 */
static int sl_mark(int fd, bool on)
{
	char buf[64];
	int n;

	if (ftruncate(fd, 0))
		return -errno;
	if (!on)
		return 0;
	n = snprintf(buf, sizeof(buf), SL_MARK " by pid %d\n", (int)getpid());
	return pwrite(fd, buf, n, 0) == n ? 0 : -EIO;
}

static int sl_pool_lock(const char *name, char *err, size_t errlen)
{
	char path[300];
	int fd, rc;

	rc = sl_pool_lock_path(name, path, sizeof(path));
	if (rc) {
		snprintf(err, errlen, "%s: not a device-mapper name", name);
		return rc;
	}
	if (mkdir(SL_POOL_LOCK_DIR, 0755) && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", SL_POOL_LOCK_DIR,
			 strerror(-rc));
		return rc;
	}
	/* CLOEXEC: a tool that outlived us must not keep the pool locked. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		rc = -errno;
		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

static int sl_tool_failed(const char *tool, int rc, char *errs, char *err,
			  size_t errlen)
{
	if (rc == -ETIMEDOUT)
		snprintf(err, errlen, "%s", sl_run_why(rc, errs));
	else if (rc < 0)
		snprintf(err, errlen, "cannot run %s: %s", tool, strerror(-rc));
	else if (rc == 127)
		snprintf(err, errlen, "%s not found (install thin-provisioning-tools)",
			 tool);
	else if (rc > 128)
		snprintf(err, errlen, "%s was killed by signal %d", tool,
			 rc - 128);
	else
		snprintf(err, errlen, "%s failed (exit status %d): %s", tool, rc,
			 sl_run_why(rc, errs));
	return -EIO;
}

int sl_pool_snap_stream(const char *tpool, const char *const argv[],
			sl_run_sink sink, void *arg, char *err, size_t errlen)
{
	const char *name = sl_pool_name(tpool);
	char why[300], *errs = NULL;
	int fd, rc, rel, sink_rc;

	if (errlen)
		err[0] = '\0';
	if (!name) {
		snprintf(err, errlen, "%s: not a device-mapper name", tpool);
		return -EINVAL;
	}
	fd = sl_pool_lock(name, err, errlen);
	if (fd < 0)
		return fd;
	if (sl_marked(fd)) {
		/* It may be gone already (pool reloaded): nothing to undo. */
		sl_pool_msg(name, "release_metadata_snap", why, sizeof(why));
		sl_mark(fd, false);
	}
	/* Marked before reserving: a death in between must not leak it. */
	sl_mark(fd, true);
	rc = sl_pool_msg(name, "reserve_metadata_snap", why, sizeof(why));
	if (rc) {
		sl_mark(fd, false);
		close(fd);
		if (rc == -EBUSY)
			snprintf(err, errlen,
				 "pool %s: its metadata snapshot is held by another program (%s); softlock releases only its own: once that program is done, 'dmsetup message %s 0 release_metadata_snap'",
				 name, why, name);
		else
			snprintf(err, errlen,
				 "pool %s: cannot reserve the metadata snapshot: %s",
				 name, why);
		return rc;
	}
	rc = sl_run_stream(argv, sink, arg, &sink_rc, &errs);
	if (rc)
		rc = sl_tool_failed(argv[0], rc, errs, err, errlen);
	else
		rc = sink_rc;
	free(errs);
	rel = sl_pool_msg(name, "release_metadata_snap", why, sizeof(why));
	if (rel) {
		/* The mark stays: the next user of the pool releases it. */
		if (rc && errlen)
			snprintf(err + strlen(err), errlen - strlen(err),
				 "; releasing the metadata snapshot failed too: %s",
				 why);
		else
			snprintf(err, errlen,
				 "pool %s: cannot release the metadata snapshot: %s",
				 name, why);
		rc = rc ?: -EIO;
	} else {
		sl_mark(fd, false);
	}
	close(fd);
	return rc;
}

int sl_pool_snap_run(const char *tpool, const char *const argv[], char **out,
		     char *err, size_t errlen)
{
	struct sl_run_buf b = { 0 };
	int rc;

	rc = sl_pool_snap_stream(tpool, argv, sl_run_buf_sink, &b, err,
				 errlen);
	if (!rc && !b.data)
		b.data = calloc(1, 1);
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "%s: out of memory", argv[0]);
	if (rc || !b.data) {
		free(b.data);
		b.data = NULL;
		rc = rc ?: -ENOMEM;
	}
	*out = b.data;
	return rc;
}
