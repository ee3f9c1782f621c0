/* SPDX-License-Identifier: GPL-2.0 */
/* Run a program without a shell and capture what it prints. */
#ifndef SL_RUN_H
#define SL_RUN_H

/*
 * Run argv[0] (searched in PATH) with argv; *out and *err (each may be
 * NULL) receive its stdout and stderr, NUL-terminated, to be freed by the
 * caller. Returns the exit status, 128 + signal, or -errno when it could
 * not be started.
 */
int sl_run(const char *const argv[], char **out, char **err);

/*
 * Two close-on-exec pipes, to a child and back from it, their write ends
 * grown to hold a whole DATA frame where the system allows (best effort:
 * a smaller pipe only costs context switches). -errno and no pipes open
 * when one cannot be made.
 */
int sl_pipes(int to[2], int from[2]);

#endif /* SL_RUN_H */
