// SPDX-License-Identifier: GPL-2.0
/*
 * dm_msg_bench - time thin-pool messages as the kernel handles them, with
 * no process start-up in the measurement (dmsetup's would swamp it).
 *
 *   dm_msg_bench POOL create FIRST N   create_thin FIRST .. FIRST+N-1
 *   dm_msg_bench POOL delete FIRST N   delete each, timing every ioctl
 *
 * delete prints "ok=N busy=N ns_ok=N ns_busy=N": how many deletes
 * succeeded and how many softlock refused (EBUSY), and the nanoseconds
 * spent in each kind of DM_TARGET_MSG ioctl. Exit 1 on any other error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/dm-ioctl.h>

#define BUF 4096

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* One message to the pool's target at sector 0: 0 or -errno. */
static int pool_msg(int fd, const char *pool, const char *msg)
{
	union {
		struct dm_ioctl io;
		char raw[BUF];
	} u;
	struct dm_target_msg *tm;

	memset(&u, 0, sizeof(u));
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof(u);
	u.io.data_start = sizeof(u.io);
	snprintf(u.io.name, sizeof(u.io.name), "%s", pool);
	tm = (struct dm_target_msg *)(u.raw + sizeof(u.io));
	tm->sector = 0;
	snprintf(tm->message, BUF - sizeof(u.io) - sizeof(*tm), "%s", msg);
	return ioctl(fd, DM_TARGET_MSG, &u) ? -errno : 0;
}

int main(int argc, char **argv)
{
	uint64_t ns_ok = 0, ns_busy = 0, t0, dt;
	unsigned long first, n, i, ok = 0, busy = 0;
	char msg[64];
	int fd, rc;

	if (argc != 5 || (strcmp(argv[2], "create") && strcmp(argv[2], "delete"))) {
		fprintf(stderr, "usage: dm_msg_bench POOL create|delete FIRST N\n");
		return 2;
	}
	first = strtoul(argv[3], NULL, 10);
	n = strtoul(argv[4], NULL, 10);
	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("dm_msg_bench: /dev/mapper/control");
		return 1;
	}
	for (i = first; i < first + n; i++) {
		snprintf(msg, sizeof(msg), "%s %lu",
			 argv[2][0] == 'c' ? "create_thin" : "delete", i);
		t0 = now_ns();
		rc = pool_msg(fd, argv[1], msg);
		dt = now_ns() - t0;
		if (!rc) {
			ok++;
			ns_ok += dt;
		} else if (rc == -EBUSY && argv[2][0] == 'd') {
			busy++;
			ns_busy += dt;
		} else {
			fprintf(stderr, "dm_msg_bench: %s on %s: %s\n", msg,
				argv[1], strerror(-rc));
			return 1;
		}
	}
	printf("ok=%lu busy=%lu ns_ok=%llu ns_busy=%llu\n", ok, busy,
	       (unsigned long long)ns_ok, (unsigned long long)ns_busy);
	close(fd);
	return 0;
}
