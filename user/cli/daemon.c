// SPDX-License-Identifier: GPL-2.0
/*
 * softlock daemon [--config FILE] [--once] [--check]: the relationships of
 * /etc/softlock/softlock.conf, created in the catalog and updated on their
 * schedules (the loop: daemon_run.c; the file: daemon/conf.c).
 *
 * The config is the admin's statement of intent and the catalog the
 * record of what exists, so the daemon adds to the catalog and changes
 * keep and lease, but never deletes or rewires a relationship: a
 * relationship's endpoints and history belong together, and a config
 * edit must not throw away a base that downstream hosts depend on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "../lib/run.h"
#include "../mirror/mstore.h"

void sl_dlog(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "softlock: daemon: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

pid_t sl_daemon_spawn(struct sl_ctx *x, const char *const *args)
{
	const char *argv[16] = { "softlock", "--db", x->db_path };
	size_t n = 3;
	pid_t pid;
	int rc;

	while (*args && n < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	/*
	 * A fresh image: nothing of the daemon's (catalog handle) is shared.
	 * Its own process group, so a timeout stops the peer it started
	 * (ssh, a command) with it. Its stdout goes to our stderr (the log).
	 */
	rc = sl_spawn(&(struct sl_spawn){ .path = "/proc/self/exe",
		.argv = argv, .group = true,
		.fd = { -1, STDERR_FILENO, -1 } }, &pid);
	if (rc) {
		fprintf(stderr, "softlock: daemon: cannot run /proc/self/exe: %s\n",
			strerror(-rc));
		return rc;
	}
	return pid;
}

static int sl_wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* mirror init, run as `softlock mirror init` would be: the same checks. */
static int sl_create(struct sl_ctx *x, const struct sl_conf_rel *r)
{
	char keep[16], lease[16];
	const char *args[12] = { "mirror", "init", r->src, r->dst, "--name", r->name };
	size_t n = 6;
	pid_t pid;

	if (r->keep) {
		snprintf(keep, sizeof(keep), "%u", r->keep);
		args[n++] = "--keep";
		args[n++] = keep;
	}
	if (r->lease) {
		snprintf(lease, sizeof(lease), "%us", r->lease);
		args[n++] = "--lease";
		args[n++] = lease;
	}
	args[n] = NULL;
	pid = sl_daemon_spawn(x, args);
	if (pid < 0)
		return 127;
	return sl_wait_status(pid);
}

static void sl_lease_str(uint32_t lease, char *buf, size_t size)
{
	if (lease)
		sl_conf_duration(lease, buf, size);
	else
		snprintf(buf, size, "none");
}

unsigned int sl_daemon_reconcile(struct sl_ctx *x, const struct sl_conf *c,
				 const char *path, bool dry, bool *bad)
{
	struct sl_relationship r, *all = NULL;
	char was[16], now[16];
	unsigned int problems = 0;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < c->n; i++) {
		const struct sl_conf_rel *cr = &c->rel[i];

		bad[i] = false;
		rc = sl_rel_get(x->cat, cr->name, &r);
		if (rc == -ENOENT) {
			if (dry) {
				printf("%s: not in the catalog: would be created (mirror init)\n",
				       cr->name);
				continue;
			}
			sl_dlog("%s: not in the catalog: creating it", cr->name);
			rc = sl_create(x, cr);
			if (rc) {
				sl_dlog("%s: mirror init failed (status %d, its message above): fix [relationship %s] in %s, then reload",
					cr->name, rc, cr->name, path);
				bad[i] = true;
				problems++;
			}
			continue;
		}
		if (rc) {
			sl_dlog("%s: reading the catalog: %s", cr->name, sl_cat_error(x->cat));
			bad[i] = true;
			problems++;
			continue;
		}
		if (strcmp(r.src, cr->src) || strcmp(r.dst, cr->dst)) {
			fprintf(dry ? stdout : stderr, "%s%s: the catalog has %s -> %s, %s:%u says %s -> %s: endpoints never change; name the new relationship differently (the old one stays, see 'softlock mirror status')\n",
				dry ? "" : "softlock: daemon: ", cr->name, r.src, r.dst,
				path, cr->line, cr->src, cr->dst);
			bad[i] = true;
			problems++;
			continue;
		}
		if (r.keep == cr->keep && r.lease == cr->lease)
			continue;
		if (r.keep != cr->keep)
			fprintf(dry ? stdout : stderr, "%s%s: keep %u -> %u%s\n",
				dry ? "" : "softlock: daemon: ", cr->name, r.keep,
				cr->keep, dry ? " (would be set)" : "");
		sl_lease_str(r.lease, was, sizeof(was));
		sl_lease_str(cr->lease, now, sizeof(now));
		if (r.lease != cr->lease)
			fprintf(dry ? stdout : stderr, "%s%s: lease %s -> %s%s\n",
				dry ? "" : "softlock: daemon: ", cr->name, was, now,
				dry ? " (would be set)" : "");
		if (dry)
			continue;
		r.keep = cr->keep;
		r.lease = cr->lease;
		/* What mirror set does: the next update uses it. */
		if (sl_rel_set_result(x->cat, &r)) {
			sl_dlog("%s: recording keep and lease: %s", cr->name,
				sl_cat_error(x->cat));
			bad[i] = true;
			problems++;
		}
	}
	if (sl_rel_list(x->cat, &all, &n)) {
		sl_dlog("listing the catalog's relationships: %s", sl_cat_error(x->cat));
		return problems + 1;
	}
	for (i = 0; i < n; i++)
		if (!sl_conf_find(c, all[i].name))
			fprintf(dry ? stdout : stderr, "%s%s: in the catalog, not in %s: not scheduled (kept; 'softlock mirror update %s' runs it by hand)\n",
				dry ? "" : "softlock: daemon: ", all[i].name, path,
				all[i].name);
	free(all);
	return problems;
}

