// SPDX-License-Identifier: GPL-2.0
/*
 * Running LVM and device-mapper tools: fork/exec with argv, never a shell,
 * so volume names can never be interpreted as shell syntax.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "testhook.h"

#define sl_buf sl_run_buf

int sl_run_buf_sink(const char *data, size_t len, void *arg)
{
	struct sl_buf *b = arg;
	char *p;

	if (b->cap - b->len < len + 1) {
		p = realloc(b->data, b->cap * 2 + len + 1);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = b->cap * 2 + len + 1;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

/*
 * Read what fd has: stdout goes to the sink as it arrives (after a sink's
 * error, it is read and dropped, so the child is never left blocked on a
 * full pipe); stderr is kept whole in b. 1 while open, 0 at its end.
 */
static int sl_fd_read(int fd, struct sl_buf *b, sl_run_sink sink, void *arg,
		      int *sink_rc)
{
	char chunk[65536];
	ssize_t n;

	n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	if (!n)
		return 0;
	if (sink) {
		if (!*sink_rc)
			*sink_rc = sink(chunk, n, arg);
		return 1;
	}
	return sl_run_buf_sink(chunk, n, b) ?: 1;
}

/*
 * In the child, between fork and exec: only async-signal-safe calls.
 * Every signal gets its default disposition (the daemon ignores SIGPIPE,
 * and an ignored signal survives exec) and the mask is emptied; only fds
 * 0-2 stay open, so a child cannot keep our pipes, sockets or catalog
 * open (and LVM does not warn about inherited descriptors). An exec
 * failure is written to report, which exec closes on success.
 */
static void sl_child(const struct sl_spawn *s, const int src[3], int report)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int e, fd, i;

	for (i = 1; i < NSIG; i++)
		sigaction(i, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->group && setpgid(0, 0))
		goto fail;
	for (i = 0; i < 3; i++) {
		if (src[i] == SL_SPAWN_NULL) {
			fd = open("/dev/null", i ? O_WRONLY : O_RDONLY);
			if (fd < 0 || dup2(fd, i) < 0)
				goto fail;
			close(fd);
		} else if (src[i] >= 0 && dup2(src[i], i) < 0) {
			goto fail;
		}
	}
	/* report is close-on-exec: it must stay until exec. */
	if ((report > 3 && syscall(SYS_close_range, 3, report - 1, 0)) ||
	    syscall(SYS_close_range, report + 1, ~0U, 0)) {
		for (fd = 3; fd < 65536; fd++)
			if (fd != report)
				close(fd);
	}
	execvpe(s->path ? s->path : s->argv[0], (char *const *)s->argv,
		s->envp ? s->envp : environ);
fail:
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * The one way softlock starts a program. Every source fd is first moved
 * above 2, so that the child's dup2s cannot overwrite one another.
 */
int sl_spawn(const struct sl_spawn *s, pid_t *pid)
{
	int src[3], rep[2], i, e = 0, rc = 0;
	ssize_t n;

	for (i = 0; i < 3; i++)
		src[i] = s->fd[i] >= 0 ? fcntl(s->fd[i], F_DUPFD_CLOEXEC, 3) :
			 s->fd[i];
	if (pipe2(rep, O_CLOEXEC))
		rc = -errno;
	for (i = 0; i < 3 && !rc; i++)
		if (s->fd[i] >= 0 && src[i] < 0)
			rc = -EBADF;
	if (rc)
		goto out;
	*pid = fork();
	if (*pid == 0)
		sl_child(s, src, rep[1]);
	if (*pid < 0)
		rc = -errno;
	close(rep[1]);
	/* EOF: exec succeeded. */
	do
		n = *pid > 0 ? read(rep[0], &e, sizeof(e)) : 0;
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		rc = e ? -e : -EIO;
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(rep[0]);
out:
	for (i = 0; i < 3; i++)
		if (s->fd[i] >= 0 && src[i] >= 0)
			close(src[i]);
	if (rc)
		*pid = -1;
	return rc;
}

static double sl_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * $SOFTLOCK_TRACE_COMMANDS=FILE appends one line per command run: pid,
 * seconds taken, exit status, argv. LVM commands dominate a small mirror
 * update; this shows which.
 */
