/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the power-off tests (selftests/softlock/
 * poweroff_test.sh): $SOFTLOCK_TEST_POWEROFF=HOST:WHERE:N powers the
 * machine off at once (sysrq "o": no sync, no unmount, like a power cut)
 * when the process whose $SOFTLOCK_HOST is HOST reaches the place named
 * WHERE for the Nth time. Places: "frame" (a peer-protocol frame read),
 * "replace" (a lock set staged in the kernel, not yet committed).
 * Header-only, so that the protocol codec still links alone; the count is
 * per place, hence the static in each caller's copy.
 */
#ifndef SL_POWEROFF_H
#define SL_POWEROFF_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void sl_test_poweroff(const char *where)
{
	static unsigned long reached;
	const char *spec = getenv("SOFTLOCK_TEST_POWEROFF");
	const char *host = getenv("SOFTLOCK_HOST");
	char want[160];
	int fd, n;

	if (!spec || !host)
		return;
	n = snprintf(want, sizeof(want), "%s:%s:", host, where);
	if (n < 0 || (size_t)n >= sizeof(want) || strncmp(spec, want, n) ||
	    ++reached != strtoul(spec + n, NULL, 10))
		return;
	fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "o", 1) == 1)
		pause();	/* the machine is going; nothing more runs */
}

#endif /* SL_POWEROFF_H */
