/* SPDX-License-Identifier: GPL-2.0 */
/* Run a program without a shell and capture what it prints. */
#ifndef SL_RUN_H
#define SL_RUN_H

#include <stddef.h>

/*
 * Run argv[0] (searched in PATH) with argv; *out and *err (each may be
 * NULL) receive its stdout and stderr, NUL-terminated, to be freed by the
 * caller. Returns the exit status, 128 + signal, or -errno when it could
 * not be started.
 */
int sl_run(const char *const argv[], char **out, char **err);

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
