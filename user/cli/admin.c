// SPDX-License-Identifier: GPL-2.0
/*
 * softlock pools / monitor / seal / unseal / version: the module's state
 * and its events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/softlock.h>

#include "ctx.h"
#include "../lib/json.h"

static int sl_no_args(struct sl_ctx *x, int argc, char **argv, bool *json)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (json && !strcmp(argv[i], "--json"))
			*json = true;
		else
			return sl_usage(x, "unexpected argument '%s'", argv[i]);
	}
	return 0;
}

struct sl_pools {
	bool json;
	int n;
};

static int sl_print_pool(const struct sl_kpool *p, void *arg)
{
	struct sl_pools *ps = arg;
	char name[300];

	if (sl_lvm_pool_name(p->pool, name, sizeof(name)))
		snprintf(name, sizeof(name), "-");
	if (ps->json) {
		printf("%s{\"pool\":", ps->n ? ",\n " : " ");
		sl_json_str(stdout, p->pool);
		printf(",\"name\":");
		sl_json_str(stdout, name);
		printf(",\"locks\":%u,\"snapshots\":%u,\"staged\":%u,\"sealed\":%s}",
		       p->locks, p->pcpis, p->staged, p->sealed ? "true" : "false");
	} else {
		if (!ps->n)
			printf("%-20s %8s %9s %7s %-6s %s\n", "NAME", "LOCKS",
			       "SNAPSHOTS", "STAGED", "SEALED", "POOL");
		printf("%-20s %8u %9u %7u %-6s %s\n", name, p->locks, p->pcpis,
		       p->staged, p->sealed ? "yes" : "no", p->pool);
	}
	ps->n++;
	return 0;
}

int cmd_pools(struct sl_ctx *x, int argc, char **argv)
{
	struct sl_pools ps = { 0 };
	int rc = sl_no_args(x, argc, argv, &ps.json);

	if (rc)
		return rc;
	if (sl_need_root(x) || sl_open_kernel(x))
		return SL_EXIT_FAIL;
	if (ps.json)
		printf("{\"pools\":[\n");
	rc = sl_kmod_pools(x->k, sl_print_pool, &ps);
	if (ps.json)
		printf("\n]}\n");
	else if (!rc && !ps.n)
		printf("no pool holds locks\n");
	if (rc) {
		sl_kerr(x, rc, "reading the pools");
		return SL_EXIT_FAIL;
	}
	return SL_EXIT_OK;
}

static int sl_print_event(const struct sl_kevent *ev, void *arg)
{
	const struct sl_klock *l = &ev->lock;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	(void)arg;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
	switch (ev->kind) {
	case SL_EV_LOCK:
		printf("%s lock pool=%s id=%u %s \"%s\" origin=%s%s\n", when,
		       l->pool, l->pcpi, sl_type_name(l->type), l->text,
		       l->origin, l->pinned ? " pinned" : "");
		break;
	case SL_EV_UNLOCK:
		printf("%s unlock pool=%s id=%u removed=%u\n", when, l->pool,
		       l->pcpi, ev->count);
		break;
	case SL_EV_REPLACE:
		printf("%s replace pool=%s origin=%s generation=%llu locks=%u\n",
		       when, l->pool, l->origin,
		       (unsigned long long)l->generation, ev->count);
		break;
	case SL_EV_REFUSED:
		if (ev->reason == SOFTLOCK_REASON_SEALED)
			printf("%s refused delete pool=%s id=%u: module sealed\n",
			       when, l->pool, l->pcpi);
		else
			printf("%s refused delete pool=%s id=%u: %u lock(s), first %s \"%s\" origin=%s\n",
			       when, l->pool, l->pcpi, ev->count,
			       sl_type_name(l->type), l->text, l->origin);
		break;
	case SL_EV_SEAL:
		printf("%s %s\n", when, ev->sealed ? "sealed" : "unsealed");
		break;
	}
	fflush(stdout);
	return 0;
}

/* Printed once subscribed, so a script can start acting after it. */
static void sl_monitor_ready(void *arg)
{
	(void)arg;
	printf("listening for softlock events\n");
	fflush(stdout);
}