static void sl_trace(const char *const argv[], double secs, int rc)
{
	const char *path = getenv("SOFTLOCK_TRACE_COMMANDS");
	FILE *f;
	int i;

	if (!path || !*path)
		return;
	f = fopen(path, "ae");
	if (!f)
		return;
	fprintf(f, "%d %.3f %d", (int)getpid(), secs, rc);
	for (i = 0; argv[i]; i++)
		fprintf(f, " %s", argv[i]);
	fputc('\n', f);
	fclose(f);
}

static int sl_run_untraced(const char *const argv[], sl_run_sink sink,
			   void *arg, int *sink_rc, char **err);

int sl_run_stream(const char *const argv[], sl_run_sink sink, void *arg,
		  int *sink_rc, char **err)
{
	double t0;
	int rc;

	*sink_rc = 0;
	sl_test_kill_point(argv[0], "before");
	t0 = sl_mono();
	rc = sl_run_untraced(argv, sink, arg, sink_rc, err);
	sl_trace(argv, sl_mono() - t0, rc);
	sl_test_kill_point(argv[0], "after");
	return rc;
}

int sl_run(const char *const argv[], char **out, char **err)
{
	struct sl_buf b = { 0 };
	int rc, sink_rc;

	rc = sl_run_stream(argv, sl_run_buf_sink, &b, &sink_rc, err);
	if (!rc && sink_rc)
		rc = sink_rc;
	if (!b.data)
		b.data = calloc(1, 1);
	if (out && rc >= 0)
		*out = b.data;
	else
		free(b.data);
	if (out && rc < 0)
		*out = NULL;
	return rc;
}

/*
 * How long a command may go without printing anything (on stdout or
 * stderr) and without ending before it is stopped, in ms; -1: no limit.
 * A hung lvs must fail the command that ran it, not hang the CLI or the
 * daemon. Silence rather than total run time is bounded, so that a tool
 * whose output grows with the volume is never cut off while it works.
 * thin_* tools walk a pool's metadata, which grows with the pool, and may
 * say nothing for a long while on a large one: they get their own, longer
 * bound. $SOFTLOCK_COMMAND_TIMEOUT (LVM, dmsetup; default 60) and
 * $SOFTLOCK_THIN_TIMEOUT (thin_*; default 600), in seconds, 0 for none.
 */
static int sl_timeout_ms(const char *prog, const char **var)
{
	const char *base = strrchr(prog, '/'), *s;
	bool thin;
	char *end;
	long v;

	base = base ? base + 1 : prog;
	thin = !strncmp(base, "thin_", 5);
	*var = thin ? "SOFTLOCK_THIN_TIMEOUT" : "SOFTLOCK_COMMAND_TIMEOUT";
	s = getenv(*var);
	if (s && *s) {
		v = strtol(s, &end, 10);
		if (!*end && v >= 0 && v <= 86400)
			return v ? (int)v * 1000 : -1;
	}
	return (thin ? 600 : 60) * 1000;
}

/*
 * Stop a child that timed out, and whatever it started (it leads its own
 * process group): SIGTERM, then SIGKILL for the group once the child has
 * ended or 5 s later. The group is killed while the child is still
 * unreaped (a zombie), so that its id cannot yet name another group.
 * Returns its wait status.
 */
static int sl_stop(pid_t pid)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	siginfo_t si;
	int status = 0, i;

	kill(-pid, SIGTERM);
	for (i = 0; i < 250; i++) {
		si.si_pid = 0;
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
		    errno != EINTR)
			break;
		if (si.si_pid == pid)
			break;
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	return status;
}

/* Put why the child was stopped first in its stderr, for the caller. */
static void sl_note_timeout(struct sl_buf *b, const char *const argv[],
			    int ms, const char *var)
{
	char msg[300];
	int n;

	n = snprintf(msg, sizeof(msg),
		     "%s printed nothing and did not finish for %d s: stopped it (%s sets this limit)\n",
		     argv[0], ms / 1000, var);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	if (sl_run_buf_sink(msg, n, b))
		return;
	/* Move it before what the child printed. */
	memmove(b->data + n, b->data, b->len - n);
	memcpy(b->data, msg, n);
}

