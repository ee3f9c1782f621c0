// SPDX-License-Identifier: GPL-2.0
/*
 * Shared plumbing of the commands. Every error names what failed and what
 * to do about it; a kernel refusal carries the kernel's own message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"

void sl_err(const struct sl_ctx *x, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "softlock: %s: ", x->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int sl_usage(const struct sl_ctx *x, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "softlock: %s: ", x->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'softlock help')\n");
	return SL_EXIT_USAGE;
}

void sl_kerr(const struct sl_ctx *x, int err, const char *what)
{
	const char *why = x->k ? sl_kmod_error(x->k) : "";

	if (err == -EPERM)
		sl_err(x, "%s: permission denied: run as root (softlock needs CAP_SYS_ADMIN)%s%s",
		       what, *why ? "; kernel: " : "", why);
	else
		sl_err(x, "%s: %s%s%s", what, strerror(-err),
		       *why ? ": " : "", why);
}

int sl_need_root(const struct sl_ctx *x)
{
	if (geteuid() == 0)
		return 0;
	sl_err(x, "permission denied: run as root (softlock needs CAP_SYS_ADMIN)");
	return -EPERM;
}

int sl_open_kernel(struct sl_ctx *x)
{
	int err;

	if (x->k)
		return 0;
	err = sl_kmod_open(&x->k);
	if (err == -ENOENT)
		sl_err(x, "the softlock kernel module is not loaded: load it with 'modprobe softlock' (or insmod softlock.ko)");
	else if (err)
		sl_err(x, "cannot open a generic netlink socket: %s",
		       strerror(-err));
	return err;
}

int sl_open_catalog(struct sl_ctx *x)
{
	char err[1200];
	int rc;

	if (x->cat)
		return 0;
	rc = sl_cat_open(x->db_path, &x->cat, err, sizeof(err));
	if (rc)
		sl_err(x, "%s", err);
	return rc;
}

int sl_open_writer(struct sl_ctx *x)
{
	int rc = sl_open_catalog(x);

	if (!rc && (rc = sl_cat_writer_begin(x->cat)))
		sl_err(x, "%s", sl_cat_error(x->cat));
	return rc;
}

int sl_resolve(const struct sl_ctx *x, const struct sl_selector *sel,
	       struct sl_snap *s)
{
	char err[600];
	uint32_t id = 0;
	int rc;

	rc = sl_selector_check(sel, &id, err, sizeof(err));
	if (!rc)
		rc = sel->vglv ? sl_lvm_resolve(sel->vglv, s, err, sizeof(err)) :
		     sl_dm_resolve(sel->pool, id, s, err, sizeof(err));
	if (rc)
		sl_err(x, "%s", err);
	return rc;
}

void sl_ctx_close(struct sl_ctx *x)
{
	sl_cat_close(x->cat);
	sl_kmod_close(x->k);
	x->cat = NULL;
	x->k = NULL;
}

int sl_load_views(struct sl_ctx *x, struct sl_views *v)
{
	int rc;

	memset(v, 0, sizeof(*v));
	rc = sl_kmod_dump_all(x->k, NULL, &v->k, &v->nk);
	if (rc) {
		sl_kerr(x, rc, "reading the kernel's locks");
		return rc;
	}
	rc = sl_cat_load(x->cat, &v->c, &v->nc);
	if (rc) {
		sl_err(x, "%s", sl_cat_error(x->cat));
		sl_views_free(v);
	}
	return rc;
}

void sl_views_free(struct sl_views *v)
{
	free(v->k);
	free(v->c);
	memset(v, 0, sizeof(*v));
}
