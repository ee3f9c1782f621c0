/* SPDX-License-Identifier: GPL-2.0 */
/* What every command of the helper shares: catalog, kernel, messages. */
#ifndef SL_CTX_H
#define SL_CTX_H

#include <stdbool.h>

#include "args.h"
#include "../catalog/catalog.h"
#include "../kmod/kmod.h"
#include "../lvm/lvm.h"

/* Equal to kernel/main.c's MODULE_VERSION: helper_test.sh checks. */
#define SL_VERSION "0.1.0"

/*
 * Exit statuses. A command that answers a question (check, verify, mirror
 * verify) exits 0 for yes/identical, 1 for no/different, and 2 when it
 * could not tell (an error, SL_EXIT_UNKNOWN), never 1 for an error: a
 * script must not read "could not run" as "differs". Other commands exit
 * 0 on success, 1 on failure; 2 is also a usage error everywhere. 75
 * (EX_TEMPFAIL of sysexits.h): nothing was done because another process
 * is running the same relationship; try again later.
 */
enum { SL_EXIT_OK = 0, SL_EXIT_FAIL = 1, SL_EXIT_USAGE = 2,
       SL_EXIT_UNKNOWN = 2, SL_EXIT_BUSY = 75 };

struct sl_ctx {
	const char *cmd;	/* the running subcommand, for messages */
	const char *db_path;
	struct sl_cat *cat;
	struct sl_kmod *k;
};

void sl_err(const struct sl_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sl_usage(const struct sl_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Explain a kernel refusal: errno, the kernel's own message. */
void sl_kerr(const struct sl_ctx *x, int err, const char *what);

int sl_need_root(const struct sl_ctx *x);
int sl_open_kernel(struct sl_ctx *x);
int sl_open_catalog(struct sl_ctx *x);
/*
 * The catalog, as its one writer until the command ends (sl_ctx_close or
 * exit): for commands that change the catalog and the kernel together,
 * or compare them.
 */
int sl_open_writer(struct sl_ctx *x);
int sl_resolve(const struct sl_ctx *x, const struct sl_selector *sel,
	       struct sl_snap *s);
void sl_ctx_close(struct sl_ctx *x);

/* Both views of the holds: the kernel's dump and the catalog. */
struct sl_views {
	struct sl_klock *k;
	size_t nk;
	struct sl_cat_lock *c;
	size_t nc;
};

/* Needs the kernel and the catalog open; says what failed. */
int sl_load_views(struct sl_ctx *x, struct sl_views *v);
void sl_views_free(struct sl_views *v);

/*
 * Print every delete LVM queued against a held thin id, with the way out:
 * how many (0: none), or -errno when LVM could not be listed.
 */
int sl_verify_queued_deletes(struct sl_ctx *x, const struct sl_views *v);

int cmd_hold(struct sl_ctx *x, int argc, char **argv);
int cmd_release(struct sl_ctx *x, int argc, char **argv);
int cmd_expire(struct sl_ctx *x, int argc, char **argv);
int cmd_holds(struct sl_ctx *x, int argc, char **argv);
int cmd_check(struct sl_ctx *x, int argc, char **argv);
int cmd_pools(struct sl_ctx *x, int argc, char **argv);
int cmd_monitor(struct sl_ctx *x, int argc, char **argv);
int cmd_seal(struct sl_ctx *x, int argc, char **argv);
int cmd_unseal(struct sl_ctx *x, int argc, char **argv);
int cmd_restore(struct sl_ctx *x, int argc, char **argv);
/*
 * Make the kernel's locks equal to the catalog (restore's work), then
 * unseal if asked: 0, or -1 after saying what failed. Needs the kernel
 * and the catalog open, as its writer (sl_open_writer).
 */
int sl_restore_all(struct sl_ctx *x, bool unseal);
int cmd_verify(struct sl_ctx *x, int argc, char **argv);
int cmd_version(struct sl_ctx *x, int argc, char **argv);
int cmd_metrics(struct sl_ctx *x, int argc, char **argv);
int cmd_mirror(struct sl_ctx *x, int argc, char **argv);
/* Root, the catalog and its mirror tables: what every mirror command needs. */
int sl_mirror_open(struct sl_ctx *x);
/* The module's handle, or NULL without it (fine on a destination). */
struct sl_kmod *sl_mirror_kernel(void);
struct sl_relationship;
struct sl_endpoint;
/*
 * Open as sl_mirror_open(), find relationship @key (its name or DST) and
 * parse its two ends: 0, or -1 after saying what failed. @hint follows
 * "no mirror relationship 'KEY'" when none matches.
 */
int sl_mirror_find(struct sl_ctx *x, const char *key, const char *hint,
		   struct sl_relationship *r, struct sl_endpoint *src,
		   struct sl_endpoint *dst);
int cmd_serve(struct sl_ctx *x, int argc, char **argv);
int cmd_daemon(struct sl_ctx *x, int argc, char **argv);
/* softlock mirror destroy (mirror_destroy.c). */
int sl_mirror_destroy(struct sl_ctx *x, const char *key, bool keep_locks);
/* softlock mirror verify (mirror_verify.c); snapshot may be NULL. */
int sl_mirror_verify(struct sl_ctx *x, const char *key, const char *snapshot,
		     bool json);

#endif /* SL_CTX_H */
