/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A dm-thin pool's metadata snapshot, shared fairly: reading a live pool's
 * mappings (thin_delta, thin_dump, thin_ls) needs the pool's one metadata
 * snapshot reserved, and a second reservation fails with EBUSY. softlock's
 * users of a pool take its lock file first, so they wait for each other.
 */
#ifndef SL_POOL_H
#define SL_POOL_H

#include <stddef.h>

#include "../lib/run.h"

#define SL_POOL_LOCK_DIR "/run/softlock"

/*
 * The lock file of the pool whose thin-pool target has the DM name tpool
 * (NAME or /dev/mapper/NAME): SL_POOL_LOCK_DIR/pool-NAME.lock. -EINVAL for
 * a name device-mapper would not have, or one starting with '-'.
 */
int sl_pool_lock_path(const char *tpool, char *path, size_t size);

/*
 * Run argv with the pool's metadata snapshot reserved: wait for the pool's
 * lock (never fail because another softlock user holds it), reserve, run,
 * release on every path. *out gets the program's stdout, to free. A
 * reservation a softlock process left behind when it died is released
 * first; one made by another program is left alone: -EBUSY. 0, or -errno
 * with a message in err.
 */
int sl_pool_snap_run(const char *tpool, const char *const argv[], char **out,
		     char *err, size_t errlen);
/*
 * The same, with stdout handed to sink as it arrives (see sl_run_stream):
 * the snapshot stays reserved until the tool has printed everything. The
 * sink's error is returned as it is, err left empty for the caller to
 * fill.
 */
int sl_pool_snap_stream(const char *tpool, const char *const argv[],
			sl_run_sink sink, void *arg, char *err, size_t errlen);

#endif /* SL_POOL_H */
