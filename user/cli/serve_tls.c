// SPDX-License-Identifier: GPL-2.0
/*
 * softlock serve --tls: the daemon. It accepts TCP connections and forks
 * one child per connection; the child runs the TLS handshake (a trusted
 * client certificate is required), reads the peers file afresh (an edit
 * applies to the next connection), keeps the grants that name the
 * certificate, and forks the session, which it then relays to. The
 * daemon itself holds no catalog, no module handle and no peer state, so
 * a session that fails, hangs or is killed costs only its own processes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve.h"
#include "../net/tls.h"
#include "../net/tls_peer.h"
#include "../lib/run.h"

/* Set by SIGTERM/SIGINT: the handler's only way to stop the loop. */
static volatile sig_atomic_t sl_serve_stop;

static void sl_on_stop(int sig)
{
	(void)sig;
	sl_serve_stop = 1;
}

static void sl_on_child(int sig)
{
	(void)sig;	/* only to interrupt ppoll; reaped in the loop */
}

/* [ADDR]:PORT, ADDR, PORT or NULL (every address, port 7433). */
static int sl_split_listen(const char *spec, char *addr, size_t asize,
			   char *port, size_t psize)
{
	const char *colon;

	snprintf(port, psize, "%s", SL_TLS_PORT_DEFAULT);
	addr[0] = '\0';
	if (!spec || !*spec)
		return 0;
	if (spec[0] == '[') {
		colon = strchr(spec, ']');
		if (!colon || (colon[1] && colon[1] != ':'))
			return -EINVAL;
		snprintf(addr, asize, "%.*s", (int)(colon - spec - 1), spec + 1);
		colon = colon[1] ? colon + 1 : NULL;
	} else if (strspn(spec, "0123456789") == strlen(spec)) {
		colon = spec - 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon)
			return -EINVAL;	/* a bare IPv6 address: brackets */
		snprintf(addr, asize, "%.*s",
			 (int)(colon ? colon - spec : (long)strlen(spec)), spec);
	}
	if (colon) {
		if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
			return -EINVAL;
		snprintf(port, psize, "%s", colon + 1);
	}
	return 0;
}

static int sl_listen_on(const char *addr, const char *port, char *err,
			size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *res, *ai;
	int fd = -1, rc, on = 1, off = 0;

	rc = getaddrinfo(*addr ? addr : NULL, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve the address to listen on '%s': %s",
			 addr, gai_strerror(rc));
		return -EINVAL;
	}
	/* Every address: IPv6 first, which takes IPv4 too where it can. */
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			if ((ai->ai_family == AF_INET6) != (pass == 0))
				continue;
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				    ai->ai_protocol);
			if (fd < 0) {
				rc = -errno;
				continue;
			}
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
			if (ai->ai_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
					   sizeof(off));
			if (bind(fd, ai->ai_addr, ai->ai_addrlen) ||
			    listen(fd, 64)) {
				rc = -errno;
				close(fd);
				fd = -1;
			}
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s port %s: %s",
			 *addr ? addr : "every address", port, strerror(-rc));
	return fd < 0 ? rc : fd;
}

static void sl_addr_name(const struct sockaddr_storage *sa, char *buf,
			 size_t size)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";
	struct sockaddr_in s4 = { .sin_family = AF_INET };

	/* An IPv4 peer on the dual-stack socket: name it as IPv4. */
	if (sa->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		s4.sin_port = s6->sin6_port;
		memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		sa = (const void *)&s4;
	}
	getnameinfo((const struct sockaddr *)sa, sa->ss_family == AF_INET ?
		    sizeof(s4) : sizeof(*s6), host, sizeof(host), port,
		    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(buf, size, "%s port %s", host, port);
}

