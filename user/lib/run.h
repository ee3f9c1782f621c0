/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting programs: every child softlock starts (LVM, dmsetup, thin_*,
 * a peer's ssh or exec: command, a daemon job) starts through sl_spawn,
 * and the tools whose output we read run through sl_run / sl_run_stream,
 * which add a timeout. Never a shell unless the admin wrote one (exec:).
 */
#ifndef SL_RUN_H
#define SL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* For sl_spawn.fd[]: /dev/null. */
#define SL_SPAWN_NULL (-2)

struct sl_spawn {
	const char *path;		/* NULL: argv[0] */
	const char *const *argv;	/* a path without '/' is searched in PATH */
	char *const *envp;		/* NULL: ours */
	int fd[3];			/* its stdin, stdout, stderr; -1: ours */
	bool group;			/* leads its own process group */
};

/*
 * Start s->argv with default signal dispositions, an empty signal mask and
 * no descriptors but 0-2. 0 and *pid, or -errno (the exec's own error too:
 * ENOENT when there is no such program).
 */
int sl_spawn(const struct sl_spawn *s, pid_t *pid);

/*
 * Run argv[0] (searched in PATH) with argv; *out and *err (each may be
 * NULL) receive its stdout and stderr, NUL-terminated, to be freed by the
 * caller. Returns the exit status, 128 + signal, -errno when it could not
 * be started, or -ETIMEDOUT when it went silent for longer than its
 * timeout (run.c: sl_timeout_ms) and was stopped; *err then starts with a
 * line that says so.
 */
int sl_run(const char *const argv[], char **out, char **err);

/*
 * Why sl_run's rc (non-zero) failed, for a message: the first line of the
 * tool's stderr errs (cut there), the timeout, or why it could not start.
 */
const char *sl_run_why(int rc, char *errs);

/*
 * Takes what a child prints on stdout, as it arrives: 0 to go on, or
 * -errno to drop the rest (the child still runs to its end).
 */
typedef int (*sl_run_sink)(const char *data, size_t len, void *arg);

/*
 * sl_run, with stdout handed to sink piece by piece instead of being
 * kept: a tool whose output grows with the volume (thin_delta, thin_dump)
 * is read in bounded memory. *sink_rc is the sink's first error, or 0.
 */
int sl_run_stream(const char *const argv[], sl_run_sink sink, void *arg,
		  int *sink_rc, char **err);

/* A sink that keeps everything, NUL-terminated: what sl_run does. */
struct sl_run_buf {
	char *data;
	size_t len, cap;
};

int sl_run_buf_sink(const char *data, size_t len, void *arg);

/*
 * Two close-on-exec pipes, to a child and back from it, their write ends
 * grown to hold a whole DATA frame where the system allows (best effort:
 * a smaller pipe only costs context switches). -errno and no pipes open
 * when one cannot be made.
 */
int sl_pipes(int to[2], int from[2]);

#endif /* SL_RUN_H */
