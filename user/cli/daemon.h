/* SPDX-License-Identifier: GPL-2.0 */
/* softlock daemon: the config's relationships, kept up to date. */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H

#include "ctx.h"
#include "../daemon/conf.h"

/*
 * Make the catalog match the config (daemon.c): create what is missing
 * (through `softlock mirror init`, in a child), set keep and lease where
 * they changed; report catalog relationships the config does not name,
 * never deleting them. bad[i] is set for a relationship that cannot run
 * (its endpoints in the catalog differ from the config's). With dry, only
 * print what would change. Returns the number of such problems.
 */
unsigned int sl_daemon_reconcile(struct sl_ctx *x, const struct sl_conf *c,
				 const char *path, bool dry, bool *bad);

/*
 * The loop (daemon_run.c): an exit status. c is freed on return. With
 * once, run what is due (or, given names, those relationships now) and
 * return 1 if any failed.
 */
int sl_daemon_run(struct sl_ctx *x, const char *path, struct sl_conf *c,
		  bool once, char **names, int nnames);

/* A log line on stderr (the journal): "softlock: daemon: ...". */
void sl_dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run this binary again with argv (after "softlock --db DB") in a child
 * of its own process group, stdout onto stderr; its pid, or -errno.
 */
pid_t sl_daemon_spawn(struct sl_ctx *x, const char *const *args);

#endif /* SL_DAEMON_H */
