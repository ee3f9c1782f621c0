/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files the helper trusts or writes as root. A file whose content root
 * acts on (the peers file; softlock.conf, whose exec: endpoints run
 * through a shell) must be nobody else's to change, a key nobody else's
 * to read; a file written for others to read (the metrics) replaces the
 * old one without following a link someone planted where it is written.
 */
#ifndef SL_SAFEFILE_H
#define SL_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * Whether st, the file WHAT at PATH, is root's (or the running user's)
 * and, with secret, readable by its owner alone, else writable by its
 * owner alone. 0, or -EPERM with err saying what to run.
 */
int sl_file_trusted(const struct stat *st, const char *what, const char *path,
		    bool secret, char *err, size_t errlen);

/*
 * Open WHAT at PATH for reading: a regular file of at most max bytes, not
 * a symbolic link, that sl_file_trusted accepts; *st (when not NULL) is
 * what it is. A file descriptor, or -errno with err saying why (hint
 * added when it does not exist).
 */
int sl_file_open_trusted(const char *path, const char *what, size_t max,
			 const char *hint, struct stat *st, char *err,
			 size_t errlen);

/*
 * Replace PATH with len bytes of buf, mode mode: written to a new file of
 * a random name beside it (PATH.tmp.XXXXXX by mkstemp: never an existing
 * file or link),
 * synced, then renamed over PATH, so a reader sees the old file or the
 * new one, whole. 0, or -errno with err saying what failed.
 */
int sl_file_replace(const char *path, const void *buf, size_t len,
		    mode_t mode, char *err, size_t errlen);

#endif /* SL_SAFEFILE_H */
