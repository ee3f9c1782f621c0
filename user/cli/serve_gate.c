// SPDX-License-Identifier: GPL-2.0
/*
 * The gate of softlock serve --tls. A TCP connection costs an attacker
 * nothing, a handshake costs us a process: so until a peer has proved
 * who it is, its connection is held only within small limits, and only
 * for a bounded time. A connection from an address that already has
 * per_address handshakes running, or arriving when handshakes are
 * running in all, is closed at once. A handshake (and the reading
 * of the peers file after it) not done within timeout_s is killed, however
 * slowly or quickly its bytes trickle in: the deadline is the whole
 * handshake's, set when the connection is accepted. Only a peer whose
 * certificate is trusted then asks for one of the session slots, so idle
 * or slow connections never take a slot from a real peer.
 *
 * What unauthenticated peers cause is logged at most SL_GATE_BURST lines
 * of each kind per SL_GATE_WINDOW_MS, then counted, so that a flood
 * cannot fill the log either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve_gate.h"

#define SL_GATE_BURST		10
#define SL_GATE_WINDOW_MS	10000
/* The child's own deadline comes first; this one catches a stuck child. */
#define SL_GATE_GRACE_MS	5000

struct sl_gate_conn {
	pid_t pid;
	int ctl;		/* the child's control socket; -1 once closed */
	unsigned char addr[16];	/* IPv4 as IPv4-mapped IPv6 */
	char from[64];
	int64_t deadline;	/* ms; 0 once authenticated */
	bool session;		/* holds a session slot */
};

static int64_t sl_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *const sl_gate_kinds[SL_GATE_LOG_KINDS] = {
	[SL_GATE_LOG_TOTAL] = "refused (--max-handshakes)",
	[SL_GATE_LOG_ADDRESS] = "refused (--max-handshakes-per-address)",
	[SL_GATE_LOG_FAILED] = "closed, the handshake failed or timed out",
};

/* Say how many lines of one kind the rate limit held back. */
static void sl_gate_held_back(struct sl_gate *g, int kind)
{
	struct sl_gate_log *l = &g->log[kind];

	if (l->held_back)
		fprintf(stderr, "softlock: serve: %u more unauthenticated connections %s, not logged (at most %d lines per %d s)\n",
			l->held_back, sl_gate_kinds[kind], SL_GATE_BURST,
			SL_GATE_WINDOW_MS / 1000);
	l->held_back = 0;
}

/* At the end of a kind's log window, start its next. */
static void sl_gate_window(struct sl_gate *g, int kind, int64_t now)
{
	struct sl_gate_log *l = &g->log[kind];

	if (now < l->window_end)
		return;
	sl_gate_held_back(g, kind);
	l->window_end = now + SL_GATE_WINDOW_MS;
	l->logged = 0;
}

/* Log a line that an unauthenticated peer caused, within the rate limit. */
__attribute__((format(printf, 3, 4)))
static void sl_gate_log(struct sl_gate *g, int kind, const char *fmt, ...)
{
	struct sl_gate_log *l = &g->log[kind];
	va_list ap;

	sl_gate_window(g, kind, sl_now_ms());
	if (l->logged >= SL_GATE_BURST) {
		l->held_back++;
		return;
	}
	l->logged++;
	va_start(ap, fmt);
	fputs("softlock: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * The source a per-address limit counts: an IPv4 address, or an IPv6
 * address's /64. One host is normally given a whole /64 (SLAAC, RFC 7421)
 * and can send from any of its 2^64 addresses, so counting each IPv6
 * address alone would limit nothing. IPv4-mapped addresses stay whole.
 * Returns whether it is a /64.
 */
static bool sl_gate_addr(const struct sockaddr_storage *sa, unsigned char *a)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;

	memset(a, 0, 16);
	if (sa->ss_family == AF_INET6) {
		memcpy(a, &s6->sin6_addr, 16);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return false;
		memset(a + 8, 0, 8);
		return true;
	}
	if (sa->ss_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &s4->sin_addr, 4);
	}
	return false;
}

void sl_gate_init(struct sl_gate *g, const struct sl_gate_limits *lim)
{
	memset(g, 0, sizeof(*g));
	g->lim = *lim;
}

void sl_gate_free(struct sl_gate *g)
{
	for (int k = 0; k < SL_GATE_LOG_KINDS; k++)
		sl_gate_held_back(g, k);
	for (size_t i = 0; i < g->n; i++)
		if (g->c[i].ctl >= 0)
			close(g->c[i].ctl);
	free(g->c);
	memset(g, 0, sizeof(*g));
}

