// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_idle [-t MS] HOST PORT N SECONDS SRC...: the idle half of a denial
 * of service. Opens N TCP connections to HOST:PORT (IPv4), bound in turn
 * to the source addresses SRC..., and never sends a byte on any; with
 * -t, the start of a TLS record announcing a ClientHello of 512 bytes,
 * then one byte every MS milliseconds (a slow loris). Prints
 * "open N" once every connect() has returned, then waits for the server
 * to close each one (EOF or reset). Exits 0 with "all N closed by the
 * server" when it has closed them all, or 1 with "M of N still open"
 * when SECONDS have passed first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int conn_from(const char *src, const struct sockaddr_in *dst)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    connect(fd, (const struct sockaddr *)dst, sizeof(*dst))) {
		fprintf(stderr, "tcp_idle: from %s: %s\n", src, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Each open connection's next byte of a never-ending ClientHello. */
static void trickle(struct pollfd *p, int n, unsigned int *sent)
{
	static const unsigned char rec[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
	unsigned char b = *sent < sizeof(rec) ? rec[*sent] : 0;

	for (int i = 0; i < n; i++)
		if (p[i].fd >= 0)
			send(p[i].fd, &b, 1, MSG_NOSIGNAL);
	++*sent;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned int sent = 0;
	int n, secs, open, i, ms, every = 0;
	struct timespec t0, t;
	struct pollfd *p;
	char buf[256];

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		every = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 6) {
		fprintf(stderr, "usage: tcp_idle [-t MS] HOST PORT N SECONDS SRC...\n");
		return 2;
	}
	n = atoi(argv[3]);
	secs = atoi(argv[4]);
	dst.sin_port = htons(atoi(argv[2]));
	if (n < 1 || secs < 1 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "tcp_idle: bad arguments\n");
		return 2;
	}
	p = calloc(n, sizeof(*p));
	if (!p)
		return 2;
	for (i = 0; i < n; i++) {
		p[i].fd = conn_from(argv[5 + i % (argc - 5)], &dst);
		if (p[i].fd < 0)
			return 2;
		p[i].events = POLLIN;
	}
	printf("open %d\n", n);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (open = n; open > 0;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = secs * 1000 - (int)((t.tv_sec - t0.tv_sec) * 1000 +
					 (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0)
			break;
		if (every) {
			trickle(p, n, &sent);
			if (ms > every)
				ms = every;
		}
		if (poll(p, n, ms) < 0 && errno != EINTR)
			return 2;
		for (i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			/* A server that sent anything is not a silent close. */
			if (read(p[i].fd, buf, sizeof(buf)) > 0)
				continue;
			close(p[i].fd);
			p[i].fd = -1;
			open--;
		}
	}
	if (open) {
		printf("%d of %d still open after %d s\n", open, n, secs);
		return 1;
	}
	printf("all %d closed by the server\n", n);
	return 0;
}
