// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's loop: one child per update (`softlock mirror update NAME`,
 * the very command an admin runs), at most one per relationship and
 * max_updates in all, each in its own process group so a timeout stops
 * the peer it started too; a crash or a hang costs that update only. With
 * [daemon] tls = yes, `softlock serve --tls` runs as one more child,
 * restarted if it dies. Signals are blocked except inside ppoll(), so no
 * SIGCHLD, SIGHUP or SIGTERM is lost between a check and the wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "../mirror/mstore.h"

/* After SIGTERM: how long running updates may finish before SIGKILL. */
#define SL_STOP_GRACE 60
/* After a timeout's SIGTERM: how long until SIGKILL. */
#define SL_KILL_GRACE 30
/* A TLS listener that died is started again after this long. */
#define SL_LISTEN_RETRY 10

static volatile sig_atomic_t sl_stop, sl_hup;

static void sl_on_signal(int sig)
{
	if (sig == SIGHUP)
		sl_hup = 1;
	else if (sig != SIGCHLD)
		sl_stop = 1;
}

/* One relationship's runtime state; survives a reload by name. */
struct sl_job {
	char name[SL_CONF_NAME_MAX + 1];
	const struct sl_conf_rel *r;	/* NULL: gone from the config */
	bool bad;		/* cannot run: see the reconcile's message */
	bool once_due;		/* --once: due at start, not run yet */
	pid_t pid;		/* running update, or 0 */
	int64_t started, term_at;
	uint32_t timeout;	/* the running update's, from its config */
	bool killed;		/* SIGKILLed at the end of the stop grace */
	double t0;
	int64_t last;		/* last update's start or end, 0: never */
};

struct sl_daemon {
	struct sl_ctx *x;
	const char *path;
	struct sl_conf c;
	struct sl_job *jobs;
	size_t n;
	unsigned int running, failed;
	pid_t listener;
	int64_t listener_at;	/* when to (re)start it */
	char **names;		/* --once NAME...: run these, due or not */
	int nnames;
};

static bool sl_named(const struct sl_daemon *d, const char *name)
{
	int i;

	for (i = 0; i < d->nnames; i++)
		if (!strcmp(d->names[i], name))
			return true;
	return false;
}

static double sl_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sl_job *sl_job_find(struct sl_daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->jobs[i].name, name))
			return &d->jobs[i];
	return NULL;
}

/*
 * Adopt a (new) config: reconcile the catalog, then match jobs by name.
 * A job gone from the config finishes its running update and is dropped.
 */
static int sl_adopt(struct sl_daemon *d, struct sl_conf *c, bool once)
{
	struct sl_relationship r;
	struct sl_job *jobs, *j;
	int64_t now = time(NULL), next;
	bool *bad = calloc(c->n ? c->n : 1, sizeof(*bad));
	size_t i, n = 0;

	jobs = calloc(c->n + d->n + 1, sizeof(*jobs));
	if (!bad || !jobs) {
		free(bad);
		free(jobs);
		sl_dlog("out of memory reading %s: keeping the previous config", d->path);
		return -ENOMEM;
	}
	/* --once reports a relationship that cannot run as a failure. */
	if (sl_daemon_reconcile(d->x, c, d->path, false, bad) && once)
		d->failed++;
	for (i = 0; i < c->n; i++) {
		j = sl_job_find(d, c->rel[i].name);
		if (j)
			jobs[n] = *j;
		snprintf(jobs[n].name, sizeof(jobs[n].name), "%s", c->rel[i].name);
		jobs[n].r = &c->rel[i];
		jobs[n].bad = bad[i];
		if (!j && !sl_rel_get(d->x->cat, c->rel[i].name, &r))
			jobs[n].last = r.last_time;
		jobs[n].once_due = once && !bad[i] &&
				   (d->nnames ? sl_named(d, c->rel[i].name) :
				    sl_conf_due(&c->rel[i], jobs[n].last, now, &next));
		n++;
	}
	for (i = 0; i < d->n; i++)
		if (d->jobs[i].pid && !sl_conf_find(c, d->jobs[i].name)) {
			jobs[n] = d->jobs[i];
			jobs[n++].r = NULL;
		}
	free(bad);
	free(d->jobs);
	sl_conf_free(&d->c);
	d->jobs = jobs;
	d->n = n;
	d->c = *c;
	/* The jobs point into c's array, now owned by d. */
	for (i = 0; i < c->n; i++)
		d->jobs[i].r = &d->c.rel[i];
	return 0;
}