bool sl_gate_admit(struct sl_gate *g, const struct sockaddr_storage *sa,
		   const char *from)
{
	unsigned char a[16];
	unsigned int same = 0;
	bool net64;

	if (g->handshakes >= g->lim.handshakes) {
		sl_gate_log(g, SL_GATE_LOG_TOTAL, "%s: refused, %u handshakes are running (--max-handshakes)",
			    from, g->handshakes);
		return false;
	}
	net64 = sl_gate_addr(sa, a);
	for (size_t i = 0; i < g->n; i++)
		if (g->c[i].deadline && !memcmp(g->c[i].addr, a, 16))
			same++;
	if (same >= g->lim.per_address) {
		sl_gate_log(g, SL_GATE_LOG_ADDRESS, "%s: refused, %u handshakes from this address%s are running (--max-handshakes-per-address)",
			    from, same, net64 ? "'s /64" : "");
		return false;
	}
	return true;
}

int sl_gate_add(struct sl_gate *g, pid_t pid, int ctl,
		const struct sockaddr_storage *sa, const char *from)
{
	struct sl_gate_conn *c;

	if (g->n == g->cap) {
		c = reallocarray(g->c, g->cap ? g->cap * 2 : 32, sizeof(*c));
		if (!c)
			return -ENOMEM;
		g->c = c;
		g->cap = g->cap ? g->cap * 2 : 32;
	}
	c = &g->c[g->n++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->ctl = ctl;
	sl_gate_addr(sa, c->addr);
	snprintf(c->from, sizeof(c->from), "%s", from);
	c->deadline = sl_now_ms() + g->lim.timeout_s * 1000 + SL_GATE_GRACE_MS;
	g->handshakes++;
	return 0;
}

void sl_gate_reaped(struct sl_gate *g, pid_t pid)
{
	struct sl_gate_conn *c;

	for (size_t i = 0; i < g->n; i++) {
		c = &g->c[i];
		if (c->pid != pid)
			continue;
		if (c->deadline)
			g->handshakes--;
		if (c->session)
			g->sessions--;
		if (c->ctl >= 0)
			close(c->ctl);
		*c = g->c[--g->n];
		return;
	}
}

size_t sl_gate_pollfds(const struct sl_gate *g, struct pollfd *p, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < g->n && k < max; i++)
		if (g->c[i].ctl >= 0)
			p[k++] = (struct pollfd){ .fd = g->c[i].ctl,
						  .events = POLLIN };
	return k;
}

/* The handshake is done and the peer trusted: a slot, if one is free. */
static void sl_gate_authed(struct sl_gate *g, struct sl_gate_conn *c)
{
	char answer = SL_GATE_GO;

	c->deadline = 0;
	g->handshakes--;
	if (g->sessions < g->lim.sessions) {
		c->session = true;
		g->sessions++;
	} else {
		answer = SL_GATE_BUSY;
		fprintf(stderr, "softlock: serve: %s: refused, %u sessions are running (--max-sessions)\n",
			c->from, g->sessions);
	}
	/* One byte into an empty socket buffer: it does not block. */
	if (write(c->ctl, &answer, 1) != 1)
		kill(c->pid, SIGKILL);
}

/* One conn's control socket is readable: its news, or its end. */
static void sl_gate_read(struct sl_gate *g, struct sl_gate_conn *c)
{
	char buf[1100];
	ssize_t n;

	n = recv(c->ctl, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && buf[0] == SL_GATE_AUTHED && c->deadline) {
		sl_gate_authed(g, c);
		return;
	}
	if (n > 0 && buf[0] == SL_GATE_FAILED) {
		buf[n] = '\0';
		sl_gate_log(g, SL_GATE_LOG_FAILED, "%s: %s", c->from, buf + 1);
	}
	/* Said why it failed, or closed: nothing more to hear from it. */
	close(c->ctl);
	c->ctl = -1;
}

void sl_gate_ctl(struct sl_gate *g, const struct pollfd *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!p[k].revents)
			continue;
		for (size_t i = 0; i < g->n; i++)
			if (g->c[i].ctl == p[k].fd) {
				sl_gate_read(g, &g->c[i]);
				break;
			}
	}
}

int sl_gate_expire(struct sl_gate *g)
{
	int64_t now = sl_now_ms(), next = -1;
	struct sl_gate_conn *c;

	for (size_t i = 0; i < g->n; i++) {
		c = &g->c[i];
		if (!c->deadline)
			continue;
		if (now >= c->deadline) {
			sl_gate_log(g, SL_GATE_LOG_FAILED, "%s: no handshake within %u s: closed",
				    c->from, g->lim.timeout_s);
			kill(c->pid, SIGKILL);
			/* Reaped by the loop; its slot is free from now. */
			c->deadline = 0;
			g->handshakes--;
			continue;
		}
		if (next < 0 || c->deadline < next)
			next = c->deadline;
	}
	/* Say what the rate limit held back once its window is over. */
	for (int k = 0; k < SL_GATE_LOG_KINDS; k++) {
		sl_gate_window(g, k, now);
		if (g->log[k].held_back &&
		    (next < 0 || g->log[k].window_end < next))
			next = g->log[k].window_end;
	}
	return next < 0 ? -1 : (int)(next - now);
}

void sl_gate_forget(struct sl_gate *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->c[i].ctl >= 0)
			close(g->c[i].ctl);
	free(g->c);
	g->c = NULL;
	g->n = g->cap = 0;
}
