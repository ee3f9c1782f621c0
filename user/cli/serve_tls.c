// SPDX-License-Identifier: GPL-2.0
/*
 * softlock serve --tls: the daemon. It accepts TCP connections and forks
 * one child per connection that its gate admits (serve_gate.c); the child
 * runs the TLS handshake (a trusted client certificate is required) within
 * the handshake timeout, reads the peers file afresh (an edit applies to
 * the next connection), keeps the grants that name the certificate, asks
 * the gate for a session slot, and forks the session, which it then
 * relays to. The daemon itself holds no catalog, no module handle and no
 * peer state, and never waits for a peer: a session or a handshake that
 * fails, hangs or is killed costs only its own processes.
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
#include "serve_gate.h"
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

/* Tell the gate why this connection failed before it was trusted. */
static int sl_conn_failed(int ctl, const char *err)
{
	char msg[1100];
	int len = snprintf(msg, sizeof(msg), "%c%s", SL_GATE_FAILED, err);

	if (len >= (int)sizeof(msg))
		len = sizeof(msg) - 1;
	if (send(ctl, msg, len, MSG_NOSIGNAL) != len)
		fprintf(stderr, "softlock: serve: %s\n", err);
	return SL_EXIT_FAIL;
}

/* Trusted and authorized: may it have a session slot? */
static bool sl_conn_slot(int ctl)
{
	char c = SL_GATE_AUTHED;
	ssize_t n;

	if (send(ctl, &c, 1, MSG_NOSIGNAL) != 1)
		return false;
	do
		n = read(ctl, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && c == SL_GATE_GO;
}

/* One connection, in its own process; returns its exit status. */
static int sl_serve_conn(struct sl_ctx *x, SSL_CTX *ctx, int fd, int ctl,
			 const char *from, unsigned int timeout_s)
{
	int to[2] = { -1, -1 }, back[2] = { -1, -1 }, status, rc;
	struct sl_serve_auth auth = { 0 };
	char err[1024], peer[512], who[800];
	int hs_ms = sl_tls_timeout_ms();
	SSL *ssl;
	pid_t pid;

	if (hs_ms > (int)timeout_s * 1000)
		hs_ms = timeout_s * 1000;
	rc = sl_tls_accept(ctx, fd, hs_ms, &ssl, err, sizeof(err));
	if (rc)
		return sl_conn_failed(ctl, err);
	sl_tls_peer_describe(ssl, peer, sizeof(peer));
	snprintf(who, sizeof(who), "serve: %s (%s)", from, peer);
	if (sl_serve_auth_load(&auth, sl_tls_peer_is, ssl, peer, who)) {
		fprintf(stderr, "softlock: %s: out of memory\n", who);
		return SL_EXIT_FAIL;
	}
	/* Refused a slot (the gate logged it): the session tells the peer. */
	auth.busy = !sl_conn_slot(ctl);
	close(ctl);
	if (!auth.busy)
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
	rc = sl_tls_relay(ssl, fd, back[0], to[1], sl_tls_timeout_ms(), who,
			  err, sizeof(err));
	if (rc)
		fprintf(stderr, "softlock: %s\n", err);
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

/* Accept one connection; fork its child if the gate admits it. */
static void sl_serve_accept(struct sl_ctx *x, SSL_CTX *ctx, int lfd,
			    struct sl_gate *g, const sigset_t *old)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char from[128];
	int fd, ctl[2];
	pid_t pid;

	fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	sl_addr_name(&sa, from, sizeof(from));
	if (!sl_gate_admit(g, &sa, from)) {
		close(fd);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl)) {
		fprintf(stderr, "softlock: serve: %s: cannot create a socket pair: %s\n",
			from, strerror(errno));
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(lfd);
		close(ctl[0]);
		sl_gate_forget(g);
		sigprocmask(SIG_SETMASK, old, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		_exit(sl_serve_conn(x, ctx, fd, ctl[1], from, g->lim.timeout_s));
	}
	close(ctl[1]);
	close(fd);
	if (pid < 0) {
		fprintf(stderr, "softlock: serve: %s: cannot fork: %s\n", from,
			strerror(errno));
		close(ctl[0]);
	} else if (sl_gate_add(g, pid, ctl[0], &sa, from)) {
		fprintf(stderr, "softlock: serve: %s: out of memory\n", from);
		kill(pid, SIGKILL);
		close(ctl[0]);
	}
}

int sl_serve_tls(struct sl_ctx *x, const char *listen_spec,
		 const struct sl_gate_limits *lim)
{
	char addr[256], port[8], err[1024], path[4096];
	struct pollfd *p = NULL, *np;
	struct timespec ts;
	struct sl_grants all;
	struct sl_gate g;
	size_t cap = 0, n;
	sigset_t old;
	SSL_CTX *ctx;
	pid_t pid;
	int lfd, wait_ms;

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
	/* A peer that vanishes between poll and accept cannot stall us. */
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	sl_gate_init(&g, lim);
	sl_serve_signals(&old);
	/* A line on stdout once peers can connect: scripts wait for it. */
	printf("softlock: serving TLS on %s port %s\n", *addr ? addr : "every address",
	       port);
	fflush(stdout);
	while (!sl_serve_stop) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			sl_gate_reaped(&g, pid);
		wait_ms = sl_gate_expire(&g);
		if (cap < g.n + 1) {
			np = reallocarray(p, g.n + 1, sizeof(*p));
			if (!np) {
				sl_err(x, "serve: out of memory");
				break;
			}
			p = np;
			cap = g.n + 1;
		}
		p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		n = sl_gate_pollfds(&g, p + 1, cap - 1);
		ts = (struct timespec){ .tv_sec = wait_ms / 1000,
					.tv_nsec = wait_ms % 1000 * 1000000L };
		if (ppoll(p, n + 1, wait_ms < 0 ? NULL : &ts, &old) <= 0)
			continue;
		sl_gate_ctl(&g, p + 1, n);
		if (p[0].revents & POLLIN)
			sl_serve_accept(x, ctx, lfd, &g, &old);
	}
	close(lfd);
	SSL_CTX_free(ctx);
	free(p);
	fprintf(stderr, "softlock: serve: stopped; %u session%s still finishing\n",
		g.sessions, g.sessions == 1 ? "" : "s");
	sl_gate_free(&g);
	return SL_EXIT_OK;
}
