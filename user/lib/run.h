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

#endif /* SL_RUN_H */
