/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test points, compiled in only in the test build (softlock-test, built
 * with -DSL_TEST_HOOKS; the shipped softlock has none): named places of a
 * change that spans the catalog and the kernel, where a VM test crashes
 * the helper or holds it still while another process runs.
 *
 * $SOFTLOCK_TEST_AT=WHERE:N:kill      SIGKILL at the Nth arrival at WHERE
 * $SOFTLOCK_TEST_AT=WHERE:N:pause:AT:GO
 *	at the Nth arrival, write "WHERE PID\n" into the FIFO AT, then wait for a
 *	line (or EOF) on the FIFO GO: the test knows the helper is there,
 *	does what it needs, and lets it go on. No timing is involved.
 *
 * Header-only; the count is per place and per process, hence the static
 * in each caller's copy (one caller per place).
 */
#ifndef SL_TESTHOOK_H
#define SL_TESTHOOK_H

#ifdef SL_TEST_HOOKS
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void sl_test_pause(const char *where, const char *fifos)
{
	char at[512], buf[64];
	const char *go = strchr(fifos, ':');
	ssize_t n;
	int fd;

	if (!go || (size_t)(go - fifos) >= sizeof(at))
		return;
	snprintf(at, sizeof(at), "%.*s", (int)(go - fifos), fifos);
	go++;
	fd = open(at, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (dprintf(fd, "%s %d\n", where, (int)getpid()) < 0)
			perror("softlock: test point");
		close(fd);
	}
	fd = open(go, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0 &&
		       !memchr(buf, '\n', n))
			;
		close(fd);
	}
}

#define sl_test_point(where) do {					\
	static unsigned long sl_arrivals;				\
	const char *sl_at = getenv("SOFTLOCK_TEST_AT");			\
	size_t sl_len = strlen(where);					\
	char *sl_end;							\
									\
	if (sl_at && !strncmp(sl_at, where, sl_len) &&			\
	    sl_at[sl_len] == ':' &&					\
	    strtoul(sl_at + sl_len + 1, &sl_end, 10) == ++sl_arrivals) {	\
		fprintf(stderr, "softlock: test: %s at %s\n", sl_end, where);	\
		if (!strcmp(sl_end, ":kill"))				\
			kill(getpid(), SIGKILL);			\
		else if (!strncmp(sl_end, ":pause:", 7))		\
			sl_test_pause(where, sl_end + 7);		\
	}								\
} while (0)
#else
#define sl_test_point(where) do { } while (0)
#endif

#endif /* SL_TESTHOOK_H */