/* One connection, in its own process; returns its exit status. */
static int sl_serve_conn(struct sl_ctx *x, SSL_CTX *ctx, int fd,
			 const char *from)
{
	int to[2] = { -1, -1 }, back[2] = { -1, -1 }, status, rc;
	struct sl_serve_auth auth = { 0 };
	char err[1024], peer[512], who[800];
	SSL *ssl;
	pid_t pid;

	rc = sl_tls_accept(ctx, fd, sl_tls_timeout_ms(), &ssl, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "softlock: serve: %s: %s\n", from, err);
		return SL_EXIT_FAIL;
	}
	sl_tls_peer_describe(ssl, peer, sizeof(peer));
	snprintf(who, sizeof(who), "serve: %s (%s)", from, peer);
	if (sl_serve_auth_load(&auth, sl_tls_peer_is, ssl, peer, who)) {
		fprintf(stderr, "softlock: %s: out of memory\n", who);
		return SL_EXIT_FAIL;
	}
	fprintf(stderr, "softlock: %s: connected, %zu grant%s\n", who,
		auth.grants.n, auth.grants.n == 1 ? "" : "s");
	rc = sl_pipes(to, back);
	if (rc) {
		fprintf(stderr, "softlock: %s: cannot create pipes: %s\n", who,
			strerror(-rc));
		return SL_EXIT_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "softlock: %s: cannot fork: %s\n", who,
			strerror(errno));
		return SL_EXIT_FAIL;
	}
	if (pid == 0) {
		close(fd);
		close(to[1]);
		close(back[0]);
		_exit(sl_serve_session(x, to[0], back[1], &auth));
	}
	close(to[0]);
	close(back[1]);
	rc = sl_tls_relay(ssl, fd, back[0], to[1], sl_tls_timeout_ms(), who);
	close(back[0]);
	/* The session sees EOF if the relay ended first. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	SSL_free(ssl);
	sl_grants_free(&auth.grants);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(stderr, "softlock: %s: session %s (status %d)\n", who,
		status ? "failed" : "done", status);
	return status ? SL_EXIT_FAIL : rc ? SL_EXIT_FAIL : SL_EXIT_OK;
}

static void sl_serve_signals(sigset_t *old)
{
	struct sigaction stop = { .sa_handler = sl_on_stop };
	struct sigaction child = { .sa_handler = sl_on_child };
	sigset_t block;

	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGCHLD, &child, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Delivered only inside ppoll(): no wakeup is lost in between. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, old);
}

int sl_serve_tls(struct sl_ctx *x, const char *listen_spec, unsigned int max)
{
	char addr[256], port[8], err[1024], from[128], path[4096];
	struct sockaddr_storage sa;
	struct sl_grants all;
	struct pollfd p;
	unsigned int active = 0;
	socklen_t len;
	sigset_t old;
	SSL_CTX *ctx;
	pid_t pid;
	int lfd, fd;

	if (sl_need_root(x))
		return SL_EXIT_FAIL;
	if (sl_split_listen(listen_spec, addr, sizeof(addr), port, sizeof(port)))
		return sl_usage(x, "--listen %s: give [ADDR]:PORT, ADDR or PORT (an IPv6 address in brackets)",
				listen_spec);
	/* Bad files are found now, not by the first peer. */
	ctx = sl_tls_ctx(true, sl_tls_dir(), err, sizeof(err));
	if (!ctx) {
		sl_err(x, "%s", err);
		return SL_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/peers", sl_tls_dir());
	if (sl_grants_load(path, &all, err, sizeof(err))) {
		sl_err(x, "%s", err);
		SSL_CTX_free(ctx);
		return SL_EXIT_FAIL;
	}
	sl_grants_free(&all);
	lfd = sl_listen_on(addr, port, err, sizeof(err));
	if (lfd < 0) {
		sl_err(x, "%s", err);
		SSL_CTX_free(ctx);
		return SL_EXIT_FAIL;
	}
	sl_serve_signals(&old);
	/* A line on stdout once peers can connect: scripts wait for it. */
	printf("softlock: serving TLS on %s port %s\n", *addr ? addr : "every address",
	       port);
	fflush(stdout);
	while (!sl_serve_stop) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			active--;
		p = (struct pollfd){ .fd = lfd, .events = POLLIN };
		if (ppoll(&p, 1, NULL, &old) <= 0)
			continue;
		len = sizeof(sa);
		fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		sl_addr_name(&sa, from, sizeof(from));
		if (active >= max) {
			fprintf(stderr, "softlock: serve: %s: refused, %u sessions are running (--max-sessions)\n",
				from, active);
			close(fd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			sigprocmask(SIG_SETMASK, &old, NULL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			_exit(sl_serve_conn(x, ctx, fd, from));
		}
		if (pid > 0)
			active++;
		else
			fprintf(stderr, "softlock: serve: %s: cannot fork: %s\n",
				from, strerror(errno));
		close(fd);
	}
	close(lfd);
	SSL_CTX_free(ctx);
	fprintf(stderr, "softlock: serve: stopped; %u session%s still finishing\n",
		active, active == 1 ? "" : "s");
	return SL_EXIT_OK;
}