/* --check: the file is valid; what the daemon would run, and when. */
static int sl_daemon_check(struct sl_ctx *x, const char *path,
			   const struct sl_conf *c)
{
	struct sl_relationship r;
	char sched[64], lease[16], timeout[16], when[32];
	/* --check changes nothing: not even a catalog that is not there. */
	bool exists = access(x->db_path, F_OK) == 0;
	bool catalog = exists && geteuid() == 0 && !sl_mirror_open(x);
	unsigned int problems = 0;
	int64_t next, now = time(NULL);
	bool *bad;
	size_t i;

	printf("%s: valid, %zu relationship%s\n", path, c->n, c->n == 1 ? "" : "s");
	if (c->tls)
		printf("daemon: serves peers over TLS on %s, at most %u sessions; at most %u handshakes, %u from one address, each within %u s\n",
		       *c->listen ? c->listen : "every address, port 7433",
		       c->max_sessions, c->max_handshakes,
		       c->max_handshakes_per_address, c->handshake_timeout);
	else
		printf("daemon: does not serve peers (tls = no)\n");
	printf("daemon: at most %u updates at once\n", c->max_updates);
	for (i = 0; i < c->n; i++) {
		const struct sl_conf_rel *cr = &c->rel[i];

		sl_conf_schedule(cr, sched, sizeof(sched));
		sl_lease_str(cr->lease, lease, sizeof(lease));
		sl_conf_duration(cr->timeout, timeout, sizeof(timeout));
		printf("%s: %s -> %s, %s, keep %s%.0u, lease %s, timeout %s", cr->name,
		       cr->src, cr->dst, sched, cr->keep ? "" : "all", cr->keep,
		       lease, timeout);
		if (!catalog && exists) {
			printf("\n");
			continue;
		}
		if (!catalog || sl_rel_get(x->cat, cr->name, &r))
			r.last_time = 0;
		if (sl_conf_due(cr, r.last_time, now, &next))
			snprintf(when, sizeof(when), "now");
		else
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
				 localtime(&(time_t){ next }));
		printf(", next update %s\n", when);
	}
	/* No catalog yet is an empty one. */
	for (i = 0; !exists && i < c->n; i++)
		printf("%s: not in the catalog: would be created (mirror init)\n",
		       c->rel[i].name);
	if (!exists)
		return SL_EXIT_OK;
	if (!catalog) {
		printf("(the catalog was not read: as root, --check also compares it with %s)\n",
		       path);
		return SL_EXIT_OK;
	}
	bad = calloc(c->n ? c->n : 1, sizeof(*bad));
	if (!bad) {
		sl_err(x, "out of memory");
		return SL_EXIT_FAIL;
	}
	problems = sl_daemon_reconcile(x, c, path, true, bad);
	free(bad);
	return problems ? SL_EXIT_FAIL : SL_EXIT_OK;
}

static const struct option sl_daemon_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "once", no_argument, NULL, 'o' },
	{ "check", no_argument, NULL, 'k' },
	{ NULL, 0, NULL, 0 },
};

/*
 * A crash between the catalog and the kernel leaves the catalog ahead:
 * before any update runs, make the kernel match it (restore's work; the
 * seal is restore's business at boot and stays as it is). Without the
 * module (a destination may have none) there is nothing to match.
 */
static void sl_daemon_catch_up(struct sl_ctx *x)
{
	x->k = x->k ? x->k : sl_mirror_kernel();
	if (!x->k)
		return;
	if (sl_cat_writer_begin(x->cat)) {
		sl_dlog("reconciling the kernel with the catalog: %s",
			sl_cat_error(x->cat));
		return;
	}
	if (sl_restore_all(x, false))
		sl_dlog("reconciling the kernel with the catalog failed (see above): run 'softlock verify --fix'");
	sl_cat_writer_end(x->cat);
	/* The updates run in children, each with its own. */
	sl_kmod_close(x->k);
	x->k = NULL;
}

int cmd_daemon(struct sl_ctx *x, int argc, char **argv)
{
	const char *path = SL_CONF_DEFAULT;
	bool once = false, check = false;
	struct sl_conf c;
	char err[1024];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", sl_daemon_opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'o': once = true; break;
		case 'k': check = true; break;
		default:
			return sl_usage(x, "daemon: [--config FILE] [--check | --once [NAME...]]");
		}
	}
	if (optind != argc && !once)
		return sl_usage(x, "only --once takes relationship names; the relationships are in %s (--config FILE)",
				path);
	if (once && check)
		return sl_usage(x, "--check only reads the config; --once runs the due updates: give one");
	if (sl_conf_load(path, &c, err, sizeof(err))) {
		sl_err(x, "%s", err);
		sl_conf_free(&c);
		return SL_EXIT_FAIL;
	}
	for (opt = optind; opt < argc; opt++)
		if (!sl_conf_find(&c, argv[opt])) {
			sl_conf_free(&c);
			return sl_usage(x, "--once %s: %s has no [relationship %s]",
					argv[opt], path, argv[opt]);
		}
	if (check) {
		rc = sl_daemon_check(x, path, &c);
		sl_conf_free(&c);
		return rc;
	}
	if (sl_mirror_open(x)) {
		sl_conf_free(&c);
		return SL_EXIT_FAIL;
	}
	sl_daemon_catch_up(x);
	return sl_daemon_run(x, path, &c, once, argv + optind, argc - optind);
}