/* A program that could not be started: say why, as its stderr. */
static void sl_note_spawn(struct sl_buf *b, const char *const argv[], int rc)
{
	char msg[300];
	int n;

	n = snprintf(msg, sizeof(msg), "cannot run %s: %s\n", argv[0],
		     strerror(-rc));
	if (n > 0 && (size_t)n < sizeof(msg))
		sl_run_buf_sink(msg, n, b);
}

/* Hand the child's stderr b to the caller (*err), or free it; rc. */
static int sl_keep_err(struct sl_buf *b, char **err, int rc)
{
	if (!b->data)
		b->data = calloc(1, 1);
	if (err)
		*err = b->data;
	else
		free(b->data);
	return rc;
}

static int sl_run_untraced(const char *const argv[], sl_run_sink sink,
			   void *arg, int *sink_rc, char **err)
{
	struct sl_buf b[2] = { { 0 }, { 0 } };
	struct pollfd pfd[2];
	int po[2], pe[2], status, open_fds = 2, i, r, ready, ms, wait_ms;
	const char *var;
	bool timed_out = false;
	double last;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC))
		return -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	r = sl_spawn(&(struct sl_spawn){ .argv = argv, .group = true,
		.fd = { SL_SPAWN_NULL, po[1], pe[1] } }, &pid);
	close(po[1]);
	close(pe[1]);
	if (r) {
		close(po[0]);
		close(pe[0]);
	}
	if (r == -ENOENT || r == -EACCES || r == -ENOEXEC || r == -ENOTDIR) {
		/* As a shell says it: 127, "not found", for the callers. */
		sl_note_spawn(&b[1], argv, r);
		return sl_keep_err(&b[1], err, 127);
	}
	if (r)
		return r;
	ms = sl_timeout_ms(argv[0], &var);
	last = sl_mono();
	pfd[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (open_fds) {
		wait_ms = -1;
		if (ms >= 0) {
			wait_ms = ms - (int)((sl_mono() - last) * 1000);
			if (wait_ms <= 0) {
				timed_out = true;
				break;
			}
		}
		ready = poll(pfd, 2, wait_ms);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0)
			last = sl_mono();
		for (i = 0; i < 2 && ready > 0; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = sl_fd_read(pfd[i].fd, &b[i], i ? NULL : sink,
				       arg, sink_rc);
			if (r <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	if (timed_out) {
		status = sl_stop(pid);
		sl_note_timeout(&b[1], argv, ms, var);
	} else {
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
	}
	if (timed_out)
		return sl_keep_err(&b[1], err, -ETIMEDOUT);
	if (WIFSIGNALED(status))
		return sl_keep_err(&b[1], err, 128 + WTERMSIG(status));
	return sl_keep_err(&b[1], err, WEXITSTATUS(status));
}

/* The first line of s (a tool's stderr), for a message. */
static const char *sl_first_line(char *s)
{
	char *nl;

	if (!s)
		return "no message";
	while (*s == ' ')
		s++;
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	return *s ? s : "no message";
}

const char *sl_run_why(int rc, char *errs)
{
	if (rc < 0 && rc != -ETIMEDOUT)
		return strerror(-rc);
	return sl_first_line(errs);
}

/*
 * A DATA frame is up to 4 MiB: through the default 64 KiB pipe it costs 64
 * context switches each way, which limited a local update to about 15 MB/s
 * under QEMU TCG. Without CAP_SYS_RESOURCE, pipe-max-size (1 MiB) is the
 * most a pipe can have.
 */
static void sl_pipe_grow(int fd)
{
	if (fcntl(fd, F_SETPIPE_SZ, 4 << 20) < 0)
		fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

int sl_pipes(int to[2], int from[2])
{
	int rc;

	if (pipe2(to, O_CLOEXEC))
		return -errno;
	if (pipe2(from, O_CLOEXEC)) {
		rc = -errno;
		close(to[0]);
		close(to[1]);
		return rc;
	}
	sl_pipe_grow(to[1]);
	sl_pipe_grow(from[1]);
	return 0;
}
