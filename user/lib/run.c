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
#include "testhook.h"

#define sl_buf sl_run_buf

/*
 * Read what fd has: stdout goes to the sink as it arrives (after a sink's
 * error, it is read and dropped, so the child is never left blocked on a
 * full pipe); stderr is kept whole in b. 1 while open, 0 at its end.
 */
static int sl_fd_read(int fd, struct sl_buf *b, sl_run_sink sink, void *arg,
		      int *sink_rc)
{
	char chunk[65536], *p;
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
	if (b->cap - b->len < (size_t)n + 1) {
		p = realloc(b->data, b->cap * 2 + n + 1);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = b->cap * 2 + n + 1;
	}
	memcpy(b->data + b->len, chunk, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 1;
}

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

static int sl_run_untraced(const char *const argv[], sl_run_sink sink,
			   void *arg, int *sink_rc, char **err)
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
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!b[1].data)
		b[1].data = calloc(1, 1);
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