static void sl_start(struct sl_daemon *d, struct sl_job *j, int64_t now)
{
	const char *args[] = { "mirror", "update", j->name, NULL };
	pid_t pid = sl_daemon_spawn(d->x, args);

	if (pid < 0) {
		sl_dlog("%s: cannot start the update: %s; trying again at its next time",
			j->name, strerror(-pid));
		j->last = now;
		d->failed++;
		return;
	}
	j->pid = pid;
	j->started = now;
	j->last = now;
	j->term_at = 0;
	j->killed = false;
	j->timeout = j->r->timeout;
	j->t0 = sl_mono();
	d->running++;
	sl_dlog("%s: update started (pid %d)", j->name, (int)pid);
}

static void sl_finished(struct sl_daemon *d, struct sl_job *j, int status)
{
	struct sl_relationship r;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	bool have = !sl_rel_get(d->x->cat, j->name, &r);
	double secs = sl_mono() - j->t0;

	j->pid = 0;
	d->running--;
	if (have && r.last_time > j->last)
		j->last = r.last_time;
	if (!code) {
		sl_dlog("%s: update ok in %.1f s: %s", j->name, secs,
			have && *r.last_snapshot ? r.last_snapshot : "-");
		return;
	}
	d->failed++;
	sl_dlog("%s: update failed in %.1f s (%s %d): %s", j->name, secs,
		WIFEXITED(status) ? "exit status" : "signal",
		WIFEXITED(status) ? code : WTERMSIG(status),
		j->term_at ? "it ran past its timeout and was stopped" :
		have && *r.last_result && strcmp(r.last_result, "ok") ?
		r.last_result : "see its messages above");
}

/*
 * An update's process group (its peer: ssh, a command) dies with it. While
 * the leader is an unreaped zombie its pid is still the group's id and
 * cannot name another group, so look with WNOWAIT, kill, then reap.
 */
static void sl_kill_rest(const struct sl_daemon *d, pid_t pid)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->jobs[i].pid == pid)
			kill(-pid, SIGKILL);
}

static void sl_reap(struct sl_daemon *d)
{
	siginfo_t si;
	int status;
	pid_t pid;
	size_t i;

	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
			break;
		pid = si.si_pid;
		sl_kill_rest(d, pid);
		if (waitpid(pid, &status, 0) != pid)
			break;
		if (pid == d->listener) {
			d->listener = 0;
			d->listener_at = time(NULL) + SL_LISTEN_RETRY;
			if (!sl_stop)
				sl_dlog("the TLS listener exited (%s %d): starting it again in %d s",
					WIFEXITED(status) ? "status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
					SL_LISTEN_RETRY);
			continue;
		}
		for (i = 0; i < d->n; i++)
			if (d->jobs[i].pid == pid)
				sl_finished(d, &d->jobs[i], status);
	}
	/* Jobs gone from the config go once their update is over. */
	for (i = d->c.n; i < d->n; i++)
		if (!d->jobs[i].pid)
			d->jobs[i--] = d->jobs[--d->n];
}

static void sl_listener(struct sl_daemon *d, int64_t now, int64_t *wake)
{
	char max[16], hs[16], per[16], to[16];
	const char *args[] = { "serve", "--tls", "--max-sessions", max,
			       "--max-handshakes", hs,
			       "--max-handshakes-per-address", per,
			       "--handshake-timeout", to,
			       *d->c.listen ? "--listen" : NULL, d->c.listen, NULL };
	pid_t pid;

	if (!d->c.tls || d->listener || sl_stop)
		return;
	if (now < d->listener_at) {
		if (d->listener_at < *wake)
			*wake = d->listener_at;
		return;
	}
	snprintf(max, sizeof(max), "%u", d->c.max_sessions);
	snprintf(hs, sizeof(hs), "%u", d->c.max_handshakes);
	snprintf(per, sizeof(per), "%u", d->c.max_handshakes_per_address);
	snprintf(to, sizeof(to), "%u", d->c.handshake_timeout);
	pid = sl_daemon_spawn(d->x, args);
	if (pid < 0) {
		sl_dlog("cannot start the TLS listener: %s", strerror(-pid));
		d->listener_at = now + SL_LISTEN_RETRY;
		return;
	}
	d->listener = pid;
	sl_dlog("TLS listener started (pid %d)", (int)pid);
}

