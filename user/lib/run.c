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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

struct sl_buf {
	char *data;
	size_t len, cap;
};

static int sl_buf_read(struct sl_buf *b, int fd)
{
	char *p;
	ssize_t n;

	if (b->cap - b->len < 4096) {
		p = realloc(b->data, b->cap * 2 + 4096);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = b->cap * 2 + 4096;
	}
	n = read(fd, b->data + b->len, b->cap - b->len - 1);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	b->len += n;
	b->data[b->len] = '\0';
	return n > 0;
}

static void sl_child(const char *const argv[], int out, int err)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	/* LVM warns about every inherited descriptor otherwise. */
	setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
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

/*
 * Fault injection for the tests: $SOFTLOCK_TEST_KILL_AT=HOST:N makes the
 * process whose $SOFTLOCK_HOST is HOST kill itself (SIGKILL, as a crash
 * would) at its Nth kill point: just before and just after every command
 * it runs; HOST:N:stop stops it there instead (SIGSTOP: a host that hangs
 * and never answers). Naming the host lets one variable reach both ends
 * of a mirror session and hit only one. The count is per process, hence
 * static.
 */
static void sl_kill_point(const char *const argv[], const char *when)
{
	static unsigned long points;
	const char *at = getenv("SOFTLOCK_TEST_KILL_AT");
	const char *host = getenv("SOFTLOCK_HOST");
	const char *colon;
	unsigned long n;
	char *end;
	bool stop;

	if (!at || !*at || !host)
		return;
	colon = strchr(at, ':');
	if (!colon || strncmp(at, host, colon - at) || host[colon - at])
		return;
	n = strtoul(colon + 1, &end, 10);
	stop = !strcmp(end, ":stop");
	if ((*end && !stop) || ++points != n)
		return;
	fprintf(stderr, "softlock: test: %s at point %lu, %s %s\n",
		stop ? "stopped" : "killed", points, when, argv[0]);
	kill(getpid(), stop ? SIGSTOP : SIGKILL);
}

static int sl_run_untraced(const char *const argv[], char **out, char **err);

int sl_run(const char *const argv[], char **out, char **err)
{
	double t0;
	int rc;

	sl_kill_point(argv, "before");
	t0 = sl_mono();
	rc = sl_run_untraced(argv, out, err);
	sl_trace(argv, sl_mono() - t0, rc);
	sl_kill_point(argv, "after");
	return rc;
}

static int sl_run_untraced(const char *const argv[], char **out, char **err)
{
	struct sl_buf b[2] = { { 0 }, { 0 } };
	struct pollfd pfd[2];
	int po[2], pe[2], status, open_fds = 2, i, r;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC))
		return -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0)
		sl_child(argv, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		return -errno;
	}
	pfd[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (open_fds) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = sl_buf_read(&b[i], pfd[i].fd);
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
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	for (i = 0; i < 2; i++)
		if (!b[i].data)
			b[i].data = calloc(1, 1);
	if (out)
		*out = b[0].data;
	else
		free(b[0].data);
	if (err)
		*err = b[1].data;
	else
		free(b[1].data);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
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