/*
 * The kernel sends events in the initial network namespace only: a lock's
 * text must not reach a container whose root owns its namespace. Commands
 * work from any namespace, so without this check a monitor elsewhere would
 * wait in silence. True when this process's namespace is not init's (or
 * init's cannot be read: then do not guess).
 */
static bool sl_outside_init_netns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) || stat("/proc/1/ns/net", &init))
		return false;
	return self.st_ino != init.st_ino || self.st_dev != init.st_dev;
}

int cmd_monitor(struct sl_ctx *x, int argc, char **argv)
{
	int rc = sl_no_args(x, argc, argv, NULL);

	if (rc)
		return rc;
	if (sl_need_root(x))
		return SL_EXIT_FAIL;
	if (sl_outside_init_netns()) {
		sl_err(x, "events are sent in the initial network namespace only, and this process is in another: run monitor there (nsenter --net=/proc/1/ns/net softlock monitor)");
		return SL_EXIT_FAIL;
	}
	if (sl_open_kernel(x))
		return SL_EXIT_FAIL;
	rc = sl_kmod_monitor(x->k, sl_print_event, sl_monitor_ready, NULL);
	if (rc) {
		sl_kerr(x, rc, "listening for events");
		return SL_EXIT_FAIL;
	}
	return SL_EXIT_OK;
}

static int sl_seal(struct sl_ctx *x, int argc, char **argv, bool seal)
{
	int rc = sl_no_args(x, argc, argv, NULL);

	if (rc)
		return rc;
	if (sl_need_root(x) || sl_open_kernel(x))
		return SL_EXIT_FAIL;
	rc = sl_kmod_seal(x->k, seal);
	if (rc) {
		sl_kerr(x, rc, seal ? "sealing" : "unsealing");
		return SL_EXIT_FAIL;
	}
	printf(seal ? "sealed: every thin-pool delete is refused\n" :
	       "unsealed: only held snapshots are protected\n");
	return SL_EXIT_OK;
}

int cmd_seal(struct sl_ctx *x, int argc, char **argv)
{
	return sl_seal(x, argc, argv, true);
}

int cmd_unseal(struct sl_ctx *x, int argc, char **argv)
{
	return sl_seal(x, argc, argv, false);
}

/* Whether the loaded module's guard is armed (stats-get needs root). */
static void sl_print_guard(struct sl_ctx *x)
{
	struct sl_kstats s;
	int rc;

	if (access("/sys/module/softlock", F_OK))
		return;
	if (geteuid()) {
		printf("guard: unknown (only root can ask the module)\n");
		return;
	}
	rc = x->k ? 0 : sl_kmod_open(&x->k);
	if (!rc)
		rc = sl_kmod_stats(x->k, &s);
	if (rc) {
		printf("guard: unknown (%s)\n", strerror(-rc));
		return;
	}
	switch (s.guard_state) {
	case SOFTLOCK_GUARD_STATE_ARMED:
		printf("guard: armed\n");
		break;
	case SOFTLOCK_GUARD_STATE_NOT_LOADED:
		printf("guard: not-loaded (dm-thin-pool is not loaded: no pool to guard; it arms when it loads)\n");
		break;
	case SOFTLOCK_GUARD_STATE_FAILED:
		printf("guard: failed: dm-thin-pool is loaded but softlock could not hook its pool_message; deletes are NOT guarded ('dmesg | grep softlock' says why)\n");
		break;
	default:
		printf("guard: unknown (the module does not say)\n");
		break;
	}
}

int cmd_version(struct sl_ctx *x, int argc, char **argv)
{
	char ver[64];
	int rc = sl_no_args(x, argc, argv, NULL);

	if (rc)
		return rc;
	if (!sl_kmod_sysfs("version", ver, sizeof(ver)))
		snprintf(ver, sizeof(ver), "%s",
			 access("/sys/module/softlock", F_OK) ? "not loaded" : "loaded");
	printf("softlock %s (netlink family %s v%d)\nmodule: %s\n", SL_VERSION,
	       SOFTLOCK_FAMILY_NAME, SOFTLOCK_FAMILY_VERSION, ver);
	sl_print_guard(x);
	return SL_EXIT_OK;
}