/* Start what is due; keep *wake at the earliest next event. */
static void sl_schedule(struct sl_daemon *d, bool once, int64_t now,
			int64_t *wake)
{
	struct sl_job *j;
	int64_t next;
	size_t i;

	for (i = 0; i < d->n; i++) {
		j = &d->jobs[i];
		if (j->pid) {
			next = j->started + j->timeout;
			if (!j->term_at && now >= next) {
				sl_dlog("%s: the update has run %u s, its timeout: stopping it",
					j->name, j->timeout);
				kill(-j->pid, SIGTERM);
				j->term_at = now;
			}
			if (j->term_at && now >= j->term_at + SL_KILL_GRACE)
				kill(-j->pid, SIGKILL);
			next = j->term_at ? j->term_at + SL_KILL_GRACE : next;
			if (next > now && next < *wake)
				*wake = next;
			continue;
		}
		if (!j->r || j->bad || sl_stop)
			continue;
		if (once ? !j->once_due : !sl_conf_due(j->r, j->last, now, &next)) {
			if (!once && next < *wake)
				*wake = next;
			continue;
		}
		if (d->running >= d->c.max_updates)
			continue;	/* woken by the next one to finish */
		j->once_due = false;
		sl_start(d, j, now);
	}
}

static void sl_reload(struct sl_daemon *d, bool once)
{
	struct sl_conf c;
	char err[1024];
	bool tls = d->c.tls;
	char listen[sizeof(d->c.listen)];
	uint32_t max = d->c.max_sessions, hs = d->c.max_handshakes;
	uint32_t per = d->c.max_handshakes_per_address;
	uint32_t to = d->c.handshake_timeout;

	snprintf(listen, sizeof(listen), "%s", d->c.listen);
	if (sl_conf_load(d->path, &c, err, sizeof(err))) {
		sl_dlog("reload: %s: keeping the previous config", err);
		sl_conf_free(&c);
		return;
	}
	if (sl_adopt(d, &c, once)) {
		sl_conf_free(&c);
		return;
	}
	sl_dlog("reloaded %s: %zu relationship%s", d->path, d->c.n,
		d->c.n == 1 ? "" : "s");
	/* A changed listener: stop it; the loop starts the new one. */
	if (d->listener && (!d->c.tls || tls != d->c.tls ||
			    strcmp(listen, d->c.listen) || max != d->c.max_sessions ||
			    hs != d->c.max_handshakes || to != d->c.handshake_timeout ||
			    per != d->c.max_handshakes_per_address)) {
		kill(d->listener, SIGTERM);
		d->listener_at = 0;
	}
}

static void sl_signals(sigset_t *old)
{
	struct sigaction sa = { .sa_handler = sl_on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, old);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	/* The journal going away must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
}

int sl_daemon_run(struct sl_ctx *x, const char *path, struct sl_conf *c,
		  bool once, char **names, int nnames)
{
	struct sl_daemon d = { .x = x, .path = path, .names = names,
			       .nnames = nnames };
	int64_t now, wake, stop_at = 0;
	struct timespec ts;
	sigset_t old;
	size_t i;

	sl_signals(&old);
	if (sl_adopt(&d, c, once)) {
		sl_conf_free(c);
		return SL_EXIT_FAIL;
	}
	sl_dlog("%s %s: %zu relationship%s%s", once ? "running the due updates of" :
		"started with", path, d.c.n, d.c.n == 1 ? "" : "s",
		d.c.tls && !once ? ", serving peers over TLS" : "");
	for (;;) {
		sl_reap(&d);
		now = time(NULL);
		if (sl_hup && !once) {
			sl_hup = 0;
			sl_reload(&d, false);
		}
		if (sl_stop && !stop_at) {
			stop_at = now + SL_STOP_GRACE;
			sl_dlog("stopping: %u update%s running, waiting up to %d s",
				d.running, d.running == 1 ? "" : "s", SL_STOP_GRACE);
			if (d.listener)
				kill(d.listener, SIGTERM);
		}
		if (stop_at && now >= stop_at)
			for (i = 0; i < d.n; i++)
				if (d.jobs[i].pid && !d.jobs[i].killed) {
					d.jobs[i].killed = true;
					sl_dlog("%s: still running after %d s: killing it",
						d.jobs[i].name, SL_STOP_GRACE);
					kill(-d.jobs[i].pid, SIGKILL);
				}
		wake = now + 3600;
		if (!once)
			sl_listener(&d, now, &wake);
		sl_schedule(&d, once, now, &wake);
		if (stop_at && !d.running && !d.listener)
			break;
		if (once && !d.running)
			break;
		if (stop_at && stop_at + 5 < wake)
			wake = stop_at > now ? stop_at : now + 5;
		ts.tv_sec = wake > now ? wake - now : 0;
		ts.tv_nsec = 0;
		ppoll(NULL, 0, &ts, &old);
	}
	sl_dlog("%s: %u update%s failed", once ? "done" : "stopped", d.failed,
		d.failed == 1 ? "" : "s");
	free(d.jobs);
	sl_conf_free(&d.c);
	return once && d.failed ? SL_EXIT_FAIL : SL_EXIT_OK;
}
